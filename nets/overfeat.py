"""OverFeat (the 'fast' model), as a plain-network spec.

  [1] Pierre Sermanet, David Eigen, Xiang Zhang, Michael Mathieu, Rob Fergus,
      Yann LeCun. OverFeat: Integrated Recognition, Localization and Detection
      using Convolutional Networks. arXiv:1312.6229, 2014.

The fully connected layers are convolutions (see `alexnet.plain_convnet`), so
a 231x231 input gives 1x1 logits and a larger one a map of logits. There is no
official checkpoint; the variable names and shapes equal TF-Slim's `overfeat`.

Typical use:

  with slim.arg_scope(overfeat.overfeat_arg_scope()):
    logits, end_points = overfeat.overfeat(images, num_classes=1000,
                                           is_training=False)
"""
from nets import alexnet

Conv, Pool = alexnet.Conv, alexnet.Pool

OVERFEAT_LAYERS = (
    Conv('conv1', 64, 11, stride=4, padding='VALID'),
    Pool('pool1', 2, 2),
    Conv('conv2', 256, 5, padding='VALID'),
    Pool('pool2', 2, 2),
    Conv('conv3', 512, 3),
    Conv('conv4', 1024, 3),
    Conv('conv5', 1024, 3),
    Pool('pool5', 2, 2),
)
OVERFEAT_HEAD = alexnet.Head(fc6_kernel=6, fc6_depth=3072, fc7_depth=4096,
                             init_stddev=0.005)


def overfeat_arg_scope(weight_decay=0.0005):
  """Returns the arg_scope of OverFeat (biases start at 0)."""
  return alexnet.plain_arg_scope(weight_decay, bias_init=0.0)


overfeat = alexnet.plain_variant(
    'overfeat', OVERFEAT_LAYERS, OVERFEAT_HEAD, 231,
    'OverFeat [1], fast model; fully connected layers as convolutions.')
