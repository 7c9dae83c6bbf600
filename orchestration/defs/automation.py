"""Jobs, schedules and the sensor.

- daily_refresh (05:00 UTC): everything from ingestion to the score, validation and alerts,
  scored as of the run's date. The weight calibration is left out (see below).
- relationship_files_sensor: every minute, looks at the landing folder's crm_activities,
  survey_responses and support_tickets files; when one appears or changes, it reloads just
  those tables and refreshes what depends on them, so a sponsor's bad meeting logged on
  Thursday moves the score on Thursday.
- quarterly_calibration (06:00 UTC on the first day of each quarter): proposes weights from
  past renewals; it never adopts them.
- score_history_backfill (on demand): recomputes the score history for any past range, with
  rebuild_from / rebuild_to in the dbt models' run config; idempotent.
"""

import datetime as dt
import hashlib
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import DBT_STEP, raw_key
from orchestration.runtime.landing_watch import (
    changed_tables,
    decode_cursor,
    encode_cursor,
    table_fingerprints,
)

CALIBRATION = dg.AssetKey(["weight_calibration"])
NOTIFIER = dg.AssetKey(["alert_notifications"])
WATCHED_TABLES = ("crm_activities", "survey_responses", "support_tickets")

refresh_selection = dg.AssetSelection.all() - dg.AssetSelection.assets(CALIBRATION)

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=refresh_selection,
    description="Load the landing folder and rebuild everything, as of the run's date.",
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


@dg.sensor(
    target=refresh_selection,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the score within minutes of new CRM activity, survey or ticket files.",
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
    graph = context.repository_def.asset_graph
    selection = dg.AssetSelection.assets(
        *[raw_key(table) for table in changed]
    ).downstream() - dg.AssetSelection.assets(CALIBRATION)
    keys = sorted(selection.resolve(graph), key=lambda key: key.to_user_string())
    context.update_cursor(encode_cursor(current))
    as_of = warehouse.default_as_of()
    fingerprint = hashlib.sha256(encode_cursor(current).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=f"files-{fingerprint}",
        asset_selection=keys,
        run_config=run_config(as_of, with_notifier=NOTIFIER in keys),
        tags={
            "healthscore/changed_tables": ",".join(changed),
            "healthscore/as_of_date": as_of.isoformat(),
        },
    )
