"""Forward passes for uncertainty methods, for any network and any dataset.

The graph-level half of the uncertainty package. It never special-cases an
architecture (STYLE 4): the model comes from `training.model_setup.resolve`
(the nets_factory registry), its inputs from the same deterministic
single-pass pipeline as the eval binary (every example exactly once, the
final partial batch kept, STYLE 7), and features from the end points every
family exposes ('PreLogits', 'Logits', ...). Three kinds of pass:

  * `predict`: inference mode; logits and pooled features of chosen end
    points per example.
  * `predict_mc_dropout`: S stochastic passes with dropout on and batch norm
    in inference mode (`mc_dropout=True` in the factory, STYLE 3, PITFALLS
    18). Each batch is read once and fed S times, so the samples differ only
    by their dropout masks; a graph-level seed makes them reproducible.
    A network without dropout is an error, not S identical samples.
  * `predict_perturbed`: input pre-processing of ODIN and of the Mahalanobis
    detector, x' = clip(x - epsilon * sign(grad_x loss(x)), 0, 255), with
    the gradient taken *through the preprocessing*: images enter the graph
    as raw pixels, the model's preprocessing runs inside the graph
    (`tf.map_fn`), and epsilon is in raw pixel levels of the stored uint8
    image (0-255), whatever the model's normalisation (PITFALLS 17). An
    optional per-channel `gradient_std` divides the step as the reference
    ODIN code does (off by default).

Out-of-distribution sets go through the in-distribution preprocessing
(STYLE 10). A set with another channel count than the in-distribution data
is converted first (grayscale <-> RGB, logged), so e.g. an RGB set can be
scored by an MNIST model.

Typical use:

  config = inference.InferenceConfig(model_name='lenet', batch_size=200)
  model = inference.Model(config, id_dataset, checkpoint)
  test = inference.Source('test', test_dataset, labelled=True)
  out = inference.predict(model, test, feature_end_points=['PreLogits'])
  out['logits'], out['label'], out['features/PreLogits']
  mc = inference.predict_mc_dropout(model, test, num_samples=20, seed=0)
  mc['sample_logits']                     # [20, N, K]
"""
import collections

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from datasets import input_pipeline
from training import model_setup
from training import runtime

# Raw pixel range of decoded uint8 images, the units of epsilon.
PIXEL_MIN = 0.0
PIXEL_MAX = 255.0

_RANDOM_OP_TYPES = ('RandomUniform', 'RandomStandardNormal',
                    'RandomUniformInt', 'TruncatedNormal')

_CONFIG_FIELDS = collections.OrderedDict([
    ('model_name', None),             # nets_factory name.
    ('labels_offset', 0),             # as in the eval binary.
    ('preprocessing_name', None),     # None: the model's own.
    ('image_size', None),             # None: the model's default size.
    ('use_grayscale', False),
    ('batch_size', 100),
    ('perturbation_batch_size', None),  # raw-image batches; None: batch_size.
    ('num_preprocessing_threads', 4),
    ('moving_average_decay', None),   # restore EMA shadow variables.
    ('dropout_keep_prob', None),      # None: the network's default.
    ('session_config', None),         # a tf.ConfigProto, None: default.
])

InferenceConfig = collections.namedtuple('InferenceConfig',
                                         list(_CONFIG_FIELDS))
InferenceConfig.__new__.__defaults__ = tuple(_CONFIG_FIELDS.values())

# The model evaluated: config, the in-distribution dataset (for the number
# of classes and channels) and a checkpoint prefix.
Model = collections.namedtuple('Model', ['config', 'id_dataset',
                                         'checkpoint'])

# A split to run: a short name for logs and keys, the dataset description,
# and whether its labels are labels of the model (in-distribution: the
# labels_offset applies) or not (OOD: labels are ignored).
Source = collections.namedtuple('Source', ['name', 'dataset', 'labelled'])


def config_key(config):
  """The JSON-able part of a config that changes the outputs."""
  return {k: getattr(config, k) for k in (
      'model_name', 'labels_offset', 'preprocessing_name', 'image_size',
      'use_grayscale', 'moving_average_decay', 'dropout_keep_prob')}


def source_key(source):
  """Dataset, split and file fingerprints of a Source (for cache keys)."""
  from uncertainty import cache  # pylint: disable=g-import-not-at-top
  dataset = source.dataset
  return {'dataset': dataset.name, 'split': dataset.split_name,
          'labelled': source.labelled,
          'files': [cache.file_fingerprint(f)
                    for f in sorted(dataset.data_sources)]}


