"""End to end: train LeNet with the binaries, export, freeze, classify images.

LeNet is trained for a few steps on the embedded digits (with moving
averages), then
  * the frozen graph's probabilities must equal the checkpoint's, as the
    eval binary computes them from the TFRecords, for the same images
    written out as PNG files (to 1e-5), with moving averages off and on;
  * classify_image.py prints the top-k and the uncertainty scores for a
    checkpoint and for a frozen graph;
  * the documented node names exist, and user mistakes end in one ERROR line.
"""
import glob
import json
import os

import numpy as np
import pytest
import tensorflow.compat.v1 as tf

from datasets import fake_data
from tests import e2e_util

pytestmark = pytest.mark.slow

NUM_IMAGES = 6
TOP_K = 3
ATOL = 1e-5


@pytest.fixture(scope='module')
def run(tmp_path_factory):
  """Digits converted, LeNet trained with EMA, eval probabilities, PNGs."""
  root = tmp_path_factory.mktemp('export_e2e')
  dataset_dir = str(root / 'data')
  train_dir = str(root / 'train')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'digits', 'dataset_dir': dataset_dir})
  e2e_util.run_binary('train_image_classifier.py', {
      'train_dir': train_dir, 'dataset_name': 'digits',
      'dataset_split_name': 'train', 'dataset_dir': dataset_dir,
      'model_name': 'lenet', 'batch_size': 16, 'optimizer': 'adam',
      'learning_rate': 0.002, 'opt_epsilon': 1e-8,
      'learning_rate_decay_type': 'fixed', 'weight_decay': 0.0,
      'max_number_of_steps': 40, 'log_every_n_steps': 20,
      'moving_average_decay': 0.9, 'seed': 1})
  predictions = str(root / 'eval' / 'predictions.npz')
  e2e_util.run_binary('eval_image_classifier.py', {
      'checkpoint_path': train_dir, 'eval_dir': str(root / 'eval'),
      'dataset_name': 'digits', 'dataset_split_name': 'test',
      'dataset_dir': dataset_dir, 'model_name': 'lenet',
      'batch_size': NUM_IMAGES, 'max_num_batches': 1,
      'predictions_file': predictions})
  # The same test examples as image files, in the eval binary's order.
  records = fake_data.read_examples(sorted(glob.glob(
      os.path.join(dataset_dir, 'digits_test_*.tfrecord'))))[:NUM_IMAGES]
  images = []
  for i, example in enumerate(records):
    path = str(root / ('digit_%d.png' % i))
    with open(path, 'wb') as f:
      f.write(fake_data.feature(example, 'image/encoded'))
    images.append(path)
  return {'root': root, 'dataset_dir': dataset_dir, 'train_dir': train_dir,
          'eval': np.load(predictions), 'images': images}


def _classify(run, name, **flags):
  """Runs classify_image.py on the PNGs; returns (stdout, probabilities)."""
  output_json = str(run['root'] / ('%s.json' % name))
  flags.update(images=','.join(run['images']), top_k=TOP_K,
               output_json=output_json)
  proc = e2e_util.run_binary('classify_image.py', flags)
  with open(output_json) as f:
    results = json.load(f)['results']
  assert [r['image'] for r in results] == run['images']
  return proc.stdout, np.array([r['probabilities'] for r in results])


def _check_printed(stdout, images):
  """Each image with TOP_K ranked classes and its uncertainty scores."""
  for path in images:
    block = stdout.split(path + '\n', 1)[1].splitlines()
    for rank in range(1, TOP_K + 1):
      assert block[rank - 1].startswith('  %d. 0.' % rank), block
    assert block[TOP_K].startswith('  uncertainty: max_prob=0.'), block
    assert ' entropy=' in block[TOP_K] and ' energy=-' in block[TOP_K]


def _node_names(path):
  graph_def = tf.GraphDef()
  with open(path, 'rb') as f:
    graph_def.ParseFromString(f.read())
  return {node.name: node.op for node in graph_def.node}


def test_frozen_graph_equals_checkpoint(run):
  graph_file = str(run['root'] / 'lenet_inf_graph.pb')
  frozen_file = str(run['root'] / 'lenet_frozen.pb')
  export = e2e_util.run_binary('export_inference_graph.py', {
      'model_name': 'lenet', 'checkpoint_path': run['train_dir'],
      'output_file': graph_file, 'frozen_graph': frozen_file})
  assert 'input node:   input  float32 [?, 28, 28, 1]' in export.stdout
  assert 'output nodes: probabilities' in export.stdout
  assert 'also named output' in export.stdout
  # Trained with moving averages, exported without: a warning says so.
  assert 'pass --use_moving_averages' in export.stderr
  for path in (graph_file, frozen_file):
    nodes = _node_names(path)
    assert nodes['input'] == 'Placeholder'
    for name in ('logits', 'probabilities', 'output', 'export_metadata'):
      assert name in nodes, name
  assert not [op for op in _node_names(frozen_file).values()
              if 'Variable' in op]
  stdout, frozen = _classify(run, 'frozen', frozen_graph=frozen_file)
  _check_printed(stdout, run['images'])
  difference = np.max(np.abs(frozen - run['eval']['probabilities']))
  print('max |frozen - checkpoint (eval binary)| = %g' % difference)
  assert difference <= ATOL
  np.testing.assert_array_equal(np.argmax(frozen, 1),
                                np.argmax(run['eval']['logits'], 1))


def test_moving_averages_frozen_equals_checkpoint(run):
  frozen_file = str(run['root'] / 'lenet_frozen_ema.pb')
  export = e2e_util.run_binary('export_inference_graph.py', {
      'checkpoint_path': run['train_dir'], 'frozen_graph': frozen_file,
      'use_moving_averages': True, 'input_type': 'encoded'})
  assert 'input node:   input  string [?]' in export.stdout
  assert 'moving averages' in export.stdout
  stdout, checkpoint = _classify(run, 'checkpoint_ema',
                                 checkpoint_path=run['train_dir'],
                                 model_name='lenet', use_moving_averages=True)
  _check_printed(stdout, run['images'])
  _, frozen = _classify(run, 'frozen_ema', frozen_graph=frozen_file)
  difference = np.max(np.abs(frozen - checkpoint))
  print('max |frozen EMA - checkpoint EMA| = %g' % difference)
  assert difference <= ATOL
  # The shadow variables were used: not the plain weights' predictions.
  assert np.max(np.abs(checkpoint - run['eval']['probabilities'])) > 1e-4


def _one_error_line(proc):
  assert proc.returncode == 1
  errors = [l for l in proc.stderr.splitlines() if l.startswith('ERROR:')]
  assert len(errors) == 1, proc.stderr
  return errors[0]


def test_user_errors_are_one_line(run):
  error = _one_error_line(e2e_util.run_binary('export_inference_graph.py', {
      'model_name': 'lenett', 'num_classes': 10,
      'output_file': str(run['root'] / 'x.pb')}, check=False))
  assert "'lenett'" in error and 'Known models:' in error
  assert 'lenet,' in error and 'resnet_v1_50' in error
  missing = str(run['root'] / 'no_such_train_dir')
  error = _one_error_line(e2e_util.run_binary('classify_image.py', {
      'checkpoint_path': missing, 'model_name': 'lenet',
      'images': run['images'][0]}, check=False))
  assert missing in error
