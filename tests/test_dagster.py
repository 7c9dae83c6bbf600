"""The Dagster code location: what it defines, a whole refresh in process, the sensor reacting to a
sponsor's negative meeting on the same day, the notifier, and the UI command."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pytest

from orchestration.dagster_runs import location_name
from orchestration.demo_company import generate_company
from orchestration.runtime.contract import PROJECT_ROOT, contract_tables
from orchestration.runtime.notifier import send_new_alerts
from orchestration.runtime.warehouse_file import WriterLock
from tests.conftest import Readers, query, run_cli

AS_OF = dt.date(2026, 6, 28)
SCORE_KEY = dg.AssetKey(["marts", "account_health"])
LAYERS = {
    "ingestion",
    "configuration",
    "staging",
    "features",
    "score",
    "validation",
    "alerts",
    "data_quality",
}


@dataclass
class DagsterSetup:
    workdir: Path
    landing: Path
    database: Path
    defs: dg.Definitions
    instance: dg.DagsterInstance
    refresh: RecordedRun
    refresh_output: str


@dataclass
class RecordedRun:
    """A run as the UI reads it from the Dagster instance: its status and events."""

    run: dg.DagsterRun
    events: list[dg.DagsterEvent]

    @property
    def success(self) -> bool:
        return self.run.status == dg.DagsterRunStatus.SUCCESS

    def get_asset_check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [
            event.event_specific_data
            for event in self.events
            if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ]

    def get_asset_materialization_events(self) -> list[dg.DagsterEvent]:
        return [event for event in self.events if event.is_step_materialization]


@pytest.fixture(scope="module")
def dagster_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterSetup]:
    """A generated company refreshed by `healthscore job daily_refresh`, which runs the job in
    process against a persistent Dagster instance (DAGSTER_HOME), as the UI reads it."""
    workdir = tmp_path_factory.mktemp("dagster")
    landing = workdir / "landing"
    # Data through the as-of day, so the raw tables are fresh as of it.
    generate_company(
        landing, accounts=300, months=18, seed=5, end_date=AS_OF + dt.timedelta(days=1)
    )
    database = workdir / "warehouse" / "healthscore.duckdb"
    env = {
        "HEALTHSCORE_DUCKDB_PATH": str(database),
        "HEALTHSCORE_LANDING_DIR": str(landing),
        "HEALTHSCORE_AS_OF_DATE": AS_OF.isoformat(),
        "HEALTHSCORE_ALERTS_FILE": str(workdir / "alerts.jsonl"),
        "DAGSTER_HOME": str(workdir / "dagster_home"),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    output = run_cli(["job", "daily_refresh", "--as-of", AS_OF.isoformat()])
    from orchestration.definitions import defs

    definitions = defs()
    instance = dg.DagsterInstance.get()
    (run,) = instance.get_runs()
    events = [entry.dagster_event for entry in instance.all_logs(run.run_id) if entry.dagster_event]
    refresh = RecordedRun(run, events)
    yield DagsterSetup(workdir, landing, database, definitions, instance, refresh, output.text)
    instance.dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_graph_has_every_layer_and_sources_lead_to_ingestion(
    dagster_setup: DagsterSetup,
) -> None:
    graph = dagster_setup.defs.get_repository_def().asset_graph
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == LAYERS
    ingestion = {
        key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "ingestion"
    }
    assert {dg.AssetKey(["raw", table]) for table in contract_tables()} <= ingestion
    # Every raw table feeds a staging import, and staging reads nothing built after it (the
    # row-count models read the imports, the validated models the imports and the seeds).
    for table in contract_tables():
        children = graph.get(dg.AssetKey(["raw", table])).child_keys
        assert any(graph.get(child).group_name == "staging" for child in children), table
    for key in graph.get_all_asset_keys():
        if graph.get(key).group_name == "staging":
            parents = {graph.get(parent).group_name for parent in graph.get(key).parent_keys}
            assert parents <= {"ingestion", "staging", "configuration"}, key
    # The score model that the marts, the backtests and the alerts all read.
    score = dg.AssetKey(["intermediate", "int_account_health_scored"])
    upstream = dg.AssetSelection.assets(score).upstream().resolve(graph)
    downstream = dg.AssetSelection.assets(score).downstream().resolve(graph)
    assert {graph.get(key).group_name for key in upstream} >= {
        "ingestion",
        "staging",
        "features",
        "score",
    }
    assert {graph.get(key).group_name for key in downstream} >= {"validation", "alerts"}


def test_every_dbt_test_is_a_check_and_raw_tables_have_freshness_checks(
    dagster_setup: DagsterSetup,
) -> None:
    graph = dagster_setup.defs.get_repository_def().asset_graph
    manifest = json.loads((PROJECT_ROOT / "target" / "dagster" / "manifest.json").read_text())
    dbt_tests = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"
    }
    check_names = {check.name for check in graph.asset_check_keys}
    assert dbt_tests and dbt_tests <= check_names
    freshness = {
        check.asset_key.path[-1] for check in graph.asset_check_keys if check.name == "freshness"
    }
    assert {"product_events", "support_tickets", "crm_activities", "survey_responses"} <= freshness
    on_score = {
        check.name
        for check in graph.asset_check_keys
        if check.asset_key == dg.AssetKey(["marts", "account_health"])
    }
    assert {"auc_above_floor", "band_churn_rates_ordered", "coverage_above_floor"} <= on_score


def test_schedules_and_the_sensor_are_defined(dagster_setup: DagsterSetup) -> None:
    daily = dagster_setup.defs.get_schedule_def("daily_refresh_schedule")
    assert (
        daily.cron_schedule == "0 5 * * *"
        and daily.default_status == dg.DefaultScheduleStatus.RUNNING
    )
    assert dagster_setup.defs.get_schedule_def(
        "quarterly_calibration_schedule"
    ).cron_schedule.startswith("0 6 1 ")
    sensor = dagster_setup.defs.get_sensor_def("relationship_files_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    graph = dagster_setup.defs.get_repository_def().asset_graph
    refreshed = dagster_setup.defs.get_job_def("daily_refresh").asset_layer.selected_asset_keys
    assert dg.AssetKey(["weight_calibration"]) not in refreshed
    assert refreshed == graph.get_all_asset_keys() - {dg.AssetKey(["weight_calibration"])}


def test_the_job_command_runs_the_daily_refresh_into_the_instance_the_ui_reads(
    dagster_setup: DagsterSetup,
) -> None:
    # One line per step on the terminal; Dagster's own log in a file beside the warehouse.
    text = dagster_setup.refresh_output
    assert "Running the Dagster job daily_refresh" in text, text
    assert re.search(r"healthscore_dbt_models: \d+ assets materialised; \d+ checks evaluated", text)
    assert "daily_refresh finished in" in text
    assert "DEBUG" not in text and "STEP_START" not in text and "Warning" not in text
    assert len(text.splitlines()) < 20
    log = (dagster_setup.database.parent / "logs" / "dagster_daily_refresh.log").read_text()
    assert "RUN_SUCCESS" in log
    # The run is recorded in the instance at DAGSTER_HOME, where `healthscore ui` reads it.
    assert dagster_setup.refresh.run.job_name == "daily_refresh"
    assert dagster_setup.refresh.run.tags["healthscore/as_of_date"] == AS_OF.isoformat()
    latest = dagster_setup.instance.get_latest_materialization_event(SCORE_KEY)
    assert latest is not None and latest.run_id == dagster_setup.refresh.run.run_id


def test_the_score_asset_leads_with_its_headline_figures(dagster_setup: DagsterSetup) -> None:
    (score,) = [
        event.materialization.metadata
        for event in dagster_setup.refresh.get_asset_materialization_events()
        if event.asset_key == SCORE_KEY
    ]
    # The UI lists metadata in its order: the headline and band counts before dagster-dbt's.
    assert list(score)[:6] == [
        "as_of_date",
        "headline",
        "accounts_red",
        "accounts_amber",
        "accounts_green",
        "accounts_not_scored",
    ]
    red, amber, green = (score[f"accounts_{band}"].value for band in ("red", "amber", "green"))
    assert score["headline"].value.startswith(
        f"{red + amber + green:,} accounts scored: {red:,} red ("
    )
    assert "AUC of" in score["headline"].value
    assert list(score).index("validation") < list(score).index("unique_id")
    # The UI shows a definition's column table above the metadata: left out for this asset
    # only, with a pointer to where the columns are documented.
    specs = {spec.key: spec for spec in dagster_setup.defs.resolve_all_asset_specs()}
    assert "dagster/column_schema" not in specs[SCORE_KEY].metadata
    assert "_health__models.yml" in (specs[SCORE_KEY].description or "")
    history = dg.AssetKey(["marts", "account_health_history"])
    assert "dagster/column_schema" in specs[history].metadata


def test_a_daily_refresh_in_process_passes_every_check(dagster_setup: DagsterSetup) -> None:
    result = dagster_setup.refresh
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 250
    failed = [
        (e.asset_key.to_user_string(), e.check_name, e.description)
        for e in evaluations
        if not e.passed
    ]
    assert failed == []
    materialized = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    score = materialized[dg.AssetKey(["marts", "account_health"])]
    assert {"accounts_green", "accounts_amber", "accounts_red", "auc_90d", "validation"} <= set(
        score
    )
    assert "| 90 d |" in score["validation"].value
    assert materialized[dg.AssetKey(["raw", "crm_accounts"])]["rows"].value == 300
    # A first load into an empty warehouse cannot count quarantine yet (staging does), and says so.
    assert (
        "after the first build"
        in materialized[dg.AssetKey(["raw", "product_events"])]["quarantined_rows_note"].value
    )
    # The score checks judge with the thresholds the build wrote (the vars healthscore_check_*).
    floors = {
        value.value
        for e in evaluations
        if e.check_name in ("auc_above_floor", "coverage_above_floor")
        for key, value in e.metadata.items()
        if key.endswith("floor")
    }
    assert len(floors) == 2 and floors == {
        value
        for row in query(
            dagster_setup.database,
            "select min_auc, min_coverage from marts.validation_thresholds",
        )
        for value in row
    }


@dataclass
class SponsorReview:
    account_id: str
    before: tuple
    first: dg.SkipReason | dg.RunRequest
    fired: dg.RunRequest
    unchanged: dg.SkipReason | dg.RunRequest
    run: dg.ExecuteInProcessResult
    readers: Readers


@pytest.fixture(scope="module")
def sponsor_review(dagster_setup: DagsterSetup) -> SponsorReview:
    """A sponsor's negative meeting, logged on the as-of day, dropped in as a new activity file."""
    database = dagster_setup.database
    # A green account whose positive sentiment carries enough weight to cross into amber.
    account_id, contact_id = query(
        database,
        """
        select health.account_id, min(contacts.contact_id)
        from marts.account_health as health
        inner join marts.account_signals as signals
            on health.account_id = signals.account_id and signals.as_of_date = health.as_of_date
            and signals.signal = 'csm_sentiment' and signals.has_data
        inner join staging.stg_crm__contacts as contacts
            on health.account_id = contacts.account_id
            and contacts.role = 'executive_sponsor' and contacts.left_at is null
        where health.health_band = 'green'
        group by health.account_id, health.health_score, signals.effective_weight,
            signals.signal_score
        order by health.health_score - signals.effective_weight * signals.signal_score
        limit 1""",
    )[0]
    before = query(
        database,
        "select health_score, health_band from marts.account_health where account_id = ?",
        [account_id],
    )[0]
    sensor = dagster_setup.defs.get_sensor_def("relationship_files_sensor")
    repository = dagster_setup.defs.get_repository_def()
    resources = {"warehouse": repository.get_top_level_resources()["warehouse"]}

    def evaluate(cursor: str | None) -> tuple[dg.SkipReason | dg.RunRequest, str | None]:
        # A context manager: the warehouse resource cleans up after itself (a teardown).
        with dg.build_sensor_context(
            cursor=cursor,
            repository_def=repository,
            resources=resources,
            instance=dagster_setup.instance,
        ) as context:
            outcome = sensor(context)
            return outcome, context.cursor

    first, cursor = evaluate(None)
    folder = dagster_setup.landing / "crm_activities"
    folder.mkdir(exist_ok=True)
    (folder / f"{AS_OF}-sponsor-review.csv").write_text(
        "activity_id,account_id,contact_id,activity_type,direction,outcome,sentiment,occurred_at,logged_at\n"
        f"act_review_1,{account_id},{contact_id},meeting,outbound,completed,negative,"
        f"{AS_OF} 14:00:00,{AS_OF} 15:30:00\n"
    )
    fired, cursor = evaluate(cursor)
    unchanged, _ = evaluate(cursor)
    assert isinstance(fired, dg.RunRequest)
    # A BI tool holds a connection through the refresh, and another opens one every 0.2 s.
    with Readers(database) as readers:
        run = dagster_setup.defs.get_implicit_global_asset_job_def().execute_in_process(
            asset_selection=fired.asset_selection,
            run_config=fired.run_config,
            instance=dagster_setup.instance,
            raise_on_error=False,
        )
    return SponsorReview(account_id, before, first, fired, unchanged, run, readers)


