"""Inception v4, as in TF-Slim's checkpoints.

  Inception-v4, Inception-ResNet and the Impact of Residual Connections on
  Learning
  Christian Szegedy, Sergey Ioffe, Vincent Vanhoucke, Alex Alemi.
  https://arxiv.org/abs/1602.07261

Variables live under 'InceptionV4' with the names and shapes of the official
`inception_v4_2016_09_09` checkpoint (1001 classes, 299x299 inputs, Inception
preprocessing), auxiliary head at 'InceptionV4/AuxLogits'. The network is the
paper's table: a stem (Mixed_3a-5a), 4 x Inception-A (Mixed_5b-5e),
Reduction-A (Mixed_6a), 7 x Inception-B (Mixed_6b-6h), Reduction-B (Mixed_7a)
and 3 x Inception-C (Mixed_7b-7d).

Typical use:

  with slim.arg_scope(inception_v4.inception_v4_arg_scope()):
    logits, end_points = inception_v4.inception_v4(images, num_classes=1001,
                                                   is_training=False)
"""
import string

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils

conv = inception_utils.conv
avg_pool = inception_utils.avg_pool
max_pool = inception_utils.max_pool
fork = inception_utils.fork
mixed = inception_utils.mixed

# Figure 4 of the paper.
_BLOCK_A = (
    [conv(96, 1)],
    [conv(64, 1), conv(96, 3)],
    [conv(64, 1), conv(96, 3), conv(96, 3)],
    [avg_pool(3), conv(96, 1)],
)

# Figure 7 (k, l, m, n = 192, 224, 256, 384).
_REDUCTION_A = (
    [conv(384, 3, stride=2, padding='VALID')],
    [conv(192, 1), conv(224, 3), conv(256, 3, stride=2, padding='VALID')],
    [max_pool(3, stride=2, padding='VALID')],
)

# Figure 5.
_BLOCK_B = (
    [conv(384, 1)],
    [conv(192, 1), conv(224, (1, 7)), conv(256, (7, 1))],
    [conv(192, 1), conv(192, (7, 1)), conv(224, (1, 7)), conv(224, (7, 1)),
     conv(256, (1, 7))],
    [avg_pool(3), conv(128, 1)],
)

# Figure 8.
_REDUCTION_B = (
    [conv(192, 1), conv(192, 3, stride=2, padding='VALID')],
    [conv(256, 1), conv(256, (1, 7)), conv(320, (7, 1)),
     conv(320, 3, stride=2, padding='VALID')],
    [max_pool(3, stride=2, padding='VALID')],
)

# Figure 6.
_BLOCK_C = (
    [conv(256, 1)],
    [conv(384, 1), fork(conv(256, (1, 3)), conv(256, (3, 1)))],
    [conv(384, 1), conv(448, (3, 1)), conv(512, (1, 3)),
     fork(conv(256, (1, 3)), conv(256, (3, 1)))],
    [avg_pool(3), conv(256, 1)],
)


def _blocks(prefix, count, branches):
  """`count` blocks named prefix + 'b', 'c', ... (Mixed_5b, Mixed_5c, ...)."""
  return tuple(mixed(prefix + letter, *branches)
               for letter in string.ascii_lowercase[1:count + 1])


_LAYERS = inception_utils.STEM_299[:3] + (
    # Stem (figure 3); the official checkpoint names Mixed_3a's strided
    # layers '0a'.
    mixed('Mixed_3a',
          [max_pool(3, stride=2, padding='VALID', scope='MaxPool_0a_3x3')],
          [conv(96, 3, stride=2, padding='VALID', scope='Conv2d_0a_3x3')]),
    mixed('Mixed_4a',
          [conv(64, 1), conv(96, 3, padding='VALID')],
          [conv(64, 1), conv(64, (1, 7)), conv(64, (7, 1)),
           conv(96, 3, padding='VALID')]),
    mixed('Mixed_5a',
          [conv(192, 3, stride=2, padding='VALID')],
          [max_pool(3, stride=2, padding='VALID')]),
) + (_blocks('Mixed_5', 4, _BLOCK_A) +
     (mixed('Mixed_6a', *_REDUCTION_A),) +
     _blocks('Mixed_6', 7, _BLOCK_B) +
     (mixed('Mixed_7a', *_REDUCTION_B),) +
     _blocks('Mixed_7', 3, _BLOCK_C))

_LOGITS_HEAD = inception_utils.LogitsHead(
    pool_scope='AvgPool_1a', pool_end_point=None, max_kernel=None,
    dropout_scope='Dropout_1b', logits_scope='Logits', fully_connected=True)

_AUX_HEAD = inception_utils.AuxHead(
    source='Mixed_6h', pool_scope='AvgPool_1a_5x5', conv_scope='Conv2d_2a',
    max_kernel=None, conv_stddev=None, logits_scope='Aux_logits',
    logits_stddev=None, fully_connected=True)


def inception_v4_base(inputs, final_endpoint='Mixed_7d', scope=None):
  """Builds Inception v4 up to `final_endpoint`.

  Args:
    inputs: [batch, height, width, channels] images.
    final_endpoint: one of 'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3',
      'Mixed_3a', 'Mixed_4a', 'Mixed_5a', 'Mixed_5b', ..., 'Mixed_5e',
      'Mixed_6a', 'Mixed_6b', ..., 'Mixed_6h', 'Mixed_7a', 'Mixed_7b',
      'Mixed_7c', 'Mixed_7d'.
    scope: variable scope (default 'InceptionV4').

  Returns:
    (net, end_points).

  Raises:
    ValueError: unknown final_endpoint.
  """
  with tf.variable_scope(scope, 'InceptionV4', [inputs]):
    return inception_utils.build_stack(inputs, _LAYERS, final_endpoint)


def inception_v4(inputs,
                 num_classes=1001,
                 is_training=True,
                 dropout_keep_prob=0.8,
                 reuse=None,
                 scope='InceptionV4',
                 create_aux_logits=True,
                 spatial_squeeze=True,
                 global_pool=False,
                 prediction_fn=slim.softmax):
  """Inception v4 classifier.

  Args:
    inputs: [batch, height, width, channels] images: 299x299 for the
      official checkpoint; at least 75x75 (107x107 with the auxiliary head).
    num_classes: classes (1001 in the official checkpoint); 0 or None
      returns the pooled features [batch, 1, 1, 1536].
    is_training: mode of batch norm and dropout.
    dropout_keep_prob: keep probability of the dropout before the logits.
    reuse: reuse the variables of `scope`.
    scope: variable scope.
    create_aux_logits: build the auxiliary head on Mixed_6h.
    spatial_squeeze: accepted for a uniform interface; the fully connected
      logits are always [batch, num_classes].
    global_pool: pool with a global mean (same numbers as the full-map
      average pool slim uses; the mean is used anyway when the input size is
      unknown).
    prediction_fn: logits -> predictions.

  Returns:
    (logits, end_points): every block, 'AuxLogits', 'global_pool',
    'PreLogits', 'PreLogitsFlatten', 'Logits', 'Predictions'.
  """
  return inception_utils.inception_classifier(
      inputs, inception_v4_base, _LOGITS_HEAD, num_classes, is_training,
      dropout_keep_prob, prediction_fn, spatial_squeeze, reuse, scope,
      'InceptionV4', global_pool, aux_head=_AUX_HEAD,
      create_aux_logits=create_aux_logits)


inception_v4.default_image_size = 299

inception_v4_arg_scope = inception_utils.inception_arg_scope
