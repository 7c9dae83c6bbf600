"""The scoring configuration's fingerprint: Python (orchestration/runtime/scoring_config.py)
and dbt (macro scoring_config_fingerprint) give the same string for the same seeds; the review
words a score change by cause."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from orchestration.analysis.review import change_causes
from orchestration.devtools.validity import copy_project
from orchestration.runtime.dbt_invoke import dbt_env, dbt_executable
from orchestration.runtime.scoring_config import (
    SCORING_SEEDS,
    changed_seeds,
    config_change_message,
    fingerprint,
    seed_checksums,
)

COMPILED = "select '{{ scoring_config_fingerprint() }}' as config_fingerprint"


def _dbt_fingerprint(project: Path, min_coverage: float) -> str:
    """The fingerprint dbt compiles in the project copy `project`."""
    completed = subprocess.run(
        [
            dbt_executable(),
            "compile",
            "--quiet",
            "--inline",
            COMPILED,
            "--project-dir",
            str(project),
            "--target-path",
            str(project / "target"),
            "--log-path",
            str(project / "logs"),
            "--vars",
            json.dumps({"healthscore_min_coverage": min_coverage}),
        ],
        cwd=project,
        env=dbt_env(None, "memory"),
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.split("'")[1]


def test_python_fingerprint_equals_dbts(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    seeds = project / "seeds"
    original = fingerprint(seeds, 0.5)
    # An edited weight (and trailing whitespace, which dbt's checksum strips) and another
    # minimum coverage: the copy's fingerprint must still be dbt's.
    weights = seeds / "weight_profiles.csv"
    lines = weights.read_text().splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    column = header.index("weight")
    first[column] = str(float(first[column]) + 1.0)
    weights.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n\n  ")
    edited = fingerprint(seeds, 0.4)
    assert len(edited) == 12 and int(edited, 16) >= 0
    assert edited != original
    assert _dbt_fingerprint(project, 0.4) == edited


def test_fingerprint_names_what_changed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    seeds = project / "seeds"
    before = seed_checksums(seeds)
    bands = seeds / "health_bands.csv"
    bands.write_text(bands.read_text() + "\n")  # whitespace only: dbt sees no change
    assert seed_checksums(seeds) == before
    bands.write_text(bands.read_text().replace(",", ", ", 1))
    after = seed_checksums(seeds)
    assert changed_seeds(before, after) == ["health_bands.csv"]
    assert fingerprint(seeds, 0.5) != fingerprint(project.parent / "absent", 0.5)
    assert fingerprint(seeds, 0.5) != fingerprint(seeds, 0.6)
    assert set(before) == set(SCORING_SEEDS)


def test_a_score_change_is_worded_by_cause() -> None:
    # The review's band-changes section: the data part is the rest, so the parts add up.
    assert change_causes(-8.2, -6.1, 0.9) == (
        "-8.2 points: -3.0 new data, -6.1 configuration change, +0.9 segment/profile change"
    )
    assert change_causes(4.0, 4.0, 0.0) == "+4.0 points: +4.0 configuration change"
    assert change_causes(2.5, 0.0, 0.01) == "+2.5 points: new data"
    # Under a manual override the arrow shows effective scores: the line is the computed one's.
    assert change_causes(-0.4, 0.0, 0.0, computed=True, override="override started") == (
        "override started; computed score -0.4 points: new data"
    )
    assert change_causes(None, 0.0, 0.0, override="override ended") == "override ended"


def test_the_review_names_an_override_that_started_or_ended() -> None:
    import datetime as dt

    import duckdb

    from orchestration.analysis.review import _causes

    before, now = dt.date(2026, 1, 5), dt.date(2026, 1, 12)
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.account_health_history as
        select * from (values
            ('a', date '2026-01-05', 72.0, 72.0, false, null),
            ('a', date '2026-01-12', 30.0, 71.6, true, 'o1'),
            ('b', date '2026-01-05', 20.0, 60.0, true, 'o2'),
            ('b', date '2026-01-12', 58.0, 58.0, false, null),
            ('c', date '2026-01-05', 50.0, 50.0, false, null),
            ('c', date '2026-01-12', 41.8, 41.8, false, null)
        ) as t(account_id, as_of_date, health_score, computed_health_score, is_overridden,
               override_id)
        """
    )
    con.execute(
        """
        create table marts.account_health as
        select *, 0.0 as score_change_from_config, 0.0 as score_change_from_profile
        from marts.account_health_history where as_of_date = date '2026-01-12'
        """
    )
    con.execute(
        "alter table marts.account_health_history add column score_change_from_config double"
    )
    con.execute(
        "alter table marts.account_health_history add column score_change_from_profile double"
    )
    assert _causes(con, before, now) == {
        "a": "override started; computed score -0.4 points: new data",
        "b": "override ended; computed score -2.0 points: new data",
        "c": "-8.2 points: new data",
    }


def test_a_run_says_which_scoring_seeds_changed(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    seeds = project / "seeds"
    database = tmp_path / "warehouse.duckdb"
    recorded = seed_checksums(seeds)
    con = duckdb.connect(str(database))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_scoring_config_versions as select ? as config_fingerprint, "
        + ", ".join(f"? as {seed}_checksum" for seed in SCORING_SEEDS)
        + ", 0.5 as min_coverage, current_timestamp as first_used_at",
        [fingerprint(seeds, 0.5), *recorded.values()],
    )
    con.close()
    assert config_change_message(database, project) is None  # nothing changed
    assert config_change_message(tmp_path / "absent.duckdb", project) is None  # no record

    bands = seeds / "health_bands.csv"
    bands.write_text(bands.read_text().replace(",", ", ", 1))
    said = config_change_message(database, project, {"healthscore_min_coverage": 0.6})
    assert said is not None
    assert said.startswith(
        "Scoring configuration changed since the last run "
        "(health_bands.csv, healthscore_min_coverage): every date of the computed scores is "
        f"rescored under configuration {fingerprint(seeds, 0.6)}"
    )
    assert "keeps its earlier dates" in said
    assert "republishes" in (config_change_message(database, project, full_refresh=True) or "")
