"""Load a landing folder of contract files into the warehouse's raw schema (embedded DuckDB).

A landing folder holds, per contract table, `<table>.csv`, `<table>.csv.gz`, `<table>.parquet`
or a folder `<table>/` of such files, or both (new files dropped into `<table>/` next to an
initial `<table>.csv` are loaded with it); one format per table. Every contract column is
loaded as text: staging types and validates it, so that a wrong type becomes a quarantined row
with its reason instead of a failed load. CSV lines that cannot be parsed at all (wrong number
of fields, broken quoting) are kept in `raw.healthscore_load_rejects` with DuckDB's reason,
and counted. A line that is not UTF-8 is rejected the same way wherever it is in the file; a
file that cannot be read at all (a header that is not UTF-8 text, a UTF-16 export, no line
readable, a line longer than DuckDB's limit) is refused with one sentence naming the file, the
table and what to do.

Files are append-only: when every file a table was loaded from is still there unchanged (same
size and modification time) and only new files were added (a new day's `product_events/`
file, say), just the new files are appended; anything else (a file changed or removed, a new
column) reloads the table from all its files. Either way the raw table equals its files.

The load is one transaction: either every table is loaded, or nothing changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

import duckdb

from orchestration.runtime.contract import ContractTable, contract_tables

if TYPE_CHECKING:
    from orchestration.runtime.warehouse import Target

REJECTS_TABLE = "healthscore_load_rejects"
MANIFEST_TABLE = "healthscore_load_manifest"
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)
# DuckDB's read_csv refuses a line longer than this (its max_line_size default).
MAX_LINE_BYTES = 2_000_000
NOT_UTF8 = "INVALID ENCODING"
RE_EXPORT = "re-export it as UTF-8 (in Excel: Save As, CSV UTF-8)"


class LandingError(Exception):
    """A problem with the landing folder that the user must fix; the message says how."""


@dataclass
class TableLoad:
    table: str
    status: str  # loaded | empty | missing | kept (not part of a partial load)
    files: list[str] = field(default_factory=list)
    rows: int = 0
    rejected_lines: int = 0
    rejected_not_utf8: int = 0  # lines this load rejected for bytes that are not UTF-8
    missing_optional_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    newest_record_at: str | None = None
    appended_files: int | None = None  # set when only new files were appended
    fingerprints: list[str] = field(default_factory=list)  # of `files`, taken before reading


@dataclass
class PreviousLoad:
    """What the manifest says the last load of a table read."""

    fingerprints: list[str]
    rows: int
    rejected_lines: int
    newest_record_at: str | None


@dataclass
class LoadReport:
    database: Path
    landing: Path
    tables: dict[str, TableLoad]
    ignored_files: list[str]

    @property
    def missing_tables(self) -> list[str]:
        """The signal tables without a file (their signals are reported absent); an optional
        table without one (no manual overrides) is not missing data."""
        optional = {name for name, table in contract_tables().items() if table.optional}
        return [
            name
            for name, load in self.tables.items()
            if load.status == "missing" and name not in optional
        ]

    @property
    def rejected_lines(self) -> int:
        return sum(load.rejected_lines for load in self.tables.values())


def find_table_files(landing: Path, table: str) -> list[Path]:
    """The files that hold one table in the landing folder; [] when the table is absent."""
    candidates: list[Path] = []
    for suffix in CSV_SUFFIXES + PARQUET_SUFFIXES:
        path = landing / f"{table}{suffix}"
        if path.is_file():
            candidates.append(path)
    folder = landing / table
    if folder.is_dir():
        in_folder = sorted(
            path
            for path in folder.iterdir()
            if path.is_file() and path.name.endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)
        )
        if not in_folder:
            raise LandingError(
                f"{folder} is a folder for table {table} but holds no .csv or .parquet file; "
                "add the files or remove the folder."
            )
        candidates.extend(in_folder)
    kinds = {_file_kind(path) for path in candidates}
    if len(kinds) > 1:
        names = ", ".join(path.name for path in candidates)
        raise LandingError(
            f"Table {table} is given both as CSV and as Parquet ({names}); "
            "keep one format per table."
        )
    top_level = [path for path in candidates if path.parent == landing]
    if len(top_level) > 1:
        names = ", ".join(path.name for path in top_level)
        raise LandingError(
            f"Table {table} is given more than once ({names}); keep one {table} file "
            f"(more files can go into the folder {table}/)."
        )
    return candidates


def _fingerprint(path: Path) -> str:
    """A file's identity for append detection: path, size and modification time."""
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _file_kind(path: Path) -> str:
    return "parquet" if path.name.endswith(PARQUET_SUFFIXES) else "csv"


