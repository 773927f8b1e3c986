"""Fine-tuning from a TF-Slim checkpoint through the train binary (issue 3).

The checkpoint is written by the reference `tf_slim.nets.resnet_v1` (the
oracle: the official checkpoints come from that code), with 1000 classes.
Our resnet_v1_50 fine-tunes a new 10-class head on the bundled digits with
--checkpoint_exclude_scopes / --trainable_scopes: every restored weight must
equal the checkpoint's, the new logits must train, and a head mismatch
without the exclusion must fail with the flag that fixes it.
"""
import os

import numpy as np
import pytest
import tensorflow.compat.v1 as tf
import tf_slim as slim
from tf_slim.nets import resnet_v1 as oracle_resnet_v1

from nets import resnet_utils_test
from tests import e2e_util

pytestmark = pytest.mark.slow

# The oracle checkpoint needs tf_slim's own batch_norm (TF 1.15 stack only).
_ORACLE_ERROR = resnet_utils_test.oracle_batch_norm_error()
if _ORACLE_ERROR:
  pytestmark = [pytestmark, pytest.mark.skip(reason=_ORACLE_ERROR)]

LOGITS = 'resnet_v1_50/logits'


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
  """A TF-Slim resnet_v1_50 checkpoint (random weights, 1000 classes) and
  the converted digits to fine-tune it on."""
  root = tmp_path_factory.mktemp('finetune')
  checkpoint = str(root / 'oracle' / 'resnet_v1_50.ckpt')
  with tf.Graph().as_default():
    images = tf.zeros([1, 32, 32, 3])
    with slim.arg_scope(oracle_resnet_v1.resnet_arg_scope()):
      oracle_resnet_v1.resnet_v1_50(images, num_classes=1000,
                                    is_training=False)
    saver = tf.train.Saver()
    rng = np.random.RandomState(0)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      # Non-trivial batch-norm statistics, so a restore that skipped them
      # would show.
      for var in tf.global_variables():
        if 'moving_variance' in var.op.name:
          var.load(rng.uniform(0.5, 2.0, var.shape.as_list()), sess)
      os.makedirs(os.path.dirname(checkpoint))
      saver.save(sess, checkpoint, write_meta_graph=False)
  dataset_dir = str(root / 'data')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'digits', 'dataset_dir': dataset_dir})
  return {'root': root, 'checkpoint': checkpoint, 'dataset_dir': dataset_dir}


def _flags(setup, train_dir, **extra):
  flags = {'train_dir': train_dir, 'dataset_name': 'digits',
           'dataset_split_name': 'train', 'dataset_dir': setup['dataset_dir'],
           'model_name': 'resnet_v1_50', 'preprocessing_name': 'cifarnet',
           'train_image_size': 32, 'batch_size': 4, 'max_number_of_steps': 4,
           'optimizer': 'sgd', 'learning_rate': 0.1,
           'checkpoint_path': setup['checkpoint'], 'freeze_batch_norm': True,
           'save_interval_secs': 3600, 'num_readers': 1,
           'num_preprocessing_threads': 2}
  flags.update(extra)
  return flags


def test_fine_tune_restores_the_body_and_trains_the_head(setup):
  train_dir = str(setup['root'] / 'train')
  run = e2e_util.run_binary('train_image_classifier.py', _flags(
      setup, train_dir, checkpoint_exclude_scopes=LOGITS,
      trainable_scopes=LOGITS))
  assert 'Fine-tuning from' in run.stderr
  oracle = tf.train.load_checkpoint(setup['checkpoint'])
  start = tf.train.load_checkpoint(os.path.join(train_dir, 'model.ckpt-0'))
  tuned = tf.train.load_checkpoint(os.path.join(train_dir, 'model.ckpt-4'))
  names = [n for n in tuned.get_variable_to_shape_map()
           if n.startswith('resnet_v1_50/')]
  body = [n for n in names if not n.startswith(LOGITS)]
  assert len(body) == len(oracle.get_variable_to_shape_map()) - 2
  for name in body:
    np.testing.assert_array_equal(tuned.get_tensor(name),
                                  oracle.get_tensor(name), err_msg=name)
  assert tuned.get_tensor(LOGITS + '/weights').shape == (1, 1, 2048, 10)
  assert not np.array_equal(tuned.get_tensor(LOGITS + '/weights'),
                            start.get_tensor(LOGITS + '/weights'))


def test_head_mismatch_without_exclusion_names_the_fix(setup):
  proc = e2e_util.run_binary('train_image_classifier.py', _flags(
      setup, str(setup['root'] / 'mismatch')), check=False)
  assert proc.returncode != 0
  error = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
  assert len(error) == 1, proc.stderr[-3000:]
  assert '--checkpoint_exclude_scopes=%s' % LOGITS in error[0]
  assert '[1, 1, 2048, 10]' in error[0] and '[1, 1, 2048, 1000]' in error[0]


def test_trainable_scope_typo_fails(setup):
  proc = e2e_util.run_binary('train_image_classifier.py', _flags(
      setup, str(setup['root'] / 'typo'), checkpoint_exclude_scopes=LOGITS,
      trainable_scopes='resnet_v1_50/logit5'), check=False)
  assert proc.returncode != 0
  assert 'resnet_v1_50/logit5' in proc.stderr and 'resnet_v1_50/logits' in (
      proc.stderr)
