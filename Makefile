# Two commands for a newcomer: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SEED := seeds/000_a4ddab08513021e3.txt

.PHONY: eval-source eval-rules eval-nli eval-names setup browser wordnet demo test test-fast wheel-check bench compare eval clean

setup: $(VENV)/.installed

# torch first: the CPU wheel on disk; otherwise a dependency would pull the multi-GB CUDA build
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,dev,ray]'
	$(BIN)/checker models prepare
	touch $@

demo: setup
	$(BIN)/checker check $(SEED) --fail-on never
	@echo "Open reports/000_a4ddab08513021e3.html (batch index: reports/index.html)"

# the browser tests drive Debian's Chromium; Playwright must never download its own browser
browser:
	@command -v chromium >/dev/null || { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; }

# WordNet's antonyms (Debian wordnet-base) for the generated contradiction sets (checker_dev/newsnli.py)
wordnet:
	@test -f /usr/share/wordnet/data.adj || { apt-get install -y -q wordnet-base || { apt-get update -q && apt-get install -y -q wordnet-base; }; }

test: setup browser wordnet
	$(BIN)/ruff check checker checker_dev tests benchmarks models setup.py
	$(BIN)/python -m pytest -ra

# the plumbing alone (fakes of the model protocols): seconds
test-fast: setup
	$(BIN)/python -m pytest -ra -m "not slow and not browser"

# as a user installs it: build the wheel, install it into a fresh venv (torch from the wheel on disk first),
# check the seed from a temporary folder (CI runs this after `make test`)
WHEEL_TMP := $(shell mktemp -u -d /tmp/checker-wheel.XXXXXX)
wheel-check: setup
	$(BIN)/python -m pip wheel -q --no-deps -w $(WHEEL_TMP)/dist .
	$(PYTHON) -m venv $(WHEEL_TMP)/venv
	$(WHEEL_TMP)/venv/bin/python -m pip install -q torch==2.13.0
	$(WHEEL_TMP)/venv/bin/python -m pip install -q $(WHEEL_TMP)/dist/checker-*.whl
	cd $(WHEEL_TMP) && { venv/bin/checker check $(CURDIR)/$(SEED) -f json -f text -o out -q; test $$? -eq 1; }
	cd $(WHEEL_TMP) && venv/bin/checker render out/000_a4ddab08513021e3.json -f html -o rendered --fail-on never
	grep -q '"signature"' $(WHEEL_TMP)/out/000_a4ddab08513021e3.json
	test -s $(WHEEL_TMP)/rendered/000_a4ddab08513021e3.html
	rm -rf $(WHEEL_TMP)
	@echo "wheel-check: the installed wheel checked and re-rendered the seed"

# the garble detector's dev table (MQM news, generated breaks in articles and alone, MLQE-PE test20; LM features
# and layer 10's states (garble 3.3 reads them) cached by `python -m checker_dev.extract`, ~25 min on 2 cores the
# first time), then the seed through
# `checker eval --labels`
eval: setup
	$(BIN)/python -m checker_dev.extract --sets news breaks alone mlqe --splits dev test20
	$(BIN)/python -m checker_dev.extract --sets news breaks alone mlqe --splits dev test20 --layers 10
	$(BIN)/python -m checker_dev.garble_eval
	$(BIN)/checker eval --labels seeds/000_a4ddab08513021e3.labels.tsv

# the contradiction rule's held-apart news table (models/nli-minilm/evaluate.py, ~10 min)
eval-nli: setup wordnet
	$(BIN)/python models/nli-minilm/evaluate.py

# every rule on the 460 MQM news dev articles: findings per 50 and precision on the committed hand-read sample
# (~15 min, cached and resumable), then the contradiction rule on one-word flips and facts told twice (~5 min)
eval-rules: setup wordnet
	$(BIN)/python -m checker_dev.rule_eval
	$(BIN)/python -m checker_dev.flip_eval

# name-suspect on 146 MQM news dev translations, as translated and with one known name misspelt (~6 min)
eval-names: setup
	$(BIN)/python -m checker_dev.name_eval

bench: setup
	$(BIN)/python benchmarks/seed_speed.py

# checker against a perplexity script and proselint on the labelled seed and TED held-out talks
compare: setup
	$(BIN)/python -m pip install -q -e '.[test,compare]'
	$(BIN)/python benchmarks/compare_tools.py

clean:
	rm -rf $(VENV) reports/*.html reports/*.json

# source-aware checking on WMT zh→en news MQM (#27): the adequacy model's dev table beside word count and the
# English-only garble score, and each source-* rule's recall and false alarms through checker's own alignment (LM
# features from `python -m checker_dev.extract`, as `make eval`; encoder features cached on first run)
eval-source: setup
	$(BIN)/python -m checker_dev.extract --sets news --splits calib dev
	$(BIN)/python -m checker_dev.extract --sets news --splits calib dev --layers 10
	$(BIN)/python -m checker_dev.source_eval
	$(BIN)/python -m checker_dev.name_source_eval
	$(BIN)/python -m checker_dev.name_source_eval --planted
