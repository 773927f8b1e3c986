"""End-to-end test of `python -m benchmarks.precision` (a few lenet steps)."""
import json
import math
import os
import subprocess
import sys

import tfcompat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(tmp_path):
  json_out = str(tmp_path / 'bf16.json')
  command = [
      sys.executable, '-m', 'benchmarks.precision', '--model_name=lenet',
      '--warmup_steps=1', '--timed_steps=2', '--seconds=1', '--rounds=2',
      '--drain_steps=1', '--matmul_size=128', '--matmul_seconds=0.1',
      '--json_out=' + json_out, '--workdir=' + str(tmp_path / 'data')]
  completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True,
                             timeout=300, check=False)
  return completed, json_out


def _positive_finite(value):
  return math.isfinite(value) and value > 0


def test_float32_and_bfloat16_side_by_side_or_one_line_error(tmp_path):
  completed, json_out = _run(tmp_path)
  if not tfcompat.IS_TF2:
    assert completed.returncode != 0
    assert 'needs the TF 2 stack' in completed.stderr
    assert 'Traceback' not in completed.stderr
    return
  assert completed.returncode == 0, completed.stderr[-3000:]
  rows = [line for line in completed.stdout.splitlines()
          if line.startswith('| lenet |')]
  assert len(rows) == 1
  with open(json_out) as f:
    record = json.load(f)
  model, = record['models']
  rates = {p: model['measurements'][p]['images_per_sec']
           for p in ('float32', 'bfloat16')}
  assert all(_positive_finite(rate) for rate in rates.values())
  assert math.isclose(model['bf16_over_f32'],
                      rates['bfloat16'] / rates['float32'])
  cells = [c.strip() for c in rows[0].strip('|').split('|')]
  assert float(cells[5]) == round(model['bf16_over_f32'], 2)
  for name in ('float32', 'bfloat16', 'ratio'):
    assert _positive_finite(record['matmul_gflops'][name])
  # Both graphs trained: each timed its steps on the 32-image batches.
  for measurement in model['measurements'].values():
    assert measurement['images'] == 32 * measurement['steps']
