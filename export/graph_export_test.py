"""Tests for export.graph_export: node names, restore with EMA, freezing."""
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf

from export import graph_export
from export import testing
from training import runtime


def _probabilities(graph_def, feed):
  with tf.Graph().as_default() as graph:
    tf.import_graph_def(graph_def, name='')
    with tf.Session(graph=graph) as session:
      return session.run('probabilities:0', {'input:0': feed})


def _frozen(config, checkpoint, use_moving_averages=False, **kwargs):
  """(frozen GraphDef, probabilities of the restored graph on a probe)."""
  with tf.Graph().as_default() as graph:
    nodes = graph_export.build_inference_graph(config, **kwargs)
    with tf.Session() as session:
      graph_export.restore(session, checkpoint, use_moving_averages)
      probe = graph_export.probe_input(graph_export.read_metadata(graph))
      expected = session.run(nodes.probabilities, {nodes.input: probe})
      return graph_export.freeze(session, graph), probe, expected


class BuildTest(tf.test.TestCase):

  def test_node_names_shapes_and_metadata(self):
    with tf.Graph().as_default() as graph:
      nodes = graph_export.build_inference_graph(testing.lenet_config(),
                                                 batch_size=3)
      self.assertEqual(nodes.input.op.name, 'input')
      self.assertEqual(nodes.input.dtype, tf.float32)
      self.assertEqual(nodes.input.get_shape().as_list(), [3, 28, 28, 1])
      for name in ('logits', 'probabilities', 'output'):
        self.assertEqual(graph.get_tensor_by_name(name + ':0').get_shape()
                         .as_list(), [3, 10])
      metadata = graph_export.read_metadata(graph)
    self.assertEqual(metadata['model_name'], 'lenet')
    self.assertEqual(metadata['input_type'], 'float')
    self.assertEqual(metadata['network_channels'], 1)
    self.assertEqual(metadata['label_names'][3], 'digit 3')
    self.assertEqual(metadata['temperature'], 1.0)

  def test_variable_batch_and_grayscale_from_rgb(self):
    # cifarnet preprocessing turns one channel into three unless grayscale.
    config = testing.lenet_config(model_name='cifarnet', image_size=32,
                                  preprocessing_name='cifarnet')
    with tf.Graph().as_default():
      nodes = graph_export.build_inference_graph(config)
      self.assertEqual(nodes.input.get_shape().as_list(), [None, 32, 32, 3])
    with tf.Graph().as_default():
      nodes = graph_export.build_inference_graph(
          config._replace(num_channels=3, use_grayscale=True))
      self.assertEqual(nodes.input.get_shape().as_list(), [None, 32, 32, 1])

  def test_taken_node_name_is_an_error(self):
    with tf.Graph().as_default():
      tf.constant(0.0, name='logits')
      with self.assertRaisesRegex(ValueError, 'already taken'):
        graph_export.build_inference_graph(testing.lenet_config())

  def test_input_types(self):
    for input_type, dtype, shape in (('uint8', tf.uint8, [None, None, None, 1]),
                                     ('encoded', tf.string, [None])):
      with tf.Graph().as_default():
        nodes = graph_export.build_inference_graph(testing.lenet_config(),
                                                   input_type=input_type)
        self.assertEqual(nodes.input.dtype, dtype)
        self.assertEqual(nodes.input.get_shape().as_list(), shape)
    with tf.Graph().as_default():
      with self.assertRaisesRegex(runtime.UserError, 'float, uint8, encoded'):
        graph_export.build_inference_graph(testing.lenet_config(),
                                           input_type='jpeg')


class FreezeTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(FreezeTest, cls).setUpClass()
    cls.directory = tempfile.mkdtemp(prefix='graph_export_test_')
    cls.checkpoint = testing.lenet_checkpoint(cls.directory)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.directory, ignore_errors=True)
    super(FreezeTest, cls).tearDownClass()

  def test_frozen_equals_restored_with_and_without_ema(self):
    config = testing.lenet_config()
    plain, probe, plain_expected = _frozen(config, self.checkpoint)
    ema, _, ema_expected = _frozen(config, self.checkpoint,
                                   use_moving_averages=True)
    self.assertAllClose(_probabilities(plain, probe), plain_expected,
                        atol=1e-6, rtol=0)
    self.assertAllClose(_probabilities(ema, probe), ema_expected, atol=1e-6,
                        rtol=0)
    # The shadows (half the weights) really were read.
    self.assertGreater(np.max(np.abs(plain_expected - ema_expected)), 1e-3)
    # No variables left; the documented nodes kept.
    self.assertFalse([n for n in plain.node if 'Variable' in n.op])
    names = {n.name for n in plain.node}
    self.assertLessEqual(set(graph_export.OUTPUT_NODES) | {'input'}, names)

  def test_uint8_and_encoded_inputs_preprocess_in_the_graph(self):
    config = testing.lenet_config()
    frozen = {t: _frozen(config, self.checkpoint, input_type=t)[0]
              for t in graph_export.INPUT_TYPES}
    pixels = np.random.RandomState(1).randint(
        0, 256, size=(2, 30, 26, 1)).astype(np.uint8)
    with tf.Graph().as_default():
      preprocessed = tf.Session().run(tf.map_fn(
          graph_export.eval_preprocessing(config._asdict()),
          tf.constant(pixels), dtype=tf.float32))
    from datasets import dataset_utils  # pylint: disable=g-import-not-at-top
    encoded = np.array([dataset_utils.encode_png(p) for p in pixels],
                       dtype=object)
    expected = _probabilities(frozen['float'], preprocessed)
    self.assertAllClose(_probabilities(frozen['uint8'], pixels), expected,
                        atol=1e-6, rtol=0)
    self.assertAllClose(_probabilities(frozen['encoded'], encoded), expected,
                        atol=1e-6, rtol=0)

  def test_temperature_divides_the_logits(self):
    config = testing.lenet_config()
    frozen, probe, _ = _frozen(config, self.checkpoint, temperature=2.5)
    with tf.Graph().as_default() as graph:
      tf.import_graph_def(frozen, name='')
      logits, probabilities = tf.Session().run(
          ['logits:0', 'probabilities:0'], {'input:0': probe})
      self.assertEqual(graph_export.read_metadata(graph)['temperature'], 2.5)
    scaled = logits / 2.5
    expected = np.exp(scaled) / np.sum(np.exp(scaled), 1, keepdims=True)
    self.assertAllClose(probabilities, expected, atol=1e-6)

  def test_missing_moving_averages_is_an_error(self):
    plain_checkpoint = testing.lenet_checkpoint(
        os.path.join(self.get_temp_dir(), 'plain'), with_moving_averages=False)
    with tf.Graph().as_default():
      graph_export.build_inference_graph(testing.lenet_config())
      with self.assertRaisesRegex(runtime.UserError,
                                  'ExponentialMovingAverage is missing.*'
                                  'trained without'):
        graph_export.restore_plan(plain_checkpoint, use_moving_averages=True)

  def test_channel_mismatch_suggests_num_channels(self):
    with tf.Graph().as_default():
      graph_export.build_inference_graph(testing.lenet_config(num_channels=3))
      with self.assertRaisesRegex(runtime.UserError, '--num_channels'):
        graph_export.restore_plan(self.checkpoint)

  def test_write_and_load_binary_and_text(self):
    frozen, _, _ = _frozen(testing.lenet_config(), self.checkpoint)
    path = os.path.join(self.get_temp_dir(), 'frozen.pb')
    graph_export.write_graph_def(frozen, path)
    self.assertEqual(graph_export.load_graph_def(path), frozen)
    with tf.Graph().as_default() as graph:  # Text: small without weights.
      graph_export.build_inference_graph(testing.lenet_config())
    path = os.path.join(self.get_temp_dir(), 'graph.pbtxt')
    graph_export.write_graph_def(graph.as_graph_def(), path, as_text=True)
    with open(path) as f:
      self.assertIn('name: "input"', f.read())
    self.assertEqual(graph_export.load_graph_def(path), graph.as_graph_def())
    with self.assertRaisesRegex(runtime.UserError, 'nope.pb does not exist'):
      graph_export.load_graph_def(os.path.join(self.get_temp_dir(),
                                               'nope.pb'))


class MetadataAndEmaWarningTest(tf.test.TestCase):

  def test_graph_without_metadata_is_named(self):
    with tf.Graph().as_default() as graph:
      tf.constant(1.0, name='x')
      with self.assertRaisesRegex(runtime.UserError,
                                  'other.pb has no export_metadata'):
        graph_export.read_metadata(graph, 'other.pb')

  def test_ema_mismatch_warning(self):
    trained_with = {'resolved': {'uses_moving_averages': True,
                                 'moving_average_decay': 0.99}}
    self.assertIn('--use_moving_averages',
                  graph_export.warn_on_ema_mismatch(trained_with, False))
    self.assertIsNone(graph_export.warn_on_ema_mismatch(trained_with, True))
    self.assertIsNone(graph_export.warn_on_ema_mismatch({}, True))
    self.assertIn('trained without', graph_export.warn_on_ema_mismatch(
        {'resolved': {'moving_average_decay': None}}, True))

  def test_node_description_names_the_nodes(self):
    metadata = graph_export.make_metadata(testing.lenet_config(),
                                          channels_out=1)
    text = '\n'.join(graph_export.node_description(metadata))
    self.assertIn('input  float32 [?, 28, 28, 1]', text)
    self.assertIn('probabilities  float32 [?, 10]', text)
    self.assertIn('also named output', text)
    json.dumps(metadata)  # JSON-able.


if __name__ == '__main__':
  tf.test.main()
