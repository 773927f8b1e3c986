r"""Images/sec of training in float32 and in bfloat16 mixed precision.

For each model it builds the train binary's graph twice, fed by our input
pipeline as the binary feeds it: once with `--precision=float32` and once
with `--precision=bfloat16` (training/precision.py), and times both in
alternating segments in one process (timing.measure_interleaved), so a
change of the machine's load affects both alike. It also times a float32
and a bfloat16 matmul, the ceiling of what bfloat16 can give on this CPU
(AVX512-BF16 / AMX). It prints a table with the bf16/float32 ratios, per
wall second and per CPU second of this process, and the whole record as one
JSON line (also to --json_out).

bfloat16 needs the TF 2 stack (`make setup-tf2`); on TF 1.15 this stops
with the same one-line error as the train binary.

All flags of train_image_classifier.py and benchmarks.run apply
(--models, --batch_size, --optimizer, --seconds, --rounds, ...).

Typical use:

  .venv-tf2/bin/python -m benchmarks.precision --models=lenet,cifarnet
  .venv-tf2/bin/python -m benchmarks.precision --model_name=resnet_v1_50 \
      --train_image_size=128
"""
import os
import shutil
import sys
import tempfile

from absl import app
from absl import flags
from absl import logging
import tensorflow.compat.v1 as tf

from benchmarks import graphs
from benchmarks import run as bench_run
from benchmarks import timing
from training import precision
from training import runtime

FLAGS = flags.FLAGS
COLUMNS = ('model', 'batch', 'size', 'float32 img/s', 'bfloat16 img/s',
           'bf16/f32', 'bf16/f32 per CPU s')


def _train_build_fn(params, dataset, compute_precision):
  """fn() -> BenchGraph of the train binary's graph in that precision."""
  return lambda: graphs.build_train(dict(params, precision=compute_precision),
                                    dataset, 'ours')


def _ratio(numerator, denominator):
  return numerator / denominator if denominator else float('nan')


def measure_model(base_params, model_name, workdir, config):
  """float32 vs bfloat16 training of one model: its record (a dict)."""
  params = dict(base_params, model_name=model_name)
  params['batch_size'] = bench_run.batch_size_for(
      model_name, params, base_params['batch_size_given'])
  dataset, _, _ = bench_run._dataset(params, model_name, workdir)  # pylint: disable=protected-access
  params['dataset_num_samples'] = dataset.num_samples
  image_size = graphs.train_setup(params, dataset).image_size
  measured = timing.measure_interleaved(
      {p: _train_build_fn(params, dataset, p) for p in precision.PRECISIONS},
      config, bench_run.warmup_steps_for(image_size, params['warmup_steps']),
      params['timed_steps'], params['seconds'] / 2, rounds=params['rounds'],
      drain_steps=bench_run.drain_steps_for(image_size,
                                            params['drain_steps']))
  f32, bf16 = measured[precision.FLOAT32], measured[precision.BFLOAT16]
  for name, measurement in measured.items():
    logging.info('%s: train / %s: %.1f images/sec', model_name, name,
                 measurement.images_per_sec)
  return {
      'model_name': model_name, 'batch_size': params['batch_size'],
      'image_size': image_size,
      'measurements': {name: m._asdict() for name, m in measured.items()},
      'bf16_over_f32': _ratio(bf16.images_per_sec, f32.images_per_sec),
      'bf16_over_f32_per_cpu_second': _ratio(
          bf16.images / max(bf16.cpu_seconds, 1e-9),
          f32.images / max(f32.cpu_seconds, 1e-9)),
  }


def matmul_peaks(params, config):
  """{'float32': GFLOP/s, 'bfloat16': GFLOP/s, 'ratio': bf16/f32}."""
  peaks = {name: timing.matmul_peak_gflops(
      config, params['matmul_size'], params['matmul_seconds'],
      dtype=tf.as_dtype(name))[0] for name in precision.PRECISIONS}
  peaks['ratio'] = _ratio(peaks[precision.BFLOAT16], peaks[precision.FLOAT32])
  return peaks


def run(params):
  """Runs the comparison of `params` (flag values); returns the record."""
  precision.check_precision(precision.BFLOAT16)
  config = runtime.session_config_from_params(params)
  workdir = params['workdir'] or tempfile.mkdtemp(prefix='slimuq_bf16_')
  try:
    models = [measure_model(params, name, workdir, config) for name in
              bench_run.model_list(params['models'], params['model_name'])]
  finally:
    if not params['workdir']:
      shutil.rmtree(workdir, ignore_errors=True)
  return {
      'command': ' '.join(['python -m benchmarks.precision'] + sys.argv[1:]),
      'environment': dict(runtime.environment_info(), cpus=os.cpu_count(),
                          load_average=os.getloadavg()),
      'matmul_size': params['matmul_size'],
      'matmul_gflops': matmul_peaks(params, config),
      'models': models,
  }


def format_table(result):
  """The Markdown table of a run, and the matmul line under it."""
  lines = ['| %s |' % ' | '.join(COLUMNS),
           '|%s|' % '|'.join(['---'] * len(COLUMNS))]
  for model in result['models']:
    rates = [model['measurements'][p]['images_per_sec']
             for p in precision.PRECISIONS]
    lines.append('| %s | %d | %d | %.1f | %.1f | %.2f | %.2f |' % (
        model['model_name'], model['batch_size'], model['image_size'],
        rates[0], rates[1], model['bf16_over_f32'],
        model['bf16_over_f32_per_cpu_second']))
  peaks = result['matmul_gflops']
  lines.append('')
  lines.append('matmul %dx%d: float32 %.1f GFLOP/s, bfloat16 %.1f GFLOP/s, '
               'bf16/f32 %.2f' % (result['matmul_size'], result['matmul_size'],
                                  peaks['float32'], peaks['bfloat16'],
                                  peaks['ratio']))
  return '\n'.join(lines)


def main(unused_argv):
  """Runs the comparison of the flags; prints the table and the JSON line."""
  params = bench_run.params_from_flags()
  result = run(params)
  bench_run.print_result(format_table(result), result, params['json_out'])


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
