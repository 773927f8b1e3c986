"""Code shared by the dataset converters and the dataset descriptions.

What lives here:

* `tf.train.Example` builders for the feature keys every reader expects
  (`image/encoded`, `image/format`, `image/class/label`, `image/height`,
  `image/width`, optionally `image/filename`);
* `labels.txt` (one `label:name` line per class) reading and writing;
* `dataset_metadata.json`, the converter metadata that records, per dataset,
  the real split sizes, the file pattern and files of each split, the number
  of classes, the background flag, the channel count, the shuffle seed and the
  class names, so that readers never have to trust hard-coded split sizes;
* PNG/JPEG encoding with Pillow, and sharded, atomic TFRecord writing that
  removes stale shards of an earlier conversion of the same split;
* `--split_sizes` parsing and the partition of an ordered list of examples
  into named splits.

Several datasets may be converted into the same directory: the metadata file
holds one entry per dataset name and a conversion replaces only its own entry.

Typical use (inside a converter):

  paths = dataset_utils.output_paths(dataset_dir, 'flowers', 'train', 5)
  split_info = dataset_utils.write_split(paths, items, make_example_fn)
  dataset_utils.write_label_file(dict(enumerate(class_names)), dataset_dir)
  dataset_utils.write_metadata(dataset_dir, dataset_utils.make_metadata(
      'flowers', {'train': split_info}, class_names, channels=3,
      layout='flowers', shuffle_seed=0))
"""
import collections
import io
import json
import os
import re

from absl import logging
import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

LABELS_FILENAME = 'labels.txt'
METADATA_FILENAME = 'dataset_metadata.json'
METADATA_VERSION = 1

# Split names end up in file names and globs: keep them simple.
_SPLIT_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9-]*$')


# ---------------------------------------------------------------------------
# tf.train.Example features.
# ---------------------------------------------------------------------------


def int64_feature(values):
  """Returns an int64 `tf.train.Feature` of a scalar or a list."""
  if not isinstance(values, (tuple, list)):
    values = [values]
  return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def bytes_feature(values):
  """Returns a bytes `tf.train.Feature` of a bytes/str scalar or a list."""
  if not isinstance(values, (tuple, list)):
    values = [values]
  values = [v.encode('utf-8') if isinstance(v, str) else v for v in values]
  return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def image_to_tfexample(image_data, image_format, height, width, class_id,
                       filename=None):
  """Builds the `tf.train.Example` of one encoded image.

  Args:
    image_data: the encoded image (PNG or JPEG bytes).
    image_format: 'png' or 'jpeg' (bytes or str): the true format of
      `image_data`.
    height: image height in pixels.
    width: image width in pixels.
    class_id: the integer label.
    filename: optional source file name, stored as `image/filename`.

  Returns:
    A `tf.train.Example`.
  """
  feature = {
      'image/encoded': bytes_feature(image_data),
      'image/format': bytes_feature(image_format),
      'image/class/label': int64_feature(int(class_id)),
      'image/height': int64_feature(int(height)),
      'image/width': int64_feature(int(width)),
  }
  if filename is not None:
    feature['image/filename'] = bytes_feature(filename)
  return tf.train.Example(features=tf.train.Features(feature=feature))


# ---------------------------------------------------------------------------
# Image encoding.
# ---------------------------------------------------------------------------


def _to_pil(array):
  array = np.asarray(array)
  if array.dtype != np.uint8:
    raise ValueError('Expected a uint8 image array, got %s.' % array.dtype)
  if array.ndim == 3 and array.shape[2] == 1:
    array = array[:, :, 0]
  if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
    raise ValueError('Expected an image of shape [H, W], [H, W, 1] or '
                     '[H, W, 3], got %s.' % (array.shape,))
  return Image.fromarray(array)


def encode_pil(image, image_format, quality=95):
  """Encodes a Pillow image as 'png' or 'jpeg' bytes."""
  buf = io.BytesIO()
  if image_format == 'png':
    image.save(buf, format='PNG')
  elif image_format == 'jpeg':
    image.save(buf, format='JPEG', quality=quality)
  else:
    raise ValueError('Unsupported output format %r (png or jpeg).' %
                     image_format)
  return buf.getvalue()


