"""The single registry of networks: model name -> how to build and feed it.

Every binary (train, eval, export, uncertainty) resolves a `--model_name`
here, and nowhere else. One record per name holds the builder, its arg_scope,
the input size and the preprocessing the official checkpoints expect, and the
width of the official checkpoint's classifier (1001 = background at index 0).

Typical use:

  network_fn = nets_factory.get_network_fn('lenet', num_classes=10,
                                           weight_decay=0.0, is_training=True)
  logits, end_points = network_fn(images)   # images: [B, 28, 28, 1]
"""
import collections
import functools
import inspect

import tf_slim as slim

from nets import alexnet
from nets import cifarnet
from nets import inception_resnet_v2
from nets import inception_v1
from nets import inception_v2
from nets import inception_v3
from nets import inception_v4
from nets import lenet
from nets import mobilenet_v1
from nets import mobilenet_v2
from nets import net_utils
from nets import overfeat
from nets import resnet_cifar
from nets import resnet_v1
from nets import resnet_v2
from nets import vgg

ModelSpec = collections.namedtuple('ModelSpec', [
    'builder',             # fn(inputs, num_classes, is_training, ...).
    'arg_scope_fn',        # fn(weight_decay=...) -> arg_scope dict.
    'default_image_size',  # int: input height and width.
    'preprocessing_name',  # key of preprocessing_factory.
    'checkpoint_classes',  # classes of the official checkpoint, or None.
])

