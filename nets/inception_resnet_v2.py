"""Inception-ResNet-v2, as in TF-Slim's checkpoints.

  Inception-v4, Inception-ResNet and the Impact of Residual Connections on
  Learning
  Christian Szegedy, Sergey Ioffe, Vincent Vanhoucke, Alex Alemi.
  https://arxiv.org/abs/1602.07261

Variables live under 'InceptionResnetV2' with the names and shapes of the
official `inception_resnet_v2_2016_08_30` checkpoint (1001 classes, 299x299
inputs, Inception preprocessing), auxiliary head at
'InceptionResnetV2/AuxLogits'. The network: a stem, Mixed_5b, 10 x Block35
(scale 0.17, under 'Repeat'), Mixed_6a, 20 x Block17 (scale 0.10, under
'Repeat_1'), Mixed_7a, 9 x Block8 (scale 0.20, under 'Repeat_2'), a last
Block8 without activation, Conv2d_7b_1x1.

Typical use:

  with slim.arg_scope(
      inception_resnet_v2.inception_resnet_v2_arg_scope()):
    logits, end_points = inception_resnet_v2.inception_resnet_v2(
        images, num_classes=1001, is_training=False)
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils

conv = inception_utils.conv
avg_pool = inception_utils.avg_pool
max_pool = inception_utils.max_pool
mixed = inception_utils.mixed
residual = inception_utils.residual

# Residual blocks: the first branch is a lone 1x1 named 'Conv2d_1x1'.
_BLOCK35 = residual(
    'block35', 0.17,
    [conv(32, 1, scope='Conv2d_1x1')],
    [conv(32, 1), conv(32, 3)],
    [conv(32, 1), conv(48, 3), conv(64, 3)])

_BLOCK17 = residual(
    'block17', 0.10,
    [conv(192, 1, scope='Conv2d_1x1')],
    [conv(128, 1), conv(160, (1, 7)), conv(192, (7, 1))])

_BLOCK8 = residual(
    'block8', 0.20,
    [conv(192, 1, scope='Conv2d_1x1')],
    [conv(192, 1), conv(224, (1, 3)), conv(256, (3, 1))])

_LAYERS = inception_utils.STEM_299 + (
    mixed('Mixed_5b',
          [conv(96, 1, scope='Conv2d_1x1')],
          [conv(48, 1), conv(64, 5)],
          [conv(64, 1), conv(96, 3), conv(96, 3)],
          [avg_pool(3), conv(64, 1)]),
    inception_utils.repeat('Repeat', 10, _BLOCK35),
    mixed('Mixed_6a',
          [conv(384, 3, stride=2, padding='VALID')],
          [conv(256, 1), conv(256, 3),
           conv(384, 3, stride=2, padding='VALID')],
          [max_pool(3, stride=2, padding='VALID')]),
    inception_utils.repeat('Repeat_1', 20, _BLOCK17, end_point='PreAuxLogits'),
    mixed('Mixed_7a',
          [conv(256, 1), conv(384, 3, stride=2, padding='VALID')],
          [conv(256, 1), conv(288, 3, stride=2, padding='VALID')],
          [conv(256, 1), conv(288, 3), conv(320, 3, stride=2,
                                            padding='VALID')],
          [max_pool(3, stride=2, padding='VALID')]),
    inception_utils.repeat('Repeat_2', 9, _BLOCK8),
    _BLOCK8._replace(scope='Block8', scale=1.0, activate=False),
    conv(1536, 1, scope='Conv2d_7b_1x1'),
)

_LOGITS_HEAD = inception_utils.LogitsHead(
    pool_scope='AvgPool_1a_8x8', pool_end_point=None, max_kernel=None,
    dropout_scope='Dropout', logits_scope='Logits', fully_connected=True)

_AUX_HEAD = inception_utils.AuxHead(
    source='PreAuxLogits', pool_scope='Conv2d_1a_3x3',
    conv_scope='Conv2d_2a_5x5', max_kernel=None, conv_stddev=None,
    logits_scope='Logits', logits_stddev=None, fully_connected=True)

# With output_stride 8 the net is atrous after MaxPool_5a_3x3; as in slim,
# only the end points up to PreAuxLogits are supported then.
_ENDPOINTS = inception_utils.end_point_names(_LAYERS)
_OUTPUT_STRIDE_8_ENDPOINTS = _ENDPOINTS[:_ENDPOINTS.index('PreAuxLogits') + 1]


def inception_resnet_v2_base(inputs,
                             final_endpoint='Conv2d_7b_1x1',
                             output_stride=16,
                             align_feature_maps=False,
                             scope=None,
                             activation_fn=tf.nn.relu):
  """Builds Inception-ResNet-v2 up to `final_endpoint`.

  Args:
    inputs: [batch, height, width, channels] images.
    final_endpoint: one of 'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3',
      'MaxPool_3a_3x3', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'MaxPool_5a_3x3',
      'Mixed_5b', 'Mixed_6a', 'PreAuxLogits', 'Mixed_7a', 'Conv2d_7b_1x1'.
    output_stride: 16 (the classifier), or 8 for a denser feature map:
      Mixed_6a does not subsample and the Block17s use atrous rate 2 (only
      up to 'PreAuxLogits').
    align_feature_maps: SAME instead of VALID padding everywhere, so that
      feature maps align with the input (for detection).
    scope: variable scope (default 'InceptionResnetV2').
    activation_fn: activation of the residual sums.

  Returns:
    (net, end_points).

  Raises:
    ValueError: unknown final_endpoint, output_stride not 8 or 16, or
      output_stride 8 with an end point after 'PreAuxLogits'.
  """
  if output_stride not in (8, 16):
    raise ValueError('output_stride must be 8 or 16, got %r.' % output_stride)
  if output_stride == 8 and final_endpoint not in _OUTPUT_STRIDE_8_ENDPOINTS:
    raise ValueError(
        'output_stride=8 supports end points up to PreAuxLogits only (as in '
        'slim); got final_endpoint=%r. Use output_stride=16 or one of: %s.' %
        (final_endpoint, ', '.join(_OUTPUT_STRIDE_8_ENDPOINTS)))
  with tf.variable_scope(scope, 'InceptionResnetV2', [inputs]):
    return inception_utils.build_stack(
        inputs, _LAYERS, final_endpoint,
        output_stride=8 if output_stride == 8 else None,
        align_feature_maps=align_feature_maps, activation_fn=activation_fn)


def inception_resnet_v2(inputs,
                        num_classes=1001,
                        is_training=True,
                        dropout_keep_prob=0.8,
                        reuse=None,
                        scope='InceptionResnetV2',
                        create_aux_logits=True,
                        activation_fn=tf.nn.relu,
                        spatial_squeeze=True,
                        global_pool=False,
                        prediction_fn=slim.softmax):
  """Inception-ResNet-v2 classifier.

  Args:
    inputs: [batch, height, width, channels] images: 299x299 for the
      official checkpoint; at least 75x75 (107x107 with the auxiliary head).
    num_classes: classes (1001 in the official checkpoint); 0 or None
      returns the pooled features [batch, 1, 1, 1536].
    is_training: mode of batch norm and dropout.
    dropout_keep_prob: keep probability of the dropout before the logits.
    reuse: reuse the variables of `scope`.
    scope: variable scope.
    create_aux_logits: build the auxiliary head on PreAuxLogits.
    activation_fn: activation of the residual sums (pass the same to the
      arg_scope for the convolutions).
    spatial_squeeze: accepted for a uniform interface; the fully connected
      logits are always [batch, num_classes].
    global_pool: pool with a global mean (same numbers as slim's full-map
      average pool).
    prediction_fn: logits -> predictions.

  Returns:
    (logits, end_points): the end points of the base, 'AuxLogits',
    'global_pool', 'PreLogits', 'PreLogitsFlatten', 'Logits', 'Predictions'.
  """
  base_fn = lambda images, scope: inception_resnet_v2_base(
      images, scope=scope, activation_fn=activation_fn)
  return inception_utils.inception_classifier(
      inputs, base_fn, _LOGITS_HEAD, num_classes, is_training,
      dropout_keep_prob, prediction_fn, spatial_squeeze, reuse, scope,
      'InceptionResnetV2', global_pool, aux_head=_AUX_HEAD,
      create_aux_logits=create_aux_logits)


inception_resnet_v2.default_image_size = 299


def inception_resnet_v2_arg_scope(
    weight_decay=0.00004,
    batch_norm_decay=0.9997,
    batch_norm_epsilon=0.001,
    activation_fn=tf.nn.relu,
    batch_norm_updates_collections=tf.GraphKeys.UPDATE_OPS,
    batch_norm_scale=False):
  """The arg_scope of Inception-ResNet-v2.

  As slim's: inception_utils.inception_arg_scope with biases also
  L2-regularized and slim's default (Xavier) conv initializer.

  Args:
    weight_decay: L2 regularization of weights and biases.
    batch_norm_decay: decay of the batch-norm moving averages.
    batch_norm_epsilon: small float added to the variance.
    activation_fn: activation of the convolutions.
    batch_norm_updates_collections: collection of the update ops.
    batch_norm_scale: create a batch-norm `gamma` (the checkpoint has none).

  Returns:
    An arg_scope dict.
  """
  return inception_utils.inception_arg_scope(
      weight_decay=weight_decay,
      batch_norm_decay=batch_norm_decay,
      batch_norm_epsilon=batch_norm_epsilon,
      activation_fn=activation_fn,
      batch_norm_updates_collections=batch_norm_updates_collections,
      batch_norm_scale=batch_norm_scale,
      weights_initializer=slim.xavier_initializer(),
      regularize_biases=True)
