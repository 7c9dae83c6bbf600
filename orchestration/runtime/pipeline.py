"""The whole pipeline on the embedded DuckDB warehouse: load a landing folder, build every dbt
model and test, and publish the result atomically.

The run holds the warehouse's writer lock and builds on a copy of the warehouse file
(warehouse_file.py). Only when load and build both succeed does the copy replace the original,
in one rename: a failed or interrupted run leaves the previous warehouse exactly as it was, and
no half-built file behind; readers are never blocked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.runtime.contract import PROJECT_ROOT, contract_tables
from orchestration.runtime.dbt_invoke import WITHOUT_UNIT_TESTS, DbtResult, run_dbt
from orchestration.runtime.loader import LoadReport, load_landing_folder
from orchestration.runtime.warehouse_file import WarehouseError, publish, start_copy, writing


@dataclass
class PipelineResult:
    database: Path
    as_of: dt.date
    load: LoadReport
    build: DbtResult
    full_refresh: bool


def parse_as_of(text: str | None, flag: str = "--as-of") -> dt.date:
    """A date from YYYY-MM-DD (the run's as-of date by default), or today's UTC date."""
    if text is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{flag} must be a date written YYYY-MM-DD, got {text!r}.") from error


def previous_as_of(database: Path) -> dt.date | None:
    """The as-of date of the last successful build stored in `database`, if any."""
    if not database.exists():
        return None
    con = duckdb.connect(str(database), read_only=True)
    try:
        row = con.execute("select max(as_of_date) from marts.source_table_status").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row else None


RUN_SETTINGS = "raw.healthscore_run_settings"


def source_mappings(dbt_vars: dict[str, object] | None) -> dict[str, str]:
    """The contract sources read through a source mapping (docs/mappings.md): source -> the
    connector named by its dbt var healthscore_<source>_mapping."""
    sources = sorted({table.source for table in contract_tables().values()})
    return {
        source: str(connector)
        for source in sources
        if (connector := (dbt_vars or {}).get(f"healthscore_{source}_mapping"))
        and str(connector).strip().lower() != "none"
    }


def write_run_settings(database: Path, as_of: dt.date, dbt_vars: dict[str, object]) -> None:
    """Record the as-of date and the dbt variables a build used, inside the warehouse it built,
    so that a later rebuild (adopting a proposal) scores with the same settings."""
    con = duckdb.connect(str(database))
    try:
        con.execute(
            f"create or replace table {RUN_SETTINGS} as "
            "select cast(? as date) as as_of_date, cast(? as varchar) as dbt_vars, "
            "current_timestamp as written_at",
            [as_of.isoformat(), json.dumps(dbt_vars, sort_keys=True)],
        )
    finally:
        con.close()


def read_run_settings(database: Path) -> tuple[dt.date | None, dict[str, object]]:
    """The as-of date and dbt variables of the last build of `database` (None, {} if unknown)."""
    if not database.exists():
        return None, {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        row = con.execute(f"select as_of_date, dbt_vars from {RUN_SETTINGS}").fetchone()
    except duckdb.Error:
        return previous_as_of(database), {}
    finally:
        con.close()
    return (row[0], json.loads(row[1])) if row else (None, {})


def _build(
    build_copy: Path,
    *,
    as_of: dt.date,
    full_refresh: bool,
    unit_tests: bool,
    extra_vars: dict[str, object] | None,
    log_dir: Path,
    say: Callable[[str], None],
    project_dir: Path,
) -> DbtResult:
    say(
        f"Building models and tests as of {as_of} "
        f"(dbt build{' --full-refresh' if full_refresh else ''}"
        f"{'' if unit_tests else ', without unit tests'}) ..."
    )
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    args += [] if unit_tests else WITHOUT_UNIT_TESTS
    from orchestration.runtime.scoring_config import config_change_message

    changed = config_change_message(build_copy, project_dir, extra_vars, full_refresh=full_refresh)
    if changed:
        say(f"  {changed}")
    build = run_dbt(
        args,
        database=build_copy,
        dbt_vars=extra_vars,
        as_of=as_of,
        log_dir=log_dir,
        say=say,
        project_dir=project_dir,
    )
    counts = ", ".join(f"{count} {status}" for status, count in sorted(build.counts.items()))
    say(f"  dbt build passed: {counts}")
    write_run_settings(build_copy, as_of, extra_vars or {})
    return build


def run_pipeline(
    landing: Path,
    database: Path,
    *,
    as_of: dt.date,
    full_refresh: bool = False,
    unit_tests: bool = False,
    extra_vars: dict[str, object] | None = None,
    allow_older: bool = False,
    command: str = "healthscore run",
    say: Callable[[str], None] = print,
    project_dir: Path = PROJECT_ROOT,
    before_publish: Callable[[Path, Path], None] | None = None,
) -> PipelineResult:
    """Load `landing` into a copy of `database`, build it as of `as_of` and publish it, holding
    the writer lock. A warehouse already scored as of a later date is rebuilt as of the earlier
    one only with `allow_older` (it then rebuilds from scratch). `before_publish(copy,
    project_dir)` runs on the built copy before it is published (the command line scores a
    challenger configuration in shadow there: analysis/challenger.py)."""
    landing = Path(landing).resolve()
    database = Path(database).resolve()
    with writing(database, command=command, say=say):
        last = previous_as_of(database)
        if last is not None and as_of < last:
            if not allow_older:
                raise WarehouseError(
                    f"{database} already holds scores as of {last}, later than this run's "
                    f"{as_of}; it was left as it was. To rebuild it as of {as_of}, replacing "
                    "the later scores, run again with --allow-older-as-of."
                )
            if not full_refresh:
                say(
                    f"  as-of {as_of} is earlier than the last build's ({last}): rebuilding the "
                    "incremental models from scratch (full refresh)."
                )
                full_refresh = True
        build_copy = start_copy(database, fresh=full_refresh)
        say(f"Loading {landing} ...")
        load = load_landing_folder(landing, build_copy, progress=say)
        mapped = source_mappings(extra_vars)
        for source, connector in mapped.items():
            say(
                f"  {source} tables: read through the {connector} mapping "
                f"(healthscore_{source}_mapping), not from the landing folder; what it cannot "
                "provide: marts.source_table_status"
            )
        missing = [
            name for name in load.missing_tables if contract_tables()[name].source not in mapped
        ]
        if missing:
            say(
                f"  missing table(s): {', '.join(missing)}; their signals are "
                "reported absent and their weight is redistributed."
            )
        if load.ignored_files:
            say(f"  ignored file(s) that are not contract tables: {', '.join(load.ignored_files)}")
        build = _build(
            build_copy,
            as_of=as_of,
            full_refresh=full_refresh,
            unit_tests=unit_tests,
            extra_vars=extra_vars,
            log_dir=database.parent / "logs",
            say=say,
            project_dir=project_dir,
        )
        if before_publish is not None:
            before_publish(build_copy, project_dir)
        publish(build_copy, database)
    return PipelineResult(
        database=database, as_of=as_of, load=load, build=build, full_refresh=full_refresh
    )


def rescore_warehouse(
    database: Path,
    *,
    say: Callable[[str], None] = print,
    project_dir: Path = PROJECT_ROOT,
    lock_held: bool = False,
) -> dt.date:
    """Rebuild every model of `database` from the raw tables it already holds, from scratch
    (every scoring date is scored again with the current seeds), as of its last build's date and
    with its dbt variables; publish it only when every test passes, as run_pipeline does.
    `lock_held`: the caller holds the writer lock (healthscore adopt, around the seeds change).
    Returns the as-of date."""
    database = Path(database).resolve()
    guard = (
        nullcontext()
        if lock_held
        else writing(database, command="healthscore adopt (rescore)", say=say)
    )
    with guard:
        as_of, dbt_vars = read_run_settings(database)
        if as_of is None:
            raise WarehouseError(
                f"{database} holds no finished build; run `healthscore run` (or `demo`) first."
            )
        build_copy = start_copy(database, fresh=False)
        _build(
            build_copy,
            as_of=as_of,
            full_refresh=True,
            unit_tests=False,
            extra_vars=dbt_vars,
            log_dir=database.parent / "logs",
            say=say,
            project_dir=project_dir,
        )
        publish(build_copy, database)
    return as_of
