"""Tests for export.inference_config: where each setting comes from."""
import json
import os

import tensorflow.compat.v1 as tf

from export import inference_config
from training import runtime
from uncertainty import toy_data

_RECORD = {
    'flags': {'model_name': 'lenet', 'labels_offset': 0,
              'dataset_name': 'blobs', 'dataset_dir': '/nonexistent/blobs',
              'use_grayscale': False},
    'resolved': {'num_classes': 7, 'image_size': 20,
                 'preprocessing_name': 'lenet',
                 'uses_moving_averages': False},
}


class ResolveTest(tf.test.TestCase):

  def test_first_set_and_label_names(self):
    self.assertEqual(inference_config.first_set(None, 0, 3), 0)
    self.assertIsNone(inference_config.first_set(None, None))
    self.assertEqual(inference_config.label_names({1: 'cat', 2: 'dog'}, 3, 1),
                     ['cat', 'dog', '3'])
    self.assertIsNone(inference_config.label_names(None, 3, 0))

  def test_explicit_flags(self):
    config = inference_config.resolve(
        {'model_name': 'lenet', 'num_classes': 4, 'num_channels': 1,
         'image_size': 32}, {})
    self.assertEqual(config, inference_config.InferenceConfig(
        'lenet', 4, 0, 1, 32, 'lenet', False, None))

  def test_run_record_fills_what_flags_leave_unset(self):
    config = inference_config.resolve({}, _RECORD)
    self.assertEqual((config.model_name, config.num_classes,
                      config.image_size, config.num_channels),
                     ('lenet', 7, 20, 3))
    # A flag wins over the record.
    self.assertEqual(inference_config.resolve({'image_size': 28}, _RECORD)
                     .image_size, 28)

  def test_dataset_gives_classes_channels_and_names(self):
    toy = toy_data.toy_problem()
    config = inference_config.resolve(
        {'model_name': 'lenet', 'dataset_name': 'blobs',
         'dataset_dir': toy['data_dir'], 'labels_offset': 1}, {})
    self.assertEqual((config.num_classes, config.num_channels), (9, 1))
    self.assertEqual(config.label_names[0], '1')

  def test_imagenet_default_as_in_slim(self):
    config = inference_config.resolve({'model_name': 'resnet_v1_50',
                                       'labels_offset': 1}, {})
    self.assertEqual((config.num_classes, config.image_size,
                      config.preprocessing_name, config.num_channels),
                     (1000, 224, 'vgg', 3))

  def test_unknown_classes_and_models_are_errors(self):
    with self.assertRaisesRegex(runtime.UserError, '--num_classes'):
      inference_config.resolve({'model_name': 'lenet',
                                'dataset_name': 'mnist'}, {})
    with self.assertRaisesRegex(ValueError, 'Known models: .*lenet'):
      inference_config.resolve({'model_name': 'lenett'}, {})
    with self.assertRaisesRegex(runtime.UserError, 'Pass --model_name.*'
                                'Known models: .*lenet'):
      inference_config.resolve({'num_classes': 3}, {})
    with self.assertRaisesRegex(runtime.UserError, 'must be 1 or 3'):
      inference_config.resolve({'model_name': 'lenet', 'num_classes': 3,
                                'num_channels': 2}, {})

  def test_labels_file(self):
    path = os.path.join(self.get_temp_dir(), 'labels.txt')
    with open(path, 'w') as f:
      f.write('0:background\n1:daisy\n2:rose\n')
    config = inference_config.resolve(
        {'model_name': 'lenet', 'num_classes': 2, 'labels_offset': 1,
         'labels_file': path}, {})
    self.assertEqual(config.label_names, ['daisy', 'rose'])
    with self.assertRaisesRegex(runtime.UserError, 'nope.txt does not exist'):
      inference_config.resolve({'model_name': 'lenet', 'num_classes': 2,
                                'labels_file': path + '.nope.txt'}, {})

  def test_read_run_record_beside_the_checkpoint(self):
    directory = self.get_temp_dir()
    with open(os.path.join(directory, 'flags.json'), 'w') as f:
      json.dump(_RECORD, f)
    self.assertEqual(inference_config.read_run_record(
        os.path.join(directory, 'model.ckpt-5')), _RECORD)
    self.assertEqual(inference_config.read_run_record(None), {})

  def test_missing_checkpoint_names_the_path(self):
    path = os.path.join(self.get_temp_dir(), 'no_such_train_dir')
    with self.assertRaisesRegex(ValueError, 'no_such_train_dir'):
      inference_config.resolve_checkpoint(path)


if __name__ == '__main__':
  tf.test.main()
