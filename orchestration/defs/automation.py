"""Jobs, schedules and the sensor.

- daily_refresh (05:00 UTC): everything from ingestion to the score, validation and alerts,
  scored as of the run's date. The weight calibration is left out (see below).
- relationship_files_sensor (the embedded DuckDB file): every minute, looks at the landing
  folder's crm_activities, survey_responses and support_tickets files; when one appears or
  changes, it reloads just those tables and refreshes what depends on them, so a sponsor's bad
  meeting logged on Thursday moves the score on Thursday.
- relationship_tables_sensor (any other dbt target, whose raw tables the team's loader lands):
  every five minutes, observes the same three tables in the warehouse (row count, newest
  record) and records the observations; when a table's data version changed (rows landed), it
  launches the daily job's refresh of what depends on it.
- quarterly_calibration (06:00 UTC on the first day of each quarter): proposes weights from
  past renewals; it never adopts them.
- score_history_backfill (on demand): recomputes the score history for any past range, with
  rebuild_from / rebuild_to in the dbt models' run config; idempotent.
"""

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path

import dagster as dg

from orchestration.defs.ingestion import observe_tables, reference_time
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import DBT_STEP, RAW_TABLES, raw_key
from orchestration.runtime.landing_watch import (
    changed_tables,
    decode_cursor,
    encode_cursor,
    table_fingerprints,
)
from orchestration.runtime.settings import settings_from_env
from orchestration.runtime.warehouse import Error, connected

CALIBRATION = dg.AssetKey(["weight_calibration"])
NOTIFIER = dg.AssetKey(["alert_notifications"])
WATCHED_TABLES = ("crm_activities", "survey_responses", "support_tickets")

# Every asset but the calibration; on a dbt target that includes the observations of the raw
# tables (observable source assets), which the daily job then runs first.
refresh_selection = (
    dg.AssetSelection.all() | dg.AssetSelection.assets(*[raw_key(table) for table in RAW_TABLES])
) - dg.AssetSelection.assets(CALIBRATION)

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=refresh_selection,
    description="Load the landing folder (on a dbt target: observe the raw tables) and rebuild "
    "everything, as of the run's date.",
)
score_history_backfill = dg.define_asset_job(
    "score_history_backfill",
    selection=dg.AssetSelection.groups("features", "score", "validation", "alerts")
    - dg.AssetSelection.assets(CALIBRATION, NOTIFIER),
    description=(
        "Recompute the score history for a past range: run config "
        "ops.healthscore_dbt_models.config.rebuild_from / rebuild_to (YYYY-MM-DD). A date's rows "
        "are replaced, never appended, so running a range twice gives the same rows."
    ),
)
quarterly_calibration = dg.define_asset_job(
    "quarterly_calibration",
    selection=dg.AssetSelection.assets(CALIBRATION),
    description="Learn weights from past renewals and publish the proposal; adopt it by hand.",
)


def run_config(as_of: dt.date, *, with_notifier: bool = True) -> dict[str, object]:
    """Run config that scores as of `as_of` (for the dbt models, and the notifier when selected)."""
    ops: dict[str, object] = {DBT_STEP: {"config": {"as_of_date": as_of.isoformat()}}}
    if with_notifier:
        ops["alert_notifications"] = {"config": {"as_of_date": as_of.isoformat()}}
    return {"ops": ops}


@dg.schedule(
    job=daily_refresh,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    as_of = context.scheduled_execution_time.date()
    return dg.RunRequest(
        run_key=f"daily-{as_of.isoformat()}",
        run_config=run_config(as_of),
        tags={"healthscore/as_of_date": as_of.isoformat()},
    )


@dg.schedule(job=quarterly_calibration, cron_schedule="0 6 1 1,4,7,10 *", execution_timezone="UTC")
def quarterly_calibration_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"calibration-{context.scheduled_execution_time.date().isoformat()}"
    )


