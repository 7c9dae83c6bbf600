"""No leakage: scores computed for a past date do not change when later rows arrive or change.

The warehouse is built as of an earlier date (rows after it are not yet known), and its score
history and backtest rows are kept as a baseline. Then it is rebuilt, as of the end, from a copy
of the landing folder in which every row timestamped after the earlier date was also altered
(event volumes and names, survey scores, ticket priorities, CRM sentiment). The dbt singular
test assert_past_scores_unchanged_when_later_rows_arrive compares the history inside that build;
the tests below compare the backtest rows, and a tampered baseline shows the comparison can fail.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from orchestration.runtime.dbt_invoke import DbtError, run_dbt
from tests.conftest import SMALL_END_DATE, GeneratedCompany, copy_landing, query, run_args, run_cli

EARLIER = dt.date(2026, 3, 29)  # a Sunday, three months before the end of the small company
BASELINE = "audit.history_baseline"
LEAKAGE_TEST = "assert_past_scores_unchanged_when_later_rows_arrive"


def alter_rows_after(landing: Path, cutoff: dt.date) -> int:
    """Change every row of four tables whose own timestamp is after `cutoff`; returns how many."""
    cutoff_text = cutoff.isoformat()
    changed = 0
    events = pq.read_table(landing / "product_events.parquet")
    later = pc.greater(
        pc.cast(events["occurred_at"], pa.timestamp("us")),
        pa.scalar(dt.datetime.combine(cutoff, dt.time(23, 59, 59)), pa.timestamp("us")),
    )
    changed += pc.sum(later).as_py()
    events = events.set_column(
        events.schema.get_field_index("event_name"),
        "event_name",
        pc.if_else(later, "settings", events["event_name"]),
    )
    quantity = pc.cast(events["quantity"], pa.float64())
    events = events.set_column(
        events.schema.get_field_index("quantity"),
        "quantity",
        pc.if_else(later, pc.multiply(quantity, 10.0), quantity),
    )
    pq.write_table(events, landing / "product_events.parquet")
    edits = {
        "survey_responses.csv": ("responded_at", {"score": "0"}),
        "support_tickets.csv": ("created_at", {"priority": "urgent", "is_escalated": "true"}),
        "crm_activities.csv": ("occurred_at", {"sentiment": "negative", "outcome": "no_show"}),
    }
    for name, (timestamp, values) in edits.items():
        with (landing / name).open(newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        for row in rows:
            if row[timestamp][:10] > cutoff_text and row[timestamp][:4].isdigit():
                row.update({k: v for k, v in values.items() if k in row})
                changed += 1
        with (landing / name).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    return changed


@pytest.fixture(scope="module")
def rebuilt_with_later_rows(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    workdir = tmp_path_factory.mktemp("leakage")
    database = workdir / "healthscore.duckdb"
    first = run_cli(run_args(small_company.landing, database, EARLIER, "--no-validate"))
    assert first.code == 0, first.text
    con = duckdb.connect(str(database))
    con.execute("create schema audit")
    con.execute(f"create table {BASELINE} as select * from marts.account_health_history")
    con.execute("create table audit.backtest_baseline as select * from marts.renewal_backtest")
    con.close()
    altered = copy_landing(small_company.landing, workdir / "altered_landing")
    assert alter_rows_after(altered, EARLIER) > 10_000
    second = run_cli(
        run_args(
            altered,
            database,
            SMALL_END_DATE,
            "--no-validate",
            "--vars",
            f"{{healthscore_leakage_baseline: {BASELINE}}}",
        )
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


def test_backtest_rows_scored_on_or_before_the_earlier_date_are_identical(
    rebuilt_with_later_rows: Path,
) -> None:
    compared, changed = query(
        rebuilt_with_later_rows,
        """
        select
            count(*),
            count(*) filter (where later.health_score is distinct from baseline.health_score
                             or later.health_band is distinct from baseline.health_band
                             or later.scoring_date is distinct from baseline.scoring_date
                             or later.is_churned is distinct from baseline.is_churned)
        from audit.backtest_baseline as baseline
        inner join marts.renewal_backtest as later
            using (renewal_id, lead_days)
        where baseline.is_scored""",
    )[0]
    assert compared > 300
    assert changed == 0


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
    # The one singular test passes (the on-run-start hook reports its own OK).
    assert passed.counts.get("PASS") == 1 and not {"FAIL", "ERROR"} & set(passed.counts)
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
