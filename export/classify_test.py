"""Tests for export.classify: paths, scores, and both prediction sources."""
import os
import shutil
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf
from tensorflow.python.framework import test_util  # pylint: disable=g-direct-tensorflow-import

from export import classify
from export import graph_export
from export import testing
from training import runtime

# Batch 3 (checkpoint) vs 2 (frozen): oneDNN/MKL kernels (TF 2.x,
# intel-tensorflow) block the convolutions differently per batch size, so
# float32 sums are reordered (seen: 1.4e-6 on TF 2.21 and 1.6e-6 on
# intel-tensorflow 1.15.2, on probabilities near 0.8); stock TF 1.15's
# Eigen kernels agree to 1e-6.
_FROZEN_ATOL = 1e-5 if test_util.IsMklEnabled() else 1e-6


def _write_frozen(config, checkpoint, path, **kwargs):
  with tf.Graph().as_default() as graph:
    graph_export.build_inference_graph(config, **kwargs)
    with tf.Session() as session:
      graph_export.restore(session, checkpoint)
      graph_export.write_graph_def(graph_export.freeze(session, graph), path)
  return path


class PathsAndScoresTest(tf.test.TestCase):

  def test_expand_image_paths(self):
    paths = testing.write_images(self.get_temp_dir(), count=3)
    pattern = os.path.join(self.get_temp_dir(), 'image_*.png')
    self.assertEqual(classify.expand_image_paths([pattern]), paths)
    self.assertEqual(classify.expand_image_paths(
        ['%s,%s' % (paths[2], paths[0]), paths[1]]),
                     [paths[2], paths[0], paths[1]])
    with self.assertRaisesRegex(runtime.UserError, 'nope.png does not exist'):
      classify.expand_image_paths([paths[0], '/tmp/nope.png'])
    with self.assertRaisesRegex(runtime.UserError, 'No file matches'):
      classify.expand_image_paths(['/tmp/no_such_dir_x/*.jpg'])
    with self.assertRaisesRegex(runtime.UserError, 'No image given'):
      classify.expand_image_paths([])

  def test_uncertainty_scores(self):
    logits = np.array([[0.0, 0.0, 0.0, 0.0], [10.0, 0.0, 0.0, 0.0]])
    scores = classify.uncertainty_scores(logits)
    self.assertAllClose(scores['max_prob'][0], 0.25)
    self.assertAllClose(scores['entropy'][0], np.log(4))
    self.assertAllClose(scores['energy'][0], -np.log(4))
    self.assertGreater(scores['max_prob'][1], 0.99)
    self.assertLess(scores['entropy'][1], scores['entropy'][0])
    self.assertLess(scores['energy'][1], scores['energy'][0])
    # A temperature flattens the prediction; energy stays on raw logits.
    hot = classify.uncertainty_scores(logits, temperature=10.0)
    self.assertLess(hot['max_prob'][1], scores['max_prob'][1])
    self.assertAllClose(hot['energy'], scores['energy'])

  def test_top_k_and_format(self):
    probabilities = np.array([0.1, 0.5, 0.1, 0.3])
    self.assertEqual(classify.top_k(probabilities, 3).tolist(), [1, 3, 0])
    self.assertEqual(classify.top_k(probabilities, 9).tolist(), [1, 3, 0, 2])
    result = {'image': 'a.png', 'max_prob': 0.5, 'entropy': 1.2,
              'energy': -3.0, 'top_k': [
                  {'label': 2, 'name': 'rose', 'probability': 0.5},
                  {'label': 4, 'name': '4', 'probability': 0.3},
                  {'label': 1, 'name': None, 'probability': 0.1}]}
    self.assertEqual(classify.format_result(result).splitlines(), [
        'a.png', '  1. 0.5000  rose (label 2)', '  2. 0.3000  label 4',
        '  3. 0.1000  label 1',
        '  uncertainty: max_prob=0.5000 entropy=1.2000 nats energy=-3.0000'])


class PredictorTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(PredictorTest, cls).setUpClass()
    cls.directory = tempfile.mkdtemp(prefix='classify_test_')
    cls.checkpoint = testing.lenet_checkpoint(cls.directory)
    # Different sizes: preprocessing crops and pads them to 28 x 28.
    cls.images = testing.write_images(
        cls.directory, count=4, sizes=[(28, 28), (30, 26), (20, 20), (28, 40)])

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.directory, ignore_errors=True)
    super(PredictorTest, cls).tearDownClass()

  def _classify(self, predictor, **kwargs):
    try:
      return classify.classify(predictor, self.images, 3, **kwargs)
    finally:
      predictor.close()

  def test_frozen_graphs_equal_the_checkpoint(self):
    config = testing.lenet_config()
    reference = self._classify(
        classify.Predictor.from_checkpoint(config, self.checkpoint),
        batch_size=3)
    probabilities = np.array([r['probabilities'] for r in reference])
    self.assertEqual(reference[0]['top_k'][0]['name'], 'digit %d' %
                     reference[0]['top_k'][0]['class_index'])
    for kwargs in ({}, {'batch_size': 3}, {'input_type': 'uint8'},
                   {'input_type': 'encoded', 'batch_size': 1}):
      path = _write_frozen(config, self.checkpoint,
                           os.path.join(self.directory, 'frozen.pb'),
                           **kwargs)
      results = self._classify(classify.Predictor.from_frozen_graph(path),
                               batch_size=2)
      self.assertAllClose(np.array([r['probabilities'] for r in results]),
                          probabilities, atol=_FROZEN_ATOL, rtol=0,
                          msg=str(kwargs))
      self.assertEqual(
          [[e['class_index'] for e in r['top_k']] for r in results],
          [[e['class_index'] for e in r['top_k']] for r in reference])

  def test_moving_averages_change_the_prediction(self):
    config = testing.lenet_config()
    plain = self._classify(classify.Predictor.from_checkpoint(
        config, self.checkpoint))
    ema = self._classify(classify.Predictor.from_checkpoint(
        config, self.checkpoint, use_moving_averages=True))
    self.assertNotAllClose(plain[0]['logits'], ema[0]['logits'])

  def test_undecodable_file_is_named(self):
    bad = os.path.join(self.get_temp_dir(), 'notes.png')
    with open(bad, 'w') as f:
      f.write('not an image')
    predictor = classify.Predictor.from_checkpoint(testing.lenet_config(),
                                                   self.checkpoint)
    with self.assertRaisesRegex(runtime.UserError,
                                'Cannot decode .*notes.png as an image'):
      classify.classify(predictor, [bad])
    predictor.close()

  def test_run_needs_exactly_one_source(self):
    with self.assertRaisesRegex(runtime.UserError, 'exactly one of'):
      classify.run({'checkpoint_path': self.checkpoint,
                    'frozen_graph': 'x.pb'}, self.images)
    with self.assertRaisesRegex(runtime.UserError, 'exactly one of'):
      classify.run({}, self.images)


if __name__ == '__main__':
  tf.test.main()
