"""The training loop behind train_image_classifier.py.

`train(params)` takes the binary's resolved flag values (a dict) and:
builds the tf.data pipeline and the model clones, the loss (softmax cross
entropy with label smoothing, AuxLogits weighted 0.4, regularization), the
learning rate and optimizer, a train op that depends on every batch-norm
update op, optional moving averages and validation, then runs a
MonitoredTrainingSession that resumes from `train_dir`, restores a pretrained
checkpoint otherwise, and saves checkpoints and summaries on their intervals.

Batch size is per clone: the global batch per step is
`batch_size * num_clones * worker_replicas`, and epoch-based schedules use it.

Distributed training (`deployment/cluster.py`): a ps task only serves the
variables; workers place the variables on the ps tasks, and worker task 0 (the
chief) alone initialises or restores the model and writes checkpoints,
summaries and flags.json.

With `nan_check` (on by default, like TF-Slim's `create_train_op`, which
checks the total loss with tf.check_numerics) a step whose loss or gradients
are NaN or Inf is not applied: training stops with an error naming the
global step, so the last checkpoint keeps finite weights.
"""
import os
import re
import time

from absl import logging
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from datasets import input_pipeline
from deployment import cluster
from deployment import model_deploy
from training import model_setup
from training import optimizers
from training import precision
from training import restore
from training import runtime
from training import validation

AUX_LOGITS_WEIGHT = 0.4
FLAGS_FILE = 'flags.json'
NAN_MESSAGE = 'Non-finite loss or gradient at global step'
_NAN_STEP_RE = re.compile(re.escape(NAN_MESSAGE) + r'\]\s*\[(\d+)\]')


def global_batch_size(params):
  """Examples per step over all clones and worker replicas."""
  return (params['batch_size'] * params['num_clones'] *
          max(1, params['worker_replicas']))


def _add_losses(logits, end_points, labels, num_classes, label_smoothing):
  """Adds the classification losses of one clone to tf.GraphKeys.LOSSES."""
  onehot = tf.one_hot(labels, num_classes)
  if 'AuxLogits' in end_points:
    tf.losses.softmax_cross_entropy(
        onehot, end_points['AuxLogits'], label_smoothing=label_smoothing,
        weights=AUX_LOGITS_WEIGHT, scope='aux_loss')
  tf.losses.softmax_cross_entropy(onehot, logits,
                                  label_smoothing=label_smoothing)


def _quantize_training_graph(quantize_delay):
  """Rewrites the graph for quantization-aware training (needs tf.contrib)."""
  runtime.contrib_quantize().create_training_graph(quant_delay=quantize_delay)


def _moving_averages(params, global_step):
  """The ExponentialMovingAverage of the model variables, or None."""
  if not params['moving_average_decay']:
    return None, None
  ema = tf.train.ExponentialMovingAverage(params['moving_average_decay'],
                                          global_step)
  return ema, tf.model_variables()


def _summaries(end_points, learning_rate, total_loss):
  """Adds the TensorBoard summaries users rely on."""
  for name, tensor in end_points.items():
    if tensor.dtype.is_floating:
      tf.summary.histogram('activations/' + name, tensor)
      tf.summary.scalar('sparsity/' + name, tf.nn.zero_fraction(tensor))
  for loss in tf.get_collection(tf.GraphKeys.LOSSES):
    tf.summary.scalar('losses/%s' % loss.op.name, loss)
  tf.summary.scalar('total_loss', total_loss)
  tf.summary.scalar('learning_rate', learning_rate)
  for var in tf.model_variables():
    tf.summary.histogram(var.op.name, var)


