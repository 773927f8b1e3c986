"""Restoring pretrained weights for fine-tuning, loudly.

Before anything is restored, the graph's variables (after exclusions) are
compared with the checkpoint's: missing, unexpected and shape-mismatched
variables are reported by name and shape, and a restore that would restore
nothing fails instead of silently training from scratch.

Typical use:

  plan = restore.plan_restore('/ckpt/resnet_v1_50.ckpt',
                              tf.global_variables(),
                              exclude_scopes='resnet_v1_50/logits')
  saver = tf.train.Saver(plan.var_list)
"""
import collections
import difflib
import os

from absl import logging
import tensorflow.compat.v1 as tf

RestorePlan = collections.namedtuple('RestorePlan', [
    'checkpoint',  # The checkpoint file prefix.
    'var_list',    # {name in checkpoint: variable} to restore.
    'skipped',     # Names of graph variables not restored (missing).
    'excluded',    # Names of graph variables excluded by scope.
])


def split_scopes(scopes):
  """'a, b,' -> ['a', 'b']."""
  if not scopes:
    return []
  return [s.strip() for s in scopes.split(',') if s.strip()]


def resolve_checkpoint(path):
  """Returns the checkpoint prefix for a file or a directory.

  Args:
    path: a checkpoint prefix (model.ckpt-100), one of its files
      (model.ckpt-100.index) or a directory holding checkpoints.

  Returns:
    The checkpoint prefix.

  Raises:
    ValueError: nothing usable at `path`; the message names what was looked for.
  """
  if tf.gfile.IsDirectory(path):
    latest = tf.train.latest_checkpoint(path)
    if latest:
      return latest
    indexes = sorted(tf.gfile.Glob(os.path.join(path, '*.index')))
    if indexes:
      return indexes[-1][:-len('.index')]
    raise ValueError('No checkpoint in directory %s (looked for a `checkpoint` '
                     'file and *.index files). Pass a checkpoint file or a '
                     'train_dir that holds one.' % path)
  for suffix in ('.index', '.meta'):
    if path.endswith(suffix):
      path = path[:-len(suffix)]
  if '.data-' in path:
    path = path[:path.index('.data-')]
  if tf.gfile.Exists(path + '.index') or tf.gfile.Exists(path):
    return path
  raise ValueError('Checkpoint not found: %s (looked for %s.index or the '
                   'file itself). Check --checkpoint_path.' % (path, path))


def matches_scope(name, scope):
  """True when variable `name` starts with `scope`, as in TF-Slim."""
  return name.startswith(scope)


def check_scopes_match(scopes, variable_names, flag_name):
  """Fails for every scope that matches no variable, listing close names.

  Args:
    scopes: list of scope prefixes given by the user.
    variable_names: names of the graph's variables.
    flag_name: the flag the scopes came from, for the message.

  Raises:
    ValueError: a scope matches nothing.
  """
  prefixes = sorted({n.rsplit('/', 1)[0] for n in variable_names})
  for scope in scopes:
    if not any(matches_scope(n, scope) for n in variable_names):
      close = difflib.get_close_matches(scope, prefixes, n=5, cutoff=0.5)
      raise ValueError('--%s: %r matches no variable of the model.%s' % (
          flag_name, scope,
          ' Close scopes: %s.' % ', '.join(close) if close else
          ' Scopes of the model start with: %s.' % ', '.join(
              sorted({p.split('/')[0] for p in prefixes}))))


def _strip_partition(name):
  return name.split(':')[0]


