"""Tests of overfeat against TF-Slim's implementation (the oracle).

The checks are alexnet_test.PlainNetChecks: names, shapes, end points and
logits equal the oracle's; the options the oracle lacks are checked on
alexnet_v2 (same builder).
"""
import tensorflow.compat.v1 as tf
from tf_slim.nets import overfeat as oracle_overfeat

from nets import alexnet_test
from nets import overfeat


class OverfeatTest(alexnet_test.PlainNetChecks, tf.test.TestCase):
  OURS = overfeat.overfeat
  ORACLE = oracle_overfeat.overfeat
  OURS_ARG_SCOPE = overfeat.overfeat_arg_scope
  ORACLE_ARG_SCOPE = oracle_overfeat.overfeat_arg_scope

  def test_default_image_size_is_231(self):
    self.assertEqual(231, overfeat.overfeat.default_image_size)
    self.assertEqual([1, 6, 6, 1024],
                     self.ours.end_points['overfeat/pool5'].shape.as_list())


if __name__ == '__main__':
  tf.test.main()