class LoggingHook(tf.train.SessionRunHook):
  """Logs step, loss, learning rate and images/sec every N steps."""

  def __init__(self, loss, learning_rate, every_n_steps, images_per_step):
    self._fetches = {'loss': loss, 'lr': learning_rate}
    self._every_n_steps = max(1, every_n_steps)
    self._images_per_step = images_per_step
    self._last = None
    self.last_step = None  # Of the latest run.
    self.final_step = None  # Read when the session ends cleanly.

  def begin(self):
    self._fetches['step'] = tf.train.get_global_step()

  def before_run(self, run_context):
    return tf.train.SessionRunArgs(self._fetches)

  def end(self, session):
    self.final_step = int(session.run(self._fetches['step']))

  def after_run(self, run_context, run_values):
    """Logs loss, learning rate and images/sec every n-th global step."""
    step = run_values.results['step'] + 1
    self.last_step = step
    now = time.time()
    if self._last is None:
      self._last = (step, now)
    if step % self._every_n_steps:
      return
    last_step, last_time = self._last
    rate = ((step - last_step) * self._images_per_step /
            max(now - last_time, 1e-9))
    self._last = (step, now)
    logging.info('step %d: loss = %.4f, learning_rate = %.6g, %.1f images/sec',
                 step, run_values.results['loss'], run_values.results['lr'],
                 rate)


def _init_fn(params, variables):
  """The fine-tuning restore, or None; fails before training if it is wrong."""
  if not params['checkpoint_path'] or params['task'] != 0:
    return None  # Only the chief initialises (PITFALLS 14).
  existing = tf.train.latest_checkpoint(params['train_dir'])
  if existing:
    logging.info('Ignoring --checkpoint_path: %s already holds checkpoint %s; '
                 'resuming from it.', params['train_dir'], existing)
    return None
  plan = restore.plan_restore(
      params['checkpoint_path'], variables,
      exclude_scopes=params['checkpoint_exclude_scopes'],
      ignore_missing_vars=params['ignore_missing_vars'])
  saver = tf.train.Saver(plan.var_list)

  def init_fn(unused_scaffold, session):
    logging.info('Fine-tuning from %s.', plan.checkpoint)
    saver.restore(session, plan.checkpoint)

  return init_fn


def _validation_hook(params, setup_args):
  """Builds the inference-mode validation tower and its hook, or None."""
  if not params['validation_every_n_steps'] or params['task'] != 0:
    return None
  split = params['validation_split_name']
  if not split:
    raise ValueError('--validation_every_n_steps needs '
                     '--validation_split_name (e.g. validation or test).')
  dataset = dataset_factory.get_dataset(
      params['dataset_name'], split,
      params['validation_dataset_dir'] or params['dataset_dir'])
  setup = model_setup.resolve(dataset=dataset, is_training=False, **setup_args)
  batch_size = params['validation_batch_size']
  with tf.device('/device:CPU:0'):
    iterator = tf.data.make_initializable_iterator(model_setup.eval_dataset(
        setup, dataset, batch_size, params['num_preprocessing_threads']))
    batch = iterator.get_next()
  with tf.name_scope('validation'), runtime.xla_scope(params.get('xla', False)):
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
      logits, _ = setup.network_fn(batch['image'])
  return validation.ValidationHook(
      iterator, logits, batch['label'], dataset.num_samples, batch_size,
      setup.num_classes, params['validation_every_n_steps'],
      params['train_dir'])


def _write_run_record(params, setup, dataset, uses_ema):
  """Writes train_dir/flags.json: resolved flags, data, model, versions."""
  if params['task'] != 0:
    return
  record = {
      'flags': params,
      'resolved': {
          'preprocessing_name': setup.preprocessing_name,
          'image_size': setup.image_size,
          'num_classes': setup.num_classes,
          'dataset_num_samples': dataset.num_samples,
          'global_batch_size': global_batch_size(params),
          'moving_average_decay': params['moving_average_decay'],
          'uses_moving_averages': uses_ema,
      },
      'environment': runtime.environment_info(),
  }
  runtime.write_json(os.path.join(params['train_dir'], FLAGS_FILE), record)


def _finite_check(total_loss, grads_and_vars, global_step):
  """Gates the gradients on the loss and every gradient being finite.

  Args:
    total_loss: the loss of the step.
    grads_and_vars: list of (gradient, variable).
    global_step: the global step variable (named in the error).

  Returns:
    grads_and_vars whose gradients are only computed once the check passed,
    so a non-finite step fails before any variable is updated.
  """
  finite = [tf.reduce_all(tf.is_finite(total_loss))]
  finite += [tf.reduce_all(tf.is_finite(g)) for g, _ in grads_and_vars
             if not isinstance(g, tf.IndexedSlices)]
  check = tf.debugging.Assert(
      tf.reduce_all(tf.stack(finite)),
      [NAN_MESSAGE, global_step, 'loss', total_loss], name='nan_check')
  with tf.control_dependencies([check]):
    return [(tf.identity(g) if not isinstance(g, tf.IndexedSlices) else g, v)
            for g, v in grads_and_vars]


