"""Inception v2 (Inception with batch normalization), as in TF-Slim.

  Batch Normalization: Accelerating Deep Network Training by Reducing
  Internal Covariate Shift
  Sergey Ioffe, Christian Szegedy. https://arxiv.org/abs/1502.03167

Variables live under 'InceptionV2' with the names and shapes of the official
`inception_v2_2016_08_28` checkpoint (1001 classes, 224x224 inputs, Inception
preprocessing). The blocks are two kinds, each a table of branch widths:
Inception blocks (1x1 | 1x1-3x3 | 1x1-3x3-3x3 | pool-1x1) and grid
reductions (1x1-3x3/2 | 1x1-3x3-3x3/2 | max pool/2).

Typical use:

  with slim.arg_scope(inception_v2.inception_v2_arg_scope()):
    logits, end_points = inception_v2.inception_v2(images, num_classes=1001,
                                                   is_training=False)
"""
import types

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils

conv = inception_utils.conv
max_pool = inception_utils.max_pool

# Weights stddev of the 1x1 reductions before a 3x3 (0.09) and of the 1x1
# after a pool (0.1), as in slim.
_REDUCE_STDDEV = 0.09
_POOL_PROJ_STDDEV = 0.1

# name: (Branch_0 1x1, Branch_1 (1x1, 3x3), Branch_2 (1x1, 3x3, 3x3),
#        Branch_3 (pool, 1x1))
_INCEPTION_WIDTHS = (
    ('Mixed_3b', 64, (64, 64), (64, 96), ('Avg', 32)),
    ('Mixed_3c', 64, (64, 96), (64, 96), ('Avg', 64)),
    ('Mixed_4b', 224, (64, 96), (96, 128), ('Avg', 128)),
    ('Mixed_4c', 192, (96, 128), (96, 128), ('Avg', 128)),
    ('Mixed_4d', 160, (128, 160), (128, 160), ('Avg', 96)),
    ('Mixed_4e', 96, (128, 192), (160, 192), ('Avg', 96)),
    ('Mixed_5b', 352, (192, 320), (160, 224), ('Avg', 128)),
    ('Mixed_5c', 352, (192, 320), (192, 224), ('Max', 128)),
)

# name: (Branch_0 (1x1, 3x3/2), Branch_1 (1x1, 3x3, 3x3/2)); Branch_2 is a
# 3x3/2 max pool.
_REDUCTION_WIDTHS = (
    ('Mixed_4a', (128, 160), (64, 96)),
    ('Mixed_5a', (128, 192), (192, 256)),
)


def _inception_block(name, b0, b1, b2, b3):
  pool_kind, b3_depth = b3
  return inception_utils.mixed(
      name,
      [conv(b0, 1)],
      [conv(b1[0], 1, stddev=_REDUCE_STDDEV), conv(b1[1], 3)],
      [conv(b2[0], 1, stddev=_REDUCE_STDDEV), conv(b2[1], 3),
       conv(b2[1], 3)],
      [inception_utils.Pool(None, pool_kind, (3, 3), 1, None),
       conv(b3_depth, 1, stddev=_POOL_PROJ_STDDEV)])


def _reduction_block(name, b0, b1):
  return inception_utils.mixed(
      name,
      [conv(b0[0], 1, stddev=_REDUCE_STDDEV), conv(b0[1], 3, stride=2)],
      [conv(b1[0], 1, stddev=_REDUCE_STDDEV), conv(b1[1], 3),
       conv(b1[1], 3, stride=2)],
      [max_pool(3, stride=2)])


_MIXED = types.MappingProxyType(dict(
    [(row[0], _inception_block(*row)) for row in _INCEPTION_WIDTHS] +
    [(row[0], _reduction_block(*row)) for row in _REDUCTION_WIDTHS]))

_ROOT_TAIL = (
    max_pool(3, stride=2, scope='MaxPool_2a_3x3'),
    conv(64, 1, stddev=0.1, scope='Conv2d_2b_1x1'),
    conv(192, 3, scope='Conv2d_2c_3x3'),
    max_pool(3, stride=2, scope='MaxPool_3a_3x3'),
)

_BLOCKS = tuple(_MIXED[name] for name in (
    'Mixed_3b', 'Mixed_3c', 'Mixed_4a', 'Mixed_4b', 'Mixed_4c', 'Mixed_4d',
    'Mixed_4e', 'Mixed_5a', 'Mixed_5b', 'Mixed_5c'))