def _sql_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(path).replace("'", "''") + "'" for path in paths) + "]"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _reader_sql(files: list[Path], rejects: str | None = None) -> str:
    """A DuckDB table function reading `files`; CSV lines that fail go to `rejects`_errors."""
    if _file_kind(files[0]) == "parquet":
        return f"read_parquet({_sql_list(files)}, union_by_name = true)"
    # One CSV file at a time: DuckDB keeps rejected lines only without union_by_name.
    keep = (
        f", store_rejects = true, rejects_table = '{rejects}_errors', "
        f"rejects_scan = '{rejects}_scans'"
        if rejects
        else ""
    )
    return (
        f"read_csv({_sql_list(files)}, header = true, all_varchar = true, "
        f"ignore_errors = true, auto_detect = true{keep})"
    )


def _describe(con: duckdb.DuckDBPyConnection, table: str, files: list[Path]) -> list[str]:
    try:
        rows = con.execute(f"describe select * from {_reader_sql(files)}").fetchall()
    except duckdb.Error as error:
        raise _read_error(error, table, files) from error
    return [str(row[0]) for row in rows]


def _read_error(error: duckdb.Error, table: str, files: list[Path]) -> LandingError:
    """The LandingError for a file DuckDB could not read: what is wrong and what to do."""
    message = str(error).strip()
    names = ", ".join(path.name for path in files)
    if "Maximum line size" in message and len(files) == 1:
        return LandingError(_long_line_message(table, files[0]))
    if "Error when sniffing file" in message:
        return LandingError(
            f"Could not read {names} for table {table}: DuckDB found no CSV layout in it "
            "(delimiter, quoting); check that it is a CSV file (or gzip of one) with a header "
            f"line, and if it is, {RE_EXPORT}."
        )
    first_line = message.splitlines()[0]
    return LandingError(f"Could not read {names} for table {table}: {first_line}")


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def _long_line_message(table: str, path: Path) -> str:
    """Find the first CSV record over MAX_LINE_BYTES (DuckDB names none: "Line: 1") and say
    which line it starts on. Read only when DuckDB refused the file, so speed does not matter."""
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    line, size = None, 0
    try:
        with _open_binary(path) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
            reader = csv.reader(text)
            start = 1
            try:
                for record in reader:
                    length = sum(len(field) for field in record) + len(record)
                    if length * 4 >= MAX_LINE_BYTES:
                        length = sum(
                            len(field.encode("utf-8", "surrogateescape")) for field in record
                        ) + len(record)
                    if length > MAX_LINE_BYTES:
                        line, size = start, length
                        break
                    start = reader.line_num + 1
            except csv.Error:  # a quote never closed runs to the end of the file
                line, size = start, path.stat().st_size
    finally:
        csv.field_size_limit(previous_limit)
    where = f"line {line} is about {size:,} bytes long" if line else "a line is too long"
    return (
        f"Table {table} ({path.name}): {where}, over the {MAX_LINE_BYTES:,}-byte limit for one "
        "CSV line (usually a quote that is never closed, which runs on into the next lines); "
        "fix or remove that line and run again."
    )


