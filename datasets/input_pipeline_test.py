"""Tests for datasets.input_pipeline."""
import os
from unittest import mock

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from datasets import dataset_factory
from datasets import dataset_utils
from datasets import fake_data
from datasets import input_pipeline
from preprocessing import cifarnet_preprocessing
from preprocessing import lenet_preprocessing
import tfcompat


def _dataset(files, num_samples, num_classes=10, channels=3):
  return slim.dataset.Dataset(
      data_sources=files, reader=None, decoder=None, num_samples=num_samples,
      items_to_descriptions={}, num_classes=num_classes, channels=channels,
      name='fake')


def _to_float(image):
  return tf.cast(image, tf.float32)


def _to_float_2x2(image):
  return tf.cast(tf.image.resize_with_crop_or_pad(image, 2, 2), tf.float32)


class _PipelineTestCase(tf.test.TestCase):
  """Helpers; no tests."""

  def _run_all(self, data, max_batches=None):
    """Runs the pipeline to its end (or max_batches); returns the batches."""
    batch = tf.data.make_one_shot_iterator(data).get_next()
    batches = []
    with tf.Session() as sess:
      while max_batches is None or len(batches) < max_batches:
        try:
          batches.append(sess.run(batch))
        except tf.errors.OutOfRangeError:
          break
    return batches

  def _write_split(self, tmp, sizes, **kwargs):
    """Writes files of `sizes` records; label and image follow the index."""
    files, start = [], 0
    for i, size in enumerate(sizes):
      path = os.path.join(tmp, 'fake_%05d.tfrecord' % i)
      fake_data.write_records(path, [(start + j) % 10 for j in range(size)],
                              start_index=start, **kwargs)
      files.append(path)
      start += size
    return files


