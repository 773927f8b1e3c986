"""Writes the `digits` demo dataset from scikit-learn's bundled digits.

The data: the UCI "Optical Recognition of Handwritten Digits" set as shipped
inside scikit-learn (`sklearn.datasets.load_digits`: 1797 8 x 8 images with
values 0-16, 10 classes), so it needs no download. Each image is scaled to
0-255 and upscaled to 28 x 28 (Pillow bilinear), so MNIST-sized nets such as
lenet take it as is. The examples are shuffled with `shuffle_seed` and split
train 1497 / test 300 (or `split_sizes`), and written in the custom layout:
`digits_<split>_00000-of-00001.tfrecord` (grayscale PNG), `labels.txt` and a
`dataset_metadata.json` entry (channels 1). Read it with
`dataset_factory.get_dataset('digits', split, dataset_dir)`.

Outputs of an earlier run are overwritten.

Typical use:

  convert_digits.run('/tmp/digits')
"""
import collections

import numpy as np
from PIL import Image

from datasets import custom
from datasets import dataset_utils

_MAX_VALUE = 16.0


def load_images():
  """Returns (uint8 [1797, 28, 28], int64 [1797]) from scikit-learn."""
  # scikit-learn is slow to import; only this dataset needs it.
  from sklearn import datasets as sk_datasets  # pylint: disable=g-import-not-at-top
  digits = sk_datasets.load_digits()
  size = custom.DIGITS_IMAGE_SIZE
  scaled = np.clip(np.round(digits.images * (255.0 / _MAX_VALUE)), 0, 255)
  images = np.stack([
      np.asarray(Image.fromarray(image.astype(np.uint8), 'L').resize(
          (size, size), Image.BILINEAR)) for image in scaled])
  return images, digits.target.astype(np.int64)


def run(dataset_dir, shuffle_seed=0, split_sizes=None, num_shards=1):
  """Converts scikit-learn's digits into dataset_dir.

  Args:
    dataset_dir: output directory (created if needed).
    shuffle_seed: seed of the shuffle before splitting (recorded).
    split_sizes: OrderedDict split -> count; default train 1497, test 300.
    num_shards: shards per split.

  Returns:
    The metadata entry written to dataset_dir/dataset_metadata.json.

  Raises:
    ValueError: sizes that do not fit the 1797 images, bad num_shards.
  """
  if num_shards < 1:
    raise ValueError('--num_shards must be >= 1, got %d.' % num_shards)
  name = custom.DIGITS_NAME
  images, labels = load_images()
  order = np.random.RandomState(shuffle_seed).permutation(len(labels))
  sizes = split_sizes or collections.OrderedDict(custom.DIGITS_SPLIT_SIZES)
  splits_info = dataset_utils.write_sharded_splits(
      dataset_dir, name, dataset_utils.partition(order, sizes, what='digits'),
      lambda i: dataset_utils.image_to_tfexample(
          dataset_utils.encode_png(images[i]), b'png', images.shape[1],
          images.shape[2], labels[i]), num_shards)
  class_names = [str(d) for d in range(10)]
  entry = dataset_utils.make_metadata(
      name, splits_info, class_names, channels=1, layout=custom.CUSTOM_LAYOUT,
      shuffle_seed=shuffle_seed,
      source={'origin': 'sklearn.datasets.load_digits',
              'resize': '8x8 -> %dx%d bilinear, values * 255/16' %
                        (custom.DIGITS_IMAGE_SIZE, custom.DIGITS_IMAGE_SIZE)})
  return dataset_utils.finish_conversion(dataset_dir, entry)
