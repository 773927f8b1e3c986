"""What ResNet v1 and v2 share: block specs, the depth table, atrous stacking.

Residual networks were proposed in:
  [1] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Deep Residual Learning for Image Recognition. arXiv:1512.03385, 2015.
and the pre-activation (v2) variant in:
  [2] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Identity Mappings in Deep Residual Networks. arXiv:1603.05027, 2016.
Atrous (dilated) convolution for a chosen output stride follows:
  [3] Liang-Chieh Chen et al. DeepLab: Semantic Image Segmentation with Deep
      Convolutional Nets, Atrous Convolution, and Fully Connected CRFs.
      arXiv:1606.00915, 2016.

A network is data: a list of `Block(scope, unit_fn, args)` whose `args` hold
one `Unit(depth, depth_bottleneck, stride)` per residual unit, built on a
`Root` (the stem). Units are 'bottleneck' (1x1 -> 3x3 -> 1x1, output 4x the
bottleneck width) or 'basic' (two 3x3 convolutions); `resnet_blocks` makes
either from per-stage unit counts and widths. Every unit takes
`residual=False` (no shortcut: the "plain" network of [1], Fig. 3, with the
same layers) and `shortcut='projection'` (1x1 convolution where the depth
changes, option B of [1]) or `'zero_pad'` (subsample and pad with zero
channels, option A, no parameters; the CIFAR networks of [1], Sec. 4.2).

The depth variants differ only by their row in `UNITS_PER_BLOCK`
(bottleneck) or `BASIC_UNITS_PER_BLOCK` (basic); `resnet_v1.py` and
`resnet_v2.py` turn a row into a network with `depth_variant`, and `variant`
does the same for any table (`resnet_cifar.py`, `model_config.py`). Adding,
say, ResNet-269 is the row `269: (3, 30, 48, 8)` plus the line
`resnet_v2_269 = resnet_utils.depth_variant(resnet_v2, bottleneck, 269)` in
the family module (and its registry entry).

The body follows TF-Slim's model library (tensorflow/models research/slim):
`spatial_squeeze`, `global_pool` and `store_non_strided_activations` as
there; `num_classes` 0 or None returns the 4-D features, as TF-Slim does.

As in TF-Slim, a block subsamples in the *last* unit of the block rather than
in the first unit of the next block, which gives the same network with less
memory. Variable names equal those of the official TF-Slim checkpoints.

Typical use:

  blocks = resnet_utils.bottleneck_blocks(resnet_v1.bottleneck,
                                          resnet_utils.UNITS_PER_BLOCK[50])
  with slim.arg_scope(resnet_utils.resnet_arg_scope()):
    logits, end_points = resnet_v1.resnet_v1(images, blocks, num_classes=1000,
                                             is_training=False,
                                             scope='resnet_v1_50')
"""
import collections

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils
from nets import normalization

# Bottleneck units in each of the four blocks, by network depth (3 layers a
# unit).
UNITS_PER_BLOCK = {
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
    200: (3, 24, 36, 3),
}
# Basic units (two 3x3 convolutions) in each of the four blocks, by depth
# (Table 1 of [1]).
BASIC_UNITS_PER_BLOCK = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
}
# Widths of the four blocks: the bottleneck depth of bottleneck units (which
# output 4x that), the output depth of basic units.
BASE_DEPTHS = (64, 128, 256, 512)
# Stride of the last unit of each block; the root block adds a stride of 4.
BLOCK_STRIDES = (2, 2, 2, 1)
# Output depth of a unit as a multiple of its width, by unit type.
EXPANSION = {'basic': 1, 'bottleneck': 4}
# Units per block by depth, by unit type.
DEPTH_TABLES = {'basic': BASIC_UNITS_PER_BLOCK, 'bottleneck': UNITS_PER_BLOCK}
SHORTCUTS = ('projection', 'zero_pad')


class Block(collections.namedtuple('Block', ['scope', 'unit_fn', 'args'])):
  """A block of residual units, built under `scope`.

  Attributes:
    scope: variable scope of the block, e.g. 'block1'.
    unit_fn: fn(inputs, depth, depth_bottleneck, stride, rate,
      residual=True, shortcut='projection', outputs_collections=None,
      scope=None) building one unit and decorated with `slim.add_arg_scope`:
      `inputs` a [batch, height, width, channels] tensor, `depth` the unit's
      output depth, `depth_bottleneck` the depth of its 1x1 -> 3x3
      bottleneck (bottleneck units), `stride` its stride (in the strided 3x3
      convolution and the shortcut), `rate` the atrous rate of its 3x3
      convolutions, `residual` and `shortcut` see `resnet`.
    args: sequence of `Unit`, one per residual unit of the block.
  """


