"""Post-hoc temperature scaling of cached logits (Guo et al., 2017).

Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks",
ICML 2017: divide the logits by one scalar T > 0 fitted to minimise the NLL
on held-out data. Accuracy is unchanged; confidence is rescaled.

What this module enforces (PITFALLS 19):
  * It takes logits, never probabilities (probability-like input is refused).
  * T is fitted on a calibration split that must differ from the evaluation
    split. Callers pass identifiers or file paths/patterns of both; any
    overlap (same identifier, same file, a shared shard) raises ValueError.
  * The search runs over log T, so T > 0, with scipy's bounded Brent method.
    The NLL is convex in 1/T, hence unimodal in log T, so the bounded search
    finds the global minimum. The fit is checked: the optimiser must report
    success, the optimum must be interior (not at a bound, and strictly
    below the NLL at both bounds, which catches an NLL that underflows to a
    flat 0 on a perfectly separated split) and the derivative of the NLL in
    log T must be ~0 there.
  * NLL and ECE before and after (on the calibration split) are returned,
    logged and saved with T as `temperature.json` next to the checkpoint.

Typical use:

  from uncertainty import temperature_scaling as ts
  fit = ts.fit_temperature(val_logits, val_labels,
                           calibration_split='/data/flowers/validation.npz',
                           eval_split='/data/flowers/test.npz')
  ts.save_temperature(fit, '/tmp/train/model.ckpt-1000')
  ...
  temperature = ts.load_temperature('/tmp/train').temperature
  test_probs = metrics.softmax(ts.apply_temperature(test_logits, temperature))
"""
import collections
import glob
import json
import os

from absl import logging
import numpy as np
from scipy import optimize

from uncertainty import metrics

TEMPERATURE_FILENAME = 'temperature.json'

TemperatureFit = collections.namedtuple('TemperatureFit', [
    'temperature',          # fitted T > 0; calibrated logits = logits / T.
    'nll_before',           # NLL at T = 1 on the calibration split.
    'nll_after',            # NLL at the fitted T on the calibration split.
    'ece_before',           # ECE at T = 1 on the calibration split.
    'ece_after',            # ECE at the fitted T on the calibration split.
    'num_bins',             # ECE bins.
    'binning',              # ECE binning.
    'calibration_split',    # what T was fitted on (str or list of str).
    'eval_split',           # what T must not be fitted on (str or list).
    'num_examples',         # size of the calibration split.
    'grad_log_temperature', # d NLL / d log T at the optimum (~0).
])

_SPLIT_GLOB_CHARS = '*?['


def _split_items(split, role):
  """Returns the JSON-friendly list of strings that names a split."""
  if split is None:
    raise ValueError(
        '%s is required: pass an identifier (e.g. "flowers/validation") or '
        'the file path(s) the logits came from, so that fitting on the '
        'evaluation split can be refused.' % role)
  if isinstance(split, (str, bytes, os.PathLike)):
    split = [split]
  items = []
  for item in split:
    item = os.fsdecode(item).strip()
    if not item:
      raise ValueError('%s contains an empty name; pass a split identifier '
                       'or file path.' % role)
    items.append(item)
  if not items:
    raise ValueError('%s is empty; pass a split identifier or file paths.' %
                     role)
  return items


def _split_keys(items):
  """Normalises split names: real paths for files, lower-case identifiers."""
  keys = set()
  for item in items:
    matches = (glob.glob(item) if any(c in item for c in _SPLIT_GLOB_CHARS)
               else [item] if os.path.exists(item) else [])
    if matches:
      keys.update(os.path.realpath(match) for match in matches)
    else:
      keys.add(item.lower())
  return keys


def check_distinct_splits(calibration_split, eval_split):
  """Refuses a calibration split that is (or shares files with) the eval one.

  Args:
    calibration_split: identifier, path, glob pattern, or a list of them.
    eval_split: the same kinds, for the split the metrics are reported on.

  Returns:
    (calibration_items, eval_items): the names as lists of strings.

  Raises:
    ValueError: if either is missing or they overlap.
  """
  calibration_items = _split_items(calibration_split, 'calibration_split')
  eval_items = _split_items(eval_split, 'eval_split')
  overlap = _split_keys(calibration_items) & _split_keys(eval_items)
  if overlap:
    raise ValueError(
        'The calibration split and the evaluation split are the same (shared: '
        '%s). Fitting the temperature on the data it is evaluated on reports '
        'an optimistic calibration. Fit on a held-out split (e.g. validation, '
        'or a slice of train held out from training) and evaluate on test.' %
        ', '.join(sorted(overlap)))
  return calibration_items, eval_items


