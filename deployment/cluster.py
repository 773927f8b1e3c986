"""TensorFlow's ps/worker cluster runtime for train_image_classifier.py.

The cluster comes from `--ps_hosts`, `--worker_hosts`, `--job_name` and
`--task` (TF-Slim's and TF's distributed-training flags), or else from the
`TF_CONFIG` environment variable:

  TF_CONFIG='{"cluster": {"ps": ["h0:2222"], "worker": ["h1:2222", "h2:2222"]},
              "task": {"type": "worker", "index": 0}}'

(a "chief" job in TF_CONFIG becomes worker task 0 and shifts the workers by
one). Every process runs the same command line with its own job and task:

  * a `ps` task serves the variables until every worker has finished: each
    worker enqueues a token into a queue on every ps task when it stops (also
    after an error), and the ps task exits when it has received one token per
    worker. A worker killed with SIGKILL sends no token: kill the ps tasks by
    hand in that case.
  * `worker` tasks build the graph with variables on the ps tasks
    (`tf.train.replica_device_setter`) and train through
    `server.target`; worker task 0 is the chief, which initialises or
    restores the model and alone writes checkpoints and summaries.

Every session a process opens is limited to the ps tasks and itself
(`device_filters`): without that, TensorFlow's master waits for *all* tasks
of the cluster when it creates a session, so a worker that opens a session
after a peer has finished and exited would wait forever.
"""
import collections
import json
import os

from absl import logging
import tensorflow.compat.v1 as tf

ClusterConfig = collections.namedtuple('ClusterConfig', [
    'spec',        # dict: job name -> list of 'host:port'.
    'job_name',    # 'ps' or 'worker'.
    'task_index',  # int.
])

PS_JOB = 'ps'
WORKER_JOB = 'worker'
_DONE_QUEUE = 'slimuq_done_queue_%d'
_SIGNAL_TIMEOUT_MS = 60 * 1000
_FUTURE_STEP = 2 ** 62  # A local step no accumulator finds stale.
_FLUSH_WAIT_SECS = 10


def _split_hosts(hosts):
  return [h.strip() for h in (hosts or '').split(',') if h.strip()]


def _from_flags(ps_hosts, worker_hosts, job_name, task):
  """The cluster of the --ps_hosts/--worker_hosts/--job_name flags."""
  ps, workers = _split_hosts(ps_hosts), _split_hosts(worker_hosts)
  if not job_name or not workers:
    raise ValueError(
        'Distributed training needs --job_name (ps or worker), --worker_hosts '
        'and --ps_hosts (comma-separated host:port lists) together; got '
        '--job_name=%r --worker_hosts=%r --ps_hosts=%r.' %
        (job_name, worker_hosts, ps_hosts))
  return ClusterConfig({PS_JOB: ps, WORKER_JOB: workers}, job_name, task)


def _from_tf_config(tf_config):
  """The cluster of a TF_CONFIG JSON string."""
  try:
    config = json.loads(tf_config)
    cluster, task = config['cluster'], config['task']
    job_name, index = task['type'], int(task.get('index', 0))
  except (ValueError, KeyError, TypeError) as e:
    raise ValueError(
        'TF_CONFIG is not valid: %s. Expected {"cluster": {"ps": [...], '
        '"worker": [...]}, "task": {"type": "worker", "index": 0}}.' % e)
  chief = list(cluster.get('chief', []))
  workers = chief + list(cluster.get(WORKER_JOB, []))
  if job_name == 'chief':
    job_name = WORKER_JOB
  elif job_name == WORKER_JOB and chief:
    index += len(chief)
  return ClusterConfig({PS_JOB: list(cluster.get(PS_JOB, [])),
                        WORKER_JOB: workers}, job_name, index)


