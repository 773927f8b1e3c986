"""ImageNet ILSVRC-2012 (Russakovsky et al., "ImageNet Large Scale Visual
Recognition Challenge", IJCV 2015), in the TF-Slim TFRecord layout.

Files: `train-0NNNN-of-01024` (1281167 examples) and
`validation-0NNNN-of-00128` (50000), JPEG, 1001 classes: label 0 is the
background class and 1..1000 the synsets (`has_background` is True). Nets
with 1000 outputs (VGG, ResNet v1) need `--labels_offset=1`. The reference
sizes hold only when all shards of a split are present; otherwise the
records are counted. `labels.txt` (1001 `label:name` lines) is read when
present.

Typical use:

  dataset = imagenet.get_split('validation', '/data/imagenet')
"""
from datasets import dataset_lib

_SPEC = dataset_lib.DatasetSpec(
    name='imagenet',
    default_file_pattern='%s-?????-of-?????',
    reference_splits={
        'train': dataset_lib.reference_split(
            1281167, ['train-%05d-of-01024' % i for i in range(1024)]),
        'validation': dataset_lib.reference_split(
            50000, ['validation-%05d-of-00128' % i for i in range(128)]),
    },
    num_classes=1001,
    channels=3,
    has_background=True,
    description='A color image of varying height and width.',
    convert_hint=(
        'download_and_convert_data.py does not build ImageNet: build the '
        'shards train-NNNNN-of-01024 and validation-NNNNN-of-00128 with the '
        'ImageNet TFRecord build script (labels 1..1000, 0 = background) '
        'into that directory'),
)


def get_split(split_name, dataset_dir, file_pattern=None, reader=None):
  """Returns the ImageNet split `split_name` (see dataset_lib.get_split)."""
  return dataset_lib.get_split(_SPEC, split_name, dataset_dir, file_pattern,
                               reader)
