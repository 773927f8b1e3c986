"""ResNet v2 (pre-activation units): ResNet-50/101/152/200.

`basic` (two 3x3 convolutions) pre-activation units are provided for networks
defined by `nets.model_config`; the registered depths use bottleneck units.

  [1] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Deep Residual Learning for Image Recognition. arXiv:1512.03385, 2015.
  [2] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Identity Mappings in Deep Residual Networks. arXiv:1603.05027, 2016.

The variable names and shapes equal those of the official TF-Slim checkpoints
(`resnet_v2_50/block1/unit_1/bottleneck_v2/preact/gamma`, ...,
`resnet_v2_50/postnorm/beta`, `resnet_v2_50/logits/weights`). Those
checkpoints were trained in TensorFlow with 1001 classes (background at 0) on
'inception' preprocessing (inputs in [-1, 1]) at 299x299.

Input size: TF-Slim sets `default_image_size = 224` on the ResNet v2
functions, while the official checkpoints were trained and evaluated at 299
(the footnote of TF-Slim's README; tensorflow/models#1497). We choose 299:
`resnet_v2_50.default_image_size == 299` here and in the model registry, so
that evaluating an official checkpoint with the defaults reproduces its
published accuracy. The networks are fully convolutional and accept any size.

The body is shared with ResNet v1 (`resnet_utils.resnet`); the depth variants
are rows of `resnet_utils.UNITS_PER_BLOCK`.

Typical use:

  with slim.arg_scope(resnet_v2.resnet_arg_scope()):
    logits, end_points = resnet_v2.resnet_v2_50(images, 1001,
                                                is_training=False)
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import normalization
from nets import resnet_utils

resnet_arg_scope = resnet_utils.resnet_arg_scope
DEFAULT_IMAGE_SIZE = 299


@slim.add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1,
               residual=True, shortcut='projection', outputs_collections=None,
               scope=None):
  """Pre-activation bottleneck unit (Fig. 1(b) of [2]).

  The unit's input goes through batch norm + ReLU ('preact') first; the
  projection shortcut and the convolutions read that, and the unit's output is
  the bare sum shortcut + residual.

  Args:
    inputs, depth, depth_bottleneck, stride, rate, residual, shortcut: see
      `resnet_utils.Block`.
    outputs_collections: collection to add the unit output to.
    scope: variable scope (default 'bottleneck_v2').

  Returns:
    The unit's output (the residual branch alone when `residual` is False).
  """
  with tf.variable_scope(scope, 'bottleneck_v2', [inputs]) as sc:
    preact = normalization.batch_norm(inputs, activation_fn=tf.nn.relu,
                                      scope='preact')
    shortcut_net = resnet_utils.shortcut_branch(
        inputs, depth, stride, shortcut, projection_input=preact,
        residual=residual, normalizer_fn=None)
    net = slim.conv2d(preact, depth_bottleneck, [1, 1], scope='conv1')
    net = resnet_utils.conv2d_same(net, depth_bottleneck, 3, stride,
                                   rate=rate, scope='conv2')
    net = slim.conv2d(net, depth, [1, 1], normalizer_fn=None,
                      activation_fn=None, scope='conv3')
    return resnet_utils.unit_output(net, shortcut_net, outputs_collections,
                                    sc.name)


@slim.add_arg_scope
def basic(inputs, depth, depth_bottleneck, stride, rate=1, residual=True,
          shortcut='projection', outputs_collections=None, scope=None):
  """Pre-activation basic unit: two 3x3 convolutions (Fig. 1(b) of [2]).

  Args:
    inputs, depth, stride, rate, residual, shortcut: see
      `resnet_utils.Block`.
    depth_bottleneck: unused (basic units have no bottleneck).
    outputs_collections: collection to add the unit output to.
    scope: variable scope (default 'basic_v2').

  Returns:
    The unit's output (the residual branch alone when `residual` is False).
  """
  del depth_bottleneck  # Unused.
  with tf.variable_scope(scope, 'basic_v2', [inputs]) as sc:
    preact = normalization.batch_norm(inputs, activation_fn=tf.nn.relu,
                                      scope='preact')
    shortcut_net = resnet_utils.shortcut_branch(
        inputs, depth, stride, shortcut, projection_input=preact,
        residual=residual, normalizer_fn=None)
    net = resnet_utils.conv2d_same(preact, depth, 3, stride, rate=rate,
                                   scope='conv1')
    net = slim.conv2d(net, depth, [3, 3], rate=rate, normalizer_fn=None,
                      activation_fn=None, scope='conv2')
    return resnet_utils.unit_output(net, shortcut_net, outputs_collections,
                                    sc.name)


bottleneck.unit_type = 'bottleneck'
basic.unit_type = 'basic'


resnet_v2 = resnet_utils.family(
    'resnet_v2', preactivation=True, default_image_size=DEFAULT_IMAGE_SIZE,
    doc="""Builds a ResNet v2 from `blocks` of pre-activation units.

The units are `bottleneck` (the checkpoints) or `basic` ones. The root
convolution has no batch norm or activation (the first unit normalizes its
input) and a final batch norm + ReLU, 'postnorm', follows the last block
(Appendix of [2]). With include_root_block=False, `inputs` should
be the output of an activation-less convolution. Takes the arguments of
`resnet_utils.resnet`; the default scope is 'resnet_v2'.""")
resnet_v2_50 = resnet_utils.depth_variant(resnet_v2, bottleneck, 50)
resnet_v2_101 = resnet_utils.depth_variant(resnet_v2, bottleneck, 101)
resnet_v2_152 = resnet_utils.depth_variant(resnet_v2, bottleneck, 152)
resnet_v2_200 = resnet_utils.depth_variant(resnet_v2, bottleneck, 200)
