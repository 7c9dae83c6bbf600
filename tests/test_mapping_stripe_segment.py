"""The Stripe and Segment source mappings end to end (docs/mappings.md#stripe, #segment): the
small generated company's billing and product tables, turned into the tables Fivetran's Stripe
connector and Segment's warehouse destination land (tests/support/connector_shapes.py), are
read through map_stripe__* and map_segment__* instead of the contract's raw tables
(healthscore_billing_mapping: stripe, healthscore_product_mapping: segment). One warehouse is
built for the module (with the mapping models' unit tests, which use the connectors' shapes),
and compared with the small company's direct build (the session's `built_warehouse`): the
mapped tables stage to the same rows, every signal agrees but the three that read what the
connectors cannot provide (an event's quantity, a user's deactivation), which are missing with
the reason, and every account is scored, most in the same band.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

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
from tests.support.connector_shapes import to_segment, to_stripe, write_connector_tables

MAPPED = {
    "billing_subscriptions": "stripe",
    "billing_invoices": "stripe",
    "product_users": "segment",
    "product_events": "segment",
}
BUILD_VARS = "{healthscore_billing_mapping: stripe, healthscore_product_mapping: segment}"
NOT_PROVIDED = {"product_users": "deactivated_at", "product_events": "quantity"}
# The signals that read what the mappings do not provide: the summed event quantity
# (volume_*) and users' deactivation (seat_utilisation counts the users provisioned).
LOSSY_SIGNALS = ("volume_trend", "volume_change_vs_baseline", "seat_utilisation")

# The contract columns each mapped table stages to, as compared with the direct build.
STAGED = {
    "stg_billing__subscriptions": (
        "account_id, start_date, end_date, round(arr, 2), seats, plan, canceled_at"
    ),
    "stg_billing__invoices": (
        "invoice_id, account_id, amount_due, issued_at, due_at, paid_at, status, is_disputed"
    ),
    "stg_product__users": "user_id, account_id, created_at",
    "stg_product__events": "event_id, account_id, user_id, event_name, occurred_at",
}


@pytest.fixture(scope="module")
def mapped_warehouse(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The small company with its billing in Stripe's shape (schema stripe) and its product
    data in Segment's (schema segment), without the raw billing and product files, built with
    both mappings on."""
    folder = tmp_path_factory.mktemp("mapping_stripe_segment")
    landing = copy_landing(small_company.landing, folder / "landing", without=tuple(MAPPED))
    database = folder / "healthscore.duckdb"
    write_connector_tables(database, "stripe", to_stripe(small_company.landing))
    write_connector_tables(database, "segment", to_segment(small_company.landing))
    output = run_cli(
        run_args(
            landing, database, SMALL_END_DATE, "--no-validate", "--unit-tests", "--vars", BUILD_VARS
        )
    )
    assert output.code == 0, output.text
    return BuiltWarehouse(database, output.text)


@pytest.fixture(scope="module")
def both(mapped_warehouse: BuiltWarehouse, built_warehouse: BuiltWarehouse):
    """One read-only connection with the mapped build attached as `mapped` and the direct
    build of the same company as `direct`."""
    con = duckdb.connect()
    con.execute(f"attach '{mapped_warehouse.database}' as mapped (read_only)")
    con.execute(f"attach '{built_warehouse.database}' as direct (read_only)")
    yield con
    con.close()


def test_the_tables_are_read_through_the_mappings_and_report_what_they_lack(
    mapped_warehouse: BuiltWarehouse,
) -> None:
    rows = query(
        mapped_warehouse.database,
        "select table_name, is_present, source_mapping, availability, raw_rows, valid_rows"
        " from marts.source_table_status",
    )
    status = {row[0]: row[1:] for row in rows}
    for table, connector in MAPPED.items():
        is_present, mapping, availability, raw_rows, valid_rows = status[table]
        assert (is_present, mapping) == (True, connector), table
        assert raw_rows > 0 and valid_rows > 0.95 * raw_rows, (table, raw_rows, valid_rows)
        if table in NOT_PROVIDED:
            assert availability == (
                f"present; columns not provided by the {connector} mapping: {NOT_PROVIDED[table]}"
            ), availability
        else:
            assert availability == "present", (table, availability)
    # The other sources still come from the landing folder.
    assert status["support_tickets"][:2] == (True, None)


def test_the_mapped_tables_stage_to_the_direct_builds_rows(both) -> None:
    """Every valid row of the direct build comes back through Stripe's and Segment's shapes,
    with the same values (the contract's columns but the two not provided)."""
    for model, columns in STAGED.items():
        only = {}
        for side, other in (("mapped", "direct"), ("direct", "mapped")):
            only[side] = both.execute(
                f"select count(*) from (select {columns} from {side}.staging.{model}"
                f" except all select {columns} from {other}.staging.{model})"
            ).fetchall()[0][0]
        assert only == {"mapped": 0, "direct": 0}, (model, only)
    assert both.execute(
        "select count(*) from mapped.staging.stg_product__users where deactivated_at is not null"
    ).fetchall() == [(0,)]


