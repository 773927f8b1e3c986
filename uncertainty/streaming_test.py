"""Tests of uncertainty.streaming against the numpy ECE of uncertainty.metrics.

The last test runs eval_image_classifier's library with --ece_bins on the
toy lenet of `toy_data` (100 test examples in batches of 30).
"""
import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

from training import eval_lib
from uncertainty import metrics
from uncertainty import streaming
from uncertainty import toy_data


def _random_problem(rng, num, num_classes, sharpness=3.0):
  logits = sharpness * rng.randn(num, num_classes)
  probs = metrics.softmax(logits).astype(np.float32)
  labels = rng.randint(0, num_classes, num)
  return probs, labels


class StreamingEceTest(tf.test.TestCase):

  def _run_batches(self, probs, labels, batch_size, num_bins=15):
    """Feeds [start, start + batch_size) slices; returns (value, updates)."""
    with tf.Graph().as_default():
      probs_ph = tf.placeholder(tf.float32, [None, probs.shape[1]])
      labels_ph = tf.placeholder(tf.int64, [None])
      value, update_op = streaming.streaming_ece(labels_ph, probs_ph,
                                                 num_bins=num_bins)
      with self.session() as sess:
        sess.run(tf.local_variables_initializer())
        self.assertEqual(sess.run(value), 0.0)
        updates = []
        for start in range(0, len(labels), batch_size):
          updates.append(sess.run(update_op, {
              probs_ph: probs[start:start + batch_size],
              labels_ph: labels[start:start + batch_size]}))
        return sess.run(value), updates

  def test_matches_numpy_over_batches_with_partial_last_batch(self):
    rng = np.random.RandomState(0)
    probs, labels = _random_problem(rng, 103, 10)
    value, updates = self._run_batches(probs, labels, batch_size=25)
    self.assertLen(updates, 5)  # 4 full batches and one of 3 examples.
    expected, _ = metrics.expected_calibration_error(probs, labels,
                                                     num_bins=15)
    self.assertNear(value, expected, 1e-6)
    self.assertNear(updates[-1], expected, 1e-6)
    first, _ = metrics.expected_calibration_error(probs[:25], labels[:25])
    self.assertNear(updates[0], first, 1e-6)

  def test_other_bin_counts_and_confidences_on_edges(self):
    # Confidences exactly on bin edges (0.5, 0.25 and 1) and ties.
    probs = np.array([[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25],
                      [1.0, 0.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4],
                      [0.6, 0.2, 0.1, 0.1]], dtype=np.float32)
    labels = np.array([1, 0, 0, 3, 2])
    for num_bins in (1, 4, 10, 15):
      value, _ = self._run_batches(probs, labels, batch_size=2,
                                   num_bins=num_bins)
      expected, _ = metrics.expected_calibration_error(probs, labels,
                                                       num_bins=num_bins)
      self.assertNear(value, expected, 1e-6, msg='num_bins=%d' % num_bins)

  def test_tf_data_pipeline_and_reset(self):
    rng = np.random.RandomState(1)
    probs, labels = _random_problem(rng, 37, 5)
    expected, _ = metrics.expected_calibration_error(probs, labels)
    with tf.Graph().as_default():
      batch = tf.data.make_initializable_iterator(
          tf.data.Dataset.from_tensor_slices((probs, labels)).batch(8))
      batch_probs, batch_labels = batch.get_next()
      value, update_op = streaming.streaming_ece(
          tf.reshape(batch_labels, [-1, 1]), batch_probs,
          metrics_collections=['values'], updates_collections=['updates'])
      self.assertEqual(tf.get_collection('values'), [value])
      self.assertEqual(tf.get_collection('updates'), [update_op])
      self.assertLen(tf.get_collection(
          tf.GraphKeys.METRIC_VARIABLES), 3)
      self.assertEmpty(tf.trainable_variables())
      with self.session() as sess:
        for _ in range(2):  # The second pass checks that the reset works.
          sess.run([tf.local_variables_initializer(),
                    batch.initializer])
          while True:
            try:
              sess.run(update_op)
            except tf.errors.OutOfRangeError:
              break
          self.assertNear(sess.run(value), expected, 1e-6)

  def test_bad_arguments(self):
    with tf.Graph().as_default():
      probs = tf.zeros([4, 3])
      with self.assertRaisesRegex(ValueError, 'num_bins must be a positive'):
        streaming.streaming_ece(tf.zeros([4], tf.int64), probs, num_bins=0)
      with self.assertRaisesRegex(ValueError, 'labels must be \\[batch\\]'):
        streaming.streaming_ece(tf.zeros([4, 3], tf.int64), probs)
      with self.assertRaisesRegex(ValueError, 'probabilities must be'):
        streaming.streaming_ece(tf.zeros([4], tf.int64), tf.zeros([4, 3, 2]))


def _eval_params(toy, eval_dir, **overrides):
  """eval_image_classifier flag values for the toy problem."""
  params = {
      'dataset_name': 'blobs', 'dataset_split_name': 'test',
      'dataset_dir': toy['data_dir'], 'model_name': 'lenet',
      'labels_offset': 0, 'preprocessing_name': None,
      'eval_image_size': toy['size'], 'use_grayscale': False,
      'batch_size': 30, 'num_preprocessing_threads': 2, 'quantize': False,
      'moving_average_decay': None, 'max_num_batches': None, 'master': '',
      'eval_dir': eval_dir, 'gpu_allow_growth': True,
      'gpu_memory_fraction': None, 'inter_op_parallelism_threads': 0,
      'intra_op_parallelism_threads': 0,
      'predictions_file': os.path.join(eval_dir, 'predictions.npz'),
  }
  params.update(overrides)
  return params


def _with_global_step(checkpoint, train_dir):
  """Re-saves a toy checkpoint with the global_step the eval binary reads."""
  with tf.Graph().as_default():
    model_vars = [
        tf.get_variable(name, shape) for name, shape in
        tf.train.list_variables(checkpoint)]
    step = tf.train.get_or_create_global_step()
    with tf.Session() as session:
      tf.train.Saver(model_vars).restore(session, checkpoint)
      session.run(step.initializer)
      return tf.train.Saver().save(
          session, os.path.join(train_dir, 'model.ckpt'), global_step=25)


class EvalLibEceTest(tf.test.TestCase):

  def test_ece_bins_flag(self):
    toy = toy_data.toy_problem()
    eval_dir = self.get_temp_dir()
    checkpoint = _with_global_step(toy['checkpoint'],
                                   os.path.join(eval_dir, 'train'))
    result = eval_lib.evaluate_checkpoint(
        _eval_params(toy, eval_dir, ece_bins=15), checkpoint)
    self.assertEqual((result['num_examples'], result['ece_bins']), (100, 15))
    with np.load(os.path.join(eval_dir, 'predictions.npz')) as predictions:
      expected, _ = metrics.expected_calibration_error(
          predictions['probabilities'], predictions['label'], num_bins=15)
    self.assertGreater(expected, 0.0)
    self.assertNear(result['ece'], expected, 1e-6)
    with open(os.path.join(eval_dir, 'metrics.json')) as f:
      self.assertNear(json.load(f)['ece'], expected, 1e-6)
    # Off by default (params without the key, or 0): no ECE anywhere.
    for extra in ({}, {'ece_bins': 0}):
      result = eval_lib.evaluate_checkpoint(
          _eval_params(toy, eval_dir, predictions_file=None, **extra),
          checkpoint)
      self.assertNotIn('ece', result)


if __name__ == '__main__':
  tf.test.main()
