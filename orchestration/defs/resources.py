"""Resources shared by the assets: the warehouse, dbt, the alert destination. Runs execute
in process, one step at a time, so a run's steps share one WarehouseResource.

Where the runs read and write is the dbt target HEALTHSCORE_TARGET names (runtime/settings.py):
the embedded DuckDB file by default, built on a copy and published; any other target (a
PostgreSQL, Spark, Snowflake, BigQuery or Databricks warehouse) is built in place by dbt and read
through runtime/warehouse.py, with the same credentials dbt uses."""

import datetime as dt
import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import PrivateAttr

from orchestration.defs.project import dbt_project
from orchestration.runtime.dbt_invoke import dbt_executable
from orchestration.runtime.pipeline import previous_as_of
from orchestration.runtime.settings import settings_from_env
from orchestration.runtime.warehouse import Location, WarehouseConnectionError
from orchestration.runtime.warehouse import target as dbt_target
from orchestration.runtime.warehouse_file import (
    WarehouseError,
    WriterLock,
    discard,
    publish,
    remove_leftovers,
    start_copy,
)
from orchestration.runtime.writer_lock import PostgresWriterLock, writer_lock

DUCKDB_PATH_ENV = "HEALTHSCORE_DUCKDB_PATH"


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse (the DuckDB file, or the dbt target `target` names), the landing folder the
    DuckDB file is loaded from, and the date runs score as of when their config names none
    (None: today, UTC).

    On a dbt target other than the embedded file (`on_target`), the raw tables are the team's
    loader's, observed in place, and dbt builds the target in place, under the target's writer
    lock (runtime/writer_lock.py: a PostgreSQL advisory lock, else a lock file in the state
    folder) taken by `lock_target` and released when the dbt step ends; `location()` is the
    target. What follows is the DuckDB file's way.

    A run writes the way the command line does (orchestration/runtime/warehouse_file.py): its first
    writing step takes the warehouse's writer lock and starts a build copy (`open_copy`), dbt
    builds on the copy, and the dbt step publishes it in one rename when the build passed
    (`publish_copy`). Readers, and the run's later steps, read the published file; a run that
    fails or is stopped leaves the warehouse as it was (the copy is removed when the run ends,
    or by the next writer if the process was killed)."""

    database_path: str
    landing_dir: str
    reports_dir: str
    as_of_date: str | None = None
    # A challenger scoring configuration scored in shadow by the dbt step before it publishes
    # (HEALTHSCORE_CHALLENGER_DIR; analysis/challenger.py).
    challenger_dir: str | None = None
    # The dbt target of profiles.yml (HEALTHSCORE_TARGET); "duckdb" is the embedded file.
    target: str = "duckdb"

    _lock: WriterLock | PostgresWriterLock | None = PrivateAttr(default=None)
    _copy: Path | None = PrivateAttr(default=None)
    _env_before: str | None = PrivateAttr(default=None)

    def default_as_of(self) -> dt.date:
        return (
            dt.date.fromisoformat(self.as_of_date)
            if self.as_of_date
            else dt.datetime.now(dt.UTC).date()
        )

    @property
    def database(self) -> Path:
        return Path(self.database_path).resolve()

    @property
    def on_target(self) -> bool:
        """Whether the runs read and write a dbt target other than the embedded DuckDB file."""
        return self.target != "duckdb"

    def current_path(self) -> str:
        """What this run's steps read: its build copy while one is open, else the warehouse."""
        return str(self._copy) if self._copy is not None else str(self.database)

    def location(self) -> Location:
        """What this run's steps read and write, for runtime/warehouse.connect and the analysis
        functions: the DuckDB build copy or file (current_path), or the dbt target."""
        if self.on_target:
            return dbt_target(self.target)
        return Path(self.current_path())

    def describe(self) -> str:
        """The warehouse in words, for messages: the file's path, or the dbt target."""
        return str(dbt_target(self.target)) if self.on_target else str(self.database)

    def open_copy(self, log: dg.DagsterLogManager, *, empty: bool = False) -> Path:
        """Take the writer lock (waiting a bounded time) and start this run's build copy (an
        empty warehouse file when `empty`); later calls in the same run return the same copy.
        dbt, started from this process, builds on it (HEALTHSCORE_DUCKDB_PATH)."""
        if self._copy is not None:
            return self._copy
        lock = WriterLock(self.database, command="a Dagster run")
        try:
            lock.acquire(log.info)
            self._lock = lock
            remove_leftovers(self.database, log.info)
            self._copy = start_copy(self.database, fresh=empty)
        except WarehouseError as error:
            raise dg.Failure(description=str(error)) from error
        self._env_before = os.environ.get(DUCKDB_PATH_ENV)
        os.environ[DUCKDB_PATH_ENV] = str(self._copy)
        return self._copy

    def lock_target(self, log: dg.DagsterLogManager) -> None:
        """Take the dbt target's writer lock (waiting a bounded time), as `healthscore run` on
        the target does; held until the dbt step ends (`publish_copy`) or the run does."""
        if self._lock is not None:
            return
        lock = writer_lock(self.location(), command="a Dagster run", state_dir=self.database.parent)
        try:
            lock.acquire(log.info)
        except (WarehouseError, WarehouseConnectionError) as error:
            raise dg.Failure(description=str(error)) from error
        self._lock = lock

    def refuse_older(self, as_of: dt.date, allow_older: bool) -> bool:
        """Fail when the warehouse is already scored as of a later date, unless `allow_older`;
        returns whether the run goes back in time (and must rebuild from scratch)."""
        last = previous_as_of(self.location() if self.on_target else self.database)
        if last is None or as_of >= last:
            return False
        if not allow_older:
            raise dg.Failure(
                description=(
                    f"{self.describe()} already holds scores as of {last}, later than this run's "
                    f"{as_of}; it was left as it was. To rebuild it as of {as_of}, set "
                    "allow_older_as_of: true in the healthscore_dbt_models run config "
                    "(healthscore job: --allow-older-as-of)."
                )
            )
        return True

    def publish_copy(self, log: dg.DagsterLogManager) -> None:
        """Publish this run's build copy over the warehouse and release the lock (on a dbt
        target, built in place: release its lock)."""
        if self._copy is None:
            self._close()
            return
        publish(self._copy, self.database)
        log.info(f"Published the new build of {self.database}.")
        self._close()

    def _close(self) -> None:
        if self._copy is not None:
            discard(self.database)
            self._copy = None
            if self._env_before is None:
                os.environ.pop(DUCKDB_PATH_ENV, None)
            else:
                os.environ[DUCKDB_PATH_ENV] = self._env_before
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        # A copy still open here was not published: its run failed or was stopped.
        if self._copy is not None and context.log is not None:
            context.log.warning(
                f"The run did not finish its build; {self.database} was left as it was."
            )
        self._close()


class AlertDestinationResource(dg.ConfigurableResource):
    """Where new alerts go: a JSON-lines file, or a webhook URL when one is set."""

    jsonl_path: str
    webhook_url: str | None = None
    lookback_days: int = 7


@dg.definitions
def resources() -> dg.Definitions:
    settings = settings_from_env()
    return dg.Definitions(
        resources={
            # dbt runs on the target every other part reads (HEALTHSCORE_TARGET).
            "dbt": DbtCliResource(
                project_dir=dbt_project(),
                profiles_dir=str(dbt_project().project_dir),
                dbt_executable=dbt_executable(),
                target=settings.target,
            ),
            "warehouse": WarehouseResource(
                database_path=str(settings.database),
                landing_dir=str(settings.landing),
                reports_dir=str(settings.reports),
                as_of_date=settings.as_of_date,
                challenger_dir=settings.challenger,
                target=settings.target,
            ),
            "alerts": AlertDestinationResource(
                jsonl_path=str(settings.alerts_file),
                webhook_url=settings.webhook_url,
            ),
        },
        executor=dg.in_process_executor,
    )
