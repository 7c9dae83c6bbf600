"""Fault injection: the warehouse stays right under real operations (the Dagster side is in
test_dagster.py).

Tried here, each on its own copy of a built warehouse: two runs started a second apart (the
first repeating the build the warehouse holds, compared mart by mart, with readers holding and
polling the warehouse through it); a writer that cannot get the lock; SIGTERM and SIGHUP at two
points of a run and kill -9 in the middle of one; the disk filling up during the copy; paths
that cannot be a warehouse or a landing folder. Each
test asserts that nothing was lost (the warehouse is byte for byte as before, or the new
build whole), that no run was reported successful that was not, and that no reader got an
error.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.runtime import warehouse_file
from orchestration.runtime.warehouse_file import WriterLock, build_dir, lock_path
from tests.conftest import (
    SMALL_END_DATE,
    BuiltWarehouse,
    GeneratedCompany,
    Readers,
    run_args,
    run_cli,
)

HEALTHSCORE = str(Path(sys.executable).with_name("healthscore"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_of(built: BuiltWarehouse, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "healthscore.duckdb"
    shutil.copy2(built.database, database)
    return database


def build_args(landing: Path, database: Path, as_of: dt.date, *extra: str) -> list[str]:
    return run_args(landing, database, as_of, "--no-validate", *extra)


def start(argv: list[str], log: Path, **env: str) -> subprocess.Popen:
    """`healthscore <argv>` in a process group of its own, its output in `log`."""
    return subprocess.Popen(
        [HEALTHSCORE, *argv],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **env},
    )


def wait_for(log: Path, text: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        time.sleep(0.2)
    raise AssertionError(f"never saw {text!r}:\n{log.read_text()}")


def processes_using(path: Path) -> list[str]:
    """Command lines of live processes that mention `path` (a build copy dbt would write)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if str(path) in cmdline or str(path).encode() in environ:
            found.append(cmdline)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find leftover processes")
@pytest.mark.parametrize(
    ("stop", "when", "exit_code", "message"),
    [
        (signal.SIGTERM, "dbt build: ", 143, "stopped by SIGTERM"),
        (signal.SIGHUP, "Loading ", 129, "stopped by SIGHUP"),
    ],
    ids=["sigterm-mid-build", "sighup-while-loading"],
)
def test_a_stopped_run_stops_dbt_removes_its_copy_and_says_so_in_one_line(
    built_warehouse: BuiltWarehouse,
    small_company: GeneratedCompany,
    tmp_path: Path,
    stop: signal.Signals,
    when: str,
    exit_code: int,
    message: str,
) -> None:
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = digest(database)
    log = tmp_path / "run.log"
    process = start(build_args(small_company.landing, database, SMALL_END_DATE), log)
    wait_for(log, when)
    process.send_signal(stop)  # to healthscore only, as a deployment's stop does
    assert process.wait(timeout=60) == exit_code, log.read_text()
    output = log.read_text()
    assert message in output and "Traceback" not in output
    assert output.strip().splitlines()[-1].endswith("left as it was before this run.")
    assert digest(database) == before
    assert not build_dir(database).exists()
    assert not processes_using(build_dir(database))
    assert not Path(f"{database}.wal").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find leftover processes")
