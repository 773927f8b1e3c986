"""Tests of the GEMM kernels behind the benchmark's peak."""
import numpy as np
import pytest
import tensorflow.compat.v1 as tf

from benchmarks import timing


@pytest.mark.parametrize('kernel', timing.GEMM_KERNELS)
def test_every_kernel_computes_the_matrix_product(kernel):
  rng = np.random.RandomState(3)
  a = rng.standard_normal((5, 5)).astype(np.float32)
  b = rng.standard_normal((5, 5)).astype(np.float32)
  with tf.Graph().as_default():
    product = timing.gemm(tf.constant(a), tf.constant(b), kernel)
    with tf.Session() as session:
      value = session.run(product)
  np.testing.assert_allclose(value, a.dot(b), rtol=1e-5, atol=1e-5)


def test_unknown_kernel_lists_the_known_ones():
  with tf.Graph().as_default():
    a = tf.zeros([2, 2])
    with pytest.raises(ValueError, match='matmul, conv1x1'):
      timing.gemm(a, a, 'fft')


def test_peak_of_each_kernel_is_positive():
  for kernel in timing.GEMM_KERNELS:
    gflops, runs = timing.matmul_peak_gflops(
        tf.ConfigProto(), size=64, seconds=0.05, kernel=kernel)
    assert gflops > 0 and runs >= 3
