"""Small DCGAN-style generator and discriminator for the confident classifier.

The networks follow Radford, Metz and Chintala, "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks" (ICLR
2016), in the small form used for MNIST/CIFAR-sized images: the generator
maps noise through a fully connected layer to a small feature map and up-
samples it with stride-2 transposed convolutions (batch norm + ReLU, tanh
output); the discriminator down-samples with stride-2 convolutions (leaky
ReLU 0.2, batch norm after the first layer) and ends in one logit. Weights
start from N(0, 0.02).

Both are sized to the classifier's input: the generator makes images of the
classifier's height, width and channels (28x28x1 for lenet, 32x32x3 for
cifarnet, 224x224x3 for the ImageNet nets), with as many stride-2 layers as
bring the smallest feature map to at most 8x8 (at least two), cropping
centrally when the size is not a multiple of the up-sampling factor.

The generator emits *pixels* in [0, 255] (127.5 * (tanh + 1)), so its
samples can be shown as images and go through the same deterministic
preprocessing as real images before the classifier and the discriminator
see them (see `confident_classifier.preprocessing_input_fn`).

Batch normalization here always uses the statistics of the current batch
(no moving averages), in training and when sampling from a checkpoint, as
DCGAN samples are usually drawn; so these networks add nothing to
`tf.GraphKeys.UPDATE_OPS`.

Variables live under the scopes 'generator' and 'discriminator'
(`tf.AUTO_REUSE`: every call after the first shares the weights).

Typical use:

  pixels = gan_nets.generator(tf.random.normal([64, 100]), 28, 28, 1)
  d_logits = gan_nets.discriminator(classifier_inputs)   # [64]
"""
import math

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode

GENERATOR_SCOPE = 'generator'
DISCRIMINATOR_SCOPE = 'discriminator'
DEFAULT_DEPTH = 64
KERNEL_SIZE = 5
LEAKY_RELU_ALPHA = 0.2
INIT_STDDEV = 0.02
_MAX_BASE_SIZE = 8
_MIN_LAYERS = 2
_MAX_DEPTH_MULTIPLIER = 8
_BN_EPSILON = 1e-5


def num_resolution_layers(size):
  """Stride-2 layers between `size` and a feature map of at most 8x8.

  Args:
    size: the larger image side, in pixels.

  Returns:
    An int >= 2.
  """
  if size < 1:
    raise ValueError('Image size must be positive, got %r.' % size)
  return max(_MIN_LAYERS,
             int(math.ceil(math.log(size / float(_MAX_BASE_SIZE), 2))))


def _depth(depth, layer):
  return depth * min(2 ** layer, _MAX_DEPTH_MULTIPLIER)


def _initializer():
  return tf.truncated_normal_initializer(stddev=INIT_STDDEV)


def batch_norm(net, scope):
  """Batch norm over all axes but the last, with the batch's statistics."""
  with tf.variable_scope(scope):
    channels = net.get_shape()[-1].value
    beta = tf.get_variable('beta', [channels],
                           initializer=tf.zeros_initializer())
    gamma = tf.get_variable('gamma', [channels],
                            initializer=tf.ones_initializer())
    axes = list(range(net.get_shape().ndims - 1))
    mean, variance = tf.nn.moments(net, axes)
    return tf.nn.batch_normalization(net, mean, variance, beta, gamma,
                                     _BN_EPSILON)


