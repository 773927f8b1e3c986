"""Tests of uncertainty.confident_classifier.

The loss terms are checked against hand-computed numpy values on fixed
tensors (and KL against scipy), the training graph for its variable sets,
gradients and update order, and the sampling path on a tiny checkpoint.
"""
import json
import os

import numpy as np
from scipy import stats
import tensorflow.compat.v1 as tf

from nets import nets_factory
from training import runtime_test
from uncertainty import confident_classifier as cc
from uncertainty import gan_nets

_LOGITS = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0], [1.0, 1.0, 1.0]],
                   np.float32)
_LABELS = np.array([0, 2, 1], np.int64)
_D_REAL = np.array([1.5, -0.5, 0.0], np.float32)
_D_FAKE = np.array([-2.0, 0.3, 1.0], np.float32)


def _softmax(logits):
  shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
  return shifted / shifted.sum(axis=-1, keepdims=True)


def _kl_uniform(logits):
  """Per example: -log K - (1/K) sum_k log p_k, by hand."""
  num_classes = logits.shape[-1]
  return -np.log(num_classes) - np.mean(np.log(_softmax(logits)), axis=-1)


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


class LossTest(tf.test.TestCase):

  def _eval(self, tensors):
    with self.session() as session:
      return session.run(tensors)

  def test_kl_matches_formula_and_scipy(self):
    with tf.Graph().as_default():
      per_example, mean = self._eval([
          cc.kl_to_uniform_per_example(tf.constant(_LOGITS)),
          cc.kl_to_uniform(tf.constant(_LOGITS))])
    expected = _kl_uniform(_LOGITS.astype(np.float64))
    self.assertAllClose(per_example, expected, atol=1e-6)
    self.assertAllClose(mean, expected.mean(), atol=1e-6)
    uniform = np.full(3, 1.0 / 3)
    scipy_kl = [stats.entropy(uniform, p) for p in _softmax(_LOGITS * 1.0)]
    self.assertAllClose(per_example, scipy_kl, atol=1e-6)
    # The third row is uniform.
    self.assertAllClose(per_example[2], 0.0, atol=1e-6)

  def test_kl_is_zero_for_uniform_logits(self):
    with tf.Graph().as_default():
      logits = tf.constant([[0.0] * 10, [7.5] * 10, [-3.0] * 10])
      self.assertAllClose(self._eval(cc.kl_to_uniform(logits)), 0.0,
                          atol=1e-6)

  def test_kl_of_one_hot_ish_logits(self):
    # logits [L, 0, ..., 0]: log Z = log(e^L + K - 1), log p_1 = L - log Z,
    # log p_j = -log Z, so KL = log Z - log K - L / K
    #                         -> (K - 1) L / K - log K as L grows.
    big, num_classes = 30.0, 10
    logits = np.zeros([1, num_classes], np.float32)
    logits[0, 0] = big
    with tf.Graph().as_default():
      value = self._eval(cc.kl_to_uniform(tf.constant(logits)))
    log_z = np.logaddexp(big, np.log(num_classes - 1))
    self.assertAllClose(value, log_z - np.log(num_classes) - big / num_classes,
                        rtol=1e-5)
    self.assertAllClose(
        value, (num_classes - 1) * big / num_classes - np.log(num_classes),
        rtol=1e-5)

  def test_kl_scale_num_classes_multiplies_by_k(self):
    with tf.Graph().as_default():
      logits = tf.constant(_LOGITS)
      plain, scaled = self._eval([cc.kl_to_uniform(logits, 'none'),
                                  cc.kl_to_uniform(logits, 'num_classes')])
    self.assertAllClose(scaled, 3.0 * plain, rtol=1e-6)
    self.assertEqual(cc.kl_scale_factor('num_classes', 7), 7.0)
    self.assertEqual(cc.kl_scale_factor('none', 7), 1.0)

  def test_classifier_loss(self):
    generated = _LOGITS[::-1] * 0.7
    with tf.Graph().as_default():
      losses = self._eval(cc.classifier_loss(
          tf.constant(_LOGITS), tf.constant(_LABELS), tf.constant(generated),
          beta=0.4, kl_scale='num_classes', regularization=tf.constant(0.25)))
    probs = _softmax(_LOGITS.astype(np.float64))
    cross_entropy = -np.mean(np.log(probs[np.arange(3), _LABELS]))
    kl = 3.0 * _kl_uniform(generated.astype(np.float64)).mean()
    self.assertAllClose(losses['cross_entropy'], cross_entropy, atol=1e-6)
    self.assertAllClose(losses['kl_to_uniform'], kl, atol=1e-6)
    self.assertAllClose(losses['total'], cross_entropy + 0.4 * kl + 0.25,
                        atol=1e-6)

  def test_discriminator_loss(self):
    with tf.Graph().as_default():
      losses = self._eval(cc.discriminator_loss(tf.constant(_D_REAL),
                                                tf.constant(_D_FAKE)))
    real = -np.mean(np.log(_sigmoid(_D_REAL.astype(np.float64))))
    fake = -np.mean(np.log(1.0 - _sigmoid(_D_FAKE.astype(np.float64))))
    self.assertAllClose(losses['real'], real, atol=1e-6)
    self.assertAllClose(losses['generated'], fake, atol=1e-6)
    self.assertAllClose(losses['total'], real + fake, atol=1e-6)

  def test_generator_loss_both_gan_terms(self):
    d_fake = _D_FAKE.astype(np.float64)
    kl = _kl_uniform(_LOGITS.astype(np.float64)).mean()
    with tf.Graph().as_default():
      args = (tf.constant(_D_FAKE), tf.constant(_LOGITS))
      non_saturating, minimax = self._eval([
          cc.generator_loss(*args, beta=2.0),
          cc.generator_loss(*args, beta=2.0, gan_loss='minimax')])
    self.assertAllClose(non_saturating['gan'],
                        -np.mean(np.log(_sigmoid(d_fake))), atol=1e-6)
    self.assertAllClose(minimax['gan'],
                        np.mean(np.log(1.0 - _sigmoid(d_fake))), atol=1e-6)
    for losses in (non_saturating, minimax):
      self.assertAllClose(losses['kl_to_uniform'], kl, atol=1e-6)
      self.assertAllClose(losses['total'], losses['gan'] + 2.0 * kl,
                          atol=1e-6)

  def test_bad_arguments(self):
    with tf.Graph().as_default():
      logits = tf.constant(_LOGITS)
      with self.assertRaisesRegex(ValueError, 'kl_scale'):
        cc.kl_to_uniform(logits, 'sum')
      with self.assertRaisesRegex(ValueError, 'generator_gan_loss'):
        cc.generator_loss(tf.constant(_D_FAKE), logits, gan_loss='wgan')
      with self.assertRaisesRegex(ValueError, 'beta'):
        cc.classifier_loss(logits, tf.constant(_LABELS), logits, beta=-1.0)
      with self.assertRaisesRegex(ValueError, 'num_classes'):
        cc.kl_to_uniform(tf.zeros([2, 3, 4]))

  def test_loss_conventions_are_recorded(self):
    record = cc.loss_conventions(0.1, 'num_classes', 'minimax', 10)
    self.assertEqual(record['kl_scale'], 'num_classes')
    self.assertEqual(record['kl_scale_factor'], 'K = 10')
    self.assertEqual(record['beta'], 0.1)
    self.assertEqual(record['update_order'],
                     ['discriminator', 'generator', 'classifier'])
    self.assertIn('-log K - (1/K) sum_k log p_k', record['kl_to_uniform'])
    self.assertEqual(cc.loss_conventions(1.0, 'none', 'non_saturating')
                     ['kl_scale_factor'], 1)
    json.dumps(record)