def encode_png(array):
  """Encodes a uint8 [H, W], [H, W, 1] or [H, W, 3] array as PNG bytes."""
  return encode_pil(_to_pil(array), 'png')


def encode_jpeg(array, quality=95):
  """Encodes a uint8 [H, W], [H, W, 1] or [H, W, 3] array as JPEG bytes."""
  return encode_pil(_to_pil(array), 'jpeg', quality=quality)


# ---------------------------------------------------------------------------
# labels.txt
# ---------------------------------------------------------------------------


def write_label_file(labels_to_class_names, dataset_dir,
                     filename=LABELS_FILENAME):
  """Writes `label:name` lines, sorted by label, to dataset_dir/filename."""
  path = os.path.join(dataset_dir, filename)
  with tf.io.gfile.GFile(path, 'w') as f:
    for label in sorted(labels_to_class_names):
      f.write('%d:%s\n' % (label, labels_to_class_names[label]))


def has_labels(dataset_dir, filename=LABELS_FILENAME):
  """Returns True when dataset_dir/filename exists."""
  return tf.io.gfile.exists(os.path.join(dataset_dir, filename))


def read_label_file(dataset_dir, filename=LABELS_FILENAME):
  """Reads a `label:name` file.

  Args:
    dataset_dir: the directory holding the file.
    filename: the file name.

  Returns:
    A dict from int label to class name.

  Raises:
    ValueError: a line is not of the form `label:name`; the message names the
      file and the line.
  """
  path = os.path.join(dataset_dir, filename)
  with tf.io.gfile.GFile(path, 'r') as f:
    lines = f.read().splitlines()
  labels_to_names = {}
  for number, line in enumerate(lines, 1):
    if not line.strip():
      continue
    label, sep, name = line.partition(':')
    try:
      label = int(label)
    except ValueError:
      label = None
    if not sep or label is None:
      raise ValueError('%s line %d is %r; expected "label:name" (e.g. '
                       '"0:daisy"). Fix or delete the file.' %
                       (path, number, line))
    labels_to_names[label] = name
  return labels_to_names


# ---------------------------------------------------------------------------
# dataset_metadata.json
# ---------------------------------------------------------------------------


def make_metadata(dataset_name, splits, label_names, channels, layout,
                  has_background=False, shuffle_seed=None, source=None):
  """Builds the metadata entry of one converted dataset.

  Args:
    dataset_name: the name readers ask for (`mnist`, `flowers`, a custom name).
    splits: dict split name -> the dict `write_split` returned.
    label_names: list of class names, indexed by label.
    channels: channel count of the stored images (1 or 3).
    layout: file layout and reader module: 'mnist', 'cifar10', 'flowers' or
      'custom' (`<name>_<split>_<i>-of-<n>.tfrecord`).
    has_background: True when label 0 is a background class.
    shuffle_seed: the seed of the shuffle before splitting, or None when the
      source order was kept.
    source: optional JSON-able dict describing the raw data.

  Returns:
    A JSON-able dict.
  """
  return {
      'dataset_name': dataset_name,
      'layout': layout,
      'num_classes': len(label_names),
      'label_names': list(label_names),
      'has_background': bool(has_background),
      'channels': int(channels),
      'shuffle_seed': shuffle_seed,
      'splits': dict(splits),
      'source': source or {},
  }


def read_all_metadata(dataset_dir):
  """Returns {dataset name: metadata entry} of dataset_dir ({} when none).

  Raises:
    ValueError: the file exists but is not valid metadata; the message names
      the file and says how to regenerate it.
  """
  path = os.path.join(dataset_dir, METADATA_FILENAME)
  if not tf.io.gfile.exists(path):
    return {}
  try:
    with tf.io.gfile.GFile(path, 'r') as f:
      content = json.loads(f.read())
    datasets = content['datasets']
    if not isinstance(datasets, dict):
      raise TypeError('"datasets" is not an object')
  except (ValueError, KeyError, TypeError) as e:
    raise ValueError('%s is not valid converter metadata (%s). Re-run '
                     'download_and_convert_data.py to rewrite it, or delete '
                     'it to fall back to counting records.' % (path, e))
  return datasets


