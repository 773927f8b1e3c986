"""Tiny datasets and checkpoints for the tests of the uncertainty package.

`blob_images` draws an easy in-distribution problem: class k is a bright
square at the k-th position of a grid on a dark background, with pixel
noise. `write_dataset` stores arrays as a custom-layout dataset that
`dataset_factory.get_dataset` reads, and `train_checkpoint` trains any
nets_factory model on arrays for a few steps in-process and saves a
checkpoint, so graph-level tests run against a real (small) trained model
in seconds.

Typical use (in a test):

  images, labels = toy_data.blob_images(200, seed=0, size=16)
  toy_data.write_dataset(data_dir, 'blobs', {'train': (images, labels)}, 10)
  checkpoint = toy_data.train_checkpoint(train_dir, 'lenet', images, labels,
                                         num_classes=10, steps=100)
"""
import atexit
import os
import shutil
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from datasets import custom
from datasets import dataset_utils
from nets import nets_factory
from preprocessing import preprocessing_factory


def blob_images(num, seed=0, size=16, num_classes=10, channels=1,
                label_noise=0.0):
  """An easy classification problem: a bright square per class position.

  Args:
    num: number of images.
    seed: random seed.
    size: image height and width.
    num_classes: number of classes (positions on a grid).
    channels: 1 or 3.
    label_noise: fraction of labels replaced by random ones (after the
      images are drawn), so that no model classifies the split perfectly.

  Returns:
    (uint8 [num, size, size, channels], int64 [num]).
  """
  rng = np.random.RandomState(seed)
  labels = rng.randint(num_classes, size=num).astype(np.int64)
  grid = int(np.ceil(np.sqrt(num_classes)))
  cell = size // grid
  images = rng.randint(0, 40, size=(num, size, size, channels))
  for i, label in enumerate(labels):
    row, col = divmod(int(label), grid)
    images[i, row * cell:(row + 1) * cell, col * cell:(col + 1) * cell] = (
        rng.randint(200, 256, size=(cell, cell, channels)))
  noisy = rng.uniform(size=num) < label_noise
  labels = np.where(noisy, rng.randint(num_classes, size=num), labels)
  return images.astype(np.uint8), labels.astype(np.int64)


def noise_images(num, seed=0, size=16, channels=1):
  """Uniform noise images, uint8 [num, size, size, channels]."""
  rng = np.random.RandomState(seed)
  return rng.randint(0, 256, size=(num, size, size, channels)).astype(
      np.uint8)


def write_dataset(dataset_dir, name, splits, num_classes):
  """Writes {split: (images, labels)} as custom dataset `name`.

  Args:
    dataset_dir: output directory.
    name: dataset name (file prefix).
    splits: {split name: (uint8 [N, H, W, C], int [N])}.
    num_classes: number of classes.

  Returns:
    The metadata entry.
  """
  split_items = {s: list(range(len(labels)))
                 for s, (_, labels) in splits.items()}
  infos = {}
  for split, (images, labels) in splits.items():
    infos.update(dataset_utils.write_sharded_splits(
        dataset_dir, name, {split: split_items[split]},
        lambda i, images=images, labels=labels: (
            dataset_utils.image_to_tfexample(
                dataset_utils.encode_png(images[i]), b'png',
                images.shape[1], images.shape[2], labels[i])), 1))
  channels = next(iter(splits.values()))[0].shape[3]
  entry = dataset_utils.make_metadata(
      name, infos, [str(i) for i in range(num_classes)], channels=channels,
      layout=custom.CUSTOM_LAYOUT)
  return dataset_utils.finish_conversion(dataset_dir, entry)


def train_checkpoint(train_dir, model_name, images, labels, num_classes,
                     steps=100, batch_size=32, learning_rate=1e-3, seed=0,
                     image_size=None):
  """Trains `model_name` on arrays with Adam and saves a checkpoint.

  Args:
    train_dir: where `model.ckpt-<steps>` is written.
    model_name: a nets_factory name.
    images: uint8 [N, H, W, C].
    labels: int [N].
    num_classes: classes of the classifier.
    steps: training steps.
    batch_size: examples per step.
    learning_rate: Adam learning rate.
    seed: graph and batch-order seed.
    image_size: network input size (default: the images' size).

  Returns:
    The checkpoint prefix.
  """
  image_size = image_size or images.shape[1]
  rng = np.random.RandomState(seed)
  with tf.Graph().as_default():
    tf.set_random_seed(seed)
    network_fn = nets_factory.get_network_fn(model_name, num_classes,
                                             is_training=True)
    preprocess = preprocessing_factory.get_preprocessing(model_name)
    raw = tf.placeholder(tf.uint8, [None] + list(images.shape[1:]))
    targets = tf.placeholder(tf.int64, [None])
    inputs = tf.map_fn(lambda x: preprocess(x, image_size, image_size), raw,
                       dtype=tf.float32)
    logits, _ = network_fn(inputs)
    loss = tf.losses.sparse_softmax_cross_entropy(targets, logits)
    update_ops = tf.get_collection(
        tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
      train_op = tf.train.AdamOptimizer(learning_rate).minimize(
          loss)
    saver = tf.train.Saver()
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      for _ in range(steps):
        batch = rng.randint(len(labels), size=batch_size)
        session.run(train_op, {raw: images[batch], targets: labels[batch]})
      tf.io.gfile.makedirs(train_dir)
      return saver.save(session, os.path.join(train_dir, 'model.ckpt'),
                        global_step=steps)


_TOY_PROBLEM = {}


def toy_problem(size=16, steps=25):
  """A trained lenet on blob images with ID splits and two noise sets.

  Built once per process (tests of several files share it) in a temporary
  directory: dataset 'blobs' with train 300 / validation 100 / test 100
  (10% of the validation and test labels random, so neither is classified
  perfectly),
  'noise' (test 100) and 'noise_val' (test 100, another seed) in their own
  directories, and a lenet checkpoint trained for `steps` steps.

  Args:
    size: image size.
    steps: training steps.

  Returns:
    A dict with 'data_dir', 'noise_dir', 'noise_val_dir', 'train_dir',
    'checkpoint', 'size'.
  """
  key = (size, steps)
  if key not in _TOY_PROBLEM:
    root = tempfile.mkdtemp(prefix='uncertainty_toy_')
    atexit.register(shutil.rmtree, root, True)
    paths = {name: os.path.join(root, name) for name in (
        'data_dir', 'noise_dir', 'noise_val_dir', 'train_dir')}
    train = blob_images(300, seed=0, size=size)
    write_dataset(paths['data_dir'], 'blobs', {
        'train': train,
        'validation': blob_images(100, seed=1, size=size, label_noise=0.1),
        'test': blob_images(100, seed=2, size=size, label_noise=0.1)}, 10)
    zeros = np.zeros(100, np.int64)
    write_dataset(paths['noise_dir'], 'noise',
                  {'test': (noise_images(100, seed=3, size=size), zeros)}, 10)
    write_dataset(paths['noise_val_dir'], 'noise_val',
                  {'test': (noise_images(100, seed=4, size=size), zeros)}, 10)
    paths['checkpoint'] = train_checkpoint(paths['train_dir'], 'lenet',
                                           train[0], train[1], 10, steps)
    paths['size'] = size
    _TOY_PROBLEM[key] = paths
  return dict(_TOY_PROBLEM[key])
