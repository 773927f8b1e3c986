"""Tests for the dataset descriptions (dataset_factory, dataset_lib, ...)."""
import os
from unittest import mock

import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from datasets import dataset_lib
from datasets import dataset_utils
from datasets import fake_data


def _write_flowers_shards(dataset_dir, split, shards, per_shard=3):
  for i in shards:
    fake_data.write_records(
        os.path.join(dataset_dir, 'flowers_%s_%05d-of-00005.tfrecord' %
                     (split, i)), labels=[j % 5 for j in range(per_shard)])


def _record_metadata(dataset_dir, name, split, files, num_samples,
                     layout=None, num_classes=2, channels=3):
  """Writes a metadata entry describing existing files."""
  info = {'num_samples': num_samples, 'files': [
      {'name': f, 'bytes': os.path.getsize(os.path.join(dataset_dir, f)),
       'num_records': None} for f in files]}
  dataset_utils.write_metadata(dataset_dir, dataset_utils.make_metadata(
      name, {split: info}, ['c%d' % i for i in range(num_classes)],
      channels=channels, layout=layout or name))


class FactoryErrorsTest(tf.test.TestCase):

  def test_unknown_name_lists_known_names(self):
    with self.assertRaises(ValueError) as ctx:
      dataset_factory.get_dataset('mnsit', 'train', self.get_temp_dir())
    message = str(ctx.exception)
    for name in ('mnist', 'cifar10', 'flowers', 'imagenet', 'custom',
                 'digits'):
      self.assertIn(name, message)
    self.assertIn("Did you mean 'mnist'", message)

  def test_missing_dir_names_path_pattern_and_converter(self):
    missing = os.path.join(self.get_temp_dir(), 'nope')
    with self.assertRaises(ValueError) as ctx:
      dataset_factory.get_dataset('mnist', 'train', missing)
    message = str(ctx.exception)
    self.assertIn(missing + ' does not exist', message)
    self.assertIn(os.path.join(missing, 'mnist_train.tfrecord'), message)
    self.assertIn('download_and_convert_data.py --dataset_name=mnist',
                  message)

  def test_no_matching_files_names_glob(self):
    tmp = self.get_temp_dir()
    with self.assertRaises(ValueError) as ctx:
      dataset_factory.get_dataset('flowers', 'validation', tmp)
    message = str(ctx.exception)
    self.assertIn(os.path.join(tmp, 'flowers_validation_?????-of-?????'
                                    '.tfrecord'), message)
    self.assertIn('download_and_convert_data.py', message)

  def test_unknown_split_lists_known_splits(self):
    with self.assertRaisesRegex(ValueError,
                                "Unknown split 'val'.*Known splits: test, "
                                'train'):
      dataset_factory.get_dataset('cifar10', 'val', self.get_temp_dir())

  def test_missing_custom_dataset_suggests_converter(self):
    tmp = self.get_temp_dir()
    with self.assertRaises(ValueError) as ctx:
      dataset_factory.get_dataset('custom', 'train', tmp)
    message = str(ctx.exception)
    self.assertIn(os.path.join(tmp, 'custom_train_?????-of-?????.tfrecord'),
                  message)
    self.assertIn('--dataset_name=custom --dataset_dir=%s --image_dir=' % tmp,
                  message)

  def test_missing_dataset_dir_flag(self):
    with self.assertRaisesRegex(ValueError, '--dataset_dir'):
      dataset_factory.get_dataset('mnist', 'train', None)


class SplitSizeTest(tf.test.TestCase):

  def test_subset_of_flowers_shards_is_counted(self):
    tmp = self.get_temp_dir()
    _write_flowers_shards(tmp, 'train', [0, 2], per_shard=3)
    dataset = dataset_factory.get_dataset('flowers', 'train', tmp)
    self.assertEqual(dataset.num_samples, 6)
    self.assertEqual(dataset.num_samples_source, 'count')
    self.assertEqual(len(dataset.data_sources), 2)
    self.assertEqual(dataset.num_classes, 5)

  def test_complete_standard_set_uses_reference_size_when_large(self):
    tmp = self.get_temp_dir()
    _write_flowers_shards(tmp, 'validation', range(5), per_shard=1)
    with mock.patch.object(dataset_lib, 'VERIFY_REFERENCE_MAX_BYTES', 0):
      dataset = dataset_factory.get_dataset('flowers', 'validation', tmp)
    self.assertEqual(dataset.num_samples, 350)
    self.assertEqual(dataset.num_samples_source, 'reference')

  def test_small_standard_set_is_checked_against_reference(self):
    tmp = self.get_temp_dir()
    _write_flowers_shards(tmp, 'validation', range(5), per_shard=1)
    dataset = dataset_factory.get_dataset('flowers', 'validation', tmp)
    self.assertEqual(dataset.num_samples, 5)
    self.assertEqual(dataset.num_samples_source, 'count')

  def test_metadata_wins_and_is_checked_against_files(self):
    tmp = self.get_temp_dir()
    _write_flowers_shards(tmp, 'train', range(5), per_shard=2)
    files = ['flowers_train_%05d-of-00005.tfrecord' % i for i in range(5)]
    _record_metadata(tmp, 'flowers', 'train', files, 10, num_classes=5)
    dataset = dataset_factory.get_dataset('flowers', 'train', tmp)
    self.assertEqual((dataset.num_samples, dataset.num_samples_source),
                     (10, 'metadata'))
    # A shard rewritten after the conversion: the metadata is stale.
    _write_flowers_shards(tmp, 'train', [4], per_shard=4)
    dataset = dataset_factory.get_dataset('flowers', 'train', tmp)
    self.assertEqual((dataset.num_samples, dataset.num_samples_source),
                     (12, 'count'))

  def test_file_pattern_argument(self):
    tmp = self.get_temp_dir()
    _write_flowers_shards(tmp, 'train', range(5), per_shard=2)
    dataset = dataset_factory.get_dataset(
        'flowers', 'train', tmp, file_pattern='flowers_%s_0000[01]-*')
    self.assertEqual(dataset.num_samples, 4)
    self.assertEqual(dataset.file_pattern,
                     os.path.join(tmp, 'flowers_train_0000[01]-*'))

  def test_imagenet_background_and_subset(self):
    tmp = self.get_temp_dir()
    for i in range(3):
      fake_data.write_records(
          os.path.join(tmp, 'validation-%05d-of-00128' % i),
          labels=[1, 1000])
    dataset = dataset_factory.get_dataset('imagenet', 'validation', tmp)
    self.assertEqual(dataset.num_samples, 6)
    self.assertEqual(dataset.num_classes, 1001)
    self.assertTrue(dataset.has_background)
    self.assertEqual(dataset.channels, 3)

  def test_labels_file_is_read(self):
    tmp = self.get_temp_dir()
    fake_data.write_records(os.path.join(tmp, 'mnist_test.tfrecord'),
                            labels=[0, 1], channels=1)
    dataset_utils.write_label_file({i: str(i) for i in range(10)}, tmp)
    dataset = dataset_factory.get_dataset('mnist', 'test', tmp)
    self.assertEqual(dataset.labels_to_names[7], '7')
    self.assertEqual((dataset.channels, dataset.num_samples), (1, 2))
    self.assertFalse(dataset.has_background)
    self.assertEqual(dataset.split_name, 'test')
    self.assertEqual(dataset.name, 'mnist')


