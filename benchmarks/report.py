"""Ratios, the printed table and the JSON record of a benchmark run.

Ratios of one model and phase ('train' or 'eval'), all from the same run:

* ours/reference: our tf.data input against TF-Slim's queue-based input,
  same network, same batch (> 1: ours is faster);
* ours/synthetic: our input against one cached in-memory batch (1.0: the
  input pipeline costs nothing; the compute ceiling);
* achieved/peak: the model's float ops per second with our input
  (training: 3 x forward float ops per image, the usual rule that the
  backward pass costs twice the forward; eval: 1 x) over the float32 matmul
  peak of this TensorFlow build on this machine (the faster of a MatMul and
  the same product as a 1x1 Conv2D: timing.py);
* input CPU share: the process CPU time per image of our input alone
  ('input_only': parse, decode, preprocess, batch) over that of the
  network fed by the cached batch ('synthetic'). When the network keeps
  every core busy, ours/synthetic should stay near 1 / (1 + share); it
  can beat that, as the network's CPU time includes its thread pool's
  spin-waiting, which the input's threads can take over.

With interleaved timing (run.py's default) each round times one segment of
every pipeline back to back, so the ratio of two pipelines' segments in the
same round is a measurement of its own: `round_ratios` gives the median,
lowest and highest over the rounds, the spread that load changes on a
shared machine leave in one run (the ratio columns divide the totals).

The two ratios are also given per CPU second of the benchmark process
(`..._cpu`: images / process CPU seconds): on a machine shared with other
jobs, wall-clock rates of measurements taken one after the other vary with
the others' load, CPU-time rates much less. A ratio per CPU second says how
much work each image costs; it ignores how well a pipeline overlaps with
the network.
"""
import json
import math
import statistics

TRAIN_FLOPS_FACTOR = 3  # forward + backward (2 x forward) per image.
PHASES = ('train', 'eval')
COLUMNS = ('model', 'phase', 'batch', 'ours img/s', 'synthetic img/s',
           'reference img/s', 'input-only img/s', 'input CPU us/img',
           'input CPU share', 'ours/reference',
           'ours/synthetic', 'ours/reference by round',
           'ours/synthetic by round', 'ours/reference (CPU s)',
           'ours/synthetic (CPU s)', 'GFLOP/img', 'achieved GFLOP/s',
           'achieved/peak')


def _ratio(numerator, denominator):
  if not numerator or not denominator:
    return float('nan')
  return numerator / denominator


def round_ratios(numerator, denominator):
  """[median, lowest, highest] ratio of two measurements' segments, or None.

  Args:
    numerator: timing.Measurement.
    denominator: timing.Measurement timed in the same rounds.

  Returns:
    The spread of numerator.segment_rates[i] / denominator.segment_rates[i]
    over the rounds i, or None unless both have the same number (two or
    more) of segments, all with images.
  """
  pairs = list(zip(numerator.segment_rates, denominator.segment_rates))
  if (len(pairs) < 2 or len(numerator.segment_rates) != len(pairs) or
      len(denominator.segment_rates) != len(pairs) or
      not all(a and b for a, b in pairs)):
    return None
  ratios = [a / b for a, b in pairs]
  return [statistics.median(ratios), min(ratios), max(ratios)]