def _check_csv_header(table: str, path: Path) -> None:
    """Read the header line as UTF-8 text (refusing a file whose header is not: DuckDB would
    take a later line as the header) and refuse a repeated header name, which DuckDB silently
    renames. Only the header is decoded here: a bad byte further down is DuckDB's to reject."""
    with _open_binary(path) as handle:
        first = handle.readline(MAX_LINE_BYTES)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first:
        raise LandingError(
            f"Table {table} ({path.name}) is not UTF-8 text (it looks UTF-16 encoded); {RE_EXPORT}."
        )
    try:
        header_line = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LandingError(
            f"Table {table} ({path.name}) has a header line that is not UTF-8 text (byte "
            f"{first[error.start]:#04x} at position {error.start + 1}); {RE_EXPORT}."
        ) from error
    header = next(csv.reader([header_line]), [])
    seen: set[str] = set()
    for name in header:
        normalised = name.strip().lower()
        if normalised in seen:
            raise LandingError(
                f"Table {table} ({path.name}) has the column {normalised!r} twice in its header; "
                "remove one of them."
            )
        seen.add(normalised)


def _columns_by_name(
    con: duckdb.DuckDBPyConnection, contract: ContractTable, files: list[Path]
) -> dict[str, str]:
    """Contract column name -> the file's own spelling, after checking the header."""
    if _file_kind(files[0]) == "csv":
        _check_csv_header(contract.name, files[0])
    file_columns = _describe(con, contract.name, files)
    by_normalised: dict[str, str] = {}
    for name in file_columns:
        normalised = name.strip().lower()
        if normalised in by_normalised:
            raise LandingError(
                f"Table {contract.name} ({', '.join(path.name for path in files)}) has the column "
                f"{normalised!r} twice in its header; remove one of them."
            )
        by_normalised[normalised] = name
    missing_required = [name for name in contract.required_columns if name not in by_normalised]
    if missing_required:
        raise LandingError(
            f"Table {contract.name} ({', '.join(path.name for path in files)}) lacks the "
            f"column(s) {', '.join(missing_required)}, which the raw data contract requires; "
            f"its header has: {', '.join(file_columns)}."
        )
    return by_normalised


def _batches(files: list[Path]) -> list[list[Path]]:
    """What one reader call reads: all Parquet files at once, CSV files one by one."""
    readable = [path for path in files if path.stat().st_size > 0]
    if readable and _file_kind(readable[0]) == "parquet":
        return [readable]
    return [[path] for path in readable]


def _insert_batches(
    con: duckdb.DuckDBPyConnection,
    contract: ContractTable,
    target: str,
    raw_schema: str,
    batches: list[list[Path]],
    headers: list[dict[str, str]],
    present: list[str],
) -> tuple[int, int]:
    """Insert every batch into `target`; returns the number of malformed CSV lines rejected,
    and how many of them were rejected for bytes that are not UTF-8."""
    rejected = not_utf8 = 0
    for number, (batch, header) in enumerate(zip(batches, headers, strict=True)):
        rejects = f"healthscore_rejects_{number}"
        select_list = ", ".join(
            f"cast({_quote(header[name])} as varchar) as {_quote(name)}"
            for name in present
            if name in header
        )
        try:
            inserted = con.execute(
                f"insert into {target} by name "
                f"select {select_list} from {_reader_sql(batch, rejects)}"
            ).fetchone()[0]
        except duckdb.Error as error:
            raise _read_error(error, contract.name, batch) from error
        if _file_kind(batch[0]) == "csv":
            lines, lines_not_utf8 = _copy_rejects(con, contract.name, raw_schema, rejects)
            if lines_not_utf8 and inserted == 0 and lines_not_utf8 == lines:
                raise LandingError(
                    f"Table {contract.name} ({batch[0].name}) is not UTF-8 text: none of its "
                    f"{lines:,} lines could be read (Latin-1 or Windows-1252, say); {RE_EXPORT}."
                )
            rejected += lines
            not_utf8 += lines_not_utf8
    return rejected, not_utf8


def _newest(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> str | None:
    newest = con.execute(
        f"select max(try_cast({_quote(column)} as timestamp)) from {relation}"
    ).fetchone()[0]
    return newest.isoformat(sep=" ") if newest else None


def _table_columns(con: duckdb.DuckDBPyConnection, raw_schema: str, table: str) -> list[str]:
    return [
        str(row[0])
        for row in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [raw_schema, table],
        ).fetchall()
    ]


