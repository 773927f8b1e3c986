"""LeNet: a small convolutional network for MNIST-like digits.

A variant of the network of LeCun et al., "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998: two 5x5 convolutions with
2x2 max pooling, one fully connected layer of 1024 units with dropout and a
linear classifier. Variable names and shapes follow TF-Slim's `lenet`
(`LeNet/conv1`, `LeNet/conv2`, `LeNet/fc3`, `LeNet/fc4`), so its checkpoints
restore unchanged.

Typical use:

  with slim.arg_scope(lenet.lenet_arg_scope(weight_decay=0.0)):
    logits, end_points = lenet.lenet(images, num_classes=10,
                                     is_training=True)  # images [B,28,28,1]
"""
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils


def lenet(images, num_classes=10, is_training=False, dropout_keep_prob=0.5,
          prediction_fn=slim.softmax, scope='LeNet'):
  """Builds LeNet.

  The fully connected layers fix the flattened feature size, so a checkpoint
  only restores into a network built at the size it was trained at
  (`lenet.default_image_size` = 28 for the published recipe).

  Args:
    images: float tensor [batch, height, width, channels].
    num_classes: number of classes. 0 or None skips the dropout and logits
      layers and returns the `fc3` features (also `end_points['PreLogits']`).
    is_training: whether dropout is active (an enclosing
      `net_utils.override_modes` may override it, e.g. for MC dropout).
    dropout_keep_prob: probability of keeping an activation in dropout.
    prediction_fn: maps logits to predictions (`end_points['Predictions']`).
    scope: variable scope of the network.

  Returns:
    logits: [batch, num_classes] pre-softmax activations, or the
      [batch, 1024] features if `num_classes` is 0 or None.
    end_points: dict from end-point name to tensor, with 'PreLogits',
      'Logits' and 'Predictions' (the last two only when `num_classes`).
  """
  end_points = {}
  with tf.variable_scope(scope, 'LeNet', [images]):
    with net_utils.mode_scope(is_training):
      net = end_points['conv1'] = slim.conv2d(images, 32, [5, 5],
                                              scope='conv1')
      net = end_points['pool1'] = slim.max_pool2d(net, [2, 2], 2,
                                                  scope='pool1')
      net = end_points['conv2'] = slim.conv2d(net, 64, [5, 5], scope='conv2')
      net = end_points['pool2'] = slim.max_pool2d(net, [2, 2], 2,
                                                  scope='pool2')
      net = end_points['Flatten'] = slim.flatten(net)
      net = end_points['fc3'] = slim.fully_connected(net, 1024, scope='fc3')
      end_points['PreLogits'] = net
      if not num_classes:
        return net, end_points
      net = end_points['dropout3'] = slim.dropout(net, dropout_keep_prob,
                                                  scope='dropout3')
      logits = slim.fully_connected(net, num_classes, activation_fn=None,
                                    scope='fc4')
      end_points['Logits'] = logits
  end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
  return logits, end_points


lenet.default_image_size = 28


def lenet_arg_scope(weight_decay=0.0):
  """Returns the arg_scope of LeNet.

  Args:
    weight_decay: L2 regularization of the convolution and fully connected
      weights (0 adds no regularization loss).

  Returns:
    An arg_scope dict to open with `slim.arg_scope`.
  """
  with slim.arg_scope(
      [slim.conv2d, slim.fully_connected],
      weights_regularizer=slim.l2_regularizer(weight_decay),
      weights_initializer=tf.truncated_normal_initializer(stddev=0.1),
      activation_fn=tf.nn.relu) as sc:
    return sc