class Unit(collections.namedtuple('Unit',
                                  ['depth', 'depth_bottleneck', 'stride'])):
  """Arguments of one unit: output depth, bottleneck depth, stride.

  Basic units have no bottleneck; theirs equals `depth` and is unused.
  """


class Root(collections.namedtuple('Root', ['depth', 'kernel', 'stride',
                                           'pool'])):
  """The root block (stem) of a ResNet.

  A `kernel`x`kernel` convolution 'conv1' of `depth` filters with `stride`,
  then, if `pool`, a 3x3/2 max pool 'pool1'.
  """


# ImageNet ResNets: 7x7/2 convolution of 64 filters and a 3x3/2 max pool.
IMAGENET_ROOT = Root(depth=64, kernel=7, stride=2, pool=True)


def resnet_blocks(unit_fn, units_per_block, base_depths=BASE_DEPTHS,
                  strides=BLOCK_STRIDES, depth_multiplier=1.0,
                  min_base_depth=8, expansion=4, subsample_first=False):
  """Returns the block list of a ResNet of any unit type.

  Args:
    unit_fn: the unit function (e.g. resnet_v1.bottleneck or resnet_v1.basic).
    units_per_block: number of units in each block, e.g. (3, 4, 6, 3).
    base_depths: width of each block (see `BASE_DEPTHS`).
    strides: stride of each block.
    depth_multiplier: multiplies every width (1.0 for the checkpoints).
    min_base_depth: smallest width after the multiplier.
    expansion: unit output depth / width: 4 for bottleneck units, 1 for basic
      ones (`EXPANSION`).
    subsample_first: put a block's stride in its first unit (as [1] draws
      it, with `strides` such as (1, 2, 2)) instead of its last (TF-Slim's
      layout, with strides such as (2, 2, 2, 1)).

  Returns:
    A list of `Block`, scoped 'block1', 'block2', ...

  Raises:
    ValueError: the three per-block sequences differ in length, or
      depth_multiplier is not positive.
  """
  if depth_multiplier <= 0:
    raise ValueError('depth_multiplier must be > 0, got %r.' % depth_multiplier)
  if not len(units_per_block) == len(base_depths) == len(strides):
    raise ValueError(
        'units_per_block %r, base_depths %r and strides %r must have one entry '
        'per block each.' % (units_per_block, base_depths, strides))
  blocks = []
  for index, (num_units, base_depth, stride) in enumerate(
      zip(units_per_block, base_depths, strides)):
    width = max(int(base_depth * depth_multiplier), min_base_depth)
    units = [Unit(expansion * width, width, 1)] * num_units
    strided = 0 if subsample_first else num_units - 1
    units[strided] = units[strided]._replace(stride=stride)
    blocks.append(Block('block%d' % (index + 1), unit_fn, tuple(units)))
  return blocks


def bottleneck_blocks(unit_fn, units_per_block, base_depths=BASE_DEPTHS,
                      strides=BLOCK_STRIDES, depth_multiplier=1.0,
                      min_base_depth=8):
  """Returns the block list of a bottleneck ResNet (see `resnet_blocks`)."""
  return resnet_blocks(unit_fn, units_per_block, base_depths, strides,
                       depth_multiplier, min_base_depth,
                       expansion=EXPANSION['bottleneck'])


def subsample(inputs, factor, scope=None):
  """Keeps every `factor`-th row and column (a 1x1 max pool); 1 is a no-op."""
  if factor == 1:
    return inputs
  return slim.max_pool2d(inputs, [1, 1], stride=factor, scope=scope)


def conv2d_same(inputs, num_outputs, kernel_size, stride, rate=1, scope=None):
  """Convolution with 'SAME' output size that is the same for any input size.

  For stride 1 this is a 'SAME' convolution. For stride > 1 the input is
  zero-padded explicitly, as a stride-1 'SAME' convolution would pad it, and
  convolved with 'VALID' padding, so the result equals a stride-1 'SAME'
  convolution followed by `subsample`, for even and odd sizes alike (TF's own
  strided 'SAME' padding shifts the window on even sizes).

  Args:
    inputs: [batch, height, width, channels] tensor.
    num_outputs: number of filters.
    kernel_size: int, height and width of the kernel.
    stride: int, output stride.
    rate: int, atrous rate.
    scope: variable scope.

  Returns:
    The convolution output.
  """
  if stride == 1:
    return slim.conv2d(inputs, num_outputs, kernel_size, stride=1, rate=rate,
                       padding='SAME', scope=scope)
  dilated_kernel = kernel_size + (kernel_size - 1) * (rate - 1)
  before = (dilated_kernel - 1) // 2
  after = dilated_kernel - 1 - before
  padded = tf.pad(inputs, [[0, 0], [before, after], [before, after], [0, 0]])
  return slim.conv2d(padded, num_outputs, kernel_size, stride=stride,
                     rate=rate, padding='VALID', scope=scope)


