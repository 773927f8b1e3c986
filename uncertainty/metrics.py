"""Calibration and out-of-distribution metrics on numpy arrays.

Every function is pure and takes its parameters explicitly, so a number in a
results file can always be traced to one definition. The conventions, which
differ between codebases (PITFALLS 16), are fixed here:

Calibration (Naeini et al., 2015, "Obtaining Well Calibrated Probabilities
Using Bayesian Binning"; Guo et al., 2017, "On Calibration of Modern Neural
Networks"; Nixon et al., 2019, "Measuring Calibration in Deep Learning"):
  * Top-label calibration: confidence = max_k p_k, prediction = argmax_k p_k
    (the first index on ties), correct = prediction == label.
  * Each bin compares its accuracy with the *mean confidence of the examples
    in it*, never with the bin centre:
      ECE = sum_m (n_m / N) * |acc_m - conf_m|,
      MCE = max over non-empty bins of |acc_m - conf_m|.
  * `binning='equal_width'`: `num_bins` intervals of width 1/num_bins; bin m
    holds confidences in (m/M, (m+1)/M], and the first bin also holds 0.
  * `binning='equal_mass'`: examples sorted by (confidence, correct) are cut
    into `num_bins` groups of sizes differing by at most one (the first
    N mod M groups get the extra example). An inner bin edge is the midpoint
    between the neighbouring confidences; the outer edges are the smallest
    and largest confidence (trailing bins left empty when N < M sit at the
    largest confidence).
  * Empty bins have count 0 and acc = conf = NaN; they add nothing to ECE,
    are ignored by MCE and are not drawn by the reliability diagram.

Proper scoring rules:
  * NLL = -mean_n log p_n[y_n] (natural log). From probabilities, p is clipped
    below at the smallest positive float64 so one zero does not give inf; use
    `negative_log_likelihood_from_logits` for the exact value.
  * Brier = mean over examples of the *sum over classes* of
    (p_nk - 1[k == y_n])^2, in [0, 2] (Brier, 1950). Some libraries divide by
    K as well; we do not.

OOD detection (Hendrycks & Gimpel, 2017, "A Baseline for Detecting
Misclassified and Out-of-Distribution Examples"):
  * A score is higher for inputs that look more in-distribution (ID).
  * ID is the positive class for AUROC, AUPR-In and FPR@95TPR. AUPR-Out makes
    OOD the positive class and ranks by the negated score.
  * AUROC = P(s_id > s_ood) + 0.5 * P(s_id == s_ood) (ties count 1/2).
  * AUPR is *average precision*, the step-wise sum
    sum_i (R_i - R_{i-1}) * P_i over distinct thresholds, without
    interpolation; it equals scikit-learn's `average_precision_score`.
  * FPR@95TPR: t is the largest threshold with TPR = mean(s_id >= t) >= 0.95;
    the value is mean(s_ood >= t) (OOD ties at t count as false positives).
  * Detection accuracy = max over thresholds of 0.5 * (TPR + TNR), with
    TNR = mean(s_ood < t).

OOD score functions (all return higher = more ID):
  msp (Hendrycks & Gimpel, 2017), max_logit (Hendrycks et al., 2022, "Scaling
  Out-of-Distribution Detection for Real-World Settings"), energy (Liu et al.,
  2020, "Energy-based Out-of-distribution Detection": E = -T logsumexp(z/T),
  the score is -E), entropy (negative predictive entropy), dempster_shafer
  (Sensoy et al., 2018: score = -K / (K + sum_k exp z_k)). For S stochastic
  samples or ensemble members: predictive entropy, expected entropy and mutual
  information (BALD; Houlsby et al., 2011; Gal, 2016).

Typical use:

  from uncertainty import metrics
  probs = metrics.softmax(logits)                       # [N, K]
  ece, bins = metrics.expected_calibration_error(probs, labels, num_bins=15)
  report = metrics.classification_metrics(probs, labels)  # accuracy, nll, ...
  acc = metrics.CalibrationAccumulator(num_bins=15)
  for batch_probs, batch_labels in batches:
    acc.update(batch_probs, batch_labels)
  report = acc.result()                                  # same numbers
  ood = metrics.ood_metrics(metrics.msp(id_logits), metrics.msp(ood_logits))
  flat = metrics.with_prefix(ood, 'ood/svhn', sep='_')   # 'ood/svhn_auroc'
"""
import collections
import functools
import math

