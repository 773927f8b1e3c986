"""Trains an image classifier: TF-Slim's train_image_classifier.py flags.

Typical use (fine-tuning an official checkpoint):

  python train_image_classifier.py --train_dir=/tmp/train \
    --dataset_name=flowers --dataset_split_name=train \
    --dataset_dir=/data/flowers --model_name=resnet_v1_50 \
    --checkpoint_path=/ckpt/resnet_v1_50.ckpt \
    --checkpoint_exclude_scopes=resnet_v1_50/logits \
    --trainable_scopes=resnet_v1_50/logits

`--batch_size` is per clone; the global batch is batch_size x num_clones x
worker_replicas, and the epoch-based learning-rate schedule counts epochs in
global batches. A restarted job resumes from the latest checkpoint in
`--train_dir` (and then ignores `--checkpoint_path`).
"""
from absl import flags

from training import common_flags
from training import model_setup
from training import precision
from training import runtime
from training import train_lib

# Deployment.
flags.DEFINE_string('master', '', 'Address of the TensorFlow master to use.')
flags.DEFINE_integer('num_clones', 1, 'Model clones to deploy (per machine).')
flags.DEFINE_boolean('clone_on_cpu', False, 'Put the clones on the CPU.')
flags.DEFINE_integer('worker_replicas', 1, 'Number of worker replicas.')
flags.DEFINE_integer('num_ps_tasks', 0,
                     'Parameter servers; 0: variables are local.')
flags.DEFINE_integer('task', 0, 'Task id of this replica (0 is the chief).')
flags.DEFINE_boolean('sync_replicas', False,
                     'Synchronize the replicas during training.')
flags.DEFINE_integer('replicas_to_aggregate', 1,
                     'Replicas to aggregate before each update.')
flags.DEFINE_string('ps_hosts', None,
                    'Comma-separated host:port of the parameter servers '
                    '(distributed training; or set TF_CONFIG).')
flags.DEFINE_string('worker_hosts', None,
                    'Comma-separated host:port of the workers; worker task '
                    '0 is the chief.')
flags.DEFINE_string('job_name', None,
                    'This process\'s job in the cluster: ps or worker (its '
                    'index is --task).')
# Input: dataset_*, labels_offset, preprocessing_name, train_image_size,
# use_grayscale, num_preprocessing_threads, num_readers.
common_flags.define_input_flags('imagenet', 'train', training=True)
flags.DEFINE_boolean('cache_dataset', False,
                     'Keep the decoded training images in memory after the '
                     'first epoch and shuffle the whole split every epoch: '
                     'faster for small datasets that fit in RAM (MNIST, '
                     'CIFAR), never for ImageNet.')
flags.DEFINE_integer('batch_size', 32, 'Examples per batch, per clone.')
# Model.
flags.DEFINE_string('model_name', 'inception_v3', 'The network to train.')
flags.DEFINE_string('model_config', None, model_setup.MODEL_CONFIG_HELP)
flags.DEFINE_float('weight_decay', 0.00004, 'L2 weight decay.')
flags.DEFINE_float('label_smoothing', 0.0, 'Label smoothing amount.')
flags.DEFINE_float('moving_average_decay', None,
                   'Decay of the moving averages of the weights; None: off.')
flags.DEFINE_integer('quantize_delay', -1,
                     'Steps before quantized training starts; -1: never.')
flags.DEFINE_boolean('freeze_batch_norm', False,
                     'Keep batch norm in inference mode (moving statistics '
                     'neither used from the batch nor updated); for short '
                     'fine-tuning runs.')
flags.DEFINE_float('batch_norm_decay', None,
                   'Decay of the batch-norm moving statistics; None: the '
                   'model\'s default. Lower it (e.g. 0.9) for short runs, '
                   'whose moving statistics would otherwise lag.')
flags.DEFINE_enum('precision', precision.FLOAT32, precision.PRECISIONS,
                  precision.PRECISION_HELP)
# Output, schedule and seed: train_dir, max_number_of_steps, log_every_n_steps,
# save_summaries_secs, save_interval_secs, max_checkpoints_to_keep, seed.
common_flags.define_run_flags('/tmp/tfmodel/',
                              'Where checkpoints and event logs are written.')
flags.DEFINE_boolean('nan_check', True,
                     'Stop with an error naming the global step when the '
                     'loss or a gradient is NaN or Inf, before that update '
                     'is applied (TF-Slim checks the loss too).')
# Optimizer.
flags.DEFINE_string('optimizer', 'rmsprop',
                    'adadelta, adagrad, adam, ftrl, momentum, sgd or rmsprop.')
flags.DEFINE_float('adadelta_rho', 0.95, 'Decay rate of adadelta.')
flags.DEFINE_float('adagrad_initial_accumulator_value', 0.1,
                   'Starting value of the AdaGrad accumulators.')
# adam_beta1, adam_beta2, opt_epsilon, momentum, rmsprop_momentum,
# rmsprop_decay.
common_flags.define_optimizer_flags(1.0, 'Epsilon of the optimizer.')
flags.DEFINE_float('ftrl_learning_rate_power', -0.5,
                   'Learning rate power of FTRL.')
flags.DEFINE_float('ftrl_initial_accumulator_value', 0.1,
                   'Starting value of the FTRL accumulators.')
flags.DEFINE_float('ftrl_l1', 0.0, 'FTRL l1 regularization strength.')
flags.DEFINE_float('ftrl_l2', 0.0, 'FTRL l2 regularization strength.')
# Learning rate.
flags.DEFINE_string('learning_rate_decay_type', 'exponential',
                    'fixed, exponential or polynomial.')
flags.DEFINE_float('learning_rate', 0.01, 'Initial learning rate.')
flags.DEFINE_float('end_learning_rate', 0.0001,
                   'Minimal learning rate of the polynomial decay.')
flags.DEFINE_float('learning_rate_decay_factor', 0.94,
                   'Learning rate decay factor.')
flags.DEFINE_float('num_epochs_per_decay', 2.0,
                   'Epochs (in global batches) between decays.')
flags.DEFINE_float('warmup_epochs', 0.0,
                   'Epochs of linear learning-rate warm-up; 0: none.')
# Fine-tuning.
flags.DEFINE_string('checkpoint_path', None,
                    'Checkpoint file or directory to fine-tune from.')
flags.DEFINE_string('checkpoint_exclude_scopes', None,
                    'Comma-separated scopes not restored from the checkpoint.')
flags.DEFINE_string('trainable_scopes', None,
                    'Comma-separated scopes to train; None: all.')
flags.DEFINE_boolean('ignore_missing_vars', False,
                     'Leave variables missing from the checkpoint '
                     'initialised from scratch (logged; fails if nothing '
                     'is restored).')
# Validation during training.
flags.DEFINE_integer('validation_every_n_steps', 0,
                     'Evaluate --validation_split_name every N steps into '
                     'the run\'s summaries; 0: off.')
flags.DEFINE_string('validation_split_name', None,
                    'The held-out split for validation during training.')
flags.DEFINE_string('validation_dataset_dir', None,
                    'Dataset dir of the validation split; None: dataset_dir.')
flags.DEFINE_integer('validation_batch_size', 100,
                     'Batch size of the validation passes.')
common_flags.define_session_flags()
common_flags.define_xla_flag()

FLAGS = flags.FLAGS

if __name__ == '__main__':
  runtime.run_binary(
      lambda params: train_lib.train(model_setup.apply_model_config(params)))
