"""Prints the size, cost and end points of any network of `nets_factory`.

Builds the network in a fresh graph in inference mode for one image of the
default (or given) size and reports:

* parameters: trainable variables (weights, biases, batch-norm beta/gamma);
  also the weights alone (convolution and fully connected kernels and biases,
  without batch norm: the convention of the MobileNet v2 paper and README)
  and all model variables (with the batch-norm moving statistics: the
  convention of slim's MobileNet v1 table);
* multiply-accumulates (MACs) per image, counted from the static shapes of
  the graph's Conv2D, Conv3D, DepthwiseConv2dNative, Conv2DBackpropInput and
  MatMul ops (batch norm, activations, pooling and additions are not
  counted, as in the papers), cross-checked against the float ops that
  `tf.profiler` registers for the same ops (2 per MAC; it registers none for
  Conv2DBackpropInput);
* every end point with its shape.

Typical use:

  python -m nets.summary --model_name=mobilenet_v1
  python -m nets.summary --model_name=resnet_v1_50 --image_size=299 \
      --num_classes=0
"""
import collections
import contextlib
import inspect
import os
import sys

from absl import flags
import numpy as np
import tensorflow.compat.v1 as tf

from nets import nets_factory

# Multiply-accumulates of an op from static shapes. Conv2D/Conv3D: every
# output element is a dot product over the kernel and the input channels;
# DepthwiseConv2dNative: over the kernel only; Conv2DBackpropInput
# (transposed convolution): every input element is scattered through the
# kernel into all output channels; MatMul: output elements times the
# contracted dimension.


def _num_elements(tensor):
  return int(np.prod(tensor.get_shape().as_list(), dtype=np.int64))


def _conv_macs(op):
  kh, kw, in_channels = op.inputs[1].get_shape().as_list()[:3]
  return _num_elements(op.outputs[0]) * kh * kw * in_channels


def _depthwise_macs(op):
  kh, kw = op.inputs[1].get_shape().as_list()[:2]
  return _num_elements(op.outputs[0]) * kh * kw


def _conv3d_macs(op):
  kd, kh, kw, in_channels = op.inputs[1].get_shape().as_list()[:4]
  return _num_elements(op.outputs[0]) * kd * kh * kw * in_channels


def _transposed_conv_macs(op):
  kh, kw, out_channels = op.inputs[1].get_shape().as_list()[:3]
  return _num_elements(op.inputs[2]) * kh * kw * out_channels


def _matmul_macs(op):
  a_shape = op.inputs[0].get_shape().as_list()
  depth = a_shape[0] if op.get_attr('transpose_a') else a_shape[1]
  return _num_elements(op.outputs[0]) * depth


_MAC_FNS = {
    'Conv2D': _conv_macs,
    'Conv3D': _conv3d_macs,
    'DepthwiseConv2dNative': _depthwise_macs,
    'Conv2DBackpropInput': _transposed_conv_macs,
    'MatMul': _matmul_macs,
}
# The op types above for which tf.profiler registers float ops (2 per MAC).
PROFILED_OP_TYPES = ('Conv2D', 'Conv3D', 'DepthwiseConv2dNative', 'MatMul')

Summary = collections.namedtuple('Summary', [
    'model_name',
    'image_size',          # int: input height and width.
    'num_channels',        # int: input channels.
    'num_classes',         # int or 0: width of the classifier.
    'trainable_params',    # int: trainable variables.
    'weight_params',       # int: trainable, without batch norm.
    'all_params',          # int: all model variables (+ moving statistics).
    'macs',                # int: multiply-accumulates per image.
    'macs_by_op_type',     # dict: op type -> MACs.
    'profiler_flops',      # int or None: tf.profiler float ops of the
                           # PROFILED_OP_TYPES (should be 2 x their MACs).
    'end_points',          # list of (name, shape list) in creation order.
    'variables',           # list of (name, shape list) of all variables.
])


def count_params(variables):
  """Returns the total number of elements of `variables` (static shapes)."""
  return sum(_num_elements(v) for v in variables)