import numpy as np
from scipy import special

BINNINGS = ('equal_width', 'equal_mass')

OOD_CONVENTIONS = (
    'higher score = more in-distribution; ID is the positive class for '
    'AUROC, AUPR-In and FPR@TPR (TPR measured on ID); AUPR-Out takes OOD as '
    'positive and ranks by the negated score; AUPR is step-wise average '
    'precision (as sklearn.metrics.average_precision_score); AUROC counts '
    'ties as 1/2; FPR@TPR counts OOD scores equal to the threshold as false '
    'positives; detection accuracy = max_t 0.5 * (TPR + TNR)')

# numpy 2 renamed trapz to trapezoid (and 2.4 removed trapz); numpy 1.18,
# pinned for TF 1.15, has only trapz.
_trapezoid = getattr(np, 'trapezoid', None) or np.trapz

# Tolerance on row sums when checking that an array holds probabilities.
_PROB_SUM_ATOL = 1e-3


class CalibrationBins(
    collections.namedtuple('CalibrationBins',
                           ['lo', 'hi', 'count', 'acc', 'conf'])):
  """Per-bin statistics, each a float array of length `num_bins`.

  Fields:
    lo, hi: bin edges.
    count: examples in the bin (float array holding integers).
    acc: accuracy in the bin, NaN when the bin is empty.
    conf: mean confidence in the bin, NaN when the bin is empty.
  """
  __slots__ = ()

  def to_records(self):
    """Returns a JSON-friendly list of per-bin dicts (None for empty stats)."""
    records = []
    for lo, hi, count, acc, conf in zip(*self):
      empty = count == 0
      records.append({'lo': float(lo), 'hi': float(hi), 'count': int(count),
                      'acc': None if empty else float(acc),
                      'conf': None if empty else float(conf)})
    return records


# ---------------------------------------------------------------- validation


def _check_2d_finite(array, name):
  array = np.asarray(array, dtype=np.float64)
  if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
    raise ValueError('%s must be a non-empty [num_examples, num_classes] '
                     'array, got shape %s.' % (name, array.shape))
  if not np.all(np.isfinite(array)):
    raise ValueError('%s holds NaN or inf values; check the model outputs '
                     'before computing metrics.' % name)
  return array


def _check_probs(probs, name='probs'):
  """Checks that the last axis of `probs` holds probability vectors."""
  sums = probs.sum(axis=-1)
  if (np.any(probs < -1e-6) or np.any(probs > 1 + 1e-6) or
      np.any(np.abs(sums - 1.0) > _PROB_SUM_ATOL)):
    raise ValueError(
        '%s must hold probabilities (entries in [0, 1], rows summing to 1); '
        'row sums range over [%g, %g]. If you hold logits, pass '
        'metrics.softmax(logits) instead.' % (name, sums.min(), sums.max()))
  return probs


def check_labels(labels, num_examples, num_classes):
  """Returns `labels` as int64 after checking shape, type and range.

  Args:
    labels: [N] class indices.
    num_examples: N, the number of predictions.
    num_classes: K; labels must lie in [0, K).

  Returns:
    The labels as an int64 array.

  Raises:
    ValueError: with the expected shape or range and the likely cause.
  """
  labels = np.asarray(labels)
  if labels.shape != (num_examples,):
    raise ValueError('labels must have shape [%d] to match the predictions, '
                     'got %s.' % (num_examples, labels.shape))
  if not np.issubdtype(labels.dtype, np.integer):
    if not np.all(np.equal(np.mod(labels, 1), 0)):
      raise ValueError('labels must be integer class indices, got dtype %s '
                       'with non-integer values.' % labels.dtype)
    labels = labels.astype(np.int64)
  if labels.min() < 0 or labels.max() >= num_classes:
    raise ValueError(
        'labels must lie in [0, %d) for %d-class predictions, got range '
        '[%d, %d]. A 1001-class checkpoint (index 0 = background) needs '
        'labels shifted by --labels_offset.' %
        (num_classes, num_classes, labels.min(), labels.max()))
  return labels.astype(np.int64)


def _probs_and_labels(probs, labels):
  probs = _check_probs(_check_2d_finite(probs, 'probs'))
  labels = check_labels(labels, probs.shape[0], probs.shape[1])
  return probs, labels


