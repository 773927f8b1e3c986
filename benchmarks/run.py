r"""Images/sec of the train and eval graphs: ours vs synthetic vs TF-Slim.

For each model, in one run, it times the training step and the evaluation
batch of our binaries' graphs fed by (see graphs.py):

  ours        input_pipeline.make_dataset, as the binaries use it;
  synthetic   one cached batch repeated in-graph (the compute ceiling);
  reference   TF-Slim's DatasetDataProvider + tf.train.batch (+
              prefetch_queue when training), run by queue runners;
  input only  our training pipeline without the network;

and the float32 matmul peak of this TensorFlow build (the best of a run at
the start, one before each model and one at the end; each run times the
product as a MatMul and as a 1x1 Conv2D, see timing.py), then prints a table
with ours/reference, ours/synthetic and achieved/peak (report.py) and the
whole record as one JSON line (also to --json_out).

All flags of train_image_classifier.py apply (--optimizer, --batch_size,
--num_readers, --num_preprocessing_threads, --inter_op_parallelism_threads,
...), so `ours` is the graph the train binary builds with those flags.
Without --dataset_dir, each model reads a small TFRecord set written by our
converters in a temporary directory (data.py).

Typical use:

  python -m benchmarks.run --model_name=resnet_v1_50
  python -m benchmarks.run --models=all --json_out=/tmp/bench.json
  python -m benchmarks.run --models=lenet,cifarnet \
      --inter_op_parallelism_threads=1 --intra_op_parallelism_threads=2
"""
import os
import platform
import shutil
import sys
import tempfile

from absl import app
from absl import flags
from absl import logging
import tensorflow.compat.v1 as tf

from benchmarks import data
from benchmarks import env
from benchmarks import graphs
from benchmarks import report
from benchmarks import timing
from datasets import dataset_factory
from nets import summary as nets_summary
from training import model_setup
from training import runtime
import train_image_classifier  # pylint: disable=unused-import  # its flags

ALL_MODELS = ('lenet', 'cifarnet', 'resnet_v1_50', 'mobilenet_v1', 'vgg_16')
# Batch sizes when --batch_size is not given: TF-Slim's 32, smaller for
# resnet_v1_50 and vgg_16 so that one training step stays within a few
# seconds on 2 CPU cores (a model then takes 1-3 minutes).
DEFAULT_BATCH_SIZES = {'resnet_v1_50': 16, 'vgg_16': 8}
DEFAULT_BATCH_SIZE = 32
# Warm-up steps when --warmup_steps is not given: 2 for ImageNet-size inputs
# (the first steps allocate; the input buffers fill meanwhile), else 3.
LARGE_INPUT_SIZE = 200
# Measurements per model share --seconds.
_MEASUREMENTS = (('train', 'ours'), ('train', 'synthetic'),
                 ('train', 'reference'), ('train', 'input_only'),
                 ('eval', 'ours'), ('eval', 'synthetic'),
                 ('eval', 'reference'), ('eval', 'input_only'))
# The input alone runs up to this many times --timed_steps, so that its
# --seconds share bounds it: its steps are so cheap that --timed_steps of
# them would take a fraction of a second (too short to time).
INPUT_ONLY_STEPS_FACTOR = 100

flags.DEFINE_list('models', None,
                  'Models to benchmark (comma-separated, or "all" for %s); '
                  'default: --model_name.' % ','.join(ALL_MODELS))
flags.DEFINE_integer('warmup_steps', None,
                     'Untimed steps per measurement; default 2 for '
                     'ImageNet-size inputs, else 3.')
flags.DEFINE_integer('timed_steps', 50,
                     'At most this many timed steps per measurement (the '
                     'input-only ones: %d times as many).' %
                     INPUT_ONLY_STEPS_FACTOR)
flags.DEFINE_float('seconds', 40.0,
                   'Budget of the timed steps of one model, shared by its %d '
                   'measurements (each runs at least %d timed steps, or '
                   '--rounds with --interleave).' %
                   (len(_MEASUREMENTS), timing.MIN_STEPS))
flags.DEFINE_boolean('interleave', True,
                     'Open the graphs of a phase together and time them in '
                     'alternating segments (robust to load changes on a '
                     'shared machine); --nointerleave: one after the other, '
                     'less memory.')
flags.DEFINE_integer('rounds', 4,
                     'Timed segments per graph with --interleave (at least '
                     'one step each).')
flags.DEFINE_integer('drain_steps', None,
                     'Untimed steps before each interleaved segment, to '
                     'empty input buffers filled while idle; default 0 for '
                     'ImageNet-size inputs (compute-bound), else 8.')
flags.DEFINE_string('workdir', None,
                    'Where the generated datasets go; default: a temporary '
                    'directory removed at the end.')
flags.DEFINE_integer('num_examples', data.DEFAULT_NUM_EXAMPLES,
                     'Examples of each generated synthetic-image dataset.')
