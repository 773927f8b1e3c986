"""Tests of preprocessing_factory and of what every preprocessing guarantees."""
import re

import numpy as np
import tensorflow.compat.v1 as tf

from nets import nets_factory
from preprocessing import preprocessing_factory

_KINDS = ('lenet', 'cifarnet', 'inception', 'vgg')
_OUT_SIZE = 24

# INTERFACES.md, "Preprocessing by model name": (name pattern, preprocessing).
_MAPPING_RULES = (
    (r'cifarnet$', 'cifarnet'),
    (r'lenet$', 'lenet'),
    (r'(inception|mobilenet|nasnet|pnasnet)', 'inception'),
    (r'resnet_v2_', 'inception'),
    (r'vgg_', 'vgg'),
    (r'resnet_v1_', 'vgg'),
)

# Bounds of the output values of each kind, for uint8 input (None: unbounded,
# checked by mean/std instead). vgg: [0, 255] minus means in 103.94-123.68.
_RANGES = {
    'lenet': (-1.0, 1.0),
    'inception': (-1.0, 1.0),
    'vgg': (-124.0, 152.0),
    'cifarnet': None,
}


def _random_image(seed, height, width, channels, dtype=np.uint8):
  rng = np.random.RandomState(seed)
  return rng.randint(0, 256, size=(height, width, channels)).astype(dtype)