def shortcut_branch(inputs, depth, stride, kind='projection',
                    projection_input=None, scope='shortcut', residual=True,
                    **projection_kwargs):
  """The shortcut branch of a residual unit (None in a plain network).

  Args:
    inputs: the unit's input, [batch, height, width, channels].
    depth: the unit's output depth.
    stride: the unit's stride.
    kind: where the depth changes, 'projection' (a 1x1 convolution without
      activation, option B of [1]) or 'zero_pad' (subsample, then zero
      channels appended: option A of [1], no parameters).
    projection_input: what the projection reads (the pre-activation of v2
      units); default `inputs`.
    scope: scope of the subsampling or projection.
    residual: False returns None (and builds nothing).
    **projection_kwargs: extra arguments of the projection's slim.conv2d.

  Returns:
    [batch, height / stride, width / stride, depth] tensor, or None.

  Raises:
    ValueError: unknown `kind`, or 'zero_pad' to fewer channels.
  """
  if not residual:
    return None
  in_depth = slim.utils.last_dimension(inputs.shape, min_rank=4)
  if in_depth == depth:
    return subsample(inputs, stride, scope)
  if kind == 'projection':
    projection_input = inputs if projection_input is None else projection_input
    return slim.conv2d(projection_input, depth, [1, 1], stride=stride,
                       activation_fn=None, scope=scope, **projection_kwargs)
  if kind != 'zero_pad':
    raise ValueError('shortcut must be one of %s, got %r.' %
                     (', '.join(SHORTCUTS), kind))
  if depth < in_depth:
    raise ValueError(
        "shortcut 'zero_pad' cannot reduce %d channels to %d; use "
        "'projection'." % (in_depth, depth))
  net = subsample(inputs, stride, scope)
  return tf.pad(net, [[0, 0], [0, 0], [0, 0], [0, depth - in_depth]],
                name=scope + '_zero_pad')


def unit_output(net, shortcut_net, outputs_collections, name,
                activation_fn=None):
  """The output of a unit: its residual branch `net` plus the shortcut.

  Args:
    net: the residual branch.
    shortcut_net: the shortcut, or None (plain network: the branch alone).
    outputs_collections: collection to add the output to.
    name: the unit's scope name (the end point's name).
    activation_fn: applied to the sum (ReLU in v1 units), or None.

  Returns:
    The output tensor.
  """
  if shortcut_net is not None:
    net = shortcut_net + net
  if activation_fn is not None:
    net = activation_fn(net)
  return slim.utils.collect_named_outputs(outputs_collections, name, net)


class _StrideTracker(object):
  """Turns unit strides into atrous rates once `output_stride` is reached."""

  def __init__(self, output_stride):
    self.target = output_stride
    self.stride = 1  # Product of the strides applied so far.
    self.rate = 1    # Atrous rate for the next units once at the target.

  def next_unit(self, stride):
    """Returns (stride, rate) to build a unit of nominal `stride` with."""
    if self.target is not None and self.stride == self.target:
      rate = self.rate
      self.rate *= stride
      return 1, rate
    self.stride *= stride
    if self.target is not None and self.stride > self.target:
      raise ValueError(
          'output_stride %d cannot be reached: the strides of the network '
          'jump past it. Use a product of the block strides (times 4 with the '
          'root block), e.g. 8, 16 or 32.' % self.target)
    return stride, 1

  def check_reached(self):
    if self.target is not None and self.stride != self.target:
      raise ValueError(
          'output_stride %d cannot be reached: the network only subsamples '
          'by %d. Use a smaller output_stride or None.' %
          (self.target, self.stride))


