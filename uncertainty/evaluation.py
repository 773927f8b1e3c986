"""The uncertainty methods on a checkpoint: the library of eval_uncertainty.

Every method reads cached forward passes (`uncertainty.cache`, in
`<eval_dir>/cache`), so the logits of a split are computed once and shared:

  msp          maximum softmax probability (Hendrycks and Gimpel, ICLR 2017).
  temperature  temperature scaling (Guo et al., ICML 2017), T fitted by NLL
               on --calibration_split_name (never the evaluation split),
               saved next to the checkpoint as temperature.json.
  energy       negative free energy T logsumexp(z / T) (Liu et al.,
               NeurIPS 2020).
  odin         ODIN (Liang et al., ICLR 2018), see `uncertainty.odin`.
  mahalanobis  class Gaussians on features of the training split (Lee et
               al., NeurIPS 2018), see `uncertainty.mahalanobis_detector`.
  mc_dropout   S passes with dropout on, batch norm in inference mode (Gal
               and Ghahramani, ICML 2016).
  ensemble     mean softmax of N checkpoints (Lakshminarayanan et al.,
               NeurIPS 2017), per-member logits cached.

Each method returns the calibration report of the predictive distribution
it uses (ODIN, Mahalanobis and energy are detectors on top of the
unchanged classifier, so theirs is the base model's, noted under
'<method>/predictions') and the OOD metrics of its score against every OOD
set, under flat keys: '<split>/accuracy', '<split>/ece', '<split>/nll',
'<split>/brier', 'ood/<set>_auroc', 'ood/<set>_aupr_in',
'ood/<set>_aupr_out', 'ood/<set>_fpr@95tpr' (conventions in
`uncertainty.metrics`, written into the JSON).

Typical use:

  results = evaluation.run(flag_values_dict)   # what eval_uncertainty does
"""
import collections
import glob
import hashlib
import itertools
import os
import re
import warnings

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from datasets import dataset_factory
from training import restore
from training import runtime
from uncertainty import cache
from uncertainty import ensembles
from uncertainty import inference
from uncertainty import mahalanobis
from uncertainty import mahalanobis_detector
from uncertainty import metrics
from uncertainty import odin
from uncertainty import report
from uncertainty import selection
from uncertainty import temperature_scaling

MethodResult = collections.namedtuple('MethodResult', [
    'method',      # name.
    'metrics',     # flat dict of numbers and parameters.
    'probs',       # [N, K] predictive probabilities on the eval split.
    'labels',      # [N] labels of the eval split.
    'id_scores',   # [N] OOD score of the eval split (higher = more ID).
    'ood_scores',  # {OOD set name: [M] scores}.
    'score_name',  # the score used for the OOD metrics.
])

BASE_PREDICTIONS = 'base model (the detector does not change the classifier)'

# Scores of several samples / members ([S, N, K] logits): higher = more ID.
SAMPLE_SCORES = ('entropy', 'mutual_information', 'msp')


class MissingInput(runtime.UserError):
  """A method needs an input (flag) that was not given."""


def _ood_key(name):
  return re.sub(r'[^A-Za-z0-9_.-]+', '_', name)


def _broadcast(values, count, flag):
  """A list of `count` values from a list of 1 or `count` values."""
  if len(values) == 1:
    return values * count
  if len(values) != count:
    raise runtime.UserError('--%s has %d values; give one, or one per '
                            'dataset (%d).' % (flag, len(values), count))
  return values


def _realpaths(dataset):
  return {os.path.realpath(f) for f in dataset.data_sources}


def _sha1_of_checkpoint(checkpoint):
  """A hash of a checkpoint's tensors (global_step excluded)."""
  reader = tf.train.load_checkpoint(checkpoint)
  digest = hashlib.sha1()
  for name in sorted(reader.get_variable_to_shape_map()):
    if name == 'global_step':
      continue
    digest.update(name.encode('utf-8'))
    digest.update(np.ascontiguousarray(reader.get_tensor(name)).tobytes())
  return digest.hexdigest()


def sample_scores(sample_logits, combined_probs):
  """OOD scores of S samples or members ([S, N, K] logits).

  Args:
    sample_logits: [S, N, K] logits.
    combined_probs: [N, K] the combined prediction (mean of the softmax for
      MC dropout and probability-averaged ensembles).

  Returns:
    {'entropy': -H[p], 'mutual_information': -MI, 'msp': max_k p_k}, [N]
    each, higher = more in-distribution.
  """
  sample_probs = metrics.softmax(sample_logits)
  return {
      'entropy': -metrics.categorical_entropy(combined_probs),
      'mutual_information': -metrics.mutual_information(sample_probs),
      'msp': np.max(combined_probs, axis=1),
  }


