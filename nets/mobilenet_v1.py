"""MobileNet v1: depthwise separable convolutions.

Howard et al., "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications", arXiv:1704.04861, 2017.

The network is the `MOBILENET_V1_CONV_DEFS` spec (one `Conv`, then thirteen
`DepthSepConv` = 3x3 depthwise + 1x1 pointwise convolution, each followed by
batch norm and ReLU6) walked by `mobilenet_v1_base`, then average pooling,
dropout and a 1x1 convolution as classifier. Width variants only change
`depth_multiplier` (see `mobilenet_v1_075` & co.).

Variable names and shapes equal those of the official TF-Slim checkpoints
(`mobilenet_v1_<multiplier>_<size>.ckpt`), e.g.
`MobilenetV1/Conv2d_0/weights` [3, 3, 3, 32],
`MobilenetV1/Conv2d_1_depthwise/depthwise_weights` [3, 3, 32, 1],
`MobilenetV1/Conv2d_1_pointwise/weights` [1, 1, 32, 64],
`MobilenetV1/Conv2d_13_pointwise/BatchNorm/moving_variance` [1024],
`MobilenetV1/Logits/Conv2d_1c_1x1/weights` [1, 1, 1024, 1001]. Batch norm has
`beta`, `moving_mean` and `moving_variance` but no `gamma` (scale=False).

Typical use:

  with slim.arg_scope(mobilenet_v1.mobilenet_v1_arg_scope()):
    logits, end_points = mobilenet_v1.mobilenet_v1(images, num_classes=1001,
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
# A depthwise convolution (kernel, stride) then a 1x1 pointwise convolution
# to `depth` channels (before the depth multiplier).
DepthSepConv = collections.namedtuple('DepthSepConv',
                                      ['kernel', 'stride', 'depth'])

# Table 1 of the paper. Layer i is scoped 'Conv2d_<i>' (Conv) or
# 'Conv2d_<i>_depthwise' and 'Conv2d_<i>_pointwise' (DepthSepConv).
MOBILENET_V1_CONV_DEFS = (
    Conv(kernel=(3, 3), stride=2, depth=32),
    DepthSepConv(kernel=(3, 3), stride=1, depth=64),
    DepthSepConv(kernel=(3, 3), stride=2, depth=128),
    DepthSepConv(kernel=(3, 3), stride=1, depth=128),
    DepthSepConv(kernel=(3, 3), stride=2, depth=256),
    DepthSepConv(kernel=(3, 3), stride=1, depth=256),
    DepthSepConv(kernel=(3, 3), stride=2, depth=512),
    DepthSepConv(kernel=(3, 3), stride=1, depth=512),
    DepthSepConv(kernel=(3, 3), stride=1, depth=512),
    DepthSepConv(kernel=(3, 3), stride=1, depth=512),
    DepthSepConv(kernel=(3, 3), stride=1, depth=512),
    DepthSepConv(kernel=(3, 3), stride=1, depth=512),
    DepthSepConv(kernel=(3, 3), stride=2, depth=1024),
    DepthSepConv(kernel=(3, 3), stride=1, depth=1024),
)


def _check_output_stride(output_stride):
  if output_stride is not None and output_stride not in (8, 16, 32):
    raise ValueError('output_stride must be None, 8, 16 or 32, got %r.' %
                     (output_stride,))


def mobilenet_v1_base(inputs, final_endpoint=None,
                      min_depth=8, depth_multiplier=1.0, conv_defs=None,
                      output_stride=None, use_explicit_padding=False,
                      scope=None):
  """Builds MobileNet v1 up to `final_endpoint` (no pooling or classifier).

  Batch norm takes its mode from the enclosing arg_scope; `mobilenet_v1` opens
  `net_utils.mode_scope(is_training)` around this call.

  Args:
    inputs: [batch, height, width, channels] float tensor.
    final_endpoint: the end point to stop at, e.g. 'Conv2d_0' or
      'Conv2d_11_pointwise'; None builds every layer of `conv_defs` (with
      the default spec: up to 'Conv2d_13_pointwise', as in slim).
    min_depth: smallest number of channels of a layer after the multiplier.
    depth_multiplier: multiplies every layer's depth (the width multiplier
      alpha of the paper); must be positive.
    conv_defs: a sequence of `Conv` / `DepthSepConv`; default
      `MOBILENET_V1_CONV_DEFS`.
    output_stride: None, 8, 16 or 32: ratio of input to output resolution;
      below 32 the later layers use atrous convolution instead of strides.
    use_explicit_padding: pad explicitly and convolve with VALID padding
      instead of SAME (same variables, shifted border handling).
    scope: variable scope, default 'MobilenetV1'.

  Returns:
    net: the activation of `final_endpoint`.
    end_points: dict from end-point name ('Conv2d_0', 'Conv2d_1_depthwise',
      'Conv2d_1_pointwise', ...) to tensor.

  Raises:
    ValueError: bad depth_multiplier, output_stride, final_endpoint or
      conv_defs entry.
  """
  common.check_depth_multiplier(depth_multiplier)
  _check_output_stride(output_stride)
  conv_defs = MOBILENET_V1_CONV_DEFS if conv_defs is None else conv_defs
  for i, conv_def in enumerate(conv_defs):
    if not isinstance(conv_def, (Conv, DepthSepConv)):
      raise ValueError('conv_defs[%d] is a %s; MobileNet v1 takes Conv and '
                       'DepthSepConv entries only.' %
                       (i, type(conv_def).__name__))

  def depth(d):
    return max(int(d * depth_multiplier), min_depth)

  end_points = {}
  strides = common.AtrousStrides(output_stride)
  padding = 'VALID' if use_explicit_padding else 'SAME'

  def pad(net, kernel, rate=1):
    if use_explicit_padding:
      return common.fixed_padding(net, kernel, rate)
    return net

  with tf.variable_scope(scope, 'MobilenetV1', [inputs]):
    with slim.arg_scope([slim.conv2d, slim.separable_conv2d],
                        padding=padding, activation_fn=tf.nn.relu6,
                        normalizer_fn=normalization.batch_norm), \
        slim.arg_scope([normalization.batch_norm], center=True, scale=False):
      net = inputs
      for i, conv_def in enumerate(conv_defs):
        stride, rate = strides.next(conv_def.stride)
        if isinstance(conv_def, Conv):
          names = ['Conv2d_%d' % i]
          net = slim.conv2d(pad(net, conv_def.kernel), depth(conv_def.depth),
                            conv_def.kernel, stride=stride, rate=rate,
                            scope=names[0])
          end_points[names[0]] = net
        else:
          names = ['Conv2d_%d_depthwise' % i, 'Conv2d_%d_pointwise' % i]
          net = slim.separable_conv2d(pad(net, conv_def.kernel, rate), None,
                                      conv_def.kernel, depth_multiplier=1,
                                      stride=stride, rate=rate,
                                      scope=names[0])
          end_points[names[0]] = net
          if final_endpoint == names[0]:
            return net, end_points
          net = slim.conv2d(net, depth(conv_def.depth), [1, 1], stride=1,
                            scope=names[1])
          end_points[names[1]] = net
        if final_endpoint == names[-1]:
          return net, end_points
  if final_endpoint is None:
    return net, end_points
  raise ValueError('Unknown final_endpoint %r; use one of %s.' %
                   (final_endpoint, ', '.join(sorted(end_points))))


def _reduced_kernel_size(net, kernel_size):
  """Shrinks the pooling kernel for inputs smaller than the default size."""
  shape = net.get_shape().as_list()
  if shape[1] is None or shape[2] is None:
    return kernel_size
  return [min(shape[1], kernel_size[0]), min(shape[2], kernel_size[1])]


def _pool(global_pool):
  """Returns the pool_fn of the head: 7x7 average pooling or global mean."""

  def pool_fn(net, end_points):
    if global_pool:
      net = tf.reduce_mean(net, [1, 2], keepdims=True, name='global_pool')
      end_points['global_pool'] = net
    else:
      kernel_size = _reduced_kernel_size(net, [7, 7])
      net = slim.avg_pool2d(net, kernel_size, padding='VALID',
                            scope='AvgPool_1a_%dx%d' % tuple(kernel_size))
      end_points['AvgPool_1a'] = net
    return net

  return pool_fn


def mobilenet_v1(inputs, num_classes=1001, dropout_keep_prob=0.999,
                 is_training=True, min_depth=8, depth_multiplier=1.0,
                 conv_defs=None, prediction_fn=slim.softmax,
                 spatial_squeeze=True, reuse=None, scope='MobilenetV1',
                 global_pool=False):
  """Builds the MobileNet v1 classifier.

  Args:
    inputs: [batch, height, width, channels] float tensor.
    num_classes: number of classes (1001 for the official checkpoints);
      0 or None returns the pooled features [batch, 1, 1, depth] instead.
    dropout_keep_prob: probability of keeping an activation before the
      classifier.
    is_training: mode of batch norm and dropout (through
      `net_utils.mode_scope`, which the factory can override).
    min_depth: smallest number of channels of a layer after the multiplier.
    depth_multiplier: width multiplier of every layer (must be positive).
    conv_defs: a sequence of `Conv` / `DepthSepConv`; default
      `MOBILENET_V1_CONV_DEFS`.
    prediction_fn: maps logits to 'Predictions', or None.
    spatial_squeeze: squeeze the logits from [batch, 1, 1, classes] to
      [batch, classes].
    reuse: whether to reuse the variables of the scope.
    scope: variable scope.
    global_pool: average over the whole last feature map (any input size)
      instead of slim's 7x7 'AvgPool_1a' (which shrinks to the map when it
      is smaller).

  Returns:
    logits: [batch, num_classes] (or the pooled features, see num_classes).
    end_points: dict with the base's end points and 'AvgPool_1a' or
      'global_pool', 'PreLogits' (the pooled features), 'Logits',
      'Predictions'.

  Raises:
    ValueError: inputs are not of rank 4, or bad depth_multiplier.
  """
  common.check_inputs(inputs)
  with tf.variable_scope(scope, 'MobilenetV1', [inputs], reuse=reuse) as sc:
    with net_utils.mode_scope(is_training):
      net, end_points = mobilenet_v1_base(
          inputs, scope=sc, min_depth=min_depth,
          depth_multiplier=depth_multiplier, conv_defs=conv_defs)
      logits = common.classifier(
          net, end_points, num_classes, _pool(global_pool),
          dropout_keep_prob=dropout_keep_prob, dropout_scope='Dropout_1b',
          spatial_squeeze=spatial_squeeze, prediction_fn=prediction_fn)
  return logits, end_points


mobilenet_v1.default_image_size = 224

mobilenet_v1_075 = common.variant(mobilenet_v1, depth_multiplier=0.75)
mobilenet_v1_050 = common.variant(mobilenet_v1, depth_multiplier=0.50)
mobilenet_v1_025 = common.variant(mobilenet_v1, depth_multiplier=0.25)


def mobilenet_v1_arg_scope(is_training=None, weight_decay=0.00004,
                           stddev=0.09, regularize_depthwise=False,
                           batch_norm_decay=0.9997, batch_norm_epsilon=0.001,
                           batch_norm_updates_collections=(
                               tf.GraphKeys.UPDATE_OPS)):
  """Returns the training arg_scope of MobileNet v1 (slim's defaults).

  Architecture (ReLU6, batch norm without gamma, SAME padding) lives in the
  network body; this scope only holds training hyper-parameters.

  Args:
    is_training: accepted for compatibility with slim's signature and
      ignored: the network's own `is_training` sets the batch-norm mode (as it
      already overrode this argument in slim).
    weight_decay: L2 regularization of the (pointwise and full) convolution
      weights.
    stddev: standard deviation of the truncated-normal weight initializer.
    regularize_depthwise: also regularize the depthwise weights.
    batch_norm_decay: decay of the batch-norm moving averages.
    batch_norm_epsilon: epsilon added to the variance in batch norm.
    batch_norm_updates_collections: collection of the moving-average update
      ops (the train op must depend on them).

  Returns:
    An arg_scope dict to open with `slim.arg_scope`.
  """
  del is_training  # The network's mode_scope decides.
  regularizer = slim.l2_regularizer(weight_decay)
  with slim.arg_scope(
      [slim.conv2d, slim.separable_conv2d],
      weights_initializer=tf.truncated_normal_initializer(stddev=stddev)), \
      slim.arg_scope([normalization.batch_norm], decay=batch_norm_decay,
                     epsilon=batch_norm_epsilon,
                     updates_collections=batch_norm_updates_collections), \
      slim.arg_scope([slim.conv2d], weights_regularizer=regularizer), \
      slim.arg_scope([slim.separable_conv2d],
                     weights_regularizer=(regularizer if regularize_depthwise
                                          else None)) as sc:
    return sc