def refresh_request(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    changed: list[str],
    fingerprint: str,
    prefix: str,
) -> dg.RunRequest:
    """A run of what depends on the `changed` raw tables (the daily job's selection, without
    the calibration), as of the warehouse's default date."""
    graph = context.repository_def.asset_graph
    selection = dg.AssetSelection.assets(
        *[raw_key(table) for table in changed]
    ).downstream() - dg.AssetSelection.assets(CALIBRATION)
    keys = sorted(selection.resolve(graph), key=lambda key: key.to_user_string())
    as_of = warehouse.default_as_of()
    return dg.RunRequest(
        run_key=f"{prefix}-{fingerprint}",
        asset_selection=keys,
        run_config=run_config(as_of, with_notifier=NOTIFIER in keys),
        tags={
            "healthscore/changed_tables": ",".join(changed),
            "healthscore/as_of_date": as_of.isoformat(),
        },
    )


@cache
def files_sensor() -> dg.SensorDefinition:
    """The embedded DuckDB file's sensor: the landing folder's relationship files."""

    @dg.sensor(
        target=refresh_selection,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Refreshes the score within minutes of new CRM activity, survey or ticket files."
        ),
    )
    def relationship_files_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.RunRequest | dg.SkipReason:
        current = table_fingerprints(Path(warehouse.landing_dir), list(WATCHED_TABLES))
        if context.cursor is None:
            context.update_cursor(encode_cursor(current))
            return dg.SkipReason(
                f"Now watching {', '.join(WATCHED_TABLES)} in {warehouse.landing_dir}."
            )
        changed = changed_tables(decode_cursor(context.cursor), current)
        if not changed:
            return dg.SkipReason("No new or changed relationship files.")
        context.update_cursor(encode_cursor(current))
        fingerprint = hashlib.sha256(encode_cursor(current).encode()).hexdigest()[:16]
        return refresh_request(context, warehouse, changed, fingerprint, "files")

    return relationship_files_sensor


@cache
def tables_sensor() -> dg.SensorDefinition:
    """A dbt target's sensor: the relationship tables the team's loader lands."""

    @dg.sensor(
        target=refresh_selection,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Observes the CRM activity, survey and ticket tables in the warehouse and "
        "refreshes the score within minutes of new rows landing there.",
    )
    def relationship_tables_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult | dg.SkipReason:
        try:
            with connected(warehouse.location()) as con:
                observed = observe_tables(con, list(WATCHED_TABLES), reference_time(warehouse))
        except Error as error:
            return dg.SkipReason(f"Cannot observe {warehouse.describe()}: {error}")
        current = {table: observation.data_version for table, observation in observed.items()}
        # The observations are recorded as the observable source assets' own (with their data
        # versions), so the UI and the freshness checks see what the sensor saw.
        observations = [
            dg.AssetObservation(
                asset_key=raw_key(table),
                metadata=observation.metadata(),
                tags={"dagster/data_version": observation.data_version},
            )
            for table, observation in observed.items()
        ]
        if context.cursor is None:
            context.update_cursor(encode_cursor(current))
            return dg.SensorResult(
                asset_events=observations,
                skip_reason=f"Now watching {', '.join(WATCHED_TABLES)} in {warehouse.describe()}.",
            )
        changed = changed_tables(decode_cursor(context.cursor), current)
        context.update_cursor(encode_cursor(current))
        if not changed:
            return dg.SensorResult(
                asset_events=observations, skip_reason="No new rows in the relationship tables."
            )
        fingerprint = hashlib.sha256(encode_cursor(current).encode()).hexdigest()[:16]
        return dg.SensorResult(
            asset_events=observations,
            run_requests=[refresh_request(context, warehouse, changed, fingerprint, "tables")],
        )

    return relationship_tables_sensor


@dg.definitions
def automation() -> dg.Definitions:
    """The jobs and schedules, and the sensor: the landing folder's on the embedded DuckDB file,
    the raw tables' on a dbt target. (A module with a Definitions gives only those.)"""
    on_target = settings_from_env().target != "duckdb"
    return dg.Definitions(
        jobs=[daily_refresh, score_history_backfill, quarterly_calibration],
        schedules=[daily_refresh_schedule, quarterly_calibration_schedule],
        sensors=[tables_sensor() if on_target else files_sensor()],
    )
