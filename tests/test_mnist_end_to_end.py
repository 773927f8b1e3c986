"""End to end on real data: the real MNIST test digits, converted, trained on
with the train binary, evaluated with the eval binary (slow, kept in CI).

8,000 digits train LeNet, the other 2,000 are held out. The held-out accuracy
must reach 0.97; the run also checks validation summaries during training,
metrics.json, the predictions file and the eval loop. Training keeps the
decoded digits in memory (--cache_dataset): 600 steps of 50 are 3.75
epochs, all but the first from the cache. Held-out accuracy after 600 steps:
0.9855 on TF 1.15, 0.9825 on TF 2.21 (0.988 after 1500 steps, which made
this module's training 2.5 minutes longer in the TF 1.15 suite).
"""
import os

import numpy as np
import pytest
import tensorflow.compat.v1 as tf

from tests import e2e_util

pytestmark = pytest.mark.slow

TRAIN_STEPS = 600
VALIDATION_EVERY = 200


@pytest.fixture(scope='module')
def mnist_run(tmp_path_factory):
  """Converts the real digits and trains LeNet once for the whole module."""
  if not os.path.exists(os.path.join(e2e_util.SHARED_MNIST,
                                     't10k-images-idx3-ubyte.gz')):
    pytest.fail('Real MNIST digits missing at %s' % e2e_util.SHARED_MNIST)
  root = tmp_path_factory.mktemp('mnist_e2e')
  dataset_dir = str(root / 'data')
  train_dir = str(root / 'train')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'mnist', 'dataset_dir': dataset_dir,
      'raw_dir': e2e_util.SHARED_MNIST, 'source_split': 'test',
      'split_sizes': 'train:8000,test:2000'})
  train = e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': train_dir, 'dataset_name': 'mnist',
      'dataset_split_name': 'train', 'dataset_dir': dataset_dir,
      'model_name': 'lenet', 'batch_size': 50, 'optimizer': 'adam',
      'learning_rate': 0.001, 'opt_epsilon': 1e-8,
      'learning_rate_decay_type': 'fixed',
      'weight_decay': 0.0, 'max_number_of_steps': TRAIN_STEPS,
      'log_every_n_steps': 100, 'save_interval_secs': 600,
      'save_summaries_secs': 5, 'seed': 1, 'cache_dataset': True,
      'validation_every_n_steps': VALIDATION_EVERY,
      'validation_split_name': 'test'})
  return {'root': root, 'dataset_dir': dataset_dir, 'train_dir': train_dir,
          'train_log': train.stderr}


def _eval(run, eval_dir, **extra):
  flags = {'checkpoint_path': run['train_dir'], 'eval_dir': eval_dir,
           'dataset_name': 'mnist', 'dataset_split_name': 'test',
           'dataset_dir': run['dataset_dir'], 'model_name': 'lenet',
           'batch_size': 300}
  flags.update(extra)
  return e2e_util.run_binary('eval_image_classifier.py', flags)


def test_held_out_accuracy_and_metrics_file(mnist_run):
  eval_dir = str(mnist_run['root'] / 'eval')
  predictions = os.path.join(eval_dir, 'predictions.npz')
  _eval(mnist_run, eval_dir, predictions_file=predictions)
  metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
  # Every held-out digit exactly once: 2000 with a final partial batch of 200.
  assert metrics['num_examples'] == 2000
  assert metrics['step'] == TRAIN_STEPS
  assert metrics['accuracy'] >= 0.97, metrics
  assert metrics['k'] == 5 and metrics['recall_at_k'] >= metrics['accuracy']
  assert metrics['checkpoint_path'].endswith('model.ckpt-%d' % TRAIN_STEPS)
  summaries = e2e_util.scalar_events(eval_dir, 'eval/Accuracy')
  assert summaries == {TRAIN_STEPS: pytest.approx(metrics['accuracy'])}
  assert e2e_util.scalar_events(eval_dir, 'eval/Recall_5')
  # The predictions file: one row per example, reproducing the accuracy.
  data = np.load(predictions)
  assert data['index'].tolist() == list(range(2000))
  assert data['logits'].shape == (2000, 10)
  accuracy = np.mean(np.argmax(data['probabilities'], 1) == data['label'])
  assert accuracy == pytest.approx(metrics['accuracy'])


def test_labels_of_predictions_match_the_raw_files(mnist_run):
  """Held-out rows are the last 2000 raw digits, in order, labels intact."""
  import gzip  # pylint: disable=g-import-not-at-top
  with gzip.open(os.path.join(e2e_util.SHARED_MNIST,
                              't10k-labels-idx1-ubyte.gz')) as f:
    raw_labels = np.frombuffer(f.read(), np.uint8, offset=8)
  eval_dir = str(mnist_run['root'] / 'eval_labels')
  predictions = os.path.join(eval_dir, 'predictions.csv')
  _eval(mnist_run, eval_dir, predictions_file=predictions)
  rows = np.genfromtxt(predictions, delimiter=',', skip_header=1)
  assert rows.shape == (2000, 2 + 10 + 10)
  np.testing.assert_array_equal(rows[:, 1], raw_labels[8000:])


def test_validation_summaries_during_training(mnist_run):
  accuracy = e2e_util.scalar_events(mnist_run['train_dir'],
                                    'validation/Accuracy')
  assert sorted(accuracy) == list(range(VALIDATION_EVERY, TRAIN_STEPS + 1,
                                        VALIDATION_EVERY))
  assert accuracy[TRAIN_STEPS] >= 0.97
  assert e2e_util.scalar_events(mnist_run['train_dir'], 'validation/Loss')
  # Training summaries users rely on.
  assert e2e_util.scalar_events(mnist_run['train_dir'], 'learning_rate')
  assert e2e_util.scalar_events(mnist_run['train_dir'], 'total_loss')


def test_run_record_and_logs(mnist_run):
  record = e2e_util.read_json(os.path.join(mnist_run['train_dir'],
                                           'flags.json'))
  assert record['flags']['model_name'] == 'lenet'
  assert record['flags']['seed'] == 1
  assert record['flags']['cache_dataset'] is True
  assert record['resolved']['dataset_num_samples'] == 8000
  assert record['resolved']['preprocessing_name'] == 'lenet'
  assert record['environment']['tensorflow'] == tf.VERSION
  log = mnist_run['train_log']
  assert 'images/sec' in log and 'learning_rate' in log
  assert 'global batch = 50 x 1 clones x 1 replicas = 50' in log


def test_eval_with_max_num_batches(mnist_run):
  eval_dir = str(mnist_run['root'] / 'eval_two_batches')
  _eval(mnist_run, eval_dir, max_num_batches=2, batch_size=100)
  metrics = e2e_util.read_json(os.path.join(eval_dir, 'metrics.json'))
  assert metrics['num_examples'] == 200