def apply_temperature(logits, temperature):
  """Returns logits / temperature (float64).

  Args:
    logits: [..., K] logits.
    temperature: T > 0.

  Raises:
    ValueError: if T is not a finite positive number.
  """
  if not (np.isfinite(temperature) and temperature > 0):
    raise ValueError('temperature must be a finite number > 0, got %r.' %
                     (temperature,))
  return np.asarray(logits, dtype=np.float64) / float(temperature)


def _nll_and_grad(log_temperature, logits, labels):
  """NLL at T = exp(log_temperature) and its derivative in log T."""
  inv_t = np.exp(-log_temperature)
  log_probs = metrics.log_softmax(logits * inv_t)
  rows = np.arange(labels.shape[0])
  nll = -np.mean(log_probs[rows, labels])
  # d/d(1/T) NLL = mean(E_p[z] - z_y); d(1/T)/d(log T) = -1/T.
  expected_logit = np.sum(np.exp(log_probs) * logits, axis=1)
  grad = -inv_t * np.mean(expected_logit - logits[rows, labels])
  return nll, grad


def _check_logits(logits, labels):
  logits = np.asarray(logits, dtype=np.float64)
  if logits.ndim != 2 or logits.shape[1] < 2 or logits.shape[0] == 0:
    raise ValueError('logits must be a non-empty [N, K] array with K >= 2, '
                     'got shape %s.' % (logits.shape,))
  if not np.all(np.isfinite(logits)):
    raise ValueError('logits hold NaN or inf values.')
  if np.all(logits >= 0) and np.allclose(logits.sum(axis=1), 1.0, atol=1e-3):
    raise ValueError(
        'The inputs look like probabilities (non-negative rows summing to 1). '
        'Temperature scaling divides *logits* (pre-softmax scores); pass the '
        'logits cached by the eval binary instead.')
  labels = metrics.check_labels(labels, logits.shape[0], logits.shape[1])
  return logits, labels


def fit_temperature(logits, labels, calibration_split, eval_split,
                    bounds=(0.01, 100.0), num_bins=15, binning='equal_width',
                    xatol=1e-6, maxiter=500, grad_tol=1e-3):
  """Fits T > 0 minimising the NLL of softmax(logits / T) on held-out data.

  Args:
    logits: [N, K] logits of the calibration split.
    labels: [N] integer labels of the calibration split.
    calibration_split: identifier, path, glob pattern or list naming where
      `logits` came from.
    eval_split: the same for the split the model is evaluated on; must not
      overlap `calibration_split`.
    bounds: (T_min, T_max) of the search, 0 < T_min < 1 < T_max.
    num_bins: ECE bins for the before/after report.
    binning: ECE binning ('equal_width' or 'equal_mass').
    xatol: absolute tolerance of the search in log T.
    maxiter: iteration limit of the search.
    grad_tol: largest |d NLL / d log T| accepted at the optimum.

  Returns:
    A `TemperatureFit`.

  Raises:
    ValueError: if the splits overlap, the inputs are malformed or look like
      probabilities, or the optimum lies at a bound (towards T_max: usually
      labels that do not match the logits, e.g. a wrong --labels_offset;
      towards T_min: a perfectly classified calibration split).
    RuntimeError: if the optimiser did not converge.
  """
  calibration_items, eval_items = check_distinct_splits(calibration_split,
                                                        eval_split)
  logits, labels = _check_logits(logits, labels)
  t_min, t_max = bounds
  if not 0 < t_min < 1 < t_max:
    raise ValueError('bounds must satisfy 0 < T_min < 1 < T_max, got %r.' %
                     (bounds,))
  lo, hi = np.log(t_min), np.log(t_max)
  result = optimize.minimize_scalar(
      lambda x: _nll_and_grad(x, logits, labels)[0], bounds=(lo, hi),
      method='bounded', options={'xatol': xatol, 'maxiter': maxiter})
  if not result.success:
    raise RuntimeError('Temperature search did not converge after %d '
                       'evaluations: %s. Raise maxiter or check the logits.' %
                       (result.nfev, result.message))
  log_t = float(result.x)
  nll_after, grad = _nll_and_grad(log_t, logits, labels)
  # A minimum at (or numerically flat up to) a bound is not a fit: the NLL
  # is unimodal in log T, so an interior minimum is strictly below both ends.
  flat = 1e-9 * max(1.0, nll_after)
  if (hi - log_t < 10 * xatol or
      _nll_and_grad(hi, logits, labels)[0] - nll_after <= flat):
    raise ValueError(
        'The fitted temperature hit the upper bound T_max = %g: the NLL keeps '
        'falling as predictions flatten towards uniform. The labels probably '
        'do not match the logits (check --labels_offset and the class order) '
        'or the model is at chance on this split.' % t_max)
  if (log_t - lo < 10 * xatol or
      _nll_and_grad(lo, logits, labels)[0] - nll_after <= flat):
    raise ValueError(
        'The fitted temperature hit the lower bound T_min = %g: the NLL keeps '
        'falling as predictions sharpen, so the calibration split is '
        '(almost) perfectly classified. Use a larger or harder held-out '
        'split, or lower T_min in bounds.' % t_min)
  if abs(grad) > grad_tol:
    raise RuntimeError('Temperature search stopped at T = %.4g where '
                       'dNLL/dlogT = %.3g (> %.1g): not a minimum. Lower xatol '
                       'or raise maxiter.' % (np.exp(log_t), grad, grad_tol))
  temperature = float(np.exp(log_t))
  nll_before = metrics.negative_log_likelihood_from_logits(logits, labels)
  ece_before, _ = metrics.expected_calibration_error(
      metrics.softmax(logits), labels, num_bins, binning)
  ece_after, _ = metrics.expected_calibration_error(
      metrics.softmax(logits / temperature), labels, num_bins, binning)
  fit = TemperatureFit(
      temperature=temperature, nll_before=nll_before,
      nll_after=float(nll_after), ece_before=ece_before, ece_after=ece_after,
      num_bins=num_bins, binning=binning,
      calibration_split=_unwrap(calibration_items),
      eval_split=_unwrap(eval_items), num_examples=int(labels.shape[0]),
      grad_log_temperature=float(grad))
  logging.info('Temperature scaling on %s (%d examples): T = %.4f, NLL %.4f '
               '-> %.4f, ECE(%d bins, %s) %.4f -> %.4f.',
               fit.calibration_split, fit.num_examples, temperature,
               nll_before, fit.nll_after, num_bins, binning, ece_before,
               ece_after)
  return fit


