#!/usr/bin/env bash
# The embedded demo (`make demo`): converts scikit-learn's bundled digits
# (1,797 real handwritten digits, upscaled to 28x28) to TFRecords, trains
# LeNet on 1,497 of them, evaluates on the 300 held out, prints the accuracy.
# No download: the digits ship inside scikit-learn. About 2 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$ROOT/.venv}/bin/python"
RUN_DIR="${RUN_DIR:-$ROOT/runs/demo}"
DATASET_DIR="$RUN_DIR/data"
TRAIN_DIR="$RUN_DIR/train"
EVAL_DIR="$RUN_DIR/eval"
cd "$ROOT"
# A fresh run each time (a train_dir with a checkpoint would resume instead).
rm -rf "$TRAIN_DIR" "$EVAL_DIR"

"$PY" download_and_convert_data.py --dataset_name=digits \
  --dataset_dir="$DATASET_DIR"

"$PY" train_image_classifier.py \
  --train_dir="$TRAIN_DIR" --dataset_name=digits --dataset_split_name=train \
  --dataset_dir="$DATASET_DIR" --model_name=lenet --preprocessing_name=lenet \
  --batch_size=50 --max_number_of_steps=1000 --optimizer=adam \
  --learning_rate=0.001 --opt_epsilon=1e-8 --learning_rate_decay_type=fixed --weight_decay=0 \
  --save_interval_secs=60 --save_summaries_secs=30 --log_every_n_steps=100 \
  --validation_every_n_steps=250 --validation_split_name=test --seed=0

"$PY" eval_image_classifier.py \
  --checkpoint_path="$TRAIN_DIR" --eval_dir="$EVAL_DIR" \
  --dataset_name=digits --dataset_split_name=test \
  --dataset_dir="$DATASET_DIR" --model_name=lenet \
  --predictions_file="$EVAL_DIR/predictions.npz"

"$PY" - "$EVAL_DIR/metrics.json" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
print('\nDemo result: LeNet on held-out digits: accuracy %.4f, recall@%d %.4f '
      'over %d examples (step %d).' % (m['accuracy'], m['k'], m['recall_at_k'],
                                       m['num_examples'], m['step']))
PYEOF
echo "Checkpoints and TensorBoard logs: $TRAIN_DIR (tensorboard --logdir=$RUN_DIR)"
echo "Evaluation summaries, metrics.json, predictions.npz: $EVAL_DIR"
