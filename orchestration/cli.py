"""The `healthscore` command line.

    healthscore demo                 generate the demo company, run it in Dagster, print a summary
    healthscore run --landing DIR --database FILE [--as-of DATE]
                                     the whole pipeline on your own contract files
    healthscore run --target NAME [--landing DIR]
                                     ... on a dbt target of profiles.yml (PostgreSQL, Spark,
                                     ...): built in place, on the raw tables your loader
                                     landed there unless --landing is given
    healthscore generate --out DIR [--archetype NAME]
                                     write a fictional company's contract files
    healthscore summary --database FILE
    healthscore validate --database FILE
                                     backtest against renewals, learn curves and weights, report
    healthscore replay (--config DIR | --revision REV) [--database FILE]
                                     another scoring configuration over the stored past,
                                     side by side with the current one
    healthscore adopt --proposal DIR --database FILE
                                     make a calibration proposal the scoring seeds, rescore
    healthscore gate [--accept | --accept-trade-off WHY]
                                     judge a change of the scoring seeds against the accepted
                                     configuration on the gate company; record it
    healthscore job daily_refresh [--as-of DATE]
                                     run a Dagster job once; the UI shows the run
    healthscore ui [--port 3000]     the Dagster UI on the demo warehouse (built first if missing)
    healthscore bench [--accounts 1000,10000] [--refresh-runs 3]
                                     time full and one-day builds by company size
    healthscore validity [--archetypes ...] [--seeds 1]
                                     does the score predict renewals at other kinds of company?

Errors a user can cause end in one sentence on stderr and exit code 2; a failed dbt build
lists what failed and exits 1; a warehouse another run kept busy past
HEALTHSCORE_LOCK_WAIT_SECONDS exits 75 (try again later). `--target NAME` (the commands that
read or write the warehouse) sets HEALTHSCORE_TARGET: every part then runs on that dbt target
instead of the DuckDB file, and --database only names the folder of the project's state (logs,
reports, alerts; docs/warehouses.md). Ctrl-C, SIGTERM and SIGHUP stop dbt,
remove the build copy and exit 128 + the signal's number, the warehouse as it was. Set
HEALTHSCORE_DEBUG=1 to see tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.runtime.contract import PROJECT_ROOT

if TYPE_CHECKING:
    import dagster as dg

    from orchestration.runtime.warehouse import Location, Target

DEFAULT_DATABASE = PROJECT_ROOT / "warehouse" / "healthscore.duckdb"
DEFAULT_DEMO_LANDING = PROJECT_ROOT / "landing" / "demo"
# The company archetypes of `generate` (demo_company.archetypes.ARCHETYPE_NAMES, spelled out
# here so that building the parser does not import numpy and pyarrow; a test keeps them equal).
ARCHETYPE_CHOICES = ("enterprise_b2b", "product_led", "usage_smb")


class UsageError(Exception):
    """A problem with the command's arguments; the message says how to fix it."""


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (dbt stopped, the build copy removed)."""

    def __init__(self, number: int) -> None:
        super().__init__(signal.Signals(number).name)
        self.number = number


# The stop signals this command received: a library that is interrupted by one may replace
# Stopped with its own error (DuckDB's "Query interrupted" while the loader runs a query).
_STOPS_RECEIVED: list[int] = []


def _stop_on(number: int, frame: object) -> None:
    _STOPS_RECEIVED.append(number)
    raise Stopped(number)


def _on_target() -> str | None:
    """The dbt target named by HEALTHSCORE_TARGET when it is not the embedded DuckDB file."""
    from orchestration.runtime.warehouse import target_name

    name = target_name()
    return None if name == "duckdb" else name


def _what_was_left() -> str:
    """What an interruption left: the warehouse as it was, or a published build whose
    validation did not finish (on a dbt target, built in place: what dbt finished)."""
    from orchestration.runtime.warehouse_file import PUBLISHED

    target = _on_target()
    if target:
        return (
            f"dbt builds in place on target {target}: the models it finished are updated, the "
            "others are as they were; run again to finish."
        )
    if PUBLISHED:
        return (
            f"the new build of {PUBLISHED[-1]} was published before it; its validation and "
            "report did not finish (run healthscore validate)."
        )
    return "the warehouse was left as it was before this run."


def _say(message: str) -> None:
    print(message, flush=True)


def _parse_vars(text: str | None) -> dict[str, object]:
    if not text:
        return {}
    import yaml

    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"--vars must be a YAML or JSON mapping: {error}") from error
    if not isinstance(parsed, dict):
        raise UsageError(
            "--vars must be a mapping, e.g. --vars '{healthscore_score_cadence: daily}'."
        )
    return parsed


def command_generate(args: argparse.Namespace) -> int:
    from orchestration.demo_company import generate_company

    end_date = dt.date.fromisoformat(args.end_date) if args.end_date else None
    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise UsageError(f"{out} is not empty; pass --force to overwrite it.")
    started = time.monotonic()
    report = generate_company(
        out,
        accounts=args.accounts,
        months=args.months,
        seed=args.seed,
        end_date=end_date,
        file_format=args.format,
        dirty=not args.clean,
        event_density=args.event_density,
        progress=_say,
        archetype=args.archetype,
    )
    rows = sum(report.row_counts.values())
    _say(
        f"Wrote {rows:,} rows in {len(report.row_counts)} tables ({args.archetype}) to {out} "
        f"in {time.monotonic() - started:.0f}s."
    )
    return 0


def _demo_landing(args: argparse.Namespace, end_date: dt.date) -> Path:
    """Generate the demo company unless the landing folder already holds the same one."""
    from orchestration.demo_company import generate_company

    landing = Path(args.landing)
    params = {
        "accounts": args.accounts,
        "months": args.months,
        "seed": args.seed,
        "end_date": end_date.isoformat(),
    }
    marker = landing / "_generated.json"
    if marker.exists() and json.loads(marker.read_text()) == params:
        _say(f"Demo company already generated in {landing} ({args.accounts:,} accounts).")
        return landing
    if landing.exists():
        shutil.rmtree(landing)
    _say(
        f"Generating the demo company: {args.accounts:,} accounts, {args.months} months "
        f"to {end_date}, seed {args.seed} ..."
    )
    started = time.monotonic()
    generate_company(
        landing,
        accounts=args.accounts,
        months=args.months,
        seed=args.seed,
        end_date=end_date,
        progress=lambda line: _say(f"  {line}"),
    )
    marker.write_text(json.dumps(params))
    _say(f"  generated in {time.monotonic() - started:.0f}s")
    return landing


def _location(database: Path) -> Location:
    """Where the command reads and writes: the DuckDB file `database`, or the dbt target
    HEALTHSCORE_TARGET (set by --target) names."""
    from orchestration.runtime.warehouse import location_from_env

    return location_from_env(Path(database))


def _require_warehouse(location: Location, what: str = "") -> None:
    """Refuse a DuckDB warehouse file that does not exist (a dbt target is assumed to)."""
    if isinstance(location, Path) and not location.exists():
        raise UsageError(
            f"No warehouse at {location}{what}; run `healthscore demo` or `healthscore run` first."
        )


def _one_session() -> contextlib.AbstractContextManager[object]:
    """The Python steps after a build (validation, review, summary, alerts) share one Spark
    session on a Spark target (warehouse.keep_spark; a JVM takes seconds to start); nothing
    elsewhere. Never around a dbt command: the Derby metastore admits one process."""
    from orchestration.runtime import warehouse

    keep = getattr(warehouse, "keep_spark", None)
    return keep() if keep is not None else contextlib.nullcontext()


def _validate(database: Location, reports: Path, landing: Path | None) -> list[str]:
    from orchestration.analysis.validation import run_validation, validation_lines

    _say("Validating past scores against actual renewals, learning curves and weights ...")
    started = time.monotonic()
    outcome = run_validation(database, reports, landing=landing, say=_say)
    _say(f"  done in {time.monotonic() - started:.0f}s")
    return validation_lines(outcome, database)


def _review(database: Location, reports: Path) -> str:
    """Write the weekly customer review page; its text for the terminal."""
    from orchestration.analysis.review import write_review

    return write_review(database, reports).text


def _state_database(args: argparse.Namespace) -> Path:
    """--database. On a dbt target no DuckDB file is made: the path only names the folder of the
    project's state (logs, reports, alerts), by default HEALTHSCORE_DUCKDB_PATH's folder."""
    if _on_target() and args.database == str(DEFAULT_DATABASE):
        from orchestration.runtime.settings import settings_from_env

        return settings_from_env().database
    return Path(args.database)


def _reports_dir(args: argparse.Namespace, database: Path) -> Path:
    if getattr(args, "reports", None):
        return Path(args.reports)
    if _on_target() and args.database == str(DEFAULT_DATABASE):
        from orchestration.runtime.settings import settings_from_env

        return settings_from_env().reports  # HEALTHSCORE_REPORTS_DIR, else beside the state
    return database.parent / "reports"


def _run_refresh(
    job: str,
    run_config: dict[str, object],
    *,
    database: Path,
    environment: dict[str, str | None],
    tags: dict[str, str],
) -> dg.ExecuteInProcessResult:
    """Run a Dagster job once against the instance the UI reads, in `environment`."""
    from orchestration import dagster_runs

    with dagster_runs.environment(environment):
        return dagster_runs.run_job(job, run_config, log_dir=database.parent / "logs", tags=tags)


def command_demo(args: argparse.Namespace) -> int:
    """The demo runs through the Dagster code location, against the instance `healthscore ui`
    shows: the daily refresh (every model, test, check, the alerts), then the calibration."""
    import dagster as dg

    from orchestration import dagster_runs
    from orchestration.analysis.summary import summary_text
    from orchestration.runtime.pipeline import parse_as_of

    end_date = parse_as_of(args.as_of)
    landing = _demo_landing(args, end_date).resolve()
    database = _state_database(args).resolve()
    location = _location(database)
    if not isinstance(location, Path):
        return _demo_on_target(args, location, landing, end_date)
    started = time.monotonic()
    _say("Reading the dbt project for Dagster (dbt parse) ...")
    dagster_runs.parse_manifest()
    from orchestration.defs.automation import run_config
    from orchestration.defs.reports import unfenced
    from orchestration.defs.steps import DBT_STEP, LOAD_STEP

    # From scratch, with the unit tests, so a regenerated company never mixes with an older
    # one; the demo's alerts go to a file beside its warehouse, never to a configured webhook.
    config = run_config(end_date)
    config["ops"][DBT_STEP]["config"].update(
        full_refresh=True, unit_tests=True, allow_older_as_of=True
    )
    config["ops"][LOAD_STEP] = {"config": {"empty_warehouse": True}}
    environment: dict[str, str | None] = {
        "HEALTHSCORE_DUCKDB_PATH": str(database),
        "HEALTHSCORE_LANDING_DIR": str(landing),
        "HEALTHSCORE_REPORTS_DIR": str(_reports_dir(args, database).resolve()),
        "HEALTHSCORE_AS_OF_DATE": end_date.isoformat(),
        "HEALTHSCORE_ALERTS_FILE": str(database.parent / "alerts" / "alerts.jsonl"),
        "HEALTHSCORE_ALERT_WEBHOOK_URL": None,
    }
    tags = {"healthscore/as_of_date": end_date.isoformat(), "healthscore/started_by": "demo"}
    refresh = _run_refresh(
        "daily_refresh", config, database=database, environment=environment, tags=tags
    )
    calibration = _run_refresh(
        "quarterly_calibration", {}, database=database, environment=environment, tags=tags
    )
    review = dagster_runs.materialization_metadata(refresh, dg.AssetKey(["weekly_review"]))
    validation = dagster_runs.materialization_metadata(
        calibration, dg.AssetKey(["weight_calibration"])
    )
    _say(f"Pipeline finished in {time.monotonic() - started:.0f}s.\n")
    _say(
        "\n\n".join(
            [
                summary_text(database),
                unfenced(str(review["summary"])),
                unfenced(str(validation["summary"])),
            ]
        )
    )
    return 0


def _demo_on_target(
    args: argparse.Namespace, target: Location, landing: Path, end_date: dt.date
) -> int:
    """The demo on a dbt target: the generated company loaded into the target's raw schema and
    built there from scratch, validated and calibrated, the weekly review written and the new
    alerts delivered to a file in the state folder (never to a configured webhook), as the
    Dagster daily refresh and calibration do on the DuckDB file."""
    from orchestration.analysis.summary import summary_text
    from orchestration.runtime.notifier import send_new_alerts
    from orchestration.runtime.pipeline import run_pipeline

    state_dir = _state_database(args).resolve().parent
    reports = _reports_dir(args, _state_database(args)).resolve()
    alerts_file = state_dir / "alerts" / "alerts.jsonl"
    started = time.monotonic()
    run_pipeline(
        landing,
        target,
        as_of=end_date,
        full_refresh=True,
        unit_tests=True,
        allow_older=True,
        command="healthscore demo",
        say=_say,
        state_dir=state_dir,
    )
    with _one_session():
        validation = _validate(target, reports, landing)
        review = _review(target, reports)
        sent = send_new_alerts(target, jsonl_path=alerts_file, as_of=end_date)
        _say(
            f"Alerts: {sent.sent} new alert(s) written to {alerts_file}"
            + (f" ({sent.already_sent} sent before)" if sent.already_sent else "")
            + "."
        )
        summary = summary_text(target)
    _say(f"Pipeline finished in {time.monotonic() - started:.0f}s.\n")
    _say("\n\n".join(part for part in (summary, review, "\n".join(validation)) if part))
    return 0


def command_run(args: argparse.Namespace) -> int:
    from orchestration.analysis.summary import summary_text
    from orchestration.runtime.pipeline import parse_as_of, run_pipeline

    database = _state_database(args)
    location = _location(database)
    landing = Path(args.landing) if args.landing else None
    if landing is None and isinstance(location, Path):
        raise UsageError(
            "--landing is needed to load the DuckDB warehouse: pass the folder of contract "
            "files (or --target NAME to score the raw tables your loader landed in a warehouse)."
        )
    if landing is not None and landing.exists() and not landing.is_dir():
        raise UsageError(
            f"--landing {landing} is a file; pass the folder that holds the contract files."
        )
    if landing is not None and not landing.is_dir():
        raise UsageError(
            f"Landing folder {landing} does not exist; pass a folder of contract files."
        )
    as_of = parse_as_of(args.as_of)
    extra_vars = _parse_vars(args.vars)
    if args.rebuild_from:
        rebuild_to = args.rebuild_to or args.rebuild_from
        extra_vars["healthscore_rebuild_from"] = parse_as_of(
            args.rebuild_from, "--rebuild-from"
        ).isoformat()
        extra_vars["healthscore_rebuild_to"] = parse_as_of(rebuild_to, "--rebuild-to").isoformat()
    from orchestration.analysis.challenger import (
        CHALLENGER_ENV,
        challenger_config,
        challenger_from_env,
        shadow_scoring,
    )

    challenger = args.challenger or challenger_from_env()
    if challenger:
        # A bad folder or revision ends here in one line, before the build (exit 2).
        try:
            challenger_config(challenger)
        except ValueError as error:
            if args.challenger:
                raise
            raise UsageError(f"{CHALLENGER_ENV}: {error}") from None
    started = time.monotonic()
    run_pipeline(
        landing,
        location,
        as_of=as_of,
        full_refresh=args.full_refresh,
        unit_tests=args.unit_tests,
        extra_vars=extra_vars,
        allow_older=args.allow_older_as_of,
        say=_say,
        before_publish=shadow_scoring(challenger, say=_say),
        state_dir=database.resolve().parent,
    )
    reports = _reports_dir(args, database)
    with _one_session():
        validation = [] if args.no_validate else _validate(location, reports, landing)
        review = _review(location, reports)
        summary = summary_text(location)
    _say(f"Pipeline finished in {time.monotonic() - started:.0f}s.\n")
    _say("\n\n".join(part for part in (summary, review, "\n".join(validation)) if part))
    return 0


def command_validate(args: argparse.Namespace) -> int:
    database = _state_database(args)
    location = _location(database)
    _require_warehouse(location)
    landing = Path(args.landing) if args.landing else None
    _say("\n".join(_validate(location, _reports_dir(args, database), landing)))
    return 0


def command_replay(args: argparse.Namespace) -> int:
    from orchestration.analysis.replay import (
        ScoringConfig,
        replay,
        replay_text,
        warehouse_min_coverage,
        write_reports,
    )
    from orchestration.runtime import warehouse

    database = _state_database(args)
    location = _location(database)
    _require_warehouse(location)
    min_coverage = warehouse_min_coverage(location)
    current = ScoringConfig.current(min_coverage=min_coverage)
    replayed_coverage = min_coverage if args.min_coverage is None else args.min_coverage
    if not 0 <= replayed_coverage <= 1:
        raise UsageError(f"--min-coverage {replayed_coverage:g} is not a share between 0 and 1.")
    if args.config:
        other = ScoringConfig.from_folder(args.config, min_coverage=replayed_coverage)
    else:
        other = ScoringConfig.from_revision(
            args.revision, PROJECT_ROOT, min_coverage=replayed_coverage
        )
    with warehouse.connected(location) as con:
        result = replay(con, [other], current=current, say=_say)
    _say(replay_text(result))
    html_path, json_path = write_reports(result, _reports_dir(args, database))
    _say(f"Report: {html_path}\nFigures: {json_path}")
    return 0


def command_adopt(args: argparse.Namespace) -> int:
    from orchestration.analysis.validation import SEEDS_DIR, adopt_proposal, restore_seeds
    from orchestration.runtime.dbt_invoke import DbtError
    from orchestration.runtime.pipeline import rescore_warehouse
    from orchestration.runtime.writer_lock import writing_location

    proposal = Path(args.proposal)
    if not proposal.exists():
        raise UsageError(f"No proposal at {proposal}; run `healthscore validate` to write one.")
    database = _state_database(args)
    location = _location(database)
    state_dir = database.resolve().parent
    if not args.no_rescore and isinstance(location, Path) and not database.exists():
        raise UsageError(
            f"No warehouse at {database} to rescore; pass --database, or --no-rescore to only "
            "change the seeds."
        )
    backup_dir = (proposal if proposal.is_dir() else proposal.parent) / "previous_seeds"
    # The seeds change (and the rescore) under the warehouse's writer lock, so no run builds
    # with half-adopted seeds.
    with writing_location(
        location.resolve() if isinstance(location, Path) else location,
        command="healthscore adopt",
        say=_say,
        state_dir=state_dir,
    ):
        _say(f"Adopting {proposal} into {SEEDS_DIR}:")
        backup = adopt_proposal(proposal, backup_dir=backup_dir, say=_say)
        _say(f"  the previous seeds are kept in {backup}")
        if args.no_rescore:
            _say(
                "Seeds changed. Rescore the whole history with them: healthscore adopt ... "
                "without --no-rescore, or healthscore run --full-refresh; an incremental run "
                "would score only new dates with them."
            )
            return 0
        _say(f"Rescoring the whole history of {location} with the adopted seeds ...")
        try:
            rescore_warehouse(location, say=_say, lock_held=True, state_dir=state_dir)
        except BaseException as error:
            # The seeds go back as they were. The DuckDB file was left as it was (the rescore
            # built a copy); a dbt target was rebuilt in place up to dbt's failure.
            restore_seeds(backup)
            _say(f"  the seeds were put back as they were ({SEEDS_DIR}).")
            if isinstance(error, DbtError) and not isinstance(location, Path):
                _say(_after_failed_rescore(location, proposal))
            raise
    landing = Path(args.landing) if args.landing else None
    _say("\n".join(_validate(location, _reports_dir(args, database), landing)))
    return 0


def _after_failed_rescore(location: Target, proposal: Path) -> str:
    """What a failed in-place rescore on a dbt target left, and the two ways on."""
    from orchestration.runtime.pipeline import read_run_settings

    as_of, dbt_vars = read_run_settings(location)
    rebuild = f"healthscore run --target {location.name} --full-refresh"
    if as_of is not None:
        rebuild += f" --as-of {as_of}"
    if dbt_vars:
        rebuild += f" --vars '{json.dumps(dbt_vars, sort_keys=True)}'"
    return (
        f"  The models dbt rebuilt on {location} before it failed hold scores under the adopted "
        f"seeds, the others under the previous ones. Once the cause is fixed, adopt again "
        f"(healthscore adopt --proposal {proposal} --target {location.name}), or score every "
        f"date under the previous seeds again: {rebuild}"
    )


def command_gate(args: argparse.Namespace) -> int:
    """Judge the scoring seeds against the accepted configuration (tests/scoring_gate/
    accepted.yml) on the gate company, building it first when needed; record them on request.
    Exit 1 when the gate fails (and nothing was accepted)."""
    from orchestration.analysis import scoring_gate

    seeds = Path(args.seeds) if args.seeds else scoring_gate.SEEDS_DIR
    record = Path(args.record) if args.record else scoring_gate.RECORD_FILE

    def database() -> Path:
        if args.database:
            return Path(args.database)
        from orchestration.devtools.gate_company import build_gate_warehouse

        return build_gate_warehouse(DEFAULT_DATABASE.parent / "scoring_gate", say=_say)

    outcome = scoring_gate.run_gate(database, seeds_dir=seeds, record_path=record, say=_say)
    _say("\n".join(outcome.lines))
    if args.accept or args.accept_trade_off:
        _say(
            "\n".join(
                scoring_gate.accept(
                    outcome, record_path=record, trade_off=args.accept_trade_off, who=args.by
                )
            )
        )
        return 0
    return 0 if outcome.passed else 1


def command_summary(args: argparse.Namespace) -> int:
    from orchestration.analysis.summary import summary_text

    location = _location(_state_database(args))
    _require_warehouse(location)
    _say(summary_text(location))
    return 0


JOBS = ("daily_refresh", "quarterly_calibration", "score_history_backfill")


def command_job(args: argparse.Namespace) -> int:
    """Run one job of the code location once, against the warehouse and the Dagster instance
    the UI uses (the HEALTHSCORE_* variables and DAGSTER_HOME, as for `healthscore ui`)."""
    from orchestration import dagster_runs
    from orchestration.runtime.pipeline import parse_as_of
    from orchestration.runtime.settings import settings_from_env

    settings = settings_from_env()
    as_of = parse_as_of(args.as_of or settings.as_of_date)
    if args.job == "score_history_backfill" and not args.rebuild_from:
        raise UsageError("score_history_backfill needs --rebuild-from (and --rebuild-to).")
    if (args.rebuild_from or args.rebuild_to) and args.job != "score_history_backfill":
        raise UsageError("--rebuild-from and --rebuild-to go with score_history_backfill.")
    on_file = isinstance(settings.location, Path)
    if args.job != "daily_refresh" and on_file and not settings.database.exists():
        raise UsageError(
            f"No warehouse at {settings.database} for {args.job}; run `healthscore job "
            "daily_refresh` (or `healthscore demo`) first."
        )
    _say("Reading the dbt project for Dagster (dbt parse) ...")
    dagster_runs.parse_manifest()
    from orchestration.defs.automation import run_config
    from orchestration.defs.steps import DBT_STEP

    config: dict[str, object] = {}
    if args.job == "daily_refresh":
        config = run_config(as_of)
    elif args.job == "score_history_backfill":
        config = run_config(as_of, with_notifier=False)
        config["ops"][DBT_STEP]["config"].update(
            rebuild_from=parse_as_of(args.rebuild_from, "--rebuild-from").isoformat(),
            rebuild_to=parse_as_of(
                args.rebuild_to or args.rebuild_from, "--rebuild-to"
            ).isoformat(),
        )
    if args.allow_older_as_of:
        if args.job == "quarterly_calibration":
            raise UsageError(
                "--allow-older-as-of goes with daily_refresh and score_history_backfill."
            )
        config["ops"][DBT_STEP]["config"]["allow_older_as_of"] = True
    result = _run_refresh(
        args.job,
        config,
        database=settings.database,
        environment={"HEALTHSCORE_AS_OF_DATE": as_of.isoformat()},
        tags={"healthscore/as_of_date": as_of.isoformat(), "healthscore/started_by": "job"},
    )
    if args.job == "quarterly_calibration":
        import dagster as dg

        from orchestration.defs.reports import unfenced

        summary = dagster_runs.materialization_metadata(
            result, dg.AssetKey(["weight_calibration"])
        ).get("summary")
        if summary:
            _say(unfenced(str(summary)))
    _say(
        f"Warehouse: {settings.location}. The run is in the Dagster UI "
        f"(healthscore ui; DAGSTER_HOME={dagster_runs.dagster_home()})."
    )
    return 0


def command_ui(args: argparse.Namespace) -> int:
    """Start `dagster dev` on the warehouse; build the demo first when there is no warehouse."""
    from orchestration import dagster_runs
    from orchestration.runtime.settings import settings_from_env

    settings = settings_from_env()
    if isinstance(settings.location, Path) and not settings.database.exists():
        _say(f"No warehouse at {settings.database} yet: building the demo company first.")
        demo_args = build_parser().parse_args(
            ["demo", "--landing", str(settings.landing), "--database", str(settings.database)]
        )
        command_demo(demo_args)
    home = dagster_runs.dagster_home()
    env = dict(os.environ)
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "HEALTHSCORE_DUCKDB_PATH": str(settings.database),
            "HEALTHSCORE_LANDING_DIR": str(settings.landing),
            # dagster-dbt parses the project with the `dbt` it finds on PATH.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            # `dagster dev` advises `dg dev` once on start; this command is the local entry point.
            "PYTHONWARNINGS": "ignore:Function `dev_command` is superseded",
        }
    )
    dagster = Path(sys.executable).with_name("dagster")
    # The location is registered under the name the project gives it ([tool.dg.project]),
    # so the code location does not warn that its name does not match on every load.
    workspace = dagster_runs.workspace_file(home)
    command = [str(dagster), "dev", "-w", str(workspace), "-h", args.host, "-p", str(args.port)]
    _say(
        f"Starting the Dagster UI on http://{args.host}:{args.port} "
        f"(warehouse {settings.location}) ..."
    )
    os.chdir(PROJECT_ROOT)
    os.execve(command[0], command, env)
    return 0  # not reached: execve replaces this process


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise UsageError(
            f"--accounts must be numbers separated by commas, got {text!r}."
        ) from error
    if not sizes or min(sizes) < 10:
        raise UsageError("--accounts needs at least one company size of 10 accounts or more.")
    return sizes


def command_bench(args: argparse.Namespace) -> int:
    from orchestration.devtools.benchmark import run_benchmark

    if args.months < 3:
        raise UsageError("--months must be at least 3 (the score needs 90 days of history).")
    if args.refresh_runs < 1:
        raise UsageError("--refresh-runs must be 1 or more.")
    run_benchmark(
        _parse_sizes(args.accounts),
        months=args.months,
        workdir=Path(args.workdir),
        seed=args.seed,
        event_density=args.event_density,
        refresh_runs=args.refresh_runs,
        keep=args.keep,
        say=_say,
    )
    return 0


def _parse_ints(text: str, flag: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise UsageError(f"{flag} must be numbers separated by commas, got {text!r}.") from error
    if not values:
        raise UsageError(f"{flag} needs at least one number.")
    return values


def command_validity(args: argparse.Namespace) -> int:
    from orchestration.demo_company import ARCHETYPE_NAMES
    from orchestration.devtools.validity import DEFAULT_MONTHS, run_validity
    from orchestration.runtime.pipeline import parse_as_of

    archetypes = [name.strip() for name in args.archetypes.split(",") if name.strip()]
    unknown = [name for name in archetypes if name not in ARCHETYPE_NAMES]
    if unknown or not archetypes:
        raise UsageError(
            f"--archetypes must name some of {', '.join(ARCHETYPE_NAMES)}; got {args.archetypes!r}."
        )
    if args.accounts < 100:
        raise UsageError("--accounts must be at least 100 (too few renewals to judge otherwise).")
    months = dict(DEFAULT_MONTHS)
    if args.months:
        months = dict.fromkeys(archetypes, args.months)
    run_validity(
        archetypes,
        _parse_ints(args.seeds, "--seeds"),
        accounts=args.accounts,
        months=months,
        as_of=parse_as_of(args.as_of),
        workdir=Path(args.workdir),
        say=_say,
    )
    return 0


def _add_target(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--target",
        help="the dbt target of profiles.yml to run on, e.g. postgres (sets HEALTHSCORE_TARGET; "
        "default: HEALTHSCORE_TARGET, else duckdb, the --database file)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="healthscore",
        description="Customer health scores from product, support, billing and CRM data.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="generate the demo company, build everything, print a summary"
    )
    demo.add_argument(
        "--accounts", type=int, default=2000, help="number of accounts (default 2000)"
    )
    demo.add_argument("--months", type=int, default=24, help="months of history (default 24)")
    demo.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    demo.add_argument(
        "--as-of", help="the demo's last day and as-of date, YYYY-MM-DD (default today)"
    )
    demo.add_argument(
        "--landing", default=str(DEFAULT_DEMO_LANDING), help="where to write the demo files"
    )
    demo.add_argument("--database", default=str(DEFAULT_DATABASE), help="the DuckDB warehouse file")
    demo.add_argument("--reports", help="where to write the report (default: beside the database)")
    _add_target(demo)
    demo.set_defaults(handler=command_demo)

    run = commands.add_parser(
        "run", help="load a landing folder of contract files and build everything"
    )
    run.add_argument(
        "--landing",
        help="folder of <table>.csv / <table>.parquet files (needed for the DuckDB file; on a "
        "--target, loaded into its raw schema, else the raw tables there are scored as landed)",
    )
    run.add_argument("--database", default=str(DEFAULT_DATABASE), help="the DuckDB warehouse file")
    run.add_argument("--as-of", help="score as of this date, YYYY-MM-DD (default today, UTC)")
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    run.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (development and CI; scheduled runs leave them out)",
    )
    run.add_argument(
        "--allow-older-as-of",
        action="store_true",
        help="rebuild a warehouse already scored as of a later date (from scratch)",
    )
    run.add_argument("--no-validate", action="store_true", help="skip validation and calibration")
    run.add_argument("--rebuild-from", help="backfill: recompute the score history from this date")
    run.add_argument("--rebuild-to", help="backfill: ... to this date (default: --rebuild-from)")
    run.add_argument("--reports", help="where to write the report (default: beside the database)")
    run.add_argument(
        "--vars",
        help="dbt variables as YAML, e.g. '{healthscore_score_cadence: daily}'",
    )
    run.add_argument(
        "--challenger",
        help="a folder of scoring seeds (or a git revision) scored in shadow beside the seeds "
        "in force: marts.challenger_scores and the report's Challenger section (default "
        "HEALTHSCORE_CHALLENGER_DIR)",
    )
    _add_target(run)
    run.set_defaults(handler=command_run)

    generate = commands.add_parser(
        "generate", help="write a fictional company's contract tables and hidden truth"
    )
    generate.add_argument("--out", required=True, help="landing folder to write")
    generate.add_argument(
        "--archetype",
        choices=ARCHETYPE_CHOICES,
        default="enterprise_b2b",
        help="kind of company (default enterprise_b2b, the demo with all ten tables; "
        "product_led: self-serve, product and billing data only; usage_smb: usage-priced "
        "SMB with billing, support and a thin CRM; see docs/archetypes.md)",
    )
    generate.add_argument("--accounts", type=int, default=2000)
    generate.add_argument("--months", type=int, default=24)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--end-date", help="last day of the history, YYYY-MM-DD (default today)")
    generate.add_argument("--format", choices=["mixed", "csv", "parquet"], default="mixed")
    generate.add_argument("--clean", action="store_true", help="no contract-breaking rows")
    generate.add_argument(
        "--event-density",
        type=float,
        default=1.0,
        help="feature events per active user-day relative to the demo (default 1.0)",
    )
    generate.add_argument("--force", action="store_true", help="overwrite a non-empty folder")
    generate.set_defaults(handler=command_generate)

    summary = commands.add_parser("summary", help="print the summary of a built warehouse")
    summary.add_argument("--database", default=str(DEFAULT_DATABASE))
    _add_target(summary)
    summary.set_defaults(handler=command_summary)

    validate = commands.add_parser(
        "validate",
        help="backtest past scores against renewals, calibrate weights, write the report",
    )
    validate.add_argument("--database", default=str(DEFAULT_DATABASE))
    validate.add_argument(
        "--reports", help="where to write the report (default: beside the database)"
    )
    validate.add_argument(
        "--landing", help="the landing folder (a demo's _truth/ gives the AUC ceiling)"
    )
    _add_target(validate)
    validate.set_defaults(handler=command_validate)

    replay = commands.add_parser(
        "replay",
        help="replay another scoring configuration over the stored past, beside the current one",
    )
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--config", help="a folder of scoring seeds (a file it lacks is the current one)"
    )
    source.add_argument("--revision", help="a git revision whose seeds/ to replay")
    replay.add_argument("--database", default=str(DEFAULT_DATABASE))
    replay.add_argument(
        "--min-coverage",
        type=float,
        help="healthscore_min_coverage of the replayed configuration (default: the warehouse's)",
    )
    replay.add_argument(
        "--reports", help="where to write replay_<fingerprint>.html/.json (default: beside it)"
    )
    _add_target(replay)
    replay.set_defaults(handler=command_replay)

    for name in ("adopt", "adopt-weights"):
        adopt = commands.add_parser(
            name,
            help="make a calibration proposal the scoring seeds and rescore the history"
            if name == "adopt"
            else "the former name of adopt",
        )
        adopt.add_argument(
            "--proposal",
            required=True,
            help="the proposal folder written by validate (reports/proposal), or a "
            "weight_profiles.csv",
        )
        adopt.add_argument(
            "--database", default=str(DEFAULT_DATABASE), help="the warehouse to rescore"
        )
        adopt.add_argument(
            "--no-rescore", action="store_true", help="only change the seeds; rescore later"
        )
        adopt.add_argument("--reports", help="where to write the report (default: beside it)")
        adopt.add_argument(
            "--landing", help="the landing folder (a generated company's _truth/ gives the ceiling)"
        )
        _add_target(adopt)
        adopt.set_defaults(handler=command_adopt)

    gate = commands.add_parser(
        "gate",
        help="judge the scoring seeds against the accepted configuration on the gate company "
        "(docs/scoring_changes.md); record them",
    )
    gate.add_argument(
        "--database",
        help="a built warehouse to judge on (default: the gate company, built under "
        "warehouse/scoring_gate/ when missing)",
    )
    gate.add_argument("--seeds", help="the folder of scoring seeds to judge (default seeds/)")
    gate.add_argument("--record", help="the gate record (default tests/scoring_gate/accepted.yml)")
    accepting = gate.add_mutually_exclusive_group()
    accepting.add_argument(
        "--accept",
        action="store_true",
        help="record a change that is not worse as the accepted configuration",
    )
    accepting.add_argument(
        "--accept-trade-off",
        metavar="WHY",
        help="record a worse change as an accepted trade-off, with why",
    )
    gate.add_argument("--by", help="who accepts the trade-off (default: git config user.name)")
    gate.set_defaults(handler=command_gate)

    job = commands.add_parser(
        "job",
        help="run a Dagster job once, against the warehouse and the instance the UI uses",
    )
    job.add_argument("job", choices=JOBS, help="the job to run")
    job.add_argument(
        "--as-of",
        help="score as of this date, YYYY-MM-DD (default HEALTHSCORE_AS_OF_DATE, else today)",
    )
    job.add_argument("--rebuild-from", help="score_history_backfill: the first date to recompute")
    job.add_argument("--rebuild-to", help="... and the last (default: --rebuild-from)")
    job.add_argument(
        "--allow-older-as-of",
        action="store_true",
        help="rebuild a warehouse already scored as of a later date (from scratch)",
    )
    _add_target(job)
    job.set_defaults(handler=command_job)

    ui = commands.add_parser("ui", help="start the Dagster UI on the demo warehouse")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--host", default="127.0.0.1")
    _add_target(ui)
    ui.set_defaults(handler=command_ui)

    bench = commands.add_parser(
        "bench", help="time the full build and a one-day incremental refresh by company size"
    )
    bench.add_argument(
        "--accounts", default="1000,10000", help="company sizes, comma-separated (1000,10000)"
    )
    bench.add_argument("--months", type=int, default=24, help="months of history (default 24)")
    bench.add_argument("--seed", type=int, default=7)
    bench.add_argument(
        "--event-density",
        type=float,
        default=1.6,
        help="feature events per active user-day relative to the demo (default 1.6: about "
        "5,500 product events per account over 24 months)",
    )
    bench.add_argument(
        "--refresh-runs",
        type=int,
        default=3,
        help="one-day refreshes per size, each from the same warehouse; the median is reported "
        "(default 3)",
    )
    bench.add_argument(
        "--workdir", default=str(PROJECT_ROOT / "bench"), help="scratch folder (default bench/)"
    )
    bench.add_argument("--keep", action="store_true", help="keep each size's files and warehouse")
    bench.set_defaults(handler=command_bench)

    validity = commands.add_parser(
        "validity",
        help="generate companies of each archetype, calibrate on earlier renewals and judge the "
        "score on later ones against naive baselines and the ceiling",
    )
    validity.add_argument(
        "--archetypes",
        default="enterprise_b2b,product_led,usage_smb",
        help="archetypes, comma-separated (default: all three)",
    )
    validity.add_argument("--seeds", default="1", help="seeds, comma-separated (default 1)")
    validity.add_argument("--accounts", type=int, default=2000, help="accounts per company")
    validity.add_argument(
        "--months",
        type=int,
        help="months of history for every company (default: product_led 6, usage_smb 18, "
        "enterprise_b2b 24)",
    )
    validity.add_argument("--as-of", help="the companies' last day, YYYY-MM-DD (default today)")
    validity.add_argument(
        "--workdir",
        default=str(PROJECT_ROOT / "bench" / "validity"),
        help="scratch folder (default bench/validity)",
    )
    validity.set_defaults(handler=command_validity)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from orchestration.dagster_runs import JobFailed
    from orchestration.runtime.dbt_invoke import DbtError
    from orchestration.runtime.loader import LandingError
    from orchestration.runtime.warehouse import TARGET_ENV, WarehouseConnectionError
    from orchestration.runtime.warehouse import Error as StatementError
    from orchestration.runtime.warehouse_file import PUBLISHED, WarehouseBusy, WarehouseError

    PUBLISHED.clear()  # what this command publishes (main may run more than once in a process)
    _STOPS_RECEIVED.clear()
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    # --target is HEALTHSCORE_TARGET for this command (and the dbt and Dagster runs it starts).
    target_before = os.environ.get(TARGET_ENV)
    if getattr(args, "target", None):
        os.environ[TARGET_ENV] = args.target
    # Handlers can be set only in the main thread (tests also call main() from others).
    in_main_thread = threading.current_thread() is threading.main_thread()
    stops = (signal.SIGTERM, signal.SIGHUP) if in_main_thread else ()
    previous = {number: signal.getsignal(number) for number in stops}
    for number in previous:
        signal.signal(number, _stop_on)
    try:
        try:
            return handler(args)
        except Exception as error:
            if _STOPS_RECEIVED:  # the error is how a library reported the stop
                raise Stopped(_STOPS_RECEIVED[0]) from error
            raise
    except WarehouseBusy as error:
        if os.environ.get("HEALTHSCORE_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 75
    except (
        UsageError,
        LandingError,
        WarehouseError,
        WarehouseConnectionError,
        ValueError,
    ) as error:
        if os.environ.get("HEALTHSCORE_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    except JobFailed as error:
        if os.environ.get("HEALTHSCORE_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except DbtError as error:
        if os.environ.get("HEALTHSCORE_DEBUG"):
            raise
        target = _on_target()
        left = (
            f"dbt builds in place on target {target}: the models before the failure are "
            "updated, the failed ones and those after them are as they were."
            if target
            else "The warehouse was left as it was before this run."
        )
        print(f"error: {error}\n{left}", file=sys.stderr)
        return 1
    except StatementError as error:  # the warehouse refused a statement of the Python half
        if os.environ.get("HEALTHSCORE_DEBUG"):
            raise
        lines = str(error).strip().splitlines()
        print(
            f"error: the warehouse refused a statement ({type(error).__name__}: "
            f"{lines[0] if lines else 'no message'}). A missing relation: build the warehouse "
            "first (healthscore run); HEALTHSCORE_DEBUG=1 shows which statement.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"interrupted; {_what_was_left()}", file=sys.stderr)
        return 130
    except Stopped as stop:
        print(f"stopped by {stop}; {_what_was_left()}", file=sys.stderr)
        return 128 + stop.number
    finally:
        for number, handler_before in previous.items():
            signal.signal(number, handler_before)
        if getattr(args, "target", None):
            if target_before is None:
                os.environ.pop(TARGET_ENV, None)
            else:
                os.environ[TARGET_ENV] = target_before


if __name__ == "__main__":
    sys.exit(main())
