"""The Mahalanobis OOD detector on a network's features (graph part).

Lee, Lee, Lee and Shin, "A Simple Unified Framework for Detecting
Out-of-Distribution Samples and Adversarial Attacks", NeurIPS 2018. The
numpy estimator (class means, tied covariance, its estimator and shrinkage
options, score = -min_c squared Mahalanobis distance) is
`uncertainty.mahalanobis`; this module adds what needs the network:

  * the input pre-processing of the paper: x' = x - epsilon *
    sign(grad_x min_c d_c(f(x))), which moves x towards its closest class
    Gaussian, with epsilon in raw pixel levels (0-255) before the model's
    preprocessing (see `inference.predict_perturbed`; PITFALLS 17);
  * features of any end point, pooled by a spatial mean for 4-D maps
    ('PreLogits' by default: the penultimate layer);
  * several layers: each layer gets its own Gaussians and its own epsilon.
    Their scores are combined on validation data only: 'id_only' selection
    standardises each layer's score with the mean and std of the
    in-distribution validation split and averages them; 'ood_val' fits a
    logistic regression (scikit-learn) of in-distribution validation vs the
    separate OOD validation set, as the paper does, but never on OOD test
    data.

Typical use:

  gaussians = mahalanobis.fit_class_gaussians(train_features, train_labels)
  objective = mahalanobis_detector.MahalanobisObjective(gaussians,
                                                        'PreLogits')
  outputs, _ = inference.predict_perturbed(model, source, objective,
                                           [{'epsilon': 1.0}])
  scores = outputs[0]['score']
"""
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from uncertainty import inference


class MahalanobisObjective(inference.Objective):
  """Decreases min_c d_c of one end point; returns the score -min_c d_c."""
  param_names = ()

  def __init__(self, gaussians, end_point):
    """Creates the objective.

    Args:
      gaussians: a `mahalanobis.ClassGaussians` fitted on this end point.
      end_point: the end point name, e.g. 'PreLogits'.
    """
    self.gaussians = gaussians
    self.end_point = end_point

  def _min_distance(self, end_points):
    features = inference.pooled_features(end_points, self.end_point)
    # Same centring and whitening as mahalanobis.mahalanobis_distances.
    centre = np.mean(self.gaussians.means, axis=0)
    whitening = tf.constant(self.gaussians.whitening, tf.float32)
    white_x = tf.matmul(features - tf.constant(centre, tf.float32), whitening)
    white_mu = tf.constant(
        (self.gaussians.means - centre).dot(self.gaussians.whitening),
        tf.float32)
    distances = (tf.reduce_sum(tf.square(white_x), axis=1, keepdims=True) -
                 2.0 * tf.matmul(white_x, white_mu, transpose_b=True) +
                 tf.reduce_sum(tf.square(white_mu), axis=1)[None, :])
    return tf.reduce_min(tf.maximum(distances, 0.0), axis=1)

  def loss(self, logits, end_points, params):
    del logits, params
    return self._min_distance(end_points)

  def outputs(self, logits, end_points, params):
    del logits, params
    return {'score': -self._min_distance(end_points)}


def standardizer(id_val_scores):
  """(mean, std) per layer of [L, N] in-distribution validation scores."""
  id_val_scores = np.asarray(id_val_scores, np.float64)
  std = np.std(id_val_scores, axis=1)
  return np.mean(id_val_scores, axis=1), np.where(std > 0, std, 1.0)


def combine_standardized(layer_scores, mean, std):
  """Mean over layers of (score - mean) / std, [L, N] -> [N]."""
  layer_scores = np.asarray(layer_scores, np.float64)
  return np.mean((layer_scores - mean[:, None]) / std[:, None], axis=0)


def fit_logistic_combiner(id_val_scores, ood_val_scores, seed=0):
  """Logistic regression ID (1) vs OOD (0) on [L, N] layer scores.

  Args:
    id_val_scores: [L, N] scores of the in-distribution validation split.
    ood_val_scores: [L, M] scores of the OOD *validation* set.
    seed: random state of the solver.

  Returns:
    A fitted scikit-learn LogisticRegression on standardised inputs, with
    attributes `mean_` and `std_` of the standardisation.
  """
  from sklearn import linear_model  # pylint: disable=g-import-not-at-top
  mean, std = standardizer(id_val_scores)
  inputs = np.concatenate([np.asarray(id_val_scores, np.float64),
                           np.asarray(ood_val_scores, np.float64)], axis=1)
  inputs = ((inputs - mean[:, None]) / std[:, None]).T
  targets = np.r_[np.ones(np.shape(id_val_scores)[1]),
                  np.zeros(np.shape(ood_val_scores)[1])]
  combiner = linear_model.LogisticRegression(random_state=seed)
  combiner.fit(inputs, targets)
  combiner.mean_, combiner.std_ = mean, std
  return combiner


def combine_logistic(combiner, layer_scores):
  """The combiner's decision function (higher = more ID), [L, N] -> [N]."""
  layer_scores = np.asarray(layer_scores, np.float64)
  inputs = ((layer_scores - combiner.mean_[:, None]) /
            combiner.std_[:, None]).T
  return combiner.decision_function(inputs)
