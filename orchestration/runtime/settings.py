"""Where the pipeline reads and writes, from environment variables with project defaults.

HEALTHSCORE_TARGET             the dbt target of profiles.yml every part runs on (default
                               duckdb, the embedded file below; e.g. postgres: the Python
                               half then reads and writes that warehouse, runtime/warehouse.py)
HEALTHSCORE_DUCKDB_PATH        the DuckDB warehouse (default warehouse/healthscore.duckdb;
                               keep the file name healthscore.duckdb: the dbt manifest
                               records the catalog name it gives)
HEALTHSCORE_LANDING_DIR        the landing folder of contract files (default landing/demo)
HEALTHSCORE_REPORTS_DIR        validation report and weight proposals (default: beside the
                               warehouse, reports/)
HEALTHSCORE_ALERTS_FILE        JSON-lines file the notifier appends alerts to (default:
                               beside the warehouse, alerts/alerts.jsonl)
HEALTHSCORE_ALERT_WEBHOOK_URL  send alerts to this URL (HTTP POST, JSON) instead
HEALTHSCORE_AS_OF_DATE         score as of this date (YYYY-MM-DD) instead of today, e.g. to
                               replay a past day or run a demo company that ends earlier
HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS
                               the notifier's first delivery sends the alerts of this many
                               days up to the as-of date (default 1; runtime/notifier.py)
HEALTHSCORE_CHALLENGER_DIR     a challenger scoring configuration (a folder of scoring seeds,
                               or a git revision) scored in shadow on every run
                               (analysis/challenger.py; docs/scoring_changes.md)
HEALTHSCORE_LOCK_WAIT_SECONDS  how long a writer waits for another before giving up (default
                               600; read by orchestration/runtime/warehouse_file.py)
HEALTHSCORE_DBT_VARS           dbt vars of the Dagster code location, a YAML or JSON mapping,
                               e.g. the source mappings (runtime/dbt_invoke.py)
HEALTHSCORE_DAILY_DEADLINE     on a dbt target, the hour (UTC) by which the Dagster daily run
                               starts whatever arrived (default 9; defs/automation.py)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.warehouse import Location, location_from_env, target_name


@dataclass(frozen=True)
class Settings:
    database: Path
    landing: Path
    reports: Path
    alerts_file: Path
    webhook_url: str | None
    as_of_date: str | None
    challenger: str | None = None
    target: str = "duckdb"

    @property
    def location(self) -> Location:
        """Where every part reads and writes: the DuckDB file, or the dbt target's warehouse."""
        return self.database if self.target == "duckdb" else location_from_env(self.database)


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def settings_from_env() -> Settings:
    database = _path("HEALTHSCORE_DUCKDB_PATH", Path("warehouse") / "healthscore.duckdb")
    return Settings(
        database=database,
        landing=_path("HEALTHSCORE_LANDING_DIR", Path("landing") / "demo"),
        reports=_path("HEALTHSCORE_REPORTS_DIR", database.parent / "reports"),
        alerts_file=_path("HEALTHSCORE_ALERTS_FILE", database.parent / "alerts" / "alerts.jsonl"),
        webhook_url=os.environ.get("HEALTHSCORE_ALERT_WEBHOOK_URL") or None,
        as_of_date=os.environ.get("HEALTHSCORE_AS_OF_DATE") or None,
        challenger=os.environ.get("HEALTHSCORE_CHALLENGER_DIR") or None,
        target=target_name(),
    )
