"""Classifies image files with a checkpoint or a frozen graph.

Both sources go through the same code: the image file is decoded exactly as
the input pipeline decodes a TFRecord (tf.image.decode_image with the
model's channel count), then, for a graph whose `input` takes preprocessed
float images (the default export and the checkpoint path), the model's eval
preprocessing (preprocessing_factory, with the preprocessing name, image
size and grayscale setting stored in the graph's export_metadata) runs in a
small separate TensorFlow graph before feeding. A checkpoint is classified by
building the very graph export_inference_graph.py freezes and restoring it,
so the frozen graph and its checkpoint give the same probabilities.
Graphs exported with `--input_type=uint8` are fed decoded pixels, and with
`encoded` the file bytes.

Uncertainty per image (uncertainty.metrics; T = the temperature applied):
  max_prob  maximum softmax probability of logits / T (Hendrycks & Gimpel,
            2017), higher = more confident;
  entropy   predictive entropy of softmax(logits / T) in nats, higher = more
            uncertain (log K at most);
  energy    free energy -logsumexp(logits) (Liu et al., 2020), lower = more
            in-distribution.

Typical use:

  predictor = classify.Predictor.from_frozen_graph('/tmp/lenet_frozen.pb')
  results = classify.classify(predictor, ['/tmp/digit.png'], top_k=5)
  print(classify.format_result(results[0]))
"""
import glob
import os

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from export import export_lib
from export import graph_export
from export import inference_config
from training import runtime
from uncertainty import metrics
from uncertainty import temperature_scaling

DEFAULT_BATCH_SIZE = 32
# Flags that describe the model; a frozen graph records them itself.
_MODEL_FLAGS = ('model_name', 'model_config', 'dataset_dir', 'num_classes',
                'num_channels', 'image_size', 'preprocessing_name',
                'labels_offset', 'use_grayscale', 'use_moving_averages',
                'moving_average_decay', 'use_temperature')
_GLOB_CHARS = '*?['


def expand_image_paths(args):
  """File paths from positional args and comma-separated lists, globs expanded.

  Args:
    args: strings, each a path, a glob or a comma-separated list of them.

  Returns:
    The list of paths, in the order given.

  Raises:
    runtime.UserError: no image given, a missing file or an empty glob.
  """
  paths = []
  for arg in args:
    for item in [s.strip() for s in arg.split(',') if s.strip()]:
      if any(c in item for c in _GLOB_CHARS):
        found = sorted(glob.glob(item))
        if not found:
          raise runtime.UserError('No file matches %s.' % item)
        paths.extend(found)
      elif not os.path.isfile(item):
        raise runtime.UserError('Image file %s does not exist.' % item)
      else:
        paths.append(item)
  if not paths:
    raise runtime.UserError('No image given: pass image files as arguments '
                            '(or --images=a.jpg,b.png).')
  return paths


def read_files(paths):
  """The bytes of each file."""
  contents = []
  for path in paths:
    with open(path, 'rb') as f:
      contents.append(f.read())
  return contents


class ImageDecoder(object):
  """Decodes image bytes and applies a model's eval preprocessing.

  Args:
    metadata: an export_metadata dict (preprocessing_name, image_size,
      use_grayscale, num_channels).
  """

  def __init__(self, metadata):
    self._graph = tf.Graph()
    with self._graph.as_default():
      self._data = tf.placeholder(tf.string, [])
      self._pixels = graph_export.decode_image(self._data,
                                               metadata['num_channels'])
      self._preprocessed = graph_export.eval_preprocessing(metadata)(
          self._pixels)
    self._session = tf.Session(graph=self._graph)

  def _run(self, tensor, data, name):
    try:
      return self._session.run(tensor, {self._data: data})
    except tf.errors.InvalidArgumentError as e:
      raise runtime.UserError('Cannot decode %s as an image (JPEG, PNG, GIF '
                              'or BMP): %s' % (name, e.message.split('\n')[0]))

  def pixels(self, data, name='the image'):
    """uint8 [H, W, C] pixels of encoded image bytes."""
    return self._run(self._pixels, data, name)

  def preprocessed(self, data, name='the image'):
    """float32 [S, S, C'] model input of encoded image bytes."""
    return self._run(self._preprocessed, data, name)

  def close(self):
    self._session.close()


