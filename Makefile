# The two README commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
VENV_TF2 ?= .venv-tf2
# `make setup TF=intel` / `make bench TF=intel`: the MKL build in .venv-intel.
ifeq ($(TF),intel)
VENV := .venv-intel
export INTEL_TF := 1
endif
PY := $(VENV)/bin/python

.PHONY: setup setup-test setup-tf2 setup-lint demo test test-tf2 lint bench clean

setup:
	@scripts/setup.sh requirements.txt

setup-test:
	@scripts/setup.sh requirements-test.txt

setup-lint:
	@scripts/setup.sh requirements-lint.txt

# The TensorFlow 2 stack (Python 3.11, requirements-tf2.txt) in .venv-tf2.
setup-tf2:
	@VENV_TF2=$(VENV_TF2) scripts/setup_tf2.sh

# Converts scikit-learn's bundled digits, trains lenet, evaluates it.
demo: setup
	@VENV=$(VENV) scripts/demo.sh

# CI runs exactly this: the unit tests and the MNIST train/eval end to end on
# the TF 2 stack (test-tf2), then the whole suite, slow end-to-end tests
# included, on TF 1.15 (its summary line is the last one printed).
test: setup-test
	@$(MAKE) --no-print-directory test-tf2
	@$(PY) -m pytest -q -n 2 --dist loadfile

# The library on the TF 2 stack (graph mode): every package's unit tests and
# one end-to-end train/eval run (tests/test_mnist_end_to_end.py).
TF2_TESTS ?= nets preprocessing datasets uncertainty training deployment \
  export experiments benchmarks tests/test_mnist_end_to_end.py
test-tf2: setup-tf2
	@$(VENV_TF2)/bin/python -m pytest -q -n 2 --dist loadfile $(TF2_TESTS)

# pylint on every tracked Python file with the project's .pylintrc (Google
# style: 2-space indent, 80 columns; each disabled check says why).
lint: setup-lint
	@$(PY) -m pylint --rcfile=.pylintrc $$(git ls-files '*.py')

# Images/sec of the train and eval graphs: ours vs synthetic vs TF-Slim's
# queues, and achieved vs matmul peak (README "Performance"). BENCH_ARGS adds
# flags, e.g. make bench BENCH_ARGS='--models=lenet,cifarnet'.
BENCH_ARGS ?= --models=all
bench: setup
	@$(PY) -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(VENV_TF2) runs
