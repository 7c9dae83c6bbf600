"""The PostgreSQL server of the tests (.ci/run starts a private one and sets HEALTHSCORE_PG_*):
its connection settings, and databases of a test's own, created new and dropped at teardown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def postgres_settings() -> dict[str, object]:
    """psycopg2's connection settings for the tests' server; skips the test, saying why, when
    none is configured."""
    if not os.environ.get("HEALTHSCORE_PG_PORT"):
        pytest.skip(
            "no PostgreSQL server: set HEALTHSCORE_PG_HOST/_PORT/_USER (bash .ci/run starts one)"
        )
    return {
        "host": os.environ.get("HEALTHSCORE_PG_HOST", "127.0.0.1"),
        "port": int(os.environ["HEALTHSCORE_PG_PORT"]),
        "user": os.environ.get("HEALTHSCORE_PG_USER", "healthscore"),
        "password": os.environ.get("HEALTHSCORE_PG_PASSWORD", ""),
    }


def create_database(settings: dict[str, object], database: str) -> object:
    """A new, empty `database` (dropped first if a failed run left it); returns the
    administrative connection that drop_database takes."""
    import psycopg2

    admin = psycopg2.connect(dbname="postgres", **settings)
    admin.autocommit = True
    admin.cursor().execute(f"drop database if exists {database} with (force)")
    admin.cursor().execute(f"create database {database}")
    return admin


def drop_database(admin: object, database: str) -> None:
    admin.cursor().execute(f"drop database if exists {database} with (force)")
    admin.close()


def postgres_env(settings: dict[str, object], database: str, state: Path) -> dict[str, str]:
    """The environment that points the product at `database` on the tests' server, with its
    state (reports, alerts, logs; on a target no DuckDB file is made there) in `state`."""
    return {
        "HEALTHSCORE_PG_HOST": str(settings["host"]),
        "HEALTHSCORE_PG_PORT": str(settings["port"]),
        "HEALTHSCORE_PG_USER": str(settings["user"]),
        "HEALTHSCORE_PG_PASSWORD": str(settings["password"]),
        "HEALTHSCORE_PG_DATABASE": database,
        "HEALTHSCORE_DUCKDB_PATH": str(state / "healthscore.duckdb"),
        "HEALTHSCORE_REPORTS_DIR": str(state / "reports"),
        "HEALTHSCORE_ALERTS_FILE": str(state / "alerts" / "alerts.jsonl"),
    }
