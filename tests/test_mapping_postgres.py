"""The source mappings on PostgreSQL (docs/mappings.md): a landing the project has never seen,
in the connectors' own shapes and schemas, mapped and scored by one
`healthscore run --target postgres` (with the dbt unit tests, the mappings' among them).

The small generated company is turned into the tables the connectors land
(tests/support/connector_shapes.py), keyed by HubSpot company ids as a team whose CRM is HubSpot
keys its data: Stripe (schema stripe) and Segment (schema segment) typed as their loaders write
them (bigint, numeric, boolean, timestamptz, jsonb metadata), Zendesk (schema zendesk) and
HubSpot (schema hubspot) with every column as text, as a CSV loaded into text columns lands them.
Nothing is in the contract's raw schema: the four mappings provide every contract table but the
survey responses, which HubSpot cannot provide. The scores are compared, per band, with the
DuckDB direct build of the same company (the session's built_warehouse).

Set HEALTHSCORE_PG_HOST / _PORT / _USER (.ci/run starts a private server with .ci/postgres.sh
and sets them); skipped, saying why, without them. The build takes about four minutes on
two busy cores.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from orchestration.runtime.contract import PROJECT_ROOT
from tests.conftest import SMALL_END_DATE, BuiltWarehouse, GeneratedCompany
from tests.support.connector_shapes import (
    assert_scored_as_directly,
    rekey_account_ids,
    to_hubspot,
    to_segment,
    to_stripe,
    to_zendesk,
    write_postgres_tables,
)
from tests.support.postgres import (
    create_database,
    drop_database,
    postgres_env,
    postgres_settings,
)

MAPPINGS = {
    "billing_subscriptions": "stripe",
    "billing_invoices": "stripe",
    "support_tickets": "zendesk",
    "crm_accounts": "hubspot",
    "crm_contacts": "hubspot",
    "crm_activities": "hubspot",
    "crm_opportunities": "hubspot",
    "product_users": "segment",
    "product_events": "segment",
}
STAGING = {
    "billing_subscriptions": "stg_billing__subscriptions",
    "billing_invoices": "stg_billing__invoices",
    "support_tickets": "stg_support__tickets",
    "crm_accounts": "stg_crm__accounts",
    "crm_contacts": "stg_crm__contacts",
    "crm_activities": "stg_crm__activities",
    "crm_opportunities": "stg_crm__opportunities",
    "product_users": "stg_product__users",
    "product_events": "stg_product__events",
}
BUILD_VARS = (
    "{healthscore_billing_mapping: stripe, healthscore_support_mapping: zendesk,"
    " healthscore_crm_mapping: hubspot, healthscore_product_mapping: segment,"
    " healthscore_hubspot_segment: company.property_customer_segment}"
)
# The billing and product tables, re-keyed to HubSpot company ids before Stripe's and Segment's
# shapes are made from them (Zendesk's organizations carry the company id already).
REKEYED = ("billing_subscriptions", "billing_invoices", "product_users", "product_events")


@pytest.fixture(scope="module")
def mapped_postgres(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    """The connector-shaped landing in a database of its own, built once; yields the build's
    return code, output and seconds, and what the tests read from the marts and staging. The
    database is dropped at teardown. Skipped before the company is generated when there is no
    server."""
    settings = postgres_settings()
    import psycopg2

    small_company: GeneratedCompany = request.getfixturevalue("small_company")

    database = f"healthscore_mapping_test_{os.getpid()}"
    admin = create_database(settings, database)
    folder = tmp_path_factory.mktemp("mapping_postgres")
    rekeyed = folder / "rekeyed"
    rekey_account_ids(small_company.landing, rekeyed, REKEYED)
    connection = psycopg2.connect(dbname=database, **settings)
    try:
        started = time.monotonic()
        write_postgres_tables(connection, "stripe", to_stripe(rekeyed))
        write_postgres_tables(connection, "segment", to_segment(rekeyed))
        write_postgres_tables(
            connection, "zendesk", to_zendesk(small_company.landing), all_text=True
        )
        write_postgres_tables(
            connection, "hubspot", to_hubspot(small_company.landing), all_text=True
        )
        landed = time.monotonic() - started
        state = folder / "state"
        state.mkdir()
        env = {
            **postgres_env(settings, database, state),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
            ),
        }
        started = time.monotonic()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "orchestration.cli",
                "run",
                "--target",
                "postgres",
                "--as-of",
                SMALL_END_DATE.isoformat(),
                "--unit-tests",
                "--no-validate",
                "--vars",
                BUILD_VARS,
            ],
            capture_output=True,
            text=True,
            cwd=state,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("HEALTHSCORE_")},
                **env,
            },
            check=False,
        )
        seconds = time.monotonic() - started
        result: dict[str, object] = {
            "returncode": run.returncode,
            "output": run.stdout + run.stderr,
            "landed_seconds": landed,
            "seconds": seconds,
            "log": log.read_text() if (log := state / "logs" / "dbt.log").exists() else "",
        }
        connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(
                """select table_name, is_present, source_mapping, availability, raw_rows,
                          valid_rows
                   from marts.source_table_status"""
            )
            result["status"] = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute("select account_id, health_score, health_band from marts.account_health")
            result["scores"] = {row[0]: row[1:] for row in cursor.fetchall()}
            staged = {}
            for table, model in STAGING.items():
                cursor.execute(f"select count(*) from staging.{model}")
                staged[table] = cursor.fetchone()[0]
            result["staged"] = staged
        except psycopg2.Error:
            if run.returncode == 0:
                raise
        yield result
    finally:
        connection.close()
        drop_database(admin, database)


def _assert_built(build: dict[str, object]) -> None:
    assert build["returncode"] == 0, str(build["output"])[-6000:]


def test_the_build_passes_with_the_mapping_unit_tests(mapped_postgres: dict[str, object]) -> None:
    _assert_built(mapped_postgres)
    match = re.search(r"dbt build passed: (.*)", str(mapped_postgres["output"]))
    assert match, str(mapped_postgres["output"])[-4000:]
    counts = {
        status: int(count)
        for count, status in (part.split(" ", 1) for part in match.group(1).split(", "))
    }
    assert counts.get("ERROR", 0) == 0 and counts.get("FAIL", 0) == 0, counts
    # The nine unit tests of the Stripe, Zendesk, HubSpot and Segment mappings ran here.
    log = str(mapped_postgres["log"])
    passed = set(re.findall(r" PASS (map_\w+::\w+)", log))
    assert len(passed) == 9, sorted(passed)
    print(
        f"PostgreSQL mapped build: landing {mapped_postgres['landed_seconds']:.0f}s,"
        f" run {mapped_postgres['seconds']:.0f}s, {counts}"
    )


def test_the_contract_tables_are_read_through_the_mappings(
    mapped_postgres: dict[str, object],
) -> None:
    _assert_built(mapped_postgres)
    status, staged = mapped_postgres["status"], mapped_postgres["staged"]
    for table, connector in MAPPINGS.items():
        is_present, mapping, _, raw_rows, valid_rows = status[table]
        assert (is_present, mapping) == (True, connector), (table, status[table])
        assert raw_rows > 0 and valid_rows > 0.9 * raw_rows, (table, raw_rows, valid_rows)
        assert staged[table] > 0, table
    # What the connectors cannot provide is reported absent, never invented.
    assert status["survey_responses"][:3] == (
        False,
        "hubspot",
        "absent: not provided by the hubspot mapping",
    )
    assert "left_at" in status["crm_contacts"][2]
    assert "quantity" in status["product_events"][2]
    print("staged rows:", staged)


def test_accounts_are_scored_as_in_the_duckdb_direct_build(
    mapped_postgres: dict[str, object], built_warehouse: BuiltWarehouse
) -> None:
    """The same accounts, scored; the bands mostly agree and the scores stay close: they differ
    only by what the connectors cannot carry (survey responses, sentiment, email outcomes,
    contacts' left_at, event quantities, users' deactivation)."""
    _assert_built(mapped_postgres)
    assert_scored_as_directly(
        mapped_postgres["scores"], built_warehouse.database, "PostgreSQL mapped"
    )
