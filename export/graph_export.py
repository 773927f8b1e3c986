"""Inference graphs with documented node names, restore with EMA, freezing.

The graph a user deploys has these nodes, whatever the model (PITFALLS 7):

  input            the placeholder fed by the caller (see INPUT_TYPES):
                     'float'   float32 [batch, S, S, C]: images already
                               through the model's eval preprocessing
                               (TF-Slim's convention; classify_image.py
                               applies that preprocessing before feeding);
                     'uint8'   uint8 [batch, H, W, channels]: decoded pixels
                               of any size; the eval preprocessing is in the
                               graph;
                     'encoded' string [batch]: JPEG/PNG/GIF/BMP file bytes;
                               decoding and eval preprocessing are in the
                               graph.
  logits           float32 [batch, num_classes], the network's logits.
  probabilities    float32 [batch, num_classes], softmax(logits / T) with
                   T = 1 unless a fitted temperature was applied.
  output           the same tensor as `probabilities` under the name
                   TF-Slim users look for.
  export_metadata  a string constant holding JSON: model, classes, labels
                   offset, class names, preprocessing, image size, channels,
                   input type, temperature, checkpoint, moving averages.

The network is built with `is_training=False` (batch norm on its moving
statistics, dropout off). Restores compare the graph with the checkpoint
first (training.restore) and, with moving averages, read every model
variable from its `.../ExponentialMovingAverage` shadow, failing when the
checkpoint has none. Freezing turns the restored variables into constants
(tf.graph_util.convert_variables_to_constants) and keeps exactly
the nodes above and what they need.

Typical use:

  with tf.Graph().as_default() as graph:
    nodes = graph_export.build_inference_graph(config)
    with tf.Session() as session:
      graph_export.restore(session, checkpoint, use_moving_averages=True)
      frozen = graph_export.freeze(session, graph)
  graph_export.write_graph_def(frozen, '/tmp/lenet_frozen.pb')
"""
import collections
import json
import os

from absl import logging
from google.protobuf import text_format
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_utils
from nets import nets_factory
from preprocessing import preprocessing_factory
from training import model_setup
from training import restore as restore_lib
from training import runtime

INPUT_NODE = 'input'
LOGITS_NODE = 'logits'
PROBABILITIES_NODE = 'probabilities'
OUTPUT_NODE = 'output'
METADATA_NODE = 'export_metadata'
OUTPUT_NODES = (LOGITS_NODE, PROBABILITIES_NODE, OUTPUT_NODE, METADATA_NODE)
INPUT_TYPES = ('float', 'uint8', 'encoded')
METADATA_VERSION = 1
# Only the shadow variable names matter when restoring moving averages.
_ANY_DECAY = 0.9999

InferenceGraph = collections.namedtuple('InferenceGraph', [
    'input', 'logits', 'probabilities', 'output', 'metadata', 'end_points'])

_StubDataset = collections.namedtuple('_StubDataset', [
    'name', 'num_classes', 'has_background'])


def decode_image(data, channels):
  """Decodes JPEG/PNG/GIF/BMP bytes to uint8 [H, W, channels].

  The same call as the input pipeline's (datasets/input_pipeline.py), so an
  image file gives the pixels its TFRecord would.
  """
  image = tf.image.decode_image(data, channels=channels,
                                expand_animations=False)
  image.set_shape([None, None, channels])
  return image


def eval_preprocessing(metadata):
  """fn(uint8 [H, W, C] image) -> the model's eval input [S, S, C'].

  Args:
    metadata: a dict with 'preprocessing_name', 'image_size' and
      'use_grayscale' (an InferenceConfig's fields or export_metadata).
  """
  preprocessing_fn = preprocessing_factory.get_preprocessing(
      metadata['preprocessing_name'], is_training=False,
      use_grayscale=metadata['use_grayscale'])
  size = metadata['image_size']
  return lambda image: preprocessing_fn(image, size, size)


def network_channels(preprocess_fn, num_channels):
  """The channel count the preprocessing hands to the network.

  Args:
    preprocess_fn: fn(uint8 image) -> float image.
    num_channels: channels of the decoded images.

  Returns:
    The static channel count of the preprocessed image.
  """
  with tf.Graph().as_default():
    image = tf.placeholder(tf.uint8, [None, None, num_channels])
    return int(preprocess_fn(image).get_shape()[-1])


