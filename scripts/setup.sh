#!/usr/bin/env bash
# Creates (or refreshes) the project's virtualenv in .venv from Python 3.7 and
# installs the pinned requirements. Idempotent: when the requirement files have
# not changed since the last successful install, it returns in about a second.
#
# Usage: scripts/setup.sh [requirements-file]   (default: requirements.txt)
# INTEL_TF=1 scripts/setup.sh (make setup TF=intel) builds a separate
# .venv-intel with intel-tensorflow==1.15.2 (MKL) instead of
# tensorflow==1.15.5, for `make bench TF=intel`; the default .venv is untouched.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS="${1:-$ROOT/requirements.txt}"
# Prints requirement file $1 with its `-r file` includes inlined.
expand_requirements() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    if [[ "$line" =~ ^-r[[:space:]]+(.+)$ ]]; then
      expand_requirements "$(dirname "$1")/${BASH_REMATCH[1]}"
    else
      echo "$line"
    fi
  done < "$1"
}

if [[ "${INTEL_TF:-0}" == "1" ]]; then
  VENV="${VENV:-$ROOT/.venv-intel}"
  mkdir -p "$VENV"
  # Named after the source file, so the test pins get their own stamp.
  INTEL_REQS="$VENV/intel-$(basename "$REQS")"
  # Includes inlined: requirements-test.txt pulls in requirements.txt,
  # whose tensorflow pin is the one to replace.
  expand_requirements "$REQS" \
    | sed 's/^tensorflow==1\.15\.5$/intel-tensorflow==1.15.2/' > "$INTEL_REQS"
  REQS="$INTEL_REQS"
else
  VENV="${VENV:-$ROOT/.venv}"
fi

find_python37() {
  if [[ -n "${PYTHON37:-}" ]]; then echo "$PYTHON37"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local candidate
    candidate="$(pyenv root)/versions/3.7.16/bin/python3.7"
    if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
  fi
  if command -v python3.7 >/dev/null 2>&1; then command -v python3.7; return; fi
  echo ""
}

if [[ ! -x "$VENV/bin/python" ]]; then
  PY="$(find_python37)"
  if [[ -z "$PY" ]]; then
    echo "setup: Python 3.7 not found. TensorFlow 1.15 needs Python 3.7: install it" \
         "with 'pyenv install 3.7.16' (or put python3.7 on PATH, or set PYTHON37=/path/to/python3.7)." >&2
    exit 1
  fi
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade 'pip<24' 2>&1 | grep -v 'is ignored' || true
fi

# Install only when the requirement files changed since the last install.
STAMP="$VENV/.installed-$(basename "$REQS")"
# requirements-tf2.txt belongs to the TF 2 stack (scripts/setup_tf2.sh).
TF1_REQS=()
for f in "$ROOT"/requirements*.txt; do
  [[ "$f" == *-tf2.txt ]] || TF1_REQS+=("$f")
done
HASH="$(cat "$REQS" "${TF1_REQS[@]}" | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$HASH" ]]; then
  exit 0
fi
echo "setup: installing $(basename "$REQS") into $VENV"
"$VENV/bin/python" -m pip install -q -r "$REQS" 2>&1 | grep -v 'is ignored' || true
"$VENV/bin/python" -m pip install -q --no-deps -e "$ROOT" 2>&1 | grep -v 'is ignored' || true
"$VENV/bin/python" -c "import tensorflow, tf_slim, numpy" \
  || { echo "setup: the install into $VENV failed (see pip's messages above)" >&2; exit 1; }
echo "$HASH" > "$STAMP"