def test_the_mappings_quarantine_nothing_the_direct_build_does_not(both) -> None:
    """The mapped tables break no rule of the contract the raw tables did not already break
    (the generator's dirt: copies of events, unknown accounts, future timestamps); the dirt the
    connectors' typed columns cannot hold (invoices without a key or a date) never arrives."""
    reasons = {
        side: set(
            both.execute(
                f"select source_table, quarantine_reason from {side}.marts.quarantined_rows"
                " where source_table in ('billing_subscriptions', 'billing_invoices',"
                " 'product_users', 'product_events')"
            ).fetchall()
        )
        for side in ("mapped", "direct")
    }
    assert reasons["mapped"] <= reasons["direct"], reasons["mapped"] - reasons["direct"]
    assert ("product_events", "duplicate_key") in reasons["mapped"]


def test_every_signal_agrees_but_those_reading_what_the_connectors_lack(both) -> None:
    """Over the whole score history, each signal's raw value and whether it had data are the
    direct build's, but for the three signals that read an event's quantity or a user's
    deactivation: those are missing under the mapping, with the reason, never computed from
    the nulls."""
    rows = both.execute(
        """
        select
            signal,
            count(*) as observations,
            count(*) filter (
                where mapped_signals.raw_value is not distinct from direct_signals.raw_value
                    and mapped_signals.has_data is not distinct from direct_signals.has_data
            ) as agreeing
        from mapped.marts.account_signals as mapped_signals
        full join direct.marts.account_signals as direct_signals
            using (account_id, as_of_date, signal)
        group by signal
        """
    ).fetchall()
    disagreeing = {signal for signal, observations, agreeing in rows if agreeing < observations}
    assert len(rows) > 30
    assert disagreeing == set(LOSSY_SIGNALS), disagreeing
    reasons = both.execute(
        f"""
        select signal, has_data, missing_reason, count(*)
        from mapped.marts.account_signals
        where signal in {LOSSY_SIGNALS}
        group by all
        """
    ).fetchall()
    assert {row[1] for row in reasons} == {False}, reasons
    lost = {
        "volume_trend": "quantity of product events",
        "volume_change_vs_baseline": "quantity of product events",
        "seat_utilisation": "deactivated_at of product users",
    }
    assert all(reason is not None for _, _, reason, _ in reasons), reasons
    said = {
        signal
        for signal, _, reason, _ in reasons
        if reason == f"{lost[signal]} not provided by the segment mapping"
    }
    assert said == set(LOSSY_SIGNALS), reasons


def test_every_account_is_scored_and_most_bands_agree_with_the_direct_build(both) -> None:
    """Without the three signals the connectors cannot feed, the other signals' weights are
    renormalised: every account the direct build scores is scored, the scores move little and
    most bands stay."""
    rows = both.execute(
        """
        select
            mapped_health.account_id,
            mapped_health.health_score,
            direct_health.health_score,
            mapped_health.health_band,
            direct_health.health_band
        from mapped.marts.account_health as mapped_health
        full join direct.marts.account_health as direct_health
            using (account_id)
        """
    ).fetchall()
    assert all(row[0] is not None for row in rows) and len(rows) >= 100
    scored = [row for row in rows if row[2] is not None]
    assert all(row[1] is not None for row in scored)
    differences = [abs(row[1] - row[2]) for row in scored]
    same_band = sum(row[3] == row[4] for row in scored)
    print(
        f"{len(scored)} accounts scored; mean |score change| {sum(differences) / len(scored):.2f},"
        f" max {max(differences):.2f}; same band {same_band}"
    )
    assert sum(differences) / len(scored) < 2.5
    assert same_band >= 0.9 * len(scored), same_band


def test_an_optional_stripe_table_not_loaded_is_named_with_what_is_unknown(
    tmp_path: Path,
) -> None:
    """Stripe's charge and dispute tables are read when loaded: without the dispute table the
    invoices' is_disputed is unknown, and source_table_status says which table is missing (the
    compiled model, on a warehouse holding only some of Stripe's tables)."""
    database = tmp_path / "healthscore.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema stripe")
    con.execute("create table stripe.invoice (id varchar)")
    con.execute("create table stripe.charge (id varchar)")
    con.close()
    compiled = run_dbt(
        ["compile", "--select", "source_table_status", "--target-path", str(tmp_path / "target")],
        database=database,
        dbt_vars={"healthscore_billing_mapping": "stripe"},
        log_dir=tmp_path,
        say=lambda _: None,
        check=False,
    )
    assert compiled.returncode == 0, "\n".join(compiled.problems)
    sql = next((tmp_path / "target" / "compiled").rglob("source_table_status.sql")).read_text()
    assert (
        "'absent: mapping model map_stripe__billing_invoices not built; "
        "is_disputed unknown: no stripe.dispute table'"
    ) in sql
    assert "no stripe.charge table" not in sql
