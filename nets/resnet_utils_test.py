"""Tests of resnet_utils, and the oracle-comparison helpers of the net tests.

The helpers below are shared by alexnet_test, overfeat_test, vgg_test,
resnet_v1_test and resnet_v2_test. They compare a network with TF-Slim's own
implementation (`tf_slim.nets`, used here as an oracle only): both are built in
separate graphs, their variable name -> shape maps must be equal, and with the
oracle's weights copied into ours by name their outputs must match.

To keep the suite fast on two CPU cores, the graphs are built with zero
initializers and no regularizers (`_cheap_variables`): names and shapes do not
depend on them, and the forward checks load random weights anyway.
"""
import collections
import contextlib
import functools
import re

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import net_utils
from nets import nets_factory
from nets import resnet_utils
from nets import resnet_v1

Built = collections.namedtuple('Built', ['graph', 'inputs', 'net',
                                         'end_points'])


def _zero_init_getter(getter, *args, **kwargs):
  kwargs['initializer'] = tf.zeros_initializer()
  kwargs['regularizer'] = None
  return getter(*args, **kwargs)


@contextlib.contextmanager
def _cheap_variables():
  with tf.variable_scope(tf.get_variable_scope(),
                         custom_getter=_zero_init_getter):
    yield


def build(network_fn, arg_scope_fn, input_shape, cheap=True, **kwargs):
  """Builds `network_fn` in a new graph on a float32 placeholder.

  Args:
    network_fn: fn(inputs, **kwargs) -> (net, end_points).
    arg_scope_fn: fn() -> arg_scope to build it in.
    input_shape: [batch, height, width, channels].
    cheap: build variables with zero initializers and no regularizers.
    **kwargs: passed to `network_fn`.

  Returns:
    A `Built`.
  """
  graph = tf.Graph()
  with graph.as_default():
    inputs = tf.placeholder(tf.float32, input_shape, name='inputs')
    with slim.arg_scope(arg_scope_fn()):
      if cheap:
        with _cheap_variables():
          net, end_points = network_fn(inputs, **kwargs)
      else:
        net, end_points = network_fn(inputs, **kwargs)
  return Built(graph, inputs, net, end_points)


def variable_shapes(built):
  """Returns {variable name: shape} of the graph of `built`."""
  with built.graph.as_default():
    return {v.op.name: v.shape.as_list() for v in tf.global_variables()}


def random_weights(built, seed=0):
  """Returns random, well-scaled values for every variable of `built`."""
  rng = np.random.default_rng(seed)
  weights = {}
  for name, shape in sorted(variable_shapes(built).items()):
    leaf = name.rsplit('/', 1)[-1]
    if leaf == 'weights':
      # Uniform with the variance of He initialization (and fast to draw).
      fan_in = int(np.prod(shape[:-1]))
      value = rng.random(shape, np.float32)
      value -= np.float32(0.5)
      value *= np.float32(np.sqrt(24.0 / fan_in))
    elif leaf in ('gamma', 'moving_variance'):
      value = rng.uniform(0.5, 1.5, shape).astype(np.float32)
    else:  # biases, beta, moving_mean.
      value = rng.normal(0.0, 0.1, shape).astype(np.float32)
    weights[name] = value
  return weights


def run(built, weights, images, fetches=None, runs=1):
  """Loads `weights` by variable name and evaluates `fetches` on `images`.

  Args:
    built: a `Built`.
    weights: {variable name: value}, one per variable of the graph.
    images: value fed to the inputs.
    fetches: what to evaluate, default `built.net`.
    runs: with runs > 1, evaluate that many times.

  Returns:
    The fetched values, or a list of them with runs > 1.
  """
  config = tf.ConfigProto(intra_op_parallelism_threads=2,
                          inter_op_parallelism_threads=2)
  # Grappler's rewrites take longer than these one-off runs.
  config.graph_options.rewrite_options.disable_meta_optimizer = True
  with built.graph.as_default(), tf.Session(config=config) as sess:
    variables = tf.global_variables()
    # One run that feeds every variable's initial value (a run per variable
    # would prune the graph hundreds of times).
    sess.run(tf.global_variables_initializer(),
             {v.initial_value: weights[v.op.name] for v in variables})
    fetches = built.net if fetches is None else fetches
    values = [sess.run(fetches, {built.inputs: images}) for _ in range(runs)]
  return values if runs > 1 else values[0]


