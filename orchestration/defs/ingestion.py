"""One asset per contract table, loading the landing folder into the warehouse's raw schema,
and a freshness check on each table that has a freshness threshold in its dbt source.

The tables are one multi-asset that can be subset: the sensor reloads only the tables whose
files changed. A table missing from the landing folder is reported as missing, not fatal: its
signals are then absent and their weight redistributed.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import duckdb

from orchestration.defs.project import dbt_manifest
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import (
    DBT_STEP,
    LOAD_STEP,
    RAW_TABLES,
    load_tables,
    raw_key,
    step_follows,
)
from orchestration.runtime.contract import contract_tables
from orchestration.runtime.loader import REJECTS_TABLE

REJECTS = dg.AssetKey(["raw", REJECTS_TABLE])
PERIODS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
}


def quarantine_counts(database: str, tables: list[str]) -> dict[str, int]:
    """Rows of each raw table that break the contract, counted through the staging validation
    views of the last build (they read the raw tables live); empty before the first build."""
    counts: dict[str, int] = {}
    con = duckdb.connect(database, read_only=True)
    try:
        views = {
            row[0]
            for row in con.execute(
                "select view_name from duckdb_views() where schema_name = 'staging'"
            ).fetchall()
        }
        for table in tables:
            view = contract_tables()[table].validated_view
            if view not in views:
                continue
            invalid = con.execute(
                f"select count(*) from staging.{view} where quarantine_reason is not null"
            ).fetchone()[0]
            if table == "product_events":  # duplicates are ranked outside the view
                invalid += con.execute(
                    f"select count(*) - count(distinct event_id) from staging.{view} "
                    "where quarantine_reason is null"
                ).fetchone()[0]
            counts[table] = int(invalid)
    finally:
        con.close()
    return counts


class LoadConfig(dg.Config):
    """empty_warehouse: load into an empty warehouse file instead of a copy of the current one,
    so nothing of an earlier build remains (`healthscore demo`, whose company may have been
    generated again; use it with the dbt step's full_refresh, on a whole refresh)."""

    empty_warehouse: bool = False


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=raw_key(table),
            group_name="ingestion",
            description=f"Raw {table} loaded as text from the landing folder "
            f"({table}.csv, .parquet or {table}/).",
            kinds={"duckdb"},
        )
        for table in RAW_TABLES
    ]
    + [
        dg.AssetSpec(
            key=REJECTS,
            group_name="ingestion",
            description="CSV lines the loader could not parse, with the parser's reason.",
            kinds={"duckdb"},
        )
    ],
    can_subset=True,
    name=LOAD_STEP,
)
def raw_tables(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, config: LoadConfig
) -> Iterator[dg.MaterializeResult]:
    selected = [key.path[-1] for key in context.selected_asset_keys if key != REJECTS]
    # Loaded into this run's build copy, under the writer lock: the dbt step builds on the
    # same copy and publishes it; a run without the dbt step publishes here.
    copy = warehouse.open_copy(context.log, empty=config.empty_warehouse)
    report = load_tables(context, warehouse, copy, selected)
    quarantined = quarantine_counts(str(copy), selected)
    # The dbt step publishes the copy when this run has one (a whole job, or a subset with dbt
    # models); otherwise the load is published here.
    dbt_follows = step_follows(context, DBT_STEP)
    if not dbt_follows:
        warehouse.publish_copy(context.log)
    for table in selected:
        load = report.tables[table]
        metadata: dict[str, object] = {
            "status": load.status,
            "rows": dg.MetadataValue.int(load.rows),
            "malformed_lines_rejected": dg.MetadataValue.int(load.rejected_lines),
            "newest_record_at": dg.MetadataValue.text(load.newest_record_at or "-"),
            "files": dg.MetadataValue.text(", ".join(load.files) or "-"),
            "published": dg.MetadataValue.text(
                "with this run's dbt build, when it passes (a failed build publishes nothing; "
                "re-executed, the run loads again)"
                if dbt_follows
                else "yes"
            ),
        }
        if table in quarantined:
            metadata["quarantined_rows"] = dg.MetadataValue.int(quarantined[table])
        else:
            metadata["quarantined_rows_note"] = dg.MetadataValue.text(
                "counted once staging exists (after the first build): see marts.quarantined_rows"
            )
        if load.status == "missing" and contract_tables()[table].optional:
            context.log.info(f"No {table} in {warehouse.landing_dir}: no manual overrides.")
        elif load.status == "missing":
            context.log.warning(
                f"{table} is missing from {warehouse.landing_dir}: its signals are absent."
            )
        if load.missing_optional_columns:
            metadata["missing_optional_columns"] = dg.MetadataValue.text(
                ", ".join(load.missing_optional_columns)
            )
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata=metadata)
    if REJECTS in context.selected_asset_keys:
        yield dg.MaterializeResult(
            asset_key=REJECTS,
            metadata={"malformed_lines_rejected": dg.MetadataValue.int(report.rejected_lines)},
        )