_MODELS = {
    'lenet': ModelSpec(lenet.lenet, lenet.lenet_arg_scope, 28, 'lenet', None),
    'cifarnet': ModelSpec(cifarnet.cifarnet, cifarnet.cifarnet_arg_scope, 32,
                          'cifarnet', None),
    # -- alexnet, overfeat, vgg, resnet_v1, resnet_v2 --
    # No official checkpoints: alexnet_v2, overfeat, vgg_a, resnet_v*_200.
    # resnet_v2: 299 (what its checkpoints were trained at; slim says 224).
    'alexnet_v2': ModelSpec(alexnet.alexnet_v2, alexnet.alexnet_v2_arg_scope,
                            224, 'vgg', None),
    'overfeat': ModelSpec(overfeat.overfeat, overfeat.overfeat_arg_scope, 231,
                          'vgg', None),
    'vgg_a': ModelSpec(vgg.vgg_a, vgg.vgg_arg_scope, 224, 'vgg', None),
    'vgg_16': ModelSpec(vgg.vgg_16, vgg.vgg_arg_scope, 224, 'vgg', 1000),
    'vgg_19': ModelSpec(vgg.vgg_19, vgg.vgg_arg_scope, 224, 'vgg', 1000),
    'resnet_v1_50': ModelSpec(resnet_v1.resnet_v1_50,
                              resnet_v1.resnet_arg_scope, 224, 'vgg', 1000),
    'resnet_v1_101': ModelSpec(resnet_v1.resnet_v1_101,
                               resnet_v1.resnet_arg_scope, 224, 'vgg', 1000),
    'resnet_v1_152': ModelSpec(resnet_v1.resnet_v1_152,
                               resnet_v1.resnet_arg_scope, 224, 'vgg', 1000),
    'resnet_v1_200': ModelSpec(resnet_v1.resnet_v1_200,
                               resnet_v1.resnet_arg_scope, 224, 'vgg', None),
    'resnet_v2_50': ModelSpec(resnet_v2.resnet_v2_50,
                              resnet_v2.resnet_arg_scope, 299, 'inception',
                              1001),
    'resnet_v2_101': ModelSpec(resnet_v2.resnet_v2_101,
                               resnet_v2.resnet_arg_scope, 299, 'inception',
                               1001),
    'resnet_v2_152': ModelSpec(resnet_v2.resnet_v2_152,
                               resnet_v2.resnet_arg_scope, 299, 'inception',
                               1001),
    'resnet_v2_200': ModelSpec(resnet_v2.resnet_v2_200,
                               resnet_v2.resnet_arg_scope, 299, 'inception',
                               None),
    # -- inception_v1..v4, inception_resnet_v2 --
    'inception_v1': ModelSpec(inception_v1.inception_v1,
                              inception_v1.inception_v1_arg_scope, 224,
                              'inception', 1001),
    'inception_v2': ModelSpec(inception_v2.inception_v2,
                              inception_v2.inception_v2_arg_scope, 224,
                              'inception', 1001),
    'inception_v3': ModelSpec(inception_v3.inception_v3,
                              inception_v3.inception_v3_arg_scope, 299,
                              'inception', 1001),
    'inception_v4': ModelSpec(inception_v4.inception_v4,
                              inception_v4.inception_v4_arg_scope, 299,
                              'inception', 1001),
    'inception_resnet_v2': ModelSpec(
        inception_resnet_v2.inception_resnet_v2,
        inception_resnet_v2.inception_resnet_v2_arg_scope, 299, 'inception',
        1001),
    # -- mobilenet_v1, mobilenet_v2 --
    'mobilenet_v1': ModelSpec(mobilenet_v1.mobilenet_v1,
                              mobilenet_v1.mobilenet_v1_arg_scope, 224,
                              'inception', 1001),
    'mobilenet_v1_075': ModelSpec(mobilenet_v1.mobilenet_v1_075,
                                  mobilenet_v1.mobilenet_v1_arg_scope, 224,
                                  'inception', 1001),
    'mobilenet_v1_050': ModelSpec(mobilenet_v1.mobilenet_v1_050,
                                  mobilenet_v1.mobilenet_v1_arg_scope, 224,
                                  'inception', 1001),
    'mobilenet_v1_025': ModelSpec(mobilenet_v1.mobilenet_v1_025,
                                  mobilenet_v1.mobilenet_v1_arg_scope, 224,
                                  'inception', 1001),
    'mobilenet_v2': ModelSpec(mobilenet_v2.mobilenet_v2,
                              mobilenet_v2.training_scope, 224, 'inception',
                              1001),
    'mobilenet_v2_140': ModelSpec(mobilenet_v2.mobilenet_v2_140,
                                  mobilenet_v2.training_scope, 224,
                                  'inception', 1001),
    'mobilenet_v2_035': ModelSpec(mobilenet_v2.mobilenet_v2_035,
                                  mobilenet_v2.training_scope, 224,
                                  'inception', 1001),
    # -- issue 4: configurable ResNet / plain / VGG --
    # Basic-unit ResNets, their plain counterparts (no shortcuts) and VGG-11
    # (vgg_a's spec under its depth name) / VGG-13: no official checkpoints.
    # CIFAR nets: 'cifarnet' preprocessing at 32 (not named resnet_v1_* or
    # vgg_*, which mean 'vgg' preprocessing). Any other variant:
    # --model_config (nets/model_config.py).
    'resnet_v1_18': ModelSpec(resnet_v1.resnet_v1_18,
                              resnet_v1.resnet_arg_scope, 224, 'vgg', None),
    'resnet_v1_34': ModelSpec(resnet_v1.resnet_v1_34,
                              resnet_v1.resnet_arg_scope, 224, 'vgg', None),
    'plain_18': ModelSpec(resnet_v1.plain_18, resnet_v1.resnet_arg_scope, 224,
                          'vgg', None),
    'plain_34': ModelSpec(resnet_v1.plain_34, resnet_v1.resnet_arg_scope, 224,
                          'vgg', None),
    'vgg_11': ModelSpec(vgg.vgg_11, vgg.vgg_arg_scope, 224, 'vgg', None),
    'vgg_13': ModelSpec(vgg.vgg_13, vgg.vgg_arg_scope, 224, 'vgg', None),
    'resnet_cifar_20': ModelSpec(resnet_cifar.resnet_cifar_20,
                                 resnet_cifar.resnet_arg_scope, 32,
                                 'cifarnet', None),
    'resnet_cifar_32': ModelSpec(resnet_cifar.resnet_cifar_32,
                                 resnet_cifar.resnet_arg_scope, 32,
                                 'cifarnet', None),
    'resnet_cifar_44': ModelSpec(resnet_cifar.resnet_cifar_44,
                                 resnet_cifar.resnet_arg_scope, 32,
                                 'cifarnet', None),
    'resnet_cifar_56': ModelSpec(resnet_cifar.resnet_cifar_56,
                                 resnet_cifar.resnet_arg_scope, 32,
                                 'cifarnet', None),
    'resnet_cifar_110': ModelSpec(resnet_cifar.resnet_cifar_110,
                                  resnet_cifar.resnet_arg_scope, 32,
                                  'cifarnet', None),
    'plain_cifar_20': ModelSpec(resnet_cifar.plain_cifar_20,
                                resnet_cifar.resnet_arg_scope, 32,
                                'cifarnet', None),
    'plain_cifar_32': ModelSpec(resnet_cifar.plain_cifar_32,
                                resnet_cifar.resnet_arg_scope, 32,
                                'cifarnet', None),
    'plain_cifar_44': ModelSpec(resnet_cifar.plain_cifar_44,
                                resnet_cifar.resnet_arg_scope, 32,
                                'cifarnet', None),
    'plain_cifar_56': ModelSpec(resnet_cifar.plain_cifar_56,
                                resnet_cifar.resnet_arg_scope, 32,
                                'cifarnet', None),
    'plain_cifar_110': ModelSpec(resnet_cifar.plain_cifar_110,
                                 resnet_cifar.resnet_arg_scope, 32,
                                 'cifarnet', None),
    'cifar_vgg_11': ModelSpec(vgg.cifar_vgg_11, vgg.vgg_bn_arg_scope, 32,
                              'cifarnet', None),
    'cifar_vgg_13': ModelSpec(vgg.cifar_vgg_13, vgg.vgg_bn_arg_scope, 32,
                              'cifarnet', None),
    'cifar_vgg_16': ModelSpec(vgg.cifar_vgg_16, vgg.vgg_bn_arg_scope, 32,
                              'cifarnet', None),
    'cifar_vgg_19': ModelSpec(vgg.cifar_vgg_19, vgg.vgg_bn_arg_scope, 32,
                              'cifarnet', None),
}


