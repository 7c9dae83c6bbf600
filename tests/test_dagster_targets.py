"""The Dagster code location on a dbt target other than the embedded DuckDB file: the raw tables
are the team's loader's, observed in the warehouse as observable source assets; the daily job
observes them, builds the target in place with dbt, runs the checks, writes the reports and
delivers the alerts, all through the target, with no DuckDB warehouse file; the sensor observes
every table the project reads and asks for a refresh when relationship rows land. Under source
mappings (HEALTHSCORE_DBT_VARS), the connector tables are observed instead of the contract tables
they replace, on a small PostgreSQL database of connector-shaped tables (no dbt build).

PostgreSQL: set HEALTHSCORE_PG_HOST / _PORT / _USER (.ci/run starts a private server); skipped,
saying why, without one. The definitions' own test needs no server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from orchestration.dagster_runs import environment, parse_manifest, run_job
from orchestration.demo_company import generate_company
from orchestration.runtime.contract import contract_tables
from orchestration.runtime.loader import load_landing_folder
from tests.conftest import SMALL_END_DATE
from tests.support.postgres import create_database, drop_database, postgres_settings

AS_OF = SMALL_END_DATE
SCORE_KEY = dg.AssetKey(["marts", "account_health"])
RAW_TABLES = list(contract_tables())


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


@pytest.fixture(scope="module")
def manifest() -> None:
    """The dbt manifest the code location reads (target/dagster), as `healthscore job` writes it."""
    parse_manifest()


def test_the_definitions_on_a_postgres_target_observe_the_raw_tables_and_load_no_files(
    manifest: None,
) -> None:
    from orchestration.definitions import defs

    with environment({"HEALTHSCORE_TARGET": "postgres"}):
        definitions = defs()
        graph = definitions.get_repository_def().asset_graph
        job = definitions.resolve_job_def("daily_refresh")
        sensors = {sensor.name for sensor in definitions.sensors}
    for table in RAW_TABLES:
        node = graph.get(raw_key(table))
        assert node.is_observable and not node.is_materializable, table
    nodes = {node.name for node in job.nodes}
    assert "observe_raw_tables" in nodes and "load_landing_folder" not in nodes
    assert {raw_key(table) for table in RAW_TABLES} <= job.asset_layer.selected_asset_keys
    # The loader's rejects table exists only where the landing-folder loader writes.
    assert not graph.get(raw_key("healthscore_load_rejects")).is_executable
    assert sensors == {"raw_tables_sensor"}
    # The daily run waits for the loader's day: ticks every 15 minutes from 05:00 UTC.
    assert definitions.get_schedule_def("daily_refresh_schedule").cron_schedule == "*/15 5-9 * * *"
    freshness = {c.asset_key.path[-1] for c in graph.asset_check_keys if c.name == "freshness"}
    assert {"product_events", "support_tickets", "crm_activities"} <= freshness
    # The dbt models still read the raw tables: the graph runs from them to the alerts.
    downstream = dg.AssetSelection.assets(raw_key("crm_activities")).downstream().resolve(graph)
    assert SCORE_KEY in downstream


# --- a daily job on PostgreSQL --------------------------------------------------------------------


@dataclass
class PostgresDaily:
    workdir: Path
    env: dict[str, str | None]
    connect: object  # () -> a psycopg2 connection to the job's database
    raw_rows: dict[str, int]
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="module")
def postgres_daily(
    tmp_path_factory: pytest.TempPathFactory, manifest: None
) -> Iterator[PostgresDaily]:
    """A small company's raw tables landed in a new PostgreSQL database's raw schema (as a
    loader would land them: text columns), then `daily_refresh` run once in process with
    HEALTHSCORE_TARGET=postgres, as `healthscore job daily_refresh` runs it."""
    settings = postgres_settings()
    import psycopg2

    from orchestration.defs.automation import run_config
    from tests.support.raw_export import export_raw_to_postgres

    workdir = tmp_path_factory.mktemp("dagster_postgres")
    # Data through the as-of day, so the raw tables are fresh as of it.
    landing = workdir / "company"
    generate_company(
        landing, accounts=150, months=15, seed=11, end_date=AS_OF + dt.timedelta(days=1)
    )
    database = f"py_dagster_{os.getpid()}"
    admin = create_database(settings, database)
    # The raw tables as text, from the landing folder (only loaded, never built, in DuckDB).
    staged = workdir / "staging_only" / "healthscore.duckdb"
    load_landing_folder(landing, staged)
    connection = psycopg2.connect(dbname=database, **settings)
    raw_rows = export_raw_to_postgres(staged, connection)
    connection.close()
    staged.unlink()
    env: dict[str, str | None] = {
        "HEALTHSCORE_TARGET": "postgres",
        "HEALTHSCORE_PG_DATABASE": database,
        # Nothing may be written here: the job reads and writes PostgreSQL only.
        "HEALTHSCORE_DUCKDB_PATH": str(workdir / "warehouse" / "healthscore.duckdb"),
        "HEALTHSCORE_LANDING_DIR": str(workdir / "no_landing"),
        "HEALTHSCORE_REPORTS_DIR": str(workdir / "reports"),
        "HEALTHSCORE_ALERTS_FILE": str(workdir / "alerts" / "alerts.jsonl"),
        "HEALTHSCORE_ALERT_WEBHOOK_URL": None,
        "HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS": "7",
        "HEALTHSCORE_AS_OF_DATE": AS_OF.isoformat(),
        "HEALTHSCORE_CHALLENGER_DIR": None,
        "DAGSTER_HOME": str(workdir / "dagster_home"),
    }
    with environment(env):
        result = run_job(
            "daily_refresh",
            run_config(AS_OF),
            log_dir=workdir / "logs",
            tags={"healthscore/as_of_date": AS_OF.isoformat()},
        )

    def connect() -> object:
        return psycopg2.connect(dbname=database, **settings)

    try:
        yield PostgresDaily(workdir, env, connect, raw_rows, result)
    finally:
        drop_database(admin, database)


def _pg(daily: PostgresDaily, sql: str) -> list[tuple]:
    connection = daily.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        connection.close()


def test_dagster_daily_job_runs_on_postgres(postgres_daily: PostgresDaily) -> None:
    result = postgres_daily.result
    assert result.success
    # No DuckDB warehouse: no file, no copy (the writer lock is PostgreSQL's advisory lock).
    assert list(postgres_daily.workdir.rglob("*.duckdb*")) == []
    steps = {event.step_key for event in result.all_events if event.step_key}
    assert "observe_raw_tables" in steps and "load_landing_folder" not in steps

    # Every contract table observed in PostgreSQL: its row count, newest record, data version.
    observed = {
        event.asset_key.path[-1]: event.event_specific_data.asset_observation
        for event in result.get_asset_observation_events()
        if event.asset_key.path[0] == "raw"
    }
    landed = {table: rows for table, rows in postgres_daily.raw_rows.items() if table in RAW_TABLES}
    assert set(landed) <= set(observed)
    for table, rows in landed.items():
        observation = observed[table]
        assert observation.metadata["dagster/row_count"].value == rows, table
        assert observation.tags["dagster/data_version"].startswith(f"{rows} rows, newest "), table
    activities = observed["crm_activities"].metadata
    assert activities["newest_record_at"].value.startswith(AS_OF.isoformat())
    assert activities["dagster/table_name"].value == "raw.crm_activities"
    missing = [table for table in RAW_TABLES if table not in landed]
    for table in missing:  # e.g. the optional overrides table the demo company has none of
        assert observed[table].metadata["status"].value == "missing"

    # dbt built the marts in PostgreSQL; the score asset carries the figures read there.
    materialized = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    accounts = _pg(postgres_daily, "select count(*), count(health_score) from marts.account_health")
    assert accounts[0][0] == landed["crm_accounts"]
    score = materialized[SCORE_KEY]
    assert score["as_of_date"].value == AS_OF.isoformat()
    bands = _pg(
        postgres_daily,
        "select health_band, count(*) from marts.account_health "
        "where health_band is not null group by 1",
    )
    assert {f"accounts_{band}": count for band, count in bands} == {
        key: value.value
        for key, value in score.items()
        if key.startswith("accounts_") and key != "accounts_not_scored"
    }
    assert "| 90 d |" in score["validation"].value

    # The checks: every dbt test, the score checks (judged against the thresholds PostgreSQL
    # holds) and the freshness of the observed tables (data through the as-of day: fresh).
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 250
    dbt_failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in evaluations
        if not e.passed and e.asset_key.path[0] not in ("raw",) and e.asset_key != SCORE_KEY
    ]
    assert dbt_failed == []
    by_name = {(e.asset_key.path[-1], e.check_name): e for e in evaluations}
    for table in ("crm_activities", "support_tickets", "product_events"):
        freshness = by_name[(table, "freshness")]
        assert freshness.passed, (table, freshness.description)
        assert freshness.metadata["newest_record_at"].value.startswith(AS_OF.isoformat())
    ((min_coverage,),) = _pg(postgres_daily, "select min_coverage from marts.validation_thresholds")
    coverage = by_name[("account_health", "coverage_above_floor")]
    floors = [value.value for key, value in coverage.metadata.items() if key.endswith("floor")]
    assert floors == [pytest.approx(float(min_coverage))]
    # Judged or not (a small company has few renewals), the AUC check read PostgreSQL's figures.
    auc = by_name[("account_health", "auc_above_floor")]
    assert auc.metadata["judged"].value or "Cannot judge" in (auc.description or "")

    # The reports and the review, written from PostgreSQL.
    reports = Path(str(postgres_daily.env["HEALTHSCORE_REPORTS_DIR"]))
    assert (reports / "validation_report.html").stat().st_size > 10_000
    review = reports / "weekly_review.html"
    assert review.stat().st_size > 10_000
    assert materialized[dg.AssetKey(["weekly_review"])]["as_of_date"].value == AS_OF.isoformat()

    # The alerts: the open ones of the last week, read in PostgreSQL, delivered to the file.
    notifications = materialized[dg.AssetKey(["alert_notifications"])]
    alerts_file = Path(str(postgres_daily.env["HEALTHSCORE_ALERTS_FILE"]))
    lines = alerts_file.read_text().splitlines() if alerts_file.exists() else []
    assert notifications["sent"].value == len(lines) > 0
    sent = [json.loads(line) for line in lines]
    logged = {
        row[0]
        for row in _pg(postgres_daily, "select alert_id from marts.health_alerts where is_open")
    }
    assert {alert["alert_id"] for alert in sent} <= logged
    print(
        f"PostgreSQL daily job: {len(observed)} raw tables observed, {accounts[0][1]} accounts "
        f"scored, {len(evaluations)} checks, {len(sent)} alerts delivered"
    )


# --- the sensor on a target -----------------------------------------------------------------------


@dataclass
class SensorTicks:
    first: dg.SensorResult
    fired: dg.SensorResult
    unchanged: dg.SensorResult


@pytest.fixture(scope="module")
def sensor_ticks(postgres_daily: PostgresDaily) -> SensorTicks:
    """The raw tables' sensor evaluated three times against the job's database: a first
    look, a look after a new activity row landed in raw.crm_activities, a look with nothing new."""
    from orchestration.definitions import defs

    with environment(postgres_daily.env):
        definitions = defs()
        sensor = definitions.get_sensor_def("raw_tables_sensor")
        repository = definitions.get_repository_def()
        resources = {"warehouse": repository.get_top_level_resources()["warehouse"]}
        instance = dg.DagsterInstance.ephemeral()

        def evaluate(cursor: str | None) -> tuple[dg.SensorResult, str | None]:
            with dg.build_sensor_context(
                cursor=cursor, repository_def=repository, resources=resources, instance=instance
            ) as context:
                outcome = sensor(context)
                return outcome, context.cursor

        first, cursor = evaluate(None)
        connection = postgres_daily.connect()
        try:
            cursor_pg = connection.cursor()
            cursor_pg.execute("select account_id from raw.crm_accounts limit 1")
            (account_id,) = cursor_pg.fetchone()
            cursor_pg.execute(
                "insert into raw.crm_activities (activity_id, account_id, activity_type, "
                "direction, outcome, sentiment, occurred_at, logged_at) values "
                "('act_sensor_1', %s, 'meeting', 'outbound', 'completed', 'negative', %s, %s)",
                [account_id, f"{AS_OF} 14:00:00", f"{AS_OF} 15:30:00"],
            )
            connection.commit()
        finally:
            connection.close()
        fired, cursor = evaluate(cursor)
        unchanged, _ = evaluate(cursor)
    return SensorTicks(first, fired, unchanged)


def test_the_target_sensor_observes_every_table_and_refreshes_when_relationship_rows_land(
    sensor_ticks: SensorTicks,
) -> None:
    first, fired, unchanged = sensor_ticks.first, sensor_ticks.fired, sensor_ticks.unchanged
    # Every tick records what it observed, every table the project reads, as the observable
    # source assets' observations.
    for tick in (first, fired, unchanged):
        observed = {event.asset_key.path[-1] for event in tick.asset_events}
        assert observed == set(RAW_TABLES)
    assert not first.run_requests and first.skip_reason is not None
    assert not unchanged.run_requests and unchanged.skip_reason is not None
    (request,) = fired.run_requests
    assert request.tags["healthscore/changed_tables"] == "crm_activities"
    selected = set(request.asset_selection)
    assert {raw_key("crm_activities"), SCORE_KEY, dg.AssetKey(["alert_notifications"])} <= selected
    assert raw_key("product_events") not in selected
    assert dg.AssetKey(["weight_calibration"]) not in selected
    versions = {
        event.asset_key.path[-1]: event.tags["dagster/data_version"] for event in fired.asset_events
    }
    before = {
        event.asset_key.path[-1]: event.tags["dagster/data_version"] for event in first.asset_events
    }
    assert versions["support_tickets"] == before["support_tickets"]
    rows_before = int(before["crm_activities"].split(" ")[0])
    assert versions["crm_activities"].startswith(f"{rows_before + 1} rows, newest ")


# --- observing a raw table: the helper both engines use ------------------------------------------


def test_observing_a_raw_table_counts_rows_and_ignores_undated_and_future_rows(
    tmp_path: Path,
) -> None:
    import duckdb

    from orchestration.defs.ingestion import observe_tables
    from orchestration.runtime.warehouse import connected

    database = tmp_path / "healthscore.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema raw")
    con.execute("create table raw.crm_activities (activity_id varchar, occurred_at varchar)")
    con.execute(
        "insert into raw.crm_activities values ('a', '2026-06-27 10:00:00'), "
        "('b', '2026-06-28T09:30:00'), ('c', 'not a date'), ('d', ''), ('e', '2027-01-01')"
    )
    con.close()
    reference = dt.datetime(2026, 6, 29)
    with connected(database) as warehouse:
        observed = observe_tables(warehouse, ["crm_activities", "support_tickets"], reference)
    activities = observed["crm_activities"]
    assert activities.present and activities.rows == 5
    assert activities.newest_record_at == dt.datetime(2026, 6, 28, 9, 30)  # not the 2027 row
    assert activities.data_version == "5 rows, newest 2026-06-28 09:30:00"
    assert activities.metadata()["dagster/row_count"].value == 5
    assert not observed["support_tickets"].present
    assert observed["support_tickets"].data_version == "missing"


# --- under source mappings: the connector tables -------------------------------------------------

MAPPINGS = {
    "healthscore_crm_mapping": "hubspot",
    "healthscore_billing_mapping": "stripe",
    "healthscore_support_mapping": "zendesk",
    "healthscore_product_mapping": "segment",
}


@pytest.fixture(scope="module")
def mapped_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The dbt manifest parsed with the four mappings switched on, as parse_manifest parses it
    with HEALTHSCORE_DBT_VARS (into a folder of its own: the code location's stays as it is)."""
    from orchestration.runtime.dbt_invoke import DBT_VARS_ENV, code_location_dbt_vars, run_dbt

    with environment({DBT_VARS_ENV: json.dumps(MAPPINGS)}):
        dbt_vars = code_location_dbt_vars()
    assert dbt_vars == MAPPINGS
    target = tmp_path_factory.mktemp("mapped_manifest")
    run_dbt(
        ["parse", "--target-path", str(target)],
        database=None,
        dbt_vars=dbt_vars,
        say=lambda _: None,
    )
    return json.loads((target / "manifest.json").read_text())


