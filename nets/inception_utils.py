"""Shared pieces of the Inception family: arg_scope, block specs and heads.

Every Inception network here (v1, v2, v3, v4, Inception-ResNet-v2) is data: a
tuple of layer specs walked by `build_stack`, plus a `LogitsHead` (and an
optional `AuxHead`) built by `inception_classifier`. A mixed block is a list of
branches; each branch is a list of convolutions and pools named the way the
official TF-Slim checkpoints name them (`Mixed_6b/Branch_2/Conv2d_0d_7x1`).
`mixed()` derives those names from the position in the branch
(`Conv2d_0a_1x1`, `Conv2d_0b_3x3`, ...; `1a` for a strided or VALID layer),
so a spec only spells a scope out where the checkpoints deviate from the rule.

References:
  Going deeper with convolutions (v1), Szegedy et al., 2014,
    https://arxiv.org/abs/1409.4842
  Batch Normalization (v2), Ioffe and Szegedy, 2015,
    https://arxiv.org/abs/1502.03167
  Rethinking the Inception Architecture for Computer Vision (v3), Szegedy et
    al., 2015, https://arxiv.org/abs/1512.00567
  Inception-v4, Inception-ResNet and the Impact of Residual Connections on
    Learning, Szegedy et al., 2016, https://arxiv.org/abs/1602.07261

Typical use (a new block type, built like the official ones):

  conv = inception_utils.conv
  block = inception_utils.mixed(
      'Mixed_9a',
      [conv(64, 1)],                               # Branch_0/Conv2d_0a_1x1
      [conv(48, 1), conv(64, 5)],                  # ..., Conv2d_0b_5x5
      [inception_utils.avg_pool(3), conv(32, 1)])  # AvgPool_0a_3x3, ...
  net, end_points = inception_utils.build_stack(images, (block,))
"""
import collections

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils
from nets import normalization


_UPDATE_OPS = tf.GraphKeys.UPDATE_OPS


def trunc_normal(stddev):
  """Truncated-normal initializer with mean 0 and the given stddev."""
  return tf.truncated_normal_initializer(0.0, stddev)


def inception_arg_scope(weight_decay=0.00004,
                        use_batch_norm=True,
                        batch_norm_decay=0.9997,
                        batch_norm_epsilon=0.001,
                        activation_fn=tf.nn.relu,
                        batch_norm_updates_collections=_UPDATE_OPS,
                        batch_norm_scale=False,
                        batch_norm_var_collection='moving_vars',
                        weights_initializer=None,
                        regularize_biases=False):
  """Returns the arg_scope of the Inception models.

  The train/eval mode of batch norm is not set here: network bodies set it
  with `net_utils.mode_scope(is_training)`.

  Args:
    weight_decay: L2 regularization of conv and fully connected weights.
    use_batch_norm: apply batch norm after every convolution.
    batch_norm_decay: decay of the batch-norm moving averages.
    batch_norm_epsilon: small float added to the variance.
    activation_fn: activation of the convolutions.
    batch_norm_updates_collections: collection of the moving-average update
      ops (UPDATE_OPS: the train op must depend on them).
    batch_norm_scale: create a batch-norm `gamma`. The official checkpoints
      have none: keep False to restore them.
    batch_norm_var_collection: extra collection of the moving mean/variance.
    weights_initializer: conv weights initializer; None means
      variance scaling (He), as in slim's inception_utils.
    regularize_biases: also L2-regularize the biases (Inception-ResNet-v2).

  Returns:
    An arg_scope dict for `slim.arg_scope`.
  """
  batch_norm_params = {
      'decay': batch_norm_decay,
      'epsilon': batch_norm_epsilon,
      'updates_collections': batch_norm_updates_collections,
      'fused': None,
      'scale': batch_norm_scale,
      'variables_collections': {
          'beta': None,
          'gamma': None,
          'moving_mean': [batch_norm_var_collection],
          'moving_variance': [batch_norm_var_collection],
      },
  }
  if use_batch_norm:
    normalizer_fn = normalization.batch_norm
    normalizer_params = batch_norm_params
  else:
    normalizer_fn, normalizer_params = None, {}
  regularizer = slim.l2_regularizer(weight_decay)
  with slim.arg_scope(
      [slim.conv2d, slim.fully_connected],
      weights_regularizer=regularizer,
      biases_regularizer=regularizer if regularize_biases else None):
    with slim.arg_scope(
        [slim.conv2d],
        weights_initializer=(weights_initializer or
                             slim.variance_scaling_initializer()),
        activation_fn=activation_fn,
        normalizer_fn=normalizer_fn,
        normalizer_params=normalizer_params) as scope:
      return scope


