"""Tests of the experiments package on fake run directories (no training).

The end-to-end ablation with the binaries is tests/test_ablation_end_to_end.py.
"""
import csv
import os
import subprocess
import sys

import tensorflow.compat.v1 as tf

from experiments import ablation
from experiments import plot_runs
from experiments import results_table
from experiments import run_records
from experiments import testing

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


class RunRecordsTest(tf.test.TestCase):

  def test_scalars_across_event_files_keep_the_latest_value(self):
    log_dir = self.get_temp_dir() + '/scalars'
    testing.write_scalars(log_dir, {'total_loss': [(1, 3.0), (5, 2.0)]},
                          suffix='.a')
    # A resumed run writes step 5 again, then goes on.
    testing.write_scalars(log_dir, {'total_loss': [(5, 1.5), (9, 1.0)],
                                    'other': [(9, 7.0)]}, suffix='.b')
    series = run_records.read_scalars(log_dir)['total_loss']
    self.assertEqual([1, 5, 9], series.steps)
    self.assertAllClose([3.0, 1.5, 1.0], series.values)

  def test_missing_tags_and_dirs_say_what_to_do(self):
    log_dir = self.get_temp_dir() + '/no_validation'
    testing.write_scalars(log_dir, {'total_loss': [(1, 3.0)]})
    with self.assertRaisesRegex(ValueError,
                                'total_loss.*--validation_every_n_steps'):
      run_records.scalar_series(log_dir, run_records.ACCURACY_TAG)
    with self.assertRaisesRegex(ValueError, 'no TensorBoard event files'):
      run_records.read_scalars(self.get_temp_dir() + '/nothing')
    with self.assertRaisesRegex(ValueError, 'no checkpoint'):
      run_records.trainable_params(log_dir)

  def test_trainable_params_come_from_the_checkpoint(self):
    train_dir = self.get_temp_dir() + '/checkpoint'
    testing.write_checkpoint(train_dir, 7, [(3, 4), (4,)],
                             other_shapes=[(100,)])
    self.assertEqual(3 * 4 + 4, run_records.trainable_params(train_dir))


def _two_runs(root, **flag_overrides):
  flags = {'seed': 1, 'batch_size': 8, 'optimizer': 'momentum'}
  first = testing.fake_run(root, 'plain', flags, [(1, 2.3), (4, 1.9),
                                                  (10, 1.2)],
                           [(5, 0.4), (10, 0.6)], 0.61)
  second = testing.fake_run(root, 'resnet', dict(flags, **flag_overrides),
                            [(1, 2.3), (6, 1.1), (8, 0.7)],
                            [(5, 0.5), (10, 0.9)], 0.91,
                            trainable_shapes=[(3, 4), (4,), (2,)])
  return first, second


class PlotRunsTest(tf.test.TestCase):

  def test_plotted_points_are_the_event_values(self):
    root = self.get_temp_dir() + '/plot'
    (plain, _), (resnet, _) = _two_runs(root)
    output = os.path.join(root, 'curves.png')
    drawn = plot_runs.plot_runs([plain, resnet], ['plain', 'resnet'], output,
                                line_styles=['--', '-'], title='t')
    with open(output, 'rb') as f:
      self.assertEqual(_PNG_MAGIC, f.read(8))
    self.assertGreater(os.path.getsize(output), 10000)
    self.assertEqual([1, 4, 10], drawn['plain']['loss'].steps)
    self.assertAllClose([2.3, 1.9, 1.2], drawn['plain']['loss'].values)
    self.assertEqual([5, 10], drawn['resnet']['accuracy'].steps)
    self.assertAllClose([0.5, 0.9], drawn['resnet']['accuracy'].values)

  def test_errors(self):
    root = self.get_temp_dir() + '/plot_errors'
    (plain, _), _ = _two_runs(root)
    output = os.path.join(root, 'x.png')
    with self.assertRaisesRegex(ValueError, 'one label per run'):
      plot_runs.plot_runs([plain], ['a', 'b'], output)
    with self.assertRaisesRegex(ValueError, 'Labels must differ'):
      plot_runs.plot_runs([plain, plain], ['a', 'a'], output)
    with self.assertRaisesRegex(ValueError, "no 'validation/Recall'"):
      plot_runs.plot_runs([plain], ['a'], output,
                          accuracy_tag='validation/Recall')

  def test_command_line(self):
    root = self.get_temp_dir() + '/plot_cli'
    (plain, _), (resnet, _) = _two_runs(root)
    output = os.path.join(root, 'cli.png')
    proc = subprocess.run(
        [sys.executable, '-m', 'experiments.plot_runs',
         '--run_dirs=%s,%s' % (plain, resnet), '--labels=plain,resnet',
         '--output=%s' % output], cwd=_REPO, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True, check=False,
        env=dict(os.environ, PYTHONPATH=_REPO))
    self.assertEqual(0, proc.returncode, proc.stderr[-2000:])
    self.assertTrue(os.path.getsize(output))


