"""Behaviour of the binaries users rely on, on the small embedded digits set:
resuming, the evaluation loop, fine-tuning from a directory, few classes and
one-line errors for bad input."""
import glob
import json
import os

from google.protobuf import text_format
import numpy as np
import pytest
import tensorflow.compat.v1 as tf

from tests import e2e_util

pytestmark = pytest.mark.slow


def _train(train_dir, dataset_dir, steps, **extra):
  flags = e2e_util.lenet_digits_flags(train_dir, dataset_dir, steps,
                                      log_every_n_steps=5)
  flags.update(extra)
  return e2e_util.run_binary('train_image_classifier.py', flags)


def _weights(checkpoint):
  reader = tf.train.load_checkpoint(checkpoint)
  return {name: reader.get_tensor(name)
          for name in reader.get_variable_to_shape_map()
          if name.startswith('LeNet/')}


def _history_steps(eval_dir):
  path = os.path.join(eval_dir, 'metrics_history.jsonl')
  with open(path) as f:
    return [json.loads(line)['step'] for line in f if line.strip()]


def test_resume_continues_the_global_step(digits_dir, tmp_path):
  train_dir = str(tmp_path / 'train')
  _train(train_dir, digits_dir, 20)
  first = tf.train.latest_checkpoint(train_dir)
  assert first.endswith('model.ckpt-20')
  weights_20 = _weights(first)
  # Same limit again, with a checkpoint_path that must now be ignored: no
  # step is taken and nothing is re-initialised.
  other = str(tmp_path / 'other')
  _train(other, digits_dir, 5)
  again = _train(train_dir, digits_dir, 20, checkpoint_path=other)
  assert 'Ignoring --checkpoint_path' in again.stderr
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-20')
  for name, value in _weights(tf.train.latest_checkpoint(train_dir)).items():
    np.testing.assert_array_equal(value, weights_20[name], err_msg=name)
  # A larger limit continues from step 20.
  more = _train(train_dir, digits_dir, 40)
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-40')
  assert 'step 25:' in more.stderr and 'step 5:' not in more.stderr

  # The eval loop: every checkpoint once, in step order, remembered across
  # restarts of the loop.
  eval_dir = str(tmp_path / 'eval')
  loop_flags = {'checkpoint_path': train_dir, 'eval_dir': eval_dir,
                'dataset_name': 'digits', 'dataset_split_name': 'test',
                'dataset_dir': digits_dir, 'model_name': 'lenet',
                'eval_loop': True, 'eval_all_checkpoints': True,
                'timeout': 0, 'eval_interval_secs': 1}
  loop = e2e_util.run_binary('eval_image_classifier.py', loop_flags)
  # Step 0: the trainer saves a checkpoint when its session starts.
  assert _history_steps(eval_dir) == [0, 20, 40]
  assert 'Waiting for a new checkpoint in %s' % train_dir in loop.stderr
  e2e_util.run_binary('eval_image_classifier.py', loop_flags)
  assert _history_steps(eval_dir) == [0, 20, 40]
  metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
  assert metrics['num_examples'] == 300


def test_fine_tune_from_a_directory_restores_its_weights(digits_dir, tmp_path):
  source = str(tmp_path / 'source')
  _train(source, digits_dir, 10)
  source_weights = _weights(tf.train.latest_checkpoint(source))
  target = str(tmp_path / 'target')
  # Only the logits train: every other restored weight stays as saved.
  _train(target, digits_dir, 10, checkpoint_path=source,
         checkpoint_exclude_scopes='LeNet/fc4',
         trainable_scopes='LeNet/fc4')
  tuned = _weights(tf.train.latest_checkpoint(target))
  for name, value in tuned.items():
    if name.startswith('LeNet/fc4'):
      assert not np.array_equal(value, source_weights[name]), name
    else:
      np.testing.assert_array_equal(value, source_weights[name],
                                    err_msg=name)


def _functions_called(node_defs, library):
  """Names of the library functions that `node_defs` call, transitively."""
  called, pending = set(), list(node_defs)
  while pending:
    node = pending.pop()
    names = [node.op] if node.op in library else []
    for value in node.attr.values():
      names.append(value.func.name)
      names.extend(func.name for func in value.list.func)
    for name in names:
      if name in library and name not in called:
        called.add(name)
        pending.extend(library[name].node_def)
  return called


