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
                 'TensorFlow 1.15 with predictive-uncertainty tools.'),
    python_requires='>=3.7,<3.8',
    packages=setuptools.find_packages(
        include=['nets', 'nets.*', 'datasets', 'datasets.*', 'preprocessing',
                 'preprocessing.*', 'deployment', 'deployment.*', 'training',
                 'training.*', 'uncertainty', 'uncertainty.*', 'experiments',
                 'experiments.*', 'export', 'export.*']),
    py_modules=['train_image_classifier', 'eval_image_classifier',
                'download_and_convert_data', 'train_confident_classifier',
                'eval_uncertainty', 'export_inference_graph',
                'classify_image'],
    install_requires=[
        'tensorflow==1.15.5',
        'tf-slim==1.1.0',
        'numpy==1.18.5',
        'protobuf==3.20.3',
        'absl-py',
    ],
)
