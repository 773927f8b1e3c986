"""Converts a folder of class sub-folders of images to sharded TFRecords.

Used for `flowers` (`raw_dir/flower_photos/<class>/*.jpg`, the extracted
`flower_photos.tgz` of the TensorFlow flowers dataset) and for `custom`
datasets (`image_dir/<class>/**/*.{jpg,jpeg,png,bmp,gif}`). Classes are the
sorted sub-folder names; labels are their indices.

What it guarantees (the usual ways such conversions went wrong):

* every image is decoded once (Pillow) before anything is written; each file
  that fails is named in the error, or, with `skip_corrupt`, left out and
  counted in the log and in the metadata;
* records hold encoded bytes and their true `image/format` (from the
  content, not the extension): the original bytes when the file already is
  an 8-bit RGB JPEG or PNG, else a re-encoding to RGB (JPEG sources at
  quality 95, everything else as lossless PNG). Grayscale and palette images
  are expanded to RGB, alpha (RGBA, LA, transparent palettes) is composited
  onto white, and 16-bit images are scaled to 8 bits (value / 257);
* the examples are shuffled with the recorded seed before being split and
  sharded, so every shard mixes classes;
* `labels.txt` and a `dataset_metadata.json` entry (real split sizes, classes,
  channels=3, shuffle seed, skipped files) are written, and shards of an
  earlier conversion of the same split are replaced, never mixed in.

Each record also stores `image/filename` (the path relative to the image
folder).

Typical use:

  convert_image_folder.run('/data/raw/flower_photos', '/data/flowers',
                           'flowers', num_validation=350, layout='flowers')
"""
import collections
import io
import os
import random

from absl import logging
import numpy as np
from PIL import Image
import tensorflow.compat.v1 as tf

from datasets import dataset_utils

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.gif')
DEFAULT_VALIDATION_PERCENTAGE = 10.0
_MAX_LISTED_FAILURES = 50
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_RGB_COLOR_TYPE = 2

# One image to write: where it is, its label, and how to store it.
ImageInfo = collections.namedtuple('ImageInfo', [
    'path', 'relpath', 'label', 'height', 'width',
    'image_format',  # 'jpeg' or 'png': the format written.
    'passthrough',   # True: write the file's bytes unchanged.
])


def list_images(image_dir):
  """Lists the images of image_dir/<class>/ (recursively inside a class).

  Args:
    image_dir: the root folder.

  Returns:
    (class_names, [(path, relpath, label)]), both sorted.

  Raises:
    ValueError: image_dir is missing or has no class sub-folder.
  """
  if not tf.io.gfile.isdir(image_dir):
    raise ValueError('Image folder %s does not exist. Expected one '
                     'sub-folder per class with the images inside, e.g. '
                     '%s/daisy/1.jpg.' % (image_dir, image_dir))
  class_names = sorted(
      d for d in tf.io.gfile.listdir(image_dir)
      if not d.startswith('.') and tf.io.gfile.isdir(
          os.path.join(image_dir, d)))
  class_names = [d.rstrip('/') for d in class_names]
  if not class_names:
    raise ValueError('%s has no class sub-folders. Expected one sub-folder '
                     'per class with the images inside, e.g. '
                     '%s/daisy/1.jpg.' % (image_dir, image_dir))
  entries, ignored = [], 0
  for label, class_name in enumerate(class_names):
    count = 0
    for root, dirs, files in tf.io.gfile.walk(
        os.path.join(image_dir, class_name)):
      dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
      for name in sorted(files):
        if name.startswith('.'):
          continue
        if os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
          ignored += 1
          continue
        path = os.path.join(root, name)
        entries.append((path, os.path.relpath(path, image_dir), label))
        count += 1
    if not count:
      logging.warning('Class folder %s holds no image (%s).',
                      os.path.join(image_dir, class_name),
                      ', '.join(IMAGE_EXTENSIONS))
  if ignored:
    logging.info('Ignored %d files without an image extension (%s).',
                 ignored, ', '.join(IMAGE_EXTENSIONS))
  entries.sort(key=lambda e: e[1])
  return class_names, entries