def _warehouse_resource(workdir: Path) -> object:
    from orchestration.defs.resources import WarehouseResource

    return WarehouseResource(
        database_path=str(workdir / "healthscore.duckdb"),
        landing_dir=str(workdir / "no_landing"),
        reports_dir=str(workdir / "reports"),
        as_of_date=AS_OF.isoformat(),
        target="postgres",
    )


def _mapped_definitions(manifest: dict, resources: dict[str, object]) -> dg.Definitions:
    """The code location's ingestion, dbt assets, sensor and daily schedule on a target, built
    by its own functions from `manifest` (the dbt step's body is not needed: nothing is built)."""
    from dagster_dbt import dbt_assets

    from orchestration.defs.automation import (
        build_tables_sensor,
        build_waiting_schedule,
        daily_refresh,
    )
    from orchestration.defs.dbt import translator
    from orchestration.defs.ingestion import (
        build_observed_freshness,
        build_observed_source_assets,
        freshness_thresholds,
        observed_sources,
    )

    @dbt_assets(manifest=manifest, dagster_dbt_translator=translator, name="healthscore_dbt_models")
    def models() -> Iterator[object]:  # pragma: no cover - never executed here
        yield from ()

    @dg.asset(name="weight_calibration")
    def calibration() -> None:  # pragma: no cover - never executed here
        """Left out of the daily job, as the code location's own."""

    sources = observed_sources(manifest)
    thresholds = freshness_thresholds(manifest)
    return dg.Definitions(
        assets=[models, calibration, build_observed_source_assets(sources, "postgres")],
        asset_checks=[build_observed_freshness(sources, thresholds)],
        jobs=[daily_refresh],
        schedules=[build_waiting_schedule(sources, thresholds)],
        sensors=[build_tables_sensor(sources)],
        resources=resources,
    )


