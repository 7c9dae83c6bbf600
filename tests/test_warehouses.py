"""The same dbt project, unchanged, on PostgreSQL and on Spark: the whole build (models, data
tests, contracts; unit tests on PostgreSQL) on a generated company, and the score mart compared
with DuckDB's build of the same data (identical bands, scores equal to 1e-6). On PostgreSQL the
whole product runs there, through `healthscore run --target postgres` (the landing folder loaded
into the raw schema, validation, calibration, the review, the alerts), and no DuckDB file is made.
On Spark the product runs as a Dagster deployment runs it: the daily_refresh and
quarterly_calibration jobs in process on the `spark` target.

PostgreSQL: set HEALTHSCORE_PG_HOST / _PORT / _USER (.ci/run starts a private server with
.ci/postgres.sh and sets them). Spark: dbt-spark's session method on a local PySpark (Java 17).
Each is skipped, saying why, when its engine is not available.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_company import generate_company
from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.dbt_invoke import WITHOUT_UNIT_TESTS, run_dbt
from orchestration.runtime.loader import load_landing_folder
from orchestration.runtime.notifier import ALERT_COLUMNS, send_new_alerts
from tests.conftest import SMALL_END_DATE, BuiltWarehouse, GeneratedCompany, query, run_cli
from tests.support.dbt_docs import stale_comments
from tests.support.postgres import (
    create_database,
    drop_database,
    postgres_env,
    postgres_settings,
)

# Spark runs every model and test, but with fewer of the company's own event names as signals
# and fewer bootstrap replicates than the defaults: the same SQL, a fraction of the work (a local
# Spark is slow at many small queries; PostgreSQL builds with the defaults, so that the Python
# half's figures can be compared with DuckDB's default build too). Event signals weigh 0 until
# calibration weighs them, so the scores compared with DuckDB's default build do not depend on
# how many there are.
LIGHTER = {
    "healthscore_event_signals_top_n": 2,
    "healthscore_bootstrap_replicates": 100,
    "healthscore_bootstrap_replicates_signals": 20,
}
SCORE_COLUMNS = (
    "account_id, health_score, health_band, coverage, renewal_probability, top_negative_drivers"
)


def assert_same_scores(duck: dict[str, tuple], other: dict[str, tuple]) -> None:
    assert set(other) == set(duck) and len(duck) > 0
    for account, (score, band, coverage, probability, drivers) in duck.items():
        other_score, other_band, other_coverage, other_probability, other_drivers = other[account]
        assert other_band == band, account
        assert (other_score is None) == (score is None), account
        if score is not None:
            assert abs(other_score - score) <= 1e-6, account
            assert abs(other_probability - probability) <= 1e-6, account
            assert other_drivers == drivers, account
        assert abs((other_coverage or 0) - (coverage or 0)) <= 1e-9, account


def duckdb_scores(database: Path) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in query(database, f"select {SCORE_COLUMNS} from marts.account_health")
    }


# --- PostgreSQL -------------------------------------------------------------------------------

# What `healthscore run` prints when dbt passed: "  dbt build passed: 3 NO-OP, 91 OK, 494 PASS".
BUILD_PASSED = re.compile(r"dbt build passed: (.*)")


def build_counts(output: str) -> dict[str, int]:
    match = BUILD_PASSED.search(output)
    if match is None:
        return {}
    return {
        status: int(count)
        for count, status in (part.split(" ", 1) for part in match.group(1).split(", "))
    }


def duckdb_files_since(marker: float, *folders: Path) -> list[Path]:
    """The DuckDB database files written under `folders` after `marker` (a time stamp)."""
    found = set()
    for folder in folders:
        for path in folder.rglob("*.duckdb"):
            if path.is_file() and path.stat().st_mtime >= marker:
                found.add(path)
    return sorted(found)


@pytest.fixture(scope="module")
def postgres_build(
    small_company: GeneratedCompany,
    built_warehouse: BuiltWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, object]]:
    """The product pointed at a database of its own on the PostgreSQL server, as a user runs it:
    `healthscore run --target postgres --landing <the small company>` in a process of its own
    (load, build with the unit tests, validation and calibration, the weekly review, the
    summary), then the notifier delivering the new alerts to a file. Yields what the tests
    read, and `env`: the environment variables that point any part of the product (a Dagster
    job in process, say) at the same database. The database is dropped at teardown.

    The dbt variables are the defaults, as for `built_warehouse` (the same company built on
    DuckDB by the same command): every figure of the Python half can be compared with it."""
    settings = postgres_settings()
    import psycopg2

    database = f"healthscore_test_{os.getpid()}"
    admin = create_database(settings, database)
    state = tmp_path_factory.mktemp("postgres_state")
    env = {
        "HEALTHSCORE_TARGET": "postgres",
        **postgres_env(settings, database, state),
        "HEALTHSCORE_LANDING_DIR": str(small_company.landing),
        "HEALTHSCORE_AS_OF_DATE": SMALL_END_DATE.isoformat(),
    }
    marker = time.time() - 1
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "run",
            "--target",
            "postgres",
            "--landing",
            str(small_company.landing),
            "--as-of",
            SMALL_END_DATE.isoformat(),
            "--unit-tests",
        ],
        capture_output=True,
        text=True,
        cwd=state,
        env={
            **{key: value for key, value in os.environ.items() if key != "HEALTHSCORE_TARGET"},
            **{key: value for key, value in env.items() if key != "HEALTHSCORE_TARGET"},
            "PYTHONPATH": python_path,
        },
    )
    seconds = time.monotonic() - started
    output = run.stdout + run.stderr
    connection = psycopg2.connect(dbname=database, **settings)
    connection.autocommit = True
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            from orchestration.runtime.settings import settings_from_env

            location = settings_from_env().location
            alerts_file = state / "alerts" / "alerts.jsonl"
            delivery = (
                send_new_alerts(location, jsonl_path=alerts_file, as_of=SMALL_END_DATE)
                if run.returncode == 0
                else None
            )
        # A failed run may have left no marts: the tests then show its output, not a query error.
        scores, history, manifest = {}, None, {}
        relation_comments, column_comments = [], []
        try:
            cursor = connection.cursor()
            cursor.execute(f"select {SCORE_COLUMNS} from marts.account_health")
            scores = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute("select count(*), count(health_score) from marts.account_health_history")
            history = cursor.fetchone()
            cursor.execute(
                "select table_name, count(*) from raw.healthscore_load_manifest group by 1"
            )
            manifest = dict(cursor.fetchall())
            # What a BI tool's connection reads as the descriptions (persist_docs).
            cursor.execute(
                """select n.nspname, c.relname, obj_description(c.oid, 'pg_class')
                   from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
                   where n.nspname in ('marts', 'config') and c.relkind in ('r', 'v')"""
            )
            relation_comments = cursor.fetchall()
            cursor.execute(
                """select n.nspname, c.relname, a.attname, col_description(c.oid, a.attnum)
                   from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid
                   inner join pg_attribute as a on a.attrelid = c.oid
                   where n.nspname in ('marts', 'config') and c.relkind in ('r', 'v')
                     and a.attnum > 0 and not a.attisdropped"""
            )
            column_comments = cursor.fetchall()
        except psycopg2.Error:
            if run.returncode == 0:
                raise
        yield {
            "returncode": run.returncode,
            "output": output,
            "seconds": seconds,
            "counts": build_counts(output),
            "scores": scores,
            "history": history,
            "manifest": manifest,
            "comments": (relation_comments, column_comments),
            "duckdb_files": duckdb_files_since(
                marker, state, small_company.landing, PROJECT_ROOT / "warehouse"
            ),
            "delivery": delivery,
            "alerts_file": alerts_file,
            "state": state,
            "location": location,
            "env": env,
        }
    finally:
        connection.close()
        drop_database(admin, database)


def test_postgres_run_builds_every_model_and_test(postgres_build: dict[str, object]) -> None:
    assert postgres_build["returncode"] == 0, postgres_build["output"][-6000:]
    counts = postgres_build["counts"]
    assert counts.get("ERROR", 0) == 0 and counts.get("FAIL", 0) == 0
    assert counts["PASS"] > 250 and counts["OK"] > 40  # tests, unit tests and models
    output = postgres_build["output"]
    # The landing folder went through the loader's checks into the target's raw schema.
    assert "into schema raw of dbt target postgres" in output
    assert postgres_build["manifest"].keys() >= {"crm_accounts", "product_events"}
    print(f"PostgreSQL run: {counts} in {postgres_build['seconds']:.0f}s")


def test_postgres_run_creates_no_duckdb_file(postgres_build: dict[str, object]) -> None:
    assert postgres_build["returncode"] == 0, postgres_build["output"][-6000:]
    assert postgres_build["duckdb_files"] == []
    assert not (postgres_build["state"] / ".healthscore.duckdb.build").exists()


def test_postgres_run_validates_calibrates_and_reviews(postgres_build: dict[str, object]) -> None:
    assert postgres_build["returncode"] == 0, postgres_build["output"][-6000:]
    reports = postgres_build["state"] / "reports"
    assert (reports / "validation_report.html").stat().st_size > 10_000
    assert (reports / "weekly_review.html").stat().st_size > 10_000
    # The calibration's proposal: learned from the renewals in PostgreSQL.
    assert (reports / "proposal" / "weight_profiles.csv").exists()
    output = postgres_build["output"]
    assert "Validating past scores against actual renewals" in output
    assert "Pipeline finished" in output


def test_postgres_keeps_every_marts_and_seed_description_as_a_comment(
    postgres_build: dict[str, object],
) -> None:
    relations, columns = postgres_build["comments"]
    assert {schema for schema, _, _ in relations} == {"marts", "config"}
    stale = stale_comments(relations, columns)
    assert not stale, f"{len(stale)} relation(s) or column(s):\n  " + "\n  ".join(stale)


def test_postgres_scores_equal_duckdb(
    postgres_build: dict[str, object], built_warehouse: BuiltWarehouse
) -> None:
    assert_same_scores(duckdb_scores(built_warehouse.database), postgres_build["scores"])
    assert (
        postgres_build["history"]
        == query(
            built_warehouse.database,
            "select count(*), count(health_score) from marts.account_health_history",
        )[0]
    )


def test_postgres_alerts_are_delivered_as_on_duckdb(
    postgres_build: dict[str, object], built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """The notifier reads the target's marts.health_alerts: the file gets the alerts the same
    delivery from DuckDB's build of the same company writes, field for field."""
    delivery = postgres_build["delivery"]
    assert delivery is not None and delivery.first_delivery and delivery.sent > 0
    delivered = [
        json.loads(line) for line in postgres_build["alerts_file"].read_text().splitlines()
    ]
    assert len(delivered) == delivery.sent
    duck_file = tmp_path / "alerts.jsonl"
    duck = send_new_alerts(built_warehouse.database, jsonl_path=duck_file, as_of=SMALL_END_DATE)
    expected = [json.loads(line) for line in duck_file.read_text().splitlines()]
    assert duck.sent == delivery.sent
    for got, want in zip(
        sorted(delivered, key=lambda a: a["alert_id"]),
        sorted(expected, key=lambda a: a["alert_id"]),
        strict=True,
    ):
        assert got.keys() == want.keys() == set(ALERT_COLUMNS)
        for key, value in want.items():
            if isinstance(value, float):
                assert abs(got[key] - value) <= 1e-6, (want["alert_id"], key)
            else:
                assert got[key] == value, (want["alert_id"], key)
        assert got["detected_on"] == SMALL_END_DATE.isoformat()
    # Delivered once: a second delivery sends nothing new.
    with pytest.MonkeyPatch.context() as patch:
        for key, value in postgres_build["env"].items():
            patch.setenv(key, value)
        again = send_new_alerts(
            postgres_build["location"], jsonl_path=postgres_build["alerts_file"]
        )
    assert again.sent == 0 and again.already_sent == delivery.sent


