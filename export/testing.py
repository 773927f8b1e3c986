"""Tiny checkpoints and images for the tests of the export package.

Typical use (in a test):

  checkpoint = testing.lenet_checkpoint(self.get_temp_dir())
  config = testing.lenet_config()
"""
import os

import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils
from export import inference_config
from nets import nets_factory

NUM_CLASSES = 10
IMAGE_SIZE = 28
# Shadow variables are written as (weights * EMA_FACTOR), so a restore that
# reads them gives visibly different outputs.
EMA_FACTOR = 0.5


def lenet_config(**overrides):
  """An InferenceConfig of lenet on 28 x 28 one-channel digits."""
  fields = dict(model_name='lenet', num_classes=NUM_CLASSES, labels_offset=0,
                num_channels=1, image_size=IMAGE_SIZE,
                preprocessing_name='lenet', use_grayscale=False,
                label_names=['digit %d' % i for i in range(NUM_CLASSES)])
  fields.update(overrides)
  return inference_config.InferenceConfig(**fields)


def lenet_checkpoint(directory, with_moving_averages=True, seed=0):
  """Saves randomly initialised lenet weights (and EMA shadows).

  Args:
    directory: where `model.ckpt-7` is written.
    with_moving_averages: also write `.../ExponentialMovingAverage` shadow
      variables equal to EMA_FACTOR times the weights.
    seed: graph seed.

  Returns:
    The checkpoint prefix.
  """
  with tf.Graph().as_default():
    tf.set_random_seed(seed)
    network_fn = nets_factory.get_network_fn('lenet', NUM_CLASSES)
    network_fn(tf.zeros([1, IMAGE_SIZE, IMAGE_SIZE, 1]))
    global_step = tf.train.get_or_create_global_step()
    assigns = []
    if with_moving_averages:
      ema = tf.train.ExponentialMovingAverage(0.9)
      variables = tf.model_variables()
      ema.apply(variables)
      assigns = [tf.assign(ema.average(v), v * EMA_FACTOR)
                 for v in variables]
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      session.run(assigns + [tf.assign(global_step, 7)])
      return tf.train.Saver().save(
          session, os.path.join(directory, 'model.ckpt'), global_step=7)


def write_images(directory, count=4, size=IMAGE_SIZE, channels=1, seed=0,
                 sizes=None):
  """Writes random PNG images; returns their paths.

  Args:
    directory: output directory.
    count: number of images.
    size: their height and width (unless `sizes` gives one per image).
    channels: 1 or 3.
    seed: random seed.
    sizes: optional list of (height, width) per image.

  Returns:
    The list of paths.
  """
  rng = np.random.RandomState(seed)
  paths = []
  for i in range(count):
    height, width = sizes[i] if sizes else (size, size)
    pixels = rng.randint(0, 256, size=(height, width, channels)).astype(
        np.uint8)
    path = os.path.join(directory, 'image_%d.png' % i)
    with open(path, 'wb') as f:
      f.write(dataset_utils.encode_png(pixels))
    paths.append(path)
  return paths