@functools.lru_cache(maxsize=None)
def oracle_batch_norm_error():
  """Why tf_slim's own batch_norm cannot be built here, or None.

  tf_slim 1.1.0 builds batch norm through the legacy Keras layers, which
  TF 2.16+ import from the separate `tf_keras` package (not installed: our
  nets use nets.normalization instead). The oracles of the batch-norm
  families (ResNet, Inception) then cannot be built at all, so their
  comparisons run on the TF 1.15 stack only (`make test`).
  """
  try:
    with tf.Graph().as_default():
      slim.batch_norm(tf.zeros([1, 2]))
  except (ImportError, AttributeError) as error:
    return ('tf_slim cannot build its own batch_norm (the oracle\'s) on '
            'TensorFlow %s: %s: %s. The oracle comparison runs on the TF '
            '1.15 stack.' % (tf.VERSION, type(error).__name__, error))
  return None


def skip_unless_oracle_batch_norm(test):
  """Skips `test` when the batch-norm oracles cannot be built (TF 2)."""
  reason = oracle_batch_norm_error()
  if reason:
    test.skipTest(reason)


# TF 1.15's nn.dropout keeps the rate in a '.../dropout/rate' constant; TF 2's
# compares the random tensor with it ('.../dropout/GreaterEqual/y').
_DROPOUT_RATE_OP = re.compile(r'/dropout(_\d+)?/(rate|GreaterEqual/y)$')


def dropout_rates(graph):
  """The rates of the graph's training-mode dropout ops, in graph order."""
  return [tf.make_ndarray(op.get_attr('value'))
          for op in graph.get_operations()
          if op.type == 'Const' and _DROPOUT_RATE_OP.search(op.name)]


def random_images(shape, seed=1):
  return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def compare_with_oracle(test, ours, oracle, images, squeeze_oracle=False,
                        atol=1e-4):
  """Asserts equal variables, and equal outputs with the oracle's weights.

  The oracle's variables get random values, and ours the same values by
  variable name (copying them from the oracle's session would only add a
  copy of up to 140M floats).

  Args:
    test: the tf.test.TestCase.
    ours: our `Built` network.
    oracle: the oracle's `Built` network.
    images: the input batch.
    squeeze_oracle: squeeze the oracle's 1x1 spatial dimensions first (the
      oracle's ResNets return 4-D logits; ours squeeze them as TF-Slim's
      model library does).
    atol: absolute (and relative) tolerance of the outputs.

  Returns:
    Our output.
  """
  test.assertDictEqual(variable_shapes(oracle), variable_shapes(ours))
  oracle_weights = random_weights(oracle)
  expected = run(oracle, oracle_weights, images)
  if squeeze_oracle:
    expected = np.squeeze(expected, axis=(1, 2))
  actual = run(ours, oracle_weights, images)
  test.assertEqual(expected.shape, actual.shape)
  test.assertAllClose(expected, actual, rtol=atol, atol=atol)
  return actual


def assert_oracle_end_points(test, ours, oracle, squeezed=()):
  """Our end points hold every key of the oracle's with the same shape.

  Args:
    test: the tf.test.TestCase.
    ours: our `Built` network.
    oracle: the oracle's `Built` network.
    squeezed: keys whose tensors are 4-D [batch, 1, 1, depth] in the oracle
      and [batch, depth] in ours.
  """
  for key, tensor in oracle.end_points.items():
    test.assertIn(key, ours.end_points)
    shape = tensor.shape.as_list()
    if key in squeezed:
      test.assertEqual([1, 1], shape[1:3], key)
      shape = shape[:1] + shape[3:]
    test.assertEqual(shape, ours.end_points[key].shape.as_list(), key)


