"""Tests of nets.model_config: configs build the registered networks, new
variants need no code, and every invalid config names its field."""
import contextlib
import inspect
import io
import json
import os
import tempfile
from unittest import mock

import tensorflow.compat.v1 as tf

from nets import alexnet
from nets import model_config
from nets import nets_factory
from nets import resnet_utils
from nets import resnet_utils_test
from preprocessing import preprocessing_factory

variable_shapes = resnet_utils_test.variable_shapes


def build_spec(spec, size, **kwargs):
  kwargs.setdefault('num_classes', 10)
  kwargs.setdefault('is_training', False)
  return resnet_utils_test.build(spec.builder, spec.arg_scope_fn,
                                 [1, size, size, 3], **kwargs)


def body_arguments(network_fn):
  """{argument: value} network_fn passes to the shared body (not built)."""
  bodies = {'resnet': resnet_utils.resnet,
            'plain_convnet': alexnet.plain_convnet}
  captured = {}

  def capture(name):
    def body(*args, **kwargs):
      arguments = inspect.signature(bodies[name]).bind(*args, **kwargs)
      arguments.apply_defaults()
      captured.update(arguments.arguments, body=name)
      del captured['inputs']
      if captured['scope'] is not None:
        del captured['default_scope']  # Unused: the scope is given.
      return None, {}
    return body

  with mock.patch.object(resnet_utils, 'resnet', capture('resnet')), \
       mock.patch.object(alexnet, 'plain_convnet', capture('plain_convnet')):
    network_fn(tf.zeros([1]), 10, is_training=False)
  return captured


@contextlib.contextmanager
def registered(source):
  """Registers a config for the block, then removes it from the registry."""
  config = model_config.register(source)
  try:
    yield config
  finally:
    model_config._REGISTERED.pop(config.name, None)
    nets_factory._MODELS.pop(config.name, None)


class RegisteredModelsTest(tf.test.TestCase):
  """A registered model's config builds exactly the registered network."""

  def test_every_base_is_registered_with_its_size_and_preprocessing(self):
    for name in model_config.base_names():
      spec = nets_factory.get_model_spec(name)
      config = model_config.registered_config(name)
      self.assertEqual((spec.default_image_size, spec.preprocessing_name),
                       (config.image_size, config.preprocessing), name)

  def test_configs_pass_the_registered_arguments_to_the_body(self):
    # Every registered network is the shared body (resnet_utils.resnet or
    # alexnet.plain_convnet) called with the arguments of its table row; the
    # config of that model must call it with equal arguments (blocks, root,
    # shortcuts, layers, head, scope...). Nothing is built.
    for name in model_config.base_names():
      registered_spec = nets_factory.get_model_spec(name)
      config_spec = model_config.model_spec(
          model_config.registered_config(name))
      self.assertIs(registered_spec.arg_scope_fn, config_spec.arg_scope_fn)
      self.assertEqual(body_arguments(registered_spec.builder),
                       body_arguments(config_spec.builder), name)

  def test_configs_build_the_registered_variables(self):
    for name, size in (('plain_cifar_20', 32), ('cifar_vgg_11', 32)):
      registered_spec = nets_factory.get_model_spec(name)
      config_spec = model_config.model_spec(
          model_config.registered_config(name))
      self.assertEqual(variable_shapes(build_spec(registered_spec, size)),
                       variable_shapes(build_spec(config_spec, size)), name)

  def test_config_computes_the_registered_function(self):
    name = 'resnet_cifar_20'
    ours = build_spec(model_config.model_spec(
        model_config.registered_config(name)), 32, cheap=False)
    registered = build_spec(nets_factory.get_model_spec(name), 32,
                            cheap=False)
    weights = resnet_utils_test.random_weights(registered)
    images = resnet_utils_test.random_images([1, 32, 32, 3])
    self.assertAllClose(resnet_utils_test.run(registered, weights, images),
                        resnet_utils_test.run(ours, weights, images))

  def test_residual_false_on_a_base_is_its_plain_net(self):
    config = model_config.from_dict(
        {'name': 'plain_cifar_20', 'base': 'resnet_cifar_20',
         'residual': False})
    self.assertEqual(
        model_config.registered_config('plain_cifar_20'),
        config._replace(base=None))


