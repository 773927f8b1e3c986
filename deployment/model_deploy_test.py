"""Tests for deployment.model_deploy."""
import numpy as np
import tensorflow.compat.v1 as tf

from deployment import model_deploy


class DeploymentConfigTest(tf.test.TestCase):

  def test_devices(self):
    config = model_deploy.DeploymentConfig(num_clones=2)
    self.assertEqual(config.clone_device(1), '/device:GPU:1')
    self.assertEqual(config.clone_scope(1), 'clone_1')
    cpu = model_deploy.DeploymentConfig(num_clones=2, clone_on_cpu=True)
    self.assertEqual(cpu.clone_device(0), '/device:CPU:0')
    single = model_deploy.DeploymentConfig()
    self.assertEqual(single.clone_device(0), '')
    self.assertEqual(single.clone_scope(0), '')

  def test_distributed_devices_name_job_and_task(self):
    config = model_deploy.DeploymentConfig(num_clones=2, replica_id=3,
                                           num_replicas=4, num_ps_tasks=1)
    self.assertEqual(config.clone_device(1), '/job:worker/task:3/device:GPU:1')
    self.assertEqual(config.inputs_device(), '/job:worker/task:3/device:CPU:0')
    with tf.Graph().as_default():
      with tf.device(config.variables_device()):
        var = tf.get_variable('v', [1])
      self.assertEqual(var.device, '/job:ps/task:0')

  def test_clone_variables_go_to_the_ps_and_ops_to_the_worker(self):
    config = model_deploy.DeploymentConfig(num_clones=2, clone_on_cpu=True,
                                           replica_id=1, num_replicas=2,
                                           num_ps_tasks=2)

    def model_fn():
      w1 = tf.get_variable('w1', [1])
      w2 = tf.get_variable('w2', [1])
      return w1 * w2

    with tf.Graph().as_default():
      clones = model_deploy.create_clones(config, model_fn)
      w1, w2 = tf.global_variables()
      # Round-robin over the two ps tasks.
      self.assertEqual(w1.device, '/job:ps/task:0')
      self.assertEqual(w2.device, '/job:ps/task:1')
      for clone in clones:
        self.assertEqual(clone.outputs.device,
                         '/job:worker/task:1/device:CPU:0')

  def test_local_clone_variables_stay_on_the_cpu(self):
    config = model_deploy.DeploymentConfig(num_clones=2)
    with tf.Graph().as_default():
      clones = model_deploy.create_clones(
          config, lambda: tf.get_variable('w', [1]) * 2.0)
      self.assertEqual(tf.global_variables()[0].device, '/device:CPU:0')
      self.assertEqual(clones[1].outputs.device, '/device:GPU:1')

  def test_bad_configs(self):
    with self.assertRaisesRegex(ValueError, 'num_clones'):
      model_deploy.DeploymentConfig(num_clones=0)
    with self.assertRaisesRegex(ValueError, 'num_ps_tasks'):
      model_deploy.DeploymentConfig(num_replicas=2)


class ClonesTest(tf.test.TestCase):

  def test_two_clones_average_gradients_and_share_variables(self):
    data = np.array([[1.0], [3.0]], np.float32)
    config = model_deploy.DeploymentConfig(num_clones=2, clone_on_cpu=True)
    with tf.Graph().as_default():
      inputs = iter([data[:1], data[1:]])

      def model_fn():
        w = tf.get_variable('w', initializer=2.0,
                            regularizer=lambda t: 0.5 * t * t)
        x = tf.constant(next(inputs))
        tf.losses.add_loss(tf.reduce_sum(w * x))
        return w

      clones = model_deploy.create_clones(config, model_fn)
      self.assertIs(clones[0].outputs, clones[1].outputs)
      self.assertLen(tf.trainable_variables(), 1)
      opt = tf.train.GradientDescentOptimizer(1.0)
      total_loss, grads = model_deploy.optimize_clones(clones, opt)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        loss_value, grad_value = sess.run([total_loss, grads[0][0]])
      # Mean data loss (2*1 + 2*3)/2 = 4, regularization 0.5*4 = 2 once.
      self.assertAllClose(loss_value, 6.0)
      # d/dw: mean(x) = 2, plus regularization w = 2.
      self.assertAllClose(grad_value, 4.0)


if __name__ == '__main__':
  tf.test.main()
