"""Tests for uncertainty.temperature_scaling."""
import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import metrics
from uncertainty import temperature_scaling as ts

_CAL = 'toy/validation'
_EVAL = 'toy/test'


def _calibrated_toy(num_examples=3000, num_classes=10, seed=0):
  """Logits whose softmax is the true label distribution (calibrated)."""
  rng = np.random.RandomState(seed)
  logits = 2.0 * rng.randn(num_examples, num_classes)
  cumulative = np.cumsum(metrics.softmax(logits), axis=1)
  labels = np.sum(cumulative < rng.uniform(size=(num_examples, 1)), axis=1)
  return logits, np.minimum(labels, num_classes - 1)


class FitTemperatureTest(tf.test.TestCase):

  def test_over_confident_model_gets_t_near_5(self):
    logits, labels = _calibrated_toy()
    fit = ts.fit_temperature(5.0 * logits, labels, calibration_split=_CAL,
                             eval_split=_EVAL)
    self.assertBetween(fit.temperature, 3.0, 7.0)
    self.assertLess(fit.nll_after, fit.nll_before)
    self.assertLess(fit.ece_after, fit.ece_before)
    self.assertLess(abs(fit.grad_log_temperature), 1e-3)
    # The NLL is minimal at the fitted T.
    def nll(t):
      return metrics.negative_log_likelihood_from_logits(5.0 * logits / t,
                                                         labels)
    self.assertAllClose(fit.nll_after, nll(fit.temperature))
    self.assertLess(fit.nll_after, nll(0.95 * fit.temperature))
    self.assertLess(fit.nll_after, nll(1.05 * fit.temperature))
    self.assertAllClose(fit.nll_before, nll(1.0))
    self.assertEqual(fit.num_examples, 3000)
    self.assertEqual((fit.calibration_split, fit.eval_split), (_CAL, _EVAL))

  def test_calibrated_model_keeps_t_near_1(self):
    logits, labels = _calibrated_toy(seed=1)
    fit = ts.fit_temperature(logits, labels, _CAL, _EVAL)
    self.assertBetween(fit.temperature, 0.85, 1.15)

  def test_accuracy_is_unchanged(self):
    logits, labels = _calibrated_toy(num_examples=200)
    fit = ts.fit_temperature(3.0 * logits, labels, _CAL, _EVAL)
    scaled = ts.apply_temperature(3.0 * logits, fit.temperature)
    self.assertAllEqual(np.argmax(scaled, 1), np.argmax(logits, 1))

  def test_mismatched_labels_hit_the_bound_with_a_hint(self):
    logits, _ = _calibrated_toy(num_examples=500)
    wrong = np.argmin(logits, axis=1)   # e.g. a wrong labels_offset.
    with self.assertRaisesRegex(ValueError, 'labels_offset'):
      ts.fit_temperature(logits, wrong, _CAL, _EVAL)

  def test_perfectly_separated_split_hits_the_lower_bound(self):
    logits = np.array([[3.0, 0.0], [0.0, 3.0]] * 10)
    with self.assertRaisesRegex(ValueError, 'lower bound'):
      ts.fit_temperature(logits, [0, 1] * 10, _CAL, _EVAL)

  def test_refuses_probabilities(self):
    logits, labels = _calibrated_toy(num_examples=100)
    with self.assertRaisesRegex(ValueError, 'look like probabilities'):
      ts.fit_temperature(metrics.softmax(logits), labels, _CAL, _EVAL)

  def test_apply_temperature_rejects_non_positive(self):
    with self.assertRaisesRegex(ValueError, '> 0'):
      ts.apply_temperature(np.zeros((1, 2)), 0.0)


class SplitCheckTest(tf.test.TestCase):

  def setUp(self):
    super(SplitCheckTest, self).setUp()
    self.logits, self.labels = _calibrated_toy(num_examples=100)
    self.dir = self.get_temp_dir()
    self.files = []
    for name in ('val-0.tfrecord', 'val-1.tfrecord', 'test-0.tfrecord'):
      path = os.path.join(self.dir, name)
      open(path, 'w').close()
      self.files.append(path)

  def test_identical_identifier_refused(self):
    with self.assertRaisesRegex(ValueError, 'are the same'):
      ts.fit_temperature(self.logits, self.labels, 'cifar10/test',
                         'cifar10/test')

  def test_same_file_by_another_path_refused(self):
    other = os.path.join(self.dir, '.', 'sub', '..', 'val-0.tfrecord')
    os.makedirs(os.path.join(self.dir, 'sub'), exist_ok=True)
    with self.assertRaisesRegex(ValueError, 'val-0.tfrecord'):
      ts.check_distinct_splits(self.files[0], other)

  def test_shared_shard_in_pattern_refused(self):
    pattern = os.path.join(self.dir, 'val-*.tfrecord')
    with self.assertRaisesRegex(ValueError, 'are the same'):
      ts.check_distinct_splits(pattern, [self.files[2], self.files[1]])

  def test_distinct_files_accepted(self):
    pattern = os.path.join(self.dir, 'val-*.tfrecord')
    cal, evl = ts.check_distinct_splits(pattern, self.files[2])
    self.assertEqual((cal, evl), ([pattern], [self.files[2]]))

  def test_missing_split_refused(self):
    with self.assertRaisesRegex(ValueError, 'eval_split is required'):
      ts.fit_temperature(self.logits, self.labels, _CAL, None)


class SaveLoadTest(tf.test.TestCase):

  def test_round_trip_next_to_checkpoint(self):
    logits, labels = _calibrated_toy(num_examples=500)
    fit = ts.fit_temperature(4.0 * logits, labels, _CAL, _EVAL)
    train_dir = self.get_temp_dir()
    path = ts.save_temperature(fit, os.path.join(train_dir, 'model.ckpt-10'))
    self.assertEqual(path, os.path.join(train_dir, 'temperature.json'))
    with open(path) as f:
      record = json.load(f)
    for key in ('temperature', 'nll_before', 'nll_after', 'ece_before',
                'ece_after', 'calibration_split', 'eval_split'):
      self.assertIn(key, record)
    self.assertEqual(record['calibration_split'], _CAL)
    loaded = ts.load_temperature(train_dir)
    self.assertEqual(loaded, fit)

  def test_missing_file_says_what_to_do(self):
    with self.assertRaisesRegex(ValueError, 'fit_temperature'):
      ts.load_temperature(os.path.join(self.get_temp_dir(), 'empty_dir'))


if __name__ == '__main__':
  tf.test.main()
