"""VGG networks A (VGG-11), D (VGG-16) and E (VGG-19).

  [1] Karen Simonyan, Andrew Zisserman. Very Deep Convolutional Networks for
      Large-Scale Image Recognition. arXiv:1409.1556, 2014.

A VGG is five stages of 3x3 'SAME' convolutions, each followed by a 2x2 max
pool, then the fully convolutional classifier of `alexnet.plain_convnet`
(fc6 7x7 'VALID', fc7 and fc8 1x1). The variants differ only in how many
convolutions each stage has: a row of `CONVS_PER_STAGE`. Adding VGG-13 is the
row `'vgg_13': (2, 2, 2, 2, 2)` plus `vgg_13 = _variant('vgg_13')`.

The variable names and shapes equal those of the official TF-Slim checkpoints
of vgg_16 and vgg_19 (`vgg_16/conv1/conv1_1/weights`, ..., `vgg_16/fc8/biases`),
converted from Caffe: 1000 classes (no background), 'vgg' preprocessing
(RGB, ImageNet mean subtracted, no scaling), 224x224 inputs.

Typical use:

  with slim.arg_scope(vgg.vgg_arg_scope()):
    logits, end_points = vgg.vgg_16(images, num_classes=1000,
                                    is_training=False)
"""
from nets import alexnet

DEFAULT_IMAGE_SIZE = 224
# Output depth of the convolutions of each of the five stages.
STAGE_DEPTHS = (64, 128, 256, 512, 512)
# Number of 3x3 convolutions in each stage, by network.
CONVS_PER_STAGE = {
    'vgg_a': (1, 1, 2, 2, 2),
    'vgg_16': (2, 2, 3, 3, 3),
    'vgg_19': (2, 2, 4, 4, 4),
}
VGG_HEAD = alexnet.Head(fc6_kernel=7, fc6_depth=4096, fc7_depth=4096,
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
  layers = []
  for stage, (num_convs, depth) in enumerate(
      zip(convs_per_stage, stage_depths), 1):
    layers.append(alexnet.Conv('conv%d' % stage, depth, 3, repeat=num_convs))
    layers.append(alexnet.Pool('pool%d' % stage, 2, 2))
  return tuple(layers)


def vgg_arg_scope(weight_decay=0.0005):
  """Returns the arg_scope of the VGG networks (biases start at 0)."""
  return alexnet.plain_arg_scope(weight_decay, bias_init=0.0)


def _variant(name):
  return alexnet.plain_variant(
      name, vgg_layers(CONVS_PER_STAGE[name]), VGG_HEAD, DEFAULT_IMAGE_SIZE,
      'VGG network %r [1] (convolutions per stage %s); fully connected layers '
      'as convolutions.' % (name, CONVS_PER_STAGE[name]))


vgg_a = _variant('vgg_a')
vgg_16 = _variant('vgg_16')
vgg_19 = _variant('vgg_19')
vgg_d = vgg_16
vgg_e = vgg_19
