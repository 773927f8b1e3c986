"""Looks up the preprocessing function of a preprocessing or model name.

A name is either one of the preprocessing kinds (`lenet`, `cifarnet`,
`inception`, `vgg`) or any model name registered in `nets.nets_factory`,
whose record says which preprocessing its checkpoints expect. The model ->
preprocessing mapping lives only in that registry.

Typical use:

  preprocessing_fn = preprocessing_factory.get_preprocessing(
      'resnet_v1_50', is_training=False)      # -> vgg preprocessing
  image = preprocessing_fn(uint8_image, 224, 224)
"""
from nets import nets_factory
from preprocessing import cifarnet_preprocessing
from preprocessing import inception_preprocessing
from preprocessing import lenet_preprocessing
from preprocessing import vgg_preprocessing

_PREPROCESSING_MODULES = {
    'cifarnet': cifarnet_preprocessing,
    'inception': inception_preprocessing,
    'lenet': lenet_preprocessing,
    'vgg': vgg_preprocessing,
}


def preprocessing_names():
  """Returns the sorted preprocessing names (not counting model names)."""
  return sorted(_PREPROCESSING_MODULES)


def resolve_preprocessing_name(name):
  """Returns the preprocessing name that `name` stands for.

  Args:
    name: a preprocessing name or a model name registered in nets_factory.

  Returns:
    One of `preprocessing_names()`.

  Raises:
    ValueError: `name` is neither; the message lists the accepted names.
  """
  if name in _PREPROCESSING_MODULES:
    return name
  if name in nets_factory.model_names():
    return nets_factory.get_model_spec(name).preprocessing_name
  raise ValueError(
      'Unknown preprocessing name %r. Use one of the preprocessing names %s, '
      'or a model name (the preprocessing its checkpoints expect is used): '
      '%s.' % (name, ', '.join(preprocessing_names()),
               ', '.join(nets_factory.model_names())))


def get_preprocessing(name, is_training=False, use_grayscale=False):
  """Returns the preprocessing function of `name`.

  Args:
    name: a preprocessing name (`preprocessing_names()`) or a model name
      registered in nets_factory.
    is_training: random augmentation if True, deterministic otherwise.
    use_grayscale: whether images come out with one channel instead of three
      (LeNet preprocessing keeps the input's channel count unless this is
      set).

  Returns:
    preprocessing_fn(image, output_height, output_width, **kwargs) -> float32
    [output_height, output_width, channels] image, where `image` is one
    uint8 or float [height, width, 1 or 3] image and `kwargs` go to the
    module's `preprocess_image` (e.g. `fast_mode`, `bbox` for inception). It
    has the attribute `preprocessing_name`.

  Raises:
    ValueError: unknown name; the message lists the accepted names.
  """
  preprocessing_name = resolve_preprocessing_name(name)
  module = _PREPROCESSING_MODULES[preprocessing_name]

  def preprocessing_fn(image, output_height, output_width, **kwargs):
    return module.preprocess_image(image, output_height, output_width,
                                   is_training=is_training,
                                   use_grayscale=use_grayscale, **kwargs)

  preprocessing_fn.preprocessing_name = preprocessing_name
  return preprocessing_fn
