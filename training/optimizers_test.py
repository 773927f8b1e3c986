"""Tests for training.optimizers."""
import tensorflow.compat.v1 as tf

from training import optimizers

_PARAMS = {
    'learning_rate': 0.1, 'learning_rate_decay_type': 'exponential',
    'learning_rate_decay_factor': 0.5, 'end_learning_rate': 0.001,
    'num_epochs_per_decay': 2.0, 'warmup_epochs': 0.0,
    'optimizer': 'sgd', 'adadelta_rho': 0.95,
    'adagrad_initial_accumulator_value': 0.1, 'adam_beta1': 0.9,
    'adam_beta2': 0.999, 'opt_epsilon': 1.0, 'ftrl_learning_rate_power': -0.5,
    'ftrl_initial_accumulator_value': 0.1, 'ftrl_l1': 0.0, 'ftrl_l2': 0.0,
    'momentum': 0.9, 'rmsprop_momentum': 0.9, 'rmsprop_decay': 0.9,
}


class OptimizersTest(tf.test.TestCase):

  def _lr_at(self, params, step, num_samples=1000, global_batch=10):
    with tf.Graph().as_default():
      global_step = tf.constant(step, tf.int64)
      lr = optimizers.learning_rate(params, num_samples, global_batch,
                                    global_step)
      with self.session() as sess:
        return sess.run(lr)

  def test_decay_steps_use_the_global_batch(self):
    # 1000 examples, batch 10 per clone x 4 clones: 25 steps per epoch.
    self.assertEqual(optimizers.decay_steps(1000, 10 * 4, 2.0), 50)
    self.assertEqual(optimizers.decay_steps(10, 1000, 0.5), 1)

  def test_exponential_schedule_is_a_staircase(self):
    # decay every 2 epochs = 200 steps at global batch 10.
    self.assertAllClose(self._lr_at(_PARAMS, 199), 0.1)
    self.assertAllClose(self._lr_at(_PARAMS, 200), 0.05)
    self.assertAllClose(self._lr_at(_PARAMS, 400), 0.025)

  def test_fixed_and_polynomial(self):
    fixed = dict(_PARAMS, learning_rate_decay_type='fixed')
    self.assertAllClose(self._lr_at(fixed, 10000), 0.1)
    poly = dict(_PARAMS, learning_rate_decay_type='polynomial')
    self.assertAllClose(self._lr_at(poly, 100), (0.1 - 0.001) * 0.5 + 0.001)
    self.assertAllClose(self._lr_at(poly, 5000), 0.001)

  def test_warmup_ramps_linearly(self):
    params = dict(_PARAMS, learning_rate_decay_type='fixed', warmup_epochs=1.0)
    # 100 warm-up steps.
    self.assertAllClose(self._lr_at(params, 0), 0.1 * 1 / 100)
    self.assertAllClose(self._lr_at(params, 49), 0.1 * 50 / 100)
    self.assertAllClose(self._lr_at(params, 100), 0.1)

  def test_every_optimizer_builds(self):
    for name in optimizers.optimizer_names():
      with tf.Graph().as_default():
        opt = optimizers.optimizer(dict(_PARAMS, optimizer=name), 0.1)
        self.assertIsInstance(opt, tf.train.Optimizer)
    self.assertEqual(optimizers.optimizer_names(),
                     ['adadelta', 'adagrad', 'adam', 'ftrl', 'momentum',
                      'rmsprop', 'sgd'])

  def test_unknown_names_list_the_choices(self):
    with self.assertRaisesRegex(ValueError, 'adadelta, adagrad, adam'):
      optimizers.optimizer(dict(_PARAMS, optimizer='lamb'), 0.1)
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, 'exponential, fixed'):
        optimizers.learning_rate(
            dict(_PARAMS, learning_rate_decay_type='cosine'), 10, 1,
            tf.constant(0, tf.int64))


if __name__ == '__main__':
  tf.test.main()
