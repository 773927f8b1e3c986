"""Tests of the ratios, table and JSON of the benchmark report."""
import json
import math
import os
from unittest import mock

import pytest

from benchmarks import env
from benchmarks import report
from benchmarks import timing


def _m(rate, segment_rates=()):
  return timing.Measurement(rate, 10, rate * 2, 2.0, 1.0, 0.5, 3.0,
                            segment_rates)


def test_phase_summary_ratios_and_flops_rule():
  train = report.phase_summary(
      'train', {'ours': _m(100.), 'synthetic': _m(125.), 'reference': _m(50.),
                'input_only': _m(1000.)}, forward_flops=2e9, peak_gflops=1e3)
  assert train['gflop_per_image'] == 6.0
  assert train['achieved_gflops'] == 600.0
  # CPU per image: input 3 s / 2000 images, network 3 s / 250 images.
  assert train['input_cpu_us_per_image'] == pytest.approx(1500.0)
  assert train['ratios'] == pytest.approx({
      'input_cpu_share': 0.125,
      'ours_over_reference': 2.0, 'ours_over_synthetic': 0.8,
      'ours_over_reference_cpu': 2.0, 'ours_over_synthetic_cpu': 0.8,
      'achieved_over_peak': 0.6, 'synthetic_over_peak': 0.75})
  evaluation = report.phase_summary(
      'eval', {'ours': _m(100.), 'synthetic': _m(100.), 'reference': _m(0.)},
      forward_flops=2e9, peak_gflops=1e3)
  assert evaluation['gflop_per_image'] == 2.0
  assert math.isnan(evaluation['ratios']['ours_over_reference'])
  # No input-only measurement: no share.
  assert math.isnan(evaluation['ratios']['input_cpu_share'])


def test_round_ratios_pair_the_segments_of_each_round():
  ours = _m(100., (90., 100., 120., 80.))
  synthetic = _m(110., (100., 125., 100., 100.))
  assert report.round_ratios(ours, synthetic) == pytest.approx(
      [0.85, 0.8, 1.2])  # Median of 0.9, 0.8, 1.2, 0.8.
  # One segment (timed one after the other), unequal rounds, an empty one.
  assert report.round_ratios(_m(1., (1.,)), _m(1., (2.,))) is None
  assert report.round_ratios(_m(1., (1., 2.)), _m(1., (1., 2., 3.))) is None
  assert report.round_ratios(_m(1., (1., 2.)), _m(1., (0., 2.))) is None
  summary = report.phase_summary(
      'eval', {'ours': ours, 'synthetic': synthetic, 'reference': _m(50.)},
      forward_flops=2e9, peak_gflops=1e3)
  assert summary['round_ratios']['ours_over_synthetic'] == pytest.approx(
      [0.85, 0.8, 1.2])
  assert summary['round_ratios']['ours_over_reference'] is None
  row = report.table_rows({'models': [{
      'model_name': 'lenet', 'batch_size': 32, 'train': summary,
      'eval': summary}]})[1]
  spreads = dict(zip(report.COLUMNS, row))
  assert spreads['ours/synthetic by round'] == '0.85 (0.80-1.20)'
  assert spreads['ours/reference by round'] == '-'


def test_table_and_json_line():
  summary = report.phase_summary(
      'train', {'ours': _m(100.), 'synthetic': _m(125.), 'reference': _m(0.)},
      forward_flops=2e9, peak_gflops=1e3)
  result = {
      'matmul_size': 64, 'matmul_peak_gflops': 1e3,
      'matmul_peak_gflops_by_kernel': {'matmul': 400.0, 'conv1x1': 1e3},
      'session': {'inter_op_parallelism_threads': 1,
                  'intra_op_parallelism_threads': 2},
      'mkl': {'enabled': False, 'env': {}},
      'models': [{'model_name': 'lenet', 'batch_size': 32, 'train': summary,
                  'eval': summary}]}
  lines = report.format_table(result).splitlines()
  assert lines[0].startswith(
      'float32 matmul peak (64x64): 1000.0 GFLOP/s '
      '(conv1x1 1000.0, matmul 400.0); inter_op=1 intra_op=2; '
      'MKL build: False; XLA (ours, synthetic): False')
  result['xla'] = True
  result['mkl'] = {'enabled': True, 'onednn_disabled': True, 'env': {}}
  assert report.format_table(result).splitlines()[0].endswith(
      'MKL build: True (oneDNN off: TF_DISABLE_MKL=1); '
      'XLA (ours, synthetic): True')
  assert lines[2].startswith('| model | phase |')
  assert lines[4].startswith('| lenet | train | 32 | 100.0 | 125.0 |')
  assert '| nan |' in lines[4]  # ours/reference with a zero reference.
  parsed = json.loads(report.to_json_line(result))
  assert parsed['models'][0]['train']['ratios']['ours_over_reference'] is None


def test_mkl_env_only_on_mkl_builds_and_keeps_user_values():
  with mock.patch.dict(os.environ, {'KMP_BLOCKTIME': '0',
                                    'TF_DISABLE_MKL': '0'}):
    os.environ.pop('KMP_AFFINITY', None)
    os.environ.pop('OMP_NUM_THREADS', None)
    assert env.mkl_record(2, enabled=False) == {
        'enabled': False, 'onednn_disabled': False, 'env': {}}
    assert env.mkl_record(2, apply_env=False, enabled=True) == {
        'enabled': True, 'onednn_disabled': False, 'env': {}}
    assert 'KMP_AFFINITY' not in os.environ
    assert env.mkl_record(2, enabled=True) == {
        'enabled': True, 'onednn_disabled': False,
        'env': {'KMP_BLOCKTIME': '0', 'KMP_AFFINITY': env.KMP_AFFINITY,
                'OMP_NUM_THREADS': '2'}}
    assert os.environ['OMP_NUM_THREADS'] == '2'


def test_mkl_record_says_when_tf_disable_mkl_turns_onednn_off():
  with mock.patch.dict(os.environ, {'TF_DISABLE_MKL': '1'}):
    assert env.mkl_record(apply_env=False, enabled=True)['onednn_disabled']
    # Only an MKL build has oneDNN kernels to turn off.
    assert not env.mkl_record(apply_env=False,
                              enabled=False)['onednn_disabled']


def test_onednn_disabled_reads_tf_disable_mkl_as_tensorflow_does():
  for value, disabled in (('1', True), (' 1', True), ('01', True),
                          ('0', False), ('2', False), ('', False),
                          ('yes', False)):
    with mock.patch.dict(os.environ, {'TF_DISABLE_MKL': value}):
      assert env.onednn_disabled() is disabled, value
  with mock.patch.dict(os.environ):
    os.environ.pop('TF_DISABLE_MKL', None)
    assert env.onednn_disabled() is False
