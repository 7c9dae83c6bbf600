"""Zendesk- and HubSpot-shaped tables made from a landing folder's contract tables, as Fivetran
lands them (table and column names of fivetran/dbt_zendesk_source and dbt_hubspot_source), for
the mapping tests (tests/test_mapping_zendesk_hubspot.py).

Ids become the connectors' integers (the digits of the contract id: acc_00012 is company 12),
so the other contract tables must be re-keyed the same way (`rekey_account_ids`): a team whose
CRM is HubSpot keys billing and product data by the HubSpot company id. Rows a typed connector
table cannot hold are left out (a null or repeated key, a timestamp that does not parse); the
rest of the generator's dirt (unknown accounts, future timestamps, unknown priorities) is
carried over, so the mapped build quarantines it for the same reasons as the direct one.
What the connector has no place for is lost on the way, as it would be: HubSpot contacts' left_at,
activities' sentiment and email outcomes, the survey responses.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

# The contract id's digits, as the connector's integer id.
_ID = "try_cast(regexp_extract({column}, '(\\d+)$', 1) as bigint)"
# Zendesk organization ids live in their own range (they are not the CRM's).
ORGANIZATION_ID_OFFSET = 900_000


def _id(column: str) -> str:
    return _ID.format(column=column)


def _connection(landing: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with each contract table of the landing folder as a text view."""
    con = duckdb.connect()
    for path in sorted(Path(landing).iterdir()):
        table, _, suffix = path.name.partition(".")
        if path.name.startswith("_") or suffix not in {"csv", "csv.gz", "parquet"}:
            continue
        reader = (
            f"read_parquet('{path}')"
            if suffix == "parquet"
            else f"read_csv('{path}', all_varchar = true, header = true)"
        )
        con.execute(f"create view {table} as select * from {reader}")
    return con


def _first_per_key(table: str, key: str, timestamp: str) -> str:
    """The rows of a contract table a connector could hold: a key and a parseable timestamp,
    the first row of a repeated key."""
    return f"""
        select * exclude (copy_number) from (
            select *, row_number() over (partition by {key} order by {timestamp}) as copy_number
            from {table}
            where {key} is not null and try_cast({timestamp} as timestamp) is not null
        ) where copy_number = 1
    """


def _tables(con: duckdb.DuckDBPyConnection, queries: dict[str, str]) -> dict[str, pa.Table]:
    return {name: con.sql(sql).to_arrow_table() for name, sql in queries.items()}


def to_zendesk(landing: Path) -> dict[str, pa.Table]:
    """Fivetran's Zendesk Support tables (ticket, organization, user, ticket_comment,
    ticket_field_history, ticket_tag) holding the landing folder's support_tickets: the
    requester opens each ticket with a comment, an agent's public reply is its first response,
    the field history records when it was solved and closed and its satisfaction rating, and an
    escalated ticket carries the tag `escalated`. Organizations link to the CRM by external_id,
    the HubSpot company id."""
    con = _connection(landing)
    con.execute(
        "create temp table tickets as "
        + _first_per_key("support_tickets", "ticket_id", "created_at")
    )
    return _tables(
        con,
        {
            "ticket": f"""
                select
                    {_id("ticket_id")} as id,
                    {_id("account_id")} + {ORGANIZATION_ID_OFFSET} as organization_id,
                    1 as requester_id,
                    lower(priority) as priority,
                    lower(status) as status,
                    cast(created_at as timestamp) as created_at,
                    'web' as via_channel,
                    false as _fivetran_deleted
                from tickets
            """,
            "organization": f"""
                select distinct
                    {_id("account_id")} + {ORGANIZATION_ID_OFFSET} as id,
                    cast({_id("account_id")} as varchar) as external_id,
                    account_id as name
                from tickets
            """,
            "user": """
                select * from (values
                    (1, 'end-user', 'Requester', false),
                    (2, 'agent', 'Support Agent', false)
                ) as users (id, role, name, _fivetran_deleted)
            """,
            "ticket_comment": f"""
                select
                    {_id("ticket_id")} * 10 + 1 as id,
                    {_id("ticket_id")} as ticket_id,
                    1 as user_id,
                    cast(created_at as timestamp) as created,
                    true as public,
                    false as _fivetran_deleted
                from tickets
                union all
                select
                    {_id("ticket_id")} * 10 + 2,
                    {_id("ticket_id")},
                    2,
                    cast(first_response_at as timestamp),
                    true,
                    false
                from tickets
                where first_response_at is not null
            """,
            "ticket_field_history": f"""
                select {_id("ticket_id")} as ticket_id, 'status' as field_name,
                    cast(solved_at as timestamp) as updated, 'solved' as value
                from tickets
                where solved_at is not null and lower(status) in ('solved', 'closed')
                union all
                select {_id("ticket_id")}, 'status',
                    cast(solved_at as timestamp) + interval 4 day, 'closed'
                from tickets
                where solved_at is not null and lower(status) = 'closed'
                union all
                select {_id("ticket_id")}, 'satisfaction_score',
                    cast(coalesce(solved_at, created_at) as timestamp), 'offered'
                from tickets
                where csat is not null
                union all
                select {_id("ticket_id")}, 'satisfaction_score',
                    cast(coalesce(solved_at, created_at) as timestamp) + interval 1 hour,
                    lower(csat)
                from tickets
                where csat is not null
            """,
            "ticket_tag": f"""
                select {_id("ticket_id")} as ticket_id, 'escalated' as tag
                from tickets
                where lower(is_escalated) = 'true'
                union all
                select {_id("ticket_id")}, 'web_form'
                from tickets
            """,
        },
    )


