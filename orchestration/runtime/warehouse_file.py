"""The embedded DuckDB warehouse file: one writer at a time, readers never blocked.

Every path that writes a warehouse (the CLI's run, demo and adopt, and every Dagster run) goes
through the same three steps:

1. **Take the writer lock**, a lock file beside the warehouse (`.<name>.lock`, taken with
   filelock, released by the operating system when the process ends, even by `kill -9`). A
   second writer waits up to HEALTHSCORE_LOCK_WAIT_SECONDS (default 600) saying who holds it,
   then gives up with WarehouseBusy.
2. **Build on a copy**, in a folder beside the warehouse (`.<name>.build/<name>`: DuckDB names
   the catalog after the file, and dbt's compiled SQL refers to it). The folder is fixed, so
   whatever a killed run left there is removed by the next writer, which holds the lock and
   knows nobody else is building.
3. **Publish** the copy over the warehouse in one rename, only when the whole build passed.

Readers (BI tools, `healthscore summary`, the Dagster checks) open the published file
read-only and are never blocked: the writer never opens that file for writing, and a rename
does not disturb a connection that is already open. A connection opened before a publish
keeps reading the version it opened, whole and unchanged, until it reconnects.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import secrets
import shutil
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import filelock

LOCK_WAIT_ENV = "HEALTHSCORE_LOCK_WAIT_SECONDS"
DEFAULT_LOCK_WAIT_SECONDS = 600.0
DUCKDB_MAGIC = b"DUCK"  # bytes 8..11 of every DuckDB database file
# The build copy needs the warehouse's size and room to grow while dbt writes.
COPY_HEADROOM = 1.5


# Warehouses this process published, in order: the command line words its message on an
# interruption after a publish from it.
PUBLISHED: list[Path] = []


class WarehouseError(Exception):
    """A warehouse path or file that cannot be used; the message says what to do."""


class WarehouseBusy(WarehouseError):
    """Another run held the writer lock for longer than this run would wait."""


def lock_wait_seconds() -> float:
    text = os.environ.get(LOCK_WAIT_ENV)
    if not text:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        value = float(text)
    except ValueError as error:
        raise WarehouseError(
            f"{LOCK_WAIT_ENV} must be a number of seconds, got {text!r}."
        ) from error
    return max(value, 0.0)


def lock_path(database: Path) -> Path:
    return database.parent / f".{database.name}.lock"


def holder_path(database: Path) -> Path:
    return database.parent / f".{database.name}.writer.json"


def build_dir(database: Path) -> Path:
    return database.parent / f".{database.name}.build"


def check_database_path(database: Path) -> None:
    """Refuse, with one sentence, a --database that cannot be a warehouse file: a folder, a
    path below a file, or an existing file that is not a DuckDB database."""
    if database.is_dir():
        raise WarehouseError(
            f"--database {database} is a folder; pass a DuckDB file path inside it, e.g. "
            f"{database / 'healthscore.duckdb'}."
        )
    for parent in database.parents:
        if parent.exists():
            if not parent.is_dir():
                raise WarehouseError(
                    f"--database {database} cannot be created: {parent} is a file, not a folder."
                )
            break
    if database.exists():
        try:
            with database.open("rb") as handle:
                header = handle.read(12)
        except OSError as error:
            raise WarehouseError(
                f"--database {database} cannot be read ({error.strerror})."
            ) from error
        if len(header) < 12 or header[8:12] != DUCKDB_MAGIC:
            raise WarehouseError(
                f"--database {database} exists and is not a DuckDB database; pass the path of "
                "a warehouse this tool built, or of a file that does not exist yet."
            )


@dataclass
class Holder:
    pid: int
    host: str
    command: str
    started_at: str

    def describe(self) -> str:
        return f"{self.command} (pid {self.pid} on {self.host}, since {self.started_at} UTC)"


def read_holder(database: Path) -> Holder | None:
    try:
        return Holder(**json.loads(holder_path(database).read_text()))
    except (OSError, ValueError, TypeError):
        return None


class WriterLock:
    """The warehouse's writer lock; `acquire` waits a bounded time, saying who holds it."""

    def __init__(self, database: Path, command: str) -> None:
        self.database = database
        self.command = command
        self._lock = filelock.FileLock(str(lock_path(database)), thread_local=False)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self, say: Callable[[str], None], wait_seconds: float | None = None) -> None:
        wait = lock_wait_seconds() if wait_seconds is None else wait_seconds
        try:
            self.database.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = read_holder(self.database)
            who = holder.describe() if holder else "another run"
            say(
                f"  {self.database} is being written by {who}; waiting up to {wait:.0f} s for it "
                f"to finish ({LOCK_WAIT_ENV}) ..."
            )
            started = time.monotonic()
            try:
                self._lock.acquire(timeout=wait, poll_interval=0.5)
            except filelock.Timeout as error:
                holder = read_holder(self.database)
                who = holder.describe() if holder else "another run"
                raise WarehouseBusy(
                    f"{self.database} is still being written by {who} after {wait:.0f} s; run "
                    f"again when it has finished, or set {LOCK_WAIT_ENV} to wait longer."
                ) from error
            say(f"  the other run finished; went on after {time.monotonic() - started:.0f} s.")
        # After filelock.Timeout, which is an OSError too (a TimeoutError).
        except OSError as error:
            raise WarehouseError(
                f"Cannot lock {self.database} for writing: {lock_path(self.database)} cannot be "
                f"created ({error.strerror}); the warehouse's folder must be writable."
            ) from error
        holder = Holder(
            pid=os.getpid(),
            host=socket.gethostname(),
            command=self.command,
            started_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        )
        try:
            holder_path(self.database).write_text(json.dumps(holder.__dict__))
        except OSError as error:
            self._lock.release(force=True)
            raise WarehouseError(
                f"Cannot write beside {self.database} ({error.strerror}); the warehouse's "
                "folder must be writable."
            ) from error

    def release(self) -> None:
        if self._lock.is_locked:
            holder_path(self.database).unlink(missing_ok=True)
            self._lock.release(force=True)


