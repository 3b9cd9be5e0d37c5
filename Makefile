# Two commands do everything: `make test` and `make demo`. Both build .venv
# first when requirements.txt or pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test demo clean mutation

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(INSTALLED)

# The Lambda bundles (code archives and pinned layers, for AWS and for this
# machine), built once after the venv and whenever a layer's pins change, so
# the demo and the tests need no package registry; builds are cached by input.
LAMBDA_BUILT := build/lambda/.built
LAYER_REQUIREMENTS := $(wildcard functions/*/requirements.txt)

$(LAMBDA_BUILT): $(INSTALLED) $(LAYER_REQUIREMENTS) components/lambda_package.py
	$(BIN)/python -m components
	touch $@

# The browser tests drive Debian's chromium (Playwright must not download one).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium

# Two workers, one test file each at a time (a file's stacks and fixtures stay in
# one process): most of the suite's time waits on stacks, engines and retries,
# which the other worker fills. Targeted runs (`pytest tests/...`) run in one process.
TEST_WORKERS ?= 2

test: $(INSTALLED) $(LAMBDA_BUILT) $(CHROMIUM)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

demo: $(INSTALLED) $(LAMBDA_BUILT)
	$(BIN)/albums demo

# Mutation testing (mutmut, one worker): slow, never part of `make test`.
MUTATION_DIR := build/mutation

mutation: $(INSTALLED)
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)/src
	cp -r functions/album_registry $(MUTATION_DIR)/src/
	cp -r functions tests albums local_aws statemachine components samples Pulumi.yaml Pulumi.dev.yaml Pulumi.bench.yaml __main__.py $(MUTATION_DIR)/
	# Tests import the package from src/ (mutmut's copy), never from functions/ (the bundles' sources).
	sed 's|^pythonpath = \[".", "functions"\]|pythonpath = [".", "src"]|' pyproject.toml > $(MUTATION_DIR)/pyproject.toml
	cd $(MUTATION_DIR) && ../../$(BIN)/mutmut run --max-children 1 || true
	cd $(MUTATION_DIR) && ../../$(BIN)/python -m tests.mutation_report

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
