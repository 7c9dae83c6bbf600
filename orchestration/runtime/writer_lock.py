"""One writer at a time, wherever the warehouse is.

- The embedded DuckDB file: the lock file beside it (warehouse_file.WriterLock), as always.
- A PostgreSQL target: a session-level advisory lock (`pg_try_advisory_lock`) in the target's
  own database, held by a connection of this process for as long as it writes, and released by
  the server when that connection ends (the process killed included). Every run on the same
  database, from any machine, meets the same lock; the connection's application_name says who
  holds it.
- Any other target (Spark, Snowflake, BigQuery, Databricks): a lock file in the project's state
  folder (beside the reports and alerts: the folder of HEALTHSCORE_DUCKDB_PATH, where no DuckDB
  file is created on a target), so runs started from one deployment never build at once.

A second writer waits up to HEALTHSCORE_LOCK_WAIT_SECONDS (default 600) saying who holds the
lock, then gives up with WarehouseBusy.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.runtime import warehouse
from orchestration.runtime.warehouse import Location, Target
from orchestration.runtime.warehouse_file import (
    LOCK_WAIT_ENV,
    WarehouseBusy,
    WarehouseError,
    WriterLock,
    lock_wait_seconds,
)

# The advisory lock's two keys (pg_locks shows them as classid and objid): "HS", 1.
ADVISORY_KEYS = (0x4853, 1)
POLL_SECONDS = 0.5


def _application_name(command: str) -> str:
    """What the lock's connection calls itself (PostgreSQL keeps 63 bytes of it)."""
    return f"{command} (pid {os.getpid()} on {socket.gethostname()})"[:63]


class PostgresWriterLock:
    """The writer lock of a PostgreSQL target: an advisory lock held by a connection of its own."""

    def __init__(self, target: Target, command: str) -> None:
        self.target = target
        self.command = command
        self._connection: warehouse.Warehouse | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def _try(self, cursor: object) -> bool:
        cursor.execute("select pg_try_advisory_lock(%s, %s)", ADVISORY_KEYS)  # type: ignore[attr-defined]
        return bool(cursor.fetchone()[0])  # type: ignore[attr-defined]

    def holder(self, cursor: object) -> str:
        """Who holds the lock, from the server's own view of the holding connection."""
        cursor.execute(  # type: ignore[attr-defined]
            """select activity.application_name, activity.client_addr, activity.usename,
                      activity.pid,
                      to_char(activity.backend_start at time zone 'UTC',
                              'YYYY-MM-DD HH24:MI:SS')
               from pg_locks as locks
               inner join pg_stat_activity as activity on activity.pid = locks.pid
               where locks.locktype = 'advisory' and locks.granted
                 and locks.classid = %s and locks.objid = %s and locks.objsubid = 2
                 and locks.database = (select oid from pg_database
                                       where datname = current_database())""",
            ADVISORY_KEYS,
        )
        row = cursor.fetchone()  # type: ignore[attr-defined]
        if row is None:
            return "another run"
        name, address, user, pid, since = row
        where = f"since {since} UTC; server pid {pid}, user {user}" + (
            f", from {address}" if address else ""
        )
        return f"{name or 'another run'} ({where})"

    def acquire(self, say: Callable[[str], None], wait_seconds: float | None = None) -> None:
        wait = lock_wait_seconds() if wait_seconds is None else wait_seconds
        connection = warehouse.connect(self.target, read_only=False)
        cursor = connection.con.cursor()  # type: ignore[attr-defined]
        try:
            # What another run's message says about this one (application_name: 63 bytes).
            cursor.execute(
                "select set_config('application_name', %s, false)",
                [_application_name(self.command)],
            )
            if not self._try(cursor):
                who = self.holder(cursor)
                say(
                    f"  {self.target} is being written by {who}; waiting up to {wait:.0f} s for "
                    f"it to finish ({LOCK_WAIT_ENV}) ..."
                )
                started = time.monotonic()
                while not self._try(cursor):
                    if time.monotonic() - started >= wait:
                        who = self.holder(cursor)
                        raise WarehouseBusy(
                            f"{self.target} is still being written by {who} after {wait:.0f} s; "
                            f"run again when it has finished, or set {LOCK_WAIT_ENV} to wait "
                            "longer."
                        )
                    time.sleep(POLL_SECONDS)
                say(f"  the other run finished; went on after {time.monotonic() - started:.0f} s.")
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute("select pg_advisory_unlock(?, ?)", list(ADVISORY_KEYS))
            except warehouse.Error:
                pass  # closing the connection releases it too
            finally:
                connection.close()


class FileWriterLock(WriterLock):
    """The writer lock of a target without a lock of its own: a lock file in the state folder."""

    def __init__(self, target: Target, command: str, state_dir: Path) -> None:
        super().__init__(Path(state_dir) / f"target-{target.name}", command)
        self.target = target

    def acquire(self, say: Callable[[str], None], wait_seconds: float | None = None) -> None:
        try:
            super().acquire(say, wait_seconds)
        except WarehouseBusy as error:
            raise WarehouseBusy(str(error).replace(str(self.database), str(self.target))) from None


def writer_lock(
    location: Location, *, command: str, state_dir: Path
) -> WriterLock | PostgresWriterLock:
    """The writer lock of `location` (module docstring); not yet acquired."""
    if isinstance(location, Path):
        return WriterLock(location, command)
    if location.engine == "postgres":
        return PostgresWriterLock(location, command)
    return FileWriterLock(location, command, state_dir)


# The name the plan gives the target-side lock classes.
TargetWriterLock = PostgresWriterLock | FileWriterLock


@contextmanager
def writing_location(
    location: Location,
    *,
    command: str,
    say: Callable[[str], None],
    state_dir: Path,
    wait_seconds: float | None = None,
) -> Iterator[WriterLock | PostgresWriterLock]:
    """Hold the writer lock of `location` for the block. For the DuckDB file this is
    warehouse_file.writing (leftovers of a killed run removed, the unpublished copy too)."""
    if isinstance(location, Path):
        from orchestration.runtime.warehouse_file import writing

        with writing(location, command=command, say=say, wait_seconds=wait_seconds) as lock:
            yield lock
        return
    lock = writer_lock(location, command=command, state_dir=state_dir)
    try:
        lock.acquire(say, wait_seconds)
    except warehouse.WarehouseConnectionError as error:
        raise WarehouseError(str(error)) from None
    try:
        yield lock
    finally:
        lock.release()
