"""Networks defined as data: a JSON model config becomes a registered model.

A config gives a family and the fields that define a network in it, so an
ablation point (plain vs residual, another depth, width, stem or shortcut)
needs no code. `--model_config` of the train and eval binaries takes a JSON
file or the JSON object itself; the config's `name` becomes the model name
(and the variable scope), registered in `nets_factory` like any other model:

  {"name": "plain_cifar_14", "family": "resnet", "block": "basic",
   "depths": [2, 2, 2], "widths": [16, 32, 64], "residual": false,
   "stem": "cifar"}

A config can start from a registered model (`base`) and change some fields:

  {"name": "resnet_cifar_56_b", "base": "resnet_cifar_56",
   "shortcut": "projection"}

Fields (a field that does not apply to the family is an error):

  both families
    name           model name and variable scope (required)
    family         'resnet' or 'vgg' (required unless `base`)
    depths         per stage: residual units (resnet) or convolutions (vgg)
    widths         per stage: output depth of basic units, bottleneck depth
                   of bottleneck units (which output 4x), filters (vgg)
    image_size     default input size: 224 ('imagenet' stem, vgg), 32
                   ('cifar' stem)
    preprocessing  'vgg' ('imagenet' stem, vgg), 'cifarnet' ('cifar' stem),
                   or 'inception', 'lenet'
    dropout_keep_prob  before the logits: 1.0 (resnet), 0.5 (vgg: before
                   fc7 and fc8)
    base           a registered model whose config this one starts from
    description    free text, kept in the run record
  resnet ([1], [2]; `resnet_utils.resnet`)
    block          'basic' (two 3x3) or 'bottleneck' (1x1-3x3-1x1)
    residual       true, or false for the plain network (same layers)
    stem           'imagenet' (7x7/2 convolution, 3x3/2 max pool) or
                   'cifar' (3x3/1 convolution, no pool)
    stem_depth     filters of the stem: 64 ('imagenet'), widths[0] ('cifar')
    shortcut       where the depth changes: 'projection' (1x1 convolution,
                   option B; default for 'imagenet') or 'zero_pad' (option
                   A, no parameters; default for 'cifar')
    preactivation  false (v1, batch norm after each convolution) or true
                   (v2, pre-activation units)
    subsample      'last_unit' of a stage (TF-Slim; default for 'imagenet')
                   or 'first_unit' ([1]; default for 'cifar')
    strides        per stage: (2, .., 2, 1) with 'last_unit', (1, 2, .., 2)
                   with 'first_unit'
  vgg ([3]; `alexnet.plain_convnet`): a 2x2 max pool after each stage, then
  fc6 (a VALID convolution over the last map: image_size must be divisible
  by 2^stages), fc7 and fc8
    batch_norm     batch norm after each convolution (default false)
    fc_depths      [fc6, fc7] units (default [4096, 4096])

An invalid config fails with a ValueError whose message names the field.
`python -m nets.model_config NAME_OR_CONFIG` prints the resolved config of a
registered model (a starting point to edit) or checks a config.

  [1] Kaiming He et al. Deep Residual Learning for Image Recognition.
      arXiv:1512.03385, 2015.
  [2] Kaiming He et al. Identity Mappings in Deep Residual Networks.
      arXiv:1603.05027, 2016.
  [3] Karen Simonyan, Andrew Zisserman. Very Deep Convolutional Networks for
      Large-Scale Image Recognition. arXiv:1409.1556, 2014.

Typical use:

  config = model_config.register('configs/plain_cifar_14.json')
  network_fn = nets_factory.get_network_fn(config.name, num_classes=10,
                                           is_training=True)
"""
import collections
import difflib
import json
import os
import re
import sys

from nets import alexnet
from nets import nets_factory
from nets import resnet_cifar
from nets import resnet_utils
from nets import resnet_v1
from nets import resnet_v2
from nets import vgg

FAMILIES = ('resnet', 'vgg')
PREPROCESSING_NAMES = ('cifarnet', 'inception', 'lenet', 'vgg')
_BOTH = FAMILIES
_RESNET = ('resnet',)
_VGG = ('vgg',)
_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_.\-]*$')