def read_metadata(dataset_dir, dataset_name):
  """Returns the metadata entry of `dataset_name` in dataset_dir, or None."""
  return read_all_metadata(dataset_dir).get(dataset_name)


def write_metadata(dataset_dir, entry):
  """Writes (replaces) the entry of entry['dataset_name'] in dataset_dir.

  Entries of other datasets in the same file are kept.

  Args:
    dataset_dir: the output directory.
    entry: a dict from `make_metadata`.

  Returns:
    The path of the metadata file.
  """
  try:
    datasets = read_all_metadata(dataset_dir)
  except ValueError as e:
    logging.warning('Replacing unreadable metadata: %s', e)
    datasets = {}
  datasets[entry['dataset_name']] = entry
  content = {'format_version': METADATA_VERSION, 'datasets': datasets}
  path = os.path.join(dataset_dir, METADATA_FILENAME)
  tmp_path = path + '.tmp'
  with tf.io.gfile.GFile(tmp_path, 'w') as f:
    f.write(json.dumps(content, indent=2, sort_keys=True) + '\n')
  tf.io.gfile.rename(tmp_path, path, overwrite=True)
  return path


# ---------------------------------------------------------------------------
# Splits and sharded writing.
# ---------------------------------------------------------------------------


def check_split_name(split_name):
  """Raises ValueError unless `split_name` is usable in file names."""
  if not _SPLIT_NAME_RE.match(split_name or ''):
    raise ValueError('Invalid split name %r: use letters, digits and "-" '
                     '(e.g. train, validation, test).' % (split_name,))


def parse_split_sizes(text):
  """Parses `--split_sizes`, e.g. 'train:8000,test:2000'.

  Args:
    text: comma-separated `split:count` pairs.

  Returns:
    An OrderedDict split name -> int, in the order given.

  Raises:
    ValueError: malformed text; the message shows the expected form.
  """
  sizes = collections.OrderedDict()
  for part in (text or '').split(','):
    part = part.strip()
    if not part:
      continue
    name, sep, count = part.partition(':')
    name = name.strip()
    try:
      count = int(count)
    except ValueError:
      count = -1
    if not sep or count < 0:
      raise ValueError('--split_sizes=%r: %r is not "split:count" with a '
                       'count >= 0; expected e.g. '
                       '--split_sizes=train:8000,test:2000.' % (text, part))
    check_split_name(name)
    if name in sizes:
      raise ValueError('--split_sizes=%r names split %r twice.' % (text, name))
    sizes[name] = count
  if not sizes:
    raise ValueError('--split_sizes=%r is empty; expected e.g. '
                     '--split_sizes=train:8000,test:2000.' % (text,))
  return sizes


def partition(items, split_sizes, what='examples'):
  """Cuts an ordered sequence into consecutive named splits.

  Args:
    items: a sequence (kept in order).
    split_sizes: OrderedDict split name -> count; the first split takes the
      first items, the next split the following ones, and so on.
    what: how to call the items in messages.

  Returns:
    An OrderedDict split name -> sub-sequence. Splits of size 0 are left out.

  Raises:
    ValueError: the sizes add up to more than len(items).
  """
  total = sum(split_sizes.values())
  if total > len(items):
    raise ValueError('The requested split sizes %s add up to %d, but only %d '
                     '%s are available. Lower --split_sizes.' %
                     (format_split_sizes(split_sizes), total, len(items),
                      what))
  if total < len(items):
    logging.info('Split sizes %s use %d of the %d %s; the last %d are left '
                 'out.', format_split_sizes(split_sizes), total, len(items),
                 what, len(items) - total)
  result = collections.OrderedDict()
  start = 0
  for name, count in split_sizes.items():
    if count:
      result[name] = items[start:start + count]
    start += count
  return result


def format_split_sizes(split_sizes):
  """Formats split sizes back to the `--split_sizes` syntax."""
  return ','.join('%s:%d' % item for item in split_sizes.items())


