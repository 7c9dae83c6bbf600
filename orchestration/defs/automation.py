"""Jobs, schedules and the sensor.

- daily_refresh: everything from ingestion to the score, validation and alerts, scored as of
  the run's date. The weight calibration is left out (see below).
- daily_refresh_schedule, on the embedded DuckDB file: 05:00 UTC every day.
- daily_refresh_schedule, on any other dbt target (the team's loader lands the raw tables): the
  run waits for the loader's day. From 05:00 UTC, every 15 minutes, the schedule observes the
  tables the project reads whose dbt source expects new data every day (a freshness warn_after
  of at most one day: product_events, or under the segment mapping segment/tracks) and compares
  each table's data version (rows, newest record) with the one the last successful daily run
  observed. It launches the day's run (one per day, run key daily-<date>) as soon as every such
  table has new data, or at the deadline, HEALTHSCORE_DAILY_DEADLINE (an hour of the day, UTC,
  default 9), whatever arrived: the run then goes ahead on what is there, and its freshness
  checks say which tables are stale and by how much. Without such a table, or before any
  successful daily run, it runs at 05:00 as on the DuckDB file.
- relationship_files_sensor (the embedded DuckDB file): every minute, looks at the landing
  folder's crm_activities, survey_responses and support_tickets files; when one appears or
  changes, it reloads just those tables and refreshes what depends on them, so a sponsor's bad
  meeting logged on Thursday moves the score on Thursday.
- raw_tables_sensor (any other dbt target): every five minutes, observes every table the dbt
  project reads (the contract tables, or the connector tables of the enabled source mappings;
  ingestion.observed_sources) and records the observations (the UI, the freshness checks and
  the schedule above see them). When the data version of a table the relationship signals are
  read from changed (crm_activities, survey_responses, support_tickets, or the connector tables
  read for them), it launches the refresh of what depends on the changed tables within minutes;
  new rows in the other tables (product events, billing, ...) are taken by the daily run, so a
  continuously streaming event table does not rebuild the score every five minutes.
- quarterly_calibration (06:00 UTC on the first day of each quarter): proposes weights from
  past renewals; it never adopts them.
- score_history_backfill (on demand): recomputes the score history for any past range, with
  rebuild_from / rebuild_to in the dbt models' run config; idempotent.
"""

import datetime as dt
import hashlib
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import dagster as dg

from orchestration.defs.ingestion import (
    FRESHNESS,
    OBSERVED_TAG,
    RawSource,
    observe_sources,
    reference_time,
    target_sources,
)
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import DBT_STEP, raw_key
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
# The daily run on a target waits for the loader's day from this hour (UTC) until the deadline.
WAIT_FROM_HOUR = 5
DEADLINE_ENV = "HEALTHSCORE_DAILY_DEADLINE"
DAILY_TAG = "healthscore/daily_refresh"

# Every asset but the calibration; on a dbt target that includes the observations of the tables
# the project reads (observable source assets, tagged OBSERVED_TAG), which the daily job then
# runs first.
refresh_selection = (
    dg.AssetSelection.all() | dg.AssetSelection.tag(OBSERVED_TAG, "", include_sources=True)
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
        tags={"healthscore/as_of_date": as_of.isoformat(), DAILY_TAG: as_of.isoformat()},
    )


@dg.schedule(job=quarterly_calibration, cron_schedule="0 6 1 1,4,7,10 *", execution_timezone="UTC")
def quarterly_calibration_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"calibration-{context.scheduled_execution_time.date().isoformat()}"
    )


def refresh_request(
    context: dg.SensorEvaluationContext,
    warehouse: WarehouseResource,
    changed: list[dg.AssetKey],
    fingerprint: str,
    prefix: str,
) -> dg.RunRequest:
    """A run of what depends on the `changed` raw tables (the daily job's selection, without
    the calibration), as of the warehouse's default date."""
    graph = context.repository_def.asset_graph
    selection = dg.AssetSelection.assets(*changed).downstream() - dg.AssetSelection.assets(
        CALIBRATION
    )
    keys = sorted(selection.resolve(graph), key=lambda key: key.to_user_string())
    as_of = warehouse.default_as_of()
    return dg.RunRequest(
        run_key=f"{prefix}-{fingerprint}",
        asset_selection=keys,
        run_config=run_config(as_of, with_notifier=NOTIFIER in keys),
        tags={
            "healthscore/changed_tables": ",".join(_label(key) for key in changed),
            "healthscore/as_of_date": as_of.isoformat(),
        },
    )


def _label(key: dg.AssetKey) -> str:
    return key.path[-1] if key.path[0] == "raw" else key.to_user_string()


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
        keys = [raw_key(table) for table in changed]
        return refresh_request(context, warehouse, keys, fingerprint, "files")

    return relationship_files_sensor


