# Two commands from a fresh clone with only Python >= 3.11:
#   make run    set everything up and serve http://127.0.0.1:8000/fr/
#   make test   set up what tests need and run them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MANAGE := $(PY) manage.py

.PHONY: run test setup install translations e2e bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

install: $(INSTALLED)

translations: install
	$(MANAGE) compiletranslations

setup: translations
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo

run: setup
	$(MANAGE) devserver 127.0.0.1:8000

test: translations
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var static_collected .pytest_cache
