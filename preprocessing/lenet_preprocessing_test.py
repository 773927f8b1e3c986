"""Tests of lenet_preprocessing."""
import numpy as np
import tensorflow.compat.v1 as tf

from preprocessing import lenet_preprocessing


class LenetPreprocessingTest(tf.test.TestCase):

  def test_scales_to_minus_one_one(self):
    image = np.arange(28 * 28).reshape(28, 28, 1).astype(np.uint8)
    with tf.Graph().as_default():
      out = lenet_preprocessing.preprocess_image(tf.constant(image), 28, 28)
      with self.session() as sess:
        value = sess.run(out)
    self.assertAllClose(value, (image.astype(np.float32) - 128.0) / 128.0)

  def test_pads_with_black_and_crops_centrally(self):
    image = np.full((20, 36, 1), 255, np.uint8)
    with tf.Graph().as_default():
      out = lenet_preprocessing.preprocess_image(tf.constant(image), 28, 28)
      self.assertEqual(out.get_shape().as_list(), [28, 28, 1])
      with self.session() as sess:
        value = sess.run(out)[:, :, 0]
    # Rows: 4 padded on each side; columns: 4 cropped on each side.
    self.assertAllClose(value[:4], -np.ones((4, 28)))
    self.assertAllClose(value[-4:], -np.ones((4, 28)))
    self.assertAllClose(value[4:-4], np.full((20, 28), 127.0 / 128.0))

  def test_non_square_output(self):
    with tf.Graph().as_default():
      out = lenet_preprocessing.preprocess_image(
          tf.zeros([28, 28, 3], tf.uint8), 20, 24, use_grayscale=True)
      self.assertEqual(out.get_shape().as_list(), [20, 24, 1])


if __name__ == '__main__':
  tf.test.main()
