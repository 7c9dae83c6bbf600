"""The whole pipeline: load a landing folder, build every dbt model and test, and (on the
embedded DuckDB warehouse) publish the result atomically.

On the DuckDB file the run holds the warehouse's writer lock and builds on a copy of the file
(warehouse_file.py). Only when load and build both succeed does the copy replace the original,
in one rename: a failed or interrupted run leaves the previous warehouse exactly as it was, and
no half-built file behind; readers are never blocked.

On any other dbt target (HEALTHSCORE_TARGET, runtime/warehouse.py) dbt builds in place, as a
plain `dbt build` does: the run holds the target's writer lock (writer_lock.py), loads the
landing folder into the target's raw schema when it is given one (else it scores the raw tables
the team's loader landed there), and builds. There is no copy and no publish: a failed build
leaves the models it did not reach as they were, and dbt's own tests guard what it built.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT, contract_tables
from orchestration.runtime.dbt_invoke import WITHOUT_UNIT_TESTS, DbtResult, run_dbt
from orchestration.runtime.loader import LoadReport, load_landing_folder, load_landing_to_target
from orchestration.runtime.warehouse import Location, Target
from orchestration.runtime.warehouse_file import WarehouseError, publish, start_copy, writing
from orchestration.runtime.writer_lock import writing_location


@dataclass
class PipelineResult:
    database: Location  # the DuckDB file, or the dbt target built in place
    as_of: dt.date
    load: LoadReport | None  # None: the raw tables were taken as the team's loader landed them
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


def previous_as_of(location: Location) -> dt.date | None:
    """The as-of date of the last successful build stored in `location` (the DuckDB file or a
    dbt target), if any."""
    if not warehouse.exists(location):
        return None
    with warehouse.connected(location) as con:
        try:
            row = con.execute("select max(as_of_date) from marts.source_table_status").fetchone()
        except warehouse.Error:
            return None
    return _date(row[0]) if row else None


def _date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value  # type: ignore[return-value]
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


# The run settings are kept beside the raw tables: in the schema of the project's own
# healthscore_raw_schema (dbt_project.yml), whatever a run's --vars say, so that every command
# finds them.
RUN_SETTINGS_TABLE = "healthscore_run_settings"


def write_run_settings(location: Location, as_of: dt.date, dbt_vars: dict[str, object]) -> None:
    """Record the as-of date and the dbt variables a build used, inside the warehouse it built
    (the DuckDB file or the dbt target), so that a later rebuild (adopting a proposal) scores
    with the same settings."""
    import pyarrow as pa

    row = pa.table(
        {
            "as_of_date": pa.array([as_of], pa.date32()),
            "dbt_vars": pa.array([json.dumps(dbt_vars, sort_keys=True)], pa.string()),
            "written_at": pa.array(
                [dt.datetime.now(dt.UTC).replace(tzinfo=None)], pa.timestamp("us")
            ),
        }
    )
    with warehouse.connected(location, read_only=False) as con:
        con.write_table(raw_schema_of(None), RUN_SETTINGS_TABLE, row, mode="replace")


def read_run_settings(location: Location) -> tuple[dt.date | None, dict[str, object]]:
    """The as-of date and dbt variables of the last build of `location` (None, {} if unknown)."""
    if not warehouse.exists(location):
        return None, {}
    row: tuple | None | bool = False
    with warehouse.connected(location) as con:
        # In the project's raw schema (builds before the var was read wrote to raw): the latest.
        for schema in dict.fromkeys([raw_schema_of(None), "raw"]):
            try:
                found = con.execute(
                    f"select as_of_date, dbt_vars, written_at from {schema}.{RUN_SETTINGS_TABLE}"
                ).fetchone()
            except warehouse.Error:
                con.after_error()
                continue
            if row in (False, None) or (found is not None and found[2] > row[2]):
                row = found
    if row is False:
        return previous_as_of(location), {}
    return (_date(row[0]), json.loads(row[1])) if row else (None, {})


def raw_schema_of(dbt_vars: dict[str, object] | None, project_dir: Path = PROJECT_ROOT) -> str:
    """The schema the contract's raw tables are read from: the var healthscore_raw_schema of
    `dbt_vars` (--vars), else of the project's dbt_project.yml, else raw."""
    given = (dbt_vars or {}).get("healthscore_raw_schema")
    if given:
        return str(given)
    try:
        project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        project = {}
    value = str((project.get("vars") or {}).get("healthscore_raw_schema") or "raw")
    if "{{" in value:  # e.g. "{{ env_var('RAW_SCHEMA', 'raw') }}": rendered as dbt renders it
        from dbt.config.renderer import DbtProjectYamlRenderer
        from dbt_common.context import set_invocation_context

        set_invocation_context(dict(os.environ))
        value = str(DbtProjectYamlRenderer(None, {}).render_value(value))
    return value


