"""Distributed (1 ps + 2 workers on loopback ports) and multi-clone training.

Every process is a real `train_image_classifier.py` started as a user would,
on the bundled digits with LeNet. The tests check that both workers advance
one shared global step, that only the chief writes the run, that the chief's
checkpoint evaluates with the eval binary, that synchronous training
fine-tunes from a checkpoint (PITFALLS 14), and that every process, the ps
included, exits by itself.
"""
import os
import re
import signal
import socket
import subprocess
import sys

import pytest
import tensorflow.compat.v1 as tf

from tests import e2e_util

pytestmark = pytest.mark.slow

PROCESS_TIMEOUT = 150
_STEP_RE = re.compile(r'\] step (\d+): loss')
_FINAL_RE = re.compile(r'Worker task (\d) finished at global step (\d+)')


def _free_ports(count):
  """Ports the OS reports free (bound then released)."""
  sockets = []
  for _ in range(count):
    sock = socket.socket()
    sock.bind(('localhost', 0))
    sockets.append(sock)
  ports = [s.getsockname()[1] for s in sockets]
  for sock in sockets:
    sock.close()
  return ports


def _argv(flags):
  argv = [sys.executable, os.path.join(e2e_util.REPO,
                                       'train_image_classifier.py')]
  for name, value in flags.items():
    if value is True:
      argv.append('--%s' % name)
    elif value is not None:
      argv.append('--%s=%s' % (name, value))
  return argv


class Cluster(object):
  """1 ps + 2 worker processes; kills what is left on teardown."""

  def __init__(self, log_dir):
    self.log_dir = log_dir
    self.procs = {}

  def start(self, name, flags):
    log = open(os.path.join(self.log_dir, name + '.log'), 'w')
    env = dict(os.environ, PYTHONPATH=e2e_util.REPO, CUDA_VISIBLE_DEVICES='')
    self.procs[name] = (subprocess.Popen(
        _argv(flags), cwd=e2e_util.REPO, env=env, stdout=log,
        stderr=subprocess.STDOUT), log)

  def wait_all(self):
    """{name: exit code}; a process still running after the timeout fails."""
    codes = {}
    for name, (proc, _) in self.procs.items():
      try:
        codes[name] = proc.wait(timeout=PROCESS_TIMEOUT)
      except subprocess.TimeoutExpired:
        codes[name] = 'hung'
    return codes

  def log(self, name):
    with open(os.path.join(self.log_dir, name + '.log')) as f:
      return f.read()

  def kill_all(self):
    for proc, log in self.procs.values():
      if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
      log.close()


@pytest.fixture
def cluster(tmp_path):
  running = Cluster(str(tmp_path))
  yield running
  running.kill_all()


def _run_cluster(cluster, digits_dir, train_dir, steps, **extra):
  ps_port, worker0_port, worker1_port = _free_ports(3)
  common = e2e_util.lenet_digits_flags(
      train_dir, digits_dir, steps, ps_hosts='localhost:%d' % ps_port,
      worker_hosts='localhost:%d,localhost:%d' % (worker0_port, worker1_port),
      log_every_n_steps=1, num_readers=1, num_preprocessing_threads=1)
  common.update(extra)
  cluster.start('ps0', dict(common, job_name='ps', task=0))
  cluster.start('worker0', dict(common, job_name='worker', task=0))
  cluster.start('worker1', dict(common, job_name='worker', task=1))
  codes = cluster.wait_all()
  logs = {name: cluster.log(name) for name in ('ps0', 'worker0', 'worker1')}
  assert codes == {'ps0': 0, 'worker0': 0, 'worker1': 0}, '%s\n%s' % (
      codes, '\n'.join('--- %s (last lines):\n%s' % (
          name, '\n'.join(log.splitlines()[-12:]))
                       for name, log in logs.items()))
  return logs


def _steps(log):
  return [int(s) for s in _STEP_RE.findall(log)]


