"""Tables, JSON files and figures of eval_uncertainty results.

Writes into eval_dir:
  uncertainty.json            every method's flat keys prefixed by the
                              method ('msp/test/ece', 'odin/ood/noise_auroc'),
                              plus the metric conventions and the flags;
  uncertainty_<method>.json   one method's flat keys without the prefix
                              ('test/ece', 'ood/noise_auroc', ...);
  uncertainty_table.md        the printed table in Markdown;
  <method>_reliability.png    reliability diagram of the eval split (+ its
                              bins as <method>_reliability_bins.json);
  <method>_scores_<set>.png   ID-vs-OOD score histogram per OOD set.

Typical use:

  print(report.format_table(results, split='test'))
  report.write_outputs(eval_dir, results, common, plots=True)
"""
import os

from training import runtime
from uncertainty import metrics

ECE_CONVENTION = ('top-label ECE: sum_m n_m/N |acc_m - conf_m|, each bin '
                  'compared with the mean confidence of its examples')
NLL_CONVENTION = 'mean natural-log negative log-likelihood (nats)'
BRIER_CONVENTION = ('mean over examples of the sum over classes of '
                    '(p_k - 1[k = y])^2, in [0, 2]')

_CLASSIFICATION_COLUMNS = (('accuracy', 'acc'), ('ece', 'ECE'),
                           ('nll', 'NLL'), ('brier', 'Brier'))
_OOD_COLUMNS = (('auroc', 'AUROC'), ('aupr_in', 'AUPR-In'),
                ('aupr_out', 'AUPR-Out'), ('fpr@95tpr', 'FPR95'))


def conventions(num_bins, binning):
  """The metric conventions written into every results file."""
  return {
      'conventions/ood': metrics.OOD_CONVENTIONS,
      'conventions/ece': ECE_CONVENTION,
      'conventions/nll': NLL_CONVENTION,
      'conventions/brier': BRIER_CONVENTION,
      'ece/num_bins': num_bins,
      'ece/binning': binning,
  }


def _rows(results, split, ood_names):
  """Table rows: one per (method, OOD set); classification on the first."""
  rows = []
  for result in results:
    m = result.metrics
    base = [result.method] + ['%.4f' % m['%s/%s' % (split, key)]
                              for key, _ in _CLASSIFICATION_COLUMNS]
    for i, name in enumerate(ood_names or [None]):
      row = list(base) if i == 0 else [''] * len(base)
      if name is None:
        rows.append(row)
        continue
      row.append(name)
      row += ['%.4f' % m['ood/%s_%s' % (name, key)]
              for key, _ in _OOD_COLUMNS]
      rows.append(row)
  return rows


def _header(ood_names):
  header = ['method'] + [title for _, title in _CLASSIFICATION_COLUMNS]
  if ood_names:
    header += ['OOD set'] + [title for _, title in _OOD_COLUMNS]
  return header


def format_table(results, split, ood_names):
  """A fixed-width text table of the results.

  Args:
    results: a list of evaluation.MethodResult.
    split: the evaluation split name (the metric key prefix).
    ood_names: the OOD set names, in order.

  Returns:
    The table as a string.
  """
  header = _header(ood_names)
  rows = _rows(results, split, ood_names)
  widths = [max(len(r[i]) for r in [header] + rows)
            for i in range(len(header))]
  lines = ['  '.join(c.ljust(w) for c, w in zip(header, widths))]
  lines.append('  '.join('-' * w for w in widths))
  lines += ['  '.join(c.ljust(w) for c, w in zip(row, widths))
            for row in rows]
  return '\n'.join(lines)


def format_markdown(results, split, ood_names):
  """The same table in Markdown."""
  header = _header(ood_names)
  lines = ['| %s |' % ' | '.join(header),
           '|%s|' % '|'.join('---' for _ in header)]
  lines += ['| %s |' % ' | '.join(row)
            for row in _rows(results, split, ood_names)]
  return '\n'.join(lines) + '\n'


def write_outputs(eval_dir, results, common, split, ood_names, plots=True):
  """Writes the JSON files, the Markdown table and the figures.

  Args:
    eval_dir: output directory.
    results: a list of evaluation.MethodResult.
    common: flat keys shared by every file (conventions, flags, paths).
    split: the evaluation split name.
    ood_names: the OOD set names.
    plots: draw the PNG figures.

  Returns:
    The summary dict written to uncertainty.json.
  """
  summary = dict(common)
  for result in results:
    payload = dict(common, method=result.method, **result.metrics)
    runtime.write_json(os.path.join(
        eval_dir, 'uncertainty_%s.json' % result.method), payload)
    summary.update({'%s/%s' % (result.method, k): v
                    for k, v in result.metrics.items()})
    if plots:
      _plot(eval_dir, result, common)
  summary['methods'] = [r.method for r in results]
  runtime.write_json(os.path.join(eval_dir, 'uncertainty.json'), summary)
  with open(os.path.join(eval_dir, 'uncertainty_table.md'), 'w') as f:
    f.write(format_markdown(results, split, ood_names))
  return summary


def _plot(eval_dir, result, common):
  from uncertainty import plots  # pylint: disable=g-import-not-at-top
  plots.plot_reliability_diagram(
      os.path.join(eval_dir, '%s_reliability.png' % result.method),
      result.probs, result.labels, num_bins=common['ece/num_bins'],
      binning=common['ece/binning'], title=result.method)
  for name, scores in sorted(result.ood_scores.items()):
    plots.plot_score_histogram(
        os.path.join(eval_dir, '%s_scores_%s.png' % (result.method, name)),
        result.id_scores, scores, score_name=result.score_name,
        ood_label=name)