@slim.add_arg_scope
def stack_blocks_dense(net, blocks, output_stride=None,
                       store_non_strided_activations=False,
                       outputs_collections=None):
  """Builds `blocks` in turn, with atrous units past `output_stride`.

  Once the activations reach `output_stride` (input size / output size), the
  remaining units run with stride 1 and an atrous rate equal to the stride
  they skipped, so their weights stay the same and the output is denser.

  Args:
    net: [batch, height, width, channels] tensor.
    blocks: list of `Block`.
    output_stride: None (the nominal stride) or the wanted stride, which must
      be a product of the unit strides from the start up to some unit.
    store_non_strided_activations: if True, the last unit of each block runs
      with stride 1 and the block output is subsampled afterwards, so the block
      end point holds the activations before subsampling.
    outputs_collections: collection to add the block outputs to.

  Returns:
    The output of the last block.

  Raises:
    ValueError: `output_stride` cannot be reached.
  """
  tracker = _StrideTracker(output_stride)
  for block in blocks:
    with tf.variable_scope(block.scope, 'block', [net]) as block_scope:
      strides_after_block = 1
      for index, unit in enumerate(block.args):
        if store_non_strided_activations and index == len(block.args) - 1:
          strides_after_block = unit.stride
          unit = unit._replace(stride=1)
        with tf.variable_scope('unit_%d' % (index + 1), values=[net]):
          stride, rate = tracker.next_unit(unit.stride)
          net = block.unit_fn(net, depth=unit.depth,
                              depth_bottleneck=unit.depth_bottleneck,
                              stride=stride, rate=rate)
      net = slim.utils.collect_named_outputs(outputs_collections,
                                             block_scope.name, net)
      stride, _ = tracker.next_unit(strides_after_block)
      net = subsample(net, stride)
  tracker.check_reached()
  return net


def resnet_arg_scope(weight_decay=0.0001, batch_norm_decay=0.997,
                     batch_norm_epsilon=1e-5, batch_norm_scale=True,
                     activation_fn=tf.nn.relu, use_batch_norm=True,
                     batch_norm_updates_collections=tf.GraphKeys.UPDATE_OPS):
  """Returns the arg_scope of the ResNets (training hyper-parameters).

  The batch-norm defaults suit the reference models; the train/eval mode of
  batch norm is set by the network through `net_utils.mode_scope`, never here.

  Args:
    weight_decay: L2 regularization of the convolution weights.
    batch_norm_decay: decay of the moving mean and variance.
    batch_norm_epsilon: added to the variance before dividing by it.
    batch_norm_scale: learn a `gamma` multiplier (the checkpoints have one).
    activation_fn: activation after each convolution's batch norm.
    use_batch_norm: normalize the convolutions with batch norm.
    batch_norm_updates_collections: where the moving-average updates go.

  Returns:
    An arg_scope dict.
  """
  batch_norm_params = {
      'decay': batch_norm_decay,
      'epsilon': batch_norm_epsilon,
      'scale': batch_norm_scale,
      'updates_collections': batch_norm_updates_collections,
  }
  with slim.arg_scope(
      [slim.conv2d],
      weights_regularizer=slim.l2_regularizer(weight_decay),
      weights_initializer=slim.variance_scaling_initializer(),
      activation_fn=activation_fn,
      normalizer_fn=normalization.batch_norm if use_batch_norm else None,
      normalizer_params=batch_norm_params):
    with slim.arg_scope([normalization.batch_norm], **batch_norm_params):
      # 'SAME' for pool1 keeps features aligned for dense prediction (as
      # fb.resnet.torch); the paper's Caffe code used 'VALID'.
      with slim.arg_scope([slim.max_pool2d], padding='SAME') as scope:
        return scope


def _squeeze_logits(logits, name):
  """Drops the 1x1 spatial dimensions of `logits`, or says what to do."""
  height, width = logits.shape.as_list()[1:3]
  if (height, width) != (1, 1) and None not in (height, width):
    raise ValueError(
        'spatial_squeeze=True needs 1x1 logits but they are %dx%d. Pass '
        'global_pool=True, or spatial_squeeze=False for dense logits.' %
        (height, width))
  return tf.squeeze(logits, [1, 2], name=name)


