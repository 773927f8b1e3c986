"""Tests for uncertainty.evaluation on a small trained lenet (blobs vs noise).

One run of every method (module-level, cached forward passes shared), then
checks of its results; the split checks only resolve datasets.
"""
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import evaluation
from uncertainty import temperature_scaling
from uncertainty import toy_data


def toy_params(eval_dir, **overrides):
  """eval_uncertainty flag values for the toy problem."""
  toy = toy_data.toy_problem()
  params = {
      'method': 'all', 'checkpoint_path': toy['train_dir'],
      'model_name': 'lenet', 'dataset_name': 'blobs',
      'dataset_dir': toy['data_dir'], 'dataset_split_name': 'test',
      'calibration_split_name': 'validation', 'train_split_name': 'train',
      'labels_offset': 0, 'preprocessing_name': None,
      'eval_image_size': toy['size'], 'use_grayscale': False,
      'moving_average_decay': None, 'batch_size': 50,
      'num_preprocessing_threads': 2, 'ood_dataset_name': ['noise'],
      'ood_dataset_dir': [toy['noise_dir']], 'ood_split_name': ['test'],
      'ood_names': [], 'ood_val_dataset_name': [], 'ood_val_dataset_dir': [],
      'ood_val_split_name': ['test'], 'num_bins': 15,
      'binning': 'equal_width', 'save_temperature': True,
      'energy_temperature': 1.0, 'hyperparameter_selection': 'id_only',
      'odin_temperature': 1000.0, 'odin_temperatures': [1.0, 1000.0],
      'odin_epsilons': [0.0, 2.0], 'odin_gradient_std': None,
      'mahalanobis_end_points': ['PreLogits'], 'mahalanobis_epsilons': [0.0],
      'mahalanobis_estimator': 'mle', 'mahalanobis_shrinkage': 0.01,
      'perturbation_batch_size': None, 'num_samples': 4, 'mc_seed': 0,
      'dropout_keep_prob': None, 'train_dirs': [], 'ensemble_average': 'probs',
      'sample_score': 'entropy', 'eval_dir': eval_dir, 'plots': False,
      'use_cache': True, 'cache_dir': None, 'gpu_allow_growth': True,
      'gpu_memory_fraction': None, 'inter_op_parallelism_threads': 0,
      'intra_op_parallelism_threads': 0,
  }
  params.update(overrides)
  return params


class EvaluationRunTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super(EvaluationRunTest, cls).setUpClass()
    cls.toy = toy_data.toy_problem()
    cls.eval_dir = tempfile.mkdtemp(prefix='uncertainty_eval_')
    # The same checkpoint twice: an ensemble of identical members. ODIN runs
    # one given setting here (selection is tested below without a model).
    cls.summary = evaluation.run(toy_params(
        cls.eval_dir, odin_epsilons=[2.0],
        train_dirs=[cls.toy['train_dir'], cls.toy['checkpoint']]))

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.eval_dir, ignore_errors=True)
    super(EvaluationRunTest, cls).tearDownClass()

  def _per_method(self, method):
    with open(os.path.join(self.eval_dir,
                           'uncertainty_%s.json' % method)) as f:
      return json.load(f)

  def test_every_method_ran_with_flat_keys_and_conventions(self):
    self.assertEqual(self.summary['methods'], list(evaluation.METHODS))
    for method in evaluation.METHODS:
      result = self._per_method(method)
      for key in ('test/accuracy', 'test/ece', 'test/nll', 'test/brier',
                  'ood/noise_auroc', 'ood/noise_aupr_in',
                  'ood/noise_aupr_out', 'ood/noise_fpr@95tpr'):
        self.assertIn(key, result, method)
        self.assertEqual(self.summary['%s/%s' % (method, key)], result[key])
      self.assertIn('ID is the positive class', result['conventions/ood'])
      self.assertEqual(result['ece/num_bins'], 15)
    self.assertEqual(self.summary['test/num_examples'], 100)
    self.assertTrue(os.path.exists(os.path.join(self.eval_dir,
                                                'uncertainty_table.md')))

  def test_detectors_separate_blobs_from_noise(self):
    for method in ('msp', 'odin', 'mahalanobis', 'mc_dropout', 'energy'):
      self.assertGreater(self.summary['%s/ood/noise_auroc' % method], 0.9,
                         method)
    self.assertGreater(self.summary['msp/test/accuracy'], 0.8)
    self.assertIn('ood/noise_mutual_information_auroc',
                  self._per_method('mc_dropout'))

  def test_temperature_fitted_on_validation_and_saved(self):
    result = self._per_method('temperature')
    self.assertEqual(result['temperature/calibration_split'], 'validation')
    fit = temperature_scaling.load_temperature(self.toy['train_dir'])
    self.assertAllClose(fit.temperature, result['temperature'])
    self.assertIn('validation', fit.calibration_split)
    self.assertLessEqual(result['calibration/nll_after'],
                         result['calibration/nll_before'])
    self.assertIn('test/ece_before', result)

  def test_odin_parameters_are_recorded(self):
    result = self._per_method('odin')
    self.assertEqual(result['odin/selection_mode'], 'fixed')
    self.assertEqual((result['odin/temperature'], result['odin/epsilon']),
                     (1000.0, 2.0))
    self.assertIn('raw pixel levels', result['odin/epsilon_units'])
    self.assertIsNone(result['odin/gradient_std'])

  def test_identical_members_equal_one_member(self):
    ensemble = self._per_method('ensemble')
    msp = self._per_method('msp')
    for key in ('test/accuracy', 'test/nll', 'test/ece', 'test/brier'):
      self.assertAllClose(ensemble[key], msp[key], atol=1e-9)
    self.assertAllClose(ensemble['ood/noise_msp_auroc'],
                        msp['ood/noise_auroc'])
    self.assertAllClose(ensemble['test/mutual_information'], 0.0, atol=1e-9)
    hashes = ensemble['ensemble/weights_sha1']
    self.assertEqual(hashes[0], hashes[1])

  def test_cached_passes_are_reused(self):
    cache_dir = os.path.join(self.eval_dir, 'cache')
    before = sorted(os.listdir(cache_dir))
    again = evaluation.run(toy_params(self.eval_dir, method='msp,energy',
                                      save_temperature=False))
    self.assertEqual(sorted(os.listdir(cache_dir)), before)
    self.assertEqual(again['msp/ood/noise_auroc'],
                     self.summary['msp/ood/noise_auroc'])


class _FakeContext(object):
  """What evaluation._select reads of a Context."""

  def __init__(self, mode, calibration='validation', ood_val=('noise_val',)):
    self.params = {'hyperparameter_selection': mode}
    self.split = 'test'
    self.calibration_source = _Named(calibration) if calibration else None
    self.ood_val_sources = [_Named(n) for n in ood_val]

  def require_calibration(self, method):
    return evaluation.Context.require_calibration(self, method)

  def require_ood_val(self, method):
    return evaluation.Context.require_ood_val(self, method)


class _Named(object):

  def __init__(self, name):
    self.name = name


