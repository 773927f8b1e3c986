"""Tests for training.metrics."""
import numpy as np
import tensorflow.compat.v1 as tf

from training import metrics


class TopKAccumulatorTest(tf.test.TestCase):

  def test_hand_computed_counts(self):
    logits = np.array([[3., 2., 1.], [1., 3., 2.], [1., 2., 3.], [3., 1., 2.]])
    labels = np.array([0, 2, 0, 1])
    acc = metrics.TopKAccumulator(num_classes=3, k=2)
    acc.update(logits, labels)
    result = acc.result()
    self.assertEqual(result['num_examples'], 4)
    self.assertAllClose(result['accuracy'], 0.25)  # only the first.
    self.assertAllClose(result['recall_at_k'], 0.5)  # first and second.
    self.assertEqual(result['k'], 2)

  def test_k_is_capped_by_the_number_of_classes(self):
    acc = metrics.TopKAccumulator(num_classes=2)
    acc.update(np.array([[0., 1.], [1., 0.]]), np.array([0, 0]))
    self.assertEqual(acc.result()['k'], 2)
    self.assertAllClose(acc.result()['recall_at_k'], 1.0)

  def test_uneven_batches_equal_one_batch(self):
    rng = np.random.RandomState(0)
    logits = rng.randn(37, 10)
    labels = rng.randint(0, 10, size=37)
    whole = metrics.TopKAccumulator(10)
    whole.update(logits, labels)
    parts = metrics.TopKAccumulator(10, keep_predictions=True)
    for start, stop in [(0, 5), (5, 30), (30, 37)]:
      parts.update(logits[start:stop], labels[start:stop],
                   np.arange(start, stop))
    self.assertAllClose(whole.result(), parts.result())
    indices, got_labels, got_logits, probs = parts.predictions()
    self.assertAllEqual(indices, np.arange(37))
    self.assertAllEqual(got_labels, labels)
    self.assertAllClose(got_logits, logits)
    self.assertAllClose(probs.sum(axis=1), np.ones(37))

  def test_loss_is_the_mean_cross_entropy(self):
    acc = metrics.TopKAccumulator(2)
    acc.update(np.array([[0., 0.]]), np.array([1]))
    self.assertAllClose(acc.result()['loss'], np.log(2.))


if __name__ == '__main__':
  tf.test.main()
