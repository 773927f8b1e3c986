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


def apply_mkl_env(intra_op_threads=0, enabled=None):
  """Sets the OpenMP variables when the build is MKL (keeps existing ones).

  Args:
    intra_op_threads: the session's intra-op threads (0: all cores).
    enabled: whether the build is MKL; None: ask TensorFlow.

  Returns:
    Dict with 'enabled' and 'env' (the values in effect; empty when the
    build is not MKL).
  """
  if enabled is None:
    enabled = mkl_enabled()
  if not enabled:
    return {'enabled': False, 'env': {}}
  for name, value in mkl_settings(intra_op_threads).items():
    os.environ.setdefault(name, value)
  return {'enabled': True,
          'env': {name: os.environ[name] for name in mkl_settings()}}
