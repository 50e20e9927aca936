# Set-up and everyday commands. `make demo` and `make test` work on a fresh clone.
#   make demo  creates .venv with the runtime dependencies only and runs the main job;
#   make test  adds the test extras and the peer library (torch, for the peer tests), runs ruff
#              and the test suite (the LaTeX test needs pdflatex: .ci/run installs it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
TESTING := $(VENV)/.test-installed

.PHONY: demo test test-all lint bench clean

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(RUNTIME)

$(TESTING): $(RUNTIME)
	$(BIN)/pip install -q -e '.[test,peer]'
	touch $(TESTING)

demo: $(RUNTIME)
	$(BIN)/python -m prooftools.demo

# two pytest-xdist workers: CI has two cores (the suite passes in one process too: pytest -q)
test: $(TESTING)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2

test-all: $(TESTING)
	$(BIN)/python -m pytest -q -n 2 -m "slow or not slow"

lint: $(TESTING)
	$(BIN)/ruff check .

# every benchmark runs; the failures are listed at the end and make the target fail
bench: $(TESTING)
	@failed=""; for f in benchmarks/bench_*.py; do echo "== $$f"; \
	  $(BIN)/python $$f || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then echo "benchmarks that failed:$$failed"; exit 1; fi; \
	echo "all benchmarks passed"

clean:
	rm -rf $(VENV) build dist *.egg-info