def _unwrap(items):
  return items[0] if len(items) == 1 else list(items)


def temperature_path(checkpoint_path):
  """Where `temperature.json` lives for a checkpoint file or directory."""
  checkpoint_path = os.fspath(checkpoint_path)
  if os.path.isdir(checkpoint_path):
    return os.path.join(checkpoint_path, TEMPERATURE_FILENAME)
  return os.path.join(os.path.dirname(os.path.abspath(checkpoint_path)),
                      TEMPERATURE_FILENAME)


def save_temperature(fit, checkpoint_path):
  """Writes `fit` as `temperature.json` next to the checkpoint.

  Args:
    fit: a `TemperatureFit`.
    checkpoint_path: a checkpoint prefix (`.../model.ckpt-1000`) or the
      directory holding it.

  Returns:
    The path written.
  """
  path = temperature_path(checkpoint_path)
  record = dict(fit._asdict())
  record['method'] = 'temperature_scaling'
  record['checkpoint_path'] = os.fspath(checkpoint_path)
  tmp_path = path + '.tmp'
  with open(tmp_path, 'w') as f:
    json.dump(record, f, indent=2, sort_keys=True)
    f.write('\n')
  os.replace(tmp_path, path)
  logging.info('Wrote temperature %.4f to %s', fit.temperature, path)
  return path


def load_temperature(checkpoint_path):
  """Reads the `TemperatureFit` saved next to a checkpoint.

  Args:
    checkpoint_path: a checkpoint prefix or its directory.

  Returns:
    A `TemperatureFit`.

  Raises:
    ValueError: if the file is missing or malformed.
  """
  path = temperature_path(checkpoint_path)
  if not os.path.exists(path):
    raise ValueError('No %s next to checkpoint %s (looked for %s). Fit one '
                     'with fit_temperature on a held-out split and '
                     'save_temperature.' %
                     (TEMPERATURE_FILENAME, checkpoint_path, path))
  with open(path) as f:
    record = json.load(f)
  missing = [field for field in TemperatureFit._fields if field not in record]
  if missing:
    raise ValueError('%s lacks the fields %s; re-create it with '
                     'save_temperature.' % (path, ', '.join(missing)))
  fit = TemperatureFit(**{field: record[field]
                          for field in TemperatureFit._fields})
  apply_temperature(np.zeros(1), fit.temperature)  # Validates T > 0.
  return fit