def resolve_setup(model, mc_dropout=False):
  """The ModelSetup of the model in inference mode (optionally MC dropout)."""
  config = model.config
  return model_setup.resolve(
      config.model_name, model.id_dataset, is_training=False,
      labels_offset=config.labels_offset,
      preprocessing_name=config.preprocessing_name,
      image_size=config.image_size, use_grayscale=config.use_grayscale,
      mc_dropout=mc_dropout)


def _channel_fn(source, model):
  """fn(uint8 image) converting a source's channels to the model data's."""
  have = int(getattr(source.dataset, 'channels', 3))
  want = int(getattr(model.id_dataset, 'channels', 3))
  if have == want:
    return lambda image: image
  logging.info('Converting %s from %d to %d channel(s) to match %s.',
               source.name, have, want, model.id_dataset.name)
  if want == 1:
    return tf.image.rgb_to_grayscale
  return tf.image.grayscale_to_rgb


def _dataset(model, setup, source, raw):
  """The single-pass tf.data pipeline of a source (raw or preprocessed)."""
  to_channels = _channel_fn(source, model)
  config = model.config
  if raw:
    def preprocess(image):
      return tf.cast(to_channels(image), tf.float32)
    batch_size = config.perturbation_batch_size or config.batch_size
  else:
    def preprocess(image):
      return setup.preprocess_fn(to_channels(image))
    batch_size = config.batch_size
  return input_pipeline.make_dataset(
      source.dataset, preprocess, batch_size, is_training=False,
      num_readers=1, num_preprocessing_threads=config.num_preprocessing_threads,
      labels_offset=setup.labels_offset if source.labelled else 0)


def _network(model, setup, images):
  """Builds (or reuses) the network on `images`: (logits, end_points)."""
  kwargs = {}
  if model.config.dropout_keep_prob is not None:
    kwargs['dropout_keep_prob'] = model.config.dropout_keep_prob
  with tf.variable_scope(tf.get_variable_scope(),
                                   reuse=tf.AUTO_REUSE):
    return setup.network_fn(images, **kwargs)


def pooled_features(end_points, name):
  """[B, D] features of an end point: spatial mean of 4-D maps, else flat.

  Args:
    end_points: the network's end points.
    name: an end point name, e.g. 'PreLogits'.

  Returns:
    A float [B, D] tensor.

  Raises:
    runtime.UserError: unknown end point (the message lists the known ones).
  """
  if name not in end_points:
    raise runtime.UserError(
        'End point %r does not exist in this network; choose from: %s.' %
        (name, ', '.join(sorted(end_points))))
  tensor = end_points[name]
  if tensor.shape.ndims == 4:
    return tf.reduce_mean(tensor, axis=[1, 2])
  if tensor.shape.ndims == 2:
    return tensor
  return tf.reshape(tensor, [tf.shape(tensor)[0], -1])


def _saver(model):
  """A Saver restoring the model's variables, after checking the names."""
  config = model.config
  if config.moving_average_decay:
    ema = tf.train.ExponentialMovingAverage(
        config.moving_average_decay)
    var_map = ema.variables_to_restore(tf.model_variables())
  else:
    var_map = {v.op.name: v for v in tf.global_variables()}
  names = tf.train.load_checkpoint(
      model.checkpoint).get_variable_to_shape_map()
  missing = sorted(n for n in var_map if n not in names)
  if missing:
    raise runtime.UserError(
        'Checkpoint %s lacks %d variables of model %s (e.g. %s)%s. Check '
        '--model_name, --dataset_name (number of classes) and '
        '--labels_offset.' % (
            model.checkpoint, len(missing), config.model_name,
            ', '.join(missing[:3]),
            '; it has no moving averages: drop --moving_average_decay'
            if config.moving_average_decay else ''))
  return tf.train.Saver(var_map)


def _session(model):
  config = model.config.session_config or runtime.session_config()
  session = tf.Session(config=config)
  _saver(model).restore(session, model.checkpoint)
  return session


def _batches(session, fetches, feed_dict=None):
  """Yields session.run(fetches) until the one-shot iterator is exhausted."""
  while True:
    try:
      yield session.run(fetches, feed_dict=feed_dict)
    except tf.errors.OutOfRangeError:
      return


def _check_count(source, num):
  expected = source.dataset.num_samples
  if num != expected:
    logging.warning('%s: %d examples evaluated but the split has %d.',
                    source.name, num, expected)
  logging.info('%s: %d examples.', source.name, num)


