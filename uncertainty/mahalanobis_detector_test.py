"""Tests for uncertainty.mahalanobis_detector."""
import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import mahalanobis
from uncertainty import mahalanobis_detector
from uncertainty import metrics


def _gaussians(seed=0, dim=6, num_classes=3):
  rng = np.random.RandomState(seed)
  means = 4.0 * rng.randn(num_classes, dim)
  labels = rng.randint(num_classes, size=300)
  features = means[labels] + rng.randn(300, dim).dot(rng.randn(dim, dim))
  return mahalanobis.fit_class_gaussians(features, labels, num_classes), rng


class MahalanobisObjectiveTest(tf.test.TestCase):

  def test_graph_score_equals_numpy_score_and_its_closed_form(self):
    gaussians, rng = _gaussians()
    features = 3.0 * rng.randn(20, 6)
    objective = mahalanobis_detector.MahalanobisObjective(gaussians, 'feat')
    with tf.Graph().as_default():
      end_points = {'feat': tf.constant(features, tf.float32)}
      score = objective.outputs(None, end_points, {})['score']
      loss = objective.loss(None, end_points, {})
      with self.session() as session:
        score, loss = session.run((score, loss))
    expected = mahalanobis.mahalanobis_score(gaussians, features)
    closed_form = -np.min([
        np.einsum('nd,de,ne->n', features - mu, np.linalg.inv(
            gaussians.covariance), features - mu) for mu in gaussians.means],
                          axis=0)
    self.assertAllClose(expected, closed_form, rtol=1e-6)
    self.assertAllClose(score, expected, rtol=1e-4, atol=1e-3)
    self.assertAllClose(loss, -score)

  def test_pooled_4d_features(self):
    gaussians, rng = _gaussians(dim=4)
    maps = rng.randn(5, 3, 3, 4)
    objective = mahalanobis_detector.MahalanobisObjective(gaussians, 'map')
    with tf.Graph().as_default():
      score = objective.outputs(
          None, {'map': tf.constant(maps, tf.float32)}, {})['score']
      with self.session() as session:
        score = session.run(score)
    self.assertAllClose(score, mahalanobis.mahalanobis_score(
        gaussians, maps.mean(axis=(1, 2))), rtol=1e-4, atol=1e-3)


class CombinerTest(tf.test.TestCase):

  def test_standardized_mean(self):
    id_val = np.array([[1.0, 3.0], [10.0, 30.0]])
    mean, std = mahalanobis_detector.standardizer(id_val)
    self.assertAllClose(mean, [2.0, 20.0])
    combined = mahalanobis_detector.combine_standardized(
        np.array([[2.0, 4.0], [20.0, 40.0]]), mean, std)
    self.assertAllClose(combined, [0.0, 2.0])

  def test_logistic_combiner_prefers_the_informative_layer(self):
    rng = np.random.RandomState(0)
    id_val = np.stack([rng.randn(200) + 3.0, rng.randn(200)])
    ood_val = np.stack([rng.randn(200), rng.randn(200)])
    combiner = mahalanobis_detector.fit_logistic_combiner(id_val, ood_val)
    self.assertGreater(abs(combiner.coef_[0, 0]),
                       5 * abs(combiner.coef_[0, 1]))
    test_id = np.stack([rng.randn(100) + 3.0, rng.randn(100)])
    test_ood = np.stack([rng.randn(100), rng.randn(100)])
    report = metrics.ood_metrics(
        mahalanobis_detector.combine_logistic(combiner, test_id),
        mahalanobis_detector.combine_logistic(combiner, test_ood))
    self.assertGreater(report['auroc'], 0.95)


if __name__ == '__main__':
  tf.test.main()