def output_paths(dataset_dir, prefix, split_name, num_shards=None):
  """Returns the output file paths of one split.

  Args:
    dataset_dir: the output directory.
    prefix: the dataset's file prefix (`mnist`, `flowers`, a custom name).
    split_name: the split.
    num_shards: None for one file `<prefix>_<split>.tfrecord`, else the
      number of `<prefix>_<split>_<i:05d>-of-<n:05d>.tfrecord` shards.

  Returns:
    A list of paths.
  """
  check_split_name(split_name)
  if num_shards is None:
    return [os.path.join(dataset_dir, '%s_%s.tfrecord' % (prefix, split_name))]
  return [os.path.join(dataset_dir, '%s_%s_%05d-of-%05d.tfrecord' %
                       (prefix, split_name, i, num_shards))
          for i in range(num_shards)]


def shard_glob(prefix, split_name):
  """The glob (relative to the dataset dir) of any shards of a split."""
  return '%s_%s_?????-of-?????.tfrecord' % (prefix, split_name)


def remove_stale_shards(dataset_dir, prefix, split_name, keep_paths):
  """Deletes shards of an earlier conversion that `keep_paths` will not reuse.

  Without this, a split converted again with another shard count would match
  old and new shards at once.
  """
  pattern = os.path.join(dataset_dir, shard_glob(prefix, split_name))
  keep = set(os.path.basename(p) for p in keep_paths)
  for path in tf.io.gfile.glob(pattern):
    if os.path.basename(path) not in keep:
      logging.info('Removing stale shard %s of an earlier conversion.', path)
      tf.io.gfile.remove(path)


