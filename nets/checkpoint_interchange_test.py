"""Checkpoints written under one TensorFlow stack restore under the other.

The library runs on TF 1.15 (`.venv`, `make test`) and on TF 2 through
`tfcompat` (`.venv-tf2`, `make test-tf2`). This test, run under one stack,
has the other stack's Python (a subprocess) build small networks with batch
norm in training mode, load deterministic weights, run the batch-norm update
ops once and save a checkpoint plus eval-mode logits. Under the running stack
it then checks that the checkpoint's variable names and shapes are exactly
the graph's, that the same update step gives the same moving statistics, and
that the restored network gives the same logits.

Skipped when the other stack's virtualenv is not there.
"""
import json
import os
import subprocess
import sys
import zlib

import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat
from nets import nets_factory

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OTHER_VENV = '.venv' if tfcompat.IS_TF2 else '.venv-tf2'
# Small networks covering batch norm with and without gamma, and none.
_MODELS = (('resnet_cifar_20', 32), ('mobilenet_v1_025', 32), ('lenet', 28))
_NUM_CLASSES = 10


def _images(size):
  return np.random.RandomState(0).uniform(-1, 1, [2, size, size, 3]).astype(
      np.float32)


def _value(name, shape):
  """Deterministic weights by variable name, the same under both stacks."""
  rng = np.random.RandomState(zlib.crc32(name.encode('utf-8')))
  if name.endswith('moving_variance') or name.endswith('gamma'):
    return rng.uniform(0.5, 1.5, shape).astype(np.float32)
  return rng.normal(0.0, 0.1, shape).astype(np.float32)


def _build(model_name, size, is_training):
  """(graph, logits, update ops) of the model on the fixed images."""
  graph = tf.Graph()
  with graph.as_default():
    network_fn = nets_factory.get_network_fn(model_name, _NUM_CLASSES,
                                             is_training=is_training)
    logits, _ = network_fn(tf.constant(_images(size)))
    updates = graph.get_collection(tf.GraphKeys.UPDATE_OPS)
  return graph, logits, updates


def _load_weights_and_update(sess, graph, updates):
  """Loads the deterministic weights, then runs the update ops once."""
  variables = graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
  sess.run(tf.variables_initializer(variables),
           {v.initial_value: _value(v.op.name, v.shape.as_list())
            for v in variables})
  sess.run(updates)


def write_checkpoints(out_dir):
  """Writes, per model, `<model>.ckpt` and `<model>.json` (eval logits)."""
  for model_name, size in _MODELS:
    graph, _, updates = _build(model_name, size, is_training=True)
    with graph.as_default(), tf.Session() as sess:
      _load_weights_and_update(sess, graph, updates)
      tf.train.Saver().save(sess, os.path.join(out_dir, model_name + '.ckpt'),
                            write_meta_graph=False)
    eval_graph, logits, _ = _build(model_name, size, is_training=False)
    with eval_graph.as_default(), tf.Session() as sess:
      tf.train.Saver().restore(sess,
                               os.path.join(out_dir, model_name + '.ckpt'))
      with open(os.path.join(out_dir, model_name + '.json'), 'w') as f:
        json.dump({'logits': sess.run(logits).tolist(),
                   'tensorflow': tf.VERSION}, f)


def _run_other_stack(out_dir):
  python = os.path.join(_ROOT, _OTHER_VENV, 'bin', 'python')
  code = ('import sys; from nets import checkpoint_interchange_test as t; '
          't.write_checkpoints(sys.argv[1])')
  env = dict(os.environ, PYTHONPATH=_ROOT, TF_CPP_MIN_LOG_LEVEL='2')
  subprocess.run([python, '-c', code, out_dir], cwd=_ROOT, env=env,
                 check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                 timeout=600)


class CheckpointInterchangeTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(CheckpointInterchangeTest, cls).setUpClass()
    cls.skip_reason = None
    if not os.path.exists(os.path.join(_ROOT, _OTHER_VENV, 'bin', 'python')):
      cls.skip_reason = ('%s (the other TensorFlow stack) is not set up.' %
                         _OTHER_VENV)
      return
    cls.out_dir = os.path.join(tf.test.get_temp_dir(), 'other_stack')
    os.makedirs(cls.out_dir, exist_ok=True)
    try:
      _run_other_stack(cls.out_dir)
    except subprocess.CalledProcessError as error:
      sys.stderr.write(error.stderr.decode('utf-8', 'replace'))
      raise

  def setUp(self):
    super(CheckpointInterchangeTest, self).setUp()
    if self.skip_reason:
      self.skipTest(self.skip_reason)

  def _checkpoint(self, model_name):
    return os.path.join(self.out_dir, model_name + '.ckpt')

  def test_names_and_shapes_equal_the_graphs(self):
    for model_name, size in _MODELS:
      graph, _, _ = _build(model_name, size, is_training=True)
      ours = {v.op.name: v.shape.as_list() for v in
              graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}
      theirs = dict(tf.train.list_variables(self._checkpoint(model_name)))
      self.assertDictEqual(theirs, ours, model_name)

  def test_same_update_step_gives_the_same_moving_statistics(self):
    for model_name, size in _MODELS[:2]:
      graph, _, updates = _build(model_name, size, is_training=True)
      reader = tf.train.load_checkpoint(self._checkpoint(model_name))
      with graph.as_default(), tf.Session() as sess:
        _load_weights_and_update(sess, graph, updates)
        moving = [v for v in tf.global_variables() if 'moving_' in v.op.name]
        self.assertNotEmpty(moving)
        for var, value in zip(moving, sess.run(moving)):
          self.assertAllClose(reader.get_tensor(var.op.name), value,
                              atol=1e-5, rtol=1e-5, msg=var.op.name)

  def test_restored_networks_give_the_same_logits(self):
    for model_name, size in _MODELS:
      graph, logits, _ = _build(model_name, size, is_training=False)
      with graph.as_default(), tf.Session() as sess:
        tf.train.Saver().restore(sess, self._checkpoint(model_name))
        actual = sess.run(logits)
      with open(os.path.join(self.out_dir, model_name + '.json')) as f:
        written = json.load(f)
      self.assertNotEqual(tf.VERSION, written['tensorflow'])
      self.assertAllClose(np.array(written['logits']), actual, atol=1e-4,
                          rtol=1e-4, msg=model_name)


if __name__ == '__main__':
  tf.test.main()