def count_macs(graph):
  """Returns {op type: multiply-accumulates} of the graph's dense ops.

  Args:
    graph: a tf.Graph whose Conv2D/DepthwiseConv2dNative/MatMul/
      Conv2DBackpropInput ops have fully defined static shapes.

  Returns:
    Dict from op type to its total MACs (types absent from the graph are
    left out).

  Raises:
    ValueError: an op has an unknown dimension; build with a fixed batch and
      image size.
  """
  macs = collections.Counter()
  for op in graph.get_operations():
    mac_fn = _MAC_FNS.get(op.type)
    if mac_fn is None:
      continue
    try:
      macs[op.type] += mac_fn(op)
    except TypeError:  # A None dimension.
      raise ValueError('Op %s has an unknown dimension (output shape %s); '
                       'build the network with a fixed batch size and image '
                       'size to count MACs.' %
                       (op.name, op.outputs[0].get_shape()))
  return dict(macs)


def profiler_flops(graph, op_types=PROFILED_OP_TYPES):
  """Returns the float ops tf.profiler registers for ops of `op_types`.

  Args:
    graph: the tf.Graph to profile.
    op_types: the op types to count.

  Returns:
    The total float operations (2 per multiply-accumulate for
    PROFILED_OP_TYPES).
  """
  options = tf.profiler.ProfileOptionBuilder(
      tf.profiler.ProfileOptionBuilder.float_operation()).with_empty_output()
  options = options.account_displayed_op_only(False)
  options = options.with_accounted_types(op_types).build()
  with _silenced_stdout_fd():  # The C++ profiler prints 'Parsing Inputs...'.
    profile = tf.profiler.profile(graph, cmd='scope', options=options)
  return profile.total_float_ops


@contextlib.contextmanager
def _silenced_stdout_fd():
  """Sends what native code writes to file descriptor 1 to /dev/null."""
  sys.stdout.flush()
  saved = os.dup(1)
  devnull = os.open(os.devnull, os.O_WRONLY)
  try:
    os.dup2(devnull, 1)
    yield
  finally:
    os.dup2(saved, 1)
    os.close(devnull)
    os.close(saved)


def _default_num_classes(model_name, spec):
  """The official checkpoint's classes, else the builder's default."""
  if spec.checkpoint_classes:
    return spec.checkpoint_classes
  default = inspect.signature(spec.builder).parameters.get('num_classes')
  if default is not None and isinstance(default.default, int):
    return default.default
  raise ValueError('Model %r has no default number of classes; pass '
                   '--num_classes.' % model_name)


def _default_num_channels(spec):
  return 1 if spec.preprocessing_name == 'lenet' else 3


def summarize(model_name, image_size=None, num_classes=None,
              num_channels=None, use_profiler=True):
  """Builds `model_name` for one image and measures it.

  Args:
    model_name: a name registered in `nets_factory`.
    image_size: input height and width; None uses the model's default.
    num_classes: classifier width; None uses the official checkpoint's (or
      the builder's default), 0 builds the network without classifier.
    num_channels: input channels; None uses 1 for lenet and 3 otherwise.
    use_profiler: also count float ops with tf.profiler (cross-check).

  Returns:
    A `Summary`.

  Raises:
    ValueError: unknown model name (the message lists the known ones).
  """
  spec = nets_factory.get_model_spec(model_name)
  image_size = image_size or spec.default_image_size
  if num_classes is None:
    num_classes = _default_num_classes(model_name, spec)
  num_channels = num_channels or _default_num_channels(spec)
  graph = tf.Graph()
  with graph.as_default():
    images = tf.placeholder(tf.float32,
                            [1, image_size, image_size, num_channels],
                            name='images')
    network_fn = nets_factory.get_network_fn(model_name, num_classes,
                                             is_training=False)
    _, end_points = network_fn(images)
    trainable = tf.trainable_variables()
    weights = [v for v in trainable if 'BatchNorm' not in v.op.name]
    macs = count_macs(graph)
    flops = profiler_flops(graph) if use_profiler else None
    return Summary(
        model_name=model_name, image_size=image_size,
        num_channels=num_channels, num_classes=num_classes,
        trainable_params=count_params(trainable),
        weight_params=count_params(weights),
        all_params=count_params(tf.global_variables()),
        macs=sum(macs.values()), macs_by_op_type=macs,
        profiler_flops=flops,
        end_points=[(name, tensor.get_shape().as_list())
                    for name, tensor in end_points.items()],
        variables=[(v.op.name, v.get_shape().as_list())
                   for v in tf.global_variables()])