def _check_binning(num_bins, binning):
  if binning not in BINNINGS:
    raise ValueError('binning must be one of %s, got %r.' %
                     (', '.join(BINNINGS), binning))
  if (isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer))
      or num_bins < 1):
    raise ValueError('num_bins must be a positive integer, got %r.' %
                     (num_bins,))


# ------------------------------------------------------ softmax and friends


def log_softmax(logits, axis=-1):
  """Numerically stable log-softmax along `axis` (float64)."""
  logits = np.asarray(logits, dtype=np.float64)
  return logits - special.logsumexp(logits, axis=axis, keepdims=True)


def softmax(logits, axis=-1):
  """Numerically stable softmax along `axis` (float64)."""
  return np.exp(log_softmax(logits, axis=axis))


def categorical_entropy(probs, axis=-1):
  """Shannon entropy in nats along `axis`, with 0 log 0 = 0."""
  probs = np.asarray(probs, dtype=np.float64)
  return -np.sum(special.xlogy(probs, probs), axis=axis)


# ----------------------------------------------------- classification scores


def accuracy(probs, labels):
  """Top-1 accuracy: mean of argmax_k probs[n, k] == labels[n].

  Args:
    probs: [N, K] predicted probabilities (logits give the same argmax but are
      rejected, so a mix-up is caught early).
    labels: [N] integer labels in [0, K).

  Returns:
    A float in [0, 1].
  """
  probs, labels = _probs_and_labels(probs, labels)
  return float(np.mean(np.argmax(probs, axis=1) == labels))


def _label_probs(probs, labels):
  return probs[np.arange(labels.shape[0]), labels]


def _per_example_nll(probs, labels):
  return -np.log(np.maximum(_label_probs(probs, labels),
                            np.finfo(np.float64).tiny))


def _per_example_brier(probs, labels):
  return (np.sum(np.square(probs), axis=1) -
          2.0 * _label_probs(probs, labels) + 1.0)


def negative_log_likelihood(probs, labels):
  """Mean negative log-likelihood (nats) of the labels under `probs`.

  Probabilities are clipped below at the smallest positive float64, so a zero
  probability costs about 708 nats instead of inf.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.

  Returns:
    -mean_n log probs[n, labels[n]], a float.
  """
  probs, labels = _probs_and_labels(probs, labels)
  return float(np.mean(_per_example_nll(probs, labels)))


def negative_log_likelihood_from_logits(logits, labels):
  """Exact mean NLL (nats) of the labels under softmax(logits).

  Args:
    logits: [N, K] pre-softmax scores.
    labels: [N] integer labels.

  Returns:
    -mean_n log softmax(logits)[n, labels[n]], a float.
  """
  logits = _check_2d_finite(logits, 'logits')
  labels = check_labels(labels, logits.shape[0], logits.shape[1])
  return float(-np.mean(_label_probs(log_softmax(logits), labels)))


def brier_score(probs, labels):
  """Multi-class Brier score: sum over classes, mean over examples.

  Brier = mean_n sum_k (p_nk - 1[k == y_n])^2, in [0, 2]. This is the
  convention of Brier (1950) and of uncertainty-baselines; it is K times the
  per-class mean some libraries report.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.

  Returns:
    The Brier score, a float.
  """
  probs, labels = _probs_and_labels(probs, labels)
  return float(np.mean(_per_example_brier(probs, labels)))


# ---------------------------------------------------------------- calibration


def _top_label(probs, labels):
  """Returns (confidence, correct) float arrays of the top-label prediction."""
  confidence = np.max(probs, axis=1)
  correct = (np.argmax(probs, axis=1) == labels).astype(np.float64)
  return confidence, correct


def _bin_sums(bin_index, confidence, correct, num_bins):
  """Returns per-bin (counts, conf_sums, correct_sums)."""
  return (np.bincount(bin_index, minlength=num_bins).astype(np.float64),
          np.bincount(bin_index, weights=confidence, minlength=num_bins),
          np.bincount(bin_index, weights=correct, minlength=num_bins))


def _equal_width_edges(num_bins):
  return np.linspace(0.0, 1.0, num_bins + 1)


def _equal_width_index(confidence, num_bins):
  """Bin m holds (edges[m], edges[m + 1]]; the first bin also holds 0."""
  edges = _equal_width_edges(num_bins)
  index = np.searchsorted(edges, confidence, side='left') - 1
  return np.clip(index, 0, num_bins - 1)