def phase_summary(phase, measurements, forward_flops, peak_gflops):
  """Images/sec per pipeline, ratios and achieved float-op rate of a phase.

  Args:
    phase: 'train' or 'eval'.
    measurements: dict pipeline -> timing.Measurement.
    forward_flops: forward float ops per image (tf.profiler).
    peak_gflops: the matmul peak (GFLOP/s).

  Returns:
    A JSON-ready dict.
  """
  rates = {name: m.images_per_sec for name, m in measurements.items()}
  cpu_rates = {name: _ratio(m.images, m.cpu_seconds)
               for name, m in measurements.items()}
  flops = forward_flops * (TRAIN_FLOPS_FACTOR if phase == 'train' else 1)
  achieved = flops * rates['ours'] / 1e9
  synthetic = flops * rates['synthetic'] / 1e9
  return {
      'images_per_sec': rates,
      'images_per_cpu_second': cpu_rates,
      'measurements': {name: m._asdict() for name, m in measurements.items()},
      'gflop_per_image': flops / 1e9,
      'flops_rule': ('%d x forward float ops' % TRAIN_FLOPS_FACTOR
                     if phase == 'train' else '1 x forward float ops'),
      'achieved_gflops': achieved,
      'synthetic_gflops': synthetic,
      'input_cpu_us_per_image': _ratio(1e6, cpu_rates.get('input_only')),
      'round_ratios': {
          'ours_over_reference': round_ratios(measurements['ours'],
                                              measurements['reference']),
          'ours_over_synthetic': round_ratios(measurements['ours'],
                                              measurements['synthetic']),
      },
      'ratios': {
          'input_cpu_share': _ratio(cpu_rates['synthetic'],
                                    cpu_rates.get('input_only')),
          'ours_over_reference': _ratio(rates['ours'], rates['reference']),
          'ours_over_synthetic': _ratio(rates['ours'], rates['synthetic']),
          'ours_over_reference_cpu': _ratio(cpu_rates['ours'],
                                            cpu_rates['reference']),
          'ours_over_synthetic_cpu': _ratio(cpu_rates['ours'],
                                            cpu_rates['synthetic']),
          'achieved_over_peak': _ratio(achieved, peak_gflops),
          'synthetic_over_peak': _ratio(synthetic, peak_gflops),
      },
  }


def _fmt(value, digits=1):
  if value is None:
    return '-'
  if isinstance(value, float) and math.isnan(value):
    return 'nan'
  return '%.*f' % (digits, value)


def _fmt_spread(spread):
  if spread is None:
    return '-'
  return '%.2f (%.2f-%.2f)' % tuple(spread)


def table_rows(result):
  """One table row (list of strings) per model and phase."""
  rows = []
  for model in result['models']:
    for phase in PHASES:
      summary = model[phase]
      rates = summary['images_per_sec']
      ratios = summary['ratios']
      by_round = summary.get('round_ratios', {})
      rows.append([
          model['model_name'], phase, str(model['batch_size']),
          _fmt(rates['ours']), _fmt(rates['synthetic']),
          _fmt(rates['reference']), _fmt(rates.get('input_only')),
          _fmt(summary.get('input_cpu_us_per_image')),
          _fmt(ratios.get('input_cpu_share'), 3),
          _fmt(ratios['ours_over_reference'], 2),
          _fmt(ratios['ours_over_synthetic'], 2),
          _fmt_spread(by_round.get('ours_over_reference')),
          _fmt_spread(by_round.get('ours_over_synthetic')),
          _fmt(ratios['ours_over_reference_cpu'], 2),
          _fmt(ratios['ours_over_synthetic_cpu'], 2),
          _fmt(summary['gflop_per_image'], 3),
          _fmt(summary['achieved_gflops']),
          _fmt(ratios['achieved_over_peak'], 2)])
  return rows


def format_table(result):
  """The markdown table of a run, with the peak and session in a header."""
  by_kernel = result.get('matmul_peak_gflops_by_kernel', {})
  kernels = ''
  if by_kernel:
    kernels = ' (%s)' % ', '.join(
        '%s %.1f' % item for item in sorted(by_kernel.items()))
  mkl = str(result['mkl']['enabled'])
  if result['mkl'].get('onednn_disabled'):
    mkl += ' (oneDNN off: TF_DISABLE_MKL=1)'
  lines = [
      'float32 matmul peak (%dx%d): %.1f GFLOP/s%s; inter_op=%d intra_op=%d; '
      'MKL build: %s; XLA (ours, synthetic): %s' % (
          result['matmul_size'], result['matmul_size'],
          result['matmul_peak_gflops'], kernels,
          result['session']['inter_op_parallelism_threads'],
          result['session']['intra_op_parallelism_threads'],
          mkl, result.get('xla', False)),
      '',
      '| ' + ' | '.join(COLUMNS) + ' |',
      '|' + '---|' * len(COLUMNS),
  ]
  lines.extend('| ' + ' | '.join(row) + ' |' for row in table_rows(result))
  return '\n'.join(lines)


def to_json_line(result):
  """The run record as one JSON line (NaN written as null)."""
  return json.dumps(_nan_to_none(result), sort_keys=True, default=str)


def _nan_to_none(value):
  if isinstance(value, float) and math.isnan(value):
    return None
  if isinstance(value, dict):
    return {k: _nan_to_none(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [_nan_to_none(v) for v in value]
  return value