# Defaults that depend on the stem (resnet) or are the family's (vgg).
_STEM_DEFAULTS = {
    'imagenet': dict(image_size=224, preprocessing='vgg', shortcut='projection',
                     subsample='last_unit'),
    'cifar': dict(image_size=32, preprocessing='cifarnet', shortcut='zero_pad',
                  subsample='first_unit'),
}
_VGG_DEFAULTS = dict(image_size=224, preprocessing='vgg', batch_norm=False,
                     fc_depths=(4096, 4096), dropout_keep_prob=0.5)
_RESNET_DEFAULTS = dict(residual=True, stem='imagenet', preactivation=False,
                        dropout_keep_prob=1.0)
_UNITS = {
    (False, 'basic'): resnet_v1.basic,
    (False, 'bottleneck'): resnet_v1.bottleneck,
    (True, 'basic'): resnet_v2.basic,
    (True, 'bottleneck'): resnet_v2.bottleneck,
}


class ModelConfig(collections.namedtuple('ModelConfig', [
    'name', 'family', 'depths', 'widths', 'image_size', 'preprocessing',
    'dropout_keep_prob', 'block', 'residual', 'stem', 'stem_depth',
    'shortcut', 'preactivation', 'subsample', 'strides', 'batch_norm',
    'fc_depths', 'base', 'description'])):
  """A validated config with every default resolved (see the module doc).

  Fields that do not apply to the family are None.
  """

  def to_dict(self):
    """The config as a JSON-ready dict, without the fields that are None."""
    return {key: list(value) if isinstance(value, tuple) else value
            for key, value in self._asdict().items() if value is not None}


class _FieldError(ValueError):
  """A field's value is invalid; the message says why (without the name)."""


def _check_string(value):
  if not isinstance(value, str) or not value:
    raise _FieldError('expected a non-empty string, got %r.' % (value,))
  return value


def _check_name(value):
  _check_string(value)
  if not _NAME_RE.match(value):
    raise _FieldError(
        '%r is not a valid model name (it is the variable scope): use '
        'letters, digits, "_", "-" and ".", starting with a letter.' % value)
  return value


def _choice(*choices):
  def check(value):
    if value not in choices:
      raise _FieldError('expected one of %s, got %r.' % (
          ', '.join(repr(c) for c in choices), value))
    return value
  return check


def _check_bool(value):
  if not isinstance(value, bool):
    raise _FieldError('expected true or false, got %r.' % (value,))
  return value


def _is_positive_int(value):
  return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_positive_int(value):
  if not _is_positive_int(value):
    raise _FieldError('expected a positive integer, got %r.' % (value,))
  return value


def _positive_ints(length=None):
  def check(value):
    if (not isinstance(value, (list, tuple)) or not value or
        not all(_is_positive_int(v) for v in value)):
      raise _FieldError('expected a non-empty list of positive integers, '
                        'got %r.' % (value,))
    if length is not None and len(value) != length:
      raise _FieldError('expected %d entries, got %d: %r.' % (
          length, len(value), value))
    return tuple(value)
  return check


def _check_keep_prob(value):
  if (isinstance(value, bool) or not isinstance(value, (int, float)) or
      not 0.0 < value <= 1.0):
    raise _FieldError('expected a probability in (0, 1], got %r.' % (value,))
  return float(value)


_Field = collections.namedtuple('_Field', ['families', 'check'])
_FIELDS = collections.OrderedDict([
    ('name', _Field(_BOTH, _check_name)),
    ('family', _Field(_BOTH, _choice(*FAMILIES))),
    ('depths', _Field(_BOTH, _positive_ints())),
    ('widths', _Field(_BOTH, _positive_ints())),
    ('image_size', _Field(_BOTH, _check_positive_int)),
    ('preprocessing', _Field(_BOTH, _choice(*PREPROCESSING_NAMES))),
    ('dropout_keep_prob', _Field(_BOTH, _check_keep_prob)),
    ('block', _Field(_RESNET, _choice(*sorted(resnet_utils.EXPANSION)))),
    ('residual', _Field(_RESNET, _check_bool)),
    ('stem', _Field(_RESNET, _choice(*sorted(_STEM_DEFAULTS)))),
    ('stem_depth', _Field(_RESNET, _check_positive_int)),
    ('shortcut', _Field(_RESNET, _choice(*resnet_utils.SHORTCUTS))),
    ('preactivation', _Field(_RESNET, _check_bool)),
    ('subsample', _Field(_RESNET, _choice('last_unit', 'first_unit'))),
    ('strides', _Field(_RESNET, _positive_ints())),
    ('batch_norm', _Field(_VGG, _check_bool)),
    ('fc_depths', _Field(_VGG, _positive_ints(length=2))),
    ('base', _Field(_BOTH, _check_string)),
    ('description', _Field(_BOTH, _check_string)),
])
_REQUIRED = ('name', 'family', 'depths', 'widths')


