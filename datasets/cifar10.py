"""CIFAR-10 (Krizhevsky, "Learning Multiple Layers of Features from Tiny
Images", 2009).

Files: `cifar10_train.tfrecord` (50000 examples) and `cifar10_test.tfrecord`
(10000), PNG-encoded 32 x 32 x 3, 10 classes. Split sizes come from the
converter's `dataset_metadata.json`, else from the reference sizes, else from
a count.

Typical use:

  dataset = cifar10.get_split('test', '/data/cifar10')
"""
from datasets import dataset_lib

_SPEC = dataset_lib.DatasetSpec(
    name='cifar10',
    default_file_pattern='cifar10_%s.tfrecord',
    reference_splits={
        'train': dataset_lib.reference_split(50000,
                                             ['cifar10_train.tfrecord']),
        'test': dataset_lib.reference_split(10000, ['cifar10_test.tfrecord']),
    },
    num_classes=10,
    channels=3,
    has_background=False,
    description='A 32 x 32 color image.',
    convert_hint=dataset_lib.convert_hint(
        'cifar10', ' (reads DIR/cifar-10-batches-py)'),
)


def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the CIFAR-10 split `split_name` (see dataset_lib.get_split)."""
  return dataset_lib.get_split(_SPEC, split_name, dataset_dir, file_pattern,
                               reader)
