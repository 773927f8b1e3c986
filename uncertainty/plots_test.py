"""Tests for uncertainty.plots: files are written and empty bins not drawn."""
import json
import os

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import metrics
from uncertainty import plots

_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _assert_png(test, path):
  test.assertTrue(os.path.exists(path), path)
  test.assertGreater(os.path.getsize(path), 1000)
  with open(path, 'rb') as f:
    test.assertEqual(f.read(8), _PNG_SIGNATURE)


class PlotsTest(tf.test.TestCase):

  def test_reliability_diagram_png_and_bins_json(self):
    rng = np.random.RandomState(0)
    probs = metrics.softmax(3.0 * rng.randn(300, 5))
    labels = rng.randint(5, size=300)
    path = os.path.join(self.get_temp_dir(), 'out', 'reliability.png')
    ece, bins = plots.plot_reliability_diagram(path, probs, labels,
                                               title='toy')
    _assert_png(self, path)
    with open(plots.bins_json_path(path)) as f:
      record = json.load(f)
    self.assertAllClose(record['ece'], ece)
    self.assertEqual((record['num_bins'], record['binning']),
                     (15, 'equal_width'))
    self.assertEqual(record['bins'], bins.to_records())

  def test_empty_bins_are_not_drawn(self):
    # Confidences .5/.55, .7 and .9: 3 of 5 bins are non-empty.
    probs = np.array([[0.5, 0.5], [0.55, 0.45], [0.7, 0.3], [0.9, 0.1]])
    ece, bins = metrics.expected_calibration_error(probs, [1, 0, 0, 0],
                                                   num_bins=5)
    self.assertEqual(int(np.sum(bins.count > 0)), 3)
    fig = plots.reliability_figure(bins, ece)
    # pylint: disable=unsubscriptable-object  # matplotlib's Figure.axes
    # One accuracy bar and one gap bar per non-empty bin.
    self.assertLen(fig.axes[0].patches, 6)
    self.assertIn('ECE = %.4f' % ece, fig.axes[0].get_title())
    path = plots.plot_reliability_bins(
        os.path.join(self.get_temp_dir(), 'bins.png'), bins, ece)
    _assert_png(self, path)

  def test_score_histogram_png(self):
    rng = np.random.RandomState(1)
    path = os.path.join(self.get_temp_dir(), 'hist.png')
    report = plots.plot_score_histogram(path, rng.randn(200) + 2.0,
                                        rng.randn(100), score_name='MSP')
    _assert_png(self, path)
    self.assertGreater(report['auroc'], 0.8)


if __name__ == '__main__':
  tf.test.main()