class Predictor(object):
  """Runs input -> (logits, probabilities) of an inference graph.

  Build with `from_checkpoint` or `from_frozen_graph`.

  Attributes:
    metadata: the graph's export_metadata dict.
    session: the session holding the graph.
  """

  def __init__(self, graph, session, metadata):
    self.metadata = metadata
    self.session = session
    self._input = graph.get_tensor_by_name(graph_export.INPUT_NODE + ':0')
    self._fetches = (
        graph.get_tensor_by_name(graph_export.LOGITS_NODE + ':0'),
        graph.get_tensor_by_name(graph_export.PROBABILITIES_NODE + ':0'))
    self._static_batch = tf.compat.dimension_value(
        self._input.get_shape()[0])

  @classmethod
  def from_checkpoint(cls, config, checkpoint, use_moving_averages=False,
                      moving_average_decay=None, temperature=1.0):
    """The float-input inference graph of `config`, restored from a checkpoint.

    Args:
      config: an export.inference_config.InferenceConfig.
      checkpoint: a checkpoint prefix.
      use_moving_averages: read the EMA shadow variables.
      moving_average_decay: the training decay (only the names matter).
      temperature: T in softmax(logits / T).

    Returns:
      A Predictor.
    """
    graph = tf.Graph()
    with graph.as_default():
      graph_export.build_inference_graph(
          config, temperature=temperature, checkpoint=checkpoint,
          moving_averages=bool(use_moving_averages))
      session = tf.Session(graph=graph)
      graph_export.restore(session, checkpoint, use_moving_averages,
                           moving_average_decay)
      return cls(graph, session, graph_export.read_metadata(graph))

  @classmethod
  def from_frozen_graph(cls, path):
    """A frozen graph written by export_inference_graph.py.

    Raises:
      runtime.UserError: missing file, or a graph without export_metadata.
    """
    graph_def = graph_export.load_graph_def(path)
    graph = tf.Graph()
    with graph.as_default():
      tf.import_graph_def(graph_def, name='')
    metadata = graph_export.read_metadata(graph, path)
    return cls(graph, tf.Session(graph=graph), metadata)

  def _run_chunks(self, items, chunk_size):
    """Feeds `items` in chunks (padded to a static batch); concatenates."""
    if self._static_batch:
      chunk_size = self._static_batch
    outputs = []
    for start in range(0, len(items), chunk_size):
      chunk = list(items[start:start + chunk_size])
      real = len(chunk)
      if self._static_batch:
        chunk += [chunk[-1]] * (self._static_batch - real)
      feed = np.stack(chunk) if self.metadata['input_type'] != 'encoded' else (
          np.array(chunk, dtype=object))
      logits, probabilities = self.session.run(self._fetches,
                                               {self._input: feed})
      outputs.append((logits[:real], probabilities[:real]))
    return (np.concatenate([o[0] for o in outputs]),
            np.concatenate([o[1] for o in outputs]))

  def predict(self, contents, names=None, batch_size=DEFAULT_BATCH_SIZE):
    """Logits and probabilities of encoded images.

    Args:
      contents: list of image file bytes.
      names: their names for error messages.
      batch_size: images per run when the graph takes any batch size.

    Returns:
      (logits [N, K], probabilities [N, K]) as float32 arrays.
    """
    names = names or ['image %d' % i for i in range(len(contents))]
    input_type = self.metadata['input_type']
    if input_type == 'encoded':
      return self._run_chunks(contents, batch_size)
    decoder = ImageDecoder(self.metadata)
    try:
      if input_type == 'float':
        return self._run_chunks(
            [decoder.preprocessed(c, n) for c, n in zip(contents, names)],
            batch_size)
      # uint8 images differ in size: one per run.
      outputs = [self._run_chunks([decoder.pixels(c, n)], 1)
                 for c, n in zip(contents, names)]
      return (np.concatenate([o[0] for o in outputs]),
              np.concatenate([o[1] for o in outputs]))
    finally:
      decoder.close()

  def close(self):
    self.session.close()


def uncertainty_scores(logits, temperature=1.0):
  """max_prob, entropy and energy per example (see the module docstring).

  Args:
    logits: [N, K] raw logits.
    temperature: T applied before the softmax.

  Returns:
    A dict of [N] float64 arrays.
  """
  scaled = temperature_scaling.apply_temperature(logits, temperature)
  return {
      'max_prob': metrics.msp(scaled),
      'entropy': -metrics.negative_entropy(scaled),
      'energy': -metrics.energy(np.asarray(logits, np.float64)),
  }


def top_k(probabilities, k):
  """Indices of the k largest probabilities, largest first (stable)."""
  k = min(k, probabilities.shape[-1])
  return np.argsort(-probabilities, kind='stable')[:k]


def class_label(metadata, index):
  """(dataset label, name or None) of class index `index`."""
  names = metadata.get('label_names')
  return (index + metadata['labels_offset'],
          names[index] if names else None)


