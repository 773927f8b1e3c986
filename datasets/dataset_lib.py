"""Builds the `tf_slim` Dataset description of one split, for every dataset.

Each dataset module (`mnist.py`, `flowers.py`, ...) only declares a
`DatasetSpec`; `get_split` here does the rest, the same way for all of them:

1. finds the split's files (`file_pattern`, a `%s` in it is replaced by the
   split name; relative patterns are taken inside `dataset_dir`);
2. takes the number of examples from `dataset_metadata.json` (written by our
   converters) when its recorded files are exactly the files found; else from
   the reference constants when the complete standard set of files is present
   (e.g. all 1024 ImageNet train shards), checked by a header-only count when
   the files total at most VERIFY_REFERENCE_MAX_BYTES; else it counts the
   records and logs that it did. So a subset of shards, or files written by
   another tool, never get a hard-coded size;
3. takes classes, channels and the background flag from the metadata, else
   from the spec; class names from `labels.txt`, else from the metadata.

The returned `tf_slim.dataset.Dataset` carries, besides slim's fields,
`name`, `split_name`, `file_pattern`, `has_background`, `channels`,
`num_samples_source` ('metadata', 'reference' or 'count') and `metadata`.
Its `decoder` is a slim `TFExampleDecoder` kept for compatibility with code
written for slim; our own input pipeline (`input_pipeline.py`) parses with
`tf.data` instead.

Typical use (in a dataset module):

  _SPEC = dataset_lib.DatasetSpec(
      name='mnist', default_file_pattern='mnist_%s.tfrecord',
      reference_splits={'train': dataset_lib.reference_split(
          60000, ['mnist_train.tfrecord'])},
      num_classes=10, channels=1, has_background=False,
      description='A 28 x 28 grayscale image of a digit.')

  def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
    return dataset_lib.get_split(_SPEC, split_name, dataset_dir,
                                 file_pattern, reader)
"""
import collections
import os

from absl import logging
import tensorflow.compat.v1 as tf
import tf_slim as slim

from datasets import dataset_utils
from datasets import input_pipeline

DatasetSpec = collections.namedtuple('DatasetSpec', [
    'name',                  # Name in messages and in the metadata file.
    'default_file_pattern',  # Glob with '%s' for the split name.
    'reference_splits',      # split -> ReferenceSplit (may be empty).
    'num_classes',           # int, or None: from metadata / labels.txt.
    'channels',              # Default channel count (1 or 3).
    'has_background',        # True when label 0 is the background class.
    'description',           # Description of the 'image' item.
    'convert_hint',          # How to create the files (for error messages).
])

# Reference split sizes are checked by a (header-only) count when the files
# are at most this large; bigger sets (ImageNet) are trusted.
VERIFY_REFERENCE_MAX_BYTES = 2 << 30

ReferenceSplit = collections.namedtuple('ReferenceSplit',
                                        ['num_samples', 'files'])


def reference_split(num_samples, files):
  """A split size that holds when exactly `files` (basenames) are present."""
  return ReferenceSplit(num_samples, frozenset(files))


def convert_hint(dataset_name, extra=''):
  """The converter command line for error messages (DIR = dataset_dir)."""
  return ('Create it with: python download_and_convert_data.py '
          '--dataset_name=%s --dataset_dir=DIR%s' % (dataset_name, extra))


def make_decoder(channels):
  """A slim TFExampleDecoder for the standard keys, items 'image', 'label'."""
  keys_to_features = {
      'image/encoded': tf.io.FixedLenFeature((), tf.string, default_value=''),
      'image/format': tf.io.FixedLenFeature((), tf.string,
                                            default_value='png'),
      'image/class/label': tf.io.FixedLenFeature((), tf.int64,
                                                 default_value=-1),
      'image/height': tf.io.FixedLenFeature((), tf.int64, default_value=0),
      'image/width': tf.io.FixedLenFeature((), tf.int64, default_value=0),
  }
  items_to_handlers = {
      'image': slim.tfexample_decoder.Image(channels=channels),
      'label': slim.tfexample_decoder.Tensor('image/class/label'),
  }
  return slim.tfexample_decoder.TFExampleDecoder(keys_to_features,
                                                 items_to_handlers)


def _resolve_pattern(spec, split_name, dataset_dir, file_pattern, meta):
  if file_pattern is None:
    meta_split = (meta or {}).get('splits', {}).get(split_name)
    if meta_split and meta_split.get('file_pattern'):
      file_pattern = meta_split['file_pattern']
    else:
      file_pattern = spec.default_file_pattern
  file_pattern = file_pattern.replace('%s', split_name)
  if not os.path.isabs(file_pattern) and '://' not in file_pattern:
    file_pattern = os.path.join(dataset_dir, file_pattern)
  return file_pattern


def _missing_files_error(spec, split_name, dataset_dir, pattern, known):
  if not tf.io.gfile.isdir(dataset_dir):
    problem = ('the dataset directory %s does not exist (glob pattern looked '
               'for: %s)' % (dataset_dir, pattern))
  else:
    problem = 'no file in %s matches the glob pattern %s' % (dataset_dir,
                                                             pattern)
  if known and split_name not in known:
    return ValueError(
        'Unknown split %r for dataset %r (%s). Known splits: %s.' %
        (split_name, spec.name, problem, ', '.join(sorted(known)) or 'none'))
  return ValueError('Cannot read split %r of dataset %r: %s. %s.' %
                    (split_name, spec.name, problem,
                     spec.convert_hint.replace('DIR', dataset_dir)))


