"""Tests of nets.mobilenet_v2: checkpoint layout, sizes and modes.

No oracle ships for MobileNet (tf_slim.nets has none), so the network is
checked against the facts of the official checkpoints (variable names and
shapes, Table 2 of the paper) and against the published sizes:

* slim's mobilenet README table (mobilenet_v2_<multiplier>_224): 1.0 has
  300 million MACs and 3.47 million parameters, 1.4 has 585 and 6.06, 0.35
  has 59 and 1.66. The parameter figures equal the convolution weights and
  biases without batch norm (`Summary.weight_params`), with 1001 classes.
* Sandler et al. 2018 (arXiv:1801.04381), Table 4/6: 1.0 has 300M
  multiply-adds and 3.4M parameters.

Graph-only except one tiny forward pass; each registered width is built once
(at 224, through the registry) and shared by the tests.
"""
import functools

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import mobilenet_v2
from nets import nets_factory
from nets import resnet_utils_test
from nets import summary

# One row per layer of the 1.0 network at 224: (scope, expansion depth or
# None, output depth, output size); layer_i is row i - 1. Derived from
# Table 2 (t, c, n, s) with expansion = 6 x the block's input depth.
_LAYERS = (
    ('Conv', None, 32, 112),
    ('expanded_conv', None, 16, 112),
    ('expanded_conv_1', 96, 24, 56), ('expanded_conv_2', 144, 24, 56),
    ('expanded_conv_3', 144, 32, 28), ('expanded_conv_4', 192, 32, 28),
    ('expanded_conv_5', 192, 32, 28),
    ('expanded_conv_6', 192, 64, 14), ('expanded_conv_7', 384, 64, 14),
    ('expanded_conv_8', 384, 64, 14), ('expanded_conv_9', 384, 64, 14),
    ('expanded_conv_10', 384, 96, 14), ('expanded_conv_11', 576, 96, 14),
    ('expanded_conv_12', 576, 96, 14),
    ('expanded_conv_13', 576, 160, 7), ('expanded_conv_14', 960, 160, 7),
    ('expanded_conv_15', 960, 160, 7),
    ('expanded_conv_16', 960, 320, 7),
    ('Conv_1', None, 1280, 7),
)
_BN = ('gamma', 'beta', 'moving_mean', 'moving_variance')


@functools.lru_cache(maxsize=None)
def _summary(model_name):
  """Builds `model_name` once per test run (224, 1001 classes, batch 1)."""
  return summary.summarize(model_name, use_profiler=False)


def _build(size=64, num_classes=1001, is_training=False,
           builder=mobilenet_v2.mobilenet_v2_035, **kwargs):
  """Builds the network in a fresh graph; returns (graph, logits, ends)."""
  graph = tf.Graph()
  with graph.as_default():
    images = tf.placeholder(tf.float32, [2, size, size, 3], name='images')
    with slim.arg_scope(mobilenet_v2.training_scope()):
      logits, end_points = builder(images, num_classes,
                                   is_training=is_training, **kwargs)
  return graph, logits, end_points


def _expected_variables():
  """Name -> shape of every variable of the official 1.0 checkpoint."""
  expected = {
      'MobilenetV2/Conv/weights': [3, 3, 3, 32],
      'MobilenetV2/Conv_1/weights': [1, 1, 320, 1280],
      'MobilenetV2/Logits/Conv2d_1c_1x1/weights': [1, 1, 1280, 1001],
      'MobilenetV2/Logits/Conv2d_1c_1x1/biases': [1001],
  }
  for stat in _BN:
    expected['MobilenetV2/Conv/BatchNorm/' + stat] = [32]
    expected['MobilenetV2/Conv_1/BatchNorm/' + stat] = [1280]
  input_depth = 32
  for scope, expansion, depth, _ in _LAYERS[1:-1]:
    prefix = 'MobilenetV2/%s/' % scope
    inner = expansion or input_depth
    if expansion:
      expected[prefix + 'expand/weights'] = [1, 1, input_depth, expansion]
    expected[prefix + 'depthwise/depthwise_weights'] = [3, 3, inner, 1]
    expected[prefix + 'project/weights'] = [1, 1, inner, depth]
    for stat in _BN:
      if expansion:
        expected[prefix + 'expand/BatchNorm/' + stat] = [expansion]
      expected[prefix + 'depthwise/BatchNorm/' + stat] = [inner]
      expected[prefix + 'project/BatchNorm/' + stat] = [depth]
    input_depth = depth
  return expected