def plan_restore(checkpoint_path, variables, exclude_scopes=None,
                 ignore_missing_vars=False, name_map=None):
  """Decides which variables to restore, or explains why it cannot.

  Args:
    checkpoint_path: a checkpoint file prefix or a directory.
    variables: the graph variables that could be restored.
    exclude_scopes: comma-separated scope prefixes not to restore.
    ignore_missing_vars: skip variables absent from the checkpoint (logged)
      instead of failing.
    name_map: optional fn(variable) -> name in the checkpoint (for example to
      read exponential-moving-average shadow variables).

  Returns:
    A RestorePlan.

  Raises:
    ValueError: a scope matches nothing; shapes differ; variables are missing
      without ignore_missing_vars; nothing at all would be restored.
  """
  checkpoint = resolve_checkpoint(checkpoint_path)
  reader = tf.train.load_checkpoint(checkpoint)
  ckpt_shapes = reader.get_variable_to_shape_map()
  scopes = split_scopes(exclude_scopes)
  names = [_strip_partition(v.op.name) for v in variables]
  check_scopes_match(scopes, names, 'checkpoint_exclude_scopes')

  var_list, skipped, excluded, mismatched = {}, [], [], []
  for var, name in zip(variables, names):
    if any(matches_scope(name, s) for s in scopes):
      excluded.append(name)
      continue
    ckpt_name = name_map(var) if name_map else name
    if ckpt_name not in ckpt_shapes:
      skipped.append(name)
      continue
    graph_shape = var.get_shape().as_list()
    if list(ckpt_shapes[ckpt_name]) != graph_shape:
      mismatched.append((name, graph_shape, ckpt_shapes[ckpt_name]))
      continue
    var_list[ckpt_name] = var

  if mismatched:
    raise ValueError(_mismatch_message(checkpoint, mismatched))
  if skipped and not ignore_missing_vars:
    raise ValueError(
        '%d variables of the model are not in checkpoint %s, e.g. %s. Check '
        'that --model_name matches the checkpoint, exclude them with '
        '--checkpoint_exclude_scopes, or pass --ignore_missing_vars to leave '
        'them initialised from scratch.' % (
            len(skipped), checkpoint, ', '.join(skipped[:5])))
  model_weights = [n for n in var_list if 'global_step' not in n]
  if not model_weights:
    raise ValueError(
        'Nothing would be restored from %s: none of the %d model variables '
        '(after exclusions) has a name in the checkpoint (checkpoint names '
        'start with e.g. %s). Check --model_name and the checkpoint.' % (
            checkpoint, len(variables) - len(excluded),
            ', '.join(sorted(ckpt_shapes)[:3])))
  unexpected = set(ckpt_shapes) - set(
      name_map(v) if name_map else n for v, n in zip(variables, names))
  logging.info('Restoring %d variables from %s; %d excluded by scope, %d '
               'missing from the checkpoint (initialised from scratch), %d '
               'checkpoint entries unused.', len(var_list), checkpoint,
               len(excluded), len(skipped), len(unexpected))
  for name in skipped:
    logging.warning('Not in checkpoint, initialised from scratch: %s', name)
  return RestorePlan(checkpoint, var_list, skipped, excluded)


def _mismatch_message(checkpoint, mismatched):
  """Lists shape mismatches and suggests the flags that fix them."""
  lines = ['%s: model %s vs checkpoint %s' % (n, g, c)
           for n, g, c in mismatched]
  scopes = sorted({n.rsplit('/', 1)[0] for n, _, _ in mismatched})
  hint = ('When fine-tuning, exclude them with --checkpoint_exclude_scopes=%s '
          '(e.g. a new classifier head); when evaluating, check --model_name '
          'and the number of classes.' % ','.join(scopes))
  widths = [(g[-1], c[-1]) for _, g, c in mismatched if g and c]
  if any(abs(gw - cw) == 1 for gw, cw in widths):
    hint += (' The class counts differ by one: the checkpoint may include a '
             'background class (1001 vs 1000); check --labels_offset.')
  return ('Shapes differ between the model and checkpoint %s: %s. %s' %
          (checkpoint, '; '.join(lines), hint))


def variables_to_train(trainable_scopes):
  """The trainable variables under `trainable_scopes` (all when empty).

  Args:
    trainable_scopes: comma-separated scope prefixes, or None.

  Returns:
    A list of variables.

  Raises:
    ValueError: a scope matches no trainable variable.
  """
  trainable = tf.trainable_variables()
  scopes = split_scopes(trainable_scopes)
  if not scopes:
    return trainable
  names = [v.op.name for v in trainable]
  check_scopes_match(scopes, names, 'trainable_scopes')
  return [v for v, n in zip(trainable, names)
          if any(matches_scope(n, s) for s in scopes)]
