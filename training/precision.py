"""Mixed precision for training: bfloat16 compute on float32 variables.

`--precision=bfloat16` of train_image_classifier.py builds each clone's
network with bfloat16 activations and weights while the variables, the
optimizer's updates, batch-norm statistics and the loss stay float32:

- `variable_scope_getter` is a variable-scope custom getter: a layer that asks
  for a bfloat16 variable (slim's layers ask for the dtype of their input)
  gets a float32 variable, under its usual name, and computes with a
  bfloat16 cast of it. The gradient flows back through the cast into the
  float32 variable, so checkpoints are the same as those of float32 runs and
  restore into either.
- `mixed_precision_scope` casts the images to bfloat16 for the network and
  the floating outputs (logits, `end_points`) back to float32, so the
  softmax cross entropy, the summaries and the total loss are float32.
- Batch norm (`nets.normalization.batch_norm`) creates its variables as
  float32 explicitly, so the getter leaves them float32;
  `tf.nn.fused_batch_norm` takes bfloat16 input with float32 scale, offset and
  statistics and returns float32 batch statistics (FusedBatchNormV3 has a
  bfloat16/float32 CPU kernel in TF 2.x, so no cast around it is needed).
- Weight regularization: TF's legacy layers (behind slim's conv2d and
  fully_connected) apply their regularizer to what the getter returned, the
  bfloat16 cast, so those L2 losses come out bfloat16; the scope casts them to
  float32 (the gradient into the variable is the same weight decay, rounded
  to bfloat16). A layer reusing existing variables (a second clone) would add
  its regularizer a second time, since the cast is a new tensor, not a known
  variable: the scope drops those duplicates, as float32 graphs never add
  them.

Only the training clones change: the validation tower during training,
eval_image_classifier.py and exported graphs compute in float32 from the same
float32 checkpoint.

Supported on TF 2.x only (`tfcompat.IS_TF2`); see `check_precision`. Ops
without a bfloat16 kernel on this machine (cifarnet's LRN on TF 2.21) fail
while the graph is built, in one line.

Typical use (inside a clone function):

  with precision.mixed_precision_scope('bfloat16') as mp:
    logits, end_points = network_fn(mp.cast_inputs(images))
    logits, end_points = mp.cast_outputs(logits, end_points)
"""
import contextlib

import tensorflow.compat.v1 as tf

import tfcompat
from training import runtime

FLOAT32 = 'float32'
BFLOAT16 = 'bfloat16'
PRECISIONS = (FLOAT32, BFLOAT16)
PRECISION_HELP = (
    'Training arithmetic: float32, or bfloat16 = mixed precision (bfloat16 '
    'activations and weights in the network, float32 variables, batch-norm '
    'statistics and loss; checkpoints are float32 either way). bfloat16 '
    'needs the TF 2 stack (`make setup-tf2`); whether it is faster depends '
    'on the hardware\'s bfloat16 support (README, Performance).')


def check_precision(precision, is_tf2=None):
  """Fails early, in one line, when `precision` cannot run here.

  Args:
    precision: the --precision value.
    is_tf2: whether TensorFlow 2.x runs (default: `tfcompat.IS_TF2`).

  Raises:
    runtime.UserError: unknown precision, or bfloat16 on TensorFlow 1.15.
  """
  if precision not in PRECISIONS:
    raise runtime.UserError('--precision must be one of %s, got %r.' %
                            (', '.join(PRECISIONS), precision))
  if is_tf2 is None:
    is_tf2 = tfcompat.IS_TF2
  if precision == BFLOAT16 and not is_tf2:
    raise runtime.UserError(
        '--precision=bfloat16 needs the TF 2 stack (TensorFlow 2.x in graph '
        'mode; run `make setup-tf2` and use .venv-tf2); TensorFlow %s runs '
        'float32 only.' % tf.VERSION)


def variable_scope_getter(getter, name, *args, **kwargs):
  """A custom getter: float32 storage, bfloat16 compute.

  A request for a bfloat16 variable creates (or reuses) a float32 variable of
  the same name and returns a bfloat16 cast of it; any other request is
  passed through unchanged.

  Args:
    getter: the underlying getter (tf.get_variable's).
    name: variable name.
    *args: passed on to `getter`.
    **kwargs: passed on to `getter`; `dtype` is read and replaced.

  Returns:
    The variable, or a bfloat16 tensor cast from the float32 variable.
  """
  dtype = tf.as_dtype(kwargs.get('dtype') or tf.float32)
  if dtype.base_dtype != tf.bfloat16:
    return getter(name, *args, **kwargs)
  kwargs['dtype'] = tf.float32
  variable = getter(name, *args, **kwargs)
  return tf.cast(variable, tf.bfloat16, name=_op_name(variable) + '/bfloat16')


def _op_name(variable):
  """The last path component of a variable's op name, e.g. 'weights'."""
  return variable.op.name.split('/')[-1]


