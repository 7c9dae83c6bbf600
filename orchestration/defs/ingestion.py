"""The raw tables: where the daily job starts.

- On the embedded DuckDB file (the default), one asset per contract table loads the landing
  folder into the warehouse's raw schema. The tables are one multi-asset that can be subset: the
  sensor reloads only the tables whose files changed. A table missing from the landing folder is
  reported as missing, not fatal: its signals are then absent and their weight redistributed.
- On any other dbt target, the raw tables are the team's loader's (Fivetran, Airbyte, ...): every
  table the dbt models read is an observable source asset, observed in the warehouse itself: its
  row count, its newest record (the max of the timestamp column its dbt source declares as
  loaded_at_field, else the contract's record timestamp) and a data version made of the two,
  which changes when rows land. Which tables those are is read from the dbt manifest (the
  sources the enabled models depend on): the contract tables raw/<table>, or, where a source
  mapping (docs/mappings.md) provides a contract table, the connector tables its
  map_<connector>__<table> model reads, keyed <connector>/<table> (stripe/invoice); the contract
  tables a mapping replaces are not observed.

Either way, a freshness check on each table that has a freshness threshold in its dbt source
judges the newest record's age; on a target it reads the timestamp the last observation recorded
(under a mapping: the connector tables' loaded_at_field, Fivetran's _fivetran_synced or
Segment's received_at, against the thresholds their sources.yml gives).
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.project import dbt_manifest
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.steps import (
    DBT_STEP,
    LOAD_STEP,
    RAW_TABLES,
    is_contract_source,
    is_loader_rejects,
    load_tables,
    raw_key,
    source_key,
    step_follows,
)
from orchestration.runtime.contract import contract_tables
from orchestration.runtime.loader import REJECTS_TABLE
from orchestration.runtime.settings import settings_from_env
from orchestration.runtime.warehouse import Error, Warehouse, connected, engine_of

OBSERVE_STEP = "observe_raw_tables"
# The tag of the observable source assets on a target (the daily job selects them by it).
OBSERVED_TAG = "healthscore/observed"
REJECTS = dg.AssetKey(["raw", REJECTS_TABLE])
PERIODS = {
    "minute": dt.timedelta(minutes=1),
    "hour": dt.timedelta(hours=1),
    "day": dt.timedelta(days=1),
}
# ISO timestamp text whose time of day is valid (and whose date is, once its first ten
# characters parse as a date): what PostgreSQL, which has no try_cast, may cast without failing.
ISO_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


def quarantine_counts(con: Warehouse, tables: list[str]) -> dict[str, int]:
    """Rows of each raw table that break the contract, counted through the staging validation
    views of the last build (they read the raw tables live); empty before the first build."""
    counts: dict[str, int] = {}
    for table in tables:
        view = contract_tables()[table].validated_view
        if not con.table_exists("staging", view):
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
    return counts


# --- observing a raw table in the warehouse ------------------------------------------------------


@dataclass(frozen=True)
class RawSource:
    """A table the dbt models read (a dbt source), where it is and the column its freshness is
    read from. `feeds`: the contract tables it is read for (itself, for a contract table)."""

    table: str
    schema: str
    identifier: str
    timestamp_column: str | None
    key: dg.AssetKey | None = None
    feeds: tuple[str, ...] = ()

    @property
    def asset_key(self) -> dg.AssetKey:
        return self.key or raw_key(self.table)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.identifier}"

    @property
    def name(self) -> str:
        """How messages name it: the contract table, or connector/table."""
        return self.asset_key.to_user_string()


def _raw_source(source: dict[str, Any], feeds: tuple[str, ...]) -> RawSource:
    contract = is_contract_source(source)
    name = source["name"]
    return RawSource(
        table=name,
        schema=source.get("schema") or "raw",
        identifier=source.get("identifier") or name,
        timestamp_column=source.get("loaded_at_field")
        or (contract_tables()[name].record_timestamp if contract else None),
        key=source_key(source),
        feeds=feeds,
    )


@cache
def raw_sources() -> dict[str, RawSource]:
    """Each contract table's source as the dbt manifest declares it: schema (the var
    healthscore_raw_schema, default raw), identifier, and loaded_at_field (else the contract's
    record timestamp)."""
    sources: dict[str, RawSource] = {}
    for source in dbt_manifest()["sources"].values():
        if is_contract_source(source):
            sources[source["name"]] = _raw_source(source, (source["name"],))
    for name in RAW_TABLES:
        sources.setdefault(
            name,
            RawSource(name, "raw", name, contract_tables()[name].record_timestamp, feeds=(name,)),
        )
    return sources


# A source mapping's model: map_<connector>__<contract table> (docs/mappings.md).
MAPPING_MODEL = re.compile(r"^map_[a-z0-9_]+?__(?P<table>[a-z0-9_]+)$")


def observed_sources(manifest: dict[str, Any]) -> dict[dg.AssetKey, RawSource]:
    """The tables the dbt project reads on a target, as its manifest says: every source of this
    project that an enabled model depends on. Without a mapping, the ten contract tables; under
    one, the connector tables of the enabled map_<connector>__<table> models instead of the
    contract tables they provide (a contract table a mapping cannot provide is read from nowhere:
    not observed). Each connector table lists the contract tables it is read for."""
    feeds: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "model" or node.get("package_name") != "healthscore":
            continue
        if not node.get("config", {}).get("enabled", True):
            continue
        mapped = MAPPING_MODEL.match(node["name"])
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in manifest["sources"]:
                tables = feeds.setdefault(parent, set())
                if mapped and mapped["table"] in contract_tables():
                    tables.add(mapped["table"])
    observed: dict[dg.AssetKey, RawSource] = {}
    for unique_id in sorted(feeds):
        source = manifest["sources"][unique_id]
        if source.get("package_name") != "healthscore" or is_loader_rejects(source):
            continue  # the landing-folder loader's rejects: no loader of the team's writes it
        contract = is_contract_source(source)
        read_for = (source["name"],) if contract else tuple(sorted(feeds[unique_id]))
        raw = _raw_source(source, read_for)
        observed[raw.asset_key] = raw
    return dict(sorted(observed.items(), key=lambda item: item[0].to_user_string()))


@dataclass(frozen=True)
class RawObservation:
    """A raw table as the warehouse holds it now."""

    source: RawSource
    present: bool
    rows: int = 0
    # The newest record timestamp at or before the reference time (later ones are clock skew,
    # quarantined by staging, and make no table fresh).
    newest_record_at: dt.datetime | None = None

    @property
    def data_version(self) -> str:
        """Changes when rows land (or go, or are updated to a later time): the row count and
        the newest record timestamp."""
        if not self.present:
            return "missing"
        newest = self.newest_record_at.isoformat(sep=" ") if self.newest_record_at else "-"
        return f"{self.rows} rows, newest {newest}"

    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "status": "present" if self.present else "missing",
            # Dagster's standard table metadata (TableMetadataSet's keys): the UI shows them.
            "dagster/table_name": dg.MetadataValue.text(self.source.relation),
            "dagster/row_count": dg.MetadataValue.int(self.rows),
            "timestamp_column": self.source.timestamp_column or "-",
            "read_for": ", ".join(self.source.feeds) or "-",
            "newest_record_at": (
                self.newest_record_at.isoformat(sep=" ") if self.newest_record_at else "-"
            ),
        }
        if self.newest_record_at is not None:
            # Dagster's own freshness machinery reads this key on observations.
            metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(
                self.newest_record_at.replace(tzinfo=dt.UTC)
            )
        return metadata


def _has_try_timestamp(con: Warehouse) -> bool:
    """Whether dbt created healthscore_util.try_timestamp in this PostgreSQL database (its
    on-run-start hook, macros/utils/create_engine_helpers.sql: from the first build on)."""
    return bool(
        con.execute(
            "select count(*) from pg_catalog.pg_proc as p inner join pg_catalog.pg_namespace as n "
            "on p.pronamespace = n.oid "
            "where n.nspname = 'healthscore_util' and p.proname = 'try_timestamp'"
        ).fetchone()[0]
    )


def _newest_by_day(
    con: Warehouse, relation: str, text: str, reference: dt.datetime
) -> dt.datetime | None:
    """The newest timestamp at or before `reference` without a safe cast (PostgreSQL before
    dbt's helper exists): the days the ISO texts name, checked here, then the newest valid day's
    texts cast (their date and time of day are then valid)."""
    iso = f"regexp_matches({text}, '{ISO_TIMESTAMP}')"
    days = []
    for (day,) in con.execute(
        f"select distinct substr({text}, 1, 10) from {relation} where {iso}"
    ).fetchall():
        try:
            parsed = dt.date.fromisoformat(day)
        except ValueError:  # 2025-02-30: a quarantined row, not a date
            continue
        if parsed <= reference.date():
            days.append(day)
    for day in sorted(days, reverse=True):
        newest = con.execute(
            "select max(ts) from (select case when substr("
            f"{text}, 1, 10) = ? and {iso} then cast({text} as timestamp) end as ts "
            f"from {relation}) as dated where ts <= ?",
            [day, reference],
        ).fetchone()[0]
        if newest is not None:
            return newest
    return None


def _newest_record(con: Warehouse, source: RawSource, reference: dt.datetime) -> dt.datetime | None:
    """The newest record timestamp at or before `reference` (text that is no timestamp is
    skipped, whatever type the loader gave the column)."""
    text = f"nullif(trim(cast({source.timestamp_column} as varchar)), '')"
    if con.engine == "postgres":
        if not _has_try_timestamp(con):
            return _newest_by_day(con, source.relation, text, reference)
        ts = f"healthscore_util.try_timestamp({text})"
    else:
        ts = f"try_cast({text} as timestamp)"  # TRY_CAST / SAFE_CAST on the other engines
    return con.execute(
        f"select max(ts) from (select {ts} as ts from {source.relation}) as dated where ts <= ?",
        [reference],
    ).fetchone()[0]


def observe_sources(
    con: Warehouse, sources: list[RawSource], reference: dt.datetime
) -> dict[dg.AssetKey, RawObservation]:
    """Row count and newest record of each of `sources`, read in the warehouse; a table the
    warehouse does not hold is observed as missing, one without its timestamp column (a loader
    that never wrote it) as undated."""
    observations: dict[dg.AssetKey, RawObservation] = {}
    for source in sources:
        if not con.table_exists(source.schema, source.identifier):
            observations[source.asset_key] = RawObservation(source, present=False)
            continue
        rows = con.execute(f"select count(*) from {source.relation}").fetchone()[0]
        newest = None
        if source.timestamp_column:
            try:
                newest = _newest_record(con, source, reference)
            except Error:  # no such column
                con.after_error()
        observations[source.asset_key] = RawObservation(source, True, int(rows), _naive(newest))
    return observations


def observe_tables(
    con: Warehouse, tables: list[str], reference: dt.datetime
) -> dict[str, RawObservation]:
    """observe_sources of contract tables, by name."""
    observed = observe_sources(con, [raw_sources()[table] for table in tables], reference)
    return {key.path[-1]: observation for key, observation in observed.items()}


def _naive(value: Any) -> dt.datetime | None:
    """A timestamp from any driver as a naive UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def reference_time(warehouse: WarehouseResource) -> dt.datetime:
    """The moment ages are measured at: the end of the run's as-of day, or now if earlier.
    Timestamps after it are clock skew, quarantined by staging: they make no table fresh."""
    as_of_end = dt.datetime.combine(warehouse.default_as_of() + dt.timedelta(days=1), dt.time())
    return min(dt.datetime.now(dt.UTC).replace(tzinfo=None), as_of_end)


# --- the embedded DuckDB file: the landing folder ------------------------------------------------


class LoadConfig(dg.Config):
    """empty_warehouse: load into an empty warehouse file instead of a copy of the current one,
    so nothing of an earlier build remains (`healthscore demo`, whose company may have been
    generated again; use it with the dbt step's full_refresh, on a whole refresh)."""

    empty_warehouse: bool = False


@cache
def landing_folder_assets() -> dg.AssetsDefinition:
    """The load of the landing folder into the DuckDB file's raw schema."""

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
        with connected(copy) as con:
            quarantined = quarantine_counts(con, selected)
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
                    "counted once staging exists (after the first build): "
                    "see marts.quarantined_rows"
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

    return raw_tables


def freshness_thresholds(manifest: dict[str, Any]) -> dict[dg.AssetKey, dict[str, dt.timedelta]]:
    """warn_after / error_after per table the project reads (by asset key), from the dbt sources'
    freshness config."""
    thresholds: dict[dg.AssetKey, dict[str, dt.timedelta]] = {}
    for source in manifest["sources"].values():
        if source.get("package_name") != "healthscore":
            continue
        freshness = source.get("freshness") or {}
        limits = {
            level: freshness[level]["count"] * PERIODS[freshness[level]["period"]]
            for level in ("warn_after", "error_after")
            if (freshness.get(level) or {}).get("count")
        }
        if limits:
            thresholds[source_key(source)] = limits
    return thresholds


FRESHNESS = freshness_thresholds(dbt_manifest())
# The landing folder loads the contract tables: their checks, on the embedded DuckDB file.
LANDING_FRESHNESS = {
    key: limits
    for key, limits in FRESHNESS.items()
    if key.path[0] == "raw" and key.path[-1] in RAW_TABLES
}


def _label(key: dg.AssetKey) -> str:
    """A table as messages name it: a contract table by its name, a connector's table as
    connector/table."""
    return key.path[-1] if key.path[0] == "raw" else key.to_user_string()


def freshness_result(
    key: dg.AssetKey,
    latest: dt.datetime | None,
    reference: dt.datetime,
    what: str = "",
    thresholds: dict[dg.AssetKey, dict[str, dt.timedelta]] | None = None,
) -> dg.AssetCheckResult:
    """The verdict on the table `key`'s newest record (`latest`), measured at `reference`,
    against its dbt source's thresholds."""
    limits = (thresholds or FRESHNESS)[key]
    table = _label(key)
    if latest is None:
        return dg.AssetCheckResult(
            asset_key=key,
            check_name="freshness",
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=what or f"Cannot judge: {table} is missing or has no dated row.",
        )
    age = max(reference - latest, dt.timedelta(0))
    metadata = {
        "newest_record_at": dg.MetadataValue.text(latest.isoformat(sep=" ")),
        "measured_at": dg.MetadataValue.text(reference.isoformat(sep=" ")),
        "age_hours": dg.MetadataValue.float(round(age.total_seconds() / 3600, 1)),
        "warn_after_hours": dg.MetadataValue.float(limits["warn_after"].total_seconds() / 3600),
        "error_after_hours": dg.MetadataValue.float(limits["error_after"].total_seconds() / 3600),
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
    return dg.AssetCheckResult(
        asset_key=key,
        check_name="freshness",
        passed=passed,
        severity=severity,
        metadata=metadata,
        description=text,
    )


def _freshness_specs(
    thresholds: dict[dg.AssetKey, dict[str, dt.timedelta]],
) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name="freshness",
            asset=key,
            description=(
                f"The newest {_label(key)} record is at most {limits.get('error_after')} old "
                f"(warning after {limits.get('warn_after')})."
            ),
        )
        for key, limits in thresholds.items()
    ]


