r"""Converts a dataset already on disk to TFRecords (TF-Slim's converter).

Unlike TF-Slim's script of the same name, nothing is downloaded: the raw
files must already be on disk. Each conversion writes the records, a
`labels.txt` and a `dataset_metadata.json` entry with the real split sizes,
which the readers in `datasets/` use instead of hard-coded sizes. Running it
again overwrites the outputs (each overwritten file is logged) and removes
shards of an earlier conversion of the same split.

  --dataset_name=mnist    IDX files (.gz or not) in --raw_dir (default
                          --dataset_dir) -> mnist_<split>.tfrecord
  --dataset_name=cifar10  --raw_dir/cifar-10-batches-py (or the tarball)
                          -> cifar10_<split>.tfrecord
  --dataset_name=svhn     --raw_dir/{train,test}_32x32.mat (SVHN format 2)
                          -> svhn_<split>.tfrecord (labels 0-9)
  --dataset_name=flowers  --raw_dir/flower_photos/<class>/*.jpg
                          -> flowers_<split>_0000N-of-00005.tfrecord
  --dataset_name=custom   --image_dir/<class>/*.{jpg,jpeg,png,...}
                          -> <custom_name>_<split>_0000N-of-0000M.tfrecord
  --dataset_name=digits   scikit-learn's bundled digits (no raw files)
                          -> digits_<split>_00000-of-00001.tfrecord
  --dataset_name=ood      --transform of a converted split (invert, rotate90,
                          gaussian_noise, uniform_noise; datasets/convert_ood)
                          -> <custom_name>_<split>_00000-of-00001.tfrecord

Usage:

  # A train/held-out pair from the real MNIST test set (first 8000 / last
  # 2000 digits, in the original order):
  python download_and_convert_data.py --dataset_name=mnist \
      --raw_dir=/work/shared/data/mnist --dataset_dir=/tmp/mnist_8k \
      --source_split=test --split_sizes=train:8000,test:2000

  # SVHN from the .mat files you have (as CIFAR-10's OOD set, or on its own):
  python download_and_convert_data.py --dataset_name=svhn \
      --raw_dir=/data/svhn_mat --dataset_dir=/data/svhn

  # An OOD set: the inverted test split of a converted dataset, in its own
  # directory (dataset name mnist_invert unless --custom_name is given):
  python download_and_convert_data.py --dataset_name=ood \
      --source_dataset_name=mnist --source_dataset_dir=/tmp/mnist_8k \
      --source_split_name=test --transform=invert \
      --dataset_dir=/tmp/mnist_invert

  # The embedded demo dataset:
  python download_and_convert_data.py --dataset_name=digits \
      --dataset_dir=/tmp/digits

  # Your own images, one folder per class:
  python download_and_convert_data.py --dataset_name=custom \
      --image_dir=/data/pets_raw --custom_name=pets --dataset_dir=/data/pets
"""
import os
import re

from absl import app
from absl import flags

from datasets import convert_cifar10
from datasets import convert_digits
from datasets import convert_image_folder
from datasets import convert_mnist
from datasets import convert_ood
from datasets import convert_svhn
from datasets import custom
from datasets import dataset_utils

_DATASET_NAMES = ('mnist', 'cifar10', 'svhn', 'flowers', 'custom', 'digits',
                  'ood')
_FLOWERS_NUM_VALIDATION = 350
_DEFAULT_IMAGE_FOLDER_SHARDS = 5
_DEFAULT_DIGITS_SHARDS = 1
_RESERVED_CUSTOM_NAMES = ('mnist', 'cifar10', 'svhn', 'flowers', 'imagenet',
                          'digits')
_DEFAULT_OOD_SOURCE_SPLIT = 'test'

# Flags (besides dataset_name, dataset_dir) each dataset understands.
_APPLICABLE_FLAGS = {
    'mnist': ('raw_dir', 'source_split', 'split_sizes'),
    'cifar10': ('raw_dir', 'source_split', 'split_sizes'),
    'svhn': ('raw_dir', 'source_split', 'split_sizes'),
    'flowers': ('raw_dir', 'image_dir', 'num_validation',
                'validation_percentage', 'split_sizes', 'num_shards',
                'shuffle_seed', 'skip_corrupt'),
    'custom': ('image_dir', 'custom_name', 'num_validation',
               'validation_percentage', 'split_sizes', 'num_shards',
               'shuffle_seed', 'skip_corrupt'),
    'digits': ('split_sizes', 'num_shards', 'shuffle_seed'),
    'ood': ('source_dataset_name', 'source_dataset_dir', 'source_split_name',
            'transform', 'custom_name', 'split_name', 'seed', 'num_examples',
            'noise_mean', 'noise_std'),
}


