"""The tf.data input pipeline over a dataset description.

No queue runners and no slim `DatasetDataProvider`: records are read with
`tf.data.TFRecordDataset`, parsed with `tf.io.parse_example` and decoded
with `tf.image.decode_image` (or `tf.io.decode_raw` for
`image/format` = 'raw', reshaped with `image/height`, `image/width` and the
dataset's channels); a batch whose images are all PNG (or all JPEG) skips
that format dispatch and uses `tf.io.decode_png` (`decode_jpeg`) directly.
When the preprocessing function has no stateful op and TensorFlow's pfor
can rewrite it (LeNet's; CifarNet's for evaluation), PNGs or JPEGs of one
batch that all have the same size (MNIST, CIFAR; sizes from the PNG
headers or `tf.image.extract_jpeg_shape`) are decoded into one tensor, by
one op per image instead of a `tf.map_fn` loop, and the function runs
once on the batch (`tf.vectorized_map`) instead of once per image: each
of the two cut about a fifth of the input CPU per MNIST digit. Decoded
images always have the dataset's static channel count, so preprocessing
and nets see known shapes.

Records are batched before they are parsed: one `Dataset.map` call parses a
whole batch (`tf.io.parse_example`), checks its labels and decodes and
preprocesses its images in a `tf.map_fn`. Per-element maps cost tf.data about
as much CPU as decoding a small image does; batching first cut the training
input's CPU per MNIST-size image by about a quarter (`benchmarks/`, README).

Training (`is_training=True`): the shard files are shuffled and read
interleaved (`cycle_length=num_readers`, in parallel), records go through a
shuffle buffer, the whole repeats `num_epochs` times (None: forever), and
`num_preprocessing_threads` batches are parsed, decoded and preprocessed in
parallel; batches are full (`drop_remainder=True`) and prefetched. With
`cache=True` the decoded images of the first pass are kept in memory
(`Dataset.cache`), and each later epoch reshuffles them and runs only the
(random) preprocessing, per example (cached images may differ in size): for
datasets that fit in RAM (decoded MNIST is 47 MB, CIFAR-10 150 MB), where
reading, parsing and decoding otherwise cost more than a small network.

Evaluation (`is_training=False`): files are read one after the other in
sorted order, so every example of the split comes exactly once, in a fixed
order; `index` is the example's position in that order; the final partial
batch is kept.

Labels are shifted by `labels_offset`; a label outside
[0, num_classes - labels_offset) after the shift stops the run with an
error that points at --labels_offset and the dataset's num_classes.

Typical use:

  dataset = dataset_factory.get_dataset('mnist', 'test', '/data/mnist')
  data = input_pipeline.make_dataset(
      dataset, lambda image: tf.cast(image, tf.float32) / 255.,
      batch_size=100, is_training=False)
  batch = tf.data.make_one_shot_iterator(data).get_next()
  images, labels = batch['image'], batch['label']
"""
import importlib
import inspect
import struct

from absl import logging
import tensorflow.compat.v1 as tf
# Only to keep TF-internal deprecation notices (tf.data's seed handling calls
# a deprecated op) out of the logs, as PITFALLS 9 asks.
from tensorflow.python.util import deprecation  # pylint: disable=g-direct-tensorflow-import

import tfcompat

_FEATURES = {
    'image/encoded': tf.io.FixedLenFeature((), tf.string),
    'image/format': tf.io.FixedLenFeature((), tf.string, default_value=''),
    'image/class/label': tf.io.FixedLenFeature((), tf.int64),
    'image/height': tf.io.FixedLenFeature((), tf.int64, default_value=0),
    'image/width': tf.io.FixedLenFeature((), tf.int64, default_value=0),
}

# TFRecord framing: uint64 length, uint32 CRC of the length, the data, and a
# uint32 CRC of the data.
_LENGTH_BYTES = 8
_CRC_BYTES = 4


