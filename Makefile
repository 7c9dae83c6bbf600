# The two commands of the quickstart are `make demo` and `make test`; both set up what they need.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(HASH)
WAREHOUSES_STAMP := $(VENV)/.warehouses-$(HASH)

.PHONY: install install-warehouses demo test lint ui bench clean

# A virtual environment with every pinned dependency; reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# The PostgreSQL and Spark adapters (and PySpark), for the cross-warehouse tests.
$(WAREHOUSES_STAMP): $(STAMP)
	@echo "Installing the PostgreSQL and Spark adapters into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,warehouses]'
	@rm -f $(VENV)/.warehouses-*
	@touch $(WAREHOUSES_STAMP)

install: $(STAMP)

install-warehouses: $(WAREHOUSES_STAMP)

# Generate the demo company, load it, build every model and test, print the summary.
demo: install
	$(BIN)/healthscore demo

# The Dagster UI on http://127.0.0.1:3000 with the demo warehouse (built first if missing).
ui: install
	$(BIN)/healthscore ui

# The whole test suite (dbt unit and data tests run inside the end-to-end tests). The PostgreSQL
# tests run when HEALTHSCORE_PG_* point at a server (bash .ci/run starts one); Spark runs locally.
test: install-warehouses
	$(BIN)/ruff check orchestration tests
	$(BIN)/pytest

# How the cost grows with the company: 1,000 and 10,000 accounts over 24 months (about 15 min
# on 2 cores, 24 GB); not part of the tests.
bench: install
	$(BIN)/healthscore bench --accounts 1000,10000

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

clean:
	rm -rf warehouse landing reports target logs bench .pytest_cache .dagster_home
