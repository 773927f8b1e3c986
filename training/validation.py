"""Validation during training: a hook that evaluates a held-out split.

Every `every_n_steps` steps (and at the end of training) the hook runs the
model in inference mode (moving batch-norm statistics, no dropout) over the
whole validation split once and writes `validation/Accuracy`,
`validation/Recall_<k>` and `validation/Loss` summaries to the training run's
own event files, so TensorBoard shows the validation curve beside the loss.
"""
import math

from absl import logging
import tensorflow.compat.v1 as tf

from training import metrics


class ValidationHook(tf.train.SessionRunHook):
  """Evaluates a validation split every N global steps."""

  def __init__(self, iterator, logits, labels, num_examples, batch_size,
               num_classes, every_n_steps, summary_dir):
    """Creates the hook.

    Args:
      iterator: an initializable iterator over the validation split.
      logits: the validation tower's logits tensor.
      labels: the labels tensor of the same batch.
      num_examples: examples in the validation split.
      batch_size: the validation batch size.
      num_classes: width of the logits.
      every_n_steps: evaluate when global_step % every_n_steps == 0.
      summary_dir: where the summaries go (the train_dir).
    """
    self._iterator = iterator
    self._fetches = (logits, labels)
    # The exact number of batches, so the pass never hits OutOfRangeError,
    # which a MonitoredSession would take as the end of training.
    self._num_batches = int(math.ceil(num_examples / float(batch_size)))
    self._num_classes = num_classes
    self._every_n_steps = every_n_steps
    self._summary_dir = summary_dir
    self._last_step = None
    self._global_step = None

  def begin(self):
    self._global_step = tf.train.get_global_step()

  def before_run(self, run_context):
    return tf.train.SessionRunArgs(self._global_step)

  def after_run(self, run_context, run_values):
    # The step that was just taken is the fetched value + 1.
    step = run_values.results + 1
    if step % self._every_n_steps == 0:
      self._validate(run_context.session, step)

  def end(self, session):
    step = session.run(self._global_step)
    if step != self._last_step:
      self._validate(session, step)

  def _validate(self, session, step):
    """Runs one pass over the split and writes the summaries."""
    session.run(self._iterator.initializer)
    accumulator = metrics.TopKAccumulator(self._num_classes)
    for _ in range(self._num_batches):
      logits, labels = session.run(self._fetches)
      accumulator.update(logits, labels)
    result = accumulator.result()
    summary = tf.Summary(value=[
        tf.Summary.Value(tag='validation/Accuracy',
                         simple_value=result['accuracy']),
        tf.Summary.Value(tag='validation/Recall_%d' % result['k'],
                         simple_value=result['recall_at_k']),
        tf.Summary.Value(tag='validation/Loss', simple_value=result['loss']),
    ])
    writer = tf.summary.FileWriterCache.get(self._summary_dir)
    writer.add_summary(summary, step)
    writer.flush()
    self._last_step = step
    logging.info('Validation at step %d: accuracy %.4f, recall@%d %.4f, '
                 'loss %.4f over %d examples.', step, result['accuracy'],
                 result['k'], result['recall_at_k'], result['loss'],
                 result['num_examples'])
