"""Tests for uncertainty.inference: graph-level passes on a tiny trained net."""
import collections
import os

import numpy as np
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from nets import nets_factory
from training import model_setup
from uncertainty import inference
from uncertainty import mahalanobis
from uncertainty import mahalanobis_detector
from uncertainty import metrics
from uncertainty import odin
from uncertainty import toy_data

# A registered family with batch norm *and* dropout, for the MC-dropout
# batch-norm test (the first one registered is used).
_BATCH_NORM_NETS = ('mobilenet_v1_025', 'mobilenet_v2_035', 'mobilenet_v1')

_StubDataset = collections.namedtuple('_StubDataset', [
    'name', 'num_classes', 'has_background', 'channels'])


def _toy_model(**config):
  toy = toy_data.toy_problem()
  test = dataset_factory.get_dataset('blobs', 'test', toy['data_dir'])
  config = inference.InferenceConfig(
      **dict(dict(model_name='lenet', image_size=toy['size'], batch_size=32),
             **config))
  return (inference.Model(config, test, toy['checkpoint']),
          inference.Source('test', test, True), toy)


class PredictTest(tf.test.TestCase):

  def test_every_example_once_with_features(self):
    model, source, _ = _toy_model()
    out = inference.predict(model, source, ['PreLogits', 'conv1'])
    # 100 examples in batches of 32: the final partial batch of 4 is kept.
    self.assertAllEqual(out['index'], np.arange(100))
    self.assertEqual(out['logits'].shape, (100, 10))
    self.assertEqual(out['features/PreLogits'].shape, (100, 1024))
    self.assertEqual(out['features/conv1'].shape, (100, 32))  # Pooled map.
    self.assertGreater(np.mean(np.argmax(out['logits'], 1) == out['label']),
                       0.8)
    with self.assertRaisesRegex(ValueError, 'choose from: .*PreLogits'):
      inference.predict(model, source, ['pool9'])

  def test_odin_with_epsilon_0_and_t_1_is_msp(self):
    model, source, _ = _toy_model(perturbation_batch_size=30)
    plain = inference.predict(model, source)
    settings = [{'temperature': 1.0, 'epsilon': 0.0},
                {'temperature': 1000.0, 'epsilon': 2.0}]
    outputs, meta = inference.predict_perturbed(
        model, source, odin.OdinObjective(), settings)
    self.assertAllEqual(meta['index'], plain['index'])
    self.assertAllClose(outputs[0]['logits'], plain['logits'], atol=1e-4)
    self.assertAllClose(odin.odin_score(outputs[0]['logits'], 1.0),
                        metrics.msp(plain['logits']), atol=1e-6)
    # The perturbation raises the temperature-scaled score it climbs.
    self.assertGreater(
        np.mean(odin.odin_score(outputs[1]['logits'], 1000.0)),
        np.mean(odin.odin_score(plain['logits'], 1000.0)))
    # The optional gradient normalisation divides the step: epsilon 4 with
    # std 2 is the step of epsilon 2 without it.
    scaled, _ = inference.predict_perturbed(
        model, source, odin.OdinObjective(),
        [{'temperature': 1000.0, 'epsilon': 4.0}], gradient_std=[2.0])
    self.assertAllClose(scaled[0]['logits'], outputs[1]['logits'],
                        atol=1e-4)

  def test_mahalanobis_perturbation_graph_matches_numpy_at_epsilon_0(self):
    model, source, toy = _toy_model()
    train = dataset_factory.get_dataset('blobs', 'train', toy['data_dir'])
    fitted = inference.predict(model, inference.Source('train', train, True),
                               ['PreLogits'])
    gaussians = mahalanobis.fit_class_gaussians(
        fitted['features/PreLogits'], fitted['label'], 10, shrinkage=0.01)
    plain = inference.predict(model, source, ['PreLogits'])
    objective = mahalanobis_detector.MahalanobisObjective(gaussians,
                                                          'PreLogits')
    outputs, _ = inference.predict_perturbed(
        model, source, objective, [{'epsilon': 0.0}, {'epsilon': 4.0}])
    expected = mahalanobis.mahalanobis_score(gaussians,
                                             plain['features/PreLogits'])
    self.assertAllClose(outputs[0]['score'], expected, rtol=1e-3, atol=1e-2)
    # The perturbation moves inputs towards their closest class Gaussian.
    self.assertGreater(np.mean(outputs[1]['score']), np.mean(expected))

  def test_rgb_ood_set_goes_through_the_model_preprocessing(self):
    model, _, _ = _toy_model()
    rgb_dir = os.path.join(self.get_temp_dir(), 'rgb')
    toy_data.write_dataset(rgb_dir, 'rgbnoise', {'test': (
        toy_data.noise_images(5, size=20, channels=3), np.zeros(5))}, 3)
    rgb = dataset_factory.get_dataset('rgbnoise', 'test', rgb_dir)
    out = inference.predict(model, inference.Source('rgb', rgb, False))
    self.assertEqual(out['logits'].shape, (5, 10))

  def test_float_input_scale_follows_the_preprocessing(self):
    stub = _StubDataset('stub', 10, False, 3)
    for model_name, scale in (('lenet', 1.0), ('cifarnet', 1.0),
                              ('mobilenet_v1', 1.0 / 255.0)):
      setup = model_setup.resolve(model_name, stub, is_training=False,
                                  image_size=24)
      self.assertEqual(inference.float_input_scale(setup, 3), scale,
                       model_name)


