"""Hyper-parameter selection for OOD detectors, with the protocol recorded.

ODIN's temperature and input-perturbation size, and the Mahalanobis
detector's perturbation size, were tuned in the original papers on the very
OOD test set they reported (PITFALLS 17). Here the protocol is explicit,
one of two modes, and written into the results JSON:

  * 'id_only' (default): only held-out *in-distribution* data is used, as
    in Hsu, Shen, Jin and Kira, "Generalized ODIN: Detecting
    Out-of-Distribution Image without Learning from Out-of-Distribution
    Data", CVPR 2020: choose the candidate with the largest mean score on
    the in-distribution validation split. Scores must be comparable across
    candidates, so candidates should differ only in the perturbation size
    (ODIN keeps its temperature fixed in this mode).
  * 'ood_val': a *separate* OOD validation set (never the OOD test set; the
    caller checks the files) against the in-distribution validation split:
    choose the smallest FPR@95TPR, ties broken by the larger AUROC, then
    by the earlier candidate.

Typical use:

  index, record = selection.select(candidates, id_val_scores, mode='id_only')
  best = candidates[index]
  results.update(selection.flat_record(record, 'odin'))
"""
import numpy as np

from uncertainty import metrics

MODES = ('id_only', 'ood_val')

CRITERIA = {
    'id_only': 'max mean score on the in-distribution validation split '
               '(Generalized ODIN, Hsu et al. 2020)',
    'ood_val': 'min FPR@95TPR of in-distribution validation vs the OOD '
               'validation set, ties: max AUROC',
}


def check_mode(mode):
  """Raises ValueError unless `mode` is one of MODES."""
  if mode not in MODES:
    raise ValueError('Unknown hyper-parameter selection mode %r; choose one '
                     'of: %s.' % (mode, ', '.join(MODES)))


def select(candidates, id_scores, ood_scores=None, mode='id_only'):
  """Chooses one candidate setting.

  Args:
    candidates: a list of JSON-able dicts (the settings).
    id_scores: a list, per candidate, of [N] scores of the in-distribution
      validation split (higher = more in-distribution).
    ood_scores: 'ood_val' only: a list, per candidate, of [M] scores of the
      OOD validation set.
    mode: 'id_only' or 'ood_val'.

  Returns:
    (index, record): the chosen index and a JSON-able dict with 'mode',
    'criterion', 'selected' and 'candidates' (each setting with its
    criterion values).

  Raises:
    ValueError: unknown mode, missing OOD validation scores, or lengths that
      do not match.
  """
  check_mode(mode)
  if not candidates or len(id_scores) != len(candidates):
    raise ValueError('Need one array of validation scores per candidate '
                     '(%d candidates, %d arrays).' %
                     (len(candidates), len(id_scores)))
  rows = []
  if mode == 'id_only':
    for candidate, scores in zip(candidates, id_scores):
      rows.append(dict(candidate, mean_id_score=float(np.mean(scores))))
    keys = [(-row['mean_id_score'],) for row in rows]
  else:
    if ood_scores is None or len(ood_scores) != len(candidates):
      raise ValueError(
          "Selection mode 'ood_val' needs the scores of a separate OOD "
          'validation set for every candidate: pass --ood_val_dataset_name '
          'and --ood_val_dataset_dir.')
    for candidate, id_s, ood_s in zip(candidates, id_scores, ood_scores):
      report = metrics.ood_metrics(id_s, ood_s)
      rows.append(dict(candidate, fpr_at_95_tpr=report['fpr@95tpr'],
                       auroc=report['auroc']))
    keys = [(row['fpr_at_95_tpr'], -row['auroc']) for row in rows]
  index = min(range(len(rows)), key=lambda i: (keys[i], i))
  record = {'mode': mode, 'criterion': CRITERIA[mode],
            'selected': dict(candidates[index]), 'candidates': rows}
  return index, record


def fixed_record(setting):
  """The record of a detector run with one given setting (no selection)."""
  return {'mode': 'fixed', 'criterion': 'a single setting was given',
          'selected': dict(setting), 'candidates': [dict(setting)]}


def flat_record(record, prefix):
  """Flat JSON keys of a selection record, e.g. 'odin/selection_mode'."""
  return {
      '%s/selection_mode' % prefix: record['mode'],
      '%s/selection_criterion' % prefix: record['criterion'],
      '%s/selection_candidates' % prefix: record['candidates'],
  }
