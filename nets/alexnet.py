"""AlexNet v2, and the plain-network builder that VGG and OverFeat share.

  [1] Alex Krizhevsky. One weird trick for parallelizing convolutional neural
      networks. arXiv:1404.5997, 2014 (AlexNet v2, the one-GPU model of
      cuda-convnet2's layers-imagenet-1gpu.cfg).

AlexNet, OverFeat and VGG are the same kind of network: a stack of
convolutions and max pools, then a fully convolutional classifier ('fc6' as a
kxk 'VALID' convolution, 'fc7' and 'fc8' as 1x1 convolutions, dropout before
fc7 and fc8), so a 224x224 (231x231 for OverFeat) input gives 1x1 logits and a
larger one a map of logits. Each network is data: a tuple of `Conv` and `Pool`
layer specs and a `Head`, built by the one function `plain_convnet`;
`plain_variant` turns a spec into a network function with TF-Slim's
signature. As in TF-Slim, AlexNet v2 has no LRN layers and xavier
initialization.

There is no official checkpoint of AlexNet v2; its variable names and shapes
equal TF-Slim's `alexnet_v2`.

Typical use:

  with slim.arg_scope(alexnet.alexnet_v2_arg_scope()):
    logits, end_points = alexnet.alexnet_v2(images, num_classes=1000,
                                            is_training=False)
"""
import collections

import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils


class Conv(collections.namedtuple(
    'Conv', ['scope', 'depth', 'kernel', 'stride', 'padding', 'repeat'])):
  """A square convolution of `depth` filters (stride 1 by default).

  `repeat` None builds one layer named `scope`; an int n builds n layers
  '<scope>/<scope>_1', ... (slim.repeat). `padding` None uses the arg_scope's.
  """


Conv.__new__.__defaults__ = (1, None, None)  # stride, padding, repeat.


class Pool(collections.namedtuple('Pool', ['scope', 'kernel', 'stride'])):
  """A max pool with a square `kernel` and `stride`."""


class Head(collections.namedtuple(
    'Head', ['fc6_kernel', 'fc6_depth', 'fc7_depth', 'init_stddev'])):
  """The fully convolutional classifier: fc6 (kxk), fc7 (1x1), fc8 (1x1).

  `init_stddev`, when set, initializes fc6..fc8 weights from a truncated
  normal of that stddev and the fc6/fc7 biases to 0.1 (AlexNet, OverFeat);
  None keeps the arg_scope's initializers (VGG).
  """


ALEXNET_V2_LAYERS = (
    Conv('conv1', 64, 11, stride=4, padding='VALID'),
    Pool('pool1', 3, 2),
    Conv('conv2', 192, 5),
    Pool('pool2', 3, 2),
    Conv('conv3', 384, 3),
    Conv('conv4', 384, 3),
    Conv('conv5', 256, 3),
    Pool('pool5', 3, 2),
)
ALEXNET_V2_HEAD = Head(fc6_kernel=5, fc6_depth=4096, fc7_depth=4096,
                       init_stddev=0.005)


def plain_arg_scope(weight_decay, bias_init):
  """arg_scope of the plain networks: ReLU, L2 decay, 'SAME' convolutions.

  Args:
    weight_decay: L2 regularization of the weights.
    bias_init: initial value of the biases.

  Returns:
    An arg_scope dict.
  """
  with slim.arg_scope(
      [slim.conv2d, slim.fully_connected],
      activation_fn=tf.nn.relu,
      weights_regularizer=slim.l2_regularizer(weight_decay),
      biases_initializer=tf.constant_initializer(bias_init)):
    with slim.arg_scope([slim.conv2d], padding='SAME'):
      with slim.arg_scope([slim.max_pool2d], padding='VALID') as scope:
        return scope


def alexnet_v2_arg_scope(weight_decay=0.0005):
  """Returns the arg_scope of AlexNet v2 (biases start at 0.1)."""
  return plain_arg_scope(weight_decay, bias_init=0.1)


def _build_layer(net, layer):
  """Builds one `Conv` or `Pool` spec on `net`."""
  if isinstance(layer, Pool):
    return slim.max_pool2d(net, [layer.kernel, layer.kernel], layer.stride,
                           scope=layer.scope)
  conv_args = (layer.depth, [layer.kernel, layer.kernel], layer.stride)
  conv_kwargs = {'padding': layer.padding} if layer.padding else {}
  if layer.repeat is None:
    return slim.conv2d(net, *conv_args, scope=layer.scope, **conv_kwargs)
  return slim.repeat(net, layer.repeat, slim.conv2d, *conv_args,
                     scope=layer.scope, **conv_kwargs)


def _check_fc6_fits(net, head, fc_conv_padding, scope_name):
  """Raises a clear error when the input is too small for a 'VALID' fc6."""
  height, width = net.shape.as_list()[1:3]
  if fc_conv_padding != 'VALID' or None in (height, width):
    return
  if min(height, width) < head.fc6_kernel:
    raise ValueError(
        '%s: the input is too small. Its last pool is %dx%d but fc6 is a '
        '%dx%d VALID convolution; feed the default image size, or pass '
        "fc_conv_padding='SAME' (with global_pool=True for 1x1 logits)." %
        (scope_name, height, width, head.fc6_kernel, head.fc6_kernel))