class Context(object):
  """Datasets, model, caches and flags shared by the methods."""

  def __init__(self, params, methods):
    """Resolves the checkpoint and datasets, and checks the splits.

    Args:
      params: dict of eval_uncertainty flag values.
      methods: the methods that will run (decides the cached features).

    Raises:
      runtime.UserError / ValueError: missing or conflicting inputs.
    """
    p = self.params = params
    for flag in ('checkpoint_path', 'dataset_name', 'dataset_dir',
                 'eval_dir', 'model_name'):
      if not p.get(flag):
        raise runtime.UserError('--%s is required.' % flag)
    self.split = p['dataset_split_name']
    checkpoint = restore.resolve_checkpoint(p['checkpoint_path'])
    eval_dataset = self._dataset(p['dataset_name'], self.split,
                                 p['dataset_dir'])
    self.config = inference.InferenceConfig(
        model_name=p['model_name'], labels_offset=p['labels_offset'],
        preprocessing_name=p['preprocessing_name'],
        image_size=p['eval_image_size'], use_grayscale=p['use_grayscale'],
        batch_size=p['batch_size'],
        perturbation_batch_size=p['perturbation_batch_size'],
        num_preprocessing_threads=p['num_preprocessing_threads'],
        moving_average_decay=p['moving_average_decay'],
        dropout_keep_prob=p['dropout_keep_prob'],
        session_config=runtime.session_config_from_params(p))
    self.model = inference.Model(self.config, eval_dataset, checkpoint)
    self.num_classes = eval_dataset.num_classes - p['labels_offset']
    self.eval_source = inference.Source(self.split, eval_dataset, True)
    self.calibration_source = None
    if p['calibration_split_name']:
      calibration = self._dataset(p['dataset_name'],
                                  p['calibration_split_name'],
                                  p['dataset_dir'])
      temperature_scaling.check_distinct_splits(
          sorted(calibration.data_sources), sorted(eval_dataset.data_sources))
      self.calibration_source = inference.Source(
          p['calibration_split_name'], calibration, True)
    self.ood_sources = self._ood_sources(
        p['ood_dataset_name'], p['ood_dataset_dir'], p['ood_split_name'],
        p['ood_names'], 'ood')
    self.ood_val_sources = self._ood_sources(
        p['ood_val_dataset_name'], p['ood_val_dataset_dir'],
        p['ood_val_split_name'], None, 'ood_val')
    self._check_ood_val_is_separate()
    self.feature_end_points = (tuple(p['mahalanobis_end_points'])
                               if 'mahalanobis' in methods else ())
    self.cache_dir = None
    if p['use_cache']:
      self.cache_dir = p.get('cache_dir') or os.path.join(p['eval_dir'],
                                                          'cache')
    self._memo = {}
    logging.info('Evaluating %s (%s) on %s/%s; OOD sets: %s.', checkpoint,
                 p['model_name'], p['dataset_name'], self.split,
                 ', '.join(s.name for s in self.ood_sources) or 'none')

  # ------------------------------------------------------------ inputs

  @staticmethod
  def _dataset(name, split, dataset_dir):
    return dataset_factory.get_dataset(name, split, dataset_dir)

  def _ood_sources(self, names, dirs, splits, keys, flag):
    names = list(names or [])
    if not names:
      return []
    if not dirs:
      raise runtime.UserError('--%s_dataset_dir is required with --%s_'
                              'dataset_name.' % (flag, flag))
    dirs = _broadcast(list(dirs), len(names), '%s_dataset_dir' % flag)
    splits = _broadcast(list(splits or ['test']), len(names),
                        '%s_split_name' % flag)
    sources = []
    for i, (name, directory, split) in enumerate(zip(names, dirs, splits)):
      dataset = self._dataset(name, split, directory)
      key = _ood_key(keys[i] if keys else dataset.name)
      sources.append(inference.Source(key, dataset, False))
    taken = [s.name for s in sources]
    if len(set(taken)) != len(taken):
      raise runtime.UserError(
          'Two --%s datasets have the same name (%s): name them with '
          '--ood_names=a,b,...' % (flag + '_dataset_name', ', '.join(taken)))
    return sources

  def _check_ood_val_is_separate(self):
    """Refuses an OOD validation set that shares files with test data."""
    for val in self.ood_val_sources:
      for test in self.ood_sources + [self.eval_source]:
        shared = _realpaths(val.dataset) & _realpaths(test.dataset)
        if shared:
          raise runtime.UserError(
              'The OOD validation set %s shares files with %s (%s): '
              'hyper-parameters must never be selected on test data. Use a '
              'separate OOD validation split (e.g. convert_ood with '
              '--source_split_name=validation).' % (
                  val.name, test.name, ', '.join(sorted(shared)[:2])))

  def require_calibration(self, method):
    if self.calibration_source is None:
      raise MissingInput(
          '%s needs a held-out in-distribution split: pass '
          '--calibration_split_name (a split other than --dataset_split_name='
          '%s, e.g. validation).' % (method, self.split))
    return self.calibration_source

  def require_ood_val(self, method):
    if not self.ood_val_sources:
      raise MissingInput(
          "%s with --hyperparameter_selection=ood_val needs a separate OOD "
          'validation set: pass --ood_val_dataset_name and '
          '--ood_val_dataset_dir (never the OOD test set).' % method)
    return self.ood_val_sources

  def train_source(self):
    """The split the Mahalanobis Gaussians are fitted on."""
    p = self.params
    dataset = self._dataset(p['dataset_name'], p['train_split_name'],
                            p['dataset_dir'])
    if _realpaths(dataset) & _realpaths(self.model.id_dataset):
      raise runtime.UserError(
          '--train_split_name=%s shares files with the evaluation split %s: '
          'fit the Mahalanobis Gaussians on training data.' %
          (p['train_split_name'], self.split))
    return inference.Source(p['train_split_name'], dataset, True)

  # ----------------------------------------------------------- passes

  def _key(self, source, checkpoint, **extra):
    return dict(extra, checkpoint=cache.checkpoint_fingerprint(checkpoint),
                config=inference.config_key(self.config),
                source=inference.source_key(source))

  def _cached(self, kind, key, compute_fn):
    memo_key = cache.cache_path('', kind, key)
    if memo_key not in self._memo:
      self._memo[memo_key] = cache.load_or_compute(self.cache_dir, kind, key,
                                                   compute_fn)
    return self._memo[memo_key]

  def forward(self, source, checkpoint=None):
    """Logits, labels and features of a split, cached per part.

    The main checkpoint's pass also extracts the Mahalanobis end points when
    that method runs; logits and each end point's features are cached as
    separate files, so other method combinations reuse them.

    Args:
      source: an inference.Source.
      checkpoint: another checkpoint (ensemble member) or None.

    Returns:
      A dict: 'logits', 'label', 'index' and 'features/<end point>'.
    """
    model = self.model
    features = self.feature_end_points
    if checkpoint is not None and checkpoint != model.checkpoint:
      model, features = model._replace(checkpoint=checkpoint), ()
    keys = {'logits': self._key(source, model.checkpoint)}
    for name in features:
      keys['features/' + name] = self._key(source, model.checkpoint,
                                           end_point=name)
    memo_key = cache.cache_path('', 'forward', keys)
    if memo_key not in self._memo:

      def compute(missing):
        out = inference.predict(model, source, [
            p[len('features/'):] for p in missing if p != 'logits'])
        parts = {'logits': {k: out[k] for k in ('logits', 'label', 'index')}}
        parts.update({name: {name: value} for name, value in out.items()
                      if name.startswith('features/')})
        return parts

      parts = cache.load_or_compute_parts(self.cache_dir, 'forward', keys,
                                          compute)
      merged = {}
      for arrays in parts.values():
        merged.update(arrays)
      self._memo[memo_key] = merged
    return self._memo[memo_key]

  def mc_samples(self, source):
    p = self.params
    key = self._key(source, self.model.checkpoint,
                    num_samples=p['num_samples'], seed=p['mc_seed'])
    return self._cached('mc_dropout', key, lambda: inference.predict_mc_dropout(
        self.model, source, p['num_samples'], p['mc_seed']))

  def perturbed(self, kind, source, objective, settings, **extra):
    """Cached outputs of `predict_perturbed`, a list of dicts per setting."""
    gradient_std = self.params['odin_gradient_std'] if kind == 'odin' else (
        None)
    key = self._key(source, self.model.checkpoint, settings=settings,
                    gradient_std=gradient_std, clip=True, **extra)

    def compute():
      outputs, meta = inference.predict_perturbed(
          self.model, source, objective, settings, gradient_std=gradient_std)
      arrays = dict(meta)
      for i, output in enumerate(outputs):
        for name, value in output.items():
          arrays['%s/%d' % (name, i)] = value
      return arrays

    arrays = self._cached(kind, key, compute)
    results = [{} for _ in settings]
    for name, value in arrays.items():
      if '/' in name:
        output, index = name.rsplit('/', 1)
        results[int(index)][output] = value
    return results

  # ---------------------------------------------------------- results

  def result(self, method, probs, labels, id_scores, ood_scores, score_name,
             extra=None, secondary=None):
    """Builds a MethodResult with the standard report and OOD metrics.

    Args:
      method: the method name.
      probs: [N, K] predictive probabilities of the eval split.
      labels: [N] labels.
      id_scores: [N] OOD scores of the eval split.
      ood_scores: {OOD set: [M] scores}.
      score_name: the name of the score.
      extra: more flat keys (parameters, extra metrics).
      secondary: {score name: (id_scores, {OOD set: scores})} also reported
        as 'ood/<set>_<score name>_<metric>'.

    Returns:
      A MethodResult.
    """
    report = metrics.with_prefix(metrics.classification_metrics(
        probs, labels, self.params['num_bins'], self.params['binning']),
                                 self.split)
    report['%s/ood_score' % method] = score_name
    report.update(self._ood_report(id_scores, ood_scores, ''))
    for name, (id_s, ood_s) in sorted((secondary or {}).items()):
      report.update(self._ood_report(id_s, ood_s, '_' + name))
    report.update(extra or {})
    return MethodResult(method, report, probs, labels, id_scores, ood_scores,
                        score_name)

  @staticmethod
  def _ood_report(id_scores, ood_scores, suffix):
    report = {}
    for name, scores in sorted(ood_scores.items()):
      ood = metrics.ood_metrics(id_scores, scores)
      for key in ('conventions', 'tpr_level'):
        ood.pop(key)
      report.update(metrics.with_prefix(ood, 'ood/%s%s' % (name, suffix),
                                        sep='_'))
    return report