def intraday_keys(sources: Mapping[dg.AssetKey, RawSource]) -> set[dg.AssetKey]:
    """The observed tables whose new rows refresh the score within minutes: the relationship
    tables, or the connector tables a mapping reads for them."""
    return {key for key, source in sources.items() if set(source.feeds) & set(WATCHED_TABLES)}


def build_tables_sensor(sources: Mapping[dg.AssetKey, RawSource]) -> dg.SensorDefinition:
    """A dbt target's sensor: every table the project reads, observed; the relationship ones
    refreshed within minutes."""
    intraday = intraday_keys(sources)

    @dg.sensor(
        target=refresh_selection,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Observes every table the dbt project reads in the warehouse (row count, "
        "newest record) and refreshes the score within minutes of new CRM activity, survey or "
        "ticket rows landing; the other tables' new rows are taken by the daily run.",
    )
    def raw_tables_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.SensorResult | dg.SkipReason:
        try:
            with connected(warehouse.location()) as con:
                observed = observe_sources(con, list(sources.values()), reference_time(warehouse))
        except Error as error:
            return dg.SkipReason(f"Cannot observe {warehouse.describe()}: {error}")
        current = {
            key.to_user_string(): observation.data_version for key, observation in observed.items()
        }
        # The observations are recorded as the observable source assets' own (with their data
        # versions), so the UI and the freshness checks see what the sensor saw.
        observations = [
            dg.AssetObservation(
                asset_key=key,
                metadata=observation.metadata(),
                tags={"dagster/data_version": observation.data_version},
            )
            for key, observation in observed.items()
        ]
        if context.cursor is None:
            context.update_cursor(encode_cursor(current))
            return dg.SensorResult(
                asset_events=observations,
                skip_reason=f"Now watching {len(observed)} tables in {warehouse.describe()}.",
            )
        changed_names = set(changed_tables(decode_cursor(context.cursor), current))
        changed = [key for key in observed if key.to_user_string() in changed_names]
        context.update_cursor(encode_cursor(current))
        refresh = [key for key in changed if key in intraday]
        if not refresh:
            later = ", ".join(_label(key) for key in changed)
            return dg.SensorResult(
                asset_events=observations,
                skip_reason=f"New rows in {later}: taken by the daily run."
                if later
                else "No new rows.",
            )
        fingerprint = hashlib.sha256(encode_cursor(current).encode()).hexdigest()[:16]
        return dg.SensorResult(
            asset_events=observations,
            run_requests=[refresh_request(context, warehouse, refresh, fingerprint, "tables")],
        )

    return raw_tables_sensor


@cache
def tables_sensor() -> dg.SensorDefinition:
    """The configured target's sensor."""
    return build_tables_sensor(target_sources())


# --- the daily run on a target: waiting for the loader's day -------------------------------------


def awaited_keys(
    sources: Mapping[dg.AssetKey, RawSource],
    thresholds: Mapping[dg.AssetKey, Mapping[str, dt.timedelta]],
) -> list[dg.AssetKey]:
    """The observed tables whose dbt source expects new data every day (warn_after of at most
    a day): the daily run waits for them."""
    day = dt.timedelta(days=1)
    return [
        key
        for key in sources
        if key in thresholds and thresholds[key].get("warn_after", dt.timedelta.max) <= day
    ]


def deadline_hour() -> int:
    """HEALTHSCORE_DAILY_DEADLINE: the hour (UTC) by which the daily run starts whatever
    arrived (default 9, after the 05:00 start)."""
    value = os.environ.get(DEADLINE_ENV, "").strip() or "9"
    hour = int(value) if value.isdigit() else -1
    if not WAIT_FROM_HOUR <= hour <= 23:
        raise ValueError(f"{DEADLINE_ENV} must be an hour from {WAIT_FROM_HOUR} to 23, not {value}")
    return hour


def daily_decision(
    tick: dt.datetime,
    deadline: int,
    before: Mapping[dg.AssetKey, str | None] | None,
    now: Mapping[dg.AssetKey, str],
) -> tuple[bool, list[dg.AssetKey], str]:
    """Whether the day's run starts at `tick`, the awaited tables still without new data, and
    why. `before`: the data versions the last successful daily run observed (None: no such run);
    `now`: the awaited tables' data versions now."""
    if before is None:
        return True, [], "No successful daily run yet: running now."
    if not now:
        return True, [], "No table the project reads expects new data every day: running."
    waiting = [key for key, version in now.items() if version in ("missing", before.get(key))]
    names = ", ".join(_label(key) for key in waiting)
    if not waiting:
        awaited = ", ".join(_label(key) for key in now) or "no table"
        return True, [], f"New data since the last daily run in {awaited}: running."
    if tick.hour >= deadline:
        return (
            True,
            waiting,
            f"{deadline:02d}:00 UTC reached without new data in {names}: running on what is "
            "there; their freshness checks say how stale they are.",
        )
    return (
        False,
        waiting,
        f"Waiting for new data in {names} (unchanged since the last daily run); the run starts "
        f"when it lands, or at {deadline:02d}:00 UTC.",
    )


def versions_observed_by(
    instance: dg.DagsterInstance, run: dg.RunRecord, keys: list[dg.AssetKey]
) -> dict[dg.AssetKey, str | None]:
    """The data version of each of `keys` that `run` observed (None where it observed none)."""
    versions: dict[dg.AssetKey, str | None] = {}
    started = run.start_time or run.create_timestamp.timestamp()
    for key in keys:
        records = instance.fetch_observations(
            dg.AssetRecordsFilter(asset_key=key, after_timestamp=started - 1),
            limit=200,
            ascending=True,
        ).records
        versions[key] = next(
            (
                record.asset_observation.tags.get("dagster/data_version")
                for record in records
                if record.run_id == run.dagster_run.run_id and record.asset_observation
            ),
            None,
        )
    return versions


def build_waiting_schedule(
    sources: Mapping[dg.AssetKey, RawSource],
    thresholds: Mapping[dg.AssetKey, Mapping[str, dt.timedelta]],
) -> dg.ScheduleDefinition:
    """A dbt target's daily schedule: the day's run waits for the loader's day (module
    docstring)."""
    awaited = awaited_keys(sources, thresholds)
    deadline = deadline_hour()

    @dg.schedule(
        name="daily_refresh_schedule",
        job=daily_refresh,
        cron_schedule=f"*/15 {WAIT_FROM_HOUR}-{deadline} * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"From {WAIT_FROM_HOUR:02d}:00 UTC, starts the day's run once "
        f"{', '.join(_label(key) for key in awaited) or 'no table'} has new data since the "
        f"last daily run, or at {deadline:02d}:00 UTC whatever arrived.",
    )
    def daily_refresh_schedule(
        context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
    ) -> dg.RunRequest | dg.SkipReason:
        tick = context.scheduled_execution_time.astimezone(dt.UTC)
        as_of = tick.date()
        instance = context.instance
        if instance.get_run_records(
            filters=dg.RunsFilter(tags={DAILY_TAG: as_of.isoformat()}), limit=1
        ):
            return dg.SkipReason(f"The daily run of {as_of} was already launched.")
        previous = instance.get_run_records(
            filters=dg.RunsFilter(
                job_name=daily_refresh.name, statuses=[dg.DagsterRunStatus.SUCCESS]
            ),
            limit=1,
        )
        before = versions_observed_by(instance, previous[0], awaited) if previous else None
        now: dict[dg.AssetKey, str] = {}
        if awaited and before is not None:
            try:
                with connected(warehouse.location()) as con:
                    observed = observe_sources(
                        con, [sources[key] for key in awaited], reference_time(warehouse)
                    )
                now = {key: observation.data_version for key, observation in observed.items()}
            except Error as error:
                now = dict.fromkeys(awaited, "missing")
                context.log.warning(f"Cannot observe {warehouse.describe()}: {error}")
        start, waiting, why = daily_decision(tick, deadline, before, now)
        if not start:
            return dg.SkipReason(why)
        return dg.RunRequest(
            run_key=f"daily-{as_of.isoformat()}",
            run_config=run_config(as_of),
            tags={
                "healthscore/as_of_date": as_of.isoformat(),
                DAILY_TAG: as_of.isoformat(),
                "healthscore/started_because": why[:200],
                "healthscore/without_new_data": ",".join(_label(key) for key in waiting),
            },
        )

    return daily_refresh_schedule


@cache
def waiting_schedule() -> dg.ScheduleDefinition:
    """The configured target's daily schedule."""
    return build_waiting_schedule(target_sources(), FRESHNESS)


@dg.definitions
def automation() -> dg.Definitions:
    """The jobs and schedules, and the sensor: the landing folder's on the embedded DuckDB file,
    the raw tables' on a dbt target, where the daily run also waits for the loader's day. (A
    module with a Definitions gives only those.)"""
    on_target = settings_from_env().target != "duckdb"
    return dg.Definitions(
        jobs=[daily_refresh, score_history_backfill, quarterly_calibration],
        schedules=[
            waiting_schedule() if on_target else daily_refresh_schedule,
            quarterly_calibration_schedule,
        ],
        sensors=[tables_sensor() if on_target else files_sensor()],
    )