def _read(path):
  with tf.io.gfile.GFile(path, 'rb') as f:
    return f.read()


def _is_rgb8_png(data):
  """True for a PNG whose IHDR says 8-bit truecolor without alpha."""
  return (data[:8] == _PNG_SIGNATURE and data[12:16] == b'IHDR' and
          len(data) > 25 and data[24] == 8 and
          data[25] == _PNG_RGB_COLOR_TYPE)


def _open(data):
  image = Image.open(io.BytesIO(data))
  image.load()  # Decodes all pixels: truncated files fail here.
  return image


def to_rgb(image):
  """Returns an 8-bit RGB Pillow image of any Pillow image.

  Alpha is composited onto white; 16-bit ('I;16*', 'I') values are divided
  by 257; float ('F') values are clipped to [0, 255].
  """
  mode = image.mode
  if mode == 'RGB':
    return image
  if mode.startswith('I') or mode == 'F':
    array = np.asarray(image, dtype=np.float64)
    if mode != 'F':
      array = array / 257.0
    array = np.clip(np.round(array), 0, 255).astype(np.uint8)
    return Image.fromarray(array, 'L').convert('RGB')
  has_alpha = mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La') or (
      mode == 'P' and 'transparency' in image.info)
  if has_alpha:
    rgba = image.convert('RGBA')
    background = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert('RGB')
  return image.convert('RGB')


def inspect_image(path, relpath, label):
  """Decodes one image and decides how to store it.

  Returns:
    An ImageInfo.

  Raises:
    Exception: whatever the read or the decode raised.
  """
  data = _read(path)
  image = _open(data)
  width, height = image.size
  if image.format == 'JPEG':
    return ImageInfo(path, relpath, label, height, width, 'jpeg',
                     image.mode == 'RGB')
  return ImageInfo(path, relpath, label, height, width, 'png',
                   image.format == 'PNG' and _is_rgb8_png(data))


def encoded_image(info):
  """Returns the bytes to store for an ImageInfo."""
  data = _read(info.path)
  if info.passthrough:
    return data
  return dataset_utils.encode_pil(to_rgb(_open(data)), info.image_format)


def inspect_all(entries, skip_corrupt):
  """Decodes every image; returns (ImageInfos, skipped relpaths).

  Raises:
    ValueError: some images failed and not skip_corrupt; the message names
      each failing file and suggests --skip_corrupt.
  """
  infos, failures = [], []
  for number, (path, relpath, label) in enumerate(entries, 1):
    try:
      infos.append(inspect_image(path, relpath, label))
    except Exception as e:  # pylint: disable=broad-except
      failures.append((path, relpath, '%s: %s' % (type(e).__name__, e)))
    if number % 1000 == 0:
      logging.info('Decoded %d/%d images.', number, len(entries))
  if failures and not skip_corrupt:
    listed = ['  %s (%s)' % (path, error)
              for path, _, error in failures[:_MAX_LISTED_FAILURES]]
    if len(failures) > _MAX_LISTED_FAILURES:
      listed.append('  ... and %d more' %
                    (len(failures) - _MAX_LISTED_FAILURES))
    raise ValueError(
        '%d of %d images cannot be decoded:\n%s\nFix or remove them, or pass '
        '--skip_corrupt to leave them out.' %
        (len(failures), len(entries), '\n'.join(listed)))
  if failures:
    logging.warning('Skipping %d corrupt image(s) of %d (--skip_corrupt): %s',
                    len(failures), len(entries),
                    ', '.join(path for path, _, _ in failures))
  return infos, [relpath for _, relpath, _ in failures]