def _final_step(log, task):
  finals = dict(_FINAL_RE.findall(log))
  return int(finals[str(task)])


def test_async_cluster_trains_one_global_step_and_exits(
    cluster, digits_dir, tmp_path):
  train_dir = str(tmp_path / 'train')
  steps = 40
  logs = _run_cluster(cluster, digits_dir, train_dir, steps)
  steps0, steps1 = _steps(logs['worker0']), _steps(logs['worker1'])
  finals = _final_step(logs['worker0'], 0), _final_step(logs['worker1'], 1)
  print('async steps: worker0 %s, worker1 %s, final %s' % (
      steps0, steps1, finals))
  # Both workers trained. How the steps split between them is the
  # scheduler's (seen on 2 busy cores: the chief 4 of 41 while it wrote the
  # graph and its first checkpoint), so each is only required to take one.
  assert steps0 and steps1, (steps0, steps1)
  # On one shared global step: each update (one per logged step) adds one to
  # it, so the updates of both add up to the step reached (41-42 seen), not
  # to `steps` each as separate counters would. The +2: the global step is a
  # ref variable, whose unlocked increments from two workers can race on the
  # ps and count once.
  assert steps <= len(steps0) + len(steps1) <= max(finals) + 2, (
      steps0, steps1, finals)
  assert min(finals) >= steps
  assert steps in set(steps0) | set(steps1) or max(steps0 + steps1) > steps
  assert 'All workers are done; parameter server task 0 exits' in logs['ps0']
  assert 'waits for the chief' in logs['worker1']
  assert 'global batch = 16 x 1 clones x 2 replicas = 32' in logs['worker0']
  # Only the chief writes the run.
  latest = tf.train.latest_checkpoint(train_dir)
  assert latest and int(latest.rsplit('-', 1)[1]) >= steps
  assert os.path.exists(os.path.join(train_dir, 'flags.json'))
  record = e2e_util.read_json(os.path.join(train_dir, 'flags.json'))
  assert record['resolved']['global_batch_size'] == 32
  assert record['flags']['num_ps_tasks'] == 1
  # The chief's checkpoint restores in the eval binary.
  eval_dir = str(tmp_path / 'eval')
  e2e_util.run_binary('eval_image_classifier.py', {
      'checkpoint_path': train_dir, 'eval_dir': eval_dir,
      'dataset_name': 'digits', 'dataset_split_name': 'test',
      'dataset_dir': digits_dir, 'model_name': 'lenet'})
  metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
  assert metrics['num_examples'] == 300
  # Asynchronous: the other worker can advance the global step while the
  # chief saves, so the saved step may be past the file name's (seen: 42
  # in model.ckpt-41). Eval reports the saved one.
  saved_step = int(tf.train.load_checkpoint(latest).get_tensor('global_step'))
  assert saved_step >= int(latest.rsplit('-', 1)[1])
  assert metrics['step'] == saved_step


def test_sync_cluster_fine_tunes_and_every_process_exits(
    cluster, digits_dir, tmp_path):
  source = str(tmp_path / 'source')
  e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': source, 'dataset_name': 'digits',
      'dataset_dir': digits_dir, 'model_name': 'lenet', 'batch_size': 16,
      'optimizer': 'sgd', 'max_number_of_steps': 5})
  train_dir = str(tmp_path / 'train')
  steps = 20
  logs = _run_cluster(cluster, digits_dir, train_dir, steps,
                      sync_replicas=True, replicas_to_aggregate=2,
                      checkpoint_path=source,
                      checkpoint_exclude_scopes='LeNet/fc4')
  # Only the chief restores the pretrained weights (PITFALLS 14).
  assert 'Fine-tuning from' in logs['worker0']
  assert 'Fine-tuning from' not in logs['worker1']
  # Synchronous: the global step advances once per aggregated update, and
  # both workers stop at the limit.
  assert _final_step(logs['worker0'], 0) == steps
  assert _final_step(logs['worker1'], 1) == steps
  latest = tf.train.latest_checkpoint(train_dir)
  assert latest.endswith('model.ckpt-%d' % steps)
  assert 'LeNet/conv1/weights' in tf.train.load_checkpoint(
      latest).get_variable_to_shape_map()


