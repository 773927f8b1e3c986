"""Tests of resnet_v2 against TF-Slim's implementation (the oracle).

The oracle, tf_slim.nets.resnet_v2 1.1.0, differs by design in three ways
that the checks account for: it returns 4-D logits (ours squeeze them, as
TF-Slim's model library does), it has no 'global_pool' or
'<scope>/spatial_squeeze' end points, and its default_image_size is 224 where
ours is 299, the size the official checkpoints were trained and evaluated at.
Variable names and shapes are identical. The checks of the shared body that
do not depend on the unit, and of a deeper net, are in resnet_v1_test.
"""
import tensorflow.compat.v1 as tf
from tf_slim.nets import resnet_v2 as oracle_resnet_v2

from nets import resnet_utils_test
from nets import resnet_v2


class ResnetV2Test(resnet_utils_test.ResnetFamilyChecks, tf.test.TestCase):
  OURS = resnet_v2
  ORACLE = oracle_resnet_v2
  PREFIX = 'resnet_v2'
  OUTPUT_STRIDE = 8  # resnet_v1_test compares 16.

  def test_root_block_has_no_batch_norm_and_postnorm_exists(self):
    shapes = resnet_utils_test.variable_shapes(self.ours_50)
    self.assertNotIn('resnet_v2_50/conv1/BatchNorm/gamma', shapes)
    self.assertIn('resnet_v2_50/conv1/biases', shapes)
    self.assertEqual([2048], shapes['resnet_v2_50/postnorm/gamma'])

  def test_default_image_size_is_299_as_the_checkpoints(self):
    self.assertEqual(299, resnet_v2.resnet_v2_50.default_image_size)
    self.assertEqual(224, oracle_resnet_v2.resnet_v2.default_image_size)


if __name__ == '__main__':
  tf.test.main()
