"""Converts the CIFAR-10 python batches already on disk to TFRecords.

CIFAR-10: Krizhevsky, "Learning Multiple Layers of Features from Tiny
Images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html. Nothing is
downloaded. The raw data is `raw_dir/cifar-10-batches-py/` (the extracted
`cifar-10-python.tar.gz`): `data_batch_1` ... `data_batch_5` -> 'train',
`test_batch` -> 'test'. When that folder is missing but the tarball is in
raw_dir, the batches are read from the tarball directly.

Every split whose batches are present is converted, to
`cifar10_<split>.tfrecord` (PNG, 32 x 32 x 3), with `labels.txt` (class names
from `batches.meta` when present) and a `dataset_metadata.json` entry.
`source_split`/`split_sizes` work as for MNIST (e.g. source 'train' with
train:45000,validation:5000). Outputs of an earlier run are overwritten.

Typical use:

  convert_cifar10.run('/data/cifar10')
"""
import collections
import io
import os
import pickle
import tarfile

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils

CLASS_NAMES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
               'horse', 'ship', 'truck')
BATCHES_DIR = 'cifar-10-batches-py'
TARBALL = 'cifar-10-python.tar.gz'
_RAW_FILES = collections.OrderedDict([
    ('train', tuple('data_batch_%d' % i for i in range(1, 6))),
    ('test', ('test_batch',)),
])


class _NumpyOnlyUnpickler(pickle.Unpickler):
  """Unpickles CIFAR batches without running arbitrary pickled code."""

  _ALLOWED = frozenset([
      ('numpy.core.multiarray', '_reconstruct'),
      ('numpy.core.multiarray', 'scalar'),
      # The same, as pickled by numpy 2 (the TF 2 stack).
      ('numpy._core.multiarray', '_reconstruct'),
      ('numpy._core.multiarray', 'scalar'),
      ('numpy', 'ndarray'),
      ('numpy', 'dtype'),
      ('_codecs', 'encode'),  # bytes pickled by Python 3 at protocol 2.
  ])

  def find_class(self, module, name):
    if (module, name) not in self._ALLOWED:
      raise pickle.UnpicklingError('refusing to load %s.%s' % (module, name))
    return super(_NumpyOnlyUnpickler, self).find_class(module, name)


class _BatchSource(object):
  """Reads batch files from the extracted folder or from the tarball."""

  def __init__(self, raw_dir):
    self.folder = os.path.join(raw_dir, BATCHES_DIR)
    self.tarball = os.path.join(raw_dir, TARBALL)
    self._members = None
    if not tf.io.gfile.isdir(self.folder) and tf.io.gfile.exists(
        self.tarball):
      logging.info('Reading CIFAR-10 batches from %s.', self.tarball)
      with tarfile.open(self.tarball, 'r:gz') as tar:
        self._members = {
            os.path.basename(m.name): tar.extractfile(m).read()
            for m in tar.getmembers()
            if m.isfile() and os.path.dirname(m.name).endswith(BATCHES_DIR)}

  def where(self, name):
    if self._members is not None:
      return '%s:%s/%s' % (self.tarball, BATCHES_DIR, name)
    return os.path.join(self.folder, name)

  def exists(self, name):
    if self._members is not None:
      return name in self._members
    return tf.io.gfile.exists(os.path.join(self.folder, name))

  def load(self, name):
    """Unpickles a batch file (pickled by Python 2: byte-string keys)."""
    if self._members is not None:
      data = self._members[name]
    else:
      with tf.io.gfile.GFile(os.path.join(self.folder, name), 'rb') as f:
        data = f.read()
    try:
      return _NumpyOnlyUnpickler(io.BytesIO(data), encoding='bytes').load()
    except Exception as e:  # pylint: disable=broad-except
      raise ValueError('%s is not a CIFAR-10 python batch (%s: %s). Extract '
                       '%s again.' % (self.where(name), type(e).__name__, e,
                                      TARBALL))


def _get(batch, key):
  """batch[key] with bytes or str keys."""
  for k in (key.encode('ascii'), key):
    if k in batch:
      return batch[k]
  raise KeyError(key)


def _read_batch(source, name):
  """Returns (uint8 [N, 32, 32, 3], int64 [N]) of one batch file."""
  batch = source.load(name)
  try:
    data = np.asarray(_get(batch, 'data'), dtype=np.uint8)
    labels = np.asarray(_get(batch, 'labels'), dtype=np.int64)
  except (KeyError, TypeError) as e:
    raise ValueError('%s lacks the "data"/"labels" entries of a CIFAR-10 '
                     'batch (%s).' % (source.where(name), e))
  if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or (
      len(data) != len(labels)):
    raise ValueError('%s: expected data [N, 3072] and N labels, got data %s '
                     'and %d labels.' % (source.where(name), data.shape,
                                         len(labels)))
  if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
    raise ValueError('%s holds labels outside 0-9.' % source.where(name))
  images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
  return images, labels


def _class_names(source):
  if not source.exists('batches.meta'):
    return list(CLASS_NAMES)
  meta = source.load('batches.meta')
  names = [n.decode('utf-8') if isinstance(n, bytes) else n
           for n in _get(meta, 'label_names')]
  if len(names) != len(CLASS_NAMES):
    raise ValueError('%s lists %d class names, expected 10.' %
                     (source.where('batches.meta'), len(names)))
  return names


def read_raw_splits(raw_dir):
  """Returns (OrderedDict split -> (images, labels), class names).

  Raises:
    ValueError: no batches, or an incomplete split; the message names the
      expected paths.
  """
  source = _BatchSource(raw_dir)
  splits = collections.OrderedDict()
  for split, names in _RAW_FILES.items():
    present = [n for n in names if source.exists(n)]
    if not present:
      continue
    if len(present) != len(names):
      raise ValueError(
          'CIFAR-10 %s split is incomplete: missing %s. Extract %s again.' %
          (split, ', '.join(source.where(n) for n in names
                            if n not in present), TARBALL))
    parts = [_read_batch(source, n) for n in names]
    splits[split] = (np.concatenate([p[0] for p in parts]),
                     np.concatenate([p[1] for p in parts]))
    logging.info('Read %d CIFAR-10 %s examples.', len(splits[split][1]),
                 split)
  if not splits:
    raise ValueError(
        'No CIFAR-10 batches found: expected %s/{data_batch_1..5,test_batch} '
        'or %s. This tool does not download: fetch cifar-10-python.tar.gz '
        'from https://www.cs.toronto.edu/~kriz/cifar.html into %s, or point '
        '--raw_dir at it.' % (source.folder, source.tarball, raw_dir))
  return splits, _class_names(source)


def run(dataset_dir, raw_dir=None, source_split=None, split_sizes=None):
  """Converts the CIFAR-10 batches of raw_dir into dataset_dir.

  Args:
    dataset_dir: output directory (created if needed).
    raw_dir: where cifar-10-batches-py/ (or the tarball) is; defaults to
      dataset_dir.
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
  raw_splits, class_names = read_raw_splits(raw_dir)
  return dataset_utils.write_array_dataset(
      dataset_dir, 'cifar10', raw_splits, class_names, raw_dir,
      source_split=source_split, split_sizes=split_sizes)
