"""Tests of the basic-unit ResNets (18, 34), their plain nets and the blocks.

Published sizes with 1000 classes: ResNet-18 11.7M and ResNet-34 21.8M
parameters (He et al. 2015, Table 1 architectures; the counts torchvision
reports, 11,689,512 and 21,797,672, are matched exactly). The plain networks
are the same minus the three projection shortcuts. Graph-only builds at
64x64 (the parameter count does not depend on the input size).
"""
import numpy as np
import tensorflow.compat.v1 as tf

from nets import nets_factory
from nets import resnet_utils
from nets import resnet_utils_test
from nets import resnet_v1
from nets import resnet_v2

variable_shapes = resnet_utils_test.variable_shapes
_SHAPE = [1, 64, 64, 3]


def build_v1(name, num_classes=1000, **kwargs):
  return resnet_utils_test.build(getattr(resnet_v1, name),
                                 resnet_v1.resnet_arg_scope, _SHAPE,
                                 num_classes=num_classes, is_training=False,
                                 **kwargs)


def trainable_params(built):
  with built.graph.as_default():
    return {v.op.name: int(np.prod(v.shape.as_list()))
            for v in tf.trainable_variables()}


class BasicResnetTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(BasicResnetTest, cls).setUpClass()
    cls.resnet_18 = build_v1('resnet_v1_18')

  def test_published_counts(self):
    for depth, published, exact in ((18, 11.7e6, 11689512),
                                     (34, 21.8e6, 21797672)):
      built = (self.resnet_18 if depth == 18 else
               build_v1('resnet_v1_%d' % depth))
      total = sum(trainable_params(built).values())
      self.assertEqual(published, float('%.3g' % total), depth)
      self.assertEqual(exact, total, depth)

  def test_plain_net_is_the_resnet_minus_the_projections(self):
    residual = trainable_params(self.resnet_18)
    plain = trainable_params(build_v1('plain_18'))
    shortcuts = {name: count for name, count in residual.items()
                 if '/shortcut/' in name}
    # Three projections (64->128, 128->256, 256->512) with batch norm.
    self.assertLen(shortcuts, 3 * 3)
    self.assertEqual(
        64 * 128 + 128 * 256 + 256 * 512 + 2 * (128 + 256 + 512),
        sum(shortcuts.values()))
    self.assertEqual(
        {name.replace('resnet_v1_', 'plain_', 1): count
         for name, count in residual.items() if name not in shortcuts},
        plain)

  def test_table_depths(self):
    for depth, units in resnet_utils.BASIC_UNITS_PER_BLOCK.items():
      # 2 layers per unit, plus conv1 and the logits.
      self.assertEqual(depth, 2 * sum(units) + 2)

  def test_resnet_v1_18_layout(self):
    shapes = variable_shapes(self.resnet_18)
    self.assertEqual([3, 3, 64, 64], shapes[
        'resnet_v1_18/block1/unit_1/basic_v1/conv1/weights'])
    self.assertEqual([1, 1, 64, 128], shapes[
        'resnet_v1_18/block2/unit_1/basic_v1/shortcut/weights'])
    self.assertNotIn('resnet_v1_18/block1/unit_1/basic_v1/shortcut/weights',
                     shapes)
    end_points = self.resnet_18.end_points
    # As TF-Slim does, blocks subsample in their last unit.
    self.assertEqual([1, 8, 8, 64],
                     end_points['resnet_v1_18/block1'].shape.as_list())
    self.assertEqual([1, 2, 2, 512],
                     end_points['resnet_v1_18/block4'].shape.as_list())
    self.assertEqual([1, 1, 1, 512], end_points['PreLogits'].shape.as_list())
    self.assertEqual([1, 1000], end_points['Logits'].shape.as_list())


class BasicUnitTest(tf.test.TestCase):

  def test_v2_basic_units(self):
    blocks = resnet_utils.resnet_blocks(resnet_v2.basic, (1, 1), (4, 8),
                                        (2, 1), min_base_depth=1,
                                        expansion=1)
    for residual in (True, False):
      built = resnet_utils_test.build(
          lambda x, r=residual: resnet_v2.resnet_v2(
              x, blocks, 5, is_training=True, scope='tiny', residual=r),
          resnet_v2.resnet_arg_scope, [1, 32, 32, 3])
      shapes = variable_shapes(built)
      self.assertIn('tiny/block1/unit_1/basic_v2/preact/gamma', shapes)
      self.assertIn('tiny/postnorm/gamma', shapes)
      # The projection reads the pre-activation and has no batch norm.
      self.assertEqual(residual, 'tiny/block2/unit_1/basic_v2/shortcut/'
                       'weights' in shapes)
      self.assertNotIn('tiny/block2/unit_1/basic_v2/shortcut/BatchNorm/beta',
                       shapes)
      self.assertEqual([1, 5], built.net.shape.as_list())

  def test_depth_variant_checks_the_units_table(self):
    with self.assertRaisesRegex(ValueError, 'basic depths are \\[18, 34\\]'):
      resnet_utils.depth_variant(resnet_v1.resnet_v1, resnet_v1.basic, 50)


class BlocksTest(tf.test.TestCase):

  def test_subsample_first_or_last(self):
    first = resnet_utils.resnet_blocks(None, (3,), (16,), (2,), expansion=1,
                                       subsample_first=True)
    last = resnet_utils.resnet_blocks(None, (3,), (16,), (2,), expansion=1)
    self.assertEqual([2, 1, 1], [u.stride for u in first[0].args])
    self.assertEqual([1, 1, 2], [u.stride for u in last[0].args])
    self.assertEqual({16}, {u.depth for u in first[0].args})

  def test_root_without_pool_sets_the_output_stride_unit(self):
    blocks = resnet_utils.resnet_blocks(resnet_v1.basic, (1, 1), (4, 8),
                                        (1, 2), min_base_depth=1, expansion=1,
                                        subsample_first=True)
    root = resnet_utils.Root(depth=4, kernel=3, stride=1, pool=False)
    built = resnet_utils_test.build(
        lambda x: resnet_v1.resnet_v1(x, blocks, None, global_pool=False,
                                      output_stride=1, root=root,
                                      scope='tiny'),
        resnet_v1.resnet_arg_scope, [1, 8, 8, 3])
    # output_stride=1 turns the strided unit atrous: the map stays 8x8.
    self.assertEqual([1, 8, 8, 8], built.net.shape.as_list())


class RegistryTest(tf.test.TestCase):

  def test_entries(self):
    for name in ('resnet_v1_18', 'resnet_v1_34', 'plain_18', 'plain_34'):
      spec = nets_factory.get_model_spec(name)
      self.assertEqual(name, spec.builder.__name__)
      self.assertEqual((224, 'vgg', None),
                       (spec.default_image_size, spec.preprocessing_name,
                        spec.checkpoint_classes))


if __name__ == '__main__':
  tf.test.main()
