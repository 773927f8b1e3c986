"""Mahalanobis OOD score with class-conditional Gaussians (numpy part).

Lee, Lee, Lee and Shin, "A Simple Unified Framework for Detecting
Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018: fit one
mean per class and a covariance shared by all classes (tied) on the features
of in-distribution *training* data, then score an input by

  M(x) = -min_c (f(x) - mu_c)^T Sigma^-1 (f(x) - mu_c)

(the negative squared Mahalanobis distance to the closest class mean; higher
= more in-distribution). This module has the single-layer estimator on
feature arrays; feature extraction, input perturbation and multi-layer
combination are graph-level and live elsewhere.

Covariance estimator (PITFALLS 17), stated because implementations differ:
  * 'mle' (default): Sigma = 1/N sum_c sum_{i in c} (x_i - mu_c)(x_i - mu_c)^T,
    as in Lee et al.'s code (sklearn EmpiricalCovariance on centred features).
  * 'unbiased': the same sum divided by N - C, the unbiased pooled
    within-class estimator (C class means are estimated; with one class this
    is the familiar 1/(N-1)).
  * `shrinkage` alpha in [0, 1]: Sigma <- (1 - alpha) Sigma +
    alpha * (trace(Sigma) / D) * I, which keeps Sigma invertible when D is
    large relative to N.
  The estimators differ by a constant factor, so they rescale the score but
  leave its ranking (AUROC, FPR@95TPR) unchanged. A singular covariance is
  inverted with the pseudo-inverse (eigenvalues below D * eps * max are
  dropped) and a warning suggests shrinkage.

Typical use:

  from uncertainty import mahalanobis
  model = mahalanobis.fit_class_gaussians(train_features, train_labels)
  id_scores = mahalanobis.mahalanobis_score(model, test_features)
  ood_scores = mahalanobis.mahalanobis_score(model, ood_features)
  metrics.ood_metrics(id_scores, ood_scores)
"""
import collections
import warnings

import numpy as np

from uncertainty import metrics

ESTIMATORS = ('mle', 'unbiased')

ClassGaussians = collections.namedtuple('ClassGaussians', [
    'means',         # [C, D] class means.
    'covariance',    # [D, D] tied covariance (after shrinkage).
    'precision',     # [D, D] its (pseudo-)inverse.
    'whitening',     # [D, R] W with W W^T = precision (R = rank).
    'class_counts',  # [C] training examples per class.
    'estimator',     # 'mle' or 'unbiased'.
    'shrinkage',     # alpha in [0, 1].
])


def _check_features(features, name='features'):
  features = np.asarray(features, dtype=np.float64)
  if features.ndim != 2 or 0 in features.shape:
    raise ValueError('%s must be a non-empty [N, D] array (flatten or pool '
                     'feature maps first), got shape %s.' %
                     (name, features.shape))
  if not np.all(np.isfinite(features)):
    raise ValueError('%s hold NaN or inf values.' % name)
  return features


def fit_class_gaussians(features, labels, num_classes=None, estimator='mle',
                        shrinkage=0.0):
  """Fits class means and a tied covariance.

  Args:
    features: [N, D] in-distribution training features.
    labels: [N] integer labels in [0, num_classes).
    num_classes: C; defaults to max(labels) + 1. Every class needs examples.
    estimator: 'mle' (divide by N) or 'unbiased' (divide by N - C).
    shrinkage: alpha in [0, 1] towards (trace / D) * I.

  Returns:
    A `ClassGaussians`.

  Raises:
    ValueError: on malformed input, an unknown estimator, a shrinkage
      outside [0, 1] or a class without examples.
  """
  if estimator not in ESTIMATORS:
    raise ValueError('estimator must be one of %s, got %r.' %
                     (', '.join(ESTIMATORS), estimator))
  if not 0.0 <= shrinkage <= 1.0:
    raise ValueError('shrinkage must lie in [0, 1], got %r.' % (shrinkage,))
  features = _check_features(features)
  num_examples, dim = features.shape
  if num_classes is None:
    num_classes = int(np.max(labels)) + 1 if np.size(labels) else 1
  labels = metrics.check_labels(labels, num_examples, num_classes)
  counts = np.bincount(labels, minlength=num_classes)
  if np.any(counts == 0):
    raise ValueError('Classes %s have no training features; pass features '
                     'covering every class or the right num_classes.' %
                     np.nonzero(counts == 0)[0].tolist())
  denominator = num_examples - (num_classes if estimator == 'unbiased' else 0)
  if denominator <= 0:
    raise ValueError('The unbiased estimator needs more examples (%d) than '
                     'classes (%d); use estimator="mle".' %
                     (num_examples, num_classes))
  means = np.zeros((num_classes, dim))
  np.add.at(means, labels, features)
  means /= counts[:, None]
  centred = features - means[labels]
  covariance = centred.T.dot(centred) / denominator
  if shrinkage:
    covariance = ((1.0 - shrinkage) * covariance + shrinkage *
                  np.trace(covariance) / dim * np.eye(dim))
  eigvals, eigvecs = np.linalg.eigh(covariance)
  keep = eigvals > dim * np.finfo(np.float64).eps * max(eigvals.max(), 0.0)
  if not np.all(keep):
    warnings.warn('The tied covariance is singular (rank %d of %d); using '
                  'its pseudo-inverse. Pass shrinkage > 0 (e.g. 0.01) or '
                  'more training features.' % (int(keep.sum()), dim))
  whitening = eigvecs[:, keep] / np.sqrt(eigvals[keep])
  return ClassGaussians(means=means, covariance=covariance,
                        precision=whitening.dot(whitening.T),
                        whitening=whitening, class_counts=counts,
                        estimator=estimator, shrinkage=float(shrinkage))


def mahalanobis_distances(model, features, squared=True):
  """Distances of each example to each class mean under the tied covariance.

  Args:
    model: a `ClassGaussians`.
    features: [N, D] features.
    squared: return (x - mu)^T P (x - mu) (default) or its square root.

  Returns:
    [N, C] distances.
  """
  features = _check_features(features)
  if features.shape[1] != model.means.shape[1]:
    raise ValueError('features have dimension %d but the model was fitted on '
                     '%d; use features of the same layer.' %
                     (features.shape[1], model.means.shape[1]))
  # Centre on the mean of the class means to limit cancellation.
  centre = np.mean(model.means, axis=0)
  white_x = (features - centre).dot(model.whitening)
  white_mu = (model.means - centre).dot(model.whitening)
  distances = (np.sum(np.square(white_x), axis=1)[:, None] -
               2.0 * white_x.dot(white_mu.T) +
               np.sum(np.square(white_mu), axis=1)[None, :])
  distances = np.maximum(distances, 0.0)
  return distances if squared else np.sqrt(distances)


def mahalanobis_score(model, features, squared=True):
  """OOD score -min_c distance(x, mu_c); higher = more in-distribution.

  Args:
    model: a `ClassGaussians`.
    features: [N, D] features.
    squared: use the squared distance, as Lee et al. (2018) do (default).
      The ranking, hence every OOD metric, is the same either way.

  Returns:
    [N] scores.
  """
  return -np.min(mahalanobis_distances(model, features, squared), axis=1)
