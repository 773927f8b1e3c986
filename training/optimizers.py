"""Learning-rate schedules and optimizers, looked up by name.

The epoch-based schedules count epochs in *global* batches:
`steps_per_epoch = num_samples / (batch_size * num_clones * num_replicas)`.
TF-Slim divided by the per-clone batch only, so with N clones its learning rate
decayed N times later (in epochs) than the flags said; pass
`per_clone_decay_steps=True` to reproduce that behaviour.

Typical use:

  lr = optimizers.learning_rate(params, num_samples_per_epoch=50000,
                                global_batch_size=128, global_step=step)
  opt = optimizers.optimizer(params, lr)
"""
from absl import logging
import tensorflow.compat.v1 as tf


def decay_steps(num_samples_per_epoch, global_batch_size, num_epochs_per_decay):
  """Number of steps between two decays of the learning rate.

  Args:
    num_samples_per_epoch: examples in the training split.
    global_batch_size: examples per step over all clones and replicas.
    num_epochs_per_decay: epochs between decays.

  Returns:
    An int >= 1.
  """
  steps_per_epoch = num_samples_per_epoch / float(global_batch_size)
  return max(1, int(steps_per_epoch * num_epochs_per_decay))


def _fixed(params, global_step, steps):
  del global_step, steps
  return tf.constant(params['learning_rate'], name='fixed_learning_rate')


def _exponential(params, global_step, steps):
  return tf.train.exponential_decay(
      params['learning_rate'], global_step, steps,
      params['learning_rate_decay_factor'], staircase=True,
      name='exponential_decay_learning_rate')


def _polynomial(params, global_step, steps):
  return tf.train.polynomial_decay(
      params['learning_rate'], global_step, steps,
      params['end_learning_rate'], power=1.0, cycle=False,
      name='polynomial_decay_learning_rate')


_SCHEDULES = {
    'fixed': _fixed,
    'exponential': _exponential,
    'polynomial': _polynomial,
}


def learning_rate(params, num_samples_per_epoch, global_batch_size,
                  global_step):
  """Builds the learning-rate tensor.

  Args:
    params: dict of flag values: learning_rate, learning_rate_decay_type,
      learning_rate_decay_factor, end_learning_rate, num_epochs_per_decay,
      warmup_epochs.
    num_samples_per_epoch: examples in the training split.
    global_batch_size: examples per step over all clones and replicas.
    global_step: the global step tensor.

  Returns:
    A float32 scalar tensor.

  Raises:
    ValueError: unknown learning_rate_decay_type.
  """
  name = params['learning_rate_decay_type']
  if name not in _SCHEDULES:
    raise ValueError('Unknown --learning_rate_decay_type=%r; choose one of %s.'
                     % (name, ', '.join(sorted(_SCHEDULES))))
  steps = decay_steps(num_samples_per_epoch, global_batch_size,
                      params['num_epochs_per_decay'])
  lr = _SCHEDULES[name](params, global_step, steps)
  warmup_epochs = params.get('warmup_epochs') or 0.0
  if warmup_epochs > 0:
    warmup_steps = max(1, int(warmup_epochs * num_samples_per_epoch /
                              float(global_batch_size)))
    step = tf.cast(global_step, tf.float32)
    warmup = params['learning_rate'] * (step + 1.0) / warmup_steps
    lr = tf.where(step < warmup_steps, warmup, lr, name='warmup_learning_rate')
  return lr


def _adadelta(p, lr):
  return tf.train.AdadeltaOptimizer(lr, rho=p['adadelta_rho'],
                                    epsilon=p['opt_epsilon'])


def _adagrad(p, lr):
  return tf.train.AdagradOptimizer(
      lr, initial_accumulator_value=p['adagrad_initial_accumulator_value'])


def _adam(p, lr):
  if p['opt_epsilon'] >= 0.1:
    logging.warning('--opt_epsilon=%g (TF-Slim\'s default, tuned for '
                    'RMSProp) makes Adam take tiny steps; Adam usually wants '
                    '--opt_epsilon=1e-8.', p['opt_epsilon'])
  return tf.train.AdamOptimizer(lr, beta1=p['adam_beta1'],
                                beta2=p['adam_beta2'],
                                epsilon=p['opt_epsilon'])


def _ftrl(p, lr):
  return tf.train.FtrlOptimizer(
      lr, learning_rate_power=p['ftrl_learning_rate_power'],
      initial_accumulator_value=p['ftrl_initial_accumulator_value'],
      l1_regularization_strength=p['ftrl_l1'],
      l2_regularization_strength=p['ftrl_l2'])


def _momentum(p, lr):
  return tf.train.MomentumOptimizer(lr, momentum=p['momentum'],
                                    name='Momentum')


def _rmsprop(p, lr):
  return tf.train.RMSPropOptimizer(lr, decay=p['rmsprop_decay'],
                                   momentum=p['rmsprop_momentum'],
                                   epsilon=p['opt_epsilon'])


def _sgd(p, lr):
  del p
  return tf.train.GradientDescentOptimizer(lr)


_OPTIMIZERS = {
    'adadelta': _adadelta,
    'adagrad': _adagrad,
    'adam': _adam,
    'ftrl': _ftrl,
    'momentum': _momentum,
    'rmsprop': _rmsprop,
    'sgd': _sgd,
}


def optimizer_names():
  """The names accepted by `optimizer`."""
  return sorted(_OPTIMIZERS)


def optimizer(params, lr):
  """Builds the optimizer named by params['optimizer'].

  Args:
    params: dict of flag values (the optimizer's hyper-parameters).
    lr: the learning-rate tensor.

  Returns:
    A tf.train.Optimizer.

  Raises:
    ValueError: unknown optimizer name.
  """
  name = params['optimizer']
  if name not in _OPTIMIZERS:
    raise ValueError('Unknown --optimizer=%r; choose one of %s.' %
                     (name, ', '.join(optimizer_names())))
  return _OPTIMIZERS[name](params, lr)
