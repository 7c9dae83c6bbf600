"""Connector-shaped tables made from a landing folder's contract tables, for the source mapping
tests (tests/test_mapping_<connector>.py, docs/mappings.md): one function per connector, each
returning the tables its connector would land (table name -> Arrow table, names and columns as
the connector publishes them), and `write_connector_tables` to put them in a schema of a DuckDB
warehouse file. Rows a connector could not hold (a null or repeated key, a timestamp that does
not parse) are left out; what the connector has no place for is lost, as it would be.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa


def _landing_views(landing: Path) -> duckdb.DuckDBPyConnection:
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


def _holdable(table: str, key: str, timestamp: str) -> str:
    """The rows of a contract table a typed connector table can hold: a key, a parseable
    timestamp, and the first row of a repeated key."""
    return f"""(
        select * exclude (copy_number) from (
            select *, row_number() over (partition by {key} order by {timestamp}) as copy_number
            from {table}
            where {key} is not null and try_cast({timestamp} as timestamp) is not null
        ) where copy_number = 1
    )"""


# Contract role -> a Salesforce contact title that the mapping's default rule reads back
# (end_user has no title rule: it comes back as other).
_SALESFORCE_TITLES = """
    case role
        when 'executive_sponsor' then 'VP, Customer Operations'
        when 'champion' then 'Product Champion'
        when 'admin' then 'Salesforce Administrator'
        when 'end_user' then 'Analyst'
        else 'Procurement Manager'
    end
"""

_SALESFORCE = {
    # Owners are users named as the contract's csm_owner; the segment goes to a custom field
    # (segment_c), read with healthscore_salesforce_segment: account.segment_c.
    "user": """
        select distinct
            'u_' || md5(csm_owner) as id,
            csm_owner as name,
            lower(replace(csm_owner, ' ', '.')) || '@example.com' as email,
            true as is_active
        from crm_accounts
        where csm_owner is not null
    """,
    "account": f"""
        select
            account_id as id,
            account_name as name,
            industry,
            segment as segment_c,
            'Customer - Direct' as type,
            case when csm_owner is not null then 'u_' || md5(csm_owner) end as owner_id,
            parent_account_id as parent_id,
            cast(created_at as timestamp) as created_date,
            false as is_deleted
        from {_holdable("crm_accounts", "account_id", "created_at")}
        union all
        select 'acc_deleted', 'Deleted Ltd', null, null, 'Customer - Direct', null, null,
            timestamp '2025-01-01 00:00:00', true
    """,
    # Contact ids take Salesforce's contact prefix 003 (the mapping reads a who_id as a contact
    # by it); left_at has no place in Salesforce.
    "contact": f"""
        select
            '003' || contact_id as id,
            account_id,
            email,
            {_SALESFORCE_TITLES} as title,
            cast(created_at as timestamp) as created_date,
            false as is_deleted
        from {_holdable("crm_contacts", "contact_id", "created_at")}
    """,
    # Calls and emails are closed tasks: a call's direction is its call_type and its outcome a
    # call disposition; an email keeps no direction and no outcome. Cancelled calls have no
    # place. Sentiment is lost.
    "task": f"""
        select
            activity_id as id,
            account_id,
            case when contact_id is not null then '003' || contact_id end as who_id,
            case activity_type when 'call' then 'Call' else 'Email' end as task_subtype,
            case activity_type when 'call' then 'Call' else 'Email' end as type,
            case when activity_type = 'call' then
                case direction when 'inbound' then 'Inbound' when 'outbound' then 'Outbound' end
            end as call_type,
            case when activity_type = 'call' then
                case outcome when 'no_show' then 'No answer' when 'completed' then 'Connected' end
            end as call_disposition,
            'Completed' as status,
            true as is_closed,
            case activity_type when 'call' then 'Call' else 'Email: follow-up' end as subject,
            cast(occurred_at as timestamp) as completed_date_time,
            cast(cast(occurred_at as timestamp) as date) as activity_date,
            coalesce(try_cast(logged_at as timestamp), cast(occurred_at as timestamp))
                as created_date,
            false as is_deleted
        from {_holdable("crm_activities", "activity_id", "occurred_at")}
        where activity_type = 'email'
            or (activity_type = 'call' and coalesce(outcome, '') <> 'cancelled')
    """,
    # Meetings and QBRs are events; whether one was held goes to a custom field
    # (meeting_outcome_c), read with healthscore_salesforce_event_outcome.
    "event": f"""
        select
            activity_id as id,
            account_id,
            case when contact_id is not null then '003' || contact_id end as who_id,
            'Meeting' as type,
            case activity_type when 'qbr' then 'Quarterly Business Review' else 'Check-in' end
                as subject,
            cast(occurred_at as timestamp) as start_date_time,
            cast(cast(occurred_at as timestamp) as date) as activity_date,
            coalesce(try_cast(logged_at as timestamp), cast(occurred_at as timestamp))
                as created_date,
            outcome as meeting_outcome_c,
            false as is_child,
            false as is_deleted
        from {_holdable("crm_activities", "activity_id", "occurred_at")}
        where activity_type in ('meeting', 'qbr')
    """,
    "opportunity": f"""
        select
            opportunity_id as id,
            account_id,
            case opportunity_type
                when 'new_business' then 'New Customer'
                when 'expansion' then 'Existing Customer - Upgrade'
                when 'renewal' then 'Renewal'
                else opportunity_type
            end as type,
            try_cast(amount as decimal(18, 2)) as amount,
            cast(created_at as timestamp) as created_date,
            try_cast(close_date as date) as close_date,
            try_cast(is_closed as boolean) as is_closed,
            try_cast(is_won as boolean) as is_won,
            false as is_deleted
        from {_holdable("crm_opportunities", "opportunity_id", "created_at")}
    """,
}


def to_salesforce(landing: Path) -> dict[str, pa.Table]:
    """The CRM contract tables of `landing` as Fivetran's Salesforce connector lands them
    (account, contact, task, event, opportunity, user; docs/mappings.md#salesforce), plus one
    deleted account. Lost on the way: contacts' left_at, activity sentiment, email outcomes and
    the direction of emails and meetings, cancelled calls, and the survey responses."""
    con = _landing_views(landing)
    try:
        return {name: con.sql(sql).to_arrow_table() for name, sql in _SALESFORCE.items()}
    finally:
        con.close()


def write_connector_tables(database: Path, schema: str, tables: dict[str, pa.Table]) -> None:
    """Create (or replace) each table in `schema` of the DuckDB file `database`."""
    con = duckdb.connect(str(database))
    try:
        con.execute(f"create schema if not exists {schema}")
        for name, table in tables.items():
            con.register("connector_rows", table)
            con.execute(
                f'create or replace table {schema}."{name}" as select * from connector_rows'
            )
            con.unregister("connector_rows")
    finally:
        con.close()
