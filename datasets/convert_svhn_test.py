"""Tests for datasets.convert_svhn on tiny .mat files the test writes."""
import io
import os
import sys
from unittest import mock

import numpy as np
from PIL import Image
from scipy import io as scipy_io
import tensorflow.compat.v1 as tf

from datasets import convert_svhn
from datasets import dataset_factory
from datasets import fake_data


def write_mat(folder, name, rng, num, labels=None):
  """Writes a format-2 SVHN file; returns (X [32, 32, 3, N], y [N, 1])."""
  if not os.path.isdir(folder):
    os.makedirs(folder)
  x = rng.randint(0, 256, (32, 32, 3, num)).astype(np.uint8)
  if labels is None:
    labels = rng.randint(1, 11, num)
  y = np.asarray(labels, dtype=np.uint8).reshape(-1, 1)
  scipy_io.savemat(os.path.join(folder, name), {'X': x, 'y': y})
  return x, y


def _decode(example):
  return np.asarray(Image.open(io.BytesIO(
      fake_data.feature(example, 'image/encoded'))))


class ConvertSvhnTest(tf.test.TestCase):

  def setUp(self):
    super(ConvertSvhnTest, self).setUp()
    self.raw_dir = os.path.join(self.get_temp_dir(), 'raw')
    self.out_dir = os.path.join(self.get_temp_dir(), 'out')
    self.rng = np.random.RandomState(0)

  def test_converts_train_and_test(self):
    train_x, _ = write_mat(self.raw_dir, 'train_32x32.mat', self.rng, 5,
                           labels=[10, 1, 9, 10, 3])
    test_x, test_y = write_mat(self.raw_dir, 'test_32x32.mat', self.rng, 3)
    convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)
    self.assertEqual(sorted(os.listdir(self.out_dir)), [
        'dataset_metadata.json', 'labels.txt', 'svhn_test.tfrecord',
        'svhn_train.tfrecord'])
    train = fake_data.read_examples(
        [os.path.join(self.out_dir, 'svhn_train.tfrecord')])
    self.assertLen(train, 5)
    self.assertEqual([fake_data.feature(e, 'image/class/label')
                      for e in train], [0, 1, 9, 0, 3])
    for i, example in enumerate(train):
      self.assertAllEqual(_decode(example), train_x[:, :, :, i])
      self.assertEqual(fake_data.feature(example, 'image/format'), b'png')
      self.assertEqual((fake_data.feature(example, 'image/height'),
                        fake_data.feature(example, 'image/width')), (32, 32))
    # Exactly the keys of the CIFAR-10 converter's records.
    self.assertEqual(sorted(train[0].features.feature), [
        'image/class/label', 'image/encoded', 'image/format', 'image/height',
        'image/width'])
    test = dataset_factory.get_dataset('svhn', 'test', self.out_dir)
    self.assertEqual((test.num_samples, test.num_classes, test.channels,
                      test.num_samples_source), (3, 10, 3, 'metadata'))
    self.assertEqual(test.labels_to_names[0], '0')
    examples = fake_data.read_examples(test.data_sources)
    self.assertAllEqual(_decode(examples[2]), test_x[:, :, :, 2])
    self.assertEqual([fake_data.feature(e, 'image/class/label')
                      for e in examples],
                     [int(v) % 10 for v in test_y[:, 0]])

  def test_source_split_and_sizes(self):
    write_mat(self.raw_dir, 'test_32x32.mat', self.rng, 6,
              labels=[1, 2, 3, 4, 5, 10])
    convert_svhn.run(self.out_dir, raw_dir=self.raw_dir, source_split='test',
                     split_sizes={'train': 4, 'validation': 2})
    validation = dataset_factory.get_dataset('svhn', 'validation',
                                             self.out_dir)
    self.assertEqual(validation.num_samples, 2)
    self.assertEqual([fake_data.feature(e, 'image/class/label') for e in
                      fake_data.read_examples(validation.data_sources)],
                     [5, 0])

  def test_missing_files_named(self):
    with self.assertRaisesRegex(
        ValueError, 'No SVHN files found in %s: looked for train_32x32.mat '
        'and test_32x32.mat.*does not download' % self.raw_dir):
      convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)

  def test_bad_contents(self):
    os.makedirs(self.raw_dir)
    path = os.path.join(self.raw_dir, 'test_32x32.mat')
    scipy_io.savemat(path, {'images': np.zeros((2, 2))})
    with self.assertRaisesRegex(ValueError, 'no "X"/"y" arrays.*images'):
      convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)
    write_mat(self.raw_dir, 'test_32x32.mat', self.rng, 2, labels=[1, 11])
    with self.assertRaisesRegex(ValueError, 'test_32x32.mat: labels range'):
      convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)
    with open(path, 'wb') as f:
      f.write(b'not a mat file')
    with self.assertRaisesRegex(ValueError, 'not a readable SVHN format-2'):
      convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)

  def test_without_scipy(self):
    write_mat(self.raw_dir, 'test_32x32.mat', self.rng, 1)
    with mock.patch.dict(sys.modules, {'scipy': None, 'scipy.io': None}):
      with self.assertRaisesRegex(ValueError, 'needs scipy.*pip install '
                                  'scipy'):
        convert_svhn.run(self.out_dir, raw_dir=self.raw_dir)


if __name__ == '__main__':
  tf.test.main()
