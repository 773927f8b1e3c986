"""The graphs the benchmark times: one per (phase, input pipeline).

Phases: 'train' (the train binary's graph: `train_lib.build_train_op` on the
clones of `model_deploy`, the losses, the optimizer of the flags and the
batch-norm updates) and 'eval' (the eval binary's graph: the inference-mode
network on `model_setup.eval_dataset`).

Input pipelines feeding the same network:

* 'ours': `input_pipeline.make_dataset`, as the binaries call it;
* 'synthetic': the same tf.data pipeline cut to its first batch, cached and
  repeated (`take(1).cache().repeat()`), so every step reuses one in-memory
  batch: the compute ceiling of the graph;
* 'reference': TF-Slim's own way, from the tf_slim package:
  `slim.dataset_data_provider.DatasetDataProvider(num_readers)` with the
  dataset's `slim.tfexample_decoder`, the same preprocessing,
  `tf.train.batch(num_threads)` and (training) `slim.prefetch_queue`, with
  the capacities of TF-Slim's train/eval_image_classifier.py, run by queue
  runners; never compiled by XLA (`--xla` applies to ours and synthetic:
  TF-Slim's binaries have no such option);
* 'input_only': our pipeline of the phase without the network, to show
  which side is the bottleneck (PITFALLS 9) and what CPU the input costs
  per image.

Every builder returns a `BenchGraph`; `timing.measure` runs it.
"""
import collections

import tensorflow.compat.v1 as tf
import tf_slim as slim

from deployment import model_deploy
from training import model_setup
from training import runtime
from training import train_lib

PIPELINES = ('ours', 'synthetic', 'reference')
TRAIN = 'train'
EVAL = 'eval'

BenchGraph = collections.namedtuple('BenchGraph', [
    'graph',              # the tf.Graph.
    'fetch',              # what one step runs (a dict of tensors / ops).
    'images_per_step',    # int, or None: count fetch['label'] per step.
    'uses_queue_runners', # start tf.train queue runners.
])


class _QueueIterator(object):
  """Gives `build_train_op` a get_next() that dequeues a slim batch queue."""

  def __init__(self, batch_queue):
    self._batch_queue = batch_queue

  def get_next(self):
    """Dequeues one batch: {'image': [B, S, S, C], 'label': [B]}."""
    image, label = self._batch_queue.dequeue()
    return {'image': image, 'label': label}


def setup_args(params):
  """The model_setup.resolve arguments train_lib.train derives from flags."""
  return dict(
      model_name=params['model_name'], labels_offset=params['labels_offset'],
      preprocessing_name=params['preprocessing_name'],
      image_size=params['train_image_size'],
      weight_decay=params['weight_decay'],
      use_grayscale=params['use_grayscale'])


def deploy_config(params):
  """The DeploymentConfig train_lib.train builds from flags."""
  return model_deploy.DeploymentConfig(
      num_clones=params['num_clones'], clone_on_cpu=params['clone_on_cpu'],
      replica_id=params['task'], num_replicas=params['worker_replicas'],
      num_ps_tasks=params['num_ps_tasks'])


def train_setup(params, dataset):
  """The training-mode ModelSetup, as in train_lib.train."""
  return model_setup.resolve(
      dataset=dataset, is_training=True,
      freeze_batch_norm=params['freeze_batch_norm'],
      batch_norm_decay=params['batch_norm_decay'], **setup_args(params))


def eval_setup(params, dataset):
  """The inference-mode ModelSetup, as in eval_lib.evaluate_checkpoint."""
  return model_setup.resolve(
      params['model_name'], dataset, is_training=False,
      labels_offset=params['labels_offset'],
      preprocessing_name=params['preprocessing_name'],
      image_size=params['train_image_size'],
      use_grayscale=params['use_grayscale'])


