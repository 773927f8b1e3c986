"""Tests for uncertainty.mahalanobis (numpy part)."""
import warnings

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import mahalanobis
from uncertainty import metrics

_MEANS = np.array([[0.0, 0.0, 0.0], [4.0, -2.0, 1.0]])
_COVARIANCE = np.array([[2.0, 0.6, 0.0],
                        [0.6, 1.0, -0.3],
                        [0.0, -0.3, 0.5]])


def _gaussian_features(num_per_class, seed=0):
  rng = np.random.RandomState(seed)
  chol = np.linalg.cholesky(_COVARIANCE)
  features, labels = [], []
  for c, mean in enumerate(_MEANS):
    features.append(mean + rng.randn(num_per_class, 3).dot(chol.T))
    labels.append(np.full(num_per_class, c))
  return np.concatenate(features), np.concatenate(labels)


def _closed_form(x, means, covariance):
  """[N, C] squared distances by solving against the covariance."""
  diffs = x[:, None, :] - means[None, :, :]
  solved = np.linalg.solve(covariance, diffs.reshape(-1, 3).T).T
  return np.sum(diffs.reshape(-1, 3) * solved, axis=1).reshape(
      x.shape[0], means.shape[0])


class MahalanobisTest(tf.test.TestCase):

  def test_one_dimensional_by_hand(self):
    # Class 0 at {-1, 1} (mean 0), class 1 at {9, 11} (mean 10). Residuals
    # +-1: MLE variance 4 / 4 = 1, unbiased 4 / (4 - 2) = 2.
    features = np.array([[-1.0], [1.0], [9.0], [11.0]])
    labels = np.array([0, 0, 1, 1])
    mle = mahalanobis.fit_class_gaussians(features, labels)
    self.assertAllClose(mle.means, [[0.0], [10.0]])
    self.assertAllClose(mle.covariance, [[1.0]])
    self.assertAllClose(mahalanobis.mahalanobis_score(mle, [[0.0], [3.0]]),
                        [0.0, -9.0])
    self.assertAllClose(
        mahalanobis.mahalanobis_score(mle, [[3.0]], squared=False), [-3.0])
    unbiased = mahalanobis.fit_class_gaussians(features, labels,
                                               estimator='unbiased')
    self.assertAllClose(unbiased.covariance, [[2.0]])
    self.assertAllClose(mahalanobis.mahalanobis_score(unbiased, [[3.0]]),
                        [-4.5])

  def test_synthetic_gaussians_match_closed_form(self):
    features, labels = _gaussian_features(20000)
    model = mahalanobis.fit_class_gaussians(features, labels)
    self.assertAllClose(model.means, _MEANS, atol=0.05)
    self.assertAllClose(model.covariance, _COVARIANCE, atol=0.05)
    self.assertAllClose(model.precision.dot(model.covariance), np.eye(3),
                        atol=1e-10)
    test_x = np.random.RandomState(9).uniform(-5, 5, size=(50, 3))
    got = mahalanobis.mahalanobis_distances(model, test_x)
    # Exact against the fitted parameters...
    self.assertAllClose(got, _closed_form(test_x, model.means,
                                          model.covariance), rtol=1e-9)
    # ... and close to the true ones.
    self.assertAllClose(got, _closed_form(test_x, _MEANS, _COVARIANCE),
                        rtol=0.05)
    self.assertAllClose(mahalanobis.mahalanobis_score(model, test_x),
                        -np.min(got, axis=1))

  def test_estimators_differ_by_a_constant(self):
    features, labels = _gaussian_features(50, seed=1)
    mle = mahalanobis.fit_class_gaussians(features, labels)
    unbiased = mahalanobis.fit_class_gaussians(features, labels,
                                               estimator='unbiased')
    self.assertAllClose(unbiased.covariance, mle.covariance * 100.0 / 98.0)

  def test_shrinkage_and_singular_covariance(self):
    features, labels = _gaussian_features(30, seed=2)
    plain = mahalanobis.fit_class_gaussians(features, labels)
    shrunk = mahalanobis.fit_class_gaussians(features, labels, shrinkage=0.5)
    target = np.trace(plain.covariance) / 3.0 * np.eye(3)
    self.assertAllClose(shrunk.covariance,
                        0.5 * plain.covariance + 0.5 * target)
    # Two examples in 3-D: rank-deficient covariance -> pseudo-inverse.
    with warnings.catch_warnings(record=True) as caught:  # Not assertWarns.
      warnings.simplefilter('always')
      singular = mahalanobis.fit_class_gaussians(features[[0, 1, 30, 31]],
                                                 [0, 0, 1, 1])
    self.assertLen(caught, 1)
    self.assertIn('shrinkage', str(caught[0].message))
    self.assertAllClose(singular.covariance.dot(singular.precision).dot(
        singular.covariance), singular.covariance)

  def test_separates_shifted_ood(self):
    features, labels = _gaussian_features(500, seed=3)
    model = mahalanobis.fit_class_gaussians(features, labels)
    id_x, _ = _gaussian_features(200, seed=4)
    ood_x = id_x + np.array([0.0, 8.0, 0.0])
    report = metrics.ood_metrics(mahalanobis.mahalanobis_score(model, id_x),
                                 mahalanobis.mahalanobis_score(model, ood_x))
    self.assertGreater(report['auroc'], 0.99)

  def test_bad_inputs(self):
    features, labels = _gaussian_features(5)
    with self.assertRaisesRegex(ValueError, r'Classes \[2\]'):
      mahalanobis.fit_class_gaussians(features, labels, num_classes=3)
    with self.assertRaisesRegex(ValueError, "mle, unbiased"):
      mahalanobis.fit_class_gaussians(features, labels, estimator='ledoit')
    model = mahalanobis.fit_class_gaussians(features, labels)
    with self.assertRaisesRegex(ValueError, 'same layer'):
      mahalanobis.mahalanobis_score(model, np.zeros((2, 4)))


if __name__ == '__main__':
  tf.test.main()
