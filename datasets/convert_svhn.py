"""Converts the SVHN cropped digits (format 2) already on disk to TFRecords.

SVHN: Netzer, Wang, Coates, Bissacco, Wu and Ng, "Reading Digits in Natural
Images with Unsupervised Feature Learning", NIPS workshop 2011;
http://ufldl.stanford.edu/housenumbers/. Nothing is downloaded. The raw data
is the format-2 MATLAB files in `raw_dir`: `train_32x32.mat` -> 'train'
(73257 digits) and `test_32x32.mat` -> 'test' (26032). Each holds `X`, uint8
[32, 32, 3, N], and `y`, [N, 1] labels 1-10 where 10 is the digit 0; the
records get labels 0-9 (label = digit). The optional `extra_32x32.mat`
(531131 easier digits) is not converted.

The records have exactly the keys and encoding of the CIFAR-10 converter
(`svhn_<split>.tfrecord`, PNG, 32 x 32 x 3, `image/class/label`,
`image/height`, `image/width`), so SVHN is both a dataset of its own
(`--dataset_name=svhn`) and the usual out-of-distribution set of a CIFAR-10
model (`--ood_dataset_name=svhn`). `labels.txt` ('0' ... '9') and a
`dataset_metadata.json` entry are written beside them; `source_split` /
`split_sizes` carve output splits out of one raw split as for MNIST.
Convert SVHN into its own directory: `labels.txt` is per directory.

Reading the .mat files needs scipy (imported only here).

Typical use:

  convert_svhn.run('/data/svhn', raw_dir='/data/svhn_raw')
"""
import collections
import os

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils

CLASS_NAMES = tuple(str(digit) for digit in range(10))
MAT_FILES = collections.OrderedDict([
    ('train', 'train_32x32.mat'),
    ('test', 'test_32x32.mat'),
])
EXTRA_FILE = 'extra_32x32.mat'
# SVHN stores the digit 0 as label 10.
_ZERO_LABEL = 10
_URL = 'http://ufldl.stanford.edu/housenumbers/'


def _loadmat(path):
  """scipy.io.loadmat(path), with errors that say what to do."""
  try:
    from scipy import io as scipy_io  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise ValueError('Reading the SVHN .mat files needs scipy, which is not '
                     'installed: run "pip install scipy" (or scripts/setup.sh'
                     ', which installs the pinned requirements) and retry.')
  try:
    if '://' not in path:
      return scipy_io.loadmat(path)
    with tf.io.gfile.GFile(path, 'rb') as f:
      return scipy_io.loadmat(f)
  except Exception as e:  # pylint: disable=broad-except
    raise ValueError('%s is not a readable SVHN format-2 .mat file (%s: %s). '
                     'Download %s again from %s (the "Format 2: cropped '
                     'digits" files).' % (path, type(e).__name__, e,
                                          os.path.basename(path), _URL))


def svhn_labels_to_digits(y):
  """Maps SVHN labels (1-10, 10 = digit 0) to digits 0-9.

  Args:
    y: int array of SVHN labels, any shape ([N, 1] in the .mat files).

  Returns:
    An int64 [N] array of digits.

  Raises:
    ValueError: a label outside 1-10 (0 is accepted as the digit 0 too).
  """
  labels = np.asarray(y).reshape(-1).astype(np.int64)
  if labels.size and (labels.min() < 0 or labels.max() > _ZERO_LABEL):
    raise ValueError('labels range over [%d, %d]; SVHN labels are 1-10 '
                     '(10 = digit 0).' % (labels.min(), labels.max()))
  return np.where(labels == _ZERO_LABEL, 0, labels)


def _arrays(mat, path):
  """Returns (uint8 [N, H, W, 3], int64 [N]) of a loaded .mat dict."""
  if 'X' not in mat or 'y' not in mat:
    raise ValueError('%s has no "X"/"y" arrays (keys: %s); it is not a '
                     'format-2 SVHN file (train_32x32.mat, test_32x32.mat).'
                     % (path, ', '.join(k for k in sorted(mat)
                                        if not k.startswith('__'))))
  x = np.asarray(mat['X'])
  if x.ndim != 4 or x.shape[2] != 3:
    raise ValueError('%s: expected X of shape [32, 32, 3, N], got %s.' %
                     (path, x.shape))
  if x.dtype != np.uint8:
    if x.size and (x.min() < 0 or x.max() > 255):
      raise ValueError('%s: X holds values outside 0-255 (dtype %s).' %
                       (path, x.dtype))
    x = x.astype(np.uint8)
  try:
    labels = svhn_labels_to_digits(mat['y'])
  except ValueError as e:
    raise ValueError('%s: %s' % (path, e))
  if labels.shape[0] != x.shape[3]:
    raise ValueError('%s: X holds %d images but y holds %d labels.' %
                     (path, x.shape[3], labels.shape[0]))
  return np.ascontiguousarray(x.transpose(3, 0, 1, 2)), labels


def read_raw_splits(raw_dir):
  """Reads every SVHN split whose .mat file is in raw_dir.

  Args:
    raw_dir: the directory holding train_32x32.mat and/or test_32x32.mat.

  Returns:
    An OrderedDict split -> (images uint8 [N, 32, 32, 3], labels int64 [N]).

  Raises:
    ValueError: no file found (the message names the directory and the
      files looked for), an unreadable file, or unexpected contents.
  """
  splits = collections.OrderedDict()
  for split, name in MAT_FILES.items():
    path = os.path.join(raw_dir, name)
    if not tf.io.gfile.exists(path):
      continue
    splits[split] = _arrays(_loadmat(path), path)
    logging.info('Read %d SVHN %s digits from %s.', len(splits[split][1]),
                 split, path)
  if not splits:
    raise ValueError(
        'No SVHN files found in %s: looked for %s. This tool does not '
        'download: fetch the "Format 2: cropped digits" files from %s into '
        'that directory, or point --raw_dir at them.' %
        (raw_dir, ' and '.join(MAT_FILES.values()), _URL))
  if tf.io.gfile.exists(os.path.join(raw_dir, EXTRA_FILE)):
    logging.info('%s is present but not converted (only %s).', EXTRA_FILE,
                 ', '.join(MAT_FILES.values()))
  return splits


def run(dataset_dir, raw_dir=None, source_split=None, split_sizes=None):
  """Converts the SVHN .mat files of raw_dir into dataset_dir.

  Args:
    dataset_dir: output directory (created if needed).
    raw_dir: where the .mat files are; defaults to dataset_dir.
    source_split: None, or the raw split ('train' or 'test') all output
      splits are taken from.
    split_sizes: None, or OrderedDict output split -> count, taken in order
      from the source split.

  Returns:
    The metadata entry written to dataset_dir/dataset_metadata.json.

  Raises:
    ValueError: missing or invalid raw files, no scipy, sizes that do not
      fit.
  """
  raw_dir = raw_dir or dataset_dir
  return dataset_utils.write_array_dataset(
      dataset_dir, 'svhn', read_raw_splits(raw_dir), list(CLASS_NAMES),
      raw_dir, source_split=source_split, split_sizes=split_sizes)