def test_two_clones_on_cpu_train_with_the_global_batch(digits_dir, tmp_path):
  train_dir = str(tmp_path / 'clones')
  proc = e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': train_dir, 'dataset_name': 'digits',
      'dataset_dir': digits_dir, 'model_name': 'lenet', 'batch_size': 8,
      'optimizer': 'sgd', 'max_number_of_steps': 10, 'num_clones': 2,
      'clone_on_cpu': True, 'log_every_n_steps': 5})
  assert ('batch_size 8 is per clone: global batch = 8 x 2 clones x 1 '
          'replicas = 16' in proc.stderr)
  assert tf.train.latest_checkpoint(train_dir).endswith('model.ckpt-10')
  record = e2e_util.read_json(os.path.join(train_dir, 'flags.json'))
  assert record['resolved']['global_batch_size'] == 16
  # One set of variables shared by both clones.
  names = tf.train.load_checkpoint(
      tf.train.latest_checkpoint(train_dir)).get_variable_to_shape_map()
  assert not any(n.startswith('clone_') for n in names), sorted(names)


def _start_cluster_script(tmp_path, digits_dir, python):
  """scripts/train_local_cluster.sh on free ports; (process, its pids)."""
  run_dir = tmp_path / 'script_run'
  run_dir.mkdir()
  os.symlink(digits_dir, str(run_dir / 'data'))  # Skips the conversion.
  ports = _free_ports(3)
  env = dict(os.environ, PYTHON=python, PS_PORT=str(ports[0]),
             WORKER0_PORT=str(ports[1]), WORKER1_PORT=str(ports[2]))
  proc = subprocess.Popen(
      [os.path.join(e2e_util.REPO, 'scripts', 'train_local_cluster.sh'),
       str(run_dir), '100000'], env=env, stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, universal_newlines=True)
  pids = re.findall(r'^ps task 0: pid (\d+),', proc.stdout.readline())
  pids += re.findall(r'^workers: pids (\d+) \(chief\) (\d+),',
                     proc.stdout.readline())[0]
  return proc, [int(pid) for pid in pids]


def _running(pid):
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  return True


def _assert_script_stops_all(proc, pids, expected_code):
  """The script's stderr, once it exited with expected_code, leaving no pid."""
  try:
    try:
      _, stderr = proc.communicate(timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
      proc.kill()
      raise AssertionError('the script hung: a process waits for a dead one')
    assert proc.returncode == expected_code, stderr
    left = [pid for pid in pids if _running(pid)]
    assert len(pids) == 3 and not left, (pids, left)
    return stderr
  finally:
    for pid in pids:
      if _running(pid):
        os.kill(pid, signal.SIGKILL)


def test_cluster_script_stops_everything_when_a_worker_fails(
    digits_dir, tmp_path):
  # Worker 1 dies at once: the ps would wait for it forever.
  python = tmp_path / 'python'
  python.write_text(
      '#!/bin/bash\n'
      'case " $* " in *" --job_name=worker --task=1 "*) exit 3;; esac\n'
      'exec %s "$@"\n' % sys.executable)
  python.chmod(0o755)
  proc, pids = _start_cluster_script(tmp_path, digits_dir, str(python))
  stderr = _assert_script_stops_all(proc, pids, 3)
  assert 'A process failed (exit 3); stopping the others' in stderr


def test_cluster_script_stops_everything_when_interrupted(
    digits_dir, tmp_path):
  proc, pids = _start_cluster_script(tmp_path, digits_dir, sys.executable)
  proc.send_signal(signal.SIGTERM)
  _assert_script_stops_all(proc, pids, 130)
