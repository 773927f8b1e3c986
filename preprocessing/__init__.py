"""Per-network image preprocessing and preprocessing_factory."""
# Puts TensorFlow 2 into TF 1 graph mode before any graph is built (no-op on
# TF 1.15); see tfcompat.py.
import tfcompat  # pylint: disable=unused-import
