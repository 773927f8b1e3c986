"""Evaluation behind eval_image_classifier.py: once, latest, or in a loop.

Every evaluation passes over the split exactly once (the final partial batch
included), builds the model in inference mode, and writes:
  * summaries `eval/Accuracy` and `eval/Recall_5` (Recall_k with
    k = min(5, num_classes)) at the checkpoint's global step, in `eval_dir`;
  * `eval_dir/metrics.json` (the latest result) and one line per evaluation in
    `eval_dir/metrics_history.jsonl` (the loop uses it to skip checkpoints it
    has already evaluated, also across restarts);
  * optionally `--predictions_file`: per example index, label, logits and
    probabilities (.npz, or .csv when the name ends in .csv).
"""
import io
import json
import os
import re
import time

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from datasets import input_pipeline
from training import metrics
from training import model_setup
from training import restore
from training import runtime
from uncertainty import streaming

HISTORY_FILE = 'metrics_history.jsonl'
_STEP_RE = re.compile(r'-(\d+)$')


def checkpoint_step(checkpoint):
  """The global step encoded in a checkpoint prefix (model.ckpt-123), or -1."""
  match = _STEP_RE.search(checkpoint)
  return int(match.group(1)) if match else -1


def list_checkpoints(directory):
  """Checkpoint prefixes in `directory`, sorted by global step."""
  indexes = tf.gfile.Glob(os.path.join(directory, '*.ckpt-*.index'))
  prefixes = [p[:-len('.index')] for p in indexes]
  return sorted(prefixes, key=checkpoint_step)


def _restore_plan(moving_average_decay, checkpoint):
  """Checks the graph against the checkpoint; reads EMA shadows when asked.

  Raises:
    ValueError: missing or shape-mismatched variables (e.g. a 1001-class
      checkpoint evaluated with 1000 classes), or EMA asked for but absent.
  """
  name_map = None
  if moving_average_decay:
    ema = tf.train.ExponentialMovingAverage(moving_average_decay)
    averaged = set(tf.model_variables())
    names = tf.train.load_checkpoint(checkpoint).get_variable_to_shape_map()
    missing = [ema.average_name(v) for v in averaged
               if ema.average_name(v) not in names]
    if missing:
      raise ValueError(
          '--moving_average_decay is set but checkpoint %s has no '
          'moving-average variables (e.g. %s is missing): the model was '
          'trained without --moving_average_decay; evaluate without it.' % (
              checkpoint, missing[0]))
    name_map = lambda v: ema.average_name(v) if v in averaged else v.op.name
  return restore.plan_restore(checkpoint, tf.global_variables(),
                              name_map=name_map)


def _warn_on_ema_mismatch(params, checkpoint):
  """Warns when the run record says EMA was used and eval disagrees."""
  record = runtime.read_json(os.path.join(os.path.dirname(checkpoint),
                                          'flags.json'))
  if not record:
    return
  trained_with = record.get('resolved', {}).get('moving_average_decay')
  if bool(trained_with) != bool(params['moving_average_decay']):
    logging.warning('The model was trained with moving_average_decay=%s but '
                    'is evaluated with moving_average_decay=%s.',
                    trained_with, params['moving_average_decay'])


