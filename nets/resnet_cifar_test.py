"""Tests of the CIFAR ResNets of He et al. 2015, Sec. 4.2, and their plain nets.

Parameter counts are checked against Table 6 of the paper (to its two
significant digits); the plain networks must have exactly the residual
ones' variables (option-A shortcuts have no parameters). Graphs are built
with `resnet_utils_test.build` (zero initializers, graph only) except for
the few forward passes, which run at 32x32 on one image.
"""
import numpy as np
import tensorflow.compat.v1 as tf

from nets import nets_factory
from nets import resnet_cifar
from nets import resnet_utils
from nets import resnet_utils_test

build = resnet_utils_test.build
variable_shapes = resnet_utils_test.variable_shapes
_SHAPE = [1, 32, 32, 3]


def build_cifar(name, **kwargs):
  kwargs.setdefault('num_classes', 10)
  kwargs.setdefault('is_training', False)
  return build(getattr(resnet_cifar, name), resnet_cifar.resnet_arg_scope,
               _SHAPE, **kwargs)


def trainable_params(built):
  with built.graph.as_default():
    return sum(int(np.prod(v.shape.as_list()))
               for v in tf.trainable_variables())


def two_significant_digits(count):
  """1727962 -> '1.7M', 269722 -> '0.27M' (the paper's notation)."""
  millions = count / 1e6
  return '%sM' % float('%.2g' % millions)


class CifarResnetTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(CifarResnetTest, cls).setUpClass()
    cls.resnet = build_cifar('resnet_cifar_20', cheap=False)
    cls.plain = build_cifar('plain_cifar_20', cheap=False)

  def test_counts_equal_the_papers_table_6(self):
    # He et al. 2015, Table 6: 20 / 32 / 44 / 56 / 110 layers.
    published = {20: '0.27M', 56: '0.85M', 110: '1.7M'}
    counts = {20: trainable_params(self.resnet)}
    for depth in (56, 110):
      counts[depth] = trainable_params(build_cifar('resnet_cifar_%d' % depth))
    self.assertEqual(published, {depth: two_significant_digits(count)
                                 for depth, count in counts.items()}, counts)
    # By hand for ResNet-20: 3x3 convolutions without biases, batch norm
    # beta and gamma per channel, a 64x10 classifier with biases.
    convs = (27 * 16 + 6 * 9 * 16 * 16 + 9 * 16 * 32 + 5 * 9 * 32 * 32 +
             9 * 32 * 64 + 5 * 9 * 64 * 64)
    batch_norm = 2 * (16 * 7 + 32 * 6 + 64 * 6)
    self.assertEqual(convs + batch_norm + 64 * 10 + 10, counts[20])

  def test_plain_net_has_the_same_variables(self):
    # Option A (zero-padding) shortcuts have no parameters, so the plain
    # network differs only by the variable scope.
    self.assertEqual(
        {name.replace('resnet_cifar', 'plain_cifar', 1): shape
         for name, shape in variable_shapes(self.resnet).items()},
        variable_shapes(self.plain))

  def test_every_depth_is_6n_plus_2(self):
    for depth in resnet_cifar.DEPTHS:
      n = resnet_cifar.units_per_stage(depth)[0]
      self.assertEqual(depth, 6 * n + 2)
    for bad in (21, 2, 0):
      with self.assertRaisesRegex(ValueError, '6n\\+2'):
        resnet_cifar.units_per_stage(bad)

  def test_stages_of_16_32_64_filters_on_32_16_8_maps(self):
    end_points = self.resnet.end_points
    self.assertEqual([1, 32, 32, 16],
                     end_points['resnet_cifar_20/conv1'].shape.as_list())
    self.assertNotIn('resnet_cifar_20/pool1', end_points)
    for block, (size, depth) in enumerate(((32, 16), (16, 32), (8, 64)), 1):
      self.assertEqual([1, size, size, depth],
                       end_points['resnet_cifar_20/block%d' % block]
                       .shape.as_list())
    # Subsampling happens in the first unit of a stage, as in the paper.
    self.assertEqual(
        [1, 16, 16, 32],
        end_points['resnet_cifar_20/block2/unit_1/basic_v1'].shape.as_list())
    self.assertEqual([1, 1, 1, 64], end_points['PreLogits'].shape.as_list())
    self.assertEqual([1, 10], end_points['Logits'].shape.as_list())
    self.assertIn('Predictions', end_points)
    self.assertEqual([3, 3, 3, 16], variable_shapes(self.resnet)[
        'resnet_cifar_20/conv1/weights'])

  def test_only_the_residual_net_has_shortcuts(self):
    def ops(built, op_types, suffix=''):
      return [op.name for op in built.graph.get_operations()
              if op.type in op_types and '/unit_' in op.name and
              op.name.endswith(suffix)]
    self.assertLen(ops(self.resnet, ('Add', 'AddV2'), '/add'), 9)
    # Zero channels are appended where the depth doubles (stages 2 and 3).
    self.assertLen(ops(self.resnet, ('Pad',), 'shortcut_zero_pad'), 2)
    self.assertEqual([], ops(self.plain, ('Add', 'AddV2'), '/add'))
    self.assertEqual([], ops(self.plain, ('Pad',), 'shortcut_zero_pad'))

  def test_same_weights_give_different_outputs_with_shortcuts(self):
    weights = resnet_utils_test.random_weights(self.resnet)
    plain_weights = {name.replace('resnet_cifar', 'plain_cifar', 1): value
                     for name, value in weights.items()}
    images = resnet_utils_test.random_images(_SHAPE)
    residual = resnet_utils_test.run(self.resnet, weights, images)
    plain = resnet_utils_test.run(self.plain, plain_weights, images)
    self.assertEqual((1, 10), residual.shape)
    self.assertNotAllClose(residual, plain)

  def test_batch_norm_updates_only_in_training(self):
    self.assertFalse(self.resnet.graph.get_collection(
        tf.GraphKeys.UPDATE_OPS))
    built = build_cifar('plain_cifar_20', is_training=True)
    # conv1 and 2 convolutions in each of 9 units, 2 moving statistics each.
    self.assertLen(built.graph.get_collection(tf.GraphKeys.UPDATE_OPS),
                   2 * 19)


