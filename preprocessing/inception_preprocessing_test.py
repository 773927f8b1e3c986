"""Tests of inception_preprocessing."""
import numpy as np
import tensorflow.compat.v1 as tf

from preprocessing import inception_preprocessing


class InceptionPreprocessingTest(tf.test.TestCase):

  def test_eval_central_crop_and_scale(self):
    image = np.random.RandomState(0).randint(0, 256, (16, 16, 3))
    with tf.Graph().as_default():
      # 0.875 of 16 is 14: a 1-pixel border is cut; resizing 14 -> 14 is the
      # identity.
      out = inception_preprocessing.preprocess_image(
          tf.constant(image.astype(np.uint8)), 14, 14)
      with self.session() as sess:
        value = sess.run(out)
    expected = (image[1:15, 1:15] / 255.0 - 0.5) * 2.0
    self.assertAllClose(value, expected, atol=1e-5)

  def test_eval_without_resize_or_crop(self):
    with tf.Graph().as_default():
      out = inception_preprocessing.preprocess_for_eval(
          tf.zeros([10, 12, 1], tf.uint8), None, None, central_crop=False)
      self.assertEqual(out.get_shape().as_list(), [10, 12, 3])

  def test_distort_color_stays_in_unit_range(self):
    image = np.random.RandomState(1).uniform(size=(8, 8, 3))
    with tf.Graph().as_default():
      outs = [inception_preprocessing.distort_color(
          tf.constant(image, tf.float32), ordering, fast_mode)
              for fast_mode, orderings in ((True, 2), (False, 4))
              for ordering in range(orderings)]
      with self.assertRaisesRegex(ValueError, 'color_ordering'):
        inception_preprocessing.distort_color(tf.constant(image), 2, True)
      with self.session() as sess:
        values = sess.run(outs)
    for value in values:
      self.assertBetween(value.min(), 0.0, 1.0)
      self.assertBetween(value.max(), 0.0, 1.0)

  def test_random_selector_uses_every_case(self):
    with tf.Graph().as_default():
      out = inception_preprocessing.apply_with_random_selector(
          tf.constant(10), lambda x, case: x + case, num_cases=4)
      with self.session() as sess:
        seen = {sess.run(out) for _ in range(60)}
    self.assertEqual(seen, {10, 11, 12, 13})

  def test_crop_respects_bounding_box(self):
    # The crop must cover >= 10% of the box in the top-left quarter.
    image = np.zeros((40, 40, 1), np.float32)
    image[:20, :20] = 1.0
    with tf.Graph().as_default():
      box = tf.constant([[[0.0, 0.0, 0.5, 0.5]]])
      crop, _ = inception_preprocessing.distorted_bounding_box_crop(
          tf.constant(image), box)
      with self.session() as sess:
        for _ in range(10):
          self.assertGreaterEqual(sess.run(crop).sum(), 0.1 * 400 - 1)

  def test_train_full_mode_and_bbox(self):
    with tf.Graph().as_default():
      out = inception_preprocessing.preprocess_image(
          tf.zeros([30, 40, 3], tf.uint8), 20, 20, is_training=True,
          bbox=tf.constant([[[0.1, 0.1, 0.9, 0.9]]]), fast_mode=False,
          add_image_summaries=False)
      self.assertEqual(out.get_shape().as_list(), [20, 20, 3])
      with self.session() as sess:
        value = sess.run(out)
    self.assertBetween(value.min(), -1.0, 1.0)
    self.assertBetween(value.max(), -1.0, 1.0)


if __name__ == '__main__':
  tf.test.main()