def test_under_mappings_the_code_location_observes_the_connector_tables(
    mapped_manifest: dict, tmp_path: Path
) -> None:
    from orchestration.defs.automation import awaited_keys, intraday_keys
    from orchestration.defs.ingestion import freshness_thresholds, observed_sources

    sources = observed_sources(mapped_manifest)
    keys = {key.to_user_string() for key in sources}
    assert {"stripe/invoice", "stripe/customer", "zendesk/ticket", "hubspot/engagement"} <= keys
    assert {"segment/tracks", "segment/identifies", "segment/groups"} <= keys
    # The contract tables the mappings replace are not observed (they do not exist); the manual
    # overrides, which no connector holds, are still read from the raw schema; survey responses,
    # which HubSpot cannot provide, are read from nowhere.
    assert {key for key in sources if key.path[0] == "raw"} == {raw_key("crm_account_overrides")}
    assert not any(key.path[0] == "loader" for key in sources)
    invoice = sources[dg.AssetKey(["stripe", "invoice"])]
    assert invoice.relation == "stripe.invoice" and invoice.timestamp_column == "_fivetran_synced"
    assert set(invoice.feeds) == {"billing_invoices", "billing_subscriptions"}
    assert sources[dg.AssetKey(["segment", "tracks"])].timestamp_column == "received_at"
    # Freshness: the connector tables read for a contract table with thresholds.
    thresholds = freshness_thresholds(mapped_manifest)
    assert thresholds[dg.AssetKey(["zendesk", "ticket"])]["error_after"] == dt.timedelta(days=5)
    assert awaited_keys(sources, thresholds) == [dg.AssetKey(["segment", "tracks"])]
    intraday = {key.to_user_string() for key in intraday_keys(sources)}
    assert {"zendesk/ticket", "zendesk/ticket_comment", "hubspot/engagement"} <= intraday
    assert "stripe/invoice" not in intraday and "segment/tracks" not in intraday

    definitions = _mapped_definitions(mapped_manifest, {"warehouse": _warehouse_resource(tmp_path)})
    graph = definitions.get_repository_def().asset_graph
    for key in sources:
        node = graph.get(key)
        assert node.is_observable and not node.is_materializable, key
    assert not graph.has(raw_key("billing_invoices")) and not graph.has(raw_key("product_events"))
    # The lineage runs from the connector tables through the mapping models to the score.
    downstream = (
        dg.AssetSelection.assets(dg.AssetKey(["stripe", "invoice"])).downstream().resolve(graph)
    )
    assert dg.AssetKey(["staging", "map_stripe__billing_invoices"]) in downstream
    assert SCORE_KEY in downstream
    freshness = {
        c.asset_key.to_user_string() for c in graph.asset_check_keys if c.name == "freshness"
    }
    assert {"stripe/invoice", "zendesk/ticket", "hubspot/engagement", "segment/tracks"} <= freshness
    job = definitions.resolve_job_def("daily_refresh")
    assert set(sources) <= job.asset_layer.selected_asset_keys