class InputFnTest(tf.test.TestCase):

  def test_lenet_cifarnet_and_a_resizing_preprocessing(self):
    pixels = np.random.RandomState(0).uniform(0, 255, [2, 32, 32, 3])
    with tf.Graph().as_default():
      x = tf.constant(pixels, tf.float32)
      lenet = cc.preprocessing_input_fn('lenet', 32)(x)
      cifarnet = cc.preprocessing_input_fn('cifarnet', 32)(x)
      inception = cc.preprocessing_input_fn('inception', 32)(x)
      grad = tf.gradients(tf.reduce_sum(inception), x)[0]
      # Preprocessing summaries made per image are not kept.
      self.assertEqual(tf.get_collection(tf.GraphKeys.SUMMARIES), [])
      with self.session() as session:
        values = session.run([lenet, cifarnet, inception, grad])
    self.assertAllClose(values[0], (pixels - 128.0) / 128.0, atol=1e-5)
    centred = pixels - pixels.mean(axis=(1, 2, 3), keepdims=True)
    std = np.maximum(pixels.std(axis=(1, 2, 3), keepdims=True),
                     1.0 / np.sqrt(32 * 32 * 3))
    self.assertAllClose(values[1], centred / std, atol=1e-4)
    self.assertEqual(values[2].shape, (2, 32, 32, 3))
    self.assertTrue(np.all(np.isfinite(values[3])))

  def test_batch_ops_where_pfor_can_rewrite_the_preprocessing(self):
    def loops(preprocessing_name):
      with tf.Graph().as_default() as graph:
        pixels = tf.zeros([2, 32, 32, 3])
        cc.preprocessing_input_fn(preprocessing_name, 32)(pixels)
        return any(op.type in ('Enter', 'While', 'StatelessWhile')
                   for op in graph.get_operations())
    # Same decision as the input pipeline's: no loop for lenet and cifarnet,
    # a tf.map_fn loop for inception's resizing (TF 1.15 and TF 2 alike).
    self.assertFalse(loops('lenet'))
    self.assertFalse(loops('cifarnet'))
    self.assertTrue(loops('inception'))


