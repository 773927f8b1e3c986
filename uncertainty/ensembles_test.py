"""Tests for uncertainty.ensembles."""
import math
import warnings

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import ensembles
from uncertainty import metrics


class CombineMembersTest(tf.test.TestCase):

  def test_identical_members_equal_one_member_and_warn(self):
    rng = np.random.RandomState(0)
    member = 3.0 * rng.randn(50, 7)
    labels = rng.randint(7, size=50)
    for average in ensembles.AVERAGING:
      # Not assertWarns: it touches every module in sys.modules, which makes
      # TensorFlow's lazy loaders import tf.contrib (seconds).
      with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        prediction = ensembles.combine_members(np.stack([member] * 3),
                                               average=average)
      self.assertLen(caught, 1)
      self.assertIs(caught[0].category, ensembles.IdenticalMembersWarning)
      self.assertIn('0 and 1, 0 and 2, 1 and 2', str(caught[0].message))
      self.assertAllClose(prediction.probs, metrics.softmax(member))
      self.assertEqual(prediction.average, average)
      self.assertEqual(prediction.num_members, 3)
    with warnings.catch_warnings():
      warnings.simplefilter('ignore', ensembles.IdenticalMembersWarning)
      report = ensembles.ensemble_metrics(np.stack([member] * 3), labels)
    single = metrics.negative_log_likelihood_from_logits(member, labels)
    self.assertAllClose(report['nll'], single)
    self.assertAllClose(report['gibbs_nll'], single)
    self.assertAllClose(report['nll_member_2'], single)
    self.assertAllClose(report['mutual_information'], 0.0, atol=1e-12)

  def test_distinct_members_do_not_warn(self):
    rng = np.random.RandomState(1)
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter('always')
      ensembles.combine_members(rng.randn(3, 10, 4))
    self.assertEmpty(caught)
    self.assertEqual(ensembles.find_identical_members(rng.randn(3, 10, 4)),
                     [])

  def test_probability_vs_logit_averaging_by_hand(self):
    # Member softmaxes [.5, .5] and [.75, .25].
    members = np.array([[[0.0, 0.0]], [[math.log(3.0), 0.0]]])
    by_probs = ensembles.combine_members(members)
    self.assertEqual(by_probs.average, 'probs')
    self.assertAllClose(by_probs.probs, [[0.625, 0.375]])
    self.assertAllClose(by_probs.log_probs, np.log([[0.625, 0.375]]))
    by_logits = ensembles.combine_members(members, average='logits')
    root3 = math.sqrt(3.0)
    self.assertAllClose(by_logits.probs,
                        [[root3 / (root3 + 1), 1 / (root3 + 1)]])

  def test_report_uses_mixture_nll_and_records_choice(self):
    rng = np.random.RandomState(2)
    members = 2.0 * rng.randn(4, 30, 5)
    labels = rng.randint(5, size=30)
    report = ensembles.ensemble_metrics(members, labels)
    log_probs = metrics.log_softmax(members)
    self.assertAllClose(
        report['nll'],
        metrics.mixture_negative_log_likelihood(log_probs, labels))
    self.assertAllClose(
        report['gibbs_nll'],
        np.mean([report['nll_member_%d' % m] for m in range(4)]))
    self.assertGreaterEqual(report['gibbs_nll'], report['nll'])
    self.assertGreater(report['mutual_information'], 0.0)
    self.assertEqual(report['ensemble_average'], 'probs')
    self.assertEqual(report['num_members'], 4)
    by_logits = ensembles.ensemble_metrics(members, labels, average='logits')
    self.assertEqual(by_logits['ensemble_average'], 'logits')
    self.assertAllClose(
        by_logits['nll'],
        metrics.negative_log_likelihood_from_logits(members.mean(0), labels))

  def test_bad_inputs(self):
    with self.assertRaisesRegex(ValueError, "probs, logits"):
      ensembles.combine_members(np.zeros((2, 3, 4)), average='votes')
    with self.assertRaisesRegex(ValueError, r'\[M, N, K\]'):
      ensembles.combine_members(np.zeros((3, 4)))


if __name__ == '__main__':
  tf.test.main()