def register_model(name, spec):
  """Adds a model defined at run time (e.g. by --model_config) to the registry.

  Args:
    name: the new model name.
    spec: its ModelSpec.

  Raises:
    ValueError: `name` is already registered.
  """
  if name in _MODELS:
    raise ValueError('Model %r is already registered; choose another name.'
                     % name)
  _MODELS[name] = spec


def model_names():
  """Returns the sorted list of registered model names."""
  return sorted(_MODELS)


def get_model_spec(name):
  """Returns the ModelSpec of `name`.

  Args:
    name: a registered model name.

  Returns:
    The ModelSpec.

  Raises:
    ValueError: `name` is not registered; the message lists the known names.
  """
  if name not in _MODELS:
    raise ValueError('Unknown model_name %r. Known models: %s.' %
                     (name, ', '.join(model_names())))
  return _MODELS[name]


def _arg_scope(spec, name, weight_decay, batch_norm_decay):
  """The model's arg_scope, with its batch-norm decay overridden if asked."""
  if batch_norm_decay is None:
    return spec.arg_scope_fn(weight_decay=weight_decay)
  params = inspect.signature(spec.arg_scope_fn).parameters
  for decay_arg in ('batch_norm_decay', 'bn_decay'):
    if decay_arg in params:
      return spec.arg_scope_fn(weight_decay=weight_decay,
                               **{decay_arg: batch_norm_decay})
  raise ValueError('Model %s has no batch norm whose decay could be set; '
                   'drop --batch_norm_decay.' % name)


def get_network_fn(name, num_classes, weight_decay=0.0, is_training=False,
                   freeze_batch_norm=False, mc_dropout=False,
                   batch_norm_decay=None):
  """Returns a network_fn such as `logits, end_points = network_fn(images)`.

  Args:
    name: the model name (see `model_names()`).
    num_classes: number of classes of the classifier; 0 or None returns the
      pooled features instead of logits (feature extraction).
    weight_decay: L2 regularization of the weights.
    is_training: builds the network in training mode.
    freeze_batch_norm: keep batch norm in inference mode (moving statistics
      used and not updated) even when `is_training` is True; for short
      fine-tuning runs.
    mc_dropout: keep dropout active even when `is_training` is False
      (Monte-Carlo dropout); batch norm stays in inference mode.
    batch_norm_decay: decay of the batch-norm moving statistics; None keeps
      the model's default (0.997-0.9997, too slow for short runs).

  Returns:
    network_fn(images, **kwargs) -> (logits, end_points), with the attributes
    `default_image_size`, `preprocessing_name` and `model_name`.

  Raises:
    ValueError: unknown model name, or batch_norm_decay for a model without
      batch norm.
  """
  spec = get_model_spec(name)
  arg_scope = _arg_scope(spec, name, weight_decay, batch_norm_decay)

  @functools.wraps(spec.builder)
  def network_fn(images, **kwargs):
    with slim.arg_scope(arg_scope):
      with net_utils.override_modes(
          batch_norm_training=False if freeze_batch_norm else None,
          dropout_training=True if mc_dropout else None):
        return spec.builder(images, num_classes, is_training=is_training,
                            **kwargs)

  network_fn.default_image_size = spec.default_image_size
  network_fn.preprocessing_name = spec.preprocessing_name
  network_fn.model_name = name
  return network_fn


def markdown_table():
  """The README's table of models: one row per registered name."""
  rows = ['| model | official checkpoint classes | preprocessing | '
          'input size |', '|---|---|---|---|']
  for name in model_names():
    spec = _MODELS[name]
    classes = spec.checkpoint_classes
    rows.append('| `%s` | %s | %s | %d |' % (
        name, {None: 'no checkpoint', 1001: '1001 (0 = background)',
               1000: '1000 (use `--labels_offset=1` on ImageNet)'}.get(
                   classes, classes), spec.preprocessing_name,
        spec.default_image_size))
  return '\n'.join(rows)


if __name__ == '__main__':
  print(markdown_table())
