"""Fake run directories for the tests of the experiments package."""
import json
import os

import tensorflow.compat.v1 as tf


def write_scalars(log_dir, points, suffix=''):
  """Writes scalar summaries {tag: [(step, value), ...]} to a new event file.

  Args:
    log_dir: where the event file goes.
    points: {tag: [(step, value), ...]}.
    suffix: distinguishes several event files in one directory.
  """
  writer = tf.summary.FileWriter(log_dir, filename_suffix=suffix)
  for tag, series in points.items():
    for step, value in series:
      writer.add_summary(tf.Summary(value=[
          tf.Summary.Value(tag=tag, simple_value=value)]), step)
  writer.close()


def write_checkpoint(train_dir, step, trainable_shapes, other_shapes=()):
  """Saves a checkpoint with a meta graph, as training would.

  Args:
    train_dir: where to save it.
    step: its global step.
    trainable_shapes: shapes of the trainable variables.
    other_shapes: shapes of non-trainable ones (batch-norm statistics...).
  """
  with tf.Graph().as_default():
    for index, shape in enumerate(trainable_shapes):
      tf.get_variable('net/w%d' % index, shape)
    for index, shape in enumerate(other_shapes):
      tf.get_variable('net/moving%d' % index, shape,
                                trainable=False)
    global_step = tf.train.get_or_create_global_step()
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      session.run(global_step.assign(step))
      tf.train.Saver().save(
          session, os.path.join(train_dir, 'model.ckpt'), global_step=step)


def write_json(path, payload):
  if not os.path.isdir(os.path.dirname(path)):
    os.makedirs(os.path.dirname(path))
  with open(path, 'w') as f:
    json.dump(payload, f)


def fake_run(root, name, flags, losses, accuracies, eval_accuracy,
             trainable_shapes=((3, 4), (4,)), global_batch_size=8):
  """A train_dir and an eval_dir as the binaries leave them.

  Args:
    root: parent directory.
    name: the run's directory name (and model_name).
    flags: the recorded flags (model_name is added).
    losses: [(step, total_loss)].
    accuracies: [(step, validation/Accuracy)].
    eval_accuracy: accuracy in eval_dir/metrics.json, at the last loss step.
    trainable_shapes: shapes of the checkpoint's trainable variables.
    global_batch_size: recorded in flags.json.

  Returns:
    (train_dir, eval_dir).
  """
  train_dir = os.path.join(root, name, 'train')
  eval_dir = os.path.join(root, name, 'eval')
  step = losses[-1][0]
  write_json(os.path.join(train_dir, 'flags.json'), {
      'flags': dict(flags, model_name=name, train_dir=train_dir),
      'resolved': {'global_batch_size': global_batch_size}})
  write_scalars(train_dir, {'total_loss': losses,
                            'validation/Accuracy': accuracies})
  write_checkpoint(train_dir, step, trainable_shapes, other_shapes=[(5,)])
  write_json(os.path.join(eval_dir, 'metrics.json'), {
      'accuracy': eval_accuracy, 'num_examples': 300, 'step': step})
  return train_dir, eval_dir
