"""Tests of inception_utils, the Inception registry entries, and helpers the
Inception tests share (oracle comparison against `tf_slim.nets`)."""
import os

import numpy as np
import tensorflow.compat.v1 as tf
import tf_slim as slim

from nets import inception_utils
from nets import inception_resnet_v2
from nets import net_utils
from nets import nets_factory
from nets import normalization
from nets import resnet_utils_test

conv = inception_utils.conv
# End points we add to slim's (same keys in every family).
OUR_EXTRA_END_POINTS = frozenset(
    ['PreLogits', 'global_pool', 'AvgPool_0a_7x7', 'AvgPool_1a',
     'PreLogitsFlatten'])


def build_graph(network_fn, arg_scope, input_shape, graph=None, **kwargs):
  """Builds network_fn on a float placeholder, in `graph` or a fresh one.

  Returns:
    (graph, images placeholder, logits, end_points).
  """
  graph = graph or tf.Graph()
  with graph.as_default():
    images = tf.placeholder(tf.float32, input_shape)
    with slim.arg_scope(arg_scope):
      logits, end_points = network_fn(images, **kwargs)
  return graph, images, logits, end_points


def variable_shapes(graph):
  """Returns {variable name: shape} of every global variable of `graph`."""
  with graph.as_default():
    return {v.op.name: v.shape.as_list() for v in tf.global_variables()}


def parameter_count(graph, prefix=''):
  """Number of trainable parameters whose name starts with `prefix`."""
  with graph.as_default():
    return int(sum(np.prod(v.shape.as_list())
                   for v in tf.trainable_variables()
                   if v.op.name.startswith(prefix)))


def run_random_and_save(graph, images, fetches, image_batch, path):
  """Runs `fetches` with random variables and saves those to `path`.

  Beta, biases, moving mean and moving variance are drawn at random too, so
  that batch norm in eval mode is not the identity.
  """
  with graph.as_default():
    tf.set_random_seed(0)
    init = tf.global_variables_initializer()
    randomize = []
    for variable in tf.global_variables():
      name, shape = variable.op.name, variable.shape
      if name.endswith('moving_variance'):
        randomize.append(variable.assign(tf.random_uniform(shape, 0.5, 1.5)))
      elif name.endswith(('moving_mean', 'beta', 'biases')):
        randomize.append(variable.assign(
            tf.random_normal(shape, stddev=0.1)))
    saver = tf.train.Saver()
    with tf.Session() as sess:
      sess.run(init)
      sess.run(randomize)
      saver.save(sess, path)
      return sess.run(fetches, {images: image_batch})


def run_from_checkpoint(graph, images, fetches, path, image_batch):
  """Restores `graph`'s variables from the checkpoint and runs `fetches`."""
  with graph.as_default():
    saver = tf.train.Saver()
    with tf.Session() as sess:
      saver.restore(sess, path)
      return sess.run(fetches, {images: image_batch})


def update_ops(graph):
  return graph.get_collection(tf.GraphKeys.UPDATE_OPS)


