#!/bin/bash
# Distributed training on one machine: 1 parameter server + 2 workers on
# loopback ports, LeNet on the bundled digits (converted if missing).
#
#   scripts/train_local_cluster.sh [RUN_DIR] [STEPS] [extra train flags...]
#   e.g. scripts/train_local_cluster.sh /tmp/cluster 200 --sync_replicas
#
# The same flags run a real cluster: one process per host, each with the
# full host lists, its own --job_name and --task (start the ps first; worker
# task 0 is the chief, the only one writing checkpoints and summaries).
# The ps exits by itself once every worker is done. If any process fails (a
# worker killed, say), or the script is interrupted, it stops the others and
# exits non-zero (the failed process's status, or 130).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
RUN_DIR=${1:-/tmp/slimuq_local_cluster}
STEPS=${2:-200}
shift $(( $# > 2 ? 2 : $# ))
PS_PORT=${PS_PORT:-22220}
WORKER0_PORT=${WORKER0_PORT:-22221}
WORKER1_PORT=${WORKER1_PORT:-22222}
DATA_DIR="$RUN_DIR/data"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES-}

mkdir -p "$RUN_DIR"
if [ ! -f "$DATA_DIR/dataset_metadata.json" ]; then
  "$PYTHON" download_and_convert_data.py --dataset_name=digits \
    --dataset_dir="$DATA_DIR"
fi

COMMON=(--ps_hosts=localhost:$PS_PORT
        --worker_hosts=localhost:$WORKER0_PORT,localhost:$WORKER1_PORT
        --train_dir="$RUN_DIR/train" --dataset_name=digits
        --dataset_split_name=train --dataset_dir="$DATA_DIR"
        --model_name=lenet --batch_size=32 --optimizer=sgd
        --learning_rate=0.01 --weight_decay=0
        --max_number_of_steps="$STEPS" --log_every_n_steps=10
        --save_interval_secs=30 "$@")

# A ps waits for every worker, and a synchronous worker for the others: when
# one process fails, the rest would wait forever, so any failure (or an
# interrupt) stops them all.
PIDS=()
stop_all() { kill "${PIDS[@]}" 2>/dev/null || true; wait || true; }
trap 'stop_all; exit 130' INT TERM

"$PYTHON" train_image_classifier.py --job_name=ps --task=0 "${COMMON[@]}" \
  > "$RUN_DIR/ps0.log" 2>&1 &
PS_PID=$!
PIDS+=("$PS_PID")
echo "ps task 0: pid $PS_PID, log $RUN_DIR/ps0.log"
"$PYTHON" train_image_classifier.py --job_name=worker --task=0 \
  "${COMMON[@]}" > "$RUN_DIR/worker0.log" 2>&1 &
W0_PID=$!
PIDS+=("$W0_PID")
"$PYTHON" train_image_classifier.py --job_name=worker --task=1 \
  "${COMMON[@]}" > "$RUN_DIR/worker1.log" 2>&1 &
W1_PID=$!
PIDS+=("$W1_PID")
echo "workers: pids $W0_PID (chief) $W1_PID, logs $RUN_DIR/worker{0,1}.log"

for _ in 1 2 3; do
  status=0
  wait -n || status=$?
  if [ $status -ne 0 ]; then
    echo "A process failed (exit $status); stopping the others. Logs:" \
      "$RUN_DIR/{ps0,worker0,worker1}.log" >&2
    stop_all
    exit $status
  fi
done
grep -h "finished at global step" "$RUN_DIR"/worker*.log || true
echo "Evaluate the chief's checkpoint with:"
echo "  $PYTHON eval_image_classifier.py --checkpoint_path=$RUN_DIR/train" \
  "--eval_dir=$RUN_DIR/eval --dataset_name=digits --dataset_split_name=test" \
  "--dataset_dir=$DATA_DIR --model_name=lenet"
