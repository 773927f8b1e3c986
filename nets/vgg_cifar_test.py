"""Tests of vgg_11 / vgg_13 and of the CIFAR VGGs with batch norm.

vgg.py's ImageNet networks are compared with the oracle in vgg_test; here:
vgg_11 is vgg_a's spec under its own scope, VGG-11/13 have the paper's 133M
parameters (Simonyan & Zisserman 2014, Table 2), and the CIFAR variants are
32x32 networks with batch norm and a small classifier (graph-only builds).
"""
import numpy as np
import tensorflow.compat.v1 as tf

from nets import nets_factory
from nets import resnet_utils_test
from nets import vgg

variable_shapes = resnet_utils_test.variable_shapes


def build(name, size, arg_scope_fn, **kwargs):
  kwargs.setdefault('num_classes', 1000)
  kwargs.setdefault('is_training', False)
  return resnet_utils_test.build(getattr(vgg, name), arg_scope_fn,
                                 [1, size, size, 3], **kwargs)


def params(built):
  with built.graph.as_default():
    return sum(int(np.prod(v.shape.as_list()))
               for v in tf.trainable_variables())


class VggDepthsTest(tf.test.TestCase):

  def test_vgg_11_is_vgg_a_under_its_own_scope(self):
    self.assertEqual(vgg.CONVS_PER_STAGE['vgg_a'],
                     vgg.CONVS_PER_STAGE['vgg_11'])
    vgg_a = variable_shapes(build('vgg_a', 224, vgg.vgg_arg_scope))
    vgg_11 = variable_shapes(build('vgg_11', 224, vgg.vgg_arg_scope))
    self.assertEqual({name.replace('vgg_a/', 'vgg_11/', 1): shape
                      for name, shape in vgg_a.items()}, vgg_11)

  def test_vgg_13_has_the_papers_133m_parameters(self):
    built = build('vgg_13', 224, vgg.vgg_arg_scope)
    self.assertEqual(133, round(params(built) / 1e6))
    self.assertEqual([3, 3, 64, 64],
                     variable_shapes(built)['vgg_13/conv1/conv1_2/weights'])


class CifarVggTest(tf.test.TestCase):

  def test_batch_norm_small_classifier_and_end_points(self):
    built = build('cifar_vgg_11', 32, vgg.vgg_bn_arg_scope, num_classes=10,
                  is_training=True)
    shapes = variable_shapes(built)
    self.assertEqual([3, 3, 3, 64],
                     shapes['cifar_vgg_11/conv1/conv1_1/weights'])
    self.assertIn('cifar_vgg_11/conv1/conv1_1/BatchNorm/gamma', shapes)
    self.assertNotIn('cifar_vgg_11/conv1/conv1_1/biases', shapes)
    self.assertEqual([1, 1, 512, 512], shapes['cifar_vgg_11/fc6/weights'])
    self.assertEqual([1, 1, 512, 10], shapes['cifar_vgg_11/fc8/weights'])
    self.assertEqual([10], shapes['cifar_vgg_11/fc8/biases'])
    # 8 convolutions + fc6 + fc7, two moving statistics each.
    self.assertLen(built.graph.get_collection(tf.GraphKeys.UPDATE_OPS), 20)
    self.assertEqual([1, 10], built.end_points['Logits'].shape.as_list())
    self.assertEqual([1, 1, 1, 512],
                     built.end_points['PreLogits'].shape.as_list())

  def test_eval_mode_has_no_updates(self):
    built = build('cifar_vgg_11', 32, vgg.vgg_bn_arg_scope, num_classes=10)
    self.assertFalse(built.graph.get_collection(tf.GraphKeys.UPDATE_OPS))

  def test_depths_count_the_weighted_layers(self):
    # Every depth is built by nets_factory_test (slow variants).
    for depth in vgg.CIFAR_DEPTHS:
      self.assertEqual(depth - 3, sum(vgg.CONVS_PER_STAGE['vgg_%d' % depth]))
      self.assertEqual('cifar_vgg_%d' % depth,
                       getattr(vgg, 'cifar_vgg_%d' % depth).__name__)

  def test_registry_entries(self):
    for depth in vgg.CIFAR_DEPTHS:
      spec = nets_factory.get_model_spec('cifar_vgg_%d' % depth)
      self.assertEqual((32, 'cifarnet', None, vgg.vgg_bn_arg_scope),
                       (spec.default_image_size, spec.preprocessing_name,
                        spec.checkpoint_classes, spec.arg_scope_fn))
    for name in ('vgg_11', 'vgg_13'):
      spec = nets_factory.get_model_spec(name)
      self.assertEqual((name, 224, 'vgg', None),
                       (spec.builder.__name__, spec.default_image_size,
                        spec.preprocessing_name, spec.checkpoint_classes))


if __name__ == '__main__':
  tf.test.main()
