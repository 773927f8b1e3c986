"""Installs the library packages so they import from anywhere.

The binaries (train_image_classifier.py, ...) are installed as top-level
modules as well, so `python -m train_image_classifier` works after
`pip install .`.
"""
import setuptools

setuptools.setup(
    name='slimuq',
    version='0.1.0',
    description=('TF-Slim-compatible image classification library for '
                 'TensorFlow 1.15 (and TensorFlow 2.x in graph mode) with '
                 'predictive-uncertainty tools.'),
    # Python 3.7: the TF 1.15 stack (requirements.txt); Python 3.11: the
    # TF 2 stack (requirements-tf2.txt, scripts/setup_tf2.sh).
    python_requires='>=3.7',
    packages=setuptools.find_packages(
        include=['nets', 'nets.*', 'datasets', 'datasets.*', 'preprocessing',
                 'preprocessing.*', 'deployment', 'deployment.*', 'training',
                 'training.*', 'uncertainty', 'uncertainty.*', 'experiments',
                 'experiments.*', 'export', 'export.*', 'benchmarks',
                 'benchmarks.*']),
    py_modules=['train_image_classifier', 'eval_image_classifier',
                'download_and_convert_data', 'train_confident_classifier',
                'eval_uncertainty', 'export_inference_graph',
                'classify_image', 'tfcompat'],
    install_requires=[
        'tensorflow==1.15.5; python_version < "3.8"',
        'numpy==1.18.5; python_version < "3.8"',
        'protobuf==3.20.3; python_version < "3.8"',
        'tensorflow==2.21.0; python_version >= "3.11"',
        'tf-slim==1.1.0',
        'absl-py',
    ],
)