def count_records(files):
  """Counts the records of TFRecord files by walking their framing.

  Only the 12-byte record headers are read, so this is fast even for large
  JPEG shards.

  Args:
    files: a list of (uncompressed) TFRecord file paths.

  Returns:
    The total number of records.

  Raises:
    ValueError: a file is truncated or is not a TFRecord file; the message
      names it.
  """
  total = 0
  for path in files:
    size = tf.io.gfile.stat(path).length
    with tf.io.gfile.GFile(path, 'rb') as f:
      offset = 0
      while offset < size:
        header = f.read(_LENGTH_BYTES)
        if len(header) != _LENGTH_BYTES:
          offset = -1
          break
        length, = struct.unpack('<Q', header)
        offset += _LENGTH_BYTES + length + 2 * _CRC_BYTES
        if offset > size:
          break
        f.seek(offset)
        total += 1
      if offset != size:
        raise ValueError(
            '%s is truncated or is not an uncompressed TFRecord file (its '
            'record framing does not end at the end of the file). Re-create '
            'it with download_and_convert_data.py.' % path)
  return total


# Messages of TensorFlow errors that come from bad records or images.
_DATA_ERROR_MARKERS = ('Invalid PNG', 'Invalid JPEG', 'Unable to decode',
                       'Not a JPEG', 'Input to reshape', 'corrupted record',
                       'truncated record', 'Could not parse example',
                       'Feature: image/')
_MAX_REPORTED_FILES = 5


def _first_error_in_file(path, channels):
  """Reads and decodes every record of one file; the first problem or None."""
  try:
    count_records([path])
  except ValueError as e:
    return str(e)
  with tf.Graph().as_default():
    data = tf.data.TFRecordDataset([path]).map(
        lambda record: tf.shape(_decode_image(
            tf.io.parse_single_example(record, _FEATURES), channels)))
    next_shape = tf.data.make_one_shot_iterator(data).get_next()
    index = 0
    with tf.Session() as session:
      while True:
        try:
          session.run(next_shape)
        except tf.errors.OutOfRangeError:
          return None
        except (tf.errors.DataLossError,
                tf.errors.InvalidArgumentError) as e:
          return '%s: record %d is corrupt (%s)' % (
              path, index, e.message.splitlines()[0])
        index += 1


def find_bad_files(files, channels=3):
  """Checks TFRecord files record by record: framing, CRCs, images.

  Args:
    files: TFRecord paths.
    channels: channels to decode the images to.

  Returns:
    A list of messages, one per bad file, each naming the file (and the
    record when it is not a truncation).
  """
  problems = []
  for path in files:
    problem = _first_error_in_file(path, channels)
    if problem:
      problems.append(problem)
  return problems


def data_error_message(error, dataset):
  """Explains a TensorFlow input error by naming the bad file(s).

  Args:
    error: a tf.errors.OpError raised while reading `dataset`.
    dataset: the Dataset being read (data_sources, channels, name).

  Returns:
    A message for the user, or None when `error` is not about the input
    data.
  """
  text = error.message
  if not (isinstance(error, tf.errors.DataLossError) or
          any(marker in text for marker in _DATA_ERROR_MARKERS)):
    return None
  files = sorted(dataset.data_sources)
  name = getattr(dataset, 'name', '?')
  logging.info('Reading dataset %r failed; checking its %d files to name the '
               'bad one.', name, len(files))
  problems = find_bad_files(files, int(getattr(dataset, 'channels', 3)))
  if problems:
    where = '; '.join(problems[:_MAX_REPORTED_FILES])
    if len(problems) > _MAX_REPORTED_FILES:
      where += '; and %d more' % (len(problems) - _MAX_REPORTED_FILES)
  else:
    where = 'one of %s (TensorFlow: %s)' % (
        ', '.join(files[:_MAX_REPORTED_FILES]) +
        (' ...' if len(files) > _MAX_REPORTED_FILES else ''),
        text.splitlines()[0])
  return ('Bad input data in dataset %r: %s. Re-create the files with '
          'download_and_convert_data.py (it decodes every image before '
          'writing and names, or with --skip_corrupt skips and counts, '
          'corrupt ones), or remove the bad file from --dataset_dir.' %
          (name, where))


