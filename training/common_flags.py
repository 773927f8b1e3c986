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
