#!/usr/bin/env bash
# Plain vs residual networks on CIFAR-10: He et al. 2015, Sec. 4.2 and Fig. 6
# (plain-20/56 vs ResNet-20/56), with the registered models plain_cifar_20,
# resnet_cifar_20, plain_cifar_56 and resnet_cifar_56.
#
# Needs CIFAR-10 on disk (nothing is downloaded): put the python version,
# cifar-10-batches-py/ (data_batch_1..5, test_batch), in DATASET_DIR (default
# /tmp/cifar10); it is converted to TFRecords there on the first run.
#
# Identical settings for every run (recorded in each train_dir/flags.json and
# checked by the runner): seed 1; global batch 128 = --batch_size 128 x 1
# clone x 1 replica (the paper's 128 on 2 GPUs: here on one device, so no
# clone count can change it); STEPS (default 64000, the paper's 64k
# iterations) of momentum SGD (0.9), weight decay 1e-4, learning rate 0.1
# divided by 10 after 32k steps (exponential staircase: 81.92 epochs of 50,000
# images = 32,000 steps of 128). The paper divides by 10 again at 48k, which
# needs a piecewise schedule train_image_classifier.py does not have; it also
# trains on 45k images and subtracts the per-pixel mean, where 'cifarnet'
# preprocessing standardizes each image and adds brightness/contrast jitter to
# the paper's 4-pixel padding, 32x32 crops and flips. Validation on the test
# split every 2000 steps; evaluation with eval_image_classifier.py at the end.
#
# Several hours per model on one GPU (a CPU is far too slow); the MNIST
# version, scripts/ablation_mnist.sh, runs in minutes on 2 cores.
#
# Output (RUN_DIR, default runs/ablation_cifar10): results.md/.csv,
# curves.png, ablation.json and <model>/{train,eval}. Existing runs in RUN_DIR
# are replaced.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$ROOT/.venv}/bin/python"
RUN_DIR="${RUN_DIR:-$ROOT/runs/ablation_cifar10}"
DATASET_DIR="${DATASET_DIR:-/tmp/cifar10}"
STEPS="${STEPS:-64000}"
cd "$ROOT"

if [ ! -f "$DATASET_DIR/dataset_metadata.json" ]; then
  if [ ! -d "$DATASET_DIR/cifar-10-batches-py" ]; then
    echo "ERROR: put CIFAR-10's cifar-10-batches-py/ in $DATASET_DIR" \
      "(or set DATASET_DIR); nothing is downloaded." >&2
    exit 1
  fi
  "$PY" download_and_convert_data.py --dataset_name=cifar10 \
    --dataset_dir="$DATASET_DIR"
fi

"$PY" -m experiments.ablation --output_dir="$RUN_DIR" --overwrite \
  --dataset_name=cifar10 --dataset_dir="$DATASET_DIR" \
  --train_split=train --eval_split=test \
  --model=plain_cifar_20 --model=resnet_cifar_20 \
  --model=plain_cifar_56 --model=resnet_cifar_56 \
  --seed=1 --batch_size=128 --max_number_of_steps="$STEPS" \
  --validation_every_n_steps=2000 --eval_batch_size=500 \
  --train_flags="--optimizer=momentum --momentum=0.9 --learning_rate=0.1 \
--learning_rate_decay_type=exponential --learning_rate_decay_factor=0.1 \
--num_epochs_per_decay=81.92 --weight_decay=0.0001 \
--save_summaries_secs=60 --save_interval_secs=600 --log_every_n_steps=100 \
--validation_batch_size=500" \
  --title="CIFAR-10: plain (dashed) vs residual (solid), 20 and 56 layers" \
  --log_loss
