"""Tests of vgg_preprocessing."""
import numpy as np
import tensorflow.compat.v1 as tf

from preprocessing import vgg_preprocessing

_MEANS = np.array([123.68, 116.78, 103.94], np.float32)


class VggPreprocessingTest(tf.test.TestCase):

  def test_aspect_preserving_resize(self):
    with tf.Graph().as_default():
      tall = vgg_preprocessing.aspect_preserving_resize(
          tf.zeros([300, 200, 3]), 256)
      wide = vgg_preprocessing.aspect_preserving_resize(
          tf.zeros([100, 150, 1]), 256)
      with self.session() as sess:
        tall, wide = sess.run([tf.shape(tall), tf.shape(wide)])
    self.assertAllEqual(tall, [384, 256, 3])
    self.assertAllEqual(wide, [256, 384, 1])

  def test_eval_central_crop_minus_means(self):
    # The smaller side is already 256: no resize, then a central crop.
    image = np.random.RandomState(0).randint(0, 256, (256, 260, 3))
    with tf.Graph().as_default():
      out = vgg_preprocessing.preprocess_image(
          tf.constant(image.astype(np.uint8)), 224, 224)
      with self.session() as sess:
        value = sess.run(out)
    self.assertAllClose(value, image[16:240, 18:242] - _MEANS, atol=1e-4)

  def test_grayscale_input_and_output(self):
    image = np.full((256, 256, 1), 100, np.uint8)
    with tf.Graph().as_default():
      rgb = vgg_preprocessing.preprocess_image(tf.constant(image), 32, 32)
      gray = vgg_preprocessing.preprocess_image(tf.constant(image), 32, 32,
                                                use_grayscale=True)
      with self.session() as sess:
        rgb, gray = sess.run([rgb, gray])
    self.assertAllClose(rgb, np.broadcast_to(100 - _MEANS, (32, 32, 3)),
                        atol=1e-4)
    gray_mean = np.dot(_MEANS, [0.2989, 0.587, 0.114])
    self.assertAllClose(gray, np.full((32, 32, 1), 100 - gray_mean),
                        atol=0.05)

  def test_output_larger_than_resize_side(self):
    with tf.Graph().as_default():
      outs = [vgg_preprocessing.preprocess_image(
          tf.zeros([50, 60, 3], tf.uint8), 300, 320, is_training=training)
              for training in (False, True)]
      with self.session() as sess:
        for value in sess.run(outs):
          self.assertEqual(value.shape, (300, 320, 3))

  def test_train_scale_jitter_keeps_a_crop_of_the_resized_image(self):
    # A vertical ramp: a crop of the image resized to a smaller side s in
    # [256, 512] spans rows of height 32 -> about 32 / s of the ramp.
    ramp = np.tile(np.linspace(0, 255, 256)[:, None, None], (1, 256, 3))
    with tf.Graph().as_default():
      out = vgg_preprocessing.preprocess_for_train(
          tf.constant(ramp, tf.float32), 32, 32)
      with self.session() as sess:
        spans = [np.ptp(sess.run(out)[:, 0, 0]) for _ in range(20)]
    self.assertBetween(min(spans), 255.0 * 31 / 512 - 1, 255.0 * 31 / 256 + 1)
    self.assertBetween(max(spans), 255.0 * 31 / 512 - 1, 255.0 * 31 / 256 + 1)
    self.assertGreater(max(spans) - min(spans), 1.0)


if __name__ == '__main__':
  tf.test.main()
