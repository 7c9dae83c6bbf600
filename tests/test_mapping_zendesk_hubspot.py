"""The Zendesk and HubSpot source mappings end to end (docs/mappings.md): the small generated
company's support and CRM tables, turned into the tables Fivetran's Zendesk Support and HubSpot
connectors land (tests/support/connector_shapes.py), are read through
map_zendesk__* and map_hubspot__* instead of the contract's raw tables, pass the contract,
report what the connectors cannot provide as absent, and score the accounts as the direct build
does. One warehouse is built for the module; the direct build is the session's built_warehouse.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import (
    SMALL_END_DATE,
    BuiltWarehouse,
    GeneratedCompany,
    query,
    run_args,
    run_cli,
)
from tests.support.connector_shapes import (
    assert_scored_as_directly,
    rekey_account_ids,
    to_hubspot,
    to_zendesk,
    write_connector_tables,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
MAPPED_TABLES = (
    "support_tickets",
    "crm_accounts",
    "crm_contacts",
    "crm_activities",
    "crm_opportunities",
)
# The contract tables still read from the landing folder, re-keyed to HubSpot company ids.
RAW_TABLES = ("billing_subscriptions", "billing_invoices", "product_users", "product_events")
MAPPING_VARS = "{healthscore_support_mapping: zendesk, healthscore_crm_mapping: hubspot}"
# The connector shapes keep the segment in a custom company property, read through this var.
BUILD_VARS = MAPPING_VARS[:-1] + ", healthscore_hubspot_segment: company.property_customer_segment}"
UNPROVIDED_SIGNALS = (
    "latest_nps",
    "csm_sentiment",
    "outreach_responsiveness",
    "stakeholder_departed_90d",
)


@pytest.fixture(scope="module")
def mapped_warehouse(
    small_company: GeneratedCompany, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The small company with its support tables in Zendesk's shape and its CRM in HubSpot's,
    built with both mappings on (schemas zendesk and hubspot of the warehouse file)."""
    folder = tmp_path_factory.mktemp("mapping_zendesk_hubspot")
    landing = folder / "landing"
    rekey_account_ids(small_company.landing, landing, RAW_TABLES)
    database = folder / "healthscore.duckdb"
    write_connector_tables(database, "zendesk", to_zendesk(small_company.landing))
    write_connector_tables(database, "hubspot", to_hubspot(small_company.landing))
    output = run_cli(
        run_args(landing, database, SMALL_END_DATE, "--no-validate", "--vars", BUILD_VARS)
    )
    assert output.code == 0, output.text
    return BuiltWarehouse(database, output.text)


def _status(database: Path) -> dict[str, dict]:
    rows = query(
        database,
        """select table_name, is_present, source_mapping, availability, raw_rows, valid_rows
           from marts.source_table_status""",
    )
    return {
        row[0]: dict(
            zip(
                ("is_present", "source_mapping", "availability", "raw_rows", "valid_rows"),
                row[1:],
                strict=True,
            )
        )
        for row in rows
    }


def _quarantine_reasons(database: Path) -> dict[str, set[str]]:
    reasons: dict[str, set[str]] = {}
    for table, reason in query(
        database, "select distinct source_table, quarantine_reason from marts.quarantined_rows"
    ):
        reasons.setdefault(table, set()).add(reason)
    return reasons


def test_mapped_tables_pass_the_contract_like_the_raw_ones(
    mapped_warehouse: BuiltWarehouse, built_warehouse: BuiltWarehouse
) -> None:
    """Every row the direct build uses is used through the mappings too, and the mapped rows
    are quarantined only for the generator's dirt that a connector can hold (unknown accounts,
    future timestamps, unknown priorities): never for a value the mapping made."""
    mapped, direct = _status(mapped_warehouse.database), _status(built_warehouse.database)
    mapped_reasons = _quarantine_reasons(mapped_warehouse.database)
    direct_reasons = _quarantine_reasons(built_warehouse.database)
    for table in MAPPED_TABLES:
        assert mapped[table]["is_present"], table
        assert mapped[table]["valid_rows"] == direct[table]["valid_rows"], table
        assert mapped_reasons.get(table, set()) <= direct_reasons.get(table, set()), table
        assert not {
            reason
            for reason in mapped_reasons.get(table, set())
            if reason.startswith(("missing_", "unparseable_", "invalid_"))
            and reason != "invalid_priority"
        }, table
    assert mapped["support_tickets"]["source_mapping"] == "zendesk"
    assert mapped["crm_accounts"]["source_mapping"] == "hubspot"
    for table in RAW_TABLES:
        assert mapped[table]["source_mapping"] is None, table
        assert mapped[table]["valid_rows"] == direct[table]["valid_rows"], table


def test_what_the_connectors_cannot_provide_is_reported_absent(
    mapped_warehouse: BuiltWarehouse,
) -> None:
    status = _status(mapped_warehouse.database)
    surveys = status["survey_responses"]
    assert not surveys["is_present"]
    assert surveys["source_mapping"] == "hubspot"
    assert "not provided by the hubspot mapping" in surveys["availability"]
    assert "left_at" in status["crm_contacts"]["availability"]
    assert "sentiment" in status["crm_activities"]["availability"]
    # The segment comes from the var, so it is no longer listed.
    assert "segment" not in status["crm_accounts"]["availability"]
    assert status["support_tickets"]["availability"] == "present"
    # The signals fed only by what HubSpot cannot provide are missing on every score, with a
    # reason: survey answers, the CSM's sentiment, replies to outreach emails, contacts who left.
    signals = query(
        mapped_warehouse.database,
        f"""select signal, bool_or(has_data), min(missing_reason) from marts.account_signals
            where signal in {UNPROVIDED_SIGNALS} group by signal""",
    )
    assert {signal for signal, _, _ in signals} == set(UNPROVIDED_SIGNALS)
    assert not any(has_data for _, has_data, _ in signals), signals
    assert all(reason for _, _, reason in signals), signals
    reasons = {signal: reason for signal, _, reason in signals}
    assert reasons["csm_sentiment"] == "sentiment of activities not provided by the hubspot mapping"
    assert reasons["outreach_responsiveness"] == (
        "replies to emails not provided by the hubspot mapping"
    )


def test_accounts_are_scored_as_in_the_direct_build(
    mapped_warehouse: BuiltWarehouse, built_warehouse: BuiltWarehouse
) -> None:
    """Same accounts, bands agreeing for most of them: the scores differ only by what the
    connectors cannot carry (survey responses, sentiment, email outcomes, contacts' left_at)."""
    mapped = {
        row[0]: row[1:]
        for row in query(
            mapped_warehouse.database,
            "select account_id, health_score, health_band from marts.account_health",
        )
    }
    assert_scored_as_directly(mapped, built_warehouse.database, "HubSpot and Zendesk mapped")


def test_mapping_unit_tests_pass() -> None:
    """The mapping models' dbt unit tests (fixtures in the connectors' own shape) run only with
    the mapping vars set, so this runs them on an in-memory DuckDB."""
    env = {**os.environ, "DBT_TARGET_PATH": "target/mapping_zendesk_hubspot_unit"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "test",
            "--profiles-dir",
            str(PROJECT_DIR),
            "--project-dir",
            str(PROJECT_DIR),
            "--target",
            "memory",
            "--select",
            "test_type:unit,path:models/staging/mappings/zendesk"
            " test_type:unit,path:models/staging/mappings/hubspot",
            "--vars",
            MAPPING_VARS,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    passed = [line for line in result.stdout.splitlines() if " PASS map_" in line]
    assert len(passed) == 5, result.stdout[-2000:]