flags.DEFINE_integer('matmul_size', 2048, 'Size of the peak matmul.')
flags.DEFINE_float('matmul_seconds', 3.0,
                   'Time budget of each peak GEMM kernel (MatMul, 1x1 Conv2D).')
flags.DEFINE_integer('epoch_check_max_examples', 5000,
                     'Count one epoch through ours and the reference when '
                     'the split has at most this many examples.')
flags.DEFINE_boolean('mkl_env', True,
                     'On MKL builds, set KMP_BLOCKTIME, KMP_AFFINITY and '
                     'OMP_NUM_THREADS (see benchmarks/env.py).')
flags.DEFINE_string('json_out', None, 'Also write the JSON record here.')

FLAGS = flags.FLAGS
FLAGS.set_default('model_name', 'lenet')


def model_list(models, model_name):
  """The models to run: --models ('all' expands), else [--model_name]."""
  if not models:
    return [model_name]
  if models == ['all']:
    return list(ALL_MODELS)
  return list(models)


def batch_size_for(model_name, params, batch_size_given):
  """--batch_size when given, else the benchmark default of the model."""
  if batch_size_given:
    return params['batch_size']
  return DEFAULT_BATCH_SIZES.get(model_name, DEFAULT_BATCH_SIZE)


def warmup_steps_for(image_size, warmup_steps):
  """--warmup_steps when given, else the default for the input size."""
  if warmup_steps is not None:
    return warmup_steps
  return 2 if image_size >= LARGE_INPUT_SIZE else 3


def drain_steps_for(image_size, drain_steps):
  """--drain_steps when given, else the default for the input size."""
  if drain_steps is not None:
    return drain_steps
  return 0 if image_size >= LARGE_INPUT_SIZE else 8


def _dataset(params, model_name, workdir):
  """(dataset description, name, dir, generated) of one model."""
  if params['dataset_dir']:
    name, split, directory = (params['dataset_name'],
                              params['dataset_split_name'],
                              params['dataset_dir'])
  else:
    name, split, directory = data.make_dataset_for_model(
        model_name, workdir, params['num_examples'])
  dataset = dataset_factory.get_dataset(name, split, directory)
  return dataset, name, directory


def forward_flops(params, dataset):
  """Forward float ops per image (tf.profiler, dense ops: 2 per MAC)."""
  num_classes = dataset.num_classes - params['labels_offset']
  channels = 1 if params['use_grayscale'] else int(dataset.channels)
  return nets_summary.summarize(
      params['model_name'], image_size=params['train_image_size'],
      num_classes=num_classes, num_channels=channels).profiler_flops


def epoch_check(params, dataset, config):
  """Examples of one epoch through ours and the reference, or None."""
  if dataset.num_samples > params['epoch_check_max_examples']:
    return None
  ours = graphs.epoch_labels(params, dataset, 'ours', config)
  reference = graphs.epoch_labels(params, dataset, 'reference', config)
  return {'split_num_samples': dataset.num_samples,
          'ours_examples': len(ours), 'reference_examples': len(reference),
          'same_labels': sorted(ours) == sorted(reference)}


def timed_steps_for(pipeline, timed_steps):
  """The most timed steps of a pipeline's measurement (--timed_steps)."""
  if pipeline == 'input_only':
    return timed_steps * INPUT_ONLY_STEPS_FACTOR
  return timed_steps


def _build_fn(params, dataset, phase, pipeline):
  return lambda: graphs.build(params, dataset, phase, pipeline)


def measure_model(params, dataset, config):
  """All measurements of one model: {phase: {pipeline: Measurement}}.

  With --interleave, the graphs of a phase are open together and timed in
  alternating segments (timing.measure_interleaved); else one after the
  other (timing.measure), which needs less memory.
  """
  per_measurement = params['seconds'] / len(_MEASUREMENTS)
  measured = {}
  for phase in report.PHASES:
    build_fns = {pipeline: _build_fn(params, dataset, phase, pipeline)
                 for measured_phase, pipeline in _MEASUREMENTS
                 if measured_phase == phase}
    logging.info('%s: %s: timing %s', params['model_name'], phase,
                 ', '.join(build_fns))
    timed_steps = {pipeline: timed_steps_for(pipeline, params['timed_steps'])
                   for pipeline in build_fns}
    if params['interleave']:
      measured[phase] = timing.measure_interleaved(
          build_fns, config, params['warmup_steps'], timed_steps,
          per_measurement, rounds=params['rounds'],
          drain_steps=params['drain_steps'])
    else:
      measured[phase] = {
          pipeline: timing.measure(build_fn, config, params['warmup_steps'],
                                   timed_steps[pipeline], per_measurement)
          for pipeline, build_fn in build_fns.items()}
    for pipeline, measurement in measured[phase].items():
      logging.info('%s: %s / %s: %.1f images/sec', params['model_name'],
                   phase, pipeline, measurement.images_per_sec)
  return measured


