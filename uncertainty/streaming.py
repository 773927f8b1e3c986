"""Streaming calibration metrics as TF 1.x graph ops, in the `tf.metrics` style.

`streaming_ece(labels, probabilities, num_bins=15)` returns `(value,
update_op)` like `tf.metrics.accuracy`: run `update_op` once per
batch (any batch size, the final partial batch included), then read `value`.
The state is three float64 local variables of shape [num_bins] (example
count, sum of confidences, sum of correct predictions per bin) in the
LOCAL_VARIABLES and METRIC_VARIABLES collections, so
`tf.local_variables_initializer()` resets it, and the pair fits a
slim-style `names_to_values` / `names_to_updates` metric dict.

The definition is `uncertainty.metrics.expected_calibration_error` with
`binning='equal_width'` (equal-mass bins need all confidences at once and
cannot stream): top-label confidence max_k p_k, prediction argmax_k p_k,
bin m holds confidences in (m/M, (m+1)/M] (the first bin also holds 0), and

  ECE = sum_m (n_m / N) |acc_m - conf_m| = sum_m |correct_m - conf_sum_m| / N.

Confidences are compared with the same float64 bin edges as the numpy code,
so every example lands in the same bin. Before any update (N = 0) the value
is 0. Labels are not range-checked: a label outside [0, K) counts as a
wrong prediction (use `labels_offset` upstream as for accuracy).

Typical use:

  probs = tf.nn.softmax(logits)
  ece, ece_update = streaming.streaming_ece(labels, probs, num_bins=15)
  sess.run(tf.local_variables_initializer())
  for _ in range(num_batches):
    sess.run(ece_update)
  print(sess.run(ece))
"""
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode

_COLLECTIONS = (tf.GraphKeys.LOCAL_VARIABLES,
                tf.GraphKeys.METRIC_VARIABLES)


def _metric_variable(num_bins, name):
  """A float64 [num_bins] zero local variable in the metric collections."""
  return tf.Variable(
      lambda: tf.zeros([num_bins], dtype=tf.float64), trainable=False,
      collections=list(_COLLECTIONS), name=name)


def _check_num_bins(num_bins):
  if (isinstance(num_bins, bool) or
      not isinstance(num_bins, (int, np.integer)) or num_bins < 1):
    raise ValueError('num_bins must be a positive integer, got %r.' %
                     (num_bins,))


def _check_shapes(labels, probabilities):
  """Static checks: probabilities [B, K], labels [B] (or [B, 1])."""
  if probabilities.shape.ndims is not None and probabilities.shape.ndims != 2:
    raise ValueError('probabilities must be [batch, num_classes], got shape '
                     '%s. Pass tf.nn.softmax(logits), not the logits of a '
                     'spatial output.' % probabilities.shape)
  if labels.shape.ndims == 2 and labels.shape[1] == 1:
    labels = tf.squeeze(labels, axis=1)
  if labels.shape.ndims is not None and labels.shape.ndims != 1:
    raise ValueError('labels must be [batch] class indices, got shape %s '
                     '(one-hot labels: pass tf.argmax(labels, 1)).' %
                     labels.shape)
  probabilities.shape[:1].assert_is_compatible_with(labels.shape)
  return labels


def bin_statistics(labels, probabilities, num_bins=15):
  """Per-bin (count, confidence sum, correct sum) of one batch, float64.

  Args:
    labels: int tensor [B] of class indices.
    probabilities: float tensor [B, K] of predicted probabilities.
    num_bins: number of equal-width bins.

  Returns:
    A tuple of three float64 tensors of shape [num_bins].
  """
  _check_num_bins(num_bins)
  probabilities = tf.convert_to_tensor(probabilities)
  labels = _check_shapes(tf.convert_to_tensor(labels), probabilities)
  probabilities = tf.cast(probabilities, tf.float64)
  confidence = tf.reduce_max(probabilities, axis=1)
  prediction = tf.argmax(probabilities, axis=1, output_type=tf.int64)
  correct = tf.cast(tf.equal(prediction, tf.cast(labels, tf.int64)),
                    tf.float64)
  # As np.searchsorted(edges, c, 'left') - 1: the number of edges strictly
  # below c, minus one, clipped to [0, num_bins - 1].
  edges = tf.constant(np.linspace(0.0, 1.0, num_bins + 1), tf.float64)
  below = tf.reduce_sum(
      tf.cast(confidence[:, None] > edges[None, :], tf.int32), axis=1)
  index = tf.clip_by_value(below - 1, 0, num_bins - 1)
  ones = tf.ones_like(confidence)
  return tuple(tf.math.unsorted_segment_sum(values, index, num_bins)
               for values in (ones, confidence, correct))


def ece_from_statistics(counts, conf_sums, correct_sums):
  """ECE = sum_m |correct_m - conf_sum_m| / N (0 when N = 0), float64."""
  total = tf.reduce_sum(counts)
  gap = tf.reduce_sum(tf.abs(correct_sums - conf_sums))
  return tf.math.divide_no_nan(gap, total)


def streaming_ece(labels, probabilities, num_bins=15,
                  metrics_collections=None, updates_collections=None,
                  name=None):
  """Expected calibration error accumulated over batches (tf.metrics style).

  Args:
    labels: int tensor [B] (or [B, 1]) of class indices.
    probabilities: float tensor [B, K] of predicted probabilities (e.g.
      tf.nn.softmax(logits)); B may differ between runs of update_op.
    num_bins: number of equal-width confidence bins (15, as in Guo et al.,
      2017, and `uncertainty.metrics`).
    metrics_collections: optional collections to add `value` to.
    updates_collections: optional collections to add `update_op` to.
    name: optional variable scope name (default 'streaming_ece').

  Returns:
    (value, update_op): float64 scalar tensors. `value` reads the ECE of
    every example seen since the local variables were initialised;
    `update_op` adds a batch and returns the updated ECE.

  Raises:
    ValueError: num_bins is not a positive integer, or the static shapes
      are not probabilities [B, K] and labels [B].
  """
  _check_num_bins(num_bins)
  with tf.variable_scope(name, 'streaming_ece',
                                   (labels, probabilities)):
    batch = bin_statistics(labels, probabilities, num_bins)
    state = tuple(_metric_variable(num_bins, var_name) for var_name in
                  ('count', 'confidence_sum', 'correct_sum'))
    value = tf.identity(ece_from_statistics(*state), name='value')
    updates = [tf.assign_add(var, delta)
               for var, delta in zip(state, batch)]
    with tf.control_dependencies(updates):
      update_op = tf.identity(ece_from_statistics(*updates),
                              name='update_op')
  for collection in metrics_collections or ():
    tf.add_to_collection(collection, value)
  for collection in updates_collections or ():
    tf.add_to_collection(collection, update_op)
  return value, update_op
