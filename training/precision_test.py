"""Tests of training.precision and of --precision in the train binary.

The bfloat16 compute tests run on TF 2.x only (`tfcompat.IS_TF2`): the stack
that supports `--precision=bfloat16`. On TF 1.15 the flag must fail early.
"""
import collections
import os
import subprocess
import sys
import unittest

import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat
from deployment import model_deploy
from nets import nets_factory
from training import precision
from training import runtime
from training import train_lib

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NEEDS_TF2 = unittest.skipUnless(
    tfcompat.IS_TF2, '--precision=bfloat16 is supported on TF 2.x only; '
    'TF 1.15 must refuse it (tested below).')

_Setup = collections.namedtuple('_Setup', ['network_fn', 'num_classes'])


class _Iterator(object):
  """Gives build_train_op a get_next() of one fixed random batch."""

  def __init__(self, image_size, channels, num_classes):
    self._shape = [4, image_size, image_size, channels]
    self._num_classes = num_classes

  def get_next(self):
    return {'image': tf.random.uniform(self._shape, seed=1),
            'label': tf.zeros([self._shape[0]], tf.int64)}


def _train_params(**overrides):
  """The train binary's flag values build_train_op reads (defaults)."""
  params = {
      'precision': precision.FLOAT32, 'label_smoothing': 0.0,
      'quantize_delay': -1, 'moving_average_decay': None,
      'optimizer': 'rmsprop', 'rmsprop_decay': 0.9, 'rmsprop_momentum': 0.9,
      'opt_epsilon': 1.0, 'learning_rate': 0.01,
      'learning_rate_decay_type': 'fixed', 'end_learning_rate': 0.0001,
      'learning_rate_decay_factor': 0.94, 'num_epochs_per_decay': 2.0,
      'warmup_epochs': 0.0, 'dataset_num_samples': 100, 'batch_size': 4,
      'num_clones': 1, 'worker_replicas': 1, 'sync_replicas': False,
      'trainable_scopes': None, 'nan_check': True, 'task': 0,
  }
  params.update(overrides)
  return params


def _build_train_graph(model_name, image_size, channels, weight_decay,
                       **overrides):
  """train_lib.build_train_op's graph in a new graph; returns the graph.

  Its train op is the graph's collection 'precision_test/train_op'.
  """
  params = _train_params(**overrides)
  graph = tf.Graph()
  with graph.as_default():
    network_fn = nets_factory.get_network_fn(
        model_name, 10, weight_decay=weight_decay, is_training=True)
    deploy_config = model_deploy.DeploymentConfig(
        num_clones=params['num_clones'], clone_on_cpu=True)
    global_step = tf.train.get_or_create_global_step()
    outputs = train_lib.build_train_op(
        params, _Setup(network_fn, 10), _Iterator(image_size, channels, 10),
        deploy_config, global_step)
    graph.add_to_collection('precision_test/train_op', outputs[0])
  return graph


def _variable_signature(graph):
  with graph.as_default():
    return sorted((v.op.name, tuple(v.shape.as_list()), v.dtype.base_dtype.name)
                  for v in tf.global_variables())


def _lenet(images, prec):
  """LeNet's logits in `prec` (float32 out), in the current variable scope."""
  network_fn = nets_factory.get_network_fn('lenet', 10, is_training=False)
  with precision.mixed_precision_scope(prec) as mixed:
    logits, end_points = network_fn(mixed.cast_inputs(images))
  return logits, mixed.cast_outputs(logits, end_points)


class CheckPrecisionTest(tf.test.TestCase):

  def test_float32_is_accepted_on_both_stacks(self):
    precision.check_precision('float32', is_tf2=False)
    precision.check_precision('float32', is_tf2=True)

  def test_bfloat16_on_tf1_is_a_one_line_user_error(self):
    with self.assertRaises(runtime.UserError) as raised:
      precision.check_precision('bfloat16', is_tf2=False)
    message = str(raised.exception)
    self.assertIn('TF 2 stack', message)
    self.assertIn('make setup-tf2', message)
    self.assertNotIn('\n', message)
    precision.check_precision('bfloat16', is_tf2=True)

  def test_unknown_precision_is_a_user_error(self):
    with self.assertRaisesRegex(runtime.UserError, 'float16'):
      precision.check_precision('float16', is_tf2=True)

  @unittest.skipIf(tfcompat.IS_TF2, 'TF 2.x supports --precision=bfloat16.')
  def test_train_refuses_bfloat16_on_tf1_before_reading_data(self):
    with self.assertRaisesRegex(runtime.UserError, 'make setup-tf2'):
      train_lib.train({'precision': 'bfloat16'})  # No other flag is read.

  @unittest.skipIf(tfcompat.IS_TF2, 'TF 2.x supports --precision=bfloat16.')
  def test_binary_flag_on_tf1_exits_with_one_line(self):
    proc = subprocess.run(
        [sys.executable, 'train_image_classifier.py', '--precision=bfloat16',
         '--dataset_dir=/nonexistent', '--train_dir=/nonexistent/train'],
        cwd=_REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, check=False,
        env=dict(os.environ, PYTHONPATH=_REPO))
    self.assertEqual(proc.returncode, 1, proc.stderr)
    errors = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
    self.assertEqual(len(errors), 1, proc.stderr)
    self.assertIn('--precision=bfloat16 needs the TF 2 stack', errors[0])
    self.assertIn('make setup-tf2', errors[0])