def test_the_daily_decision_waits_for_the_loaders_day_until_the_deadline() -> None:
    from orchestration.defs.automation import daily_decision

    tracks = dg.AssetKey(["segment", "tracks"])
    six, nine = dt.datetime(2026, 6, 29, 6, 0), dt.datetime(2026, 6, 29, 9, 0)
    start, waiting, why = daily_decision(six, 9, None, {tracks: "3 rows, newest -"})
    assert start and not waiting and "No successful daily run" in why
    before = {tracks: "3 rows, newest 2026-06-28 23:00:00"}
    start, waiting, why = daily_decision(six, 9, before, dict(before))
    assert not start and waiting == [tracks] and "09:00 UTC" in why
    start, waiting, _ = daily_decision(
        six, 9, before, {tracks: "4 rows, newest 2026-06-29 05:40:00"}
    )
    assert start and not waiting
    start, waiting, why = daily_decision(nine, 9, before, dict(before))
    assert start and waiting == [tracks] and "freshness checks" in why
    start, waiting, _ = daily_decision(six, 9, before, {tracks: "missing"})
    assert not start and waiting == [tracks]
    start, waiting, why = daily_decision(six, 9, {}, {})
    assert start and not waiting and "expects new data every day" in why


def test_the_code_locations_dbt_vars_are_a_mapping_with_dates_as_text_or_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HEALTHSCORE_DBT_VARS in YAML or JSON; a date YAML reads as one reaches dbt as its text
    (it is passed on as JSON); anything but a mapping is one line naming the variable."""
    from orchestration.runtime.dbt_invoke import DBT_VARS_ENV, code_location_dbt_vars

    monkeypatch.setenv(
        DBT_VARS_ENV, "{healthscore_billing_mapping: stripe, healthscore_history_start: 2024-01-01}"
    )
    assert code_location_dbt_vars() == {
        "healthscore_billing_mapping": "stripe",
        "healthscore_history_start": "2024-01-01",
    }
    monkeypatch.setenv(DBT_VARS_ENV, "")
    assert code_location_dbt_vars() == {}
    for bad in ("stripe", "[1, 2]", "{a: [}"):
        monkeypatch.setenv(DBT_VARS_ENV, bad)
        with pytest.raises(ValueError, match=DBT_VARS_ENV):
            code_location_dbt_vars()


@dataclass
class MappedWarehouse:
    definitions: dg.Definitions
    instance: dg.DagsterInstance
    env: dict[str, str | None]
    connect: object  # () -> a psycopg2 connection


@pytest.fixture(scope="module")
def mapped_warehouse(
    mapped_manifest: dict, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MappedWarehouse]:
    """A PostgreSQL database holding a few connector-shaped tables as Fivetran and Segment land
    them (some absent, one without its loaded_at_field), and the mapped definitions on it."""
    settings = postgres_settings()
    import psycopg2

    database = f"py_dagster_mapped_{os.getpid()}"
    admin = create_database(settings, database)
    day = AS_OF.isoformat()
    statements = [
        "create schema stripe",
        "create schema zendesk",
        "create schema hubspot",
        "create schema segment",
        "create table stripe.invoice (id text, customer_id text, created timestamp, "
        "_fivetran_synced timestamp with time zone)",
        f"insert into stripe.invoice values ('in_1', 'cus_1', '{day} 01:00', '{day} 02:00+00'), "
        f"('in_2', 'cus_1', '{day} 03:00', '{day} 03:30+00')",
        "create table stripe.customer (id text, metadata text, _fivetran_synced timestamp)",
        f"insert into stripe.customer values ('cus_1', '{{}}', '{day} 01:00')",
        "create table zendesk.ticket (id bigint, organization_id bigint, status text, "
        "created_at timestamp, _fivetran_synced timestamp)",
        f"insert into zendesk.ticket values (1, 10, 'open', '{day} 08:00', '{day} 08:05'), "
        f"(2, 10, 'solved', '{day} 09:00', '{day} 10:15')",
        "create table hubspot.engagement (id bigint, type text, _fivetran_synced timestamp)",
        f"insert into hubspot.engagement values (7, 'MEETING', '{day} 11:00')",
        "create table segment.tracks (id text, user_id text, event text, "
        "timestamp timestamp, received_at timestamp)",
        f"insert into segment.tracks values ('t1', 'u1', 'report_viewed', '{day} 12:00', "
        f"'{day} 12:00:02')",
        # Segment creates a column once a value arrives: an identifies table without received_at.
        "create table segment.identifies (id text, user_id text)",
        "insert into segment.identifies values ('i1', 'u1')",
    ]
    connection = psycopg2.connect(dbname=database, **settings)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.commit()
    connection.close()
    workdir = tmp_path_factory.mktemp("dagster_mapped")
    env: dict[str, str | None] = {
        "HEALTHSCORE_TARGET": "postgres",
        "HEALTHSCORE_PG_DATABASE": database,
        "HEALTHSCORE_AS_OF_DATE": day,
    }
    with environment(env):
        definitions = _mapped_definitions(
            mapped_manifest, {"warehouse": _warehouse_resource(workdir)}
        )

    def connect() -> object:
        return psycopg2.connect(dbname=database, **settings)

    try:
        # An instance on disk: a schedule's context reopens it from its reference.
        home = workdir / "dagster_home"
        home.mkdir()
        with dg.DagsterInstance.local_temp(str(home)) as instance:
            yield MappedWarehouse(definitions, instance, env, connect)
    finally:
        drop_database(admin, database)


def _insert(warehouse: MappedWarehouse, sql: str) -> None:
    connection = warehouse.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.commit()
    finally:
        connection.close()


def test_under_mappings_the_connector_tables_are_observed_and_new_rows_refresh(
    mapped_warehouse: MappedWarehouse,
) -> None:
    definitions, instance = mapped_warehouse.definitions, mapped_warehouse.instance
    repository = definitions.get_repository_def()
    resources = {"warehouse": repository.get_top_level_resources()["warehouse"]}
    day = AS_OF.isoformat()
    tracks, invoice = dg.AssetKey(["segment", "tracks"]), dg.AssetKey(["stripe", "invoice"])
    with environment(mapped_warehouse.env):
        # The daily job's observation step alone: the connector tables' rows and newest loads.
        job = definitions.resolve_job_def("daily_refresh")
        observed_keys = [
            key for key in job.asset_layer.selected_asset_keys if key.path[0] != "staging"
        ]
        sources = [key for key in observed_keys if repository.asset_graph.get(key).is_observable]
        result = job.execute_in_process(instance=instance, asset_selection=sources)
        assert result.success
        observed = {
            event.asset_key: event.event_specific_data.asset_observation
            for event in result.get_asset_observation_events()
        }
        assert observed[invoice].metadata["dagster/row_count"].value == 2
        assert observed[invoice].metadata["newest_record_at"].value == f"{day} 03:30:00"
        assert observed[invoice].tags["dagster/data_version"] == f"2 rows, newest {day} 03:30:00"
        ticket = observed[dg.AssetKey(["zendesk", "ticket"])].metadata
        assert ticket["newest_record_at"].value == f"{day} 10:15:00"
        assert ticket["read_for"].value == "support_tickets"
        assert observed[tracks].metadata["newest_record_at"].value == f"{day} 12:00:02"
        # A table without its loaded_at_field column is counted, undated; one never landed is
        # missing.
        identifies = observed[dg.AssetKey(["segment", "identifies"])].metadata
        assert identifies["dagster/row_count"].value == 1
        assert identifies["newest_record_at"].value == "-"
        assert observed[dg.AssetKey(["hubspot", "company"])].metadata["status"].value == "missing"
        # The freshness checks judged the connector tables from those observations.
        checks = {
            evaluation.asset_key: evaluation for evaluation in result.get_asset_check_evaluations()
        }
        assert checks[dg.AssetKey(["zendesk", "ticket"])].passed
        assert checks[tracks].passed
        assert "missing" in (checks[dg.AssetKey(["hubspot", "deal"])].description or "")

        # The sensor: a first look, then a new ticket (a relationship table's source: a refresh
        # of what depends on it), then a new invoice (left to the daily run).
        sensor = definitions.get_sensor_def("raw_tables_sensor")

        def evaluate(cursor: str | None) -> tuple[dg.SensorResult, str | None]:
            with dg.build_sensor_context(
                cursor=cursor, repository_def=repository, resources=resources, instance=instance
            ) as context:
                return sensor(context), context.cursor

        first, cursor = evaluate(None)
        assert not first.run_requests
        assert {event.asset_key for event in first.asset_events} == set(sources)
        _insert(
            mapped_warehouse,
            f"insert into zendesk.ticket values (3, 10, 'open', '{day} 13:00', '{day} 13:05')",
        )
        fired, cursor = evaluate(cursor)
        (request,) = fired.run_requests
        assert request.tags["healthscore/changed_tables"] == "zendesk/ticket"
        selected = set(request.asset_selection)
        assert dg.AssetKey(["zendesk", "ticket"]) in selected and SCORE_KEY in selected
        assert dg.AssetKey(["staging", "map_zendesk__support_tickets"]) in selected
        assert invoice not in selected and tracks not in selected
        _insert(
            mapped_warehouse,
            f"insert into stripe.invoice values ('in_3', 'cus_1', '{day} 13:00', '{day} 13:10+00')",
        )
        later, cursor = evaluate(cursor)
        assert not later.run_requests and later.skip_reason is not None
        assert "stripe/invoice" in later.skip_reason.skip_message

        # The daily schedule: the last daily run (the observation above) saw segment/tracks as
        # it still is: it waits, until new events land or the deadline passes.
        schedule = definitions.get_schedule_def("daily_refresh_schedule")

        def tick(hour: int, minute: int = 0) -> dg.RunRequest | str | None:
            moment = dt.datetime.combine(AS_OF, dt.time(hour, minute), tzinfo=dt.UTC)
            with dg.build_schedule_context(
                instance=instance, scheduled_execution_time=moment, resources=resources
            ) as context:
                outcome = schedule(context)
            return outcome.skip_message if isinstance(outcome, dg.SkipReason) else outcome

        waiting = tick(6)
        assert isinstance(waiting, str) and "segment/tracks" in waiting
        late = tick(9)
        assert isinstance(late, dg.RunRequest)
        assert late.tags["healthscore/without_new_data"] == "segment/tracks"
        assert late.run_key == f"daily-{day}"
        _insert(
            mapped_warehouse,
            f"insert into segment.tracks values ('t2', 'u1', 'report_viewed', '{day} 13:00', "
            f"'{day} 13:00:01')",
        )
        landed = tick(6, 15)
        assert isinstance(landed, dg.RunRequest)
        assert landed.tags["healthscore/without_new_data"] == ""
