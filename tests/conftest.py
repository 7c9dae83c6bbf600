"""Shared fixtures: one small generated company, and one warehouse built from it.

Each dbt build costs tens of seconds, so the expensive fixtures are session-scoped and tests
read from them; tests that need their own build say so in their name.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main as cli_main
from orchestration.lib.demo_company import GenerationReport, generate_company

# Under pytest-xdist, each worker's dbt commands write their own target folder: two dbt
# processes compiling into one folder at once would overwrite each other's files.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("DBT_TARGET_PATH", f"target/{os.environ['PYTEST_XDIST_WORKER']}")

SMALL_END_DATE = dt.date(2026, 6, 28)  # a Sunday, so the as-of date is also a cadence date


@dataclass(frozen=True)
class GeneratedCompany:
    landing: Path
    report: GenerationReport


@dataclass(frozen=True)
class BuiltWarehouse:
    database: Path
    output: str


@pytest.fixture(scope="session")
def small_company(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCompany:
    """A small demo company (150 accounts, 15 months) with its injected dirt."""
    landing = tmp_path_factory.mktemp("small_company")
    report = generate_company(landing, accounts=150, months=15, seed=11, end_date=SMALL_END_DATE)
    return GeneratedCompany(landing, report)


@pytest.fixture(scope="session")
def built_warehouse(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The small company loaded and built with `healthscore run`."""
    database = tmp_path_factory.mktemp("warehouse") / "healthscore.duckdb"
    output = run_cli(
        [
            "run",
            "--landing",
            str(small_company.landing),
            "--database",
            str(database),
            "--as-of",
            SMALL_END_DATE.isoformat(),
            "--unit-tests",
        ],
    )
    assert output.code == 0, output.text
    return BuiltWarehouse(database, output.text)


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
