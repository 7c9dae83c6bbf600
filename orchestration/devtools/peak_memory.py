"""The benchmark's peak-memory launcher: a command's own peak resident memory.

Linux keeps a process's peak resident memory across exec: a command started straight from a
large process (the benchmark, after generating a company in memory) reports at least that
process's size. The small launcher below starts the command from a fresh interpreter instead,
waits for it and writes the command's own peak (wait4's ru_maxrss) to the pipe it is given. It
exits with the command's exit code (128 + n when a signal n ended the command). Ctrl-C reaches
the command from the terminal, so the launcher ignores SIGINT and waits to report; SIGTERM and
SIGHUP sent to the launcher are passed on to the command; on Linux, the launcher gets a SIGTERM
when its parent dies (even by kill -9), and the command when the launcher does.

Only the benchmark uses it: it passes `start_measured` to run_dbt as its `launch`; a production
run starts dbt directly (orchestration.runtime.dbt_invoke.start_dbt).
"""

from __future__ import annotations

import os
import subprocess
import sys

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
    """A command started through the launcher above. `peak_report` is the pipe its peak memory
    arrives on; once the process has ended (any wait), the peak is read into `peak_memory_mb`
    and the pipe closed (also on leaving a `with` block)."""

    peak_report: int | None = None
    peak_memory_mb: float | None = None

    def wait(self, timeout: float | None = None) -> int:
        returncode = super().wait(timeout)
        self._read_peak()
        return returncode

    def _read_peak(self) -> None:
        if self.peak_report is None:
            return
        try:
            text = os.read(self.peak_report, 64).decode().strip()
        finally:
            self.close_report()
        if text:  # empty when the launcher failed before the command ended
            # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
            scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
            self.peak_memory_mb = int(text) * scale

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
    stdin, stdout, stderr, cwd and environment the command inherits) so that its own peak
    resident memory is known once it ends. Where wait4 is missing (Windows), the command is
    started directly and reports none. Fits run_dbt's `launch`."""
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


def wait_with_peak_memory(process: MeasuredProcess) -> tuple[int, float | None]:
    """Wait for a process from start_measured; return its exit code and the command's peak
    resident memory in MB (None where it cannot be measured)."""
    returncode = process.wait()
    return returncode, process.peak_memory_mb


class PeakMemory:
    """A `launch` for run_dbt that starts dbt through the launcher and keeps the peak resident
    memory of the last command it started (None until it ends, or where it cannot be
    measured)."""

    def __init__(self) -> None:
        self._last: MeasuredProcess | None = None

    def __call__(self, command: list[str], **popen_options: object) -> MeasuredProcess:
        self._last = start_measured(command, **popen_options)
        return self._last

    @property
    def peak_memory_mb(self) -> float | None:
        return None if self._last is None else self._last.peak_memory_mb
