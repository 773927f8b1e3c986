#!/usr/bin/env bash
# Trains CifarNet on CIFAR-10 and evaluates it (TF-Slim's script, same flags).
# Put cifar-10-batches-py/ (the python version of CIFAR-10) in DATASET_DIR
# first: nothing is downloaded.
set -e
TRAIN_DIR=/tmp/cifarnet-model
DATASET_DIR=/tmp/cifar10
PYTHON=${PYTHON:-python}

${PYTHON} download_and_convert_data.py \
  --dataset_name=cifar10 \
  --dataset_dir=${DATASET_DIR}

${PYTHON} train_image_classifier.py \
  --train_dir=${TRAIN_DIR} \
  --dataset_name=cifar10 \
  --dataset_split_name=train \
  --dataset_dir=${DATASET_DIR} \
  --model_name=cifarnet \
  --preprocessing_name=cifarnet \
  --max_number_of_steps=100000 \
  --batch_size=128 \
  --save_interval_secs=120 \
  --save_summaries_secs=120 \
  --log_every_n_steps=100 \
  --optimizer=sgd \
  --learning_rate=0.1 \
  --learning_rate_decay_factor=0.1 \
  --num_epochs_per_decay=200 \
  --weight_decay=0.004

${PYTHON} eval_image_classifier.py \
  --checkpoint_path=${TRAIN_DIR} \
  --eval_dir=${TRAIN_DIR} \
  --dataset_name=cifar10 \
  --dataset_split_name=test \
  --dataset_dir=${DATASET_DIR} \
  --model_name=cifarnet
