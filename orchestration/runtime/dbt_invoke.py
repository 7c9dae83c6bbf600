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
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.runtime.contract import PROJECT_ROOT

# "12 of 287 OK created sql table model ..." / "... PASS ..." / "... FAIL 3 ..." / "... ERROR ..."
_RESULT_LINE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|FAIL|ERROR|SKIP|NO-OP)\b(.*)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# Scheduled and production builds leave out dbt's unit tests: their inputs are fixed rows, so
# they test the code, not the day's data, and belong to development and CI (dbt's own advice).
# `healthscore demo`, `healthscore run --unit-tests` and the test suite run them.
WITHOUT_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


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
    peak_memory_mb: float | None = None  # the dbt process's peak resident memory (Linux, macOS)


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
) -> DbtResult:
    """Run `dbt <args>` on the project; print progress every tenth of the nodes and every
    warning or failure as it happens. Raises DbtError when dbt fails and `check` is set.
    `as_of` is the date the run scores as of (HEALTHSCORE_AS_OF_DATE; today in UTC if unset).
    `project_dir` is a copy of the project to run instead (the validity benchmark scores each
    company with seeds of its own)."""
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
        start_measured(
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
        result.returncode, result.peak_memory_mb = wait_with_peak_memory(process)
    result.seconds = time.monotonic() - started
    if result.returncode != 0 and check:
        detail = "\n".join(result.problems) or "\n".join(tail[-15:])
        raise DbtError(
            f"dbt {args[0]} failed (exit code {result.returncode}).\n{detail}\n"
            f"Full log: {result.log_path}"
        )
    return result


# Linux keeps a process's peak resident memory across exec: a command started straight from
# a large process (the benchmark, after generating a company in memory) reports at least that
# process's size. This small launcher starts the command from a fresh interpreter instead,
# waits for it and writes the command's own peak (wait4's ru_maxrss) to the pipe it is given.
# It exits with the command's exit code (128 + n when a signal n ended the command). Ctrl-C
# reaches the command from the terminal, so the launcher ignores SIGINT and waits to report;
# SIGTERM and SIGHUP sent to the launcher are passed on to the command; on Linux, the launcher
# gets a SIGTERM when its parent dies (even by kill -9), and the command when the launcher does.
_MEASURED_LAUNCHER = """
import os, signal, subprocess, sys
report, command = int(sys.argv[1]), None


def forward(number, frame):
    if command is None:
        os._exit(128 + number)
    command.send_signal(number)


def end_with_parent():
    # Linux: a SIGTERM when the parent dies (even by kill -9), so nothing builds on orphaned.
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_command():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    end_with_parent()


end_with_parent()
if os.getppid() != int(sys.argv[2]):  # the parent died before the line above
    sys.exit(143)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGHUP, forward)
command = subprocess.Popen(sys.argv[3:], preexec_fn=start_command)
_, status, usage = os.wait4(command.pid, 0)
os.write(report, str(usage.ru_maxrss).encode())
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


class MeasuredProcess(subprocess.Popen):
    """A command started through the launcher above; `peak_report` is the pipe its peak memory
    arrives on (closed by wait_with_peak_memory, or on leaving a `with` block)."""

    peak_report: int | None = None

    def close_report(self) -> None:
        if self.peak_report is not None:
            os.close(self.peak_report)
            self.peak_report = None

    def __exit__(self, *exc_info: object) -> None:
        try:
            super().__exit__(*exc_info)
        finally:
            self.close_report()


def start_measured(command: list[str], **popen_options: object) -> MeasuredProcess:
    """Start `command` (subprocess.Popen options as usual, applied to the launcher, whose
    stdin, stdout, stderr, cwd and environment the command inherits) so that
    wait_with_peak_memory can report the command's own peak resident memory. Where wait4 is
    missing (Windows), the command is started directly and reports none."""
    if not hasattr(os, "wait4"):
        return MeasuredProcess(command, **popen_options)
    read_end, write_end = os.pipe()
    try:
        process = MeasuredProcess(
            [
                sys.executable,
                "-I",
                "-c",
                _MEASURED_LAUNCHER,
                str(write_end),
                str(os.getpid()),
                *command,
            ],
            pass_fds=(write_end,),
            **popen_options,
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    process.peak_report = read_end
    return process


def wait_with_peak_memory(process: subprocess.Popen) -> tuple[int, float | None]:
    """Wait for a process from start_measured; return its exit code and the command's peak
    resident memory in MB (None where it cannot be measured)."""
    returncode = process.wait()
    report = getattr(process, "peak_report", None)
    if report is None:
        return returncode, None
    try:
        text = os.read(report, 64).decode().strip()
    finally:
        process.close_report()
    if not text:  # the launcher failed before the command ended
        return returncode, None
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return returncode, int(text) * scale
