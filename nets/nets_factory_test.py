"""Tests of nets_factory: every registered model builds; modes are honoured.

Every registered name is built (graph only) in a fresh graph at a small input
size, checking logits [batch, num_classes] and the common end points, so new
registrations are checked without editing this file. A family that cannot
build that small gets an entry in `_BUILD_SIZES` saying why.

Graph construction costs 1-6 s of CPU per ImageNet model, so the quick run
builds one model per family (`resnet_v1_50` for `resnet_v1_*`, `mobilenet_v1`
for `mobilenet_v1_*`: variants differ only by a depth or width table) and the
other variants are built by `BuildEveryVariantTest`, marked `slow` (CI runs
it; `pytest -m "not slow"` leaves it out).
"""
import collections
import inspect
import re

from absl.testing import parameterized
import numpy as np
import pytest
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import nets_factory

_BATCH = 2
_NUM_CLASSES = 7  # Unlike any checkpoint's, so a hard-coded width shows.
_SMALL_SIZE = 64

# (name pattern, input size or None for the default size, reason) for models
# that cannot build at min(_SMALL_SIZE, default_image_size).
_BUILD_SIZES = (
    (r'(vgg_|alexnet_v2$|overfeat$)', None,
     'fc6 is a VALID convolution over the last feature map, sized for the '
     'default input'),
    (r'(inception_v3|inception_v4|inception_resnet_v2)$', 150,
     'the VALID stem and the auxiliary head need about 140 pixels'),
)
# Name pattern -> reason, for models that cannot be built here at all.
_SKIPS = {}

# The small nets, which the mode checks run: their public defaults (as in
# TF-Slim) and width of the features returned without classes.
_SMALL_NETS = {
    'lenet': dict(scope='LeNet', weight_decay=0.0, features=1024),
    'cifarnet': dict(scope='CifarNet', weight_decay=0.004, features=192),
}
_RUNNABLE = tuple(_SMALL_NETS)


def _build_size(name):
  """Returns the input size `name` is built at."""
  default = nets_factory.get_model_spec(name).default_image_size
  for pattern, size, _ in _BUILD_SIZES:
    if re.match(pattern, name):
      return default if size is None else size
  return min(_SMALL_SIZE, default)


def _family(name):
  """'resnet_v1_101' -> 'resnet_v1': depth/width variants share a family."""
  return re.sub(r'_\d+$', '', name)


def _variant_rank(name):
  """Orders a family: the bare name first, then by ascending number."""
  suffix = re.search(r'_(\d+)$', name)
  return (1, int(suffix.group(1))) if suffix else (0, 0)


def _one_per_family(names):
  """Returns (one cheap representative per family, the other names)."""
  families = collections.defaultdict(list)
  for name in names:
    families[_family(name)].append(name)
  representatives = sorted(min(members, key=_variant_rank)
                           for members in families.values())
  return representatives, sorted(set(names) - set(representatives))


_REPRESENTATIVES, _VARIANTS = _one_per_family(nets_factory.model_names())


class _BuildCheck(object):
  """Builds a registered model and checks its outputs."""

  def check_builds(self, name):
    """Logits [batch, classes] and the standard end points, at its size."""
    for pattern, reason in _SKIPS.items():
      if re.match(pattern, name):
        self.skipTest(reason)
    size = _build_size(name)
    with tf.Graph().as_default():
      network_fn = nets_factory.get_network_fn(name, _NUM_CLASSES)
      logits, end_points = network_fn(tf.zeros([_BATCH, size, size, 3]))
      self.assertEqual(logits.get_shape().as_list(), [_BATCH, _NUM_CLASSES],
                       '%s at %dx%d' % (name, size, size))
      for key in ('PreLogits', 'Logits', 'Predictions'):
        self.assertIn(key, end_points, name)
      self.assertEqual(
          end_points['Predictions'].get_shape().as_list()[-1], _NUM_CLASSES)
      self.assertTrue(tf.trainable_variables(), name)


class BuildOnePerFamilyTest(_BuildCheck, parameterized.TestCase,
                            tf.test.TestCase):

  @parameterized.named_parameters((name, name) for name in _REPRESENTATIVES)
  def test_builds_with_logits_of_num_classes(self, name):
    self.check_builds(name)

  def test_families(self):
    self.assertEqual(_one_per_family(
        ['resnet_v1_101', 'resnet_v1_50', 'vgg_a', 'vgg_16', 'vgg_19',
         'mobilenet_v1_025', 'mobilenet_v1', 'lenet']),
                     (['lenet', 'mobilenet_v1', 'resnet_v1_50', 'vgg_16',
                       'vgg_a'],
                      ['mobilenet_v1_025', 'resnet_v1_101', 'vgg_19']))


@pytest.mark.slow
class BuildEveryVariantTest(_BuildCheck, parameterized.TestCase,
                            tf.test.TestCase):

  @parameterized.named_parameters(
      (name, name) for name in _VARIANTS or ['no_variants'])
  def test_builds_with_logits_of_num_classes(self, name):
    if name not in _VARIANTS:
      self.skipTest('no depth or width variants registered')
    self.check_builds(name)


class SpecTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      (name, name) for name in nets_factory.model_names())
  def test_spec_is_consistent(self, name):
    spec = nets_factory.get_model_spec(name)
    self.assertTrue(callable(spec.builder) and callable(spec.arg_scope_fn))
    self.assertIsInstance(spec.default_image_size, int)
    self.assertIn(spec.checkpoint_classes, (None, 1000, 1001))
    network_fn = nets_factory.get_network_fn(name, 10)
    self.assertEqual(network_fn.model_name, name)
    self.assertEqual(network_fn.default_image_size, spec.default_image_size)
    self.assertEqual(network_fn.preprocessing_name, spec.preprocessing_name)


class FactoryTest(tf.test.TestCase):

  def test_unknown_model_lists_known_names(self):
    for lookup in (nets_factory.get_model_spec,
                   lambda name: nets_factory.get_network_fn(name, 10)):
      with self.assertRaises(ValueError) as context:
        lookup('lenet5')
      message = str(context.exception)
      self.assertIn('lenet5', message)
      for name in nets_factory.model_names():
        self.assertIn(name, message)

  def test_model_names_include_the_small_nets(self):
    names = nets_factory.model_names()
    self.assertEqual(names, sorted(names))
    for name in _RUNNABLE:
      self.assertIn(name, names)


def _defaults(fn):
  return {name: parameter.default
          for name, parameter in inspect.signature(fn).parameters.items()}


class SmallNetsTest(parameterized.TestCase, tf.test.TestCase):
  """Contracts lenet and cifarnet share; dropout modes via the factory."""

  @parameterized.parameters(*_RUNNABLE)
  def test_public_defaults(self, name):
    spec = nets_factory.get_model_spec(name)
    expected = _SMALL_NETS[name]
    self.assertEqual(spec.builder.default_image_size, spec.default_image_size)
    defaults = _defaults(spec.builder)
    self.assertEqual(
        [defaults[key] for key in ('num_classes', 'is_training',
                                   'dropout_keep_prob', 'scope')],
        [10, False, 0.5, expected['scope']])
    self.assertIs(defaults['prediction_fn'], slim.softmax)
    self.assertEqual(_defaults(spec.arg_scope_fn)['weight_decay'],
                     expected['weight_decay'])

  @parameterized.parameters(*_RUNNABLE)
  def test_no_classes_returns_pre_logits_features(self, name):
    for num_classes in (0, None):
      with tf.Graph().as_default():
        network_fn = nets_factory.get_network_fn(name, num_classes)
        size = network_fn.default_image_size
        features, end_points = network_fn(tf.zeros([_BATCH, size, size, 3]))
        self.assertEqual(features.get_shape().as_list(),
                         [_BATCH, _SMALL_NETS[name]['features']])
        self.assertIs(end_points['PreLogits'], features)
        self.assertNotIn('Logits', end_points)
        self.assertNotIn('Predictions', end_points)
        # No classifier variables: the last weights produce the features.
        last_weights = [v for v in tf.global_variables()
                        if v.op.name.endswith('weights')][-1]
        self.assertEqual(last_weights.get_shape().as_list()[-1],
                         _SMALL_NETS[name]['features'])

  def _logits_of_two_runs(self, name, **factory_kwargs):
    with tf.Graph().as_default():
      tf.set_random_seed(0)  # Fixed weights: the outcome does not vary by run.
      network_fn = nets_factory.get_network_fn(name, 10, **factory_kwargs)
      size = network_fn.default_image_size
      images = tf.constant(np.random.RandomState(0).uniform(
          size=(_BATCH, size, size, 3)).astype(np.float32))
      logits, _ = network_fn(images)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(logits), sess.run(logits)

  @parameterized.parameters(*_RUNNABLE)
  def test_eval_is_deterministic(self, name):
    first, second = self._logits_of_two_runs(name, is_training=False)
    self.assertAllEqual(first, second)

  @parameterized.parameters(*_RUNNABLE)
  def test_training_drops_out(self, name):
    first, second = self._logits_of_two_runs(name, is_training=True)
    self.assertNotAllClose(first, second)

  @parameterized.parameters(*_RUNNABLE)
  def test_mc_dropout_keeps_dropout_at_eval(self, name):
    first, second = self._logits_of_two_runs(name, is_training=False,
                                             mc_dropout=True)
    self.assertNotAllClose(first, second)

  @parameterized.parameters(*_RUNNABLE)
  def test_weight_decay_adds_regularization_losses(self, name):
    with tf.Graph().as_default():
      network_fn = nets_factory.get_network_fn(name, 10, weight_decay=0.01)
      size = network_fn.default_image_size
      network_fn(tf.zeros([_BATCH, size, size, 3]))
      self.assertNotEmpty(tf.losses.get_regularization_losses())


if __name__ == '__main__':
  tf.test.main()
