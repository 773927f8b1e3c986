"""Tiny synthetic TFRecord files for tests of the datasets package.

Typical use (in a test):

  fake_data.write_records(os.path.join(tmp, 'mnist_test.tfrecord'),
                          labels=range(10), height=4, width=4, channels=1)
"""
import struct

import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils


def image_for(index, height, width, channels):
  """A deterministic uint8 image whose pixels encode `index`."""
  values = (np.arange(height * width * channels) + 7 * index) % 256
  return values.reshape(height, width, channels).astype(np.uint8)


def example(index, label, height=4, width=4, channels=3, image_format='png'):
  """A `tf.train.Example` of image_for(index) with the given label."""
  image = image_for(index, height, width, channels)
  if image_format == 'png':
    data = dataset_utils.encode_png(image)
  elif image_format == 'jpeg':
    data = dataset_utils.encode_jpeg(image)
  elif image_format == 'raw':
    data = image.tobytes()
  else:
    raise ValueError(image_format)
  return dataset_utils.image_to_tfexample(data, image_format, height, width,
                                          label)


def write_records(path, labels, start_index=0, **kwargs):
  """Writes one example per label to `path`; returns the number written.

  Example i gets image_for(start_index + i).
  """
  labels = list(labels)
  with tf.io.TFRecordWriter(path) as writer:
    for i, label in enumerate(labels):
      writer.write(example(start_index + i, label, **kwargs)
                   .SerializeToString())
  return len(labels)


def read_records(path):
  """Returns the serialized records of a TFRecord file (no CRC check)."""
  records = []
  with open(path, 'rb') as f:
    while True:
      header = f.read(12)  # uint64 length, uint32 CRC of the length.
      if not header:
        return records
      length, = struct.unpack('<Q', header[:8])
      records.append(f.read(length))
      f.read(4)  # CRC of the data.


def read_examples(paths):
  """Returns the parsed `tf.train.Example`s of files, in file order."""
  return [tf.train.Example.FromString(record)
          for path in paths for record in read_records(path)]


def feature(example_proto, key):
  """The first value of a feature of a `tf.train.Example`."""
  value = example_proto.features.feature[key]
  for kind in ('int64_list', 'bytes_list', 'float_list'):
    if value.HasField(kind):
      return getattr(value, kind).value[0]
  raise KeyError(key)