_LOGITS_HEAD = inception_utils.LogitsHead(
    pool_scope='AvgPool_1a_{}x{}', pool_end_point='AvgPool_1a', max_kernel=7,
    dropout_scope='Dropout_1b', logits_scope='Conv2d_1c_1x1',
    fully_connected=False)


def _first_conv(use_separable_conv):
  """Conv2d_1a_7x7: separable in the official checkpoint."""
  spec = inception_utils.SeparableConv if use_separable_conv else (
      inception_utils.Conv)
  return spec('Conv2d_1a_7x7', 64, (7, 7), 2, None, 1.0)


def inception_v2_base(inputs,
                      final_endpoint='Mixed_5c',
                      min_depth=16,
                      depth_multiplier=1.0,
                      use_separable_conv=True,
                      include_root_block=True,
                      scope=None):
  """Builds Inception v2 up to `final_endpoint`.

  Args:
    inputs: [batch, height, width, channels] images.
    final_endpoint: one of 'Conv2d_1a_7x7', 'MaxPool_2a_3x3',
      'Conv2d_2b_1x1', 'Conv2d_2c_3x3', 'MaxPool_3a_3x3', 'Mixed_3b',
      'Mixed_3c', 'Mixed_4a', ..., 'Mixed_4e', 'Mixed_5a', 'Mixed_5b',
      'Mixed_5c'.
    min_depth: minimum depth of every conv when depth_multiplier < 1.
    depth_multiplier: multiplier of every conv depth (> 0).
    use_separable_conv: a depthwise-separable first conv (the official
      checkpoint) instead of a plain 7x7 conv.
    include_root_block: build the stem (before Mixed_3b); False feeds
      `inputs` straight to Mixed_3b.
    scope: variable scope (default 'InceptionV2').

  Returns:
    (net, end_points).

  Raises:
    ValueError: unknown final_endpoint or depth_multiplier <= 0.
  """
  depth_fn = inception_utils.depth_fn_for(depth_multiplier, min_depth)
  root = (_first_conv(use_separable_conv),) + _ROOT_TAIL
  layers = (root if include_root_block else ()) + _BLOCKS
  with tf.variable_scope(scope, 'InceptionV2', [inputs]):
    return inception_utils.build_stack(inputs, layers, final_endpoint,
                                       depth_fn=depth_fn)


def inception_v2(inputs,
                 num_classes=1000,
                 is_training=True,
                 dropout_keep_prob=0.8,
                 min_depth=16,
                 depth_multiplier=1.0,
                 prediction_fn=slim.softmax,
                 spatial_squeeze=True,
                 reuse=None,
                 scope='InceptionV2',
                 global_pool=False,
                 use_separable_conv=True):
  """Inception v2 classifier.

  Args:
    inputs: [batch, height, width, channels] images (224x224 for the
      official checkpoint; any size, the final pool shrinks to fit).
    num_classes: classes (1001 in the official checkpoint); 0 or None
      returns the pooled features [batch, 1, 1, 1024].
    is_training: mode of batch norm and dropout.
    dropout_keep_prob: keep probability of the dropout before the logits.
    min_depth: minimum depth of every conv when depth_multiplier < 1.
    depth_multiplier: multiplier of every conv depth (> 0).
    prediction_fn: logits -> predictions.
    spatial_squeeze: return logits [batch, num_classes].
    reuse: reuse the variables of `scope`.
    scope: variable scope.
    global_pool: global average pooling instead of the 7x7 pool.
    use_separable_conv: see inception_v2_base.

  Returns:
    (logits, end_points): every block, 'AvgPool_1a', 'global_pool',
    'PreLogits', 'Logits', 'Predictions'.

  Raises:
    ValueError: depth_multiplier <= 0.
  """
  base_fn = lambda images, scope: inception_v2_base(
      images, min_depth=min_depth, depth_multiplier=depth_multiplier,
      use_separable_conv=use_separable_conv, scope=scope)
  inception_utils.depth_fn_for(depth_multiplier, min_depth)  # Checks early.
  return inception_utils.inception_classifier(
      inputs, base_fn, _LOGITS_HEAD, num_classes, is_training,
      dropout_keep_prob, prediction_fn, spatial_squeeze, reuse, scope,
      'InceptionV2', global_pool)


inception_v2.default_image_size = 224

inception_v2_arg_scope = inception_utils.inception_arg_scope