@cache
def landing_folder_freshness() -> dg.AssetChecksDefinition:
    """Freshness of the loaded tables, read in the DuckDB file (this run's copy)."""

    @dg.multi_asset_check(
        specs=_freshness_specs(LANDING_FRESHNESS), can_subset=True, name="raw_table_freshness"
    )
    def raw_table_freshness(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        reference = reference_time(warehouse)
        tables = [key.asset_key.path[-1] for key in context.selected_asset_check_keys]
        with connected(Path(warehouse.current_path())) as con:
            observed = observe_tables(con, tables, reference)
        for table in tables:
            yield freshness_result(raw_key(table), observed[table].newest_record_at, reference)

    return raw_table_freshness


# --- a dbt target: the loader's tables, observed -------------------------------------------------


@cache
def target_sources() -> dict[dg.AssetKey, RawSource]:
    """The tables the code location observes on a target (observed_sources of its manifest)."""
    return observed_sources(dbt_manifest())


def _source_description(source: RawSource) -> str:
    if source.asset_key == raw_key(source.table):
        return (
            f"Raw {source.table}, landed in {source.relation} by the team's loader and observed "
            "there: row count, newest record, data version."
        )
    return (
        f"{source.name}: a table of the {source.asset_key.path[0]} source mapping's connector, "
        f"landed in {source.relation} by the team's loader, read for "
        f"{', '.join(source.feeds) or 'the mapping'}; observed there: row count, newest record "
        f"({source.timestamp_column or 'no loaded_at_field'}), data version."
    )


def build_observed_source_assets(
    sources: dict[dg.AssetKey, RawSource], engine: str
) -> dg.AssetsDefinition:
    """The tables the dbt models read, as observable source assets of the target's warehouse."""

    @dg.multi_observable_source_asset(
        specs=[
            dg.AssetSpec(
                key=key,
                group_name="ingestion",
                description=_source_description(source),
                kinds={engine},
                tags={OBSERVED_TAG: ""},
            )
            for key, source in sources.items()
        ],
        can_subset=True,
        name=OBSERVE_STEP,
    )
    def observe_raw_tables(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.ObserveResult]:
        selected = [sources[key] for key in sources if key in context.selected_asset_keys]
        contract = [source.table for source in selected if source.key == raw_key(source.table)]
        try:
            with connected(warehouse.location()) as con:
                observed = observe_sources(con, selected, reference_time(warehouse))
                quarantined = quarantine_counts(
                    con, [table for table in contract if observed[raw_key(table)].present]
                )
        except Error as error:
            raise dg.Failure(
                description=f"Cannot observe the raw tables in {warehouse.describe()}: {error}"
            ) from error
        for key, observation in observed.items():
            metadata = observation.metadata()
            if key.path[0] == "raw" and key.path[-1] in quarantined:
                metadata["quarantined_rows"] = dg.MetadataValue.int(quarantined[key.path[-1]])
            if not observation.present:
                source = observation.source
                if key != raw_key(source.table):
                    context.log.warning(
                        f"No {source.relation} in {warehouse.describe()}: the {key.path[0]} "
                        f"mapping reads it for {', '.join(source.feeds)} (what it could not "
                        "provide is in marts.source_table_status)."
                    )
                elif contract_tables()[source.table].optional:
                    context.log.info(
                        f"No {source.relation} in {warehouse.describe()}: no manual overrides."
                    )
                else:
                    context.log.warning(
                        f"No {source.relation} in {warehouse.describe()}: its signals are absent."
                    )
            yield dg.ObserveResult(
                asset_key=key,
                metadata=metadata,
                data_version=dg.DataVersion(observation.data_version),
            )

    return observe_raw_tables


@cache
def observed_source_assets() -> dg.AssetsDefinition:
    """The tables the project reads on the configured target, as observable source assets."""
    return build_observed_source_assets(target_sources(), engine_of(settings_from_env().location))


def latest_observation(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict[str, Any] | None:
    """The metadata values of `key`'s latest observation (None when it was never observed)."""
    records = instance.fetch_observations(dg.AssetRecordsFilter(asset_key=key), limit=1).records
    if not records or records[0].asset_observation is None:
        return None
    return {name: value.value for name, value in records[0].asset_observation.metadata.items()}


def build_observed_freshness(
    sources: dict[dg.AssetKey, RawSource],
    thresholds: dict[dg.AssetKey, dict[str, dt.timedelta]],
) -> dg.AssetChecksDefinition:
    """Freshness of the observed tables that have thresholds, from the newest record their last
    observation found."""
    judged = {key: limits for key, limits in thresholds.items() if key in sources}

    @dg.multi_asset_check(
        specs=_freshness_specs(judged), can_subset=True, name="raw_table_freshness"
    )
    def raw_table_freshness(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        reference = reference_time(warehouse)
        for check_key in context.selected_asset_check_keys:
            key = check_key.asset_key
            observed = latest_observation(context.instance, key)
            if observed is None:
                yield freshness_result(
                    key,
                    None,
                    reference,
                    f"Cannot judge: {_label(key)} was never observed.",
                    judged,
                )
                continue
            newest = observed.get("newest_record_at")
            latest = None if newest in (None, "-") else dt.datetime.fromisoformat(str(newest))
            yield freshness_result(key, latest, reference, thresholds=judged)

    return raw_table_freshness


@cache
def observed_freshness() -> dg.AssetChecksDefinition:
    """Freshness of the tables the code location observes on the configured target."""
    return build_observed_freshness(target_sources(), FRESHNESS)


@dg.definitions
def ingestion() -> dg.Definitions:
    """The landing-folder load on the embedded DuckDB file; the observed sources on a target."""
    if settings_from_env().target == "duckdb":
        return dg.Definitions(
            assets=[landing_folder_assets()], asset_checks=[landing_folder_freshness()]
        )
    return dg.Definitions(
        assets=[
            observed_source_assets(),
            dg.AssetSpec(
                key=REJECTS,
                group_name="ingestion",
                description="CSV lines the landing-folder loader could not parse: written only "
                "by that loader (the embedded DuckDB file). On a dbt target the raw tables are "
                "the team's loader's, and this table is absent.",
            ),
        ],
        asset_checks=[observed_freshness()],
    )