def _build(model_name, batch_size=4, gan_depth=4, seed=1, **kwargs):
  """The training graph of `model_name` on random inputs (a fresh graph)."""
  spec = nets_factory.get_model_spec(model_name)
  size = spec.default_image_size
  channels = 1 if model_name == 'lenet' else 3
  images = tf.random.uniform([batch_size, size, size, channels], -1, 1,
                             seed=seed)
  labels = tf.constant(np.arange(batch_size) % 10, tf.int64)
  network_fn = nets_factory.get_network_fn(model_name, 10, is_training=True)
  global_step = tf.train.get_or_create_global_step()
  return cc.build_training_graph(
      images, labels, network_fn, tf.train.AdamOptimizer(1e-3),
      cc.preprocessing_input_fn(spec.preprocessing_name, size),
      noise_dim=8, gan_depth=gan_depth, global_step=global_step, seed=seed,
      **kwargs)


def _ancestors(op):
  """Every op `op` depends on, through data and control edges."""
  seen, stack = set(), [op]
  while stack:
    current = stack.pop()
    for parent in ([t.op for t in current.inputs] +
                   list(current.control_inputs)):
      if parent not in seen:
        seen.add(parent)
        stack.append(parent)
  return seen


def _names(variables):
  return {v.op.name for v in variables}


def _reached(loss, variables):
  return [g is not None for g in tf.gradients(loss, variables)]