def _load_table(
    con: duckdb.DuckDBPyConnection,
    contract: ContractTable,
    files: list[Path],
    raw_schema: str,
    previous: PreviousLoad | None = None,
) -> TableLoad:
    target = f"{_quote(raw_schema)}.{_quote(contract.name)}"
    fingerprints = [_fingerprint(path) for path in files]
    load = TableLoad(
        table=contract.name,
        status="loaded",
        files=[str(path) for path in files],
        fingerprints=fingerprints,
    )
    existing_columns = _table_columns(con, raw_schema, contract.name)
    new_files = [
        path
        for path, mark in zip(files, fingerprints, strict=True)
        if previous is None or mark not in previous.fingerprints
    ]
    if (
        previous is not None
        and existing_columns
        and set(previous.fingerprints) <= set(fingerprints)
        and len(new_files) < len(files)
    ):
        appended = _append_files(con, contract, new_files, raw_schema, existing_columns, previous)
        if appended is not None:
            appended.files, appended.fingerprints = load.files, fingerprints
            return appended
    con.execute(
        f"delete from {_quote(raw_schema)}.{REJECTS_TABLE} where table_name = ?", [contract.name]
    )
    batches = _batches(files)
    headers = [_columns_by_name(con, contract, batch) for batch in batches]
    present = [name for name in contract.column_names if any(name in header for header in headers)]
    load.missing_optional_columns = [name for name in contract.column_names if name not in present]
    load.ignored_columns = _ignored(contract, headers)
    columns = ", ".join(f"{_quote(name)} varchar" for name in (present or contract.column_names))
    con.execute(f"create or replace table {target} ({columns})")
    load.rejected_lines, load.rejected_not_utf8 = _insert_batches(
        con, contract, target, raw_schema, batches, headers, present
    )
    load.rows = con.execute(f"select count(*) from {target}").fetchone()[0]
    if not batches or load.rows == 0:
        load.status = "empty"
    if contract.record_timestamp and contract.record_timestamp in present:
        load.newest_record_at = _newest(con, target, contract.record_timestamp)
    return load


def _ignored(contract: ContractTable, headers: list[dict[str, str]]) -> list[str]:
    return sorted(
        {
            original
            for header in headers
            for normalised, original in header.items()
            if normalised not in contract.column_names
        }
    )


def _append_files(
    con: duckdb.DuckDBPyConnection,
    contract: ContractTable,
    new_files: list[Path],
    raw_schema: str,
    existing_columns: list[str],
    previous: PreviousLoad,
) -> TableLoad | None:
    """Append only `new_files` to the loaded table; None when they bring a column the table
    does not have (then the caller reloads every file)."""
    target = f"{_quote(raw_schema)}.{_quote(contract.name)}"
    batches = _batches(new_files)
    headers = [_columns_by_name(con, contract, batch) for batch in batches]
    present = [name for name in contract.column_names if any(name in header for header in headers)]
    if not set(present) <= set(existing_columns):
        return None
    load = TableLoad(table=contract.name, status="loaded", appended_files=len(new_files))
    load.missing_optional_columns = [
        name for name in contract.column_names if name not in existing_columns
    ]
    load.ignored_columns = _ignored(contract, headers)
    staged = _quote(f"healthscore_new_{contract.name}")
    columns = ", ".join(f"{_quote(name)} varchar" for name in existing_columns)
    con.execute(f"create or replace temporary table {staged} ({columns})")
    new_rejects, new_not_utf8 = _insert_batches(
        con, contract, staged, raw_schema, batches, headers, present
    )
    newest = previous.newest_record_at
    column = contract.record_timestamp
    if column and column in existing_columns:
        added = _newest(con, staged, column)
        newest = max(filter(None, (newest, added)), default=None)
    new_rows = con.execute(f"select count(*) from {staged}").fetchone()[0]
    con.execute(f"insert into {target} by name select * from {staged}")
    con.execute(f"drop table {staged}")
    load.rows = previous.rows + new_rows
    load.rejected_lines = previous.rejected_lines + new_rejects
    load.rejected_not_utf8 = new_not_utf8
    load.newest_record_at = newest
    if load.rows == 0:
        load.status = "empty"
    return load


