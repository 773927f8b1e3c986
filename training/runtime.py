"""Process-level concerns shared by the binaries.

Version check, session configuration, the run record (`flags.json`), and the
one-line error exit every binary uses for mistakes a user can fix.
"""
import contextlib
import json
import os
import platform
import sys
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

# TF 1.15 (`make setup`) and TF 2.x in graph mode (`make setup-tf2`).
SUPPORTED_TF_PREFIXES = ('1.15.', '2.')


class UserError(ValueError):
  """A mistake in flags or files that the user can fix; printed in one line."""


def check_versions(tf_version=None):
  """Fails with a one-line message when TensorFlow is not a supported version.

  Args:
    tf_version: the version string to check (default: the installed one).

  Raises:
    UserError: unsupported TensorFlow.
  """
  tf_version = tf_version or tf.VERSION
  if not tf_version.startswith(SUPPORTED_TF_PREFIXES):
    raise UserError(
        'TensorFlow %s is not supported: this library runs on TensorFlow '
        '1.15.x (pinned in requirements.txt; run `make setup`) or on '
        'TensorFlow 2.x in graph mode (pinned in requirements-tf2.txt; run '
        '`make setup-tf2`).' % tf_version)


def contrib_quantize():
  """`tf.contrib.quantize` (the quantization rewrites), imported on demand.

  Only `--quantize_delay`/`--quantize` need tf.contrib, so every other path
  imports without it (PITFALLS, TF 2 migration item 2).

  Returns:
    The tensorflow.contrib.quantize module.

  Raises:
    UserError: tf.contrib is not there (TensorFlow 2.x).
  """
  try:
    from tensorflow.contrib import quantize  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise UserError(
        'Quantization (--quantize_delay / --quantize) uses '
        'tf.contrib.quantize, which TensorFlow %s does not have; run it on '
        'the TF 1.15 stack (`make setup`).' % tf.VERSION)
  return quantize


def quiet_tensorflow():
  """Keeps TensorFlow's deprecation warnings out of the normal logs."""
  tf.logging.set_verbosity(tf.logging.ERROR)


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


def session_config_from_params(params):
  """`session_config` from the values of `common_flags.define_session_flags`.

  Args:
    params: dict of flag values; missing keys take the flags' defaults.

  Returns:
    The ConfigProto.
  """
  return session_config(params.get('gpu_allow_growth', True),
                        params.get('gpu_memory_fraction'),
                        params.get('inter_op_parallelism_threads') or 0,
                        params.get('intra_op_parallelism_threads') or 0)


def _uncompiled_variable(next_creator, **kwargs):
  """Creates a variable, its initializer and handle outside XLA clusters.

  Compiled, a resource variable's initialization check (VarIsInitializedOp)
  never sees the initializer's write, so the session's ready check fails
  with "Variables not initialized" after initialization.
  """
  with tf.xla.experimental.jit_scope(compile_ops=False):
    return next_creator(**kwargs)


@contextlib.contextmanager
def xla_scope(enabled):
  """A context whose ops XLA compiles when `enabled` (`--xla`), else a no-op.

  `tf.xla.experimental.jit_scope` marks the ops built inside (the network and
  its losses; their gradients inherit the mark) for XLA's just-in-time
  compiler, which fuses them into kernels compiled for this CPU. Variables
  created inside are not compiled (`_uncompiled_variable`); ops XLA cannot
  compile (input iterators, summaries, reference-variable updates) run as
  usual. Measured on a 2-core CPU (README, Performance): on TF 1.15 faster
  lenet, cifarnet, resnet_v1_50 and vgg_16 training, much slower
  mobilenet_v1 (depthwise convolutions); on TF 2 faster lenet only; no
  faster evaluation. Hence off by default.

  Args:
    enabled: compile or not.

  Yields:
    Nothing; ops are built inside the context.
  """
  if not enabled:
    yield
    return
  with tf.xla.experimental.jit_scope(), tf.variable_creator_scope(
      _uncompiled_variable):
    yield


_INPUT_INITIALIZERS = 'input_iterator_initializers'


def input_iterator(data):
  """An iterator over the training input `data`, started by local_init_op().

  Not a one-shot iterator: that op holds the whole input pipeline, its map
  functions included, in a function attribute, and every training step reads
  through it. TF 1.15's graph optimizer (grappler) optimizes each function
  reachable from a step's fetches again for every new set of fetches (the
  first step, the steps that also write summaries or log): about 1 s of a
  20-step LeNet run on digits (README, Input pipeline). The initializer of
  this iterator holds the pipeline instead; it runs once per session, so the
  steps reach none of its functions.

  Args:
    data: a tf.data.Dataset.

  Returns:
    The tf.data Iterator; local_init_op() of its graph starts it.
  """
  iterator = tf.data.make_initializable_iterator(data)
  tf.add_to_collection(_INPUT_INITIALIZERS, iterator.initializer)
  return iterator


def local_init_op():
  """Scaffold's default local init op, and the starts of input_iterator()s.

  Build it once the graph is complete: it initializes the local variables
  (streaming metrics, ...) that exist when it is called.
  """
  return tf.group(tf.train.Scaffold.default_local_init_op(),
                  *tf.get_collection(_INPUT_INITIALIZERS))


def environment_info():
  """Library versions and host facts recorded with every run."""
  import tf_slim  # pylint: disable=g-import-not-at-top
  return {
      'python': platform.python_version(),
      'tensorflow': tf.VERSION,
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


def _is_ps_task(values):
  """Whether this process is a parameter server (which reads no data)."""
  if values.get('job_name'):
    return values['job_name'] == 'ps'
  try:
    task = json.loads(os.environ.get('TF_CONFIG') or '{}').get('task', {})
  except ValueError:
    return False
  return isinstance(task, dict) and task.get('type') == 'ps'


def run_binary(library_fn):
  """The main of a binary: `library_fn(flag values)` behind app.run.

  Requires --dataset_dir, keeps TensorFlow's deprecation notices out of the
  logs, and turns user errors into one line and exit status 1.

  Args:
    library_fn: fn(dict of flag values), e.g. train_lib.train.
  """
  def main(unused_argv):
    values = flags.FLAGS.flag_values_dict()
    if not values['dataset_dir'] and not _is_ps_task(values):
      raise UserError('You must supply the dataset directory with '
                      '--dataset_dir.')
    library_fn(values)

  quiet_tensorflow()
  app.run(lambda argv: run_main(main, argv))