def remove_leftovers(database: Path, say: Callable[[str], None]) -> None:
    """Remove what an interrupted or killed run left beside the warehouse. Call it holding the
    writer lock: then no other run is building."""
    # Before the fixed build folder, each run built in a .healthscore-build-<random> folder.
    earlier = [
        folder
        for folder in database.parent.glob(".healthscore-build-*")
        if (folder / database.name).exists()
    ]
    for leftover in [build_dir(database), *earlier]:
        if leftover.exists():
            size = _size_of(leftover)
            shutil.rmtree(leftover, ignore_errors=True)
            say(f"  removed {leftover}, left by an interrupted run ({size / 1e6:,.0f} MB).")


def _size_of(folder: Path) -> int:
    """The bytes of the files in a folder; a file that vanishes meanwhile counts 0."""
    size = 0
    for path in folder.rglob("*"):
        with suppress(OSError):
            size += path.stat().st_size if path.is_file() else 0
    return size


def _no_space(database: Path, needed: int) -> WarehouseError:
    free = shutil.disk_usage(database.parent).free
    return WarehouseError(
        f"Not enough disk space in {database.parent} to build a copy of the warehouse: it "
        f"needs about {needed / 1e9:.1f} GB, {free / 1e9:.1f} GB is free. Free some space or "
        "move the warehouse; it was left as it was."
    )


def start_copy(database: Path, *, fresh: bool) -> Path:
    """A build copy of `database` (an empty folder for it when `fresh` or when there is no
    warehouse yet), in build_dir(database). Hold the writer lock."""
    # A subfolder of its own per run: a dbt that outlived a killed run (its lock released with
    # it) can never write a WAL or spill file beside this run's copy.
    shutil.rmtree(build_dir(database), ignore_errors=True)
    folder = build_dir(database) / f"{os.getpid()}-{secrets.token_hex(4)}"
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        raise WarehouseError(
            f"Cannot create the build folder {folder} ({error.strerror}); the warehouse's "
            "folder must be writable."
        ) from error
    copy = folder / database.name
    if fresh or not database.exists():
        return copy
    size = database.stat().st_size
    needed = int(size * COPY_HEADROOM)
    if shutil.disk_usage(database.parent).free < needed:
        shutil.rmtree(folder, ignore_errors=True)
        raise _no_space(database, needed)
    try:
        shutil.copy2(database, copy)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _no_space(database, needed) from error
        raise WarehouseError(
            f"Cannot copy {database} to build on it ({error.strerror}); it was left as it was."
        ) from error
    return copy


def publish(copy: Path, database: Path) -> None:
    """Make the finished copy the warehouse, in one rename, durable on disk. A copy with a
    write-ahead log beside it was not closed cleanly: it is refused, not published."""
    wal = copy.with_name(copy.name + ".wal")
    if wal.exists():
        raise WarehouseError(
            f"The build copy {copy} was not closed cleanly (a write-ahead log is beside it); "
            f"{database} was left as it was. Run again."
        )
    try:
        with copy.open("rb+") as handle:
            os.fsync(handle.fileno())
        # A stop signal waits until the rename is recorded, so the message on stopping says
        # truly whether the build was published.
        stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        try:
            os.replace(copy, database)
            PUBLISHED.append(database)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if hasattr(os, "O_DIRECTORY"):
            directory = os.open(database.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    except OSError as error:
        raise WarehouseError(
            f"Cannot publish the new build over {database} ({error.strerror})."
        ) from error
    shutil.rmtree(build_dir(database), ignore_errors=True)


def discard(database: Path) -> None:
    shutil.rmtree(build_dir(database), ignore_errors=True)


@contextmanager
def writing(
    database: Path,
    *,
    command: str,
    say: Callable[[str], None],
    wait_seconds: float | None = None,
) -> Iterator[WriterLock]:
    """Hold the writer lock of `database` for the block, after removing a killed run's
    leftovers; on leaving, whatever build copy is left unpublished is removed."""
    check_database_path(database)
    lock = WriterLock(database, command)
    lock.acquire(say, wait_seconds)
    try:
        remove_leftovers(database, say)
        yield lock
    finally:
        discard(database)
        lock.release()