def _equal_mass_stats(confidence, correct, num_bins):
  """Returns (edges, counts, conf_sums, correct_sums) for equal-mass bins."""
  order = np.lexsort((correct, confidence))
  confidence, correct = confidence[order], correct[order]
  num = confidence.shape[0]
  base, extra = divmod(num, num_bins)
  sizes = np.array([base + 1] * extra + [base] * (num_bins - extra))
  bounds = np.cumsum(sizes)[:-1]   # 1 <= bound <= num since num >= 1.
  edges = np.empty(num_bins + 1)
  edges[0], edges[-1] = confidence[0], confidence[-1]
  for i, bound in enumerate(bounds):
    edges[i + 1] = (confidence[-1] if bound == num else
                    0.5 * (confidence[bound - 1] + confidence[bound]))
  bin_index = np.repeat(np.arange(num_bins), sizes)
  return (edges,) + _bin_sums(bin_index, confidence, correct, num_bins)


def _bins_from_sums(edges, counts, conf_sums, correct_sums):
  with np.errstate(invalid='ignore', divide='ignore'):
    acc = np.where(counts > 0, correct_sums / counts, np.nan)
    conf = np.where(counts > 0, conf_sums / counts, np.nan)
  return CalibrationBins(lo=np.asarray(edges[:-1], dtype=np.float64),
                         hi=np.asarray(edges[1:], dtype=np.float64),
                         count=counts, acc=acc, conf=conf)


def _bins_from_top_label(confidence, correct, num_bins, binning):
  if binning == 'equal_width':
    sums = _bin_sums(_equal_width_index(confidence, num_bins), confidence,
                     correct, num_bins)
    return _bins_from_sums(_equal_width_edges(num_bins), *sums)
  return _bins_from_sums(*_equal_mass_stats(confidence, correct, num_bins))


def _ece_from_bins(bins):
  nonempty = bins.count > 0
  weights = bins.count[nonempty] / np.sum(bins.count)
  gaps = np.abs(bins.acc[nonempty] - bins.conf[nonempty])
  return float(np.sum(weights * gaps))


def _mce_from_bins(bins):
  nonempty = bins.count > 0
  return float(np.max(np.abs(bins.acc[nonempty] - bins.conf[nonempty])))


def calibration_bins(probs, labels, num_bins=15, binning='equal_width'):
  """Top-label reliability statistics per confidence bin.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.
    num_bins: number of bins (15 by default, as in Guo et al., 2017).
    binning: 'equal_width' or 'equal_mass' (see the module docstring).

  Returns:
    A `CalibrationBins` of arrays `(lo, hi, count, acc, conf)`.

  Raises:
    ValueError: on malformed inputs or an unknown binning.
  """
  _check_binning(num_bins, binning)
  probs, labels = _probs_and_labels(probs, labels)
  return _bins_from_top_label(*_top_label(probs, labels), num_bins=num_bins,
                              binning=binning)


def expected_calibration_error(probs, labels, num_bins=15,
                               binning='equal_width'):
  """Expected calibration error: sum_m (n_m / N) |acc_m - conf_m|.

  Each bin's accuracy is compared with the mean confidence of its examples.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.
    num_bins: number of bins.
    binning: 'equal_width' or 'equal_mass'.

  Returns:
    (ece, bins): a float in [0, 1] and the `CalibrationBins` it came from.
  """
  bins = calibration_bins(probs, labels, num_bins, binning)
  return _ece_from_bins(bins), bins


def maximum_calibration_error(probs, labels, num_bins=15,
                              binning='equal_width'):
  """Maximum calibration error: max over non-empty bins of |acc_m - conf_m|.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.
    num_bins: number of bins.
    binning: 'equal_width' or 'equal_mass'.

  Returns:
    (mce, bins): a float in [0, 1] and the `CalibrationBins` it came from.
  """
  bins = calibration_bins(probs, labels, num_bins, binning)
  return _mce_from_bins(bins), bins