def build_train_op(params, setup, iterator, deploy_config, global_step):
  """Clones, losses, optimizer and the train op (with BN update ops).

  Returns:
    (train_op, total_loss, learning_rate, optimizer, end_points of clone 0,
    the SyncReplicasOptimizer's hooks).
  """
  def clone_fn():
    batch = iterator.get_next()
    with runtime.xla_scope(params.get('xla', False)):
      with precision.mixed_precision_scope(
          params.get('precision', precision.FLOAT32)) as mixed:
        logits, end_points = setup.network_fn(
            mixed.cast_inputs(batch['image']))
      logits, end_points = mixed.cast_outputs(logits, end_points)  # f32 loss
      _add_losses(logits, end_points, batch['label'], setup.num_classes,
                  params['label_smoothing'])
    return end_points

  clones = model_deploy.create_clones(deploy_config, clone_fn)
  # Every clone's batch-norm statistics updates (PITFALLS 1): collected now,
  # before any inference-mode tower is added to the graph.
  update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
  if params['quantize_delay'] >= 0:
    _quantize_training_graph(params['quantize_delay'])

  ema, ema_vars = _moving_averages(params, global_step)
  if ema is not None:
    update_ops.append(ema.apply(ema_vars))
  with tf.device(deploy_config.optimizer_device()):
    learning_rate = optimizers.learning_rate(
        params, params['dataset_num_samples'], global_batch_size(params),
        global_step)
    optimizer = optimizers.optimizer(params, learning_rate)
  if params['sync_replicas']:
    optimizer = tf.train.SyncReplicasOptimizer(
        optimizer, replicas_to_aggregate=params['replicas_to_aggregate'],
        total_num_replicas=params['worker_replicas'])
  var_list = restore.variables_to_train(params['trainable_scopes'])
  total_loss, grads_and_vars = model_deploy.optimize_clones(
      clones, optimizer, var_list=var_list)
  if params.get('nan_check', True):
    grads_and_vars = _finite_check(total_loss, grads_and_vars, global_step)
  # On the worker: the variables it creates are colocated with the model's
  # (slots) or are this worker's own (SyncReplicasOptimizer's local step).
  with tf.device(deploy_config.optimizer_device()):
    apply_op = optimizer.apply_gradients(grads_and_vars,
                                         global_step=global_step)
  with tf.control_dependencies([apply_op] + update_ops):
    train_op = tf.identity(total_loss, name='train_op')
  hooks = []
  if params['sync_replicas']:
    hooks.append(optimizer.make_session_run_hook(params['task'] == 0))
    if params['task'] == 0:
      hooks.append(cluster.SyncReplicasExitHook(optimizer, grads_and_vars))
  return (train_op, total_loss, learning_rate, optimizer, clones[0].outputs,
          hooks)


def train(params):
  """Trains a model as configured by `params` (the binary's flag values).

  In a cluster (`--job_name`/`--ps_hosts`/`--worker_hosts` or TF_CONFIG), a
  ps task serves the variables until the workers are done, and a worker
  trains against the cluster.

  Args:
    params: dict of resolved flag values (see train_image_classifier.py).

  Raises:
    ValueError: for any mistake in flags or files, with a message that says
      what to do.
  """
  runtime.check_versions()
  precision.check_precision(params.get('precision', precision.FLOAT32))
  cluster_config = cluster.resolve_params(params)
  if cluster_config is None:
    _train(params, None, None)
    return
  params = cluster.apply_to_params(params, cluster_config)
  server = cluster.start_server(cluster_config, _session_config(params))
  if cluster_config.job_name == cluster.PS_JOB:
    cluster.run_ps(server, cluster_config, _session_config(params))
    return
  _train(dict(params, master=server.target), cluster_config, server)


