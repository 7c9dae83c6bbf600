"""Shared fixtures: one small generated company, and one warehouse built from it.

Each dbt build costs tens of seconds, so the expensive fixtures are session-scoped and tests
read from them; tests that need their own build say so in their name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import filelock
import pytest

from orchestration.cli import main as cli_main
from orchestration.demo_company import GenerationReport, generate_company

# Under pytest-xdist, each worker's dbt commands write their own target folder: two dbt
# processes compiling into one folder at once would overwrite each other's files.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("DBT_TARGET_PATH", f"target/{os.environ['PYTEST_XDIST_WORKER']}")

SMALL_END_DATE = dt.date(2026, 6, 28)  # a Sunday, so the as-of date is also a cadence date


def run_args(landing: Path, database: Path, as_of: dt.date, *extra: str) -> list[str]:
    """The arguments of `healthscore run` on a landing folder and a warehouse, as of a date."""
    return [
        "run",
        "--landing",
        str(landing),
        "--database",
        str(database),
        "--as-of",
        as_of.isoformat(),
        *extra,
    ]


@dataclass(frozen=True)
class GeneratedCompany:
    landing: Path
    report: GenerationReport


@dataclass(frozen=True)
class BuiltWarehouse:
    database: Path
    output: str


# The longest test files first (under pytest-xdist, a long file started last would run on alone
# at the end); the others keep their order.
LONGEST_FIRST = (
    "test_warehouses.py",
    "test_incremental.py",
    "test_dagster.py",
    "test_operations.py",
    "test_cli.py",
    "test_leakage.py",
    "test_scoring_gate.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build) -> Path:
    """A folder that `build(folder)` fills, built once per test session: under pytest-xdist the
    first worker to ask builds it in the session's shared temporary folder while the others
    wait for it (pytest-xdist's documented pattern)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    with filelock.FileLock(f"{folder}.lock"):
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


@pytest.fixture(scope="session")
def small_company(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCompany:
    """A small demo company (150 accounts, 15 months) with its injected dirt. Shared by the
    workers: tests never write into it."""

    def generate(folder: Path) -> None:
        report = generate_company(
            folder / "landing", accounts=150, months=15, seed=11, end_date=SMALL_END_DATE
        )
        (folder / "report.pickle").write_bytes(pickle.dumps(report))

    folder = _built_once(tmp_path_factory, "small_company", generate)
    report = pickle.loads((folder / "report.pickle").read_bytes())
    return GeneratedCompany(folder / "landing", report)


@pytest.fixture(scope="session")
def built_warehouse(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The small company loaded and built with `healthscore run`, built once; under
    pytest-xdist each worker gets its own copy of the warehouse's folder (some tests run
    commands on it); a serial run uses the folder it built."""

    def build(folder: Path) -> None:
        output = run_cli(
            run_args(
                small_company.landing, folder / "healthscore.duckdb", SMALL_END_DATE, "--unit-tests"
            ),
        )
        assert output.code == 0, output.text
        (folder / "output.txt").write_text(output.text)

    shared = _built_once(tmp_path_factory, "built_warehouse", build)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return BuiltWarehouse(shared / "healthscore.duckdb", (shared / "output.txt").read_text())
    own = tmp_path_factory.mktemp("warehouse")
    shutil.copytree(shared, own, dirs_exist_ok=True)
    text = (own / "output.txt").read_text().replace(str(shared), str(own))
    return BuiltWarehouse(own / "healthscore.duckdb", text)


class CliOutput:
    def __init__(self, code: int, text: str) -> None:
        self.code = code
        self.text = text


def run_cli(argv: list[str]) -> CliOutput:
    """Run the healthscore CLI in process and capture what it printed (stdout and stderr)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            code = cli_main(argv)
        except SystemExit as exit_:  # argparse errors
            code = int(exit_.code or 0)
    return CliOutput(code, buffer.getvalue())


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_landing(source: Path, target: Path, *, without: tuple[str, ...] = ()) -> Path:
    """A copy of a landing folder, leaving out some tables (and the hidden _truth folder)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        table = path.name.split(".")[0]
        if path.name.startswith("_") or table in without:
            continue
        if path.is_dir():
            shutil.copytree(path, target / path.name)
        else:
            shutil.copy2(path, target / path.name)
    return target


_READER = """
import json, signal, sys, time
import duckdb

database, mode = sys.argv[1], sys.argv[2]
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
queries, errors, versions = 0, [], []
held = duckdb.connect(database, read_only=True) if mode == "hold" else None
print("ready", flush=True)
while not stop:
    try:
        con = held or duckdb.connect(database, read_only=True)
        try:
            version = con.execute(
                "select count(*), round(sum(health_score), 6)::double from marts.account_health"
            ).fetchone()
        finally:
            if con is not held:
                con.close()
        queries += 1
        if not versions or versions[-1] != list(version):
            versions.append(list(version))
    except duckdb.Error as error:
        errors.append(str(error))
    time.sleep(0.2)
print(json.dumps({"queries": queries, "errors": errors, "versions": versions}), flush=True)
"""


class Readers:
    """BI-style readers in processes of their own (DuckDB shares one database instance per
    path within a process, so an in-process reader would not see what another process sees):
    one holds a read-only connection open and queries it every 0.2 s, the other opens a new
    read-only connection every 0.2 s. Every query error is kept, and each reader's successive
    versions of the score mart (its row count and score sum, each change of them once)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.errors: list[str] = []
        self.queries = 0
        self.held_versions: list[list[float]] = []
        self.polled_versions: list[list[float]] = []
        self._processes: list[subprocess.Popen[str]] = []

    def __enter__(self) -> Readers:
        for mode in ("hold", "poll"):
            process = subprocess.Popen(
                [sys.executable, "-c", _READER, str(self.database), mode],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            self._processes.append(process)
        return self

    def __exit__(self, *exc_info: object) -> None:
        time.sleep(1)  # a few more reads after what the block did
        for process in self._processes:
            process.send_signal(signal.SIGTERM)
        outputs = []
        for process in self._processes:
            out, _ = process.communicate(timeout=60)
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        for figures in outputs:
            self.queries += figures["queries"]
            self.errors.extend(figures["errors"])
        self.held_versions = outputs[0]["versions"]
        self.polled_versions = outputs[1]["versions"]
