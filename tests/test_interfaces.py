"""The public contracts of INTERFACES.md: flag names and defaults of the
binaries, and the README's model table generated from the registry."""
import json
import os
import subprocess
import sys

from tests import e2e_util

# From ../shared/docs/INTERFACES.md (train_image_classifier.py flags).
TRAIN_FLAGS = {
    'master': '', 'train_dir': '/tmp/tfmodel/', 'num_clones': 1,
    'clone_on_cpu': False, 'worker_replicas': 1, 'num_ps_tasks': 0,
    'task': 0, 'sync_replicas': False, 'replicas_to_aggregate': 1,
    'num_readers': 4, 'num_preprocessing_threads': 4,
    'dataset_name': 'imagenet', 'dataset_split_name': 'train',
    'dataset_dir': None, 'labels_offset': 0, 'preprocessing_name': None,
    'batch_size': 32, 'train_image_size': None, 'use_grayscale': False,
    'model_name': 'inception_v3', 'weight_decay': 0.00004,
    'label_smoothing': 0.0, 'moving_average_decay': None,
    'quantize_delay': -1, 'max_number_of_steps': None,
    'log_every_n_steps': 10, 'save_summaries_secs': 600,
    'save_interval_secs': 600, 'optimizer': 'rmsprop', 'adadelta_rho': 0.95,
    'adagrad_initial_accumulator_value': 0.1, 'adam_beta1': 0.9,
    'adam_beta2': 0.999, 'opt_epsilon': 1.0, 'ftrl_learning_rate_power': -0.5,
    'ftrl_initial_accumulator_value': 0.1, 'ftrl_l1': 0.0, 'ftrl_l2': 0.0,
    'momentum': 0.9, 'rmsprop_momentum': 0.9, 'rmsprop_decay': 0.9,
    'learning_rate': 0.01, 'learning_rate_decay_type': 'exponential',
    'end_learning_rate': 0.0001, 'learning_rate_decay_factor': 0.94,
    'num_epochs_per_decay': 2.0, 'checkpoint_path': None,
    'checkpoint_exclude_scopes': None, 'trainable_scopes': None,
    'ignore_missing_vars': False,
}

EVAL_FLAGS = {
    'batch_size': 100, 'max_num_batches': None, 'master': '',
    'num_preprocessing_threads': 4, 'dataset_split_name': 'test',
    'dataset_dir': None, 'labels_offset': 0, 'preprocessing_name': None,
    'moving_average_decay': None, 'eval_image_size': None,
    'quantize': False, 'use_grayscale': False,
}
EVAL_FLAG_NAMES = ['checkpoint_path', 'eval_dir', 'dataset_name', 'model_name',
                   'eval_interval_secs', 'timeout']


def _defaults(module):
  code = ('import json, %s as m; print(json.dumps({n: m.FLAGS[n].default '
          'for n in m.FLAGS}))' % module)
  out = subprocess.run([sys.executable, '-c', code], cwd=e2e_util.REPO,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, check=True,
                       env=dict(os.environ, PYTHONPATH=e2e_util.REPO))
  return json.loads(out.stdout.strip().splitlines()[-1])


def test_train_flags_have_the_reference_names_and_defaults():
  defaults = _defaults('train_image_classifier')
  for name, value in TRAIN_FLAGS.items():
    assert name in defaults, name
    assert defaults[name] == value, (name, defaults[name], value)


def test_eval_flags_have_the_reference_names_and_defaults():
  defaults = _defaults('eval_image_classifier')
  for name, value in EVAL_FLAGS.items():
    assert defaults[name] == value, (name, defaults[name], value)
  for name in EVAL_FLAG_NAMES:
    assert name in defaults, name


def test_readme_model_table_is_the_registry():
  from nets import nets_factory  # pylint: disable=g-import-not-at-top
  with open(os.path.join(e2e_util.REPO, 'README.md')) as f:
    readme = f.read()
  assert nets_factory.markdown_table() in readme, (
      'README.md is out of date: paste the output of '
      '`python -m nets.nets_factory` into its Models section.')
