# Trivselskiosk: two commands do everything on a fresh machine with Python 3.11+, git and make.
#   make run   start the kiosk on the embedded demo site (demo key pair made on first run in demo/)
#   make test  create .venv, install, run ruff, mypy and pytest
#   make test-browser  the HTML report in headless Chromium (axe-core, A4 print, hostile notes)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo
# Exact versions of every tool and library (and of setuptools for the build): a fresh clone
# installs what the tests last passed with. `make constraints` refreshes the file (see README).
CONSTRAINTS := constraints/test.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) --build-constraint $(CONSTRAINTS)

.PHONY: run test lint typecheck pytest check-python clean snapshots constraints

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Trivselskiosk needs Python 3.11 or newer (found: $$($(PYTHON) --version 2>&1))."; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv) or run: make PYTHON=python3.12 ..."; exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) --upgrade pip

$(VENV)/.run-installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP_INSTALL) -e ".[test]"
	@touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/kiosk demo --dir $(DEMO_DIR)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check kiosk screens tests bench
	$(BIN)/ruff format --check kiosk screens tests bench

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

# One worker per core (pytest-xdist); a bare `pytest` runs them one by one, easier to debug.
pytest: $(VENV)/.test-installed
	$(BIN)/pytest -q -n auto

test: lint typecheck pytest

# The deploy checks that need system packages (systemd-analyze, polkitd, dbus-daemon, foot);
# `make test` deselects them. .ci/run installs those packages and runs this.
.PHONY: test-system
test-system: $(VENV)/.test-installed
	$(BIN)/pytest -q -m system

# The report's browser checks: Chromium from the system's packages, axe-core from npm into a
# git-ignored folder. Deselected from `make test` (pytest marker "browser").
AXE_CORE := tests/browser/.deps/node_modules/axe-core/axe.min.js

$(AXE_CORE):
	@command -v npm >/dev/null 2>&1 || \
	  { echo "The browser checks install axe-core with npm, which is not installed."; \
	    echo "Install it: sudo apt-get install npm   (macOS: brew install node)"; exit 1; }
	npm install --silent --no-audit --no-fund --no-save --prefix tests/browser/.deps axe-core@4.14.1

.PHONY: test-browser
test-browser: $(VENV)/.test-installed $(AXE_CORE)
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "The browser checks need Chromium, which is not installed."; \
	    echo "Install it: sudo apt-get install chromium   (Fedora: sudo dnf install chromium)"; exit 1; }
	$(BIN)/pytest -q -m browser tests/browser

snapshots: $(VENV)/.test-installed
	$(BIN)/pytest -q tests --snapshot-update -k snapshot

# The newest releases the ranges in pyproject.toml allow, installed into a scratch venv and
# written to the constraints file (its comment lines kept). Then run `make test` and commit.
constraints: | check-python
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip setuptools
	.venv-constraints/bin/python -m pip install --quiet -e ".[test]"
	{ grep '^#' $(CONSTRAINTS); \
	  .venv-constraints/bin/python -m pip freeze --all --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .venv-constraints .pytest_cache .mypy_cache .ruff_cache .hypothesis