# ---------------------------------------------------------------- layer specs

# How a spec is built: depth_fn maps a nominal depth to the real one
# (depth_multiplier, min_depth); rate is the atrous rate; stride_one drops
# strides (atrous mode); align turns VALID padding into SAME.
_BuildContext = collections.namedtuple(
    '_BuildContext',
    ['depth_fn', 'rate', 'stride_one', 'align', 'activation_fn'])


def _padding(padding, ctx):
  padding = padding or 'SAME'
  return 'SAME' if ctx.align and padding == 'VALID' else padding


def _stride(stride, ctx):
  return 1 if ctx.stride_one else stride


class Conv(collections.namedtuple(
    'Conv', ['scope', 'depth', 'kernel', 'stride', 'padding', 'stddev'])):
  """A conv + batch norm + activation (per the arg_scope)."""

  end_point = property(lambda self: self.scope)

  def total_stride(self):
    return self.stride

  def build(self, net, ctx):
    kwargs = {}
    if self.stddev is not None:
      kwargs['weights_initializer'] = trunc_normal(self.stddev)
    if ctx.rate > 1:
      kwargs['rate'] = ctx.rate
    return slim.conv2d(net, ctx.depth_fn(self.depth), self.kernel,
                       stride=_stride(self.stride, ctx),
                       padding=_padding(self.padding, ctx),
                       scope=self.scope, **kwargs)


class SeparableConv(Conv):
  """Depthwise-separable conv (Inception v2's first layer).

  As in slim, the depthwise multiplier is min(depth / 3, 8), and the layer
  sits outside the conv2d arg_scope (relu, biases, no batch norm).
  """

  def build(self, net, ctx):
    depth = ctx.depth_fn(self.depth)
    return slim.separable_conv2d(
        net, depth, self.kernel, depth_multiplier=min(int(depth / 3), 8),
        stride=_stride(self.stride, ctx), padding=_padding(self.padding, ctx),
        weights_initializer=trunc_normal(self.stddev), scope=self.scope)


class Pool(collections.namedtuple(
    'Pool', ['scope', 'kind', 'kernel', 'stride', 'padding'])):
  """A max or average pooling layer."""

  end_point = property(lambda self: self.scope)
  _OPS = {'Max': slim.max_pool2d, 'Avg': slim.avg_pool2d}

  def total_stride(self):
    return self.stride

  def build(self, net, ctx):
    return self._OPS[self.kind](net, self.kernel,
                                stride=_stride(self.stride, ctx),
                                padding=_padding(self.padding, ctx),
                                scope=self.scope)


class Fork(collections.namedtuple('Fork', ['layers'])):
  """Parallel layers on one input, concatenated (v3 Mixed_7b, v4 block C)."""

  end_point = None

  def total_stride(self):
    return max(layer.total_stride() for layer in self.layers)

  def build(self, net, ctx):
    return tf.concat([layer.build(net, ctx) for layer in self.layers], 3)


def _branch_stride(branch):
  stride = 1
  for layer in branch:
    stride *= layer.total_stride()
  return stride


def _build_branches(net, branches, ctx):
  outputs = []
  for index, branch in enumerate(branches):
    with tf.variable_scope('Branch_%d' % index):
      out = net
      for layer in branch:
        out = layer.build(out, ctx)
    outputs.append(out)
  return tf.concat(outputs, 3)


