"""VGG networks A (VGG-11), B (VGG-13), D (VGG-16) and E (VGG-19), and their
CIFAR-size counterparts with batch norm.

  [1] Karen Simonyan, Andrew Zisserman. Very Deep Convolutional Networks for
      Large-Scale Image Recognition. arXiv:1409.1556, 2014.
  [2] Sergey Ioffe, Christian Szegedy. Batch Normalization: Accelerating Deep
      Network Training by Reducing Internal Covariate Shift.
      arXiv:1502.03167, 2015.

A VGG is five stages of 3x3 'SAME' convolutions, each followed by a 2x2 max
pool, then the fully convolutional classifier of `alexnet.plain_convnet`
(fc6 kxk 'VALID', fc7 and fc8 1x1). The variants differ only in how many
convolutions each stage has: a row of `CONVS_PER_STAGE`. `vgg_a` (TF-Slim's
name) and `vgg_11` are the same row under two names (and variable scopes).

The variable names and shapes equal those of the official TF-Slim checkpoints
of vgg_16 and vgg_19 (`vgg_16/conv1/conv1_1/weights`, ..., `vgg_16/fc8/biases`),
converted from Caffe: 1000 classes (no background), 'vgg' preprocessing
(RGB, ImageNet mean subtracted, no scaling), 224x224 inputs. vgg_11 and vgg_13
have no official checkpoint.

`cifar_vgg_<depth>` are the same trunks for 32x32 inputs (five pools bring
them to 1x1) with batch norm [2] after every convolution
(`vgg_bn_arg_scope`) and a small classifier: fc6 and fc7 of 512 units as 1x1
convolutions, dropout, fc8. They take 'cifarnet' preprocessing. (They are not
named `vgg_*`, which is reserved for ImageNet 'vgg' preprocessing.) Other
widths, depths or classifiers need no code: see `nets.model_config`.

Typical use:

  with slim.arg_scope(vgg.vgg_arg_scope()):
    logits, end_points = vgg.vgg_16(images, num_classes=1000,
                                    is_training=False)
  with slim.arg_scope(vgg.vgg_bn_arg_scope()):
    logits, end_points = vgg.cifar_vgg_16(images, num_classes=10,
                                          is_training=True)
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import alexnet
from nets import normalization

DEFAULT_IMAGE_SIZE = 224
# Output depth of the convolutions of each of the five stages.
STAGE_DEPTHS = (64, 128, 256, 512, 512)
# Number of 3x3 convolutions in each stage, by network.
CONVS_PER_STAGE = {
    'vgg_a': (1, 1, 2, 2, 2),
    'vgg_11': (1, 1, 2, 2, 2),
    'vgg_13': (2, 2, 2, 2, 2),
    'vgg_16': (2, 2, 3, 3, 3),
    'vgg_19': (2, 2, 4, 4, 4),
}
VGG_HEAD = alexnet.Head(fc6_kernel=7, fc6_depth=4096, fc7_depth=4096,
                        init_stddev=None)
# The CIFAR variants: 32x32 inputs are 1x1 after the five pools.
CIFAR_IMAGE_SIZE = 32
CIFAR_DEPTHS = (11, 13, 16, 19)
CIFAR_HEAD = alexnet.Head(fc6_kernel=1, fc6_depth=512, fc7_depth=512,
                          init_stddev=None)


def vgg_layers(convs_per_stage, stage_depths=STAGE_DEPTHS):
  """Returns the `Conv`/`Pool` specs of a VGG trunk.

  Args:
    convs_per_stage: number of convolutions in each stage.
    stage_depths: their output depth in each stage.

  Returns:
    A tuple of specs: 'conv<i>' (repeated, so 'conv<i>/conv<i>_<j>') then
    'pool<i>' for each stage i.
  """
  net_layers = []
  for stage, (num_convs, depth) in enumerate(
      zip(convs_per_stage, stage_depths), 1):
    net_layers.append(alexnet.Conv('conv%d' % stage, depth, 3,
                                   repeat=num_convs))
    net_layers.append(alexnet.Pool('pool%d' % stage, 2, 2))
  return tuple(net_layers)


def vgg_arg_scope(weight_decay=0.0005):
  """Returns the arg_scope of the VGG networks (biases start at 0)."""
  return alexnet.plain_arg_scope(weight_decay, bias_init=0.0)


def vgg_bn_arg_scope(weight_decay=0.0005, batch_norm_decay=0.997,
                     batch_norm_epsilon=1e-5):
  """Returns the arg_scope of the VGG networks with batch norm.

  Every convolution but fc8 is followed by batch norm (with a learned scale;
  no biases) and ReLU. The train/eval mode of batch norm is set by the
  network through `net_utils.mode_scope`, never here.

  Args:
    weight_decay: L2 regularization of the weights.
    batch_norm_decay: decay of the moving mean and variance.
    batch_norm_epsilon: added to the variance before dividing by it.

  Returns:
    An arg_scope dict.
  """
  batch_norm_params = {
      'decay': batch_norm_decay,
      'epsilon': batch_norm_epsilon,
      'scale': True,
      'updates_collections': tf.GraphKeys.UPDATE_OPS,
  }
  with slim.arg_scope(vgg_arg_scope(weight_decay)):
    with slim.arg_scope([slim.conv2d], normalizer_fn=normalization.batch_norm,
                        normalizer_params=batch_norm_params):
      with slim.arg_scope([normalization.batch_norm],
                          **batch_norm_params) as scope:
        return scope


def _variant(name):
  return alexnet.plain_variant(
      name, vgg_layers(CONVS_PER_STAGE[name]), VGG_HEAD, DEFAULT_IMAGE_SIZE,
      'VGG network %r [1] (convolutions per stage %s); fully connected layers '
      'as convolutions.' % (name, CONVS_PER_STAGE[name]))


def _cifar_variant(depth):
  convs = CONVS_PER_STAGE['vgg_%d' % depth]
  return alexnet.plain_variant(
      'cifar_vgg_%d' % depth, vgg_layers(convs), CIFAR_HEAD, CIFAR_IMAGE_SIZE,
      'VGG-%d [1] for 32x32 inputs (convolutions per stage %s), with batch '
      'norm [2] in `vgg_bn_arg_scope` and a 512-512 classifier.' % (depth,
                                                                  convs))


vgg_a = _variant('vgg_a')
vgg_11 = _variant('vgg_11')
vgg_13 = _variant('vgg_13')
vgg_16 = _variant('vgg_16')
vgg_19 = _variant('vgg_19')
vgg_d = vgg_16
vgg_e = vgg_19
cifar_vgg_11 = _cifar_variant(11)
cifar_vgg_13 = _cifar_variant(13)
cifar_vgg_16 = _cifar_variant(16)
cifar_vgg_19 = _cifar_variant(19)
