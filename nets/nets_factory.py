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

import tf_slim as slim

from nets import cifarnet
from nets import lenet
from nets import net_utils

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
    # -- inception_v1..v4, inception_resnet_v2 --
    # -- mobilenet_v1, mobilenet_v2 --
}


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


def get_network_fn(name, num_classes, weight_decay=0.0, is_training=False,
                   freeze_batch_norm=False, mc_dropout=False):
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

  Returns:
    network_fn(images, **kwargs) -> (logits, end_points), with the attributes
    `default_image_size`, `preprocessing_name` and `model_name`.

  Raises:
    ValueError: unknown model name.
  """
  spec = get_model_spec(name)

  @functools.wraps(spec.builder)
  def network_fn(images, **kwargs):
    arg_scope = spec.arg_scope_fn(weight_decay=weight_decay)
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