# ------------------------------------------------------------------ methods


def _logit_method(ctx, method, score_fn, score_name, extra=None):
  """A method scoring cached base logits with `score_fn`."""
  test = ctx.forward(ctx.eval_source)
  ood = {s.name: score_fn(ctx.forward(s)['logits']) for s in ctx.ood_sources}
  return ctx.result(method, metrics.softmax(test['logits']), test['label'],
                    score_fn(test['logits']), ood, score_name, extra)


def run_msp(ctx):
  """Maximum softmax probability baseline."""
  return _logit_method(ctx, 'msp', metrics.msp, 'msp')


def run_energy(ctx):
  """Energy score T logsumexp(z / T) on the unchanged classifier."""
  temperature = ctx.params['energy_temperature']
  return _logit_method(
      ctx, 'energy', lambda z: metrics.energy(z, temperature),
      'negative_energy', {'energy/temperature': temperature,
                          'energy/predictions': BASE_PREDICTIONS})


def run_temperature(ctx):
  """Temperature scaling fitted on the calibration split."""
  p = ctx.params
  calibration_source = ctx.require_calibration('temperature')
  calibration = ctx.forward(calibration_source)
  fit = temperature_scaling.fit_temperature(
      calibration['logits'], calibration['label'],
      calibration_split=sorted(calibration_source.dataset.data_sources),
      eval_split=sorted(ctx.eval_source.dataset.data_sources),
      num_bins=p['num_bins'], binning=p['binning'])
  extra = {'temperature': fit.temperature,
           'temperature/calibration_split': calibration_source.name,
           'temperature/calibration_num_examples': fit.num_examples,
           'calibration/nll_before': fit.nll_before,
           'calibration/nll_after': fit.nll_after,
           'calibration/ece_before': fit.ece_before,
           'calibration/ece_after': fit.ece_after}
  if p['save_temperature']:
    extra['temperature/file'] = temperature_scaling.save_temperature(
        fit, ctx.model.checkpoint)
  test = ctx.forward(ctx.eval_source)
  before = metrics.classification_metrics(
      metrics.softmax(test['logits']), test['label'], p['num_bins'],
      p['binning'])
  for name in ('ece', 'nll', 'brier'):
    extra['%s/%s_before' % (ctx.split, name)] = before[name]

  def score(logits):
    return metrics.msp(temperature_scaling.apply_temperature(
        logits, fit.temperature))

  scaled = temperature_scaling.apply_temperature(test['logits'],
                                                 fit.temperature)
  result = ctx.result(
      'temperature', metrics.softmax(scaled), test['label'],
      score(test['logits']),
      {s.name: score(ctx.forward(s)['logits']) for s in ctx.ood_sources},
      'msp_at_T', extra)
  logging.info('Temperature %.4f: %s ECE %.4f -> %.4f, NLL %.4f -> %.4f.',
               fit.temperature, ctx.split, before['ece'],
               result.metrics['%s/ece' % ctx.split], before['nll'],
               result.metrics['%s/nll' % ctx.split])
  return result


