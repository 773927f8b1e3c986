"""Tests of nets.cifarnet.

Signature defaults, features without classes and dropout modes are tested
for both small nets in nets_factory_test.
"""
import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import cifarnet

# TF-Slim's CifarNet checkpoint layout for 32x32 RGB input, 10 classes.
_VARIABLES = {
    'CifarNet/conv1/weights': [5, 5, 3, 64], 'CifarNet/conv1/biases': [64],
    'CifarNet/conv2/weights': [5, 5, 64, 64], 'CifarNet/conv2/biases': [64],
    'CifarNet/fc3/weights': [8 * 8 * 64, 384], 'CifarNet/fc3/biases': [384],
    'CifarNet/fc4/weights': [384, 192], 'CifarNet/fc4/biases': [192],
    'CifarNet/logits/weights': [192, 10], 'CifarNet/logits/biases': [10],
}
_END_POINT_SHAPES = {
    'conv1': [2, 32, 32, 64], 'pool1': [2, 16, 16, 64],
    'norm1': [2, 16, 16, 64], 'conv2': [2, 16, 16, 64],
    'norm2': [2, 16, 16, 64], 'pool2': [2, 8, 8, 64], 'Flatten': [2, 4096],
    'fc3': [2, 384], 'dropout3': [2, 384], 'fc4': [2, 192],
    'PreLogits': [2, 192], 'Logits': [2, 10], 'Predictions': [2, 10],
}


def _build(weight_decay=0.004, **kwargs):
  images = tf.random.uniform([2, 32, 32, 3], seed=1)
  with slim.arg_scope(cifarnet.cifarnet_arg_scope(weight_decay=weight_decay)):
    return cifarnet.cifarnet(images, num_classes=10, **kwargs)


class CifarnetTest(tf.test.TestCase):

  def test_variables_and_end_points(self):
    with tf.Graph().as_default():
      logits, end_points = _build(is_training=True)
      self.assertEqual({v.op.name: v.get_shape().as_list()
                        for v in tf.global_variables()}, _VARIABLES)
      self.assertEqual(
          {k: v.get_shape().as_list() for k, v in end_points.items()},
          _END_POINT_SHAPES)
      self.assertIs(end_points['Logits'], logits)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        predictions, logit_biases = sess.run(
            [end_points['Predictions'],
             tf.global_variables('CifarNet/logits/biases')[0]])
    self.assertAllClose(predictions.sum(axis=1), np.ones(2), atol=1e-5)
    self.assertAllEqual(logit_biases, np.zeros(10))

  def test_weight_decay_regularizes_hidden_fully_connected_only(self):
    with tf.Graph().as_default():
      _build(weight_decay=0.004)
      losses = tf.losses.get_regularization_losses()
      self.assertCountEqual([loss.op.name.split('/')[1] for loss in losses],
                            ['fc3', 'fc4'])
      fc3 = tf.global_variables('CifarNet/fc3/weights')[0]
      loss = [l for l in losses if l.op.name.startswith('CifarNet/fc3')][0]
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        loss_value, fc3_value = sess.run([loss, fc3])
    self.assertAllClose(loss_value,
                        0.004 * np.sum(np.square(fc3_value)) / 2, rtol=1e-5)


if __name__ == '__main__':
  tf.test.main()
