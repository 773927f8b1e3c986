"""Combining the cached predictions of ensemble members.

Deep ensembles (Lakshminarayanan, Pritzel and Blundell, "Simple and Scalable
Predictive Uncertainty Estimation using Deep Ensembles", NeurIPS 2017) are M
ordinary training runs with different seeds. The eval binary caches each
member's logits; this module combines them, architecture-free.

Choices, recorded in the output (PITFALLS 20):
  * `average='probs'` (default): p = mean_m softmax(z_m), the mixture of the
    members' predictive distributions, as in the paper. Its NLL is the
    mixture NLL (logsumexp over members - log M), exact in log space.
  * `average='logits'`: p = softmax(mean_m z_m), a geometric mean of the
    members' distributions (sometimes used, not the paper's ensemble).
  * Two members whose logits are identical (within `atol`) trigger an
    `IdenticalMembersWarning`: usually the same checkpoint listed twice or a
    seed that was not varied.

Typical use:

  from uncertainty import ensembles
  member_logits = np.stack([np.load(p) for p in paths])    # [M, N, K]
  prediction = ensembles.combine_members(member_logits)    # average='probs'
  report = ensembles.ensemble_metrics(member_logits, labels)
  # {'accuracy': ..., 'nll': ..., 'gibbs_nll': ..., 'nll_member_0': ...,
  #  'ensemble_average': 'probs', ...}
"""
import collections
import itertools
import warnings

import numpy as np
from scipy import special

from uncertainty import metrics

AVERAGING = ('probs', 'logits')

EnsemblePrediction = collections.namedtuple('EnsemblePrediction', [
    'probs',        # [N, K] combined predictive probabilities.
    'log_probs',    # [N, K] their logarithm, computed in log space.
    'average',      # 'probs' or 'logits': how members were combined.
    'num_members',  # M.
])


class IdenticalMembersWarning(UserWarning):
  """Two ensemble members produced the same predictions."""


def _check_member_logits(member_logits):
  member_logits = np.asarray(member_logits, dtype=np.float64)
  if member_logits.ndim != 3 or 0 in member_logits.shape:
    raise ValueError('member_logits must be a non-empty [M, N, K] array (one '
                     '[N, K] logits array per member), got shape %s.' %
                     (member_logits.shape,))
  if not np.all(np.isfinite(member_logits)):
    raise ValueError('member_logits hold NaN or inf values.')
  return member_logits


def find_identical_members(member_logits, atol=1e-6):
  """Returns the pairs (i, j), i < j, of members with equal logits.

  Args:
    member_logits: [M, N, K] logits.
    atol: largest absolute difference still counted as identical.

  Returns:
    A list of index pairs.
  """
  member_logits = _check_member_logits(member_logits)
  return [(i, j) for i, j in itertools.combinations(
      range(member_logits.shape[0]), 2)
          if np.max(np.abs(member_logits[i] - member_logits[j])) <= atol]


def combine_members(member_logits, average='probs', atol=1e-6):
  """Combines member logits into one predictive distribution.

  Args:
    member_logits: [M, N, K] logits of M members on the same N examples.
    average: 'probs' (mean of softmax, default) or 'logits' (softmax of the
      mean logits).
    atol: tolerance for the identical-members warning.

  Returns:
    An `EnsemblePrediction` that records `average`.

  Raises:
    ValueError: on an unknown `average` or malformed input.
  """
  if average not in AVERAGING:
    raise ValueError('average must be one of %s, got %r.' %
                     (', '.join(AVERAGING), average))
  member_logits = _check_member_logits(member_logits)
  num_members = member_logits.shape[0]
  identical = find_identical_members(member_logits, atol)
  if identical:
    warnings.warn(
        'Ensemble members %s have identical logits (max |diff| <= %g): the '
        'same checkpoint listed twice, or training seeds that were not '
        'varied. The ensemble is smaller than it looks.' %
        (', '.join('%d and %d' % pair for pair in identical), atol),
        IdenticalMembersWarning)
  if average == 'probs':
    log_probs = (special.logsumexp(metrics.log_softmax(member_logits), axis=0)
                 - np.log(num_members))
  else:
    log_probs = metrics.log_softmax(np.mean(member_logits, axis=0))
  return EnsemblePrediction(probs=np.exp(log_probs), log_probs=log_probs,
                            average=average, num_members=num_members)


def ensemble_metrics(member_logits, labels, average='probs', num_bins=15,
                     binning='equal_width', atol=1e-6):
  """Standard report for an ensemble plus per-member NLL and diversity.

  Args:
    member_logits: [M, N, K] logits.
    labels: [N] integer labels.
    average: 'probs' or 'logits' (see `combine_members`).
    num_bins: ECE bins.
    binning: ECE binning.
    atol: tolerance for the identical-members warning.

  Returns:
    A flat dict: 'accuracy', 'nll' (exact NLL of the combined prediction:
    the mixture NLL for 'probs'), 'ece', 'mce', 'brier', 'num_examples';
    'gibbs_nll' (mean member NLL), 'nll_member_<m>' and 'accuracy_member_<m>'
    for each member, 'mutual_information' (mean over examples, nats),
    'num_members' and 'ensemble_average' (the averaging used).
  """
  prediction = combine_members(member_logits, average, atol)
  member_logits = _check_member_logits(member_logits)
  member_log_probs = metrics.log_softmax(member_logits)
  report = metrics.classification_metrics(prediction.probs, labels, num_bins,
                                          binning)
  report['nll'] = float(-np.mean(prediction.log_probs[
      np.arange(report['num_examples']),
      metrics.check_labels(labels, *prediction.probs.shape)]))
  report['gibbs_nll'] = metrics.gibbs_negative_log_likelihood(
      member_log_probs, labels)
  for m in range(prediction.num_members):
    report['nll_member_%d' % m] = metrics.negative_log_likelihood_from_logits(
        member_logits[m], labels)
    report['accuracy_member_%d' % m] = metrics.accuracy(
        np.exp(member_log_probs[m]), labels)
  report['mutual_information'] = float(np.mean(metrics.mutual_information(
      np.exp(member_log_probs))))
  report['num_members'] = prediction.num_members
  report['ensemble_average'] = prediction.average
  return report