def _error(field, message):
  return ValueError("model_config field '%s': %s" % (field, message))


def _registered_raw_configs():
  """{registered model name: raw config} of the models a config can express."""
  configs = {}
  resnet = dict(family='resnet', widths=resnet_utils.BASE_DEPTHS)
  for depth, units in resnet_utils.BASIC_UNITS_PER_BLOCK.items():
    configs['resnet_v1_%d' % depth] = dict(resnet, block='basic',
                                           depths=units)
    configs['plain_%d' % depth] = dict(resnet, block='basic', depths=units,
                                       residual=False)
  for depth, units in resnet_utils.UNITS_PER_BLOCK.items():
    configs['resnet_v1_%d' % depth] = dict(resnet, block='bottleneck',
                                           depths=units)
    configs['resnet_v2_%d' % depth] = dict(
        resnet, block='bottleneck', depths=units, preactivation=True,
        image_size=resnet_v2.DEFAULT_IMAGE_SIZE, preprocessing='inception')
  cifar = dict(family='resnet', block='basic', stem='cifar',
               widths=resnet_cifar.STAGE_WIDTHS)
  for depth in resnet_cifar.DEPTHS:
    units = resnet_cifar.units_per_stage(depth)
    configs['resnet_cifar_%d' % depth] = dict(cifar, depths=units)
    configs['plain_cifar_%d' % depth] = dict(cifar, depths=units,
                                             residual=False)
  for name, convs in vgg.CONVS_PER_STAGE.items():
    configs[name] = dict(family='vgg', depths=convs, widths=vgg.STAGE_DEPTHS)
  for depth in vgg.CIFAR_DEPTHS:
    configs['cifar_vgg_%d' % depth] = dict(
        family='vgg', depths=vgg.CONVS_PER_STAGE['vgg_%d' % depth],
        widths=vgg.STAGE_DEPTHS, batch_norm=True,
        fc_depths=(vgg.CIFAR_HEAD.fc6_depth, vgg.CIFAR_HEAD.fc7_depth),
        image_size=vgg.CIFAR_IMAGE_SIZE, preprocessing='cifarnet')
  return configs


_REGISTERED_RAW = _registered_raw_configs()


def base_names():
  """Registered models usable as `base` (those a config can express)."""
  return sorted(_REGISTERED_RAW)


def registered_config(name):
  """The resolved config of registered model `name`.

  Raises:
    ValueError: `name` is not a model a config can express.
  """
  if name not in _REGISTERED_RAW:
    raise _error('base', '%r is not a registered model with a config. Use '
                 'one of %s.' % (name, ', '.join(base_names())))
  return from_dict(dict(_REGISTERED_RAW[name], name=name))


def _check_known_fields(raw):
  for key in raw:
    if key not in _FIELDS:
      close = difflib.get_close_matches(key, list(_FIELDS), n=1)
      raise _error(key, 'unknown field%s. Known fields: %s.' % (
          " (did you mean '%s'?)" % close[0] if close else '',
          ', '.join(_FIELDS)))


def _merge_base(raw):
  """raw with the fields of its `base` model filled in underneath."""
  if 'base' not in raw:
    return raw
  base = _check_field('base', raw['base'])
  if base not in _REGISTERED_RAW:
    registered_config(base)  # Fails with the list of bases.
  merged = dict(_REGISTERED_RAW[base])
  merged.update(raw)
  return merged


def _given_or(values, key, defaults):
  return defaults[key] if values[key] is None else values[key]


