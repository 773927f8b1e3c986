"""Tests for uncertainty.metrics: hand-derived values and sklearn checks."""
import math

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import metrics


def _three_class_probs(confidences):
  """Rows [c, (1-c)/2, (1-c)/2]: confidence c, prediction 0 when c > 1/3."""
  confidences = np.asarray(confidences, dtype=np.float64)
  rest = (1.0 - confidences) / 2.0
  return np.stack([confidences, rest, rest], axis=1)


# Six examples, hand-binned with 5 equal-width bins (edges 0, .2, ..., 1):
#   bin 2 (.4, .6]: c = .5 wrong, .55 right -> n 2, acc .5,  conf .525
#   bin 3 (.6, .8]: c = .7 right            -> n 1, acc 1,   conf .7
#   bin 4 (.8, 1]:  c = .9 right, .9 wrong, .85 right
#                                           -> n 3, acc 2/3, conf .88333
#   bins 0 and 1 are empty.
# ECE = (2 * .025 + 1 * .3 + 3 * .21667) / 6 = 1 / 6; MCE = .3.
# (Against bin centres instead of mean confidence ECE would be 0.1833.)
_HAND_CONF = [0.5, 0.55, 0.7, 0.9, 0.9, 0.85]
_HAND_LABELS = [1, 0, 0, 0, 2, 0]


def _random_probs(rng, num_examples, num_classes):
  logits = 3.0 * rng.randn(num_examples, num_classes)
  labels = rng.randint(num_classes, size=num_examples)
  # Make the model right more often than chance.
  logits[np.arange(num_examples), labels] += 2.0
  return metrics.softmax(logits), labels


class ScoringRuleTest(tf.test.TestCase):

  def test_accuracy_nll_brier_by_hand(self):
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]])
    labels = np.array([0, 2])
    self.assertAllClose(metrics.accuracy(probs, labels), 0.5)
    self.assertAllClose(metrics.negative_log_likelihood(probs, labels),
                        -(math.log(0.7) + math.log(0.3)) / 2)
    # (0.3^2 + 0.2^2 + 0.1^2 + 0.1^2 + 0.6^2 + 0.7^2) / 2: sum over classes.
    self.assertAllClose(metrics.brier_score(probs, labels), 0.5)

  def test_nll_from_logits_matches_probs_and_survives_large_logits(self):
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    labels = np.array([0, 1])
    self.assertAllClose(
        metrics.negative_log_likelihood_from_logits(logits, labels),
        metrics.negative_log_likelihood(metrics.softmax(logits), labels))
    self.assertAllClose(
        metrics.negative_log_likelihood_from_logits([[0.0, 800.0]], [0]),
        800.0)

  def test_accepts_float32_softmax_rounding(self):
    logits = np.array([[30.0, 0.0, 0.0], [1.0, 2.0, 3.0]], np.float32)
    # pylint: disable=unexpected-keyword-arg
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    probs[0, 0] = np.nextafter(np.float32(1.0), np.float32(2.0))
    self.assertAllClose(metrics.accuracy(probs, [0, 2]), 1.0)

  def test_rejects_logits_as_probs(self):
    with self.assertRaisesRegex(ValueError, 'softmax'):
      metrics.expected_calibration_error([[2.0, -1.0]], [0])

  def test_rejects_out_of_range_labels_with_offset_hint(self):
    with self.assertRaisesRegex(ValueError, 'labels_offset'):
      metrics.accuracy([[0.5, 0.5]], [2])


