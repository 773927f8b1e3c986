"""Tests for uncertainty.cache."""
import os

import numpy as np
import tensorflow.compat.v1 as tf

from uncertainty import cache


class CacheTest(tf.test.TestCase):

  def test_computes_once_then_reads(self):
    cache_dir = self.get_temp_dir()
    calls = []

    def compute():
      calls.append(1)
      return {'logits': np.arange(6.0).reshape(2, 3)}

    key = {'checkpoint': 'a', 'split': 'test'}
    first = cache.load_or_compute(cache_dir, 'logits', key, compute)
    second = cache.load_or_compute(cache_dir, 'logits', key, compute)
    self.assertLen(calls, 1)
    self.assertAllEqual(first['logits'], second['logits'])
    self.assertEqual(sorted(second), ['logits'])
    cache.load_or_compute(cache_dir, 'logits', dict(key, split='val'),
                          compute)
    self.assertLen(calls, 2)

  def test_a_file_holding_another_key_is_recomputed(self):
    cache_dir = self.get_temp_dir()
    key = {'k': 1}
    path = cache.cache_path(cache_dir, 'x', key)
    cache.save(path, {'k': 2}, {'a': np.zeros(1)})
    self.assertIsNone(cache.load(path, key))
    out = cache.load_or_compute(cache_dir, 'x', key,
                                lambda: {'a': np.ones(1)})
    self.assertAllEqual(out['a'], [1.0])
    self.assertAllEqual(cache.load(path, key)['a'], [1.0])

  def test_disabled_cache_always_computes(self):
    out = cache.load_or_compute(None, 'x', {}, lambda: {'a': np.ones(2)})
    self.assertAllEqual(out['a'], [1.0, 1.0])

  def test_parts_compute_only_what_is_missing(self):
    cache_dir = self.get_temp_dir()
    asked = []

    def compute(missing):
      asked.append(sorted(missing))
      return {part: {part: np.full(2, len(part))} for part in missing}

    cache.load_or_compute_parts(cache_dir, 'fw', {'logits': {'p': 1}},
                                compute)
    parts = cache.load_or_compute_parts(
        cache_dir, 'fw', {'logits': {'p': 1}, 'features/f': {'p': 2}},
        compute)
    self.assertEqual(asked, [['logits'], ['features/f']])
    self.assertAllEqual(parts['features/f']['features/f'], [10, 10])
    self.assertAllEqual(parts['logits']['logits'], [6, 6])

  def test_checkpoint_fingerprint_changes_when_rewritten(self):
    prefix = os.path.join(self.get_temp_dir(), 'model.ckpt-1')
    with open(prefix + '.index', 'w') as f:
      f.write('a')
    before = cache.checkpoint_fingerprint(prefix)
    with open(prefix + '.index', 'w') as f:
      f.write('bb')
    self.assertNotEqual(before, cache.checkpoint_fingerprint(prefix))


if __name__ == '__main__':
  tf.test.main()