def _defaults(values):
  """The defaults of the fields missing from `values` (family known)."""
  if values['family'] == 'vgg':
    return dict(_VGG_DEFAULTS)
  defaults = dict(_RESNET_DEFAULTS)
  stem = _given_or(values, 'stem', defaults)
  defaults.update(_STEM_DEFAULTS[stem])
  defaults['stem_depth'] = (64 if stem == 'imagenet' else
                            values['widths'][0])
  num_stages = len(values['depths'])
  subsample = _given_or(values, 'subsample', defaults)
  defaults['strides'] = ((2,) * (num_stages - 1) + (1,)
                         if subsample == 'last_unit' else
                         (1,) + (2,) * (num_stages - 1))
  return defaults


def _check_consistency(values, given):
  """Checks between fields, once every field has a valid value.

  Args:
    values: every field, defaults resolved.
    given: the fields the config itself gives (not its base or defaults).

  Raises:
    ValueError: naming the field that does not fit the others.
  """
  num_stages = len(values['depths'])
  for key in ('widths', 'strides'):
    if values.get(key) is not None and len(values[key]) != num_stages:
      origin = (' (it comes from base %r: give it too)' % values['base']
                if key not in given else '')
      raise _error(key, 'has %d entries but depths has %d: give one per '
                   'stage%s.' % (len(values[key]), num_stages, origin))
  if values['family'] == 'vgg':
    factor = 2 ** num_stages
    if values['image_size'] % factor:
      raise _error('image_size', '%d is not divisible by 2^%d = %d (one 2x2 '
                   'pool per stage; fc6 covers the last map).' % (
                       values['image_size'], num_stages, factor))
    return
  if values['shortcut'] == 'zero_pad' and values['residual']:
    expansion = resnet_utils.EXPANSION[values['block']]
    depths = [values['stem_depth']] + [w * expansion for w in
                                       values['widths']]
    if any(later < earlier for earlier, later in zip(depths, depths[1:])):
      raise _error('shortcut', "'zero_pad' needs unit output depths that "
                   'never decrease (stem_depth, then widths x %d = %s); use '
                   "'projection'." % (expansion, depths))


def from_dict(raw):
  """Validates a raw config (a dict) and resolves its defaults.

  Args:
    raw: the config, e.g. parsed from JSON.

  Returns:
    A ModelConfig.

  Raises:
    ValueError: an invalid config; the message names the field.
  """
  if not isinstance(raw, dict):
    raise ValueError('A model_config must be a JSON object of fields (name, '
                     'family, depths, widths, ...), got %r.' % (raw,))
  _check_known_fields(raw)
  given = set(raw)
  raw = _merge_base(raw)
  for key in _REQUIRED:
    if key not in raw:
      raise _error(key, 'missing; every config needs %s (or a base for all '
                   'but name).' % ', '.join(_REQUIRED))
  values = {key: None for key in _FIELDS}
  family = _check_field('family', raw['family'])
  for key, value in raw.items():
    if family not in _FIELDS[key].families:
      raise _error(key, "applies to family %s only, not %r." % (
          ' or '.join(repr(f) for f in _FIELDS[key].families), family))
    values[key] = _check_field(key, value)
  for key, value in _defaults(values).items():
    if values[key] is None:
      values[key] = value
  _check_consistency(values, given)
  return ModelConfig(**values)


def _check_field(key, value):
  try:
    return _FIELDS[key].check(value)
  except _FieldError as e:
    raise _error(key, str(e))


def load(source):
  """Reads a config from a JSON file or from an inline JSON object.

  Args:
    source: a path, or a string starting with '{'.

  Returns:
    A ModelConfig.

  Raises:
    ValueError: no such file, invalid JSON, or an invalid config.
  """
  if source.lstrip().startswith('{'):
    text, where = source, 'the inline model_config'
  else:
    if not os.path.isfile(source):
      raise ValueError('model_config %r: no such file. Give a JSON file, or '
                       'the JSON object itself ({"name": ...}).' % source)
    with open(source) as f:
      text, where = f.read(), 'model_config file %s' % source
  try:
    raw = json.loads(text)
  except ValueError as e:
    raise ValueError('%s is not valid JSON: %s.' % (where, e))
  return from_dict(raw)