def _copy_rejects(
    con: duckdb.DuckDBPyConnection, table: str, raw_schema: str, rejects: str
) -> tuple[int, int]:
    """Move the lines DuckDB rejected in one read into the persistent rejects table.

    DuckDB may report several errors for one line; each line is kept once, with its first error.
    Returns the number of rejected lines, and of those rejected for bytes that are not UTF-8.
    """
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ?", [f"{rejects}_errors"]
    ).fetchone()[0]
    if not exists:
        return 0, 0
    not_utf8 = con.execute(
        f"select count(distinct (scan_id, file_id, line)) from {rejects}_errors "
        "where error_type = ?",
        [NOT_UTF8],
    ).fetchone()[0]
    before = con.execute(
        f"select count(*) from {_quote(raw_schema)}.{REJECTS_TABLE} where table_name = ?", [table]
    ).fetchone()[0]
    con.execute(
        f"""
        insert into {_quote(raw_schema)}.{REJECTS_TABLE}
        select
            ? as table_name,
            any_value(scans.file_path) as file_name,
            cast(errors.line as bigint) as line_number,
            min(errors.error_type || ': ' || errors.error_message) as error_message,
            any_value(errors.csv_line) as raw_line
        from {rejects}_errors as errors
        join {rejects}_scans as scans
            on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
        group by errors.scan_id, errors.file_id, errors.line
        """,
        [table],
    )
    con.execute(f"drop table {rejects}_errors")
    con.execute(f"drop table {rejects}_scans")
    after = con.execute(
        f"select count(*) from {_quote(raw_schema)}.{REJECTS_TABLE} where table_name = ?", [table]
    ).fetchone()[0]
    return after - before, not_utf8


def _previous_loads(con: duckdb.DuckDBPyConnection, raw_schema: str) -> dict[str, PreviousLoad]:
    """The manifest's record of each table's last load, for tables that are still there."""
    rows = con.execute(
        f"""select table_name, file_fingerprints, row_count, rejected_lines, newest_record_at
            from {_quote(raw_schema)}.{MANIFEST_TABLE}
            where status in ('loaded', 'empty') and file_fingerprints is not null"""
    ).fetchall()
    return {
        name: PreviousLoad(
            fingerprints=marks.split("\n") if marks else [],
            rows=int(count or 0),
            rejected_lines=int(rejected or 0),
            newest_record_at=newest,
        )
        for name, marks, count, rejected, newest in rows
    }


def _check_landing_folder(landing: Path) -> None:
    """Refuse a landing path that is not a readable folder, saying what it is instead."""
    if landing.is_file():
        folder = (
            f"its folder {landing.parent}"
            if landing.name.endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)
            else "the folder that holds the contract files (e.g. crm_accounts.csv)"
        )
        raise LandingError(f"Landing folder {landing} is a file, not a folder; pass {folder}.")
    if not landing.exists():
        parent = next((p for p in landing.parents if p.exists()), None)
        hint = f" ({parent} exists but is not a folder)" if parent and not parent.is_dir() else ""
        raise LandingError(
            f"Landing folder {landing} does not exist{hint}; pass a folder of contract files."
        )
    if not landing.is_dir():
        raise LandingError(
            f"Landing folder {landing} is not a folder; pass a folder of contract files."
        )
    try:
        next(landing.iterdir(), None)
    except PermissionError as error:
        raise LandingError(
            f"Landing folder {landing} cannot be read (permission denied); give this user "
            "read access to it or pass another folder."
        ) from error


