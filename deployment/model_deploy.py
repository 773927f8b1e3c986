"""Model clones on several devices, with variables and gradients in one place.

A *clone* is one copy of the model on one device (a GPU, or the CPU with
`clone_on_cpu`), all sharing the same variables. Each clone gets its own batch
of `batch_size` examples, so the global batch per step is
`batch_size * num_clones * num_replicas` (replicas = workers in distributed
training). Gradients are summed over clones after each clone's loss was
divided by `num_clones`, i.e. they are averaged.

Typical use:

  config = model_deploy.DeploymentConfig(num_clones=2, clone_on_cpu=True)
  with tf.device(config.variables_device()):
    global_step = tf.train.get_or_create_global_step()
  clones = model_deploy.create_clones(config, model_fn, [batch_queue])
  total_loss, grads_and_vars = model_deploy.optimize_clones(clones, optimizer)
"""
import collections

import tensorflow.compat.v1 as tf

Clone = collections.namedtuple('Clone', [
    'outputs',  # What model_fn returned.
    'scope',    # The name scope the clone was built in ('clone_1/' or '').
    'device',   # The device string the clone ran on.
])


# Ops that hold variable state; they go to the variables device.
_VARIABLE_OPS = frozenset(['Variable', 'VariableV2', 'VarHandleOp',
                           'AutoReloadVariable'])


class _RoundRobin(object):
  """Assigns variables to ps tasks in turn (shared by all device setters)."""

  def __init__(self, num_tasks):
    self._num_tasks = num_tasks
    self._next = 0

  def __call__(self, unused_op):
    task = self._next
    self._next = (self._next + 1) % self._num_tasks
    return task


class DeploymentConfig(object):
  """Where clones, variables, inputs and the optimizer live.

  Device strings include the job and task, so that in distributed training
  each worker places its clones on its own devices.
  """

  def __init__(self, num_clones=1, clone_on_cpu=False, replica_id=0,
               num_replicas=1, num_ps_tasks=0, worker_job_name='worker',
               ps_job_name='ps'):
    """Creates a DeploymentConfig.

    Args:
      num_clones: number of model clones on this machine.
      clone_on_cpu: put every clone on the CPU (for machines without GPUs).
      replica_id: the task index of this worker.
      num_replicas: number of workers.
      num_ps_tasks: number of parameter-server tasks (0: variables local).
      worker_job_name: the job name of the workers in the cluster spec.
      ps_job_name: the job name of the parameter servers.

    Raises:
      ValueError: inconsistent arguments.
    """
    if num_clones < 1:
      raise ValueError('--num_clones must be at least 1, got %d.' % num_clones)
    if num_replicas > 1 and num_ps_tasks < 1:
      raise ValueError('Distributed training with %d worker replicas needs '
                       '--num_ps_tasks >= 1.' % num_replicas)
    self.num_clones = num_clones
    self.clone_on_cpu = clone_on_cpu
    self.replica_id = replica_id
    self.num_replicas = num_replicas
    self.num_ps_tasks = num_ps_tasks
    self._ps_device = '/job:' + ps_job_name if num_ps_tasks > 0 else ''
    self._worker_device = ('/job:%s/task:%d' % (worker_job_name, replica_id)
                           if num_ps_tasks > 0 else '')
    # One round-robin over the ps tasks for every variable of the graph.
    self._ps_strategy = _RoundRobin(num_ps_tasks) if num_ps_tasks else None

  def clone_device(self, clone_index):
    """Device of clone `clone_index`."""
    if clone_index >= self.num_clones:
      raise ValueError('clone_index %d >= num_clones %d' %
                       (clone_index, self.num_clones))
    if self.clone_on_cpu:
      return self._worker_device + '/device:CPU:0'
    if self.num_clones == 1:
      return self._worker_device
    return self._worker_device + '/device:GPU:%d' % clone_index

  def clone_scope(self, clone_index):
    """Name scope of clone `clone_index` ('' when there is a single clone)."""
    return 'clone_%d' % clone_index if self.num_clones > 1 else ''

  def variables_device(self):
    """Device (or device function) for the variables."""
    device = self._worker_device + '/device:CPU:0'
    if self.num_ps_tasks == 0:
      return device
    return tf.train.replica_device_setter(
        ps_tasks=self.num_ps_tasks, ps_device=self._ps_device,
        worker_device=device, ps_strategy=self._ps_strategy)

  def clone_device_fn(self, clone_index):
    """The device function of clone `clone_index`.

    Its variables go where `variables_device` puts them (the CPU, or the ps
    tasks), its other ops on the clone's device. A plain
    `tf.device(clone_device)` nested in `tf.device(variables_device)` would
    put the variables on the clone's device (the inner device wins), and in
    distributed training on the worker instead of the ps (PITFALLS 14).

    Args:
      clone_index: the clone.

    Returns:
      A device function for `tf.device`.
    """
    clone = self.clone_device(clone_index)
    if self.num_ps_tasks > 0:
      return tf.train.replica_device_setter(
          ps_tasks=self.num_ps_tasks, ps_device=self._ps_device,
          worker_device=clone, ps_strategy=self._ps_strategy)
    variables = self.variables_device()

    def device_fn(op):
      if op.device:  # An explicit device inside the clone wins.
        return op.device
      return variables if op.type in _VARIABLE_OPS else clone

    return device_fn

  def inputs_device(self):
    """Device for the input pipeline."""
    return self._worker_device + '/device:CPU:0'

  def optimizer_device(self):
    """Device for the optimizer ops."""
    return self._worker_device + '/device:CPU:0'


