"""Tests for datasets.convert_ood (OOD copies of a converted split)."""
import os
import subprocess
import sys

import numpy as np
import tensorflow.compat.v1 as tf

from datasets import convert_ood
from datasets import dataset_factory
from datasets import dataset_utils
from datasets import fake_data

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ConvertOodTest(tf.test.TestCase):

  def setUp(self):
    super(ConvertOodTest, self).setUp()
    self.source_dir = os.path.join(self.get_temp_dir(), 'mnist')
    os.makedirs(self.source_dir, exist_ok=True)
    fake_data.write_records(os.path.join(self.source_dir,
                                         'mnist_test.tfrecord'),
                            labels=[3, 1, 4, 1, 5, 9, 2, 6], height=6,
                            width=5, channels=1)
    self.source = dataset_factory.get_dataset('mnist', 'test',
                                              self.source_dir)
    self.images, self.labels = convert_ood.read_split(self.source)

  def _convert(self, transform, **kwargs):
    out_dir = os.path.join(self.get_temp_dir(), 'ood_' + transform)
    entry = convert_ood.convert('mnist', self.source_dir, 'test', transform,
                                out_dir, **kwargs)
    return out_dir, entry

  def _read(self, name, out_dir, split='test'):
    dataset = dataset_factory.get_dataset(name, split, out_dir)
    images, labels = convert_ood.read_split(dataset)
    return dataset, images, labels

  def test_read_split_matches_source_images(self):
    self.assertLen(self.images, 8)
    self.assertAllEqual(self.labels, [3, 1, 4, 1, 5, 9, 2, 6])
    self.assertAllEqual(self.images[2], fake_data.image_for(2, 6, 5, 1))

  def test_invert_and_rotate_are_pixel_exact(self):
    for transform, expected in (
        ('invert', [255 - image for image in self.images]),
        ('rotate90', [np.rot90(image) for image in self.images])):
      out_dir, entry = self._convert(transform)
      name = 'mnist_' + transform
      self.assertEqual(entry['dataset_name'], name)
      dataset, images, labels = self._read(name, out_dir)
      self.assertEqual((dataset.num_samples, dataset.num_samples_source,
                        dataset.channels, dataset.num_classes),
                       (8, 'metadata', 1, 10))
      self.assertAllEqual(labels, self.labels)
      for image, want in zip(images, expected):
        self.assertAllEqual(image, want)
      # The only custom dataset in its directory: 'custom' reads it too.
      self.assertEqual(
          dataset_factory.get_dataset('custom', 'test', out_dir).num_samples,
          8)
      meta = dataset_utils.read_metadata(out_dir, name)
      self.assertEqual(meta['source']['transform'], transform)
      self.assertEqual(meta['source']['source_split_name'], 'test')

  def test_noise_has_source_shapes_and_is_seeded(self):
    out_dir, _ = self._convert('gaussian_noise', seed=3)
    _, images, _ = self._read('mnist_gaussian_noise', out_dir)
    self.assertEqual([i.shape for i in images],
                     [i.shape for i in self.images])
    meta = dataset_utils.read_metadata(out_dir, 'mnist_gaussian_noise')
    source = np.concatenate([i.ravel() for i in self.images]).astype(float)
    self.assertAllClose(meta['source']['noise_mean'], source.mean())
    self.assertAllClose(meta['source']['noise_std'], source.std())
    again = os.path.join(self.get_temp_dir(), 'again')
    convert_ood.convert('mnist', self.source_dir, 'test', 'gaussian_noise',
                        again, seed=3)
    _, images_again, _ = self._read('mnist_gaussian_noise', again)
    for a, b in zip(images, images_again):
      self.assertAllEqual(a, b)
    out_dir, _ = self._convert('uniform_noise', dataset_name='noise',
                               split_name='ood', num_examples=5)
    dataset, images, _ = self._read('noise', out_dir, split='ood')
    self.assertEqual(dataset.num_samples, 5)
    self.assertFalse(np.array_equal(images[0], images[1]))

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, 'own directory'):
      convert_ood.convert('mnist', self.source_dir, 'test', 'invert',
                          self.source_dir)
    with self.assertRaisesRegex(ValueError, 'Unknown transform'):
      self._convert('blur')
    with self.assertRaisesRegex(ValueError, 'built-in name'):
      self._convert('invert', dataset_name='mnist')
    with self.assertRaisesRegex(ValueError, 'Unknown split'):
      convert_ood.convert('mnist', self.source_dir, 'nope', 'invert',
                          os.path.join(self.get_temp_dir(), 'x'))

  def test_cli(self):
    out_dir = os.path.join(self.get_temp_dir(), 'cli')
    argv = [sys.executable, '-m', 'datasets.convert_ood',
            '--source_dataset_name=mnist',
            '--source_dataset_dir=%s' % self.source_dir,
            '--source_split_name=test', '--transform=invert',
            '--dataset_dir=%s' % out_dir]
    proc = subprocess.run(argv, cwd=_REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
    self.assertEqual(self._read('mnist_invert', out_dir)[0].num_samples, 8)
    proc = subprocess.run(argv[:-1] + ['--dataset_dir=%s' % self.source_dir],
                          cwd=_REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          check=False)
    self.assertEqual(proc.returncode, 1)
    self.assertIn('convert_ood: error: The OOD dataset must go to its own '
                  'directory', proc.stderr)


if __name__ == '__main__':
  tf.test.main()
