"""Tests of inception_v2 against the tf_slim.nets oracle."""
import tensorflow.compat.v1 as tf
from tf_slim.nets import inception as oracle

from nets import inception_utils_test as helpers
from nets import inception_v2


class InceptionV2Test(helpers.OracleTestCase):

  def test_matches_the_oracle(self):
    # Any size works; 224 keeps the final 7x7 pool of the checkpoint.
    # weight_decay=0 only saves graph ops (no regularizers).
    scope = inception_v2.inception_v2_arg_scope(weight_decay=0.0)
    graph = self.assert_matches_oracle(
        inception_v2.inception_v2, scope, oracle.inception_v2,
        oracle.inception_v2_arg_scope(weight_decay=0.0), 224)
    self.assert_features_and_update_ops(graph, inception_v2.inception_v2,
                                        scope, 64, 1024)

  def test_depth_multiplier_and_plain_first_conv(self):
    with tf.Graph().as_default():
      net, end_points = inception_v2.inception_v2_base(
          tf.zeros([1, 64, 64, 3]), final_endpoint='Mixed_3b',
          depth_multiplier=0.5, use_separable_conv=False)
      # Mixed_3b: 64 + 64 + 96 + 32 channels, halved.
      self.assertEqual(net.shape.as_list(), [1, 8, 8, 128])
      self.assertEqual(end_points['Conv2d_1a_7x7'].shape.as_list(),
                       [1, 32, 32, 32])
      weights = [v.op.name for v in tf.global_variables()
                 if v.op.name.startswith('InceptionV2/Conv2d_1a_7x7')]
      self.assertEqual(weights, ['InceptionV2/Conv2d_1a_7x7/weights',
                                 'InceptionV2/Conv2d_1a_7x7/biases'])
      with self.assertRaisesRegex(ValueError, 'depth_multiplier'):
        inception_v2.inception_v2(tf.zeros([1, 64, 64, 3]), 10,
                                  depth_multiplier=0.0)


if __name__ == '__main__':
  tf.test.main()
