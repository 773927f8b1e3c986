"""Confidence-calibrated classifier: a classifier trained jointly with a GAN.

Lee, Lee, Lee and Shin, "Training Confidence-Calibrated Classifiers for
Detecting Out-of-Distribution Samples", ICLR 2018 (arXiv:1711.09325). The
generator G is pushed towards the boundary of the in-distribution: its
samples must fool the discriminator D *and* get a near-uniform prediction
from the classifier p(y|x). The classifier learns the in-distribution with
cross-entropy and a near-uniform prediction on G's samples (the "confidence
loss"), so a low maximum softmax probability flags out-of-distribution input.

The losses, exactly (natural logarithms; x, y real examples and labels of a
batch of B; z_j ~ N(0, I) noise of dimension `noise_dim`, B per batch; K the
number of classes; D(.) = sigmoid of the discriminator logit; BCE(t, d) =
-t log d - (1 - t) log(1 - d)):

  KL(U || p) = sum_k (1/K) log((1/K) / p_k) = -log K - (1/K) sum_k log p_k

  per example (U is the uniform distribution over the K classes; this is the
  paper's direction, not KL(p || U)), averaged over the batch. It is 0 for a
  uniform prediction and tends to +inf as the prediction becomes one-hot.

  kl_term(G) = s * (1/B) sum_j KL(U || p(.|G(z_j)))

  with s = 1 for `kl_scale='none'` (the default, the paper's eq. (1)) and
  s = K for `kl_scale='num_classes'`. The authors' released PyTorch code
  (alinlab/Confident_classifier, src/run_joint_confidence.py; questioned in
  its issue #7, PITFALLS 20) multiplies its KL by the number of classes.
  Note what that multiplies: PyTorch's `F.kl_div` with its default
  reduction averages the pointwise terms over *all B x K elements*, so
  "kl_div(...) * K" there equals our `kl_scale='none'` value (the per-example
  sum over classes, averaged over the batch). `kl_scale='num_classes'`
  applies the factor K to the per-example KL above, i.e. it is the K x larger
  weight that a literal port of that line onto a correctly reduced KL gives
  (equivalent to beta * K). Both are offered and the choice is recorded.

  Classifier (theta), eq. (1)/(4) terms (a)+(b):
    L_C = (1/B) sum_i -log p(y_i | x_i) + beta * kl_term(G) [+ weight decay]
  Discriminator, standard GAN binary cross-entropy, term (c):
    L_D = (1/B) sum_i BCE(1, D(x_i)) + (1/B) sum_j BCE(0, D(G(z_j)))
  Generator, eq. (3):
    L_G = gan(G) + beta * kl_term(G)
    gan(G) = (1/B) sum_j BCE(1, D(G(z_j))) = mean -log D(G(z))  for
             'non_saturating' (default; what GANs, and the released code,
             train with), or mean log(1 - D(G(z))) for 'minimax' (the
             literal eq. (3); saturates early in training).

Update order per step (the paper's Algorithm 1 and the released code):
  1. D descends L_D (G(z) is a constant for D).
  2. G descends L_G on the same z, seeing the *updated* D (the classifier
     part of L_G uses the current classifier; only G's variables change).
  3. The classifier descends L_C on the real batch and on fresh noise z'
     through the *updated* G (G(z') is a constant for the classifier).
  One `session.run(train_op)` runs the three updates in this order (the
  variables are resource variables and each update's forward pass is
  created under a control dependency on the previous update); only step 3
  increments the global step.

beta (the weight of the KL term in L_C and L_G) defaults to 1.0. The paper
tunes beta (with the batch size and learning rate) on 1,000 held-out
out-of-distribution images per experiment; the released code's default is
beta = 1 (used for SVHN) and it sets beta = 0.1 for CIFAR-10.

G and D are the small DCGAN-style networks of `uncertainty.gan_nets`, sized
to the classifier's input. G emits pixels in [0, 255]; `input_fn` maps them
to classifier inputs the way real images are mapped (by default the model's
deterministic evaluation preprocessing), and D compares real and generated
images in that classifier-input space. The classifier is any
`nets_factory` network, under its own scope (e.g. 'LeNet/...'), so the
checkpoint evaluates with eval_image_classifier.py and the uncertainty tools
under the same --model_name. Batch norm in the classifier updates its moving
statistics from the real batch only.

Typical use (see train_confident_classifier.py):

  network_fn = nets_factory.get_network_fn('lenet', 10, is_training=True)
  graph = confident_classifier.build_training_graph(
      images, labels, network_fn, tf.train.AdamOptimizer(2e-4),
      input_fn=confident_classifier.preprocessing_input_fn('lenet', 28),
      beta=1.0, kl_scale='none', global_step=global_step)
  confident_classifier.add_summaries(graph)
  session.run(graph.train_op)   # D, then G, then the classifier
"""
import collections
import math

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from datasets import input_pipeline
from preprocessing import preprocessing_factory
from training import runtime
from uncertainty import gan_nets

