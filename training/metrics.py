"""Streaming top-1 / top-k accuracy over batches of logits.

Used by the evaluation binary and by in-training validation, so both count the
same way: every example once, `k = min(5, num_classes)` for recall@k.
"""
import numpy as np


class TopKAccumulator(object):
  """Accumulates correct counts for top-1 and top-k over batches."""

  def __init__(self, num_classes, k=5, keep_predictions=False):
    """Creates the accumulator.

    Args:
      num_classes: width of the logits.
      k: the k of recall@k; reduced to num_classes when larger.
      keep_predictions: keep every batch's logits, labels and indices.
    """
    self.k = min(k, num_classes)
    self.count = 0
    self.correct_top1 = 0
    self.correct_topk = 0
    self.loss_sum = 0.0
    self._keep = keep_predictions
    self._batches = []

  def update(self, logits, labels, indices=None):
    """Adds one batch.

    Args:
      logits: float array [B, num_classes].
      labels: int array [B].
      indices: optional int array [B]: positions of the examples in the split.
    """
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    self.count += labels.shape[0]
    self.correct_top1 += int(np.sum(np.argmax(logits, axis=1) == labels))
    # Rank of the true class: number of classes with a strictly larger logit.
    true_logit = logits[np.arange(labels.shape[0]), labels]
    rank = np.sum(logits > true_logit[:, None], axis=1)
    self.correct_topk += int(np.sum(rank < self.k))
    log_probs = logits - _logsumexp(logits)
    self.loss_sum -= float(np.sum(log_probs[np.arange(labels.shape[0]),
                                            labels]))
    if self._keep:
      self._batches.append((logits, labels, indices))

  def result(self):
    """Returns a dict: accuracy, recall_at_k, k, loss, num_examples."""
    n = max(self.count, 1)
    return {
        'accuracy': self.correct_top1 / n,
        'recall_at_k': self.correct_topk / n,
        'k': self.k,
        'loss': self.loss_sum / n,
        'num_examples': self.count,
    }

  def predictions(self):
    """Returns (indices, labels, logits, probabilities), sorted by index."""
    logits = np.concatenate([b[0] for b in self._batches])
    labels = np.concatenate([b[1] for b in self._batches])
    if all(b[2] is not None for b in self._batches):
      indices = np.concatenate([b[2] for b in self._batches]).astype(np.int64)
    else:
      indices = np.arange(labels.shape[0], dtype=np.int64)
    order = np.argsort(indices, kind='stable')
    probs = np.exp(logits - _logsumexp(logits))
    return indices[order], labels[order], logits[order], probs[order]


def _logsumexp(logits):
  top = np.max(logits, axis=1, keepdims=True)
  return top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