def evaluate_checkpoint(params, checkpoint):
  """Evaluates one checkpoint on the whole split (or max_num_batches).

  Args:
    params: dict of the eval binary's flag values.
    checkpoint: a checkpoint prefix.

  Returns:
    The result dict (also written to eval_dir).

  Raises:
    tf.errors.NotFoundError: the checkpoint disappeared.
    ValueError: a mistake in flags or files.
  """
  _warn_on_ema_mismatch(params, checkpoint)
  dataset = dataset_factory.get_dataset(
      params['dataset_name'], params['dataset_split_name'],
      params['dataset_dir'])
  with tf.Graph().as_default():
    setup = model_setup.resolve(
        params['model_name'], dataset, is_training=False,
        labels_offset=params['labels_offset'],
        preprocessing_name=params['preprocessing_name'],
        image_size=params['eval_image_size'],
        use_grayscale=params['use_grayscale'])
    batch = tf.data.make_one_shot_iterator(model_setup.eval_dataset(
        setup, dataset, params['batch_size'],
        params['num_preprocessing_threads'])).get_next()
    with runtime.xla_scope(params.get('xla', False)):
      logits, _ = setup.network_fn(batch['image'])
    ece_ops = _ece_ops(params, batch['label'], logits)
    tf.train.get_or_create_global_step()
    if params['quantize']:
      runtime.contrib_quantize().create_eval_graph()
    saver = tf.train.Saver(
        _restore_plan(params['moving_average_decay'], checkpoint).var_list)
    accumulator = metrics.TopKAccumulator(
        setup.num_classes, keep_predictions=bool(params['predictions_file']))
    config = runtime.session_config_from_params(params)
    with tf.Session(params['master'], config=config) as session:
      saver.restore(session, checkpoint)
      if ece_ops:
        session.run(tf.local_variables_initializer())
      step = int(session.run(tf.train.get_global_step()))
      num_batches = 0
      while (not params['max_num_batches'] or
             num_batches < params['max_num_batches']):
        try:
          values = session.run((logits, batch['label'], batch['index']) +
                               ece_ops[1:])
        except tf.errors.OutOfRangeError:
          break
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as e:
          _raise_data_error(e, dataset)
        accumulator.update(*values[:3])
        num_batches += 1
      ece = {'ece': float(session.run(ece_ops[0])),
             'ece_bins': params['ece_bins']} if ece_ops else {}
  result = accumulator.result()
  result.update(ece)
  result.update(step=step, checkpoint_path=checkpoint,
                dataset_name=params['dataset_name'],
                dataset_split_name=params['dataset_split_name'],
                split_num_samples=dataset.num_samples)
  _report(params, result, accumulator, dataset)
  return result


def _raise_data_error(error, dataset):
  """Re-raises an input error as a UserError naming the bad file(s)."""
  message = input_pipeline.data_error_message(error, dataset)
  if message:
    raise runtime.UserError(message)
  raise error


def _checkpoint_exists(checkpoint):
  return tf.gfile.Exists(checkpoint + '.index')


def _report(params, result, accumulator, dataset):
  """Logs, and writes summaries, metrics.json, history and predictions."""
  eval_dir = params['eval_dir']
  k = result['k']
  if k < 5:
    logging.info('Recall@5 needs at least 5 classes; reporting Recall@%d.', k)
  if not params['max_num_batches'] and result['num_examples'] != (
      dataset.num_samples):
    logging.warning('Evaluated %d examples but the split should have %d.',
                    result['num_examples'], dataset.num_samples)
  logging.info('Step %d: eval/Accuracy = %.4f, eval/Recall_%d = %.4f over %d '
               'examples (%s).', result['step'], result['accuracy'], k,
               result['recall_at_k'], result['num_examples'],
               result['checkpoint_path'])
  writer = tf.summary.FileWriterCache.get(eval_dir)
  writer.add_summary(tf.Summary(value=[
      tf.Summary.Value(tag='eval/Accuracy', simple_value=result['accuracy']),
      tf.Summary.Value(tag='eval/Recall_%d' % k,
                       simple_value=result['recall_at_k']),
      tf.Summary.Value(tag='eval/Loss', simple_value=result['loss']),
  ] + ([tf.Summary.Value(tag='eval/ECE', simple_value=result['ece'])]
       if 'ece' in result else [])), result['step'])
  writer.flush()
  record = dict(result, flags=params)
  record['eval/Accuracy'] = result['accuracy']
  record['eval/Recall_%d' % k] = result['recall_at_k']
  runtime.write_json(os.path.join(eval_dir, 'metrics.json'), record)
  with tf.gfile.GFile(os.path.join(eval_dir, HISTORY_FILE), 'a') as f:
    f.write(json.dumps(record, sort_keys=True, default=str) + '\n')
  if params['predictions_file']:
    write_predictions(params['predictions_file'], *accumulator.predictions())


def _ece_ops(params, labels, logits):
  """(value, update_op) of the streaming ECE with --ece_bins bins, or ()."""
  if not params.get('ece_bins'):
    return ()
  return streaming.streaming_ece(labels, tf.nn.softmax(logits),
                                 num_bins=params['ece_bins'])


