"""SVHN, the Street View House Numbers cropped digits (Netzer et al., 2011).

Files: `svhn_train.tfrecord` (73257 examples) and `svhn_test.tfrecord`
(26032), PNG-encoded 32 x 32 x 3, labels 0-9 (the digit; SVHN's label 10 for
the digit 0 is mapped to 0 by `convert_svhn.py`). Same keys and image size as
CIFAR-10, so it also serves as CIFAR-10's out-of-distribution set. Split
sizes come from the converter's `dataset_metadata.json`, else from the
reference sizes, else from a count.

Typical use:

  dataset = svhn.get_split('test', '/data/svhn')
"""
from datasets import dataset_lib

_SPEC = dataset_lib.DatasetSpec(
    name='svhn',
    default_file_pattern='svhn_%s.tfrecord',
    reference_splits={
        'train': dataset_lib.reference_split(73257, ['svhn_train.tfrecord']),
        'test': dataset_lib.reference_split(26032, ['svhn_test.tfrecord']),
    },
    num_classes=10,
    channels=3,
    has_background=False,
    description='A 32 x 32 color image of a house-number digit.',
    convert_hint=dataset_lib.convert_hint(
        'svhn', ' --raw_dir=DIR_WITH_train_32x32.mat_AND_test_32x32.mat'),
)


def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the SVHN split `split_name` (see dataset_lib.get_split)."""
  return dataset_lib.get_split(_SPEC, split_name, dataset_dir, file_pattern,
                               reader)
