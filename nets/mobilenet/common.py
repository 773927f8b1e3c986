"""Building blocks shared by MobileNet v1 and v2.

Both families are a `conv_defs` spec (a tuple of namedtuples) walked by one
base builder; this module holds what the two walkers have in common: the
`Conv` layer spec, width rounding, atrous (`output_stride`) bookkeeping,
explicit padding, the classification head and the `variant` helper that
turns a depth multiplier into a registry entry in one line.

References: Howard et al., "MobileNets: Efficient Convolutional Neural
Networks for Mobile Vision Applications", arXiv:1704.04861; Sandler et al.,
"MobileNetV2: Inverted Residuals and Linear Bottlenecks", arXiv:1801.04381.

Typical use (inside a base builder):

  strides = common.AtrousStrides(output_stride)
  for layer in conv_defs:
    stride, rate = strides.next(layer.stride)
    ...
"""
import collections
import functools

import tensorflow.compat.v1 as tf
import tf_slim as slim

# A plain convolution (+ batch norm + activation): kernel (h, w), stride and
# output depth before the depth multiplier.
Conv = collections.namedtuple('Conv', ['kernel', 'stride', 'depth'])


def variant(builder, **kwargs):
  """Returns `builder` with some arguments fixed, keeping its attributes.

  The result keeps `__name__`, `__doc__` and `default_image_size` of
  `builder` (as slim's `wrapped_partial` does), so the registry and the
  binaries treat it like the base builder.

  Args:
    builder: a network function with a `default_image_size` attribute.
    **kwargs: the arguments to fix, e.g. `depth_multiplier=0.75`.

  Returns:
    A `functools.partial` of `builder`.
  """
  partial = functools.partial(builder, **kwargs)
  functools.update_wrapper(partial, builder)
  return partial


def make_divisible(value, divisor, min_value=None):
  """Rounds `value` to a multiple of `divisor`, losing at most 10%.

  This is MobileNet v2's width rounding: to the nearest multiple, at least
  `min_value` (default `divisor`), and one `divisor` more when rounding
  down would lose more than 10% of the channels.

  Args:
    value: the unrounded number of channels (float).
    divisor: the multiple to round to.
    min_value: the smallest result, default `divisor`.

  Returns:
    The rounded number of channels (int).
  """
  if min_value is None:
    min_value = divisor
  rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
  if rounded < 0.9 * value:
    rounded += divisor
  return int(rounded)


def check_depth_multiplier(depth_multiplier):
  """Raises ValueError unless `depth_multiplier` is positive."""
  if depth_multiplier <= 0:
    raise ValueError('depth_multiplier must be greater than zero, got %r; '
                     'use e.g. 1.0, 0.75, 0.5 or 0.35.' % (depth_multiplier,))


def check_inputs(inputs):
  """Raises ValueError unless `inputs` is a rank-4 NHWC tensor."""
  rank = inputs.get_shape().ndims
  if rank != 4:
    raise ValueError('MobileNet expects images of rank 4 [batch, height, '
                     'width, channels], got rank %s (shape %s); add the '
                     'missing batch dimension with tf.expand_dims.' %
                     (rank, inputs.get_shape()))


class AtrousStrides(object):
  """Turns the spec's strides into (stride, rate) for a given output_stride.

  Once the product of the strides so far reaches `output_stride`, later
  strides become 1 and their effect moves into the dilation rate of the
  following layers (atrous convolution), so the feature map stops shrinking
  while the receptive fields grow as in the unmodified network.
  """

  def __init__(self, output_stride):
    """Creates the bookkeeping.

    Args:
      output_stride: None (use the spec's strides) or the wanted ratio of
        input to output resolution.
    """
    self._output_stride = output_stride
    self._current_stride = 1
    self._rate = 1

  def next(self, stride):
    """Returns (layer_stride, layer_rate) of the next layer of `stride`."""
    if (self._output_stride is not None and
        self._current_stride == self._output_stride):
      layer_rate = self._rate
      self._rate *= stride
      return 1, layer_rate
    self._current_stride *= stride
    return stride, 1


def fixed_padding(inputs, kernel_size, rate=1):
  """Pads `inputs` for a VALID convolution, independently of the input size.

  SAME padding depends on the input size and stride (with stride 2 on an
  even input it pads only the bottom/right); explicit padding always puts
  (k - 1) // 2 rows/columns before and the rest after, which some exporters
  and other frameworks need to reproduce the network.

  Args:
    inputs: [batch, height, width, channels] tensor.
    kernel_size: (height, width) of the kernel.
    rate: dilation rate of the kernel.

  Returns:
    The padded tensor.
  """
  paddings = [[0, 0]]
  for size in kernel_size:
    total = size + (size - 1) * (rate - 1) - 1
    paddings.append([total // 2, total - total // 2])
  paddings.append([0, 0])
  return tf.pad(inputs, paddings)


def classifier(net, end_points, num_classes, pool_fn, dropout_keep_prob,
               dropout_scope, spatial_squeeze, prediction_fn):
  """The MobileNet head: pool, dropout, 1x1 conv 'Logits/Conv2d_1c_1x1'.

  Must be called inside the network's root variable scope and its
  `net_utils.mode_scope`.

  Args:
    net: the last feature map [batch, height, width, depth].
    end_points: dict to add 'PreLogits', 'Logits' and 'Predictions' to.
    num_classes: number of classes; 0 or None stops after pooling.
    pool_fn: fn(net, end_points) -> pooled [batch, 1, 1, depth] (or larger
      for big inputs without global pooling); records its own end point.
    dropout_keep_prob: keep probability of the dropout before the logits;
      None leaves it to an enclosing arg_scope of `slim.dropout`.
    dropout_scope: name scope of the dropout op.
    spatial_squeeze: squeeze the logits to [batch, num_classes].
    prediction_fn: maps logits to 'Predictions', or None.

  Returns:
    The logits, or the pooled features if `num_classes` is 0 or None.
  """
  with tf.variable_scope('Logits'):
    net = pool_fn(net, end_points)
    end_points['PreLogits'] = net
    if not num_classes:
      return net
    dropout_args = {}
    if dropout_keep_prob is not None:
      dropout_args['keep_prob'] = dropout_keep_prob
    net = slim.dropout(net, scope=dropout_scope, **dropout_args)
    logits = slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                         normalizer_fn=None,
                         biases_initializer=tf.zeros_initializer(),
                         scope='Conv2d_1c_1x1')
    if spatial_squeeze:
      logits = tf.squeeze(logits, [1, 2], name='SpatialSqueeze')
  end_points['Logits'] = logits
  if prediction_fn:
    end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
  return logits
