"""Tests of alexnet (and of the plain-network builder) against the oracle.

`PlainNetChecks` is shared by overfeat_test and vgg_test. The oracle is
tf_slim.nets 1.1.0, which lacks the `global_pool`, `fc_conv_padding` and
`num_classes=0` options of TF-Slim's model library; AlexnetV2Test checks
those on our network alone. Otherwise names, shapes, end points and logits
equal the oracle's; the oracle has no 'PreLogits', 'Logits' or 'Predictions'
end points (ours add them).
"""
import tensorflow.compat.v1 as tf
from tf_slim.nets import alexnet as oracle_alexnet

from nets import alexnet
from nets import net_utils
from nets import resnet_utils_test

build = resnet_utils_test.build
variable_shapes = resnet_utils_test.variable_shapes


class PlainNetChecks(object):
  """Checks of one plain network against the oracle (a TestCase mixin).

  Subclasses set OURS and ORACLE (network functions), OURS_ARG_SCOPE and
  ORACLE_ARG_SCOPE, and FORWARD (compare the logits, not only the
  variables). The options the oracle lacks are checked in AlexnetV2Test
  only: the builder is shared, and AlexNet is its cheapest network.
  """
  OURS = None
  ORACLE = None
  OURS_ARG_SCOPE = None
  ORACLE_ARG_SCOPE = None
  FORWARD = True

  @classmethod
  def setUpClass(cls):
    super(PlainNetChecks, cls).setUpClass()
    size = cls.OURS.default_image_size
    cls.shape = [1, size, size, 3]
    cls.ours = cls._build(cls.shape)
    cls.oracle = build(cls.ORACLE, cls.ORACLE_ARG_SCOPE, cls.shape,
                       num_classes=10, is_training=False)

  @classmethod
  def _build(cls, shape, **kwargs):
    kwargs.setdefault('num_classes', 10)
    kwargs.setdefault('is_training', False)
    return build(cls.OURS, cls.OURS_ARG_SCOPE, shape, **kwargs)

  def test_matches_oracle(self):
    if self.FORWARD:
      logits = resnet_utils_test.compare_with_oracle(
          self, self.ours, self.oracle,
          resnet_utils_test.random_images(self.shape))
      self.assertEqual((1, 10), logits.shape)
    else:
      self.assertDictEqual(variable_shapes(self.oracle),
                           variable_shapes(self.ours))

  def test_end_points_are_the_oracles_plus_extras(self):
    resnet_utils_test.assert_oracle_end_points(self, self.ours, self.oracle)
    end_points = self.ours.end_points
    self.assertEqual({'PreLogits', 'Logits', 'Predictions'},
                     set(end_points) - set(self.oracle.end_points))
    self.assertIs(self.ours.net, end_points['Logits'])
    self.assertIs(end_points[self.OURS.__name__ + '/fc7'],
                  end_points['PreLogits'])
    self.assertEqual([1, 10], end_points['Predictions'].shape.as_list())

  def test_name_and_default_image_size(self):
    self.assertEqual(self.ORACLE.__name__, self.OURS.__name__)
    # The oracle's overfeat lacks the attribute; TF-Slim's model library has
    # 231.
    self.assertEqual(getattr(self.ORACLE, 'default_image_size', 231),
                     self.OURS.default_image_size)


def _random_ops(built, scope):
  return [op.name for op in built.graph.get_operations()
          if op.name.startswith(scope) and op.type == 'RandomUniform']


class AlexnetV2Test(PlainNetChecks, tf.test.TestCase):
  OURS = alexnet.alexnet_v2
  ORACLE = oracle_alexnet.alexnet_v2
  OURS_ARG_SCOPE = alexnet.alexnet_v2_arg_scope
  ORACLE_ARG_SCOPE = oracle_alexnet.alexnet_v2_arg_scope

  def test_num_classes_zero_returns_fc7_features(self):
    built = self._build(self.shape, num_classes=0)
    self.assertEqual([1, 1, 1, 4096], built.net.shape.as_list())
    self.assertIs(built.net, built.end_points['PreLogits'])
    self.assertNotIn('Logits', built.end_points)
    self.assertFalse([name for name in variable_shapes(built) if 'fc8' in name])

  def test_map_of_logits_and_global_pool(self):
    shape = [1, self.shape[1] + 32, self.shape[2] + 32, 3]
    dense = self._build(shape, spatial_squeeze=False)
    self.assertEqual([1, 2, 2, 10], dense.net.shape.as_list())
    pooled = self._build(shape, global_pool=True)
    self.assertEqual([1, 10], pooled.net.shape.as_list())
    self.assertEqual([1, 1, 1, 4096],
                     pooled.end_points['global_pool'].shape.as_list())
    with self.assertRaisesRegex(ValueError, 'spatial_squeeze=False'):
      self._build(shape)

  def test_small_inputs(self):
    shape = [1, 96, 96, 3]
    with self.assertRaisesRegex(ValueError,
                                "too small.*fc_conv_padding='SAME'"):
      self._build(shape)
    built = self._build(shape, fc_conv_padding='SAME', global_pool=True)
    self.assertEqual([1, 10], built.net.shape.as_list())

  def test_dropout_follows_mode_scope(self):
    shape = [1, 96, 96, 3]
    kwargs = {'fc_conv_padding': 'SAME', 'global_pool': True}
    self.assertFalse(_random_ops(self.ours, 'alexnet_v2/dropout'))
    training = self._build(shape, is_training=True, **kwargs)
    self.assertEqual(2, len(_random_ops(training, 'alexnet_v2/dropout')))
    with net_utils.override_modes(dropout_training=True):
      mc = self._build(shape, is_training=False, **kwargs)
    self.assertEqual(2, len(_random_ops(mc, 'alexnet_v2/dropout')))
    with net_utils.override_modes(dropout_training=False):
      frozen = self._build(shape, is_training=True, **kwargs)
    self.assertFalse(_random_ops(frozen, 'alexnet_v2/dropout'))

  def test_arg_scope_never_holds_is_training(self):
    for kwargs in alexnet.alexnet_v2_arg_scope().values():
      self.assertNotIn('is_training', kwargs)


if __name__ == '__main__':
  tf.test.main()
