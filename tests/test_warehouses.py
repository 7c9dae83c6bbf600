"""The same dbt project, unchanged, on PostgreSQL and on Spark: the whole build (models, data
tests, contracts; unit tests on PostgreSQL) on a generated company, and the score mart compared
with DuckDB's build of the same data (identical bands, scores equal to 1e-6).

PostgreSQL: set HEALTHSCORE_PG_HOST / _PORT / _USER (.ci/run starts a private server with
.ci/postgres.sh and sets them). Spark: dbt-spark's session method on a local PySpark (Java 17).
Each is skipped, saying why, when its engine is not available.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_company import generate_company
from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.dbt_invoke import run_dbt
from orchestration.runtime.loader import load_landing_folder
from tests.conftest import SMALL_END_DATE, BuiltWarehouse, query
from tests.support.dbt_docs import stale_comments

# The other engines run every model and test, but with fewer of the company's own event names as
# signals and fewer bootstrap replicates than the defaults: the same SQL, a fraction of the work
# (a local Spark is slow at many small queries). Event signals weigh 0 until calibration weighs
# them, so the scores compared with DuckDB's default build do not depend on how many there are.
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


@pytest.fixture(scope="module")
def postgres_build(built_warehouse: BuiltWarehouse) -> dict[str, object]:
    if not os.environ.get("HEALTHSCORE_PG_PORT"):
        pytest.skip(
            "no PostgreSQL server: set HEALTHSCORE_PG_HOST/_PORT/_USER (bash .ci/run starts one)"
        )
    import psycopg2

    from tests.support.raw_export import export_raw_to_postgres

    settings = {
        "host": os.environ.get("HEALTHSCORE_PG_HOST", "127.0.0.1"),
        "port": int(os.environ["HEALTHSCORE_PG_PORT"]),
        "user": os.environ.get("HEALTHSCORE_PG_USER", "healthscore"),
        "password": os.environ.get("HEALTHSCORE_PG_PASSWORD", ""),
    }
    database = f"healthscore_test_{os.getpid()}"
    admin = psycopg2.connect(dbname="postgres", **settings)
    admin.autocommit = True
    admin.cursor().execute(f"drop database if exists {database}")
    admin.cursor().execute(f"create database {database}")
    connection = psycopg2.connect(dbname=database, **settings)
    counts = export_raw_to_postgres(built_warehouse.database, connection)
    os.environ["HEALTHSCORE_PG_DATABASE"] = database
    try:
        result = run_dbt(
            ["build"],
            database=None,
            target="postgres",
            dbt_vars={"healthscore_as_of_date": SMALL_END_DATE.isoformat(), **LIGHTER},
            check=False,
            say=lambda _: None,
        )
        cursor = connection.cursor()
        cursor.execute(f"select {SCORE_COLUMNS} from marts.account_health")
        scores = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute("select count(*), count(health_score) from marts.account_health_history")
        history = cursor.fetchone()
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
    finally:
        connection.close()
        os.environ.pop("HEALTHSCORE_PG_DATABASE", None)
        admin.cursor().execute(f"drop database if exists {database} with (force)")
        admin.close()
    return {
        "result": result,
        "scores": scores,
        "history": history,
        "raw_rows": counts,
        "comments": (relation_comments, column_comments),
    }


def test_postgres_builds_every_model_and_test(postgres_build: dict[str, object]) -> None:
    result = postgres_build["result"]
    assert result.returncode == 0, "\n".join(result.problems)
    assert result.counts.get("ERROR", 0) == 0 and result.counts.get("FAIL", 0) == 0
    assert result.counts["PASS"] > 250 and result.counts["OK"] > 40  # tests, unit tests and models
    print(f"PostgreSQL build: {result.counts}")


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
    export_raw_to_spark(Path(sys.argv[1]), spark)
    spark.stop()
    """
)


def run_product_on_spark(target: warehouse.Target, workdir: Path) -> dict[str, object]:
    """The Python half of the product on the Spark target, in this process: the validation with
    calibration (report and proposal), the weekly review page, the summary, the notifier
    delivering to a file. One Spark
    session serves them all (keep_spark) and is stopped at the end. Each step's outcome, or the
    exception it raised (its test reports it), and its seconds."""
    from orchestration.analysis.review import write_review
    from orchestration.analysis.summary import summary_text
    from orchestration.analysis.validation import run_validation
    from orchestration.runtime.notifier import send_new_alerts

    done: dict[str, object] = {}

    def step(name: str, action) -> None:
        started = time.monotonic()
        try:
            done[name] = action()
        except Exception as error:  # noqa: BLE001 - reported by the step's own test
            done[name] = error
        done[f"{name}_seconds"] = round(time.monotonic() - started, 1)

    with warehouse.keep_spark():
        step(
            "validation",
            lambda: run_validation(target, workdir / "reports", say=lambda _: None),
        )
        step("review", lambda: write_review(target, workdir / "reports"))
        step("summary", lambda: summary_text(target))
        step("alerts", lambda: send_new_alerts(target, jsonl_path=workdir / "alerts.jsonl"))
        step("alerts_again", lambda: send_new_alerts(target, jsonl_path=workdir / "alerts.jsonl"))
    return done