ANALYSIS_CHECKS = ("findings", "validation_and_report", "review", "summary", "replay", "challenger")


@pytest.mark.parametrize("check", ANALYSIS_CHECKS)
def test_postgres_analysis_reads_what_duckdb_reads(
    postgres_build: dict[str, object], built_warehouse: BuiltWarehouse, check: str
) -> None:
    """Validation, calibration, the report, the review, the summary, the replay and a challenger
    in shadow, read from PostgreSQL, say what they say from DuckDB's build of the same company
    (tests/support/analysis_checks.py)."""
    assert postgres_build["returncode"] == 0, postgres_build["output"][-6000:]
    from tests.support import analysis_checks as analysis

    with pytest.MonkeyPatch.context() as patch:
        for key, value in postgres_build["env"].items():
            patch.setenv(key, value)
        getattr(analysis, f"check_{check}")(postgres_build["location"], built_warehouse.database)


def test_postgres_writer_lock_is_an_advisory_lock_that_names_its_holder(
    postgres_build: dict[str, object],
) -> None:
    """A second writer on the same database waits, then gives up saying who holds the lock;
    the lock goes with the holder's connection."""
    from orchestration.runtime.warehouse_file import WarehouseBusy
    from orchestration.runtime.writer_lock import writer_lock

    with pytest.MonkeyPatch.context() as patch:
        for key, value in postgres_build["env"].items():
            patch.setenv(key, value)
        location, state = postgres_build["location"], postgres_build["state"]
        first = writer_lock(location, command="healthscore first", state_dir=state)
        first.acquire(lambda _: None)
        said: list[str] = []
        try:
            second = writer_lock(location, command="healthscore second", state_dir=state)
            with pytest.raises(WarehouseBusy, match=r"healthscore first \(pid \d+"):
                second.acquire(said.append, wait_seconds=0.6)
            assert not second.held and "waiting up to 1 s" in said[0]
        finally:
            first.release()
        second.acquire(said.append, wait_seconds=0)
        second.release()


