"""Tests for datasets.convert_image_folder (flowers and custom layouts)."""
import io
import os

import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import convert_image_folder
from datasets import dataset_factory
from datasets import dataset_utils
from datasets import fake_data
from datasets import input_pipeline

_RGB = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 4
_GRAY = np.arange(4 * 5, dtype=np.uint8).reshape(4, 5) * 12


def _save(path, image, image_format, **kwargs):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  image.save(path, format=image_format, **kwargs)


def _records_by_filename(dataset_dir, name, split):
  dataset = dataset_factory.get_dataset(name, split, dataset_dir)
  return {fake_data.feature(e, 'image/filename').decode(): e
          for e in fake_data.read_examples(dataset.data_sources)}


def _pixels(example):
  return np.asarray(Image.open(io.BytesIO(
      fake_data.feature(example, 'image/encoded'))))


class FormatsTest(tf.test.TestCase):
  """One image per format; split sizes are given so every image is kept."""

  def setUp(self):
    super(FormatsTest, self).setUp()
    self.image_dir = os.path.join(self.get_temp_dir(), 'images')
    self.out_dir = os.path.join(self.get_temp_dir(), 'out')
    d = self.image_dir
    _save(os.path.join(d, 'cat/rgb.jpg'), Image.fromarray(_RGB), 'JPEG')
    _save(os.path.join(d, 'cat/gray.jpeg'), Image.fromarray(_GRAY), 'JPEG')
    _save(os.path.join(d, 'cat/nested/cmyk.jpg'),
          Image.fromarray(_RGB).convert('CMYK'), 'JPEG')
    rgba = np.dstack([_RGB, np.full((4, 5), 255, np.uint8)])
    rgba[0, 0, 3] = 0  # One transparent pixel.
    _save(os.path.join(d, 'dog/rgba.png'), Image.fromarray(rgba, 'RGBA'),
          'PNG')
    _save(os.path.join(d, 'dog/gray.png'), Image.fromarray(_GRAY), 'PNG')
    # frombytes: Pillow >= 11 refuses fromarray(uint16, 'I;16').
    _save(os.path.join(d, 'dog/gray16.png'), Image.frombytes(
        'I;16', _GRAY.shape[::-1],
        (_GRAY.astype('<u2') * 257).tobytes()), 'PNG')
    _save(os.path.join(d, 'dog/rgb.png'), Image.fromarray(_RGB), 'PNG')
    # A PNG named .jpg: the stored format must come from the content.
    _save(os.path.join(d, 'dog/really_png.jpg'), Image.fromarray(_RGB), 'PNG')
    _save(os.path.join(d, 'eel/palette.png'),
          Image.fromarray(_RGB).convert('P'), 'PNG')
    _save(os.path.join(d, 'eel/palette_transparent.png'),
          Image.fromarray(_GRAY).convert('P'), 'PNG', transparency=0)
    _save(os.path.join(d, 'eel/image.bmp'), Image.fromarray(_RGB), 'BMP')
    with open(os.path.join(d, 'eel/notes.txt'), 'w') as f:
      f.write('not an image')
    self.num_images = 11

  def _add_corrupt_files(self):
    with open(os.path.join(self.image_dir, 'eel/broken.jpg'), 'wb') as f:
      f.write(b'\xff\xd8\xff garbage')
    with open(os.path.join(self.image_dir, 'dog/rgb.png'), 'rb') as f:
      data = f.read()
    with open(os.path.join(self.image_dir, 'cat/truncated.png'), 'wb') as f:
      f.write(data[:len(data) // 2])

  def test_formats_round_trip(self):
    entry = convert_image_folder.run(
        self.image_dir, self.out_dir, 'pets', num_shards=2,
        split_sizes=dataset_utils.parse_split_sizes('train:11'))
    self.assertEqual(entry['splits']['train']['num_samples'], self.num_images)
    self.assertEqual(entry['label_names'], ['cat', 'dog', 'eel'])
    records = _records_by_filename(self.out_dir, 'pets', 'train')
    self.assertLen(records, self.num_images)
    gray_rgb = np.dstack([_GRAY] * 3)

    def check(filename, image_format, label, expected=None, same_bytes=False):
      example = records[filename]
      self.assertEqual(fake_data.feature(example, 'image/format'),
                       image_format, filename)
      self.assertEqual(fake_data.feature(example, 'image/class/label'), label)
      self.assertEqual((fake_data.feature(example, 'image/height'),
                        fake_data.feature(example, 'image/width')), (4, 5))
      pixels = _pixels(example)
      self.assertEqual(pixels.shape, (4, 5, 3), filename)
      if expected is not None:
        self.assertAllEqual(pixels, expected, filename)
      with open(os.path.join(self.image_dir, filename), 'rb') as f:
        self.assertEqual(
            fake_data.feature(example, 'image/encoded') == f.read(),
            same_bytes, filename)

    check('cat/rgb.jpg', b'jpeg', 0, same_bytes=True)
    check('cat/gray.jpeg', b'jpeg', 0)
    check(os.path.join('cat', 'nested', 'cmyk.jpg'), b'jpeg', 0)
    expected_rgba = _RGB.copy()
    expected_rgba[0, 0] = 255  # Transparent -> white.
    check('dog/rgba.png', b'png', 1, expected_rgba)
    check('dog/gray.png', b'png', 1, gray_rgb)
    check('dog/gray16.png', b'png', 1, gray_rgb)
    check('dog/rgb.png', b'png', 1, _RGB, same_bytes=True)
    check('dog/really_png.jpg', b'png', 1, _RGB, same_bytes=True)
    check('eel/palette.png', b'png', 2)
    expected_palette = gray_rgb.copy()
    expected_palette[_GRAY == 0] = 255
    check('eel/palette_transparent.png', b'png', 2, expected_palette)
    check('eel/image.bmp', b'png', 2, _RGB)

    # TensorFlow decodes every record to 3 channels as well.
    dataset = dataset_factory.get_dataset('pets', 'train', self.out_dir)
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(dataset, None, batch_size=1,
                                         is_training=False)
      batch = tf.data.make_one_shot_iterator(data).get_next()
      with tf.Session() as sess:
        shapes = [sess.run(batch['image']).shape
                  for _ in range(self.num_images)]
    self.assertEqual(set(shapes), {(1, 4, 5, 3)})

  def test_corrupt_files_are_named_before_anything_is_written(self):
    self._add_corrupt_files()
    with self.assertRaises(ValueError) as ctx:
      convert_image_folder.run(self.image_dir, self.out_dir, 'pets')
    message = str(ctx.exception)
    self.assertIn('2 of 13 images cannot be decoded', message)
    self.assertIn(os.path.join(self.image_dir, 'eel/broken.jpg'), message)
    self.assertIn(os.path.join(self.image_dir, 'cat/truncated.png'), message)
    self.assertIn('--skip_corrupt', message)
    self.assertFalse(os.path.exists(self.out_dir))

  def test_skip_corrupt_counts(self):
    self._add_corrupt_files()
    entry = convert_image_folder.run(self.image_dir, self.out_dir, 'pets',
                                     num_validation=3, skip_corrupt=True)
    self.assertEqual(entry['source']['num_skipped_corrupt'], 2)
    self.assertEqual(sorted(entry['source']['skipped_corrupt']),
                     ['cat/truncated.png', 'eel/broken.jpg'])
    self.assertEqual({s: i['num_samples'] for s, i in entry['splits'].items()},
                     {'validation': 3, 'train': self.num_images - 3})
    dataset = dataset_factory.get_dataset('pets', 'validation', self.out_dir)
    self.assertEqual((dataset.num_samples, dataset.num_classes), (3, 3))


class ShufflingTest(tf.test.TestCase):

  def setUp(self):
    super(ShufflingTest, self).setUp()
    self.image_dir = os.path.join(self.get_temp_dir(), 'flower_photos')
    for c, name in enumerate(('daisy', 'roses', 'tulips')):
      for i in range(10):
        _save(os.path.join(self.image_dir, name, '%d.png' % i),
              Image.fromarray(np.full((2, 2, 3), c * 10 + i, np.uint8)),
              'PNG')

  def _labels_per_shard(self, out_dir, split):
    dataset = dataset_factory.get_dataset('flowers', split, out_dir)
    return [[fake_data.feature(e, 'image/class/label')
             for e in fake_data.read_examples([path])]
            for path in dataset.data_sources]

  def test_shards_mix_classes_with_recorded_seed(self):
    out_dir = os.path.join(self.get_temp_dir(), 'flowers')
    entry = convert_image_folder.run(self.image_dir, out_dir, 'flowers',
                                     num_shards=3, num_validation=6,
                                     shuffle_seed=7, layout='flowers')
    self.assertEqual(entry['shuffle_seed'], 7)
    train = self._labels_per_shard(out_dir, 'train')
    self.assertEqual([len(s) for s in train], [8, 8, 8])
    for shard in train:
      self.assertGreater(len(set(shard)), 1)
    all_labels = sum(train, []) + sum(self._labels_per_shard(
        out_dir, 'validation'), [])
    self.assertEqual(sorted(all_labels), sorted([0, 1, 2] * 10))
    self.assertNotEqual(all_labels, sorted(all_labels))
    # Same seed: same order. Another shard count: old shards are replaced.
    convert_image_folder.run(self.image_dir, out_dir, 'flowers',
                             num_shards=2, num_validation=6, shuffle_seed=7,
                             layout='flowers')
    again = self._labels_per_shard(out_dir, 'train')
    self.assertLen(again, 2)
    self.assertEqual(sum(again, []), sum(train, []))
    dataset = dataset_factory.get_dataset('flowers', 'train', out_dir)
    self.assertEqual((dataset.num_samples, dataset.num_samples_source),
                     (24, 'metadata'))
    self.assertEqual(dataset.labels_to_names, {0: 'daisy', 1: 'roses',
                                               2: 'tulips'})

  def test_split_options(self):
    out_dir = self.get_temp_dir()
    with self.assertRaisesRegex(ValueError, 'only one of'):
      convert_image_folder.run(self.image_dir, out_dir, 'x',
                               num_validation=3, validation_percentage=10)
    with self.assertRaisesRegex(ValueError, r'must be in \[0, 30\)'):
      convert_image_folder.run(self.image_dir, out_dir, 'x',
                               num_validation=30)
    sizes = convert_image_folder.resolve_split_sizes(30)  # Default 10 %.
    self.assertEqual(dict(sizes), {'validation': 3, 'train': 27})

  def test_missing_folder(self):
    missing = os.path.join(self.get_temp_dir(), 'nope')
    with self.assertRaisesRegex(ValueError, '%s does not exist.*one '
                                'sub-folder per class' % missing):
      convert_image_folder.run(missing, self.get_temp_dir(), 'x')


if __name__ == '__main__':
  tf.test.main()
