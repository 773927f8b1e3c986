"""Tests for datasets.convert_cifar10 on tiny batches the test writes."""
import io
import os
import pickle
import tarfile

import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import convert_cifar10
from datasets import dataset_factory
from datasets import fake_data


def _batch(rng, n):
  return {b'data': rng.randint(0, 256, (n, 3072)).astype(np.uint8),
          b'labels': [int(x) for x in rng.randint(0, 10, n)],
          b'batch_label': b'fake'}


def _write_batches(folder, rng, with_meta=True):
  os.makedirs(folder)
  batches = {}
  for i in range(1, 6):
    batches['data_batch_%d' % i] = _batch(rng, 2)
  batches['test_batch'] = _batch(rng, 3)
  if with_meta:
    batches['batches.meta'] = {b'label_names': [
        ('class%d' % i).encode() for i in range(10)]}
  for name, content in batches.items():
    with open(os.path.join(folder, name), 'wb') as f:
      pickle.dump(content, f, protocol=2)
  return batches


class _Evil(object):

  def __reduce__(self):
    return (os.getcwd, ())


class ConvertCifar10Test(tf.test.TestCase):

  def setUp(self):
    super(ConvertCifar10Test, self).setUp()
    self.raw_dir = os.path.join(self.get_temp_dir(), 'raw')
    self.out_dir = os.path.join(self.get_temp_dir(), 'out')
    self.folder = os.path.join(self.raw_dir, convert_cifar10.BATCHES_DIR)
    self.rng = np.random.RandomState(0)

  def _check_output(self, batches):
    train = fake_data.read_examples(
        [os.path.join(self.out_dir, 'cifar10_train.tfrecord')])
    self.assertLen(train, 10)
    expected_labels = sum((batches['data_batch_%d' % i][b'labels']
                           for i in range(1, 6)), [])
    self.assertEqual([fake_data.feature(e, 'image/class/label')
                      for e in train], expected_labels)
    image = np.asarray(Image.open(io.BytesIO(
        fake_data.feature(train[3], 'image/encoded'))))
    expected = batches['data_batch_2'][b'data'][1].reshape(3, 32, 32)
    self.assertAllEqual(image, expected.transpose(1, 2, 0))
    dataset = dataset_factory.get_dataset('cifar10', 'test', self.out_dir)
    self.assertEqual((dataset.num_samples, dataset.num_classes,
                      dataset.channels), (3, 10, 3))
    return dataset

  def test_folder(self):
    batches = _write_batches(self.folder, self.rng)
    convert_cifar10.run(self.out_dir, raw_dir=self.raw_dir)
    dataset = self._check_output(batches)
    self.assertEqual(dataset.labels_to_names[4], 'class4')

  def test_tarball_without_meta(self):
    batches = _write_batches(self.folder, self.rng, with_meta=False)
    with tarfile.open(os.path.join(self.raw_dir, convert_cifar10.TARBALL),
                      'w:gz') as tar:
      tar.add(self.folder, arcname=convert_cifar10.BATCHES_DIR)
    for name in os.listdir(self.folder):
      os.remove(os.path.join(self.folder, name))
    os.rmdir(self.folder)
    convert_cifar10.run(self.out_dir, raw_dir=self.raw_dir)
    dataset = self._check_output(batches)
    self.assertEqual(dataset.labels_to_names[0], 'airplane')

  def test_incomplete_and_missing(self):
    with self.assertRaisesRegex(ValueError, 'No CIFAR-10 batches.*does not '
                                'download'):
      convert_cifar10.run(self.out_dir, raw_dir=self.raw_dir)
    _write_batches(self.folder, self.rng)
    os.remove(os.path.join(self.folder, 'data_batch_3'))
    with self.assertRaisesRegex(ValueError, 'incomplete: missing .*'
                                'data_batch_3'):
      convert_cifar10.run(self.out_dir, raw_dir=self.raw_dir)

  def test_pickled_code_is_refused(self):
    _write_batches(self.folder, self.rng)
    with open(os.path.join(self.folder, 'test_batch'), 'wb') as f:
      pickle.dump({b'data': _Evil()}, f, protocol=2)
    with self.assertRaisesRegex(ValueError, 'test_batch is not a CIFAR-10 '
                                'python batch.*refusing'):
      convert_cifar10.run(self.out_dir, raw_dir=self.raw_dir)


if __name__ == '__main__':
  tf.test.main()