class GetterTest(tf.test.TestCase):

  def test_bfloat16_request_gets_cast_of_float32_variable(self):
    with tf.Graph().as_default():
      with tf.variable_scope('net',
                             custom_getter=precision.variable_scope_getter):
        weights = tf.get_variable(
            'weights', [3, 4], dtype=tf.bfloat16,
            initializer=tf.constant_initializer(0.5))
        bias = tf.get_variable('bias', [4], dtype=tf.float32)
      self.assertIsInstance(weights, tf.Tensor)
      self.assertEqual(weights.dtype, tf.bfloat16)
      self.assertEqual(bias.dtype.base_dtype, tf.float32)  # passed through
      stored = {v.op.name: v.dtype.base_dtype for v in tf.global_variables()}
      self.assertEqual(stored, {'net/weights': tf.float32,
                                'net/bias': tf.float32})
      self.assertEqual(
          [v.op.name for v in tf.trainable_variables()],
          ['net/weights', 'net/bias'])
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(tf.cast(weights, tf.float32))
      np.testing.assert_array_equal(value, np.full([3, 4], 0.5, np.float32))

  def test_float32_scope_changes_nothing(self):
    with tf.Graph().as_default():
      images = tf.zeros([2, 28, 28, 1])
      logits, end_points = _lenet(images, 'float32')
      self.assertEqual(logits.dtype, tf.float32)
      self.assertEqual(end_points[1]['Logits'].dtype, tf.float32)
      self.assertEqual(
          {v.dtype.base_dtype for v in tf.global_variables()}, {tf.float32})


