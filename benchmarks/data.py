"""Small TFRecord datasets for the benchmark, written with our converters.

Nothing is downloaded:

* `lenet` (28 x 28 grayscale input) reads the `digits` dataset written by
  `datasets.convert_digits` (scikit-learn's 1,797 real digits, upscaled);
* every other model reads `NUM_CLASSES` classes of synthetic images at the
  model's input size, written as JPEG files into class folders and converted
  by `datasets.convert_image_folder` (so the records are exactly what the
  converter writes for a user's own images). The images are smooth random
  colour fields plus a little noise, which compress about like photographs
  (pure noise would make JPEG decoding unrealistically expensive).

Typical use:

  name, split, directory = data.make_dataset_for_model('resnet_v1_50', tmp)
  dataset = dataset_factory.get_dataset(name, split, directory)
"""
import collections
import os

import numpy as np
from PIL import Image

from datasets import convert_digits
from datasets import convert_image_folder
from datasets import custom
from nets import nets_factory

NUM_CLASSES = 10
DATASET_NAME = 'bench'
SPLIT_NAME = 'train'
# Examples written per synthetic dataset: 8 batches of 32 at 224 x 224.
DEFAULT_NUM_EXAMPLES = 256
_NUM_SHARDS = 4
_JPEG_QUALITY = 90
_BLOCK = 8  # The random field is drawn at 1/_BLOCK of the size, then upscaled.


def synthetic_image(rng, size):
  """A smooth random RGB uint8 image of `size` x `size`.

  Args:
    rng: a numpy RandomState.
    size: height and width in pixels.

  Returns:
    uint8 array [size, size, 3].
  """
  small = max(2, size // _BLOCK)
  field = rng.randint(0, 256, size=(small, small, 3)).astype(np.uint8)
  image = np.asarray(Image.fromarray(field).resize((size, size),
                                                   Image.BILINEAR))
  noise = rng.randint(-8, 9, size=image.shape)
  return np.clip(image.astype(np.int32) + noise, 0, 255).astype(np.uint8)


def write_image_folder(image_dir, size, num_examples, seed=0):
  """Writes `num_examples` JPEGs into image_dir/class_<k>/ (round robin).

  Args:
    image_dir: the root folder to create.
    size: image height and width.
    num_examples: number of images.
    seed: numpy seed of the images.
  """
  rng = np.random.RandomState(seed)
  for k in range(NUM_CLASSES):
    os.makedirs(os.path.join(image_dir, 'class_%d' % k), exist_ok=True)
  for i in range(num_examples):
    path = os.path.join(image_dir, 'class_%d' % (i % NUM_CLASSES),
                        '%05d.jpg' % i)
    Image.fromarray(synthetic_image(rng, size)).save(path,
                                                     quality=_JPEG_QUALITY)


def make_synthetic_dataset(workdir, size, num_examples=DEFAULT_NUM_EXAMPLES):
  """Converts synthetic images of `size` into TFRecords under workdir.

  Args:
    workdir: a scratch directory (created if needed).
    size: image height and width.
    num_examples: examples in the single split.

  Returns:
    (dataset_name, split_name, dataset_dir).
  """
  dataset_dir = os.path.join(workdir, 'bench_%d' % size)
  if not os.path.exists(os.path.join(dataset_dir, 'labels.txt')):
    image_dir = os.path.join(workdir, 'images_%d' % size)
    write_image_folder(image_dir, size, num_examples)
    convert_image_folder.run(
        image_dir, dataset_dir, DATASET_NAME, num_shards=_NUM_SHARDS,
        split_sizes=collections.OrderedDict([(SPLIT_NAME, num_examples)]))
  return DATASET_NAME, SPLIT_NAME, dataset_dir


def make_digits_dataset(workdir):
  """Converts scikit-learn's digits under workdir (train 1497 / test 300).

  Returns:
    (dataset_name, split_name, dataset_dir).
  """
  dataset_dir = os.path.join(workdir, 'digits')
  if not os.path.exists(os.path.join(dataset_dir, 'labels.txt')):
    convert_digits.run(dataset_dir)
  return custom.DIGITS_NAME, 'train', dataset_dir


def make_dataset_for_model(model_name, workdir,
                           num_examples=DEFAULT_NUM_EXAMPLES):
  """The benchmark dataset of a model (see the module doc).

  Args:
    model_name: a nets_factory name.
    workdir: scratch directory; datasets are reused across models of the
      same input size.
    num_examples: examples of a synthetic dataset.

  Returns:
    (dataset_name, split_name, dataset_dir).
  """
  spec = nets_factory.get_model_spec(model_name)
  if spec.preprocessing_name == 'lenet':
    return make_digits_dataset(workdir)
  return make_synthetic_dataset(workdir, spec.default_image_size,
                                num_examples)
