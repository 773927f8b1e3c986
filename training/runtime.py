"""Process-level concerns shared by the binaries.

Version check, session configuration, the run record (`flags.json`), and the
one-line error exit every binary uses for mistakes a user can fix.
"""
import json
import os
import platform
import sys
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

SUPPORTED_TF_PREFIXES = ('1.15.',)


class UserError(ValueError):
  """A mistake in flags or files that the user can fix; printed in one line."""


def check_versions(tf_version=None):
  """Fails with a one-line message when TensorFlow is not a supported version.

  Args:
    tf_version: the version string to check (default: the installed one).

  Raises:
    UserError: unsupported TensorFlow.
  """
  tf_version = tf_version or tf.__version__
  if not tf_version.startswith(SUPPORTED_TF_PREFIXES):
    raise UserError(
        'TensorFlow %s is not supported: this library needs TensorFlow 1.15.x '
        '(pinned: tensorflow==1.15.5, tf-slim==1.1.0, numpy==1.18.5, '
        'protobuf==3.20.3); run `make setup`.' % tf_version)


def quiet_tensorflow():
  """Keeps TensorFlow's deprecation warnings out of the normal logs."""
  tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)


def session_config(gpu_allow_growth=True, gpu_memory_fraction=None,
                   inter_op_threads=0, intra_op_threads=0):
  """A tf.ConfigProto for training and evaluation sessions.

  Args:
    gpu_allow_growth: allocate GPU memory as needed, so a training and an
      evaluation process can share a GPU.
    gpu_memory_fraction: cap on the fraction of GPU memory, or None.
    inter_op_threads: inter-op thread pool size (0: TensorFlow's choice).
    intra_op_threads: intra-op thread pool size (0: TensorFlow's choice).

  Returns:
    The ConfigProto.
  """
  config = tf.ConfigProto(allow_soft_placement=True,
                          inter_op_parallelism_threads=inter_op_threads,
                          intra_op_parallelism_threads=intra_op_threads)
  config.gpu_options.allow_growth = bool(gpu_allow_growth)
  if gpu_memory_fraction:
    config.gpu_options.per_process_gpu_memory_fraction = gpu_memory_fraction
  return config


def environment_info():
  """Library versions and host facts recorded with every run."""
  import tf_slim  # pylint: disable=g-import-not-at-top
  return {
      'python': platform.python_version(),
      'tensorflow': tf.__version__,
      'tf_slim': getattr(tf_slim, '__version__', '1.1.0'),
      'numpy': np.__version__,
      'host': platform.node(),
      'argv': sys.argv,
      'time': time.strftime('%Y-%m-%dT%H:%M:%S'),
  }


def write_json(path, payload):
  """Writes `payload` as indented JSON, creating the directory."""
  tf.gfile.MakeDirs(os.path.dirname(path) or '.')
  with tf.gfile.GFile(path, 'w') as f:
    f.write(json.dumps(payload, indent=2, sort_keys=True, default=str))
    f.write('\n')


def read_json(path):
  """Reads a JSON file, or returns None when it does not exist."""
  if not tf.gfile.Exists(path):
    return None
  with tf.gfile.GFile(path) as f:
    return json.load(f)


def run_main(main_fn, argv):
  """Runs `main_fn(argv)`, turning user errors into one line and exit 1."""
  try:
    return main_fn(argv)
  except (UserError, ValueError, tf.errors.NotFoundError, IOError) as e:
    logging.debug('Traceback:', exc_info=True)
    message = getattr(e, 'message', None) or str(e)
    sys.stderr.write('ERROR: %s\n' % ' '.join(message.split()))
    sys.exit(1)


def run_binary(library_fn):
  """The main of a binary: `library_fn(flag values)` behind app.run.

  Requires --dataset_dir, keeps TensorFlow's deprecation notices out of the
  logs, and turns user errors into one line and exit status 1.

  Args:
    library_fn: fn(dict of flag values), e.g. train_lib.train.
  """
  def main(unused_argv):
    if not flags.FLAGS.dataset_dir:
      raise UserError('You must supply the dataset directory with '
                      '--dataset_dir.')
    library_fn(flags.FLAGS.flag_values_dict())

  quiet_tensorflow()
  app.run(lambda argv: run_main(main, argv))