def _build(
    location: Location,
    *,
    as_of: dt.date,
    full_refresh: bool,
    unit_tests: bool,
    extra_vars: dict[str, object] | None,
    log_dir: Path,
    say: Callable[[str], None],
    project_dir: Path,
) -> DbtResult:
    """`dbt build` on `location`: the DuckDB build copy, or the dbt target in place."""
    say(
        f"Building models and tests as of {as_of} "
        f"(dbt build{' --full-refresh' if full_refresh else ''}"
        f"{'' if unit_tests else ', without unit tests'}"
        f"{f' on {location}' if isinstance(location, Target) else ''}) ..."
    )
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    args += [] if unit_tests else WITHOUT_UNIT_TESTS
    from orchestration.runtime.scoring_config import config_change_message

    changed = config_change_message(location, project_dir, extra_vars, full_refresh=full_refresh)
    if changed:
        say(f"  {changed}")
    build = run_dbt(
        args,
        database=location if isinstance(location, Path) else None,
        target="duckdb" if isinstance(location, Path) else location.name,
        dbt_vars=extra_vars,
        as_of=as_of,
        log_dir=log_dir,
        say=say,
        project_dir=project_dir,
    )
    counts = ", ".join(f"{count} {status}" for status, count in sorted(build.counts.items()))
    say(f"  dbt build passed: {counts}")
    write_run_settings(location, as_of, extra_vars or {})
    return build


def _as_of_check(
    location: Location,
    as_of: dt.date,
    *,
    allow_older: bool,
    full_refresh: bool,
    say: Callable[[str], None],
) -> bool:
    """Refuse to score `location` as of a date earlier than its last build's, unless
    `allow_older`; then the run rebuilds from scratch. Returns the run's full_refresh."""
    last = previous_as_of(location)
    if last is None or as_of >= last:
        return full_refresh
    if not allow_older:
        raise WarehouseError(
            f"{location} already holds scores as of {last}, later than this run's "
            f"{as_of}; it was left as it was. To rebuild it as of {as_of}, replacing "
            "the later scores, run again with --allow-older-as-of."
        )
    if not full_refresh:
        say(
            f"  as-of {as_of} is earlier than the last build's ({last}): rebuilding the "
            "incremental models from scratch (full refresh)."
        )
    return True


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


def _say_mappings(dbt_vars: dict[str, object] | None, say: Callable[[str], None]) -> None:
    for source, connector in source_mappings(dbt_vars).items():
        say(
            f"  {source} tables: read through the {connector} mapping "
            f"(healthscore_{source}_mapping), not from the raw schema; what it cannot provide: "
            "marts.source_table_status"
        )


def _say_load(
    load: LoadReport, say: Callable[[str], None], dbt_vars: dict[str, object] | None = None
) -> None:
    mapped = source_mappings(dbt_vars)
    _say_mappings(dbt_vars, say)
    missing = [name for name in load.missing_tables if contract_tables()[name].source not in mapped]
    if missing:
        say(
            f"  missing table(s): {', '.join(missing)}; their signals are "
            "reported absent and their weight is redistributed."
        )
    if load.ignored_files:
        say(f"  ignored file(s) that are not contract tables: {', '.join(load.ignored_files)}")


def run_pipeline(
    landing: Path | None,
    database: Location,
    *,
    as_of: dt.date,
    full_refresh: bool = False,
    unit_tests: bool = False,
    extra_vars: dict[str, object] | None = None,
    allow_older: bool = False,
    command: str = "healthscore run",
    say: Callable[[str], None] = print,
    project_dir: Path = PROJECT_ROOT,
    before_publish: Callable[[Location, Path], None] | None = None,
    state_dir: Path | None = None,
) -> PipelineResult:
    """Load `landing` into a copy of `database`, build it as of `as_of` and publish it, holding
    the writer lock. A warehouse already scored as of a later date is rebuilt as of the earlier
    one only with `allow_older` (it then rebuilds from scratch). `before_publish(copy,
    project_dir)` runs on the built copy before it is published (the command line scores a
    challenger configuration in shadow there: analysis/challenger.py).

    `database` may be a dbt target instead (runtime/warehouse.py): see run_on_target."""
    if isinstance(database, Target):
        return run_on_target(
            landing,
            database,
            as_of=as_of,
            full_refresh=full_refresh,
            unit_tests=unit_tests,
            extra_vars=extra_vars,
            allow_older=allow_older,
            command=command,
            say=say,
            project_dir=project_dir,
            after_build=before_publish,
            state_dir=state_dir or PROJECT_ROOT / "warehouse",
        )
    if landing is None:
        raise WarehouseError(
            "The DuckDB warehouse is loaded from a landing folder: pass --landing DIR."
        )
    landing = Path(landing).resolve()
    database = Path(database).resolve()
    with writing(database, command=command, say=say):
        full_refresh = _as_of_check(
            database, as_of, allow_older=allow_older, full_refresh=full_refresh, say=say
        )
        build_copy = start_copy(database, fresh=full_refresh)
        say(f"Loading {landing} ...")
        load = load_landing_folder(landing, build_copy, progress=say)
        _say_load(load, say, extra_vars)
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