def test_a_stopped_dagster_job_stops_dbt_publishes_nothing_and_says_so_in_one_line(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany, tmp_path: Path
) -> None:
    """`healthscore job` runs through Dagster, which takes SIGTERM over while a run executes:
    the stop reaches dbt through Dagster's interrupt (dagster-dbt passes it on), not through
    the command line's own handler."""
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = digest(database)
    log = tmp_path / "job.log"
    process = start(
        ["job", "daily_refresh", "--as-of", SMALL_END_DATE.isoformat()],
        log,
        HEALTHSCORE_DUCKDB_PATH=str(database),
        HEALTHSCORE_LANDING_DIR=str(small_company.landing),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    wait_for(log, "healthscore_dbt_models ...")
    deadline = time.monotonic() + 180
    while not any("dbt" in command for command in processes_using(build_dir(database))):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=90) == 130, log.read_text()
    output = log.read_text()
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        "interrupted; the warehouse was left as it was before this run."
    )
    assert digest(database) == before
    assert not build_dir(database).exists()
    assert not processes_using(build_dir(database))


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal and /proc are Linux's")
def test_after_kill_9_dbt_stops_and_the_next_run_removes_the_leftovers(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany, tmp_path: Path
) -> None:
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = digest(database)
    log = tmp_path / "killed.log"
    process = start(build_args(small_company.landing, database, SMALL_END_DATE), log)
    wait_for(log, "dbt build: ")
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while processes_using(build_dir(database)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not processes_using(build_dir(database)), "dbt went on after its parent died"
    assert digest(database) == before
    assert build_dir(database).exists()  # what kill -9 leaves behind
    # The next writer removes it, saying so; a run it cannot lock waits first (here: not).
    output = run_cli(build_args(small_company.landing, database, SMALL_END_DATE - dt.timedelta(7)))
    assert output.code == 2
    assert "left by an interrupted run" in output.text
    assert "already holds scores as of 2026-06-28" in output.text
    assert not build_dir(database).exists()
    assert digest(database) == before


def mart_rows(database: Path) -> dict[str, list[str]]:
    """Every mart's rows, sorted, without the audit column that records when dbt wrote them."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = {}
        for (mart,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall():
            columns = ", ".join(
                f'"{name}"'
                for (name,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? and column_name <> 'dbt_run_started_at' "
                    "order by column_index",
                    [mart],
                ).fetchall()
            )
            fetched = con.execute(f"select {columns} from marts.{mart}").fetchall()
            rows[mart] = sorted(map(repr, fetched))
        return rows
    finally:
        con.close()


def test_two_runs_a_second_apart_take_turns_a_rerun_changes_nothing_an_older_date_is_refused(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany, tmp_path: Path
) -> None:
    """The first run repeats the build the warehouse already holds (same landing folder, same
    as-of date): every mart must come out the same. The second, started a second later as of
    a week earlier, waits for the lock, then refuses to replace the later scores."""
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = mart_rows(database)
    later, earlier = SMALL_END_DATE, SMALL_END_DATE - dt.timedelta(days=7)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start(build_args(small_company.landing, database, later), first_log)
    wait_for(first_log, "Loading ")
    time.sleep(1)
    second = start(build_args(small_company.landing, database, earlier), second_log)
    with Readers(database) as readers:
        assert first.wait(timeout=600) == 0, first_log.read_text()
        assert second.wait(timeout=120) == 2, second_log.read_text()
    waited = second_log.read_text()
    assert "is being written by healthscore run (pid" in waited
    assert f"already holds scores as of {later}" in waited
    assert "--allow-older-as-of" in waited and "Traceback" not in waited
    after = mart_rows(database)
    assert len(after) >= 10 and after.keys() == before.keys()
    assert [mart for mart in before if after[mart] != before[mart]] == []
    assert readers.errors == [] and readers.queries > 0


def test_a_writer_that_cannot_get_the_lock_gives_up_after_the_wait_it_was_given(
    built_warehouse: BuiltWarehouse,
    small_company: GeneratedCompany,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = digest(database)
    holder = WriterLock(database, command="a test holding the lock")
    holder.acquire(say=lambda _: None)
    monkeypatch.setenv("HEALTHSCORE_LOCK_WAIT_SECONDS", "1")
    try:
        started = time.monotonic()
        output = run_cli(build_args(small_company.landing, database, SMALL_END_DATE))
        waited = time.monotonic() - started
    finally:
        holder.release()
    assert output.code == 75
    assert "is being written by a test holding the lock" in output.text
    assert "still being written" in output.text and "HEALTHSCORE_LOCK_WAIT_SECONDS" in output.text
    assert 1 <= waited < 30
    assert digest(database) == before


def test_a_full_disk_during_the_copy_is_one_clear_line_and_nothing_is_left(
    built_warehouse: BuiltWarehouse,
    small_company: GeneratedCompany,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = copy_of(built_warehouse, tmp_path / "warehouse")
    before = digest(database)

    def full_disk(source: Path, target: Path) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:4096])  # a partial copy
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(warehouse_file.shutil, "copy2", full_disk)
    output = run_cli(build_args(small_company.landing, database, SMALL_END_DATE))
    assert output.code == 2, output.text
    assert "Not enough disk space in" in output.text and "Traceback" not in output.text
    assert digest(database) == before
    assert not build_dir(database).exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "is a folder; pass a DuckDB file path inside it"),
        (
            lambda tmp: (tmp / "notes.txt").write_text("x") and tmp / "notes.txt" / "w.duckdb",
            "is a file, not a folder",
        ),
        (
            lambda tmp: (tmp / "w.duckdb").write_text("not a database") and tmp / "w.duckdb",
            "exists and is not a DuckDB database",
        ),
    ],
    ids=["database-is-a-folder", "database-under-a-file", "database-not-duckdb"],
)
def test_a_database_path_that_cannot_be_a_warehouse_is_one_clear_line(
    small_company: GeneratedCompany, tmp_path: Path, make: object, message: str
) -> None:
    database = make(tmp_path)  # type: ignore[operator]
    output = run_cli(build_args(small_company.landing, database, SMALL_END_DATE))
    assert output.code == 2, output.text
    assert message in output.text and "Traceback" not in output.text
    assert len(output.text.strip().splitlines()) == 1


def test_a_landing_path_that_is_a_file_is_one_clear_line(tmp_path: Path) -> None:
    landing = tmp_path / "landing.csv"
    landing.write_text("account_id\n")
    output = run_cli(build_args(landing, tmp_path / "w.duckdb", SMALL_END_DATE))
    assert output.code == 2
    assert "is a file; pass the folder that holds the contract files" in output.text


def test_a_lock_file_that_cannot_be_created_is_one_clear_line(
    small_company: GeneratedCompany, tmp_path: Path
) -> None:
    database = tmp_path / "w.duckdb"
    lock_path(database).mkdir()  # something in the lock file's way
    output = run_cli(build_args(small_company.landing, database, SMALL_END_DATE))
    assert output.code == 2, output.text
    assert "Cannot lock" in output.text and "must be writable" in output.text
    assert "Traceback" not in output.text and not database.exists()
