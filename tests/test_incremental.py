"""Incremental by design: a chain of daily incremental runs gives the same marts as one full
refresh over the same data (alerts included), the same run twice adds no alert, and a backfill
of a past range replaces exactly that range's rows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.runtime.dbt_invoke import run_dbt
from orchestration.runtime.notifier import send_new_alerts
from tests.conftest import SMALL_END_DATE, GeneratedCompany, query, run_args, run_cli

# Friday to Sunday: the chain crosses a new weekly scoring date incrementally.
CHAIN = [SMALL_END_DATE - dt.timedelta(days=days) for days in (2, 1, 0)]
# Every mart. health_alerts keeps a log of alerts across runs, but only of scoring dates, each
# decided against earlier scoring dates alone; a weekday's alerts are provisional and leave the
# log out (models/marts/alerts/_alerts__models.yml), so the chain logs what one build logs.
MARTS = [
    "account_health",
    "account_health_history",
    "account_signals",
    "renewal_outcomes",
    "renewal_backtest",
    "score_validation",
    "score_validation_bands",
    "renewal_probability_calibration",
    "expansion_candidates",
    "quarantined_rows",
    "source_table_status",
    "health_alerts",
]


def build(landing: Path, database: Path, as_of: dt.date, *extra: str) -> str:
    output = run_cli(run_args(landing, database, as_of, "--no-validate", *extra))
    assert output.code == 0, output.text
    return output.text


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("incremental")


@pytest.fixture(scope="module")
def chained_and_full(small_company: GeneratedCompany, workdir: Path) -> tuple[Path, Path]:
    chained = workdir / "chain" / "healthscore.duckdb"
    for as_of in CHAIN:
        text = build(small_company.landing, chained, as_of)
        assert "--full-refresh" not in text  # a first build, then incremental ones
        if as_of == CHAIN[-2]:
            saturday = workdir / "saturday" / "healthscore.duckdb"
            saturday.parent.mkdir()
            shutil.copy2(chained, saturday)
    full = workdir / "full" / "healthscore.duckdb"
    build(small_company.landing, full, CHAIN[-1], "--full-refresh")
    return chained, full


@pytest.fixture(scope="module")
def saturday_of_the_chain(chained_and_full: tuple[Path, Path], workdir: Path) -> Path:
    """The chain's warehouse as its Saturday run (a day between scoring dates) left it."""
    return workdir / "saturday" / "healthscore.duckdb"


@pytest.mark.parametrize("mart", MARTS)
def test_daily_incremental_runs_equal_a_full_refresh(
    chained_and_full: tuple[Path, Path], mart: str
) -> None:
    chained, full = chained_and_full
    con = duckdb.connect(str(chained), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_refresh (read_only)")
        rows = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
        # Every column but the run marker, which says when the run that wrote a row started.
        columns = ", ".join(
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = "
                "current_database() and table_schema = 'marts' and table_name = ? "
                "and column_name <> 'dbt_run_started_at' order by ordinal_position",
                [mart],
            ).fetchall()
        )
        chain_rows, full_rows = (
            f"select {columns} from marts.{mart}",
            f"select {columns} from full_refresh.marts.{mart}",
        )
        only_chain = con.execute(
            f"select count(*) from ({chain_rows} except all {full_rows})"
        ).fetchone()[0]
        only_full = con.execute(
            f"select count(*) from ({full_rows} except all {chain_rows})"
        ).fetchone()[0]
    finally:
        con.close()
    assert rows > 0
    assert (only_chain, only_full) == (0, 0)


ALERT_ROWS = "select * from marts.health_alerts order by alert_id"
LOGGED_ROWS = "select * from intermediate.int_health_alert_events order by alert_id"


def test_the_same_run_twice_adds_no_alert(
    saturday_of_the_chain: Path, small_company: GeneratedCompany, tmp_path: Path
) -> None:
    """Rerunning the chain's Saturday run (between scoring dates: the log of the scoring dates
    re-decided, and provisional alerts of the as-of date) leaves the alerts and their log
    exactly as they were."""
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(saturday_of_the_chain, database)
    before = query(database, ALERT_ROWS), query(database, LOGGED_ROWS)
    build(small_company.landing, database, CHAIN[-2])
    after = query(database, ALERT_ROWS), query(database, LOGGED_ROWS)
    assert before[0] and before[1]
    assert len(after[0]) == len(before[0]) and len(after[1]) == len(before[1])
    assert after == before


def test_a_provisional_alert_is_confirmed_under_its_id_and_sent_once(
    chained_and_full: tuple[Path, Path], saturday_of_the_chain: Path, tmp_path: Path
) -> None:
    """Saturday's run shows the drops of Saturday as provisional alerts named after Sunday, the
    next scoring date; Sunday's run logs those it confirms under the same ids, and a notifier
    that sent them on Saturday does not send them again."""
    provisional = {
        alert_id
        for (alert_id,) in query(
            saturday_of_the_chain,
            "select alert_id from marts.health_alerts where is_provisional and detected_on = ?",
            [CHAIN[-2]],
        )
    }
    confirmed = {
        alert_id
        for (alert_id,) in query(
            chained_and_full[0],
            "select alert_id from marts.health_alerts where not is_provisional and detected_on = ?",
            [CHAIN[-1]],
        )
    }
    assert provisional and all(alert_id.endswith(f"|{CHAIN[-1]}") for alert_id in provisional)
    assert provisional & confirmed
    assert query(
        chained_and_full[0], "select count(*) from marts.health_alerts where is_provisional"
    ) == [(0,)]  # Sunday is a scoring date
    alerts_file = tmp_path / "alerts.jsonl"
    saturday = send_new_alerts(saturday_of_the_chain, jsonl_path=alerts_file, as_of=CHAIN[-2])
    sunday = send_new_alerts(chained_and_full[0], jsonl_path=alerts_file, as_of=CHAIN[-1])
    sent = [json.loads(line)["alert_id"] for line in alerts_file.read_text().splitlines()]
    assert saturday.first_delivery and not sunday.first_delivery
    assert provisional <= set(sent[: saturday.sent])
    assert len(sent) == len(set(sent)) == saturday.sent + sunday.sent
    assert sunday.already_sent >= len(provisional & confirmed)


