"""Run dbt commands on this project as a subprocess, with compact progress output.

A subprocess (rather than dbt's in-process runner) releases the DuckDB file completely when it
ends, which the build-then-swap in pipeline.py relies on.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.runtime.contract import PROJECT_ROOT

# "12 of 287 OK created sql table model ..." / "... PASS ..." / "... FAIL 3 ..." / "... ERROR ..."
_RESULT_LINE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|FAIL|ERROR|SKIP|NO-OP)\b(.*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# Scheduled and production builds leave out dbt's unit tests: their inputs are fixed rows, so
# they test the code, not the day's data, and belong to development and CI (dbt's own advice).
# `healthscore demo`, `healthscore run --unit-tests` and the test suite run them.
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


# The dbt vars of the Dagster code location (a YAML or JSON mapping), e.g. the source mappings:
# HEALTHSCORE_DBT_VARS='{healthscore_billing_mapping: stripe}'. They are passed to the dbt parse
# that writes its manifest (which models, sources and dependencies the assets are) and to every
# dbt build its runs start, under the vars a run adds; dbt_project.yml's vars are the defaults.
DBT_VARS_ENV = "HEALTHSCORE_DBT_VARS"


def code_location_dbt_vars() -> dict[str, object]:
    """HEALTHSCORE_DBT_VARS as a mapping (empty when unset); a value that is no mapping is a
    ValueError naming the variable."""
    text = os.environ.get(DBT_VARS_ENV, "").strip()
    if not text:
        return {}
    import yaml

    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{DBT_VARS_ENV} must be a YAML or JSON mapping: {error}") from None
    if not isinstance(parsed, dict):
        raise ValueError(
            f"{DBT_VARS_ENV} must be a mapping, e.g. '{{healthscore_billing_mapping: stripe}}'."
        )
    # YAML reads 2024-01-01 as a date: as text, as dbt's own --vars would pass it on.
    return json.loads(json.dumps(parsed, default=str))


class DbtError(Exception):
    """dbt ended with an error; the message lists what failed and where the full log is."""


@dataclass
class DbtResult:
    returncode: int
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    log_path: Path | None = None
    seconds: float = 0.0


def dbt_executable() -> str:
    """The dbt entry point installed next to this Python interpreter."""
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise DbtError("dbt is not installed in this environment; run `make install` first.")
    return found


# The run's as-of date travels as an environment variable, not a dbt var: dbt re-parses the
# whole project whenever a var changes (about 4 s here, and a daily run changes the date every
# day), while macros/utils/as_of_date.sql reads the variable only when SQL is compiled, so a
# new date re-parses nothing. A healthscore_as_of_date var, when given, still wins.
AS_OF_ENV = "HEALTHSCORE_AS_OF_DATE"


def dbt_env(
    database: Path | None, target: str = "duckdb", as_of: dt.date | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env["HEALTHSCORE_TARGET"] = target
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if database is not None:
        env["HEALTHSCORE_DUCKDB_PATH"] = str(database)
    if as_of is not None:
        env[AS_OF_ENV] = as_of.isoformat()
    return env


@contextmanager
def as_of_in_environment(as_of: dt.date) -> Iterator[None]:
    """Set HEALTHSCORE_AS_OF_DATE in this process while a dbt subprocess is started whose
    environment is copied from it (dagster-dbt's DbtCliResource.cli), then restore it."""
    previous = os.environ.get(AS_OF_ENV)
    os.environ[AS_OF_ENV] = as_of.isoformat()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(AS_OF_ENV, None)
        else:
            os.environ[AS_OF_ENV] = previous


@contextmanager
def stopped_on_exit(process: subprocess.Popen, grace_seconds: float = 15.0) -> Iterator[None]:
    """Stop `process` (SIGTERM, then SIGKILL after `grace_seconds`) when the block is left by an
    exception: Ctrl-C, SIGTERM or SIGHUP handled in this process, or an error reading its output.
    Without it, leaving the block would wait for dbt to finish its whole build."""
    try:
        yield
    except BaseException:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        raise


def _end_with_parent(parent: int) -> Callable[[], None] | None:
    """Linux: what the dbt child runs before exec so that it gets a SIGTERM when the thread that
    started it dies, the process killed with kill -9 included (PR_SET_PDEATHSIG): no dbt builds
    on, orphaned, into a copy nobody will publish. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # loaded before the fork, not in the child

    def end_with_parent() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(143)

    return end_with_parent


def start_dbt(command: list[str], **popen_options: Any) -> subprocess.Popen:
    """Start a dbt command directly (a production run's launch): Ctrl-C reaches it from the
    terminal; SIGTERM and SIGHUP stop it through stopped_on_exit; on Linux, it ends with its
    parent (_end_with_parent)."""
    return subprocess.Popen(command, preexec_fn=_end_with_parent(os.getpid()), **popen_options)


def run_dbt(
    args: list[str],
    *,
    database: Path | None,
    dbt_vars: dict[str, object] | None = None,
    as_of: dt.date | None = None,
    target: str = "duckdb",
    log_dir: Path | None = None,
    say: Callable[[str], None] = print,
    check: bool = True,
    project_dir: Path = PROJECT_ROOT,
    launch: Callable[..., subprocess.Popen] = start_dbt,
) -> DbtResult:
    """Run `dbt <args>` on the project; print progress every tenth of the nodes and every
    warning or failure as it happens. Raises DbtError when dbt fails and `check` is set.
    `as_of` is the date the run scores as of (HEALTHSCORE_AS_OF_DATE; today in UTC if unset).
    `project_dir` is a copy of the project to run instead (the validity benchmark scores each
    company with seeds of its own). `launch(command, **popen_options)` starts the process
    (start_dbt; the benchmark passes its peak-memory launcher)."""
    command = [dbt_executable(), *args, "--project-dir", str(project_dir)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        command += ["--log-path", str(log_dir)]
    result = DbtResult(returncode=0, log_path=(log_dir or project_dir / "logs") / "dbt.log")
    tail: list[str] = []
    next_report, finished = 0.1, 0
    started = time.monotonic()
    with (
        launch(
            command,
            cwd=project_dir,
            env=dbt_env(database, target, as_of),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        ) as process,
        stopped_on_exit(process),
    ):
        assert process.stdout is not None
        for raw_line in process.stdout:
            line = _ANSI.sub("", raw_line.rstrip())
            tail = (tail + [line])[-40:]
            match = _RESULT_LINE.search(line)
            if not match:
                continue
            total, status = int(match.group(2)), match.group(3)
            if total != result.total:  # a new phase: the on-run-start hook, then the nodes
                result.total, finished, next_report = total, 0, 0.1
            finished += 1
            result.counts[status] = result.counts.get(status, 0) + 1
            if status in {"WARN", "FAIL", "ERROR"}:
                text = f"    {status}: {match.group(4).strip(' .')}"
                result.problems.append(text)
                say(text)
            if total > 1 and finished / total >= next_report:
                say(f"    dbt {args[0]}: {finished}/{total} done")
                while finished / total >= next_report:
                    next_report += 0.1
        result.returncode = process.wait()
    result.seconds = time.monotonic() - started
    if result.returncode != 0 and check:
        detail = "\n".join(result.problems) or "\n".join(tail[-15:])
        raise DbtError(
            f"dbt {args[0]} failed (exit code {result.returncode}).\n{detail}\n"
            f"Full log: {result.log_path}"
        )
    return result
