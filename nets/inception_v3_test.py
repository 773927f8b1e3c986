"""Tests of inception_v3 against the tf_slim.nets oracle."""
import tensorflow.compat.v1 as tf
from tf_slim.nets import inception as oracle

from nets import inception_utils_test as helpers
from nets import inception_v3


class InceptionV3Test(helpers.OracleTestCase):

  def test_matches_the_oracle(self):
    # 299: the auxiliary head's kernel (5x5 there) is part of its variable
    # names and shapes. weight_decay=0 only saves graph ops.
    scope = inception_v3.inception_v3_arg_scope(weight_decay=0.0)
    graph = self.assert_matches_oracle(
        inception_v3.inception_v3, scope, oracle.inception_v3,
        oracle.inception_v3_arg_scope(weight_decay=0.0), 299,
        fetch_keys=('Logits', 'AuxLogits'))
    # 75x75 is the smallest input Inception v3 accepts.
    self.assert_features_and_update_ops(graph, inception_v3.inception_v3,
                                        scope, 75, 2048)
    # Without the auxiliary head (variables reused: none created).
    _, _, logits, end_points = helpers.build_graph(
        inception_v3.inception_v3, scope, [1, 75, 75, 3], graph=graph,
        num_classes=1001, is_training=False, create_aux_logits=False,
        reuse=True)
    self.assertEqual(logits.shape.as_list(), [1, 1001])
    self.assertNotIn('AuxLogits', end_points)
    # Only the first build has an auxiliary head.
    aux_scopes = {op.name.split('/')[0] for op in graph.get_operations()
                  if '/AuxLogits/' in op.name}
    self.assertEqual(aux_scopes, {'InceptionV3'})


if __name__ == '__main__':
  tf.test.main()