def _files_match_metadata(files, meta_split):
  """True when the files found are exactly the ones the converter wrote."""
  recorded = {f['name']: f.get('bytes') for f in meta_split.get('files', [])}
  if sorted(recorded) != sorted(os.path.basename(f) for f in files):
    return False
  for path in files:
    size = recorded[os.path.basename(path)]
    if size is not None and tf.io.gfile.stat(path).length != size:
      return False
  return True


def _num_samples(spec, split_name, files, pattern, meta):
  """Returns (num_samples, source): 'metadata', 'reference' or 'count'."""
  meta_split = (meta or {}).get('splits', {}).get(split_name)
  if meta_split is not None:
    if _files_match_metadata(files, meta_split):
      return meta_split['num_samples'], 'metadata'
    logging.warning(
        'The files matching %s are not the ones %s records for split %r of '
        '%r (a subset, extra or re-written files); counting records instead.',
        pattern, dataset_utils.METADATA_FILENAME, split_name, spec.name)
  ref = spec.reference_splits.get(split_name)
  basenames = frozenset(os.path.basename(f) for f in files)
  if meta_split is None and ref is not None and basenames == ref.files:
    total_bytes = sum(tf.io.gfile.stat(f).length for f in files)
    if total_bytes > VERIFY_REFERENCE_MAX_BYTES:
      return ref.num_samples, 'reference'
    counted = input_pipeline.count_records(files)
    if counted == ref.num_samples:
      return ref.num_samples, 'reference'
    logging.warning(
        'The complete standard file set of split %r of %r (%s) holds %d '
        'records, not the reference %d: using the count.', split_name,
        spec.name, pattern, counted, ref.num_samples)
    return counted, 'count'
  num_samples = input_pipeline.count_records(files)
  logging.info(
      'Counted %d records in the %d file(s) matching %s for split %r of %r '
      '(no matching %s, and not the complete standard file set).',
      num_samples, len(files), pattern, split_name, spec.name,
      dataset_utils.METADATA_FILENAME)
  return num_samples, 'count'


def _labels(dataset_dir, meta):
  if dataset_utils.has_labels(dataset_dir):
    return dataset_utils.read_label_file(dataset_dir)
  if meta and meta.get('label_names'):
    return dict(enumerate(meta['label_names']))
  return None


def get_split(spec, split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the Dataset description of one split (see the module doc).

  Args:
    spec: the dataset's `DatasetSpec`.
    split_name: e.g. 'train', 'test', 'validation'.
    dataset_dir: the directory holding the TFRecord files.
    file_pattern: optional glob of the split's files; '%s' is replaced by the
      split name; relative to `dataset_dir` unless absolute.
    reader: the slim reader class recorded in the description (default
      `tf.TFRecordReader`); our tf.data pipeline reads TFRecords.

  Returns:
    A `tf_slim.dataset.Dataset` with the extra attributes listed above.

  Raises:
    ValueError: no dataset_dir; unknown split (lists the known splits); no
      matching files (names the directory and the glob, says how to create
      them); the number of classes cannot be determined.
  """
  if not dataset_dir:
    raise ValueError('No dataset directory given for dataset %r: pass '
                     '--dataset_dir. %s.' % (spec.name, spec.convert_hint))
  meta = dataset_utils.read_metadata(dataset_dir, spec.name) if (
      tf.io.gfile.isdir(dataset_dir)) else None
  known = set(spec.reference_splits) | set((meta or {}).get('splits', {}))
  pattern = _resolve_pattern(spec, split_name, dataset_dir, file_pattern, meta)
  try:
    files = sorted(tf.io.gfile.glob(pattern))
  except tf.errors.NotFoundError:
    files = []
  if not files:
    raise _missing_files_error(spec, split_name, dataset_dir, pattern, known)
  if known and split_name not in known:
    logging.warning('Split %r is not a known split of %r (%s), but files '
                    'match %s: using them.', split_name, spec.name,
                    ', '.join(sorted(known)), pattern)
  num_samples, source = _num_samples(spec, split_name, files, pattern, meta)
  labels_to_names = _labels(dataset_dir, meta)
  num_classes = (meta or {}).get('num_classes') or spec.num_classes
  if num_classes is None and labels_to_names:
    num_classes = max(labels_to_names) + 1
  if num_classes is None:
    raise ValueError(
        'Cannot tell how many classes dataset %r in %s has: there is no %s '
        'entry for it and no %s. Re-run the converter (%s), or write %s with '
        'one "label:name" line per class.' %
        (spec.name, dataset_dir, dataset_utils.METADATA_FILENAME,
         dataset_utils.LABELS_FILENAME, spec.convert_hint,
         dataset_utils.LABELS_FILENAME))
  if labels_to_names and len(labels_to_names) != num_classes:
    logging.warning('%s in %s has %d names but dataset %r has %d classes.',
                    dataset_utils.LABELS_FILENAME, dataset_dir,
                    len(labels_to_names), spec.name, num_classes)
  channels = int((meta or {}).get('channels') or spec.channels)
  has_background = bool((meta or {}).get('has_background',
                                         spec.has_background))
  logging.info('Dataset %s, split %s: %d examples (size from %s), %d '
               'classes, %d channel(s), %d file(s) matching %s.', spec.name,
               split_name, num_samples, source, num_classes, channels,
               len(files), pattern)
  return slim.dataset.Dataset(
      data_sources=files,
      reader=reader or tf.TFRecordReader,
      decoder=make_decoder(channels),
      num_samples=num_samples,
      items_to_descriptions={
          'image': spec.description,
          'label': 'A single integer between 0 and %d%s.' % (
              num_classes - 1,
              ' (0 is the background class)' if has_background else ''),
      },
      num_classes=num_classes,
      labels_to_names=labels_to_names,
      name=spec.name,
      split_name=split_name,
      file_pattern=pattern,
      has_background=has_background,
      channels=channels,
      num_samples_source=source,
      metadata=meta)