class SelectTest(tf.test.TestCase):

  def setUp(self):
    super(SelectTest, self).setUp()
    self.candidates = [{'temperature': 1.0, 'epsilon': e}
                       for e in (0.0, 1.0, 2.0)]
    # Per candidate: the ID validation mean rises with epsilon, while the
    # OOD validation scores overlap the ID ones least at epsilon 1.
    self.id_val = lambda source: [np.full(20, 1.0 + c['epsilon'])
                                  for c in self.candidates]
    self.ood_val = lambda source: [np.full(20, v) for v in (5.0, 0.0, 9.0)]

  def test_id_only_on_the_calibration_split(self):
    chosen, record = evaluation._select(_FakeContext('id_only'), 'odin',
                                        self.candidates, self.id_val,
                                        self.ood_val)
    self.assertEqual(chosen['epsilon'], 2.0)
    self.assertEqual(record['id_validation_split'], 'validation')
    self.assertTrue(record['at_largest_epsilon'])
    self.assertEqual(record['ood_validation_sets'], [])

  def test_ood_val_uses_the_ood_validation_sets(self):
    chosen, record = evaluation._select(_FakeContext('ood_val'), 'odin',
                                        self.candidates, self.id_val,
                                        self.ood_val)
    self.assertEqual(chosen['epsilon'], 1.0)
    self.assertEqual(record['mode'], 'ood_val')
    self.assertEqual(record['ood_validation_sets'], ['noise_val'])
    self.assertFalse(record['at_largest_epsilon'])

  def test_missing_validation_data_is_explained(self):
    with self.assertRaisesRegex(evaluation.MissingInput,
                                '--calibration_split_name'):
      evaluation._select(_FakeContext('id_only', calibration=None), 'odin',
                         self.candidates, self.id_val, self.ood_val)
    with self.assertRaisesRegex(evaluation.MissingInput,
                                'never the OOD test set'):
      evaluation._select(_FakeContext('ood_val', ood_val=()), 'odin',
                         self.candidates, self.id_val, self.ood_val)
    chosen, record = evaluation._select(
        _FakeContext('id_only', calibration=None), 'odin',
        self.candidates[:1], self.id_val, self.ood_val)
    self.assertEqual((chosen, record['mode']), (self.candidates[0], 'fixed'))


class SplitChecksTest(tf.test.TestCase):

  def test_identical_eval_and_calibration_split_refused(self):
    params = toy_params(self.get_temp_dir(), calibration_split_name='test')
    with self.assertRaisesRegex(ValueError, 'are the same'):
      evaluation.Context(params, ['temperature'])

  def test_ood_validation_set_must_not_be_the_ood_test_set(self):
    toy = toy_data.toy_problem()
    params = toy_params(self.get_temp_dir(),
                        hyperparameter_selection='ood_val',
                        ood_val_dataset_name=['noise'],
                        ood_val_dataset_dir=[toy['noise_dir']])
    with self.assertRaisesRegex(ValueError, 'never be selected on test'):
      evaluation.Context(params, ['odin'])
    params.update(ood_val_dataset_name=['noise_val'],
                  ood_val_dataset_dir=[toy['noise_val_dir']])
    context = evaluation.Context(params, ['odin'])
    self.assertEqual([s.name for s in context.ood_val_sources],
                     ['noise_val'])

  def test_methods_are_parsed(self):
    self.assertEqual(evaluation.parse_methods('all'),
                     list(evaluation.METHODS))
    self.assertEqual(evaluation.parse_methods('odin, msp'), ['odin', 'msp'])
    with self.assertRaisesRegex(ValueError, 'mc_dropout'):
      evaluation.parse_methods('odin,bayes')

  def test_missing_inputs_are_explained(self):
    params = toy_params(self.get_temp_dir(), calibration_split_name=None)
    context = evaluation.Context(params, ['temperature'])
    with self.assertRaisesRegex(evaluation.MissingInput,
                                '--calibration_split_name'):
      evaluation.run_temperature(context)
    with self.assertRaisesRegex(evaluation.MissingInput, '--train_dirs'):
      evaluation.run_ensemble(context)


class SessionFlagsTest(tf.test.TestCase):

  def test_session_flags_reach_the_model_sessions(self):
    params = toy_params(self.get_temp_dir(), gpu_allow_growth=False,
                        inter_op_parallelism_threads=1,
                        intra_op_parallelism_threads=2)
    config = evaluation.Context(params, ['msp']).config.session_config
    self.assertEqual((config.inter_op_parallelism_threads,
                      config.intra_op_parallelism_threads), (1, 2))
    self.assertFalse(config.gpu_options.allow_growth)


if __name__ == '__main__':
  tf.test.main()