def classification_metrics(probs, labels, num_bins=15, binning='equal_width'):
  """The standard report: accuracy, NLL, ECE, MCE and Brier score.

  Args:
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.
    num_bins: bins for ECE and MCE.
    binning: 'equal_width' or 'equal_mass'.

  Returns:
    A dict with float values under 'accuracy', 'nll', 'ece', 'mce', 'brier'
    and the int 'num_examples'. Prefix the keys with `with_prefix`.
  """
  _check_binning(num_bins, binning)
  probs, labels = _probs_and_labels(probs, labels)
  confidence, correct = _top_label(probs, labels)
  bins = _bins_from_top_label(confidence, correct, num_bins, binning)
  return {
      'accuracy': float(np.mean(correct)),
      'nll': float(np.mean(_per_example_nll(probs, labels))),
      'ece': _ece_from_bins(bins),
      'mce': _mce_from_bins(bins),
      'brier': float(np.mean(_per_example_brier(probs, labels))),
      'num_examples': int(labels.shape[0]),
  }


class CalibrationAccumulator(object):
  """Streaming accuracy/NLL/ECE/MCE/Brier from per-batch sufficient statistics.

  `result()` equals `classification_metrics` on the concatenated batches, for
  any split into batches and in any order (up to float rounding).

  For 'equal_width' binning the state is fixed-size: per-bin `counts`,
  `conf_sums` and `correct_sums` plus the sums of NLL, Brier and correct
  predictions. Equal-mass bin edges depend on every confidence, so for
  'equal_mass' the accumulator keeps each example's (confidence, correct)
  pair instead (two numbers per example). Accumulators over shards combine
  with `merge`.
  """

  def __init__(self, num_bins=15, binning='equal_width'):
    """Creates an empty accumulator.

    Args:
      num_bins: number of calibration bins.
      binning: 'equal_width' or 'equal_mass'.
    """
    _check_binning(num_bins, binning)
    self.num_bins = num_bins
    self.binning = binning
    self.num_examples = 0
    self.correct_sum = 0.0
    self.nll_sum = 0.0
    self.brier_sum = 0.0
    self.counts = np.zeros(num_bins)
    self.conf_sums = np.zeros(num_bins)
    self.correct_sums = np.zeros(num_bins)
    self._confidence = []
    self._correct = []

  def update(self, probs, labels):
    """Adds a batch of predictions.

    Args:
      probs: [B, K] predicted probabilities.
      labels: [B] integer labels.
    """
    probs, labels = _probs_and_labels(probs, labels)
    confidence, correct = _top_label(probs, labels)
    self.num_examples += labels.shape[0]
    self.correct_sum += float(np.sum(correct))
    self.nll_sum += float(np.sum(_per_example_nll(probs, labels)))
    self.brier_sum += float(np.sum(_per_example_brier(probs, labels)))
    if self.binning == 'equal_width':
      sums = _bin_sums(_equal_width_index(confidence, self.num_bins),
                       confidence, correct, self.num_bins)
      self.counts += sums[0]
      self.conf_sums += sums[1]
      self.correct_sums += sums[2]
    else:
      self._confidence.append(confidence)
      self._correct.append(correct)

  def merge(self, other):
    """Adds the statistics of another accumulator (e.g. another shard).

    Args:
      other: a `CalibrationAccumulator` with the same num_bins and binning.

    Raises:
      ValueError: if the binning parameters differ.
    """
    if (other.num_bins, other.binning) != (self.num_bins, self.binning):
      raise ValueError(
          'Cannot merge accumulators with different binning: (%d, %s) vs '
          '(%d, %s); create both with the same num_bins and binning.' %
          (self.num_bins, self.binning, other.num_bins, other.binning))
    self.num_examples += other.num_examples
    self.correct_sum += other.correct_sum
    self.nll_sum += other.nll_sum
    self.brier_sum += other.brier_sum
    self.counts += other.counts
    self.conf_sums += other.conf_sums
    self.correct_sums += other.correct_sums
    # pylint: disable=protected-access
    self._confidence.extend(other._confidence)
    self._correct.extend(other._correct)

  def _require_examples(self):
    if self.num_examples == 0:
      raise ValueError('CalibrationAccumulator has seen no examples; call '
                       'update() with at least one batch first.')

  def bins(self):
    """Returns the `CalibrationBins` of everything seen so far."""
    self._require_examples()
    if self.binning == 'equal_width':
      return _bins_from_sums(_equal_width_edges(self.num_bins), self.counts,
                             self.conf_sums, self.correct_sums)
    return _bins_from_top_label(np.concatenate(self._confidence),
                                np.concatenate(self._correct), self.num_bins,
                                self.binning)

  def result(self):
    """Returns the same dict as `classification_metrics` on all batches."""
    self._require_examples()
    bins = self.bins()
    num = float(self.num_examples)
    return {
        'accuracy': self.correct_sum / num,
        'nll': self.nll_sum / num,
        'ece': _ece_from_bins(bins),
        'mce': _mce_from_bins(bins),
        'brier': self.brier_sum / num,
        'num_examples': self.num_examples,
    }