class NewVariantTest(tf.test.TestCase):

  def test_a_config_from_scratch(self):
    config = model_config.from_dict({
        'name': 'plain_cifar_14', 'family': 'resnet', 'block': 'basic',
        'depths': [2, 2, 2], 'widths': [16, 32, 64], 'residual': False,
        'stem': 'cifar'})
    # The 'cifar' stem brings its defaults.
    self.assertEqual(
        (32, 'cifarnet', 16, 'zero_pad', 'first_unit', (1, 2, 2), 1.0),
        (config.image_size, config.preprocessing, config.stem_depth,
         config.shortcut, config.subsample, config.strides,
         config.dropout_keep_prob))
    self.assertIsNone(config.batch_norm)
    built = build_spec(model_config.model_spec(config), 32)
    convs = [n for n in variable_shapes(built) if n.endswith('/weights')]
    self.assertLen(convs, 14)  # 6n + 2 with n = 2 (logits included).
    self.assertEqual([1, 10], built.net.shape.as_list())

  def test_narrow_widths_are_kept(self):
    # TF-Slim's ResNets never go below 8 filters (min_base_depth); a config
    # means its widths.
    config = model_config.from_dict({
        'name': 'narrow', 'base': 'plain_cifar_20', 'depths': [1, 1, 1],
        'widths': [2, 4, 8], 'image_size': 8})
    shapes = variable_shapes(build_spec(model_config.model_spec(config), 8))
    self.assertEqual([3, 3, 3, 2], shapes['narrow/conv1/weights'])
    self.assertEqual([3, 3, 2, 2],
                     shapes['narrow/block1/unit_1/basic_v1/conv1/weights'])
    self.assertEqual([3, 3, 2, 4],
                     shapes['narrow/block2/unit_1/basic_v1/conv1/weights'])

  def test_vgg_config_with_dropout_and_a_small_head(self):
    config = model_config.from_dict({
        'name': 'tiny_vgg', 'family': 'vgg', 'depths': [1, 1],
        'widths': [4, 8], 'image_size': 8, 'preprocessing': 'cifarnet',
        'batch_norm': True, 'fc_depths': [6, 6], 'dropout_keep_prob': 0.8})
    built = build_spec(model_config.model_spec(config), 8, is_training=True)
    shapes = variable_shapes(built)
    self.assertEqual([2, 2, 8, 6], shapes['tiny_vgg/fc6/weights'])
    self.assertIn('tiny_vgg/conv2/conv2_1/BatchNorm/beta', shapes)
    rates = resnet_utils_test.dropout_rates(built.graph)
    self.assertAllClose([0.2, 0.2], rates)  # 1 - keep_prob, dropout6 and 7.

  def test_bottleneck_widths_and_zero_pad(self):
    config = model_config.from_dict({
        'name': 'tiny_bottleneck', 'family': 'resnet', 'block': 'bottleneck',
        'depths': [1, 1], 'widths': [4, 8], 'stem': 'cifar',
        'stem_depth': 8})
    built = build_spec(model_config.model_spec(config), 16)
    shapes = variable_shapes(built)
    self.assertEqual([1, 1, 8, 32], shapes[
        'tiny_bottleneck/block2/unit_1/bottleneck_v1/conv3/weights'])
    self.assertFalse([n for n in shapes if 'shortcut' in n])

  def test_round_trip_through_json(self):
    config = model_config.registered_config('resnet_v2_50')
    again = model_config.from_dict(json.loads(json.dumps(config.to_dict())))
    self.assertEqual(config, again)


class InvalidConfigTest(tf.test.TestCase):

  def assert_names_field(self, raw, field, *fragments):
    with self.assertRaises(ValueError) as context:
      model_config.from_dict(raw)
    message = str(context.exception)
    self.assertIn("model_config field '%s'" % field, message)
    for fragment in fragments:
      self.assertIn(fragment, message)

  def test_messages_name_the_field(self):
    ok = {'name': 'x', 'family': 'resnet', 'block': 'basic',
          'depths': [1, 1], 'widths': [4, 8]}
    self.assert_names_field(dict(ok, detphs=[1]), 'detphs',
                            "did you mean 'depths'", 'Known fields')
    self.assert_names_field({k: v for k, v in ok.items() if k != 'name'},
                            'name', 'missing')
    self.assert_names_field(dict(ok, depths=[1, 0]), 'depths',
                            'positive integers')
    self.assert_names_field(dict(ok, depths='1,1'), 'depths')
    self.assert_names_field(dict(ok, widths=[4]), 'widths', 'one per stage')
    self.assert_names_field(dict(ok, strides=[1]), 'strides')
    self.assert_names_field(dict(ok, block='wide'), 'block', "'basic'")
    self.assert_names_field(dict(ok, residual='no'), 'residual',
                            'true or false')
    self.assert_names_field(dict(ok, image_size=True), 'image_size')
    self.assert_names_field(dict(ok, stem='tiny'), 'stem', "'cifar'")
    self.assert_names_field(dict(ok, shortcut='identity'), 'shortcut',
                            "'zero_pad'")
    self.assert_names_field(dict(ok, preprocessing='imagenet'),
                            'preprocessing', "'vgg'")
    self.assert_names_field(dict(ok, dropout_keep_prob=0.0),
                            'dropout_keep_prob')
    self.assert_names_field(dict(ok, name='two words'), 'name', 'scope')
    self.assert_names_field(dict(ok, batch_norm=True), 'batch_norm',
                            "family 'vgg' only")
    self.assert_names_field(dict(ok, family='vgg'), 'block',
                            "family 'resnet' only")
    self.assert_names_field(dict(ok, widths=[8, 4], stem='cifar',
                                 stem_depth=4), 'shortcut', 'projection')
    self.assert_names_field(
        {'name': 'v', 'family': 'vgg', 'depths': [1] * 5,
         'widths': [8] * 5, 'image_size': 48}, 'image_size', '2^5 = 32')
    self.assert_names_field(
        {'name': 'v', 'family': 'vgg', 'depths': [1], 'widths': [8],
         'fc_depths': [8]}, 'fc_depths', '2 entries')
    self.assert_names_field({'name': 'x', 'base': 'resnet_v1_51'}, 'base',
                            'resnet_cifar_56')

  def test_not_an_object(self):
    with self.assertRaisesRegex(ValueError, 'JSON object'):
      model_config.from_dict([1, 2])

  def test_files_and_inline_json(self):
    with tempfile.TemporaryDirectory() as directory:
      path = os.path.join(directory, 'net.json')
      with open(path, 'w') as f:
        f.write('{"name": "x", "base": "plain_cifar_20",}')
      with self.assertRaisesRegex(ValueError, 'net.json is not valid JSON'):
        model_config.load(path)
      with open(path, 'w') as f:
        json.dump({'name': 'x', 'base': 'plain_cifar_20'}, f)
      self.assertEqual(model_config.load(path),
                       model_config.load(' {"name": "x", '
                                         '"base": "plain_cifar_20"}'))
    with self.assertRaisesRegex(ValueError, 'no such file'):
      model_config.load(path)
    with self.assertRaisesRegex(ValueError, 'inline model_config'):
      model_config.load('{name: x}')

  def test_preprocessing_names_follow_the_factory(self):
    self.assertEqual(sorted(model_config.PREPROCESSING_NAMES),
                     preprocessing_factory.preprocessing_names())