def _session_config(params):
  """The ConfigProto of every session; in a cluster, filtered to the ps
  tasks and this task (deployment/cluster.py says why)."""
  config = runtime.session_config_from_params(params)
  config.device_filters.extend(params.get('device_filters') or [])
  return config


def _train(params, cluster_config, server):
  """Builds the training graph and runs it (locally or as a worker)."""
  dataset = dataset_factory.get_dataset(
      params['dataset_name'], params['dataset_split_name'],
      params['dataset_dir'])
  params = dict(params, dataset_num_samples=dataset.num_samples)
  setup_args = dict(
      model_name=params['model_name'], labels_offset=params['labels_offset'],
      preprocessing_name=params['preprocessing_name'],
      image_size=params['train_image_size'],
      weight_decay=params['weight_decay'],
      use_grayscale=params['use_grayscale'])
  deploy_config = model_deploy.DeploymentConfig(
      num_clones=params['num_clones'], clone_on_cpu=params['clone_on_cpu'],
      replica_id=params['task'], num_replicas=params['worker_replicas'],
      num_ps_tasks=params['num_ps_tasks'])
  logging.info('batch_size %d is per clone: global batch = %d x %d clones x '
               '%d replicas = %d; %d training examples.', params['batch_size'],
               params['batch_size'], params['num_clones'],
               params['worker_replicas'], global_batch_size(params),
               dataset.num_samples)
  if params['task'] == 0:
    tf.gfile.MakeDirs(params['train_dir'])

  with tf.Graph().as_default():
    if params['seed'] is not None:
      tf.set_random_seed(params['seed'] + params['task'])
    setup = model_setup.resolve(
        dataset=dataset, is_training=True,
        freeze_batch_norm=params['freeze_batch_norm'],
        batch_norm_decay=params['batch_norm_decay'], **setup_args)
    with tf.device(deploy_config.variables_device()):
      global_step = tf.train.get_or_create_global_step()
    with tf.device(deploy_config.inputs_device()):
      iterator = runtime.input_iterator(train_dataset(params, dataset, setup))
    (train_op, total_loss, learning_rate, optimizer, end_points,
     sync_hooks) = build_train_op(params, setup, iterator, deploy_config,
                                  global_step)
    _summaries(end_points, learning_rate, total_loss)
    init_fn = _init_fn(params, tf.model_variables())
    logging_hook = LoggingHook(total_loss, learning_rate,
                               params['log_every_n_steps'],
                               global_batch_size(params) /
                               max(1, params['worker_replicas']))
    hooks = [logging_hook]
    validation_hook = _validation_hook(params, setup_args)
    if validation_hook:
      hooks.append(validation_hook)
    if params['max_number_of_steps']:
      hooks.append(tf.train.StopAtStepHook(
          last_step=params['max_number_of_steps']))
    hooks.extend(sync_hooks)
    _write_run_record(params, setup, dataset, params['moving_average_decay']
                      is not None)
    stop_ops = []
    if cluster_config:
      if params['sync_replicas']:
        stop_ops.append(cluster.release_sync_tokens_op(
            optimizer, params['worker_replicas']))
      stop_ops.append(cluster.done_signal_op(cluster_config))
    ready_op = None
    if params['task'] != 0:
      ready_op = tf.report_uninitialized_variables(tf.global_variables())
    try:
      _run_with_errors_explained(params, dataset, train_op, init_fn, hooks,
                                 logging_hook, ready_op)
    finally:
      if stop_ops:
        cluster.signal_done(server.target, stop_ops, _session_config(params))


def train_dataset(params, dataset, setup):
  """The training input pipeline of the flag values `params`.

  Args:
    params: dict of flag values (batch_size, num_readers,
      num_preprocessing_threads, labels_offset, seed, cache_dataset).
    dataset: the slim Dataset description of the training split.
    setup: the model_setup.resolve() result (its preprocess_fn).

  Returns:
    The tf.data.Dataset of batches.
  """
  return input_pipeline.make_dataset(
      dataset, setup.preprocess_fn, params['batch_size'], is_training=True,
      num_readers=params['num_readers'],
      num_preprocessing_threads=params['num_preprocessing_threads'],
      labels_offset=params['labels_offset'], seed=params['seed'],
      cache=params.get('cache_dataset', False))


