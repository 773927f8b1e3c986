"""MobileNet v2: inverted residuals and linear bottlenecks.

Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
CVPR 2018, arXiv:1801.04381.

The network is the `MOBILENET_V2_CONV_DEFS` spec, Table 2 of the paper: a
3x3 `Conv`, seven `InvertedResidual` rows (expansion t, output channels c,
repeats n, stride s of the first repeat) and a 1x1 `Conv` to 1280 channels,
walked by `mobilenet_v2_base`; then global average pooling, dropout and a
1x1 convolution as classifier. An inverted residual is a 1x1 'expand'
convolution to t times the input depth (skipped when t = 1), a 3x3
'depthwise' convolution, a linear 1x1 'project' convolution, and a residual
connection when the stride is 1 and the depth is unchanged.

Variable names and shapes equal those of the official TF-Slim checkpoints
(`mobilenet_v2_<multiplier>_<size>.ckpt`): layers are scoped 'Conv',
'expanded_conv', 'expanded_conv_1', ..., 'expanded_conv_16', 'Conv_1', e.g.
`MobilenetV2/Conv/weights` [3, 3, 3, 32],
`MobilenetV2/expanded_conv/depthwise/depthwise_weights` [3, 3, 32, 1],
`MobilenetV2/expanded_conv_1/expand/weights` [1, 1, 16, 96],
`MobilenetV2/Conv_1/weights` [1, 1, 320, 1280],
`MobilenetV2/Logits/Conv2d_1c_1x1/weights` [1, 1, 1280, 1001]; batch norm has
`gamma`, `beta`, `moving_mean` and `moving_variance`. End points are
'layer_1' ... 'layer_19' as in slim, plus 'layer_<i>/expansion_output',
'layer_<i>/depthwise_output' and 'layer_<i>/output' of the blocks.

Widths are rounded to multiples of 8 (`common.make_divisible`). For depth
multipliers below 1 the last 1280-channel layer is not narrowed
(`finegrain_classification_mode`, on by default here because every official
checkpoint below 1.0 was trained that way; slim's builder defaults it to off
and only its `mobilenet_v2_035`/`_050` wrappers turn it on).

Typical use:

  with slim.arg_scope(mobilenet_v2.training_scope()):
    logits, end_points = mobilenet_v2.mobilenet_v2(images, num_classes=1001,
                                                   is_training=False)
  # images: [B, 224, 224, 3] in [-1, 1] (inception preprocessing).
"""
import collections

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils
from nets import normalization
from nets.mobilenet import common

Conv = common.Conv
# `repeats` inverted residual blocks with output depth `depth` (before the
# depth multiplier); the first has stride `stride`, the others stride 1. The
# expansion is `expansion` times the block's input depth.
InvertedResidual = collections.namedtuple(
    'InvertedResidual', ['expansion', 'depth', 'repeats', 'stride', 'kernel'],
    defaults=((3, 3),))

# Table 2 of the paper.
MOBILENET_V2_CONV_DEFS = (
    Conv(kernel=(3, 3), stride=2, depth=32),
    InvertedResidual(expansion=1, depth=16, repeats=1, stride=1),
    InvertedResidual(expansion=6, depth=24, repeats=2, stride=2),
    InvertedResidual(expansion=6, depth=32, repeats=3, stride=2),
    InvertedResidual(expansion=6, depth=64, repeats=4, stride=2),
    InvertedResidual(expansion=6, depth=96, repeats=3, stride=1),
    InvertedResidual(expansion=6, depth=160, repeats=3, stride=2),
    InvertedResidual(expansion=6, depth=320, repeats=1, stride=1),
    Conv(kernel=(1, 1), stride=1, depth=1280),
)

# The expansion width is rounded to a multiple of this, independently of the
# `divisible_by` of the output depths (as in slim's expand_input_by_factor).
_EXPANSION_DIVISOR = 8


