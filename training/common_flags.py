"""Flags shared by the binaries, defined once."""
from absl import flags


def define_session_flags():
  """GPU memory and thread-pool flags of the training and eval sessions."""
  flags.DEFINE_boolean('gpu_allow_growth', True,
                       'Allocate GPU memory as needed (lets eval share a '
                       'GPU with training).')
  flags.DEFINE_float('gpu_memory_fraction', None,
                     'Cap on the fraction of GPU memory used.')
  flags.DEFINE_integer('inter_op_parallelism_threads', 0,
                       'Inter-op threads; 0: TensorFlow\'s choice.')
  flags.DEFINE_integer('intra_op_parallelism_threads', 0,
                       'Intra-op threads; 0: TensorFlow\'s choice.')


def define_xla_flag():
  """--xla: compile the network (and in training its gradients) with XLA."""
  flags.DEFINE_boolean(
      'xla', False,
      'Compile the network, its losses and gradients with XLA '
      '(tf.xla.experimental.jit_scope): faster for some networks, slower '
      'for others (README, Performance); the first steps include the '
      'compilation. Checkpoints are interchangeable; results differ by '
      'float rounding.')


def define_input_flags(dataset_name, split_name, training,
                       flag_values=flags.FLAGS):
  """Dataset and input-pipeline flags of the train and eval binaries.

  Args:
    dataset_name: default of --dataset_name.
    split_name: default of --dataset_split_name.
    training: True for a training binary (--train_image_size and
      --num_readers), False for evaluation (--eval_image_size).
    flag_values: where the flags are defined (absl's global FLAGS).
  """
  action = 'train on' if training else 'evaluate'
  fv = {'flag_values': flag_values}
  flags.DEFINE_string('dataset_name', dataset_name,
                      'The dataset to %s.' % action, **fv)
  flags.DEFINE_string('dataset_split_name', split_name,
                      'The split to %s.' % action, **fv)
  flags.DEFINE_string('dataset_dir', None, 'Directory of the dataset files.',
                      **fv)
  flags.DEFINE_integer('labels_offset', 0,
                       'Subtracted from every label: 1 drops ImageNet\'s '
                       'background class for 1000-class models.', **fv)
  flags.DEFINE_string('preprocessing_name', None,
                      'Preprocessing to use; None: the model\'s own.', **fv)
  flags.DEFINE_integer('train_image_size' if training else 'eval_image_size',
                       None, 'Input size; None: the network\'s default.',
                       **fv)
  flags.DEFINE_boolean('use_grayscale', False, 'Convert images to grayscale.',
                       **fv)
  flags.DEFINE_integer('num_preprocessing_threads', 4,
                       'Threads decoding and preprocessing images.', **fv)
  if training:
    flags.DEFINE_integer('num_readers', 4, 'Files read in parallel.', **fv)


def define_run_flags(train_dir, train_dir_help, flag_values=flags.FLAGS):
  """Output directory, schedule and seed of a training binary.

  Args:
    train_dir: default of --train_dir.
    train_dir_help: its help text.
    flag_values: where the flags are defined (absl's global FLAGS).
  """
  fv = {'flag_values': flag_values}
  flags.DEFINE_string('train_dir', train_dir, train_dir_help, **fv)
  flags.DEFINE_integer('max_number_of_steps', None,
                       'Global step to stop at; None: train forever.', **fv)
  flags.DEFINE_integer('log_every_n_steps', 10, 'Steps between log lines.',
                       **fv)
  flags.DEFINE_integer('save_summaries_secs', 600,
                       'Seconds between summaries.', **fv)
  flags.DEFINE_integer('save_interval_secs', 600,
                       'Seconds between checkpoints.', **fv)
  flags.DEFINE_integer('max_checkpoints_to_keep', 5,
                       'Checkpoints kept in train_dir.', **fv)
  flags.DEFINE_integer('seed', None,
                       'Graph-level random seed (None: random).', **fv)


def define_optimizer_flags(opt_epsilon, opt_epsilon_help,
                           flag_values=flags.FLAGS):
  """Hyper-parameters of the adam, momentum and rmsprop optimizers.

  Args:
    opt_epsilon: default of --opt_epsilon (TF-Slim's is 1.0).
    opt_epsilon_help: its help text.
    flag_values: where the flags are defined (absl's global FLAGS).
  """
  fv = {'flag_values': flag_values}
  flags.DEFINE_float('adam_beta1', 0.9, 'Decay of the 1st moment estimates.',
                     **fv)
  flags.DEFINE_float('adam_beta2', 0.999,
                     'Decay of the 2nd moment estimates.', **fv)
  flags.DEFINE_float('opt_epsilon', opt_epsilon, opt_epsilon_help, **fv)
  flags.DEFINE_float('momentum', 0.9, 'Momentum of the momentum optimizer.',
                     **fv)
  flags.DEFINE_float('rmsprop_momentum', 0.9, 'Momentum of RMSProp.', **fv)
  flags.DEFINE_float('rmsprop_decay', 0.9, 'Decay of RMSProp.', **fv)
