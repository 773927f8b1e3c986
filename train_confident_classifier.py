r"""Trains a confidence-calibrated classifier jointly with a GAN.

Lee, Lee, Lee and Shin, "Training Confidence-Calibrated Classifiers for
Detecting Out-of-Distribution Samples", ICLR 2018. Each step updates the
discriminator, then the generator (fool D and get a near-uniform
prediction), then the classifier (cross-entropy on real data + beta *
KL(U || p(y|G(z)))); the losses are defined exactly in
`uncertainty/confident_classifier.py` and uncertainty/CONFIDENT_CLASSIFIER.md.

Typical use:

  python train_confident_classifier.py --train_dir=/tmp/cc \
    --dataset_name=mnist --dataset_split_name=train --dataset_dir=/data/mnist \
    --model_name=lenet --max_number_of_steps=2000 --beta=1.0
  python eval_image_classifier.py --checkpoint_path=/tmp/cc \
    --eval_dir=/tmp/cc/eval --dataset_name=mnist --dataset_split_name=test \
    --dataset_dir=/data/mnist --model_name=lenet

The classifier's variables sit under the model's own scope (e.g. LeNet/...),
so eval_image_classifier.py and the uncertainty tools evaluate the checkpoint
with the same --model_name. `train_dir` gets model.ckpt-N checkpoints
(resumed on restart), TensorBoard summaries (the three losses and their
terms, batch accuracy, mean max-softmax on real and generated images, real
and generated image summaries), `flags.json` (all flags, the loss
conventions, library versions) and, at the end, `generated_samples.png`
(a grid of generator samples from the latest checkpoint, each titled with
the classifier's max-softmax) with `generated_samples.json` and `.npz`
(mean max-softmax on generated samples and on pixel noise).
"""
import os

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from datasets import input_pipeline
from training import common_flags
from training import model_setup
from training import optimizers
from training import runtime
from training import train_lib
from uncertainty import confident_classifier
from uncertainty import gan_nets

FLAGS_FILE = 'flags.json'
SAMPLES_NAME = 'generated_samples'
# Classifier optimizers whose hyper-parameters have flags here.
OPTIMIZERS = ('adam', 'momentum', 'rmsprop', 'sgd')

# Output, schedule and seed (names as in train_image_classifier.py).
common_flags.define_run_flags(
    '/tmp/confident_classifier/',
    'Where checkpoints, event logs, flags.json and the generated-samples '
    'figure are written.')
# Input (the in-distribution dataset).
common_flags.define_input_flags('mnist', 'train', training=True)
flags.DEFINE_integer('batch_size', 64,
                     'Real examples per step; the generator draws as many.')
# Classifier.
flags.DEFINE_string('model_name', 'lenet', 'The classifier (nets_factory).')
flags.DEFINE_float('weight_decay', 0.0, 'L2 weight decay of the classifier.')
flags.DEFINE_string('optimizer', 'adam',
                    'Classifier optimizer: %s.' % ', '.join(OPTIMIZERS))
flags.DEFINE_float('learning_rate', 0.0002,
                   'Classifier learning rate (fixed).')
common_flags.define_optimizer_flags(
    1e-8, 'Classifier optimizer epsilon (train_image_classifier.py keeps '
    'TF-Slim\'s 1.0; Adam\'s own default here).')
# Confidence loss and GAN.
flags.DEFINE_float('beta', confident_classifier.DEFAULT_BETA,
                   'Weight of KL(U || p(y|G(z))) in the classifier and '
                   'generator losses.')
flags.DEFINE_enum('kl_scale', 'none', list(confident_classifier.KL_SCALES),
                  'none: the paper\'s per-example KL; num_classes: times K '
                  '(see uncertainty/CONFIDENT_CLASSIFIER.md).')
flags.DEFINE_enum('generator_gan_loss', 'non_saturating',
                  list(confident_classifier.GENERATOR_GAN_LOSSES),
                  'non_saturating: -log D(G(z)); minimax: log(1 - D(G(z))).')
flags.DEFINE_integer('noise_dim', confident_classifier.DEFAULT_NOISE_DIM,
                     'Dimension of the generator noise z ~ N(0, I).')