def test_the_sensor_fires_on_a_new_activity_file_and_not_on_an_unchanged_folder(
    sponsor_review: SponsorReview,
) -> None:
    assert isinstance(sponsor_review.first, dg.SkipReason)  # first look: records the folder
    assert isinstance(sponsor_review.unchanged, dg.SkipReason)
    selected = set(sponsor_review.fired.asset_selection)
    assert dg.AssetKey(["raw", "crm_activities"]) in selected
    assert {
        dg.AssetKey(["marts", "account_health"]),
        dg.AssetKey(["marts", "health_alerts"]),
        dg.AssetKey(["alert_notifications"]),
    } <= selected
    assert dg.AssetKey(["raw", "product_events"]) not in selected
    assert dg.AssetKey(["staging", "stg_product__events"]) not in selected
    assert dg.AssetKey(["weight_calibration"]) not in selected
    assert sponsor_review.fired.tags["healthscore/changed_tables"] == "crm_activities"
    reloaded = {
        event.asset_key: event.materialization.metadata
        for event in sponsor_review.run.get_asset_materialization_events()
    }
    activities = reloaded[dg.AssetKey(["raw", "crm_activities"])]
    assert activities["quarantined_rows"].value > 0  # the demo's dirty activity rows
    assert len(activities["files"].value.split(", ")) == 2  # the table's file and the new one