class OracleTestCase(tf.test.TestCase):
  """Compares a net with its `tf_slim.nets` oracle (tests only)."""

  def assert_matches_oracle(self, ours, ours_scope, oracle, oracle_scope,
                            image_size, fetch_keys=('Logits',), batch=1,
                            **kwargs):
    """Same variables, end points (plus ours) and outputs as the oracle.

    The oracle's variables, saved to a checkpoint, restore into ours
    unchanged; the fetched end points then match to 1e-4 in eval mode.

    Args:
      ours: our builder.
      ours_scope: our arg_scope dict.
      oracle: the tf_slim.nets builder.
      oracle_scope: its arg_scope dict.
      image_size: input height and width.
      fetch_keys: end points whose values must match to 1e-4.
      batch: batch size.
      **kwargs: builder args for both (num_classes, ...).

    Returns:
      Our graph, for further (reuse) checks.
    """
    resnet_utils_test.skip_unless_oracle_batch_norm(self)
    shape = [batch, image_size, image_size, 3]
    kwargs.setdefault('num_classes', 1001)
    kwargs['is_training'] = False
    oracle_graph, oracle_images, _, oracle_points = build_graph(
        oracle, oracle_scope, shape, **kwargs)
    our_graph, our_images, _, our_points = build_graph(
        ours, ours_scope, shape, **kwargs)

    self.assertDictEqual(variable_shapes(oracle_graph),
                         variable_shapes(our_graph))
    self.assertLessEqual(set(oracle_points), set(our_points))
    self.assertLessEqual(set(our_points) - set(oracle_points),
                         OUR_EXTRA_END_POINTS)
    for key in oracle_points:
      self.assertEqual(oracle_points[key].shape.as_list(),
                       our_points[key].shape.as_list(), key)
    # Eval mode: no moving-average updates.
    self.assertEmpty(update_ops(our_graph))

    path = os.path.join(self.get_temp_dir(), 'oracle.ckpt')
    image_batch = np.random.RandomState(1).uniform(
        -1.0, 1.0, shape).astype(np.float32)
    expected = run_random_and_save(oracle_graph, oracle_images,
                                   [oracle_points[k] for k in fetch_keys],
                                   image_batch, path)
    actual = run_from_checkpoint(our_graph, our_images,
                                 [our_points[k] for k in fetch_keys], path,
                                 image_batch)
    for key, want, got in zip(fetch_keys, expected, actual):
      self.assertGreater(np.abs(want).std(), 1e-3, key)  # Not constant.
      self.assertAllClose(want, got, atol=1e-4, rtol=1e-4, msg=key)
    return our_graph

  def assert_features_and_update_ops(self, graph, network_fn, arg_scope,
                                     image_size, num_features, **kwargs):
    """Reusing `graph`'s variables: num_classes=0 gives pooled features and
    is_training=True adds the moving-average updates of every batch norm."""
    self.assertEmpty(update_ops(graph))
    num_variables = len(variable_shapes(graph))
    _, _, features, end_points = build_graph(
        network_fn, arg_scope, [2, image_size, image_size, 3], graph=graph,
        num_classes=0, is_training=True, reuse=True, **kwargs)
    self.assertEqual(features.shape.as_list(), [2, 1, 1, num_features])
    self.assertIs(end_points['PreLogits'], features)
    self.assertNotIn('Logits', end_points)
    self.assertNotIn('AuxLogits', end_points)
    names = variable_shapes(graph)
    self.assertLen(names, num_variables)  # All reused.
    moving_means = [n for n in names if n.endswith('moving_mean') and
                    'AuxLogits' not in n]
    self.assertNotEmpty(moving_means)
    # One update of the moving mean and one of the variance per batch norm
    # (the auxiliary head is not built without classes).
    self.assertLen(update_ops(graph), 2 * len(moving_means))


class GraphOnlyChecks(object):
  """Graph-only checks of a net at 299 with 1001 classes; a mixin for a
  tf.test.TestCase (for the nets without a tf_slim oracle).

  The subclass sets NETWORK_FN, ARG_SCOPE_FN, ROOT_SCOPE, END_POINTS
  ({name: shape without the batch} at 299x299) and REGULARIZED (suffixes of
  the L2-regularized variables).
  """

  NETWORK_FN = ARG_SCOPE_FN = ROOT_SCOPE = END_POINTS = None
  REGULARIZED = ('/weights',)

  @classmethod
  def setUpClass(cls):
    super(GraphOnlyChecks, cls).setUpClass()
    # One eval-mode build at 299 that the tests read; then, reusing its
    # variables (75x75: the smallest input accepted), features in training
    # mode (the graph's only update ops) and logits without the auxiliary
    # head.
    # Set by the subclass. pylint: disable=not-callable
    cls.scope = cls.ARG_SCOPE_FN()
    cls.graph, _, cls.logits, cls.end_points = build_graph(
        cls.NETWORK_FN, cls.scope, [2, 299, 299, 3], num_classes=1001,
        is_training=False)
    cls.shapes = variable_shapes(cls.graph)
    cls.eval_update_ops = len(update_ops(cls.graph))
    _, _, cls.features, cls.feature_points = build_graph(
        cls.NETWORK_FN, cls.scope, [2, 75, 75, 3], graph=cls.graph,
        num_classes=0, is_training=True, reuse=True)
    _, _, cls.no_aux_logits, cls.no_aux_points = build_graph(
        cls.NETWORK_FN, cls.scope, [2, 75, 75, 3], graph=cls.graph,
        num_classes=1001, is_training=False, reuse=True,
        create_aux_logits=False)

  def assert_parameter_counts(self, total, without_aux, published_millions):
    """Pins the exact counts and checks them against the published figure."""
    count = parameter_count(self.graph)
    aux = parameter_count(self.graph, self.ROOT_SCOPE + '/AuxLogits/')
    self.assertEqual(count, total)
    self.assertEqual(count - aux, without_aux)
    self.assertAlmostEqual((count - aux) / 1e6, published_millions,
                           delta=0.1)

  def test_no_gamma(self):
    # The official checkpoints have no batch-norm gamma.
    self.assertFalse([n for n in self.shapes if n.endswith('gamma')])

  def test_end_point_shapes(self):
    self.assertCountEqual(self.end_points, self.END_POINTS)
    for name, shape in self.END_POINTS.items():
      self.assertEqual(self.end_points[name].shape.as_list(), [2] + shape,
                       name)

  def test_training_mode_updates_and_regularizes(self):
    self.assertEqual(self.eval_update_ops, 0)
    # The training-mode build (no auxiliary head) updates the moving mean
    # and variance of every batch norm.
    moving_means = [n for n in self.shapes if n.endswith('moving_mean')
                    and 'AuxLogits' not in n]
    self.assertLen(update_ops(self.graph), 2 * len(moving_means))
    regularized = [n for n in self.shapes if n.endswith(self.REGULARIZED)]
    losses = self.graph.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    self.assertLen(losses, len(regularized))

  def test_features_and_no_aux_logits(self):
    self.assertEqual(self.features.shape.as_list(), [2, 1, 1, 1536])
    self.assertIs(self.feature_points['PreLogits'], self.features)
    self.assertNotIn('Logits', self.feature_points)
    self.assertNotIn('AuxLogits', self.feature_points)
    self.assertEqual(self.no_aux_logits.shape.as_list(), [2, 1001])
    self.assertNotIn('AuxLogits', self.no_aux_points)
    # Only the first build has an auxiliary head; the reuse builds created
    # no variable.
    aux_scopes = {op.name.split('/')[0] for op in self.graph.get_operations()
                  if '/AuxLogits/' in op.name}
    self.assertEqual(aux_scopes, {self.ROOT_SCOPE})
    self.assertLen(variable_shapes(self.graph), len(self.shapes))