def _plan_load(
    landing: Path, tables: Iterable[str] | None
) -> tuple[dict[str, ContractTable], list[str], list[str], dict[str, list[Path]]]:
    """Check the landing folder: (contracts, selected tables, ignored files, files by table)."""
    landing = Path(landing)
    _check_landing_folder(landing)
    contracts = contract_tables()
    selected = list(contracts) if tables is None else list(tables)
    unknown = [name for name in selected if name not in contracts]
    if unknown:
        raise LandingError(f"Unknown contract table(s): {', '.join(unknown)}.")

    known_names = set(contracts)
    ignored_files = sorted(
        path.name
        for path in landing.iterdir()
        if not path.name.startswith((".", "_"))
        and path.name.removesuffix(".gz").rsplit(".", 1)[0] not in known_names
        and path.name not in known_names
    )
    files_by_table = {name: find_table_files(landing, name) for name in selected}
    if not any(files_by_table.values()) and not any(
        find_table_files(landing, name) for name in contracts if name not in files_by_table
    ):
        # Nothing to load at all: a wrong path or an export that has not arrived, never a
        # company without data (loading it would drop every raw table).
        shown = ", ".join(ignored_files[:5]) + (
            f" and {len(ignored_files) - 5} more" if len(ignored_files) > 5 else ""
        )
        found = f"it holds only {shown}" if ignored_files else "it is empty"
        raise LandingError(
            f"Landing folder {landing} holds no file of a contract table ({found}); put the "
            "exports there as <table>.csv, <table>.csv.gz, <table>.parquet or a folder "
            "<table>/ (e.g. crm_accounts.csv), or pass the folder that holds them."
        )
    return contracts, selected, ignored_files, files_by_table


def _connect_loader(database: str) -> duckdb.DuckDBPyConnection:
    config = {
        "memory_limit": os.environ.get("HEALTHSCORE_DUCKDB_MEMORY_LIMIT") or "4GB",
        "preserve_insertion_order": False,
    }
    return duckdb.connect(database, config=config)


def _load_into(
    con: duckdb.DuckDBPyConnection,
    report: LoadReport,
    *,
    raw_schema: str,
    contracts: dict[str, ContractTable],
    selected: list[str],
    files_by_table: dict[str, list[Path]],
    say: Callable[[str], None],
) -> None:
    """Load the selected tables into the raw schema of `con`, in one transaction."""
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {_quote(raw_schema)}")
        con.execute(
            f"""create table if not exists {_quote(raw_schema)}.{REJECTS_TABLE} (
                table_name varchar, file_name varchar, line_number bigint,
                error_message varchar, raw_line varchar)"""
        )
        con.execute(
            f"""create table if not exists {_quote(raw_schema)}.{MANIFEST_TABLE} (
                table_name varchar, status varchar, files varchar, row_count bigint,
                rejected_lines bigint, newest_record_at varchar, loaded_at timestamp)"""
        )
        con.execute(
            f"alter table {_quote(raw_schema)}.{MANIFEST_TABLE} "
            "add column if not exists file_fingerprints varchar"
        )
        previous = _previous_loads(con, raw_schema)
        for name in selected:
            files = files_by_table[name]
            if not files:
                con.execute(
                    f"delete from {_quote(raw_schema)}.{REJECTS_TABLE} where table_name = ?",
                    [name],
                )
                con.execute(f"drop table if exists {_quote(raw_schema)}.{_quote(name)}")
                report.tables[name] = TableLoad(table=name, status="missing")
                if contracts[name].optional:
                    say(f"  {name:<24} {0:>12,} rows: no file, so no manual overrides")
                else:
                    say(f"  {name:<24} missing: its signals will be reported absent")
                continue
            load = _load_table(con, contracts[name], files, raw_schema, previous.get(name))
            report.tables[name] = load
            detail = f"{load.rows:>12,} rows"
            if contracts[name].optional:
                detail += " of manual overrides"
            if load.rejected_lines:
                detail += f", {load.rejected_lines:,} malformed line(s) rejected"
            if load.rejected_not_utf8:
                detail += (
                    f" ({load.rejected_not_utf8:,} not UTF-8: re-export the file as UTF-8 "
                    "to keep them)"
                )
            if load.missing_optional_columns:
                detail += f", no column(s) {', '.join(load.missing_optional_columns)}"
            if load.appended_files is not None:
                detail += f" ({load.appended_files} new file(s) appended)"
            say(f"  {name:<24} {detail}")
        loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for name, load in report.tables.items():
            con.execute(
                f"delete from {_quote(raw_schema)}.{MANIFEST_TABLE} where table_name = ?", [name]
            )
            con.execute(
                f"insert into {_quote(raw_schema)}.{MANIFEST_TABLE} "
                "(table_name, status, files, row_count, rejected_lines, newest_record_at, "
                "loaded_at, file_fingerprints) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    name,
                    load.status,
                    "|".join(load.files),
                    load.rows,
                    load.rejected_lines,
                    load.newest_record_at,
                    loaded_at,
                    "\n".join(load.fingerprints),
                ],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    for name in contracts:
        if name not in report.tables:
            report.tables[name] = TableLoad(table=name, status="kept")


