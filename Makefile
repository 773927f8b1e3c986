# The two README commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-test demo test clean

setup:
	@scripts/setup.sh requirements.txt

setup-test:
	@scripts/setup.sh requirements-test.txt

# Converts scikit-learn's bundled digits, trains lenet, evaluates it.
demo: setup
	@VENV=$(VENV) scripts/demo.sh

# The whole suite, slow end-to-end tests included (CI runs exactly this).
test: setup-test
	@$(PY) -m pytest -q -n 2 --dist loadfile

clean:
	rm -rf $(VENV) runs