class PreprocessingFactoryTest(tf.test.TestCase):

  def _run(self, fetches, num_runs=1):
    with self.session(graph=tf.get_default_graph()) as sess:
      return [sess.run(fetches) for _ in range(num_runs)]

  def test_shapes_dtypes_ranges(self):
    """Every kind, train and eval, 1- and 3-channel input, grayscale or not."""
    with tf.Graph().as_default():
      outputs = {}
      for kind in _KINDS:
        for is_training in (False, True):
          for use_grayscale in (False, True):
            fn = preprocessing_factory.get_preprocessing(
                kind, is_training=is_training, use_grayscale=use_grayscale)
            for channels in (1, 3):
              image = tf.constant(_random_image(channels, 37, 45, channels))
              out = fn(image, _OUT_SIZE, _OUT_SIZE)
              if kind == 'lenet':
                expected_channels = 1 if use_grayscale else channels
              else:
                expected_channels = 1 if use_grayscale else 3
              key = (kind, is_training, use_grayscale, channels)
              self.assertEqual(out.dtype, tf.float32, key)
              self.assertEqual(
                  out.get_shape().as_list(),
                  [_OUT_SIZE, _OUT_SIZE, expected_channels], key)
              outputs[key] = out
      values, = self._run(outputs)
    for key, value in values.items():
      kind, key = key[0], str(key)
      self.assertTrue(np.all(np.isfinite(value)), key)
      if _RANGES[kind] is None:  # Per-image standardization.
        self.assertNear(value.mean(), 0.0, 1e-3, key)
        self.assertNear(value.std(), 1.0, 1e-2, key)
      else:
        low, high = _RANGES[kind]
        self.assertGreaterEqual(value.min(), low, key)
        self.assertLessEqual(value.max(), high, key)
        self.assertGreater(value.max() - value.min(), 0.1 * (high - low), key)

  def test_unknown_input_size(self):
    with tf.Graph().as_default():
      image = tf.placeholder(tf.uint8, [None, None, 1])
      outputs = []
      for kind in _KINDS:
        for is_training in (False, True):
          out = preprocessing_factory.get_preprocessing(kind, is_training)(
              image, 20, 30)
          self.assertEqual(out.get_shape().as_list()[:2], [20, 30], kind)
          outputs.append(out)
      with self.session() as sess:
        for height, width in ((12, 50), (300, 40)):
          values = sess.run(outputs, {image: _random_image(
              3, height, width, 1)})
          for value in values:
            self.assertEqual(value.shape[:2], (20, 30))

  def test_float_input(self):
    with tf.Graph().as_default():
      image = _random_image(0, 30, 30, 3, np.float32)
      outputs = {
          'lenet': image, 'cifarnet': image, 'vgg': image,
          'inception': image / 255.0,  # Inception takes floats in [0, 1].
      }
      for kind in _KINDS:
        fn = preprocessing_factory.get_preprocessing(kind)
        outputs[kind] = (
            fn(tf.constant(outputs[kind]), _OUT_SIZE, _OUT_SIZE),
            fn(tf.constant(image.astype(np.uint8)), _OUT_SIZE, _OUT_SIZE))
      values, = self._run(outputs)
    for kind, (from_float, from_uint8) in values.items():
      self.assertAllClose(from_float, from_uint8, atol=1e-4, msg=kind)

  def test_eval_is_deterministic_and_train_is_random(self):
    with tf.Graph().as_default():
      image = tf.constant(_random_image(1, 40, 48, 3))
      outputs = {}
      for kind in _KINDS:
        for is_training in (False, True):
          fn = preprocessing_factory.get_preprocessing(kind, is_training)
          outputs[(kind, is_training)] = fn(image, 32, 32)
      runs = self._run(outputs, num_runs=4)
    for kind in _KINDS:
      evals = [run[(kind, False)] for run in runs]
      trains = [run[(kind, True)] for run in runs]
      for other in evals[1:]:
        self.assertAllEqual(evals[0], other, msg=kind)
      if kind == 'lenet':  # LeNet preprocessing has no augmentation.
        for other in trains:
          self.assertAllEqual(evals[0], other)
      else:
        self.assertTrue(
            any(not np.array_equal(trains[0], other) for other in trains[1:]),
            '%s training preprocessing is not random' % kind)

  def test_model_names_resolve_through_registry(self):
    self.assertEqual(
        preprocessing_factory.get_preprocessing('lenet').preprocessing_name,
        'lenet')
    self.assertEqual(
        preprocessing_factory.get_preprocessing(
            'cifarnet', is_training=True).preprocessing_name, 'cifarnet')
    for kind in _KINDS:
      self.assertEqual(
          preprocessing_factory.resolve_preprocessing_name(kind), kind)
    for name in nets_factory.model_names():
      self.assertEqual(
          preprocessing_factory.resolve_preprocessing_name(name),
          nets_factory.get_model_spec(name).preprocessing_name)

  def test_every_registered_model_follows_the_interface_mapping(self):
    """INTERFACES.md's model -> preprocessing rules, for every registration."""
    for name in nets_factory.model_names():
      resolved = preprocessing_factory.resolve_preprocessing_name(name)
      self.assertIn(resolved, preprocessing_factory.preprocessing_names(),
                    name)
      expected = [kind for pattern, kind in _MAPPING_RULES
                  if re.match(pattern, name)]
      # Names outside the documented families (e.g. alexnet_v2) only need a
      # known preprocessing; documented ones must follow the rule.
      if expected:
        self.assertEqual(len(set(expected)), 1, (name, expected))
        self.assertEqual(resolved, expected[0],
                         'model %r must use %r preprocessing (INTERFACES.md)'
                         % (name, expected[0]))

  def test_mapping_rules_themselves(self):
    """The rule table classifies the documented example names."""
    examples = {
        'cifarnet': 'cifarnet', 'lenet': 'lenet', 'inception_v3': 'inception',
        'inception_resnet_v2': 'inception', 'mobilenet_v2_140': 'inception',
        'nasnet_large': 'inception', 'pnasnet_mobile': 'inception',
        'resnet_v2_50': 'inception', 'resnet_v1_101': 'vgg', 'vgg_16': 'vgg',
    }
    for name, kind in examples.items():
      matched = {k for pattern, k in _MAPPING_RULES if re.match(pattern, name)}
      self.assertEqual(matched, {kind}, name)

  def test_unknown_name_lists_accepted_names(self):
    with self.assertRaises(ValueError) as context:
      preprocessing_factory.get_preprocessing('not_a_net')
    message = str(context.exception)
    self.assertIn('not_a_net', message)
    for kind in _KINDS:
      self.assertIn(kind, message)
    self.assertIn('model name', message)
    for name in nets_factory.model_names():
      self.assertIn(name, message)

  def test_kwargs_reach_the_module(self):
    with tf.Graph().as_default() as graph:
      fn = preprocessing_factory.get_preprocessing('inception', True)
      image = tf.constant(_random_image(2, 30, 30, 3))
      out = fn(image, 16, 16, fast_mode=False, add_image_summaries=False)
      self.assertEqual(out.get_shape().as_list(), [16, 16, 3])
      self.assertEqual(graph.get_collection(tf.GraphKeys.SUMMARIES), [])
      with self.assertRaises(TypeError):
        fn(image, 16, 16, no_such_option=1)

  def test_bad_channel_count_is_explained(self):
    with tf.Graph().as_default():
      for kind in _KINDS:
        fn = preprocessing_factory.get_preprocessing(kind)
        with self.assertRaisesRegex(ValueError, 'channels=|set_shape'):
          fn(tf.zeros([8, 8, 4], tf.uint8), 4, 4)
        with self.assertRaisesRegex(ValueError, 'channels=|set_shape'):
          fn(tf.placeholder(tf.uint8, [None, None, None]), 4, 4)
        with self.assertRaisesRegex(ValueError, 'one image'):
          fn(tf.zeros([2, 8, 8, 3], tf.uint8), 4, 4)


if __name__ == '__main__':
  tf.test.main()