def _checkpoint_step(train_dir):
  """The global step of the latest checkpoint in train_dir, or None."""
  latest = tf.train.latest_checkpoint(train_dir)
  if not latest:
    return None
  return int(tf.train.load_checkpoint(latest).get_tensor('global_step'))


def _run_with_errors_explained(params, dataset, train_op, init_fn, hooks,
                               logging_hook, ready_op):
  """`_run`, with NaN losses and bad input files turned into user errors."""
  try:
    _run(params, train_op, init_fn, hooks, logging_hook, ready_op)
  except tf.errors.InvalidArgumentError as e:
    if NAN_MESSAGE in e.message:
      raise runtime.UserError(_nan_message(e.message, params, logging_hook))
    message = input_pipeline.data_error_message(e, dataset)
    if message:
      raise runtime.UserError(message)
    raise
  except tf.errors.DataLossError as e:
    raise runtime.UserError(input_pipeline.data_error_message(e, dataset))


def _nan_message(error_message, params, logging_hook):
  """The error of a step whose loss or gradients were NaN or Inf."""
  match = _NAN_STEP_RE.search(error_message)
  if match:
    step = int(match.group(1)) + 1
  else:
    step = (logging_hook.last_step or 0) + 1
  latest = (tf.train.latest_checkpoint(params['train_dir'])
            if params['task'] == 0 else None)
  kept = ('The latest checkpoint, %s, holds the finite weights from before.' %
          latest if latest else 'No checkpoint was written.')
  return ('Training stopped: the loss or a gradient is NaN or Inf at global '
          'step %d (--nan_check); that update was not applied. %s Lower '
          '--learning_rate (now %g), add warm-up (--warmup_epochs) or check '
          'the input data, then restart to resume from the checkpoint.' % (
              step, kept, params['learning_rate']))


def _wait_for_chief(params, ready_op):
  """A non-chief worker waits until the chief has initialised the model.

  MonitoredTrainingSession would also wait, but polls only every 30 s.

  Args:
    params: dict of flag values (master, task).
    ready_op: tf.report_uninitialized_variables() of the graph.
  """
  logging.info('Worker task %d waits for the chief (worker task 0) to '
               'initialise the model.', params['task'])
  with tf.Session(params['master'], graph=ready_op.graph,
                  config=_session_config(params)) as session:
    while session.run(ready_op).size:
      time.sleep(1)


def _run(params, train_op, init_fn, hooks, logging_hook, ready_op):
  """Runs the MonitoredTrainingSession until a hook asks to stop."""
  is_chief = params['task'] == 0
  step = _checkpoint_step(params['train_dir'])
  limit = params['max_number_of_steps']
  if step is not None and limit and step >= limit:
    # StopAtStepHook would only stop after one more step.
    logging.info('%s is already at step %d >= --max_number_of_steps=%d; '
                 'nothing to train.', params['train_dir'], step, limit)
    return
  scaffold = tf.train.Scaffold(
      init_fn=init_fn, local_init_op=runtime.local_init_op(),
      saver=tf.train.Saver(max_to_keep=params['max_checkpoints_to_keep'],
                           sharded=params['num_ps_tasks'] > 0))
  if ready_op is not None:
    _wait_for_chief(params, ready_op)
  with tf.train.MonitoredTrainingSession(
      master=params['master'], is_chief=is_chief,
      checkpoint_dir=params['train_dir'], scaffold=scaffold, hooks=hooks,
      save_checkpoint_secs=params['save_interval_secs'],
      save_summaries_secs=params['save_summaries_secs'],
      save_summaries_steps=None, log_step_count_steps=0,
      stop_grace_period_secs=10, config=_session_config(params)) as session:
    while not session.should_stop():
      session.run(train_op)
  logging.info('Worker task %d finished at global step %s; checkpoints and '
               'TensorBoard logs in %s.', params['task'],
               logging_hook.final_step, params['train_dir'])
