"""Tests of nets.mobilenet_v1: checkpoint layout, sizes and modes.

No oracle ships for MobileNet (tf_slim.nets has none), so the network is
checked against the facts of the official checkpoints (variable names and
shapes, Table 1 of the paper) and against the published sizes:

* Howard et al. 2017 (arXiv:1704.04861), Table 6: 1.0/0.75/0.5/0.25
  MobileNet-224 have 569/325/149/41 million mult-adds and 4.2/2.6/1.3/0.5
  million parameters.
* slim's mobilenet_v1.md table: 4.24/2.59/1.34/0.47 million parameters
  (with 1001 classes; these equal all the checkpoint's variables, batch-norm
  moving statistics included).

Graph-only except one tiny forward pass; each registered width is built once
(at 224, through the registry) and shared by the tests.
"""
import functools

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import mobilenet_v1
from nets import nets_factory
from nets import summary

# Output depth of layer i of MOBILENET_V1_CONV_DEFS at depth multiplier 1.
_DEPTHS = (32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024,
           1024)
# Stride of the feature map after layer i (input 224: size 224 / stride).
_STRIDES = (2, 2, 4, 4, 8, 8, 16, 16, 16, 16, 16, 16, 32, 32)


@functools.lru_cache(maxsize=None)
def _summary(model_name):
  """Builds `model_name` once per test run (224, 1001 classes, batch 1)."""
  return summary.summarize(model_name, use_profiler=False)


def _build(size=64, num_classes=1001, is_training=False,
           builder=mobilenet_v1.mobilenet_v1_025, **kwargs):
  """Builds the network in a fresh graph; returns (graph, logits, ends)."""
  graph = tf.Graph()
  with graph.as_default():
    images = tf.placeholder(tf.float32, [2, size, size, 3])
    with slim.arg_scope(mobilenet_v1.mobilenet_v1_arg_scope()):
      logits, end_points = builder(images, num_classes,
                                   is_training=is_training, **kwargs)
  return graph, logits, end_points