def to_hubspot(landing: Path) -> dict[str, pa.Table]:
    """Fivetran's HubSpot tables (v3 API shape: the times on the engagement detail tables)
    holding the landing folder's crm_accounts, crm_contacts, crm_activities and
    crm_opportunities. The segment goes to a custom company property, customer_segment (the
    mapping reads it through var healthscore_hubspot_segment); roles to the buying role
    (admin has no HubSpot buying role: none); a QBR is a meeting titled "QBR"; renewals are
    existingbusiness deals, expansions a custom deal type `expansion`."""
    con = _connection(landing)
    con.execute(
        "create temp table accounts as "
        + _first_per_key("crm_accounts", "account_id", "created_at")
    )
    con.execute(
        "create temp table contacts as "
        + _first_per_key("crm_contacts", "contact_id", "created_at")
    )
    con.execute(
        "create temp table activities as "
        + _first_per_key("crm_activities", "activity_id", "occurred_at")
    )
    con.execute(
        "create temp table opportunities as "
        + _first_per_key("crm_opportunities", "opportunity_id", "created_at")
    )
    con.execute(
        """create temp table owners as
           select row_number() over (order by csm_owner) + 100 as owner_id, csm_owner
           from (select distinct csm_owner from accounts where csm_owner is not null)"""
    )
    return _tables(
        con,
        {
            "company": f"""
                select
                    {_id("accounts.account_id")} as id,
                    false as is_deleted,
                    accounts.account_name as property_name,
                    upper(accounts.industry) as property_industry,
                    accounts.segment as property_customer_segment,
                    owners.owner_id as property_hubspot_owner_id,
                    cast({_id("accounts.parent_account_id")} as double)
                        as property_hs_parent_company_id,
                    cast(accounts.created_at as timestamp) as property_createdate
                from accounts
                left join owners on accounts.csm_owner = owners.csm_owner
            """,
            "owner": """
                select owner_id, csm_owner as first_name, cast(null as varchar) as last_name,
                    lower(replace(csm_owner, ' ', '.')) || '@example.com' as email,
                    'PERSON' as type
                from owners
            """,
            "contact": f"""
                select
                    {_id("contact_id")} as id,
                    false as _fivetran_deleted,
                    email as property_email,
                    cast(created_at as timestamp) as property_createdate,
                    cast({_id("account_id")} as double) as property_associatedcompanyid,
                    case lower(role)
                        when 'executive_sponsor' then 'EXECUTIVE_SPONSOR'
                        when 'champion' then 'CHAMPION'
                        when 'end_user' then 'END_USER'
                        when 'other' then 'OTHER'
                    end as property_hs_buying_role
                from contacts
            """,
            "engagement": f"""
                select
                    {_id("activity_id")} as id,
                    case
                        when lower(activity_type) in ('meeting', 'qbr') then 'MEETING'
                        when lower(activity_type) = 'call' then 'CALL'
                        when lower(direction) = 'inbound' then 'INCOMING_EMAIL'
                        else 'EMAIL'
                    end as type,
                    123 as portal_id
                from activities
            """,
            "engagement_company": f"""
                select {_id("activity_id")} as engagement_id, {_id("account_id")} as company_id,
                    'HUBSPOT_DEFINED' as category
                from activities
            """,
            "engagement_contact": f"""
                select {_id("activity_id")} as engagement_id, {_id("contact_id")} as contact_id,
                    'HUBSPOT_DEFINED' as category
                from activities
                where contact_id is not null
            """,
            "engagement_meeting": f"""
                select
                    {_id("activity_id")} as engagement_id,
                    false as _fivetran_deleted,
                    cast(occurred_at as timestamp) as property_hs_timestamp,
                    cast(coalesce(logged_at, occurred_at) as timestamp) as property_hs_createdate,
                    case when lower(activity_type) = 'qbr' then 'QBR' else 'Check-in' end
                        as property_hs_meeting_title,
                    case lower(outcome)
                        when 'completed' then 'COMPLETED'
                        when 'no_show' then 'NO_SHOW'
                        when 'cancelled' then 'CANCELED'
                        else 'SCHEDULED'
                    end as property_hs_meeting_outcome
                from activities
                where lower(activity_type) in ('meeting', 'qbr')
            """,
            "engagement_call": f"""
                select
                    {_id("activity_id")} as engagement_id,
                    false as _fivetran_deleted,
                    cast(occurred_at as timestamp) as property_hs_timestamp,
                    cast(coalesce(logged_at, occurred_at) as timestamp) as property_hs_createdate,
                    upper(direction) as property_hs_call_direction,
                    case lower(outcome)
                        when 'completed' then 'COMPLETED'
                        when 'no_show' then 'NO_ANSWER'
                        when 'cancelled' then 'CANCELED'
                    end as property_hs_call_status
                from activities
                where lower(activity_type) = 'call'
            """,
            "engagement_email": f"""
                select
                    {_id("activity_id")} as engagement_id,
                    false as _fivetran_deleted,
                    cast(occurred_at as timestamp) as property_hs_timestamp,
                    cast(coalesce(logged_at, occurred_at) as timestamp) as property_hs_createdate,
                    case when lower(direction) = 'inbound' then 'INCOMING_EMAIL' else 'EMAIL' end
                        as property_hs_email_direction
                from activities
                where lower(activity_type) = 'email'
            """,
            "deal": f"""
                select
                    {_id("opportunity_id")} as deal_id,
                    false as is_deleted,
                    'default' as deal_pipeline_id,
                    case
                        when lower(is_closed) = 'true' and lower(is_won) = 'true' then 'closedwon'
                        when lower(is_closed) = 'true' then 'closedlost'
                        else 'qualifiedtobuy'
                    end as deal_pipeline_stage_id,
                    case lower(opportunity_type)
                        when 'new_business' then 'newbusiness'
                        when 'renewal' then 'existingbusiness'
                        else lower(opportunity_type)
                    end as property_dealtype,
                    cast(amount as double) as property_amount,
                    cast(created_at as timestamp) as property_createdate,
                    cast(close_date as timestamp) as property_closedate
                from opportunities
            """,
            "deal_company": f"""
                select {_id("opportunity_id")} as deal_id, {_id("account_id")} as company_id,
                    5 as type_id, 'HUBSPOT_DEFINED' as category
                from opportunities
            """,
            "deal_pipeline_stage": """
                select * from (values
                    ('qualifiedtobuy', 'default', 'Qualified to buy', false, 0.2, false),
                    ('closedwon', 'default', 'Closed won', true, 1.0, false),
                    ('closedlost', 'default', 'Closed lost', true, 0.0, false)
                ) as stages (
                    stage_id, pipeline_id, label, is_closed, probability, _fivetran_deleted
                )
            """,
        },
    )


