"""Pure helpers behind the Dagster definitions."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.analysis.validation_checks import (
    ThresholdsMissing,
    judge_auc,
    judge_band_order,
    judge_coverage,
    read_thresholds,
)
from orchestration.devtools.benchmark import median_run
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.landing_watch import (
    changed_tables,
    decode_cursor,
    encode_cursor,
    table_fingerprints,
)

BANDS_ORDERED = [("red", 1, 100, 0.30), ("amber", 2, 300, 0.10), ("green", 3, 900, 0.02)]


def _group_of_folder(folder: tuple[str, ...], block: dict) -> str | None:
    """The meta.dagster.group dbt gives a folder of the models: block, the nearest one set."""
    group = (block.get("+meta") or {}).get("dagster", {}).get("group")
    if folder and folder[0] in block:
        return _group_of_folder(folder[1:], block[folder[0]]) or group
    return group


PROJECT = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())


@pytest.mark.parametrize(
    ("folder", "layer"),
    [
        (("staging", "crm"), "staging"),
        (("staging", "crm", "base"), "staging"),
        (("intermediate", "product"), "features"),
        (("intermediate", "scoring"), "score"),
        (("marts", "health"), "score"),
        (("marts", "validation"), "validation"),
        (("marts", "alerts"), "alerts"),
        (("marts", "follow_up"), "alerts"),
        (("marts", "data_quality"), "data_quality"),
    ],
)
def test_every_folder_maps_to_its_layer(folder: tuple[str, ...], layer: str) -> None:
    assert _group_of_folder(folder, PROJECT["models"]["healthscore"]) == layer


def test_every_model_folder_and_the_seeds_have_a_dagster_group() -> None:
    """dagster-dbt groups the assets by meta.dagster.group: a folder without one would put its
    models in Dagster's default group (defs/dbt.py refuses to load then)."""
    assert PROJECT["seeds"]["healthscore"]["+meta"] == {"dagster": {"group": "configuration"}}
    models = PROJECT_ROOT / "models"
    folders = {path.parent.relative_to(models).parts for path in models.rglob("*.sql")}
    assert folders
    for folder in folders:
        assert _group_of_folder(folder, PROJECT["models"]["healthscore"]), folder


def test_fingerprints_change_with_new_or_changed_files_only(tmp_path: Path) -> None:
    (tmp_path / "crm_activities.csv").write_text("a\n1\n")
    tables = ["crm_activities", "support_tickets"]
    first = table_fingerprints(tmp_path, tables)
    assert first["support_tickets"] == "" and first["crm_activities"]
    assert changed_tables(first, table_fingerprints(tmp_path, tables)) == []
    (tmp_path / "crm_activities").mkdir()
    (tmp_path / "crm_activities" / "new.csv").write_text("a\n2\n")
    second = table_fingerprints(tmp_path, tables)
    assert changed_tables(first, second) == ["crm_activities"]
    time.sleep(0.01)
    (tmp_path / "support_tickets.csv").write_text("b\n")
    (tmp_path / "notes.txt").write_text("not a table file")
    assert changed_tables(second, table_fingerprints(tmp_path, tables)) == ["support_tickets"]
    assert decode_cursor(encode_cursor(second)) == second and decode_cursor(None) == {}


def test_auc_verdicts() -> None:
    passed = judge_auc(0.74, 0.70, 0.78, 900, 40, floor=0.65, min_churns=20, lead_days=90)
    assert passed.passed and passed.judged
    failed = judge_auc(0.60, 0.55, 0.65, 900, 40, floor=0.65, min_churns=20, lead_days=90)
    assert not failed.passed and failed.judged and failed.metadata["auc"] == 0.60
    unjudged = judge_auc(0.90, 0.60, 1.0, 80, 5, floor=0.65, min_churns=20, lead_days=90)
    assert not unjudged.passed and not unjudged.judged and "Cannot judge" in unjudged.description


def test_band_order_verdicts() -> None:
    assert judge_band_order(BANDS_ORDERED, lead_days=90, min_churns=20, min_band_renewals=10).passed
    swapped = [("red", 1, 100, 0.05), ("amber", 2, 300, 0.10), ("green", 3, 900, 0.02)]
    verdict = judge_band_order(swapped, lead_days=90, min_churns=20, min_band_renewals=10)
    assert verdict.judged and not verdict.passed and verdict.metadata["red_churn_rate"] == 0.05
    empty = [("red", 1, 0, None), ("amber", 2, 300, 0.10), ("green", 3, 900, 0.02)]
    verdict = judge_band_order(empty, lead_days=90, min_churns=20, min_band_renewals=10)
    assert not verdict.judged and not verdict.passed and "red" in verdict.description
    few = [("red", 1, 3, 0.333), ("amber", 2, 11, 0.545), ("green", 3, 900, 0.105)]
    verdict = judge_band_order(few, lead_days=90, min_churns=20, min_band_renewals=10)
    assert not verdict.judged and "red 3" in verdict.description
    assert judge_band_order(few, lead_days=90, min_churns=20, min_band_renewals=3).judged


