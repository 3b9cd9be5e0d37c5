# Two commands do everything: `make test` and `make demo`. Both build .venv
# first when requirements.txt or pyproject.toml changed since the last install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: test demo clean

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(INSTALLED)

# The browser tests drive Debian's chromium (Playwright must not download one).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium

test: $(INSTALLED) $(CHROMIUM)
	$(BIN)/python -m pytest -q

demo: $(INSTALLED)
	$(BIN)/albums demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