def plain_convnet(inputs, layers, head, num_classes=1000, is_training=True,
                  dropout_keep_prob=0.5, spatial_squeeze=True, scope=None,
                  reuse=None, global_pool=False, fc_conv_padding='VALID',
                  default_scope='convnet'):
  """Builds a plain network: `layers`, then the fully convolutional `head`.

  Args:
    inputs: [batch, height, width, channels] tensor.
    layers: sequence of `Conv` and `Pool` specs.
    head: a `Head`.
    num_classes: number of classes; 0 or None returns the features before
      dropout7/fc8 (fc7, or its global pool).
    is_training: dropout active. Applied with `net_utils.mode_scope`, so
      `net_utils.override_modes` can change it (MC dropout).
    dropout_keep_prob: keep probability of the dropout before fc7 and fc8.
    spatial_squeeze: return [batch, num_classes] logits (needs 1x1 logits).
    scope: variable scope.
    reuse: reuse the variables of `scope`.
    global_pool: average fc7 over space (for inputs of any size).
    fc_conv_padding: padding of fc6: 'VALID' (the default size gives 1x1) or
      'SAME' (fc7 keeps the size of the last pool).
    default_scope: scope name when `scope` is None.

  Returns:
    (net, end_points): the logits, or the features when num_classes is
    0/None; end_points holds TF-Slim's keys ('<scope>/conv1', '<scope>/pool1',
    ..., '<scope>/fc7', 'global_pool', '<scope>/fc8') plus 'PreLogits',
    'Logits' and 'Predictions'.

  Raises:
    ValueError: the input is too small for fc6, or the logits are not 1x1
      with spatial_squeeze.
  """
  with tf.variable_scope(scope, default_scope, [inputs], reuse=reuse) as sc:
    collection = sc.original_name_scope + '_end_points'
    with slim.arg_scope([slim.conv2d, slim.fully_connected, slim.max_pool2d],
                        outputs_collections=[collection]), \
         net_utils.mode_scope(is_training):
      net = inputs
      for layer in layers:
        net = _build_layer(net, layer)
      _check_fc6_fits(net, head, fc_conv_padding, sc.name)
      head_initializers = {} if head.init_stddev is None else {
          'weights_initializer':
              tf.truncated_normal_initializer(0.0, head.init_stddev),
          'biases_initializer': tf.constant_initializer(0.1)}
      with slim.arg_scope([slim.conv2d], **head_initializers):
        net = slim.conv2d(net, head.fc6_depth,
                          [head.fc6_kernel, head.fc6_kernel],
                          padding=fc_conv_padding, scope='fc6')
        net = slim.dropout(net, dropout_keep_prob, scope='dropout6')
        net = slim.conv2d(net, head.fc7_depth, [1, 1], scope='fc7')
        end_points = slim.utils.convert_collection_to_dict(collection)
        if global_pool:
          net = tf.reduce_mean(net, [1, 2], keepdims=True, name='global_pool')
          end_points['global_pool'] = net
        end_points['PreLogits'] = net
        if not num_classes:
          return net, end_points
        net = slim.dropout(net, dropout_keep_prob, scope='dropout7')
        net = slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                          normalizer_fn=None,
                          biases_initializer=tf.zeros_initializer(),
                          scope='fc8')
      if spatial_squeeze:
        height, width = net.shape.as_list()[1:3]
        if (height, width) != (1, 1) and None not in (height, width):
          raise ValueError(
              '%s: spatial_squeeze=True needs 1x1 logits but they are %dx%d '
              '(the input is larger than the default image size). Pass '
              'spatial_squeeze=False for a map of logits, or global_pool=True.'
              % (sc.name, height, width))
        net = tf.squeeze(net, [1, 2], name='fc8/squeezed')
      end_points[sc.name + '/fc8'] = net
      end_points['Logits'] = net
      end_points['Predictions'] = slim.softmax(net, scope='Predictions')
      return net, end_points


def plain_variant(name, layers, head, default_image_size, doc):
  """Returns a network function with TF-Slim's signature for one spec.

  Args:
    name: the network's name and default variable scope.
    layers: its `Conv` and `Pool` specs.
    head: its `Head`.
    default_image_size: the input size giving 1x1 logits.
    doc: first line of the function's docstring.

  Returns:
    fn(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5,
    spatial_squeeze=True, scope=name, reuse=None, global_pool=False,
    fc_conv_padding='VALID') -> (net, end_points), see `plain_convnet`, with
    a `default_image_size` attribute.
  """

  def network_fn(inputs, num_classes=1000, is_training=True,
                 dropout_keep_prob=0.5, spatial_squeeze=True, scope=name,
                 reuse=None, global_pool=False, fc_conv_padding='VALID'):
    return plain_convnet(
        inputs, layers, head, num_classes=num_classes,
        is_training=is_training, dropout_keep_prob=dropout_keep_prob,
        spatial_squeeze=spatial_squeeze, scope=scope, reuse=reuse,
        global_pool=global_pool, fc_conv_padding=fc_conv_padding,
        default_scope=name)

  network_fn.__name__ = network_fn.__qualname__ = name
  network_fn.__doc__ = (
      '%s\n\nDefault input %dx%d. See alexnet.plain_convnet for the arguments '
      'and return values.' % (doc, default_image_size, default_image_size))
  network_fn.default_image_size = default_image_size
  return network_fn


alexnet_v2 = plain_variant(
    'alexnet_v2', ALEXNET_V2_LAYERS, ALEXNET_V2_HEAD, 224,
    'AlexNet v2 [1] without LRN; fully connected layers as convolutions.')
