"""Tests for deployment.cluster (the cluster description; the processes are
tested end to end in tests/test_distributed_end_to_end.py)."""
import json
import socket
import threading

import tensorflow.compat.v1 as tf

from deployment import cluster


class ResolveTest(tf.test.TestCase):

  def test_no_cluster_is_local(self):
    self.assertIsNone(cluster.resolve())

  def test_flags(self):
    config = cluster.resolve('h0:1', 'h1:1,h2:1', 'worker', 1)
    self.assertEqual(config.spec, {'ps': ['h0:1'], 'worker': ['h1:1', 'h2:1']})
    self.assertEqual((config.job_name, config.task_index), ('worker', 1))

  def test_tf_config_with_a_chief_makes_it_worker_0(self):
    tf_config = json.dumps({
        'cluster': {'chief': ['c:1'], 'worker': ['w:1'], 'ps': ['p:1']},
        'task': {'type': 'worker', 'index': 0}})
    config = cluster.resolve(tf_config=tf_config)
    self.assertEqual(config.spec['worker'], ['c:1', 'w:1'])
    self.assertEqual((config.job_name, config.task_index), ('worker', 1))
    chief = cluster.resolve(tf_config=tf_config.replace('"worker", "index"',
                                                        '"chief", "index"'))
    self.assertEqual((chief.job_name, chief.task_index), ('worker', 0))

  def test_flags_win_over_tf_config(self):
    config = cluster.resolve('p:1', 'w:1', 'ps', 0, tf_config='not json')
    self.assertEqual(config.job_name, 'ps')

  def test_mistakes_say_what_to_do(self):
    with self.assertRaisesRegex(ValueError, '--job_name'):
      cluster.resolve('p:1', 'w:1', None, 0)
    with self.assertRaisesRegex(ValueError, 'ps or worker'):
      cluster.resolve('p:1', 'w:1', 'chef', 0)
    with self.assertRaisesRegex(ValueError, '--ps_hosts'):
      cluster.resolve(None, 'w:1', 'worker', 0)
    with self.assertRaisesRegex(ValueError, r'--task in \[0, 2\)'):
      cluster.resolve('p:1', 'w:1,w:2', 'worker', 2)
    with self.assertRaisesRegex(ValueError, 'TF_CONFIG'):
      cluster.resolve(tf_config='{"cluster": {}}')


class ApplyToParamsTest(tf.test.TestCase):

  PARAMS = {'num_ps_tasks': 0, 'worker_replicas': 1, 'task': 0,
            'sync_replicas': False, 'replicas_to_aggregate': 1, 'master': ''}

  def test_counts_follow_the_host_lists(self):
    config = cluster.resolve('p:1,p:2', 'w:1,w:2,w:3', 'worker', 2)
    params = cluster.apply_to_params(self.PARAMS, config)
    self.assertEqual((params['num_ps_tasks'], params['worker_replicas'],
                      params['task']), (2, 3, 2))
    self.assertEqual(params['device_filters'],
                     ['/job:ps', '/job:worker/task:2'])
    ps = cluster.apply_to_params(self.PARAMS, cluster.resolve(
        'p:1,p:2', 'w:1,w:2,w:3', 'ps', 1))
    self.assertEqual(ps['device_filters'], ['/job:ps/task:1'])

  def test_contradicting_counts_fail(self):
    config = cluster.resolve('p:1', 'w:1,w:2', 'worker', 0)
    with self.assertRaisesRegex(ValueError, '--num_ps_tasks=3'):
      cluster.apply_to_params(dict(self.PARAMS, num_ps_tasks=3), config)
    with self.assertRaisesRegex(ValueError, '--worker_replicas=4'):
      cluster.apply_to_params(dict(self.PARAMS, worker_replicas=4), config)
    with self.assertRaisesRegex(ValueError, 'wait forever'):
      cluster.apply_to_params(dict(self.PARAMS, sync_replicas=True,
                                   replicas_to_aggregate=3), config)


def _free_ports(count):
  sockets = [socket.socket() for _ in range(count)]
  for sock in sockets:
    sock.bind(('localhost', 0))
  ports = [sock.getsockname()[1] for sock in sockets]
  for sock in sockets:
    sock.close()
  return ports


class DeviceFiltersTest(tf.test.TestCase):

  def test_a_session_opens_after_a_peer_worker_has_exited(self):
    # Worker task 1 is never started, as if it had finished and exited.
    # Without device filters TensorFlow's master waits for it forever when
    # worker task 0 creates a session (the chief's last checkpoint and done
    # signal hung like that).
    ps_port, worker0_port, worker1_port = _free_ports(3)
    config = cluster.resolve(
        'localhost:%d' % ps_port,
        'localhost:%d,localhost:%d' % (worker0_port, worker1_port),
        'worker', 0)
    session_config = tf.ConfigProto(
        device_filters=cluster.device_filters(config))
    spec = tf.train.ClusterSpec(config.spec)
    tf.train.Server(spec, job_name='ps', task_index=0)
    worker = tf.train.Server(spec, job_name='worker', task_index=0)
    result = []

    def run_on_the_ps():
      with tf.Graph().as_default():
        with tf.device('/job:ps/task:0'):
          total = tf.add(tf.constant(2), tf.constant(3))
        with tf.Session(worker.target, config=session_config) as session:
          result.append(session.run(total))

    thread = threading.Thread(target=run_on_the_ps)
    thread.daemon = True  # A hung session must not keep pytest alive.
    thread.start()
    thread.join(60)
    self.assertEqual(result, [5], 'the session waited for the absent worker')


if __name__ == '__main__':
  tf.test.main()
