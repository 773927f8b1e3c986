"""Helpers to run the binaries as a user would, in a subprocess."""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_MNIST = os.path.join(os.path.dirname(REPO), 'shared', 'data', 'mnist')


def run_binary(script, flags, timeout=900, check=True):
  """Runs `python script --flag=value ...` from the repo root.

  Args:
    script: the binary's file name, e.g. 'train_image_classifier.py'.
    flags: dict of flag name -> value (True/False become --flag/--noflag).
    timeout: seconds before the run is killed.
    check: raise when the exit code is not 0 (with the output).

  Returns:
    The subprocess.CompletedProcess (stdout and stderr as text).
  """
  argv = [sys.executable, os.path.join(REPO, script)]
  for name, value in flags.items():
    if value is True:
      argv.append('--%s' % name)
    elif value is False:
      argv.append('--no%s' % name)
    elif value is not None:
      argv.append('--%s=%s' % (name, value))
  env = dict(os.environ, PYTHONPATH=REPO, CUDA_VISIBLE_DEVICES='')
  proc = subprocess.run(argv, cwd=REPO, env=env, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, universal_newlines=True,
                        timeout=timeout, check=False)
  if check and proc.returncode != 0:
    raise AssertionError('%s failed (exit %d):\n%s\n%s' % (
        ' '.join(argv), proc.returncode, proc.stdout[-3000:],
        proc.stderr[-6000:]))
  return proc


def lenet_digits_flags(train_dir, dataset_dir, steps, **extra):
  """Train-binary flags of a small LeNet run on the converted digits."""
  flags = {'train_dir': train_dir, 'dataset_name': 'digits',
           'dataset_split_name': 'train', 'dataset_dir': dataset_dir,
           'model_name': 'lenet', 'batch_size': 16, 'optimizer': 'sgd',
           'learning_rate': 0.01, 'weight_decay': 0.0,
           'max_number_of_steps': steps}
  flags.update(extra)
  return flags


def read_json(path):
  with open(path) as f:
    return json.load(f)


def scalar_events(log_dir, tag):
  """{step: value} of a scalar summary `tag` in the event files of log_dir."""
  import tensorflow.compat.v1 as tf  # pylint: disable=g-import-not-at-top
  values = {}
  for name in sorted(os.listdir(log_dir)):
    if not name.startswith('events.out.tfevents'):
      continue
    for event in tf.train.summary_iterator(
        os.path.join(log_dir, name)):
      for value in event.summary.value:
        if value.tag == tag:
          values[event.step] = value.simple_value
  return values