flags.DEFINE_integer('gan_depth', gan_nets.DEFAULT_DEPTH,
                     'Base depth of the generator and discriminator.')
flags.DEFINE_float('gan_learning_rate',
                   confident_classifier.DEFAULT_GAN_LEARNING_RATE,
                   'Adam learning rate of the generator and discriminator.')
flags.DEFINE_float('gan_adam_beta1',
                   confident_classifier.DEFAULT_GAN_ADAM_BETA1,
                   'Adam beta1 of the generator and discriminator.')
# The figure of generated samples.
flags.DEFINE_integer('num_samples', 64,
                     'Generated samples drawn into train_dir/'
                     'generated_samples.png after training; 0: none.')
# Session: gpu_allow_growth, gpu_memory_fraction, *_parallelism_threads.
common_flags.define_session_flags()
common_flags.define_xla_flag()

FLAGS = flags.FLAGS


def check_params(params):
  """Fails with a UserError naming the flag for values that cannot work."""
  if not params['dataset_dir']:
    raise runtime.UserError('You must supply the dataset directory with '
                            '--dataset_dir.')
  if params['optimizer'] not in OPTIMIZERS:
    raise runtime.UserError('--optimizer=%s is not supported here; choose '
                            'one of %s.' % (params['optimizer'],
                                            ', '.join(OPTIMIZERS)))
  if params['beta'] < 0:
    raise runtime.UserError('--beta must be >= 0 (0 trains the classifier '
                            'without the confidence loss), got %g.' %
                            params['beta'])
  positive = ('batch_size', 'noise_dim', 'gan_depth', 'log_every_n_steps')
  for name in positive:
    if params[name] < 1:
      raise runtime.UserError('--%s must be >= 1, got %d.' %
                              (name, params[name]))
  if params['num_samples'] < 0:
    raise runtime.UserError('--num_samples must be >= 0.')


class GanLoggingHook(tf.train.SessionRunHook):
  """Logs the three losses, batch accuracy and max-softmax every N steps.

  (train_lib.LoggingHook logs the step, classifier loss, learning rate and
  images/sec beside it.)
  """

  def __init__(self, graph, every_n_steps):
    self._fetches = {
        'D': graph.losses['discriminator'],
        'G': graph.losses['generator'],
        'C': graph.losses['classifier'],
        'acc': graph.metrics['accuracy_real_batch'],
        'real': graph.metrics['mean_max_softmax_real'],
        'generated': graph.metrics['mean_max_softmax_generated'],
    }
    self._every_n_steps = max(1, every_n_steps)

  def begin(self):
    self._fetches['step'] = tf.train.get_global_step()

  def before_run(self, run_context):
    return tf.train.SessionRunArgs(self._fetches)

  def after_run(self, run_context, run_values):
    values = run_values.results
    if (values['step'] + 1) % self._every_n_steps:
      return
    logging.info('step %d: D loss = %.4f, G loss = %.4f, classifier loss = '
                 '%.4f, batch accuracy = %.3f, mean max-softmax real = %.3f, '
                 'generated = %.3f', values['step'] + 1, values['D'],
                 values['G'], values['C'], values['acc'], values['real'],
                 values['generated'])


def _resolve(params, dataset, is_training):
  return model_setup.resolve(
      params['model_name'], dataset, is_training=is_training,
      labels_offset=params['labels_offset'],
      preprocessing_name=params['preprocessing_name'],
      image_size=params['train_image_size'],
      weight_decay=params['weight_decay'],
      use_grayscale=params['use_grayscale'])


def _input_fn(params, setup):
  return confident_classifier.preprocessing_input_fn(
      setup.preprocessing_name, setup.image_size,
      use_grayscale=params['use_grayscale'])