class SpecTest(tf.test.TestCase):

  def test_names_follow_the_checkpoint_rule(self):
    block = inception_utils.mixed(
        'Mixed_9a',
        [conv(8, 1)],
        [conv(8, 1), conv(8, (1, 7)), conv(8, 3, stride=2)],
        [inception_utils.avg_pool(3), conv(8, 1)],
        [conv(8, 1), inception_utils.fork(conv(8, (1, 3)),
                                          conv(8, (3, 1)))],
        [inception_utils.max_pool(3, stride=2, padding='VALID')],
        [conv(8, 3, padding='VALID'), conv(8, 1, scope='Custom')])
    names = [[layer.scope if not isinstance(layer, inception_utils.Fork)
              else [m.scope for m in layer.layers] for layer in branch]
             for branch in block.branches]
    self.assertEqual(names, [
        ['Conv2d_0a_1x1'],
        ['Conv2d_0a_1x1', 'Conv2d_0b_1x7', 'Conv2d_1a_3x3'],
        ['AvgPool_0a_3x3', 'Conv2d_0b_1x1'],
        ['Conv2d_0a_1x1', ['Conv2d_0b_1x3', 'Conv2d_0c_3x1']],
        ['MaxPool_1a_3x3'],
        ['Conv2d_1a_3x3', 'Custom'],
    ])
    self.assertEqual(block.total_stride(), 2)

  def test_unknown_final_endpoint_lists_the_known_ones(self):
    layers = (conv(4, 3, scope='Conv2d_1a_3x3'),)
    with tf.Graph().as_default():
      images = tf.zeros([1, 8, 8, 3])
      with self.assertRaisesRegex(ValueError, 'Conv2d_1a_3x3'):
        inception_utils.build_stack(images, layers, 'Mixed_9z')

  def test_depth_multiplier_must_be_positive(self):
    with self.assertRaisesRegex(ValueError, 'depth_multiplier'):
      inception_utils.depth_fn_for(0.0, 16)
    self.assertEqual(inception_utils.depth_fn_for(0.5, 16)(64), 32)
    self.assertEqual(inception_utils.depth_fn_for(0.1, 16)(64), 16)


