"""Tests of image_utils."""
import itertools

import numpy as np
import tensorflow.compat.v1 as tf

from preprocessing import image_utils


def _image(height, width, channels, dtype):
  values = np.arange(height * width * channels) % 251 + 1
  return values.reshape(height, width, channels).astype(dtype)


class CropOrPadTest(tf.test.TestCase):

  def test_equals_resize_image_with_crop_or_pad(self):
    # Every mix of crop / keep / pad, odd and even differences, per dimension.
    sizes = (3, 4, 5, 6, 9)
    targets = (4, 5)
    cases = list(itertools.product(sizes, sizes, targets, targets))
    with tf.Graph().as_default():
      image_in = tf.placeholder(tf.float32, [None, None, 2])
      height_in = tf.placeholder(tf.int32, [])
      width_in = tf.placeholder(tf.int32, [])
      ours = image_utils.crop_or_pad(image_in, height_in, width_in)
      theirs = tf.image.resize_image_with_crop_or_pad(image_in, height_in,
                                                      width_in)
      with self.session() as sess:
        for height, width, target_height, target_width in cases:
          feed = {image_in: _image(height, width, 2, np.float32),
                  height_in: target_height, width_in: target_width}
          ours_value, theirs_value = sess.run([ours, theirs], feed)
          self.assertEqual(ours_value.shape, (target_height, target_width, 2))
          self.assertAllEqual(ours_value, theirs_value,
                              msg=str((height, width, target_height,
                                       target_width)))

  def test_static_shapes_and_dtype(self):
    with tf.Graph().as_default():
      image = tf.constant(_image(7, 2, 3, np.uint8))
      out = image_utils.crop_or_pad(image, 4, 5)
      self.assertEqual(out.get_shape().as_list(), [4, 5, 3])
      self.assertEqual(out.dtype, tf.uint8)
      unknown_height = image_utils.crop_or_pad(
          image, tf.placeholder(tf.int32, []), 5)
      self.assertEqual(unknown_height.get_shape().as_list(), [None, 5, 3])
      with self.session() as sess:
        value = sess.run(out)
    # Rows 1..4 of the 7 are kept; columns: 1 zero before, 2 after.
    self.assertAllEqual(value[:, 1:3], _image(7, 2, 3, np.uint8)[1:5])
    self.assertAllEqual(value[:, 0], np.zeros((4, 3)))
    self.assertAllEqual(value[:, 3:], np.zeros((4, 2, 3)))

  def test_rejects_bad_arguments(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r'one \[height, width'):
        image_utils.crop_or_pad(tf.zeros([1, 4, 4, 3]), 2, 2)
      with self.assertRaisesRegex(ValueError, 'target width must be > 0'):
        image_utils.crop_or_pad(tf.zeros([4, 4, 3]), 2, 0)


class PadToAtLeastTest(tf.test.TestCase):

  def test_pads_only_the_small_dimension(self):
    with tf.Graph().as_default():
      image = tf.constant(_image(3, 8, 1, np.uint8))
      out = image_utils.pad_to_at_least(image, 6, 5)
      with self.session() as sess:
        value = sess.run(out)
    self.assertEqual(value.shape, (6, 8, 1))
    self.assertAllEqual(value[1:4], _image(3, 8, 1, np.uint8))
    self.assertAllEqual(value[0], np.zeros((8, 1)))
    self.assertAllEqual(value[4:], np.zeros((2, 8, 1)))


if __name__ == '__main__':
  tf.test.main()
