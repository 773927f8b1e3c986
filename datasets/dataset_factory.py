"""Maps a dataset name (`--dataset_name`) to its split descriptions.

Known names: mnist, cifar10, svhn, flowers, imagenet, custom and digits. Any
name recorded as a custom-layout dataset in the directory's
`dataset_metadata.json` (`--custom_name` of the converter) is accepted as
well.

Typical use:

  dataset = dataset_factory.get_dataset('flowers', 'validation',
                                        '/data/flowers')
  print(dataset.num_samples, dataset.num_classes)
"""
import difflib
import functools

from datasets import cifar10
from datasets import custom
from datasets import flowers
from datasets import imagenet
from datasets import mnist
from datasets import svhn

_DATASETS = {
    'cifar10': cifar10.get_split,
    'custom': custom.get_split,
    'digits': functools.partial(custom.get_split, name=custom.DIGITS_NAME),
    'flowers': flowers.get_split,
    'imagenet': imagenet.get_split,
    'mnist': mnist.get_split,
    'svhn': svhn.get_split,
}


def dataset_names():
  """Returns the sorted built-in dataset names."""
  return sorted(_DATASETS)


def get_dataset(name, split_name, dataset_dir, file_pattern=None,
                reader=None):
  """Returns the `tf_slim` Dataset description of a split.

  Args:
    name: a built-in dataset name, or the name of a custom dataset converted
      into `dataset_dir`.
    split_name: the split, e.g. 'train' or 'test'.
    dataset_dir: the directory holding the TFRecord files.
    file_pattern: optional glob of the split's files ('%s' = split name).
    reader: the slim reader class recorded in the description.

  Returns:
    A `tf_slim.dataset.Dataset` (see dataset_lib.get_split for its fields).

  Raises:
    ValueError: unknown name (the message lists the known names), or an
      error of the dataset module (unknown split, missing files, ...).
  """
  if name in _DATASETS:
    return _DATASETS[name](split_name, dataset_dir, file_pattern, reader)
  found = custom.custom_names(dataset_dir)
  if name in found:
    return custom.get_split(split_name, dataset_dir, file_pattern, reader,
                            name=name)
  close = difflib.get_close_matches(name or '', dataset_names() + found, n=1)
  raise ValueError(
      'Unknown dataset name %r.%s Known names: %s%s. To use your own images, '
      'convert them with download_and_convert_data.py --dataset_name=custom '
      '--custom_name=NAME --image_dir=ROOT_WITH_CLASS_FOLDERS '
      '--dataset_dir=DIR and pass --dataset_name=NAME.' %
      (name, ' Did you mean %r?' % close[0] if close else '',
       ', '.join(dataset_names()),
       (' (custom datasets in %s: %s)' % (dataset_dir, ', '.join(found))
        if found else '')))