def _named(tensor, name):
  """tf.identity(tensor, name), failing if TensorFlow had to rename it."""
  named = tf.identity(tensor, name=name)
  if named.op.name != name:
    raise ValueError('Node name %r is already taken in the graph (got %r); '
                     'build the inference graph in a fresh tf.Graph().' %
                     (name, named.op.name))
  return named


def _input_and_images(input_type, batch_size, preprocess_fn, num_channels,
                      image_size, channels_out):
  """The `input` placeholder and the network's preprocessed images."""
  if input_type == 'float':
    placeholder = tf.placeholder(
        tf.float32, [batch_size, image_size, image_size, channels_out],
        name=INPUT_NODE)
    return placeholder, placeholder
  if input_type == 'uint8':
    placeholder = tf.placeholder(
        tf.uint8, [batch_size, None, None, num_channels], name=INPUT_NODE)
    one_image = preprocess_fn
  elif input_type == 'encoded':
    placeholder = tf.placeholder(tf.string, [batch_size],
                                           name=INPUT_NODE)
    one_image = lambda data: preprocess_fn(decode_image(data, num_channels))
  else:
    raise runtime.UserError('--input_type must be one of %s, got %r.' % (
        ', '.join(INPUT_TYPES), input_type))
  with tf.name_scope('preprocessing'):
    images = tf.map_fn(one_image, placeholder, dtype=tf.float32,
                       back_prop=False)
  images.set_shape([batch_size, image_size, image_size, channels_out])
  return placeholder, images


def make_metadata(config, input_type='float', batch_size=None,
                  temperature=1.0, is_training=False, channels_out=None,
                  **extra):
  """The JSON-able dict stored in the export_metadata node.

  Args:
    config: an InferenceConfig.
    input_type: one of INPUT_TYPES.
    batch_size: the static batch size, or None.
    temperature: T in softmax(logits / T).
    is_training: the mode the network was built in.
    channels_out: channels of the network input.
    **extra: more fields (e.g. checkpoint, moving averages).

  Returns:
    A dict.
  """
  metadata = dict(config._asdict())
  metadata.update(
      format_version=METADATA_VERSION, input_type=input_type,
      batch_size=batch_size, temperature=float(temperature),
      is_training=bool(is_training), network_channels=channels_out,
      input_node=INPUT_NODE, logits_node=LOGITS_NODE,
      probabilities_node=PROBABILITIES_NODE, output_node=OUTPUT_NODE)
  metadata.update(extra)
  return metadata


def _quantize_eval_graph():
  """Rewrites the default graph for quantized inference (needs tf.contrib)."""
  runtime.contrib_quantize().create_eval_graph()


def build_inference_graph(config, batch_size=None, input_type='float',
                          is_training=False, temperature=1.0, quantize=False,
                          **extra_metadata):
  """Builds the inference graph in the default graph (see module docstring).

  Args:
    config: an InferenceConfig.
    batch_size: static batch size of `input`, or None for any.
    input_type: one of INPUT_TYPES.
    is_training: build the network in training mode (TF-Slim's flag; a
      graph to freeze must be built with False).
    temperature: T > 0 dividing the logits before the softmax.
    quantize: rewrite the graph for quantized inference (tf.contrib).
    **extra_metadata: more fields for the export_metadata node.

  Returns:
    An InferenceGraph of the named tensors.

  Raises:
    ValueError: unknown names or input type; a node name already taken.
  """
  if not temperature > 0:  # NaN too. pylint: disable=unneeded-not
    raise runtime.UserError('The temperature must be > 0, got %r.' %
                            temperature)
  stub = _StubDataset('the exported model', config.num_classes +
                      config.labels_offset, False)
  setup = model_setup.resolve(
      config.model_name, stub, is_training=False,
      labels_offset=config.labels_offset,
      preprocessing_name=config.preprocessing_name,
      image_size=config.image_size, use_grayscale=config.use_grayscale)
  network_fn = setup.network_fn
  if is_training:
    network_fn = nets_factory.get_network_fn(
        config.model_name, num_classes=config.num_classes, is_training=True)
  preprocess_fn = eval_preprocessing(config._asdict())
  channels_out = network_channels(preprocess_fn, config.num_channels)
  placeholder, images = _input_and_images(
      input_type, batch_size, preprocess_fn, config.num_channels,
      config.image_size, channels_out)
  logits, end_points = network_fn(images)
  if quantize:
    _quantize_eval_graph()
  logits = _named(logits, LOGITS_NODE)
  scaled = logits if temperature == 1.0 else logits / float(temperature)
  probabilities = tf.nn.softmax(scaled, name=PROBABILITIES_NODE)
  if probabilities.op.name != PROBABILITIES_NODE:
    raise ValueError('Node name %r is already taken.' % PROBABILITIES_NODE)
  output = _named(probabilities, OUTPUT_NODE)
  metadata = make_metadata(config, input_type, batch_size, temperature,
                           is_training, channels_out, **extra_metadata)
  metadata_node = tf.constant(json.dumps(metadata, sort_keys=True),
                              name=METADATA_NODE)
  return InferenceGraph(placeholder, logits, probabilities, output,
                        metadata_node, end_points)


