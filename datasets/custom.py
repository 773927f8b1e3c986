"""Datasets converted from a folder of class sub-folders (and `digits`).

A custom dataset NAME is written by

  python download_and_convert_data.py --dataset_name=custom \\
      --image_dir=ROOT --custom_name=NAME --dataset_dir=DIR

as `NAME_<split>_<i:05d>-of-<n:05d>.tfrecord`, with `labels.txt` and a
`dataset_metadata.json` entry holding its real split sizes, classes and
channels. No Python file needs editing: `dataset_factory.get_dataset` accepts
NAME itself, or `custom` when the directory holds one custom dataset.

`digits` (scikit-learn's 8 x 8 digits upscaled to 28 x 28 grayscale, train
1497 / test 300, written by `convert_digits.py`) uses the same layout.

Typical use:

  dataset = custom.get_split('train', '/data/pets', name='pets')
"""
import re

import tensorflow.compat.v1 as tf

from datasets import dataset_lib
from datasets import dataset_utils

CUSTOM_LAYOUT = 'custom'
DEFAULT_NAME = 'custom'

# The digits demo dataset: sizes written by convert_digits with its defaults.
DIGITS_NAME = 'digits'
DIGITS_SPLIT_SIZES = (('train', 1497), ('test', 300))
DIGITS_IMAGE_SIZE = 28

_SHARD_RE = re.compile(r'^(.+)_([A-Za-z0-9][A-Za-z0-9-]*)_\d{5}-of-\d{5}'
                       r'\.tfrecord$')


def _convert_hint(name):
  if name == DIGITS_NAME:
    return dataset_lib.convert_hint(DIGITS_NAME)
  return dataset_lib.convert_hint(
      'custom', ' --image_dir=ROOT_WITH_CLASS_FOLDERS --custom_name=%s' % name)


def make_spec(name):
  """The DatasetSpec of custom dataset `name` (defaults for no metadata)."""
  if name == DIGITS_NAME:
    reference = {
        split: dataset_lib.reference_split(
            size, ['%s_%s_00000-of-00001.tfrecord' % (name, split)])
        for split, size in DIGITS_SPLIT_SIZES}
    num_classes, channels = 10, 1
    description = ('A %d x %d grayscale image of a digit (scikit-learn '
                   'digits, upscaled).' % (DIGITS_IMAGE_SIZE,
                                           DIGITS_IMAGE_SIZE))
  else:
    reference, num_classes, channels = {}, None, 3
    description = 'A color image of varying size.'
  return dataset_lib.DatasetSpec(
      name=name,
      default_file_pattern=name + '_%s_?????-of-?????.tfrecord',
      reference_splits=reference,
      num_classes=num_classes,
      channels=channels,
      has_background=False,
      description=description,
      convert_hint=_convert_hint(name))


def custom_names(dataset_dir):
  """Names of the custom-layout datasets recorded in dataset_dir's metadata."""
  if not dataset_dir or not tf.io.gfile.isdir(dataset_dir):
    return []
  return sorted(name for name, entry in
                dataset_utils.read_all_metadata(dataset_dir).items()
                if entry.get('layout') == CUSTOM_LAYOUT)


def _infer_name(dataset_dir):
  """The one custom dataset in dataset_dir (metadata first, then files)."""
  if not dataset_dir or not tf.io.gfile.isdir(dataset_dir):
    return DEFAULT_NAME
  names = custom_names(dataset_dir)
  source = dataset_utils.METADATA_FILENAME
  if not names:
    names = sorted(set(
        m.group(1) for m in (_SHARD_RE.match(f)
                             for f in tf.io.gfile.listdir(dataset_dir)) if m))
    source = 'the shard file names'
  if len(names) > 1:
    raise ValueError(
        '%s holds several custom datasets (%s, from %s): pass the one you '
        'want as --dataset_name (e.g. --dataset_name=%s).' %
        (dataset_dir, ', '.join(names), source, names[0]))
  return names[0] if names else DEFAULT_NAME


def get_split(split_name, dataset_dir, file_pattern=None, reader=None,
              name=None):
  """Returns split `split_name` of a custom-layout dataset.

  Args:
    split_name: e.g. 'train', 'validation'.
    dataset_dir: the directory holding the TFRecord files.
    file_pattern: optional glob ('%s' = split name), see dataset_lib.
    reader: the slim reader class recorded in the description.
    name: the dataset name (file prefix). None: the only custom dataset
      recorded in dataset_dir's metadata, else the only prefix of
      `*_<split>_<i>-of-<n>.tfrecord` files there.

  Returns:
    A `tf_slim.dataset.Dataset` (see dataset_lib.get_split).

  Raises:
    ValueError: several custom datasets and no name; see also
      dataset_lib.get_split.
  """
  if name is None:
    name = _infer_name(dataset_dir)
  return dataset_lib.get_split(make_spec(name), split_name, dataset_dir,
                               file_pattern, reader)
