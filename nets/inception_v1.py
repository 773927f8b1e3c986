"""Inception v1 (GoogLeNet) with batch norm, as in TF-Slim's checkpoints.

  Going deeper with convolutions
  Christian Szegedy, Wei Liu, Yangqing Jia, Pierre Sermanet, Scott Reed,
  Dragomir Anguelov, Dumitru Erhan, Vincent Vanhoucke, Andrew Rabinovich.
  https://arxiv.org/abs/1409.4842

Variables live under 'InceptionV1' with the names and shapes of the official
`inception_v1_2016_08_28` checkpoint (1001 classes, 224x224 inputs, Inception
preprocessing). Every mixed block has the same four branches; the table
`_MIXED_WIDTHS` holds their widths.

Typical use:

  with slim.arg_scope(inception_v1.inception_v1_arg_scope()):
    logits, end_points = inception_v1.inception_v1(images, num_classes=1001,
                                                   is_training=False)
"""
import types

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils

conv = inception_utils.conv
max_pool = inception_utils.max_pool

# name: (Branch_0 1x1, Branch_1 1x1 -> 3x3, Branch_2 1x1 -> 3x3,
#        Branch_3 max pool -> 1x1)
_MIXED_WIDTHS = (
    ('Mixed_3b', 64, (96, 128), (16, 32), 32),
    ('Mixed_3c', 128, (128, 192), (32, 96), 64),
    ('Mixed_4b', 192, (96, 208), (16, 48), 64),
    ('Mixed_4c', 160, (112, 224), (24, 64), 64),
    ('Mixed_4d', 128, (128, 256), (24, 64), 64),
    ('Mixed_4e', 112, (144, 288), (32, 64), 64),
    ('Mixed_4f', 256, (160, 320), (32, 128), 128),
    ('Mixed_5b', 256, (160, 320), (32, 128), 128),
    ('Mixed_5c', 384, (192, 384), (48, 128), 128),
)

# The official checkpoint names one 3x3 conv of Mixed_5b 'Conv2d_0a_3x3'.
_SCOPE_QUIRKS = {('Mixed_5b', 2): 'Conv2d_0a_3x3'}


def _mixed(name, b0, b1, b2, b3):
  return inception_utils.mixed(
      name,
      [conv(b0, 1)],
      [conv(b1[0], 1), conv(b1[1], 3)],
      [conv(b2[0], 1), conv(b2[1], 3, scope=_SCOPE_QUIRKS.get((name, 2)))],
      [max_pool(3), conv(b3, 1)])


_MIXED = types.MappingProxyType(
    {row[0]: _mixed(*row) for row in _MIXED_WIDTHS})

_ROOT = (
    conv(64, 7, stride=2, scope='Conv2d_1a_7x7'),
    max_pool(3, stride=2, scope='MaxPool_2a_3x3'),
    conv(64, 1, scope='Conv2d_2b_1x1'),
    conv(192, 3, scope='Conv2d_2c_3x3'),
    max_pool(3, stride=2, scope='MaxPool_3a_3x3'),
)

_BLOCKS = (
    _MIXED['Mixed_3b'], _MIXED['Mixed_3c'],
    max_pool(3, stride=2, scope='MaxPool_4a_3x3'),
    _MIXED['Mixed_4b'], _MIXED['Mixed_4c'], _MIXED['Mixed_4d'],
    _MIXED['Mixed_4e'], _MIXED['Mixed_4f'],
    max_pool(2, stride=2, scope='MaxPool_5a_2x2'),
    _MIXED['Mixed_5b'], _MIXED['Mixed_5c'],
)

_LOGITS_HEAD = inception_utils.LogitsHead(
    pool_scope='AvgPool_0a_7x7', pool_end_point='AvgPool_0a_7x7',
    max_kernel=7, dropout_scope='Dropout_0b', logits_scope='Conv2d_0c_1x1',
    fully_connected=False)


def inception_v1_base(inputs, final_endpoint='Mixed_5c',
                      include_root_block=True, scope='InceptionV1'):
  """Builds Inception v1 up to `final_endpoint`.

  Args:
    inputs: [batch, height, width, channels] images.
    final_endpoint: one of 'Conv2d_1a_7x7', 'MaxPool_2a_3x3', 'Conv2d_2b_1x1',
      'Conv2d_2c_3x3', 'MaxPool_3a_3x3', 'Mixed_3b', 'Mixed_3c',
      'MaxPool_4a_3x3', 'Mixed_4b', ..., 'Mixed_4f', 'MaxPool_5a_2x2',
      'Mixed_5b', 'Mixed_5c'.
    include_root_block: build the stem (convolutions and pools before
      Mixed_3b); False feeds `inputs` straight to Mixed_3b.
    scope: variable scope.

  Returns:
    (net, end_points).

  Raises:
    ValueError: unknown final_endpoint.
  """
  layers = (_ROOT if include_root_block else ()) + _BLOCKS
  with tf.variable_scope(scope, 'InceptionV1', [inputs]):
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        weights_initializer=inception_utils.trunc_normal(0.01)):
      return inception_utils.build_stack(inputs, layers, final_endpoint)


def inception_v1(inputs,
                 num_classes=1000,
                 is_training=True,
                 dropout_keep_prob=0.8,
                 prediction_fn=slim.softmax,
                 spatial_squeeze=True,
                 reuse=None,
                 scope='InceptionV1',
                 global_pool=False):
  """Inception v1 classifier.

  Args:
    inputs: [batch, height, width, channels] images; 224x224 for the
      official checkpoint (at least 193x193 keeps the final 7x7 pool;
      smaller inputs pool what is left).
    num_classes: classes (1001 in the official checkpoint); 0 or None
      returns the pooled features [batch, 1, 1, 1024].
    is_training: mode of batch norm and dropout.
    dropout_keep_prob: keep probability of the dropout before the logits.
    prediction_fn: logits -> predictions.
    spatial_squeeze: return logits [batch, num_classes] instead of
      [batch, 1, 1, num_classes].
    reuse: reuse the variables of `scope`.
    scope: variable scope.
    global_pool: global average pooling instead of the 7x7 pool (for inputs
      larger than 224).

  Returns:
    (logits, end_points): end_points holds every block ('Conv2d_1a_7x7', ...,
    'Mixed_5c'), 'AvgPool_0a_7x7', 'global_pool', 'PreLogits', 'Logits',
    'Predictions'.
  """
  return inception_utils.inception_classifier(
      inputs, inception_v1_base, _LOGITS_HEAD, num_classes, is_training,
      dropout_keep_prob, prediction_fn, spatial_squeeze, reuse, scope,
      'InceptionV1', global_pool)


inception_v1.default_image_size = 224

inception_v1_arg_scope = inception_utils.inception_arg_scope
