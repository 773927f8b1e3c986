"""End to end on real data: uncertainty of a LeNet trained on real MNIST digits
(slow, kept in CI).

The real MNIST test digits are converted (train 7000 / validation 1000 /
test 2000), LeNet is trained with the train binary for 500 steps (under 3
minutes on 2 cores), an OOD set of Gaussian-noise images is written with
`python datasets/convert_ood.py`, and eval_uncertainty.py runs every
single-model method. Checks: held-out accuracy, separable scores on MNIST vs
noise, the temperature file next to the checkpoint, the JSON keys and
figures, the cache, and a one-line error for a calibration split equal to
the evaluation split.
"""
import os

import pytest

from tests import e2e_util

pytestmark = pytest.mark.slow

TRAIN_STEPS = 500
METHODS = 'msp,temperature,energy,odin,mahalanobis,mc_dropout'


@pytest.fixture(scope='module')
def uncertainty_run(tmp_path_factory):
  """Converts the digits, trains LeNet and runs eval_uncertainty once."""
  if not os.path.exists(os.path.join(e2e_util.SHARED_MNIST,
                                     't10k-images-idx3-ubyte.gz')):
    pytest.fail('Real MNIST digits missing at %s' % e2e_util.SHARED_MNIST)
  root = tmp_path_factory.mktemp('uncertainty_e2e')
  data = str(root / 'mnist')
  noise = str(root / 'noise')
  train_dir = str(root / 'train')
  eval_dir = str(root / 'eval')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'mnist', 'dataset_dir': data,
      'raw_dir': e2e_util.SHARED_MNIST, 'source_split': 'test',
      'split_sizes': 'train:7000,validation:1000,test:2000'})
  e2e_util.run_binary('datasets/convert_ood.py', {
      'source_dataset_name': 'mnist', 'source_dataset_dir': data,
      'source_split_name': 'test', 'transform': 'gaussian_noise',
      'dataset_dir': noise, 'dataset_name': 'noise'})
  e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': train_dir, 'dataset_name': 'mnist',
      'dataset_split_name': 'train', 'dataset_dir': data,
      'model_name': 'lenet', 'batch_size': 50, 'optimizer': 'adam',
      'learning_rate': 0.001, 'opt_epsilon': 1e-8,
      'learning_rate_decay_type': 'fixed', 'weight_decay': 0.0,
      'max_number_of_steps': TRAIN_STEPS, 'log_every_n_steps': 200,
      'save_interval_secs': 3600, 'save_summaries_secs': 3600, 'seed': 1},
                      timeout=180)
  flags = {
      'method': METHODS, 'model_name': 'lenet', 'checkpoint_path': train_dir,
      'dataset_name': 'mnist', 'dataset_dir': data,
      'dataset_split_name': 'test', 'calibration_split_name': 'validation',
      'ood_dataset_name': 'noise', 'ood_dataset_dir': noise,
      'odin_epsilons': '0,2',
      # On real digits the penultimate layer alone does not separate noise
      # (noise features sit near the origin; see uncertainty/README.md):
      # three layers, combined on the validation split.
      'mahalanobis_end_points': 'pool2,PreLogits,Logits',
      'mahalanobis_epsilons': '0', 'num_samples': 3, 'batch_size': 500,
      'eval_dir': eval_dir}
  proc = e2e_util.run_binary('eval_uncertainty.py', flags)
  return {'root': root, 'data': data, 'noise': noise,
          'train_dir': train_dir, 'eval_dir': eval_dir, 'flags': flags,
          'stdout': proc.stdout}


def test_accuracy_calibration_and_separable_scores(uncertainty_run):
  summary = e2e_util.read_json(os.path.join(uncertainty_run['eval_dir'],
                                            'uncertainty.json'))
  assert summary['methods'] == METHODS.split(',')
  assert summary['test/num_examples'] == 2000
  assert summary['msp/test/accuracy'] >= 0.95, summary['msp/test/accuracy']
  for method in ('msp', 'odin', 'mahalanobis', 'mc_dropout'):
    assert summary['%s/ood/noise_auroc' % method] > 0.9, method
  assert summary['temperature/test/nll'] <= (
      summary['temperature/test/nll_before'] + 0.01)
  assert summary['odin/odin/selection_mode'] == 'id_only'
  assert summary['odin/odin/selection_id_split'] == 'validation'
  assert 'ID is the positive class' in summary['conventions/ood']
  # The table printed on stdout has one row per method.
  for method in METHODS.split(','):
    assert method in uncertainty_run['stdout']


def test_files_temperature_and_cache(uncertainty_run):
  eval_dir = uncertainty_run['eval_dir']
  for method in METHODS.split(','):
    result = e2e_util.read_json(os.path.join(
        eval_dir, 'uncertainty_%s.json' % method))
    for key in ('test/ece', 'test/nll', 'test/brier', 'ood/noise_auroc',
                'ood/noise_fpr@95tpr', 'ood/noise_aupr_out'):
      assert key in result, (method, key)
    assert os.path.exists(os.path.join(eval_dir,
                                       '%s_reliability.png' % method))
    assert os.path.exists(os.path.join(eval_dir,
                                       '%s_scores_noise.png' % method))
  saved = e2e_util.read_json(os.path.join(uncertainty_run['train_dir'],
                                          'temperature.json'))
  assert 0.1 < saved['temperature'] < 10.0
  assert 'mnist_validation' in str(saved['calibration_split'])
  # A second run of one method reads the cached passes only.
  cache_dir = os.path.join(eval_dir, 'cache')
  before = sorted(os.listdir(cache_dir))
  flags = dict(uncertainty_run['flags'], method='msp', plots=False)
  e2e_util.run_binary('eval_uncertainty.py', flags)
  assert sorted(os.listdir(cache_dir)) == before


def test_same_calibration_and_eval_split_is_a_one_line_error(
    uncertainty_run):
  flags = dict(uncertainty_run['flags'], method='temperature',
               calibration_split_name='test',
               eval_dir=str(uncertainty_run['root'] / 'bad'))
  proc = e2e_util.run_binary('eval_uncertainty.py', flags, check=False)
  assert proc.returncode == 1
  errors = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
  assert len(errors) == 1, proc.stderr[-2000:]
  assert 'calibration split and the evaluation split are the same' in (
      errors[0])