def _select(ctx, method, candidates, id_val_fn, ood_val_fn):
  """Runs `selection.select` in the configured mode (or a fixed setting)."""
  mode = ctx.params['hyperparameter_selection']
  selection.check_mode(mode)
  if len(candidates) == 1:
    return candidates[0], selection.fixed_record(candidates[0])
  calibration = ctx.require_calibration(method)
  id_val = id_val_fn(calibration)
  ood_val = None
  if mode == 'ood_val':
    val_sources = ctx.require_ood_val(method)
    per_source = [ood_val_fn(s) for s in val_sources]
    ood_val = [np.concatenate([scores[i] for scores in per_source])
               for i in range(len(candidates))]
  index, record = selection.select(candidates, id_val, ood_val, mode)
  record['id_validation_split'] = calibration.name
  record['ood_validation_sets'] = [s.name for s in ctx.ood_val_sources
                                   ] if mode == 'ood_val' else []
  logging.info('%s: selected %s (%s).', method, candidates[index],
               record['criterion'])
  epsilons = sorted({c['epsilon'] for c in candidates})
  record['at_largest_epsilon'] = bool(
      len(epsilons) > 1 and candidates[index]['epsilon'] == epsilons[-1])
  if record['at_largest_epsilon']:
    logging.warning(
        '%s: the selection chose the largest epsilon of the grid (%g): the '
        'criterion may keep improving beyond it, so the result depends on '
        'the grid. Extend the epsilon grid or use '
        '--hyperparameter_selection=ood_val.', method, epsilons[-1])
  return candidates[index], record


