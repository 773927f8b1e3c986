"""Tests of cifarnet_preprocessing."""
import numpy as np
import tensorflow.compat.v1 as tf

from preprocessing import cifarnet_preprocessing


def _standardized(x):
  x = x.astype(np.float64)
  return (x - x.mean()) / max(x.std(), 1.0 / np.sqrt(x.size))


class CifarnetPreprocessingTest(tf.test.TestCase):

  def test_eval_crops_centrally_and_standardizes(self):
    image = np.random.RandomState(0).randint(0, 256, (36, 40, 3))
    with tf.Graph().as_default():
      out = cifarnet_preprocessing.preprocess_image(
          tf.constant(image.astype(np.uint8)), 32, 32,
          add_image_summaries=False)
      with self.session() as sess:
        value = sess.run(out)
    self.assertAllClose(value, _standardized(image[2:34, 4:36]), atol=1e-4)

  def test_train_crop_stays_inside_padded_image(self):
    # A constant image: every random crop of the image padded by 4 holds at
    # least (32 - 4)^2 image pixels; standardization maps image and padding
    # to (at most) two values.
    with tf.Graph().as_default():
      out = cifarnet_preprocessing.preprocess_for_train(
          tf.fill([32, 32, 1], tf.constant(200, tf.uint8)), 32, 32,
          add_image_summaries=False, use_grayscale=True)
      with self.session() as sess:
        for _ in range(5):
          values, counts = np.unique(sess.run(out).round(4),
                                     return_counts=True)
          self.assertLessEqual(len(values), 2)
          self.assertGreaterEqual(counts.max(), 28 * 28)

  def test_train_pads_images_smaller_than_output(self):
    with tf.Graph().as_default():
      out = cifarnet_preprocessing.preprocess_image(
          tf.zeros([10, 12, 3], tf.uint8), 32, 32, is_training=True)
      self.assertEqual(out.get_shape().as_list(), [32, 32, 3])
      with self.session() as sess:
        self.assertEqual(sess.run(out).shape, (32, 32, 3))

  def test_image_summaries(self):
    with tf.Graph().as_default() as graph:
      cifarnet_preprocessing.preprocess_image(
          tf.zeros([32, 32, 3], tf.uint8), 32, 32, is_training=True)
      self.assertLen(graph.get_collection(tf.GraphKeys.SUMMARIES), 2)


if __name__ == '__main__':
  tf.test.main()