def define_flags(flag_values=flags.FLAGS):
  """Defines this binary's flags (only when run as a program)."""
  fv = flag_values
  flags.DEFINE_enum('dataset_name', None, _DATASET_NAMES,
                    'The dataset to convert.', flag_values=fv)
  flags.DEFINE_string('dataset_dir', None,
                      'Output directory of the TFRecords, labels.txt and '
                      'dataset_metadata.json. For mnist, cifar10, svhn and '
                      'flowers also where the raw files are looked for, '
                      'unless --raw_dir is given.', flag_values=fv)
  flags.DEFINE_string('raw_dir', None,
                      'Where the raw files are (mnist, cifar10, svhn, '
                      'flowers); defaults to --dataset_dir.', flag_values=fv)
  flags.DEFINE_string('image_dir', None,
                      'custom (required) and flowers: root folder with one '
                      'sub-folder of images per class.', flag_values=fv)
  flags.DEFINE_string('custom_name', None,
                      'custom/ood: the dataset name, used as file prefix and '
                      'as --dataset_name (--ood_dataset_name) later (default: '
                      'custom; ood: <source_dataset_name>_<transform>).',
                      flag_values=fv)
  flags.DEFINE_float('validation_percentage', None,
                     'flowers/custom: percentage of images in the validation '
                     'split (custom default: 10).', flag_values=fv)
  flags.DEFINE_integer('num_validation', None,
                       'flowers/custom: number of images in the validation '
                       'split (flowers default: %d).' %
                       _FLOWERS_NUM_VALIDATION, flag_values=fv)
  flags.DEFINE_integer('num_shards', None,
                       'Shards per split (flowers/custom default %d, digits '
                       '%d).' % (_DEFAULT_IMAGE_FOLDER_SHARDS,
                                 _DEFAULT_DIGITS_SHARDS), flag_values=fv)
  flags.DEFINE_integer('shuffle_seed', 0,
                       'Seed of the shuffle before splitting and sharding '
                       '(recorded in dataset_metadata.json).', flag_values=fv)
  flags.DEFINE_boolean('skip_corrupt', False,
                       'flowers/custom: leave out images that cannot be '
                       'decoded (counted in the log and the metadata) instead '
                       'of failing.', flag_values=fv)
  flags.DEFINE_string('source_split', None,
                      'mnist/cifar10/svhn: take every output split from this '
                      'raw split (train or test), in its original order.',
                      flag_values=fv)
  flags.DEFINE_string('split_sizes', None,
                      'Output splits and sizes, e.g. train:8000,test:2000: '
                      'consecutive examples of the source (raw split for '
                      'mnist/cifar10/svhn, shuffled images otherwise).',
                      flag_values=fv)
  _define_ood_flags(fv)


def _define_ood_flags(fv):
  """Flags of --dataset_name=ood (named as in datasets/convert_ood.py)."""
  flags.DEFINE_string('source_dataset_name', None,
                      'ood: the converted dataset to transform (mnist, '
                      'cifar10, svhn, digits, a custom name).',
                      flag_values=fv)
  flags.DEFINE_string('source_dataset_dir', None,
                      'ood: directory of the source dataset (the OOD set '
                      'goes to --dataset_dir, which must differ).',
                      flag_values=fv)
  flags.DEFINE_string('source_split_name', None,
                      'ood: the split to transform (default: %s).' %
                      _DEFAULT_OOD_SOURCE_SPLIT, flag_values=fv)
  flags.DEFINE_enum('transform', None, sorted(convert_ood.TRANSFORMS),
                    'ood: the transform applied to every image.',
                    flag_values=fv)
  flags.DEFINE_string('split_name', None,
                      'ood: output split name (default: the source split '
                      'name).', flag_values=fv)
  flags.DEFINE_integer('seed', 0, 'ood: seed of the noise transforms '
                       '(recorded).', flag_values=fv)
  flags.DEFINE_integer('num_examples', None,
                       'ood: use only the first N source examples.',
                       flag_values=fv)
  flags.DEFINE_float('noise_mean', None,
                     'ood, gaussian_noise: mean in pixel levels (default: '
                     'the source pixels\' mean).', flag_values=fv)
  flags.DEFINE_float('noise_std', None,
                     'ood, gaussian_noise: standard deviation in pixel '
                     'levels (default: the source pixels\' std).',
                     flag_values=fv)


def _check_applicable(fv):
  """Fails on a flag set on the command line that the dataset ignores."""
  name = fv.dataset_name
  allowed = set(_APPLICABLE_FLAGS[name]) | {'dataset_name', 'dataset_dir'}
  for flag_name in sorted(set().union(*_APPLICABLE_FLAGS.values())):
    if fv[flag_name].present and flag_name not in allowed:
      raise app.UsageError('--%s does not apply to --dataset_name=%s (it '
                           'takes: %s).' % (flag_name, name, ', '.join(
                               '--' + f for f in _APPLICABLE_FLAGS[name])))


def _or_default(value, default):
  return default if value is None else value


def _split_sizes(fv):
  return (dataset_utils.parse_split_sizes(fv.split_sizes)
          if fv.split_sizes else None)


def _convert_mnist(fv):
  return convert_mnist.run(fv.dataset_dir, fv.raw_dir, fv.source_split,
                           _split_sizes(fv))


