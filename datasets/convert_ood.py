r"""Writes an out-of-distribution (OOD) copy of a converted dataset split.

Out-of-distribution detection needs OOD inputs the model never saw. Besides
real datasets (e.g. scikit-learn digits for an MNIST model), four synthetic
shifts of the in-distribution data run here without downloads (as in
Hendrycks and Gimpel, "A Baseline for Detecting Misclassified and
Out-of-Distribution Examples", ICLR 2017, which uses noise images, and Liang
et al., "Enhancing The Reliability of Out-of-distribution Image Detection in
Neural Networks" (ODIN), ICLR 2018):

  invert          255 - pixel (white digits on black become black on white).
  rotate90        each image turned 90 degrees counter-clockwise.
  gaussian_noise  i.i.d. Gaussian pixels, clipped to [0, 255] and rounded;
                  by default with the mean and standard deviation of the
                  source split's pixels (so the first two moments match the
                  in-distribution data), else --noise_mean / --noise_std.
  uniform_noise   i.i.d. integer pixels uniform in [0, 255].

Every output image has the size and channel count of the source image it
replaces and keeps its label (OOD evaluation ignores labels; keeping them
keeps the records valid for every reader). The result is a custom-layout
dataset in its own directory: `<name>_<split>_00000-of-00001.tfrecord`
(PNG), `labels.txt` and a `dataset_metadata.json` entry recording the
source, the transform and the seed, so `dataset_factory.get_dataset(name,
split, dir)` (or `custom`) reads it with its real size.

Typical use:

  python -m datasets.convert_ood --source_dataset_name=mnist \
      --source_dataset_dir=/tmp/mnist --source_split_name=test \
      --transform=invert --dataset_dir=/tmp/mnist_invert
  # -> dataset 'mnist_invert', split 'test', in /tmp/mnist_invert

  from datasets import convert_ood
  convert_ood.convert('mnist', '/tmp/mnist', 'test', 'gaussian_noise',
                      '/tmp/mnist_noise', seed=0)
"""
import io
import os
import re

from absl import app
from absl import flags
import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import custom
from datasets import dataset_factory
from datasets import dataset_utils

_RESERVED_NAMES = ('mnist', 'cifar10', 'flowers', 'imagenet', 'digits',
                   'custom')
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')


def _invert(images, rng, stats, params):
  del rng, stats, params
  return [255 - image for image in images]


def _rotate90(images, rng, stats, params):
  del rng, stats, params
  return [np.ascontiguousarray(np.rot90(image, k=1, axes=(0, 1)))
          for image in images]


def _gaussian_noise(images, rng, stats, params):
  mean = stats['mean'] if params.get('noise_mean') is None else (
      params['noise_mean'])
  std = stats['std'] if params.get('noise_std') is None else (
      params['noise_std'])
  return [np.clip(np.round(rng.normal(mean, std, size=image.shape)), 0,
                  255).astype(np.uint8) for image in images]


def _uniform_noise(images, rng, stats, params):
  del stats, params
  return [rng.randint(0, 256, size=image.shape).astype(np.uint8)
          for image in images]


# Transform name -> fn(list of uint8 [H, W, C], RandomState, pixel stats of
# the source split, params) -> list of uint8 images of the same shapes
# (rotate90 swaps H and W).
TRANSFORMS = {
    'invert': _invert,
    'rotate90': _rotate90,
    'gaussian_noise': _gaussian_noise,
    'uniform_noise': _uniform_noise,
}


def _decode(example, channels):
  """uint8 [H, W, channels] image of a tf.train.Example."""
  feature = example.features.feature
  data = feature['image/encoded'].bytes_list.value[0]
  image_format = feature['image/format'].bytes_list.value
  image_format = image_format[0].decode() if image_format else ''
  if image_format == 'raw':
    height = feature['image/height'].int64_list.value[0]
    width = feature['image/width'].int64_list.value[0]
    return np.frombuffer(data, np.uint8).reshape(height, width, channels)
  image = Image.open(io.BytesIO(data))
  image = image.convert('L' if channels == 1 else 'RGB')
  array = np.asarray(image, dtype=np.uint8)
  return array[:, :, None] if channels == 1 else array