def with_prefix(metrics, prefix, sep='/'):
  """Returns `{prefix + sep + key: value}`, e.g. 'test/ece', 'ood/svhn_auroc'.

  Args:
    metrics: a flat dict.
    prefix: e.g. 'test' or 'ood/svhn'.
    sep: '/' for split keys, '_' for per-OOD-set keys.

  Returns:
    A new dict with prefixed keys.
  """
  return {'%s%s%s' % (prefix, sep, key): value
          for key, value in metrics.items()}


# ---------------------------------------------------------------- OOD metrics


def _check_scores(scores, name):
  scores = np.asarray(scores, dtype=np.float64)
  if scores.ndim != 1 or scores.shape[0] == 0:
    raise ValueError('%s must be a non-empty 1-D array of per-example scores, '
                     'got shape %s.' % (name, scores.shape))
  if not np.all(np.isfinite(scores)):
    raise ValueError('%s holds NaN or inf values; a score function overflowed '
                     'or the logits are not finite.' % name)
  return scores


def _cumulative_counts(positive_scores, negative_scores):
  """True/false positive counts at each distinct threshold, descending.

  Args:
    positive_scores: [P] scores of the positive class.
    negative_scores: [Q] scores of the negative class.

  Returns:
    (tps, fps): int arrays; entry i counts the positives/negatives with
    score >= the i-th largest distinct score. A leading (0, 0) is included.
  """
  scores = np.concatenate([positive_scores, negative_scores])
  is_positive = np.concatenate([np.ones(positive_scores.shape[0], np.int64),
                                np.zeros(negative_scores.shape[0], np.int64)])
  order = np.argsort(-scores, kind='mergesort')
  scores, is_positive = scores[order], is_positive[order]
  group_ends = np.r_[np.nonzero(np.diff(scores))[0], scores.shape[0] - 1]
  tps = np.cumsum(is_positive)[group_ends]
  fps = group_ends + 1 - tps
  return np.r_[0, tps], np.r_[0, fps]


def _average_precision(tps, fps):
  """Step-wise average precision from `_cumulative_counts` output."""
  precision = tps[1:] / (tps[1:] + fps[1:]).astype(np.float64)
  recall_steps = np.diff(tps) / float(tps[-1])
  return float(np.sum(recall_steps * precision))


def _fpr_at_tpr(tps, fps, tpr_level):
  # Integer target avoids 0.95 * 20 = 18.999... style rounding.
  needed = int(math.ceil(round(tpr_level * tps[-1], 9)))
  first = int(np.argmax(tps >= needed))
  return float(fps[first]) / fps[-1]


def ood_metrics(id_scores, ood_scores, tpr_level=0.95):
  """AUROC, AUPR-In, AUPR-Out, FPR@TPR and detection accuracy.

  Conventions (also returned under 'conventions'): a higher score means more
  in-distribution; ID is the positive class for AUROC, AUPR-In and FPR@TPR;
  AUPR-Out takes OOD as positive and ranks by -score. See the module
  docstring for the exact definitions and tie handling.

  Args:
    id_scores: [N_id] scores of in-distribution examples.
    ood_scores: [N_ood] scores of out-of-distribution examples.
    tpr_level: TPR on ID at which the FPR is reported (0.95 by default).

  Returns:
    A dict: 'auroc', 'aupr_in', 'aupr_out', 'fpr@95tpr' (key follows
    `tpr_level`), 'detection_accuracy' (floats), 'num_id', 'num_ood' (ints),
    'tpr_level' (float) and 'conventions' (str).

  Raises:
    ValueError: on empty or non-finite scores or tpr_level outside (0, 1].
  """
  id_scores = _check_scores(id_scores, 'id_scores')
  ood_scores = _check_scores(ood_scores, 'ood_scores')
  if not 0.0 < tpr_level <= 1.0:
    raise ValueError('tpr_level must lie in (0, 1], got %r.' % (tpr_level,))
  tps, fps = _cumulative_counts(id_scores, ood_scores)
  tpr = tps / float(tps[-1])
  fpr = fps / float(fps[-1])
  out_tps, out_fps = _cumulative_counts(-ood_scores, -id_scores)
  return {
      'auroc': float(_trapezoid(tpr, fpr)),
      'aupr_in': _average_precision(tps, fps),
      'aupr_out': _average_precision(out_tps, out_fps),
      'fpr@%gtpr' % (100.0 * tpr_level): _fpr_at_tpr(tps, fps, tpr_level),
      'detection_accuracy': float(np.max(0.5 * (tpr + 1.0 - fpr))),
      'num_id': int(id_scores.shape[0]),
      'num_ood': int(ood_scores.shape[0]),
      'tpr_level': float(tpr_level),
      'conventions': OOD_CONVENTIONS,
  }