def create_clones(config, model_fn, args=None, kwargs=None):
  """Builds `model_fn(*args, **kwargs)` once per clone, sharing variables.

  Each model_fn call must add its losses to tf.GraphKeys.LOSSES (e.g. through
  tf.losses.*) so that `optimize_clones` can find them by the clone's scope.

  Args:
    config: a DeploymentConfig.
    model_fn: builds the model of one clone.
    args: positional arguments of model_fn.
    kwargs: keyword arguments of model_fn.

  Returns:
    A list of Clone tuples.
  """
  args = args or []
  kwargs = kwargs or {}
  clones = []
  for i in range(config.num_clones):
    reuse = True if i > 0 else None
    with tf.name_scope(config.clone_scope(i)) as clone_scope:
      with tf.device(config.clone_device_fn(i)):
        with tf.variable_scope(tf.get_variable_scope(), reuse=reuse):
          outputs = model_fn(*args, **kwargs)
      clones.append(Clone(outputs, clone_scope, config.clone_device(i)))
  return clones


def _clone_loss(clone, num_clones, regularization_losses):
  """The loss of one clone, scaled by 1/num_clones, plus regularization."""
  losses = tf.get_collection(tf.GraphKeys.LOSSES, clone.scope)
  if not losses:
    raise ValueError('The model_fn of clone %r added no loss to '
                     'tf.GraphKeys.LOSSES.' % clone.scope)
  clone_loss = tf.add_n(losses, name='clone_loss')
  if num_clones > 1:
    clone_loss = tf.div(clone_loss, 1.0 * num_clones, name='scaled_clone_loss')
  tf.summary.scalar('/'.join(filter(None, ['Losses', clone.scope,
                                           'clone_loss'])), clone_loss)
  if regularization_losses:
    regularization_loss = tf.add_n(regularization_losses,
                                   name='regularization_loss')
    tf.summary.scalar('Losses/regularization_loss', regularization_loss)
    clone_loss = tf.add(clone_loss, regularization_loss)
  return clone_loss


def optimize_clones(clones, optimizer, var_list=None, **kwargs):
  """Computes each clone's gradients and their sum over clones.

  Regularization losses are added to the first clone only, so they count
  once per step.

  Args:
    clones: Clone tuples from `create_clones`.
    optimizer: a tf.train.Optimizer.
    var_list: the variables to optimize (default: trainable variables).
    **kwargs: passed to optimizer.compute_gradients.

  Returns:
    (total_loss, grads_and_vars): the summed clone losses and the summed
    gradients, ready for optimizer.apply_gradients.
  """
  regularization_losses = tf.get_collection(
      tf.GraphKeys.REGULARIZATION_LOSSES)
  clone_losses = []
  grads_per_clone = []
  for i, clone in enumerate(clones):
    with tf.name_scope(clone.scope):
      with tf.device(clone.device):
        clone_loss = _clone_loss(clone, len(clones),
                                 regularization_losses if i == 0 else None)
        clone_losses.append(clone_loss)
        grads_per_clone.append(optimizer.compute_gradients(
            clone_loss, var_list=var_list, **kwargs))
  total_loss = tf.add_n(clone_losses, name='sum_of_clone_losses')
  return total_loss, _sum_clone_gradients(grads_per_clone)


def _sum_clone_gradients(grads_per_clone):
  """Sums the gradient of each variable over clones."""
  summed = []
  for grads_and_vars in zip(*grads_per_clone):
    var = grads_and_vars[0][1]
    grads = [g for g, _ in grads_and_vars if g is not None]
    if not grads:
      continue
    grad = grads[0] if len(grads) == 1 else tf.add_n(grads)
    summed.append((grad, var))
  return summed
