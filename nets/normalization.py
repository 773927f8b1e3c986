"""The library's batch norm, a drop-in for `slim.batch_norm` on TF 1 and TF 2.

`tf_slim` 1.1.0 builds batch norm with the default `UPDATE_OPS` collection
through the legacy Keras layer `tf.layers.BatchNormalization`, which recent
TF 2 releases moved to the separate `tf_keras` package (and Keras 3 dropped;
keras-team/keras#18839). This module keeps what checkpoints and training
depend on, under both stacks:

- variable names and shapes: `<scope>/BatchNorm/{beta, gamma, moving_mean,
  moving_variance}` (gamma only with `scale=True`, beta only with
  `center=True`), model variables, moving statistics not trainable;
- numerics: `tf.nn.fused_batch_norm`, as slim uses for 2-D and 4-D inputs,
  so the moving variance averages the unbiased batch variance;
- updates: `moving = moving - (1 - decay) * (moving - batch)`, added to
  `updates_collections` (default `UPDATE_OPS`) only when `is_training` can
  be true, or run in place before the output when `updates_collections` is
  None; a tensor `is_training` picks the mode at run time.

It is decorated with `slim.add_arg_scope`, so network arg scopes configure it
exactly like `slim.batch_norm` (which is a different arg-scope key: use
`slim.arg_scope([normalization.batch_norm], ...)`).

Typical use:

  with slim.arg_scope([slim.conv2d], normalizer_fn=normalization.batch_norm), \
      slim.arg_scope([normalization.batch_norm], decay=0.997, is_training=True):
    net = slim.conv2d(images, 64, [3, 3], scope='conv1')
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim
from tf_slim.layers import utils as slim_utils

_NHWC = 'NHWC'
_NCHW = 'NCHW'


def _to_4d(inputs, data_format):
  """Returns `inputs` as a 4-D tensor fused_batch_norm accepts."""
  rank = inputs.shape.ndims
  if rank is None or rank not in (2, 4):
    raise ValueError('batch_norm needs a 2-D or 4-D input, got %s (%s).' %
                     (inputs.shape, inputs.name))
  if rank == 4:
    return inputs
  channels = inputs.shape.dims[-1].value
  if channels is None:
    raise ValueError('batch_norm needs a known channel count, got %s (%s).' %
                     (inputs.shape, inputs.name))
  new_shape = ([-1, channels, 1, 1] if data_format == _NCHW
               else [-1, 1, 1, channels])
  return tf.reshape(inputs, new_shape)


def _model_variable(name, shape, initializers, collections, trainable,
                    regularizer=None, default=tf.zeros_initializer()):
  """A float32 model variable named as slim names it, in its collections."""
  return slim.model_variable(
      name, shape=shape, dtype=tf.float32,
      initializer=initializers.get(name, default),
      regularizer=regularizer,
      collections=slim_utils.get_variable_collections(collections, name),
      trainable=trainable)


def _affine_params(params_shape, center, scale, initializers, regularizers,
                   collections, trainable):
  """Creates beta and gamma, or constants where they are disabled."""
  if center:
    beta = _model_variable('beta', params_shape, initializers, collections,
                           trainable, regularizers.get('beta'))
  else:
    beta = tf.constant(0.0, tf.float32, shape=params_shape)
  if scale:
    gamma = _model_variable('gamma', params_shape, initializers, collections,
                            trainable, regularizers.get('gamma'),
                            default=tf.ones_initializer())
  else:
    gamma = tf.constant(1.0, tf.float32, shape=params_shape)
  return beta, gamma


def _moving_stats(params_shape, initializers, collections):
  """Creates moving_mean and moving_variance, never partitioned."""
  # assign_moving_average does not support partitioned variables, and a
  # partitioned moving mean would change the checkpoint's names (as slim).
  with tf.variable_scope(tf.get_variable_scope()) as local_scope:
    local_scope.set_partitioner(None)
    moving_mean = _model_variable('moving_mean', params_shape, initializers,
                                  collections, trainable=False)
    moving_variance = _model_variable('moving_variance', params_shape,
                                      initializers, collections,
                                      trainable=False,
                                      default=tf.ones_initializer())
  return moving_mean, moving_variance


def _static_bool(is_training):
  """The Python value of `is_training`, or None when known only at run time."""
  value = tf.get_static_value(is_training)
  return None if value is None else bool(value)


def _smart_cond(is_training, true_fn, false_fn):
  """Calls one branch when the mode is static, else builds a tf.cond."""
  value = _static_bool(is_training)
  if value is None:
    return tf.cond(is_training, true_fn, false_fn)
  return true_fn() if value else false_fn()


def _assign_moving_average(variable, value, decay):
  """variable -= (1 - decay) * (variable - value), as slim's update op."""
  # Written out instead of tf.train.assign_moving_average: TF 1.15's v1 API
  # does not export it, and zero-debiasing is not used by any network here.
  with tf.name_scope(None, 'AssignMovingAvg', [variable, value]) as scope:
    delta = (variable - value) * tf.cast(1.0 - decay, variable.dtype.base_dtype)
    return tf.assign_sub(variable, delta, name=scope)