def test_a_sponsors_negative_meeting_moves_the_score_the_same_day_and_raises_an_alert(
    sponsor_review: SponsorReview, dagster_setup: DagsterSetup
) -> None:
    assert sponsor_review.run.success
    # The refresh built on a copy and published it: the readers never failed, nor blocked it.
    assert sponsor_review.readers.errors == [] and sponsor_review.readers.queries > 0
    # The held connection read one whole version throughout; new connections saw the new one.
    assert len(sponsor_review.readers.held_versions) == 1
    assert sponsor_review.readers.polled_versions[-1] != sponsor_review.readers.held_versions[0]
    assert not (dagster_setup.database.parent / ".healthscore.duckdb.build").exists()
    database = dagster_setup.database
    score, band, drivers = query(
        database,
        """
        select health_score, health_band, change_drivers from marts.account_health
        where account_id = ?""",
        [sponsor_review.account_id],
    )[0]
    assert score < sponsor_review.before[0] - 3
    assert sponsor_review.before[1] == "green" and band in {"amber", "red"}
    assert drivers.startswith("csm_sentiment (")
    alert = query(
        database,
        """
        select alert_type, old_band, new_band, change_drivers, action from marts.health_alerts
        where account_id = ? and detected_on = ?""",
        [sponsor_review.account_id, AS_OF],
    )
    assert alert and alert[0][1] == "green" and alert[0][2] == band
    assert "csm_sentiment" in alert[0][3]
    sent = [
        json.loads(line)
        for line in (dagster_setup.workdir / "alerts.jsonl").read_text().splitlines()
    ]
    assert [
        a
        for a in sent
        if a["account_id"] == sponsor_review.account_id and a["detected_on"] == str(AS_OF)
    ]
    assert len({a["alert_id"] for a in sent}) == len(sent)  # never sent twice


