#!/usr/bin/env bash
# Creates (or refreshes) the TensorFlow 2 virtualenv in .venv-tf2 from Python
# 3.11 and installs the pinned requirements-tf2.txt. The library runs there in
# TF 1 graph mode (tfcompat.py). Idempotent like scripts/setup.sh: when
# requirements-tf2.txt has not changed since the last successful install, it
# returns in about a second.
#
# Usage: scripts/setup_tf2.sh   (VENV_TF2=/path overrides .venv-tf2,
#                                PYTHON311=/path the interpreter)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV_TF2:-$ROOT/.venv-tf2}"
REQS="$ROOT/requirements-tf2.txt"

find_python311() {
  if [[ -n "${PYTHON311:-}" ]]; then echo "$PYTHON311"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local candidate
    for candidate in "$(pyenv root)"/versions/3.11.*/bin/python3.11; do
      if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
    done
  fi
  if command -v python3.11 >/dev/null 2>&1; then command -v python3.11; return; fi
  echo ""
}

if [[ ! -x "$VENV/bin/python" ]]; then
  PY="$(find_python311)"
  if [[ -z "$PY" ]]; then
    echo "setup-tf2: Python 3.11 not found. Install it with 'pyenv install 3.11.7'" \
         "(or put python3.11 on PATH, or set PYTHON311=/path/to/python3.11)." >&2
    exit 1
  fi
  echo "setup-tf2: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

STAMP="$VENV/.installed-$(basename "$REQS")"
HASH="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$HASH" ]]; then
  exit 0
fi
echo "setup-tf2: installing $(basename "$REQS") into $VENV"
"$VENV/bin/python" -m pip install -q -r "$REQS" 2>&1 | grep -v 'is ignored' || true
# setup.py pins the TF 1.15 stack (python_requires <3.8), so instead of
# `pip install -e .` the checkout goes on sys.path through a .pth file.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$ROOT" > "$SITE/slimuq-checkout.pth"
if ! CHECK="$(TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" -c \
    "import tensorflow, tf_slim, numpy, tfcompat" 2>&1)"; then
  echo "$CHECK" >&2
  echo "setup-tf2: the install into $VENV failed (see pip's messages above)" >&2
  exit 1
fi
echo "$HASH" > "$STAMP"
