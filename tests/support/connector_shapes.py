"""Connector-shaped tables made from a landing folder's contract tables, for the source mapping
tests (tests/test_mapping_<connector>.py, docs/mappings.md): one function per connector, each
returning the tables its connector would land (table name -> Arrow table, names and columns as
the connector publishes them), `write_connector_tables` to put them in a schema of a DuckDB
warehouse file, and `write_postgres_tables` to land them in a PostgreSQL schema (typed as a
loader types them, or as all-text columns like a CSV load). Rows a connector could not hold (a
null or repeated key, a timestamp that does not parse) are left out; what the connector has no
place for is lost, as it would be.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

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


# Columns a loader lands as a JSON object (Stripe's metadata, Segment's properties).
_JSON_COLUMNS = {"metadata", "properties"}


def _postgres_type(name: str, arrow_type: pa.DataType) -> str:
    """The PostgreSQL type a loader gives a column of `arrow_type`."""
    if name in _JSON_COLUMNS:
        return "jsonb"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_decimal(arrow_type):
        return "numeric"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_date(arrow_type):
        return "date"
    return "text"


def _csv_field(value: Any) -> str:
    """A value as a field of COPY's CSV: null unquoted and empty, anything else quoted (an empty
    string stays a string), booleans in lower case, timestamps in ISO format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, dict | list):
        value = json.dumps(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return '"' + str(value).replace('"', '""') + '"'


def write_postgres_tables(
    connection: Any, schema: str, tables: dict[str, pa.Table], *, all_text: bool = False
) -> None:
    """Create (or replace) each table in `schema` of the PostgreSQL database of the psycopg2
    `connection`, with the column types a loader gives them (bigint, numeric, boolean,
    timestamp, jsonb for metadata and properties), or with `all_text` every column as text,
    as a CSV loaded into text columns lands it. Rows are copied in (COPY ... csv)."""
    cursor = connection.cursor()
    cursor.execute(f'create schema if not exists "{schema}"')
    for name, table in tables.items():
        columns = ", ".join(
            f'"{field.name}" {"text" if all_text else _postgres_type(field.name, field.type)}'
            for field in table.schema
        )
        cursor.execute(f'drop table if exists "{schema}"."{name}"')
        cursor.execute(f'create table "{schema}"."{name}" ({columns})')
        buffer = io.StringIO()
        for row in table.to_pylist():
            buffer.write(",".join(_csv_field(value) for value in row.values()) + "\n")
        buffer.seek(0)
        cursor.copy_expert(
            f'copy "{schema}"."{name}" from stdin with (format csv, null \'\')', buffer
        )
    connection.commit()


# The contract columns of the tables to_stripe and to_segment read, for an empty stand-in when
# the landing folder lacks the table.
_CONTRACT_COLUMNS = {
    "billing_subscriptions": (
        "subscription_id, account_id, plan, seats, arr, start_date, end_date, canceled_at"
    ),
    "billing_invoices": (
        "invoice_id, account_id, subscription_id, amount_due, issued_at, due_at, paid_at, status,"
        " is_disputed"
    ),
    "product_users": "user_id, account_id, created_at, deactivated_at",
    "product_events": "event_id, account_id, user_id, event_name, occurred_at, quantity",
}


def _with_stand_ins(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
    """An empty text view for each of `tables` the landing folder lacks."""
    present = {row[0] for row in con.execute("select view_name from duckdb_views()").fetchall()}
    for table in tables:
        if table not in present:
            columns = [column.strip() for column in _CONTRACT_COLUMNS[table].split(",")]
            nulls = ", ".join(f"cast(null as varchar) as {column}" for column in columns)
            con.execute(f"create view {table} as select {nulls} where false")


# Stripe (Fivetran's schema). Each contract term becomes one billed period of a Stripe
# subscription: an invoice line (type subscription) with the term's dates, its price (a
# monthly price for terms shorter than two months, else a yearly one) and quantity (seats).
# The terms of an account chain into one subscription until a canceled term ends it (the next
# terms start a new one), so canceled_at sits on the subscription whose last term it is. The
# line rides on the term's first invoice that is not void, else on a draft invoice of its own
# (not issued: the mapping reads no billing_invoices row from it). Customers carry the
# account id in metadata.account_id; paid and disputed invoices get a charge, disputed ones a
# dispute. Values the typed Stripe columns cannot hold (text that is no date or number) are
# lost, as they would be in Stripe.
_STRIPE_TERMS = """
create table stripe_terms as
with typed as (
    select
        subscription_id,
        account_id,
        plan,
        try_cast(seats as bigint) as seats,
        try_cast(arr as decimal(18, 4)) as arr,
        try_cast(start_date as date) as start_date,
        try_cast(end_date as date) as end_date,
        try_cast(canceled_at as timestamp) as canceled_at
    from billing_subscriptions
),
usable as (
    select * from typed
    where subscription_id is not null and arr is not null
        and start_date is not null and end_date is not null
),
chained as (
    select
        usable.*,
        coalesce(sum(case when canceled_at is not null then 1 else 0 end) over (
            partition by account_id order by start_date, end_date, subscription_id
            rows between unbounded preceding and 1 preceding
        ), 0) as chain_number,
        case when date_diff('day', start_date, end_date) < 60 then 'month' else 'year' end
            as price_interval
    from usable
)
select
    chained.*,
    'sub_' || coalesce(account_id, 'none') || '_' || cast(chain_number as varchar)
        as stripe_subscription_id,
    'price_' || subscription_id as price_id,
    arr * 100 / (case when price_interval = 'month' then 12 else 1 end) as period_cents
from chained
"""

_STRIPE_CARRIERS = """
create table stripe_carriers as
with candidates as (
    select
        stripe_terms.subscription_id,
        billing_invoices.invoice_id,
        row_number() over (
            partition by stripe_terms.subscription_id
            order by try_cast(billing_invoices.issued_at as timestamp), billing_invoices.invoice_id
        ) as invoice_rank
    from stripe_terms
    inner join billing_invoices
        on billing_invoices.subscription_id = stripe_terms.subscription_id
    where coalesce(billing_invoices.status, '') <> 'void'
        and try_cast(billing_invoices.issued_at as timestamp) is not null
)
select
    stripe_terms.subscription_id,
    coalesce(candidates.invoice_id, 'in_draft_' || stripe_terms.subscription_id) as invoice_id,
    candidates.invoice_id is null as is_draft
from stripe_terms
left join candidates
    on stripe_terms.subscription_id = candidates.subscription_id and candidates.invoice_rank = 1
"""

_STRIPE_INVOICES = """
create table stripe_invoices as
select
    billing_invoices.invoice_id,
    billing_invoices.account_id,
    billing_invoices.subscription_id,
    cast(round(try_cast(billing_invoices.amount_due as decimal(18, 4)) * 100) as bigint)
        as amount_cents,
    try_cast(billing_invoices.issued_at as timestamp) as issued_at,
    try_cast(billing_invoices.due_at as timestamp) as due_at,
    try_cast(billing_invoices.paid_at as timestamp) as paid_at,
    billing_invoices.status,
    lower(coalesce(billing_invoices.is_disputed, '')) in ('true', 't', '1', 'yes') as is_disputed
from billing_invoices
where billing_invoices.invoice_id is not null
    and try_cast(billing_invoices.issued_at as timestamp) is not null
    and try_cast(billing_invoices.amount_due as decimal(18, 4)) is not null
    and billing_invoices.status in ('paid', 'open', 'void', 'uncollectible')
"""

_STRIPE_QUERIES = {
    "customer": """
        select distinct
            'cus_' || coalesce(account_id, 'none') as id,
            case when account_id is null then '{}'
                else to_json({'account_id': account_id})::varchar end as metadata,
            false as is_deleted,
            true as livemode,
            cast(null as timestamp) as created
        from (
            select account_id from stripe_terms
            union
            select account_id from stripe_invoices
        )
    """,
    "price": """
        select
            price_id as id,
            plan as nickname,
            'prod_' || coalesce(plan, 'none') as product_id,
            cast(case when seats > 0 then round(period_cents / seats) end as bigint) as unit_amount,
            case when seats > 0 then cast(round(period_cents / seats, 10) as varchar) end
                as unit_amount_decimal,
            price_interval as recurring_interval,
            cast(1 as bigint) as recurring_interval_count,
            'usd' as currency,
            true as is_active,
            true as livemode
        from stripe_terms
    """,
    "subscription": """
        select
            stripe_subscription_id as id,
            'cus_' || coalesce(any_value(account_id), 'none') as customer_id,
            case when max(canceled_at) is not null then 'canceled' else 'active' end as status,
            max(canceled_at) as canceled_at,
            cast(null as timestamp) as ended_at,
            cast(null as timestamp) as trial_end,
            cast(min(start_date) as timestamp) as start_date,
            cast(max(start_date) as timestamp) as current_period_start,
            cast(max(end_date) as timestamp) as current_period_end,
            true as livemode
        from stripe_terms
        group by stripe_subscription_id
    """,
    "invoice_line_item": """
        select
            'il_' || stripe_terms.subscription_id as id,
            stripe_carriers.invoice_id,
            stripe_terms.stripe_subscription_id as subscription_id,
            'si_' || stripe_terms.stripe_subscription_id as subscription_item_id,
            stripe_terms.price_id,
            stripe_terms.price_id as plan_id,
            'subscription' as type,
            false as proration,
            stripe_terms.seats as quantity,
            cast(round(stripe_terms.period_cents) as bigint) as amount,
            'usd' as currency,
            cast(stripe_terms.start_date as timestamp) as period_start,
            cast(stripe_terms.end_date as timestamp) as period_end,
            true as livemode
        from stripe_terms
        inner join stripe_carriers
            on stripe_terms.subscription_id = stripe_carriers.subscription_id
    """,
    "invoice": """
        select
            stripe_invoices.invoice_id as id,
            'cus_' || coalesce(stripe_invoices.account_id, 'none') as customer_id,
            stripe_terms.stripe_subscription_id as subscription_id,
            stripe_invoices.status,
            stripe_invoices.amount_cents as amount_due,
            'usd' as currency,
            'send_invoice' as collection_method,
            stripe_invoices.issued_at as created,
            stripe_invoices.due_at as due_date,
            stripe_invoices.issued_at as status_transitions_finalized_at,
            stripe_invoices.paid_at as status_transitions_paid_at,
            case when stripe_invoices.status = 'paid' or stripe_invoices.is_disputed
                then 'ch_' || stripe_invoices.invoice_id end as charge_id,
            false as is_deleted,
            true as livemode
        from stripe_invoices
        left join stripe_terms
            on stripe_invoices.subscription_id = stripe_terms.subscription_id
        union all
        select
            stripe_carriers.invoice_id as id,
            'cus_' || coalesce(stripe_terms.account_id, 'none') as customer_id,
            stripe_terms.stripe_subscription_id as subscription_id,
            'draft' as status,
            cast(round(stripe_terms.period_cents) as bigint) as amount_due,
            'usd' as currency,
            'send_invoice' as collection_method,
            cast(stripe_terms.start_date as timestamp) as created,
            cast(null as timestamp) as due_date,
            cast(null as timestamp) as status_transitions_finalized_at,
            cast(null as timestamp) as status_transitions_paid_at,
            cast(null as varchar) as charge_id,
            false as is_deleted,
            true as livemode
        from stripe_carriers
        inner join stripe_terms
            on stripe_carriers.subscription_id = stripe_terms.subscription_id
        where stripe_carriers.is_draft
    """,
    "charge": """
        select
            'ch_' || invoice_id as id,
            invoice_id,
            'cus_' || coalesce(account_id, 'none') as customer_id,
            amount_cents as amount,
            'usd' as currency,
            'succeeded' as status,
            coalesce(paid_at, issued_at) as created,
            true as livemode
        from stripe_invoices
        where status = 'paid' or is_disputed
    """,
    "dispute": """
        select
            'dp_' || invoice_id as id,
            'ch_' || invoice_id as charge_id,
            amount_cents as amount,
            'usd' as currency,
            'lost' as status,
            coalesce(paid_at, issued_at) as created,
            true as livemode
        from stripe_invoices
        where is_disputed
    """,
}


def to_stripe(landing: Path) -> dict[str, pa.Table]:
    """The billing contract tables of `landing` as Fivetran's Stripe connector lands them
    (customer, price, subscription, invoice, invoice_line_item, charge, dispute;
    docs/mappings.md#stripe). Lost on the way: rows whose key, date or amount a typed Stripe
    column cannot hold."""
    con = _landing_views(landing)
    try:
        _with_stand_ins(con, ("billing_subscriptions", "billing_invoices"))
        for statement in (_STRIPE_TERMS, _STRIPE_CARRIERS, _STRIPE_INVOICES):
            con.execute(statement)
        return {name: con.sql(sql).to_arrow_table() for name, sql in _STRIPE_QUERIES.items()}
    finally:
        con.close()


# Segment's warehouse schema. Each product user is one identify call at created_at (without a
# context_group_id column: Segment creates it only once a call sends one) and one group call
# to its account; each event is one track call, carrying context_group_id only when its
# account is not its user's (anonymous events, users unknown to product_users), so the
# mapping's fallback to the user's group is exercised. deactivated_at and quantity have no
# place in these tables and are lost.
_SEGMENT_QUERIES = {
    "identifies": """
        select
            'idf_' || user_id as id,
            user_id,
            'anon_' || user_id as anonymous_id,
            try_cast(created_at as timestamptz) as timestamp,
            try_cast(created_at as timestamptz) as received_at,
            try_cast(created_at as timestamptz) as sent_at,
            'analytics.js' as context_library_name
        from product_users
        where user_id is not null and try_cast(created_at as timestamptz) is not null
    """,
    "groups": """
        select
            'grp_' || user_id as id,
            user_id,
            account_id as group_id,
            try_cast(created_at as timestamptz) as timestamp,
            try_cast(created_at as timestamptz) as received_at
        from product_users
        where user_id is not null and try_cast(created_at as timestamptz) is not null
    """,
    "users": """
        select user_id as id, max(try_cast(created_at as timestamptz)) as received_at
        from product_users
        where user_id is not null
        group by user_id
    """,
    "tracks": """
        with user_accounts as (
            select user_id, any_value(account_id) as account_id
            from product_users
            where user_id is not null and try_cast(created_at as timestamptz) is not null
            group by user_id
            having count(distinct account_id) = 1
        )
        select
            product_events.event_id as id,
            product_events.user_id,
            'anon_' || coalesce(product_events.user_id, product_events.event_id) as anonymous_id,
            product_events.event_name as event,
            product_events.event_name as event_text,
            try_cast(product_events.occurred_at as timestamptz) as timestamp,
            try_cast(product_events.occurred_at as timestamptz) as original_timestamp,
            try_cast(product_events.occurred_at as timestamptz) as sent_at,
            try_cast(product_events.occurred_at as timestamptz) as received_at,
            case when user_accounts.account_id is distinct from product_events.account_id
                then product_events.account_id end as context_group_id,
            'analytics.js' as context_library_name
        from product_events
        left join user_accounts
            on product_events.user_id = user_accounts.user_id
    """,
}


def to_segment(landing: Path) -> dict[str, pa.Table]:
    """The product contract tables of `landing` as Segment's warehouse destination writes them
    (identifies, groups, users, tracks; docs/mappings.md#segment). Lost on the way: users'
    deactivated_at and events' quantity."""
    con = _landing_views(landing)
    try:
        con.execute("set TimeZone = 'UTC'")
        _with_stand_ins(con, ("product_users", "product_events"))
        return {name: con.sql(sql).to_arrow_table() for name, sql in _SEGMENT_QUERIES.items()}
    finally:
        con.close()


# --- Zendesk Support and HubSpot (tests/test_mapping_zendesk_hubspot.py) ---------------------
# Ids become the connectors' integers (the digits of the contract id: acc_00012 is company 12),
# so the contract tables still read from the landing folder are re-keyed the same way
# (`rekey_account_ids`): a team whose CRM is HubSpot keys billing and product data by the
# HubSpot company id. The generator's dirt a connector can hold (unknown accounts, future
# timestamps, unknown priorities) is carried over; HubSpot has no place for contacts' left_at,
# activities' sentiment and email outcomes, or survey responses.

# The contract id's digits, as the connector's integer id.
_NUMERIC_ID = "try_cast(regexp_extract({column}, '(\\d+)$', 1) as bigint)"
# Zendesk organization ids live in their own range (they are not the CRM's).
ORGANIZATION_ID_OFFSET = 900_000


def _numeric_id(column: str) -> str:
    return _NUMERIC_ID.format(column=column)


def _connector_tables(
    con: duckdb.DuckDBPyConnection, queries: dict[str, str]
) -> dict[str, pa.Table]:
    return {name: con.sql(sql).to_arrow_table() for name, sql in queries.items()}


def to_zendesk(landing: Path) -> dict[str, pa.Table]:
    """Fivetran's Zendesk Support tables (ticket, organization, user, ticket_comment,
    ticket_field_history, ticket_tag) holding the landing folder's support_tickets: the
    requester opens each ticket with a comment, an agent's public reply is its first response,
    the field history records when it was solved and closed and its satisfaction rating, and an
    escalated ticket carries the tag `escalated`. Organizations link to the CRM by external_id,
    the HubSpot company id."""
    con = _landing_views(landing)
    con.execute(
        "create temp table tickets as "
        + "select * from "
        + _holdable("support_tickets", "ticket_id", "created_at")
    )
    return _connector_tables(
        con,
        {
            "ticket": f"""
                select
                    {_numeric_id("ticket_id")} as id,
                    {_numeric_id("account_id")} + {ORGANIZATION_ID_OFFSET} as organization_id,
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
                    {_numeric_id("account_id")} + {ORGANIZATION_ID_OFFSET} as id,
                    cast({_numeric_id("account_id")} as varchar) as external_id,
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
                    {_numeric_id("ticket_id")} * 10 + 1 as id,
                    {_numeric_id("ticket_id")} as ticket_id,
                    1 as user_id,
                    cast(created_at as timestamp) as created,
                    true as public,
                    false as _fivetran_deleted
                from tickets
                union all
                select
                    {_numeric_id("ticket_id")} * 10 + 2,
                    {_numeric_id("ticket_id")},
                    2,
                    cast(first_response_at as timestamp),
                    true,
                    false
                from tickets
                where first_response_at is not null
            """,
            "ticket_field_history": f"""
                select {_numeric_id("ticket_id")} as ticket_id, 'status' as field_name,
                    cast(solved_at as timestamp) as updated, 'solved' as value
                from tickets
                where solved_at is not null and lower(status) in ('solved', 'closed')
                union all
                select {_numeric_id("ticket_id")}, 'status',
                    cast(solved_at as timestamp) + interval 4 day, 'closed'
                from tickets
                where solved_at is not null and lower(status) = 'closed'
                union all
                select {_numeric_id("ticket_id")}, 'satisfaction_score',
                    cast(coalesce(solved_at, created_at) as timestamp), 'offered'
                from tickets
                where csat is not null
                union all
                select {_numeric_id("ticket_id")}, 'satisfaction_score',
                    cast(coalesce(solved_at, created_at) as timestamp) + interval 1 hour,
                    lower(csat)
                from tickets
                where csat is not null
            """,
            "ticket_tag": f"""
                select {_numeric_id("ticket_id")} as ticket_id, 'escalated' as tag
                from tickets
                where lower(is_escalated) = 'true'
                union all
                select {_numeric_id("ticket_id")}, 'web_form'
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
    con = _landing_views(landing)
    con.execute(
        "create temp table accounts as "
        + "select * from "
        + _holdable("crm_accounts", "account_id", "created_at")
    )
    con.execute(
        "create temp table contacts as "
        + "select * from "
        + _holdable("crm_contacts", "contact_id", "created_at")
    )
    con.execute(
        "create temp table activities as "
        + "select * from "
        + _holdable("crm_activities", "activity_id", "occurred_at")
    )
    con.execute(
        "create temp table opportunities as "
        + "select * from "
        + _holdable("crm_opportunities", "opportunity_id", "created_at")
    )
    con.execute(
        """create temp table owners as
           select row_number() over (order by csm_owner) + 100 as owner_id, csm_owner
           from (select distinct csm_owner from accounts where csm_owner is not null)"""
    )
    return _connector_tables(
        con,
        {
            "company": f"""
                select
                    {_numeric_id("accounts.account_id")} as id,
                    false as is_deleted,
                    accounts.account_name as property_name,
                    upper(accounts.industry) as property_industry,
                    accounts.segment as property_customer_segment,
                    owners.owner_id as property_hubspot_owner_id,
                    cast({_numeric_id("accounts.parent_account_id")} as double)
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
                    {_numeric_id("contact_id")} as id,
                    false as _fivetran_deleted,
                    email as property_email,
                    cast(created_at as timestamp) as property_createdate,
                    cast({_numeric_id("account_id")} as double) as property_associatedcompanyid,
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
                    {_numeric_id("activity_id")} as id,
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
                select
                    {_numeric_id("activity_id")} as engagement_id,
                    {_numeric_id("account_id")} as company_id,
                    'HUBSPOT_DEFINED' as category
                from activities
            """,
            "engagement_contact": f"""
                select
                    {_numeric_id("activity_id")} as engagement_id,
                    {_numeric_id("contact_id")} as contact_id,
                    'HUBSPOT_DEFINED' as category
                from activities
                where contact_id is not null
            """,
            "engagement_meeting": f"""
                select
                    {_numeric_id("activity_id")} as engagement_id,
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
                    {_numeric_id("activity_id")} as engagement_id,
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
                    {_numeric_id("activity_id")} as engagement_id,
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
                    {_numeric_id("opportunity_id")} as deal_id,
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
                select
                    {_numeric_id("opportunity_id")} as deal_id,
                    {_numeric_id("account_id")} as company_id,
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
    con = _landing_views(landing)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(landing).iterdir()):
        table, _, suffix = path.name.partition(".")
        if table not in tables:
            continue
        company_id = f"cast({_numeric_id('account_id')} as varchar)"
        rekeyed = f"select * replace ({company_id} as account_id) from {table}"
        if suffix == "parquet":
            con.execute(f"copy ({rekeyed}) to '{target / path.name}' (format parquet)")
        else:
            con.execute(
                f"copy ({rekeyed}) to '{target / (table + '.csv')}' (header, delimiter ',')"
            )


def hubspot_company_id(account_id: str) -> str:
    """The HubSpot company id the connector shapes give a contract account id."""
    return str(int(account_id.rsplit("_", 1)[-1]))


def assert_scored_as_directly(mapped: dict[str, tuple], direct_database: Path, label: str) -> None:
    """The accounts a mapped build scored (HubSpot company id -> (score, band)) against the
    direct DuckDB build of the same company: the same accounts; at least 95% of those scored
    directly scored, at least 90% of them in the same band, a mean score gap under 5 points
    (they differ by what the connectors cannot carry). Prints the figures."""
    con = duckdb.connect(str(direct_database), read_only=True)
    try:
        rows = con.execute(
            "select account_id, health_score, health_band from marts.account_health"
        ).fetchall()
    finally:
        con.close()
    direct = {hubspot_company_id(row[0]): row[1:] for row in rows}
    assert set(mapped) == set(direct)
    scored_directly = [account for account in direct if direct[account][0] is not None]
    both = [
        (mapped[account], direct[account])
        for account in scored_directly
        if mapped[account][0] is not None
    ]
    assert len(both) >= 0.95 * len(scored_directly), (len(both), len(scored_directly))
    same_band = sum(1 for (_, band), (_, direct_band) in both if band == direct_band) / len(both)
    mean_gap = sum(abs(float(m[0]) - float(d[0])) for m, d in both) / len(both)
    print(
        f"{label} vs DuckDB direct: {len(both)} of {len(scored_directly)} accounts scored, "
        f"{same_band:.1%} in the same band, mean score gap {mean_gap:.2f}"
    )
    assert same_band >= 0.9, same_band
    assert mean_gap < 5, mean_gap