def _selection_keys(method, record):
  keys = selection.flat_record(record, method)
  keys['%s/selection_id_split' % method] = record.get('id_validation_split')
  keys['%s/selection_ood_sets' % method] = record.get('ood_validation_sets',
                                                      [])
  keys['%s/selection_at_largest_epsilon' % method] = record.get(
      'at_largest_epsilon', False)
  return keys


def run_odin(ctx):
  """ODIN with hyper-parameters selected on validation data only."""
  p = ctx.params
  objective = odin.OdinObjective()
  temperatures = (p['odin_temperatures']
                  if p['hyperparameter_selection'] == 'ood_val'
                  else [p['odin_temperature']])
  candidates = odin.grid(temperatures, p['odin_epsilons'])

  def scores(source, settings):
    if all(s['epsilon'] == 0 for s in settings):
      logits = ctx.forward(source)['logits']
      return [odin.odin_score(logits, s['temperature']) for s in settings]
    outputs = ctx.perturbed('odin', source, objective, settings)
    return [odin.odin_score(o['logits'], s['temperature'])
            for o, s in zip(outputs, settings)]

  chosen, record = _select(ctx, 'odin', candidates,
                           lambda s: scores(s, candidates),
                           lambda s: scores(s, candidates))
  test = ctx.forward(ctx.eval_source)
  extra = {'odin/temperature': chosen['temperature'],
           'odin/epsilon': chosen['epsilon'],
           'odin/epsilon_units': odin.EPSILON_UNITS,
           'odin/gradient_std': p['odin_gradient_std'],
           'odin/predictions': BASE_PREDICTIONS}
  extra.update(_selection_keys('odin', record))
  return ctx.result(
      'odin', metrics.softmax(test['logits']), test['label'],
      scores(ctx.eval_source, [chosen])[0],
      {s.name: scores(s, [chosen])[0] for s in ctx.ood_sources},
      'odin_msp', extra)


