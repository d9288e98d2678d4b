# Two commands on a fresh machine:  `make run`  (set up + start the app)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup run test test-fast evals bench lint browser-deps clean

$(BIN)/coach: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch is pinned to 2.13.0 in pyproject.toml so pip takes the CPU wheel (no CUDA download).
	$(BIN)/pip install -q -e ".[dev]"
	@touch $(BIN)/coach

setup: $(BIN)/coach

run: setup
	$(BIN)/coach serve

# Headless Chromium for the browser tests, from Debian (no browser download by Playwright).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# pytest's exit 5 means "no tests collected": not a failure of the suite itself.
test: setup browser-deps
	$(BIN)/pytest -q || [ $$? -eq 5 ]
	$(BIN)/coach eval --engine guide --out eval-out

test-fast: setup
	$(BIN)/pytest -q -m "not browser and not server"

evals: setup
	$(BIN)/coach eval --engine guide --out eval-out

bench: setup
	$(BIN)/python -m benchmarks

lint: setup
	$(BIN)/ruff check coach tests benchmarks evals

clean:
	rm -rf $(VENV) eval-out bench-out test-artifacts .pytest_cache
