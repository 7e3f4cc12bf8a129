# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED := seeds/000_a4ddab08513021e3.txt

.PHONY: setup browser demo test lint bench compare eval clean

setup: $(VENV)/.installed

# torch first: the CPU wheel on disk; otherwise a dependency would pull the multi-GB CUDA build
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/checker models prepare
	touch $@

demo: setup
	$(BIN)/checker check $(SEED) --fail-on never
	@echo "Open reports/000_a4ddab08513021e3.html (batch index: reports/index.html)"

# the browser tests drive Debian's Chromium; Playwright must never download its own browser
browser:
	@command -v chromium >/dev/null || { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; }

test: setup browser
	$(BIN)/ruff check checker tests benchmarks models
	$(BIN)/python -m pytest -ra

eval: setup
	$(BIN)/checker eval

bench: setup
	$(BIN)/python benchmarks/seed_speed.py

# checker against a perplexity script and proselint on the labelled seed and TED held-out talks
compare: setup
	$(BIN)/python -m pip install -q -e '.[test,compare]'
	$(BIN)/python benchmarks/compare_tools.py

clean:
	rm -rf $(VENV) reports/*.html reports/*.json