class CalibrationTest(tf.test.TestCase):

  def test_equal_width_hand_case_with_empty_bins(self):
    probs = _three_class_probs(_HAND_CONF)
    ece, bins = metrics.expected_calibration_error(probs, _HAND_LABELS,
                                                   num_bins=5)
    self.assertAllClose(ece, 1.0 / 6.0)
    self.assertAllClose(bins.lo, [0.0, 0.2, 0.4, 0.6, 0.8])
    self.assertAllClose(bins.hi, [0.2, 0.4, 0.6, 0.8, 1.0])
    self.assertAllEqual(bins.count, [0, 0, 2, 1, 3])
    self.assertAllClose(bins.acc[2:], [0.5, 1.0, 2.0 / 3.0])
    self.assertAllClose(bins.conf[2:], [0.525, 0.7, 2.65 / 3.0])
    self.assertTrue(np.all(np.isnan(bins.acc[:2])))
    self.assertTrue(np.all(np.isnan(bins.conf[:2])))
    mce, _ = metrics.maximum_calibration_error(probs, _HAND_LABELS,
                                               num_bins=5)
    self.assertAllClose(mce, 0.3)
    records = bins.to_records()
    self.assertEqual(records[0], {'lo': 0.0, 'hi': 0.2, 'count': 0,
                                  'acc': None, 'conf': None})
    self.assertEqual(records[3]['count'], 1)

  def test_bin_edges_are_right_closed(self):
    # Confidence exactly 0.4 belongs to (0.2, 0.4], not (0.4, 0.6].
    probs = np.array([[0.4, 0.3, 0.3]])
    bins = metrics.calibration_bins(probs, [0], num_bins=5)
    self.assertAllEqual(bins.count, [0, 1, 0, 0, 0])

  def test_equal_mass_hand_case(self):
    # Sorted by (confidence, correct): [.5 w, .55 r], [.7 r, .85 r],
    # [.9 w, .9 r]. Gaps .025, .225, .4 -> ECE = 1.3 / 6, MCE = .4.
    probs = _three_class_probs(_HAND_CONF)
    ece, bins = metrics.expected_calibration_error(
        probs, _HAND_LABELS, num_bins=3, binning='equal_mass')
    self.assertAllClose(ece, 1.3 / 6.0)
    self.assertAllEqual(bins.count, [2, 2, 2])
    self.assertAllClose(bins.acc, [0.5, 1.0, 0.5])
    self.assertAllClose(bins.conf, [0.525, 0.775, 0.9])
    self.assertAllClose(bins.lo, [0.5, 0.625, 0.875])
    self.assertAllClose(bins.hi, [0.625, 0.875, 0.9])
    mce, _ = metrics.maximum_calibration_error(
        probs, _HAND_LABELS, num_bins=3, binning='equal_mass')
    self.assertAllClose(mce, 0.4)

  def test_equal_mass_sizes_and_too_few_examples(self):
    probs = _three_class_probs([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    bins = metrics.calibration_bins(probs, np.zeros(7, np.int64), num_bins=3,
                                    binning='equal_mass')
    self.assertAllEqual(bins.count, [3, 2, 2])
    # Fewer examples than bins: trailing bins are empty, ECE still defined.
    ece, bins = metrics.expected_calibration_error(
        probs[:2], [0, 1], num_bins=4, binning='equal_mass')
    self.assertAllEqual(bins.count, [1, 1, 0, 0])
    self.assertAllClose(bins.lo, [0.4, 0.45, 0.5, 0.5])
    self.assertAllClose(ece, (0.6 + 0.5) / 2)

  def test_equal_mass_is_order_invariant_with_ties(self):
    rng = np.random.RandomState(3)
    probs = _three_class_probs(np.round(rng.uniform(0.4, 1.0, 60), 1))
    labels = rng.randint(3, size=60)
    perm = rng.permutation(60)
    for binning in metrics.BINNINGS:
      ece, _ = metrics.expected_calibration_error(probs, labels, 7, binning)
      ece_perm, _ = metrics.expected_calibration_error(
          probs[perm], labels[perm], 7, binning)
      self.assertAllClose(ece, ece_perm, rtol=1e-12, atol=1e-15)

  def test_perfect_calibration_has_zero_ece(self):
    # Four examples at confidence .75 with three right: acc == conf.
    probs = _three_class_probs([0.75] * 4)
    ece, _ = metrics.expected_calibration_error(probs, [0, 0, 0, 1])
    self.assertAllClose(ece, 0.0)

  def test_invalid_binning(self):
    probs = _three_class_probs([0.9])
    with self.assertRaisesRegex(ValueError, 'equal_width, equal_mass'):
      metrics.expected_calibration_error(probs, [0], binning='quantile')
    with self.assertRaisesRegex(ValueError, 'num_bins'):
      metrics.expected_calibration_error(probs, [0], num_bins=0)


class AccumulatorTest(tf.test.TestCase):

  def _assert_reports_equal(self, got, want):
    self.assertEqual(set(got), set(want))
    for key in want:
      self.assertAllClose(got[key], want[key], rtol=1e-12, atol=1e-15,
                          msg=key)

  def test_uneven_batches_equal_one_shot(self):
    rng = np.random.RandomState(0)
    probs, labels = _random_probs(rng, 1000, 10)
    splits = [1, 7, 300, 2, 689, 1]
    bounds = np.cumsum([0] + splits)
    for binning in metrics.BINNINGS:
      want = metrics.classification_metrics(probs, labels, 15, binning)
      acc = metrics.CalibrationAccumulator(15, binning)
      for lo, hi in zip(bounds[:-1], bounds[1:]):
        acc.update(probs[lo:hi], labels[lo:hi])
      self._assert_reports_equal(acc.result(), want)
      want_bins = metrics.calibration_bins(probs, labels, 15, binning)
      for got, want_field in zip(acc.bins(), want_bins):
        np.testing.assert_allclose(got, want_field, rtol=1e-12)  # NaN == NaN.
      # Batches in reverse order give the same numbers.
      reverse = metrics.CalibrationAccumulator(15, binning)
      for lo, hi in reversed(list(zip(bounds[:-1], bounds[1:]))):
        reverse.update(probs[lo:hi], labels[lo:hi])
      self._assert_reports_equal(reverse.result(), want)

  def test_merge_shards(self):
    rng = np.random.RandomState(1)
    probs, labels = _random_probs(rng, 301, 5)
    for binning in metrics.BINNINGS:
      shard_a = metrics.CalibrationAccumulator(10, binning)
      shard_b = metrics.CalibrationAccumulator(10, binning)
      shard_a.update(probs[:100], labels[:100])
      shard_b.update(probs[100:], labels[100:])
      shard_a.merge(shard_b)
      self._assert_reports_equal(
          shard_a.result(),
          metrics.classification_metrics(probs, labels, 10, binning))

  def test_merge_refuses_other_binning(self):
    with self.assertRaisesRegex(ValueError, 'same num_bins and binning'):
      metrics.CalibrationAccumulator(15).merge(
          metrics.CalibrationAccumulator(10))

  def test_empty_accumulator_says_what_to_do(self):
    with self.assertRaisesRegex(ValueError, 'update'):
      metrics.CalibrationAccumulator().result()

  def test_with_prefix(self):
    self.assertEqual(metrics.with_prefix({'ece': 0.1}, 'test'),
                     {'test/ece': 0.1})
    self.assertEqual(metrics.with_prefix({'auroc': 0.9}, 'ood/svhn', '_'),
                     {'ood/svhn_auroc': 0.9})


class OodMetricsTest(tf.test.TestCase):

  def test_matches_sklearn_with_ties(self):
    from sklearn import metrics as skm  # pylint: disable=g-import-not-at-top
    rng = np.random.RandomState(0)
    for _ in range(50):
      id_scores = np.round(rng.randn(rng.randint(1, 60)), 1)
      ood_scores = np.round(rng.randn(rng.randint(1, 60)) - 0.7, 1)
      got = metrics.ood_metrics(id_scores, ood_scores)
      is_id = np.r_[np.ones_like(id_scores), np.zeros_like(ood_scores)]
      scores = np.r_[id_scores, ood_scores]
      self.assertAllClose(got['auroc'], skm.roc_auc_score(is_id, scores))
      # Our AUPR is step-wise average precision, as sklearn's AP.
      self.assertAllClose(got['aupr_in'],
                          skm.average_precision_score(is_id, scores))
      self.assertAllClose(got['aupr_out'],
                          skm.average_precision_score(1 - is_id, -scores))
      fpr, tpr, _ = skm.roc_curve(is_id, scores, drop_intermediate=False)
      self.assertAllClose(got['fpr@95tpr'],
                          fpr[np.argmax(tpr >= 0.95 - 1e-12)])
      self.assertAllClose(got['detection_accuracy'],
                          np.max(0.5 * (tpr + 1.0 - fpr)))

  def test_perfect_separation(self):
    got = metrics.ood_metrics([2.0, 3.0, 4.0], [0.0, 1.0])
    for key in ('auroc', 'aupr_in', 'aupr_out', 'detection_accuracy'):
      self.assertEqual(got[key], 1.0, msg=key)
    self.assertEqual(got['fpr@95tpr'], 0.0)
    self.assertEqual((got['num_id'], got['num_ood']), (3, 2))

  def test_ties_by_hand(self):
    # ID {1, 1}, OOD {1, 0}: two of the four pairs are ties (1/2 each).
    got = metrics.ood_metrics([1.0, 1.0], [1.0, 0.0])
    self.assertAllClose(got['auroc'], 0.75)
    self.assertAllClose(got['aupr_in'], 2.0 / 3.0)   # one step: P = 2/3.
    self.assertAllClose(got['aupr_out'], 0.75)       # .5 * 1 + .5 * .5.
    self.assertAllClose(got['fpr@95tpr'], 0.5)       # OOD tie counts as FP.
    self.assertAllClose(got['detection_accuracy'], 0.75)
    self.assertAllClose(metrics.ood_metrics([0.0, 0.0], [0.0] * 3)['auroc'],
                        0.5)

  def test_fpr_threshold_keeps_95_percent_of_id(self):
    # 20 ID scores 0..19: keeping 19 of them (95%) puts the threshold at 1,
    # so only the OOD score 10 passes. (0.95 * 20 rounding must not give 20.)
    got = metrics.ood_metrics(np.arange(20.0), [0.5, 0.5, 10.0])
    self.assertAllClose(got['fpr@95tpr'], 1.0 / 3.0)
    got = metrics.ood_metrics(np.arange(20.0), [0.5, 0.5, 10.0],
                              tpr_level=0.9)
    self.assertAllClose(got['fpr@90tpr'], 1.0 / 3.0)   # threshold 2.

  def test_swapping_positive_class(self):
    rng = np.random.RandomState(5)
    id_scores, ood_scores = rng.randn(200), rng.randn(40) - 1.0
    got = metrics.ood_metrics(id_scores, ood_scores)
    # OOD as positive with negated scores: AUROC unchanged, AUPRs swap.
    swapped = metrics.ood_metrics(-ood_scores, -id_scores)
    self.assertAllClose(swapped['auroc'], got['auroc'])
    self.assertAllClose(swapped['aupr_in'], got['aupr_out'])
    self.assertAllClose(swapped['aupr_out'], got['aupr_in'])
    # With 5x more ID than OOD the two AUPRs differ a lot.
    self.assertGreater(got['aupr_in'] - got['aupr_out'], 0.2)
    # Passing OOD as ID without negating flips the ranking.
    self.assertAllClose(metrics.ood_metrics(ood_scores, id_scores)['auroc'],
                        1.0 - got['auroc'])

  def test_conventions_are_recorded(self):
    got = metrics.ood_metrics([1.0], [0.0])
    self.assertIn('higher score = more in-distribution', got['conventions'])
    self.assertIn('ID is the positive class', got['conventions'])

  def test_rejects_bad_scores(self):
    with self.assertRaisesRegex(ValueError, 'NaN'):
      metrics.ood_metrics([1.0, np.nan], [0.0])
    with self.assertRaisesRegex(ValueError, 'non-empty'):
      metrics.ood_metrics([], [0.0])


class ScoreFunctionTest(tf.test.TestCase):

  def test_scores_on_fixed_logits(self):
    # Row 0: exp = [2, 1, 1] -> softmax [.5, .25, .25]. Row 1: uniform.
    logits = np.array([[math.log(2.0), 0.0, 0.0], [0.0, 0.0, 0.0]])
    self.assertAllClose(metrics.msp(logits), [0.5, 1.0 / 3.0])
    self.assertAllClose(metrics.max_logit(logits), [math.log(2.0), 0.0])
    self.assertAllClose(metrics.energy(logits), [math.log(4.0),
                                                 math.log(3.0)])
    self.assertAllClose(metrics.energy(logits, temperature=2.0),
                        [2.0 * math.log(2.0 + math.sqrt(2.0)),
                         2.0 * math.log(3.0)])
    self.assertAllClose(metrics.negative_entropy(logits),
                        [-1.5 * math.log(2.0), -math.log(3.0)])
    self.assertAllClose(metrics.dempster_shafer(logits),
                        [-3.0 / 7.0, -0.5])

  def test_energy_sign_and_overflow(self):
    # -E = T logsumexp(z / T): higher for the confident (ID-like) row.
    scores = metrics.energy(np.array([[1000.0, 0.0], [1.0, 1.0]]))
    self.assertAllClose(scores, [1000.0, 1.0 + math.log(2.0)])
    self.assertGreater(scores[0], scores[1])

  def test_registry(self):
    logits = np.array([[1.0, 2.0, 3.0]])
    for name, fn in metrics.SCORE_FUNCTIONS.items():
      self.assertAllClose(metrics.get_score_fn(name)(logits), fn(logits))
    self.assertAllClose(
        metrics.get_score_fn('energy', temperature=2.0)(logits),
        metrics.energy(logits, temperature=2.0))
    probs = metrics.softmax(logits)[None]
    self.assertAllClose(
        metrics.get_score_fn('mutual_information', samples=True)(probs), [0.0])
    with self.assertRaisesRegex(ValueError, 'dempster_shafer, energy'):
      metrics.get_score_fn('odin')


class SampleUncertaintyTest(tf.test.TestCase):

  def test_mutual_information_zero_when_samples_agree(self):
    probs = metrics.softmax(np.random.RandomState(0).randn(6, 4))
    samples = np.stack([probs] * 5)
    self.assertAllClose(metrics.mutual_information(samples), np.zeros(6),
                        atol=1e-12)
    self.assertAllClose(metrics.predictive_entropy(samples),
                        metrics.categorical_entropy(probs))

  def test_mutual_information_by_hand(self):
    # Two confident samples that disagree: H[mean] = ln 2, E[H] = 0.
    samples = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    self.assertAllClose(metrics.predictive_entropy(samples), [math.log(2.0)])
    self.assertAllClose(metrics.expected_entropy(samples), [0.0])
    self.assertAllClose(metrics.mutual_information(samples), [math.log(2.0)])
    self.assertAllClose(metrics.negative_mutual_information(samples),
                        [-math.log(2.0)])

  def test_mixture_and_gibbs_nll(self):
    # p_1(y) = .5, p_2(y) = .1: mixture -ln .3, Gibbs -(ln .5 + ln .1) / 2.
    log_probs = np.log(np.array([[[0.5, 0.5]], [[0.1, 0.9]]]))
    self.assertAllClose(
        metrics.mixture_negative_log_likelihood(log_probs, [0]),
        -math.log(0.3))
    self.assertAllClose(
        metrics.gibbs_negative_log_likelihood(log_probs, [0]),
        -(math.log(0.5) + math.log(0.1)) / 2)
    # logsumexp - log S stays exact where the probabilities underflow.
    tiny = metrics.log_softmax(np.array([[[0.0, 1000.0]], [[0.0, 1001.0]]]))
    self.assertAllClose(
        metrics.mixture_negative_log_likelihood(tiny, [0]),
        -(np.logaddexp(-1000.0, -1001.0) - math.log(2.0)))

  def test_mixture_nll_rejects_probabilities(self):
    with self.assertRaisesRegex(ValueError, 'log_softmax'):
      metrics.mixture_negative_log_likelihood(np.full((2, 1, 2), 0.5), [0])


if __name__ == '__main__':
  tf.test.main()
