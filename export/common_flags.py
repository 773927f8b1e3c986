"""Flags shared by export_inference_graph.py and classify_image.py.

Each flag that describes the model defaults to None, meaning "what the
training run recorded, else the dataset's or the model's default" (see
export/inference_config.py).
"""
from absl import flags

from training import model_setup


def define_model_flags():
  """Model, dataset and label flags resolved by inference_config.resolve."""
  flags.DEFINE_string('model_name', None,
                      'The network; None: the one in flags.json beside '
                      '--checkpoint_path.')
  flags.DEFINE_string('model_config', None, model_setup.MODEL_CONFIG_HELP)
  flags.DEFINE_string('dataset_name', None,
                      'Dataset whose classes, channels and labels.txt to use '
                      '(read from --dataset_dir); None: the training run\'s. '
                      'With no dataset, --num_classes or run record: '
                      'imagenet, 1001 classes, as in TF-Slim.')
  flags.DEFINE_string('dataset_dir', None,
                      'Directory of the converted dataset (optional).')
  flags.DEFINE_string('dataset_split_name', 'train',
                      'A split present in --dataset_dir (only its class '
                      'count, channels and labels are read).')
  flags.DEFINE_integer('num_classes', None,
                       'Width of the classifier (overrides the dataset\'s '
                       'classes minus --labels_offset).')
  flags.DEFINE_integer('labels_offset', None,
                       'Class index i is dataset label i + labels_offset '
                       '(1: 1000-class nets on ImageNet); None: the training '
                       'run\'s, else 0.')
  flags.DEFINE_integer('num_channels', None,
                       'Channels of the decoded images (1 or 3); None: the '
                       'dataset\'s, else 3.')
  flags.DEFINE_integer('image_size', None,
                       'Input height and width; None: the training run\'s, '
                       'else the network\'s default.')
  flags.DEFINE_string('preprocessing_name', None,
                      'Preprocessing; None: the training run\'s, else the '
                      'model\'s.')
  flags.DEFINE_boolean('use_grayscale', None,
                       'Preprocess to one channel; None: as in training.')
  flags.DEFINE_string('labels_file', None,
                      'labels.txt (`label:name` lines, as the dataset '
                      'converters write it); None: the dataset\'s names (or '
                      'the frozen graph\'s), else label numbers.')


def define_checkpoint_flags():
  """Which weights and temperature of a checkpoint to use."""
  flags.DEFINE_string('checkpoint_path', None,
                      'Checkpoint file, or a training directory (its latest '
                      'checkpoint).')
  flags.DEFINE_boolean('use_moving_averages', False,
                       'Use the exponential moving averages of the weights '
                       '(models trained with --moving_average_decay).')
  flags.DEFINE_float('moving_average_decay', None,
                     'Same as --use_moving_averages (the eval binary\'s '
                     'flag; the value itself does not matter).')
  flags.DEFINE_boolean('use_temperature', False,
                       'Divide the logits by the temperature in '
                       'temperature.json beside the checkpoint (fitted by '
                       'eval_uncertainty.py) before the softmax.')