class _MixedPrecision(object):
  """Casts at the network's boundary; see `mixed_precision_scope`."""

  def __init__(self, compute_dtype):
    self.compute_dtype = compute_dtype

  def cast_inputs(self, images):
    """`images` in the compute dtype."""
    if images.dtype == self.compute_dtype:
      return images
    return tf.cast(images, self.compute_dtype, name='compute_images')

  def cast_outputs(self, logits, end_points):
    """`logits` and every floating end point in float32.

    Args:
      logits: the network's logits (or features).
      end_points: dict from end-point name to tensor.

    Returns:
      (logits, end_points) with floating tensors cast to float32; other
      values are kept as they are.
    """
    return _to_float32(logits), {k: _to_float32(v)
                                 for k, v in end_points.items()}


def _check_kernels(ops):
  """Fails at graph construction when an op has no bfloat16 kernel here.

  Otherwise the session would fail at its first step with a long
  "No OpKernel was registered" traceback. TF 2.21's CPU kernels cover
  convolutions, matmuls, pooling, ReLU, fused batch norm and their gradients
  in bfloat16, but not LRN (cifarnet's tf.nn.lrn: float32 and float16 only).

  Args:
    ops: the operations the network added.

  Raises:
    runtime.UserError: names the first op (and op type) without a bfloat16
      kernel on any local device type.
  """
  # pylint: disable=g-import-not-at-top,g-direct-tensorflow-import
  from tensorflow.python.framework import kernels
  device_types = {d.device_type for d in tf.config.list_physical_devices()}
  checked = {}
  for op in ops:
    bf16_attrs = frozenset(
        attr.name for attr in op.op_def.attr
        if attr.type == 'type' and op.get_attr(attr.name) == tf.bfloat16)
    if not bf16_attrs:
      continue
    key = (op.type, bf16_attrs)
    if key not in checked:
      checked[key] = any(
          kernel.device_type in device_types and all(
              tf.bfloat16.as_datatype_enum in c.allowed_values.list.type
              for c in kernel.constraint if c.name in bf16_attrs)
          for kernel in kernels.get_registered_kernels_for_op(op.type).kernel)
    if not checked[key]:
      raise runtime.UserError(
          '--precision=bfloat16: op %s (%s) has no bfloat16 kernel on %s in '
          'TensorFlow %s; train this model with --precision=float32.' % (
              op.name, op.type, '/'.join(sorted(device_types)), tf.VERSION))


def _to_float32(value):
  if (isinstance(value, tf.Tensor) and value.dtype.is_floating and
      value.dtype.base_dtype != tf.float32):
    return tf.cast(value, tf.float32)
  return value


def _casts_reached(loss, casts):
  """The variable casts among the inputs (transitively) of `loss`."""
  found, seen, stack = set(), set(), [loss.op]
  while stack:
    op = stack.pop()
    if op in seen:
      continue
    seen.add(op)
    for tensor in op.inputs:
      if tensor in casts:
        found.add(tensor)
      else:
        stack.append(tensor.op)
  return found


@contextlib.contextmanager
def mixed_precision_scope(precision):
  """Builds the network inside in `precision` (float32: no change).

  With bfloat16, variables requested as bfloat16 in this scope are float32
  variables read through a bfloat16 cast (`variable_scope_getter`), and on
  exit the bfloat16 regularization losses the scope's layers added become
  float32 (duplicates from reused variables are dropped), and every bfloat16
  op it added must have a bfloat16 kernel on a local device type. The
  variable scope keeps its name, reuse and other settings.

  Args:
    precision: 'float32' or 'bfloat16'.

  Yields:
    An object with `cast_inputs(images)` and `cast_outputs(logits,
    end_points)` (identities in float32), and `compute_dtype`.

  Raises:
    runtime.UserError: unknown precision, bfloat16 on TF 1.15, or an op
      without a bfloat16 kernel (e.g. cifarnet's LRN).
  """
  check_precision(precision)
  if precision == FLOAT32:
    yield _MixedPrecision(tf.float32)
    return
  graph = tf.get_default_graph()
  losses = graph.get_collection_ref(tf.GraphKeys.REGULARIZATION_LOSSES)
  num_losses_before = len(losses)
  num_ops_before = len(graph.get_operations())
  casts = {}  # bfloat16 cast -> whether its variable was new

  def getter(next_getter, name, *args, **kwargs):
    num_variables = len(tf.global_variables())
    value = variable_scope_getter(next_getter, name, *args, **kwargs)
    if isinstance(value, tf.Tensor) and value.dtype == tf.bfloat16:
      casts[value] = len(tf.global_variables()) > num_variables
    return value

  # An enclosing scope's custom getter stays in force (TF chains them).
  with tf.variable_scope(tf.get_variable_scope(), custom_getter=getter,
                         auxiliary_name_scope=False):
    yield _MixedPrecision(tf.bfloat16)
  _check_kernels(graph.get_operations()[num_ops_before:])
  kept = []
  for loss in losses[num_losses_before:]:
    if loss.dtype.base_dtype == tf.float32:
      kept.append(loss)
      continue
    reached = _casts_reached(loss, casts)
    if reached and not any(casts[c] for c in reached):
      continue  # a reused variable's regularizer, already counted
    kept.append(tf.cast(loss, tf.float32))
  losses[num_losses_before:] = kept
