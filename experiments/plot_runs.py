"""Plots the training loss and validation accuracy of several runs, side by
side, from their TensorBoard event files.

Left: the `total_loss` scalar that train_image_classifier.py writes to
train_dir (every --save_summaries_secs). Right: `validation/Accuracy`, which
it writes with --validation_every_n_steps=N --validation_split_name=SPLIT.
One line per run in each panel, with the run's label in the legends.

Typical use:

  python -m experiments.plot_runs --run_dirs=/tmp/plain_20,/tmp/resnet_20 \
    --labels=plain-20,resnet-20 --output=curves.png
"""
import sys

from absl import app
from absl import flags
import matplotlib
matplotlib.use('Agg')
# pylint: disable=g-import-not-at-top,wrong-import-position
import matplotlib.pyplot as plt

from experiments import run_records
# pylint: enable=g-import-not-at-top,wrong-import-position

PANELS = (('loss', 'training loss'), ('accuracy', 'validation accuracy'))


def plot_runs(run_dirs, labels, output, loss_tag=run_records.LOSS_TAG,
              accuracy_tag=run_records.ACCURACY_TAG, line_styles=None,
              title=None, log_loss=False):
  """Draws the loss and accuracy curves of `run_dirs` into `output` (PNG).

  Args:
    run_dirs: train_dirs.
    labels: one legend label per run.
    output: path of the image to write.
    loss_tag: the loss scalar (left panel).
    accuracy_tag: the accuracy scalar (right panel).
    line_styles: one matplotlib line style per run ('-', '--', ...); None
      draws solid lines.
    title: the figure's title, or None.
    log_loss: draw the loss on a logarithmic scale.

  Returns:
    {label: {'loss': Series, 'accuracy': Series}}: the points drawn, read
    back from the figure's lines.

  Raises:
    ValueError: mismatched lists, or a run without one of the scalars.
  """
  if not run_dirs or len(labels) != len(run_dirs):
    raise ValueError('Give one label per run dir: %d run dirs, %d labels.' %
                     (len(run_dirs), len(labels)))
  if len(set(labels)) != len(labels):
    raise ValueError('Labels must differ (they name the legend entries): %s'
                     % ', '.join(labels))
  line_styles = line_styles or ['-'] * len(run_dirs)
  if len(line_styles) != len(run_dirs):
    raise ValueError('Give one line style per run dir.')
  curves = []
  for run_dir in run_dirs:
    scalars = run_records.read_scalars(run_dir)
    curves.append((run_records.scalar_series(run_dir, loss_tag, scalars),
                   run_records.scalar_series(run_dir, accuracy_tag, scalars)))
  figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
  drawn = {}
  for label, style, series in zip(labels, line_styles, curves):
    color = None
    drawn[label] = {}
    for axis, (key, _), (steps, values) in zip(axes, PANELS, series):
      line, = axis.plot(steps, values, linestyle=style, color=color,
                        marker='.' if key == 'accuracy' else None,
                        label=label)
      color = line.get_color()
      drawn[label][key] = run_records.Series(list(line.get_xdata()),
                                             list(line.get_ydata()))
  for axis, (key, name), tag in zip(axes, PANELS, (loss_tag, accuracy_tag)):
    axis.set_title('%s (%s)' % (name, tag))
    axis.set_xlabel('step')
    axis.set_ylabel(tag)
    axis.grid(True, alpha=0.3)
    axis.legend()
    if key == 'loss' and log_loss:
      axis.set_yscale('log')
  if title:
    figure.suptitle(title)
  figure.tight_layout()
  figure.savefig(output, dpi=100)
  plt.close(figure)
  return drawn


def _split(value):
  return [item for item in (value or '').split(',') if item]


def _define_flags():
  flags.DEFINE_string('run_dirs', None, 'Comma-separated train_dirs.')
  flags.DEFINE_string('labels', None,
                      'Comma-separated legend labels, one per run dir '
                      '(default: the run dirs).')
  flags.DEFINE_string('output', 'curves.png', 'The PNG to write.')
  flags.DEFINE_string('loss_tag', run_records.LOSS_TAG,
                      'Scalar of the left panel.')
  flags.DEFINE_string('accuracy_tag', run_records.ACCURACY_TAG,
                      'Scalar of the right panel.')
  flags.DEFINE_string('line_styles', None,
                      'Comma-separated matplotlib line styles, one per run '
                      "(e.g. '--' for plain nets); default solid.")
  flags.DEFINE_string('title', None, 'Title of the figure.')
  flags.DEFINE_boolean('log_loss', False, 'Logarithmic loss axis.')


def main(argv):
  del argv
  flag_values = flags.FLAGS
  run_dirs = _split(flag_values.run_dirs)
  if not run_dirs:
    sys.stderr.write('ERROR: give the runs with --run_dirs=DIR1,DIR2.\n')
    return 1
  try:
    plot_runs(run_dirs, _split(flag_values.labels) or run_dirs,
              flag_values.output, flag_values.loss_tag,
              flag_values.accuracy_tag,
              _split(flag_values.line_styles) or None, flag_values.title,
              flag_values.log_loss)
  except ValueError as e:
    sys.stderr.write('ERROR: %s\n' % e)
    return 1
  print('Wrote %s' % flag_values.output)
  return 0


if __name__ == '__main__':
  _define_flags()
  app.run(main)