def _convert_cifar10(fv):
  return convert_cifar10.run(fv.dataset_dir, fv.raw_dir, fv.source_split,
                             _split_sizes(fv))


def _convert_svhn(fv):
  return convert_svhn.run(fv.dataset_dir, fv.raw_dir, fv.source_split,
                          _split_sizes(fv))


def _convert_image_folder(fv, image_dir, name, layout, num_validation):
  return convert_image_folder.run(
      image_dir, fv.dataset_dir, name,
      num_shards=_or_default(fv.num_shards, _DEFAULT_IMAGE_FOLDER_SHARDS),
      split_sizes=_split_sizes(fv), num_validation=num_validation,
      validation_percentage=fv.validation_percentage,
      shuffle_seed=fv.shuffle_seed, skip_corrupt=fv.skip_corrupt,
      layout=layout)


def _convert_flowers(fv):
  raw_dir = fv.raw_dir or fv.dataset_dir
  image_dir = fv.image_dir or os.path.join(raw_dir, 'flower_photos')
  if not os.path.isdir(image_dir):
    raise ValueError(
        'Flower photos not found at %s. This tool does not download: get '
        'flower_photos.tgz (the TensorFlow flowers dataset), extract it with '
        '"tar xzf flower_photos.tgz -C %s", or point --image_dir at the '
        'folder of class sub-folders.' % (image_dir, raw_dir))
  num_validation = fv.num_validation
  if num_validation is None and fv.validation_percentage is None and (
      fv.split_sizes is None):
    num_validation = _FLOWERS_NUM_VALIDATION
  return _convert_image_folder(fv, image_dir, 'flowers', 'flowers',
                               num_validation)


def _convert_custom(fv):
  if not fv.image_dir:
    raise app.UsageError('--dataset_name=custom needs --image_dir (a folder '
                         'with one sub-folder of images per class).')
  name = fv.custom_name or custom.DEFAULT_NAME
  if not re.match(r'^[A-Za-z0-9][A-Za-z0-9_-]*$', name) or (
      name in _RESERVED_CUSTOM_NAMES):
    raise app.UsageError(
        '--custom_name=%s: use letters, digits, "_" and "-", and not one of '
        'the built-in names (%s).' % (name, ', '.join(_RESERVED_CUSTOM_NAMES)))
  return _convert_image_folder(fv, fv.image_dir, name, custom.CUSTOM_LAYOUT,
                               fv.num_validation)


def _convert_digits(fv):
  return convert_digits.run(fv.dataset_dir, shuffle_seed=fv.shuffle_seed,
                            split_sizes=_split_sizes(fv),
                            num_shards=_or_default(fv.num_shards,
                                                   _DEFAULT_DIGITS_SHARDS))


def _convert_ood(fv):
  for required in ('source_dataset_name', 'source_dataset_dir', 'transform'):
    if not fv[required].value:
      raise app.UsageError(
          '--dataset_name=ood needs --%s (it writes --transform of split '
          '--source_split_name of the converted dataset --source_dataset_name '
          'in --source_dataset_dir).' % required)
  name = fv.custom_name or convert_ood.default_name(fv.source_dataset_name,
                                                     fv.transform)
  if name in _RESERVED_CUSTOM_NAMES + (custom.DEFAULT_NAME,):
    raise app.UsageError(
        'The OOD dataset would be named %s, a built-in name: pass another '
        '--custom_name.' % name)
  return convert_ood.convert(
      fv.source_dataset_name, fv.source_dataset_dir,
      fv.source_split_name or _DEFAULT_OOD_SOURCE_SPLIT, fv.transform,
      fv.dataset_dir, dataset_name=name, split_name=fv.split_name,
      seed=fv.seed, num_examples=fv.num_examples, noise_mean=fv.noise_mean,
      noise_std=fv.noise_std)


_CONVERTERS = {
    'mnist': _convert_mnist,
    'cifar10': _convert_cifar10,
    'svhn': _convert_svhn,
    'flowers': _convert_flowers,
    'custom': _convert_custom,
    'digits': _convert_digits,
    'ood': _convert_ood,
}


def run(fv=flags.FLAGS):
  """Runs the conversion the parsed flags ask for.

  Args:
    fv: parsed FlagValues holding the flags of `define_flags`.

  Returns:
    The metadata entry written.

  Raises:
    app.UsageError: missing or inapplicable flags.
    ValueError: problems with the raw data (the message says what to do).
  """
  if not fv.dataset_name:
    raise app.UsageError('Pass --dataset_name (one of %s).' %
                         ', '.join(_DATASET_NAMES))
  if not fv.dataset_dir:
    raise app.UsageError('Pass --dataset_dir, the output directory.')
  _check_applicable(fv)
  return _CONVERTERS[fv.dataset_name](fv)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError('Unexpected arguments: %s' % ' '.join(argv[1:]))
  try:
    run(flags.FLAGS)
  except ValueError as e:
    raise SystemExit('download_and_convert_data.py: error: %s' % e)


if __name__ == '__main__':
  define_flags()
  app.run(main)