class MobilenetV1CheckpointTest(tf.test.TestCase):

  def test_variables_match_official_checkpoint(self):
    shapes = dict(_summary('mobilenet_v1').variables)
    # Conv2d_0 + 13 x (depthwise, pointwise) layers with weights, beta,
    # moving_mean, moving_variance (no gamma) + logits weights and biases.
    self.assertLen(shapes, 27 * 4 + 2)
    expected = {
        'MobilenetV1/Conv2d_0/weights': [3, 3, 3, 32],
        'MobilenetV1/Conv2d_0/BatchNorm/beta': [32],
        'MobilenetV1/Conv2d_0/BatchNorm/moving_mean': [32],
        'MobilenetV1/Conv2d_0/BatchNorm/moving_variance': [32],
        'MobilenetV1/Logits/Conv2d_1c_1x1/weights': [1, 1, 1024, 1001],
        'MobilenetV1/Logits/Conv2d_1c_1x1/biases': [1001],
    }
    for i in range(1, 14):
      prefix = 'MobilenetV1/Conv2d_%d_' % i
      expected[prefix + 'depthwise/depthwise_weights'] = [
          3, 3, _DEPTHS[i - 1], 1]
      expected[prefix + 'pointwise/weights'] = [
          1, 1, _DEPTHS[i - 1], _DEPTHS[i]]
      for kind, depth in (('depthwise', _DEPTHS[i - 1]),
                          ('pointwise', _DEPTHS[i])):
        for stat in ('beta', 'moving_mean', 'moving_variance'):
          expected['%s%s/BatchNorm/%s' % (prefix, kind, stat)] = [depth]
    self.assertEqual(shapes, expected)

  def test_published_sizes_of_every_registered_width(self):
    # Computed by nets.summary at 224 with 1001 classes and pinned; each
    # agrees with the published figures of the module docstring to their
    # precision: (name, trainable params, all variables, MACs, paper
    # params [M], slim README params [M], paper mult-adds [M]). The paper
    # gives 0.5M for 0.25, the README 0.47M.
    cases = (
        ('mobilenet_v1', 4222057, 4243945, 568741376, 4.2, 4.24, 569),
        ('mobilenet_v1_075', 2578121, 2594537, 325401216, 2.6, 2.59, 325),
        ('mobilenet_v1_050', 1326633, 1337577, 149497600, 1.3, 1.34, 149),
        ('mobilenet_v1_025', 467593, 473065, 41030528, 0.5, 0.47, 41),
    )
    for (name, trainable, total, macs, paper_params, readme_params,
         paper_macs) in cases:
      result = _summary(name)
      self.assertEqual(
          (result.trainable_params, result.all_params, result.macs),
          (trainable, total, macs), name)
      self.assertEqual(round(trainable / 1e6, 1), paper_params, name)
      self.assertEqual(round(total / 1e6, 2), readme_params, name)
      self.assertEqual(round(macs / 1e6), paper_macs, name)
      self.assertLen(result.variables, 110)

  def test_registry_entries(self):
    for name in ('mobilenet_v1', 'mobilenet_v1_075', 'mobilenet_v1_050',
                 'mobilenet_v1_025'):
      spec = nets_factory.get_model_spec(name)
      self.assertEqual((spec.default_image_size, spec.preprocessing_name,
                        spec.checkpoint_classes), (224, 'inception', 1001))
      self.assertEqual(spec.builder.default_image_size, 224)
      self.assertIs(spec.arg_scope_fn, mobilenet_v1.mobilenet_v1_arg_scope)

  def test_end_point_shapes_at_224(self):
    expected = {'Conv2d_0': [1, 112, 112, 32]}
    for i in range(1, 14):
      size = 224 // _STRIDES[i]
      expected['Conv2d_%d_depthwise' % i] = [1, size, size, _DEPTHS[i - 1]]
      expected['Conv2d_%d_pointwise' % i] = [1, size, size, _DEPTHS[i]]
    expected.update({
        'AvgPool_1a': [1, 1, 1, 1024], 'PreLogits': [1, 1, 1, 1024],
        'Logits': [1, 1001], 'Predictions': [1, 1001]})
    self.assertEqual(dict(_summary('mobilenet_v1').end_points), expected)


