"""What an inference graph needs, resolved from flags, dataset and run record.

An exported or classifying graph needs the model name, the width of its
classifier, the channel count of the decoded images, the input size, the
preprocessing and (for printing) the class names. Each comes from the first
of these that knows it:

  1. an explicit flag (`--num_classes`, `--num_channels`, `--image_size`,
     `--preprocessing_name`, `--labels_file`, ...);
  2. the dataset (`--dataset_name` + `--dataset_dir`: classes minus
     `--labels_offset`, channels and `labels.txt` from the converter);
  3. the training run's record `flags.json` beside the checkpoint (model,
     classes, image size, preprocessing, labels offset, and the dataset it
     names when that directory still exists);
  4. TF-Slim's defaults: ImageNet's 1001 classes (minus `--labels_offset`)
     when the dataset is `imagenet`, 3 channels, the model's input size and
     preprocessing from the nets_factory registry.

So `--checkpoint_path=TRAIN_DIR` alone is enough for a model trained with
train_image_classifier.py, while TF-Slim's command lines keep working.

Typical use:

  record = inference_config.read_run_record('/tmp/train/model.ckpt-1000')
  config = inference_config.resolve({'model_name': 'lenet',
                                     'dataset_name': 'mnist',
                                     'dataset_dir': '/data/mnist'}, record)
  print(config.num_classes, config.num_channels, config.image_size)
"""
import collections
import os

from absl import logging
import tensorflow.compat.v1 as tf

from datasets import dataset_factory
from datasets import dataset_utils
from nets import model_config
from nets import nets_factory
from preprocessing import preprocessing_factory
from training import model_setup
from training import restore
from training import runtime

RUN_RECORD_FILE = 'flags.json'
# TF-Slim's export default: ImageNet with its background class at label 0
# (datasets/imagenet.py).
IMAGENET_NAME = 'imagenet'
IMAGENET_NUM_CLASSES = 1001
DEFAULT_CHANNELS = 3
DEFAULT_SPLIT = 'train'

InferenceConfig = collections.namedtuple('InferenceConfig', [
    'model_name',          # nets_factory name.
    'num_classes',         # width of the classifier (after labels_offset).
    'labels_offset',       # class index i is dataset label i + labels_offset.
    'num_channels',        # channels of the decoded images (1 or 3).
    'image_size',          # network input height and width.
    'preprocessing_name',  # preprocessing_factory name.
    'use_grayscale',       # preprocessing converts to one channel.
    'label_names',         # [num_classes] names of the class indices, or None.
])


def first_set(*values):
  """The first value that is not None (None when all are)."""
  for value in values:
    if value is not None:
      return value
  return None


def read_run_record(checkpoint):
  """The training run's `flags.json` beside a checkpoint, or {}.

  Args:
    checkpoint: a checkpoint prefix, or None.

  Returns:
    The record (a dict with 'flags' and 'resolved'), or {} when there is none.
  """
  if not checkpoint:
    return {}
  path = os.path.join(os.path.dirname(checkpoint), RUN_RECORD_FILE)
  record = runtime.read_json(path) or {}
  if record:
    logging.info('Read the training run record %s.', path)
  return record


def resolve_model_name(params, record):
  """The model name: --model_config, --model_name, else the run record's.

  Args:
    params: flag values ('model_name', 'model_config').
    record: the run record ({} when none).

  Returns:
    A registered nets_factory model name.

  Raises:
    ValueError: unknown model name (the message lists the known models), an
      invalid config, or no model name anywhere.
  """
  trained = record.get('flags', {})
  if params.get('model_config'):
    return model_setup.apply_model_config(params)['model_name']
  name = params.get('model_name')
  if name:
    nets_factory.get_model_spec(name)  # Fails with the list of known models.
    trained_name = trained.get('model_name')
    if trained_name and trained_name != name and not trained.get(
        'model_config'):
      logging.warning('The checkpoint was trained with --model_name=%s, not '
                      '%s.', trained_name, name)
    return name
  if trained.get('model_config_resolved'):
    return model_config.register(trained['model_config_resolved']).name
  if trained.get('model_name'):
    logging.info('Model %s (from the run record).', trained['model_name'])
    return trained['model_name']
  raise runtime.UserError(
      'Pass --model_name (no flags.json beside the checkpoint says which '
      'model it is). Known models: %s.' % ', '.join(nets_factory.model_names()))


def _load_dataset(name, split_name, dataset_dir):
  return dataset_factory.get_dataset(name, split_name or DEFAULT_SPLIT,
                                     dataset_dir)