def classify(predictor, paths, top_k_count=5, batch_size=DEFAULT_BATCH_SIZE):
  """Classifies image files.

  Args:
    predictor: a Predictor.
    paths: image file paths.
    top_k_count: classes to report per image.
    batch_size: images per run.

  Returns:
    One dict per image: 'image', 'top_k' (list of dicts with 'class_index',
    'label', 'name', 'probability'), 'probabilities', 'logits', and the
    uncertainty scores 'max_prob', 'entropy', 'energy'.
  """
  logits, probabilities = predictor.predict(read_files(paths), paths,
                                            batch_size)
  temperature = predictor.metadata['temperature']
  scores = uncertainty_scores(logits, temperature)
  results = []
  for i, path in enumerate(paths):
    best = []
    for index in top_k(probabilities[i], top_k_count):
      label, name = class_label(predictor.metadata, int(index))
      best.append({'class_index': int(index), 'label': label, 'name': name,
                   'probability': float(probabilities[i, index])})
    result = {'image': path, 'top_k': best,
              'probabilities': probabilities[i].tolist(),
              'logits': logits[i].tolist(), 'temperature': temperature}
    result.update({key: float(value[i]) for key, value in scores.items()})
    results.append(result)
  return results


def format_result(result):
  """Human-readable lines of one classify() result."""
  lines = [result['image']]
  for rank, entry in enumerate(result['top_k'], 1):
    name = entry['name']
    what = ('%s (label %d)' % (name, entry['label'])
            if name is not None and name != str(entry['label'])
            else 'label %d' % entry['label'])
    lines.append('  %d. %.4f  %s' % (rank, entry['probability'], what))
  lines.append('  uncertainty: max_prob=%.4f entropy=%.4f nats energy=%.4f'
               % (result['max_prob'], result['entropy'], result['energy']))
  return '\n'.join(lines)


def make_predictor(params):
  """The Predictor of --frozen_graph, or of --checkpoint_path + model flags.

  Args:
    params: the flag values of classify_image.py.

  Returns:
    A Predictor.

  Raises:
    ValueError: neither or both sources, or a mistake in the model flags.
  """
  if bool(params.get('checkpoint_path')) == bool(params.get('frozen_graph')):
    raise runtime.UserError(
        'Pass exactly one of --checkpoint_path (a checkpoint file or a '
        'training directory, with --model_name) and --frozen_graph (written '
        'by export_inference_graph.py).')
  if params.get('frozen_graph'):
    ignored = [name for name in _MODEL_FLAGS if params.get(name)]
    if ignored:
      logging.warning('--frozen_graph: ignoring --%s (the graph records its '
                      'model, preprocessing and labels).', ', --'.join(
                          ignored))
    return Predictor.from_frozen_graph(params['frozen_graph'])
  checkpoint = inference_config.resolve_checkpoint(params['checkpoint_path'])
  record = inference_config.read_run_record(checkpoint)
  config = inference_config.resolve(params, record)
  use_ema = export_lib.uses_moving_averages(params)
  graph_export.warn_on_ema_mismatch(record, use_ema)
  return Predictor.from_checkpoint(
      config, checkpoint, use_ema, params.get('moving_average_decay'),
      export_lib.resolve_temperature(params, checkpoint))


def run(params, image_args):
  """Classifies the images of `image_args` and prints the results.

  Args:
    params: the flag values of classify_image.py.
    image_args: image paths, globs or comma-separated lists.

  Returns:
    The classify() results.

  Raises:
    ValueError: a mistake in flags or files (one line for the user).
  """
  runtime.check_versions()
  if params.get('top_k', 1) < 1:
    raise runtime.UserError('--top_k must be at least 1, got %d.' %
                            params['top_k'])
  paths = expand_image_paths(image_args)
  predictor = make_predictor(params)
  labels_file = params.get('labels_file')
  if labels_file and params.get('frozen_graph'):
    names = inference_config.read_labels_file(labels_file)
    predictor.metadata['label_names'] = inference_config.label_names(
        names, predictor.metadata['num_classes'],
        predictor.metadata['labels_offset'])
  try:
    results = classify(predictor, paths, params.get('top_k') or 5,
                       params.get('batch_size') or DEFAULT_BATCH_SIZE)
  finally:
    predictor.close()
  metadata = predictor.metadata
  print('Model %s, %d classes, %s preprocessing at %d, temperature %.4g '
        '(%s).' % (metadata['model_name'], metadata['num_classes'],
                   metadata['preprocessing_name'], metadata['image_size'],
                   metadata['temperature'],
                   params.get('frozen_graph') or metadata['checkpoint']))
  for result in results:
    print(format_result(result))
  if params.get('output_json'):
    runtime.write_json(params['output_json'],
                       {'metadata': metadata, 'results': results})
  return results
