"""The MNIST handwritten digits (LeCun, Bottou, Bengio and Haffner, 1998).

Files: `mnist_train.tfrecord` (60000 examples) and `mnist_test.tfrecord`
(10000), PNG-encoded 28 x 28 x 1, labels 0-9. Split sizes come from the
converter's `dataset_metadata.json` (so a train/test pair carved out of the
real test set with `--source_split=test --split_sizes=train:8000,test:2000`
reports 8000/2000), else from the reference sizes, else from a count.

Typical use:

  dataset = mnist.get_split('train', '/data/mnist')
"""
from datasets import dataset_lib

_SPEC = dataset_lib.DatasetSpec(
    name='mnist',
    default_file_pattern='mnist_%s.tfrecord',
    reference_splits={
        'train': dataset_lib.reference_split(60000, ['mnist_train.tfrecord']),
        'test': dataset_lib.reference_split(10000, ['mnist_test.tfrecord']),
    },
    num_classes=10,
    channels=1,
    has_background=False,
    description='A 28 x 28 grayscale image of a handwritten digit.',
    convert_hint=dataset_lib.convert_hint('mnist'),
)


def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the MNIST split `split_name` (see dataset_lib.get_split)."""
  return dataset_lib.get_split(_SPEC, split_name, dataset_dir, file_pattern,
                               reader)
