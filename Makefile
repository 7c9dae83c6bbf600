# The two commands of the quickstart are `make demo` and `make test`; both set up what they need.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(HASH)
WAREHOUSES_STAMP := $(VENV)/.warehouses-$(HASH)

.PHONY: install install-warehouses demo test test-fast lint ui bench clean

# A virtual environment with every pinned dependency; reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "Python 3.11, 3.12 or 3.13 is needed (set PYTHON=...)")'
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

# The quick loop, under two minutes on 2 cores: the dbt unit tests and, beside them on the other
# core, the Python tests that need no dbt build. The unit tests need the models upstream of them
# to exist (dbt reads their column types), so those are built empty (`--empty`) in an in-memory
# DuckDB (profiles.yml, target `memory`): no data, no warehouse file, nothing left behind.
FAST_TESTS := tests/test_metrics.py tests/test_orchestration_helpers.py tests/test_notifier.py \
	tests/test_loader.py tests/test_calibration.py tests/test_benchmark_report.py \
	tests/test_validity_report.py tests/test_docs.py tests/test_scoring_config.py
UNIT_TESTS_DIR := target/unit_tests

test-fast: install
	@mkdir -p $(UNIT_TESTS_DIR)
	@echo "dbt unit tests (output: $(UNIT_TESTS_DIR)/output.txt) beside the Python tests without a dbt build ..."
	@DBT_TARGET_PATH=$(UNIT_TESTS_DIR) $(BIN)/dbt --no-use-colors build --profiles-dir . \
		--target memory --log-path $(UNIT_TESTS_DIR) --select +test_type:unit \
		--exclude test_type:data --empty >$(UNIT_TESTS_DIR)/output.txt 2>&1 & dbt_pid=$$!; \
	$(BIN)/pytest -n 0 --durations=5 $(FAST_TESTS); pytest_status=$$?; \
	if wait $$dbt_pid; then \
		grep -E "Finished running|Done\." $(UNIT_TESTS_DIR)/output.txt; \
	else \
		cat $(UNIT_TESTS_DIR)/output.txt; echo "The dbt unit tests failed (above)."; exit 1; \
	fi; \
	exit $$pytest_status

# Style, each check run and any failing the target: ruff on the Python (lint and format), and
# sqlfluff with the dbt templater (.sqlfluff) on the models and singular tests (macro files are
# not compiled on their own, so not linted). `ruff format` and `sqlfluff fix PATH` mend most of
# what they find.
SQL_LINT_PATHS := models tests/dbt/singular

lint: install
	@status=0; \
	$(BIN)/ruff check orchestration tests || status=1; \
	$(BIN)/ruff format --check orchestration tests || status=1; \
	$(BIN)/sqlfluff lint $(SQL_LINT_PATHS) || status=1; \
	exit $$status

clean:
	rm -rf warehouse landing reports target logs bench .pytest_cache .dagster_home
