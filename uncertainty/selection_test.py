"""Tests for uncertainty.selection."""
import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import selection


class SelectTest(tf.test.TestCase):

  def setUp(self):
    super(SelectTest, self).setUp()
    self.candidates = [{'epsilon': 0.0}, {'epsilon': 1.0}, {'epsilon': 2.0}]

  def test_id_only_maximises_the_mean_id_score(self):
    id_scores = [np.array([0.1, 0.3]), np.array([0.5, 0.5]),
                 np.array([0.2, 0.4])]
    index, record = selection.select(self.candidates, id_scores)
    self.assertEqual(index, 1)
    self.assertEqual(record['mode'], 'id_only')
    self.assertEqual(record['selected'], {'epsilon': 1.0})
    self.assertAllClose([r['mean_id_score'] for r in record['candidates']],
                        [0.2, 0.5, 0.3])

  def test_ood_val_minimises_fpr_then_maximises_auroc(self):
    id_scores = [np.arange(20.0)] * 3
    ood_scores = [np.arange(20.0) - 1.0,       # overlapping: high FPR.
                  np.array([-1.0] * 19 + [5.0]),  # FPR95 0.05, AUROC lower.
                  np.array([-1.0] * 19 + [1.5])]  # FPR95 0.05, AUROC higher.
    index, record = selection.select(self.candidates, id_scores, ood_scores,
                                     mode='ood_val')
    self.assertEqual(index, 2)
    rows = record['candidates']
    self.assertEqual(rows[1]['fpr_at_95_tpr'], rows[2]['fpr_at_95_tpr'])
    self.assertLess(rows[1]['auroc'], rows[2]['auroc'])

  def test_ood_val_needs_ood_scores_and_modes_are_checked(self):
    with self.assertRaisesRegex(ValueError, 'ood_val_dataset_name'):
      selection.select(self.candidates, [np.zeros(2)] * 3, mode='ood_val')
    with self.assertRaisesRegex(ValueError, 'id_only, ood_val'):
      selection.select(self.candidates, [np.zeros(2)] * 3, mode='test')
    with self.assertRaisesRegex(ValueError, 'per candidate'):
      selection.select(self.candidates, [np.zeros(2)])

  def test_flat_record(self):
    _, record = selection.select(self.candidates, [np.zeros(2)] * 3)
    flat = selection.flat_record(record, 'odin')
    self.assertEqual(flat['odin/selection_mode'], 'id_only')
    self.assertLen(flat['odin/selection_candidates'], 3)
    self.assertEqual(selection.fixed_record({'epsilon': 1.0})['mode'],
                     'fixed')


if __name__ == '__main__':
  tf.test.main()