def _moving_average_updates(moving_mean, moving_variance, mean, variance,
                            decay):
  """Returns the ops moving the statistics towards the batch's."""
  return (_assign_moving_average(moving_mean, mean, decay),
          _assign_moving_average(moving_variance, variance, decay))


def _normalize_and_update(inputs, beta, gamma, moving_mean, moving_variance,
                          decay, epsilon, is_training, updates_collections,
                          data_format):
  """Normalizes `inputs` (4-D) and schedules the moving-average updates."""
  def training_pass():
    return tf.nn.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon,
                                  data_format=data_format)

  def inference_pass():
    return tf.nn.fused_batch_norm(inputs, gamma, beta, mean=moving_mean,
                                  variance=moving_variance, epsilon=epsilon,
                                  is_training=False, data_format=data_format)

  static_mode = _static_bool(is_training)
  if static_mode is not None and not static_mode:
    return inference_pass()[0]  # inference only: nothing to update
  outputs, mean, variance = _smart_cond(is_training, training_pass,
                                        inference_pass)
  if updates_collections is None:
    # In place: the output waits for the updates (slim's "forced updates").
    def forced_updates():
      updates = _moving_average_updates(moving_mean, moving_variance, mean,
                                        variance, decay)
      with tf.control_dependencies(updates):
        return tf.identity(outputs)
    return _smart_cond(is_training, forced_updates, lambda: outputs)
  update_mean, update_variance = _smart_cond(
      is_training,
      lambda: _moving_average_updates(moving_mean, moving_variance, mean,
                                      variance, decay),
      lambda: (moving_mean, moving_variance))
  tf.add_to_collections(updates_collections, update_mean)
  tf.add_to_collections(updates_collections, update_variance)
  return outputs


@slim.add_arg_scope
def batch_norm(inputs,
               decay=0.999,
               center=True,
               scale=False,
               epsilon=0.001,
               activation_fn=None,
               param_initializers=None,
               param_regularizers=None,
               updates_collections=tf.GraphKeys.UPDATE_OPS,
               is_training=True,
               reuse=None,
               variables_collections=None,
               outputs_collections=None,
               trainable=True,
               fused=None,
               data_format=_NHWC,
               scope=None):
  """Batch normalization (Ioffe & Szegedy, arXiv:1502.03167), as slim's.

  Takes slim's arguments except `batch_weights`, `renorm*`, `adjustment` and
  `zero_debias_moving_mean`, which no network here uses.

  Args:
    inputs: a 2-D [batch, channels] or 4-D tensor in `data_format`.
    decay: decay of the moving averages (slim's default 0.999).
    center: add the learned offset `beta`.
    scale: multiply by the learned `gamma`.
    epsilon: small float added to the variance.
    activation_fn: activation applied to the output, or None.
    param_initializers: optional dict from `beta`, `gamma`, `moving_mean`,
      `moving_variance` to initializers.
    param_regularizers: optional dict from `beta`, `gamma` to regularizers.
    updates_collections: collections the update ops go to (run them with the
      train op), or None to run the updates in place before the output.
    is_training: a bool, or a bool tensor chosen at run time: batch
      statistics and updates (True) or the moving statistics (False).
    reuse: reuse the variables of `scope`.
    variables_collections: optional collections (a list, or a dict keyed by
      variable name) for the variables.
    outputs_collections: collections the output is added to.
    trainable: put beta and gamma in TRAINABLE_VARIABLES.
    fused: accepted for slim compatibility; the layer is always fused.
    data_format: 'NHWC' or 'NCHW'.
    scope: variable scope (default 'BatchNorm').

  Returns:
    The normalized tensor, with the shape of `inputs`.

  Raises:
    ValueError: for a `data_format` other than NHWC/NCHW, an input rank other
      than 2 or 4, or an unknown channel count.
  """
  del fused  # fused_batch_norm is used for every supported rank
  if data_format not in (_NHWC, _NCHW):
    raise ValueError('data_format has to be NHWC or NCHW, got %r.' %
                     data_format)
  with tf.variable_scope(scope, 'BatchNorm', [inputs], reuse=reuse) as sc:
    inputs = tf.convert_to_tensor(inputs)
    original_shape = inputs.shape
    inputs_4d = _to_4d(inputs, data_format)
    params_shape = (inputs_4d.shape[-1:] if data_format == _NHWC
                    else inputs_4d.shape[1:2])
    if not params_shape.is_fully_defined():
      raise ValueError('batch_norm needs a known channel count, got %s (%s).'
                       % (inputs.shape, inputs.name))
    initializers = param_initializers or {}
    beta, gamma = _affine_params(params_shape, center, scale, initializers,
                                 param_regularizers or {},
                                 variables_collections, trainable)
    moving_mean, moving_variance = _moving_stats(params_shape, initializers,
                                                 variables_collections)
    outputs = _normalize_and_update(
        inputs_4d, beta, gamma, moving_mean, moving_variance, decay, epsilon,
        is_training, updates_collections, data_format)
    if original_shape.ndims == 2:
      outputs = tf.reshape(outputs, tf.shape(inputs))
      outputs.set_shape(original_shape)
    if activation_fn is not None:
      outputs = activation_fn(outputs)
    return slim_utils.collect_named_outputs(outputs_collections, sc.name,
                                            outputs)
