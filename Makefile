# The two commands of the quickstart are `make demo` and `make test`; both set up what they need.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test lint ui clean

# A virtual environment with every pinned dependency; reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Generate the demo company, load it, build every model and test, print the summary.
demo: install
	$(BIN)/healthscore demo

# The Dagster UI on http://127.0.0.1:3000 with the demo warehouse (built first if missing).
ui: install
	$(BIN)/healthscore ui

# The whole test suite (dbt unit and data tests run inside the end-to-end tests).
test: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

clean:
	rm -rf warehouse landing reports target logs .pytest_cache .dagster_home
