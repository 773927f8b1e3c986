"""Tests of the flag definers shared by the binaries."""
from absl import flags

from training import common_flags


def _defined(define, *args, **kwargs):
  flag_values = flags.FlagValues()
  define(*args, flag_values=flag_values, **kwargs)
  flag_values(['binary'])
  return flag_values.flag_values_dict()


def test_training_input_flags_have_readers_and_a_train_image_size():
  values = _defined(common_flags.define_input_flags, 'mnist', 'train',
                    training=True)
  assert values['dataset_name'] == 'mnist'
  assert values['dataset_split_name'] == 'train'
  assert values['num_readers'] == 4
  assert 'train_image_size' in values and 'eval_image_size' not in values


def test_eval_input_flags_have_an_eval_image_size_and_no_readers():
  values = _defined(common_flags.define_input_flags, 'imagenet', 'test',
                    training=False)
  assert values['dataset_split_name'] == 'test'
  assert 'eval_image_size' in values and 'train_image_size' not in values
  assert 'num_readers' not in values


def test_run_and_optimizer_defaults_are_the_callers():
  run = _defined(common_flags.define_run_flags, '/tmp/x', 'Where.')
  assert run['train_dir'] == '/tmp/x'
  assert run['max_checkpoints_to_keep'] == 5
  optimizer = _defined(common_flags.define_optimizer_flags, 1e-8, 'Eps.')
  assert optimizer['opt_epsilon'] == 1e-8
  assert optimizer['adam_beta2'] == 0.999
