"""Tests for training/runtime.py: versions, tf.contrib, sessions, XLA scope."""
import numpy as np
import tensorflow.compat.v1 as tf

from training import runtime
import tfcompat


class CheckVersionsTest(tf.test.TestCase):

  def test_both_stacks_are_accepted(self):
    for version in ('1.15.5', '1.15.2', '2.21.0', tf.VERSION):
      runtime.check_versions(version)

  def test_other_versions_name_both_set_ups(self):
    for version in ('1.14.0', '1.5.0', '3.0.0'):
      with self.assertRaisesRegex(runtime.UserError, version) as context:
        runtime.check_versions(version)
      self.assertIn('make setup`', str(context.exception))
      self.assertIn('make setup-tf2', str(context.exception))


class ContribQuantizeTest(tf.test.TestCase):

  def test_contrib_quantize_on_tf1_one_line_error_on_tf2(self):
    if tfcompat.IS_TF2:
      with self.assertRaisesRegex(runtime.UserError,
                                  'tf.contrib.quantize.*TF 1.15 stack'):
        runtime.contrib_quantize()
    else:
      quantize = runtime.contrib_quantize()
      self.assertTrue(callable(quantize.create_training_graph))
      self.assertTrue(callable(quantize.create_eval_graph))


class SessionConfigTest(tf.test.TestCase):

  def test_from_flag_values(self):
    config = runtime.session_config_from_params({
        'gpu_allow_growth': False, 'gpu_memory_fraction': 0.25,
        'inter_op_parallelism_threads': 1,
        'intra_op_parallelism_threads': 3, 'unrelated': 'ignored'})
    self.assertFalse(config.gpu_options.allow_growth)
    self.assertAlmostEqual(
        config.gpu_options.per_process_gpu_memory_fraction, 0.25)
    self.assertEqual(config.inter_op_parallelism_threads, 1)
    self.assertEqual(config.intra_op_parallelism_threads, 3)
    self.assertTrue(config.allow_soft_placement)

  def test_missing_values_take_the_flag_defaults(self):
    self.assertEqual(runtime.session_config_from_params({}),
                     runtime.session_config())


def _xla_marked(graph):
  return [op for op in graph.get_operations()
          if '_XlaCompile' in op.node_def.attr and
          op.node_def.attr['_XlaCompile'].b]


def op_types_run(session, fetch):
  """(value of `fetch`, types of the ops run); `_XlaRun` when XLA ran.

  Public for the other tests of `--xla` (uncertainty/confident_classifier).
  MKL builds (`make setup TF=intel`) run their own kernels of some ops
  (`_MklReluGrad` for `ReluGrad`); the types are given without that prefix.
  """
  metadata = tf.RunMetadata()
  value = session.run(fetch, options=tf.RunOptions(
      trace_level=tf.RunOptions.FULL_TRACE), run_metadata=metadata)
  types = {node.timeline_label.split(' = ')[-1].split('(')[0]
           for device in metadata.step_stats.dev_stats
           for node in device.node_stats}
  return value, {_without_mkl_prefix(name) for name in types}


def _without_mkl_prefix(op_type):
  return op_type[len('_Mkl'):] if op_type.startswith('_Mkl') else op_type


class XlaScopeTest(tf.test.TestCase):

  def _gradient(self, xla):
    """(d loss / d w, types of the ops run, ops marked for XLA)."""
    with tf.Graph().as_default() as graph:
      x = tf.constant([[1., -2., 3.], [0.5, 4., -1.]])
      w = tf.get_variable('w', initializer=tf.constant(
          [[0.1, -0.3], [0.2, 0.4], [-0.5, 0.6]]))
      with runtime.xla_scope(xla):
        loss = tf.reduce_sum(tf.nn.relu(tf.matmul(x, w)) * 2.0 + 1.0)
      gradient = tf.gradients(loss, w)[0]
      with self.session(graph=graph) as session:
        session.run(tf.global_variables_initializer())
        value, types = op_types_run(session, gradient)
    return value, types, _xla_marked(graph)

  def test_compiles_the_ops_and_their_gradients_with_the_same_result(self):
    compiled, compiled_types, marked = self._gradient(xla=True)
    plain, plain_types, unmarked = self._gradient(xla=False)
    self.assertAllClose(compiled, plain, rtol=1e-6)
    self.assertEqual(unmarked, [])
    marked_types = {op.type for op in marked}
    # Forward ops and the gradient ops built outside the scope.
    self.assertTrue({'MatMul', 'Relu', 'ReluGrad'} <= marked_types)
    self.assertIn('_XlaRun', compiled_types)
    self.assertNotIn('ReluGrad', compiled_types)
    self.assertNotIn('_XlaRun', plain_types)
    self.assertIn('ReluGrad', plain_types)

  def test_random_ops_draw_the_same_numbers(self):
    # Stateful random ops stay outside the compiled clusters, so a seeded
    # run keeps its dropout masks with --xla (only float rounding differs).
    def dropped(xla):
      with tf.Graph().as_default() as graph:
        tf.set_random_seed(0)
        with runtime.xla_scope(xla):
          kept = tf.nn.dropout(tf.ones([8, 16]) * 2.0, rate=0.5)
        with self.session(graph=graph) as session:
          return op_types_run(session, kept)
    compiled, compiled_types = dropped(True)
    plain, _ = dropped(False)
    self.assertIn('_XlaRun', compiled_types)  # The arithmetic is compiled.
    self.assertAllEqual(compiled, plain)
    self.assertTrue(0 < np.count_nonzero(compiled) < compiled.size)

  def test_variables_created_inside_are_initialized_uncompiled(self):
    # The confident classifier creates its resource variables inside the
    # scope; compiled, their initialization check failed the session's
    # ready check ("Variables not initialized") after initialization.
    with tf.Graph().as_default() as graph:
      with tf.variable_scope('net', use_resource=True), runtime.xla_scope(
          True):
        w = tf.get_variable('w', initializer=tf.constant([[1., 2.], [3., 4.]]))
        product = tf.matmul(w, w) + 1.0
      marked = {op.name for op in _xla_marked(graph)}
      self.assertTrue(marked)
      self.assertFalse({op.name for op in graph.get_operations()
                        if op.name.startswith('net/w/')} & marked)
      with self.session(graph=graph) as session:
        session.run(tf.global_variables_initializer())
        self.assertEqual(
            list(session.run(tf.report_uninitialized_variables())), [])
        value, types = op_types_run(session, product)
    self.assertIn('_XlaRun', types)
    self.assertAllClose(value, [[8., 11.], [16., 23.]])


if __name__ == '__main__':
  tf.test.main()
