"""The results table of finished runs, as Markdown and CSV.

One row per run: the model, its trainable parameters (from the checkpoint),
the step evaluated, the final training loss (the last `total_loss` summary of
train_dir, with its step in the CSV) and the accuracy that
eval_image_classifier.py wrote to eval_dir/metrics.json.

Typical use:

  python -m experiments.results_table --train_dirs=/tmp/a/train,/tmp/b/train \
    --eval_dirs=/tmp/a/eval,/tmp/b/eval --output_prefix=/tmp/results
  # -> /tmp/results.md and /tmp/results.csv
"""
import collections
import csv
import os
import sys

from absl import app
from absl import flags

from experiments import run_records

Row = collections.namedtuple('Row', [
    'model', 'params', 'steps', 'final_train_loss', 'final_train_loss_step',
    'eval_accuracy', 'eval_num_examples', 'train_dir', 'eval_dir'])
MARKDOWN_COLUMNS = (('model', 'model'), ('params', 'params'),
                    ('steps', 'steps'),
                    ('final_train_loss', 'final train loss'),
                    ('eval_accuracy', 'eval accuracy'))


def collect_row(train_dir, eval_dir, label=None):
  """The Row of one run.

  Args:
    train_dir: its train_dir (flags.json, event files, checkpoint).
    eval_dir: its eval_dir (metrics.json).
    label: the model column; default the run's model name.

  Returns:
    A Row.

  Raises:
    ValueError: a file the row needs is missing; the message says which
      binary writes it.
  """
  record = run_records.read_json(os.path.join(train_dir,
                                              run_records.FLAGS_FILE))
  if record is None:
    raise ValueError('%s has no %s: train with train_image_classifier.py '
                     '--train_dir=%s.' % (train_dir, run_records.FLAGS_FILE,
                                          train_dir))
  metrics = run_records.read_json(os.path.join(eval_dir,
                                               run_records.METRICS_FILE))
  if metrics is None:
    raise ValueError('%s has no %s: evaluate with eval_image_classifier.py '
                     '--checkpoint_path=%s --eval_dir=%s.' % (
                         eval_dir, run_records.METRICS_FILE, train_dir,
                         eval_dir))
  loss = run_records.scalar_series(train_dir, run_records.LOSS_TAG)
  return Row(model=label or record['flags']['model_name'],
             params=run_records.trainable_params(train_dir),
             steps=metrics['step'], final_train_loss=loss.values[-1],
             final_train_loss_step=loss.steps[-1],
             eval_accuracy=metrics['accuracy'],
             eval_num_examples=metrics['num_examples'], train_dir=train_dir,
             eval_dir=eval_dir)


def collect(train_dirs, eval_dirs, labels=None):
  """Rows of the runs (train_dirs[i] evaluated in eval_dirs[i])."""
  labels = labels or [None] * len(train_dirs)
  if not len(train_dirs) == len(eval_dirs) == len(labels):
    raise ValueError('Give one eval dir (and label) per train dir: %d train '
                     'dirs, %d eval dirs, %d labels.' % (
                         len(train_dirs), len(eval_dirs), len(labels)))
  return [collect_row(t, e, l) for t, e, l in zip(train_dirs, eval_dirs,
                                                   labels)]


def _markdown_cell(row, key):
  value = getattr(row, key)
  if key == 'params':
    return '{:,}'.format(value)
  if key == 'final_train_loss' and row.final_train_loss_step != row.steps:
    # Summaries are written every --save_summaries_secs, so the last one
    # may come before the last step.
    return '%.4f (step %d)' % (value, row.final_train_loss_step)
  if key in ('final_train_loss', 'eval_accuracy'):
    return '%.4f' % value
  return str(value)


def to_markdown(rows):
  """The Markdown table of `rows` (the README's columns)."""
  lines = ['| %s |' % ' | '.join(title for _, title in MARKDOWN_COLUMNS),
           '|%s' % ('---|' * len(MARKDOWN_COLUMNS))]
  for row in rows:
    lines.append('| %s |' % ' | '.join(
        _markdown_cell(row, key) for key, _ in MARKDOWN_COLUMNS))
  return '\n'.join(lines) + '\n'


def write(rows, output_prefix):
  """Writes `<output_prefix>.md` and `.csv`; returns their paths."""
  directory = os.path.dirname(output_prefix)
  if directory and not os.path.isdir(directory):
    os.makedirs(directory)
  markdown_path, csv_path = output_prefix + '.md', output_prefix + '.csv'
  with open(markdown_path, 'w') as f:
    f.write(to_markdown(rows))
  with open(csv_path, 'w', newline='') as f:
    writer = csv.writer(f)
    writer.writerow(Row._fields)
    writer.writerows(rows)
  return markdown_path, csv_path


def _split(value):
  return [item for item in (value or '').split(',') if item]


def _define_flags():
  flags.DEFINE_string('train_dirs', None, 'Comma-separated train_dirs.')
  flags.DEFINE_string('eval_dirs', None,
                      'Comma-separated eval_dirs, one per train_dir.')
  flags.DEFINE_string('labels', None,
                      'Comma-separated model labels (default: the model '
                      'names of the runs).')
  flags.DEFINE_string('output_prefix', 'results',
                      'Writes <prefix>.md and <prefix>.csv.')


def main(argv):
  del argv
  flag_values = flags.FLAGS
  try:
    rows = collect(_split(flag_values.train_dirs),
                   _split(flag_values.eval_dirs),
                   _split(flag_values.labels) or None)
    if not rows:
      raise ValueError('Give the runs with --train_dirs and --eval_dirs.')
    paths = write(rows, flag_values.output_prefix)
  except ValueError as e:
    sys.stderr.write('ERROR: %s\n' % e)
    return 1
  sys.stdout.write(to_markdown(rows))
  print('Wrote %s and %s' % paths)
  return 0


if __name__ == '__main__':
  _define_flags()
  app.run(main)