def run_on_target(
    landing: Path | None,
    target: Target,
    *,
    as_of: dt.date,
    full_refresh: bool = False,
    unit_tests: bool = False,
    extra_vars: dict[str, object] | None = None,
    allow_older: bool = False,
    command: str = "healthscore run",
    say: Callable[[str], None] = print,
    project_dir: Path = PROJECT_ROOT,
    after_build: Callable[[Location, Path], None] | None = None,
    state_dir: Path,
) -> PipelineResult:
    """The pipeline on a dbt target, in place (module docstring): holding the target's writer
    lock, load `landing` into its raw schema (None: score the raw tables the team's loader
    landed there), build as of `as_of`, then `after_build(target, project_dir)`. `state_dir`
    holds the dbt logs (and the lock file of a target without a lock of its own)."""
    state_dir = Path(state_dir).resolve()
    raw_schema = raw_schema_of(extra_vars)
    with writing_location(target, command=command, say=say, state_dir=state_dir):
        full_refresh = _as_of_check(
            target, as_of, allow_older=allow_older, full_refresh=full_refresh, say=say
        )
        load = None
        if landing is None:
            mapped = source_mappings(extra_vars)
            direct = sorted({t.source for t in contract_tables().values()} - set(mapped))
            where = (
                f"the contract tables of {', '.join(direct)} your loader landed in schema "
                f"{raw_schema}"
                if direct
                else "the connector tables of the mappings below"
            )
            say(
                f"Raw tables: scoring {where} of {target} "
                "(no landing folder given, nothing loaded)."
            )
            _say_mappings(extra_vars, say)
        else:
            landing = Path(landing).resolve()
            say(f"Loading {landing} into schema {raw_schema} of {target} ...")
            load = load_landing_to_target(landing, target, raw_schema=raw_schema, progress=say)
            _say_load(load, say, extra_vars)
        build = _build(
            target,
            as_of=as_of,
            full_refresh=full_refresh,
            unit_tests=unit_tests,
            extra_vars=extra_vars,
            log_dir=state_dir / "logs",
            say=say,
            project_dir=project_dir,
        )
        if after_build is not None:
            after_build(target, project_dir)
    return PipelineResult(
        database=target, as_of=as_of, load=load, build=build, full_refresh=full_refresh
    )


def rescore_warehouse(
    database: Location,
    *,
    say: Callable[[str], None] = print,
    project_dir: Path = PROJECT_ROOT,
    lock_held: bool = False,
    state_dir: Path | None = None,
) -> dt.date:
    """Rebuild every model of `database` from the raw tables it already holds, from scratch
    (every scoring date is scored again with the current seeds), as of its last build's date and
    with its dbt variables; publish it only when every test passes, as run_pipeline does (on a
    dbt target: in place). `lock_held`: the caller holds the writer lock (healthscore adopt,
    around the seeds change). Returns the as-of date."""
    if isinstance(database, Target):
        state = Path(state_dir or PROJECT_ROOT / "warehouse").resolve()
        guard = (
            nullcontext()
            if lock_held
            else writing_location(
                database, command="healthscore adopt (rescore)", say=say, state_dir=state
            )
        )
        with guard:
            as_of, dbt_vars = read_run_settings(database)
            if as_of is None:
                raise WarehouseError(
                    f"{database} holds no finished build; run `healthscore run` (or `demo`) first."
                )
            _build(
                database,
                as_of=as_of,
                full_refresh=True,
                unit_tests=False,
                extra_vars=dbt_vars,
                log_dir=state / "logs",
                say=say,
                project_dir=project_dir,
            )
        return as_of
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
