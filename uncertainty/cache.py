"""A small .npz cache of forward passes, keyed by what produced them.

Forward passes are the expensive part of every uncertainty method, and most
methods need the same ones (the logits of the test split feed MSP,
temperature scaling, energy and the ensemble). Each pass is written once to
`<cache_dir>/<kind>-<hash>.npz`, where the hash covers a JSON-able key that
names everything the arrays depend on: checkpoint (path, size and
modification time of its index file), model and preprocessing, dataset
files, and the pass's own parameters (samples, seed, temperature, epsilon).
The key is stored inside the file and compared on load, so a changed key
never reads stale arrays, and a retrained checkpoint (new mtime) is
recomputed. STYLE 4 asks for exactly this: per-member logits cached per
dataset and checkpoint, scored later without the graph.

Typical use:

  key = {'checkpoint': cache.checkpoint_fingerprint(ckpt), 'split': 'test'}
  arrays = cache.load_or_compute('/tmp/eval/cache', 'logits', key,
                                 lambda: {'logits': run_the_graph()})
"""
import hashlib
import io
import json
import os

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode

_KEY_FIELD = '__cache_key__'


def _canonical(key):
  return json.dumps(key, sort_keys=True, default=str)


def cache_path(cache_dir, kind, key):
  """The file of (kind, key): `<cache_dir>/<kind>-<sha1(key)[:16]>.npz`."""
  digest = hashlib.sha1(_canonical(key).encode('utf-8')).hexdigest()[:16]
  return os.path.join(cache_dir, '%s-%s.npz' % (kind, digest))


def file_fingerprint(path):
  """{'path', 'bytes', 'mtime'} of a file (changes when it is rewritten)."""
  stat = tf.io.gfile.stat(path)
  return {'path': os.path.abspath(path), 'bytes': int(stat.length),
          'mtime': int(stat.mtime_nsec)}


def checkpoint_fingerprint(checkpoint):
  """Fingerprint of a checkpoint prefix (its .index file)."""
  index = checkpoint + '.index'
  if not tf.io.gfile.exists(index):
    return {'path': os.path.abspath(checkpoint)}
  return file_fingerprint(index)


def load(path, key):
  """Returns the arrays in `path` if it exists and holds `key`, else None."""
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path, 'rb') as f:
    data = np.load(io.BytesIO(f.read()), allow_pickle=False)
    arrays = {name: data[name] for name in data.files}
  stored = arrays.pop(_KEY_FIELD, None)
  if stored is None or str(stored) != _canonical(key):
    logging.warning('Cache file %s holds another key; recomputing it.', path)
    return None
  return arrays


def save(path, key, arrays):
  """Writes `arrays` (a dict of numpy arrays) and `key` to `path`."""
  if _KEY_FIELD in arrays:
    raise ValueError('%r is reserved in cached arrays.' % _KEY_FIELD)
  tf.io.gfile.makedirs(os.path.dirname(path) or '.')
  buffer = io.BytesIO()  # np.savez seeks, which GFile cannot do.
  np.savez(buffer, **dict(arrays, **{_KEY_FIELD: np.array(_canonical(key))}))
  tmp_path = path + '.tmp'
  with tf.io.gfile.GFile(tmp_path, 'wb') as f:
    f.write(buffer.getvalue())
  tf.io.gfile.rename(tmp_path, path, overwrite=True)


def load_or_compute(cache_dir, kind, key, compute_fn):
  """Returns cached arrays for (kind, key), computing and saving on a miss.

  Args:
    cache_dir: the cache directory; None disables caching.
    kind: a short name used in the file name, e.g. 'logits' or 'mc_dropout'.
    key: a JSON-able dict naming everything the arrays depend on.
    compute_fn: fn() -> dict of numpy arrays.

  Returns:
    The dict of numpy arrays.
  """
  if cache_dir is None:
    return compute_fn()
  path = cache_path(cache_dir, kind, key)
  arrays = load(path, key)
  if arrays is not None:
    logging.info('Reusing cached %s: %s', kind, path)
    return arrays
  arrays = compute_fn()
  save(path, key, arrays)
  logging.info('Cached %s: %s', kind, path)
  return arrays


def load_or_compute_parts(cache_dir, kind, keys, compute_fn):
  """Like `load_or_compute` for results cached in separate parts.

  One forward pass can produce several results (logits and the features of
  a few end points) that other runs need in other combinations. Each part
  is cached under its own key; only missing parts are computed, by one call.

  Args:
    cache_dir: the cache directory; None disables caching.
    kind: the file name prefix of every part.
    keys: {part name: JSON-able key}.
    compute_fn: fn(list of missing part names) -> {part name: dict of numpy
      arrays} holding at least the missing parts.

  Returns:
    {part name: dict of numpy arrays} for every part of `keys`.
  """
  found = {}
  if cache_dir is not None:
    for part, key in keys.items():
      arrays = load(cache_path(cache_dir, kind, key), key)
      if arrays is not None:
        found[part] = arrays
  missing = [part for part in keys if part not in found]
  if missing:
    computed = compute_fn(missing)
    for part in missing:
      found[part] = computed[part]
      if cache_dir is not None:
        path = cache_path(cache_dir, kind, keys[part])
        save(path, keys[part], computed[part])
        logging.info('Cached %s %s: %s', kind, part, path)
  if cache_dir is not None and len(missing) < len(keys):
    logging.info('Reused cached %s: %s.', kind, ', '.join(
        part for part in keys if part not in missing))
  return found
