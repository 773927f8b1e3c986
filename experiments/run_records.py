"""Reads what the train and eval binaries leave on disk.

A train_dir holds TensorBoard event files (`total_loss`, and
`validation/Accuracy` with --validation_every_n_steps), checkpoints with
their meta graphs, and `flags.json` (the run record); an eval_dir holds
`metrics.json`. These readers are what the results table and the plots use.

Typical use:

  loss = run_records.scalar_series('/tmp/train', run_records.LOSS_TAG)
  print(loss.steps[-1], loss.values[-1])
"""
import collections
import json
import os

import tensorflow.compat.v1 as tf
from tensorflow.core.framework import variable_pb2
from tensorflow.core.protobuf import meta_graph_pb2

LOSS_TAG = 'total_loss'
ACCURACY_TAG = 'validation/Accuracy'
FLAGS_FILE = 'flags.json'
METRICS_FILE = 'metrics.json'

Series = collections.namedtuple('Series', ['steps', 'values'])


def event_files(log_dir):
  """The TensorBoard event files of `log_dir`, oldest first."""
  if not tf.io.gfile.isdir(log_dir):
    return []
  pattern = os.path.join(log_dir, 'events.out.tfevents.*')
  return sorted(tf.io.gfile.glob(pattern))


def read_scalars(log_dir):
  """Every scalar summary in the event files of `log_dir`.

  Args:
    log_dir: a train_dir or eval_dir.

  Returns:
    {tag: Series} with steps ascending. A step written twice (a resumed run)
    keeps its latest value.

  Raises:
    ValueError: `log_dir` has no event files.
  """
  files = event_files(log_dir)
  if not files:
    raise ValueError('%s has no TensorBoard event files '
                     '(events.out.tfevents.*): is it a train_dir?' % log_dir)
  by_tag = collections.defaultdict(dict)
  for path in files:
    for event in tf.train.summary_iterator(path):
      for value in event.summary.value:
        if value.HasField('simple_value'):
          by_tag[value.tag][event.step] = value.simple_value
  return {tag: Series(sorted(points), [points[s] for s in sorted(points)])
          for tag, points in by_tag.items()}


def scalar_series(log_dir, tag, scalars=None):
  """The Series of scalar `tag` in `log_dir`, or a ValueError saying why not.

  Args:
    log_dir: a train_dir or eval_dir.
    tag: e.g. LOSS_TAG or ACCURACY_TAG.
    scalars: the `read_scalars(log_dir)` result, if already read.

  Returns:
    A Series.

  Raises:
    ValueError: no event files, or no such tag (the message lists the
      scalars there and, for validation tags, the flags that write them).
  """
  scalars = read_scalars(log_dir) if scalars is None else scalars
  if tag in scalars:
    return scalars[tag]
  hint = (' Train with --validation_every_n_steps=N '
          '--validation_split_name=SPLIT to write it.'
          if tag.startswith('validation/') else '')
  raise ValueError('%s has no %r scalar; it has %s.%s' % (
      log_dir, tag, ', '.join(sorted(scalars)) or 'none', hint))


def read_json(path):
  """The JSON object in `path`, or None when the file does not exist."""
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    return json.load(f)


def latest_checkpoint(train_dir):
  """The latest checkpoint prefix of `train_dir`, or a ValueError."""
  checkpoint = tf.train.latest_checkpoint(train_dir)
  if not checkpoint:
    raise ValueError('%s has no checkpoint: has training run there?' %
                     train_dir)
  return checkpoint


def trainable_params(train_dir):
  """The number of trainable parameters of the model trained in `train_dir`.

  Read from the latest checkpoint: the names come from the trainable
  variables collection of its meta graph, the shapes from the checkpoint, so
  no graph is built and nothing depends on how the model was defined.

  Args:
    train_dir: a train_dir with a checkpoint.

  Returns:
    An int.

  Raises:
    ValueError: no checkpoint, or its meta graph lists no trainable
      variables.
  """
  checkpoint = latest_checkpoint(train_dir)
  meta_graph = meta_graph_pb2.MetaGraphDef()
  with tf.io.gfile.GFile(checkpoint + '.meta', 'rb') as f:
    meta_graph.ParseFromString(f.read())
  collection = meta_graph.collection_def['trainable_variables']
  names = [variable_pb2.VariableDef.FromString(raw).variable_name
           for raw in collection.bytes_list.value]
  if not names:
    raise ValueError('The meta graph of %s lists no trainable variables.' %
                     checkpoint)
  shapes = tf.train.load_checkpoint(checkpoint).get_variable_to_shape_map()
  total = 0
  for name in names:
    count = 1
    for dim in shapes[name.split(':')[0]]:
      count *= dim
    total += count
  return total