def _write_run_record(params, setup, dataset, image_shape):
  record = {
      'flags': params,
      'resolved': {
          'preprocessing_name': setup.preprocessing_name,
          'image_size': setup.image_size,
          'image_shape': image_shape,
          'num_classes': setup.num_classes,
          'dataset_num_samples': dataset.num_samples,
          'global_batch_size': params['batch_size'],
          'classifier_learning_rate_schedule': 'fixed',
          'generated_image_preprocessing': (
              '%s (evaluation mode) on generator pixels in [0, 255]' %
              setup.preprocessing_name),
          'gan_optimizer': 'Adam(learning_rate=%g, beta1=%g, beta2=0.999)' %
                           (params['gan_learning_rate'],
                            params['gan_adam_beta1']),
          'generator_scope': gan_nets.GENERATOR_SCOPE,
          'discriminator_scope': gan_nets.DISCRIMINATOR_SCOPE,
      },
      'loss_conventions': confident_classifier.loss_conventions(
          params['beta'], params['kl_scale'], params['generator_gan_loss'],
          setup.num_classes),
      'environment': runtime.environment_info(),
  }
  runtime.write_json(os.path.join(params['train_dir'], FLAGS_FILE), record)


def _check_resumable(train_dir):
  """Fails in one line when train_dir's checkpoint does not fit the graph."""
  latest = tf.train.latest_checkpoint(train_dir)
  if not latest:
    return
  shapes = tf.train.load_checkpoint(latest).get_variable_to_shape_map()
  for variable in tf.global_variables():
    name = variable.op.name
    if shapes.get(name, variable.get_shape().as_list()) != (
        variable.get_shape().as_list()):
      raise runtime.UserError(
          '%s holds checkpoint %s, where %s has shape %s, but these flags '
          'build it with shape %s: resume with the flags of that run (see '
          'its flags.json: --model_name, --noise_dim, --gan_depth, ...) or '
          'use a new --train_dir.' % (train_dir, latest, name, shapes[name],
                                      variable.get_shape().as_list()))


def _checkpoint_step(train_dir):
  latest = tf.train.latest_checkpoint(train_dir)
  if not latest:
    return None
  return int(tf.train.load_checkpoint(latest).get_tensor('global_step'))


def train(params):
  """Trains as configured by `params` (the binary's flag values).

  Returns:
    (the ModelSetup of the training graph, the classifier input shape
    [height, width, channels]).
  """
  dataset = dataset_factory.get_dataset(
      params['dataset_name'], params['dataset_split_name'],
      params['dataset_dir'])
  tf.gfile.MakeDirs(params['train_dir'])
  with tf.Graph().as_default():
    if params['seed'] is not None:
      tf.set_random_seed(params['seed'])
    setup = _resolve(params, dataset, is_training=True)
    global_step = tf.train.get_or_create_global_step()
    with tf.device('/device:CPU:0'):
      batch = tf.data.make_one_shot_iterator(input_pipeline.make_dataset(
          dataset, setup.preprocess_fn, params['batch_size'],
          is_training=True, num_readers=params['num_readers'],
          num_preprocessing_threads=params['num_preprocessing_threads'],
          labels_offset=params['labels_offset'],
          seed=params['seed'])).get_next()
    learning_rate = tf.constant(params['learning_rate'], name='learning_rate')
    classifier_optimizer = optimizers.optimizer(params, learning_rate)
    graph = confident_classifier.build_training_graph(
        batch['image'], batch['label'], setup.network_fn,
        classifier_optimizer, _input_fn(params, setup), beta=params['beta'],
        kl_scale=params['kl_scale'],
        generator_gan_loss=params['generator_gan_loss'],
        noise_dim=params['noise_dim'], gan_depth=params['gan_depth'],
        gan_learning_rate=params['gan_learning_rate'],
        gan_adam_beta1=params['gan_adam_beta1'], global_step=global_step,
        seed=params['seed'], xla=params['xla'])
    confident_classifier.add_summaries(graph)
    tf.summary.scalar('learning_rate', learning_rate)
    image_shape = batch['image'].get_shape()[1:].as_list()
    _check_resumable(params['train_dir'])
    _write_run_record(params, setup, dataset, image_shape)
    hooks = [
        train_lib.LoggingHook(graph.losses['classifier'], learning_rate,
                              params['log_every_n_steps'],
                              params['batch_size']),
        GanLoggingHook(graph, params['log_every_n_steps']),
    ]
    if params['max_number_of_steps']:
      hooks.append(tf.train.StopAtStepHook(
          last_step=params['max_number_of_steps']))
    _run(params, graph.train_op, hooks)
  return setup, image_shape


