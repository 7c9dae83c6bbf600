"""No leakage: scores computed for a past date do not change when later rows arrive.

The warehouse is built as of an earlier date (rows after it are not yet known), its score
history is kept as a baseline, and the warehouse is rebuilt with every row up to the end. The
dbt singular test assert_past_scores_unchanged_when_later_rows_arrive compares the two inside
that build; a tampered baseline shows that the comparison can fail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.dbt_invoke import DbtError, run_dbt
from tests.conftest import SMALL_END_DATE, GeneratedCompany, query, run_cli

EARLIER = dt.date(2026, 3, 29)  # a Sunday, three months before the end of the small company
BASELINE = "audit.history_baseline"
LEAKAGE_TEST = "assert_past_scores_unchanged_when_later_rows_arrive"


@pytest.fixture(scope="module")
def rebuilt_with_later_rows(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    database = tmp_path_factory.mktemp("leakage") / "healthscore.duckdb"
    first = run_cli(
        [
            "run",
            "--landing",
            str(small_company.landing),
            "--database",
            str(database),
            "--as-of",
            EARLIER.isoformat(),
        ]
    )
    assert first.code == 0, first.text
    con = duckdb.connect(str(database))
    con.execute("create schema audit")
    con.execute(f"create table {BASELINE} as select * from marts.account_health_history")
    con.close()
    second = run_cli(
        [
            "run",
            "--landing",
            str(small_company.landing),
            "--database",
            str(database),
            "--as-of",
            SMALL_END_DATE.isoformat(),
            "--vars",
            f"{{healthscore_leakage_baseline: {BASELINE}}}",
        ]
    )
    assert second.code == 0, second.text
    return database


def test_the_later_build_really_has_later_rows_and_the_baseline_is_non_trivial(
    rebuilt_with_later_rows: Path,
) -> None:
    baseline = query(
        rebuilt_with_later_rows,
        f"select count(*), max(as_of_date), count(health_score) from {BASELINE}",
    )
    assert baseline[0][0] > 1000 and baseline[0][1] == EARLIER and baseline[0][2] > 500
    later = query(
        rebuilt_with_later_rows, "select max(as_of_date) from marts.account_health_history"
    )
    assert later[0][0] == SMALL_END_DATE
    newer_events = query(
        rebuilt_with_later_rows,
        "select count(*) from staging.stg_product__events where occurred_date > ?",
        [EARLIER],
    )
    assert newer_events[0][0] > 10000


def test_past_scores_are_identical_after_later_rows_arrive(rebuilt_with_later_rows: Path) -> None:
    changed = query(
        rebuilt_with_later_rows,
        f"""
        select count(*)
        from {BASELINE} as baseline
        left join marts.account_health_history as history
            using (account_id, as_of_date)
        where history.account_id is null
            or baseline.health_score is distinct from history.health_score
            or baseline.health_band is distinct from history.health_band
            or baseline.top_negative_drivers is distinct from history.top_negative_drivers""",
    )
    assert changed == [(0,)]


def test_the_dbt_leakage_test_fails_when_a_past_score_differs(
    rebuilt_with_later_rows: Path,
) -> None:
    dbt_vars = {
        "healthscore_as_of_date": SMALL_END_DATE.isoformat(),
        "healthscore_leakage_baseline": BASELINE,
    }
    passed = run_dbt(
        ["test", "--select", LEAKAGE_TEST],
        database=rebuilt_with_later_rows,
        dbt_vars=dbt_vars,
        say=lambda _: None,
    )
    assert passed.counts == {"PASS": 1}
    con = duckdb.connect(str(rebuilt_with_later_rows))
    con.execute(f"""
        update {BASELINE} set health_score = health_score + 0.5
        where (account_id, as_of_date) in (
            select account_id, as_of_date from {BASELINE}
            where health_score is not null limit 1)""")
    con.close()
    with pytest.raises(DbtError, match=LEAKAGE_TEST):
        run_dbt(
            ["test", "--select", LEAKAGE_TEST],
            database=rebuilt_with_later_rows,
            dbt_vars=dbt_vars,
            say=lambda _: None,
        )