def test_the_chain_added_a_scoring_date_and_left_no_stale_weekday_rows(
    chained_and_full: tuple[Path, Path],
) -> None:
    chained, _ = chained_and_full
    assert (
        query(chained, "select max(as_of_date) from marts.account_health_history")[0][0]
        == SMALL_END_DATE
    )
    # The Friday and Saturday runs scored their own as-of dates; later runs deleted those rows.
    for table in (
        "int_account_health_scored",
        "int_signal_contributions",
        "int_account_signals_scored",
    ):
        stale = query(
            chained,
            f"select count(*) from intermediate.{table} where as_of_date between ? and ?",
            [CHAIN[0], CHAIN[-2]],
        )
        assert stale == [(0,)], table
    assert query(
        chained,
        "select count(*) from marts.account_signals where not is_cadence_date and as_of_date <> ?",
        [SMALL_END_DATE],
    ) == [(0,)]


def test_a_backfill_replaces_its_range_and_running_it_twice_changes_nothing(
    chained_and_full: tuple[Path, Path], small_company: GeneratedCompany, tmp_path: Path
) -> None:
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(chained_and_full[0], database)
    inside, outside = dt.date(2026, 3, 1), dt.date(2026, 1, 4)  # Sundays of the history
    before = query(database, "select count(*) from intermediate.int_account_health_history")
    # Mark two stored dates in the driver lists, keeping which rows have one (a data test holds
    # the key list and its words null together; none reads their text): the build still passes.
    con = duckdb.connect(str(database))
    con.execute(
        "update intermediate.int_account_health_history "
        "set top_negative_drivers = 'stale', top_negative_drivers_text = 'stale' "
        "where as_of_date in (?, ?) and top_negative_drivers is not null",
        [inside, outside],
    )
    con.close()
    for _ in range(2):
        build(
            small_company.landing,
            database,
            SMALL_END_DATE,
            "--rebuild-from",
            "2026-02-15",
            "--rebuild-to",
            "2026-03-15",
        )
    tampered = dict(
        query(
            database,
            """
        select as_of_date, count(*) filter (where top_negative_drivers = 'stale')
        from intermediate.int_account_health_history where as_of_date in (?, ?) group by 1""",
            [inside, outside],
        )
    )
    assert tampered[inside] == 0  # recomputed: inside the range
    assert tampered[outside] > 0  # untouched: outside it
    assert (
        query(database, "select count(*) from intermediate.int_account_health_history")[0][0]
        == before[0][0]
    )
    duplicates = query(
        database,
        "select count(*) from (select account_id, as_of_date from "
        "marts.account_health_history group by all having count(*) > 1)",
    )
    assert duplicates == [(0,)]


def test_data_tests_read_the_rows_the_latest_run_wrote_unless_told_to_read_all(
    chained_and_full: tuple[Path, Path], tmp_path: Path
) -> None:
    """A duplicate among rows an earlier run wrote (and tested) is not read again by default;
    healthscore_test_all_rows reads every row, and a duplicate the latest run wrote fails."""
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(chained_and_full[0], database)
    table = "intermediate.int_product_events_rolled_up_to_user_days"
    runs = query(
        database,
        f"select dbt_run_started_at, count(*) from {table} group by 1 order by 1",
    )
    # The first build of the chain wrote the history; each later run rewrote its window only.
    assert len(runs) >= 2
    assert runs[0][1] > 10 * runs[-1][1]

    def test_user_days(**extra_vars: object) -> dict[str, int]:
        return run_dbt(
            ["test", "--select", "int_product_events_rolled_up_to_user_days"],
            database=database,
            dbt_vars={"healthscore_as_of_date": CHAIN[-1].isoformat(), **extra_vars},
            say=lambda _: None,
            check=False,
        ).counts

    def duplicate_a_row_of(run_started_at: dt.datetime) -> None:
        con = duckdb.connect(str(database))
        con.execute(
            f"insert into {table} select * from {table} where dbt_run_started_at = ? limit 1",
            [run_started_at],
        )
        con.close()

    duplicate_a_row_of(runs[0][0])  # an old row: written and tested by the first build
    latest_only = test_user_days()
    assert latest_only.get("PASS", 0) >= 3 and "FAIL" not in latest_only, latest_only
    every_row = test_user_days(healthscore_test_all_rows=True)
    assert every_row.get("FAIL") == 1, every_row  # the uniqueness test on the whole table
    duplicate_a_row_of(runs[-1][0])  # a row of the latest run
    assert test_user_days().get("FAIL") == 1