def _concat(chunks):
  return {k: np.concatenate([c[k] for c in chunks], axis=0)
          for k in chunks[0]} if chunks else {}


def predict(model, source, feature_end_points=()):
  """One inference-mode pass over a split.

  Args:
    model: a Model.
    source: a Source.
    feature_end_points: end points whose pooled features to return.

  Returns:
    A dict of numpy arrays: 'logits' float32 [N, K], 'label' int64 [N]
    (after labels_offset for labelled sources), 'index' int64 [N], and
    'features/<end point>' float32 [N, D] for each requested end point.
  """
  with tf.Graph().as_default():
    setup = resolve_setup(model)
    batch = tf.data.make_one_shot_iterator(
        _dataset(model, setup, source, raw=False)).get_next()
    logits, end_points = _network(model, setup, batch['image'])
    fetches = {'logits': logits, 'label': batch['label'],
               'index': batch['index']}
    for name in feature_end_points:
      fetches['features/' + name] = pooled_features(end_points, name)
    with _session(model) as session:
      chunks = list(_batches(session, fetches))
  out = _concat(chunks)
  _check_count(source, len(out['label']))
  return out


class NoDropoutError(runtime.UserError):
  """MC dropout was asked of a network without active dropout."""


def _check_stochastic(ops, model):
  """Fails when the network built from `ops` has no random (dropout) op."""
  if not any(op.type in _RANDOM_OP_TYPES and 'Initializer' not in op.name
             for op in ops):
    raise NoDropoutError(
        'Model %s has no dropout active at evaluation, so MC dropout would '
        'return identical samples. Use a network with dropout (e.g. lenet, '
        'cifarnet, mobilenet_v1; check --dropout_keep_prob < 1).' %
        model.config.model_name)


def predict_mc_dropout(model, source, num_samples, seed=0):
  """S passes with dropout active and batch norm in inference mode.

  Args:
    model: a Model.
    source: a Source.
    num_samples: S >= 1 stochastic passes.
    seed: graph-level seed: the same seed gives the same samples.

  Returns:
    A dict: 'sample_logits' float32 [S, N, K], 'label', 'index'.

  Raises:
    runtime.UserError: the network has no dropout, or num_samples < 1.
  """
  if num_samples < 1:
    raise runtime.UserError('--num_samples must be >= 1, got %d.' %
                            num_samples)
  with tf.Graph().as_default() as graph:
    tf.set_random_seed(seed)
    setup = resolve_setup(model, mc_dropout=True)
    batch = tf.data.make_one_shot_iterator(
        _dataset(model, setup, source, raw=False)).get_next()
    before = set(graph.get_operations())
    logits, _ = _network(model, setup, batch['image'])
    _check_stochastic([op for op in graph.get_operations()
                       if op not in before], model)
    if tf.get_collection(
        tf.GraphKeys.UPDATE_OPS):
      raise RuntimeError('MC dropout built batch-norm update ops: batch norm '
                         'is not in inference mode.')
    chunks = []
    with _session(model) as session:
      for values in _batches(session, batch):
        samples = [session.run(logits, {batch['image']: values['image']})
                   for _ in range(num_samples)]
        chunks.append({'sample_logits': np.stack(samples, axis=1),
                       'label': values['label'], 'index': values['index']})
  out = _concat(chunks)
  out['sample_logits'] = np.transpose(out['sample_logits'], (1, 0, 2))
  _check_count(source, len(out['label']))
  return out


def float_input_scale(setup, channels):
  """The factor s such that preprocess(float(x) * s) == preprocess(uint8 x).

  Preprocessing functions read float images either in [0, 255] (lenet,
  cifarnet, vgg) or in [0, 1] (inception). Raw pixels enter the
  perturbation graph as float [0, 255]; this probes the preprocessing with
  a random uint8 image to find the scale, so the perturbed path computes
  exactly what the ordinary eval path computes.

  Args:
    setup: a ModelSetup.
    channels: channel count of the images fed to the preprocessing.

  Returns:
    1.0 or 1 / 255.

  Raises:
    runtime.UserError: neither scale reproduces the uint8 result.
  """
  size = max(int(setup.image_size), 8)
  probe = np.random.RandomState(0).randint(
      0, 256, size=(size + 3, size + 5, channels)).astype(np.uint8)
  scales = (1.0, 1.0 / 255.0)
  with tf.Graph().as_default():
    reference = setup.preprocess_fn(tf.constant(probe))
    candidates = [setup.preprocess_fn(tf.constant(probe.astype(np.float32) *
                                                  scale)) for scale in scales]
    with tf.Session() as session:
      reference, candidates = session.run((reference, candidates))
  for scale, candidate in zip(scales, candidates):
    if np.allclose(candidate, reference, atol=1e-4, rtol=1e-4):
      return scale
  raise runtime.UserError(
      'Preprocessing %s gives different results for uint8 images and for '
      'float images in [0, 255] or [0, 1], so input perturbation cannot '
      'run on raw pixels with it.' % setup.preprocessing_name)


