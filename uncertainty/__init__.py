"""Predictive-uncertainty tools: metrics, calibration, ensembles, OOD scores.

The array-level modules work on cached numpy predictions (logits written once
by the eval binary) and never import TensorFlow:

  metrics            ECE/MCE (+ streaming accumulator), NLL, Brier, accuracy,
                     OOD metrics (AUROC, AUPR-In/Out, FPR@95TPR) and the
                     registry of OOD score functions.
  temperature_scaling  post-hoc temperature fit on a held-out split.
  ensembles          combine member predictions [M, N, K].
  mahalanobis        class-conditional Gaussian (tied covariance) OOD score.
  plots              reliability diagram and ID-vs-OOD score histogram.
  selection          hyper-parameter selection protocols (id_only, ood_val).

Graph-level modules (TensorFlow; any nets_factory model, any dataset), used
by eval_uncertainty.py (see README.md in this directory):

  inference          deterministic, MC-dropout and input-perturbation passes.
  odin, mahalanobis_detector   ODIN and the Mahalanobis detector.
  cache              .npz cache of forward passes, keyed by what made them.
  evaluation, report the methods behind the binary; tables, JSON, figures.
  toy_data           tiny datasets and checkpoints for the tests.

Submodules are imported explicitly (`from uncertainty import metrics`), so
importing the package does not pull in matplotlib or scipy.
"""