class ZeroPadShortcutTest(tf.test.TestCase):

  def test_subsamples_and_appends_zero_channels(self):
    images = resnet_utils_test.random_images([1, 4, 4, 2])
    with tf.Graph().as_default():
      net = resnet_utils.shortcut_branch(tf.constant(images), 5, 2,
                                         kind='zero_pad')
      self.assertFalse(tf.global_variables())
      with self.session() as sess:
        value = sess.run(net)
    self.assertEqual((1, 2, 2, 5), value.shape)
    self.assertAllClose(images[:, ::2, ::2, :], value[..., :2])
    self.assertAllEqual(np.zeros((1, 2, 2, 3)), value[..., 2:])

  def test_cannot_reduce_channels(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, "use 'projection'"):
        resnet_utils.shortcut_branch(tf.zeros([1, 4, 4, 8]), 4, 1,
                                     kind='zero_pad')
      with self.assertRaisesRegex(ValueError, 'shortcut must be one of'):
        resnet_utils.shortcut_branch(tf.zeros([1, 4, 4, 8]), 16, 1,
                                     kind='identity')


class RegistryTest(tf.test.TestCase):

  def test_entries(self):
    for depth in resnet_cifar.DEPTHS:
      for family in ('resnet_cifar', 'plain_cifar'):
        name = '%s_%d' % (family, depth)
        spec = nets_factory.get_model_spec(name)
        self.assertEqual(name, spec.builder.__name__)
        self.assertEqual((32, 'cifarnet', None),
                         (spec.default_image_size, spec.preprocessing_name,
                          spec.checkpoint_classes))
        self.assertEqual(32, spec.builder.default_image_size)


if __name__ == '__main__':
  tf.test.main()