def count_update_ops(network_fn, arg_scope_fn, input_shape, **kwargs):
  built = build(network_fn, arg_scope_fn, input_shape, **kwargs)
  return len(built.graph.get_collection(tf.GraphKeys.UPDATE_OPS))


class ResnetFamilyChecks(object):
  """Checks of a ResNet family against the oracle (a mixin of a TestCase).

  Subclasses set OURS (resnet_v1 or resnet_v2), ORACLE (the tf_slim.nets
  module of the same family), PREFIX ('resnet_v1') and OUTPUT_STRIDE
  (compared with the oracle). Checks of the shared body that do not depend on
  the unit (features, dropout, frozen batch norm, a deeper net) run in one
  family only, resnet_v1_test, with the helpers here.
  """
  OURS = None
  ORACLE = None
  PREFIX = None
  OUTPUT_STRIDE = 16
  SHAPE = [2, 64, 64, 3]

  @classmethod
  def setUpClass(cls):
    super(ResnetFamilyChecks, cls).setUpClass()
    cls.ours_50 = cls._build_variant(cls.OURS, 50, cls.SHAPE)
    cls.oracle_50 = (None if oracle_batch_norm_error() else
                     cls._build_variant(cls.ORACLE, 50, cls.SHAPE))

  @classmethod
  def _build_variant(cls, module, depth, shape, **kwargs):
    kwargs.setdefault('num_classes', 10)
    kwargs.setdefault('is_training', False)
    return build(getattr(module, '%s_%d' % (cls.PREFIX, depth)),
                 module.resnet_arg_scope, shape, **kwargs)

  def _tiny_blocks(self, module, oracle=False):
    """Blocks of a small network; the same for ours and the oracle's.

    Its last unit keeps the depth (an identity shortcut) and comes after the
    last stride, so output strides 16 and 8 both build atrous units.
    """
    units, widths, strides = (1, 1, 1, 1), (2, 4, 8, 8), (2, 2, 2, 1)
    if not oracle:
      return resnet_utils.bottleneck_blocks(module.bottleneck, units, widths,
                                            strides, min_base_depth=1)
    make_block = getattr(module, self.PREFIX + '_block')
    return [make_block('block%d' % (i + 1), base_depth=width, num_units=n,
                       stride=stride)
            for i, (n, width, stride) in enumerate(zip(units, widths, strides))]

  def build_tiny(self, shape=(1, 64, 64, 3), **kwargs):
    generic = getattr(self.OURS, self.PREFIX)
    return build(
        lambda x, **kw: generic(x, self._tiny_blocks(self.OURS), **kw),
        self.OURS.resnet_arg_scope, list(shape), scope='tiny', **kwargs)

  def test_50_matches_oracle(self):
    skip_unless_oracle_batch_norm(self)
    logits = compare_with_oracle(self, self.ours_50, self.oracle_50,
                                 random_images(self.SHAPE),
                                 squeeze_oracle=True)
    self.assertEqual((2, 10), logits.shape)

  def check_variant_matches_oracle(self, depth):
    skip_unless_oracle_batch_norm(self)
    shape = [1, 32, 32, 3]
    ours = self._build_variant(self.OURS, depth, shape)
    oracle = self._build_variant(self.ORACLE, depth, shape)
    compare_with_oracle(self, ours, oracle, random_images(shape),
                        squeeze_oracle=True)

  def test_every_depth_has_the_oracles_blocks(self):
    # Full graphs of every depth are too slow to build here; the names and
    # shapes follow from the blocks (checked here) and the shared builder
    # (checked on real graphs by the 50- and deeper-layer tests).
    def blocks_of(module, patched_module, patched_name, depth):
      captured = []

      def capture(inputs, blocks, *args, **kwargs):
        del inputs, args, kwargs
        captured.append([(b.scope, b.unit_fn.__name__,
                          [(u['depth'], u['depth_bottleneck'], u['stride'])
                           if isinstance(u, dict) else tuple(u)
                           for u in b.args]) for b in blocks])
        return None, {}

      original = getattr(patched_module, patched_name)
      setattr(patched_module, patched_name, capture)
      try:
        getattr(module, '%s_%d' % (self.PREFIX, depth))(tf.zeros([1]))
      finally:
        setattr(patched_module, patched_name, original)
      return captured[0]

    for depth in sorted(resnet_utils.UNITS_PER_BLOCK):
      with tf.Graph().as_default():
        ours = blocks_of(self.OURS, resnet_utils, 'resnet', depth)
        oracle = blocks_of(self.ORACLE, self.ORACLE, self.PREFIX, depth)
      self.assertEqual(oracle, ours, depth)

  def test_end_points_are_the_oracles_plus_extras(self):
    skip_unless_oracle_batch_norm(self)
    # The oracle's softmax reads its 4-D logits; ours the squeezed ones.
    assert_oracle_end_points(self, self.ours_50, self.oracle_50,
                             squeezed=('predictions',))
    end_points, scope = self.ours_50.end_points, self.PREFIX + '_50'
    extras = set(end_points) - set(self.oracle_50.end_points)
    self.assertEqual({'PreLogits', 'Logits', 'Predictions', 'global_pool',
                      scope + '/spatial_squeeze'}, extras)
    self.assertIs(self.ours_50.net, end_points['Logits'])
    self.assertIs(end_points['predictions'], end_points['Predictions'])
    self.assertEqual([2, 1, 1, 2048], end_points['PreLogits'].shape.as_list())
    self.assertEqual([2, 1, 1, 10], end_points[scope + '/logits'].shape
                     .as_list())

  def test_variants_are_named_and_sized(self):
    for depth in resnet_utils.UNITS_PER_BLOCK:
      name = '%s_%d' % (self.PREFIX, depth)
      network_fn = getattr(self.OURS, name)
      self.assertEqual(name, network_fn.__name__)
      self.assertEqual(self.OURS.DEFAULT_IMAGE_SIZE,
                       network_fn.default_image_size)

  def test_output_stride_matches_oracle(self):
    skip_unless_oracle_batch_norm(self)
    # One stride per family (16 and 8) keeps the suite fast; the atrous
    # logic is shared.
    generic, oracle_generic = (getattr(self.OURS, self.PREFIX),
                               getattr(self.ORACLE, self.PREFIX))
    shape = [1, 64, 64, 3]
    ours = build(
        lambda x: generic(x, self._tiny_blocks(self.OURS), None, False,
                          False, self.OUTPUT_STRIDE),
        self.OURS.resnet_arg_scope, shape)
    oracle = build(
        lambda x: oracle_generic(
            x, self._tiny_blocks(self.ORACLE, oracle=True), None, False,
            False, self.OUTPUT_STRIDE),
        self.ORACLE.resnet_arg_scope, shape)
    features = compare_with_oracle(self, ours, oracle, random_images(shape))
    self.assertEqual(64 // self.OUTPUT_STRIDE, features.shape[1])

  def test_output_stride_must_be_a_multiple_of_4(self):
    with self.assertRaisesRegex(ValueError, 'multiple of 4'):
      self.build_tiny(output_stride=6)

  def test_dense_logits_in_training_mode(self):
    dense = self.build_tiny(num_classes=5, global_pool=False,
                             spatial_squeeze=False, is_training=True)
    self.assertEqual([1, 2, 2, 5], dense.net.shape.as_list())
    self.assertNotIn('global_pool', dense.end_points)
    self.assertTrue(dense.graph.get_collection(tf.GraphKeys.UPDATE_OPS))
    self.assertFalse(
        self.ours_50.graph.get_collection(tf.GraphKeys.UPDATE_OPS))


class ConvTest(tf.test.TestCase):

  def _conv_same_and_reference(self, size, stride, rate):
    graph = tf.Graph()
    with graph.as_default():
      images = tf.constant(random_images([1, size, size, 2]))
      with slim.arg_scope([slim.conv2d], activation_fn=None,
                          weights_initializer=tf.random_normal_initializer(
                              seed=3)):
        strided = resnet_utils.conv2d_same(images, 3, 3, stride, rate=rate,
                                           scope='conv')
        dense = slim.conv2d(images, 3, [3, 3], stride=1, rate=rate,
                            padding='SAME', scope='conv', reuse=True)
      reference = resnet_utils.subsample(dense, stride)
      with tf.Session(graph=graph) as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run([strided, reference])

  def test_conv2d_same_equals_dense_conv_then_subsample(self):
    # TF has no strided atrous convolution; stack_blocks_dense never asks.
    for size, stride, rate in ((8, 2, 1), (9, 2, 1), (8, 1, 2)):
      strided, reference = self._conv_same_and_reference(size, stride, rate)
      self.assertEqual(strided.shape, reference.shape)
      self.assertAllClose(strided, reference, atol=1e-5)

  def test_subsample_by_one_returns_the_input(self):
    with tf.Graph().as_default():
      images = tf.zeros([1, 4, 4, 1])
      self.assertIs(resnet_utils.subsample(images, 1), images)


class BlocksTest(tf.test.TestCase):

  def test_bottleneck_blocks_follow_the_table(self):
    blocks = resnet_utils.bottleneck_blocks(None, (2, 3), base_depths=(4, 8),
                                            strides=(2, 1), min_base_depth=1)
    self.assertEqual(['block1', 'block2'], [b.scope for b in blocks])
    self.assertEqual((resnet_utils.Unit(16, 4, 1), resnet_utils.Unit(16, 4, 2)),
                     blocks[0].args)
    self.assertEqual((resnet_utils.Unit(32, 8, 1),) * 3, blocks[1].args)

  def test_depth_multiplier_and_min_base_depth(self):
    blocks = resnet_utils.bottleneck_blocks(
        None, (1, 1), base_depths=(64, 8), strides=(2, 1),
        depth_multiplier=0.25, min_base_depth=4)
    self.assertEqual([16, 4], [b.args[0].depth_bottleneck for b in blocks])
    with self.assertRaisesRegex(ValueError, 'depth_multiplier'):
      resnet_utils.bottleneck_blocks(None, (1,), (8,), (1,),
                                     depth_multiplier=0)
    with self.assertRaisesRegex(ValueError, 'one entry per block'):
      resnet_utils.bottleneck_blocks(None, (1, 1), (8,), (1,))

  def test_the_table_has_the_published_depths(self):
    for depth, units in resnet_utils.UNITS_PER_BLOCK.items():
      # 3 layers per unit, plus conv1 and the logits.
      self.assertEqual(depth, 3 * sum(units) + 2)


def _identity_unit(net, depth, depth_bottleneck, stride, rate=1):
  del depth, depth_bottleneck, rate
  return resnet_utils.subsample(net, stride)


class StackBlocksDenseTest(tf.test.TestCase):

  def _stack(self, output_stride, size=16,
             store_non_strided_activations=False):
    blocks = resnet_utils.bottleneck_blocks(
        _identity_unit, (1, 2, 1), base_depths=(1, 1, 1), strides=(2, 2, 1),
        min_base_depth=1)
    with tf.Graph().as_default():
      net = tf.zeros([1, size, size, 1])
      return resnet_utils.stack_blocks_dense(
          net, blocks, output_stride,
          store_non_strided_activations=store_non_strided_activations)

  def test_output_stride(self):
    self.assertEqual([1, 4, 4, 1], self._stack(None).shape.as_list())
    self.assertEqual([1, 8, 8, 1], self._stack(2).shape.as_list())
    self.assertEqual([1, 16, 16, 1], self._stack(1).shape.as_list())
    self.assertEqual([1, 4, 4, 1],
                     self._stack(4, store_non_strided_activations=True)
                     .shape.as_list())

  def test_unreachable_output_stride_says_what_to_do(self):
    with self.assertRaisesRegex(ValueError, 'output_stride 3 cannot be'):
      self._stack(3)
    with self.assertRaisesRegex(ValueError, 'only subsamples by 4'):
      self._stack(8)


class ArgScopeTest(tf.test.TestCase):

  def test_batch_norm_params_never_hold_is_training(self):
    scope = resnet_utils.resnet_arg_scope()
    for op_key, kwargs in scope.items():
      self.assertNotIn('is_training', kwargs, op_key)
      self.assertNotIn('is_training', kwargs.get('normalizer_params', {}))

  def test_mode_scope_sets_batch_norm_mode(self):
    with slim.arg_scope(resnet_utils.resnet_arg_scope()):
      with net_utils.mode_scope(False) as scope:
        key = [k for k in scope if 'batch_norm' in k.lower()][0]
        self.assertFalse(scope[key]['is_training'])


class ResnetBodyTest(tf.test.TestCase):

  def test_squeezing_a_map_of_logits_says_what_to_do(self):
    with tf.Graph().as_default():
      self.assertEqual([2, 5], resnet_utils._squeeze_logits(
          tf.zeros([2, 1, 1, 5]), 'squeeze').shape.as_list())
      with self.assertRaisesRegex(ValueError, 'spatial_squeeze=False'):
        resnet_utils._squeeze_logits(tf.zeros([2, 2, 2, 5]), 'squeeze')

  def test_reuse_creates_no_new_variables(self):
    blocks = resnet_utils.bottleneck_blocks(resnet_v1.bottleneck, (1, 1),
                                            (2, 2), (2, 1), min_base_depth=1)
    with tf.Graph().as_default(), slim.arg_scope(
        resnet_utils.resnet_arg_scope()):
      images = tf.zeros([1, 32, 32, 3])
      resnet_v1.resnet_v1(images, blocks, 5, scope='tiny')
      count = len(tf.global_variables())
      _, end_points = resnet_v1.resnet_v1(images, blocks, 5, scope='tiny',
                                          reuse=True)
      self.assertEqual(count, len(tf.global_variables()))
      self.assertEqual([1, 5], end_points['Logits'].shape.as_list())


class RegistryTest(tf.test.TestCase):
  """The registry entries of alexnet, overfeat, vgg and the ResNets."""

  def test_entries(self):
    # name -> (preprocessing, classes of the official checkpoint or None).
    expected = {
        'alexnet_v2': ('vgg', None),
        'overfeat': ('vgg', None),
        'vgg_a': ('vgg', None),
        'vgg_16': ('vgg', 1000),
        'vgg_19': ('vgg', 1000),
    }
    for depth in resnet_utils.UNITS_PER_BLOCK:
      official = depth != 200
      expected['resnet_v1_%d' % depth] = ('vgg', 1000 if official else None)
      expected['resnet_v2_%d' % depth] = ('inception',
                                          1001 if official else None)
    for name, (preprocessing, classes) in expected.items():
      spec = nets_factory.get_model_spec(name)
      self.assertEqual(name, spec.builder.__name__)
      self.assertEqual(spec.builder.default_image_size,
                       spec.default_image_size, name)
      self.assertEqual((preprocessing, classes),
                       (spec.preprocessing_name, spec.checkpoint_classes),
                       name)
    self.assertEqual(299, nets_factory.get_model_spec(
        'resnet_v2_50').default_image_size)
    self.assertEqual(231, nets_factory.get_model_spec(
        'overfeat').default_image_size)


if __name__ == '__main__':
  tf.test.main()
