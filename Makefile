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

test: $(INSTALLED)
	$(BIN)/python -m pytest -q

demo: $(INSTALLED)
	$(BIN)/albums demo

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
