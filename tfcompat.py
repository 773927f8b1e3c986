"""Runs this graph-mode library on TensorFlow 1.15 and on TensorFlow 2.x.

The library is written against the TF 1 graph API (`tf.compat.v1`: graphs,
sessions, variable scopes, collections, `tf_slim` arg scopes). TF 1.15 runs
that API as is. TF 2 runs it only after `tf.compat.v1.disable_v2_behavior()`:
graph mode instead of eager execution, reference variables, TF 1 control
flow and `TensorShape` semantics. Building the same graph with the same
variable names under both stacks is what keeps checkpoints interchangeable.

Every package of the library (`nets`, `preprocessing`, `datasets`, ...)
imports this module from its `__init__`, so the switch happens before the
first graph is built, whichever module a caller or a test imports first.
The switch is process-wide; code that wants eager TF 2 must not import this
library in the same process.

It also restores `control_flow_ops.case`, `cond` and `while_loop`, which TF 2
moved out of that module while `tf_slim` 1.1.0 (the last release) still calls
them, e.g. from `tfexample_decoder` (tensorflow/tensorflow#63515).

Typical use (module headers of the library):

  import tensorflow.compat.v1 as tf   # the TF 1 API under both stacks
  import tfcompat  # pylint: disable=unused-import  # only in __init__.py
"""
import tensorflow.compat.v1 as tf

TF_VERSION = tf.VERSION
IS_TF2 = int(TF_VERSION.split('.')[0]) >= 2


def _enable_graph_mode():
  """Switches TF 2 to TF 1 behaviour; TF 1.15 already has it."""
  # Unconditional on TF 2: inside a `tf.Graph().as_default()` block
  # executing_eagerly() is False although eager (v2) behaviour is still on.
  if IS_TF2:
    # pylint: disable=g-import-not-at-top,g-direct-tensorflow-import
    from tensorflow.python.util import deprecation
    # Its "disable_resource_variables is deprecated" notice would open every
    # binary's output, --help included (PITFALLS 9: no unactionable noise).
    with deprecation.silence():
      tf.disable_v2_behavior()


def _restore_control_flow_ops():
  """Gives tf_slim 1.1.0 the `control_flow_ops` functions TF 2 moved out."""
  # pylint: disable=g-import-not-at-top,g-direct-tensorflow-import
  from tensorflow.python.ops import control_flow_ops
  # tfexample_decoder calls case and cond; the v1 symbols keep v1 semantics.
  for name in ('case', 'cond', 'while_loop'):
    if not hasattr(control_flow_ops, name):
      setattr(control_flow_ops, name, getattr(tf, name))


_enable_graph_mode()
_restore_control_flow_ops()