class Mixed(collections.namedtuple('Mixed', ['scope', 'branches'])):
  """An Inception block: branches on one input, concatenated on depth."""

  end_point = property(lambda self: self.scope)

  def total_stride(self):
    return max(_branch_stride(branch) for branch in self.branches)

  def build(self, net, ctx):
    with tf.variable_scope(self.scope):
      return _build_branches(net, self.branches, ctx)


class Residual(collections.namedtuple(
    'Residual', ['scope', 'branches', 'scale', 'activate', 'end_point'])):
  """Inception-ResNet block: net + scale * Conv2d_1x1(concat(branches)).

  The 1x1 projection is linear (no batch norm, with biases) back to the input
  depth; the sum goes through the activation unless `activate` is False.
  """

  def total_stride(self):
    return 1

  def build(self, net, ctx):
    """The block's output: same shape as `net`."""
    with tf.variable_scope(self.scope):
      mixed = _build_branches(net, self.branches, ctx)
      kwargs = {'rate': ctx.rate} if ctx.rate > 1 else {}
      up = slim.conv2d(mixed, net.shape[3].value, 1, normalizer_fn=None,
                       activation_fn=None, scope='Conv2d_1x1', **kwargs)
      scaled_up = up * self.scale
      if ctx.activation_fn is tf.nn.relu6:
        # Keeps the sum inside relu6's range, as slim does.
        scaled_up = tf.clip_by_value(scaled_up, -6.0, 6.0)
      net += scaled_up
      if self.activate and ctx.activation_fn:
        net = ctx.activation_fn(net)
    return net


class Repeat(collections.namedtuple(
    'Repeat', ['scope', 'count', 'block', 'end_point'])):
  """`count` copies of `block`, named like slim.repeat: scope/block_1, ..."""

  def total_stride(self):
    return self.block.total_stride() ** self.count

  def build(self, net, ctx):
    with tf.variable_scope(self.scope):
      for index in range(1, self.count + 1):
        block = self.block._replace(scope='%s_%d' % (self.block.scope, index))
        net = block.build(net, ctx)
    return net


def _pair(kernel):
  return (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)


def conv(depth, kernel, stride=1, padding=None, stddev=None, scope=None):
  """A Conv spec; `scope` None lets `mixed()` name it.

  Args:
    depth: nominal output depth (before depth_multiplier).
    kernel: int or (height, width).
    stride: int.
    padding: 'SAME', 'VALID' or None (SAME).
    stddev: truncated-normal stddev of the weights, or None for the
      arg_scope's initializer.
    scope: variable scope, or None to derive it from the position.

  Returns:
    A Conv.
  """
  return Conv(scope, depth, _pair(kernel), stride, padding, stddev)


def max_pool(kernel=3, stride=1, padding=None, scope=None):
  """A max-pool spec; `scope` None lets `mixed()` name it."""
  return Pool(scope, 'Max', _pair(kernel), stride, padding)


def avg_pool(kernel=3, stride=1, padding=None, scope=None):
  """An average-pool spec; `scope` None lets `mixed()` name it."""
  return Pool(scope, 'Avg', _pair(kernel), stride, padding)


def fork(*layers):
  """Layers applied in parallel to one input and concatenated."""
  return Fork(tuple(layers))


def _auto_name(layer, index):
  """Names a layer by slim's rule: Conv2d_0b_3x3, MaxPool_1a_3x3, ..."""
  if layer.scope is not None:
    return layer
  reducing = layer.stride > 1 or layer.padding == 'VALID'
  position = '1a' if reducing else '0' + chr(ord('a') + index)
  prefix = layer.kind + 'Pool' if isinstance(layer, Pool) else 'Conv2d'
  return layer._replace(scope='%s_%s_%dx%d' % ((prefix, position) +
                                               layer.kernel))


