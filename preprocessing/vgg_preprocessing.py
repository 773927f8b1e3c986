"""VGG preprocessing (VGG, ResNet v1 and other Caffe-converted checkpoints).

Simonyan and Zisserman, "Very deep convolutional networks for large-scale
image recognition", ICLR 2015. Training: resize the image, keeping its aspect
ratio, so its smaller side is a random size in [256, 512] ("scale
jittering"), take a random crop of the output size and flip it left-right at
random. Evaluation: resize the smaller side to 256 and take the central crop.
Both subtract the ImageNet mean of each RGB channel (pixels in [0, 255];
uint8, or float in that range). The checkpoints take RGB, not Caffe's BGR.

Grayscale input is repeated to RGB before the mean subtraction;
`use_grayscale` makes the result one channel (after the mean subtraction,
which then amounts to subtracting the gray mean).

Typical use:

  image = vgg_preprocessing.preprocess_image(uint8_image, 224, 224,
                                             is_training=True)
"""
import tensorflow.compat.v1 as tf

from preprocessing import image_utils

_R_MEAN = 123.68
_G_MEAN = 116.78
_B_MEAN = 103.94
_CHANNEL_MEANS = (_R_MEAN, _G_MEAN, _B_MEAN)

_RESIZE_SIDE_MIN = 256
_RESIZE_SIDE_MAX = 512


def _prepared(image):
  """Checks, converts to float32 RGB in [0, 255]."""
  image, _ = image_utils.checked_image(image)
  image = tf.cast(image, tf.float32)
  return image_utils.match_channels(image, use_grayscale=False)


def _smallest_side_at_least(side, output_height, output_width):
  """Returns a smallest side that leaves room for the output crop."""
  return tf.maximum(tf.cast(side, tf.int32),
                    tf.maximum(output_height, output_width))


def aspect_preserving_resize(image, smallest_side):
  """Resizes `image` (bilinear) so its smaller side equals `smallest_side`.

  Args:
    image: float [height, width, channels] tensor.
    smallest_side: int or scalar int32 tensor.

  Returns:
    The resized float image [new_height, new_width, channels].
  """
  smallest_side = tf.cast(smallest_side, tf.float32)
  shape = tf.shape(image)
  height = tf.cast(shape[0], tf.float32)
  width = tf.cast(shape[1], tf.float32)
  scale = smallest_side / tf.minimum(height, width)
  new_size = tf.cast(tf.round(tf.stack([height, width]) * scale), tf.int32)
  resized = tf.image.resize_images(image, new_size,
                                   tf.image.ResizeMethod.BILINEAR,
                                   align_corners=False)
  resized.set_shape([None, None, image_utils.num_channels(image)])
  return resized


def central_crop(image, crop_height, crop_width):
  """Returns the central `crop_height` x `crop_width` part of `image`.

  Args:
    image: [height, width, channels] tensor at least as large as the crop.
    crop_height: crop height.
    crop_width: crop width.

  Returns:
    The cropped image.
  """
  shape = tf.shape(image)
  offset_height = (shape[0] - crop_height) // 2
  offset_width = (shape[1] - crop_width) // 2
  return tf.image.crop_to_bounding_box(image, offset_height, offset_width,
                                       crop_height, crop_width)


def _subtract_means(image, means=_CHANNEL_MEANS):
  """Subtracts the per-channel `means` from an RGB image."""
  return image - tf.constant(means, dtype=image.dtype)


def preprocess_for_train(image, output_height, output_width,
                         resize_side_min=_RESIZE_SIDE_MIN,
                         resize_side_max=_RESIZE_SIDE_MAX,
                         use_grayscale=False):
  """Scale-jitters, randomly crops and flips one image for training.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    resize_side_min: smallest random size of the image's smaller side.
    resize_side_max: largest random size of the image's smaller side.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] mean-subtracted image.
  """
  image = _prepared(image)
  resize_side = tf.random.uniform([], minval=resize_side_min,
                                  maxval=resize_side_max + 1, dtype=tf.int32)
  image = aspect_preserving_resize(
      image, _smallest_side_at_least(resize_side, output_height, output_width))
  image = tf.random_crop(image, [output_height, output_width, 3])
  image = tf.image.random_flip_left_right(image)
  image = _subtract_means(image)
  image = image_utils.match_channels(image, use_grayscale)
  return image_utils.set_static_size(image, output_height, output_width)


def preprocess_for_eval(image, output_height, output_width,
                        resize_side=_RESIZE_SIDE_MIN, use_grayscale=False):
  """Resizes one image and crops its centre, deterministically.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    resize_side: size of the image's smaller side before the crop (raised to
      the output size if that is larger, so the crop fits).
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] mean-subtracted image.
  """
  image = _prepared(image)
  image = aspect_preserving_resize(
      image, _smallest_side_at_least(resize_side, output_height, output_width))
  image = central_crop(image, output_height, output_width)
  image = _subtract_means(image)
  image = image_utils.match_channels(image, use_grayscale)
  return image_utils.set_static_size(image, output_height, output_width)


def preprocess_image(image, output_height, output_width, is_training=False,
                     resize_side_min=_RESIZE_SIDE_MIN,
                     resize_side_max=_RESIZE_SIDE_MAX, use_grayscale=False):
  """Preprocesses one image for a VGG-style network.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    is_training: random augmentation if True, deterministic otherwise.
    resize_side_min: smaller-side size at evaluation; lower bound of the
      random size in training.
    resize_side_max: training only: upper bound of the random size.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [output_height, output_width, 1 or 3] mean-subtracted image.

  Raises:
    ValueError: the image has no static channel count of 1 or 3.
  """
  if is_training:
    return preprocess_for_train(image, output_height, output_width,
                                resize_side_min, resize_side_max,
                                use_grayscale=use_grayscale)
  return preprocess_for_eval(image, output_height, output_width,
                             resize_side_min, use_grayscale=use_grayscale)