def reference_batch(params, dataset, setup, is_training, num_epochs=None,
                    allow_smaller_final_batch=False):
  """TF-Slim's queue-based batch: (images, labels) tensors.

  Capacities are those of TF-Slim's train_image_classifier.py (training:
  common queue 20 / min 10 batches, shuffled, num_readers readers) and
  eval_image_classifier.py (evaluation: 2 / 1 batches, not shuffled, one
  reader); both batch with `num_preprocessing_threads` threads and capacity
  5 batches.

  Args:
    params: the train binary's flag values.
    dataset: the slim Dataset description (its decoder and reader are used).
    setup: the ModelSetup whose preprocess_fn is applied.
    is_training: training or evaluation capacities and shuffling.
    num_epochs: passes over the files (None: forever).
    allow_smaller_final_batch: keep the last partial batch (epoch counts).

  Returns:
    (images float [B, S, S, C], labels int64 [B], after the offset).
  """
  batch_size = params['batch_size']
  queue_batches = (20, 10) if is_training else (2, 1)
  provider = slim.dataset_data_provider.DatasetDataProvider(
      dataset, num_readers=params['num_readers'] if is_training else 1,
      shuffle=is_training, num_epochs=num_epochs,
      common_queue_capacity=queue_batches[0] * batch_size,
      common_queue_min=queue_batches[1] * batch_size, seed=params['seed'])
  image, label = provider.get(['image', 'label'])
  label -= params['labels_offset']
  image = setup.preprocess_fn(image)
  return tf.train.batch(
      [image, label], batch_size=batch_size,
      num_threads=params['num_preprocessing_threads'],
      capacity=5 * batch_size,
      allow_smaller_final_batch=allow_smaller_final_batch)


def _train_iterator(params, dataset, setup, pipeline, config):
  """An object with get_next() -> {'image', 'label'} for build_train_op."""
  if pipeline == 'reference':
    images, labels = reference_batch(params, dataset, setup, True)
    return _QueueIterator(slim.prefetch_queue.prefetch_queue(
        [images, labels], capacity=2 * config.num_clones))
  data = train_lib.train_dataset(params, dataset, setup)
  if pipeline == 'synthetic':
    data = data.take(1).cache().repeat()
  return runtime.input_iterator(data)


def _pipeline_params(params, pipeline):
  """`params` for `pipeline`: the TF-Slim reference is never XLA-compiled."""
  if pipeline == 'reference':
    return dict(params, xla=False)
  return params


def build_train(params, dataset, pipeline):
  """The train binary's graph fed by `pipeline`.

  Args:
    params: the train binary's flag values, plus dataset_num_samples.
    dataset: the slim Dataset description of the training split.
    pipeline: one of PIPELINES.

  Returns:
    A BenchGraph whose step is one training step (train_op).
  """
  params = _pipeline_params(params, pipeline)
  graph = tf.Graph()
  with graph.as_default():
    if params['seed'] is not None:
      tf.set_random_seed(params['seed'])
    setup = train_setup(params, dataset)
    config = deploy_config(params)
    with tf.device(config.variables_device()):
      global_step = tf.train.get_or_create_global_step()
    with tf.device(config.inputs_device()):
      iterator = _train_iterator(params, dataset, setup, pipeline, config)
    train_op = train_lib.build_train_op(params, setup, iterator, config,
                                        global_step)[0]
  return BenchGraph(graph, {'train_op': train_op},
                    params['batch_size'] * params['num_clones'],
                    pipeline == 'reference')


def _eval_data(params, dataset, setup):
  """The eval binary's tf.data pipeline (one pass over the split)."""
  return model_setup.eval_dataset(setup, dataset, params['batch_size'],
                                  params['num_preprocessing_threads'])


