"""Preprocessing of LeNet (MNIST-like digits).

Pixels in [0, 255] are mapped to [-1, 1) by (x - 128) / 128 and the image is
centrally cropped or zero-padded to the output size (padding is added before
the scaling, so padded pixels read -1, the value of a black pixel). Training
and evaluation are identical (no augmentation), as in LeCun et al.,
"Gradient-based learning applied to document recognition", Proc. IEEE 1998.
The channel count is kept (1 for MNIST) unless `use_grayscale` turns RGB
input into one channel.

Typical use:

  image = lenet_preprocessing.preprocess_image(uint8_image, 28, 28)
"""
import tensorflow.compat.v1 as tf

from preprocessing import image_utils

_CENTER = 128.0
_SCALE = 128.0


def preprocess_image(image, output_height, output_width, is_training=False,
                     use_grayscale=False):
  """Preprocesses one image for LeNet.

  Args:
    image: [height, width, 1 or 3] tensor, uint8 or float in [0, 255].
    output_height: height of the result.
    output_width: width of the result.
    is_training: unused (training and evaluation preprocess alike); kept for
      the common preprocessing signature.
    use_grayscale: whether RGB input is converted to one channel.

  Returns:
    float32 [output_height, output_width, channels] image in [-1, 1), with
    the input's channel count (1 if `use_grayscale`).

  Raises:
    ValueError: the image has no static channel count of 1 or 3.
  """
  del is_training  # LeNet has no augmentation.
  image, channels = image_utils.checked_image(image)
  image = tf.cast(image, tf.float32)
  if use_grayscale and channels == 3:
    image = tf.image.rgb_to_grayscale(image)
  image = image_utils.crop_or_pad(image, output_height, output_width)
  image = (image - _CENTER) / _SCALE
  return image_utils.set_static_size(image, output_height, output_width)