def _layers(conv_defs):
  """Yields (scope, layer) per layer, with InvertedResidual rows unrolled."""
  counts = collections.Counter()
  for i, row in enumerate(conv_defs):
    if isinstance(row, Conv):
      kind, blocks = 'Conv', [row]
    elif isinstance(row, InvertedResidual):
      kind = 'expanded_conv'
      blocks = [row._replace(stride=row.stride if r == 0 else 1)
                for r in range(row.repeats)]
    else:
      raise ValueError('conv_defs[%d] is a %s; MobileNet v2 takes Conv and '
                       'InvertedResidual entries only.' %
                       (i, type(row).__name__))
    for block in blocks:
      # Same names as slim's default scope names: 'Conv', 'Conv_1', ...
      scope = kind if not counts[kind] else '%s_%d' % (kind, counts[kind])
      counts[kind] += 1
      yield scope, block


def _check_output_stride(output_stride):
  if output_stride is not None and (output_stride == 0 or (
      output_stride > 1 and output_stride % 2)):
    raise ValueError('output_stride must be None, 1 or a multiple of 2, got '
                     '%r.' % (output_stride,))


def mobilenet_v2_base(inputs, conv_defs=None, depth_multiplier=1.0,
                      min_depth=8, divisible_by=8,
                      finegrain_classification_mode=True, activation_fn=None,
                      final_endpoint=None, output_stride=None,
                      use_explicit_padding=False, scope=None):
  """Builds MobileNet v2 up to `final_endpoint` (no pooling or classifier).

  Batch norm takes its mode from the enclosing arg_scope; `mobilenet_v2` opens
  `net_utils.mode_scope(is_training)` around this call.

  Args:
    inputs: [batch, height, width, channels] float tensor.
    conv_defs: a sequence of `Conv` / `InvertedResidual`; default
      `MOBILENET_V2_CONV_DEFS`.
    depth_multiplier: width multiplier of every layer (must be positive).
    min_depth: smallest number of channels of a layer after the multiplier.
    divisible_by: output depths are rounded to multiples of this.
    finegrain_classification_mode: with depth_multiplier < 1, do not narrow
      the last layer (if it is a `Conv`); the official checkpoints need it.
    activation_fn: activation of the non-linear layers, default ReLU6.
    final_endpoint: 'layer_<i>' to stop at; None builds every layer.
    output_stride: None, 1 or an even ratio of input to output resolution;
      once reached, later layers use atrous convolution instead of strides.
    use_explicit_padding: pad explicitly and convolve with VALID padding
      instead of SAME (same variables, shifted border handling).
    scope: variable scope, default 'MobilenetV2'.

  Returns:
    net: the activation of `final_endpoint`.
    end_points: dict with 'layer_<i>' (1-based over all layers) and the
      blocks' 'layer_<i>/expansion_output', 'layer_<i>/depthwise_output' and
      'layer_<i>/output'.

  Raises:
    ValueError: bad depth_multiplier, output_stride, final_endpoint or
      conv_defs entry.
  """
  common.check_depth_multiplier(depth_multiplier)
  _check_output_stride(output_stride)
  conv_defs = MOBILENET_V2_CONV_DEFS if conv_defs is None else conv_defs
  layers = list(_layers(conv_defs))

  def depth(d, multiplier=depth_multiplier):
    return common.make_divisible(d * multiplier, divisible_by, min_depth)

  def pad(net, kernel, rate=1):
    if use_explicit_padding:
      return common.fixed_padding(net, kernel, rate)
    return net

  end_points = {}
  strides = common.AtrousStrides(output_stride)
  # Re-entering the caller's scope object also re-enters its name scope, so
  # op names are 'MobilenetV2/Conv_1/Relu6' as in slim's frozen graphs.
  with tf.variable_scope(scope, 'MobilenetV2', [inputs]) as var_scope, \
      tf.name_scope(var_scope.original_name_scope):
    with slim.arg_scope([slim.conv2d, slim.separable_conv2d],
                        padding='VALID' if use_explicit_padding else 'SAME',
                        activation_fn=activation_fn or tf.nn.relu6,
                        normalizer_fn=normalization.batch_norm), \
        slim.arg_scope([normalization.batch_norm], center=True, scale=True):
      net = inputs
      for i, (layer_scope, layer) in enumerate(layers):
        end_point = 'layer_%d' % (i + 1)
        stride, rate = strides.next(layer.stride)
        if isinstance(layer, Conv):
          multiplier = depth_multiplier
          if (finegrain_classification_mode and depth_multiplier < 1 and
              i == len(layers) - 1):
            multiplier = 1.0
          rate = rate if tuple(layer.kernel) != (1, 1) else 1
          net = slim.conv2d(pad(net, layer.kernel, rate),
                            depth(layer.depth, multiplier), layer.kernel,
                            stride=stride, rate=rate, scope=layer_scope)
        else:
          net = _inverted_residual(net, layer, depth(layer.depth), stride,
                                   rate, pad, end_point, end_points,
                                   scope=layer_scope)
        end_points[end_point] = net
        if end_point == final_endpoint:
          return net, end_points
  if final_endpoint is None:
    return net, end_points
  raise ValueError('Unknown final_endpoint %r; use one of layer_1 ... '
                   'layer_%d.' % (final_endpoint, len(layers)))