def read_split(dataset):
  """Reads every image and label of a dataset split description.

  Args:
    dataset: a Dataset from `dataset_factory.get_dataset`.

  Returns:
    (images, labels): a list of uint8 [H, W, C] arrays (C = the dataset's
    channels) and an int64 array, in the split's evaluation order (files
    sorted, records in file order).
  """
  channels = int(getattr(dataset, 'channels', 3))
  images, labels = [], []
  for path in sorted(dataset.data_sources):
    for record in tf.io.tf_record_iterator(path):
      example = tf.train.Example.FromString(record)
      images.append(_decode(example, channels))
      labels.append(
          example.features.feature['image/class/label'].int64_list.value[0])
  return images, np.asarray(labels, dtype=np.int64)


def _pixel_stats(images):
  total = sum(float(np.sum(image, dtype=np.float64)) for image in images)
  count = sum(image.size for image in images)
  mean = total / count
  sq = sum(float(np.sum(np.square(image - mean), dtype=np.float64))
           for image in images)
  return {'mean': mean, 'std': (sq / count) ** 0.5}


def default_name(source_dataset_name, transform):
  """The output dataset name, e.g. 'mnist_invert'."""
  return '%s_%s' % (source_dataset_name, transform)


def _check_args(source_dataset_dir, transform, dataset_dir, name,
                num_examples, noise_std):
  if transform not in TRANSFORMS:
    raise ValueError('Unknown transform %r; choose one of: %s.' %
                     (transform, ', '.join(sorted(TRANSFORMS))))
  if not dataset_dir:
    raise ValueError('Pass --dataset_dir, the output directory of the OOD '
                     'dataset (its own directory).')
  if os.path.realpath(dataset_dir) == os.path.realpath(source_dataset_dir):
    raise ValueError(
        'The OOD dataset must go to its own directory, not the source '
        'dataset directory %s: pass another --dataset_dir.' % dataset_dir)
  if not _NAME_RE.match(name) or name in _RESERVED_NAMES:
    raise ValueError(
        'Invalid OOD dataset name %r: use letters, digits, "_" and "-", and '
        'not a built-in name (%s).' % (name, ', '.join(_RESERVED_NAMES)))
  if num_examples is not None and num_examples < 1:
    raise ValueError('num_examples must be >= 1 (or None for the whole '
                     'split), got %d.' % num_examples)
  if noise_std is not None and noise_std < 0:
    raise ValueError('noise_std must be >= 0, got %r.' % noise_std)


def convert(source_dataset_name, source_dataset_dir, source_split_name,
            transform, dataset_dir, dataset_name=None, split_name=None,
            seed=0, num_examples=None, noise_mean=None, noise_std=None):
  """Writes `transform` applied to a converted split as a custom dataset.

  Args:
    source_dataset_name: name of the converted source dataset ('mnist', ...).
    source_dataset_dir: its directory.
    source_split_name: the split to transform (e.g. 'test').
    transform: a key of TRANSFORMS.
    dataset_dir: output directory (created; must differ from the source).
    dataset_name: name of the new dataset; default
      '<source_dataset_name>_<transform>'.
    split_name: output split name; default `source_split_name`.
    seed: seed of the noise transforms (recorded).
    num_examples: keep only the first N source examples (None: all).
    noise_mean: gaussian_noise mean in pixel levels (None: source mean).
    noise_std: gaussian_noise standard deviation (None: source std).

  Returns:
    The metadata entry written to dataset_dir/dataset_metadata.json.

  Raises:
    ValueError: unknown transform, bad names or directories, or a source
      that cannot be read (the message says what to do).
  """
  name = dataset_name or default_name(source_dataset_name, transform)
  split_name = split_name or source_split_name
  _check_args(source_dataset_dir, transform, dataset_dir, name, num_examples,
              noise_std)
  dataset_utils.check_split_name(split_name)
  source = dataset_factory.get_dataset(source_dataset_name, source_split_name,
                                       source_dataset_dir)
  images, labels = read_split(source)
  if num_examples is not None:
    images, labels = images[:num_examples], labels[:num_examples]
  stats = _pixel_stats(images)
  params = {'noise_mean': noise_mean, 'noise_std': noise_std}
  outputs = TRANSFORMS[transform](images, np.random.RandomState(seed), stats,
                                  params)
  split_info = dataset_utils.write_sharded_splits(
      dataset_dir, name, {split_name: list(range(len(outputs)))},
      lambda i: dataset_utils.image_to_tfexample(
          dataset_utils.encode_png(outputs[i]), b'png', outputs[i].shape[0],
          outputs[i].shape[1], labels[i]), num_shards=1)
  num_classes = source.num_classes
  names = source.labels_to_names or {}
  label_names = [names.get(i, str(i)) for i in range(num_classes)]
  noise = {}
  if transform == 'gaussian_noise':
    noise = {'noise_mean': stats['mean'] if noise_mean is None else noise_mean,
             'noise_std': stats['std'] if noise_std is None else noise_std}
  entry = dataset_utils.make_metadata(
      name, split_info, label_names, channels=int(source.channels),
      layout=custom.CUSTOM_LAYOUT, shuffle_seed=None,
      source=dict({'origin': 'datasets/convert_ood.py',
                   'source_dataset_name': source_dataset_name,
                   'source_dataset_dir': os.path.abspath(source_dataset_dir),
                   'source_split_name': source_split_name,
                   'transform': transform, 'seed': seed,
                   'num_examples': len(outputs),
                   'labels': 'copied from the source examples (not '
                             'meaningful for OOD data)'}, **noise))
  return dataset_utils.finish_conversion(dataset_dir, entry,
                                         note=' (%s of %s/%s)' % (
                                             transform, source_dataset_name,
                                             source_split_name))


