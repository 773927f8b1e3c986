"""OpenMP settings for MKL (oneDNN) builds of TensorFlow (intel-tensorflow).

Intel's guidance for TF 1.x CPU training with MKL:

* `OMP_NUM_THREADS` = physical cores used by the intra-op pool (set it to
  `--intra_op_parallelism_threads` when that is given);
* `KMP_BLOCKTIME=1`: milliseconds an OpenMP thread spins after a parallel
  region before sleeping (the default 200 steals cores from tf.data and
  inter-op threads; 0 or 1 is recommended for CNNs);
* `KMP_AFFINITY=granularity=fine,compact,1,0`: pin threads to cores;
* inter-op threads: 1 or 2 (number of sockets).

The stock `tensorflow==1.15.5` wheel is built without MKL; there these
variables do nothing and are not set. Values already in the environment are
kept. They must be set before the first session runs (the OpenMP runtime
reads them when it starts).
"""
import multiprocessing
import os

from tensorflow.python.framework import test_util  # pylint: disable=g-direct-tensorflow-import

KMP_BLOCKTIME = '1'
KMP_AFFINITY = 'granularity=fine,compact,1,0'


def mkl_enabled():
  """Whether this TensorFlow build uses MKL (oneDNN) kernels."""
  return bool(test_util.IsMklEnabled())


def onednn_disabled():
  """Whether `TF_DISABLE_MKL=1` turns an MKL build's oneDNN kernels off.

  intel-tensorflow 1.15 then runs TensorFlow's own (Eigen) kernels, while
  `mkl_enabled()` still reports the build. TensorFlow parses the value as an
  integer and disables oneDNN when it equals 1; so does this.

  Returns:
    True when the variable asks for TensorFlow's own kernels.
  """
  try:
    return int(os.environ.get('TF_DISABLE_MKL', '')) == 1
  except ValueError:
    return False


def mkl_settings(intra_op_threads=0):
  """The recommended OpenMP variables (see the module doc).

  Args:
    intra_op_threads: the session's intra-op threads (0: all cores).

  Returns:
    Dict of environment variable -> value.
  """
  threads = intra_op_threads or multiprocessing.cpu_count()
  return {'KMP_BLOCKTIME': KMP_BLOCKTIME, 'KMP_AFFINITY': KMP_AFFINITY,
          'OMP_NUM_THREADS': str(threads)}


def mkl_record(intra_op_threads=0, apply_env=True, enabled=None):
  """The benchmark's `mkl` record; sets the OpenMP variables on MKL builds.

  Args:
    intra_op_threads: the session's intra-op threads (0: all cores).
    apply_env: set the recommended variables where unset (`--mkl_env`);
      False records the build only.
    enabled: whether the build is MKL; None: ask TensorFlow.

  Returns:
    Dict with 'enabled', 'onednn_disabled' (an MKL build told to run
    TensorFlow's own kernels) and 'env' (the OpenMP variables in effect;
    empty when not applied or not an MKL build).
  """
  if enabled is None:
    enabled = mkl_enabled()
  record = {'enabled': enabled, 'onednn_disabled': enabled and
            onednn_disabled(), 'env': {}}
  if enabled and apply_env:
    for name, value in mkl_settings(intra_op_threads).items():
      os.environ.setdefault(name, value)
    record['env'] = {name: os.environ[name] for name in mkl_settings()}
  return record