def resnet(inputs, blocks, num_classes=None, is_training=True,
           global_pool=True, output_stride=None, include_root_block=True,
           spatial_squeeze=True, store_non_strided_activations=False,
           reuse=None, scope=None, dropout_keep_prob=1.0, preactivation=False,
           default_scope='resnet', root=IMAGENET_ROOT, residual=True,
           shortcut='projection'):
  """Builds a ResNet, v1 or v2, or its plain counterpart, from blocks.

  Args:
    inputs: [batch, height, width, channels] tensor.
    blocks: list of `Block`, e.g. from `bottleneck_blocks`.
    num_classes: number of classes; 0 or None returns the features (4-D,
      after the global pool when `global_pool`).
    is_training: batch norm in training mode (batch statistics, moving
      averages updated through tf.GraphKeys.UPDATE_OPS), applied with
      `net_utils.mode_scope` so that `net_utils.override_modes` can change it;
      also the mode of the optional dropout.
    global_pool: average the last features over space (classification); False
      for dense prediction.
    output_stride: None (the nominal stride, 32 for ImageNet) or the wanted
      ratio of input to output size, a multiple of the root's stride (4 for
      `IMAGENET_ROOT`) such as 8 or 16; later units become atrous.
    include_root_block: build the root block, `root`.
    spatial_squeeze: return [batch, num_classes] logits instead of 4-D ones.
    store_non_strided_activations: see `stack_blocks_dense`.
    reuse: reuse the variables of `scope`.
    scope: variable scope.
    dropout_keep_prob: keep probability of a dropout on the features before
      the logits, for MC dropout (not in TF-Slim; 1.0 builds no dropout).
    preactivation: False for v1 (batch norm and ReLU after each convolution,
      also in the root block); True for v2 (no batch norm or activation after
      the root convolution; a final 'postnorm' batch norm + ReLU instead).
    default_scope: scope name when `scope` is None.
    root: the `Root` (stem) block.
    residual: add the shortcuts; False builds the plain network with the
      same layers (and no projection shortcuts).
    shortcut: 'projection' or 'zero_pad' (see `shortcut_branch`), for the
      units whose depth changes.

  Returns:
    (net, end_points): the logits, or the features when num_classes is
    0/None; end_points holds TF-Slim's keys ('<scope>/conv1',
    '<scope>/block1', '<scope>/block1/unit_1/bottleneck_v1', ...,
    '<scope>/logits', '<scope>/spatial_squeeze', 'global_pool',
    'predictions') plus 'PreLogits', 'Logits' and 'Predictions'.

  Raises:
    ValueError: `output_stride` cannot be reached.
  """
  with tf.variable_scope(scope, default_scope, [inputs], reuse=reuse) as sc:
    collection = sc.original_name_scope + '_end_points'
    unit_fns = list({block.unit_fn for block in blocks})
    with slim.arg_scope([slim.conv2d, stack_blocks_dense] + unit_fns,
                        outputs_collections=collection), \
         slim.arg_scope(unit_fns, residual=residual, shortcut=shortcut), \
         net_utils.mode_scope(is_training):
      net = inputs
      if include_root_block:
        root_stride = root.stride * (2 if root.pool else 1)
        if output_stride is not None:
          if output_stride % root_stride:
            raise ValueError(
                'output_stride must be a multiple of %d (the root block '
                'subsamples by %d), got %d.' % (root_stride, root_stride,
                                                output_stride))
          output_stride //= root_stride
        root_overrides = ({'activation_fn': None, 'normalizer_fn': None}
                          if preactivation else {})
        with slim.arg_scope([slim.conv2d], **root_overrides):
          net = conv2d_same(net, root.depth, root.kernel, stride=root.stride,
                            scope='conv1')
        if root.pool:
          net = slim.max_pool2d(net, [3, 3], stride=2, scope='pool1')
      net = stack_blocks_dense(net, blocks, output_stride,
                               store_non_strided_activations)
      if preactivation:
        net = normalization.batch_norm(net, activation_fn=tf.nn.relu,
                                       scope='postnorm')
      end_points = slim.utils.convert_collection_to_dict(collection)
      if global_pool:
        net = tf.reduce_mean(net, [1, 2], name='pool5', keepdims=True)
        end_points['global_pool'] = net
      end_points['PreLogits'] = net
      if not num_classes:
        return net, end_points
      if dropout_keep_prob < 1.0:
        net = slim.dropout(net, dropout_keep_prob, scope='Dropout')
      net = slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                        normalizer_fn=None, scope='logits')
      end_points[sc.name + '/logits'] = net
      if spatial_squeeze:
        net = _squeeze_logits(net, name='SpatialSqueeze')
        end_points[sc.name + '/spatial_squeeze'] = net
      end_points['Logits'] = net
      end_points['predictions'] = slim.softmax(net, scope='predictions')
      end_points['Predictions'] = end_points['predictions']
      return net, end_points


