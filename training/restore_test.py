"""Tests for training.restore: fine-tuning restores that fail loudly."""
import os

import numpy as np
import tensorflow.compat.v1 as tf

from training import restore


def _save_checkpoint(directory, shapes):
  """Saves variables {name: shape} filled with their index; returns prefix."""
  with tf.Graph().as_default():
    for i, (name, shape) in enumerate(sorted(shapes.items())):
      tf.get_variable(name, initializer=np.full(shape, i + 1.0, np.float32))
    saver = tf.train.Saver()
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      return saver.save(sess, os.path.join(directory, 'model.ckpt'),
                        global_step=7)


class RestoreTest(tf.test.TestCase):

  def setUp(self):
    super(RestoreTest, self).setUp()
    self.dir = self.get_temp_dir()
    self.ckpt = _save_checkpoint(self.dir, {
        'net/conv1/weights': [3, 3, 1, 4], 'net/logits/weights': [4, 1001],
        'net/logits/biases': [1001]})

  def _graph_vars(self, num_classes=10, scope='net'):
    return [tf.get_variable(scope + '/conv1/weights', [3, 3, 1, 4]),
            tf.get_variable(scope + '/logits/weights', [4, num_classes]),
            tf.get_variable(scope + '/logits/biases', [num_classes])]

  def test_resolves_directories_and_files(self):
    self.assertEqual(restore.resolve_checkpoint(self.dir), self.ckpt)
    self.assertEqual(restore.resolve_checkpoint(self.ckpt + '.index'),
                     self.ckpt)
    with self.assertRaisesRegex(ValueError, 'Checkpoint not found: .*nope'):
      restore.resolve_checkpoint(os.path.join(self.dir, 'nope'))
    empty = os.path.join(self.dir, 'empty')
    os.makedirs(empty)
    with self.assertRaisesRegex(ValueError, 'No checkpoint in directory'):
      restore.resolve_checkpoint(empty)

  def test_head_mismatch_suggests_the_exclude_flag(self):
    with tf.Graph().as_default():
      variables = self._graph_vars(num_classes=10)
      with self.assertRaisesRegex(
          ValueError, r'net/logits/weights: model \[4, 10\] vs checkpoint '
          r'\[4, 1001\].*--checkpoint_exclude_scopes=net/logits'):
        restore.plan_restore(self.ckpt, variables)

  def test_off_by_one_head_mentions_labels_offset(self):
    with tf.Graph().as_default():
      variables = self._graph_vars(num_classes=1000)
      with self.assertRaisesRegex(ValueError, '--labels_offset'):
        restore.plan_restore(self.ckpt, variables)

  def test_exclusion_restores_the_rest_with_the_values(self):
    with tf.Graph().as_default():
      variables = self._graph_vars(num_classes=10)
      plan = restore.plan_restore(self.ckpt, variables,
                                  exclude_scopes='net/logits')
      self.assertEqual(sorted(plan.var_list), ['net/conv1/weights'])
      self.assertEqual(sorted(plan.excluded),
                       ['net/logits/biases', 'net/logits/weights'])
      saver = tf.train.Saver(plan.var_list)
      with self.session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.restore(sess, plan.checkpoint)
        # conv1 was saved third in sorted order: filled with 1.0.
        self.assertAllEqual(sess.run(variables[0]),
                            np.full([3, 3, 1, 4], 1.0))

  def test_scope_typo_fails_with_close_names(self):
    with tf.Graph().as_default():
      variables = self._graph_vars()
      with self.assertRaisesRegex(
          ValueError, "'net/logts' matches no variable.*Close scopes: "
          "net/logits"):
        restore.plan_restore(self.ckpt, variables, exclude_scopes='net/logts')
      with self.assertRaisesRegex(ValueError, 'trainable_scopes.*net/logits'):
        restore.variables_to_train('net/logts')

  def test_missing_variables_need_ignore_missing_vars(self):
    with tf.Graph().as_default():
      variables = self._graph_vars(num_classes=1001) + [
          tf.get_variable('net/extra/weights', [2])]
      with self.assertRaisesRegex(ValueError, 'ignore_missing_vars'):
        restore.plan_restore(self.ckpt, variables)
      plan = restore.plan_restore(self.ckpt, variables,
                                  ignore_missing_vars=True)
      self.assertEqual(plan.skipped, ['net/extra/weights'])
      self.assertLen(plan.var_list, 3)

  def test_ignore_missing_vars_still_fails_when_nothing_matches(self):
    with tf.Graph().as_default():
      variables = self._graph_vars(scope='other_net')
      with self.assertRaisesRegex(ValueError, 'Nothing would be restored'):
        restore.plan_restore(self.ckpt, variables, ignore_missing_vars=True)

  def test_trainable_scopes_select_variables(self):
    with tf.Graph().as_default():
      self._graph_vars()
      names = [v.op.name for v in restore.variables_to_train('net/logits')]
      self.assertEqual(names, ['net/logits/weights', 'net/logits/biases'])
      self.assertLen(restore.variables_to_train(None), 3)


if __name__ == '__main__':
  tf.test.main()