def name_branch(branch):
  """Returns the branch as a tuple with every unnamed layer named."""
  named, index = [], 0
  for layer in branch:
    if isinstance(layer, Fork):
      members = []
      for member in layer.layers:
        members.append(_auto_name(member, index))
        index += 1
      named.append(Fork(tuple(members)))
    else:
      named.append(_auto_name(layer, index))
      index += 1
  return tuple(named)


def mixed(scope, *branches):
  """A Mixed block spec with branches named Branch_0, Branch_1, ..."""
  return Mixed(scope, tuple(name_branch(branch) for branch in branches))


def residual(scope, scale, *branches, activate=True, end_point=None):
  """A Residual (Inception-ResNet) block spec."""
  return Residual(scope, tuple(name_branch(branch) for branch in branches),
                  scale, activate, end_point)


def repeat(scope, count, block, end_point=None):
  """A Repeat spec: `count` copies of `block` under `scope`."""
  return Repeat(scope, count, block, end_point)


# The 299x299 stem of Inception v3 and Inception-ResNet-v2 (v4 shares its
# first three convolutions): 299 -> 35x35x192.
STEM_299 = (
    conv(32, 3, stride=2, padding='VALID', scope='Conv2d_1a_3x3'),
    conv(32, 3, padding='VALID', scope='Conv2d_2a_3x3'),
    conv(64, 3, scope='Conv2d_2b_3x3'),
    max_pool(3, stride=2, padding='VALID', scope='MaxPool_3a_3x3'),
    conv(80, 1, padding='VALID', scope='Conv2d_3b_1x1'),
    conv(192, 3, padding='VALID', scope='Conv2d_4a_3x3'),
    max_pool(3, stride=2, padding='VALID', scope='MaxPool_5a_3x3'),
)


def end_point_names(layers):
  """Returns the end-point names of a layer tuple, in order."""
  return [layer.end_point for layer in layers if layer.end_point]


def build_stack(inputs, layers, final_endpoint=None, depth_fn=None,
                output_stride=None, align_feature_maps=False,
                activation_fn=tf.nn.relu):
  """Builds `layers` on `inputs` up to `final_endpoint`.

  Args:
    inputs: a [batch, height, width, channels] tensor.
    layers: a sequence of layer specs (Conv, Pool, Mixed, Repeat, ...).
    final_endpoint: name of the last end point to build; None builds all.
    depth_fn: maps a nominal depth to the built depth; None is identity.
    output_stride: None, or the largest input/output resolution ratio:
      strides that would exceed it become atrous rates of the layers after.
    align_feature_maps: use SAME instead of VALID padding everywhere.
    activation_fn: activation of the residual sums.

  Returns:
    (net, end_points): the output at `final_endpoint` and a dict of the end
    points built.

  Raises:
    ValueError: `final_endpoint` is not an end point of `layers`.
  """
  names = end_point_names(layers)
  final_endpoint = final_endpoint or names[-1]
  if final_endpoint not in names:
    raise ValueError('Unknown final_endpoint %r; use one of: %s.' %
                     (final_endpoint, ', '.join(names)))
  depth_fn = depth_fn or (lambda depth: depth)
  end_points = {}
  net, stride, rate = inputs, 1, 1
  for layer in layers:
    layer_stride = layer.total_stride()
    atrous = output_stride is not None and (
        stride * layer_stride > output_stride)
    ctx = _BuildContext(depth_fn, rate, atrous, align_feature_maps,
                        activation_fn)
    net = layer.build(net, ctx)
    if atrous:
      rate *= layer_stride
    else:
      stride *= layer_stride
    if layer.end_point:
      end_points[layer.end_point] = net
      if layer.end_point == final_endpoint:
        break
  return net, end_points


def depth_fn_for(depth_multiplier, min_depth):
  """Returns d -> max(int(d * depth_multiplier), min_depth).

  Raises:
    ValueError: depth_multiplier <= 0.
  """
  if depth_multiplier <= 0:
    raise ValueError('depth_multiplier must be greater than zero, got %r.' %
                     depth_multiplier)
  return lambda depth: max(int(depth * depth_multiplier), min_depth)


# ---------------------------------------------------------------------- heads

