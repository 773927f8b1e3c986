"""End-to-end test of `python -m benchmarks.run` on lenet (a few steps)."""
import json
import math
import os
import subprocess
import sys

import pytest

from benchmarks import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def lenet_run(tmp_path_factory):
  """Runs the CLI once on lenet; returns (stdout lines, JSON file record)."""
  tmp = tmp_path_factory.mktemp('bench')
  json_out = str(tmp / 'bench.json')
  command = [
      sys.executable, '-m', 'benchmarks.run', '--model_name=lenet',
      '--warmup_steps=1', '--timed_steps=2', '--seconds=1', '--rounds=2',
      '--drain_steps=1',
      '--matmul_size=256', '--matmul_seconds=0.2', '--json_out=' + json_out,
      '--workdir=' + str(tmp / 'data'), '--inter_op_parallelism_threads=2',
      '--intra_op_parallelism_threads=2']
  completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True,
                             timeout=300, check=False)
  assert completed.returncode == 0, completed.stderr[-3000:]
  with open(json_out) as f:
    record = json.load(f)
  return completed.stdout.strip().splitlines(), record


def _positive_finite(value):
  return value is not None and math.isfinite(value) and value > 0


def test_table_has_a_row_per_phase(lenet_run):
  lines, _ = lenet_run
  rows = [line for line in lines if line.startswith('| lenet |')]
  assert [row.split('|')[2].strip() for row in rows] == ['train', 'eval']
  header = [line for line in lines if line.startswith('| model |')]
  assert len(header) == 1
  for row in rows:
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert len(cells) == len(report.COLUMNS)
    for column, cell in zip(report.COLUMNS[3:], cells[3:]):
      assert cell not in ('nan', '-', '0.0', '0.000'), (column, row)


def test_last_line_is_the_json_record(lenet_run):
  lines, record = lenet_run
  assert json.loads(lines[-1]) == record
  assert record['session'] == {'inter_op_parallelism_threads': 2,
                               'intra_op_parallelism_threads': 2}
  assert record['xla'] is False
  assert _positive_finite(record['matmul_peak_gflops'])
  by_kernel = record['matmul_peak_gflops_by_kernel']
  assert sorted(by_kernel) == ['conv1x1', 'matmul']
  assert all(_positive_finite(value) for value in by_kernel.values())
  assert record['matmul_peak_gflops'] == max(by_kernel.values())
  model, = record['models']
  assert sorted(model['gemm_gflops_before']) == ['conv1x1', 'matmul']


def test_rates_and_ratios_are_finite_and_positive(lenet_run):
  _, record = lenet_run
  model, = record['models']
  assert model['model_name'] == 'lenet'
  for phase in report.PHASES:
    summary = model[phase]
    for pipeline in ('ours', 'synthetic', 'reference', 'input_only'):
      assert _positive_finite(summary['images_per_sec'][pipeline])
      assert summary['measurements'][pipeline]['steps'] >= 2
    assert _positive_finite(summary['input_cpu_us_per_image'])
    for name, value in summary['ratios'].items():
      assert _positive_finite(value), (phase, name, value)
    for name, (median, lowest, highest) in summary['round_ratios'].items():
      assert _positive_finite(lowest) and lowest <= median <= highest, name
    assert _positive_finite(summary['gflop_per_image'])
  assert math.isclose(model['train']['gflop_per_image'],
                      3 * model['eval']['gflop_per_image'])


def test_both_pipelines_read_one_epoch_of_the_same_records(lenet_run):
  _, record = lenet_run
  check = record['models'][0]['epoch_check']
  assert check['split_num_samples'] == 1497
  assert check['ours_examples'] == check['reference_examples'] == 1497
  assert check['same_labels']
