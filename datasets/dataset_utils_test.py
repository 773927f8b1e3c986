"""Tests for datasets.dataset_utils."""
import io
import json
import os

import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import dataset_utils
from datasets import fake_data


class SplitSizesTest(tf.test.TestCase):

  def test_parse_keeps_order(self):
    sizes = dataset_utils.parse_split_sizes('train:8000, test:2000')
    self.assertEqual(list(sizes.items()), [('train', 8000), ('test', 2000)])

  def test_parse_errors_show_the_expected_form(self):
    for text in ('train=8000', 'train:x', 'train:-1', '', 'a:1,a:2',
                 'bad_name:3'):
      with self.assertRaises(ValueError) as ctx:
        dataset_utils.parse_split_sizes(text)
      self.assertRegex(str(ctx.exception), 'split|Split')

  def test_partition_is_consecutive(self):
    parts = dataset_utils.partition(
        list(range(10)), dataset_utils.parse_split_sizes('a:3,b:0,c:5'))
    self.assertEqual(dict(parts), {'a': [0, 1, 2], 'c': [3, 4, 5, 6, 7]})

  def test_partition_too_large(self):
    with self.assertRaisesRegex(ValueError, 'add up to 11.*only 10'):
      dataset_utils.partition(list(range(10)), {'a': 6, 'b': 5})


class LabelsAndMetadataTest(tf.test.TestCase):

  def test_label_file_round_trip(self):
    tmp = self.get_temp_dir()
    names = {0: 'daisy', 1: 'sun:flower', 2: 'tulips'}
    dataset_utils.write_label_file(names, tmp)
    self.assertTrue(dataset_utils.has_labels(tmp))
    self.assertEqual(dataset_utils.read_label_file(tmp), names)

  def test_bad_label_line_is_named(self):
    tmp = self.get_temp_dir()
    with open(os.path.join(tmp, 'labels.txt'), 'w') as f:
      f.write('0:a\nnot a label\n')
    with self.assertRaisesRegex(ValueError, r'labels.txt line 2'):
      dataset_utils.read_label_file(tmp)

  def test_metadata_entries_of_several_datasets_coexist(self):
    tmp = self.get_temp_dir()
    for name in ('mnist', 'cifar10'):
      dataset_utils.write_metadata(tmp, dataset_utils.make_metadata(
          name, {'train': {'num_samples': 3}}, ['a', 'b'], channels=1,
          layout=name))
    dataset_utils.write_metadata(tmp, dataset_utils.make_metadata(
        'mnist', {'test': {'num_samples': 5}}, ['a', 'b'], channels=1,
        layout='mnist'))
    self.assertEqual(sorted(dataset_utils.read_all_metadata(tmp)),
                     ['cifar10', 'mnist'])
    mnist = dataset_utils.read_metadata(tmp, 'mnist')
    self.assertEqual(list(mnist['splits']), ['test'])
    self.assertEqual(mnist['num_classes'], 2)
    self.assertIsNone(dataset_utils.read_metadata(tmp, 'flowers'))

  def test_invalid_metadata_is_named(self):
    tmp = self.get_temp_dir()
    with open(os.path.join(tmp, dataset_utils.METADATA_FILENAME), 'w') as f:
      f.write('{"no": "datasets"}')
    with self.assertRaisesRegex(ValueError, 'dataset_metadata.json is not'):
      dataset_utils.read_all_metadata(tmp)
    # A new conversion replaces the unreadable file.
    dataset_utils.write_metadata(tmp, dataset_utils.make_metadata(
        'mnist', {}, ['a'], channels=1, layout='mnist'))
    self.assertEqual(list(dataset_utils.read_all_metadata(tmp)), ['mnist'])


class WritingTest(tf.test.TestCase):

  def test_encode_png_round_trip(self):
    for shape in ((5, 3), (5, 3, 1), (5, 3, 3)):
      image = fake_data.image_for(1, 5, 3, shape[2] if len(shape) == 3 else 1)
      image = image.reshape(shape)
      decoded = np.asarray(Image.open(io.BytesIO(
          dataset_utils.encode_png(image))))
      self.assertAllEqual(decoded, image.reshape(decoded.shape))

  def test_sharded_split_replaces_stale_shards(self):
    tmp = self.get_temp_dir()

    def example_fn(i):
      return fake_data.example(i, i % 2)

    dataset_utils.write_sharded_split(tmp, 'pets', 'train', list(range(9)),
                                      example_fn, num_shards=4)
    info = dataset_utils.write_sharded_split(tmp, 'pets', 'train',
                                             list(range(7)), example_fn,
                                             num_shards=2)
    names = sorted(f for f in os.listdir(tmp) if f.startswith('pets_train'))
    self.assertEqual(names, ['pets_train_00000-of-00002.tfrecord',
                             'pets_train_00001-of-00002.tfrecord'])
    self.assertEqual(info['num_samples'], 7)
    self.assertEqual([f['num_records'] for f in info['files']], [4, 3])
    self.assertEqual(info['file_pattern'], 'pets_train_?????-of-00002.tfrecord')
    self.assertFalse([f for f in os.listdir(tmp) if f.endswith('.tmp')])
    json.dumps(info)  # JSON-able.

  def test_fewer_examples_than_shards(self):
    tmp = self.get_temp_dir()
    info = dataset_utils.write_sharded_split(
        tmp, 'x', 'validation', [0, 1], lambda i: fake_data.example(i, 0), 5)
    self.assertEqual(len(info['files']), 2)


if __name__ == '__main__':
  tf.test.main()
