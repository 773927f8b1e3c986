"""Preprocessing of CifarNet (CIFAR-10), as in the TensorFlow CIFAR tutorial.

Training: zero-pad 4 pixels on each side, take a random crop of the output
size, flip left-right at random, jitter brightness and contrast, and
standardize each image to zero mean and unit variance. Evaluation: central
crop (or pad) to the output size and standardize. Pixels are taken in
[0, 255] (uint8, or float in that range). Grayscale input is repeated to RGB
unless `use_grayscale`, which gives one-channel output.

Typical use:

  image = cifarnet_preprocessing.preprocess_image(uint8_image, 32, 32,
                                                  is_training=True)
"""
import tensorflow.compat.v1 as tf

from preprocessing import image_utils

_PADDING = 4
# Random brightness delta on the [0, 255] scale and contrast factor range.
_MAX_BRIGHTNESS_DELTA = 63
_CONTRAST_RANGE = (0.2, 1.8)


def _prepared(image, use_grayscale):
  """Checks, converts to float32 [0, 255] and matches the channel count."""
  image, _ = image_utils.checked_image(image)
  image = tf.cast(image, tf.float32)
  return image_utils.match_channels(image, use_grayscale)


def _image_summary(name, image, add_image_summaries):
  if add_image_summaries:
    tf.summary.image(name, tf.expand_dims(image, 0))


def preprocess_for_train(image, output_height, output_width, padding=_PADDING,
                         add_image_summaries=True, use_grayscale=False):
  """Randomly distorts one image for CifarNet training.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    padding: zero padding added on each side before the random crop.
    add_image_summaries: whether to add image summaries of the input and the
      distorted image.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] standardized image.
  """
  image = _prepared(image, use_grayscale)
  _image_summary('image', image, add_image_summaries)
  if padding > 0:
    image = tf.pad(image, [[padding, padding], [padding, padding], [0, 0]])
  # Inputs smaller than the output even after padding (e.g. 20x20 images
  # for a 32x32 net) are padded further so the crop always fits.
  image = image_utils.pad_to_at_least(image, output_height, output_width)
  image = tf.random_crop(
      image, [output_height, output_width, image_utils.num_channels(image)])
  image = tf.image.random_flip_left_right(image)
  _image_summary('distorted_image', image, add_image_summaries)
  image = tf.image.random_brightness(image, max_delta=_MAX_BRIGHTNESS_DELTA)
  image = tf.image.random_contrast(image, *_CONTRAST_RANGE)
  image = tf.image.per_image_standardization(image)
  return image_utils.set_static_size(image, output_height, output_width)


def preprocess_for_eval(image, output_height, output_width,
                        add_image_summaries=True, use_grayscale=False):
  """Crops (or pads) one image centrally and standardizes it.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    add_image_summaries: whether to add an image summary of the input.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] standardized image.
  """
  image = _prepared(image, use_grayscale)
  _image_summary('image', image, add_image_summaries)
  image = image_utils.crop_or_pad(image, output_height, output_width)
  image = tf.image.per_image_standardization(image)
  return image_utils.set_static_size(image, output_height, output_width)


def preprocess_image(image, output_height, output_width, is_training=False,
                     add_image_summaries=True, use_grayscale=False):
  """Preprocesses one image for CifarNet training or evaluation.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    is_training: random augmentation if True, deterministic otherwise.
    add_image_summaries: whether to add image summaries.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] standardized image.

  Raises:
    ValueError: the image has no static channel count of 1 or 3.
  """
  if is_training:
    return preprocess_for_train(image, output_height, output_width,
                                add_image_summaries=add_image_summaries,
                                use_grayscale=use_grayscale)
  return preprocess_for_eval(image, output_height, output_width,
                             add_image_summaries=add_image_summaries,
                             use_grayscale=use_grayscale)