def test_postgres_run_refuses_an_earlier_as_of_date_before_touching_the_warehouse(
    postgres_build: dict[str, object],
) -> None:
    earlier = (SMALL_END_DATE - dt.timedelta(days=7)).isoformat()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in postgres_build["env"].items():
            if key != "HEALTHSCORE_TARGET":
                patch.setenv(key, value)
        output = run_cli(["run", "--target", "postgres", "--as-of", earlier])
    assert output.code == 2, output.text
    assert f"already holds scores as of {SMALL_END_DATE}" in output.text
    assert "dbt target postgres" in output.text and "--allow-older-as-of" in output.text
    assert (
        os.environ.get("HEALTHSCORE_TARGET") is None
        or os.environ["HEALTHSCORE_TARGET"] != "postgres"
    )


# --- Spark --------------------------------------------------------------------------------------

SPARK_AS_OF = dt.date(2026, 6, 28)
INCREMENTAL_OF_EACH_KIND = (
    "stg_product__events",
    "int_product_events_rolled_up_to_user_days",
    "int_account_health_scored",
    "int_health_alert_events",
)
SPARK_EXPORT = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path
    from pyspark.sql import SparkSession
    from tests.support.raw_export import export_raw_to_spark
    spark = (SparkSession.builder.master("local[2]").enableHiveSupport()
             .config("spark.sql.warehouse.dir", sys.argv[2])
             .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                     f"jdbc:derby:;databaseName={sys.argv[3]};create=true")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .getOrCreate())
    counts = export_raw_to_spark(Path(sys.argv[1]), spark)
    spark.stop()
    print(json.dumps(counts))
    """
)
# What a step of the Dagster run wrote, by step: the dbt step's materialisations and checks.
DBT_STEP = "healthscore_dbt_models"
PYTHON_CHECKS = {"freshness", "auc_above_floor", "band_churn_rates_ordered", "coverage_above_floor"}


def timed(done: dict[str, object], name: str, action) -> None:
    """Run `action`; its outcome, or the exception it raised (the test reading it raises it
    again, failing with Spark's or Dagster's message), as done[name], its seconds as
    done["seconds"][name]."""
    started = time.monotonic()
    try:
        done[name] = action()
    except Exception as error:  # noqa: BLE001 - reported by the test that reads the outcome
        done[name] = error
    done.setdefault("seconds", {})[name] = round(time.monotonic() - started, 1)


def outcome_of(spark_build: dict[str, object], name: str) -> object:
    """The outcome of a step of the Spark fixture; its exception, raised again."""
    outcome = spark_build[name]
    print(f"{name} on Spark: {spark_build['seconds'][name]} s")
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def job_metadata(result: object, key: str) -> dict[str, object]:
    """The metadata values of the asset `key`'s materialisation in a Dagster run's result."""
    import dagster as dg

    from orchestration.dagster_runs import materialization_metadata

    metadata = materialization_metadata(result, dg.AssetKey(key.split("/")))
    assert metadata, f"{key} was not materialised"
    return dict(metadata)


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A small company's raw tables exported to a local Spark catalog (strings, as a loader
    lands them), then the product on the `spark` target as a deployment runs it: the Dagster
    `daily_refresh` job in this process (observes the raw tables, builds every model and data
    test with dbt, judges the score checks, writes the validation report and the weekly review,
    delivers the alerts to a file), the `quarterly_calibration` job (validation with the
    calibration's proposal), a second dbt run of an incremental model of each kind, the summary
    and a second delivery. The same company is built on DuckDB with the same dbt variables
    (LIGHTER, through HEALTHSCORE_DBT_VARS for the job's dbt step) to compare with.

    The Derby metastore admits one process: each Dagster step's Spark session is stopped, with
    its JVM, when the step ends, before the dbt step's own process starts."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("no local Spark: install the warehouses extra (pyspark) and Java 17")
    from orchestration.analysis.summary import summary_text
    from orchestration.dagster_runs import environment, parse_manifest, run_job

    started = time.monotonic()
    workdir = tmp_path_factory.mktemp("spark")
    landing, duck = workdir / "landing", workdir / "duck" / "healthscore.duckdb"
    generate_company(landing, accounts=40, months=12, seed=3, end_date=SPARK_AS_OF)
    load_landing_folder(landing, duck)
    dbt_vars = {"healthscore_as_of_date": SPARK_AS_OF.isoformat(), **LIGHTER}
    duck_build = run_dbt(["build"], database=duck, dbt_vars=dbt_vars, say=lambda _: None)
    spark_dir, metastore = workdir / "spark_warehouse", workdir / "spark_metastore"
    # The export runs in a process of its own (Spark's JVM and its Derby metastore stay out of
    # this one); it imports tests.support, so the repository root goes on its path.
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    export = subprocess.run(
        [sys.executable, "-c", SPARK_EXPORT, str(duck), str(spark_dir), str(metastore)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": python_path},
    )
    assert export.returncode == 0, f"the export to Spark failed:\n{export.stderr[-4000:]}"
    raw_rows = json.loads(export.stdout.strip().splitlines()[-1])
    parse_manifest()  # the dbt manifest the code location reads, as `healthscore job` writes it
    from orchestration.defs.automation import run_config  # reads the manifest

    state = workdir / "state"
    state.mkdir()
    env: dict[str, str | None] = {
        "HEALTHSCORE_TARGET": "spark",
        "HEALTHSCORE_SPARK_WAREHOUSE": str(spark_dir),
        "HEALTHSCORE_SPARK_METASTORE": str(metastore),
        # The lighter variables reach the job's dbt step; unit tests are left out by default.
        "HEALTHSCORE_DBT_VARS": json.dumps(LIGHTER),
        # The state folder (writer lock file, reports, alerts): no DuckDB file may appear.
        "HEALTHSCORE_DUCKDB_PATH": str(state / "healthscore.duckdb"),
        "HEALTHSCORE_LANDING_DIR": str(workdir / "no_landing"),
        "HEALTHSCORE_REPORTS_DIR": str(state / "reports"),
        "HEALTHSCORE_ALERTS_FILE": str(state / "alerts" / "alerts.jsonl"),
        "HEALTHSCORE_ALERT_WEBHOOK_URL": None,
        "HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS": None,
        "HEALTHSCORE_AS_OF_DATE": SPARK_AS_OF.isoformat(),
        "HEALTHSCORE_CHALLENGER_DIR": None,
        "DAGSTER_HOME": str(workdir / "dagster_home"),
    }
    done: dict[str, object] = {}
    tags = {"healthscore/as_of_date": SPARK_AS_OF.isoformat()}
    with environment(env):
        timed(
            done,
            "daily",
            lambda: run_job(
                "daily_refresh", run_config(SPARK_AS_OF), log_dir=state / "logs", tags=tags
            ),
        )
        timed(
            done,
            "calibration",
            lambda: run_job("quarterly_calibration", {}, log_dir=state / "logs", tags=tags),
        )
        # A second run of an incremental model of each kind (by day, by scoring date, append),
        # then their data tests: keys stay unique on Spark. (All of them would take over six
        # minutes; they share these three configurations, macros/utils/dates_to_build.sql.)
        timed(
            done,
            "again",
            lambda: run_dbt(
                ["build", "--select", *INCREMENTAL_OF_EACH_KIND, *WITHOUT_UNIT_TESTS],
                database=None,
                target="spark",
                dbt_vars=dbt_vars,
                check=False,
                say=lambda _: None,
            ),
        )
        target = warehouse.target("spark")
        with warehouse.keep_spark():
            timed(done, "summary", lambda: summary_text(target))
            # Delivered once: the job's delivery again, through the same delivery log.
            timed(
                done,
                "alerts_again",
                lambda: send_new_alerts(
                    target, jsonl_path=state / "alerts" / "alerts.jsonl", as_of=SPARK_AS_OF
                ),
            )
    con = duckdb.connect()
    try:
        scores = {
            row[0]: row[1:]
            for row in con.execute(
                f"select {SCORE_COLUMNS} "
                f"from read_parquet('{spark_dir}/marts.db/account_health/*.parquet')"
            ).fetchall()
        }
    except duckdb.Error:
        scores = {}  # no marts: the build's test says why
    con.close()
    seconds = round(time.monotonic() - started)
    print(f"Spark fixture: {seconds} s; steps: {done['seconds']}")
    return {
        **done,
        "scores": scores,
        "raw_rows": raw_rows,
        "duck": duck,
        "duck_build": duck_build,
        "state": state,
        "env": env,
        "fixture_seconds": seconds,
    }


def test_spark_daily_job_observes_the_raw_tables_and_builds_every_model_and_test(
    spark_build: dict[str, object],
) -> None:
    """The Dagster daily job ran on Spark: the exported raw tables observed there, every model
    built and every data test passed (the dbt step's asset checks), no DuckDB file made."""
    import dagster as dg

    result = outcome_of(spark_build, "daily")
    assert result.success
    steps = {event.step_key for event in result.all_events if event.step_key}
    assert "observe_raw_tables" in steps and "load_landing_folder" not in steps
    # Every step ran: a dbt model whose result dagster-dbt did not read would skip what
    # depends on it (the validation report, the review, the score checks).
    skipped = [event.step_key for event in result.all_events if event.is_step_skipped]
    assert skipped == []
    observed = {
        event.asset_key.path[-1]: event.event_specific_data.asset_observation
        for event in result.get_asset_observation_events()
        if event.asset_key.path[0] == "raw"
    }
    for table, rows in spark_build["raw_rows"].items():
        if table in observed:
            assert observed[table].metadata["dagster/row_count"].value == rows, table
    assert {"crm_accounts", "product_events", "crm_activities"} <= set(observed)
    built = [
        event
        for event in result.get_asset_materialization_events()
        if (event.step_key or "").startswith(DBT_STEP)
    ]
    # The dbt step's checks (every data test), not the Python ones (freshness, the score's).
    checks = [
        event
        for event in result.get_asset_check_evaluations()
        if event.check_name not in PYTHON_CHECKS
    ]
    # As `dbt build` counts them: a test of severity warn may warn, none may fail.
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in checks
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed == []
    assert len(checks) > 250 and len(built) > 40
    assert list(spark_build["state"].rglob("*.duckdb*")) == []
    print(
        f"Spark daily job: {len(observed)} raw tables observed, {len(built)} assets built, "
        f"{len(checks)} dbt tests passed"
    )


def test_spark_incremental_models_keep_their_keys_on_a_second_run(
    spark_build: dict[str, object],
) -> None:
    again = outcome_of(spark_build, "again")
    assert again.returncode == 0, "\n".join(again.problems)
    assert (
        again.counts.get("FAIL", 0) == 0
        and again.counts["OK"] >= len(INCREMENTAL_OF_EACH_KIND)
        and again.counts["PASS"] >= 10
    )


def test_spark_scores_equal_duckdb(spark_build: dict[str, object]) -> None:
    assert_same_scores(duckdb_scores(spark_build["duck"]), spark_build["scores"])


# "   90 days before renewal (annual terms): AUC 0.712 [...] on 1,234 renewals (56 churned), ..."
HEADLINE = re.compile(
    r"^\s*(\d+) days before renewal \((.*?) terms\): .* on ([\d,]+) renewals \(([\d,]+) churned\)"
)


def headline_counts(summary: str) -> list[tuple[str, ...]]:
    return [match.groups() for line in summary.splitlines() if (match := HEADLINE.match(line))]


def test_validation_and_calibration_run_on_spark(
    spark_build: dict[str, object], tmp_path: Path
) -> None:
    """The daily job's validation report and the calibration job's proposal, read from Spark,
    say what DuckDB's build of the same company says: the same renewals per lead time, the same
    AUCs (to 1e-6, the score asset's figures), the same proposal, or skipped for the same
    reason."""
    from orchestration.analysis.validation import run_validation, validation_lines
    from orchestration.defs.reports import unfenced

    daily = outcome_of(spark_build, "daily")
    calibration = outcome_of(spark_build, "calibration")
    duck = run_validation(spark_build["duck"], tmp_path / "reports", say=lambda _: None)
    duck_summary = "\n".join(validation_lines(duck, spark_build["duck"]))
    report = job_metadata(daily, "validation_report")
    assert Path(str(report["report"])).exists()
    assert "<html" in Path(str(report["report"])).read_text().lower()
    assert headline_counts(unfenced(str(report["summary"]))) == headline_counts(duck_summary)
    assert len(headline_counts(duck_summary)) == len(duck.headlines) > 0
    score = job_metadata(daily, "marts/account_health")
    for headline in duck.headlines:
        if headline.auc is not None:
            assert abs(score[f"auc_{headline.lead_days}d"] - headline.auc) <= 1e-6
    learned = job_metadata(calibration, "weight_calibration")
    learned_summary = unfenced(str(learned["summary"]))
    assert headline_counts(learned_summary) == headline_counts(duck_summary)
    if duck.calibration is not None:
        proposal = Path(str(learned["proposal"]))
        for name in sorted(path.name for path in duck.proposal.iterdir()):
            assert (proposal / name).exists(), name
        assert f"before {duck.calibration.split_date} " in learned_summary
    else:
        assert learned["status"] == duck.skipped_calibration


def test_weekly_review_runs_on_spark(spark_build: dict[str, object], tmp_path: Path) -> None:
    from orchestration.analysis.review import write_review
    from orchestration.defs.reports import unfenced

    review = job_metadata(outcome_of(spark_build, "daily"), "weekly_review")
    duck = write_review(spark_build["duck"], tmp_path)
    page = Path(str(review["page"]))
    assert page.exists() and review["as_of_date"] == duck.as_of.isoformat()
    text = unfenced(str(review["summary"]))
    assert text.replace(str(page), "") == duck.text.replace(str(duck.html), "")


def test_summary_runs_on_spark(spark_build: dict[str, object]) -> None:
    from orchestration.analysis.summary import summary_text

    text = outcome_of(spark_build, "summary")
    # Everything but the last section (where the warehouse is) reads as DuckDB's does.
    assert text.split("\n\n")[:-1] == summary_text(spark_build["duck"]).split("\n\n")[:-1]
    assert "Warehouse: dbt target spark" in text


def test_notifier_delivers_alerts_from_spark_once(
    spark_build: dict[str, object], tmp_path: Path
) -> None:
    """The daily job's notifier delivered the alerts DuckDB's build gives, line for line; a
    second delivery sends nothing."""
    sent = job_metadata(outcome_of(spark_build, "daily"), "alert_notifications")
    again = outcome_of(spark_build, "alerts_again")
    duck = send_new_alerts(
        spark_build["duck"], jsonl_path=tmp_path / "alerts.jsonl", as_of=SPARK_AS_OF
    )
    assert (
        sent["sent"],
        sent["skipped_before_first_delivery"],
        sent["open_alerts_in_window"],
    ) == (duck.sent, duck.skipped, duck.candidates)
    assert again.sent == 0 and again.already_sent == sent["open_alerts_in_window"]
    spark_file = spark_build["state"] / "alerts" / "alerts.jsonl"
    if duck.sent:
        assert spark_file.read_text() == (tmp_path / "alerts.jsonl").read_text()


# --- Any target -----------------------------------------------------------------------------


def test_a_target_without_a_lock_of_its_own_is_locked_by_a_file_in_the_state_folder(
    tmp_path: Path,
) -> None:
    """Spark, Snowflake, ...: the writer lock is a file in the state folder; a second writer
    gives up naming the target and the holder."""
    from orchestration.runtime.warehouse import Target
    from orchestration.runtime.warehouse_file import WarehouseBusy
    from orchestration.runtime.writer_lock import writer_lock

    target = Target(name="spark", engine="spark")
    first = writer_lock(target, command="healthscore run", state_dir=tmp_path)
    first.acquire(lambda _: None, wait_seconds=0)
    try:
        second = writer_lock(target, command="healthscore demo", state_dir=tmp_path)
        with pytest.raises(WarehouseBusy, match=r"dbt target spark \(spark\) is still being"):
            second.acquire(lambda _: None, wait_seconds=0.2)
        assert [path.name for path in tmp_path.iterdir() if path.suffix == ".lock"] == [
            ".target-spark.lock"
        ]
    finally:
        first.release()
    second.acquire(lambda _: None, wait_seconds=0)
    second.release()
    assert not list(tmp_path.glob("*.duckdb"))


def test_run_on_the_duckdb_file_needs_a_landing_folder() -> None:
    output = run_cli(["run", "--target", "duckdb"])
    assert output.code == 2
    assert "--landing is needed to load the DuckDB warehouse" in output.text


def test_a_duckdb_target_other_than_the_embedded_one_is_refused_in_one_line() -> None:
    """profiles.yml's `memory` target (dbt's SQL lint and unit tests) is a DuckDB target too:
    pointed at it, the product says to use the embedded file instead of judging it a remote
    warehouse."""
    output = run_cli(["summary", "--target", "memory"])
    assert output.code == 2, output.text
    assert "dbt target memory is a DuckDB file" in output.text
    assert "HEALTHSCORE_DUCKDB_PATH" in output.text and "Traceback" not in output.text
