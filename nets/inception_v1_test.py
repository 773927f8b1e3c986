"""Tests of inception_v1 against the tf_slim.nets oracle."""
import tensorflow.compat.v1 as tf
from tf_slim.nets import inception as oracle

from nets import inception_utils_test as helpers
from nets import inception_v1


class InceptionV1Test(helpers.OracleTestCase):

  def test_matches_the_oracle(self):
    # 224: the oracle's fixed 7x7 final pool needs a 7x7 Mixed_5c.
    # weight_decay=0 only saves graph ops (no regularizers).
    scope = inception_v1.inception_v1_arg_scope(weight_decay=0.0)
    graph = self.assert_matches_oracle(
        inception_v1.inception_v1, scope, oracle.inception_v1,
        oracle.inception_v1_arg_scope(weight_decay=0.0), 224)
    self.assert_features_and_update_ops(graph, inception_v1.inception_v1,
                                        scope, 64, 1024)

  def test_base_stops_at_final_endpoint(self):
    with tf.Graph().as_default():
      net, end_points = inception_v1.inception_v1_base(
          tf.zeros([1, 64, 64, 3]), final_endpoint='Mixed_3b')
      self.assertEqual(net.shape.as_list(), [1, 8, 8, 256])
      self.assertEqual(list(end_points)[-1], 'Mixed_3b')
      with self.assertRaisesRegex(ValueError, 'Mixed_5c'):
        inception_v1.inception_v1_base(tf.zeros([1, 64, 64, 3]),
                                       final_endpoint='Mixed_9z')


if __name__ == '__main__':
  tf.test.main()
