#!/usr/bin/env bash
# Plain vs residual networks at two depths on real MNIST digits: He et al.
# 2015, Fig. 6 (plain-20/56 vs ResNet-20/56), in miniature, on 2 CPU cores.
#
# Data: the real MNIST test digits in ../shared/data/mnist (MNIST_RAW),
# 8,000 to train on and 2,000 held out. DATASET=digits uses scikit-learn's
# bundled 1,797 digits instead (no files needed).
#
# Models: the CIFAR ResNet layout (3 stages, 6n+2 layers, identity shortcuts
# that zero-pad new channels) at a quarter of the width (4-8-16 filters), on
# 28x28 inputs with LeNet preprocessing, defined with --model_config: each
# plain net is its ResNet with "residual": false, so it has exactly the same
# layers and parameters. Depths 20 and 56.
#
# Identical settings for every run (recorded in each train_dir/flags.json and
# checked by the runner): seed 1; global batch 64 = --batch_size 64 x 1 clone
# x 1 replica; 400 steps (3.2 epochs of 8,000) of momentum SGD (0.9),
# learning rate 0.05 divided by 10 after 300 steps (He et al. also divide it
# late in training: exponential staircase, 2.4 epochs = 300 steps of 64),
# weight decay 1e-4, batch-norm decay 0.9 (short run); validation on the
# held-out split every 100 steps; evaluation with eval_image_classifier.py at
# the end.
#
# Output (RUN_DIR, default runs/ablation_mnist): results.md/.csv (model,
# params, steps, final train loss, eval accuracy), curves.png (training loss
# and validation accuracy), ablation.json (settings and exact commands), and
# <model>/{train,eval} with the checkpoints, event files and logs. Existing
# runs in RUN_DIR are replaced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$ROOT/.venv}/bin/python"
RUN_DIR="${RUN_DIR:-$ROOT/runs/ablation_mnist}"
DATASET="${DATASET:-mnist}"
MNIST_RAW="${MNIST_RAW:-$ROOT/../shared/data/mnist}"
DATASET_DIR="$RUN_DIR/data_$DATASET"
cd "$ROOT"

if [ ! -f "$DATASET_DIR/dataset_metadata.json" ]; then
  if [ "$DATASET" = mnist ]; then
    "$PY" download_and_convert_data.py --dataset_name=mnist \
      --raw_dir="$MNIST_RAW" --dataset_dir="$DATASET_DIR" \
      --source_split=test --split_sizes=train:8000,test:2000
  else
    "$PY" download_and_convert_data.py --dataset_name=digits \
      --dataset_dir="$DATASET_DIR"
  fi
fi

# A CIFAR ResNet at a quarter width on 28x28 digits; "residual" is the
# ablated field.
config() {  # name base
  echo "{\"name\": \"$1\", \"base\": \"$2\", \"widths\": [4, 8, 16],"\
" \"image_size\": 28, \"preprocessing\": \"lenet\"}"
}

"$PY" -m experiments.ablation --output_dir="$RUN_DIR" --overwrite \
  --dataset_name="$DATASET" --dataset_dir="$DATASET_DIR" \
  --train_split=train --eval_split=test \
  --model="$(config plain_20 plain_cifar_20)" \
  --model="$(config resnet_20 resnet_cifar_20)" \
  --model="$(config plain_56 plain_cifar_56)" \
  --model="$(config resnet_56 resnet_cifar_56)" \
  --seed=1 --batch_size=64 --max_number_of_steps=400 \
  --validation_every_n_steps=100 --eval_batch_size=500 \
  --train_flags="--optimizer=momentum --momentum=0.9 --learning_rate=0.05 \
--learning_rate_decay_type=exponential --learning_rate_decay_factor=0.1 \
--num_epochs_per_decay=2.4 --weight_decay=0.0001 --batch_norm_decay=0.9 \
--save_summaries_secs=10 --log_every_n_steps=50 --validation_batch_size=500" \
  --title="$DATASET: plain (dashed) vs residual (solid), 20 and 56 layers" \
  --log_loss
