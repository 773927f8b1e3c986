"""Tests for training/runtime.py: version check, tf.contrib, session config."""
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


if __name__ == '__main__':
  tf.test.main()
