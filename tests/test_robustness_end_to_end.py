"""Robustness of the binaries (issue 6): a killed trainer resumes, the eval
loop survives checkpoints deleted under it, NaN losses stop training without
overwriting the last good checkpoint, and bad TFRecords are named.

The shape-mismatch error of a fine-tune without --checkpoint_exclude_scopes
is tested in tests/test_finetune_resnet.py and training/restore_test.py; the
eval loop over existing checkpoints (each once, in step order, across
restarts) in tests/test_train_eval_behaviour.py.
"""
import glob
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow.compat.v1 as tf

from tests import e2e_util

pytestmark = pytest.mark.slow


def _train_flags(train_dir, dataset_dir, steps, **extra):
  flags = e2e_util.lenet_digits_flags(
      train_dir, dataset_dir, steps, log_every_n_steps=1, num_readers=1,
      num_preprocessing_threads=1)
  flags.update(extra)
  return flags


def _eval_flags(checkpoint_path, eval_dir, dataset_dir, **extra):
  flags = {'checkpoint_path': checkpoint_path, 'eval_dir': eval_dir,
           'dataset_name': 'digits', 'dataset_split_name': 'test',
           'dataset_dir': dataset_dir, 'model_name': 'lenet'}
  flags.update(extra)
  return flags


def _step(checkpoint):
  return int(checkpoint.rsplit('-', 1)[1])


def _assert_restorable_and_finite(checkpoint):
  reader = tf.train.load_checkpoint(checkpoint)
  names = reader.get_variable_to_shape_map()
  assert any(n.startswith('LeNet/') for n in names)
  for name in names:
    value = reader.get_tensor(name)
    if np.issubdtype(np.asarray(value).dtype, np.floating):
      assert np.all(np.isfinite(value)), name


def _error_line(proc):
  assert proc.returncode != 0
  lines = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
  assert len(lines) == 1, proc.stderr[-3000:]
  assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
  return lines[0]