class TrainingGraphTest(tf.test.TestCase):

  def _check_scopes(self, graph, model_name, scope, shape):
    """Classifier under the model's scope, named as the plain network."""
    with tf.Graph().as_default():
      network_fn = nets_factory.get_network_fn(model_name, 10)
      network_fn(tf.zeros(shape))
      standalone = _names(tf.trainable_variables())
    classifier = _names(graph.classifier_variables)
    generator = _names(graph.generator_variables)
    discriminator = _names(graph.discriminator_variables)
    # The names of the plain network: eval_image_classifier.py restores it.
    self.assertEqual(classifier, standalone)
    self.assertTrue(all(n.startswith(scope + '/') for n in classifier))
    self.assertTrue(all(n.startswith('generator/') for n in generator))
    self.assertTrue(all(n.startswith('discriminator/')
                        for n in discriminator))
    self.assertEqual(classifier | generator | discriminator,
                     _names(tf.trainable_variables()))
    self.assertEqual(graph.generated_inputs.get_shape().as_list(), shape)
    self.assertEqual(graph.generated_pixels.get_shape().as_list(), shape)
    self.assertEqual(graph.real_logits.get_shape().as_list(), [shape[0], 10])

  def test_builds_for_cifarnet(self):
    with tf.Graph().as_default():
      graph = _build('cifarnet')
      self._check_scopes(graph, 'cifarnet', 'CifarNet', [4, 32, 32, 3])
      self.assertEqual(
          _names(graph.generator_variables),
          {'generator/%s/%s' % (layer, name)
           for layer in ('project', 'deconv1', 'deconv2')
           for name in ('weights', 'biases')} |
          {'generator/%s_bn/%s' % (layer, name)
           for layer in ('project', 'deconv1') for name in ('beta', 'gamma')})

  def test_lenet_updates_change_only_their_variables_in_order(self):
    with tf.Graph().as_default():
      graph = _build('lenet')
      self._check_scopes(graph, 'lenet', 'LeNet', [4, 28, 28, 1])
      sets = {'classifier': graph.classifier_variables,
              'generator': graph.generator_variables,
              'discriminator': graph.discriminator_variables}
      init = tf.global_variables_initializer()
      with self.session() as session:

        def changed_by(op):
          session.run(init)
          before = session.run(sets)
          session.run(op)
          after = session.run(sets)
          return {name for name in sets
                  if any(np.any(b != a) for b, a in zip(before[name],
                                                        after[name]))}

        # Each op runs the updates before it (D, then G, then classifier).
        self.assertEqual(changed_by(graph.discriminator_train_op),
                         {'discriminator'})
        self.assertEqual(changed_by(graph.generator_train_op),
                         {'discriminator', 'generator'})
        self.assertEqual(changed_by(graph.train_op),
                         {'discriminator', 'generator', 'classifier'})
        self.assertEqual(session.run(tf.train.get_global_step()), 1)

  def test_gradients_and_update_order_in_the_graph(self):
    with tf.Graph().as_default():
      graph = _build('lenet')
      classifier = graph.classifier_variables
      generator = graph.generator_variables
      discriminator = graph.discriminator_variables
      # The classifier and D see generated images as constants.
      self.assertFalse(any(_reached(graph.losses['classifier'],
                                    generator + discriminator)))
      self.assertFalse(any(_reached(graph.losses['discriminator'],
                                    generator + classifier)))
      self.assertTrue(all(_reached(graph.losses['classifier'], classifier)))
      self.assertTrue(all(_reached(graph.losses['discriminator'],
                                   discriminator)))
      # G's loss reaches G through D and through the classifier's KL.
      self.assertTrue(all(_reached(graph.losses['generator'], generator)))
      self.assertTrue(all(_reached(graph.losses['generator_kl_to_uniform'],
                                   generator)))

      # Each step reads the weights the previous step wrote.
      d_op = graph.discriminator_train_op
      g_op = graph.generator_train_op
      handles = {'discriminator': {v.handle for v in discriminator},
                 'generator': {v.handle for v in generator}}

      def reads(scope, kind):
        return [op for op in tf.get_default_graph().get_operations()
                if op.type == 'ReadVariableOp' and op.name.startswith(scope)
                and op.inputs[0] in handles[kind]]

      d_reads_in_g_step = reads('generator_step/', 'discriminator')
      g_reads_in_c_step = reads('classifier_step/', 'generator')
      self.assertTrue(d_reads_in_g_step and g_reads_in_c_step)
      for op in d_reads_in_g_step:
        self.assertIn(d_op, _ancestors(op), op.name)
      for op in g_reads_in_c_step:
        self.assertIn(g_op, _ancestors(op), op.name)
      self.assertIn(g_op, _ancestors(graph.classifier_train_op))
      self.assertNotIn(g_op, _ancestors(d_op))
      # Initialising the variables runs no update.
      init = tf.global_variables_initializer()
      self.assertFalse({d_op, g_op} & _ancestors(init))

  def _train_steps(self, xla, num_steps=2):
    """Losses and metrics of `num_steps` lenet steps, ops run in the first."""
    with tf.Graph().as_default() as graph:
      tf.set_random_seed(0)
      # A GAN learning rate large enough for D's step to show (below).
      training = _build('lenet', xla=xla, gan_learning_rate=0.01)
      fetches = {'losses': training.losses, 'metrics': training.metrics,
                 'step': training.train_op}
      with self.session(graph=graph) as session:
        session.run(tf.global_variables_initializer())
        steps = [runtime_test.op_types_run(session, fetches)
                 for _ in range(num_steps)]
    return [value for value, _ in steps], steps[0][1]

  def test_xla_keeps_the_update_order_and_the_results(self):
    compiled, compiled_types = self._train_steps(xla=True)
    plain, plain_types = self._train_steps(xla=False)
    self.assertIn('_XlaRun', compiled_types)
    self.assertNotIn('_XlaRun', plain_types)
    for compiled_step, plain_step in zip(compiled, plain):
      metrics = compiled_step['metrics']
      # G's step reads D after D's update: on the same generated images, D's
      # "real" probability moved, so D's write came before G's read.
      self.assertGreater(
          abs(metrics['discriminator_generated_probability'] -
              metrics['discriminator_generated_probability_after_update']),
          1e-3)
      # The second step's losses see the weights the first step wrote.
      # Float rounding differs (most on TF 2: 1.6e-4 relative in step 2)
      # and grows fast: Adam turns rounding-level gradients into +-lr steps.
      # (So not the weights either: biases feeding a batch norm have only
      # such gradients.)
      for kind in ('losses', 'metrics'):
        self.assertAllClose(compiled_step[kind], plain_step[kind],
                            rtol=1e-3, atol=1e-4)

  def test_bad_configuration(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, 'kl_scale'):
        _build('lenet', kl_scale='K')
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, 'input_fn'):
        cc.build_training_graph(
            tf.zeros([2, 28, 28, 1]), tf.zeros([2], tf.int64),
            nets_factory.get_network_fn('lenet', 10, is_training=True),
            tf.train.AdamOptimizer(1e-3),
            lambda pixels: tf.image.resize(pixels, [14, 14]), noise_dim=4,
            gan_depth=4)


