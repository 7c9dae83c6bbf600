"""generate_company: the public entry point that simulates, dirties and writes a company."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from .accounts import build_roster, id_width
from .archetypes import ARCHETYPE_NAMES, DEFAULT_ARCHETYPE, get_archetype
from .config import MECHANISM, SEGMENT_NAMES
from .dirt import DirtLog, IdScheme, duplicate_rows, inject_rows
from .schema import TABLES
from .simulate import SimulationContext, simulate_account
from .surveys import nps_wave_days
from .tables import ID_PREFIXES, Assembler
from .timeline import Window, day_logit_offsets, day_volume_multipliers, utc_today
from .writer import FILE_FORMATS, TableSink, table_format, write_csv

TRUTH_DIR = "_truth"
_CHUNK_ACCOUNTS = 100
_SMALL_TABLES = tuple(table for table in TABLES if table != "product_events")


@dataclass
class GenerationReport:
    """What generate_company wrote."""

    out_dir: Path
    accounts: int
    months: int
    seed: int
    window_start: date
    end_date: date
    file_format: str
    dirty: bool
    row_counts: dict[str, int] = field(default_factory=dict)
    dirty_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    renewals: int = 0
    churns: int = 0
    renewals_by_segment: dict[str, int] = field(default_factory=dict)
    churns_by_segment: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    truth_paths: dict[str, Path] = field(default_factory=dict)
    archetype: str = DEFAULT_ARCHETYPE

    @property
    def dirty_by_kind(self) -> dict[str, int]:
        """Injected dirty rows per kind, over all tables."""
        totals: dict[str, int] = {}
        for per_table in self.dirty_rows.values():
            for kind, rows in per_table.items():
                totals[kind] = totals.get(kind, 0) + rows
        return totals

    @property
    def dirty_total(self) -> int:
        """All injected dirty rows."""
        return sum(self.dirty_by_kind.values())


def generate_company(
    out_dir: Path,
    *,
    accounts: int = 2000,
    months: int = 24,
    seed: int = 42,
    end_date: date | None = None,
    file_format: str = "mixed",
    dirty: bool = True,
    event_density: float = 1.0,
    progress: Callable[[str], None] | None = None,
    archetype: str = DEFAULT_ARCHETYPE,
) -> GenerationReport:
    """Write a deterministic company (its contract tables and its hidden truth).

    The files are a pure function of the arguments: the same arguments give byte-identical
    files. `end_date` defaults to today's UTC date. `event_density` multiplies the feature
    events per active user-day (more product events for the same company and outcomes; the
    benchmark uses it to reach a size). `archetype` picks the kind of company (one of
    ARCHETYPE_NAMES, docs/archetypes.md): `enterprise_b2b` is the demo company of
    docs/demo_company.md with all ten tables; the others write fewer tables (the rest are
    absent, and removed from `out_dir` if an earlier run left them) and add
    `_truth/archetype.json`.
    """
    _validate(accounts, months, seed, file_format)
    if archetype not in ARCHETYPE_NAMES:
        raise ValueError(
            f"archetype must be one of {', '.join(ARCHETYPE_NAMES)}, got {archetype!r}."
        )
    out_dir = Path(out_dir)
    try:
        (out_dir / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"Cannot create the output folder {out_dir}: {error.strerror}.") from error
    _remove_stale_tables(out_dir, file_format)
    say = progress or (lambda _line: None)
    window = Window.ending(end_date or utc_today(), months)
    if not 0 < event_density <= 20:
        raise ValueError(f"event_density must be above 0 and at most 20, got {event_density!r}.")
    if archetype != DEFAULT_ARCHETYPE:
        from .archetype_sim import generate_archetype

        report = GenerationReport(
            out_dir=out_dir,
            accounts=accounts,
            months=months,
            seed=seed,
            window_start=window.start,
            end_date=window.end,
            file_format=file_format,
            dirty=dirty,
            archetype=archetype,
        )
        generate_archetype(
            get_archetype(archetype),
            out_dir,
            window,
            report,
            accounts=accounts,
            seed=seed,
            file_format=file_format,
            dirty=dirty,
            event_density=event_density,
            say=say,
        )
        return report
    mechanism = (
        MECHANISM
        if event_density == 1.0
        else replace(
            MECHANISM,
            feature_events_per_active_day=MECHANISM.feature_events_per_active_day * event_density,
        )
    )

    root = np.random.SeedSequence(seed)
    roster_seed, accounts_seed, dirt_seed = root.spawn(3)
    roster = build_roster(accounts, window, np.random.default_rng(roster_seed), mechanism)
    account_seeds = accounts_seed.spawn(accounts)
    dirt_rng = np.random.default_rng(dirt_seed)
    dirt_log = DirtLog()
    context = SimulationContext(
        window=window,
        mechanism=mechanism,
        day_offsets=day_logit_offsets(window, mechanism),
        day_volume=day_volume_multipliers(window, mechanism),
        nps_waves=nps_wave_days(window),
    )
    report = GenerationReport(
        out_dir=out_dir,
        accounts=accounts,
        months=months,
        seed=seed,
        window_start=window.start,
        end_date=window.end,
        file_format=file_format,
        dirty=dirty,
    )
    say(f"simulating {accounts} accounts over {window.start} .. {window.end}")

    assembler = Assembler(roster, window)
    events = TableSink(out_dir, "product_events", file_format)
    next_event = 1
    last_events: pa.Table | None = None
    for chunk_start in range(0, accounts, _CHUNK_ACCOUNTS):
        chunk_stop = min(accounts, chunk_start + _CHUNK_ACCOUNTS)
        pieces = [
            assembler.add(index, simulate_account(index, roster, account_seeds[index], context))
            for index in range(chunk_start, chunk_stop)
        ]
        batch = assembler.events_table(pieces, next_event)
        next_event += batch.num_rows
        if batch.num_rows:
            last_events = batch
        if dirty:
            batch = duplicate_rows("product_events", batch, dirt_rng, dirt_log)
        events.write(batch)
        say(
            f"generating accounts and product events: {chunk_stop}/{accounts} accounts, "
            f"{events.rows:,} events"
        )
    unknown_accounts = _unknown_account_ids(accounts)
    close_events(
        events, last_events, next_event, unknown_accounts, window, report, dirty, dirt_rng, dirt_log
    )

    for table in _SMALL_TABLES:
        say(f"writing {table}")
        data: pa.Table = getattr(assembler, table)()
        as_csv = table_format(table, file_format) == "csv"
        if dirty:
            prefix, minimum = ID_PREFIXES[table]
            ids = IdScheme(prefix, id_width(data.num_rows, minimum), data.num_rows + 1)
            data = inject_rows(
                table, data, as_csv, ids, unknown_accounts, window, dirt_rng, dirt_log
            )
        sink = TableSink(out_dir, table, file_format)
        sink.write(data)
        sink.close()
        report.paths[table] = sink.path
        report.row_counts[table] = sink.rows

    _write_truth(assembler, out_dir, report)
    report.dirty_rows = {table: dict(kinds) for table, kinds in dirt_log.counts.items()}
    say(
        f"done: {report.row_counts['product_events']:,} events, {report.renewals:,} renewals "
        f"decided, {report.churns:,} churned, {report.dirty_total} dirty rows"
    )
    return report


def _validate(accounts: int, months: int, seed: int, file_format: str) -> None:
    if not isinstance(accounts, int) or accounts < 1:
        raise ValueError(f"accounts must be a positive integer, got {accounts!r}.")
    if not isinstance(months, int) or not 1 <= months <= 120:
        raise ValueError(f"months must be an integer from 1 to 120, got {months!r}.")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    if file_format not in FILE_FORMATS:
        raise ValueError(
            f"file_format must be one of {', '.join(FILE_FORMATS)}, got {file_format!r}."
        )


def _remove_stale_tables(out_dir: Path, file_format: str) -> None:
    """Delete a table's file in the other format left by an earlier run, so that a landing
    folder never holds two versions of one table."""
    for table in TABLES:
        other = "csv" if table_format(table, file_format) == "parquet" else "parquet"
        (out_dir / f"{table}.{other}").unlink(missing_ok=True)


def _unknown_account_ids(accounts: int) -> list[str]:
    """Account ids that look real but are not in crm_accounts (deleted, or from a sandbox)."""
    prefix, minimum = ID_PREFIXES["crm_accounts"]
    width = id_width(accounts, minimum)
    return [f"{prefix}{accounts + number:0{width}d}" for number in range(1, 8)]


def _write_truth(assembler: Assembler, out_dir: Path, report: GenerationReport) -> None:
    truth_dir = out_dir / TRUTH_DIR
    renewals = assembler.renewal_truth()
    accounts = assembler.account_truth()
    for name, table in (("renewal_truth", renewals), ("account_truth", accounts)):
        path = truth_dir / f"{name}.csv"
        write_csv(table, path)
        report.truth_paths[name] = path
    segments = renewals.column("segment").to_pylist()
    churned = renewals.column("churned").to_pylist()
    report.renewals = len(churned)
    report.churns = int(sum(churned))
    for segment in SEGMENT_NAMES:
        report.renewals_by_segment[segment] = sum(1 for s in segments if s == segment)
        report.churns_by_segment[segment] = sum(
            c for s, c in zip(segments, churned, strict=True) if s == segment
        )


def close_events(
    events: TableSink,
    last_events: pa.Table | None,
    next_event: int,
    unknown_accounts: list[str],
    window: Window,
    report: GenerationReport,
    dirty: bool,
    dirt_rng: np.random.Generator,
    dirt_log: DirtLog,
) -> None:
    """Finish the product_events file: in a dirty company, append the injected bad rows (cut
    from the shape of the last batch), then record the file and its row count."""
    if dirty and last_events is not None:
        prefix, width = ID_PREFIXES["product_events"]
        extra = inject_rows(
            "product_events",
            last_events,
            events.format == "csv",
            IdScheme(prefix, width, next_event),
            unknown_accounts,
            window,
            dirt_rng,
            dirt_log,
        )
        events.write(extra.slice(last_events.num_rows))
    events.close()
    report.paths["product_events"] = events.path
    report.row_counts["product_events"] = events.rows