def load_landing_folder(
    landing: Path,
    database: Path,
    *,
    raw_schema: str = "raw",
    tables: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Replace the raw tables of `database` with the contract files found in `landing`.

    With `tables`, only those tables are reloaded (a partial refresh, as the Dagster sensor does)
    and the others are left as they are. Without it the landing folder is the whole truth: a raw
    table whose files are gone is dropped, so its signals are reported absent.
    """
    landing = Path(landing)
    contracts, selected, ignored_files, files_by_table = _plan_load(landing, tables)
    say = progress or (lambda message: None)
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    report = LoadReport(database=database, landing=landing, tables={}, ignored_files=ignored_files)
    con = _connect_loader(str(database))
    try:
        _load_into(
            con,
            report,
            raw_schema=raw_schema,
            contracts=contracts,
            selected=selected,
            files_by_table=files_by_table,
            say=say,
        )
    finally:
        con.close()
    return report


def load_landing_to_target(
    landing: Path,
    target: Target,
    *,
    raw_schema: str = "raw",
    tables: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> LoadReport:
    """Load the contract files of `landing` into the raw schema of a dbt target (not DuckDB).

    The files are read, checked and rejected exactly as load_landing_folder does, into an
    in-memory DuckDB (no file); then each raw table is written to the target as text columns
    (Warehouse.write_table), with the rejects and the manifest tables beside them. A contract
    table whose files are gone is dropped from the target, as from the DuckDB file. Every load
    reads all the files (the in-memory database keeps no manifest between runs). On PostgreSQL
    the writes are one transaction; elsewhere table by table.
    """
    from orchestration.runtime import warehouse

    landing = Path(landing)
    contracts, selected, ignored_files, files_by_table = _plan_load(landing, tables)
    say = progress or (lambda message: None)
    report = LoadReport(
        database=Path(str(target)), landing=landing, tables={}, ignored_files=ignored_files
    )
    con = _connect_loader(":memory:")
    temp = tempfile.TemporaryDirectory(prefix="healthscore-load-")
    try:
        # Spill files, if the landing outgrows memory, go to a temporary folder of their own.
        con.execute(f"set temp_directory = '{temp.name}'")
        _load_into(
            con,
            report,
            raw_schema=raw_schema,
            contracts=contracts,
            selected=selected,
            files_by_table=files_by_table,
            say=say,
        )
        with warehouse.connected(target, read_only=False) as out:
            transaction = out.engine == "postgres"
            if transaction:
                out.con.autocommit = False  # type: ignore[attr-defined]
            try:
                for name in selected:
                    load = report.tables[name]
                    if load.status == "missing":
                        # On PostgreSQL with the staging views built over it (dropped with
                        # it; the run's dbt build creates them again).
                        cascade = " cascade" if out.engine == "postgres" else ""
                        out.execute(f"drop table if exists {raw_schema}.{name}{cascade}")
                        continue
                    rows = con.sql(
                        f"select * from {_quote(raw_schema)}.{_quote(name)}"
                    ).to_arrow_table()
                    out.write_table(raw_schema, name, rows, mode="replace")
                for name in (REJECTS_TABLE, MANIFEST_TABLE):
                    rows = con.sql(f"select * from {_quote(raw_schema)}.{name}").to_arrow_table()
                    out.write_table(raw_schema, name, rows, mode="replace")
                if transaction:
                    out.con.commit()  # type: ignore[attr-defined]
            except BaseException:
                if transaction:
                    out.con.rollback()  # type: ignore[attr-defined]
                raise
    finally:
        con.close()
        temp.cleanup()
    say(f"  wrote {sum(load.rows for load in report.tables.values()):,} raw rows to {target}")
    return report