def product_step(spark_build: dict[str, object], name: str) -> object:
    """The outcome of a step of run_product_on_spark; its exception, raised again, fails the
    test with Spark's message."""
    outcome = spark_build["product"][name]
    print(f"{name} on Spark: {spark_build['product'][f'{name}_seconds']} s")
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("no local Spark: install the warehouses extra (pyspark) and Java 17")
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
    os.environ.update(
        {
            "HEALTHSCORE_SPARK_WAREHOUSE": str(spark_dir),
            "HEALTHSCORE_SPARK_METASTORE": str(metastore),
        }
    )
    try:
        # Unit tests run on DuckDB and PostgreSQL: they test the SQL, and on Spark each costs
        # a session round trip (over three minutes in all).
        full = run_dbt(
            ["build", "--exclude-resource-type", "unit_test"],
            database=None,
            target="spark",
            dbt_vars=dbt_vars,
            check=False,
            say=lambda _: None,
        )
        # A second run of an incremental model of each kind (by day, by scoring date, append),
        # then their data tests: keys stay unique on Spark. (All of them would take over six
        # minutes; they share these three configurations, macros/utils/dates_to_build.sql.)
        again = run_dbt(
            [
                "build",
                "--select",
                *INCREMENTAL_OF_EACH_KIND,
                "--exclude-resource-type",
                "unit_test",
            ],
            database=None,
            target="spark",
            dbt_vars=dbt_vars,
            check=False,
            say=lambda _: None,
        )
        # The product's own Python half on the Spark target, through warehouse.connect.
        product = run_product_on_spark(warehouse.target("spark"), workdir / "product")
    finally:
        for key in ("HEALTHSCORE_SPARK_WAREHOUSE", "HEALTHSCORE_SPARK_METASTORE"):
            os.environ.pop(key, None)
    con = duckdb.connect()
    scores = {
        row[0]: row[1:]
        for row in con.execute(
            f"select {SCORE_COLUMNS} "
            f"from read_parquet('{spark_dir}/marts.db/account_health/*.parquet')"
        ).fetchall()
    }
    con.close()
    return {
        "full": full,
        "again": again,
        "scores": scores,
        "duck": duck,
        "duck_build": duck_build,
        "product": product,
        "workdir": workdir,
    }


def test_spark_builds_every_model_and_test(spark_build: dict[str, object]) -> None:
    full = spark_build["full"]
    assert full.returncode == 0, "\n".join(full.problems)
    assert full.counts.get("ERROR", 0) == 0 and full.counts.get("FAIL", 0) == 0
    assert full.counts["PASS"] > 250 and full.counts["OK"] > 40
    print(f"Spark build: {full.counts}")


def test_spark_incremental_models_keep_their_keys_on_a_second_run(
    spark_build: dict[str, object],
) -> None:
    again = spark_build["again"]
    assert again.returncode == 0, "\n".join(again.problems)
    assert (
        again.counts.get("FAIL", 0) == 0
        and again.counts["OK"] >= len(INCREMENTAL_OF_EACH_KIND)
        and again.counts["PASS"] >= 10
    )


def test_spark_scores_equal_duckdb(spark_build: dict[str, object]) -> None:
    assert_same_scores(duckdb_scores(spark_build["duck"]), spark_build["scores"])


def test_validation_and_calibration_run_on_spark(
    spark_build: dict[str, object], tmp_path: Path
) -> None:
    from orchestration.analysis.validation import run_validation

    outcome = product_step(spark_build, "validation")
    duck = run_validation(spark_build["duck"], tmp_path / "reports", say=lambda _: None)
    assert outcome.report.exists() and "<html" in outcome.report.read_text().lower()
    assert [(h.lead_days, h.renewals, h.churns) for h in outcome.headlines] == [
        (h.lead_days, h.renewals, h.churns) for h in duck.headlines
    ]
    for spark_headline, duck_headline in zip(outcome.headlines, duck.headlines, strict=True):
        assert (spark_headline.auc is None) == (duck_headline.auc is None)
        if duck_headline.auc is not None:
            assert abs(spark_headline.auc - duck_headline.auc) <= 1e-6
    assert outcome.lead_classes == duck.lead_classes
    # Calibration learns from the same renewals: the same proposal, or skipped for the same
    # reason.
    assert (outcome.calibration is None) == (duck.calibration is None), outcome.skipped_calibration
    if duck.calibration is not None:
        assert outcome.proposal is not None
        for name in sorted(path.name for path in duck.proposal.iterdir()):
            assert (outcome.proposal / name).exists(), name
        assert outcome.calibration.split_date == duck.calibration.split_date
    else:
        assert outcome.skipped_calibration == duck.skipped_calibration


def test_weekly_review_runs_on_spark(spark_build: dict[str, object], tmp_path: Path) -> None:
    from orchestration.analysis.review import write_review

    outcome = product_step(spark_build, "review")
    duck = write_review(spark_build["duck"], tmp_path)
    assert outcome.html.exists() and outcome.as_of == duck.as_of
    assert outcome.text.replace(str(outcome.html), "") == duck.text.replace(str(duck.html), "")


def test_summary_runs_on_spark(spark_build: dict[str, object]) -> None:
    from orchestration.analysis.summary import summary_text

    text = product_step(spark_build, "summary")
    # Everything but the last section (where the warehouse is) reads as DuckDB's does.
    assert text.split("\n\n")[:-1] == summary_text(spark_build["duck"]).split("\n\n")[:-1]
    assert "Warehouse: dbt target spark" in text


def test_notifier_delivers_alerts_from_spark_once(
    spark_build: dict[str, object], tmp_path: Path
) -> None:
    from orchestration.runtime.notifier import send_new_alerts

    result = product_step(spark_build, "alerts")
    again = product_step(spark_build, "alerts_again")
    duck = send_new_alerts(spark_build["duck"], jsonl_path=tmp_path / "alerts.jsonl")
    assert (result.sent, result.skipped, result.candidates) == (
        duck.sent,
        duck.skipped,
        duck.candidates,
    )
    assert again.sent == 0 and again.already_sent == result.candidates
    spark_file = spark_build["workdir"] / "product" / "alerts.jsonl"
    if duck.sent:
        assert spark_file.read_text() == (tmp_path / "alerts.jsonl").read_text()
