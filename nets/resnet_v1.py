"""ResNet v1 (batch norm after each convolution): ResNet-50/101/152/200.

  [1] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Deep Residual Learning for Image Recognition. arXiv:1512.03385, 2015.
  [2] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Identity Mappings in Deep Residual Networks. arXiv:1603.05027, 2016
      (for ResNet-200).

The variable names and shapes equal those of the official TF-Slim checkpoints
(`resnet_v1_50/block1/unit_1/bottleneck_v1/conv1/weights`, ...,
`resnet_v1_50/logits/weights`). Those checkpoints were converted from Caffe:
1000 classes (no background), 'vgg' preprocessing, 224x224 inputs.

The depth variants are rows of `resnet_utils.UNITS_PER_BLOCK`, turned into
functions by `resnet_utils.depth_variant`; the body is shared with ResNet v2
(`resnet_utils.resnet`). TF-Slim's `use_bounded_activations` option is not
provided.

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
               outputs_collections=None, scope=None):
  """Bottleneck unit with batch norm after the convolutions (Fig. 5 of [1]).

  Args:
    inputs, depth, depth_bottleneck, stride, rate: see `resnet_utils.Block`.
    outputs_collections: collection to add the unit output to.
    scope: variable scope (default 'bottleneck_v1').

  Returns:
    The unit's output, relu(shortcut + residual).
  """
  with tf.variable_scope(scope, 'bottleneck_v1', [inputs]) as sc:
    if slim.utils.last_dimension(inputs.shape, min_rank=4) == depth:
      shortcut = resnet_utils.subsample(inputs, stride, 'shortcut')
    else:
      shortcut = slim.conv2d(inputs, depth, [1, 1], stride=stride,
                             activation_fn=None, scope='shortcut')
    residual = slim.conv2d(inputs, depth_bottleneck, [1, 1], scope='conv1')
    residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride,
                                        rate=rate, scope='conv2')
    residual = slim.conv2d(residual, depth, [1, 1], activation_fn=None,
                           scope='conv3')
    output = tf.nn.relu(shortcut + residual)
    return slim.utils.collect_named_outputs(outputs_collections, sc.name,
                                            output)


resnet_v1 = resnet_utils.family(
    'resnet_v1', preactivation=False, default_image_size=DEFAULT_IMAGE_SIZE,
    doc="""Builds a ResNet v1 from `blocks` of `bottleneck` units.

Takes the arguments of `resnet_utils.resnet`; the default scope is
'resnet_v1'.""")
resnet_v1_50 = resnet_utils.depth_variant(resnet_v1, bottleneck, 50)
resnet_v1_101 = resnet_utils.depth_variant(resnet_v1, bottleneck, 101)
resnet_v1_152 = resnet_utils.depth_variant(resnet_v1, bottleneck, 152)
resnet_v1_200 = resnet_utils.depth_variant(resnet_v1, bottleneck, 200)