def rekey_account_ids(landing: Path, target: Path, tables: tuple[str, ...]) -> None:
    """Copy contract tables of `landing` into `target` with their account_id as the HubSpot
    company id (the digits of the contract id), as a team keys its data by its CRM's ids."""
    con = _connection(landing)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(landing).iterdir()):
        table, _, suffix = path.name.partition(".")
        if table not in tables:
            continue
        rekeyed = (
            f"select * replace (cast({_id('account_id')} as varchar) as account_id) from {table}"
        )
        if suffix == "parquet":
            con.execute(f"copy ({rekeyed}) to '{target / path.name}' (format parquet)")
        else:
            con.execute(
                f"copy ({rekeyed}) to '{target / (table + '.csv')}' (header, delimiter ',')"
            )


def write_connector_tables(database: Path, schema: str, tables: dict[str, pa.Table]) -> None:
    """Create `schema` in the DuckDB warehouse file with these tables, as a loader would."""
    con = duckdb.connect(str(database))
    try:
        con.execute(f'create schema if not exists "{schema}"')
        for name, table in tables.items():
            con.register("connector_rows", table)
            con.execute(
                f'create or replace table "{schema}"."{name}" as select * from connector_rows'
            )
            con.unregister("connector_rows")
    finally:
        con.close()