def resolve_dataset(params, record):
  """The dataset description named by the flags or the run record, or None.

  Args:
    params: flag values ('dataset_name', 'dataset_dir', 'dataset_split_name').
    record: the run record.

  Returns:
    A dataset from dataset_factory (only its classes, channels and names are
    used), or None when neither the flags nor the record name one that
    exists.

  Raises:
    ValueError: the dataset given by flags cannot be read.
  """
  trained = record.get('flags', {})
  if params.get('dataset_dir'):
    name = first_set(params.get('dataset_name'), trained.get('dataset_name'),
                     IMAGENET_NAME)
    return _load_dataset(name, params.get('dataset_split_name'),
                         params['dataset_dir'])
  trained_dir = trained.get('dataset_dir')
  if trained_dir and trained.get('dataset_name') and tf.io.gfile.isdir(
      trained_dir):
    try:
      return _load_dataset(trained['dataset_name'],
                           trained.get('dataset_split_name'), trained_dir)
    except ValueError as e:
      logging.warning('Cannot read the training dataset %s recorded in '
                      'flags.json (%s); not using it.', trained_dir, e)
  return None


def _num_classes(params, dataset, record, labels_offset):
  """The classifier width (see the module docstring for the order)."""
  if params.get('num_classes'):
    return params['num_classes']
  if dataset is not None:
    return dataset.num_classes - labels_offset
  recorded = record.get('resolved', {}).get('num_classes')
  if recorded:
    return recorded
  if first_set(params.get('dataset_name'), IMAGENET_NAME) == IMAGENET_NAME:
    logging.info('Assuming ImageNet\'s %d classes minus --labels_offset=%d '
                 '(TF-Slim\'s default); pass --num_classes or --dataset_dir '
                 'for other data.', IMAGENET_NUM_CLASSES, labels_offset)
    return IMAGENET_NUM_CLASSES - labels_offset
  raise runtime.UserError(
      'Cannot tell how many classes the model has: pass --num_classes, or '
      '--dataset_name with --dataset_dir, or a --checkpoint_path whose '
      'directory holds the flags.json of its training run.')


def read_labels_file(path):
  """{label: name} of a `label:name` file (labels.txt of the converters).

  Raises:
    ValueError: the file is missing or malformed; the message names it.
  """
  if not tf.io.gfile.exists(path):
    raise runtime.UserError('--labels_file %s does not exist; pass the '
                            'labels.txt written beside the TFRecords by '
                            'download_and_convert_data.py.' % path)
  return dataset_utils.read_label_file(os.path.dirname(path) or '.',
                                       os.path.basename(path))


def label_names(labels_to_names, num_classes, labels_offset):
  """Names of the class indices 0..num_classes-1 (None when none known).

  Args:
    labels_to_names: {dataset label: name}, or None.
    num_classes: classifier width.
    labels_offset: class index i is dataset label i + labels_offset.

  Returns:
    A list of num_classes names (the label number where a name is missing),
    or None.
  """
  if not labels_to_names:
    return None
  return [labels_to_names.get(i + labels_offset, str(i + labels_offset))
          for i in range(num_classes)]


def resolve(params, record):
  """Resolves the InferenceConfig (see the module docstring).

  Args:
    params: flag values of a binary: 'model_name', 'model_config',
      'num_classes', 'labels_offset', 'num_channels', 'image_size',
      'preprocessing_name', 'use_grayscale', 'dataset_name', 'dataset_dir',
      'dataset_split_name', 'labels_file' (missing keys count as unset).
    record: the training run record (read_run_record), {} when none.

  Returns:
    An InferenceConfig.

  Raises:
    ValueError: unknown names, unreadable files, impossible values.
  """
  trained = record.get('flags', {})
  resolved = record.get('resolved', {})
  model_name = resolve_model_name(params, record)
  spec = nets_factory.get_model_spec(model_name)
  labels_offset = first_set(params.get('labels_offset'),
                            trained.get('labels_offset'), 0)
  dataset = resolve_dataset(params, record)
  num_classes = _num_classes(params, dataset, record, labels_offset)
  if labels_offset < 0 or num_classes < 1:
    raise runtime.UserError(
        '%d classes with --labels_offset=%d leave no classifier; check '
        '--num_classes and --labels_offset.' % (num_classes, labels_offset))
  num_channels = first_set(params.get('num_channels'),
                           getattr(dataset, 'channels', None),
                           DEFAULT_CHANNELS)
  if num_channels not in (1, 3):
    raise runtime.UserError('--num_channels must be 1 or 3, got %d.' %
                            num_channels)
  preprocessing_name = preprocessing_factory.resolve_preprocessing_name(
      params.get('preprocessing_name') or resolved.get('preprocessing_name')
      or spec.preprocessing_name)
  if params.get('labels_file'):
    names = read_labels_file(params['labels_file'])
  else:
    names = getattr(dataset, 'labels_to_names', None)
  return InferenceConfig(
      model_name=model_name, num_classes=int(num_classes),
      labels_offset=int(labels_offset), num_channels=int(num_channels),
      image_size=int(params.get('image_size') or resolved.get('image_size')
                     or spec.default_image_size),
      preprocessing_name=preprocessing_name,
      use_grayscale=bool(first_set(params.get('use_grayscale'),
                                   trained.get('use_grayscale'), False)),
      label_names=label_names(names, num_classes, labels_offset))


def resolve_checkpoint(path):
  """The checkpoint prefix of a file or directory, or a UserError naming it."""
  if not path:
    raise runtime.UserError('--checkpoint_path is empty: pass a checkpoint '
                            'file or a training directory.')
  return restore.resolve_checkpoint(path)