class InputPipelineTest(_PipelineTestCase):

  def test_count_records(self):
    files = self._write_split(self.get_temp_dir(), [3, 0, 5])
    self.assertEqual(input_pipeline.count_records(files), 8)

  def test_count_records_names_truncated_file(self):
    path = self._write_split(self.get_temp_dir(), [3])[0]
    with open(path, 'r+b') as f:
      f.truncate(os.path.getsize(path) - 3)
    with self.assertRaisesRegex(ValueError, 'fake_00000.tfrecord is '
                                'truncated'):
      input_pipeline.count_records([path])

  def test_round_trip_through_factory(self):
    tmp = self.get_temp_dir()
    fake_data.write_records(os.path.join(tmp, 'mnist_test.tfrecord'),
                            labels=[4, 7], height=5, width=3, channels=1)
    dataset = dataset_factory.get_dataset('mnist', 'test', tmp)
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(dataset, None, batch_size=8,
                                         is_training=False)
      self.assertEqual(data.output_shapes['image'].as_list()[-1], 1)
      batches = self._run_all(data)
    self.assertLen(batches, 1)
    self.assertAllEqual(batches[0]['label'], [4, 7])
    self.assertEqual(batches[0]['image'].dtype, np.float32)
    self.assertAllEqual(batches[0]['image'][1],
                        fake_data.image_for(1, 5, 3, 1))

  def test_formats_and_static_channels(self):
    tmp = self.get_temp_dir()
    gray = os.path.join(tmp, 'gray.tfrecord')
    fake_data.write_records(gray, [1], height=3, width=3, channels=1)
    raw = os.path.join(tmp, 'raw.tfrecord')
    fake_data.write_records(raw, [2], start_index=1, height=3, width=3,
                            image_format='raw')
    jpeg = os.path.join(tmp, 'jpeg.tfrecord')
    fake_data.write_records(jpeg, [3], height=3, width=3,
                            image_format='jpeg')
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset([gray, jpeg, raw], 3), _to_float, batch_size=3,
          is_training=False)
      self.assertEqual(data.output_shapes['image'].as_list()[-1], 3)
      batch, = self._run_all(data)
    self.assertAllEqual(batch['label'], [1, 3, 2])  # Sorted file order.
    self.assertAllEqual(batch['image'][0],
                        np.tile(fake_data.image_for(0, 3, 3, 1), [1, 1, 3]))
    self.assertAllEqual(batch['image'][2], fake_data.image_for(1, 3, 3, 3))

  def test_uniform_and_mixed_batches_decode_alike(self):
    # All-PNG and all-JPEG batches take their own decoders, mixed ones the
    # general path; raw pixels that happen to start like a PNG stay raw.
    tmp = self.get_temp_dir()
    png_like = np.frombuffer(b'\x89PNG' + bytes(range(23)), np.uint8)
    raw_path = os.path.join(tmp, 'raw.tfrecord')
    with tf.io.TFRecordWriter(raw_path) as writer:
      writer.write(dataset_utils.image_to_tfexample(
          png_like.tobytes(), b'raw', 3, 3, 0).SerializeToString())
    paths = {}
    for image_format in ('png', 'jpeg'):
      paths[image_format] = os.path.join(tmp, image_format + '.tfrecord')
      fake_data.write_records(paths[image_format], [1, 2], height=4, width=5,
                              image_format=image_format)
    pixels = [fake_data.image_for(index, 4, 5, 3) for index in (0, 1)]
    with tf.Graph().as_default():
      decoded_jpegs = [tf.image.decode_image(dataset_utils.encode_jpeg(image),
                                             channels=3) for image in pixels]
      with tf.Session() as sess:
        expected = {'png': pixels, 'jpeg': sess.run(decoded_jpegs)}
    for names in (['png'], ['jpeg'], ['jpeg', 'png']):
      with tf.Graph().as_default():
        batch, = self._run_all(input_pipeline.make_dataset(
            _dataset([paths[name] for name in names], 4), _to_float,
            batch_size=4, is_training=False))
      # Files are read in sorted order, two images each.
      expected_images = [image for name in sorted(names)
                         for image in expected[name]]
      self.assertAllEqual(batch['image'], expected_images, msg=str(names))
    with tf.Graph().as_default():
      batch, = self._run_all(input_pipeline.make_dataset(
          _dataset([raw_path], 1), _to_float, batch_size=1,
          is_training=False))
    self.assertAllEqual(batch['image'][0], png_like.reshape(3, 3, 3))

  def test_training_batches_are_full_shuffled_and_repeat(self):
    files = self._write_split(self.get_temp_dir(), [7, 6], height=2, width=2)

    def labels_of_first_batches(seed):
      with tf.Graph().as_default():
        data = input_pipeline.make_dataset(
            _dataset(files, 13), _to_float_2x2, batch_size=5,
            is_training=True, num_readers=2, num_preprocessing_threads=2,
            seed=seed)
        self.assertEqual(data.output_shapes['image'].as_list(),
                         [5, 2, 2, 3])
        batches = self._run_all(data, max_batches=6)
      self.assertTrue(all(len(b['label']) == 5 for b in batches))
      self.assertTrue(all((b['index'] == -1).all() for b in batches))
      return np.concatenate([b['label'] for b in batches])

    labels = labels_of_first_batches(seed=3)
    self.assertLen(labels, 30)  # 30 > 13 examples: it repeats.
    self.assertAllEqual(labels, labels_of_first_batches(seed=3))
    self.assertNotAllEqual(labels[:13], (np.arange(13) % 10))

  def test_cached_training_reads_the_files_once_and_reshuffles(self):
    files = self._write_split(self.get_temp_dir(), [7, 6], height=2, width=2)
    with tf.Graph().as_default():
      # One batch per epoch: the default shuffle buffer is the whole split.
      data = input_pipeline.make_dataset(
          _dataset(files, 13), _to_float_2x2, batch_size=13,
          is_training=True, num_readers=2, num_preprocessing_threads=2,
          seed=1, cache=True)
      batch = tf.data.make_one_shot_iterator(data).get_next()
      with tf.Session() as sess:
        epochs = [sess.run(batch)]
        for path in files:  # Later epochs come from memory.
          os.remove(path)
        epochs.extend(sess.run(batch) for _ in range(10))
    every_label = np.sort(np.arange(13) % 10)
    for epoch in epochs:
      self.assertAllEqual(np.sort(epoch['label']), every_label)
      self.assertTrue((epoch['index'] == -1).all())
      self.assertEqual(epoch['image'].shape, (13, 2, 2, 3))
    orders = {tuple(epoch['label']) for epoch in epochs}
    self.assertGreater(len(orders), 1)  # Reshuffled every epoch.

  def test_autotune_model_off_on_tf1(self):
    # TF 1.15 can crash at session close with it (see the function's doc).
    if tfcompat.IS_TF2:
      self.skipTest('TF 2 keeps tf.data autotuning.')
    files = self._write_split(self.get_temp_dir(), [3])
    for is_training in (True, False):
      with tf.Graph().as_default():
        data = input_pipeline.make_dataset(_dataset(files, 3), _to_float, 2,
                                           is_training)
        self.assertIs(data.options().experimental_optimization.autotune,
                      False)

  def test_training_num_epochs_drops_remainder(self):
    files = self._write_split(self.get_temp_dir(), [13])
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset(files, 13), _to_float, batch_size=5, is_training=True,
          num_epochs=2)
      batches = self._run_all(data)
    self.assertLen(batches, 5)  # 26 examples -> 5 full batches.

  def test_labels_offset(self):
    files = self._write_split(self.get_temp_dir(), [10])
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset(files, 10, num_classes=11), _to_float, batch_size=10,
          is_training=False, labels_offset=0)
      self.assertAllEqual(self._run_all(data)[0]['label'], np.arange(10))
    # Labels 0..9 with offset 1 include label 0 -> -1: out of range.
    files = self._write_split(self.get_temp_dir(), [9])
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset(files[:1], 9, num_classes=10), _to_float, batch_size=9,
          is_training=False, labels_offset=1)
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  '--labels_offset'):
        self._run_all(data)

  def test_shifted_labels_with_background(self):
    tmp = self.get_temp_dir()
    path = os.path.join(tmp, 'bg.tfrecord')
    fake_data.write_records(path, [1, 5, 1000])
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset([path], 3, num_classes=1001), _to_float, batch_size=3,
          is_training=False, labels_offset=1)
      self.assertAllEqual(self._run_all(data)[0]['label'], [0, 4, 999])

  def test_label_out_of_range_is_an_error(self):
    tmp = self.get_temp_dir()
    path = os.path.join(tmp, 'bad.tfrecord')
    fake_data.write_records(path, [0, 1, 5])
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(
          _dataset([path], 3, num_classes=5), _to_float, batch_size=3,
          is_training=False)
      with self.assertRaisesRegex(
          tf.errors.InvalidArgumentError,
          'Check --labels_offset and the num_classes of the dataset'):
        self._run_all(data)

  def test_bad_arguments(self):
    files = self._write_split(self.get_temp_dir(), [1])
    with self.assertRaisesRegex(ValueError, '--labels_offset=10'):
      input_pipeline.make_dataset(_dataset(files, 1), None, 1, False,
                                  labels_offset=10)
    with self.assertRaisesRegex(ValueError, 'batch_size'):
      input_pipeline.make_dataset(_dataset(files, 1), None, 0, False)


