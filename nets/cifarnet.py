"""CifarNet: the CIFAR-10 network of the TensorFlow convolutional tutorial.

Two 5x5 convolutions of 64 filters, each with 2x2 max pooling and local
response normalization (Krizhevsky, Sutskever and Hinton, "ImageNet
classification with deep convolutional neural networks", NIPS 2012), then
fully connected layers of 384 and 192 units and a linear classifier.
Variable names and shapes follow TF-Slim's `cifarnet` (`CifarNet/conv1`,
`CifarNet/conv2`, `CifarNet/fc3`, `CifarNet/fc4`, `CifarNet/logits`), so its
checkpoints restore unchanged.

Typical use:

  with slim.arg_scope(cifarnet.cifarnet_arg_scope(weight_decay=0.004)):
    logits, end_points = cifarnet.cifarnet(images, num_classes=10,
                                           is_training=True)  # [B,32,32,3]
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils

# Local response normalization of the tutorial (depth radius, bias, alpha,
# beta).
_LRN = dict(depth_radius=4, bias=1.0, alpha=0.001 / 9.0, beta=0.75)


def _lrn(net, name):
  """Local response normalization, in float32 whatever `net`'s dtype.

  TensorFlow has LRN kernels for float32 and float16 only, so under
  bfloat16 mixed precision (training/precision.py) it runs on a float32
  cast and its result is cast back.

  Args:
    net: the activations.
    name: name of the LRN op.

  Returns:
    The normalized activations, in `net`'s dtype.
  """
  if net.dtype.base_dtype == tf.float32:
    return tf.nn.lrn(net, name=name, **_LRN)
  return tf.cast(tf.nn.lrn(tf.cast(net, tf.float32), name=name, **_LRN),
                 net.dtype)


def cifarnet(images, num_classes=10, is_training=False, dropout_keep_prob=0.5,
             prediction_fn=slim.softmax, scope='CifarNet'):
  """Builds CifarNet.

  The fully connected layers fix the flattened feature size, so a checkpoint
  only restores into a network built at the size it was trained at
  (`cifarnet.default_image_size` = 32).

  Args:
    images: float tensor [batch, height, width, channels].
    num_classes: number of classes. 0 or None skips the logits layer and
      returns the `fc4` features (also `end_points['PreLogits']`).
    is_training: whether dropout is active (an enclosing
      `net_utils.override_modes` may override it, e.g. for MC dropout).
    dropout_keep_prob: probability of keeping an activation in dropout.
    prediction_fn: maps logits to predictions (`end_points['Predictions']`).
    scope: variable scope of the network.

  Returns:
    logits: [batch, num_classes] pre-softmax activations, or the [batch, 192]
      features if `num_classes` is 0 or None.
    end_points: dict from end-point name to tensor, with 'PreLogits',
      'Logits' and 'Predictions' (the last two only when `num_classes`).
  """
  end_points = {}
  with tf.variable_scope(scope, 'CifarNet', [images]):
    with net_utils.mode_scope(is_training):
      net = end_points['conv1'] = slim.conv2d(images, 64, [5, 5],
                                              scope='conv1')
      net = end_points['pool1'] = slim.max_pool2d(net, [2, 2], 2,
                                                  scope='pool1')
      net = end_points['norm1'] = _lrn(net, 'norm1')
      net = end_points['conv2'] = slim.conv2d(net, 64, [5, 5], scope='conv2')
      net = end_points['norm2'] = _lrn(net, 'norm2')
      net = end_points['pool2'] = slim.max_pool2d(net, [2, 2], 2,
                                                  scope='pool2')
      net = end_points['Flatten'] = slim.flatten(net)
      net = end_points['fc3'] = slim.fully_connected(net, 384, scope='fc3')
      net = end_points['dropout3'] = slim.dropout(net, dropout_keep_prob,
                                                  scope='dropout3')
      net = end_points['fc4'] = slim.fully_connected(net, 192, scope='fc4')
      end_points['PreLogits'] = net
      if not num_classes:
        return net, end_points
      logits = slim.fully_connected(
          net, num_classes, activation_fn=None, weights_regularizer=None,
          weights_initializer=tf.truncated_normal_initializer(
              stddev=1 / 192.0),
          biases_initializer=tf.zeros_initializer(), scope='logits')
      end_points['Logits'] = logits
      end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
  return logits, end_points


cifarnet.default_image_size = 32


def cifarnet_arg_scope(weight_decay=0.004):
  """Returns the arg_scope of CifarNet.

  Args:
    weight_decay: L2 regularization of the hidden fully connected weights
      (the convolutions and the classifier are not regularized, as in the
      tutorial).

  Returns:
    An arg_scope dict to open with `slim.arg_scope`.
  """
  with slim.arg_scope(
      [slim.conv2d],
      weights_initializer=tf.truncated_normal_initializer(stddev=5e-2),
      activation_fn=tf.nn.relu):
    with slim.arg_scope(
        [slim.fully_connected],
        biases_initializer=tf.constant_initializer(0.1),
        weights_initializer=tf.truncated_normal_initializer(stddev=0.04),
        weights_regularizer=slim.l2_regularizer(weight_decay),
        activation_fn=tf.nn.relu) as sc:
      return sc