# ---------------------------------------------- score functions on logits


def msp(logits):
  """Maximum softmax probability, [N, K] logits -> [N] (higher = more ID)."""
  return np.max(softmax(_check_2d_finite(logits, 'logits')), axis=1)


def max_logit(logits):
  """Maximum logit, [N, K] -> [N] (higher = more ID)."""
  return np.max(_check_2d_finite(logits, 'logits'), axis=1)


def energy(logits, temperature=1.0):
  """Negative energy T * logsumexp(z / T), [N, K] -> [N] (higher = more ID).

  Liu et al. (2020) define the free energy E(x) = -T logsumexp(z / T); the
  returned score is -E so that, like every score here, it is higher for
  in-distribution inputs.

  Args:
    logits: [N, K] logits z.
    temperature: T > 0 (1.0 in the paper's main results).

  Returns:
    [N] scores -E(x).
  """
  if not temperature > 0:  # NaN too. pylint: disable=unneeded-not
    raise ValueError('energy temperature must be > 0, got %r.' % temperature)
  logits = _check_2d_finite(logits, 'logits')
  return temperature * special.logsumexp(logits / temperature, axis=1)


def negative_entropy(logits):
  """Negative entropy of softmax(logits), [N, K] -> [N] (higher = more ID)."""
  return -categorical_entropy(softmax(_check_2d_finite(logits, 'logits')))


def dempster_shafer(logits):
  """Negative Dempster-Shafer uncertainty -K / (K + sum_k exp z_k) -> [N]."""
  logits = _check_2d_finite(logits, 'logits')
  log_evidence = special.logsumexp(logits, axis=1)
  return -special.expit(np.log(logits.shape[1]) - log_evidence)


# -------------------------------------- stochastic samples / ensemble members


def _check_sample_probs(sample_probs):
  sample_probs = np.asarray(sample_probs, dtype=np.float64)
  if sample_probs.ndim != 3 or 0 in sample_probs.shape:
    raise ValueError('sample_probs must be a non-empty [S, N, K] array of '
                     'per-sample (or per-member) probabilities, got shape %s.'
                     % (sample_probs.shape,))
  if not np.all(np.isfinite(sample_probs)):
    raise ValueError('sample_probs holds NaN or inf values.')
  return _check_probs(sample_probs, 'sample_probs')


def predictive_entropy(sample_probs):
  """Entropy of the mean prediction H[mean_s p_s], [S, N, K] -> [N] nats."""
  return categorical_entropy(np.mean(_check_sample_probs(sample_probs), 0))


def expected_entropy(sample_probs):
  """Mean entropy of the samples mean_s H[p_s], [S, N, K] -> [N] nats."""
  return np.mean(categorical_entropy(_check_sample_probs(sample_probs)), 0)


def mutual_information(sample_probs):
  """Mutual information (BALD) between prediction and parameters, in nats.

  MI = H[mean_s p_s] - mean_s H[p_s] = mean_s KL(p_s || mean_s p_s), the
  expected KL of each sample from the mean. It is zero when all samples agree.
  Tiny negative values from rounding are clipped to 0.

  Args:
    sample_probs: [S, N, K] probabilities of S samples or members.

  Returns:
    [N] mutual information (higher = more epistemic uncertainty).
  """
  sample_probs = _check_sample_probs(sample_probs)
  mi = (categorical_entropy(np.mean(sample_probs, 0)) -
        np.mean(categorical_entropy(sample_probs), 0))
  return np.maximum(mi, 0.0)


