"""The landing folder is the truth: rows removed from it (a whole table, or some rows of one)
are gone from every mart after the next run, and data tests fail, saying what to do, when the
rows used and the raw rows disagree."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.runtime.dbt_invoke import run_dbt
from tests.conftest import (
    SMALL_END_DATE,
    BuiltWarehouse,
    GeneratedCompany,
    copy_landing,
    query,
    run_args,
    run_cli,
)

# The product signals computed from product_events (days_since_last_activity also reads users).
EVENT_SIGNALS = (
    "active_user_ratio",
    "login_frequency",
    "feature_adoption_breadth",
    "usage_trend",
    "volume_trend",
    "events_28d",
    "events_7d",
    "usage_change_vs_baseline",
    "volume_change_vs_baseline",
    "active_days_28d",
    "active_users_30d",
)
EVENT_MODELS = (
    "staging.stg_product__events",
    "intermediate.int_product_events_quarantined",
    "intermediate.int_product_events_rolled_up_to_user_days",
    "intermediate.int_product_events_rolled_up_to_feature_days",
    "intermediate.int_product_event_signals",
)
MISSED_LATE = "assert_every_raw_row_is_used_or_quarantined_else_rerun_with_full_refresh"
KEPT_REMOVED = "assert_no_table_uses_more_rows_than_arrived_else_rerun_with_full_refresh"


def test_a_table_removed_from_the_landing_folder_is_absent_after_the_next_run(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany, tmp_path: Path
) -> None:
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(built_warehouse.database, database)
    assert query(database, "select count(*) > 0 from staging.stg_product__events") == [(True,)]
    landing = copy_landing(small_company.landing, tmp_path / "landing", without=("product_events",))
    output = run_cli(run_args(landing, database, SMALL_END_DATE, "--no-validate"))
    assert output.code == 0, output.text
    assert "missing table(s): product_events" in output.text
    status = query(
        database,
        "select is_present, raw_rows, valid_rows, quarantined_rows "
        "from marts.source_table_status where table_name = 'product_events'",
    )
    assert status == [(False, 0, 0, 0)]
    for model in EVENT_MODELS:  # no stale row survives in any incremental model on events
        assert query(database, f"select count(*) from {model}") == [(0,)], model
    # No score, current or past, uses an event: each event signal is absent, with the reason.
    signals = query(
        database,
        f"""select signal, count(*) filter (where has_data), min(missing_reason),
                max(missing_reason)
            from marts.account_signals where signal in {EVENT_SIGNALS} group by signal""",
    )
    assert len(signals) == len(EVENT_SIGNALS)
    for signal, with_data, reason, same_reason in signals:
        assert (with_data, reason, same_reason) == (
            0,
            "no product event data source",
            "no product event data source",
        ), signal
    assert query(
        database, "select count(*) from marts.account_signals where signal like 'event_%:%'"
    ) == [(0,)]
    current = query(
        database,
        "select count(*), count(*) filter (where missing_signals like '%events_28d%') "
        "from marts.account_health where health_score is not null",
    )
    assert current[0][0] > 0 and current[0][0] == current[0][1]
    # The alert log holds what a full build would log from the remaining rows: the transitions
    # that raise an alert, and no alert raised by the removed events.
    columns = "alert_id, account_id, detected_on, old_band, new_band, score_change, change_drivers"
    logged = query(database, f"select {columns} from intermediate.int_health_alert_events")
    raised = query(
        database,
        f"""select {columns} from intermediate.int_health_alert_transitions
            where raises_alert and not is_provisional""",
    )
    assert logged and sorted(logged) == sorted(raised)


def test_rows_used_and_raw_rows_that_disagree_fail_a_test_naming_the_full_refresh(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    """Late events older than the incremental window are never read (a test says to rebuild
    with --full-refresh); raw rows removed behind the models' back would still be used (the
    other test says so too); and the next ordinary run rebuilds the events stage by itself."""
    database = tmp_path / "healthscore.duckdb"
    shutil.copy2(built_warehouse.database, database)

    def build(*select: str) -> list[str]:
        result = run_dbt(
            ["build", "--select", *select],
            database=database,
            as_of=SMALL_END_DATE,
            say=lambda _: None,
            check=False,
        )
        assert "ERROR" not in result.counts, result.problems
        return [line for line in result.problems if "FAIL" in line]

    con = duckdb.connect(str(database))
    con.execute(
        """insert into raw.product_events (event_id, account_id, event_name, occurred_at)
           select 'late_' || event_id, account_id, event_name,
               cast(cast(occurred_at as timestamp) - interval 200 day as varchar)
           from raw.product_events
           where try_cast(occurred_at as timestamp) is not null
           limit 5"""
    )
    con.close()
    failed = build("stg_product__events", "int_product_events_quarantined", "source_table_status")
    assert len(failed) == 1 and MISSED_LATE in failed[0], failed

    con = duckdb.connect(str(database))
    con.execute("delete from raw.product_events where event_id like 'late_%'")
    con.execute(
        "delete from raw.product_events where event_id in "
        "(select event_id from staging.stg_product__events limit 10)"
    )
    con.close()
    failed = build("source_table_status")
    assert len(failed) == 1 and KEPT_REMOVED in failed[0], failed

    # An ordinary run sees the raw table lost rows and rebuilds the events models from it.
    assert not build(
        "base_product__events_row_counts",
        "stg_product__events",
        "int_product_events_quarantined",
        "source_table_status",
    )
    [(raw, used, quarantined)] = query(
        database,
        "select raw_rows, valid_rows, quarantined_rows from marts.source_table_status "
        "where table_name = 'product_events'",
    )
    assert raw == used + quarantined
