"""A company unlike the demo, through the commands a team runs: a product-led company with
product and billing data only, its own event names, monthly plans and five months of history,
scored 7 days before its renewals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.demo_company import generate_company
from tests.conftest import CliOutput, query, run_args, run_cli

END = dt.date(2026, 6, 28)
LEADS = "{healthscore_lead_times_days: {monthly: [7], quarterly: [21], annual: [30]}}"


@pytest.fixture(scope="module")
def product_led(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, CliOutput]:
    landing = tmp_path_factory.mktemp("product_led")
    generate_company(landing, accounts=400, months=5, seed=3, end_date=END, archetype="product_led")
    database = tmp_path_factory.mktemp("product_led_warehouse") / "healthscore.duckdb"
    output = run_cli(run_args(landing, database, END, "--vars", LEADS))
    assert output.code == 0, output.text
    return landing, database, output


def test_a_signal_whose_inputs_the_company_lacks_is_missing_not_zero(product_led) -> None:
    _, database, _ = product_led
    rows = query(
        database,
        """
        select has_data, missing_reason, count(*) from marts.account_signals
        where signal = 'feature_adoption_breadth' group by 1, 2
        """,
    )
    assert [(has, reason) for has, reason, _ in rows] == [
        (False, "no core feature of feature_catalogue occurs in the product events")
    ]
    absent = dict(
        query(
            database,
            """
            select signal, max(missing_reason) from marts.account_signals
            where signal in ('csat', 'open_high_urgent_tickets', 'latest_nps',
                             'open_expansion_opportunities')
            group by signal having bool_and(not has_data)
            """,
        )
    )
    assert absent == {
        "csat": "no support ticket or CSAT survey data source",
        "open_high_urgent_tickets": "no support data source",
        "latest_nps": "no NPS survey data source",
        "open_expansion_opportunities": "no opportunity data source",
    }


def test_the_companys_own_event_names_become_signals(product_led) -> None:
    _, database, _ = product_led
    names = {
        row[0]
        for row in query(
            database, "select event_name from intermediate.int_product_event_names_selected"
        )
    }
    assert {"doc_edited", "page_viewed"} <= names
    with_data = query(
        database,
        """
        select count(*) from marts.account_signals
        where signal = 'event_count_28d:doc_edited' and has_data and raw_value > 0
        """,
    )[0][0]
    assert with_data > 100


def test_short_history_is_scored_from_its_first_weeks_at_the_configured_lead(
    product_led,
) -> None:
    _, database, output = product_led
    first_event, first_score = query(
        database,
        """
        select (select min(occurred_date) from staging.stg_product__events),
               (select min(as_of_date) from marts.account_health_history
                where health_score is not null)
        """,
    )[0]
    assert (first_score - first_event).days <= 14
    leads = query(
        database,
        "select distinct term_class, lead_days, is_longest_lead from marts.renewal_backtest",
    )
    assert ("monthly", 7, True) in leads
    assert all(lead != 14 for _, lead, _ in leads)
    scored = query(
        database,
        """
        select count(*) filter (where is_scored), count(*) from marts.renewal_backtest
        where term_class = 'monthly'
        """,
    )[0]
    assert scored[0] >= 0.9 * scored[1] > 300
    assert "7 days before renewal (monthly terms)" in output.text
    # The validation says how much evidence it had: learned from, or why not.
    assert "Calibration: learned on the " in output.text or "too little evidence" in output.text
