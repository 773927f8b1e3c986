"""Tests for datasets.convert_mnist (tiny IDX files and the real test set)."""
import gzip
import io
import os
import struct

import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import convert_mnist
from datasets import dataset_factory
from datasets import dataset_utils
from datasets import fake_data

REAL_MNIST_DIR = '/work/shared/data/mnist'


def _idx_bytes(array, magic):
  header = struct.pack('>I', magic) + b''.join(
      struct.pack('>I', d) for d in array.shape)
  return header + array.astype(np.uint8).tobytes()


def _write(path, data):
  opener = gzip.open if path.endswith('.gz') else open
  with opener(path, 'wb') as f:
    f.write(data)


def _write_split(raw_dir, prefix, images, labels, gz):
  suffix = '.gz' if gz else ''
  _write(os.path.join(raw_dir, '%s-images-idx3-ubyte%s' % (prefix, suffix)),
         _idx_bytes(images, 2051))
  _write(os.path.join(raw_dir, '%s-labels-idx1-ubyte%s' % (prefix, suffix)),
         _idx_bytes(labels, 2049))


def _decoded(example):
  data = fake_data.feature(example, 'image/encoded')
  return np.asarray(Image.open(io.BytesIO(data)))


class ConvertMnistTest(tf.test.TestCase):

  def setUp(self):
    super(ConvertMnistTest, self).setUp()
    self.raw_dir = os.path.join(self.get_temp_dir(), 'raw')
    self.out_dir = os.path.join(self.get_temp_dir(), 'out')
    os.makedirs(self.raw_dir)
    rng = np.random.RandomState(0)
    self.train = (rng.randint(0, 256, (6, 28, 28)), rng.randint(0, 10, 6))
    self.test = (rng.randint(0, 256, (4, 28, 28)), rng.randint(0, 10, 4))

  def test_plain_and_gzipped_splits(self):
    _write_split(self.raw_dir, 'train', *self.train, gz=False)
    _write_split(self.raw_dir, 't10k', *self.test, gz=True)
    entry = convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)
    self.assertEqual({s: i['num_samples'] for s, i in entry['splits'].items()},
                     {'train': 6, 'test': 4})
    for split, (images, labels) in (('train', self.train),
                                     ('test', self.test)):
      examples = fake_data.read_examples(
          [os.path.join(self.out_dir, 'mnist_%s.tfrecord' % split)])
      self.assertEqual([fake_data.feature(e, 'image/class/label')
                        for e in examples], list(labels))
      self.assertAllEqual(_decoded(examples[-1]), images[-1])
      self.assertEqual(fake_data.feature(examples[0], 'image/format'), b'png')
      self.assertEqual(fake_data.feature(examples[0], 'image/height'), 28)
    dataset = dataset_factory.get_dataset('mnist', 'train', self.out_dir)
    self.assertEqual((dataset.num_samples, dataset.num_samples_source,
                      dataset.channels), (6, 'metadata', 1))
    self.assertEqual(dataset.labels_to_names[2], 'two')

  def test_source_split_and_split_sizes(self):
    _write_split(self.raw_dir, 't10k', *self.test, gz=True)
    convert_mnist.run(self.out_dir, raw_dir=self.raw_dir, source_split='test',
                      split_sizes=dataset_utils.parse_split_sizes(
                          'train:3,test:1'))
    train = fake_data.read_examples(
        [os.path.join(self.out_dir, 'mnist_train.tfrecord')])
    test = fake_data.read_examples(
        [os.path.join(self.out_dir, 'mnist_test.tfrecord')])
    self.assertEqual([fake_data.feature(e, 'image/class/label')
                      for e in train + test], list(self.test[1]))
    with self.assertRaisesRegex(ValueError, 'add up to 5.*only 4'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir,
                        source_split='test',
                        split_sizes={'train': 4, 'test': 1})
    with self.assertRaisesRegex(ValueError, 'source_split=train.*found: test'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir,
                        source_split='train')

  def test_no_files_names_expected_paths(self):
    with self.assertRaises(ValueError) as ctx:
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)
    self.assertIn(os.path.join(self.raw_dir, 't10k-images-idx3-ubyte[.gz]'),
                  str(ctx.exception))
    self.assertIn('does not download', str(ctx.exception))

  def test_missing_half_of_a_split(self):
    _write_split(self.raw_dir, 'train', *self.train, gz=False)
    os.remove(os.path.join(self.raw_dir, 'train-labels-idx1-ubyte'))
    with self.assertRaisesRegex(ValueError, 'not train-labels-idx1-ubyte'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)

  def test_bad_magic_and_truncation_are_detected(self):
    images, labels = self.train
    # Labels written where images are expected: wrong magic number.
    _write(os.path.join(self.raw_dir, 'train-images-idx3-ubyte'),
           _idx_bytes(labels, 2049))
    _write(os.path.join(self.raw_dir, 'train-labels-idx1-ubyte'),
           _idx_bytes(labels, 2049))
    with self.assertRaisesRegex(ValueError, 'train-images-idx3-ubyte: IDX '
                                'magic number is 2049, expected 2051'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)
    _write(os.path.join(self.raw_dir, 'train-images-idx3-ubyte'),
           _idx_bytes(images, 2051)[:-10])
    with self.assertRaisesRegex(ValueError, 'truncated'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)
    _write(os.path.join(self.raw_dir, 'train-images-idx3-ubyte'),
           _idx_bytes(images[:5], 2051))
    with self.assertRaisesRegex(ValueError, '5 images but .* 6 labels'):
      convert_mnist.run(self.out_dir, raw_dir=self.raw_dir)


class RealMnistTest(tf.test.TestCase):
  """The real MNIST test set, carved into train 8000 / test 2000."""

  def test_real_test_set_to_train_and_test(self):
    labels_path = os.path.join(REAL_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')
    if not os.path.exists(labels_path):
      self.skipTest('%s is not available' % labels_path)
    out_dir = self.get_temp_dir()
    convert_mnist.run(out_dir, raw_dir=REAL_MNIST_DIR, source_split='test',
                      split_sizes=dataset_utils.parse_split_sizes(
                          'train:8000,test:2000'))
    with gzip.open(labels_path) as f:
      expected = np.frombuffer(f.read(), np.uint8, offset=8)
    with gzip.open(os.path.join(REAL_MNIST_DIR,
                                't10k-images-idx3-ubyte.gz')) as f:
      pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    got = []
    for split, size in (('train', 8000), ('test', 2000)):
      dataset = dataset_factory.get_dataset('mnist', split, out_dir)
      self.assertEqual(dataset.num_samples, size)
      self.assertEqual(dataset.num_samples_source, 'metadata')
      examples = fake_data.read_examples(dataset.data_sources)
      self.assertLen(examples, size)
      got.extend(fake_data.feature(e, 'image/class/label') for e in examples)
      self.assertAllEqual(_decoded(examples[0]),
                          pixels[0 if split == 'train' else 8000])
    self.assertAllEqual(got, expected)


if __name__ == '__main__':
  tf.test.main()