def _fanin(graph_def, name):
  """The nodes `name` depends on (data and control inputs), itself included."""
  nodes = {node.name: node for node in graph_def.node}
  seen, pending = set(), [name]
  while pending:
    current = pending.pop()
    if current not in seen:
      seen.add(current)
      pending.extend(i.lstrip('^').split(':')[0]
                     for i in nodes[current].input)
  return [nodes[n] for n in seen]


def _is_dataset_op(node):
  return node.op.endswith(('Dataset', 'DatasetV2'))


def test_training_steps_reach_no_input_pipeline_function(digits_dir,
                                                         tmp_path):
  # TF 1.15 re-optimizes every function a step reaches for each new set of
  # fetches; the input pipeline's belong to its iterator's initializer only.
  train_dir = str(tmp_path / 'train')
  _train(train_dir, digits_dir, 2)
  graph_def = tf.GraphDef()
  with open(os.path.join(train_dir, 'graph.pbtxt')) as f:
    text_format.Parse(f.read(), graph_def)
  library = {f.signature.name: f for f in graph_def.library.function}
  pipeline = _functions_called(
      [n for n in graph_def.node if _is_dataset_op(n)], library)
  assert pipeline, 'no map function found on the dataset ops of the graph'
  step = _functions_called(_fanin(graph_def, 'train_op'), library)
  assert not step & pipeline, sorted(step & pipeline)
  assert not [name for name in step
              if any(map(_is_dataset_op, library[name].node_def))]


def _assert_one_line_error(proc, *fragments):
  assert proc.returncode != 0
  error_lines = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
  assert len(error_lines) == 1, proc.stderr[-3000:]
  for fragment in fragments:
    assert fragment in error_lines[0], error_lines[0]
  assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]


def test_bad_input_gives_one_line_errors(digits_dir, tmp_path):
  base = {'train_dir': str(tmp_path / 'bad'), 'dataset_name': 'digits',
          'dataset_dir': digits_dir, 'model_name': 'lenet',
          'max_number_of_steps': 1}

  def train(**changes):
    return e2e_util.run_binary('train_image_classifier.py',
                               dict(base, **changes), check=False)

  _assert_one_line_error(train(model_name='lenett'), 'lenett', 'cifarnet',
                         'lenet')
  _assert_one_line_error(train(dataset_name='mnits'), 'mnits', 'mnist')
  missing = str(tmp_path / 'no_such_dir')
  _assert_one_line_error(train(dataset_dir=missing), missing)
  empty = str(tmp_path / 'empty')
  os.makedirs(empty)
  _assert_one_line_error(train(dataset_dir=empty), empty)
  _assert_one_line_error(
      train(checkpoint_path=str(tmp_path / 'nope.ckpt')), 'nope.ckpt',
      '--checkpoint_path')
  _assert_one_line_error(train(dataset_dir=None), '--dataset_dir')
  evaluation = e2e_util.run_binary('eval_image_classifier.py', {
      'checkpoint_path': str(tmp_path / 'missing_train_dir'),
      'eval_dir': str(tmp_path / 'eval'), 'dataset_name': 'digits',
      'dataset_dir': digits_dir, 'model_name': 'lenet'}, check=False)
  _assert_one_line_error(evaluation, 'missing_train_dir')


def test_two_class_dataset_trains_and_evaluates(tmp_path):
  """Recall@5 with 2 classes: reported as Recall@2, no crash."""
  from PIL import Image  # pylint: disable=g-import-not-at-top
  rng = np.random.RandomState(0)
  image_dir = tmp_path / 'images'
  for label, name in enumerate(['dark', 'light']):
    os.makedirs(str(image_dir / name))
    for i in range(20):
      pixels = rng.randint(0, 100, (28, 28, 3)) + 150 * label
      Image.fromarray(pixels.astype(np.uint8)).save(
          str(image_dir / name / ('%d.png' % i)))
  dataset_dir = str(tmp_path / 'data')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'custom', 'dataset_dir': dataset_dir,
      'image_dir': str(image_dir), 'custom_name': 'tones',
      'num_validation': 10, 'num_shards': 2})
  train_dir = str(tmp_path / 'train')
  e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': train_dir, 'dataset_name': 'custom',
      'dataset_split_name': 'train', 'dataset_dir': dataset_dir,
      'model_name': 'lenet', 'batch_size': 10, 'max_number_of_steps': 30,
      'optimizer': 'adam', 'learning_rate': 0.001})
  eval_dir = str(tmp_path / 'eval')
  e2e_util.run_binary('eval_image_classifier.py', {
      'checkpoint_path': train_dir, 'eval_dir': eval_dir,
      'dataset_name': 'custom', 'dataset_split_name': 'validation',
      'dataset_dir': dataset_dir, 'model_name': 'lenet', 'batch_size': 4})
  metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
  assert metrics['num_examples'] == 10
  assert metrics['k'] == 2 and metrics['recall_at_k'] == 1.0
  assert e2e_util.scalar_events(eval_dir, 'eval/Recall_2')
  assert glob.glob(os.path.join(dataset_dir, 'tones_train_*-of-00002.tfrecord'))