def resolve_split_sizes(total, split_sizes=None, num_validation=None,
                        validation_percentage=None):
  """Returns OrderedDict split -> count from at most one of the options.

  Without options, validation takes DEFAULT_VALIDATION_PERCENTAGE percent.
  The validation split comes first in the shuffled order, train after it.

  Raises:
    ValueError: several options, or sizes that do not fit.
  """
  given = [n for n, v in (('--split_sizes', split_sizes),
                          ('--num_validation', num_validation),
                          ('--validation_percentage', validation_percentage))
           if v is not None]
  if len(given) > 1:
    raise ValueError('Pass only one of %s.' % ', '.join(given))
  if split_sizes is not None:
    return split_sizes
  if num_validation is None:
    if validation_percentage is None:
      validation_percentage = DEFAULT_VALIDATION_PERCENTAGE
    if not 0 <= validation_percentage < 100:
      raise ValueError('--validation_percentage=%s must be in [0, 100).' %
                       validation_percentage)
    num_validation = int(round(total * validation_percentage / 100.0))
  if not 0 <= num_validation < total:
    raise ValueError('--num_validation=%d must be in [0, %d) (the number of '
                     'usable images).' % (num_validation, total))
  return collections.OrderedDict([('validation', num_validation),
                                  ('train', total - num_validation)])


def run(image_dir, dataset_dir, dataset_name, num_shards=5, split_sizes=None,
        num_validation=None, validation_percentage=None, shuffle_seed=0,
        skip_corrupt=False, layout='custom'):
  """Converts image_dir/<class>/ images into sharded TFRecords.

  Args:
    image_dir: root folder with one sub-folder per class.
    dataset_dir: output directory (created if needed).
    dataset_name: file prefix and metadata name ('flowers' or a custom name).
    num_shards: shards per split (fewer when a split has fewer examples).
    split_sizes: OrderedDict split -> count, taken in order from the
      shuffled examples; or use num_validation / validation_percentage
      (validation, then train), default 10 percent validation.
    num_validation: number of validation examples.
    validation_percentage: percentage of validation examples.
    shuffle_seed: seed of the shuffle before splitting (recorded).
    skip_corrupt: leave undecodable images out instead of failing.
    layout: 'flowers' or 'custom' (recorded in the metadata; the reader).

  Returns:
    The metadata entry written to dataset_dir/dataset_metadata.json.

  Raises:
    ValueError: missing folder, undecodable images (without skip_corrupt),
      bad split options.
  """
  if num_shards < 1:
    raise ValueError('--num_shards must be >= 1, got %d.' % num_shards)
  class_names, entries = list_images(image_dir)
  if not entries:
    raise ValueError('No images (%s) found under %s/<class>/.' %
                     (', '.join(IMAGE_EXTENSIONS), image_dir))
  logging.info('Found %d images of %d classes in %s; decoding each once.',
               len(entries), len(class_names), image_dir)
  infos, skipped = inspect_all(entries, skip_corrupt)
  random.Random(shuffle_seed).shuffle(infos)
  sizes = resolve_split_sizes(len(infos), split_sizes, num_validation,
                              validation_percentage)
  splits_info = dataset_utils.write_sharded_splits(
      dataset_dir, dataset_name,
      dataset_utils.partition(infos, sizes, what='decodable images'),
      lambda info: dataset_utils.image_to_tfexample(
          encoded_image(info), info.image_format, info.height, info.width,
          info.label, filename=info.relpath), num_shards)
  entry = dataset_utils.make_metadata(
      dataset_name, splits_info, class_names, channels=3, layout=layout,
      shuffle_seed=shuffle_seed,
      source={'image_dir': os.path.abspath(image_dir),
              'num_images_found': len(entries),
              'num_skipped_corrupt': len(skipped),
              'skipped_corrupt': skipped,
              'num_reencoded': sum(not i.passthrough for i in infos)})
  return dataset_utils.finish_conversion(
      dataset_dir, entry, ' (%d corrupt image(s) skipped)' % len(skipped))
