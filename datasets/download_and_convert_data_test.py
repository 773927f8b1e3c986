"""Tests of the download_and_convert_data.py binary (flags -> converters)."""
import os

from absl import app
from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

import download_and_convert_data
from datasets import convert_mnist_test
from datasets import convert_ood
from datasets import convert_svhn_test
from datasets import dataset_factory
from datasets import fake_data


def _run(*argv):
  flag_values = flags.FlagValues()
  download_and_convert_data.define_flags(flag_values)
  flag_values(['download_and_convert_data.py'] + list(argv))
  return download_and_convert_data.run(flag_values)


class DownloadAndConvertDataTest(tf.test.TestCase):

  def test_mnist_from_test_split(self):
    raw_dir = os.path.join(self.get_temp_dir(), 'raw')
    out_dir = os.path.join(self.get_temp_dir(), 'out')
    os.makedirs(raw_dir)
    labels = np.arange(5) % 10
    convert_mnist_test._write_split(  # pylint: disable=protected-access
        raw_dir, 't10k', np.zeros((5, 28, 28)), labels, gz=True)
    _run('--dataset_name=mnist', '--dataset_dir=' + out_dir,
         '--raw_dir=' + raw_dir, '--source_split=test',
         '--split_sizes=train:3,test:2')
    train = dataset_factory.get_dataset('mnist', 'train', out_dir)
    test = dataset_factory.get_dataset('mnist', 'test', out_dir)
    self.assertEqual((train.num_samples, test.num_samples), (3, 2))
    got = [fake_data.feature(e, 'image/class/label') for e in
           fake_data.read_examples(train.data_sources + test.data_sources)]
    self.assertEqual(got, list(labels))

  def test_custom(self):
    image_dir = os.path.join(self.get_temp_dir(), 'images')
    out_dir = os.path.join(self.get_temp_dir(), 'out')
    for label in ('a', 'b'):
      os.makedirs(os.path.join(image_dir, label))
      for i in range(3):
        with open(os.path.join(image_dir, label, '%d.png' % i), 'wb') as f:
          f.write(fake_data.dataset_utils.encode_png(
              fake_data.image_for(i, 2, 2, 3)))
    _run('--dataset_name=custom', '--image_dir=' + image_dir,
         '--custom_name=toys', '--dataset_dir=' + out_dir,
         '--num_validation=2', '--num_shards=2')
    dataset = dataset_factory.get_dataset('toys', 'validation', out_dir)
    self.assertEqual((dataset.num_samples, dataset.num_classes), (2, 2))
    self.assertEqual(sorted(os.listdir(out_dir)), [
        'dataset_metadata.json', 'labels.txt',
        'toys_train_00000-of-00002.tfrecord',
        'toys_train_00001-of-00002.tfrecord',
        'toys_validation_00000-of-00002.tfrecord',
        'toys_validation_00001-of-00002.tfrecord'])

  def test_svhn(self):
    raw_dir = os.path.join(self.get_temp_dir(), 'svhn_raw')
    out_dir = os.path.join(self.get_temp_dir(), 'svhn')
    rng = np.random.RandomState(0)
    convert_svhn_test.write_mat(raw_dir, 'test_32x32.mat', rng, 4,
                                labels=[10, 2, 10, 7])
    _run('--dataset_name=svhn', '--dataset_dir=' + out_dir,
         '--raw_dir=' + raw_dir)
    test = dataset_factory.get_dataset('svhn', 'test', out_dir)
    self.assertEqual((test.num_samples, test.num_classes), (4, 10))
    self.assertEqual([fake_data.feature(e, 'image/class/label') for e in
                      fake_data.read_examples(test.data_sources)],
                     [0, 2, 0, 7])
    with self.assertRaisesRegex(ValueError, 'No SVHN files found in %s: '
                                'looked for train_32x32.mat and '
                                'test_32x32.mat' % out_dir):
      _run('--dataset_name=svhn', '--dataset_dir=' + out_dir)

  def _mnist_source(self):
    raw_dir = os.path.join(self.get_temp_dir(), 'raw')
    source_dir = os.path.join(self.get_temp_dir(), 'mnist')
    os.makedirs(raw_dir)
    images = np.arange(4 * 28 * 28).reshape(4, 28, 28) % 256
    convert_mnist_test._write_split(  # pylint: disable=protected-access
        raw_dir, 't10k', images, np.arange(4), gz=False)
    _run('--dataset_name=mnist', '--dataset_dir=' + source_dir,
         '--raw_dir=' + raw_dir, '--source_split=test')
    return source_dir

  def test_ood(self):
    source_dir = self._mnist_source()
    source = dataset_factory.get_dataset('mnist', 'test', source_dir)
    source_images, _ = convert_ood.read_split(source)
    out_dir = os.path.join(self.get_temp_dir(), 'inverted')
    entry = _run('--dataset_name=ood', '--source_dataset_name=mnist',
                 '--source_dataset_dir=' + source_dir,
                 '--transform=invert', '--dataset_dir=' + out_dir,
                 '--num_examples=3')
    self.assertEqual(entry['dataset_name'], 'mnist_invert')
    dataset = dataset_factory.get_dataset('mnist_invert', 'test', out_dir)
    self.assertEqual((dataset.num_samples, dataset.channels), (3, 1))
    images, _ = convert_ood.read_split(dataset)
    for image, original in zip(images, source_images):
      self.assertAllEqual(image, 255 - original)
    noise_dir = os.path.join(self.get_temp_dir(), 'noise')
    entry = _run('--dataset_name=ood', '--source_dataset_name=mnist',
                 '--source_dataset_dir=' + source_dir,
                 '--source_split_name=test', '--transform=gaussian_noise',
                 '--custom_name=noise', '--split_name=ood', '--seed=3',
                 '--noise_mean=100', '--noise_std=5', '--dataset_dir=' +
                 noise_dir)
    self.assertEqual((entry['source']['seed'], entry['source']['noise_mean'],
                      entry['source']['noise_std']), (3, 100.0, 5.0))
    noise = dataset_factory.get_dataset('noise', 'ood', noise_dir)
    self.assertEqual(noise.num_samples, 4)

  def test_ood_usage_errors(self):
    out = os.path.join(self.get_temp_dir(), 'ood')
    with self.assertRaisesRegex(app.UsageError, 'ood needs '
                                '--source_dataset_dir'):
      _run('--dataset_name=ood', '--dataset_dir=' + out,
           '--source_dataset_name=mnist', '--transform=invert')
    with self.assertRaisesRegex(app.UsageError, 'built-in name: pass another '
                                '--custom_name'):
      _run('--dataset_name=ood', '--dataset_dir=' + out,
           '--source_dataset_name=mnist', '--source_dataset_dir=' + out,
           '--transform=invert', '--custom_name=svhn')
    with self.assertRaisesRegex(app.UsageError, '--raw_dir does not apply to '
                                '--dataset_name=ood'):
      _run('--dataset_name=ood', '--dataset_dir=' + out, '--raw_dir=' + out)
    with self.assertRaisesRegex(app.UsageError, '--transform does not apply '
                                'to --dataset_name=svhn'):
      _run('--dataset_name=svhn', '--dataset_dir=' + out,
           '--transform=invert')
    with self.assertRaisesRegex(ValueError, 'own directory'):
      _run('--dataset_name=ood', '--dataset_dir=' + out,
           '--source_dataset_name=mnist', '--source_dataset_dir=' + out,
           '--transform=invert')

  def test_usage_errors(self):
    out = self.get_temp_dir()
    with self.assertRaisesRegex(app.UsageError, '--source_split does not '
                                'apply to --dataset_name=digits'):
      _run('--dataset_name=digits', '--dataset_dir=' + out,
           '--source_split=test')
    with self.assertRaisesRegex(app.UsageError, 'needs --image_dir'):
      _run('--dataset_name=custom', '--dataset_dir=' + out)
    with self.assertRaisesRegex(app.UsageError, 'built-in names'):
      _run('--dataset_name=custom', '--dataset_dir=' + out,
           '--image_dir=' + out, '--custom_name=mnist')
    with self.assertRaisesRegex(app.UsageError, '--dataset_dir'):
      _run('--dataset_name=digits')
    with self.assertRaisesRegex(ValueError, 'split:count'):
      _run('--dataset_name=digits', '--dataset_dir=' + out,
           '--split_sizes=train')


if __name__ == '__main__':
  tf.test.main()
