#!/usr/bin/env bash
# Trains LeNet on MNIST and evaluates it (TF-Slim's script, same flags).
# Put the raw MNIST idx files (train-images-idx3-ubyte.gz, ...) in DATASET_DIR
# first: nothing is downloaded.
set -e
TRAIN_DIR=/tmp/lenet-model
DATASET_DIR=/tmp/mnist
PYTHON=${PYTHON:-python}

${PYTHON} download_and_convert_data.py \
  --dataset_name=mnist \
  --dataset_dir=${DATASET_DIR}

${PYTHON} train_image_classifier.py \
  --train_dir=${TRAIN_DIR} \
  --dataset_name=mnist \
  --dataset_split_name=train \
  --dataset_dir=${DATASET_DIR} \
  --model_name=lenet \
  --preprocessing_name=lenet \
  --max_number_of_steps=20000 \
  --batch_size=50 \
  --learning_rate=0.01 \
  --save_interval_secs=60 \
  --save_summaries_secs=60 \
  --log_every_n_steps=100 \
  --optimizer=sgd \
  --learning_rate_decay_type=fixed \
  --weight_decay=0

${PYTHON} eval_image_classifier.py \
  --checkpoint_path=${TRAIN_DIR} \
  --eval_dir=${TRAIN_DIR} \
  --dataset_name=mnist \
  --dataset_split_name=test \
  --dataset_dir=${DATASET_DIR} \
  --model_name=lenet