def define_flags(flag_values=flags.FLAGS):
  """Defines the CLI flags (only when run as a program)."""
  fv = flag_values
  flags.DEFINE_string('source_dataset_name', None,
                      'Converted dataset to transform (mnist, digits, ...).',
                      flag_values=fv)
  flags.DEFINE_string('source_dataset_dir', None,
                      'Directory of the source dataset.', flag_values=fv)
  flags.DEFINE_string('source_split_name', 'test', 'Split to transform.',
                      flag_values=fv)
  flags.DEFINE_enum('transform', None, sorted(TRANSFORMS),
                    'The transform applied to every image.', flag_values=fv)
  flags.DEFINE_string('dataset_dir', None,
                      'Output directory (its own, not the source one).',
                      flag_values=fv)
  flags.DEFINE_string('dataset_name', None,
                      'Name of the OOD dataset (default: '
                      '<source_dataset_name>_<transform>); pass it as '
                      '--dataset_name / --ood_dataset_name later.',
                      flag_values=fv)
  flags.DEFINE_string('split_name', None,
                      'Output split name (default: the source split name).',
                      flag_values=fv)
  flags.DEFINE_integer('seed', 0, 'Seed of the noise transforms.',
                       flag_values=fv)
  flags.DEFINE_integer('num_examples', None,
                       'Use only the first N source examples.',
                       flag_values=fv)
  flags.DEFINE_float('noise_mean', None,
                     'gaussian_noise: mean in pixel levels (default: the '
                     'source pixels\' mean).', flag_values=fv)
  flags.DEFINE_float('noise_std', None,
                     'gaussian_noise: standard deviation in pixel levels '
                     '(default: the source pixels\' std).', flag_values=fv)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError('Unexpected arguments: %s' % ' '.join(argv[1:]))
  fv = flags.FLAGS
  for required in ('source_dataset_name', 'source_dataset_dir', 'transform',
                   'dataset_dir'):
    if not fv[required].value:
      raise app.UsageError('Pass --%s.' % required)
  try:
    convert(fv.source_dataset_name, fv.source_dataset_dir,
            fv.source_split_name, fv.transform, fv.dataset_dir,
            dataset_name=fv.dataset_name, split_name=fv.split_name,
            seed=fv.seed, num_examples=fv.num_examples,
            noise_mean=fv.noise_mean, noise_std=fv.noise_std)
  except ValueError as e:
    raise SystemExit('convert_ood: error: %s' % ' '.join(str(e).split()))


if __name__ == '__main__':
  tf.logging.set_verbosity(tf.logging.ERROR)
  define_flags()
  app.run(main)
