"""Run a job of the Dagster code location once, in this process, against the Dagster instance the
UI reads (DAGSTER_HOME, by default .dagster_home in the repository), so that the UI shows its
runs, materialisations and check results: `healthscore job` and `healthscore demo` use it.

Dagster and dbt log every event; that log goes to a file (logs/dagster_<job>.log beside the
warehouse) and the terminal gets one line per step. Where the job reads and writes comes from
the HEALTHSCORE_* environment variables, as for the UI (runtime/settings.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
import tomllib
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from orchestration.runtime.contract import PROJECT_ROOT

if TYPE_CHECKING:
    import dagster as dg

DAGSTER_YAML = """# Written by `healthscore`. DuckDB allows one writer: runs queue one at a time.
run_queue:
  max_concurrent_runs: 1
telemetry:
  enabled: false
"""
MANIFEST_TARGET = "target/dagster"
# Steps long enough to announce when they start (besides the dbt step); the others get one line
# when they end.
LONG_STEPS = {"weight_calibration", "validation_report", "weekly_review"}


class JobFailed(Exception):
    """A Dagster run ended with a failed step; the message says which and why."""


def dagster_home() -> Path:
    """The Dagster instance's folder (DAGSTER_HOME, else .dagster_home in the repository), with
    the dagster.yaml the UI and the command line share."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return home


def location_name(project_root: Path = PROJECT_ROOT) -> str:
    """The code location's name as Dagster's project loader derives it: [tool.dg.project]
    code_location_name in pyproject.toml, else the name of the repository's folder. Registered
    under any other name (`dagster dev -m ...` uses the module's), the loader warns on every
    load of the code location."""
    config = tomllib.loads((project_root / "pyproject.toml").read_text())
    project = config.get("tool", {}).get("dg", {}).get("project", {})
    return project.get("code_location_name") or project_root.name


def workspace_file(home: Path) -> Path:
    """A workspace.yaml in `home` loading orchestration.definitions under location_name()."""
    path = home / "workspace.yaml"
    path.write_text(
        "# Written by `healthscore ui`: the code location, under the name the project gives it.\n"
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: orchestration.definitions\n"
        f"      location_name: {location_name()}\n"
        f"      working_directory: {PROJECT_ROOT}\n"
    )
    return path


def parse_manifest() -> None:
    """Write the dbt manifest the code location reads (target/dagster), as a deployment does.
    Two commands may parse at once (a job and the tests, say), and a code location may be
    reading the manifest meanwhile: dbt parses into a folder of its own under a lock, and the
    manifest is put in place by a rename, so a reader sees the old one or the new one whole.
    The code location's dbt vars (HEALTHSCORE_DBT_VARS, e.g. the source mappings) are parsed
    with."""
    import filelock

    from orchestration.runtime.dbt_invoke import code_location_dbt_vars, run_dbt

    target = PROJECT_ROOT / MANIFEST_TARGET
    parsing = PROJECT_ROOT / f"{MANIFEST_TARGET}_parse"  # keeps dbt's partial-parse state
    target.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(f"{parsing}.lock"):
        run_dbt(
            ["parse", "--target-path", str(parsing)],
            database=None,
            dbt_vars=code_location_dbt_vars(),
            say=lambda _: None,
        )
        staged = target / f".manifest.json.{os.getpid()}"
        shutil.copyfile(parsing / "manifest.json", staged)
        os.replace(staged, target / "manifest.json")


