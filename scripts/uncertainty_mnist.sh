#!/usr/bin/env bash
# Reproduces the table of uncertainty/README.md: LeNet trained on the real
# MNIST test digits (t10k, the only MNIST files on this machine), evaluated
# with every method of eval_uncertainty.py against four OOD sets that need
# no download (Gaussian noise, inverted digits, rotated digits,
# scikit-learn digits).
#
#   t10k digits, in file order: train 7000 | validation 1000 | test 2000
#   validation: temperature fit, ODIN/Mahalanobis selection (id_only)
#   OOD test sets made from the test split; the OOD *validation* set of the
#   ood_val run (uniform noise) from the validation split.
#
# Three members (seeds 1, 2, 3) are trained for the ensemble; the first is
# the model of every other method. Global batch 50 (1 clone), Adam with
# epsilon 1e-8 (the binary's default --opt_epsilon=1.0, TF-Slim's value,
# trains far slower), 1500 steps. About 40 minutes on 2 busy CPU cores;
# a second run only re-prints the tables from the cache.
#
# Usage: scripts/uncertainty_mnist.sh [RUN_DIR]
#   (default RUN_DIR: runs/uncertainty_mnist)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$ROOT/.venv}/bin/python"
RUN="${1:-$ROOT/runs/uncertainty_mnist}"
MNIST_RAW="${MNIST_RAW:-$(dirname "$ROOT")/shared/data/mnist}"
STEPS="${STEPS:-1500}"
cd "$ROOT"
export CUDA_VISIBLE_DEVICES=""

DATA="$RUN/data"
# Steps whose outputs exist are skipped (delete RUN_DIR to start afresh), so
# a second run reuses the data, the checkpoints and the cached passes.
converted() { [ -f "$1/dataset_metadata.json" ]; }
converted "$DATA/mnist" || "$PY" download_and_convert_data.py \
  --dataset_name=mnist --raw_dir="$MNIST_RAW" --dataset_dir="$DATA/mnist" \
  --source_split=test --split_sizes=train:7000,validation:1000,test:2000
for transform in gaussian_noise invert rotate90; do
  converted "$DATA/mnist_$transform" || "$PY" -m datasets.convert_ood \
    --source_dataset_name=mnist --source_dataset_dir="$DATA/mnist" \
    --source_split_name=test --transform="$transform" \
    --dataset_dir="$DATA/mnist_$transform" --seed=0
done
converted "$DATA/mnist_uniform_noise_val" || "$PY" -m datasets.convert_ood \
  --source_dataset_name=mnist --source_dataset_dir="$DATA/mnist" \
  --source_split_name=validation --transform=uniform_noise \
  --dataset_dir="$DATA/mnist_uniform_noise_val" \
  --dataset_name=mnist_uniform_noise_val --seed=1
converted "$DATA/digits" || "$PY" download_and_convert_data.py \
  --dataset_name=digits --dataset_dir="$DATA/digits"

for seed in 1 2 3; do
  # A train_dir already at --max_number_of_steps is left as it is.
  "$PY" train_image_classifier.py --train_dir="$RUN/train_seed$seed" \
    --dataset_name=mnist --dataset_split_name=train \
    --dataset_dir="$DATA/mnist" --model_name=lenet --batch_size=50 \
    --optimizer=adam --learning_rate=0.001 --opt_epsilon=1e-8 \
    --learning_rate_decay_type=fixed --weight_decay=0 \
    --max_number_of_steps="$STEPS" --seed="$seed" --log_every_n_steps=500 \
    --save_interval_secs=3600 --save_summaries_secs=600
done

OOD_NAMES=mnist_gaussian_noise,mnist_invert,mnist_rotate90,digits
OOD_DIRS="$DATA/mnist_gaussian_noise,$DATA/mnist_invert"
OOD_DIRS="$OOD_DIRS,$DATA/mnist_rotate90,$DATA/digits"
COMMON=(--model_name=lenet --checkpoint_path="$RUN/train_seed1"
  --dataset_name=mnist --dataset_dir="$DATA/mnist"
  --dataset_split_name=test --calibration_split_name=validation
  --train_split_name=train --ood_dataset_name="$OOD_NAMES"
  --ood_dataset_dir="$OOD_DIRS" --ood_split_name=test
  --cache_dir="$RUN/cache")

# Every method; ODIN and Mahalanobis select on in-distribution data only.
"$PY" eval_uncertainty.py --method=all "${COMMON[@]}" \
  --train_dirs="$RUN/train_seed1,$RUN/train_seed2,$RUN/train_seed3" \
  --num_samples=20 --eval_dir="$RUN/eval"

# ODIN and Mahalanobis selected on a separate OOD validation set (uniform
# noise made from the validation split; never an OOD test set).
"$PY" eval_uncertainty.py --method=odin,mahalanobis "${COMMON[@]}" \
  --hyperparameter_selection=ood_val \
  --ood_val_dataset_name=mnist_uniform_noise_val \
  --ood_val_dataset_dir="$DATA/mnist_uniform_noise_val" \
  --ood_val_split_name=validation --odin_temperatures=1,10,100,1000 \
  --save_temperature=false \
  --eval_dir="$RUN/eval_ood_val"

# Mahalanobis on four layers (no input perturbation), combined by the mean
# of scores standardised on the validation split.
"$PY" eval_uncertainty.py --method=mahalanobis "${COMMON[@]}" \
  --mahalanobis_end_points=pool1,pool2,PreLogits,Logits \
  --mahalanobis_epsilons=0 --save_temperature=false \
  --eval_dir="$RUN/eval_mahalanobis_layers"

for dir in eval eval_ood_val eval_mahalanobis_layers; do
  echo "== $RUN/$dir/uncertainty_table.md"
  cat "$RUN/$dir/uncertainty_table.md"
done
