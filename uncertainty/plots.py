"""Reliability diagrams and ID-vs-OOD score histograms as PNG files.

Reliability diagrams follow Guo et al. (2017), "On Calibration of Modern
Neural Networks", with the conventions of `uncertainty.metrics`: a bar per
*non-empty* bin spans [lo, hi] with height = bin accuracy; the shaded gap
runs from the accuracy to the bin's mean confidence (not to the bin centre);
the dashed diagonal is perfect calibration; the title gives the ECE. The
per-bin `(lo, hi, count, acc, conf)` are written beside the PNG as JSON
(PITFALLS 16), so the figure can be checked and re-drawn.

Figures are drawn on matplotlib's Agg canvas directly, without pyplot, so
importing this module changes no global backend and needs no display.

Typical use:

  from uncertainty import plots
  ece, bins = plots.plot_reliability_diagram('/tmp/eval/reliability.png',
                                             probs, labels, num_bins=15)
  plots.plot_score_histogram('/tmp/eval/msp_svhn.png', id_scores,
                             ood_scores, score_name='MSP')
"""
import json
import os

from matplotlib.backends import backend_agg
from matplotlib import figure
import numpy as np

from uncertainty import metrics

# Narrowest bar drawn, so equal-mass bins of tied confidences stay visible.
_MIN_BAR_WIDTH = 0.004


def _new_axes():
  fig = figure.Figure(figsize=(5.0, 4.5))
  backend_agg.FigureCanvasAgg(fig)
  return fig, fig.add_subplot(1, 1, 1)


def _save(fig, path):
  directory = os.path.dirname(os.path.abspath(path))
  if not os.path.isdir(directory):
    os.makedirs(directory)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  return path


def reliability_figure(bins, ece, title=None):
  """Returns a matplotlib Figure with the reliability diagram of `bins`.

  Only non-empty bins get bars: one accuracy bar and one gap bar each.

  Args:
    bins: a `metrics.CalibrationBins` (e.g. from `CalibrationAccumulator`).
    ece: the ECE shown in the title.
    title: optional text before the ECE.

  Returns:
    A `matplotlib.figure.Figure` on an Agg canvas.
  """
  fig, ax = _new_axes()
  nonempty = np.asarray(bins.count) > 0
  lo = np.asarray(bins.lo)[nonempty]
  width = np.maximum(np.asarray(bins.hi)[nonempty] - lo, _MIN_BAR_WIDTH)
  acc = np.asarray(bins.acc)[nonempty]
  conf = np.asarray(bins.conf)[nonempty]
  ax.bar(lo, acc, width=width, align='edge', color='tab:blue',
         edgecolor='black', linewidth=0.5, label='accuracy')
  ax.bar(lo, conf - acc, bottom=acc, width=width, align='edge',
         color='tab:red', alpha=0.3, edgecolor='tab:red', hatch='//',
         linewidth=0.5, label='gap to mean confidence')
  ax.plot([0.0, 1.0], [0.0, 1.0], 'k--', linewidth=1.0,
          label='perfect calibration')
  ax.set_xlim(0.0, 1.0)
  ax.set_ylim(0.0, 1.0)
  ax.set_xlabel('confidence (max probability)')
  ax.set_ylabel('accuracy')
  heading = 'ECE = %.4f (%d bins)' % (ece, len(bins.count))
  ax.set_title('%s\n%s' % (title, heading) if title else heading)
  ax.legend(loc='best', fontsize='small')
  return fig


def plot_reliability_bins(path, bins, ece, title=None):
  """Saves the reliability diagram of precomputed bins as a PNG.

  Args:
    path: output PNG path.
    bins: a `metrics.CalibrationBins`.
    ece: the ECE shown in the title.
    title: optional text before the ECE.

  Returns:
    `path`.
  """
  return _save(reliability_figure(bins, ece, title), path)


def bins_json_path(path):
  """The JSON file written beside a reliability diagram PNG."""
  return os.path.splitext(path)[0] + '_bins.json'


def plot_reliability_diagram(path, probs, labels, num_bins=15,
                             binning='equal_width', title=None):
  """Computes ECE and bins, draws the diagram and saves the bins as JSON.

  Args:
    path: output PNG path; the bins go to `bins_json_path(path)`.
    probs: [N, K] predicted probabilities.
    labels: [N] integer labels.
    num_bins: number of bins.
    binning: 'equal_width' or 'equal_mass'.
    title: optional title line.

  Returns:
    (ece, bins) as from `metrics.expected_calibration_error`.
  """
  ece, bins = metrics.expected_calibration_error(probs, labels, num_bins,
                                                 binning)
  plot_reliability_bins(path, bins, ece, title=title)
  with open(bins_json_path(path), 'w') as f:
    json.dump({'ece': ece, 'num_bins': num_bins, 'binning': binning,
               'bins': bins.to_records()}, f, indent=2)
    f.write('\n')
  return ece, bins


def plot_score_histogram(path, id_scores, ood_scores, score_name='score',
                         id_label='in-distribution',
                         ood_label='out-of-distribution', num_bins=50):
  """Overlaid density histograms of ID and OOD scores on shared bins.

  The title reports AUROC and FPR@95TPR from `metrics.ood_metrics` (higher
  score = more in-distribution).

  Args:
    path: output PNG path.
    id_scores: [N_id] scores of in-distribution examples.
    ood_scores: [N_ood] scores of OOD examples.
    score_name: x-axis label, e.g. 'MSP' or 'negative energy'.
    id_label: legend entry of the ID set.
    ood_label: legend entry of the OOD set.
    num_bins: histogram bins over the joint score range.

  Returns:
    The `metrics.ood_metrics` dict shown in the title.
  """
  report = metrics.ood_metrics(id_scores, ood_scores)
  id_scores = np.asarray(id_scores, dtype=np.float64)
  ood_scores = np.asarray(ood_scores, dtype=np.float64)
  edges = np.histogram_bin_edges(np.concatenate([id_scores, ood_scores]),
                                 bins=num_bins)
  fig, ax = _new_axes()
  ax.hist(id_scores, bins=edges, density=True, alpha=0.5, color='tab:blue',
          label='%s (n=%d)' % (id_label, id_scores.shape[0]))
  ax.hist(ood_scores, bins=edges, density=True, alpha=0.5, color='tab:orange',
          label='%s (n=%d)' % (ood_label, ood_scores.shape[0]))
  ax.set_xlabel('%s (higher = more in-distribution)' % score_name)
  ax.set_ylabel('density')
  ax.set_title('AUROC = %.4f, FPR@95TPR = %.4f' %
               (report['auroc'], report['fpr@95tpr']))
  ax.legend(loc='upper left', fontsize='small')
  _save(fig, path)
  return report