def write_split(paths, items, example_fn):
  """Writes items to shards, in order: shard i gets the i-th contiguous chunk.

  Files are written under a temporary name and renamed when complete, so an
  interrupted conversion never leaves a truncated file with a final name.
  Existing files are overwritten (with a log line).

  Args:
    paths: the output file paths (see `output_paths`).
    items: a sequence; shuffle it before calling to mix classes across shards.
    example_fn: fn(item) -> `tf.train.Example`.

  Returns:
    The split's metadata: {'num_samples', 'file_pattern', 'files': [{'name',
    'num_records', 'bytes'}]}. 'file_pattern' is the basename of a single
    file, or the shard glob.
  """
  num_shards = len(paths)
  per_shard = -(-len(items) // num_shards)  # ceil
  files = []
  for shard, path in enumerate(paths):
    chunk = items[shard * per_shard:(shard + 1) * per_shard]
    if tf.io.gfile.exists(path):
      logging.info('Overwriting %s.', path)
    tmp_path = path + '.tmp'
    with tf.io.TFRecordWriter(tmp_path) as writer:
      for item in chunk:
        writer.write(example_fn(item).SerializeToString(deterministic=True))
    tf.io.gfile.rename(tmp_path, path, overwrite=True)
    files.append({'name': os.path.basename(path), 'num_records': len(chunk),
                  'bytes': tf.io.gfile.stat(path).length})
    logging.info('Wrote %d examples to %s.', len(chunk), path)
  if num_shards == 1 and not re.search(r'_\d{5}-of-\d{5}\.tfrecord$',
                                       paths[0]):
    pattern = os.path.basename(paths[0])
  else:
    pattern = re.sub(r'_\d{5}-of-', '_?????-of-', os.path.basename(paths[0]))
  return {'num_samples': len(items), 'file_pattern': pattern, 'files': files}


def write_sharded_split(dataset_dir, prefix, split_name, items, example_fn,
                        num_shards):
  """Writes one split as `<prefix>_<split>_<i>-of-<n>.tfrecord` shards.

  Uses min(num_shards, len(items)) shards (at least one) and removes shards
  of an earlier conversion of the same split first.

  Args:
    dataset_dir: the output directory.
    prefix: the dataset's file prefix.
    split_name: the split.
    items: the split's items, already in their final (shuffled) order.
    example_fn: fn(item) -> `tf.train.Example`.
    num_shards: the requested number of shards.

  Returns:
    The split metadata of `write_split`.
  """
  shards = max(1, min(num_shards, len(items)))
  if shards != num_shards:
    logging.info('Split %s has %d examples: writing %d shard(s) instead of '
                 '%d.', split_name, len(items), shards, num_shards)
  paths = output_paths(dataset_dir, prefix, split_name, shards)
  remove_stale_shards(dataset_dir, prefix, split_name, paths)
  return write_split(paths, items, example_fn)


def write_sharded_splits(dataset_dir, prefix, split_items, example_fn,
                         num_shards):
  """`write_sharded_split` for each (split, items) of an OrderedDict.

  Returns:
    OrderedDict split -> split metadata.
  """
  tf.io.gfile.makedirs(dataset_dir)
  return collections.OrderedDict(
      (split_name, write_sharded_split(dataset_dir, prefix, split_name, items,
                                       example_fn, num_shards))
      for split_name, items in split_items.items())


def finish_conversion(dataset_dir, entry, note=''):
  """Writes labels.txt and the metadata entry, and logs the split sizes.

  Args:
    dataset_dir: the output directory.
    entry: the metadata entry (`make_metadata`).
    note: optional text appended to the log line.

  Returns:
    `entry`.
  """
  write_label_file(dict(enumerate(entry['label_names'])), dataset_dir)
  write_metadata(dataset_dir, entry)
  logging.info('Finished converting %s into %s: %s%s.', entry['dataset_name'],
               dataset_dir, ', '.join(
                   '%s %d' % (s, i['num_samples'])
                   for s, i in entry['splits'].items()), note)
  return entry


def write_array_dataset(dataset_dir, dataset_name, raw_splits, label_names,
                        raw_dir, source_split=None, split_sizes=None):
  """Writes in-memory uint8 image arrays as single-file PNG splits.

  Used by the MNIST and CIFAR-10 converters: raw split `s` becomes
  `<dataset_name>_<s>.tfrecord`, unless `source_split`/`split_sizes` carve
  the output splits out of one raw split in its original order.

  Args:
    dataset_dir: the output directory (created if needed).
    dataset_name: 'mnist' or 'cifar10' (file prefix and metadata name).
    raw_splits: OrderedDict raw split name -> (images uint8 [N, H, W, C],
      labels int [N]).
    label_names: list of class names, indexed by label.
    raw_dir: where the raw data was read (recorded in the metadata).
    source_split: None, or the raw split to take all output splits from.
    split_sizes: None, or OrderedDict output split -> count (see
      `partition`). Without `source_split` it needs exactly one raw split.

  Returns:
    The metadata entry written.

  Raises:
    ValueError: `source_split` is not among the raw splits found, or the
      sizes do not fit.
  """
  outputs = _carve(raw_splits, source_split, split_sizes)
  channels = next(iter(raw_splits.values()))[0].shape[3]
  tf.io.gfile.makedirs(dataset_dir)
  splits_info = collections.OrderedDict()
  for split_name, (images, labels) in outputs.items():
    paths = output_paths(dataset_dir, dataset_name, split_name)
    height, width = images.shape[1:3]

    def example_fn(i, images=images, labels=labels, height=height,
                   width=width):
      return image_to_tfexample(encode_png(images[i]), b'png', height, width,
                                labels[i])

    splits_info[split_name] = write_split(paths, range(len(labels)),
                                          example_fn)
  entry = make_metadata(
      dataset_name, splits_info, label_names, channels, layout=dataset_name,
      source={'raw_dir': os.path.abspath(raw_dir),
              'raw_splits': {s: len(l) for s, (_, l) in raw_splits.items()},
              'source_split': source_split,
              'split_sizes': (format_split_sizes(split_sizes)
                              if split_sizes else None)})
  return finish_conversion(dataset_dir, entry)


def _carve(raw_splits, source_split, split_sizes):
  """Maps raw splits to output splits (see `write_array_dataset`)."""
  if source_split is None and split_sizes is None:
    return raw_splits
  if source_split is None:
    if len(raw_splits) != 1:
      raise ValueError('--split_sizes needs --source_split when several raw '
                       'splits are present (found: %s).' %
                       ', '.join(raw_splits))
    source_split = next(iter(raw_splits))
  if source_split not in raw_splits:
    raise ValueError('--source_split=%s: that raw split was not found; found: '
                     '%s.' % (source_split, ', '.join(raw_splits) or 'none'))
  images, labels = raw_splits[source_split]
  if split_sizes is None:
    return collections.OrderedDict([(source_split, (images, labels))])
  index_splits = partition(np.arange(len(labels)), split_sizes,
                           what='%s examples' % source_split)
  return collections.OrderedDict(
      (name, (images[idx], labels[idx])) for name, idx in index_splits.items())
