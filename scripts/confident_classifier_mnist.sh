#!/usr/bin/env bash
# A small confidence-calibrated classifier (Lee et al., ICLR 2018) on real
# MNIST digits: converts the 10,000 MNIST test digits (8,000 train / 2,000
# held out), trains LeNet jointly with the GAN, evaluates the held-out digits
# with eval_image_classifier.py, scores scikit-learn's digits (a shifted set
# of the same classes), and writes the figure of generator samples
# ($RUN_DIR/train/generated_samples.png, drawn from the generator checkpoint)
# and $RUN_DIR/summary.json (accuracy, mean max-softmax and MSP AUROC of
# held-out digits against generated samples and pixel noise).
#
# Nothing is downloaded: RAW_DIR must hold t10k-images-idx3-ubyte.gz and
# t10k-labels-idx1-ubyte.gz. It took 6 to 17 minutes here on 2 CPU cores
# shared with other jobs.
#
# Variables (defaults): RAW_DIR (../shared/data/mnist), RUN_DIR
# (runs/confident_classifier_mnist), STEPS (1000), BETA (1.0), KL_SCALE
# (none), SEED (1), VENV (.venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$ROOT/.venv}/bin/python"
RAW_DIR="${RAW_DIR:-$ROOT/../shared/data/mnist}"
RUN_DIR="${RUN_DIR:-$ROOT/runs/confident_classifier_mnist}"
STEPS="${STEPS:-1000}"
BETA="${BETA:-1.0}"
KL_SCALE="${KL_SCALE:-none}"
SEED="${SEED:-1}"
DATA_DIR="$RUN_DIR/mnist"
DIGITS_DIR="$RUN_DIR/digits"
TRAIN_DIR="$RUN_DIR/train"
EVAL_DIR="$RUN_DIR/eval"
cd "$ROOT"
# A fresh run each time (a train_dir with a checkpoint would resume instead).
rm -rf "$TRAIN_DIR" "$EVAL_DIR"

if [ ! -f "$DATA_DIR/dataset_metadata.json" ]; then
  "$PY" download_and_convert_data.py --dataset_name=mnist \
    --raw_dir="$RAW_DIR" --dataset_dir="$DATA_DIR" --source_split=test \
    --split_sizes=train:8000,test:2000
fi
if [ ! -f "$DIGITS_DIR/dataset_metadata.json" ]; then
  "$PY" download_and_convert_data.py --dataset_name=digits \
    --dataset_dir="$DIGITS_DIR"
fi

"$PY" train_confident_classifier.py \
  --train_dir="$TRAIN_DIR" --dataset_name=mnist --dataset_split_name=train \
  --dataset_dir="$DATA_DIR" --model_name=lenet --batch_size=32 \
  --max_number_of_steps="$STEPS" --optimizer=adam --learning_rate=0.001 \
  --beta="$BETA" --kl_scale="$KL_SCALE" --noise_dim=100 --gan_depth=32 \
  --gan_learning_rate=0.0002 --seed="$SEED" --num_samples=64 \
  --log_every_n_steps=100 --save_summaries_secs=60 --save_interval_secs=600

for SET in mnist digits; do
  if [ "$SET" = mnist ]; then DIR="$DATA_DIR"; else DIR="$DIGITS_DIR"; fi
  "$PY" eval_image_classifier.py \
    --checkpoint_path="$TRAIN_DIR" --eval_dir="$EVAL_DIR/$SET" \
    --dataset_name="$SET" --dataset_split_name=test --dataset_dir="$DIR" \
    --model_name=lenet --batch_size=500 \
    --predictions_file="$EVAL_DIR/$SET/predictions.npz"
done

"$PY" - "$RUN_DIR" "$TRAIN_DIR" "$EVAL_DIR" <<'PYEOF'
import json, os, sys
import numpy as np
from uncertainty import metrics

run_dir, train_dir, eval_dir = sys.argv[1:]
def msp(probs):
  return np.max(probs, axis=1)
mnist = np.load(os.path.join(eval_dir, 'mnist', 'predictions.npz'))
digits = np.load(os.path.join(eval_dir, 'digits', 'predictions.npz'))
samples = np.load(os.path.join(train_dir, 'generated_samples.npz'))
record = json.load(open(os.path.join(train_dir, 'flags.json')))
held_out = msp(mnist['probabilities'])
others = {
    'generated': msp(samples['generated_probs']),
    'uniform_noise': msp(samples['uniform_noise_probs']),
    'gaussian_noise': msp(samples['gaussian_noise_probs']),
    'sklearn_digits': msp(digits['probabilities']),
}
def eval_metrics(name):
  return json.load(open(os.path.join(eval_dir, name, 'metrics.json')))
ood = {k: metrics.ood_metrics(held_out, v) for k, v in others.items()}
summary = {
    'step': eval_metrics('mnist')['step'],
    'beta': record['flags']['beta'], 'kl_scale': record['flags']['kl_scale'],
    'mnist_held_out_accuracy': eval_metrics('mnist')['accuracy'],
    'sklearn_digits_accuracy': eval_metrics('digits')['accuracy'],
    'mean_max_softmax': dict({'mnist_held_out': float(held_out.mean())},
                             **{k: float(v.mean()) for k, v in others.items()}),
    'msp_auroc_held_out_vs': {k: v['auroc'] for k, v in ood.items()},
    'msp_fpr@95tpr_held_out_vs': {k: v['fpr@95tpr'] for k, v in ood.items()},
    'conventions': 'score = max softmax (higher = more in-distribution); '
                   'AUROC with the held-out MNIST digits as positives; '
                   '64 generated and 64 noise images per set',
}
with open(os.path.join(run_dir, 'summary.json'), 'w') as f:
  json.dump(summary, f, indent=2, sort_keys=True)
print(json.dumps(summary, indent=2, sort_keys=True))
PYEOF
echo "Figure of generated samples: $TRAIN_DIR/generated_samples.png"
echo "Checkpoints and TensorBoard logs: $TRAIN_DIR"
echo "Summary: $RUN_DIR/summary.json"