def _decode_image(features, channels):
  """Decodes `image/encoded` to uint8 [H, W, channels]."""
  encoded = features['image/encoded']

  def decode_raw():
    flat = tf.io.decode_raw(encoded, tf.uint8)
    shape = tf.stack([features['image/height'], features['image/width'],
                      tf.constant(channels, tf.int64)])
    return tf.reshape(flat, tf.cast(shape, tf.int32))

  def decode_encoded():
    return tf.image.decode_image(encoded, channels=channels,
                                 expand_animations=False)

  image = tf.cond(tf.equal(features['image/format'], 'raw'), decode_raw,
                  decode_encoded)
  image.set_shape([None, None, channels])
  return image


# Images of one batch decoded and preprocessed at the same time.
_PARALLEL_IMAGES = 8
# Same-size images decoded by one op each in one step of the decode loop.
# Unrolling a whole large batch instead makes the tf.data function's graph
# slow to build and optimize: an evaluation pipeline of batch 500 took 14-16 s
# to its first batch (2.6-4.2 s in chunks of 32), and decoded no faster.
_UNROLLED_IMAGES = 32

# First bytes of PNG and JPEG files.
_PNG_SIGNATURE = b'\x89PNG'
_JPEG_SIGNATURE = b'\xff\xd8\xff'
# A PNG's first chunk is IHDR: bytes 16-23 hold its width and height as
# big-endian 32-bit integers.
_PNG_SIZE_OFFSET = 16
_PNG_HEADER_BYTES = 24


def _png_sizes(encoded):
  """int32 [B, 2] (width, height) of PNGs of at least _PNG_HEADER_BYTES."""
  return tf.io.decode_raw(
      tf.strings.substr(encoded, _PNG_SIZE_OFFSET,
                        _PNG_HEADER_BYTES - _PNG_SIZE_OFFSET),
      tf.int32, little_endian=False)


def _pfor_converters():
  """The op types TensorFlow's pfor can batch, or None if not exposed."""
  try:
    module = importlib.import_module('tensorflow.python.ops.parallel_for.pfor')
    return module._pfor_converter_registry  # pylint: disable=protected-access
  except (ImportError, AttributeError):
    return None


def _ops_between(source, target):
  """The ops on a path from tensor `source` to tensor `target`."""
  def closure(start, neighbours):
    seen, stack = set(), [start]
    while stack:
      op = stack.pop()
      if op not in seen:
        seen.add(op)
        stack.extend(neighbours(op))
    return seen
  upstream = closure(target.op, lambda op: [t.op for t in op.inputs] +
                     list(op.control_inputs))
  downstream = closure(source.op, lambda op: [
      consumer for t in op.outputs for consumer in t.consumers()])
  return (upstream & downstream) - {source.op}


def _has_converters(image_fn, images):
  """Whether pfor has a converter for every op image_fn applies to an image.

  Checked in a scratch graph before pfor runs: on TF 1.15, pfor meets an op
  without converter by reading an absl flag, which parses sys.argv when the
  program has not parsed its flags (and fails on flags it does not know).
  """
  converters = _pfor_converters()
  if converters is None:
    return True
  with tf.Graph().as_default():
    image = tf.placeholder(images.dtype, images.shape[1:])
    output = image_fn(image)
    return all(op.type in converters for op in _ops_between(image, output))


def _pfor(image_fn, images):
  """`tf.vectorized_map(image_fn, images)`, raising where pfor cannot batch.

  TF 2 would otherwise quietly loop over the ops it has no converter for.
  """
  kwargs = {}
  if 'fallback_to_while_loop' in inspect.signature(
      tf.vectorized_map).parameters:
    kwargs['fallback_to_while_loop'] = False
  return tf.vectorized_map(image_fn, images, **kwargs)


def vectorized_map(image_fn, images):
  """image_fn applied to every image of a batch as batch ops, or None.

  `tf.vectorized_map` rewrites the per-image graph of `image_fn` into ops
  on the whole batch (TensorFlow's pfor): same results up to float rounding,
  without a `tf.map_fn` loop iteration and its dozen ops per image, which
  cost an MNIST digit more CPU than its decoding does. Functions with ops
  pfor has no converter for (on TF 1.15: `tf.cond`, so the random
  augmentations of training, and image resizing) are not rewritten.

  Args:
    image_fn: fn(image [H, W, C]) -> image, graph code.
    images: [B, H, W, C] tensor.

  Returns:
    image_fn's images stacked, [B, ...], or None when pfor cannot rewrite
    image_fn (the caller then maps it image by image).
  """
  if not _has_converters(image_fn, images):
    logging.info('Preprocessing runs image by image: it has an op that '
                 'tf.vectorized_map cannot batch.')
    return None
  try:
    return _pfor(image_fn, images)
  except (ValueError, NotImplementedError) as e:
    logging.info('Preprocessing runs image by image: it has an op that '
                 'tf.vectorized_map cannot batch (%s).',
                 str(e).splitlines()[0][:200])
    return None