KL_SCALES = ('none', 'num_classes')
GENERATOR_GAN_LOSSES = ('non_saturating', 'minimax')
UPDATE_ORDER = ('discriminator', 'generator', 'classifier')
DEFAULT_BETA = 1.0
DEFAULT_NOISE_DIM = 100
DEFAULT_GAN_LEARNING_RATE = 0.0002
DEFAULT_GAN_ADAM_BETA1 = 0.5

TrainingGraph = collections.namedtuple('TrainingGraph', [
    'train_op',                 # runs D, G, classifier updates, in order.
    'discriminator_train_op',
    'generator_train_op',
    'classifier_train_op',
    'losses',                   # {name: scalar tensor}.
    'metrics',                  # {name: scalar tensor}, training batch.
    'real_inputs',              # classifier inputs of the real batch.
    'generated_inputs',         # classifier inputs of G(z') (step 3).
    'generated_pixels',         # G(z') in [0, 255].
    'real_logits',
    'generated_logits',
    'classifier_variables',
    'generator_variables',
    'discriminator_variables',
])


def _check_choice(value, choices, name):
  if value not in choices:
    raise ValueError('Unknown %s=%r; choose one of %s.' %
                     (name, value, ', '.join(choices)))


def _check_beta(beta):
  if beta is None or beta < 0 or math.isnan(beta):
    raise ValueError('beta (the KL weight) must be >= 0, got %r.' % (beta,))


def _num_classes(logits):
  num_classes = logits.get_shape()[-1].value
  if logits.get_shape().ndims != 2 or not num_classes:
    raise ValueError('Expected logits [batch, num_classes] with a static '
                     'number of classes, got shape %s. Build the classifier '
                     'with num_classes > 0.' % logits.get_shape())
  return num_classes


def kl_scale_factor(kl_scale, num_classes):
  """The factor s of kl_term: 1 for 'none', K for 'num_classes'."""
  _check_choice(kl_scale, KL_SCALES, 'kl_scale')
  return float(num_classes) if kl_scale == 'num_classes' else 1.0


def kl_to_uniform_per_example(logits):
  """KL(U || softmax(logits)) = -log K - (1/K) sum_k log p_k, per row.

  Args:
    logits: float [batch, K].

  Returns:
    float [batch], >= 0 (up to rounding).
  """
  num_classes = _num_classes(logits)
  log_probs = tf.nn.log_softmax(logits)
  return -math.log(num_classes) - tf.reduce_mean(log_probs, axis=-1)


def kl_to_uniform(logits, scale='none'):
  """The batch mean of KL(U || p), times K if `scale='num_classes'`.

  Args:
    logits: float [batch, K].
    scale: 'none' (the paper's loss) or 'num_classes' (times K; see the
      module docstring for how this relates to the released code).

  Returns:
    A float scalar.

  Raises:
    ValueError: unknown scale or bad logits shape.
  """
  factor = kl_scale_factor(scale, _num_classes(logits))
  return factor * tf.reduce_mean(kl_to_uniform_per_example(logits))