def test_coverage_verdicts() -> None:
    assert judge_coverage(0.8, 100, 2, floor=0.6).passed
    low = judge_coverage(0.5, 100, 30, floor=0.6)
    assert low.judged and not low.passed
    none = judge_coverage(None, 0, 0, floor=0.6)
    assert not none.judged and not none.passed


@pytest.mark.parametrize(
    ("seconds", "index"),
    [
        ([31.0], 0),
        ([35.2, 29.8, 31.1], 2),
        ([29.8, 35.2, 31.1, 30.0], 3),  # an even count takes the lower middle run
    ],
)
def test_the_benchmark_reports_the_median_refresh(seconds: list[float], index: int) -> None:
    assert median_run(seconds) == index


def test_seeds_hold_no_single_quotes() -> None:
    """dbt-spark writes seed values into its INSERT statement without escaping them, so a single
    quote in a seed (an apostrophe in a description) breaks the build on Spark."""
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    quoted = [
        f"{path.name}:{number}"
        for path in sorted(seeds.glob("*.csv"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "'" in line
    ]
    assert quoted == []


def test_the_thresholds_are_read_from_the_warehouse_with_one_line_when_missing() -> None:
    con = duckdb.connect()
    with pytest.raises(ThresholdsMissing, match="no marts.validation_thresholds: build it again"):
        read_thresholds(con)
    con.execute("create schema marts")
    con.execute(
        "create table marts.validation_thresholds as select 0.7::double as min_auc, "
        "0.55::double as min_coverage, 25 as min_churns, 12 as min_band_renewals"
    )
    limits = read_thresholds(con)
    assert (limits.min_auc, limits.min_coverage, limits.min_churns, limits.min_band_renewals) == (
        0.7,
        0.55,
        25,
        12,
    )


# What each package may import, as its docstring says (orchestration/<package>/__init__.py);
# cli.py and devtools may import any of them, and nothing of orchestration imports tests/.
MAY_IMPORT = {
    "runtime": {"runtime"},
    "analysis": {"runtime", "analysis"},
    "defs": {"runtime", "analysis", "defs"},
    "demo_company": {"runtime", "demo_company"},
}


def test_each_package_imports_only_what_its_docstring_allows() -> None:
    import ast

    package_root = PROJECT_ROOT / "orchestration"
    broken: list[str] = []
    for path in sorted(package_root.rglob("*.py")):
        parts = path.relative_to(package_root).parts
        allowed = MAY_IMPORT.get(parts[0]) if len(parts) > 1 else None
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if name == "tests" or name.startswith("tests."):
                    broken.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
                elif allowed is not None and name.startswith("orchestration."):
                    package = name.split(".")[1]
                    if package not in allowed:
                        broken.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
    assert not broken, "\n".join(broken)


def test_a_stop_that_a_library_reports_as_its_own_error_still_says_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB, interrupted by SIGHUP in the middle of a query, raises its own "Query
    interrupted" in place of the handler's Stopped: the command still says it was stopped."""
    import argparse
    import os
    import signal

    from orchestration import cli

    def load_interrupted_by_duckdb(args: argparse.Namespace) -> int:
        try:
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5)
        except cli.Stopped:
            raise RuntimeError("INTERRUPT Error: Query interrupted") from None
        return 0

    parser = argparse.ArgumentParser()
    parser.set_defaults(handler=load_interrupted_by_duckdb)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main([]) == 128 + signal.SIGHUP
    assert "stopped by SIGHUP" in capsys.readouterr().err


class _RecordingConnection:
    """A DB-API connection that records the statements it is given (a vendor's driver stand-in)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def cursor(self) -> _RecordingConnection:
        return self

    def execute(self, sql: str, params: object = None) -> None:
        self.statements.append(sql)

    description = None

    def close(self) -> None:
        pass


def test_a_vendor_warehouse_writes_a_table_in_its_own_dialect_in_batches() -> None:
    """Snowflake, BigQuery, Databricks (not reachable here): write_table creates the schema,
    types the columns in the engine's own names and inserts the rows in batches of literals
    written in the engine's SQL. The same code on DuckDB's own DB-API connection gives back
    every value as written: quotes, backslashes, percent signs, nulls, NaN, an aware time."""
    import datetime as dt
    import math

    import pyarrow as pa

    from orchestration.runtime import warehouse

    rows = 2500
    texts = [f"a'{i}\\ 100%% done" if i % 7 else None for i in range(rows)]
    table = pa.table(
        {
            "id": pa.array(texts, pa.string()),
            "n": pa.array(range(rows), pa.int64()),
            "x": pa.array([float("nan") if i == 3 else i / 4 for i in range(rows)], pa.float64()),
            "ok": pa.array([i % 2 == 0 for i in range(rows)], pa.bool_()),
            "day": pa.array([dt.date(2026, 1, 1)] * rows, pa.date32()),
            "seen_at": pa.array([dt.datetime(2026, 1, 1, 9, 30)] * rows, pa.timestamp("us")),
        }
    )
    expected = {
        "bigquery": ("id STRING", "n INT64", "x FLOAT64", "ok BOOL", "seen_at DATETIME"),
        "snowflake": ("id VARCHAR", "n BIGINT", "x DOUBLE", "ok BOOLEAN", "seen_at TIMESTAMPNTZ"),
        "databricks": ("id STRING", "n BIGINT", "x DOUBLE", "ok BOOLEAN", "seen_at TIMESTAMP_NTZ"),
    }
    for engine, columns in expected.items():
        recorded = _RecordingConnection()
        vendor = warehouse.DbApiWarehouse(warehouse.Target("prod", engine), connection=recorded)
        assert vendor.write_table("raw", "things", table) == rows
        create_schema, drop, create, *inserts = recorded.statements
        assert create_schema.replace("%%", "%") == "CREATE SCHEMA IF NOT EXISTS raw", engine
        assert drop.replace("%%", "%") == "DROP TABLE IF EXISTS raw.things", engine
        for column in (*columns, "day DATE"):
            assert column in create, (engine, column, create)
        assert len(inserts) == 3  # 1,000 rows a statement
        assert inserts[0].startswith("INSERT INTO raw.things (id, n, x, ok, day, seen_at) VALUES")
        assert "(NULL, 0, 0.0, TRUE, CAST('2026-01-01' AS DATE)" in inserts[0], engine
        assert "'a\\'1\\\\ 100" in inserts[0], engine  # a quote escaped with a backslash
        assert inserts[2].count("), (") == 499
        recorded.statements.clear()
        assert vendor.write_table("raw", "things", table.slice(0, 10), mode="append") == 10
        assert [s.split(" (")[0].replace("%%", "%") for s in recorded.statements] == [
            "CREATE SCHEMA IF NOT EXISTS raw",
            "CREATE TABLE IF NOT EXISTS raw.things",
            "INSERT INTO raw.things",
        ]

    con = duckdb.connect()
    same = warehouse.DbApiWarehouse(warehouse.Target("embedded", "duckdb"), connection=con)
    same.INSERT_CHARACTERS = 20_000  # batches cut by size too
    aware = pa.table(
        {
            "recorded_at": pa.array(
                [dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))]
            )
        }
    )
    assert same.write_table("raw", "things", table) == rows
    assert same.write_table("raw", "aware", aware) == 1
    back = con.execute("select id, n, x, ok, day, seen_at from raw.things order by n").fetchall()
    assert [row[0] for row in back] == texts and [row[1] for row in back] == list(range(rows))
    assert math.isnan(back[3][2]) and back[4][2] == 1.0 and back[0][3] is True
    assert back[0][4:] == (dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 9, 30))
    assert con.execute("select recorded_at from raw.aware").fetchone()[0] == dt.datetime(
        2026, 1, 1, 9, 0
    )
    assert not same.table_exists("raw", "missing")


def test_a_failed_rescore_on_a_target_names_both_ways_on_with_the_recorded_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`healthscore adopt` on a dbt target rebuilds in place: when dbt fails, the message says
    the models are mixed and gives the commands to finish or go back, with the as-of date and
    the dbt variables the last build recorded (so that going back scores as that build did)."""
    import datetime as dt

    from orchestration import cli
    from orchestration.runtime import pipeline
    from orchestration.runtime.warehouse import Target

    monkeypatch.setattr(
        pipeline,
        "read_run_settings",
        lambda location: (dt.date(2026, 6, 28), {"healthscore_crm_mapping": "hubspot"}),
    )
    text = cli._after_failed_rescore(Target("postgres", "postgres"), Path("reports/proposal"))
    assert "hold scores under the adopted seeds, the others under the previous ones" in text
    assert "healthscore adopt --proposal reports/proposal --target postgres" in text
    assert text.endswith(
        "healthscore run --target postgres --full-refresh --as-of 2026-06-28 "
        """--vars '{"healthscore_crm_mapping": "hubspot"}'"""
    )


def test_the_raw_schema_is_the_projects_unless_the_run_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--landing` and the run settings go to healthscore_raw_schema: --vars first, then
    dbt_project.yml (rendered as dbt renders it), then raw; the run settings are read from the
    project's schema (or raw, where earlier versions wrote them)."""
    import datetime as dt

    from orchestration.runtime import pipeline

    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text(
        "vars:\n  healthscore_raw_schema: \"{{ env_var('TEAM_RAW_SCHEMA', 'raw') }}\"\n"
    )
    monkeypatch.setenv("TEAM_RAW_SCHEMA", "landing")
    assert pipeline.raw_schema_of(None, project) == "landing"
    assert pipeline.raw_schema_of({"healthscore_raw_schema": "other"}, project) == "other"
    assert pipeline.raw_schema_of(None, tmp_path) == "raw"  # no dbt_project.yml

    database = tmp_path / "w.duckdb"
    assert pipeline.read_run_settings(database) == (None, {})
    pipeline.write_run_settings(database, dt.date(2026, 6, 28), {"a": 1})
    assert pipeline.read_run_settings(database) == (dt.date(2026, 6, 28), {"a": 1})
    pipeline.write_run_settings(database, dt.date(2026, 7, 5), {"b": 2})
    assert pipeline.read_run_settings(database) == (dt.date(2026, 7, 5), {"b": 2})