def sample_msp(sample_probs):
  """MSP of the mean prediction, [S, N, K] -> [N] (higher = more ID)."""
  return np.max(np.mean(_check_sample_probs(sample_probs), 0), axis=1)


def negative_predictive_entropy(sample_probs):
  """-H[mean_s p_s], [S, N, K] -> [N] (higher = more ID)."""
  return -predictive_entropy(sample_probs)


def negative_mutual_information(sample_probs):
  """-MI, [S, N, K] -> [N] (higher = more ID)."""
  return -mutual_information(sample_probs)


def _label_log_probs(sample_log_probs, labels):
  """Returns [S, N] log p_s(y_n) after checking the inputs."""
  sample_log_probs = np.asarray(sample_log_probs, dtype=np.float64)
  if sample_log_probs.ndim != 3 or 0 in sample_log_probs.shape:
    raise ValueError('sample_log_probs must be a non-empty [S, N, K] array, '
                     'got shape %s.' % (sample_log_probs.shape,))
  norms = special.logsumexp(sample_log_probs, axis=-1)
  if np.any(np.isnan(norms)) or np.any(np.abs(norms) > _PROB_SUM_ATOL):
    raise ValueError('sample_log_probs must hold log-probabilities (each row '
                     'logsumexp to 0). Pass metrics.log_softmax(logits) or '
                     'np.log(probs).')
  _, num_examples, num_classes = sample_log_probs.shape
  labels = check_labels(labels, num_examples, num_classes)
  return sample_log_probs[:, np.arange(num_examples), labels]


def mixture_negative_log_likelihood(sample_log_probs, labels):
  """NLL of the mixture mean_s p_s, computed as logsumexp_s - log S.

  -mean_n [logsumexp_s log p_s(y_n) - log S]: the NLL of the averaged
  prediction (MC dropout, deep ensembles), exact even when probabilities
  underflow.

  Args:
    sample_log_probs: [S, N, K] log-probabilities of S samples or members.
    labels: [N] integer labels.

  Returns:
    The mixture NLL in nats, a float.
  """
  label_log_probs = _label_log_probs(sample_log_probs, labels)
  num_samples = label_log_probs.shape[0]
  return float(-np.mean(special.logsumexp(label_log_probs, axis=0) -
                        np.log(num_samples)))


def gibbs_negative_log_likelihood(sample_log_probs, labels):
  """Gibbs NLL: the mean NLL of single samples, -mean_{s,n} log p_s(y_n).

  Reported beside the mixture NLL; by Jensen's inequality it is never lower.

  Args:
    sample_log_probs: [S, N, K] log-probabilities of S samples or members.
    labels: [N] integer labels.

  Returns:
    The Gibbs NLL in nats, a float.
  """
  return float(-np.mean(_label_log_probs(sample_log_probs, labels)))


# ------------------------------------------------------------------ registry

# Score functions on [N, K] logits. Each returns [N], higher = more ID.
SCORE_FUNCTIONS = {
    'msp': msp,
    'max_logit': max_logit,
    'energy': energy,
    'entropy': negative_entropy,
    'dempster_shafer': dempster_shafer,
}

# Score functions on [S, N, K] probabilities of samples or members.
SAMPLE_SCORE_FUNCTIONS = {
    'msp': sample_msp,
    'entropy': negative_predictive_entropy,
    'mutual_information': negative_mutual_information,
}


def get_score_fn(name, samples=False, **kwargs):
  """Looks up an OOD score function by name.

  Args:
    name: a key of `SCORE_FUNCTIONS` (logits input) or, with `samples=True`,
      of `SAMPLE_SCORE_FUNCTIONS` ([S, N, K] probabilities input).
    samples: choose the sample-based registry.
    **kwargs: bound to the function, e.g. `temperature=2.0` for 'energy'.

  Returns:
    A callable array -> [N] scores, higher = more in-distribution.

  Raises:
    ValueError: if the name is unknown.
  """
  registry = SAMPLE_SCORE_FUNCTIONS if samples else SCORE_FUNCTIONS
  if name not in registry:
    raise ValueError('Unknown %sscore function %r; choose one of: %s.' %
                     ('sample ' if samples else '', name,
                      ', '.join(sorted(registry))))
  return functools.partial(registry[name], **kwargs)
