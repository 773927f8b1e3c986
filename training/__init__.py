"""Training and evaluation library behind the binaries."""
import os

# Hide TensorFlow's C++ INFO lines (CPU feature banners); must precede the
# first `import tensorflow`.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')

# pylint: disable=g-import-not-at-top,wrong-import-position
from tensorflow.python.util import deprecation as _deprecation

# TF 1.15 prints a deprecation notice for most tf.train / tf.layers names;
# they are not actionable for users of this library (PITFALLS 9).
_deprecation._PRINT_DEPRECATION_WARNINGS = False  # pylint: disable=protected-access

# TF 2: graph mode before any graph is built (no-op on TF 1.15).
import tfcompat  # pylint: disable=unused-import
