"""Tests for datasets.convert_digits (the embedded demo dataset)."""
import filecmp
import io
import os

import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import convert_digits
from datasets import dataset_factory
from datasets import fake_data


class ConvertDigitsTest(tf.test.TestCase):

  def test_digits(self):
    out_dir = os.path.join(self.get_temp_dir(), 'digits')
    convert_digits.run(out_dir)
    labels = {}
    for split, size in (('train', 1497), ('test', 300)):
      dataset = dataset_factory.get_dataset('digits', split, out_dir)
      self.assertEqual((dataset.num_samples, dataset.num_samples_source),
                       (size, 'metadata'))
      self.assertEqual((dataset.num_classes, dataset.channels), (10, 1))
      examples = fake_data.read_examples(dataset.data_sources)
      self.assertLen(examples, size)
      labels[split] = [fake_data.feature(e, 'image/class/label')
                       for e in examples]
      image = Image.open(io.BytesIO(
          fake_data.feature(examples[0], 'image/encoded')))
      self.assertEqual((image.format, image.mode, image.size),
                       ('PNG', 'L', (28, 28)))
      self.assertEqual(fake_data.feature(examples[0], 'image/format'), b'png')
    self.assertEqual(set(labels['test']), set(range(10)))
    self.assertNotEqual(labels['train'][:50], sorted(labels['train'][:50]))
    pixels = np.asarray(image)
    self.assertGreater(pixels.max(), 200)  # Scaled from 0-16 to 0-255.
    # Deterministic: the same seed writes the same bytes.
    again = os.path.join(self.get_temp_dir(), 'again')
    convert_digits.run(again, shuffle_seed=0)
    name = 'digits_test_00000-of-00001.tfrecord'
    self.assertTrue(filecmp.cmp(os.path.join(out_dir, name),
                                os.path.join(again, name), shallow=False))


if __name__ == '__main__':
  tf.test.main()