def test_every_binary_answers_help():
  for script in ('train_image_classifier.py', 'eval_image_classifier.py',
                 'download_and_convert_data.py'):
    proc = e2e_util.run_binary(script, {'helpfull': True}, check=False)
    # absl's help flags print the usage and exit with status 1.
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert '--dataset_dir' in proc.stdout
    assert 'Traceback' not in proc.stderr
    assert 'deprecated' not in proc.stderr, proc.stderr[-2000:]


def test_moving_averages_are_evaluated_when_asked(digits_dir, tmp_path):
  train_dir = str(tmp_path / 'ema')
  _train(train_dir, digits_dir, 20, moving_average_decay=0.9)
  reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(train_dir))
  shadow = 'LeNet/conv1/weights/ExponentialMovingAverage'
  assert shadow in reader.get_variable_to_shape_map()
  base = {'checkpoint_path': train_dir, 'dataset_name': 'digits',
          'dataset_split_name': 'test', 'dataset_dir': digits_dir,
          'model_name': 'lenet'}
  ema_eval = e2e_util.run_binary('eval_image_classifier.py', dict(
      base, eval_dir=str(tmp_path / 'eval_ema'), moving_average_decay=0.9))
  assert 'Restoring' in ema_eval.stderr
  plain_eval = e2e_util.run_binary('eval_image_classifier.py', dict(
      base, eval_dir=str(tmp_path / 'eval_plain')))
  assert 'trained with moving_average_decay=0.9' in plain_eval.stderr
  # Averaged and raw weights differ, so do their predictions' losses.
  ema_loss = e2e_util.read_json(str(tmp_path / 'eval_ema' / 'metrics.json'))
  raw_loss = e2e_util.read_json(str(tmp_path / 'eval_plain' / 'metrics.json'))
  assert ema_loss['loss'] != raw_loss['loss']
  # A checkpoint without shadow variables cannot be evaluated with EMA.
  no_ema = str(tmp_path / 'no_ema')
  _train(no_ema, digits_dir, 5)
  failed = e2e_util.run_binary('eval_image_classifier.py', dict(
      base, checkpoint_path=no_ema, eval_dir=str(tmp_path / 'eval_fail'),
      moving_average_decay=0.9), check=False)
  _assert_one_line_error(failed, 'no moving-average variables')


def test_xla_trains_and_evaluates_like_the_uncompiled_graph(
    digits_dir, tmp_path, monkeypatch):
  # TensorFlow's INFO log says when XLA compiled a cluster.
  monkeypatch.setenv('TF_CPP_MIN_LOG_LEVEL', '0')
  compiled = 'Compiled cluster using XLA'
  train_dir = str(tmp_path / 'xla')
  trained = _train(train_dir, digits_dir, 20, xla=True)
  assert compiled in trained.stderr
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-20')
  assert json.loads(open(os.path.join(train_dir, 'flags.json')).read())[
      'flags']['xla'] is True
  assert 'step 20:' in trained.stderr
  base = {'checkpoint_path': train_dir, 'dataset_name': 'digits',
          'dataset_split_name': 'test', 'dataset_dir': digits_dir,
          'model_name': 'lenet'}
  predictions = {}
  for xla in (True, False):
    eval_dir = str(tmp_path / ('eval_xla_%s' % xla))
    evaluated = e2e_util.run_binary('eval_image_classifier.py', dict(
        base, eval_dir=eval_dir, xla=xla,
        predictions_file=os.path.join(eval_dir, 'predictions.npz')))
    assert (compiled in evaluated.stderr) == xla
    with np.load(os.path.join(eval_dir, 'predictions.npz')) as saved:
      order = np.argsort(saved['index'])
      predictions[xla] = {key: saved[key][order] for key in saved.files}
  # Same checkpoint, compiled or not: the same predictions (float rounding).
  assert len(predictions[True]['index']) == 300
  np.testing.assert_array_equal(predictions[True]['index'],
                                predictions[False]['index'])
  np.testing.assert_allclose(predictions[True]['logits'],
                             predictions[False]['logits'], atol=1e-4)