def _inverted_residual(inputs, block, depth, stride, rate, pad, end_point,
                       end_points, scope):
  """Builds one expand - depthwise - linear project block (+ residual)."""
  with tf.variable_scope(scope):
    input_depth = inputs.get_shape().as_list()[3]
    net = inputs
    if block.expansion != 1:
      inner_depth = common.make_divisible(input_depth * block.expansion,
                                          _EXPANSION_DIVISOR)
      if inner_depth > input_depth:
        net = slim.conv2d(net, inner_depth, [1, 1], scope='expand')
        net = tf.identity(net, name='expansion_output')
        end_points[end_point + '/expansion_output'] = net
    net = slim.separable_conv2d(pad(net, block.kernel, rate), None,
                                block.kernel, depth_multiplier=1,
                                stride=stride, rate=rate, scope='depthwise')
    net = tf.identity(net, name='depthwise_output')
    end_points[end_point + '/depthwise_output'] = net
    net = slim.conv2d(net, depth, [1, 1], activation_fn=None,
                      scope='project')
    if stride == 1 and depth == input_depth:
      net += inputs
    net = tf.identity(net, name='output')
    end_points[end_point + '/output'] = net
    return net


def _global_pool(net, end_points):
  net = tf.reduce_mean(net, [1, 2], keepdims=True, name='global_pool')
  end_points['global_pool'] = net
  return net