class McDropoutTest(tf.test.TestCase):

  def test_samples_vary_and_repeat_with_the_seed(self):
    model, source, _ = _toy_model(dropout_keep_prob=0.5)
    first = inference.predict_mc_dropout(model, source, 3, seed=7)
    again = inference.predict_mc_dropout(model, source, 3, seed=7)
    self.assertEqual(first['sample_logits'].shape, (3, 100, 10))
    self.assertAllEqual(first['index'], np.arange(100))
    self.assertAllEqual(first['sample_logits'], again['sample_logits'])
    self.assertGreater(np.max(np.abs(first['sample_logits'][0] -
                                     first['sample_logits'][1])), 1e-3)

  def test_dropout_off_is_an_error_not_identical_samples(self):
    model, source, _ = _toy_model(dropout_keep_prob=1.0)
    with self.assertRaisesRegex(inference.NoDropoutError, 'no dropout'):
      inference.predict_mc_dropout(model, source, 2)

  def test_batch_norm_stays_in_inference_mode(self):
    name = next(n for n in _BATCH_NORM_NETS
                if n in nets_factory.model_names())
    images = np.random.RandomState(0).uniform(
        -1, 1, size=(4, 32, 32, 3)).astype(np.float32)
    with tf.Graph().as_default():
      tf.set_random_seed(0)
      inputs = tf.constant(images)
      keep_prob = tf.placeholder_with_default(0.5, [])
      outputs = {}
      for mode, mc in (('det', False), ('mc', True)):
        network_fn = nets_factory.get_network_fn(name, 5, mc_dropout=mc)
        with tf.variable_scope(
            tf.get_variable_scope(),
            reuse=tf.AUTO_REUSE):
          outputs[mode], _ = network_fn(inputs, dropout_keep_prob=keep_prob)
      self.assertEmpty(tf.get_collection(
          tf.GraphKeys.UPDATE_OPS))
      moving = [v for v in tf.global_variables()
                if 'moving_' in v.op.name]
      self.assertNotEmpty(moving)
      with self.session() as session:
        session.run(tf.global_variables_initializer())
        rng = np.random.RandomState(1)
        for var in moving:   # Statistics unlike those of the batch.
          shape = var.shape.as_list()
          var.load(rng.uniform(0.5, 2.0, shape) if 'variance' in var.op.name
                   else rng.normal(0.0, 0.2, shape), session)
        stats_before = session.run(moving)
        det = [session.run(outputs['det']) for _ in range(2)]
        mc = [session.run(outputs['mc']) for _ in range(3)]
        mc_off = session.run(outputs['mc'], {keep_prob: 1.0})
        stats_after = session.run(moving)
    self.assertAllEqual(det[0], det[1])
    # Dropout off in MC mode reproduces the deterministic network: batch
    # norm used the moving statistics (inference mode).
    self.assertAllClose(mc_off, det[0], atol=1e-5)
    self.assertGreater(np.max(np.abs(mc[0] - mc[1])), 1e-4)
    for before, after in zip(stats_before, stats_after):
      self.assertAllEqual(before, after)


if __name__ == '__main__':
  tf.test.main()