def profiler_agrees(summary):
  """Whether tf.profiler's float ops are twice our MACs of the same ops."""
  macs = sum(summary.macs_by_op_type.get(t, 0) for t in PROFILED_OP_TYPES)
  return summary.profiler_flops == 2 * macs


def format_summary(summary):
  """Returns the human-readable report of a `Summary`."""
  lines = [
      '%s at %dx%dx%d, %s classes' % (
          summary.model_name, summary.image_size, summary.image_size,
          summary.num_channels, summary.num_classes or 'no'),
      'parameters (trainable):        %12d  (%.2fM)' % (
          summary.trainable_params, summary.trainable_params / 1e6),
      '  weights without batch norm:  %12d  (%.2fM)' % (
          summary.weight_params, summary.weight_params / 1e6),
      '  all variables (+ BN stats):  %12d  (%.2fM)' % (
          summary.all_params, summary.all_params / 1e6),
      'multiply-accumulates / image:  %12d  (%.1fM)' % (
          summary.macs, summary.macs / 1e6),
  ]
  for op_type, macs in sorted(summary.macs_by_op_type.items()):
    lines.append('  %-28s %12d' % (op_type + ':', macs))
  if summary.profiler_flops is not None:
    lines.append('  tf.profiler float ops:      %12d  (= 2 x MACs: %s)' %
                 (summary.profiler_flops,
                  'agrees' if profiler_agrees(summary) else 'DISAGREES'))
  lines.append('end points (%d):' % len(summary.end_points))
  width = max([len(name) for name, _ in summary.end_points] + [0])
  for name, shape in summary.end_points:
    lines.append('  %-*s %s' % (width, name, shape))
  return '\n'.join(lines)


def _define_flags(flag_values):
  flags.DEFINE_string('model_name', None,
                      'Name of the network (see nets_factory).',
                      flag_values=flag_values)
  flags.DEFINE_integer('image_size', None,
                       'Input height and width; default: the network\'s.',
                       flag_values=flag_values)
  flags.DEFINE_integer('num_classes', None,
                       'Classifier width; default: the official checkpoint\'s'
                       ' (or the builder\'s); 0: no classifier.',
                       flag_values=flag_values)
  flags.DEFINE_integer('num_channels', None,
                       'Input channels; default 1 for lenet, else 3.',
                       flag_values=flag_values)
  flags.DEFINE_boolean('profiler', True,
                       'Cross-check the MACs with tf.profiler float ops.',
                       flag_values=flag_values)


def main(argv, stdout=None, stderr=None):
  """Runs the command line `argv` (argv[0] is the program); returns the code.

  Flags live in a private FlagValues, so importing this module defines no
  global flag and `main` can be called in-process.

  Args:
    argv: the command line, e.g. ['nets.summary', '--model_name=lenet'].
    stdout: where the report goes, default sys.stdout.
    stderr: where a one-line error goes, default sys.stderr.

  Returns:
    0 on success, 2 on a usage error (unknown model or flag).
  """
  stdout = stdout or sys.stdout
  stderr = stderr or sys.stderr
  flag_values = flags.FlagValues()
  _define_flags(flag_values)
  if any(arg in ('-h', '--help', '-help', '--helpshort') for arg in argv[1:]):
    stdout.write('usage: python -m nets.summary --model_name=NAME '
                 '[--image_size=N] [--num_classes=N]\n\n%s\n' %
                 flag_values.get_help())
    return 0
  try:
    flag_values(argv)
    if not flag_values.model_name:
      raise ValueError('--model_name is required; known models: %s.' %
                       ', '.join(nets_factory.model_names()))
    summary = summarize(flag_values.model_name,
                        image_size=flag_values.image_size,
                        num_classes=flag_values.num_classes,
                        num_channels=flag_values.num_channels,
                        use_profiler=flag_values.profiler)
  except flags.Error as e:
    stderr.write('nets.summary: error: %s (see --help).\n' %
                 str(e).replace('\n', ' '))
    return 2
  except ValueError as e:
    stderr.write('nets.summary: error: %s\n' % str(e).replace('\n', ' '))
    return 2
  stdout.write(format_summary(summary) + '\n')
  return 0


if __name__ == '__main__':
  tf.logging.set_verbosity(tf.logging.ERROR)
  sys.exit(main(sys.argv))