def run_mahalanobis(ctx):
  """Mahalanobis detector, one or several layers, selected on validation."""
  p = ctx.params
  layers = list(p['mahalanobis_end_points'])
  train = ctx.forward(ctx.train_source())
  gaussians = {}
  for layer in layers:
    gaussians[layer] = mahalanobis.fit_class_gaussians(
        train['features/' + layer], train['label'], ctx.num_classes,
        p['mahalanobis_estimator'], p['mahalanobis_shrinkage'])
  candidates = [{'epsilon': float(e)} for e in p['mahalanobis_epsilons']]
  fit_key = {'train': ctx.params['train_split_name'],
             'estimator': p['mahalanobis_estimator'],
             'shrinkage': p['mahalanobis_shrinkage']}

  computed = {}  # (layer, source, epsilon) -> scores.

  def layer_scores(layer, source, settings):
    source_key = (source.name, source.dataset.name, source.dataset.split_name)
    missing = [s for s in settings
               if (layer, source_key, s['epsilon']) not in computed]
    if all(s['epsilon'] == 0 for s in missing):
      features = ctx.forward(source)['features/' + layer] if missing else 0
      scores = [mahalanobis.mahalanobis_score(gaussians[layer], features)
                for _ in missing]
    else:
      objective = mahalanobis_detector.MahalanobisObjective(
          gaussians[layer], layer)
      scores = [o['score'].astype(np.float64) for o in ctx.perturbed(
          'mahalanobis', source, objective, missing, layer=layer,
          fit=fit_key)]
    for setting, score in zip(missing, scores):
      computed[(layer, source_key, setting['epsilon'])] = score
    return [computed[(layer, source_key, s['epsilon'])] for s in settings]

  extra = {'mahalanobis/end_points': layers,
           'mahalanobis/estimator': p['mahalanobis_estimator'],
           'mahalanobis/shrinkage': p['mahalanobis_shrinkage'],
           'mahalanobis/fit_split': p['train_split_name'],
           'mahalanobis/epsilon_units': odin.EPSILON_UNITS,
           'mahalanobis/predictions': BASE_PREDICTIONS}
  chosen = {}
  for layer in layers:
    prefix = 'mahalanobis' if len(layers) == 1 else 'mahalanobis/' + layer
    chosen[layer], record = _select(
        ctx, prefix, candidates,
        lambda s, layer=layer: layer_scores(layer, s, candidates),
        lambda s, layer=layer: layer_scores(layer, s, candidates))
    extra['%s/epsilon' % prefix] = chosen[layer]['epsilon']
    extra.update(_selection_keys(prefix, record))

  def final(source):
    return [layer_scores(layer, source, [chosen[layer]])[0]
            for layer in layers]

  combine = _layer_combiner(ctx, layers, final, extra)
  test = ctx.forward(ctx.eval_source)
  return ctx.result(
      'mahalanobis', metrics.softmax(test['logits']), test['label'],
      combine(final(ctx.eval_source)),
      {s.name: combine(final(s)) for s in ctx.ood_sources},
      'negative_mahalanobis_distance', extra)


def _layer_combiner(ctx, layers, final, extra):
  """fn([L, N] layer scores) -> [N], fitted on validation data only."""
  if len(layers) == 1:
    extra['mahalanobis/combiner'] = 'single layer'
    return lambda layer_scores: layer_scores[0]
  calibration = ctx.require_calibration('mahalanobis with several layers')
  id_val = final(calibration)
  if ctx.params['hyperparameter_selection'] == 'ood_val':
    ood_val = np.concatenate([final(s) for s in ctx.require_ood_val(
        'mahalanobis')], axis=1)
    combiner = mahalanobis_detector.fit_logistic_combiner(id_val, ood_val)
    extra['mahalanobis/combiner'] = (
        'logistic regression on standardised layer scores, fitted on %s vs '
        'OOD validation %s' % (calibration.name, ', '.join(
            s.name for s in ctx.ood_val_sources)))
    extra['mahalanobis/combiner_weights'] = combiner.coef_.ravel().tolist()
    return lambda layer_scores: mahalanobis_detector.combine_logistic(
        combiner, layer_scores)
  mean, std = mahalanobis_detector.standardizer(id_val)
  extra['mahalanobis/combiner'] = (
      'mean of layer scores standardised on %s' % calibration.name)
  return lambda layer_scores: mahalanobis_detector.combine_standardized(
      layer_scores, mean, std)


