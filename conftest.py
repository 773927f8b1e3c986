"""pytest set-up shared by every test directory.

Imports tfcompat first, so under TensorFlow 2 every test runs in TF 1 graph
mode even when its module imports TensorFlow before any library package.
"""
import tfcompat  # pylint: disable=unused-import
