"""The TensorFlow flowers dataset (5 classes of flower photos, 3670 images).

Files: `flowers_train_0000N-of-00005.tfrecord` (3320 examples) and
`flowers_validation_0000N-of-00005.tfrecord` (350), JPEG, 5 classes. The
reference sizes are used only when all five shards of a split are present and
there is no converter metadata; a subset of the shards gets its counted size.

Typical use:

  dataset = flowers.get_split('validation', '/data/flowers')
"""
from datasets import dataset_lib


def _shards(split_name, num_shards=5):
  return ['flowers_%s_%05d-of-%05d.tfrecord' % (split_name, i, num_shards)
          for i in range(num_shards)]


_SPEC = dataset_lib.DatasetSpec(
    name='flowers',
    default_file_pattern='flowers_%s_?????-of-?????.tfrecord',
    reference_splits={
        'train': dataset_lib.reference_split(3320, _shards('train')),
        'validation': dataset_lib.reference_split(350, _shards('validation')),
    },
    num_classes=5,
    channels=3,
    has_background=False,
    description='A color image of varying size.',
    convert_hint=dataset_lib.convert_hint(
        'flowers', ' (reads DIR/flower_photos/<class>/*.jpg)'),
)


def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the flowers split `split_name` (see dataset_lib.get_split)."""
  return dataset_lib.get_split(_SPEC, split_name, dataset_dir, file_pattern,
                               reader)