class _Collector(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_notifier_sends_each_alert_once_to_a_file_and_to_a_webhook(
    dagster_setup: DagsterSetup, tmp_path: Path
) -> None:
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(dagster_setup.database, database)
    open_alerts = query(
        database,
        "select count(*) from marts.health_alerts "
        "where is_open and detected_on > ? and detected_on <= ?",
        [AS_OF - dt.timedelta(days=30), AS_OF],
    )[0][0]
    assert open_alerts > 0
    # A first delivery over the whole window (by default it sends only the as-of date's).
    window = {"as_of": AS_OF, "lookback_days": 30, "first_delivery_days": 30}
    jsonl = tmp_path / "file" / "alerts.jsonl"
    first = send_new_alerts(database, jsonl_path=jsonl, **window)
    again = send_new_alerts(database, jsonl_path=jsonl, **window)
    assert (first.sent, again.sent, again.already_sent) == (open_alerts, 0, open_alerts)
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(lines) == open_alerts and {
        "account_id",
        "csm_owner",
        "change_drivers",
        "action",
        "is_provisional",
    } <= set(lines[0])

    # A webhook with a delivery log of its own: a new destination, sent each alert once.
    delivered = tmp_path / "webhook" / "delivered.jsonl"
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/alerts"
        first = send_new_alerts(database, webhook_url=url, delivery_log=delivered, **window)
        again = send_new_alerts(database, webhook_url=url, delivery_log=delivered, **window)
    finally:
        server.shutdown()
    assert (first.sent, again.sent) == (open_alerts, 0)
    assert sorted(a["alert_id"] for a in _Collector.received) == sorted(
        a["alert_id"] for a in lines
    )


def test_the_ui_command_serves_the_dagster_ui(dagster_setup: DagsterSetup, tmp_path: Path) -> None:
    port = 30000 + os.getpid() % 20000
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "dagster_home"))
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("healthscore")), "ui", "--port", str(port)],
        env=env,
        stdout=(tmp_path / "ui.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        page = None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(1)
        assert page is not None, (tmp_path / "ui.log").read_text()[-2000:]
        assert "Dagster" in page
        graphql = json.dumps(
            {
                "query": "{ workspaceOrError { ... on Workspace { locationEntries "
                "{ name loadStatus locationOrLoadError { __typename } } } } }"
            }
        ).encode()
        status = None
        while time.monotonic() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql",
                data=graphql,
                headers={"Content-Type": "application/json"},
            )
            entry = json.loads(urllib.request.urlopen(request, timeout=10).read())["data"][
                "workspaceOrError"
            ]["locationEntries"][0]
            if entry["loadStatus"] == "LOADED":
                status = entry["locationOrLoadError"]["__typename"]
                break
            time.sleep(1)
        log = (tmp_path / "ui.log").read_text()
        assert status == "RepositoryLocation", log[-3000:]
        # Registered under the name the project gives it, the location loads without the
        # warning Dagster repeats on every load when the names differ.
        assert entry["name"] == location_name()
        assert "does not match the name" not in log and "Warning" not in log, log[-3000:]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_backfill_job_recomputes_a_past_range_idempotently(
    dagster_setup: DagsterSetup, sponsor_review: SponsorReview
) -> None:
    database = dagster_setup.database
    history = (
        "select count(*), count(distinct account_id || cast(as_of_date as varchar)) "
        "from marts.account_health_history"
    )
    before = query(database, history)
    job = dagster_setup.defs.get_job_def("score_history_backfill")
    selected = job.asset_layer.selected_asset_keys
    assert dg.AssetKey(["raw", "product_events"]) not in selected
    assert dg.AssetKey(["intermediate", "int_account_health_history"]) in selected
    config = {
        "ops": {
            "healthscore_dbt_models": {
                "config": {
                    "as_of_date": AS_OF.isoformat(),
                    "rebuild_from": "2026-01-01",
                    "rebuild_to": "2026-03-31",
                }
            }
        }
    }
    for _ in range(2):
        result = job.execute_in_process(
            run_config=config, instance=dagster_setup.instance, raise_on_error=False
        )
        assert result.success
    after = query(database, history)
    assert after == before and after[0][0] == after[0][1]  # same rows, no duplicates