def _with_defaults(network_fn, **defaults):
  """network_fn with other keyword defaults, keeping its attributes."""

  def configured_fn(inputs, *args, **kwargs):
    return network_fn(inputs, *args, **dict(defaults, **kwargs))

  configured_fn.__name__ = configured_fn.__qualname__ = network_fn.__name__
  configured_fn.__doc__ = network_fn.__doc__
  configured_fn.default_image_size = network_fn.default_image_size
  return configured_fn


def _resnet_network(config):
  root = (resnet_utils.IMAGENET_ROOT._replace(depth=config.stem_depth)
          if config.stem == 'imagenet' else
          resnet_utils.Root(config.stem_depth, kernel=3, stride=1,
                            pool=False))
  doc = 'Network of model_config %s.' % json.dumps(config.to_dict())
  family_fn = resnet_utils.family(
      config.name, config.preactivation, config.image_size, doc, root=root,
      residual=config.residual, shortcut=config.shortcut)
  return resnet_utils.variant(
      family_fn, _UNITS[(config.preactivation, config.block)], config.name,
      config.depths, config.widths, config.strides,
      resnet_utils.EXPANSION[config.block],
      subsample_first=config.subsample == 'first_unit', doc=doc,
      default_min_base_depth=1)  # The widths are the config's.


def _vgg_network(config):
  head = alexnet.Head(
      fc6_kernel=config.image_size // 2 ** len(config.depths),
      fc6_depth=config.fc_depths[0], fc7_depth=config.fc_depths[1],
      init_stddev=None)
  return alexnet.plain_variant(
      config.name, vgg.vgg_layers(config.depths, config.widths), head,
      config.image_size,
      'Network of model_config %s.' % json.dumps(config.to_dict()))


def network_function(config):
  """The network function of a config (TF-Slim's signature, see the family).

  Args:
    config: a ModelConfig.

  Returns:
    fn(inputs, num_classes, is_training=True, ...) -> (logits, end_points),
    named and scoped `config.name`, with `default_image_size`.
  """
  build = _resnet_network if config.family == 'resnet' else _vgg_network
  return _with_defaults(build(config),
                        dropout_keep_prob=config.dropout_keep_prob)


def arg_scope_fn(config):
  """The arg_scope function of a config's family."""
  if config.family == 'resnet':
    return resnet_utils.resnet_arg_scope
  return vgg.vgg_bn_arg_scope if config.batch_norm else vgg.vgg_arg_scope


def model_spec(config):
  """The nets_factory.ModelSpec of a config (no official checkpoint)."""
  return nets_factory.ModelSpec(network_function(config), arg_scope_fn(config),
                                config.image_size, config.preprocessing, None)


_REGISTERED = {}


def register(source):
  """Loads a config and registers its model in nets_factory.

  Registering the same config twice is a no-op; a config whose name is a
  registered model is accepted when it describes exactly that model.

  Args:
    source: a ModelConfig, a dict, a JSON file path or an inline JSON object.

  Returns:
    The ModelConfig; `config.name` is now a model name of nets_factory.

  Raises:
    ValueError: an invalid config, or its name is taken by another model.
  """
  if isinstance(source, ModelConfig):
    config = source
  elif isinstance(source, dict):
    config = from_dict(source)
  else:
    config = load(source)
  if _REGISTERED.get(config.name) == config:
    return config
  if config.name in nets_factory.model_names():
    same = (config.name in _REGISTERED_RAW and
            _comparable(registered_config(config.name)) == _comparable(config))
    if not same:
      raise _error('name', '%r is already a model with another network; give '
                   'this config its own name.' % config.name)
    return config
  nets_factory.register_model(config.name, model_spec(config))
  _REGISTERED[config.name] = config
  return config


def _comparable(config):
  """The fields that define the network (not base or description)."""
  return config._replace(base=None, description=None)


def main(argv):
  if len(argv) != 2:
    sys.stderr.write('Usage: python -m nets.model_config '
                     'REGISTERED_NAME|CONFIG.json|\'{"name": ...}\'\n')
    return 2
  source = argv[1]
  try:
    if source in _REGISTERED_RAW:
      config = registered_config(source)
    else:
      config = load(source)
  except ValueError as e:
    sys.stderr.write('ERROR: %s\n' % e)
    return 1
  fields = config.to_dict()
  print('{\n%s\n}' % ',\n'.join('  "%s": %s' % (key, json.dumps(value))
                                  for key, value in fields.items()))
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv))