class MobilenetV2CheckpointTest(tf.test.TestCase):

  def test_variables_match_official_checkpoint(self):
    shapes = dict(_summary('mobilenet_v2').variables)
    # Weights and 4 batch-norm variables in Conv, Conv_1, 16 expand, 17
    # depthwise and 17 project layers, + logits weights and biases.
    self.assertLen(shapes, (2 + 16 + 17 + 17) * 5 + 2)
    self.assertEqual(shapes, _expected_variables())

  def test_narrow_widths_keep_the_1280_head(self):
    shapes = dict(_summary('mobilenet_v2_035').variables)
    self.assertEqual(shapes['MobilenetV2/Conv/weights'], [3, 3, 3, 16])
    self.assertEqual(shapes['MobilenetV2/expanded_conv/project/weights'],
                     [1, 1, 16, 8])
    self.assertEqual(shapes['MobilenetV2/expanded_conv_16/project/weights'],
                     [1, 1, 336, 112])
    self.assertEqual(shapes['MobilenetV2/Conv_1/weights'], [1, 1, 112, 1280])
    shapes = dict(_summary('mobilenet_v2_140').variables)
    self.assertEqual(shapes['MobilenetV2/Conv/weights'], [3, 3, 3, 48])
    self.assertEqual(shapes['MobilenetV2/Conv_1/weights'], [1, 1, 448, 1792])
    self.assertEqual(shapes['MobilenetV2/Logits/Conv2d_1c_1x1/weights'],
                     [1, 1, 1792, 1001])

  def test_published_sizes_of_every_registered_width(self):
    # Computed by nets.summary at 224 with 1001 classes and pinned: (name,
    # weight params, trainable params, all variables, MACs, README params
    # [M], README MACs [M]). Parameters agree with the README to its 3
    # digits; MACs agree for 1.0 (300.8 ~ 300, the paper's figure) and 0.35,
    # but 1.4 gives 582.2M where the README says 585M (the parameter count,
    # which depends on every width, agrees, so the README presumably counts
    # some further ops; not pinned to the README).
    cases = (
        ('mobilenet_v2', 3472041, 3506153, 3540265, 300775552, 3.47, 300),
        ('mobilenet_v2_140', 6062633, 6110569, 6158505, 582197616, 6.06,
         None),
        ('mobilenet_v2_035', 1664329, 1678409, 1692489, 59287088, 1.66, 59),
    )
    for (name, weights, trainable, total, macs, readme_params,
         readme_macs) in cases:
      result = _summary(name)
      self.assertEqual((result.weight_params, result.trainable_params,
                        result.all_params, result.macs),
                       (weights, trainable, total, macs), name)
      self.assertEqual(round(weights / 1e6, 2), readme_params, name)
      if readme_macs:
        self.assertEqual(round(macs / 1e6, -1 if macs > 1e8 else 0),
                         readme_macs, name)
      self.assertLen(result.variables, 262)

  def test_registry_entries(self):
    for name in ('mobilenet_v2', 'mobilenet_v2_140', 'mobilenet_v2_035'):
      spec = nets_factory.get_model_spec(name)
      self.assertEqual((spec.default_image_size, spec.preprocessing_name,
                        spec.checkpoint_classes), (224, 'inception', 1001))
      self.assertEqual(spec.builder.default_image_size, 224)
      self.assertIs(spec.arg_scope_fn, mobilenet_v2.training_scope)

  def test_end_point_shapes_at_224(self):
    expected = {}
    for i, (_, expansion, depth, size) in enumerate(_LAYERS):
      layer = 'layer_%d' % (i + 1)
      expected[layer] = [1, size, size, depth]
      if 0 < i < len(_LAYERS) - 1:
        expected[layer + '/output'] = [1, size, size, depth]
        inner = expansion or 32
        if expansion:
          input_size = _LAYERS[i - 1][3]
          expected[layer + '/expansion_output'] = [
              1, input_size, input_size, inner]
        expected[layer + '/depthwise_output'] = [1, size, size, inner]
    expected.update({
        'global_pool': [1, 1, 1, 1280], 'PreLogits': [1, 1, 1, 1280],
        'Logits': [1, 1001], 'Predictions': [1, 1001]})
    end_points = dict(_summary('mobilenet_v2').end_points)
    self.assertEqual(end_points['layer_18'], [1, 7, 7, 320])
    self.assertEqual(end_points, expected)