def _vectorized_output_shape(image_fn, channels):
  """Static shape of image_fn's per-image result, or None if not batchable.

  image_fn is batched only when it is pure: `tf.vectorized_map` leaves the
  per-image graph it traced in the graph, and in a tf.data function a
  stateful op there (an assertion, a random op) would still run, on an
  unfed placeholder. Tried in a scratch graph, so a function that is not
  batched leaves no ops behind in the input pipeline's graph.
  """
  with tf.Graph().as_default() as graph:
    image = tf.placeholder(tf.uint8, [None, None, channels])
    output = image_fn(image)
    if any(op.op_def.is_stateful for op in graph.get_operations()):
      return None
    images = tf.placeholder(tf.uint8, [None, None, None, channels])
    if vectorized_map(image_fn, images) is None:
      return None
    return output.shape


def _padded(elements, size):
  """elements [B, ...] padded to [size, ...] with copies of the first one."""
  if tf.compat.dimension_value(elements.shape[0]) == size:
    return elements
  padding = tf.tile(elements[:1], tf.concat(
      [[size - tf.shape(elements)[0]],
       tf.ones_like(tf.shape(elements)[1:])], 0))
  return tf.concat([elements, padding], 0)


def _unrolled(fn, elements, batch_size):
  """fn applied to each element of a batch by its own op: [fn(e) for e].

  One op per element instead of a `tf.map_fn` loop, whose iteration costs
  about as much CPU as decoding an MNIST digit. A partial batch (the last
  one of an evaluation) is padded with copies of its first element to the
  static `batch_size`, and the extra results are dropped.

  Args:
    fn: fn(element) -> tensor of the same shape for every element.
    elements: [B, ...] tensor, B <= batch_size.
    batch_size: the largest B, a Python int.

  Returns:
    [B, ...] tensor of fn's results.
  """
  results = tf.stack([fn(element) for element in tf.unstack(
      _padded(elements, batch_size), num=batch_size)])
  return results[:tf.shape(elements)[0]]