class CustomDatasetTest(tf.test.TestCase):

  def _write_custom(self, tmp, name, split='train', n=3, channels=3):
    fname = '%s_%s_00000-of-00001.tfrecord' % (name, split)
    fake_data.write_records(os.path.join(tmp, fname), labels=[0, 1, 1][:n],
                            channels=channels)
    return fname

  def test_custom_name_from_metadata(self):
    tmp = self.get_temp_dir()
    fname = self._write_custom(tmp, 'pets')
    _record_metadata(tmp, 'pets', 'train', [fname], 3, layout='custom',
                     num_classes=2, channels=3)
    for name in ('custom', 'pets'):
      dataset = dataset_factory.get_dataset(name, 'train', tmp)
      self.assertEqual((dataset.name, dataset.num_samples,
                        dataset.num_classes), ('pets', 3, 2))
      self.assertEqual(dataset.labels_to_names, {0: 'c0', 1: 'c1'})

  def test_several_custom_datasets_need_a_name(self):
    tmp = self.get_temp_dir()
    for name in ('pets', 'cars'):
      fname = self._write_custom(tmp, name)
      _record_metadata(tmp, name, 'train', [fname], 3, layout='custom')
    with self.assertRaisesRegex(ValueError, 'several custom datasets.*cars, '
                                'pets.*--dataset_name'):
      dataset_factory.get_dataset('custom', 'train', tmp)
    self.assertEqual(dataset_factory.get_dataset('cars', 'train', tmp).name,
                     'cars')

  def test_custom_without_metadata(self):
    tmp = self.get_temp_dir()
    self._write_custom(tmp, 'birds', n=2)
    with self.assertRaisesRegex(ValueError, 'how many classes.*labels.txt'):
      dataset_factory.get_dataset('custom', 'train', tmp)
    dataset_utils.write_label_file({0: 'a', 1: 'b', 2: 'c'}, tmp)
    dataset = dataset_factory.get_dataset('custom', 'train', tmp)
    self.assertEqual((dataset.name, dataset.num_samples, dataset.num_classes),
                     ('birds', 2, 3))

  def test_digits_defaults(self):
    tmp = self.get_temp_dir()
    self._write_custom(tmp, 'digits', split='test', channels=1)
    with mock.patch.object(dataset_lib, 'VERIFY_REFERENCE_MAX_BYTES', 0):
      dataset = dataset_factory.get_dataset('digits', 'test', tmp)
    self.assertEqual((dataset.channels, dataset.num_classes), (1, 10))
    self.assertEqual(dataset.num_samples, 300)  # Complete digits file set.
    self.assertEqual(dataset.num_samples_source, 'reference')


class SlimDecoderTest(tf.test.TestCase):

  def test_slim_decoder_round_trip(self):
    tmp = self.get_temp_dir()
    fake_data.write_records(os.path.join(tmp, 'mnist_train.tfrecord'),
                            labels=[3], height=5, width=6, channels=1)
    dataset = dataset_factory.get_dataset('mnist', 'train', tmp)
    record = fake_data.read_records(dataset.data_sources[0])[0]
    with tf.Graph().as_default():
      image, label = dataset.decoder.decode(tf.constant(record),
                                            ['image', 'label'])
      with self.cached_session() as sess:
        image, label = sess.run([image, label])
    self.assertEqual(label, 3)
    self.assertAllEqual(image, fake_data.image_for(0, 5, 6, 1))
    self.assertEqual(image.dtype, np.uint8)


if __name__ == '__main__':
  tf.test.main()