def gemm_peaks(params, config):
  """{kernel: float32 GFLOP/s now} for each of timing.GEMM_KERNELS (logged)."""
  peaks = {kernel: timing.matmul_peak_gflops(
      config, params['matmul_size'], params['matmul_seconds'],
      kernel=kernel)[0] for kernel in timing.GEMM_KERNELS}
  logging.info('float32 GEMM peak: %s', ', '.join(
      '%s %.1f GFLOP/s' % item for item in sorted(peaks.items())))
  return peaks


def best_by_kernel(measurements):
  """{kernel: best GFLOP/s} over a list of `gemm_peaks` results."""
  return {kernel: max(peaks[kernel] for peaks in measurements)
          for kernel in timing.GEMM_KERNELS}


def run_model(base_params, model_name, workdir, config):
  """Benchmarks one model; returns (record, measurements, forward flops).

  The GEMM peaks are measured again just before the model's measurements
  (record['gemm_gflops_before']): on a shared machine the peak of the run is
  the best of these.
  """
  params = dict(base_params, model_name=model_name)
  params['batch_size'] = batch_size_for(model_name, params,
                                        base_params['batch_size_given'])
  dataset, name, directory = _dataset(params, model_name, workdir)
  params['dataset_num_samples'] = dataset.num_samples
  setup = graphs.train_setup(params, dataset)
  params['warmup_steps'] = warmup_steps_for(setup.image_size,
                                            base_params['warmup_steps'])
  params['drain_steps'] = drain_steps_for(setup.image_size,
                                          base_params['drain_steps'])
  record = {
      'model_name': model_name, 'batch_size': params['batch_size'],
      'image_size': setup.image_size, 'warmup_steps': params['warmup_steps'],
      'drain_steps': params['drain_steps'],
      'interleaved_rounds': params['rounds'] if params['interleave'] else 0,
      'dataset': {'name': name, 'dir': directory,
                  'num_samples': dataset.num_samples,
                  'generated': not base_params['dataset_dir']},
      'epoch_check': epoch_check(params, dataset, config),
      'gemm_gflops_before': gemm_peaks(params, config),
  }
  measured = measure_model(params, dataset, config)
  return record, measured, forward_flops(params, dataset)


def run(params):
  """Runs the benchmark of `params` (flag values); returns the record."""
  mkl = env.mkl_record(params['intra_op_parallelism_threads'],
                       apply_env=params['mkl_env'])
  config = runtime.session_config_from_params(params)
  peaks = [gemm_peaks(params, config)]
  workdir = params['workdir'] or tempfile.mkdtemp(prefix='slimuq_bench_')
  try:
    runs = [run_model(params, name, workdir, config)
            for name in model_list(params['models'], params['model_name'])]
    peaks.append(gemm_peaks(params, config))
  finally:
    if not params['workdir']:
      shutil.rmtree(workdir, ignore_errors=True)
  by_kernel = best_by_kernel(
      peaks + [record['gemm_gflops_before'] for record, _, _ in runs])
  peak = max(by_kernel.values())
  models = []
  for record, measured, flops in runs:
    record.update({phase: report.phase_summary(phase, measured[phase], flops,
                                               peak)
                   for phase in report.PHASES})
    models.append(record)
  return {
      'command': ' '.join(['python -m benchmarks.run'] + sys.argv[1:]),
      'environment': dict(runtime.environment_info(),
                          machine=platform.machine(), cpus=os.cpu_count(),
                          load_average=os.getloadavg()),
      'mkl': mkl,
      'xla': bool(params.get('xla')),
      'session': {k: params[k] for k in ('inter_op_parallelism_threads',
                                         'intra_op_parallelism_threads')},
      'matmul_size': params['matmul_size'],
      'matmul_peak_gflops': peak,
      'matmul_peak_gflops_by_kernel': by_kernel,
      'models': models,
  }


def params_from_flags():
  """The flag values as a benchmark's params (model config applied)."""
  params = model_setup.apply_model_config(FLAGS.flag_values_dict())
  params['batch_size_given'] = FLAGS['batch_size'].present
  return params


def print_result(table, result, json_out):
  """Prints `table` and `result` as one JSON line, also written to json_out."""
  print(table)
  line = report.to_json_line(result)
  if json_out:
    tf.gfile.MakeDirs(os.path.dirname(json_out) or '.')
    with tf.gfile.GFile(json_out, 'w') as f:
      f.write(line + '\n')
  print(line)
  sys.stdout.flush()


def main(unused_argv):
  """Runs the benchmark of the flags; prints the table and the JSON line."""
  params = params_from_flags()
  result = run(params)
  print_result(report.format_table(result), result, params['json_out'])


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
