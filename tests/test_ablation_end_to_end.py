"""End to end: an ablation (plain vs residual at two depths) on tiny data.

scikit-learn's bundled digits are converted, and experiments.ablation trains
four tiny CIFAR-layout networks given by --model_config (8 and 14 layers,
2-4-8 filters, each plain and residual) for a few steps with the train
binary, evaluates each with the eval binary, and writes the results table
and the figure (slow, kept in CI; about 2 minutes on 2 cores). The numbers
are not checked (too few steps to mean anything); the tooling is: the files
exist, the table has a row per run with what the records say, the plotted
points are the event files' values, and the runs share their settings.
"""
import csv
import json
import os
import subprocess
import sys

import pytest

from tests import e2e_util

pytestmark = pytest.mark.slow

STEPS = 12
VALIDATION_EVERY = 6
BATCH = 32
_PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def _config(name, base, units):
  return json.dumps({'name': name, 'base': base, 'depths': [units] * 3,
                     'widths': [2, 4, 8], 'image_size': 28,
                     'preprocessing': 'lenet'})


MODELS = (('plain_8', 'plain_cifar_20', 1), ('resnet_8', 'resnet_cifar_20', 1),
          ('plain_14', 'plain_cifar_20', 2),
          ('resnet_14', 'resnet_cifar_20', 2))


@pytest.fixture(scope='module')
def ablation(tmp_path_factory):
  """Converts the digits and runs the ablation binary once (per module)."""
  root = tmp_path_factory.mktemp('ablation_e2e')
  dataset_dir = str(root / 'digits')
  output_dir = str(root / 'runs')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'digits', 'dataset_dir': dataset_dir})
  argv = [sys.executable, '-m', 'experiments.ablation',
          '--output_dir=%s' % output_dir, '--dataset_name=digits',
          '--dataset_dir=%s' % dataset_dir, '--eval_split=test', '--seed=1',
          '--batch_size=%d' % BATCH, '--max_number_of_steps=%d' % STEPS,
          '--validation_every_n_steps=%d' % VALIDATION_EVERY,
          '--eval_batch_size=300',
          '--train_flags=--optimizer=momentum --learning_rate=0.05 '
          '--learning_rate_decay_type=fixed --weight_decay=0.0001 '
          '--batch_norm_decay=0.9 --save_summaries_secs=1 '
          '--validation_batch_size=300 --num_preprocessing_threads=2']
  argv += ['--model=%s' % _config(*model) for model in MODELS]
  proc = subprocess.run(
      argv, cwd=e2e_util.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
      universal_newlines=True, timeout=900, check=False,
      env=dict(os.environ, PYTHONPATH=e2e_util.REPO, CUDA_VISIBLE_DEVICES=''))
  assert proc.returncode == 0, proc.stderr[-5000:]
  labels = [name for name, _, _ in MODELS]
  return {'output_dir': output_dir, 'labels': labels, 'stdout': proc.stdout,
          'train_dirs': [os.path.join(output_dir, l, 'train')
                         for l in labels],
          'eval_dirs': [os.path.join(output_dir, l, 'eval') for l in labels]}


def test_results_table(ablation):
  with open(os.path.join(ablation['output_dir'], 'results.csv')) as f:
    rows = list(csv.DictReader(f))
  assert [row['model'] for row in rows] == ablation['labels']
  params = {row['model']: int(row['params']) for row in rows}
  # Zero-padding shortcuts have no parameters: plain == residual.
  assert params['plain_8'] == params['resnet_8'] > 0
  assert params['plain_14'] == params['resnet_14'] > params['plain_8']
  for row, eval_dir in zip(rows, ablation['eval_dirs']):
    metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
    assert int(row['steps']) == metrics['step'] == STEPS
    assert float(row['eval_accuracy']) == pytest.approx(metrics['accuracy'])
    assert int(row['eval_num_examples']) == metrics['num_examples'] == 300
    assert float(row['final_train_loss']) > 0
  with open(os.path.join(ablation['output_dir'], 'results.md')) as f:
    markdown = f.read().splitlines()
  assert markdown[0] == ('| model | params | steps | final train loss | '
                         'eval accuracy |')
  assert len(markdown) == 2 + len(MODELS)
  assert markdown[2].startswith('| plain_8 | %s | %d |' % (
      '{:,}'.format(params['plain_8']), STEPS))
  assert '| resnet_14 |' in ablation['stdout']


def test_figure_shows_the_event_files_values(ablation, tmp_path):
  figure = os.path.join(ablation['output_dir'], 'curves.png')
  with open(figure, 'rb') as f:
    assert f.read(8) == _PNG_MAGIC
  assert os.path.getsize(figure) > 10000
  # The same plot, in-process, to read back the points drawn; the event
  # files are read with an independent reader.
  from experiments import plot_runs  # pylint: disable=g-import-not-at-top
  drawn = plot_runs.plot_runs(ablation['train_dirs'], ablation['labels'],
                              str(tmp_path / 'again.png'))
  for label, train_dir in zip(ablation['labels'], ablation['train_dirs']):
    for key, tag in (('loss', 'total_loss'),
                     ('accuracy', 'validation/Accuracy')):
      events = e2e_util.scalar_events(train_dir, tag)
      assert drawn[label][key].steps == sorted(events)
      assert drawn[label][key].values == pytest.approx(
          [events[step] for step in sorted(events)])
    assert drawn[label]['accuracy'].steps == list(
        range(VALIDATION_EVERY, STEPS + 1, VALIDATION_EVERY))


def test_runs_share_their_settings_and_record_them(ablation):
  records = [e2e_util.read_json(os.path.join(d, 'flags.json'))
             for d in ablation['train_dirs']]
  for record, (name, _, units) in zip(records, MODELS):
    assert record['flags']['seed'] == 1
    assert record['flags']['max_number_of_steps'] == STEPS
    assert record['resolved']['global_batch_size'] == BATCH
    config = record['flags']['model_config_resolved']
    assert record['flags']['model_name'] == config['name'] == name
    assert config['residual'] is name.startswith('resnet')
    assert config['depths'] == [units] * 3
  shared = [{k: v for k, v in r['flags'].items()
             if k not in ('train_dir', 'model_name', 'model_config',
                          'model_config_resolved')} for r in records]
  assert all(s == shared[0] for s in shared)
  record = e2e_util.read_json(os.path.join(ablation['output_dir'],
                                           'ablation.json'))
  assert record['global_batch_size'] == BATCH
  assert [run['label'] for run in record['runs']] == ablation['labels']
  assert 'eval_image_classifier' in record['runs'][0]['eval_command']


def test_invalid_model_config_names_the_field(tmp_path):
  common = {'dataset_name': 'digits', 'dataset_dir': str(tmp_path)}
  train = e2e_util.run_binary('train_image_classifier.py', dict(
      common, train_dir=str(tmp_path / 'train'),
      model_config='{"name": "bad", "base": "resnet_cifar_20", '
                   '"depths": [3, 0, 3]}'), check=False)
  assert train.returncode == 1
  assert "ERROR: model_config field 'depths'" in train.stderr
  evaluate = e2e_util.run_binary('eval_image_classifier.py', dict(
      common, checkpoint_path=str(tmp_path), eval_dir=str(tmp_path),
      model_config='{"name": "bad", "family": "vgg", "depths": [1], '
                   '"widths": [8], "stem": "cifar"}'), check=False)
  assert evaluate.returncode == 1
  assert "ERROR: model_config field 'stem'" in evaluate.stderr
