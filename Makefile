# Two entry points on a fresh machine: `make demo` and `make test`.
# Both create .venv and install from scratch; torch 2.13.0 (CPU wheel) goes in first so that
# nothing that depends on it pulls a CUDA build.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export NUMBA_CACHE_DIR := $(CURDIR)/.cache/numba

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/scalebridge demo --out runs/demo --overwrite

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model_search.py

clean:
	rm -rf $(VENV) .cache runs
