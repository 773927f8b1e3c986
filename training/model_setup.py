"""Resolves model name + dataset + flags into what a graph needs.

Train, eval, validation, export and the uncertainty tools all call `resolve`,
so the preprocessing, the image size and the number of classes of a model are
decided in one place (from the nets_factory registry) and logged once.
"""
import collections

from absl import logging

from datasets import input_pipeline
from nets import model_config
from nets import nets_factory
from preprocessing import preprocessing_factory

ModelSetup = collections.namedtuple('ModelSetup', [
    'network_fn',          # nets_factory network_fn.
    'preprocess_fn',       # fn(uint8 image [H, W, C]) -> float [S, S, C'].
    'image_size',          # int.
    'preprocessing_name',  # str.
    'num_classes',         # classes of the classifier (after the offset).
    'labels_offset',       # int.
])


def resolve(model_name, dataset, is_training, labels_offset=0,
            preprocessing_name=None, image_size=None, weight_decay=0.0,
            use_grayscale=False, freeze_batch_norm=False, mc_dropout=False,
            batch_norm_decay=None):
  """Builds the ModelSetup of `model_name` on `dataset`.

  Args:
    model_name: a nets_factory name.
    dataset: a dataset from dataset_factory.get_dataset.
    is_training: training-mode network and random augmentation.
    labels_offset: subtracted from every label (1 drops ImageNet's background
      class for 1000-class checkpoints).
    preprocessing_name: None for the model's own preprocessing.
    image_size: None for the model's default input size.
    weight_decay: L2 weight decay.
    use_grayscale: convert images to one channel.
    freeze_batch_norm: batch norm in inference mode during training.
    mc_dropout: dropout active at evaluation.
    batch_norm_decay: None for the model's own batch-norm decay.

  Returns:
    A ModelSetup.

  Raises:
    ValueError: unknown names, or an offset that leaves no classes.
  """
  num_classes = dataset.num_classes - labels_offset
  if labels_offset < 0 or num_classes < 1:
    raise ValueError('--labels_offset=%d is invalid for dataset %s with %d '
                     'classes.' % (labels_offset, dataset.name,
                                   dataset.num_classes))
  network_fn = nets_factory.get_network_fn(
      model_name, num_classes=num_classes, weight_decay=weight_decay,
      is_training=is_training, freeze_batch_norm=freeze_batch_norm,
      mc_dropout=mc_dropout, batch_norm_decay=batch_norm_decay)
  preprocessing_name = preprocessing_name or network_fn.preprocessing_name
  preprocessing_fn = preprocessing_factory.get_preprocessing(
      preprocessing_name, is_training=is_training, use_grayscale=use_grayscale)
  image_size = image_size or network_fn.default_image_size

  def preprocess_fn(image):
    return preprocessing_fn(image, image_size, image_size)

  logging.info('Model %s: preprocessing %s, image size %d, %d classes, '
               'labels_offset %d, %s mode.', model_name, preprocessing_name,
               image_size, num_classes, labels_offset,
               'training' if is_training else 'inference')
  _warn_on_background_mismatch(model_name, dataset, labels_offset)
  return ModelSetup(network_fn, preprocess_fn, image_size, preprocessing_name,
                    num_classes, labels_offset)


def _warn_on_background_mismatch(model_name, dataset, labels_offset):
  """Warns when a 1000-class family meets a dataset with a background class."""
  spec = nets_factory.get_model_spec(model_name)
  has_background = getattr(dataset, 'has_background', False)
  if spec.checkpoint_classes == 1000 and has_background and not labels_offset:
    logging.warning(
        'Dataset %s has a background class at index 0 while the official %s '
        'checkpoints have 1000 classes: pass --labels_offset=1 to use them.',
        dataset.name, model_name)


def eval_dataset(setup, dataset, batch_size, num_preprocessing_threads=4,
                 num_readers=1):
  """The deterministic single-pass tf.data pipeline for evaluation."""
  return input_pipeline.make_dataset(
      dataset, setup.preprocess_fn, batch_size, is_training=False,
      num_readers=num_readers,
      num_preprocessing_threads=num_preprocessing_threads,
      labels_offset=setup.labels_offset)


MODEL_CONFIG_HELP = (
    'A network defined as data instead of --model_name: a JSON file, or the '
    'JSON object itself, with name, family, block, depths, widths, residual, '
    'stem, ... or a base model (see nets/model_config.py). Its name becomes '
    'the model name.')


def apply_model_config(params):
  """Registers the network of `--model_config` and makes it the model.

  Args:
    params: a binary's flag values (a dict with 'model_config', a JSON file
      or inline JSON object, or None, and 'model_name').

  Returns:
    `params` unchanged without a model config; else a copy whose
    'model_name' is the config's name (now registered in nets_factory) and
    whose 'model_config_resolved' holds every field of the config, so the run
    record (flags.json, metrics.json) describes the network completely.

  Raises:
    ValueError: an invalid config; the message names the field.
  """
  if not params.get('model_config'):
    return params
  config = model_config.register(params['model_config'])
  logging.info('--model_config defines model %s (--model_name ignored): %s',
               config.name, config.to_dict())
  return dict(params, model_name=config.name,
              model_config_resolved=config.to_dict())
