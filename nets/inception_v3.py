"""Inception v3, as in TF-Slim's checkpoints.

  Rethinking the Inception Architecture for Computer Vision
  Christian Szegedy, Vincent Vanhoucke, Sergey Ioffe, Jonathon Shlens,
  Zbigniew Wojna. https://arxiv.org/abs/1512.00567

Variables live under 'InceptionV3' with the names and shapes of the official
`inception_v3_2016_08_28` checkpoint (1001 classes, 299x299 inputs, Inception
preprocessing), auxiliary head at 'InceptionV3/AuxLogits'. Three block kinds
repeat with different widths: 35x35 blocks (Mixed_5b-5d), 17x17 blocks with
factorized 7x7 convolutions (Mixed_6b-6e) and 8x8 blocks with split 3x3
convolutions (Mixed_7b-7c), between the grid reductions Mixed_6a and Mixed_7a.

Paper names vs end points: conv0..conv4 = Conv2d_1a_3x3, Conv2d_2a_3x3,
Conv2d_2b_3x3, Conv2d_3b_1x1, Conv2d_4a_3x3; mixed_35x35x256a = Mixed_5b, ...,
mixed_17x17x768a = Mixed_6a, ..., mixed_8x8x2048b = Mixed_7c.

Typical use:

  with slim.arg_scope(inception_v3.inception_v3_arg_scope()):
    logits, end_points = inception_v3.inception_v3(images, num_classes=1001,
                                                   is_training=False)
  aux_logits = end_points['AuxLogits']   # weighted 0.4 in the training loss
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils

conv = inception_utils.conv
avg_pool = inception_utils.avg_pool
max_pool = inception_utils.max_pool
fork = inception_utils.fork


def _block_35(name, b3_depth, b1_scopes=(None, None)):
  """35x35 block: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1."""
  return inception_utils.mixed(
      name,
      [conv(64, 1)],
      [conv(48, 1, scope=b1_scopes[0]), conv(64, 5, scope=b1_scopes[1])],
      [conv(64, 1), conv(96, 3), conv(96, 3)],
      [avg_pool(3), conv(b3_depth, 1)])


def _block_17(name, width):
  """17x17 block: 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg pool-1x1."""
  return inception_utils.mixed(
      name,
      [conv(192, 1)],
      [conv(width, 1), conv(width, (1, 7)), conv(192, (7, 1))],
      [conv(width, 1), conv(width, (7, 1)), conv(width, (1, 7)),
       conv(width, (7, 1)), conv(192, (1, 7))],
      [avg_pool(3), conv(192, 1)])


def _block_8(name, b1_split_scope=None):
  """8x8 block: 1x1 | 1x1-(1x3, 3x1) | 1x1-3x3-(1x3, 3x1) | avg pool-1x1."""
  return inception_utils.mixed(
      name,
      [conv(320, 1)],
      [conv(384, 1), fork(conv(384, (1, 3)),
                          conv(384, (3, 1), scope=b1_split_scope))],
      [conv(448, 1), conv(384, 3), fork(conv(384, (1, 3)),
                                        conv(384, (3, 1)))],
      [avg_pool(3), conv(192, 1)])


_LAYERS = inception_utils.STEM_299 + (
    _block_35('Mixed_5b', 32),
    # The official checkpoint names Mixed_5c's 5x5 branch differently.
    _block_35('Mixed_5c', 64, ('Conv2d_0b_1x1', 'Conv_1_0c_5x5')),
    _block_35('Mixed_5d', 64),
    # Its strided 3x3 convs are named '..._1x1' in the official checkpoint.
    inception_utils.mixed(
        'Mixed_6a',
        [conv(384, 3, stride=2, padding='VALID', scope='Conv2d_1a_1x1')],
        [conv(64, 1), conv(96, 3),
         conv(96, 3, stride=2, padding='VALID', scope='Conv2d_1a_1x1')],
        [max_pool(3, stride=2, padding='VALID')]),
    _block_17('Mixed_6b', 128),
    _block_17('Mixed_6c', 160),
    _block_17('Mixed_6d', 160),
    _block_17('Mixed_6e', 192),
    inception_utils.mixed(
        'Mixed_7a',
        [conv(192, 1), conv(320, 3, stride=2, padding='VALID')],
        [conv(192, 1), conv(192, (1, 7)), conv(192, (7, 1)),
         conv(192, 3, stride=2, padding='VALID')],
        [max_pool(3, stride=2, padding='VALID')]),
    _block_8('Mixed_7b', b1_split_scope='Conv2d_0b_3x1'),
    _block_8('Mixed_7c'),
)

_LOGITS_HEAD = inception_utils.LogitsHead(
    pool_scope='AvgPool_1a_{}x{}', pool_end_point='AvgPool_1a', max_kernel=8,
    dropout_scope='Dropout_1b', logits_scope='Conv2d_1c_1x1',
    fully_connected=False)

_AUX_HEAD = inception_utils.AuxHead(
    source='Mixed_6e', pool_scope='AvgPool_1a_5x5',
    conv_scope='Conv2d_2a_{}x{}', max_kernel=5, conv_stddev=0.01,
    logits_scope='Conv2d_2b_1x1', logits_stddev=0.001, fully_connected=False)


def inception_v3_base(inputs,
                      final_endpoint='Mixed_7c',
                      min_depth=16,
                      depth_multiplier=1.0,
                      scope=None):
  """Builds Inception v3 up to `final_endpoint`.

  Args:
    inputs: [batch, height, width, channels] images.
    final_endpoint: one of 'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3',
      'MaxPool_3a_3x3', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'MaxPool_5a_3x3',
      'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', ..., 'Mixed_6e',
      'Mixed_7a', 'Mixed_7b', 'Mixed_7c'.
    min_depth: minimum depth of every conv when depth_multiplier < 1.
    depth_multiplier: multiplier of every conv depth (> 0).
    scope: variable scope (default 'InceptionV3').

  Returns:
    (net, end_points).

  Raises:
    ValueError: unknown final_endpoint or depth_multiplier <= 0.
  """
  depth_fn = inception_utils.depth_fn_for(depth_multiplier, min_depth)
  with tf.variable_scope(scope, 'InceptionV3', [inputs]):
    return inception_utils.build_stack(inputs, _LAYERS, final_endpoint,
                                       depth_fn=depth_fn)


def inception_v3(inputs,
                 num_classes=1000,
                 is_training=True,
                 dropout_keep_prob=0.8,
                 min_depth=16,
                 depth_multiplier=1.0,
                 prediction_fn=slim.softmax,
                 spatial_squeeze=True,
                 reuse=None,
                 create_aux_logits=True,
                 scope='InceptionV3',
                 global_pool=False):
  """Inception v3 classifier.

  Args:
    inputs: [batch, height, width, channels] images: 299x299 for the
      official checkpoint; at least 75x75 (107x107 with the auxiliary head).
    num_classes: classes (1001 in the official checkpoint); 0 or None
      returns the pooled features [batch, 1, 1, 2048].
    is_training: mode of batch norm and dropout.
    dropout_keep_prob: keep probability of the dropout before the logits.
    min_depth: minimum depth of every conv when depth_multiplier < 1.
    depth_multiplier: multiplier of every conv depth (> 0).
    prediction_fn: logits -> predictions.
    spatial_squeeze: return logits [batch, num_classes].
    reuse: reuse the variables of `scope`.
    create_aux_logits: build the auxiliary head on Mixed_6e
      (end_points['AuxLogits']).
    scope: variable scope.
    global_pool: global average pooling instead of the 8x8 pool.

  Returns:
    (logits, end_points): every block, 'AuxLogits', 'AvgPool_1a',
    'global_pool', 'PreLogits', 'Logits', 'Predictions'.

  Raises:
    ValueError: depth_multiplier <= 0.
  """
  depth_fn = inception_utils.depth_fn_for(depth_multiplier, min_depth)
  base_fn = lambda images, scope: inception_v3_base(
      images, min_depth=min_depth, depth_multiplier=depth_multiplier,
      scope=scope)
  return inception_utils.inception_classifier(
      inputs, base_fn, _LOGITS_HEAD, num_classes, is_training,
      dropout_keep_prob, prediction_fn, spatial_squeeze, reuse, scope,
      'InceptionV3', global_pool, aux_head=_AUX_HEAD,
      create_aux_logits=create_aux_logits, depth_fn=depth_fn)


inception_v3.default_image_size = 299

inception_v3_arg_scope = inception_utils.inception_arg_scope