# Classifier on top of the last block, inside variable scope 'Logits'.
#   pool_scope: scope of the average pool, may hold '{}x{}' for the kernel.
#   pool_end_point: end-point name of the pooled features (besides
#     'global_pool'), or None.
#   max_kernel: the pool kernel is min(feature size, max_kernel); None pools
#     the whole feature map.
#   fully_connected: flatten + fully_connected logits (v4, Inception-ResNet)
#     instead of a 1x1 conv.
LogitsHead = collections.namedtuple('LogitsHead', [
    'pool_scope', 'pool_end_point', 'max_kernel', 'dropout_scope',
    'logits_scope', 'fully_connected'])

# Auxiliary classifier on end point `source`, inside variable scope
# 'AuxLogits': avg pool 5x5/3, 1x1 conv (128), conv (768) over the remaining
# map (at most max_kernel, None = whole map), logits.
AuxHead = collections.namedtuple('AuxHead', [
    'source', 'pool_scope', 'conv_scope', 'max_kernel', 'conv_stddev',
    'logits_scope', 'logits_stddev', 'fully_connected'])


def reduced_kernel_size(net, max_kernel):
  """Returns [min(height, max_kernel), min(width, max_kernel)].

  Unknown spatial dimensions are taken as large enough. `max_kernel` None
  means the whole feature map (max_kernel 5 where it is unknown, its size at
  the default input resolution of the heads that use it).
  """
  shape = net.shape.as_list()[1:3]
  limit = max_kernel or 5
  if None in shape:
    return [limit, limit]
  if max_kernel is None:
    return shape
  return [min(dim, max_kernel) for dim in shape]


def _classifier(net, num_classes, fully_connected, scope, stddev=None):
  """1x1-conv or fully connected logits, no activation and no batch norm."""
  if fully_connected:
    return slim.fully_connected(net, num_classes, activation_fn=None,
                                scope=scope)
  kwargs = {} if stddev is None else {'weights_initializer':
                                      trunc_normal(stddev)}
  return slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                     normalizer_fn=None, scope=scope, **kwargs)


def build_aux_logits(end_points, head, num_classes, depth_fn, spatial_squeeze):
  """Adds end_points['AuxLogits'] from end_points[head.source]."""
  with tf.variable_scope('AuxLogits'):
    aux = slim.avg_pool2d(end_points[head.source], [5, 5], stride=3,
                          padding='VALID', scope=head.pool_scope)
    aux = slim.conv2d(aux, depth_fn(128), [1, 1], padding='SAME',
                      scope='Conv2d_1b_1x1')
    kernel = reduced_kernel_size(aux, head.max_kernel)
    kwargs = {} if head.conv_stddev is None else {
        'weights_initializer': trunc_normal(head.conv_stddev)}
    aux = slim.conv2d(aux, depth_fn(768), kernel, padding='VALID',
                      scope=head.conv_scope.format(*kernel), **kwargs)
    if head.fully_connected:
      aux = slim.flatten(aux)
    aux = _classifier(aux, num_classes, head.fully_connected,
                      head.logits_scope, head.logits_stddev)
    if spatial_squeeze and not head.fully_connected:
      aux = tf.squeeze(aux, [1, 2], name='SpatialSqueeze')
    end_points['AuxLogits'] = aux


