"""Tests of inception_v4 (no tf_slim oracle: checked against published
numbers and the official checkpoint's variable names)."""
import numpy as np
import tensorflow.compat.v1 as tf

from nets import inception_utils_test as helpers
from nets import inception_v4


def _end_points():
  # Paper figure 9 (299x299x3 input: stem 35x35x384, Reduction-A 17x17x1024,
  # Reduction-B 8x8x1536, average pooling to 1536) and slim's
  # inception_v4_test.
  shapes = {
      'Conv2d_1a_3x3': [149, 149, 32], 'Conv2d_2a_3x3': [147, 147, 32],
      'Conv2d_2b_3x3': [147, 147, 64], 'Mixed_3a': [73, 73, 160],
      'Mixed_4a': [71, 71, 192], 'Mixed_5a': [35, 35, 384],
      'AuxLogits': [1001], 'global_pool': [1, 1, 1536],
      'PreLogits': [1, 1, 1536], 'PreLogitsFlatten': [1536],
      'Logits': [1001], 'Predictions': [1001]}
  for prefix, letters, shape in (('Mixed_5', 'bcde', [35, 35, 384]),
                                 ('Mixed_6', 'abcdefgh', [17, 17, 1024]),
                                 ('Mixed_7', 'abcd', [8, 8, 1536])):
    shapes.update({prefix + letter: shape for letter in letters})
  return shapes


class InceptionV4Test(helpers.GraphOnlyChecks, tf.test.TestCase):

  NETWORK_FN = staticmethod(inception_v4.inception_v4)
  ARG_SCOPE_FN = staticmethod(inception_v4.inception_v4_arg_scope)
  ROOT_SCOPE = 'InceptionV4'
  END_POINTS = _end_points()

  def test_variable_counts(self):
    # From the paper's figures 3-8: 149 conv layers (stem 11, 4 x A 7,
    # Reduction-A 4, 7 x B 10, Reduction-B 6, 3 x C 10), each with weights,
    # beta, moving mean and variance (no gamma); the logits add weights and
    # biases; the auxiliary head 2 convs + 1 fully connected layer.
    convs = 11 + 4 * 7 + 4 + 7 * 10 + 6 + 3 * 10
    self.assertEqual(convs, 149)
    aux = [n for n in self.shapes if n.startswith('InceptionV4/AuxLogits/')]
    self.assertLen(aux, 2 * 4 + 2)
    self.assertLen(self.shapes, convs * 4 + 2 + len(aux))  # 608.

  def test_checkpoint_variable_names(self):
    # Names and shapes of the official inception_v4_2016_09_09 checkpoint,
    # as written by slim's nets/inception_v4.py.
    expected = {
        'InceptionV4/Conv2d_1a_3x3/weights': [3, 3, 3, 32],
        'InceptionV4/Conv2d_1a_3x3/BatchNorm/beta': [32],
        'InceptionV4/Conv2d_1a_3x3/BatchNorm/moving_mean': [32],
        'InceptionV4/Mixed_3a/Branch_1/Conv2d_0a_3x3/weights': [3, 3, 64, 96],
        'InceptionV4/Mixed_4a/Branch_1/Conv2d_0b_1x7/weights': [1, 7, 64, 64],
        'InceptionV4/Mixed_5e/Branch_3/Conv2d_0b_1x1/weights':
            [1, 1, 384, 96],
        'InceptionV4/Mixed_6a/Branch_1/Conv2d_1a_3x3/weights':
            [3, 3, 224, 256],
        'InceptionV4/Mixed_6h/Branch_2/Conv2d_0e_1x7/weights':
            [1, 7, 224, 256],
        'InceptionV4/Mixed_7a/Branch_1/Conv2d_0c_7x1/weights':
            [7, 1, 256, 320],
        'InceptionV4/Mixed_7d/Branch_2/Conv2d_0e_3x1/weights':
            [3, 1, 512, 256],
        'InceptionV4/Mixed_7d/Branch_3/Conv2d_0b_1x1/weights':
            [1, 1, 1536, 256],
        'InceptionV4/AuxLogits/Conv2d_1b_1x1/weights': [1, 1, 1024, 128],
        'InceptionV4/AuxLogits/Conv2d_2a/weights': [5, 5, 128, 768],
        'InceptionV4/AuxLogits/Aux_logits/weights': [768, 1001],
        'InceptionV4/AuxLogits/Aux_logits/biases': [1001],
        'InceptionV4/Logits/Logits/weights': [1536, 1001],
        'InceptionV4/Logits/Logits/biases': [1001],
    }
    for name, shape in expected.items():
      self.assertEqual(self.shapes.get(name), shape, name)

  def test_parameter_count(self):
    # Published: Inception-v4 has about 42.7M parameters (classifier
    # without the auxiliary head). Pinned: the exact counts this
    # implementation gives with 1001 classes (46,009,106 with the auxiliary
    # head, 42,649,769 without), consistent with that figure.
    self.assert_parameter_counts(46009106, 42649769, 42.7)
    # With 1000 classes and a batch-norm gamma per channel (ports with affine
    # batch norm, e.g. timm's inception_v4: 42.68M) the count is 42,679,816.
    with self.graph.as_default():
      bn_channels = sum(
          int(np.prod(v.shape.as_list())) for v in tf.global_variables()
          if v.op.name.endswith('moving_mean') and
          'AuxLogits' not in v.op.name)
    self.assertEqual(42649769 - (1536 + 1) + bn_channels, 42679816)


if __name__ == '__main__':
  tf.test.main()
