"""Tests of nets.normalization.batch_norm: slim's names, updates and numerics.

Where tf_slim can still build its own batch_norm (TF 1.15), the outputs and
updated moving statistics are compared with it directly.
"""
import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import normalization
from nets import resnet_utils_test

_DECAY = 0.9
_EPSILON = 1e-3


def _images(shape=(4, 3, 3, 2), seed=0):
  return np.random.RandomState(seed).normal(2.0, 3.0, shape).astype(
      np.float32)


def _variables(graph):
  return {v.op.name: v for v in graph.get_collection(
      tf.GraphKeys.GLOBAL_VARIABLES)}


def _run_once(batch_norm_fn, images, is_training, **kwargs):
  """Output, then moving statistics after running the update ops once."""
  graph = tf.Graph()
  with graph.as_default():
    inputs = tf.constant(images)
    outputs = batch_norm_fn(inputs, decay=_DECAY, epsilon=_EPSILON,
                            is_training=is_training, **kwargs)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      value = sess.run(outputs)
      sess.run(updates)
      stats = sess.run({name.rsplit('/', 1)[-1]: var for name, var in
                        _variables(graph).items()})
  return value, stats


class BatchNormTest(tf.test.TestCase):

  def test_variables_are_named_as_slims(self):
    with tf.Graph().as_default() as graph:
      normalization.batch_norm(tf.zeros([2, 4, 4, 3]), scale=True)
      variables = _variables(graph)
      self.assertCountEqual(
          ['BatchNorm/beta', 'BatchNorm/gamma', 'BatchNorm/moving_mean',
           'BatchNorm/moving_variance'], variables)
      self.assertCountEqual(variables.values(), tf.model_variables())
      self.assertCountEqual(
          ['BatchNorm/beta', 'BatchNorm/gamma'],
          [v.op.name for v in tf.trainable_variables()])
      for var in variables.values():
        self.assertEqual([3], var.shape.as_list())

  def test_center_and_scale_choose_beta_and_gamma(self):
    with tf.Graph().as_default() as graph:
      normalization.batch_norm(tf.zeros([2, 3]), center=False, scope='bn')
      self.assertCountEqual(['bn/moving_mean', 'bn/moving_variance'],
                            _variables(graph))

  def test_update_ops_only_in_training_mode(self):
    for is_training, expected in ((True, 2), (False, 0)):
      with tf.Graph().as_default() as graph:
        normalization.batch_norm(tf.zeros([2, 4, 4, 3]),
                                 is_training=is_training)
        self.assertLen(graph.get_collection(tf.GraphKeys.UPDATE_OPS),
                       expected)

  def test_training_mode_normalizes_and_updates_with_unbiased_variance(self):
    images = _images()
    value, stats = _run_once(normalization.batch_norm, images, True,
                             scale=True)
    mean = images.mean(axis=(0, 1, 2))
    variance = images.var(axis=(0, 1, 2))
    expected = (images - mean) / np.sqrt(variance + _EPSILON)
    self.assertAllClose(expected, value, atol=1e-4)
    count = images.size // images.shape[-1]
    self.assertAllClose((1 - _DECAY) * mean, stats['moving_mean'],
                        atol=1e-5)
    # fused_batch_norm (as slim) averages the unbiased batch variance.
    self.assertAllClose(
        _DECAY + (1 - _DECAY) * variance * count / (count - 1),
        stats['moving_variance'], atol=1e-5)

  def test_inference_mode_uses_the_moving_statistics(self):
    images = _images()
    value, stats = _run_once(normalization.batch_norm, images, False)
    self.assertAllClose(images / np.sqrt(1 + _EPSILON), value, atol=1e-5)
    self.assertAllClose(np.zeros(2), stats['moving_mean'])

  def test_updates_in_place_without_collection(self):
    with tf.Graph().as_default() as graph:
      outputs = normalization.batch_norm(tf.constant(_images()),
                                         updates_collections=None)
      self.assertEmpty(graph.get_collection(tf.GraphKeys.UPDATE_OPS))
      moving_mean = _variables(graph)['BatchNorm/moving_mean']
      with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(outputs)
        self.assertGreater(np.abs(sess.run(moving_mean)).min(), 1e-3)

  def test_tensor_is_training_picks_the_mode_at_run_time(self):
    images = _images()
    with tf.Graph().as_default() as graph:
      is_training = tf.placeholder(tf.bool, [])
      outputs = normalization.batch_norm(tf.constant(images),
                                         is_training=is_training)
      updates = graph.get_collection(tf.GraphKeys.UPDATE_OPS)
      self.assertLen(updates, 2)
      moving_mean = _variables(graph)['BatchNorm/moving_mean']
      with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        inference, _ = sess.run([outputs, updates], {is_training: False})
        self.assertAllClose(np.zeros(2), sess.run(moving_mean))
        self.assertAllClose(images / np.sqrt(1 + 1e-3), inference, atol=1e-5)
        sess.run(updates, {is_training: True})
        self.assertGreater(np.abs(sess.run(moving_mean)).min(), 1e-3)

  def test_rank_2_inputs_and_arg_scope(self):
    with tf.Graph().as_default() as graph:
      with slim.arg_scope([normalization.batch_norm], is_training=False,
                          scale=True):
        outputs = slim.fully_connected(
            tf.zeros([2, 3]), 5, normalizer_fn=normalization.batch_norm,
            scope='fc')
      self.assertEqual([2, 5], outputs.shape.as_list())
      self.assertEmpty(graph.get_collection(tf.GraphKeys.UPDATE_OPS))
      self.assertIn('fc/BatchNorm/gamma', _variables(graph))

  def test_rejects_unsupported_ranks(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, '2-D or 4-D'):
        normalization.batch_norm(tf.zeros([2, 3, 4]))

  def test_matches_slims_batch_norm(self):
    resnet_utils_test.skip_unless_oracle_batch_norm(self)
    images = _images(seed=3)
    for is_training in (True, False):
      for kwargs in ({}, {'scale': True}, {'updates_collections': None}):
        ours = _run_once(normalization.batch_norm, images, is_training,
                         **kwargs)
        slims = _run_once(slim.batch_norm, images, is_training, **kwargs)
        self.assertAllClose(slims[0], ours[0], atol=1e-5)
        self.assertAllClose(slims[1], ours[1], atol=1e-6)
        flat = _run_once(normalization.batch_norm, images[:, 0, 0],
                         is_training, **kwargs)
        flat_slim = _run_once(slim.batch_norm, images[:, 0, 0], is_training,
                              **kwargs)
        self.assertAllClose(flat_slim[0], flat[0], atol=1e-5)
        self.assertAllClose(flat_slim[1], flat[1], atol=1e-6)


if __name__ == '__main__':
  tf.test.main()