class MobilenetV2GraphTest(tf.test.TestCase):

  def test_features_and_update_ops_in_training(self):
    conv_defs = (mobilenet_v2.Conv((3, 3), 2, 16),
                 mobilenet_v2.InvertedResidual(6, 24, 2, 2),
                 mobilenet_v2.Conv((1, 1), 1, 64))
    graph, features, end_points = _build(num_classes=0, is_training=True,
                                         conv_defs=conv_defs)
    self.assertEqual(features.get_shape().as_list(), [2, 1, 1, 64])
    self.assertIs(features, end_points['PreLogits'])
    self.assertNotIn('Logits', end_points)
    with graph.as_default():
      self.assertFalse([v for v in tf.global_variables()
                        if 'Logits' in v.op.name])
    # moving_mean and moving_variance of 2 + 2 x 3 batch norms.
    self.assertLen(graph.get_collection(tf.GraphKeys.UPDATE_OPS), 16)

  def test_training_scope_sets_dropout_keep_prob(self):
    graph, _, _ = _build(is_training=True, base_only=False,
                         conv_defs=(mobilenet_v2.Conv((3, 3), 2, 8),))
    # keep_prob 0.8.
    self.assertAllClose(resnet_utils_test.dropout_rates(graph), [0.2])

  def test_finegrain_off_output_stride_padding_and_forward_pass(self):
    graph, logits, end_points = _build(
        finegrain_classification_mode=False, output_stride=16,
        use_explicit_padding=True, num_classes=7)
    # 1280 x 0.35 = 448 without finegrain_classification_mode; 64 / 16 = 4.
    self.assertEqual(end_points['layer_19'].get_shape().as_list(),
                     [2, 4, 4, 448])
    self.assertEqual(end_points['layer_15/depthwise_output'].get_shape()
                     .as_list(), [2, 4, 4, 192])
    self.assertEqual(end_points['Predictions'].op.name,
                     'MobilenetV2/Predictions/Reshape_1')
    self.assertEqual(end_points['layer_19'].op.name,
                     'MobilenetV2/Conv_1/Relu6')
    self.assertEmpty(graph.get_collection(tf.GraphKeys.UPDATE_OPS))
    self.assertFalse([op for op in graph.get_operations()
                      if op.type == 'RandomUniform'])
    # Residual connections where stride is 1 and the depth is unchanged
    # (with slim's op names): 1 + 2 + 3 + 2 + 2 blocks.
    adds = sorted(op.name for op in graph.get_operations()
                  if op.type in ('Add', 'AddV2') and op.name.endswith('/add'))
    self.assertEqual(adds, sorted('MobilenetV2/expanded_conv_%d/add' % i
                                  for i in (2, 4, 5, 7, 8, 9, 11, 12, 14,
                                            15)))
    # Conv, 16 expand, 17 project, Conv_1 and the logits; depthwise weights
    # are not regularized.
    self.assertLen(
        graph.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES), 36)
    with self.session(graph=graph) as sess:
      sess.run(tf.variables_initializer(
          graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)))
      inputs = np.random.RandomState(0).uniform(-1, 1, [2, 64, 64, 3])
      first, second, predictions = sess.run(
          [logits, logits, end_points['Predictions']],
          {graph.get_tensor_by_name('images:0'): inputs})
    self.assertEqual(first.shape, (2, 7))
    self.assertAllClose(first, second)  # Inference mode: deterministic.
    self.assertAllClose(predictions.sum(axis=1), [1.0, 1.0])

  def test_custom_conv_defs_final_endpoint_and_errors(self):
    conv_defs = (mobilenet_v2.Conv((3, 3), 2, 16),
                 mobilenet_v2.InvertedResidual(expansion=4, depth=16,
                                               repeats=2, stride=2),
                 mobilenet_v2.Conv((1, 1), 1, 64))
    with tf.Graph().as_default():
      images = tf.placeholder(tf.float32, [1, 32, 32, 3])
      net, end_points = mobilenet_v2.mobilenet_v2(
          images, conv_defs=conv_defs, base_only=True,
          final_endpoint='layer_3')
      self.assertEqual(net.get_shape().as_list(), [1, 8, 8, 16])
      self.assertEqual(sorted(end_points), [
          'layer_1', 'layer_2', 'layer_2/depthwise_output',
          'layer_2/expansion_output', 'layer_2/output', 'layer_3',
          'layer_3/depthwise_output', 'layer_3/expansion_output',
          'layer_3/output'])
      with tf.variable_scope('spec'):
        mobilenet_v2.mobilenet_v2_base(images, conv_defs=conv_defs)
      self.assertEqual(
          sorted(v.op.name for v in tf.global_variables()
                 if v.op.name.endswith('weights') and 'spec/' in
                 v.op.name),
          ['spec/MobilenetV2/Conv/weights', 'spec/MobilenetV2/Conv_1/weights',
           'spec/MobilenetV2/expanded_conv/depthwise/depthwise_weights',
           'spec/MobilenetV2/expanded_conv/expand/weights',
           'spec/MobilenetV2/expanded_conv/project/weights',
           'spec/MobilenetV2/expanded_conv_1/depthwise/depthwise_weights',
           'spec/MobilenetV2/expanded_conv_1/expand/weights',
           'spec/MobilenetV2/expanded_conv_1/project/weights'])
      with self.assertRaisesRegex(ValueError, 'layer_4'):
        mobilenet_v2.mobilenet_v2_base(images, conv_defs=conv_defs,
                                       final_endpoint='layer_9')
      with self.assertRaisesRegex(ValueError, 'output_stride'):
        mobilenet_v2.mobilenet_v2_base(images, output_stride=3)
      with self.assertRaisesRegex(ValueError, 'depth_multiplier'):
        mobilenet_v2.mobilenet_v2(images, depth_multiplier=-1.0)
      with self.assertRaisesRegex(ValueError, 'InvertedResidual'):
        mobilenet_v2.mobilenet_v2(images, conv_defs=[(6, 24, 2, 2)])
      with self.assertRaisesRegex(ValueError, 'rank 4'):
        mobilenet_v2.mobilenet_v2(tf.placeholder(tf.float32, [32, 32, 3]))


if __name__ == '__main__':
  tf.test.main()
