"""Tests of the benchmark graphs on a tiny generated dataset."""
import pytest
import tensorflow.compat.v1 as tf

from benchmarks import data
from benchmarks import graphs
from benchmarks import timing
from datasets import dataset_factory

NUM_EXAMPLES = 45  # Not a multiple of the batch: a partial final batch.


def _params(**overrides):
  params = dict(
      model_name='cifarnet', labels_offset=0, preprocessing_name=None,
      train_image_size=None, weight_decay=0.00004, use_grayscale=False,
      freeze_batch_norm=False, batch_norm_decay=None, batch_size=8,
      num_readers=2, num_preprocessing_threads=2, seed=0, num_clones=1,
      clone_on_cpu=False, task=0, worker_replicas=1, num_ps_tasks=0,
      label_smoothing=0.0, quantize_delay=-1, moving_average_decay=None,
      sync_replicas=False, trainable_scopes=None, optimizer='sgd',
      learning_rate=0.01, learning_rate_decay_type='fixed',
      learning_rate_decay_factor=0.94, num_epochs_per_decay=2.0,
      end_learning_rate=0.0001, warmup_epochs=0.0,
      dataset_num_samples=NUM_EXAMPLES)
  params.update(overrides)
  return params


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
  """A 45-example synthetic 32 x 32 dataset converted into a temp dir."""
  name, split, directory = data.make_synthetic_dataset(
      str(tmp_path_factory.mktemp('data')), 32, NUM_EXAMPLES)
  return dataset_factory.get_dataset(name, split, directory)


def test_one_epoch_through_ours_and_reference_reads_the_same_examples(
    dataset):
  ours = graphs.epoch_labels(_params(), dataset, 'ours')
  reference = graphs.epoch_labels(_params(), dataset, 'reference')
  assert len(ours) == len(reference) == NUM_EXAMPLES
  assert sorted(ours) == sorted(reference)
  assert sorted(ours) == sorted(i % data.NUM_CLASSES
                                for i in range(NUM_EXAMPLES))


@pytest.mark.parametrize('phase,pipeline', [
    ('train', 'ours'), ('train', 'synthetic'), ('train', 'reference'),
    ('train', 'input_only'), ('eval', 'ours'), ('eval', 'synthetic'),
    ('eval', 'reference'), ('eval', 'input_only')])
def test_every_graph_runs_and_counts_images(dataset, phase, pipeline):
  measurement = timing.measure(
      lambda: graphs.build(_params(), dataset, phase, pipeline),
      tf.ConfigProto(), warmup_steps=1, timed_steps=2, max_seconds=0.0)
  assert measurement.steps == 2
  assert measurement.images == 16
  assert measurement.images_per_sec > 0


def test_train_graph_is_the_train_binarys(dataset):
  bench = graphs.build_train(_params(), dataset, 'ours')
  names = [op.name for op in bench.graph.get_operations()]
  assert 'train_op' in names
  assert any(name.startswith('CifarNet/') for name in names)
  # One clone; batch-norm-free cifarnet still has its loss and optimizer.
  assert bench.images_per_step == 8
  assert not bench.uses_queue_runners
  assert graphs.build_train(_params(), dataset,
                            'reference').uses_queue_runners


def test_interleaved_measurement_times_every_graph_in_each_round(dataset):
  build_fns = {pipeline: (lambda p=pipeline: graphs.build(_params(), dataset,
                                                          'eval', p))
               for pipeline in graphs.PIPELINES}
  measured = timing.measure_interleaved(
      build_fns, tf.ConfigProto(), warmup_steps=1, timed_steps=3,
      max_seconds=0.0, rounds=3, drain_steps=1)
  assert sorted(measured) == sorted(graphs.PIPELINES)
  for measurement in measured.values():
    assert measurement.steps == 3  # One step per round (max_seconds=0).
    assert len(measurement.segment_rates) == 3
    assert all(rate > 0 for rate in measurement.segment_rates)
    assert measurement.images > 0 and measurement.images_per_sec > 0
    assert measurement.cpu_seconds >= 0


def test_interleaved_steps_per_graph(dataset):
  build_fns = {pipeline: (lambda p=pipeline: graphs.build(_params(), dataset,
                                                          'eval', p))
               for pipeline in ('synthetic', 'input_only')}
  measured = timing.measure_interleaved(
      build_fns, tf.ConfigProto(), warmup_steps=1,
      timed_steps={'synthetic': 2, 'input_only': 6}, max_seconds=600.0,
      rounds=2)
  assert measured['synthetic'].steps == 2
  assert measured['input_only'].steps == 6


def _xla_marked_types(graph):
  return {op.type for op in graph.get_operations()
          if '_XlaCompile' in op.node_def.attr and
          op.node_def.attr['_XlaCompile'].b}


@pytest.mark.parametrize('phase', ['train', 'eval'])
def test_xla_compiles_ours_and_synthetic_not_the_reference(dataset, phase):
  params = _params(xla=True)
  for pipeline in ('ours', 'synthetic'):
    marked = _xla_marked_types(graphs.build(params, dataset, phase,
                                            pipeline).graph)
    assert 'Conv2D' in marked, pipeline
    assert 'IteratorGetNext' not in marked, pipeline
    if phase == 'train':
      assert 'Conv2DBackpropFilter' in marked, pipeline
  reference = graphs.build(params, dataset, phase, 'reference').graph
  assert _xla_marked_types(reference) == set()
  # And --xla=false (the default) marks nothing.
  ours = graphs.build(_params(), dataset, phase, 'ours').graph
  assert _xla_marked_types(ours) == set()
