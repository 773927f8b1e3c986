"""Training and evaluation library behind the binaries."""
import os

# Hide TensorFlow's C++ INFO lines (CPU feature banners); must precede the
# first `import tensorflow`.
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '1')