def write_predictions(path, indices, labels, logits, probabilities):
  """Writes per-example predictions as .npz, or .csv when path ends in .csv."""
  tf.gfile.MakeDirs(os.path.dirname(path) or '.')
  if path.endswith('.csv'):
    with tf.gfile.GFile(path, 'w') as f:
      num_classes = logits.shape[1]
      f.write(','.join(['index', 'label'] +
                       ['logit_%d' % i for i in range(num_classes)] +
                       ['prob_%d' % i for i in range(num_classes)]) + '\n')
      for row in zip(indices, labels, logits, probabilities):
        f.write(','.join([str(row[0]), str(row[1])] +
                         ['%.7g' % x for x in row[2]] +
                         ['%.7g' % x for x in row[3]]) + '\n')
  else:
    buffer = io.BytesIO()  # np.savez seeks, which GFile cannot do.
    np.savez(buffer, index=indices, label=labels, logits=logits,
             probabilities=probabilities)
    with tf.gfile.GFile(path, 'wb') as f:
      f.write(buffer.getvalue())
  logging.info('Wrote %d predictions to %s.', len(labels), path)


def evaluated_steps(eval_dir):
  """Steps already evaluated into `eval_dir` (from the history file)."""
  path = os.path.join(eval_dir, HISTORY_FILE)
  if not tf.gfile.Exists(path):
    return set()
  with tf.gfile.GFile(path) as f:
    return {json.loads(line)['step'] for line in f if line.strip()}


def evaluation_loop(params, checkpoint_dir):
  """Evaluates each new checkpoint of `checkpoint_dir`, in step order.

  Stops after `timeout` seconds without a new checkpoint (None: never), or
  after `max_number_of_evaluations` evaluations. Checkpoints deleted between
  listing and restore are skipped with a log line.

  Args:
    params: dict of the eval binary's flag values.
    checkpoint_dir: the training directory to watch.

  Returns:
    The list of result dicts, one per evaluated checkpoint.
  """
  done = evaluated_steps(params['eval_dir'])
  results = []
  existing = list_checkpoints(checkpoint_dir)
  if existing and not params['eval_all_checkpoints']:
    # Start from the latest existing checkpoint, then follow new ones.
    done.update(checkpoint_step(c) for c in existing[:-1])
  last_new = time.time()
  waiting = False
  while True:
    pending = [c for c in list_checkpoints(checkpoint_dir)
               if checkpoint_step(c) not in done]
    for checkpoint in pending:
      try:
        results.append(evaluate_checkpoint(params, checkpoint))
      except (tf.errors.NotFoundError, tf.errors.DataLossError,
              ValueError):
        # The trainer's max_to_keep may delete a checkpoint between listing
        # and restore (PITFALLS 6); with the checkpoint still there, the
        # error is real.
        if _checkpoint_exists(checkpoint):
          raise
        logging.warning('Checkpoint %s disappeared before it could be '
                        'evaluated (deleted by the trainer?); skipping it.',
                        checkpoint)
      done.add(checkpoint_step(checkpoint))
      last_new = time.time()
      waiting = False
      limit = params['max_number_of_evaluations']
      if limit and len(results) >= limit:
        return results
    timeout = params['timeout']
    if not waiting:
      logging.info('Waiting for a new checkpoint in %s (pattern '
                   'model.ckpt-*.index), timeout %s.', checkpoint_dir,
                   '%d s' % timeout if timeout is not None else 'none')
      waiting = True
    if timeout is not None and time.time() - last_new > timeout:
      logging.info('No new checkpoint in %s for %d s; stopping.',
                   checkpoint_dir, timeout)
      return results
    time.sleep(params['eval_interval_secs'])


def run(params):
  """Dispatches on --checkpoint_path: a file, a directory, or loop mode.

  Args:
    params: dict of the eval binary's flag values.

  Returns:
    The list of result dicts.

  Raises:
    ValueError: a missing path, or no checkpoint where one is needed.
  """
  runtime.check_versions()
  path = params['checkpoint_path']
  if not path:
    raise ValueError('--checkpoint_path is required: a checkpoint file or a '
                     'training directory.')
  if tf.gfile.IsDirectory(path):
    if params['eval_loop']:
      return evaluation_loop(params, path)
    return [evaluate_checkpoint(params, restore.resolve_checkpoint(path))]
  if params['eval_loop']:
    raise ValueError('--eval_loop needs --checkpoint_path to be a directory, '
                     'got %s.' % path)
  return [evaluate_checkpoint(params, restore.resolve_checkpoint(path))]
