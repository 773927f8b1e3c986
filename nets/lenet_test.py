"""Tests of nets.lenet.

Signature defaults, features without classes and dropout modes are tested
for both small nets in nets_factory_test.
"""
import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import lenet

# TF-Slim's LeNet checkpoint layout for 1-channel 28x28 input, 10 classes.
_VARIABLES = {
    'LeNet/conv1/weights': [5, 5, 1, 32], 'LeNet/conv1/biases': [32],
    'LeNet/conv2/weights': [5, 5, 32, 64], 'LeNet/conv2/biases': [64],
    'LeNet/fc3/weights': [7 * 7 * 64, 1024], 'LeNet/fc3/biases': [1024],
    'LeNet/fc4/weights': [1024, 10], 'LeNet/fc4/biases': [10],
}
_END_POINT_SHAPES = {
    'conv1': [2, 28, 28, 32], 'pool1': [2, 14, 14, 32],
    'conv2': [2, 14, 14, 64], 'pool2': [2, 7, 7, 64], 'Flatten': [2, 3136],
    'fc3': [2, 1024], 'PreLogits': [2, 1024], 'dropout3': [2, 1024],
    'Logits': [2, 10], 'Predictions': [2, 10],
}


def _build(weight_decay=0.0, **kwargs):
  images = tf.random.uniform([2, 28, 28, 1], seed=1)
  with slim.arg_scope(lenet.lenet_arg_scope(weight_decay=weight_decay)):
    return lenet.lenet(images, num_classes=10, **kwargs)


class LenetTest(tf.test.TestCase):

  def test_variables_match_checkpoint_layout(self):
    with tf.Graph().as_default():
      _build(is_training=True)
      shapes = {v.op.name: v.get_shape().as_list()
                for v in tf.global_variables()}
      self.assertEqual(shapes, _VARIABLES)
      self.assertCountEqual(tf.trainable_variables(), tf.global_variables())

  def test_end_points_and_outputs(self):
    with tf.Graph().as_default():
      logits, end_points = _build()
      self.assertEqual(
          {k: v.get_shape().as_list() for k, v in end_points.items()},
          _END_POINT_SHAPES)
      self.assertIs(end_points['Logits'], logits)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        predictions = sess.run(end_points['Predictions'])
    self.assertAllClose(predictions.sum(axis=1), np.ones(2), atol=1e-5)

  def test_unknown_batch_size_and_custom_scope(self):
    with tf.Graph().as_default():
      images = tf.placeholder(tf.float32, [None, 28, 28, 3])
      with slim.arg_scope(lenet.lenet_arg_scope()):
        logits, _ = lenet.lenet(images, num_classes=5, scope='Digits')
      self.assertEqual(logits.get_shape().as_list(), [None, 5])
      self.assertTrue(all(v.op.name.startswith('Digits/')
                          for v in tf.global_variables()))

  def test_weight_decay_regularizes_all_weights(self):
    with tf.Graph().as_default():
      _build(weight_decay=0.0)
      self.assertEqual(tf.losses.get_regularization_losses(), [])
    with tf.Graph().as_default():
      _build(weight_decay=0.01)
      losses = tf.losses.get_regularization_losses()
      self.assertLen(losses, 4)
      weights = [v for v in tf.global_variables()
                 if v.op.name.endswith('weights')]
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        loss_values, weight_values = sess.run([losses, weights])
    self.assertAllClose(
        sorted(loss_values),
        sorted(0.01 * np.sum(np.square(w)) / 2 for w in weight_values),
        rtol=1e-4)


if __name__ == '__main__':
  tf.test.main()
