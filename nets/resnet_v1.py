"""ResNet v1 (batch norm after each convolution): ResNet-18/34/50/101/152/200.

  [1] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Deep Residual Learning for Image Recognition. arXiv:1512.03385, 2015.
  [2] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Identity Mappings in Deep Residual Networks. arXiv:1603.05027, 2016
      (for ResNet-200).

The variable names and shapes of ResNet-50..200 equal those of the official
TF-Slim checkpoints (`resnet_v1_50/block1/unit_1/bottleneck_v1/conv1/weights`,
..., `resnet_v1_50/logits/weights`). Those checkpoints were converted from
Caffe: 1000 classes (no background), 'vgg' preprocessing, 224x224 inputs.

ResNet-18 and -34 are built from `basic` units (two 3x3 convolutions, Fig. 2
of [1]) with projection shortcuts where the depth changes (option B of [1]):
11.7M and 21.8M parameters with 1000 classes, as published. No official
TF-Slim checkpoint exists for them. `plain_18` and `plain_34` are the plain
networks of [1] (Fig. 3, Table 2): the same layers without the shortcuts.

The depth variants are rows of `resnet_utils.UNITS_PER_BLOCK` (bottleneck)
and `resnet_utils.BASIC_UNITS_PER_BLOCK` (basic), turned into functions by
`resnet_utils.depth_variant`; the body is shared with ResNet v2
(`resnet_utils.resnet`). As in TF-Slim, a block subsamples in its last unit.
TF-Slim's `use_bounded_activations` option is not provided.

Typical use:

  with slim.arg_scope(resnet_v1.resnet_arg_scope()):
    logits, end_points = resnet_v1.resnet_v1_50(images, 1000,
                                                is_training=False)

  # Dense features for segmentation: stride 16 via atrous convolution.
  with slim.arg_scope(resnet_v1.resnet_arg_scope()):
    features, _ = resnet_v1.resnet_v1_101(images, None, is_training=False,
                                          global_pool=False,
                                          output_stride=16)
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import resnet_utils

resnet_arg_scope = resnet_utils.resnet_arg_scope
DEFAULT_IMAGE_SIZE = 224


@slim.add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1,
               residual=True, shortcut='projection', outputs_collections=None,
               scope=None):
  """Bottleneck unit with batch norm after the convolutions (Fig. 5 of [1]).

  Args:
    inputs, depth, depth_bottleneck, stride, rate, residual, shortcut: see
      `resnet_utils.Block`.
    outputs_collections: collection to add the unit output to.
    scope: variable scope (default 'bottleneck_v1').

  Returns:
    The unit's output, relu(shortcut + residual), or relu(residual) when
    `residual` is False.
  """
  with tf.variable_scope(scope, 'bottleneck_v1', [inputs]) as sc:
    shortcut_net = resnet_utils.shortcut_branch(inputs, depth, stride,
                                                shortcut, residual=residual)
    net = slim.conv2d(inputs, depth_bottleneck, [1, 1], scope='conv1')
    net = resnet_utils.conv2d_same(net, depth_bottleneck, 3, stride,
                                   rate=rate, scope='conv2')
    net = slim.conv2d(net, depth, [1, 1], activation_fn=None, scope='conv3')
    return resnet_utils.unit_output(net, shortcut_net, outputs_collections,
                                    sc.name, activation_fn=tf.nn.relu)


@slim.add_arg_scope
def basic(inputs, depth, depth_bottleneck, stride, rate=1, residual=True,
          shortcut='projection', outputs_collections=None, scope=None):
  """Basic unit: two 3x3 convolutions with batch norm (Fig. 2 of [1]).

  The first convolution has the unit's stride, as in [1].

  Args:
    inputs, depth, stride, rate, residual, shortcut: see
      `resnet_utils.Block`.
    depth_bottleneck: unused (basic units have no bottleneck).
    outputs_collections: collection to add the unit output to.
    scope: variable scope (default 'basic_v1').

  Returns:
    The unit's output, relu(shortcut + residual), or relu(residual) when
    `residual` is False.
  """
  del depth_bottleneck  # Unused.
  with tf.variable_scope(scope, 'basic_v1', [inputs]) as sc:
    shortcut_net = resnet_utils.shortcut_branch(inputs, depth, stride,
                                                shortcut, residual=residual)
    net = resnet_utils.conv2d_same(inputs, depth, 3, stride, rate=rate,
                                   scope='conv1')
    net = slim.conv2d(net, depth, [3, 3], rate=rate, activation_fn=None,
                      scope='conv2')
    return resnet_utils.unit_output(net, shortcut_net, outputs_collections,
                                    sc.name, activation_fn=tf.nn.relu)


bottleneck.unit_type = 'bottleneck'
basic.unit_type = 'basic'


resnet_v1 = resnet_utils.family(
    'resnet_v1', preactivation=False, default_image_size=DEFAULT_IMAGE_SIZE,
    doc="""Builds a ResNet v1 from `blocks` of `bottleneck` or `basic` units.

Takes the arguments of `resnet_utils.resnet`; the default scope is
'resnet_v1'.""")
resnet_v1_18 = resnet_utils.depth_variant(resnet_v1, basic, 18)
resnet_v1_34 = resnet_utils.depth_variant(resnet_v1, basic, 34)
resnet_v1_50 = resnet_utils.depth_variant(resnet_v1, bottleneck, 50)
resnet_v1_101 = resnet_utils.depth_variant(resnet_v1, bottleneck, 101)
resnet_v1_152 = resnet_utils.depth_variant(resnet_v1, bottleneck, 152)
resnet_v1_200 = resnet_utils.depth_variant(resnet_v1, bottleneck, 200)

plain = resnet_utils.family(
    'plain', preactivation=False, default_image_size=DEFAULT_IMAGE_SIZE,
    residual=False,
    doc="""Builds the plain counterpart of a ResNet v1 (no shortcuts).

The "plain" networks of [1] (Fig. 3): the same layers, so the same parameters
minus the projection shortcuts. Takes the arguments of `resnet_utils.resnet`
(`residual` is False); the default scope is 'plain'.""")
plain_18 = resnet_utils.depth_variant(plain, basic, 18)
plain_34 = resnet_utils.depth_variant(plain, basic, 34)
