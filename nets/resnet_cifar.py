"""CIFAR ResNets and their plain counterparts: 6n+2 layers, 16/32/64 channels.

  [1] Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun.
      Deep Residual Learning for Image Recognition. arXiv:1512.03385, 2015,
      Section 4.2 (CIFAR-10 and Analysis).

The networks of [1], Sec. 4.2: a 3x3 convolution of 16 filters on the 32x32
input, then three stages of n basic units (two 3x3 convolutions each) with
16, 32 and 64 filters on 32x32, 16x16 and 8x8 maps (the first unit of stages
2 and 3 has stride 2), global average pooling and a fully connected layer:
6n + 2 weighted layers. Shortcuts are identities, with zero channels appended
where the depth doubles (option A of [1]), so the residual and the plain
network of one depth have exactly the same parameters:

  depth  n   parameters (10 classes)   [1], Table 6
  20     3   0.27M                      0.27M
  32     5   0.46M                      0.46M
  44     7   0.66M                      0.66M
  56     9   0.85M                      0.85M
  110    18  1.7M                       1.7M

`resnet_cifar_<depth>` and `plain_cifar_<depth>` are rows of `DEPTHS` built by
`resnet_utils.variant`, with v1 `basic` units (batch norm after each
convolution). They take 'cifarnet' preprocessing at 32x32 (any input size
works: the network is fully convolutional up to the global pool). Other
widths, depths, shortcuts or pre-activation units need no code: see
`nets.model_config` (`{"base": "resnet_cifar_56", "residual": false, ...}`).

Typical use:

  with slim.arg_scope(resnet_cifar.resnet_arg_scope()):
    logits, end_points = resnet_cifar.resnet_cifar_56(images, 10,
                                                      is_training=True)
"""
from nets import resnet_utils
from nets import resnet_v1

resnet_arg_scope = resnet_utils.resnet_arg_scope
DEFAULT_IMAGE_SIZE = 32
# Depths of [1], Sec. 4.2 (6n + 2 layers).
DEPTHS = (20, 32, 44, 56, 110)
# Filters of the root convolution and of the three stages; stage strides.
ROOT = resnet_utils.Root(depth=16, kernel=3, stride=1, pool=False)
STAGE_WIDTHS = (16, 32, 64)
STAGE_STRIDES = (1, 2, 2)
SHORTCUT = 'zero_pad'


def units_per_stage(depth):
  """Returns the units of each of the three stages of a 6n+2-layer network.

  Args:
    depth: number of weighted layers, 6n + 2.

  Returns:
    (n, n, n).

  Raises:
    ValueError: depth is not 6n + 2 with n >= 1.
  """
  if depth < 8 or (depth - 2) % 6:
    raise ValueError('A CIFAR ResNet has 6n+2 layers (20, 32, 44, 56, 110, '
                     '...), got %r.' % (depth,))
  return ((depth - 2) // 6,) * 3


resnet_cifar = resnet_utils.family(
    'resnet_cifar', preactivation=False, default_image_size=DEFAULT_IMAGE_SIZE,
    root=ROOT, shortcut=SHORTCUT,
    doc="""Builds a CIFAR ResNet ([1], Sec. 4.2) from `blocks`.

Takes the arguments of `resnet_utils.resnet`; the root is a 3x3 convolution
of 16 filters without pooling, and shortcuts zero-pad new channels.""")
plain_cifar = resnet_utils.family(
    'plain_cifar', preactivation=False, default_image_size=DEFAULT_IMAGE_SIZE,
    root=ROOT, shortcut=SHORTCUT, residual=False,
    doc="""Builds the plain counterpart of a CIFAR ResNet: no shortcuts.""")


def _variant(family_fn, depth):
  name = '%s_%d' % (family_fn.__name__, depth)
  return resnet_utils.variant(
      family_fn, resnet_v1.basic, name, units_per_stage(depth), STAGE_WIDTHS,
      STAGE_STRIDES, resnet_utils.EXPANSION['basic'], subsample_first=True,
      doc='%s: %d layers, %s basic units per stage of %s filters ([1], Sec. '
      '4.2). See resnet_utils.resnet() for the arguments.' % (
          name, depth, units_per_stage(depth)[0], STAGE_WIDTHS))


resnet_cifar_20 = _variant(resnet_cifar, 20)
resnet_cifar_32 = _variant(resnet_cifar, 32)
resnet_cifar_44 = _variant(resnet_cifar, 44)
resnet_cifar_56 = _variant(resnet_cifar, 56)
resnet_cifar_110 = _variant(resnet_cifar, 110)
plain_cifar_20 = _variant(plain_cifar, 20)
plain_cifar_32 = _variant(plain_cifar, 32)
plain_cifar_44 = _variant(plain_cifar, 44)
plain_cifar_56 = _variant(plain_cifar, 56)
plain_cifar_110 = _variant(plain_cifar, 110)