def family(name, preactivation, default_image_size, doc, **body_kwargs):
  """Returns the generic builder of a ResNet family, fn(inputs, blocks, ...).

  Args:
    name: the family's name and default scope, e.g. 'resnet_v1'.
    preactivation: see `resnet`.
    default_image_size: the input size its networks advertise.
    doc: the builder's docstring.
    **body_kwargs: further fixed arguments of `resnet` that define the family
      (`root`, `residual`, `shortcut`).

  Returns:
    fn(inputs, blocks, *args, **kwargs) -> (net, end_points), taking the
    arguments of `resnet` after `blocks`, with a `default_image_size`.
  """

  def family_fn(inputs, blocks, *args, **kwargs):
    return resnet(inputs, blocks, *args, preactivation=preactivation,
                  default_scope=name, **dict(body_kwargs, **kwargs))

  family_fn.__name__ = family_fn.__qualname__ = name
  family_fn.__doc__ = doc
  family_fn.default_image_size = default_image_size
  return family_fn


def variant(family_fn, unit_fn, name, units_per_block, base_depths, strides,
            expansion, subsample_first=False, doc=None,
            default_min_base_depth=8):
  """Returns the network function of one row of a family's table.

  Args:
    family_fn: the family's generic builder (see `family`).
    unit_fn: the unit function of every block.
    name: the function's name and default scope.
    units_per_block, base_depths, strides, expansion, subsample_first: see
      `resnet_blocks`.
    doc: the function's docstring.
    default_min_base_depth: the network function's default `min_base_depth`
      (TF-Slim's 8; 1 keeps narrower widths as they are).

  Returns:
    fn(inputs, num_classes=None, is_training=True, global_pool=True,
    output_stride=None, spatial_squeeze=True,
    store_non_strided_activations=False,
    min_base_depth=default_min_base_depth, depth_multiplier=1, reuse=None,
    scope=name, dropout_keep_prob=1.0) -> (net, end_points) (see `resnet`;
    depth_multiplier scales the widths and min_base_depth bounds them from
    below), with the family's `default_image_size`.
  """

  def network_fn(inputs, num_classes=None, is_training=True, global_pool=True,
                 output_stride=None, spatial_squeeze=True,
                 store_non_strided_activations=False,
                 min_base_depth=default_min_base_depth, depth_multiplier=1,
                 reuse=None, scope=name, dropout_keep_prob=1.0):
    blocks = resnet_blocks(unit_fn, units_per_block, base_depths, strides,
                           depth_multiplier=depth_multiplier,
                           min_base_depth=min_base_depth, expansion=expansion,
                           subsample_first=subsample_first)
    return family_fn(
        inputs, blocks, num_classes=num_classes, is_training=is_training,
        global_pool=global_pool, output_stride=output_stride,
        include_root_block=True, spatial_squeeze=spatial_squeeze,
        store_non_strided_activations=store_non_strided_activations,
        dropout_keep_prob=dropout_keep_prob, reuse=reuse, scope=scope)

  network_fn.__name__ = network_fn.__qualname__ = name
  network_fn.__doc__ = doc
  network_fn.default_image_size = family_fn.default_image_size
  return network_fn


def depth_variant(family_fn, unit_fn, depth):
  """Returns the network function of one depth of a ResNet family.

  Args:
    family_fn: the family's generic builder (see `family`).
    unit_fn: the family's unit, with a `unit_type` attribute ('basic' or
      'bottleneck') that picks the depth table.
    depth: a key of that table (`DEPTH_TABLES[unit_fn.unit_type]`).

  Returns:
    fn(inputs, num_classes=None, ...) -> (net, end_points) named, and scoped
    by default, '<family>_<depth>', with the family's `default_image_size`
    (see `variant`).

  Raises:
    ValueError: `depth` is not in the table of the unit's type.
  """
  table = DEPTH_TABLES[unit_fn.unit_type]
  if depth not in table:
    raise ValueError('No %s ResNet of depth %d; the %s depths are %s.' % (
        unit_fn.unit_type, depth, unit_fn.unit_type, sorted(table)))
  name = '%s_%d' % (family_fn.__name__, depth)
  return variant(
      family_fn, unit_fn, name, table[depth], BASE_DEPTHS, BLOCK_STRIDES,
      EXPANSION[unit_fn.unit_type],
      doc='ResNet-%d (%s, %s units per block %s). See resnet_utils.resnet() '
      'for the arguments; depth_multiplier and min_base_depth scale the '
      'widths.' % (depth, family_fn.__name__, unit_fn.unit_type,
                   table[depth]))