def build_input_only(params, dataset, phase=TRAIN):
  """Our input pipeline of `phase` alone (no network): its images/sec.

  Args:
    params: the train binary's flag values.
    dataset: the slim Dataset description of the split.
    phase: TRAIN (the training input, as build_train reads it) or EVAL (the
      eval input, repeated, as build_eval reads it).

  Returns:
    A BenchGraph whose step is one batch of preprocessed images.
  """
  graph = tf.Graph()
  with graph.as_default():
    if phase == TRAIN:
      if params['seed'] is not None:
        tf.set_random_seed(params['seed'])
      data = train_lib.train_dataset(params, dataset,
                                     train_setup(params, dataset))
    else:
      data = _eval_data(params, dataset, eval_setup(params, dataset)).repeat()
    batch = tf.data.make_one_shot_iterator(data).get_next()
    # Fetch a scalar so the step does not copy the batch to Python.
    fetch = {'sum': tf.reduce_sum(batch['image']), 'label': batch['label']}
  return BenchGraph(graph, fetch, None, False)


def build_eval(params, dataset, pipeline):
  """The eval binary's graph fed by `pipeline`, cycling over the split.

  Our pipeline is `model_setup.eval_dataset` (one pass, final partial batch
  kept) repeated; each step fetches logits and labels as eval_lib does, and
  images are counted from the labels.

  Args:
    params: the train binary's flag values (batch_size, threads, ...).
    dataset: the slim Dataset description of the split.
    pipeline: one of PIPELINES.

  Returns:
    A BenchGraph whose step is one evaluation batch.
  """
  params = _pipeline_params(params, pipeline)
  graph = tf.Graph()
  with graph.as_default():
    setup = eval_setup(params, dataset)
    if pipeline == 'reference':
      images, labels = reference_batch(params, dataset, setup, False)
    else:
      data = _eval_data(params, dataset, setup)
      if pipeline == 'synthetic':
        data = data.take(1).cache()
      batch = tf.data.make_one_shot_iterator(data.repeat()).get_next()
      images, labels = batch['image'], batch['label']
    with runtime.xla_scope(params.get('xla', False)):
      logits, _ = setup.network_fn(images)
    tf.train.get_or_create_global_step()
  return BenchGraph(graph, {'logits': logits, 'label': labels}, None,
                    pipeline == 'reference')


def build(params, dataset, phase, pipeline):
  """Dispatches to build_train, build_eval or build_input_only."""
  if pipeline == 'input_only':
    return build_input_only(params, dataset, phase)
  if phase == TRAIN:
    return build_train(params, dataset, pipeline)
  return build_eval(params, dataset, pipeline)


def _drain(fetch, session):
  """Runs `fetch` until the input ends; returns the concatenated labels."""
  labels = []
  while True:
    try:
      labels.append(session.run(fetch))
    except tf.errors.OutOfRangeError:
      break
  return [int(x) for batch in labels for x in batch]


def epoch_labels(params, dataset, pipeline, config=None):
  """The labels of one epoch through our eval pipeline or slim's queues.

  Both read, decode and preprocess every record of the split once (ours:
  `model_setup.eval_dataset`; reference: DatasetDataProvider with
  num_epochs=1 and tf.train.batch keeping the final partial batch), so the
  two lists hold the same examples, in different orders.

  Args:
    params: the train binary's flag values.
    dataset: the slim Dataset description.
    pipeline: 'ours' or 'reference'.
    config: an optional tf.ConfigProto.

  Returns:
    The list of labels read.
  """
  with tf.Graph().as_default():
    setup = eval_setup(params, dataset)
    if pipeline == 'reference':
      _, labels = reference_batch(params, dataset, setup, False, num_epochs=1,
                                  allow_smaller_final_batch=True)
    else:
      labels = tf.data.make_one_shot_iterator(model_setup.eval_dataset(
          setup, dataset, params['batch_size'],
          params['num_preprocessing_threads'])).get_next()['label']
    with tf.Session(config=config) as session:
      session.run([tf.global_variables_initializer(),
                   tf.local_variables_initializer()])
      coord = tf.train.Coordinator()
      threads = tf.train.start_queue_runners(session, coord=coord)
      try:
        return _drain(labels, session)
      finally:
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=10)
