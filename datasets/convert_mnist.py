"""Converts MNIST IDX files already on disk to TFRecords.

MNIST: LeCun, Cortes and Burges, http://yann.lecun.com/exdb/mnist/ (the
IDX format is described there). Nothing is downloaded: the raw files must be
in `raw_dir`, gzip-compressed or not:

  train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]   -> 'train'
  t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]    -> 'test'

Every split whose two files are present is converted, to
`mnist_<split>.tfrecord` (PNG, 28 x 28 x 1), with `labels.txt` and a
`dataset_metadata.json` entry. The IDX magic numbers, the header counts, the
data length and the labels are validated. `source_split` and `split_sizes`
carve output splits out of one raw split in its original order: with only
the real test set, `source_split='test'` and `split_sizes` train:8000,
test:2000 give a training split of its first 8000 digits and a held-out test
split of the last 2000.

Outputs of an earlier run are overwritten (each overwrite is logged).

Typical use:

  convert_mnist.run('/data/mnist_8k', raw_dir='/work/shared/data/mnist',
                    source_split='test',
                    split_sizes=dataset_utils.parse_split_sizes(
                        'train:8000,test:2000'))
"""
import collections
import gzip
import os

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils

CLASS_NAMES = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
               'eight', 'nine')

_RAW_FILES = collections.OrderedDict([
    ('train', ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte')),
    ('test', ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')),
])
_IMAGES_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions.
_LABELS_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension.


def _find(raw_dir, basename):
  """Returns the path of basename or basename.gz in raw_dir, or None."""
  for candidate in (basename, basename + '.gz'):
    path = os.path.join(raw_dir, candidate)
    if tf.io.gfile.exists(path):
      return path
  return None


def find_raw_files(raw_dir):
  """Returns OrderedDict split -> (images path, labels path) of the splits
  whose two IDX files are in raw_dir.

  Raises:
    ValueError: only one of a split's two files is present, or no split is;
      the message names the expected paths.
  """
  found = collections.OrderedDict()
  for split, basenames in _RAW_FILES.items():
    paths = [_find(raw_dir, b) for b in basenames]
    if all(paths):
      found[split] = tuple(paths)
    elif any(paths):
      missing = [b for b, p in zip(basenames, paths) if p is None]
      raise ValueError('MNIST %s split: found %s but not %s[.gz] in %s.' %
                       (split, [p for p in paths if p][0],
                        ' / '.join(missing), raw_dir))
  if not found:
    expected = ', '.join(os.path.join(raw_dir, b) + '[.gz]'
                         for pair in _RAW_FILES.values() for b in pair)
    raise ValueError(
        'No MNIST IDX files in %s. Expected (one split or both): %s. This '
        'tool does not download: fetch them from '
        'http://yann.lecun.com/exdb/mnist/ into that directory, or point '
        '--raw_dir at them.' % (raw_dir, expected))
  return found


def _read_bytes(path):
  with tf.io.gfile.GFile(path, 'rb') as f:
    data = f.read()
  if path.endswith('.gz'):
    try:
      data = gzip.decompress(data)
    except (OSError, EOFError) as e:
      raise ValueError('%s is not a valid gzip file (%s). Download it again.'
                       % (path, e))
  return data


def _read_idx(path, magic, num_dims):
  """Returns (dims, uint8 payload) of an IDX file, validated."""
  data = _read_bytes(path)
  header_len = 4 * (1 + num_dims)
  found_magic = (int(np.frombuffer(data[:4], dtype='>u4')[0])
                 if len(data) >= 4 else None)
  if found_magic != magic:
    raise ValueError('%s: IDX magic number is %s, expected %d. Is it the '
                     'right file (images vs labels), and not corrupted?' %
                     (path, found_magic, magic))
  if len(data) < header_len:
    raise ValueError('%s is too short (%d bytes) to be an IDX file: it is '
                     'truncated, download it again.' % (path, len(data)))
  header = np.frombuffer(data[:header_len], dtype='>u4')
  dims = [int(d) for d in header[1:]]
  expected = int(np.prod(dims))
  payload = np.frombuffer(data, dtype=np.uint8, offset=header_len)
  if payload.size != expected:
    raise ValueError('%s: the header announces %s = %d bytes of data, the '
                     'file holds %d. The file is truncated or corrupted: '
                     'download it again.' %
                     (path, ' x '.join(map(str, dims)), expected,
                      payload.size))
  return dims, payload


def read_idx_images(path):
  """Reads an IDX image file into uint8 [N, rows, cols, 1]."""
  dims, payload = _read_idx(path, _IMAGES_MAGIC, 3)
  return payload.reshape(dims + [1])


def read_idx_labels(path):
  """Reads an IDX label file into int64 [N], checking labels are 0-9."""
  _, payload = _read_idx(path, _LABELS_MAGIC, 1)
  if payload.size and payload.max() >= len(CLASS_NAMES):
    raise ValueError('%s holds label %d; MNIST labels are 0-9.' %
                     (path, int(payload.max())))
  return payload.astype(np.int64)


def read_raw_splits(raw_dir):
  """Returns OrderedDict split -> (images, labels) of the splits present."""
  splits = collections.OrderedDict()
  for split, (images_path, labels_path) in find_raw_files(raw_dir).items():
    images = read_idx_images(images_path)
    labels = read_idx_labels(labels_path)
    if len(images) != len(labels):
      raise ValueError('%s holds %d images but %s holds %d labels.' %
                       (images_path, len(images), labels_path, len(labels)))
    logging.info('Read %d MNIST %s examples from %s.', len(labels), split,
                 images_path)
    splits[split] = (images, labels)
  return splits


def run(dataset_dir, raw_dir=None, source_split=None, split_sizes=None):
  """Converts the MNIST IDX files of raw_dir into dataset_dir.

  Args:
    dataset_dir: output directory (created if needed).
    raw_dir: where the IDX files are; defaults to dataset_dir.
    source_split: None, or the raw split ('train' or 'test') all output
      splits are taken from.
    split_sizes: None, or OrderedDict output split -> count, taken in order
      from the source split.

  Returns:
    The metadata entry written to dataset_dir/dataset_metadata.json.

  Raises:
    ValueError: missing or invalid raw files, sizes that do not fit.
  """
  raw_dir = raw_dir or dataset_dir
  raw_splits = read_raw_splits(raw_dir)
  return dataset_utils.write_array_dataset(
      dataset_dir, 'mnist', raw_splits, list(CLASS_NAMES), raw_dir,
      source_split=source_split, split_sizes=split_sizes)
