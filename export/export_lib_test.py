"""Tests for export.export_lib: flag checks, temperature, export + freeze."""
import os

import tensorflow.compat.v1 as tf

from export import export_lib
from export import graph_export
from export import testing
from training import runtime
from uncertainty import temperature_scaling


def _params(**overrides):
  params = {'model_name': 'lenet', 'num_classes': testing.NUM_CLASSES,
            'num_channels': 1, 'output_file': '', 'input_type': 'float'}
  params.update(overrides)
  return params


class CheckParamsTest(tf.test.TestCase):

  def test_impossible_combinations(self):
    for overrides, message in (
        ({}, 'Nothing to write'),
        ({'frozen_graph': 'f.pb'}, 'needs --checkpoint_path'),
        ({'frozen_graph': 'f.pb', 'checkpoint_path': 'c',
          'is_training': True}, 'drop --is_training'),
        ({'output_file': 'g.pb', 'batch_size': 0}, '--batch_size'),
        ({'output_file': 'g.pb', 'input_type': 'png'}, '--input_type')):
      with self.assertRaisesRegex(runtime.UserError, message):
        export_lib.run(_params(**overrides))

  def test_moving_average_flags(self):
    self.assertFalse(export_lib.uses_moving_averages({}))
    self.assertTrue(export_lib.uses_moving_averages(
        {'moving_average_decay': 0.999}))
    self.assertTrue(export_lib.uses_moving_averages(
        {'use_moving_averages': True}))


class RunTest(tf.test.TestCase):

  def test_graph_only_then_frozen_with_temperature(self):
    directory = self.get_temp_dir()
    checkpoint = testing.lenet_checkpoint(directory)
    graph_file = os.path.join(directory, 'graph.pb')
    metadata = export_lib.run(_params(output_file=graph_file, batch_size=2))
    self.assertEqual(metadata['batch_size'], 2)
    names = {n.name for n in graph_export.load_graph_def(graph_file).node}
    self.assertLessEqual({'input', 'logits', 'probabilities', 'output'},
                         names)
    with self.assertRaisesRegex(ValueError, 'No temperature.json'):
      export_lib.run(_params(checkpoint_path=directory, use_temperature=True,
                             frozen_graph=os.path.join(directory, 'f.pb')))
    fit = temperature_scaling.TemperatureFit(
        temperature=1.5, nll_before=1.0, nll_after=0.9, ece_before=0.1,
        ece_after=0.05, num_bins=15, binning='equal_width',
        calibration_split='validation', eval_split='test', num_examples=10,
        grad_log_temperature=0.0)
    temperature_scaling.save_temperature(fit, checkpoint)
    frozen_file = os.path.join(directory, 'frozen.pb')
    metadata = export_lib.run(_params(
        checkpoint_path=directory, frozen_graph=frozen_file,
        use_temperature=True, use_moving_averages=True))
    self.assertEqual(metadata['temperature'], 1.5)
    self.assertTrue(metadata['moving_averages'])
    self.assertEqual(metadata['checkpoint'], checkpoint)
    self.assertTrue(os.path.exists(frozen_file))


if __name__ == '__main__':
  tf.test.main()
