# Trivselskiosk: two commands do everything on a fresh machine with Python 3.11+, git and make.
#   make run   start the kiosk on the embedded demo site (demo key pair made on first run in demo/)
#   make test  create .venv, install, run ruff, mypy and pytest
#   make test-browser  the HTML report in headless Chromium (axe-core, A4 print, hostile notes)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo

.PHONY: run test lint typecheck pytest check-python check-tools clean snapshots

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Trivselskiosk needs Python 3.11 or newer (found: $$($(PYTHON) --version 2>&1))."; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install python3 python3-venv) or run: make PYTHON=python3.12 ..."; exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/kiosk demo --dir $(DEMO_DIR)

check-tools:
	@command -v tmux >/dev/null 2>&1 || \
	  { echo "The end-to-end tests drive the real kiosk in tmux, which is not installed."; \
	    echo "Install it: sudo apt-get install tmux   (Fedora: sudo dnf install tmux; macOS: brew install tmux)"; exit 1; }
	@command -v shellcheck >/dev/null 2>&1 || \
	  { echo "The deploy tests check deploy/install.sh with shellcheck, which is not installed."; \
	    echo "Install it: sudo apt-get install shellcheck   (Fedora: sudo dnf install ShellCheck; macOS: brew install shellcheck)"; exit 1; }

lint: $(VENV)/.test-installed
	$(BIN)/ruff check kiosk screens tests bench
	$(BIN)/ruff format --check kiosk screens tests bench

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

pytest: $(VENV)/.test-installed check-tools
	$(BIN)/pytest -q

test: lint typecheck pytest

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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