def _preprocess_batch(setup, images):
  """Applies the model's preprocessing to each raw image of a batch."""
  return tf.map_fn(setup.preprocess_fn, images, dtype=tf.float32,
                   back_prop=True)


class Objective(object):
  """What an input perturbation decreases and what it returns.

  Subclasses define `param_names` (float scalars fed per setting, besides
  'epsilon'), `loss(logits, end_points, params)` -> [B] per-example loss
  that the perturbation *decreases* (so it makes the input look more
  in-distribution), and `outputs(logits, end_points, params)` -> dict of
  [B, ...] tensors evaluated on the perturbed input.
  """
  param_names = ()

  def loss(self, logits, end_points, params):
    raise NotImplementedError

  def outputs(self, logits, end_points, params):
    raise NotImplementedError


def predict_perturbed(model, source, objective, settings,
                      gradient_std=None, clip=True):
  """Perturbs every input against the gradient of a loss, then predicts.

  For each setting (a dict with 'epsilon' and the objective's params):
  x' = clip(x - epsilon * sign(d loss / d x) / gradient_std, 0, 255), where
  x holds raw pixel levels (uint8 values as float) and the model's
  preprocessing runs inside the graph. Batch norm is in inference mode, so
  examples of a batch do not interact.

  Args:
    model: a Model.
    source: a Source.
    objective: an Objective.
    settings: a list of dicts {'epsilon': float, <param>: float}.
    gradient_std: None (default) or per-channel divisors of the step (the
      normalisation std of the reference ODIN code, in raw pixel units /
      255); a scalar applies to every channel.
    clip: keep perturbed pixels in [0, 255].

  Returns:
    (outputs, meta): outputs is a list (one per setting) of dicts of numpy
    arrays (the objective's outputs); meta holds 'label' and 'index'.

  Raises:
    runtime.UserError: the preprocessing cannot take raw float pixels, or
      images of one batch differ in size (set perturbation_batch_size=1).
  """
  channels = int(getattr(model.id_dataset, 'channels', 3))
  with tf.Graph().as_default():
    setup = resolve_setup(model)
    scale = float_input_scale(setup, channels)
    batch = tf.data.make_one_shot_iterator(
        _dataset(model, setup, source, raw=True)).get_next()
    images = batch['image']
    params = {name: tf.placeholder(tf.float32, [], name=name)
              for name in tuple(objective.param_names) + ('epsilon',)}
    logits, end_points = _network(
        model, setup, _preprocess_batch(setup, images * scale))
    loss = tf.reduce_sum(objective.loss(logits, end_points, params))
    gradient, = tf.gradients(loss, images)
    step = tf.sign(gradient)
    if gradient_std is not None:
      step = step / tf.constant(np.asarray(gradient_std, np.float32))
    perturbed = images - params['epsilon'] * step
    if clip:
      perturbed = tf.clip_by_value(perturbed, PIXEL_MIN, PIXEL_MAX)
    new_logits, new_end_points = _network(
        model, setup, _preprocess_batch(setup, perturbed * scale))
    fetches = objective.outputs(new_logits, new_end_points, params)
    chunks = [[] for _ in settings]
    meta = []
    with _session(model) as session:
      try:
        for values in _batches(session, batch):
          meta.append({'label': values['label'], 'index': values['index']})
          for setting, chunk in zip(settings, chunks):
            feed = {params[k]: float(v) for k, v in setting.items()}
            feed[images] = values['image']
            chunk.append(session.run(fetches, feed))
      except tf.errors.InvalidArgumentError as e:
        if 'batch' in str(e).lower() and 'shape' in str(e).lower():
          raise runtime.UserError(
              'Images of %s differ in size, so raw images cannot be batched '
              'for input perturbation: pass --perturbation_batch_size=1.' %
              source.name)
        raise
  meta = _concat(meta)
  _check_count(source, len(meta['label']))
  return [_concat(chunk) for chunk in chunks], meta