def check_moving_averages(checkpoint, variables, decay=None):
  """{variable: shadow name} of `variables`, or a UserError when missing.

  Args:
    checkpoint: a checkpoint prefix.
    variables: the variables averaged in training (the model variables).
    decay: the training decay (only the names matter).

  Returns:
    A dict from variable to the name of its moving average.

  Raises:
    runtime.UserError: the checkpoint lacks a shadow variable.
  """
  ema = tf.train.ExponentialMovingAverage(decay or _ANY_DECAY)
  names = tf.train.load_checkpoint(checkpoint).get_variable_to_shape_map()
  shadows = {v: ema.average_name(v) for v in variables}
  missing = sorted(n for n in shadows.values() if n not in names)
  if missing:
    raise runtime.UserError(
        'Moving averages were requested but checkpoint %s has no '
        'moving-average variables (e.g. %s is missing): the model was '
        'trained without --moving_average_decay; export it without '
        '--moving_average_decay/--use_moving_averages.' % (checkpoint,
                                                           missing[0]))
  return shadows


def restore_plan(checkpoint, use_moving_averages=False, decay=None):
  """The RestorePlan of the default graph's variables from `checkpoint`.

  Args:
    checkpoint: a checkpoint prefix.
    use_moving_averages: read model variables from their EMA shadows.
    decay: the training decay (only the names matter).

  Returns:
    A training.restore.RestorePlan.

  Raises:
    ValueError: missing or mismatched variables (the message names them).
  """
  name_map = None
  if use_moving_averages:
    shadows = check_moving_averages(checkpoint, tf.model_variables(),
                                    decay)
    name_map = lambda v: shadows.get(v, v.op.name)
  try:
    return restore_lib.plan_restore(checkpoint,
                                    tf.global_variables(),
                                    name_map=name_map)
  except ValueError as e:
    if 'Shapes differ' not in str(e):
      raise
    raise runtime.UserError(
        '%s If the first layer differs in its input channels (1 vs 3), pass '
        '--num_channels (or --dataset_dir) to match the training images.' % e)


def restore(session, checkpoint, use_moving_averages=False, decay=None):
  """Restores the default graph's variables (EMA shadows when asked)."""
  plan = restore_plan(checkpoint, use_moving_averages, decay)
  tf.train.Saver(plan.var_list).restore(session, checkpoint)
  logging.info('Restored %d variables from %s%s.', len(plan.var_list),
               checkpoint, ' (moving averages)' if use_moving_averages else '')


def warn_on_ema_mismatch(record, use_moving_averages):
  """Warns when the run record's EMA setting disagrees with the export's.

  Args:
    record: the training run record ({} when none).
    use_moving_averages: whether the export reads the shadow variables.

  Returns:
    The warning text, or None.
  """
  resolved = record.get('resolved', {})
  if not resolved:
    return None
  trained = bool(resolved.get('uses_moving_averages',
                              resolved.get('moving_average_decay')))
  if trained == bool(use_moving_averages):
    return None
  if trained:
    message = ('The model was trained with moving_average_decay=%s but is '
               'exported without its moving averages; pass '
               '--use_moving_averages to use the averaged weights that eval '
               'with --moving_average_decay reports.' %
               resolved.get('moving_average_decay'))
  else:
    message = ('Moving averages were requested but the run record says the '
               'model was trained without them.')
  logging.warning(message)
  return message


def freeze(session, graph, output_nodes=OUTPUT_NODES):
  """A GraphDef of `graph` with its restored variables as constants.

  Args:
    session: a session of `graph` with the variables restored.
    graph: the inference graph.
    output_nodes: the node names to keep (with what they need).

  Returns:
    The frozen GraphDef.
  """
  return tf.graph_util.convert_variables_to_constants(
      session, graph.as_graph_def(), list(output_nodes))