def mobilenet_v2(inputs, num_classes=1001, depth_multiplier=1.0,
                 scope='MobilenetV2', conv_defs=None,
                 finegrain_classification_mode=True, min_depth=8,
                 divisible_by=8, activation_fn=None, is_training=False,
                 dropout_keep_prob=None, prediction_fn=slim.softmax,
                 spatial_squeeze=True, reuse=None, base_only=False,
                 output_stride=None, use_explicit_padding=False,
                 final_endpoint=None):
  """Builds the MobileNet v2 classifier.

  Args:
    inputs: [batch, height, width, channels] float tensor.
    num_classes: number of classes (1001 for the official checkpoints);
      0 or None returns the pooled features [batch, 1, 1, depth] instead.
    depth_multiplier: width multiplier of every layer (must be positive).
    scope: variable scope.
    conv_defs: a sequence of `Conv` / `InvertedResidual`; default
      `MOBILENET_V2_CONV_DEFS`.
    finegrain_classification_mode: keep the last layer 1280 wide for
      depth_multiplier < 1, as in the official checkpoints (slim's builder
      defaults to False).
    min_depth: smallest number of channels of a layer after the multiplier.
    divisible_by: depths are rounded to multiples of this.
    activation_fn: activation of the non-linear layers, default ReLU6.
    is_training: mode of batch norm and dropout (through
      `net_utils.mode_scope`, which the factory can override).
    dropout_keep_prob: keep probability of the dropout before the
      classifier; None takes it from the arg_scope (`training_scope`: 0.8).
    prediction_fn: maps logits to 'Predictions', or None.
    spatial_squeeze: squeeze the logits to [batch, num_classes].
    reuse: whether to reuse the variables of the scope.
    base_only: return the last feature map and the base's end points.
    output_stride: see `mobilenet_v2_base`.
    use_explicit_padding: see `mobilenet_v2_base`.
    final_endpoint: see `mobilenet_v2_base` (needs base_only=True unless it is
      the last layer).

  Returns:
    logits: [batch, num_classes] (or the pooled features, see num_classes).
    end_points: dict with the base's end points and 'global_pool',
      'PreLogits' (the pooled features), 'Logits', 'Predictions'.

  Raises:
    ValueError: inputs are not of rank 4, or bad arguments for the base.
  """
  common.check_inputs(inputs)
  with tf.variable_scope(scope, 'MobilenetV2', [inputs], reuse=reuse) as sc:
    with net_utils.mode_scope(is_training):
      net, end_points = mobilenet_v2_base(
          inputs, conv_defs=conv_defs, depth_multiplier=depth_multiplier,
          min_depth=min_depth, divisible_by=divisible_by,
          finegrain_classification_mode=finegrain_classification_mode,
          activation_fn=activation_fn, final_endpoint=final_endpoint,
          output_stride=output_stride,
          use_explicit_padding=use_explicit_padding, scope=sc)
      if base_only:
        return net, end_points
      logits = common.classifier(
          net, end_points, num_classes, _global_pool,
          dropout_keep_prob=dropout_keep_prob, dropout_scope='Dropout',
          spatial_squeeze=spatial_squeeze, prediction_fn=prediction_fn)
  return logits, end_points


mobilenet_v2.default_image_size = 224

mobilenet_v2_140 = common.variant(mobilenet_v2, depth_multiplier=1.4)
mobilenet_v2_050 = common.variant(mobilenet_v2, depth_multiplier=0.50)
mobilenet_v2_035 = common.variant(mobilenet_v2, depth_multiplier=0.35)


def training_scope(is_training=None, weight_decay=0.00004, stddev=0.09,
                   dropout_keep_prob=0.8, bn_decay=0.997):
  """Returns the training arg_scope of MobileNet v2 (slim's defaults).

  Architecture (ReLU6, batch norm with gamma, SAME padding) lives in the
  network body; this scope only holds training hyper-parameters.

  Args:
    is_training: accepted for compatibility with slim's signature and
      ignored: the network's own `is_training` sets the batch-norm and
      dropout mode (through `net_utils.mode_scope`).
    weight_decay: L2 regularization of the convolution weights (depthwise
      weights are not regularized).
    stddev: standard deviation of the truncated-normal initializer; a
      negative value selects Xavier initialization.
    dropout_keep_prob: keep probability of the dropout before the logits.
    bn_decay: decay of the batch-norm moving averages.

  Returns:
    An arg_scope dict to open with `slim.arg_scope`.
  """
  del is_training  # The network's mode_scope decides.
  if stddev < 0:
    initializer = slim.initializers.xavier_initializer()
  else:
    initializer = tf.truncated_normal_initializer(stddev=stddev)
  with slim.arg_scope([slim.conv2d, slim.fully_connected,
                       slim.separable_conv2d],
                      weights_initializer=initializer), \
      slim.arg_scope([normalization.batch_norm], decay=bn_decay), \
      slim.arg_scope([slim.dropout], keep_prob=dropout_keep_prob), \
      slim.arg_scope([slim.conv2d],
                     weights_regularizer=slim.l2_regularizer(weight_decay)), \
      slim.arg_scope([slim.separable_conv2d], weights_regularizer=None) as sc:
    return sc


mobilenet_v2_arg_scope = training_scope