def resolve(ps_hosts=None, worker_hosts=None, job_name=None, task=0,
            tf_config=None):
  """The cluster this process belongs to, or None for local training.

  Args:
    ps_hosts: comma-separated host:port of the ps tasks (--ps_hosts).
    worker_hosts: comma-separated host:port of the workers (--worker_hosts).
    job_name: 'ps' or 'worker' (--job_name).
    task: this process's task index in its job (--task).
    tf_config: the TF_CONFIG JSON string, used when no cluster flag is set.

  Returns:
    A ClusterConfig, or None when neither the flags nor TF_CONFIG describe a
    cluster.

  Raises:
    ValueError: an incomplete or inconsistent cluster description.
  """
  if ps_hosts or worker_hosts or job_name:
    config = _from_flags(ps_hosts, worker_hosts, job_name, task)
  elif tf_config:
    config = _from_tf_config(tf_config)
  else:
    return None
  if config.job_name not in (PS_JOB, WORKER_JOB):
    raise ValueError('--job_name must be ps or worker, got %r.' %
                     config.job_name)
  if not config.spec[PS_JOB]:
    raise ValueError('Distributed training needs at least one parameter '
                     'server: pass --ps_hosts=host:port[,...].')
  hosts = config.spec[config.job_name]
  if not 0 <= config.task_index < len(hosts):
    raise ValueError('--task=%d is not a task of job %s, which has %d hosts '
                     '(%s): use --task in [0, %d).' % (
                         config.task_index, config.job_name, len(hosts),
                         ','.join(hosts), len(hosts)))
  return config


def resolve_params(params, environ=None):
  """`resolve` on a binary's flag values and the TF_CONFIG environment."""
  environ = os.environ if environ is None else environ
  return resolve(params.get('ps_hosts'), params.get('worker_hosts'),
                 params.get('job_name'), params.get('task', 0),
                 environ.get('TF_CONFIG'))


def device_filters(config):
  """The devices a session of this task may use: the ps tasks and itself.

  Args:
    config: a ClusterConfig.

  Returns:
    A list of device-filter strings for tf.ConfigProto.device_filters.
  """
  if config.job_name == PS_JOB:
    return ['/job:%s/task:%d' % (PS_JOB, config.task_index)]
  return ['/job:%s' % PS_JOB,
          '/job:%s/task:%d' % (WORKER_JOB, config.task_index)]


def apply_to_params(params, config):
  """Sets num_ps_tasks, worker_replicas, task and device_filters.

  Args:
    params: dict of flag values.
    config: a ClusterConfig.

  Returns:
    A copy of params.

  Raises:
    ValueError: --num_ps_tasks or --worker_replicas contradict the cluster.
  """
  num_ps, num_workers = len(config.spec[PS_JOB]), len(config.spec[WORKER_JOB])
  if params['num_ps_tasks'] not in (0, num_ps):
    raise ValueError('--num_ps_tasks=%d but --ps_hosts lists %d hosts; drop '
                     '--num_ps_tasks (it follows the host list).' %
                     (params['num_ps_tasks'], num_ps))
  if params['worker_replicas'] not in (1, num_workers):
    raise ValueError('--worker_replicas=%d but --worker_hosts lists %d hosts; '
                     'drop --worker_replicas (it follows the host list).' %
                     (params['worker_replicas'], num_workers))
  if params.get('sync_replicas') and params['replicas_to_aggregate'] > (
      num_workers):
    raise ValueError('--replicas_to_aggregate=%d is more than the %d workers: '
                     'training would wait forever.' %
                     (params['replicas_to_aggregate'], num_workers))
  if params.get('master'):
    logging.info('Ignoring --master=%s: the cluster flags define the master.',
                 params['master'])
  return dict(params, num_ps_tasks=num_ps, worker_replicas=num_workers,
              task=config.task_index if config.job_name == WORKER_JOB else 0,
              device_filters=device_filters(config))


def start_server(config, session_config=None):
  """Starts this process's tf.train.Server.

  Args:
    config: a ClusterConfig.
    session_config: default ConfigProto of the server's sessions.

  Returns:
    The tf.train.Server.
  """
  logging.info('Starting %s task %d of cluster %s.', config.job_name,
               config.task_index, config.spec)
  return tf.train.Server(tf.train.ClusterSpec(config.spec),
                         job_name=config.job_name,
                         task_index=config.task_index, config=session_config)


def _done_queue(ps_task, num_workers):
  """The queue on ps task `ps_task` that collects the workers' done tokens."""
  with tf.device('/job:%s/task:%d' % (PS_JOB, ps_task)):
    return tf.queue.FIFOQueue(num_workers, tf.int32,
                              shared_name=_DONE_QUEUE % ps_task,
                              name='done_queue_%d' % ps_task)


def done_signal_op(config):
  """The op a worker runs when it stops: a token to every ps task.

  Build it in the training graph before the graph is finalized.

  Args:
    config: a ClusterConfig.

  Returns:
    An op.
  """
  num_workers = len(config.spec[WORKER_JOB])
  with tf.name_scope('cluster_done'):
    return tf.group(*[
        _done_queue(i, num_workers).enqueue(config.task_index)
        for i in range(len(config.spec[PS_JOB]))])