class ArgScopeTest(tf.test.TestCase):

  def test_batch_norm_params_match_the_checkpoints(self):
    scope = inception_utils.inception_arg_scope()
    params = [args for key, args in scope.items() if 'convolution' in key]
    self.assertLen(params, 1)
    bn_params = params[0]['normalizer_params']
    self.assertNotIn('is_training', bn_params)
    self.assertFalse(bn_params['scale'])  # No gamma in the checkpoints.
    self.assertEqual(bn_params['decay'], 0.9997)
    self.assertEqual(bn_params['epsilon'], 0.001)
    self.assertIs(params[0]['normalizer_fn'], normalization.batch_norm)
    no_bn = inception_utils.inception_arg_scope(use_batch_norm=False)
    no_bn_conv = [a for k, a in no_bn.items() if 'convolution' in k][0]
    self.assertIsNone(no_bn_conv['normalizer_fn'])

  def test_inception_resnet_v2_regularizes_biases(self):
    scope = inception_resnet_v2.inception_resnet_v2_arg_scope()
    fc_args = [a for k, a in scope.items() if 'fully_connected' in k][0]
    self.assertIsNotNone(fc_args['biases_regularizer'])
    plain = inception_utils.inception_arg_scope()
    fc_plain = [a for k, a in plain.items() if 'fully_connected' in k][0]
    self.assertIsNone(fc_plain['biases_regularizer'])


class ClassifierModeTest(tf.test.TestCase):
  """The shared classifier honours mode_scope and its overrides."""

  _LAYERS = (conv(8, 3, stride=2, scope='Conv2d_1a_3x3'),
             inception_utils.mixed('Mixed_2a', [conv(4, 1)],
                                   [inception_utils.avg_pool(3),
                                    conv(4, 1)]))
  _HEAD = inception_utils.LogitsHead('AvgPool_{}x{}', None, 8, 'Dropout',
                                     'Conv2d_1x1', False)

  def _build(self, is_training, **overrides):
    graph = tf.Graph()
    with graph.as_default():
      # Fixed weights: unseeded, about one build in a few hundred had every
      # PreLogits feature dead (ReLU), so dropout had nothing to change.
      tf.set_random_seed(0)
      images = tf.ones([2, 16, 16, 3])
      base = lambda net, scope: inception_utils.build_stack(net, self._LAYERS)
      with slim.arg_scope(inception_utils.inception_arg_scope()):
        with net_utils.override_modes(**overrides):
          logits, end_points = inception_utils.inception_classifier(
              images, base, self._HEAD, 5, is_training, 0.5, slim.softmax,
              True, None, None, 'Tiny', False)
    return graph, logits, end_points

  def test_training_creates_update_ops(self):
    graph, logits, end_points = self._build(True)
    self.assertLen(update_ops(graph), 2 * 3)
    self.assertEqual(logits.shape.as_list(), [2, 5])
    self.assertEqual(end_points['PreLogits'].shape.as_list(), [2, 1, 1, 8])

  def test_eval_and_frozen_batch_norm_create_none(self):
    self.assertEmpty(update_ops(self._build(False)[0]))
    self.assertEmpty(update_ops(
        self._build(True, batch_norm_training=False)[0]))

  def test_mc_dropout_is_stochastic_at_eval(self):
    graph, logits, end_points = self._build(False, dropout_training=True)
    with graph.as_default(), tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      first, second = sess.run(logits), sess.run(logits)
      features = sess.run(end_points['PreLogits'])
    self.assertGreater(np.count_nonzero(features), 0)  # Dropout has inputs.
    self.assertNotAllClose(first, second)
    self.assertEmpty(update_ops(graph))
    graph, logits, _ = self._build(False)
    with graph.as_default(), tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      self.assertAllEqual(sess.run(logits), sess.run(logits))

  def test_bad_arguments_are_explained(self):
    with tf.Graph().as_default():
      base = lambda net, scope: (net, {})
      with self.assertRaisesRegex(ValueError, 'expand_dims'):
        inception_utils.inception_classifier(
            tf.zeros([8, 8, 3]), base, self._HEAD, 5, False, 0.8, None,
            True, None, None, 'Tiny', False)
      with self.assertRaisesRegex(ValueError, 'dropout_keep_prob'):
        inception_utils.inception_classifier(
            tf.zeros([1, 8, 8, 3]), base, self._HEAD, 5, False, 1.5, None,
            True, None, None, 'Tiny', False)


class RegistryTest(tf.test.TestCase):

  def test_inception_entries(self):
    sizes = {'inception_v1': 224, 'inception_v2': 224, 'inception_v3': 299,
             'inception_v4': 299, 'inception_resnet_v2': 299}
    for name, size in sizes.items():
      spec = nets_factory.get_model_spec(name)
      self.assertEqual(spec.default_image_size, size, name)
      self.assertEqual(spec.builder.default_image_size, size, name)
      self.assertEqual(spec.preprocessing_name, 'inception', name)
      self.assertEqual(spec.checkpoint_classes, 1001, name)
      network_fn = nets_factory.get_network_fn(name, 1001)
      self.assertEqual(network_fn.default_image_size, size)


if __name__ == '__main__':
  tf.test.main()