@_NEEDS_TF2
class BFloat16ComputeTest(tf.test.TestCase):

  def test_lenet_computes_in_bfloat16_close_to_float32(self):
    with tf.Graph().as_default():
      images = tf.random.uniform([64, 28, 28, 1], seed=3)
      with tf.variable_scope('net'):
        f32_logits, _ = _lenet(images, 'float32')
      with tf.variable_scope('net', reuse=True):  # the same variables
        bf16_raw, (bf16_logits, end_points) = _lenet(images, 'bfloat16')
      self.assertEqual(bf16_raw.dtype, tf.bfloat16)  # computed in bfloat16
      self.assertEqual(bf16_logits.dtype, tf.float32)
      self.assertEqual(end_points['conv1'].dtype, tf.float32)
      conv = tf.get_default_graph().get_operation_by_name(
          'net_1/LeNet/conv1/Conv2D')
      self.assertEqual(conv.get_attr('T'), tf.bfloat16)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        f32, bf16 = sess.run([f32_logits, bf16_logits])
    # bfloat16 keeps 8 significant bits (relative rounding 2**-9 = 0.2%);
    # rounding the input, every weight and every activation of 4 layers
    # (sums over up to 3136 terms) gives errors of about 1% of the logits'
    # scale. 5% of the scale bounds that with margin while a wrong network
    # (other weights, missing layer, float16 overflow) is off by ~100%.
    scale = np.abs(f32).max()
    self.assertGreater(scale, 0.1)
    self.assertLess(np.abs(bf16 - f32).max(), 0.05 * scale)
    self.assertLess(np.abs(bf16 - f32).mean(), 0.01 * scale)
    self.assertGreater(np.mean(bf16.argmax(1) == f32.argmax(1)), 0.9)

  def test_gradients_reach_float32_variables(self):
    with tf.Graph().as_default():
      images = tf.random.uniform([8, 28, 28, 1], seed=3)
      _, (logits, _) = _lenet(images, 'bfloat16')
      loss = tf.losses.sparse_softmax_cross_entropy(
          tf.range(8) % 10, logits)
      self.assertEqual(loss.dtype, tf.float32)
      variables = tf.trainable_variables()
      self.assertLen(variables, 8)
      grads = tf.gradients(loss, variables)
      for grad, var in zip(grads, variables):
        self.assertIsNotNone(grad, var.op.name)
        self.assertEqual(var.dtype.base_dtype, tf.float32)
        self.assertEqual(grad.dtype, tf.float32, var.op.name)
      step = tf.train.GradientDescentOptimizer(0.1).apply_gradients(
          zip(grads, variables))
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(variables)
        grad_values = sess.run(grads)
        sess.run(step)
        after = sess.run(variables)
    for grad, var in zip(grad_values, variables):
      self.assertTrue(np.all(np.isfinite(grad)), var.op.name)
      self.assertGreater(np.abs(grad).max(), 0.0, var.op.name)
    for old, new in zip(before, after):
      self.assertFalse(np.array_equal(old, new))

  def test_batch_norm_runs_on_bfloat16_with_float32_statistics(self):
    graph = _build_train_graph('resnet_cifar_20', 32, 3, 0.0001,
                               precision='bfloat16')
    with graph.as_default():
      bn = [op for op in graph.get_operations()
            if op.type.startswith('FusedBatchNorm') and
            not op.type.endswith('Grad')]
      self.assertTrue(bn)
      self.assertEqual({op.get_attr('T') for op in bn}, {tf.bfloat16})
      self.assertEqual({op.get_attr('U') for op in bn}, {tf.float32})
      train_op = graph.get_collection('precision_test/train_op')[0]
      moving = [v for v in tf.global_variables() if 'moving_mean' in v.name]
      with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(moving)
        losses = [sess.run(train_op) for _ in range(3)]
        after = sess.run(moving)
    self.assertTrue(np.all(np.isfinite(losses)))
    self.assertFalse(all(np.array_equal(b, a) for b, a in zip(before, after)))


  def test_missing_bfloat16_kernel_fails_while_building(self):
    # TF 2.21 registers LRN for float32 and float16 only; a session would
    # fail at its first step with a long traceback.
    with tf.Graph().as_default():
      with self.assertRaisesRegex(runtime.UserError,
                                  r'my_lrn \(LRN\) has no bfloat16'):
        with precision.mixed_precision_scope('bfloat16') as mixed:
          tf.nn.lrn(mixed.cast_inputs(tf.zeros([2, 4, 4, 3])), name='my_lrn')

  def test_cifarnet_runs_its_lrn_in_float32(self):
    with tf.Graph().as_default():
      network_fn = nets_factory.get_network_fn('cifarnet', 10,
                                               is_training=True)
      with precision.mixed_precision_scope('bfloat16') as mixed:
        logits, end_points = network_fn(
            mixed.cast_inputs(tf.zeros([2, 32, 32, 3])))
      self.assertEqual(logits.dtype, tf.bfloat16)
      self.assertEqual(end_points['norm1'].dtype, tf.bfloat16)
      lrn_ops = [op for op in tf.get_default_graph().get_operations()
                 if op.type == 'LRN']
      self.assertLen(lrn_ops, 2)
      for op in lrn_ops:
        self.assertEqual(op.get_attr('T'), tf.float32)


class TrainGraphTest(tf.test.TestCase):
  """The train binary's graph: the same checkpoint in both precisions."""

  def _assert_same_variables(self, model_name, image_size, channels,
                             num_clones=1):
    graphs = {
        prec: _build_train_graph(model_name, image_size, channels, 0.004,
                                 precision=prec, num_clones=num_clones)
        for prec in (['float32', 'bfloat16'] if tfcompat.IS_TF2
                     else ['float32'])}
    signatures = {p: _variable_signature(g) for p, g in graphs.items()}
    f32 = signatures['float32']
    self.assertTrue(f32)
    self.assertEqual({dtype for name, _, dtype in f32
                      if name != 'global_step'}, {'float32'})
    if 'bfloat16' in signatures:
      self.assertEqual(signatures['bfloat16'], f32)  # names, shapes, dtypes
    return graphs

  def test_lenet_variables_identical(self):
    self._assert_same_variables('lenet', 28, 1)

  def test_batch_norm_network_variables_identical(self):
    self._assert_same_variables('resnet_cifar_20', 32, 3)

  @_NEEDS_TF2
  def test_losses_float32_and_regularizers_counted_once_per_variable(self):
    graphs = self._assert_same_variables('lenet', 28, 1, num_clones=2)
    counts = {}
    for prec, graph in graphs.items():
      losses = graph.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
      self.assertEqual({l.dtype for l in losses}, {tf.float32}, prec)
      counts[prec] = len(losses)
      self.assertEqual(
          {l.dtype for l in graph.get_collection(tf.GraphKeys.LOSSES)},
          {tf.float32}, prec)
    self.assertEqual(counts['bfloat16'], counts['float32'])
    self.assertEqual(counts['float32'], 4)  # lenet's 4 weight matrices


if __name__ == '__main__':
  tf.test.main()