def _run(params, train_op, hooks):
  """Runs the MonitoredTrainingSession until a hook asks to stop."""
  step = _checkpoint_step(params['train_dir'])
  limit = params['max_number_of_steps']
  if step is not None and limit and step >= limit:
    logging.info('%s is already at step %d >= --max_number_of_steps=%d; '
                 'nothing to train.', params['train_dir'], step, limit)
    return
  if step is not None:
    logging.info('Resuming from step %d of %s.', step, params['train_dir'])
  # Relative paths in train_dir/checkpoint: the directory can be moved.
  scaffold = tf.train.Scaffold(saver=tf.train.Saver(
      max_to_keep=params['max_checkpoints_to_keep'],
      save_relative_paths=True))
  config = runtime.session_config_from_params(params)
  with tf.train.MonitoredTrainingSession(
      checkpoint_dir=params['train_dir'], scaffold=scaffold, hooks=hooks,
      save_checkpoint_secs=params['save_interval_secs'],
      save_summaries_secs=params['save_summaries_secs'],
      save_summaries_steps=None, log_step_count_steps=0,
      config=config) as session:
    while not session.should_stop():
      session.run(train_op)
  logging.info('Training finished; checkpoints and TensorBoard logs in %s.',
               params['train_dir'])


def write_samples(params, image_shape):
  """Draws the figure and statistics of G's samples from the latest ckpt."""
  checkpoint = tf.train.latest_checkpoint(params['train_dir'])
  if not checkpoint or not params['num_samples']:
    return None
  dataset = dataset_factory.get_dataset(
      params['dataset_name'], params['dataset_split_name'],
      params['dataset_dir'])
  setup = _resolve(params, dataset, is_training=False)
  samples = confident_classifier.sample_from_checkpoint(
      checkpoint, setup.network_fn, _input_fn(params, setup), image_shape,
      noise_dim=params['noise_dim'], gan_depth=params['gan_depth'],
      num_samples=params['num_samples'],
      seed=params['seed'] if params['seed'] is not None else 0,
      session_config=runtime.session_config_from_params(params))
  prefix = os.path.join(params['train_dir'], SAMPLES_NAME)
  confident_classifier.plot_samples(
      prefix + '.png', samples,
      title='%s, beta=%g, kl_scale=%s' % (params['model_name'],
                                           params['beta'],
                                           params['kl_scale']))
  np.savez(prefix + '.npz', generated_pixels=samples.generated_pixels,
           generated_probs=samples.generated_probs,
           uniform_noise_probs=samples.uniform_noise_probs,
           gaussian_noise_probs=samples.gaussian_noise_probs)

  def mean_msp(probs):
    return float(np.mean(np.max(probs, axis=-1)))

  summary = {
      'checkpoint_path': checkpoint,
      'step': int(samples.step),
      'num_samples': params['num_samples'],
      'mean_max_softmax': {
          'generated': mean_msp(samples.generated_probs),
          'uniform_noise': mean_msp(samples.uniform_noise_probs),
          'gaussian_noise': mean_msp(samples.gaussian_noise_probs),
      },
      'conventions': 'classifier in inference mode; generator with batch '
                     'statistics; noise = U(0, 255) and N(127.5, 64^2) '
                     'clipped pixels, preprocessed like generated pixels',
  }
  runtime.write_json(prefix + '.json', summary)
  logging.info('Generated samples in %s.png; mean max-softmax: generated '
               '%.3f, uniform noise %.3f, gaussian noise %.3f.', prefix,
               summary['mean_max_softmax']['generated'],
               summary['mean_max_softmax']['uniform_noise'],
               summary['mean_max_softmax']['gaussian_noise'])
  return summary


def main(_):
  runtime.check_versions()
  params = FLAGS.flag_values_dict()
  check_params(params)
  _, image_shape = train(params)
  write_samples(params, image_shape)


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