def test_a_dagster_run_waits_for_another_writer_then_fails_saying_so(
    dagster_setup: DagsterSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = dagster_setup.database
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    holder = WriterLock(database, command="healthscore run")
    holder.acquire(say=lambda _: None)
    monkeypatch.setenv("HEALTHSCORE_LOCK_WAIT_SECONDS", "1")
    try:
        result = dagster_setup.defs.get_job_def("score_history_backfill").execute_in_process(
            run_config=_dbt_config(as_of_date=AS_OF.isoformat()),
            instance=dagster_setup.instance,
            raise_on_error=False,
        )
    finally:
        holder.release()
    assert not result.success
    failure = _failure_text(result)
    assert "is still being written by healthscore run (pid" in failure
    assert "after 1 s" in failure and "HEALTHSCORE_LOCK_WAIT_SECONDS" in failure
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_a_dagster_run_as_of_an_earlier_date_is_refused_and_changes_nothing(
    dagster_setup: DagsterSetup,
) -> None:
    database = dagster_setup.database
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    result = dagster_setup.defs.get_job_def("score_history_backfill").execute_in_process(
        run_config=_dbt_config(as_of_date=(AS_OF - dt.timedelta(days=7)).isoformat()),
        instance=dagster_setup.instance,
        raise_on_error=False,
    )
    assert not result.success
    assert f"already holds scores as of {AS_OF}" in _failure_text(result)
    assert "allow_older_as_of" in _failure_text(result)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert not (database.parent / ".healthscore.duckdb.build").exists()
    # The lock was released with the failed run: the next writer gets it at once.
    lock = WriterLock(database, command="test")
    lock.acquire(say=lambda _: None, wait_seconds=0)
    lock.release()


def _dbt_config(**config: object) -> dict[str, object]:
    return {"ops": {"healthscore_dbt_models": {"config": config}}}


def _failure_text(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        str(event.step_failure_data.user_failure_data.description)
        if event.step_failure_data.user_failure_data
        else str(event.step_failure_data.error)
        for event in result.all_events
        if event.is_step_failure
    )


def test_a_reexecution_from_a_failed_build_loads_the_landing_folder_again() -> None:
    """The failed run's load went with its discarded copy: re-executed from the failure (its
    load step skipped), the run loads again the tables it had selected; no other run does."""
    from orchestration.defs.steps import RAW_TABLES, raw_key, tables_a_reexecution_skipped

    load, dbt = "load_landing_folder", "healthscore_dbt_models"
    nodes = {load, dbt, "alert_notifications"}
    skipped = tables_a_reexecution_skipped(
        parent_run_id="failed-run", step_keys=[dbt], job_nodes=nodes, asset_selection=None
    )
    assert skipped == RAW_TABLES
    one = {raw_key("crm_activities"), dg.AssetKey(["marts", "account_health"])}
    assert tables_a_reexecution_skipped(
        parent_run_id="failed-run", step_keys=[dbt], job_nodes=nodes, asset_selection=one
    ) == ["crm_activities"]
    for parent, steps, job in (
        (None, None, nodes),  # a first run
        ("failed-run", [load, dbt], nodes),  # re-executed whole
        ("failed-run", [dbt], {dbt}),  # a backfill: no load step
    ):
        assert not tables_a_reexecution_skipped(
            parent_run_id=parent, step_keys=steps, job_nodes=job, asset_selection=None
        )
