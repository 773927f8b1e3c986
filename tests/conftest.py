"""Fixtures shared by the end-to-end tests."""
import pytest

from tests import e2e_util


@pytest.fixture(scope='module')
def digits_dir(tmp_path_factory):
  """scikit-learn's bundled digits, converted by the binary (per module)."""
  dataset_dir = str(tmp_path_factory.mktemp('digits') / 'data')
  e2e_util.run_binary('download_and_convert_data.py', {
      'dataset_name': 'digits', 'dataset_dir': dataset_dir})
  return dataset_dir