def classifier_loss(real_logits, labels, generated_logits, beta=DEFAULT_BETA,
                    kl_scale='none', regularization=None):
  """L_C = mean cross-entropy on real data + beta * kl_term on G's samples.

  Args:
    real_logits: float [B, K], classifier logits of the real batch.
    labels: int [B], labels in [0, K).
    generated_logits: float [B', K], classifier logits of generated images.
    beta: weight of the KL term (>= 0).
    kl_scale: 'none' or 'num_classes'.
    regularization: optional scalar added to the total (weight decay).

  Returns:
    {'total', 'cross_entropy', 'kl_to_uniform'} scalars; 'kl_to_uniform' is
    kl_term (after kl_scale, before beta).
  """
  _check_beta(beta)
  cross_entropy = tf.reduce_mean(
      tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                     logits=real_logits))
  kl = kl_to_uniform(generated_logits, kl_scale)
  total = cross_entropy + beta * kl
  if regularization is not None:
    total += regularization
  return {'total': total, 'cross_entropy': cross_entropy,
          'kl_to_uniform': kl}


def _bce(targets_are_real, logits):
  labels = (tf.ones_like(logits) if targets_are_real
            else tf.zeros_like(logits))
  return tf.reduce_mean(
      tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def discriminator_loss(real_logits, generated_logits):
  """L_D = mean BCE(1, D(x)) + mean BCE(0, D(G(z))), from D's logits.

  Args:
    real_logits: float [B], discriminator logits of real images.
    generated_logits: float [B'], discriminator logits of generated images.

  Returns:
    {'total', 'real', 'generated'} scalars.
  """
  real = _bce(True, real_logits)
  generated = _bce(False, generated_logits)
  return {'total': real + generated, 'real': real, 'generated': generated}


def generator_loss(discriminator_logits, classifier_logits, beta=DEFAULT_BETA,
                   kl_scale='none', gan_loss='non_saturating'):
  """L_G = gan(G) + beta * kl_term(G), on generated images.

  Args:
    discriminator_logits: float [B], D's logits of G(z).
    classifier_logits: float [B, K], the classifier's logits of G(z).
    beta: weight of the KL term (>= 0).
    kl_scale: 'none' or 'num_classes'.
    gan_loss: 'non_saturating' (mean -log D(G(z)), i.e. BCE to "real") or
      'minimax' (mean log(1 - D(G(z))), the literal eq. (3)).

  Returns:
    {'total', 'gan', 'kl_to_uniform'} scalars; 'kl_to_uniform' is kl_term
    (after kl_scale, before beta).

  Raises:
    ValueError: unknown gan_loss or kl_scale, or beta < 0.
  """
  _check_choice(gan_loss, GENERATOR_GAN_LOSSES, 'generator_gan_loss')
  _check_beta(beta)
  if gan_loss == 'non_saturating':
    gan = _bce(True, discriminator_logits)
  else:
    # log(1 - sigmoid(l)) = -softplus(l).
    gan = -tf.reduce_mean(tf.nn.softplus(discriminator_logits))
  kl = kl_to_uniform(classifier_logits, kl_scale)
  return {'total': gan + beta * kl, 'gan': gan, 'kl_to_uniform': kl}


def mean_max_softmax(logits):
  """Mean over the batch of max_k softmax(logits)_k (MSP)."""
  return tf.reduce_mean(tf.reduce_max(tf.nn.softmax(logits), axis=-1))


def loss_conventions(beta, kl_scale, generator_gan_loss, num_classes=None):
  """The loss definitions and choices of a run, for flags.json."""
  _check_choice(kl_scale, KL_SCALES, 'kl_scale')
  _check_choice(generator_gan_loss, GENERATOR_GAN_LOSSES,
                'generator_gan_loss')
  return {
      'paper': 'Lee, Lee, Lee and Shin, ICLR 2018, arXiv:1711.09325',
      'kl_direction': 'KL(U || p(y|x)), U uniform over the K classes',
      'kl_to_uniform': 'per example -log K - (1/K) sum_k log p_k (sum over '
                       'classes), mean over the batch',
      'kl_scale': kl_scale,
      'kl_scale_factor': ('K = %d' % num_classes
                          if kl_scale == 'num_classes' and num_classes
                          else ('K' if kl_scale == 'num_classes' else 1)),
      'beta': beta,
      'classifier_loss': 'mean CE(y, p(.|x)) + beta * s * mean KL(U || '
                         'p(.|G(z))) + weight decay',
      'discriminator_loss': 'mean BCE(1, D(x)) + mean BCE(0, D(G(z)))',
      'generator_loss': 'gan + beta * s * mean KL(U || p(.|G(z)))',
      'generator_gan_loss': generator_gan_loss,
      'generator_gan_term': ('mean -log D(G(z))'
                             if generator_gan_loss == 'non_saturating'
                             else 'mean log(1 - D(G(z)))'),
      'update_order': list(UPDATE_ORDER),
      'noise': 'z ~ N(0, I); fresh z for the classifier step',
      'classifier_mode_on_generated': 'training mode (dropout on), batch '
                                      'norm statistics updated from the '
                                      'real batch only',
      'log': 'natural',
  }


def preprocessing_input_fn(preprocessing_name, image_size,
                           use_grayscale=False):
  """fn(pixels [B, H, W, C] in [0, 255]) -> classifier inputs [B, S, S, C'].

  Applies the deterministic (evaluation) preprocessing of
  `preprocessing_name` to each image, differentiably, so generated pixels
  reach the classifier and the discriminator as real images do (for lenet:
  (x - 128) / 128). The per-image function runs as batch ops
  (`input_pipeline.vectorized_map`, as the input pipeline batches it) when
  pfor can rewrite all its ops, and is looped (`tf.map_fn`) otherwise (TF
  1.15 cannot batch image resizing). Image summaries the preprocessing would
  add per image are dropped (they cannot be merged from inside a loop).

  Args:
    preprocessing_name: a preprocessing_factory name (or a model name).
    image_size: output height and width.
    use_grayscale: convert RGB to one channel, as the training input does.

  Returns:
    The function.
  """
  preprocessing_fn = preprocessing_factory.get_preprocessing(
      preprocessing_name, is_training=False, use_grayscale=use_grayscale)

  def preprocess(image):
    return preprocessing_fn(image, image_size, image_size)

  def input_fn(pixels):
    kept = list(tf.get_collection(tf.GraphKeys.SUMMARIES))
    with tf.name_scope('preprocess_generated'):
      inputs = input_pipeline.vectorized_map(preprocess, pixels)
      if inputs is None:
        inputs = tf.map_fn(preprocess, pixels, dtype=tf.float32)
    tf.get_collection_ref(tf.GraphKeys.SUMMARIES)[:] = kept
    return inputs

  return input_fn


def _new_trainable(before):
  known = set(before)
  return [v for v in tf.trainable_variables() if v not in known]


def _classifier(network_fn, inputs, reuse):
  with tf.variable_scope(tf.get_variable_scope(), reuse=reuse):
    logits, _ = network_fn(inputs)
  return logits


def _generate(noise, image_shape, gan_depth, input_fn, after=None,
              xla=False):
  """G(noise) as pixels and as classifier inputs.

  With `after`, only the generator's forward pass is built under a control
  dependency on those ops (it then reads G's updated weights); `input_fn`
  may contain a tf.while_loop (map_fn), which must not be created inside a
  control-dependency context in TF 1.x (its outputs would have no value),
  nor compiled with the generator (`xla`).
  """
  height, width, channels = image_shape
  with tf.control_dependencies(after or []), runtime.xla_scope(xla):
    pixels = gan_nets.generator(noise, height, width, channels,
                                depth=gan_depth)
  inputs = input_fn(pixels)
  if inputs.get_shape()[1:].as_list() != list(image_shape):
    raise ValueError(
        'input_fn maps generated %s pixels to classifier inputs of shape %s; '
        'it must keep the classifier input shape %s (use the model\'s image '
        'size).' % (pixels.get_shape()[1:], inputs.get_shape()[1:],
                    list(image_shape)))
  return pixels, inputs


def _gan_optimizer(network, learning_rate, beta1, beta2):
  return tf.train.AdamOptimizer(learning_rate, beta1, beta2,
                                name='%s_adam' % network)


def _update(optimizer, loss, var_list, after, global_step=None,
            update_ops=(), allow_missing=False):
  """Applies `optimizer` to `loss` over `var_list` after the ops `after`.

  The gradients are built outside the control-dependency context: in
  TF 1.x a gradient tf.while_loop (from map_fn in `input_fn`) created
  inside one yields tensors without values.
  """
  grads_and_vars = optimizer.compute_gradients(loss, var_list=var_list)
  missing = [v.op.name for g, v in grads_and_vars if g is None]
  if missing and not allow_missing:
    raise ValueError('No gradient of %s reaches %s.' % (loss.op.name,
                                                        ', '.join(missing)))
  if missing:
    logging.warning('Not trained (no gradient from the classifier loss, e.g. '
                    'an auxiliary head): %s.', ', '.join(missing))
  grads_and_vars = [(g, v) for g, v in grads_and_vars if g is not None]
  with tf.control_dependencies(after):
    apply_op = optimizer.apply_gradients(grads_and_vars,
                                         global_step=global_step)
  with tf.control_dependencies([apply_op] + list(update_ops)):
    return tf.no_op(name='update')


def _static_image_shape(images):
  shape = images.get_shape()
  if shape.ndims != 4 or None in shape[1:].as_list():
    raise ValueError('Real images must be [batch, height, width, channels] '
                     'with static sizes, got %s.' % shape)
  return shape[1:].as_list()


def build_training_graph(images, labels, network_fn, classifier_optimizer,
                         input_fn, beta=DEFAULT_BETA, kl_scale='none',
                         generator_gan_loss='non_saturating',
                         noise_dim=DEFAULT_NOISE_DIM,
                         gan_depth=gan_nets.DEFAULT_DEPTH,
                         gan_learning_rate=DEFAULT_GAN_LEARNING_RATE,
                         gan_adam_beta1=DEFAULT_GAN_ADAM_BETA1,
                         gan_adam_beta2=0.999, global_step=None, seed=None,
                         xla=False):
  """Builds the joint D / G / classifier training step (Algorithm 1).

  Must be called where no classifier variables exist yet (a fresh graph).
  All variables created here are resource variables, so each update reads
  the weights the previous update wrote.

  Args:
    images: float [B, H, W, C] real classifier inputs (preprocessed).
    labels: int [B] labels in [0, K).
    network_fn: a `nets_factory.get_network_fn(..., is_training=True)`
      classifier with num_classes = K > 0.
    classifier_optimizer: the tf.train.Optimizer of the classifier.
    input_fn: fn(pixels [B, H, W, C] in [0, 255]) -> classifier inputs of
      the same shape as `images` (see `preprocessing_input_fn`).
    beta: weight of the KL term in L_C and L_G.
    kl_scale: 'none' or 'num_classes' (see the module docstring).
    generator_gan_loss: 'non_saturating' or 'minimax'.
    noise_dim: dimension of z.
    gan_depth: base depth of G and D.
    gan_learning_rate: Adam learning rate of G and D.
    gan_adam_beta1: Adam beta1 of G and D (0.5 as in DCGAN).
    gan_adam_beta2: Adam beta2 of G and D.
    global_step: incremented by the classifier update (None: not counted).
    seed: optional op seed of the noise.
    xla: compile the networks and losses of the three steps, and so their
      gradients, with XLA (`--xla`); the noise, the preprocessing of
      generated images and the updates stay uncompiled.

  Returns:
    A TrainingGraph.

  Raises:
    ValueError: bad arguments or shapes.
  """
  _check_choice(kl_scale, KL_SCALES, 'kl_scale')
  _check_choice(generator_gan_loss, GENERATOR_GAN_LOSSES,
                'generator_gan_loss')
  _check_beta(beta)
  if noise_dim < 1:
    raise ValueError('noise_dim must be >= 1, got %r.' % noise_dim)
  image_shape = _static_image_shape(images)
  batch_size = tf.shape(images)[0]

  def noise(name, op_seed):
    return tf.random.normal([batch_size, noise_dim], seed=op_seed, name=name)

  def compiled():
    return runtime.xla_scope(xla)

  with tf.variable_scope(tf.get_variable_scope(), use_resource=True):
    # The real tower of the classifier step creates the classifier's
    # variables; the classifier changes only in step 3, so it may read them
    # first. Its batch-norm updates are the only ones run.
    before = tf.trainable_variables()
    regularization_before = set(
        tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    updates_before = set(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    with tf.name_scope('classifier_real'), compiled():
      real_logits = _classifier(network_fn, images, reuse=None)
    classifier_vars = _new_trainable(before)
    _num_classes(real_logits)
    regularization = [
        r for r in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
        if r not in regularization_before]
    classifier_updates = [u for u in tf.get_collection(tf.GraphKeys.UPDATE_OPS)
                          if u not in updates_before]

    # 1. Discriminator.
    before = tf.trainable_variables()
    with tf.name_scope('discriminator_step'):
      _, generated_inputs_1 = _generate(noise('z', seed), image_shape,
                                        gan_depth, input_fn, xla=xla)
      generator_vars = _new_trainable(before)
      before = tf.trainable_variables()
      with compiled():
        d_real = gan_nets.discriminator(images, depth=gan_depth)
        d_generated = gan_nets.discriminator(
            tf.stop_gradient(generated_inputs_1), depth=gan_depth)
        d_losses = discriminator_loss(d_real, d_generated)
      discriminator_vars = _new_trainable(before)
      d_train_op = _update(
          _gan_optimizer('discriminator', gan_learning_rate, gan_adam_beta1,
                         gan_adam_beta2), d_losses['total'],
          discriminator_vars, after=[])

    # 2. Generator, after D's update, on the same z.
    with tf.name_scope('generator_step'):
      with compiled():
        with tf.control_dependencies([d_train_op]):
          d_for_g = gan_nets.discriminator(generated_inputs_1,
                                           depth=gan_depth)
        classifier_for_g = _classifier(network_fn, generated_inputs_1,
                                       reuse=True)
        g_losses = generator_loss(d_for_g, classifier_for_g, beta, kl_scale,
                                  generator_gan_loss)
      g_train_op = _update(
          _gan_optimizer('generator', gan_learning_rate, gan_adam_beta1,
                         gan_adam_beta2), g_losses['total'], generator_vars,
          after=[d_train_op])

    # 3. Classifier, after G's update, on fresh noise.
    with tf.name_scope('classifier_step'):
      generated_pixels, generated_inputs = _generate(
          noise('z', None if seed is None else seed + 1), image_shape,
          gan_depth, input_fn, after=[g_train_op], xla=xla)
      generated_inputs = tf.stop_gradient(generated_inputs)
      with compiled():
        generated_logits = _classifier(network_fn, generated_inputs,
                                       reuse=True)
        c_losses = classifier_loss(
            real_logits, labels, generated_logits, beta, kl_scale,
            regularization=tf.add_n(regularization) if regularization
            else None)
      c_train_op = _update(classifier_optimizer, c_losses['total'],
                           classifier_vars, after=[g_train_op],
                           global_step=global_step,
                           update_ops=classifier_updates, allow_missing=True)
  with tf.control_dependencies([c_train_op]):
    train_op = tf.identity(c_losses['total'], name='train_op')

  losses = {
      'discriminator': d_losses['total'],
      'discriminator_real': d_losses['real'],
      'discriminator_generated': d_losses['generated'],
      'generator': g_losses['total'],
      'generator_gan': g_losses['gan'],
      'generator_kl_to_uniform': g_losses['kl_to_uniform'],
      'classifier': c_losses['total'],
      'classifier_cross_entropy': c_losses['cross_entropy'],
      'classifier_kl_to_uniform': c_losses['kl_to_uniform'],
  }
  if regularization:
    losses['classifier_regularization'] = tf.add_n(regularization)
  labels = tf.cast(labels, tf.int64)
  metrics = {
      'accuracy_real_batch': tf.reduce_mean(tf.cast(
          tf.equal(tf.argmax(real_logits, -1), labels), tf.float32)),
      'mean_max_softmax_real': mean_max_softmax(real_logits),
      'mean_max_softmax_generated': mean_max_softmax(generated_logits),
      'discriminator_real_probability': tf.reduce_mean(tf.sigmoid(d_real)),
      'discriminator_generated_probability': tf.reduce_mean(
          tf.sigmoid(d_generated)),
      # D(G(z)) on the same images after D's update, beside the value
      # before it (as the DCGAN recipe logs "D(G(z)): before / after").
      'discriminator_generated_probability_after_update': tf.reduce_mean(
          tf.sigmoid(d_for_g)),
  }
  return TrainingGraph(
      train_op=train_op, discriminator_train_op=d_train_op,
      generator_train_op=g_train_op, classifier_train_op=c_train_op,
      losses=losses, metrics=metrics, real_inputs=images,
      generated_inputs=generated_inputs, generated_pixels=generated_pixels,
      real_logits=real_logits, generated_logits=generated_logits,
      classifier_variables=classifier_vars, generator_variables=generator_vars,
      discriminator_variables=discriminator_vars)


def add_summaries(graph, max_images=16):
  """TensorBoard summaries of a TrainingGraph.

  Scalars 'losses/<name>' (the three losses and their terms) and
  'confident_classifier/<metric>' (accuracy on the real batch, mean
  max-softmax on real vs generated, D's mean probability of "real" on
  real and on generated images, the latter also after D's update);
  images 'images/real' and 'images/generated' (classifier inputs, so both
  are shown the same way).

  Args:
    graph: a TrainingGraph.
    max_images: images per image summary.

  Returns:
    The list of summary ops.
  """
  summaries = []
  for name, value in sorted(graph.losses.items()):
    summaries.append(tf.summary.scalar('losses/' + name, value))
  for name, value in sorted(graph.metrics.items()):
    summaries.append(tf.summary.scalar('confident_classifier/' + name,
                                       value))
  summaries.append(tf.summary.image('images/real', graph.real_inputs,
                                    max_outputs=max_images))
  summaries.append(tf.summary.image('images/generated',
                                    graph.generated_inputs,
                                    max_outputs=max_images))
  return summaries


Samples = collections.namedtuple('Samples', [
    'generated_pixels',       # [N, H, W, C] in [0, 255].
    'generated_probs',        # [N, K] classifier probabilities.
    'uniform_noise_probs',    # [N, K] on U(0, 255) pixel noise.
    'gaussian_noise_probs',   # [N, K] on N(127.5, 64^2) pixels, clipped.
    'step',                   # global step of the checkpoint.
])


def sample_from_checkpoint(checkpoint, network_fn, input_fn, image_shape,
                           noise_dim=DEFAULT_NOISE_DIM,
                           gan_depth=gan_nets.DEFAULT_DEPTH, num_samples=64,
                           seed=0, session_config=None):
  """Draws G's samples and scores them and pixel noise with the classifier.

  Builds a fresh graph with the generator and the classifier (build
  `network_fn` with is_training=False), restores both from `checkpoint` and
  runs them once. G uses its batch statistics (as in training).

  Args:
    checkpoint: a checkpoint prefix written by the confident-classifier
      trainer.
    network_fn: the classifier in inference mode.
    input_fn: pixels -> classifier inputs (as in training).
    image_shape: [H, W, C] of the classifier input.
    noise_dim: dimension of z (as in training).
    gan_depth: base depth of G (as in training).
    num_samples: samples drawn, and noise images scored.
    seed: seed of z and of the pixel noise.
    session_config: optional tf.ConfigProto.

  Returns:
    A Samples tuple of numpy arrays.

  Raises:
    ValueError: the checkpoint lacks a generator or classifier variable, or
      has it with another shape.
  """
  height, width, channels = image_shape
  with tf.Graph().as_default():
    tf.random.set_random_seed(seed)
    z = tf.random.normal([num_samples, noise_dim], seed=seed)
    pixels, inputs = _generate(z, image_shape, gan_depth, input_fn)
    generator_vars = tf.global_variables()
    uniform = tf.random.uniform([num_samples, height, width, channels],
                                0.0, 255.0, seed=seed + 1)
    gaussian = tf.clip_by_value(
        tf.random.normal([num_samples, height, width, channels], 127.5,
                         64.0, seed=seed + 2), 0.0, 255.0)
    batch = tf.concat([inputs, input_fn(uniform), input_fn(gaussian)], 0)
    logits, _ = network_fn(batch)
    probs = tf.split(tf.nn.softmax(logits), 3)
    step = tf.train.get_or_create_global_step()
    var_list = tf.global_variables()
    shapes = tf.train.load_checkpoint(checkpoint).get_variable_to_shape_map()
    for variable in var_list:
      name = variable.op.name
      shape = variable.get_shape().as_list()
      if shapes.get(name) != shape:
        raise ValueError(
            'Checkpoint %s has %s for %s variable %s of shape %s: pass the '
            'train_dir of train_confident_classifier.py and the same '
            '--model_name, --noise_dim and --gan_depth as in training.' %
            (checkpoint, 'no value' if name not in shapes else
             'shape %s' % shapes[name],
             'generator' if variable in generator_vars else 'classifier',
             name, shape))
    saver = tf.train.Saver(var_list)
    with tf.Session(config=session_config) as session:
      saver.restore(session, checkpoint)
      values = session.run([pixels] + probs + [step])
  return Samples(*values)


def plot_samples(path, samples, num_columns=None, title=None):
  """Writes a PNG grid of generated samples, each titled with its MSP.

  Args:
    path: the PNG file.
    samples: a Samples tuple.
    num_columns: images per row (None: square-ish).
    title: optional title; the mean MSPs are appended.

  Returns:
    path.
  """
  # Lazy: importing this module must not pull in matplotlib.
  # pylint: disable=g-import-not-at-top
  from matplotlib import figure
  from matplotlib.backends import backend_agg
  # pylint: enable=g-import-not-at-top
  pixels = np.asarray(samples.generated_pixels)
  msp = np.max(samples.generated_probs, axis=-1)
  num = pixels.shape[0]
  num_columns = num_columns or int(math.ceil(math.sqrt(num)))
  num_rows = int(math.ceil(num / float(num_columns)))
  fig = figure.Figure(figsize=(1.1 * num_columns, 1.25 * num_rows + 0.6))
  backend_agg.FigureCanvasAgg(fig)
  for index in range(num):
    axes = fig.add_subplot(num_rows, num_columns, index + 1)
    image = np.clip(pixels[index], 0, 255).astype(np.uint8)
    if image.shape[-1] == 1:
      axes.imshow(image[..., 0], cmap='gray', vmin=0, vmax=255)
    else:
      axes.imshow(image)
    axes.set_title('%.2f' % msp[index], fontsize=7)
    axes.axis('off')
  heading = '%sstep %d: mean max-softmax %.3f on generated samples' % (
      (title + '\n') if title else '', samples.step, float(np.mean(msp)))
  fig.suptitle(heading, fontsize=8)
  fig.tight_layout(rect=[0, 0, 1, 1 - 0.5 / fig.get_figheight()])
  fig.savefig(path, dpi=100)
  return path