def _sample_method(ctx, method, sample_logits_fn, extra, report_fn=None):
  """MC dropout and ensembles: [S, N, K] logits per split."""
  primary = ctx.params['sample_score']
  if primary not in SAMPLE_SCORES:
    raise runtime.UserError('--sample_score=%s: choose one of %s.' %
                            (primary, ', '.join(SAMPLE_SCORES)))
  test_logits, labels, probs = sample_logits_fn(ctx.eval_source)
  id_scores = sample_scores(test_logits, probs)
  ood_scores = {}
  for source in ctx.ood_sources:
    logits, _, ood_probs = sample_logits_fn(source)
    ood_scores[source.name] = sample_scores(logits, ood_probs)
  secondary = {name: (id_scores[name], {k: v[name] for k, v in
                                        ood_scores.items()})
               for name in SAMPLE_SCORES if name != primary}
  log_probs = metrics.log_softmax(test_logits)
  extra = dict(extra)
  extra.update({
      '%s/gibbs_nll' % ctx.split: metrics.gibbs_negative_log_likelihood(
          log_probs, labels),
      '%s/mutual_information' % ctx.split: float(np.mean(
          metrics.mutual_information(np.exp(log_probs)))),
      '%s/predictive_entropy' % ctx.split: float(np.mean(
          metrics.categorical_entropy(probs))),
      '%s/expected_entropy' % ctx.split: float(np.mean(
          metrics.expected_entropy(np.exp(log_probs)))),
  })
  result = ctx.result(method, probs, labels, id_scores[primary],
                      {k: v[primary] for k, v in ood_scores.items()},
                      primary, extra, secondary)
  if report_fn:
    result.metrics.update(report_fn(test_logits, labels))
  return result


def run_mc_dropout(ctx):
  """MC dropout: mean softmax of S dropout samples, BN in inference mode."""
  p = ctx.params

  def samples(source):
    out = ctx.mc_samples(source)
    logits = out['sample_logits']
    return logits, out['label'], np.mean(metrics.softmax(logits), axis=0)

  def mixture_nll(logits, labels):
    return {'%s/nll' % ctx.split: metrics.mixture_negative_log_likelihood(
        metrics.log_softmax(logits), labels)}

  return _sample_method(ctx, 'mc_dropout', samples, {
      'mc_dropout/num_samples': p['num_samples'],
      'mc_dropout/seed': p['mc_seed'],
      'mc_dropout/dropout_keep_prob': p['dropout_keep_prob'],
      'mc_dropout/batch_norm': 'inference mode (moving statistics)',
      'mc_dropout/nll': 'mixture NLL: logsumexp over samples - log S'},
                        mixture_nll)


def ensemble_members(train_dirs):
  """Checkpoints of the ensemble members from a comma list and/or globs.

  Args:
    train_dirs: list of directories, checkpoint prefixes or glob patterns.

  Returns:
    A list of checkpoint prefixes, in the order given (globs sorted).

  Raises:
    MissingInput: nothing given, or a glob matching nothing.
  """
  members = []
  for item in train_dirs or []:
    if any(c in item for c in '*?['):
      matches = sorted(glob.glob(item))
      if not matches:
        raise MissingInput('--train_dirs pattern %s matches nothing.' % item)
      members.extend(restore.resolve_checkpoint(m) for m in matches
                     if os.path.isdir(m) or m.endswith('.index'))
    else:
      members.append(restore.resolve_checkpoint(item))
  if not members:
    raise MissingInput('ensemble needs member checkpoints: pass --train_dirs '
                       '(comma-separated training directories or a glob).')
  return members


def _member_seeds(members):
  seeds = []
  for checkpoint in members:
    record = runtime.read_json(os.path.join(os.path.dirname(checkpoint),
                                            'flags.json')) or {}
    seeds.append((record.get('flags') or {}).get('seed'))
  return seeds


def _warn_on_identical_members(members, seeds):
  """Warns about repeated checkpoints, equal weights or equal seeds."""
  real = [os.path.realpath(m) for m in members]
  hashes = [_sha1_of_checkpoint(m) for m in members]
  for i, j in itertools.combinations(range(len(members)), 2):
    if real[i] == real[j] or hashes[i] == hashes[j]:
      logging.warning(
          'Ensemble members %d and %d (%s, %s) have identical weights: the '
          'same checkpoint listed twice or a run copied. The ensemble is '
          'smaller than it looks.', i, j, members[i], members[j])
    elif seeds[i] is not None and seeds[i] == seeds[j]:
      logging.warning('Ensemble members %d and %d were trained with the '
                      'same --seed=%s.', i, j, seeds[i])
  return hashes