class RegisterTest(tf.test.TestCase):

  def test_register_makes_a_model_name(self):
    source = ('{"name": "test_plain_cifar_8", "base": "plain_cifar_20", '
              '"depths": [1, 1, 1]}')
    with registered(source) as config:
      self.assertIn('test_plain_cifar_8', nets_factory.model_names())
      self.assertEqual(config, model_config.register(source))  # No-op.
      network_fn = nets_factory.get_network_fn('test_plain_cifar_8', 10,
                                               is_training=True)
      self.assertEqual('cifarnet', network_fn.preprocessing_name)
      self.assertEqual('cifarnet',
                       preprocessing_factory.resolve_preprocessing_name(
                           'test_plain_cifar_8'))
      with tf.Graph().as_default():
        logits, end_points = network_fn(tf.zeros([2, 32, 32, 3]))
        self.assertEqual([2, 10], logits.shape.as_list())
        self.assertIn('Predictions', end_points)
        self.assertTrue(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
      with self.assertRaisesRegex(ValueError, "field 'name'"):
        model_config.register(dict(json.loads(source), depths=[2, 2, 2]))
    self.assertNotIn('test_plain_cifar_8', nets_factory.model_names())

  def test_registered_names(self):
    # A registered model's own config is accepted and registers nothing.
    count = len(nets_factory.model_names())
    config = model_config.register({'name': 'plain_cifar_20',
                                    'base': 'resnet_cifar_20',
                                    'residual': False})
    self.assertEqual('plain_cifar_20', config.name)
    self.assertLen(nets_factory.model_names(), count)
    with self.assertRaisesRegex(ValueError, "field 'name'.*own name"):
      model_config.register({'name': 'resnet_cifar_20',
                             'base': 'resnet_cifar_20', 'residual': False})
    with self.assertRaisesRegex(ValueError, "field 'name'"):
      model_config.register({'name': 'lenet', 'base': 'resnet_cifar_20'})

  def test_factory_modes_apply_to_config_nets(self):
    with registered({'name': 'test_resnet_cifar_8', 'base': 'resnet_cifar_20',
                     'depths': [1, 1, 1]}):
      with tf.Graph().as_default():
        network_fn = nets_factory.get_network_fn(
            'test_resnet_cifar_8', 10, is_training=True,
            freeze_batch_norm=True, batch_norm_decay=0.9)
        network_fn(tf.zeros([1, 32, 32, 3]))
        self.assertFalse(tf.get_collection(tf.GraphKeys.UPDATE_OPS))


class MainTest(tf.test.TestCase):

  def test_prints_a_registered_config(self):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
      self.assertEqual(0, model_config.main(['model_config',
                                             'resnet_cifar_56']))
    printed = json.loads(stdout.getvalue())
    self.assertEqual([9, 9, 9], printed['depths'])
    self.assertEqual('zero_pad', printed['shortcut'])


if __name__ == '__main__':
  tf.test.main()