def release_sync_tokens_op(sync_optimizer, num_workers):
  """An op that unblocks peers waiting for a SyncReplicasOptimizer token.

  In synchronous training every step of a worker ends by taking a token
  that the chief enqueues once enough gradients were aggregated. When one
  worker stops at the step limit, a peer may be waiting for a token that
  will never come (PITFALLS 14); a stopping worker therefore enqueues one
  token per worker, so each peer finishes its step, sees the global step at
  the limit and stops too. Build it before the graph is finalized.

  Args:
    sync_optimizer: the tf.train.SyncReplicasOptimizer, after
      apply_gradients.
    num_workers: number of workers.

  Returns:
    An op.
  """
  return sync_optimizer.get_init_tokens_op(num_tokens=num_workers)


class SyncReplicasExitHook(tf.train.SessionRunHook):
  """Lets the chief's SyncReplicasOptimizer queue runner stop at the end.

  The chief's queue runner waits in `take_grad` for `replicas_to_aggregate`
  gradients; once the workers have stopped none come, and closing the
  session would wait for that step forever. At the end of training this
  hook asks the queue runner to stop and feeds the accumulators zero
  gradients, so the pending step completes and the queue runner exits.
  Updates made this way come after the final checkpoint and are never
  saved.
  """

  def __init__(self, sync_optimizer, grads_and_vars):
    """Creates the hook.

    Args:
      sync_optimizer: the chief's tf.train.SyncReplicasOptimizer, after
        apply_gradients.
      grads_and_vars: the (gradient, variable) pairs given to
        apply_gradients.
    """
    self._optimizer = sync_optimizer
    self._variables = [v for g, v in grads_and_vars if g is not None]
    self._flush_op = None
    self._coord = None

  def begin(self):
    # pylint: disable=protected-access
    accumulators = self._optimizer._accumulator_list
    flush = []
    for (accumulator, device), var in zip(accumulators, self._variables):
      if isinstance(accumulator, tf.ConditionalAccumulator):
        with tf.device(device):
          flush.append(accumulator.apply_grad(
              tf.zeros_like(var), local_step=_FUTURE_STEP))
    self._flush_op = tf.group(*flush, name='sync_replicas_flush')

  def after_create_session(self, session, coord):
    self._coord = coord

  def end(self, session):
    # pylint: disable=protected-access
    # Stop first, so the queue runner exits after the step the flush
    # completes instead of starting another one.
    self._coord.request_stop()
    for _ in range(self._optimizer._replicas_to_aggregate):
      session.run(self._flush_op)
    for thread in self._coord._registered_threads:
      thread.join(_FLUSH_WAIT_SECS)


def signal_done(target, ops, session_config=None):
  """Runs the stopping worker's ops in a fresh session.

  The training session is closed by then. Each op runs on its own, with a
  timeout; failures (e.g. the ps tasks are gone) are logged, not raised.

  Args:
    target: the server target (server.target).
    ops: ops from `release_sync_tokens_op` and `done_signal_op`.
    session_config: a ConfigProto.
  """
  options = tf.RunOptions(timeout_in_ms=_SIGNAL_TIMEOUT_MS)
  with tf.Session(target, graph=ops[0].graph,
                  config=session_config) as session:
    for op in ops:
      try:
        session.run(op, options=options)
      except tf.errors.OpError as e:
        logging.warning('%s failed (%s); the parameter servers may need to '
                        'be stopped by hand.', op.name,
                        e.message.splitlines()[0])
  logging.info('Told the cluster that this worker is done.')


def run_ps(server, config, session_config=None):
  """Serves the variables until every worker has signalled that it is done.

  Args:
    server: this ps task's tf.train.Server.
    config: a ClusterConfig with job_name 'ps'.
    session_config: a ConfigProto, with `device_filters(config)`.
  """
  num_workers = len(config.spec[WORKER_JOB])
  with tf.Graph().as_default():
    dequeue = _done_queue(config.task_index, num_workers).dequeue()
    logging.info('Parameter server task %d serving; it exits when all %d '
                 'workers are done.', config.task_index, num_workers)
    with tf.Session(server.target, config=session_config) as session:
      for done in range(1, num_workers + 1):
        worker = session.run(dequeue)
        logging.info('Worker task %d is done (%d of %d).', worker, done,
                     num_workers)
  logging.info('All workers are done; parameter server task %d exits.',
               config.task_index)
