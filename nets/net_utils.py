"""Helpers shared by every network family.

`mode_scope` is how network bodies set the train/eval mode of batch norm and
dropout. Bodies never pass `is_training=` to `slim.dropout` or
`normalization.batch_norm` themselves; they open `mode_scope(is_training)`,
which an enclosing `override_modes` can override. That keeps "stochastic at
test time" (MC dropout: dropout on, batch norm in inference mode) and "frozen
batch norm while fine-tuning" separate from "training mode", for every family
at once.

Typical use inside a network body:

  with net_utils.mode_scope(is_training):
    net = slim.conv2d(...)          # batch norm via normalizer_fn
    net = slim.dropout(net, keep_prob, scope='Dropout')
"""
import contextlib
import threading

import tf_slim as slim

from nets import normalization

_OVERRIDES = threading.local()


def _override_stack():
  if not hasattr(_OVERRIDES, 'stack'):
    _OVERRIDES.stack = []
  return _OVERRIDES.stack


@contextlib.contextmanager
def override_modes(batch_norm_training=None, dropout_training=None):
  """Forces the mode of batch norm and/or dropout in nets built inside.

  Args:
    batch_norm_training: None (leave to the network's `is_training`) or a bool:
      False freezes batch-norm statistics (inference mode) even when training.
    dropout_training: None or a bool: True keeps dropout active at eval time
      (MC dropout).

  Yields:
    Nothing; the overrides hold for the `with` block.
  """
  stack = _override_stack()
  stack.append((batch_norm_training, dropout_training))
  try:
    yield
  finally:
    stack.pop()


def resolved_modes(is_training):
  """Returns (batch_norm_training, dropout_training) after any overrides."""
  batch_norm_training = is_training
  dropout_training = is_training
  for bn_override, dropout_override in _override_stack():
    if bn_override is not None:
      batch_norm_training = bn_override
    if dropout_override is not None:
      dropout_training = dropout_override
  return batch_norm_training, dropout_training


@contextlib.contextmanager
def mode_scope(is_training):
  """arg_scope setting `is_training` of batch norm and dropout.

  Args:
    is_training: whether the network is built for training.

  Yields:
    The arg_scope (already entered).
  """
  batch_norm_training, dropout_training = resolved_modes(is_training)
  with slim.arg_scope([normalization.batch_norm],
                      is_training=batch_norm_training):
    with slim.arg_scope([slim.dropout],
                        is_training=dropout_training) as scope:
      yield scope