class BatchedPreprocessingTest(_PipelineTestCase):
  """Same-size PNG or JPEG batches run a pure preprocess_fn on the batch."""

  # The batched path is tried once in a scratch graph, then built in the
  # pipeline for PNG and for JPEG batches.
  _BATCHED_BUILDS = [True] * 3

  def _lenet_4x4(self, image):
    return lenet_preprocessing.preprocess_image(image, 4, 4)

  def _expected(self, sizes, image_format='png'):
    """_lenet_4x4 of each image, decoded and preprocessed one at a time."""
    with tf.Graph().as_default():
      outputs = []
      for index, (height, width) in enumerate(sizes):
        image = fake_data.image_for(index, height, width, 1)
        if image_format == 'jpeg':  # The bytes the file holds, decoded.
          image = tf.io.decode_jpeg(dataset_utils.encode_jpeg(image), 1)
        outputs.append(self._lenet_4x4(tf.convert_to_tensor(image)))
      with tf.Session() as sess:
        return sess.run(outputs)

  def _run_with_spy(self, sizes, batch_size=None, image_format='png'):
    """Reads a file of images of `sizes`; (images, batched calls)."""
    path = os.path.join(self.get_temp_dir(), 'sizes.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
      for index, (height, width) in enumerate(sizes):
        writer.write(fake_data.example(
            index, index, height=height, width=width, channels=1,
            image_format=image_format).SerializeToString())
    batched = []
    real = input_pipeline._pfor

    def recording(image_fn, images):
      result = real(image_fn, images)
      batched.append(result is not None)
      return result

    with mock.patch.object(input_pipeline, '_pfor', recording):
      with tf.Graph().as_default():
        data = input_pipeline.make_dataset(
            _dataset([path], len(sizes), channels=1), self._lenet_4x4,
            batch_size=batch_size or len(sizes), is_training=False)
        self.assertEqual(data.output_shapes['image'].as_list(),
                         [None, 4, 4, 1])
        batches = self._run_all(data)
    return np.concatenate([batch['image'] for batch in batches]), batched

  def test_same_size_images_match_image_by_image(self):
    sizes = [(6, 5)] * 3
    for image_format in ('png', 'jpeg'):
      images, batched = self._run_with_spy(sizes, image_format=image_format)
      self.assertEqual(batched, self._BATCHED_BUILDS)
      self.assertAllClose(images, self._expected(sizes, image_format))

  def test_images_of_different_sizes_match_image_by_image(self):
    # The same graph: at run time the sizes (from the PNG headers, or
    # extract_jpeg_shape) differ, so the images are decoded and preprocessed
    # one at a time.
    sizes = [(6, 5), (3, 7), (6, 5)]
    for image_format in ('png', 'jpeg'):
      images, batched = self._run_with_spy(sizes, image_format=image_format)
      self.assertEqual(batched, self._BATCHED_BUILDS)
      self.assertAllClose(images, self._expected(sizes, image_format))

  def test_partial_batch_and_large_batches(self):
    # Batches of 3 from 5 same-size PNGs: the last batch has 2 images, padded
    # to 3 for the one-op-per-image decode. With chunks of 2 the decode
    # unrolls 2 images per step of a tf.map_fn over 2 chunks (the batch
    # padded to 4); every way matches image by image.
    sizes = [(6, 5)] * 5
    expected = self._expected(sizes)
    for chunk, unrolled_size in ((3, 3), (2, 2)):
      unrolled = mock.Mock(wraps=input_pipeline._unrolled)
      with mock.patch.object(input_pipeline, '_UNROLLED_IMAGES',
                             chunk), mock.patch.object(
                                 input_pipeline, '_unrolled', unrolled):
        images, batched = self._run_with_spy(sizes, batch_size=3)
      self.assertEqual(batched, self._BATCHED_BUILDS)
      # Unrolled: the PNG decode, the JPEG sizes and the JPEG decode.
      self.assertEqual([c[0][2] for c in unrolled.call_args_list],
                       [unrolled_size] * 3)
      self.assertAllClose(images, expected)

  def test_unrolled_pads_a_partial_batch(self):
    with tf.Graph().as_default():
      elements = tf.placeholder(tf.int32, [None, 2])
      squares = input_pipeline._unrolled(tf.square, elements, 4)
      self.assertEqual(squares.shape.as_list(), [None, 2])
      with tf.Session() as sess:
        for count in (1, 3, 4):
          values = np.arange(2 * count).reshape(count, 2)
          self.assertAllEqual(
              sess.run(squares, {elements: values}), values ** 2)

  def test_unrolled_in_chunks_pads_to_whole_chunks(self):
    with tf.Graph().as_default(), mock.patch.object(
        input_pipeline, '_UNROLLED_IMAGES', 2):
      elements = tf.placeholder(tf.int32, [None, 2])
      squares = input_pipeline._unrolled_in_chunks(tf.square, elements, 5,
                                                   tf.int32)
      self.assertEqual(squares.shape.as_list(), [None, 2])
      with tf.Session() as sess:
        for count in (1, 2, 3, 5):
          values = np.arange(2 * count).reshape(count, 2)
          self.assertAllEqual(
              sess.run(squares, {elements: values}), values ** 2)

  def test_graph_size_does_not_grow_with_the_batch(self):
    # Unrolling a whole batch of 500 made an evaluation pipeline take
    # 14-16 s to build and start; the chunks keep one chunk's ops.
    def decode_ops(graph):
      graph_def = graph.as_graph_def()
      nodes = list(graph_def.node) + [
          node for function in graph_def.library.function
          for node in function.node_def]
      return sum(node.op == 'DecodePng' for node in nodes)

    def chunk_decode_ops(batch_size):
      with tf.Graph().as_default() as graph:
        input_pipeline._unrolled_in_chunks(
            lambda data: tf.io.decode_png(data, channels=1),
            tf.placeholder(tf.string, [None]), batch_size, tf.uint8)
      return decode_ops(graph)

    def pipeline_decode_ops(batch_size):
      with tf.Graph().as_default() as graph:
        input_pipeline.make_dataset(
            _dataset(['unread.tfrecord'], 2000, channels=1),
            self._lenet_4x4, batch_size=batch_size, is_training=False)
      return decode_ops(graph)

    chunk = input_pipeline._UNROLLED_IMAGES
    self.assertEqual(chunk_decode_ops(chunk - 1), chunk - 1)
    self.assertEqual(chunk_decode_ops(64), chunk)
    self.assertEqual(chunk_decode_ops(1000), chunk)
    self.assertEqual(pipeline_decode_ops(1000), pipeline_decode_ops(64))

  def test_vectorized_map_equals_map_fn(self):
    images = np.random.RandomState(0).randint(
        0, 256, (5, 36, 36, 3)).astype(np.uint8)
    for preprocess in (
        lambda image: lenet_preprocessing.preprocess_image(image, 28, 28),
        lambda image: cifarnet_preprocessing.preprocess_image(
            image, 32, 32, is_training=False)):
      with tf.Graph().as_default():
        batch = tf.constant(images)
        batched = input_pipeline.vectorized_map(preprocess, batch)
        self.assertIsNotNone(batched)
        one_by_one = tf.map_fn(preprocess, batch, dtype=tf.float32)
        with tf.Session() as sess:
          batched, one_by_one = sess.run([batched, one_by_one])
      self.assertAllClose(batched, one_by_one, atol=1e-5)

  def test_functions_that_are_not_batched(self):
    def unique_pixels(image):  # No pfor converter for Unique.
      return tf.cast(tf.unique(tf.reshape(image, [-1]))[0][:1], tf.float32)

    def noisy(image):  # Stateful: pfor would leave a random op behind.
      return tf.cast(image, tf.float32) + tf.random.uniform([])

    with tf.Graph().as_default():
      images = tf.zeros([2, 4, 4, 1], tf.uint8)
      self.assertIsNone(input_pipeline.vectorized_map(unique_pixels, images))
    self.assertIsNone(input_pipeline._vectorized_output_shape(unique_pixels, 1))
    self.assertIsNone(input_pipeline._vectorized_output_shape(noisy, 1))
    self.assertEqual(
        input_pipeline._vectorized_output_shape(self._lenet_4x4, 1).as_list(),
        [4, 4, 1])


class MetadataDrivenEvalTest(_PipelineTestCase):
  """A 350-example split through the factory, as the eval binary reads it."""

  def test_eval_yields_every_example_once_with_partial_batch(self):
    tmp = self.get_temp_dir()
    info = dataset_utils.write_sharded_split(
        tmp, 'flowers', 'validation', list(range(350)),
        lambda i: fake_data.example(i, i % 5, height=2, width=1), 5)
    dataset_utils.write_metadata(tmp, dataset_utils.make_metadata(
        'flowers', {'validation': info}, ['a', 'b', 'c', 'd', 'e'], 3,
        layout='flowers'))
    dataset = dataset_factory.get_dataset('flowers', 'validation', tmp)
    self.assertEqual(dataset.num_samples, 350)
    with tf.Graph().as_default():
      data = input_pipeline.make_dataset(dataset, _to_float, batch_size=100,
                                         is_training=False,
                                         num_preprocessing_threads=2)
      batches = self._run_all(data)
    self.assertEqual([len(b['label']) for b in batches], [100, 100, 100, 50])
    index = np.concatenate([b['index'] for b in batches])
    labels = np.concatenate([b['label'] for b in batches])
    self.assertAllEqual(index, np.arange(350))
    self.assertAllEqual(labels, np.arange(350) % 5)
    self.assertAllEqual(batches[3]['image'][-1],
                        fake_data.image_for(349, 2, 1, 3))


if __name__ == '__main__':
  tf.test.main()