@contextlib.contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class _StepLines:
    """Called with each event of the run: one line per finished step, saying what it recorded,
    and a line when a long step starts."""

    def __init__(self, say: Callable[[str], None]) -> None:
        # Made while a run starts, with Dagster loaded: the module itself stays light.
        from orchestration.defs.steps import DBT_STEP

        self.long_steps = LONG_STEPS | {DBT_STEP}
        self.say = say
        self.started: dict[str, float] = {}
        self.counts: dict[str, Counter[str]] = {}
        self.failures: list[str] = []
        self.interrupted = False

    def __call__(self, entry: object) -> None:
        from dagster import DagsterEventType

        event = getattr(entry, "dagster_event", None)
        if event is None or event.step_key is None:
            return
        step = event.step_key
        counts = self.counts.setdefault(step, Counter())
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.started[step] = time.monotonic()
            if step.split("[")[0] in self.long_steps:
                self.say(f"         {step} ...")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            counts["materialized"] += 1
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            counts["passed" if evaluation.passed else "failed"] += 1
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            seconds = time.monotonic() - self.started.get(step, time.monotonic())
            parts = []
            if counts["materialized"]:
                parts.append(_plural(counts["materialized"], "asset") + " materialised")
            if counts["passed"] or counts["failed"]:
                checks = _plural(counts["passed"] + counts["failed"], "check")
                failed = f", {counts['failed']:,} failed" if counts["failed"] else ""
                parts.append(f"{checks} evaluated{failed}")
            if kind == DagsterEventType.STEP_SUCCESS:
                self.say(f"  {seconds:>4.0f}s  {step}: {'; '.join(parts) or 'done'}")
            else:
                data = event.step_failure_data
                if data.error and data.error.cls_name == "DagsterExecutionInterruptedError":
                    self.interrupted = True
                reason = (
                    data.user_failure_data.description
                    if data.user_failure_data and data.user_failure_data.description
                    else data.error.message.strip()
                    if data.error
                    else "no reason given"
                )
                self.failures.append(f"{step}: {reason}")
                self.say(f"  {seconds:>4.0f}s  {step} FAILED: {reason.splitlines()[0]}")


@contextlib.contextmanager
def _stops_as_dagster_interrupts() -> Iterator[None]:
    """While a run executes, a stop signal interrupts it the way Dagster handles Ctrl-C: the
    step in progress gets Dagster's interrupt, and dagster-dbt passes it on to dbt and waits for
    it to end. Dagster maps SIGTERM to its interrupt handler itself, and leaves SIGTERM on
    Python's Ctrl-C handler when the run ends: SIGHUP is forwarded as SIGINT here, and both are
    given back their handlers afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGHUP, lambda number, frame: os.kill(os.getpid(), signal.SIGINT))
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def run_job(
    job_name: str,
    run_config: Mapping[str, object],
    *,
    log_dir: Path,
    tags: Mapping[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Execute `job_name` once in this process against the instance in dagster_home(), with
    `run_config`; the code location is loaded here, so its resources read the HEALTHSCORE_*
    variables as they are now. One line per step goes to standard output (as it is when
    called); Dagster's log goes to log_dir/dagster_<job>.log. Raises JobFailed when a step
    failed, KeyboardInterrupt when a stop signal or Ctrl-C interrupted the run."""
    home = dagster_home()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"dagster_{job_name}.log"
    run_id = str(uuid.uuid4())
    terminal: TextIO = sys.stdout  # Dagster's own output is redirected to the log below

    def say(line: str) -> None:
        print(line, file=terminal, flush=True)

    say(f"Running the Dagster job {job_name} (run {run_id[:8]}; its log: {log_path}) ...")
    started = time.monotonic()
    lines = _StepLines(say)
    with (
        environment({"DAGSTER_HOME": str(home)}),
        log_path.open("w") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        import dagster as dg

        from orchestration.definitions import defs

        job = defs().resolve_job_def(job_name)
        with dg.DagsterInstance.get() as instance, _stops_as_dagster_interrupts():
            instance.add_event_listener(run_id, lines)
            result = job.execute_in_process(
                run_config=dict(run_config),
                instance=instance,
                run_id=run_id,
                tags=dict(tags or {}),
                raise_on_error=False,
            )
    if lines.interrupted:
        # Dagster stopped the step (dagster-dbt stops dbt); the build copy was not published.
        raise KeyboardInterrupt
    if not result.success:
        reasons = "; ".join(lines.failures) or "see the log"
        raise JobFailed(
            f"the Dagster run {run_id} of {job_name} failed: {reasons} (log: {log_path}; "
            "the run is in the Dagster UI too)"
        )
    say(f"  {job_name} finished in {time.monotonic() - started:.0f}s.")
    return result


def materialization_metadata(
    result: dg.ExecuteInProcessResult, key: dg.AssetKey
) -> Mapping[str, object]:
    """The metadata values of `key`'s materialisation in the run (empty when it has none)."""
    for event in result.get_asset_materialization_events():
        if event.asset_key == key:
            return {name: value.value for name, value in event.materialization.metadata.items()}
    return {}