def _unrolled_in_chunks(fn, elements, batch_size, dtype):
  """`_unrolled` on chunks of _UNROLLED_IMAGES elements in a `tf.map_fn`.

  The graph holds one chunk's ops whatever the batch size, and the loop
  iterates once per chunk rather than once per element.

  Args:
    fn: fn(element) -> tensor of the same shape for every element.
    elements: [B, ...] tensor, B <= batch_size.
    batch_size: the largest B, a Python int.
    dtype: fn's result dtype.

  Returns:
    [B, ...] tensor of fn's results.
  """
  if batch_size <= _UNROLLED_IMAGES:
    return _unrolled(fn, elements, batch_size)
  num_chunks = -(-batch_size // _UNROLLED_IMAGES)
  chunks = tf.reshape(
      _padded(elements, num_chunks * _UNROLLED_IMAGES),
      tf.concat([[num_chunks, _UNROLLED_IMAGES], tf.shape(elements)[1:]], 0))
  results = tf.map_fn(lambda chunk: _unrolled(fn, chunk, _UNROLLED_IMAGES),
                      chunks, dtype=dtype, back_prop=False,
                      parallel_iterations=_PARALLEL_IMAGES)
  results = tf.reshape(results, tf.concat([[-1], tf.shape(results)[2:]], 0))
  return results[:tf.shape(elements)[0]]


def _decode_batch(features, channels, image_fn, batch_size):
  """Decodes the images of a parsed batch and maps image_fn over them.

  When every image of the batch is a PNG (or every one a JPEG), judged by
  the first bytes, each is decoded by `tf.io.decode_png` (`decode_jpeg`)
  alone; otherwise each goes through `_decode_image`, whose format dispatch
  (a `tf.cond` on 'raw' and `tf.image.decode_image`'s chain of conditionals
  on TF 1.x) costs about as much CPU as decoding an MNIST digit. When
  `image_fn` can be batched (`_vectorized_output_shape`), PNGs or JPEGs
  that all have the same width and height (from the PNG headers, or
  `tf.image.extract_jpeg_shape`) are decoded into one [B, H, W, C] tensor,
  one op per image (`_unrolled_in_chunks`: a `tf.map_fn` loop over chunks
  of _UNROLLED_IMAGES), and `image_fn` runs once on the batch through
  `tf.vectorized_map`. The result is the same on every path (up to float
  rounding on the batched one). Records with
  `image/format` 'raw' never take the fast branches, whatever their first
  bytes.

  Args:
    features: dict of the batch's parsed features (`_FEATURES` keys but the
      label), each of shape [B].
    channels: channels to decode the images to.
    image_fn: fn(uint8 image [H, W, C]) -> float32 image of a fixed size.
    batch_size: the batch size of the pipeline, the largest B.

  Returns:
    float32 [B, ...] images.
  """
  encoded = features['image/encoded']
  not_raw = tf.logical_not(tf.equal(features['image/format'], 'raw'))

  def all_start_with(signature, min_length=0):
    starts = tf.logical_and(
        tf.equal(tf.strings.substr(encoded, 0, len(signature)), signature),
        tf.strings.length(encoded) >= min_length)
    return tf.reduce_all(tf.logical_and(starts, not_raw))

  def each(fn, elements, dtype=tf.float32):
    return lambda: tf.map_fn(fn, elements, dtype=dtype, back_prop=False,
                             parallel_iterations=_PARALLEL_IMAGES)

  def decoder(decode):
    def decode_one(data):
      image = decode(data, channels=channels)
      image.set_shape([None, None, channels])
      return image
    return decode_one

  def with_decoder(decode):
    return each(lambda data: image_fn(decoder(decode)(data)), encoded)

  def general(one_features):
    return image_fn(_decode_image(one_features, channels))

  def one_op_each(fn, dtype):
    return _unrolled_in_chunks(fn, encoded, batch_size, dtype)

  image_shape = _vectorized_output_shape(image_fn, channels)

  def same_size_batched(decode, sizes_fn):
    """Decodes with `decode`; on the batch when all images share a size."""
    per_image = with_decoder(decode)
    if image_shape is None:
      return per_image()
    sizes = sizes_fn()

    def batched():
      images = one_op_each(decoder(decode), tf.uint8)
      # _vectorized_output_shape has checked that pfor batches image_fn.
      result = _pfor(image_fn, images)
      # pfor loses static sizes that image_fn sets on each image.
      result.set_shape(encoded.shape[:1].concatenate(image_shape))
      return result

    return tf.cond(tf.reduce_all(tf.equal(sizes, sizes[:1])), batched,
                   per_image)

  def jpeg_sizes():
    return one_op_each(lambda data: tf.image.extract_jpeg_shape(data)[:2],
                       tf.int32)

  return tf.cond(
      all_start_with(_PNG_SIGNATURE, _PNG_HEADER_BYTES),
      lambda: same_size_batched(tf.io.decode_png,
                                lambda: _png_sizes(encoded)),
      lambda: tf.cond(all_start_with(_JPEG_SIGNATURE),
                      lambda: same_size_batched(tf.io.decode_jpeg,
                                                jpeg_sizes),
                      each(general, features)))


def _checked_labels(labels, labels_offset, num_classes, dataset_name):
  """Returns labels - labels_offset, asserting they are in range at run time.

  Args:
    labels: int64 tensor of `image/class/label` values (any shape).
    labels_offset: subtracted from every label.
    num_classes: the dataset's number of classes.
    dataset_name: for the error message.

  Returns:
    The shifted labels; evaluating them raises InvalidArgumentError, with the
    labels out of range, when any is outside [0, num_classes - offset).
  """
  shifted = labels - labels_offset
  num_outputs = num_classes - labels_offset
  in_range = tf.logical_and(shifted >= 0, shifted < num_outputs)
  out_of_range = tf.reshape(tf.logical_not(in_range), [-1])
  message = (
      'Label out of range in dataset %r: image/class/label minus '
      '--labels_offset=%d must be in [0, %d) (num_classes=%d minus the '
      'offset). Check --labels_offset and the num_classes of the dataset '
      '(dataset_metadata.json / labels.txt). Labels, shifted labels:' %
      (dataset_name, labels_offset, num_outputs, num_classes))
  assertion = tf.debugging.Assert(
      tf.reduce_all(in_range),
      [message, tf.boolean_mask(tf.reshape(labels, [-1]), out_of_range),
       tf.boolean_mask(tf.reshape(shifted, [-1]), out_of_range)])
  with tf.control_dependencies([assertion]):
    return tf.identity(shifted)


def _check_args(dataset, batch_size, labels_offset, num_readers,
                num_preprocessing_threads):
  if not list(dataset.data_sources):
    raise ValueError('Dataset %r has no files.' %
                     getattr(dataset, 'name', '?'))
  if batch_size < 1:
    raise ValueError('batch_size must be >= 1, got %d.' % batch_size)
  if num_readers < 1 or num_preprocessing_threads < 1:
    raise ValueError('num_readers and num_preprocessing_threads must be >= '
                     '1, got %d and %d.' %
                     (num_readers, num_preprocessing_threads))
  if not 0 <= labels_offset < dataset.num_classes:
    raise ValueError(
        '--labels_offset=%d does not fit dataset %r with num_classes=%d: it '
        'must be in [0, num_classes). Check --labels_offset and the '
        'dataset\'s num_classes.' %
        (labels_offset, getattr(dataset, 'name', '?'), dataset.num_classes))


def _training_records(files, num_readers, shuffle_buffer_size, seed,
                      num_epochs):
  """Shuffled, repeated serialized examples of the shard files."""
  filenames = tf.data.Dataset.from_tensor_slices(files)
  filenames = filenames.shuffle(len(files), seed=seed,
                                reshuffle_each_iteration=True)
  filenames = filenames.repeat(num_epochs)
  records = _interleaved_records(filenames, num_readers)
  return records.shuffle(shuffle_buffer_size, seed=seed,
                         reshuffle_each_iteration=True)


def _interleaved_records(filenames, num_readers):
  return filenames.interleave(tf.data.TFRecordDataset,
                              cycle_length=num_readers, block_length=1,
                              num_parallel_calls=num_readers)


def _without_tf1_autotune_model(data):
  """Turns off tf.data's autotuning model on TensorFlow 1.x.

  On TF 1.15 the parallel interleave of the training input can free an
  element after the iterator has freed that model (`Model::RemoveNode`),
  which crashes the process with a segmentation fault now and then when a
  session closes while the input is still running (2 in 240 build-run-close
  cycles on a busy 2-core machine; none in 600 without the model). The
  model only tunes AUTOTUNE parameters: the pipeline sets its parallelism
  explicitly, and prefetch's AUTOTUNE buffer has its own tuner. TF 2 keeps
  autotuning.

  Args:
    data: a tf.data.Dataset.

  Returns:
    `data`, with autotuning off on TF 1.x.
  """
  if tfcompat.IS_TF2:
    return data
  options = tf.data.Options()
  options.experimental_optimization.autotune = False
  return data.with_options(options)




def make_dataset(dataset, preprocess_fn, batch_size, is_training,
                 num_readers=4, num_preprocessing_threads=4, labels_offset=0,
                 shuffle_buffer_size=None, seed=None, num_epochs=None,
                 cache=False):
  """Builds the batched input pipeline of a dataset split.

  Args:
    dataset: a Dataset from `dataset_factory.get_dataset` (uses
      data_sources, num_classes, num_samples, channels, name).
    preprocess_fn: fn(uint8 image [H, W, C]) -> float image of a fixed size
      (cast to float32), or None to only cast to float32 (all images must
      then be equal size). It is graph code that sees one image (in
      `tf.map_fn` in `Dataset.map`, or rewritten by `tf.vectorized_map` for
      a batch of same-size PNGs or JPEGs when it has no stateful op),
      without AutoGraph: use tf.cond, not Python `if`, on tensors.
    batch_size: examples per batch.
    is_training: True for the shuffled, repeated, full-batch training input;
      False for one deterministic pass over the split.
    num_readers: files read in parallel (training).
    num_preprocessing_threads: batches parsed, decoded and preprocessed in
      parallel.
    labels_offset: subtracted from every label (e.g. 1 for 1000-class nets
      on the 1001-class ImageNet).
    shuffle_buffer_size: example shuffle buffer (training); None:
      min(num_samples, max(1024, 10 * batch_size)).
    seed: optional seed of the file and example shuffles.
    num_epochs: training epochs; None repeats forever. Ignored for eval.
    cache: training only: keep the decoded images in memory after the first
      epoch; the shuffle buffer then defaults to the whole split.

  Returns:
    A `tf.data.Dataset` of dicts: 'image' float32 [B, H, W, C], 'label'
    int64 [B] (after the offset), 'index' int64 [B] (position in the split's
    eval order; -1 in training).

  Raises:
    ValueError: bad arguments, e.g. labels_offset not in [0, num_classes).
  """
  _check_args(dataset, batch_size, labels_offset, num_readers,
              num_preprocessing_threads)
  files = sorted(dataset.data_sources)
  channels = int(getattr(dataset, 'channels', 3))
  name = getattr(dataset, 'name', '?')
  cache = cache and is_training
  if shuffle_buffer_size is None:
    shuffle_buffer_size = max(1, int(dataset.num_samples or 1)) if cache else (
        max(1, min(int(dataset.num_samples or 1), max(1024, 10 * batch_size))))

  def labels_of(features):
    return _checked_labels(features['image/class/label'], labels_offset,
                           dataset.num_classes, name)

  # Not converted by AutoGraph: these and preprocess_fn are plain graph code,
  # and conversion only adds log noise (and fails on lambdas without source).
  @tf.autograph.experimental.do_not_convert
  def preprocess(image):
    if preprocess_fn is not None:
      image = preprocess_fn(image)
    return tf.cast(image, tf.float32)

  @tf.autograph.experimental.do_not_convert
  def parse_batch(records, indices=None):
    features = tf.io.parse_example(records, _FEATURES)
    labels = labels_of(features)
    images = _decode_batch(
        {key: value for key, value in features.items()
         if key != 'image/class/label'}, channels, preprocess, batch_size)
    if indices is None:
      indices = tf.fill(tf.shape(labels), tf.constant(-1, tf.int64))
    return {'image': images, 'label': labels, 'index': indices}

  @tf.autograph.experimental.do_not_convert
  def parse_indexed_batch(indices, records):
    return parse_batch(records, indices)

  @tf.autograph.experimental.do_not_convert
  def decode_one(record):
    features = tf.io.parse_single_example(record, _FEATURES)
    return {'image': _decode_image(features, channels),
            'label': labels_of(features),
            'index': tf.constant(-1, tf.int64)}

  @tf.autograph.experimental.do_not_convert
  def preprocess_one(example):
    return dict(example, image=preprocess(example['image']))

  with deprecation.silence():
    if cache:
      records = _interleaved_records(
          tf.data.Dataset.from_tensor_slices(files), num_readers)
      data = records.map(decode_one,
                         num_parallel_calls=num_preprocessing_threads).cache()
      data = data.shuffle(shuffle_buffer_size, seed=seed,
                          reshuffle_each_iteration=True).repeat(num_epochs)
      data = data.map(preprocess_one,
                      num_parallel_calls=num_preprocessing_threads)
      data = data.batch(batch_size, drop_remainder=True)
    elif is_training:
      data = _training_records(files, num_readers, shuffle_buffer_size, seed,
                               num_epochs)
      data = data.batch(batch_size, drop_remainder=True).map(
          parse_batch, num_parallel_calls=num_preprocessing_threads)
    else:
      data = tf.data.TFRecordDataset(files).enumerate().batch(batch_size).map(
          parse_indexed_batch, num_parallel_calls=num_preprocessing_threads)
    return _without_tf1_autotune_model(
        data.prefetch(tf.data.experimental.AUTOTUNE))