def generator(noise, height, width, channels, depth=DEFAULT_DEPTH,
              scope=GENERATOR_SCOPE):
  """Maps noise to images of the classifier's size, as pixels in [0, 255].

  Args:
    noise: float [batch, noise_dim].
    height: output height.
    width: output width.
    channels: output channels (1 or 3).
    depth: channels of the last hidden layer; earlier layers have 2x, 4x,
      up to 8x this.
    scope: variable scope (shared across calls).

  Returns:
    float32 [batch, height, width, channels] in [0, 255].

  Raises:
    ValueError: noise is not 2-D with a static size, or bad sizes.
  """
  if noise.get_shape().ndims != 2 or noise.get_shape()[-1].value is None:
    raise ValueError('generator noise must be [batch, noise_dim] with a '
                     'static noise_dim, got shape %s.' % noise.get_shape())
  if min(height, width, channels, depth) < 1:
    raise ValueError('generator needs positive height, width, channels and '
                     'depth; got %r.' % ((height, width, channels, depth),))
  num_layers = num_resolution_layers(max(height, width))
  factor = 2 ** num_layers
  base_h = int(math.ceil(height / float(factor)))
  base_w = int(math.ceil(width / float(factor)))
  with tf.variable_scope(scope, reuse=tf.AUTO_REUSE):
    top_depth = _depth(depth, num_layers - 1)
    net = slim.fully_connected(noise, base_h * base_w * top_depth,
                               activation_fn=None,
                               weights_initializer=_initializer(),
                               scope='project')
    net = tf.reshape(net, [-1, base_h, base_w, top_depth])
    net = tf.nn.relu(batch_norm(net, 'project_bn'))
    for layer in range(num_layers - 1, 0, -1):
      net = slim.conv2d_transpose(
          net, _depth(depth, layer - 1), KERNEL_SIZE, stride=2,
          activation_fn=None, weights_initializer=_initializer(),
          scope='deconv%d' % (num_layers - layer))
      net = tf.nn.relu(batch_norm(net, 'deconv%d_bn' % (num_layers - layer)))
    net = slim.conv2d_transpose(
        net, channels, KERNEL_SIZE, stride=2, activation_fn=tf.nn.tanh,
        weights_initializer=_initializer(), scope='deconv%d' % num_layers)
    if (base_h * factor, base_w * factor) != (height, width):
      net = tf.image.resize_with_crop_or_pad(net, height, width)
    return 127.5 * (net + 1.0)


def discriminator(images, depth=DEFAULT_DEPTH, scope=DISCRIMINATOR_SCOPE):
  """Scores images as real (positive logit) or generated (negative).

  Args:
    images: float [batch, height, width, channels] in the classifier's
      input space.
    depth: channels of the first convolution (doubling per layer, up to 8x).
    scope: variable scope (shared across calls).

  Returns:
    float32 [batch] logits of "real".

  Raises:
    ValueError: images are not 4-D with static height and width.
  """
  shape = images.get_shape()
  if shape.ndims != 4 or None in (shape[1].value, shape[2].value):
    raise ValueError('discriminator images must be [batch, height, width, '
                     'channels] with static sizes, got %s.' % shape)
  num_layers = num_resolution_layers(max(shape[1].value, shape[2].value))
  with tf.variable_scope(scope, reuse=tf.AUTO_REUSE):
    net = images
    for layer in range(num_layers):
      net = slim.conv2d(net, _depth(depth, layer), KERNEL_SIZE, stride=2,
                        activation_fn=None, weights_initializer=_initializer(),
                        scope='conv%d' % (layer + 1))
      if layer:
        net = batch_norm(net, 'conv%d_bn' % (layer + 1))
      net = tf.nn.leaky_relu(net, alpha=LEAKY_RELU_ALPHA)
    net = slim.flatten(net)
    logits = slim.fully_connected(net, 1, activation_fn=None,
                                  weights_initializer=_initializer(),
                                  scope='logit')
    return tf.squeeze(logits, axis=1)


def image_grid(pixels, num_columns=None):
  """Tiles images into one grid image (numpy), for figures.

  Args:
    pixels: array [N, H, W, C] (C = 1 or 3) of values in [0, 255].
    num_columns: images per row; None: ceil(sqrt(N)).

  Returns:
    uint8 array [rows * H, num_columns * W, C]; empty cells are black.

  Raises:
    ValueError: not a non-empty 4-D array.
  """
  pixels = np.asarray(pixels)
  if pixels.ndim != 4 or not pixels.shape[0]:
    raise ValueError('image_grid needs a non-empty [N, H, W, C] array, got '
                     'shape %s.' % (pixels.shape,))
  num, height, width, channels = pixels.shape
  num_columns = num_columns or int(math.ceil(math.sqrt(num)))
  num_rows = int(math.ceil(num / float(num_columns)))
  grid = np.zeros([num_rows * height, num_columns * width, channels],
                  np.uint8)
  values = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
  for index in range(num):
    row, column = divmod(index, num_columns)
    grid[row * height:(row + 1) * height,
         column * width:(column + 1) * width] = values[index]
  return grid
