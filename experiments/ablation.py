"""Ablation runner: several models, identical settings, one table and figure.

For each `--model` (a registered model name, a model-config JSON file, or
the JSON object itself; see nets/model_config.py) it runs, as a user would:

  1. train_image_classifier.py into OUTPUT_DIR/<label>/train, with the same
     dataset, seed, batch size, steps, validation and `--train_flags` for
     every model;
  2. eval_image_classifier.py on `--eval_split` into OUTPUT_DIR/<label>/eval
     (metrics.json);

then checks from the runs' own records (train_dir/flags.json) that their
settings differ only by the model, and writes:

  OUTPUT_DIR/results.md, results.csv   experiments.results_table
  OUTPUT_DIR/curves.png                experiments.plot_runs (plain nets
                                       dashed)
  OUTPUT_DIR/ablation.json             settings and the exact commands

Each run's output goes to OUTPUT_DIR/<label>/{train,eval}.log. Runs use one
clone (`--num_clones=1`), so the global batch is --batch_size; it is logged
and recorded.

Typical use (see scripts/ablation_mnist.sh):

  python -m experiments.ablation --output_dir=/tmp/ablation \
    --dataset_name=mnist --dataset_dir=/tmp/mnist --eval_split=test \
    --model=plain_cifar_20 --model=resnet_cifar_20 \
    --seed=1 --batch_size=64 --max_number_of_steps=500 \
    --validation_every_n_steps=100 \
    --train_flags='--optimizer=momentum --learning_rate=0.1'
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

from absl import app
from absl import flags
from absl import logging

from experiments import plot_runs
from experiments import results_table
from experiments import run_records
from nets import model_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# flags.json entries allowed to differ between the runs of an ablation.
PER_RUN_FLAGS = ('train_dir', 'model_name', 'model_config',
                 'model_config_resolved')


class Run(object):
  """One model of the ablation: its label, model flags and directories."""

  def __init__(self, model, output_dir):
    if model.lstrip().startswith('{') or model.endswith('.json'):
      self.config = model_config.load(model)
      self.label = self.config.name
      self.model_flags = {'model_config': model}
    else:
      self.config = (model_config.registered_config(model)
                     if model in model_config.base_names() else None)
      self.label = model
      self.model_flags = {'model_name': model}
    self.run_dir = os.path.join(output_dir, self.label)
    self.train_dir = os.path.join(self.run_dir, 'train')
    self.eval_dir = os.path.join(self.run_dir, 'eval')

  @property
  def residual(self):
    """False for plain networks, True for residual ones, None if unknown."""
    return getattr(self.config, 'residual', None)


def command(module, flag_dict, extra=''):
  """argv running `python -m module` with `flag_dict` and extra flags."""
  argv = [sys.executable, '-m', module]
  argv += ['--%s=%s' % (name, value) for name, value in flag_dict.items()]
  return argv + shlex.split(extra)


def _run(argv, log_path, what):
  """Runs argv from the repository root, its output to `log_path`."""
  logging.info('%s: %s', what, ' '.join(shlex.quote(a) for a in argv))
  start = time.time()
  env = dict(os.environ)
  env['PYTHONPATH'] = os.pathsep.join(
      [REPO] + [p for p in [env.get('PYTHONPATH')] if p])
  with open(log_path, 'w') as log:
    code = subprocess.call(argv, cwd=REPO, env=env, stdout=log,
                           stderr=subprocess.STDOUT)
  if code:
    with open(log_path) as log:
      tail = log.read()[-3000:]
    raise RuntimeError('%s failed (exit %d); log %s ends with:\n%s' % (
        what, code, log_path, tail))
  logging.info('%s done in %.0f s.', what, time.time() - start)


def _prepare(run, overwrite):
  if os.path.exists(run.run_dir):
    if not overwrite:
      raise ValueError('%s exists: a train_dir with a checkpoint would resume '
                       'instead of training with the ablation settings. '
                       'Remove it, use another --output_dir, or pass '
                       '--overwrite.' % run.run_dir)
    shutil.rmtree(run.run_dir)
  os.makedirs(run.run_dir)


def check_identical_settings(train_dirs):
  """Fails unless the runs' recorded flags differ only by the model.

  Args:
    train_dirs: the train_dirs of the ablation.

  Returns:
    The shared flags (a dict) and the global batch size.

  Raises:
    ValueError: a run has no record, or runs differ in another flag.
  """
  shared, global_batch, first = None, None, None
  for train_dir in train_dirs:
    record = run_records.read_json(os.path.join(train_dir,
                                                run_records.FLAGS_FILE))
    if record is None:
      raise ValueError('%s has no %s.' % (train_dir, run_records.FLAGS_FILE))
    settings = {k: v for k, v in record['flags'].items()
                if k not in PER_RUN_FLAGS}
    batch = record['resolved']['global_batch_size']
    if shared is None:
      shared, global_batch, first = settings, batch, train_dir
      continue
    differing = sorted(k for k in set(shared) | set(settings)
                       if shared.get(k) != settings.get(k))
    if differing or batch != global_batch:
      raise ValueError('Runs %s and %s differ in %s: not an ablation of the '
                       'model alone.' % (first, train_dir,
                                         ', '.join(differing) or
                                         'global batch size'))
  return shared, global_batch


def run_ablation(params):
  """Trains and evaluates every model, then writes table, figure, record.

  Args:
    params: dict of this module's flag values.

  Returns:
    The results_table Rows.
  """
  output_dir = params['output_dir']
  runs = [Run(model, output_dir) for model in params['model']]
  labels = [run.label for run in runs]
  if len(set(labels)) != len(labels):
    raise ValueError('Two models have the same name: %s.' % labels)
  shared_train_flags = {
      'dataset_name': params['dataset_name'],
      'dataset_dir': params['dataset_dir'],
      'dataset_split_name': params['train_split'],
      'seed': params['seed'], 'batch_size': params['batch_size'],
      'num_clones': 1,
      'max_number_of_steps': params['max_number_of_steps'],
      'validation_every_n_steps': params['validation_every_n_steps'],
      'validation_split_name': params['eval_split'],
  }
  logging.info('Ablation of %s: seed %d, global batch %d (1 clone), %d '
               'steps, train flags %r.', ', '.join(labels), params['seed'],
               params['batch_size'], params['max_number_of_steps'],
               params['train_flags'])
  record = {'settings': dict(shared_train_flags,
                             train_flags=params['train_flags'],
                             eval_flags=params['eval_flags']),
            'runs': []}
  for run in runs:
    _prepare(run, params['overwrite'])
    train = command('train_image_classifier',
                    dict(shared_train_flags, train_dir=run.train_dir,
                         **run.model_flags), params['train_flags'])
    evaluate = command(
        'eval_image_classifier',
        dict(checkpoint_path=run.train_dir, eval_dir=run.eval_dir,
             dataset_name=params['dataset_name'],
             dataset_dir=params['dataset_dir'],
             dataset_split_name=params['eval_split'],
             batch_size=params['eval_batch_size'], **run.model_flags),
        params['eval_flags'])
    record['runs'].append({
        'label': run.label, 'train_dir': run.train_dir,
        'eval_dir': run.eval_dir,
        'train_command': ' '.join(shlex.quote(a) for a in train),
        'eval_command': ' '.join(shlex.quote(a) for a in evaluate)})
    _run(train, os.path.join(run.run_dir, 'train.log'),
         'Training %s' % run.label)
    _run(evaluate, os.path.join(run.run_dir, 'eval.log'),
         'Evaluating %s' % run.label)
  train_dirs = [run.train_dir for run in runs]
  _, record['global_batch_size'] = check_identical_settings(train_dirs)
  rows = results_table.collect(train_dirs, [run.eval_dir for run in runs],
                               labels)
  results_table.write(rows, os.path.join(output_dir, 'results'))
  plot_runs.plot_runs(
      train_dirs, labels, os.path.join(output_dir, 'curves.png'),
      line_styles=['--' if run.residual is False else '-' for run in runs],
      title=params['title'], log_loss=params['log_loss'])
  with open(os.path.join(output_dir, 'ablation.json'), 'w') as f:
    json.dump(record, f, indent=2, sort_keys=True)
  return rows


def _define_flags():
  flags.DEFINE_multi_string(
      'model', None,
      'A model of the ablation (repeat the flag): a registered model name, '
      'a model-config JSON file, or the JSON object itself.')
  flags.DEFINE_string('output_dir', None,
                      'Runs go to OUTPUT_DIR/<model>/{train,eval}; the table, '
                      'figure and record to OUTPUT_DIR.')
  flags.DEFINE_string('dataset_name', None, 'The dataset.')
  flags.DEFINE_string('dataset_dir', None, 'Its directory.')
  flags.DEFINE_string('train_split', 'train', 'The split to train on.')
  flags.DEFINE_string('eval_split', 'test',
                      'The held-out split: validation during training and '
                      'the final evaluation.')
  flags.DEFINE_integer('seed', 1, 'Graph-level seed of every run.')
  flags.DEFINE_integer('batch_size', 64,
                       'Batch size of every run (one clone: the global '
                       'batch).')
  flags.DEFINE_integer('max_number_of_steps', 500, 'Training steps.')
  flags.DEFINE_integer('validation_every_n_steps', 100,
                       'Validation on --eval_split every N steps.')
  flags.DEFINE_integer('eval_batch_size', 500, 'Batch size of evaluation.')
  flags.DEFINE_string('train_flags', '',
                      'Further flags of train_image_classifier.py for every '
                      'run (optimizer, learning rate, ...).')
  flags.DEFINE_string('eval_flags', '',
                      'Further flags of eval_image_classifier.py.')
  flags.DEFINE_string('title', None, 'Title of the figure.')
  flags.DEFINE_boolean('log_loss', False,
                       'Draw the training loss on a logarithmic scale.')
  flags.DEFINE_boolean('overwrite', False,
                       'Delete existing OUTPUT_DIR/<model> directories.')


def main(argv):
  del argv
  params = flags.FLAGS.flag_values_dict()
  missing = [name for name in ('model', 'output_dir', 'dataset_name',
                               'dataset_dir') if not params[name]]
  try:
    if missing:
      raise ValueError('Give %s.' % ', '.join('--' + m for m in missing))
    rows = run_ablation(params)
  except (ValueError, RuntimeError) as e:
    sys.stderr.write('ERROR: %s\n' % e)
    return 1
  sys.stdout.write(results_table.to_markdown(rows))
  print('Table, figure and record in %s' % params['output_dir'])
  return 0


if __name__ == '__main__':
  _define_flags()
  app.run(main)