class ResultsTableTest(tf.test.TestCase):

  def test_rows_markdown_and_csv(self):
    root = self.get_temp_dir() + '/table'
    (plain_train, plain_eval), (resnet_train, resnet_eval) = _two_runs(root)
    rows = results_table.collect([plain_train, resnet_train],
                                 [plain_eval, resnet_eval])
    self.assertEqual(
        ('plain', 16, 10, 1.2, 10, 0.61, 300),
        (rows[0].model, rows[0].params, rows[0].steps,
         round(rows[0].final_train_loss, 4), rows[0].final_train_loss_step,
         rows[0].eval_accuracy, rows[0].eval_num_examples))
    # The last loss summary may come before the evaluated step.
    self.assertEqual((18, 8, 8), (rows[1].params, rows[1].steps,
                                  rows[1].final_train_loss_step))
    markdown_path, csv_path = results_table.write(rows, root + '/out/results')
    with open(markdown_path) as f:
      markdown = f.read().splitlines()
    self.assertEqual('| model | params | steps | final train loss | eval '
                     'accuracy |', markdown[0])
    self.assertEqual('| plain | 16 | 10 | 1.2000 | 0.6100 |', markdown[2])
    self.assertEqual('| resnet | 18 | 8 | 0.7000 | 0.9100 |', markdown[3])
    with open(csv_path) as f:
      table = list(csv.DictReader(f))
    self.assertEqual(['plain', 'resnet'], [r['model'] for r in table])
    self.assertEqual('0.91', table[1]['eval_accuracy'])
    self.assertEqual(resnet_train, table[1]['train_dir'])

  def test_loss_step_is_shown_when_it_differs(self):
    row = results_table.Row('m', 1234567, 100, 0.5, 90, 0.9, 10, 't', 'e')
    self.assertIn('| m | 1,234,567 | 100 | 0.5000 (step 90) | 0.9000 |',
                  results_table.to_markdown([row]))

  def test_missing_eval_says_which_binary(self):
    root = self.get_temp_dir() + '/table_missing'
    (train_dir, _), _ = _two_runs(root)
    with self.assertRaisesRegex(ValueError, 'eval_image_classifier.py'):
      results_table.collect([train_dir], [root + '/nowhere'])
    with self.assertRaisesRegex(ValueError, 'one eval dir'):
      results_table.collect([train_dir], [])


class AblationTest(tf.test.TestCase):

  def test_identical_settings_are_checked_from_the_records(self):
    root = self.get_temp_dir() + '/same'
    (plain, _), (resnet, _) = _two_runs(root)
    shared, batch = ablation.check_identical_settings([plain, resnet])
    self.assertEqual((1, 8), (shared['seed'], batch))
    root = self.get_temp_dir() + '/different'
    (plain, _), (resnet, _) = _two_runs(root, seed=2, optimizer='adam')
    with self.assertRaisesRegex(ValueError, 'differ in optimizer, seed'):
      ablation.check_identical_settings([plain, resnet])

  def test_models_from_names_files_and_inline_configs(self):
    root = self.get_temp_dir() + '/runs'
    named = ablation.Run('plain_cifar_20', root)
    self.assertEqual(('plain_cifar_20', False),
                     (named.label, named.residual))
    self.assertEqual({'model_name': 'plain_cifar_20'}, named.model_flags)
    self.assertEqual(os.path.join(root, 'plain_cifar_20', 'train'),
                     named.train_dir)
    inline = '{"name": "r8", "base": "resnet_cifar_20", "depths": [1, 1, 1]}'
    configured = ablation.Run(inline, root)
    self.assertEqual(('r8', True), (configured.label, configured.residual))
    self.assertEqual({'model_config': inline}, configured.model_flags)
    self.assertIsNone(ablation.Run('lenet', root).residual)
    with self.assertRaisesRegex(ValueError, "field 'depths'"):
      ablation.Run('{"name": "x", "base": "resnet_cifar_20", "depths": 3}',
                   root)

  def test_existing_runs_are_kept_unless_overwrite(self):
    run = ablation.Run('lenet', self.get_temp_dir() + '/existing')
    os.makedirs(run.train_dir)
    with self.assertRaisesRegex(ValueError, '--overwrite'):
      ablation._prepare(run, overwrite=False)
    ablation._prepare(run, overwrite=True)
    self.assertFalse(os.path.exists(run.train_dir))
    self.assertTrue(os.path.isdir(run.run_dir))

  def test_commands(self):
    argv = ablation.command('train_image_classifier', {'seed': 1},
                            "--optimizer=adam --title='a b'")
    self.assertEqual([sys.executable, '-m', 'train_image_classifier',
                      '--seed=1', '--optimizer=adam', '--title=a b'], argv)


if __name__ == '__main__':
  tf.test.main()