def run_ensemble(ctx):
  """Deep ensemble of the --train_dirs checkpoints (probabilities averaged)."""
  p = ctx.params
  members = ensemble_members(p['train_dirs'])
  seeds = _member_seeds(members)
  hashes = _warn_on_identical_members(members, seeds)
  average = p['ensemble_average']

  def samples(source):
    outs = [ctx.forward(source, checkpoint=m) for m in members]
    logits = np.stack([o['logits'] for o in outs])
    with warnings.catch_warnings():
      warnings.simplefilter('ignore', ensembles.IdenticalMembersWarning)
      probs = ensembles.combine_members(logits, average).probs
    return logits, outs[0]['label'], probs

  def member_report(logits, labels):
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter('always', ensembles.IdenticalMembersWarning)
      report = ensembles.ensemble_metrics(logits, labels, average,
                                          p['num_bins'], p['binning'])
    for warning in caught:
      logging.warning('%s', warning.message)
    return metrics.with_prefix(
        {k: v for k, v in report.items()
         if k not in ('num_members', 'ensemble_average')}, ctx.split)

  return _sample_method(ctx, 'ensemble', samples, {
      'ensemble/members': members, 'ensemble/num_members': len(members),
      'ensemble/seeds': seeds, 'ensemble/weights_sha1': hashes,
      'ensemble/average': average}, member_report)


METHODS = collections.OrderedDict([
    ('msp', run_msp),
    ('temperature', run_temperature),
    ('energy', run_energy),
    ('odin', run_odin),
    ('mahalanobis', run_mahalanobis),
    ('mc_dropout', run_mc_dropout),
    ('ensemble', run_ensemble),
])


def parse_methods(text):
  """'all' or a comma list -> list of method names (checked)."""
  names = [m.strip() for m in (text or '').split(',') if m.strip()]
  if names == ['all']:
    return list(METHODS)
  unknown = [m for m in names if m not in METHODS]
  if unknown or not names:
    raise runtime.UserError('--method=%s: choose "all" or a comma list of: '
                            '%s.' % (text, ', '.join(METHODS)))
  return names


def run_methods(ctx, methods, skip_missing):
  """Runs each method; with skip_missing, a MissingInput is logged, kept."""
  results, skipped = [], {}
  for method in methods:
    logging.info('Running %s.', method)
    try:
      results.append(METHODS[method](ctx))
    except (MissingInput, inference.NoDropoutError) as e:
      if not skip_missing:
        raise
      logging.warning('Skipping %s: %s', method, e)
      skipped[method] = str(e)
  return results, skipped


def run(params):
  """Runs the methods the flags ask for, prints and writes the results.

  Args:
    params: dict of eval_uncertainty flag values.

  Returns:
    The summary dict written to <eval_dir>/uncertainty.json.

  Raises:
    runtime.UserError / ValueError: a mistake in flags or files.
  """
  runtime.check_versions()
  methods = parse_methods(params['method'])
  ctx = Context(params, methods)
  skip_missing = params['method'].strip() == 'all'
  results, skipped = run_methods(ctx, methods, skip_missing)
  if not results:
    raise runtime.UserError('No method could run: %s' % '; '.join(
        '%s: %s' % item for item in skipped.items()))
  ood_names = [s.name for s in ctx.ood_sources]
  common = report.conventions(params['num_bins'], params['binning'])
  common.update({
      'checkpoint_path': ctx.model.checkpoint,
      'model_name': params['model_name'],
      'dataset_name': params['dataset_name'],
      'dataset_split_name': ctx.split,
      '%s/num_examples' % ctx.split: int(len(results[0].labels)),
      'ood_sets': ood_names,
      'ood_val_sets': [s.name for s in ctx.ood_val_sources],
      'hyperparameter_selection': params['hyperparameter_selection'],
      'skipped': skipped,
      'flags': params,
      'environment': runtime.environment_info(),
  })
  for source in ctx.ood_sources:
    common['ood/%s_dataset' % source.name] = '%s/%s in %s' % (
        source.dataset.name, source.dataset.split_name,
        os.path.dirname(source.dataset.data_sources[0]))
  table = report.format_table(results, ctx.split, ood_names)
  print(table)
  summary = report.write_outputs(params['eval_dir'], results, common,
                                 ctx.split, ood_names, plots=params['plots'])
  logging.info('Wrote %s.', os.path.join(params['eval_dir'],
                                         'uncertainty.json'))
  return summary