def build_logits(net, end_points, head, num_classes, dropout_keep_prob,
                 spatial_squeeze, global_pool, prediction_fn):
  """Pools, applies dropout and the classifier; fills the end points.

  End points: 'global_pool' (and head.pool_end_point) = pooled features
  [B, 1, 1, C]; 'PreLogits' = the classifier's input [B, 1, 1, C] (after
  dropout; the pooled features when num_classes is 0 or None); with a fully
  connected head also 'PreLogitsFlatten' [B, C]; 'Logits', 'Predictions'.

  Returns:
    (logits, end_points), or (pooled features, end_points) if num_classes is
    0 or None.
  """
  with tf.variable_scope('Logits'):
    if global_pool or (head.max_kernel is None and
                       not net.shape[1:3].is_fully_defined()):
      net = tf.reduce_mean(net, [1, 2], keepdims=True, name='global_pool')
    else:
      kernel = reduced_kernel_size(net, head.max_kernel)
      net = slim.avg_pool2d(net, kernel, stride=1, padding='VALID',
                            scope=head.pool_scope.format(*kernel))
    end_points['global_pool'] = net
    if head.pool_end_point:
      end_points[head.pool_end_point] = net
    if not num_classes:
      end_points['PreLogits'] = net
      return net, end_points
    net = slim.dropout(net, dropout_keep_prob, scope=head.dropout_scope)
    end_points['PreLogits'] = net
    if head.fully_connected:
      net = slim.flatten(net, scope='PreLogitsFlatten')
      end_points['PreLogitsFlatten'] = net
    logits = _classifier(net, num_classes, head.fully_connected,
                         head.logits_scope)
    if spatial_squeeze and not head.fully_connected:
      logits = tf.squeeze(logits, [1, 2], name='SpatialSqueeze')
    end_points['Logits'] = logits
    end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
  return logits, end_points


def _check_classifier_args(inputs, num_classes, dropout_keep_prob):
  if inputs.shape.ndims != 4:
    raise ValueError('Inception networks take images [batch, height, width, '
                     'channels]; got a tensor of shape %s. Add the missing '
                     'dimensions (e.g. tf.expand_dims for a single image).' %
                     inputs.shape)
  if num_classes is not None and (not isinstance(num_classes, int) or
                                  num_classes < 0):
    raise ValueError('num_classes must be a non-negative int (0 or None for '
                     'features), got %r.' % (num_classes,))
  if not 0.0 < dropout_keep_prob <= 1.0:
    raise ValueError('dropout_keep_prob must be in (0, 1], got %r.' %
                     dropout_keep_prob)


def inception_classifier(inputs, base_fn, logits_head, num_classes,
                         is_training, dropout_keep_prob, prediction_fn,
                         spatial_squeeze, reuse, scope, default_scope,
                         global_pool, aux_head=None, create_aux_logits=False,
                         depth_fn=None):
  """Builds base + (auxiliary head) + classifier, the body of every builder.

  Args:
    inputs: [batch, height, width, channels] images.
    base_fn: fn(inputs, scope) -> (net, end_points), the feature extractor.
    logits_head: a LogitsHead.
    num_classes: classes of the classifier; 0 or None returns the pooled
      features [batch, 1, 1, channels] instead.
    is_training: mode of batch norm and dropout (through
      net_utils.mode_scope, so the factory can override it).
    dropout_keep_prob: keep probability of the dropout before the logits.
    prediction_fn: logits -> predictions, e.g. slim.softmax.
    spatial_squeeze: squeeze 1x1-conv logits to [batch, num_classes].
    reuse: reuse the variables of `scope`.
    scope: variable scope, or None for `default_scope`.
    default_scope: the official root scope, e.g. 'InceptionV3'.
    global_pool: pool with a global mean instead of the fixed kernel.
    aux_head: an AuxHead, or None.
    create_aux_logits: build the auxiliary head (needs num_classes).
    depth_fn: depth function of the auxiliary head; None is identity.

  Returns:
    (logits or features, end_points).

  Raises:
    ValueError: inputs not of rank 4, bad num_classes or dropout_keep_prob.
  """
  _check_classifier_args(inputs, num_classes, dropout_keep_prob)
  with tf.variable_scope(scope, default_scope, [inputs],
                         reuse=reuse) as var_scope:
    with net_utils.mode_scope(is_training):
      net, end_points = base_fn(inputs, scope=var_scope)
      if aux_head is not None and create_aux_logits and num_classes:
        build_aux_logits(end_points, aux_head, num_classes,
                         depth_fn or (lambda depth: depth), spatial_squeeze)
      return build_logits(net, end_points, logits_head, num_classes,
                          dropout_keep_prob, spatial_squeeze, global_pool,
                          prediction_fn)
