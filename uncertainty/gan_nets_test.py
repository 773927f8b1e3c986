"""Tests of uncertainty.gan_nets."""
import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import gan_nets


class LayerCountTest(tf.test.TestCase):

  def test_smallest_feature_map_is_at_most_8(self):
    for size, layers in [(8, 2), (28, 2), (32, 2), (64, 3), (224, 5),
                         (299, 6)]:
      self.assertEqual(gan_nets.num_resolution_layers(size), layers, size)
      self.assertLessEqual(np.ceil(size / 2.0 ** layers), 8)

  def test_bad_size(self):
    with self.assertRaisesRegex(ValueError, 'positive'):
      gan_nets.num_resolution_layers(0)


class GeneratorTest(tf.test.TestCase):

  def _generate(self, height, width, channels, depth=4):
    with tf.Graph().as_default():
      noise = tf.random.normal([3, 5], seed=1)
      pixels = gan_nets.generator(noise, height, width, channels, depth=depth)
      again = gan_nets.generator(noise, height, width, channels, depth=depth)
      num_vars = len(tf.trainable_variables())
      names = {v.op.name for v in tf.trainable_variables()}
      with self.session() as session:
        session.run(tf.global_variables_initializer())
        values, values_again = session.run([pixels, again])
    return pixels.get_shape().as_list(), values, values_again, num_vars, names

  def test_shapes_range_and_sharing(self):
    for height, width, channels in [(28, 28, 1), (32, 32, 3), (30, 30, 3)]:
      shape, values, again, _, names = self._generate(height, width,
                                                      channels)
      self.assertEqual(shape, [3, height, width, channels])
      self.assertEqual(values.shape, (3, height, width, channels))
      self.assertGreaterEqual(values.min(), 0.0)
      self.assertLessEqual(values.max(), 255.0)
      # The second call reuses the weights (same noise tensor, same output).
      self.assertAllClose(values, again)
      self.assertTrue(all(n.startswith('generator/') for n in names), names)

  def test_layout_for_mnist(self):
    _, _, _, _, names = self._generate(28, 28, 1)
    self.assertEqual(names, {
        'generator/project/weights', 'generator/project/biases',
        'generator/project_bn/beta', 'generator/project_bn/gamma',
        'generator/deconv1/weights', 'generator/deconv1/biases',
        'generator/deconv1_bn/beta', 'generator/deconv1_bn/gamma',
        'generator/deconv2/weights', 'generator/deconv2/biases'})

  def test_bad_noise(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, 'noise_dim'):
        gan_nets.generator(tf.zeros([2, 3, 4]), 28, 28, 1)


class DiscriminatorTest(tf.test.TestCase):

  def test_one_logit_per_image_and_sharing(self):
    with tf.Graph().as_default():
      images = tf.random.uniform([3, 32, 32, 3], -1, 1, seed=2)
      logits = gan_nets.discriminator(images, depth=4)
      num_vars = len(tf.trainable_variables())
      gan_nets.discriminator(images * 0.5, depth=4)
      self.assertEqual(len(tf.trainable_variables()), num_vars)
      self.assertEqual(logits.get_shape().as_list(), [3])
      self.assertTrue(all(v.op.name.startswith('discriminator/')
                          for v in tf.trainable_variables()))
      # No moving statistics: nothing for UPDATE_OPS.
      self.assertEqual(tf.get_collection(tf.GraphKeys.UPDATE_OPS), [])

  def test_needs_static_sizes(self):
    with tf.Graph().as_default():
      images = tf.placeholder(tf.float32, [None, None, None, 1])
      with self.assertRaisesRegex(ValueError, 'static'):
        gan_nets.discriminator(images)


class BatchNormTest(tf.test.TestCase):

  def test_normalizes_with_batch_statistics(self):
    values = np.random.RandomState(0).normal(3.0, 2.0, [16, 4, 4, 2])
    with tf.Graph().as_default():
      out = gan_nets.batch_norm(tf.constant(values, tf.float32), 'bn')
      with self.session() as session:
        session.run(tf.global_variables_initializer())
        result = session.run(out)
    self.assertAllClose(result.mean(axis=(0, 1, 2)), [0.0, 0.0], atol=1e-5)
    self.assertAllClose(result.std(axis=(0, 1, 2)), [1.0, 1.0], atol=1e-3)


class ImageGridTest(tf.test.TestCase):

  def test_tiles_row_major_with_black_padding(self):
    pixels = np.stack([np.full([2, 3, 1], 10.0 * (i + 1)) for i in range(3)])
    grid = gan_nets.image_grid(pixels, num_columns=2)
    self.assertEqual(grid.shape, (4, 6, 1))
    self.assertEqual(grid.dtype, np.uint8)
    self.assertTrue(np.all(grid[:2, :3] == 10))
    self.assertTrue(np.all(grid[:2, 3:] == 20))
    self.assertTrue(np.all(grid[2:, :3] == 30))
    self.assertTrue(np.all(grid[2:, 3:] == 0))

  def test_clips_and_rejects_empty(self):
    grid = gan_nets.image_grid(np.array([[[[300.0]], [[-5.0]]]]))
    self.assertEqual(grid[:, :, 0].tolist(), [[255], [0]])
    with self.assertRaisesRegex(ValueError, 'non-empty'):
      gan_nets.image_grid(np.zeros([0, 2, 2, 1]))


if __name__ == '__main__':
  tf.test.main()
