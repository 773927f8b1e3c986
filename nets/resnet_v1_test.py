"""Tests of resnet_v1 against TF-Slim's implementation (the oracle).

The oracle, tf_slim.nets.resnet_v1 1.1.0, differs by design in two ways that
the checks account for: it returns 4-D logits (ours squeeze them, as TF-Slim's
model library does with its default spatial_squeeze=True), and it has no
'global_pool' or '<scope>/spatial_squeeze' end points (ours add them, as the
model library does). Variable names and shapes are identical.

Besides the family checks of resnet_utils_test, this file checks the parts of
the body that ResNet v2 shares (features, dropout, frozen batch norm) and the
forward pass of a deeper network, ResNet-101.
"""
import tensorflow.compat.v1 as tf
from tf_slim.nets import resnet_v1 as oracle_resnet_v1

from nets import net_utils
from nets import resnet_utils_test
from nets import resnet_v1

variable_shapes = resnet_utils_test.variable_shapes


class ResnetV1Test(resnet_utils_test.ResnetFamilyChecks, tf.test.TestCase):
  OURS = resnet_v1
  ORACLE = oracle_resnet_v1
  PREFIX = 'resnet_v1'
  OUTPUT_STRIDE = 16  # resnet_v2_test compares 8.

  def test_101_matches_oracle(self):
    self.check_variant_matches_oracle(101)

  def test_root_block_has_batch_norm(self):
    self.assertIn('resnet_v1_50/conv1/BatchNorm/gamma',
                  variable_shapes(self.ours_50))

  def test_default_image_size_is_224(self):
    self.assertEqual(224, resnet_v1.resnet_v1_50.default_image_size)

  def test_num_classes_zero_returns_features(self):
    # num_classes=None, TF-Slim's way, is compared with the oracle.
    built = self.build_tiny(num_classes=0)
    self.assertEqual([1, 1, 1, 32], built.net.shape.as_list())
    self.assertIs(built.net, built.end_points['PreLogits'])
    self.assertNotIn('Logits', built.end_points)
    self.assertFalse([name for name in variable_shapes(built)
                      if 'logits' in name])

  def test_frozen_batch_norm_creates_no_updates(self):
    with net_utils.override_modes(batch_norm_training=False):
      frozen = self.build_tiny(num_classes=5, is_training=True)
    self.assertFalse(frozen.graph.get_collection(tf.GraphKeys.UPDATE_OPS))

  def test_optional_dropout_follows_the_dropout_mode(self):
    shape = [1, 32, 32, 3]
    with net_utils.override_modes(dropout_training=True):
      mc = self.build_tiny(shape, num_classes=5, is_training=False,
                           dropout_keep_prob=0.5)
    self.assertTrue([op for op in mc.graph.get_operations()
                     if op.name.startswith('tiny/Dropout/')])
    first, second = resnet_utils_test.run(
        mc, resnet_utils_test.random_weights(mc),
        resnet_utils_test.random_images(shape), runs=2)
    self.assertNotAllClose(first, second)
    self.assertFalse(mc.graph.get_collection(tf.GraphKeys.UPDATE_OPS))


if __name__ == '__main__':
  tf.test.main()