def freshness_thresholds() -> dict[str, dict[str, dt.timedelta]]:
    """warn_after / error_after per raw table, from the dbt sources' freshness config."""
    manifest = dbt_manifest()
    thresholds: dict[str, dict[str, dt.timedelta]] = {}
    for source in manifest["sources"].values():
        freshness = source.get("freshness") or {}
        limits = {
            level: freshness[level]["count"] * PERIODS[freshness[level]["period"]]
            for level in ("warn_after", "error_after")
            if (freshness.get(level) or {}).get("count")
        }
        if limits and source["name"] in RAW_TABLES:
            thresholds[source["name"]] = limits
    return thresholds


FRESHNESS = freshness_thresholds()


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name="freshness",
            asset=raw_key(table),
            description=(
                f"The newest {table} record is at most {limits.get('error_after')} old "
                f"(warning after {limits.get('warn_after')})."
            ),
        )
        for table, limits in FRESHNESS.items()
    ],
    can_subset=True,
    name="raw_table_freshness",
)
def raw_table_freshness(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    # Age is measured at the end of the run's as-of day (or now, if earlier); timestamps after
    # that moment are clock skew, quarantined by staging, and do not make a table look fresh.
    as_of_end = dt.datetime.combine(warehouse.default_as_of() + dt.timedelta(days=1), dt.time())
    reference = min(dt.datetime.now(dt.UTC).replace(tzinfo=None), as_of_end)
    con = duckdb.connect(warehouse.current_path(), read_only=True)
    try:
        present = {
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        }
        newest: dict[str, dt.datetime | None] = {}
        for check_key in context.selected_asset_check_keys:
            table = check_key.asset_key.path[-1]
            column = contract_tables()[table].record_timestamp
            if table in present and column:
                newest[table] = con.execute(
                    "select max(ts) from (select "
                    f"try_cast(nullif(trim({column}), '') as timestamp) as ts "
                    f"from raw.{table}) where ts <= ?",
                    [reference],
                ).fetchone()[0]
    finally:
        con.close()
    for check_key in context.selected_asset_check_keys:
        table = check_key.asset_key.path[-1]
        limits = FRESHNESS[table]
        latest = newest.get(table)
        if latest is None:
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name="freshness",
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"Cannot judge: {table} is missing or has no dated row.",
            )
            continue
        age = reference - latest
        metadata = {
            "newest_record_at": dg.MetadataValue.text(latest.isoformat(sep=" ")),
            "measured_at": dg.MetadataValue.text(reference.isoformat(sep=" ")),
            "age_hours": dg.MetadataValue.float(round(age.total_seconds() / 3600, 1)),
            "warn_after_hours": dg.MetadataValue.float(limits["warn_after"].total_seconds() / 3600),
            "error_after_hours": dg.MetadataValue.float(
                limits["error_after"].total_seconds() / 3600
            ),
        }
        if age > limits["error_after"]:
            severity, passed, text = (
                dg.AssetCheckSeverity.ERROR,
                False,
                f"Stale: the newest record is {age} old.",
            )
        elif age > limits["warn_after"]:
            severity, passed, text = (
                dg.AssetCheckSeverity.WARN,
                False,
                f"Getting stale: the newest record is {age} old.",
            )
        else:
            severity, passed, text = (
                dg.AssetCheckSeverity.WARN,
                True,
                f"Fresh: the newest record is {age} old.",
            )
        yield dg.AssetCheckResult(
            asset_key=check_key.asset_key,
            check_name="freshness",
            passed=passed,
            severity=severity,
            metadata=metadata,
            description=text,
        )
