"""Tests of vgg against TF-Slim's implementation (the oracle).

The checks are alexnet_test.PlainNetChecks. Logits are compared for vgg_16;
vgg_a and vgg_19 compare names, shapes and end points (their forward pass
adds seconds and no code path). The oracle lacks `global_pool`,
`fc_conv_padding` and `num_classes=0`; the builder is shared, so those are
checked on alexnet_v2 (alexnet_test), the cheapest network of the builder.
"""
import tensorflow.compat.v1 as tf
from tf_slim.nets import vgg as oracle_vgg

from nets import alexnet_test
from nets import vgg


class _VggChecks(alexnet_test.PlainNetChecks):
  OURS_ARG_SCOPE = vgg.vgg_arg_scope
  ORACLE_ARG_SCOPE = oracle_vgg.vgg_arg_scope


class VggATest(_VggChecks, tf.test.TestCase):
  OURS = vgg.vgg_a
  ORACLE = oracle_vgg.vgg_a
  FORWARD = False


class Vgg16Test(_VggChecks, tf.test.TestCase):
  OURS = vgg.vgg_16
  ORACLE = oracle_vgg.vgg_16

  def test_checkpoint_names(self):
    shapes = alexnet_test.variable_shapes(self.ours)
    self.assertEqual([3, 3, 3, 64], shapes['vgg_16/conv1/conv1_1/weights'])
    self.assertEqual([7, 7, 512, 4096], shapes['vgg_16/fc6/weights'])
    self.assertEqual([10], shapes['vgg_16/fc8/biases'])

  def test_aliases(self):
    self.assertIs(vgg.vgg_16, vgg.vgg_d)
    self.assertIs(vgg.vgg_19, vgg.vgg_e)


class Vgg19Test(_VggChecks, tf.test.TestCase):
  OURS = vgg.vgg_19
  ORACLE = oracle_vgg.vgg_19
  FORWARD = False


class VggSpecTest(tf.test.TestCase):

  def test_every_row_makes_a_trunk(self):
    for name, convs in vgg.CONVS_PER_STAGE.items():
      layers = vgg.vgg_layers(convs)
      self.assertEqual(10, len(layers), name)
      self.assertEqual(sum(convs), sum(layer.repeat for layer in layers
                                       if hasattr(layer, 'repeat')))
      self.assertEqual(name, getattr(vgg, name).__name__)
      self.assertEqual(224, getattr(vgg, name).default_image_size)


if __name__ == '__main__':
  tf.test.main()