class SamplingTest(tf.test.TestCase):

  def test_samples_figure_and_missing_variables(self):
    train_dir = self.get_temp_dir()
    with tf.Graph().as_default():
      # The variables a trainer writes: the classifier, G and the step.
      nets_factory.get_network_fn('lenet', 10)(tf.zeros([1, 28, 28, 1]))
      gan_nets.generator(tf.zeros([1, 8]), 28, 28, 1, depth=4)
      step = tf.train.get_or_create_global_step()
      saver = tf.train.Saver()
      with self.session() as session:
        session.run(tf.global_variables_initializer())
        session.run(step.assign(7))
        checkpoint = saver.save(session, os.path.join(train_dir, 'model.ckpt'),
                                global_step=step)
    network_fn = nets_factory.get_network_fn('lenet', 10)
    input_fn = cc.preprocessing_input_fn('lenet', 28)
    samples = cc.sample_from_checkpoint(checkpoint, network_fn, input_fn,
                                        [28, 28, 1], noise_dim=8, gan_depth=4,
                                        num_samples=5, seed=3)
    self.assertEqual(samples.step, 7)
    self.assertEqual(samples.generated_pixels.shape, (5, 28, 28, 1))
    self.assertTrue(0 <= samples.generated_pixels.min() <=
                    samples.generated_pixels.max() <= 255)
    for probs in (samples.generated_probs, samples.uniform_noise_probs,
                  samples.gaussian_noise_probs):
      self.assertEqual(probs.shape, (5, 10))
      self.assertAllClose(probs.sum(axis=1), np.ones(5), atol=1e-5)
    path = cc.plot_samples(os.path.join(train_dir, 'samples.png'), samples)
    with open(path, 'rb') as f:
      self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
    with self.assertRaisesRegex(ValueError, 'gan_depth'):
      cc.sample_from_checkpoint(checkpoint, network_fn, input_fn,
                                [28, 28, 1], noise_dim=8, gan_depth=8,
                                num_samples=2)


if __name__ == '__main__':
  tf.test.main()