def write_graph_def(graph_def, path, as_text=False):
  """Writes a GraphDef as binary protobuf (or text when `as_text`)."""
  tf.io.gfile.makedirs(os.path.dirname(os.path.abspath(path)))
  if as_text:
    with tf.io.gfile.GFile(path, 'w') as f:
      f.write(text_format.MessageToString(graph_def))
  else:
    with tf.io.gfile.GFile(path, 'wb') as f:
      f.write(graph_def.SerializeToString())
  logging.info('Wrote %s (%d nodes).', path, len(graph_def.node))


def load_graph_def(path):
  """Reads a binary (or text, .pbtxt) GraphDef.

  Raises:
    runtime.UserError: the file is missing or not a GraphDef.
  """
  if not tf.io.gfile.exists(path):
    raise runtime.UserError('Graph file %s does not exist; write it with '
                            'export_inference_graph.py --frozen_graph=%s.' %
                            (path, path))
  with tf.io.gfile.GFile(path, 'rb') as f:
    data = f.read()
  graph_def = tf.GraphDef()
  try:
    graph_def.ParseFromString(data)
  except Exception:  # pylint: disable=broad-except
    try:
      text_format.Merge(data.decode('utf-8'), graph_def)
    except Exception:  # pylint: disable=broad-except
      raise runtime.UserError('%s is not a GraphDef (binary or text '
                              'protobuf).' % path)
  return graph_def


def read_metadata(graph, path='the graph'):
  """The export_metadata dict of an imported graph.

  Args:
    graph: a tf.Graph holding the exported nodes (imported with name='').
    path: where the graph came from, for messages.

  Returns:
    The metadata dict.

  Raises:
    runtime.UserError: the graph lacks the node (not written here).
  """
  try:
    op = graph.get_operation_by_name(METADATA_NODE)
  except KeyError:
    raise runtime.UserError(
        '%s has no %s node, so it was not written by '
        'export_inference_graph.py; re-export the checkpoint with '
        'export_inference_graph.py --checkpoint_path=... --frozen_graph=....'
        % (path, METADATA_NODE))
  value = tf.make_ndarray(op.get_attr('value'))
  return json.loads(value.item().decode('utf-8'))


def probe_input(metadata, seed=0):
  """A deterministic input for `input` (one image or a static batch).

  Args:
    metadata: the export_metadata dict.
    seed: random seed.

  Returns:
    A numpy array to feed to the input node.
  """
  rng = np.random.RandomState(seed)
  batch = metadata['batch_size'] or 2
  size = metadata['image_size']
  if metadata['input_type'] == 'float':
    shape = (batch, size, size, metadata['network_channels'])
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
  pixels = rng.randint(0, 256, size=(batch, size + 3, size + 5,
                                     metadata['num_channels'])).astype(
                                         np.uint8)
  if metadata['input_type'] == 'uint8':
    return pixels
  return np.array([dataset_utils.encode_png(p) for p in pixels], dtype=object)


def node_description(metadata):
  """Lines naming the input and output nodes of an exported graph."""
  batch = metadata['batch_size'] or '?'
  size = metadata['image_size']
  inputs = {
      'float': 'float32 [%s, %d, %d, %d]: images after the %s eval '
               'preprocessing' % (batch, size, size,
                                  metadata['network_channels'],
                                  metadata['preprocessing_name']),
      'uint8': 'uint8 [%s, height, width, %d]: decoded pixels (the %s eval '
               'preprocessing is in the graph)' % (
                   batch, metadata['num_channels'],
                   metadata['preprocessing_name']),
      'encoded': 'string [%s]: JPEG/PNG file bytes (decoding and the %s '
                 'eval preprocessing are in the graph)' % (
                     batch, metadata['preprocessing_name']),
  }[metadata['input_type']]
  classes = metadata['num_classes']
  temperature = metadata['temperature']
  return [
      'input node:   %s  %s' % (INPUT_NODE, inputs),
      'output nodes: %s  float32 [%s, %d] softmax(logits%s) (also named %s)'
      % (PROBABILITIES_NODE, batch, classes,
         ' / %.4g' % temperature if temperature != 1.0 else '', OUTPUT_NODE),
      '              %s  float32 [%s, %d] logits of %s' % (
          LOGITS_NODE, batch, classes, metadata['model_name']),
      '              %s  string: JSON (model, labels, preprocessing, ...)' %
      METADATA_NODE,
  ]