class MobilenetV1GraphTest(tf.test.TestCase):

  def test_features_and_update_ops_in_training(self):
    graph, features, end_points = _build(num_classes=0, is_training=True)
    # 64 -> 2x2 last map; the 7x7 pool shrinks to it (slim behaviour).
    self.assertEqual(features.get_shape().as_list(), [2, 1, 1, 256])
    self.assertEqual(end_points['AvgPool_1a'].op.name,
                     'MobilenetV1/Logits/AvgPool_1a_2x2/AvgPool')
    self.assertIs(features, end_points['PreLogits'])
    self.assertNotIn('Logits', end_points)
    with graph.as_default():
      self.assertFalse([v for v in tf.global_variables()
                        if 'Logits' in v.op.name])
    # moving_mean and moving_variance of 27 batch norms.
    self.assertLen(graph.get_collection(tf.GraphKeys.UPDATE_OPS), 54)

  def test_factory_freezes_batch_norm_but_not_dropout(self):
    graph = tf.Graph()
    with graph.as_default():
      images = tf.placeholder(tf.float32, [2, 64, 64, 3])
      logits, end_points = nets_factory.get_network_fn(
          'mobilenet_v1_025', 5, is_training=True,
          freeze_batch_norm=True)(images)
    self.assertEmpty(graph.get_collection(tf.GraphKeys.UPDATE_OPS))
    self.assertTrue([op for op in graph.get_operations()
                     if op.type == 'RandomUniform' and 'Dropout_1b' in
                     op.name])
    self.assertEqual(logits.get_shape().as_list(), [2, 5])
    # Op names of slim's frozen graphs.
    self.assertEqual(end_points['Predictions'].op.name,
                     'MobilenetV1/Predictions/Reshape_1')
    self.assertEqual(end_points['Conv2d_13_pointwise'].op.name,
                     'MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6')

  def test_global_pool_reuse_and_tiny_forward_pass(self):
    graph = tf.Graph()
    with graph.as_default():
      images = tf.placeholder(tf.float32, [2, None, None, 3])
      with slim.arg_scope(mobilenet_v1.mobilenet_v1_arg_scope()):
        _, end_points = mobilenet_v1.mobilenet_v1_025(
            images, 7, is_training=False, global_pool=True)
        num_variables = len(tf.global_variables())
        logits, _ = mobilenet_v1.mobilenet_v1_025(
            images, 7, is_training=False, global_pool=True, reuse=True)
      self.assertLen(tf.global_variables(), num_variables)
      self.assertEqual(end_points['global_pool'].get_shape().as_list(),
                       [2, 1, 1, 256])
      self.assertEmpty(graph.get_collection(tf.GraphKeys.UPDATE_OPS))
      # Conv2d_0, 13 pointwise convs and the logits; depthwise weights are
      # not regularized by default.
      self.assertLen(tf.losses.get_regularization_losses(), 15)
      with self.session(graph=graph) as sess:
        sess.run(tf.global_variables_initializer())
        inputs = np.random.RandomState(0).uniform(-1, 1, [2, 40, 56, 3])
        first, second, predictions = sess.run(
            [end_points['Logits'], logits, end_points['Predictions']],
            {images: inputs})
    self.assertEqual(first.shape, (2, 7))
    self.assertAllClose(first, second)
    self.assertAllClose(predictions.sum(axis=1), [1.0, 1.0])

  def test_custom_conv_defs_final_endpoint_and_padding(self):
    conv_defs = (mobilenet_v1.Conv((3, 3), 2, 16),
                 mobilenet_v1.DepthSepConv((3, 3), 2, 32),
                 mobilenet_v1.DepthSepConv((3, 3), 2, 32),
                 mobilenet_v1.DepthSepConv((3, 3), 2, 32))
    for output_stride, padding, size in ((None, False, 2), (8, False, 4),
                                         (8, True, 4)):
      with tf.Graph().as_default():
        net, end_points = mobilenet_v1.mobilenet_v1_base(
            tf.placeholder(tf.float32, [1, 32, 32, 3]), conv_defs=conv_defs,
            output_stride=output_stride, use_explicit_padding=padding)
      self.assertEqual(net.get_shape().as_list(), [1, size, size, 32])
      self.assertLen(end_points, 7)
    with tf.Graph().as_default():
      images = tf.placeholder(tf.float32, [1, 32, 32, 3])
      net, end_points = mobilenet_v1.mobilenet_v1_base(
          images, conv_defs=conv_defs, final_endpoint='Conv2d_2_depthwise',
          use_explicit_padding=True)
      self.assertEqual(net.get_shape().as_list(), [1, 4, 4, 32])
      self.assertEqual(sorted(end_points), [
          'Conv2d_0', 'Conv2d_1_depthwise', 'Conv2d_1_pointwise',
          'Conv2d_2_depthwise'])
      with self.assertRaisesRegex(ValueError, 'output_stride'):
        mobilenet_v1.mobilenet_v1_base(images, output_stride=4)
      with self.assertRaisesRegex(ValueError, 'Conv2d_3_pointwise'):
        mobilenet_v1.mobilenet_v1_base(images, conv_defs=conv_defs,
                                       final_endpoint='Conv2d_14')
      with self.assertRaisesRegex(ValueError, 'depth_multiplier'):
        mobilenet_v1.mobilenet_v1(images, depth_multiplier=0.0)
      with self.assertRaisesRegex(ValueError, 'DepthSepConv'):
        mobilenet_v1.mobilenet_v1(images, conv_defs=[(3, 3)])
      with self.assertRaisesRegex(ValueError, 'rank 4'):
        mobilenet_v1.mobilenet_v1(tf.placeholder(tf.float32, [32, 32, 3]))


if __name__ == '__main__':
  tf.test.main()
