# Two commands on a fresh machine:  `make run`  (set up + start the app)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup dev-setup run test test-fast evals bench lint browser-deps clean

# `make run` installs only what running needs, with pip's progress bars; test tools (pytest,
# playwright, ruff) are installed by the test targets only.
$(BIN)/coach: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "Installing Mentor Coach: about 2.2 GB of packages (PyTorch CPU, Chroma, Gradio...)."
	@echo "Expect 2-10 minutes on a first install, depending on your connection."
	# torch is pinned to 2.13.0 in pyproject.toml so pip takes the CPU wheel (no CUDA download).
	$(BIN)/pip install --progress-bar on -e .
	@touch $(BIN)/coach

$(BIN)/pytest: $(BIN)/coach
	$(BIN)/pip install --progress-bar on -e ".[dev]"
	@touch $(BIN)/pytest

setup: $(BIN)/coach

dev-setup: $(BIN)/pytest

run: setup
	$(BIN)/coach serve

# Headless Chromium for the browser tests, from Debian (no browser download by Playwright).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# pytest's exit 5 means "no tests collected": not a failure of the suite itself.
test: dev-setup browser-deps
	$(BIN)/pytest -q || [ $$? -eq 5 ]
	$(BIN)/coach eval --engine guide --out eval-out

test-fast: dev-setup
	$(BIN)/pytest -q -m "not browser and not server"

evals: setup
	$(BIN)/coach eval --engine guide --out eval-out

bench: setup
	$(BIN)/python -m benchmarks

lint: dev-setup
	$(BIN)/ruff check coach tests benchmarks evals

clean:
	rm -rf $(VENV) eval-out bench-out test-artifacts .pytest_cache