def test_sigkilled_training_resumes_from_its_last_checkpoint(
    digits_dir, tmp_path):
  train_dir = str(tmp_path / 'train')
  argv = [sys.executable, os.path.join(e2e_util.REPO,
                                       'train_image_classifier.py')]
  argv += ['--%s=%s' % kv for kv in _train_flags(
      train_dir, digits_dir, 100000, save_interval_secs=1).items()]
  env = dict(os.environ, PYTHONPATH=e2e_util.REPO, CUDA_VISIBLE_DEVICES='')
  proc = subprocess.Popen(argv, cwd=e2e_util.REPO, env=env,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
  try:
    deadline = time.time() + 90
    while time.time() < deadline:
      latest = tf.train.latest_checkpoint(train_dir)
      if latest and _step(latest) >= 10:
        break
      time.sleep(0.5)
    else:
      pytest.fail('no checkpoint past step 10 within 90 s')
    time.sleep(1.5)  # Likely in the middle of a step or a save.
  finally:
    proc.send_signal(signal.SIGKILL)
    proc.wait()
  killed_at = tf.train.latest_checkpoint(train_dir)
  # Whatever the kill interrupted, the checkpoint the index names is whole.
  _assert_restorable_and_finite(killed_at)
  steps = [_step(p[:-len('.index')])
           for p in glob.glob(os.path.join(train_dir, '*.ckpt-*.index'))]
  assert _step(killed_at) == max(steps)

  target = _step(killed_at) + 10
  resumed = e2e_util.run_binary('train_image_classifier.py', _train_flags(
      train_dir, digits_dir, target))
  logged = [int(s) for s in re.findall(r'\] step (\d+): loss',
                                       resumed.stderr)]
  # Monotone: it continues after the checkpoint's step, not from 0 (the
  # logged step is read concurrently with the update: +1 or +2).
  assert logged and 0 < min(logged) - _step(killed_at) <= 2, logged
  assert logged == sorted(logged)
  final = tf.train.latest_checkpoint(train_dir)
  assert _step(final) == target
  _assert_restorable_and_finite(final)


def _eval_params(checkpoint_dir, eval_dir, dataset_dir):
  """The eval binary's flag values, parsed in-process."""
  import eval_image_classifier  # pylint: disable=g-import-not-at-top
  flags = eval_image_classifier.FLAGS
  argv = ['eval_image_classifier.py'] + ['--%s=%s' % kv for kv in _eval_flags(
      checkpoint_dir, eval_dir, dataset_dir, eval_all_checkpoints=True,
      eval_loop=True, timeout=0, eval_interval_secs=1).items()]
  flags.unparse_flags()
  flags(argv)
  return flags.flag_values_dict()


def test_eval_loop_skips_a_checkpoint_deleted_by_the_trainer(
    digits_dir, tmp_path, monkeypatch, caplog):
  from training import eval_lib  # pylint: disable=g-import-not-at-top
  train_dir = str(tmp_path / 'train')
  for steps in (5, 10):  # Checkpoints 0, 5 and 10.
    e2e_util.run_binary('train_image_classifier.py', _train_flags(
        train_dir, digits_dir, steps))
  assert [eval_lib.checkpoint_step(c)
          for c in eval_lib.list_checkpoints(train_dir)] == [0, 5, 10]
  evaluate = eval_lib.evaluate_checkpoint

  def evaluate_while_training(params, checkpoint):
    # The trainer's max_to_keep deletes model.ckpt-5 while the loop
    # evaluates model.ckpt-0, after the loop listed both.
    result = evaluate(params, checkpoint)
    if eval_lib.checkpoint_step(checkpoint) == 0:
      for path in glob.glob(os.path.join(train_dir, 'model.ckpt-5.*')):
        os.remove(path)
    return result

  monkeypatch.setattr(eval_lib, 'evaluate_checkpoint',
                      evaluate_while_training)
  eval_dir = str(tmp_path / 'eval')
  params = _eval_params(train_dir, eval_dir, digits_dir)
  caplog.set_level(logging.INFO)
  results = eval_lib.evaluation_loop(params, train_dir)
  assert [r['step'] for r in results] == [0, 10]
  assert 'model.ckpt-5 disappeared before it could be evaluated' in (
      caplog.text)
  assert sorted(eval_lib.evaluated_steps(eval_dir)) == [0, 10]
  # Restarted, the loop evaluates nothing again.
  monkeypatch.setattr(eval_lib, 'evaluate_checkpoint', evaluate)
  # A list, and empty. pylint: disable=use-implicit-booleaness-not-comparison
  assert eval_lib.evaluation_loop(params, train_dir) == []


def test_eval_loop_beside_a_trainer_that_deletes_checkpoints(
    digits_dir, tmp_path):
  """The real race: max_to_keep=1 and a checkpoint every second."""
  train_dir = str(tmp_path / 'train')
  eval_dir = str(tmp_path / 'eval')
  env = dict(os.environ, PYTHONPATH=e2e_util.REPO, CUDA_VISIBLE_DEVICES='')
  argv = [sys.executable, os.path.join(e2e_util.REPO,
                                       'train_image_classifier.py')]
  argv += ['--%s=%s' % kv for kv in _train_flags(
      train_dir, digits_dir, 150, save_interval_secs=1,
      max_checkpoints_to_keep=1, log_every_n_steps=50).items()]
  trainer = subprocess.Popen(argv, cwd=e2e_util.REPO, env=env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, universal_newlines=True)
  try:
    deadline = time.time() + 60
    while not os.path.isdir(train_dir) and time.time() < deadline:
      time.sleep(0.2)  # The loop needs the directory to exist.
    loop = e2e_util.run_binary('eval_image_classifier.py', _eval_flags(
        train_dir, eval_dir, digits_dir, eval_loop=True,
        eval_all_checkpoints=True, timeout=20, eval_interval_secs=1,
        batch_size=300), timeout=180)
    trainer_err = trainer.communicate(timeout=120)[1]
  finally:
    if trainer.poll() is None:
      trainer.kill()
      trainer.wait()
  assert trainer.returncode == 0, trainer_err[-3000:]
  with open(os.path.join(eval_dir, 'metrics_history.jsonl')) as f:
    steps = [int(re.search(r'"step": (\d+)', l).group(1)) for l in f]
  # Each evaluated once, in step order, the final checkpoint included.
  assert steps == sorted(set(steps)), steps
  assert steps[-1] == 150, (steps, loop.stderr[-2000:])
  assert 'Traceback' not in loop.stderr


def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(
    digits_dir, tmp_path):
  train_dir = str(tmp_path / 'train')
  e2e_util.run_binary('train_image_classifier.py', _train_flags(
      train_dir, digits_dir, 10))
  good = tf.train.latest_checkpoint(train_dir)
  assert good.endswith('model.ckpt-10')
  # A learning rate that blows the weights up within a few steps.
  diverged = e2e_util.run_binary('train_image_classifier.py', _train_flags(
      train_dir, digits_dir, 200, learning_rate=1e10, save_interval_secs=1),
      check=False)
  error = _error_line(diverged)
  match = re.search(r'NaN or Inf at global step (\d+)', error)
  assert match, error
  assert int(match.group(1)) > 10
  assert '--learning_rate' in error
  latest = tf.train.latest_checkpoint(train_dir)
  assert latest in error
  # No checkpoint of non-finite weights was written, before or at the error.
  for index in glob.glob(os.path.join(train_dir, '*.ckpt-*.index')):
    _assert_restorable_and_finite(index[:-len('.index')])
  # The eval binary still evaluates the last checkpoint.
  e2e_util.run_binary('eval_image_classifier.py', _eval_flags(
      train_dir, str(tmp_path / 'eval'), digits_dir))


def _copy_dataset(digits_dir, tmp_path, name):
  copy = str(tmp_path / name)
  shutil.copytree(digits_dir, copy)
  return copy


def test_truncated_tfrecord_is_named(digits_dir, tmp_path):
  data = _copy_dataset(digits_dir, tmp_path, 'truncated')
  test_file = glob.glob(os.path.join(data, 'digits_test_*.tfrecord'))[0]
  with open(test_file, 'rb+') as f:
    f.truncate(os.path.getsize(test_file) - 100)
  train_dir = str(tmp_path / 'train')
  e2e_util.run_binary('train_image_classifier.py', _train_flags(
      train_dir, digits_dir, 1))
  evaluation = e2e_util.run_binary('eval_image_classifier.py', _eval_flags(
      train_dir, str(tmp_path / 'eval'), data), check=False)
  error = _error_line(evaluation)
  assert test_file in error and 'truncated' in error, error
  assert 'download_and_convert_data.py' in error

  train_file = glob.glob(os.path.join(data, 'digits_train_*.tfrecord'))[0]
  with open(train_file, 'rb+') as f:
    f.truncate(os.path.getsize(train_file) - 100)
  training = e2e_util.run_binary('train_image_classifier.py', _train_flags(
      str(tmp_path / 'train2'), data, 300, batch_size=64), check=False)
  error = _error_line(training)
  assert train_file in error and 'truncated' in error, error


def test_corrupt_image_is_named_with_its_record(digits_dir, tmp_path):
  data = _copy_dataset(digits_dir, tmp_path, 'corrupt')
  test_file = glob.glob(os.path.join(data, 'digits_test_*.tfrecord'))[0]
  records = list(tf.io.tf_record_iterator(test_file))
  example = tf.train.Example.FromString(records[7])
  example.features.feature['image/encoded'].bytes_list.value[0] = (
      b'\x89PNG\r\n\x1a\n not really a png')
  records[7] = example.SerializeToString()
  with tf.io.TFRecordWriter(test_file) as writer:
    for record in records:
      writer.write(record)
  train_dir = str(tmp_path / 'train')
  e2e_util.run_binary('train_image_classifier.py', _train_flags(
      train_dir, digits_dir, 1))
  evaluation = e2e_util.run_binary('eval_image_classifier.py', _eval_flags(
      train_dir, str(tmp_path / 'eval'), data), check=False)
  error = _error_line(evaluation)
  assert '%s: record 7 is corrupt' % test_file in error, error
