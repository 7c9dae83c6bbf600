"""The ten contract tables: column names (exactly as in raw_contract.md) and their types."""

from __future__ import annotations

import pyarrow as pa

# Logical types: string, timestamp, date, integer, money (decimal), number (decimal carried
# as float64), boolean.
TABLE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "crm_accounts": (
        ("account_id", "string"),
        ("account_name", "string"),
        ("segment", "string"),
        ("industry", "string"),
        ("csm_owner", "string"),
        ("parent_account_id", "string"),
        ("created_at", "timestamp"),
    ),
    "crm_contacts": (
        ("contact_id", "string"),
        ("account_id", "string"),
        ("role", "string"),
        ("email", "string"),
        ("created_at", "timestamp"),
        ("left_at", "timestamp"),
    ),
    "crm_activities": (
        ("activity_id", "string"),
        ("account_id", "string"),
        ("contact_id", "string"),
        ("activity_type", "string"),
        ("direction", "string"),
        ("outcome", "string"),
        ("sentiment", "string"),
        ("occurred_at", "timestamp"),
        ("logged_at", "timestamp"),
    ),
    "crm_opportunities": (
        ("opportunity_id", "string"),
        ("account_id", "string"),
        ("opportunity_type", "string"),
        ("amount", "money"),
        ("created_at", "timestamp"),
        ("close_date", "date"),
        ("is_closed", "boolean"),
        ("is_won", "boolean"),
    ),
    "survey_responses": (
        ("response_id", "string"),
        ("account_id", "string"),
        ("contact_id", "string"),
        ("survey_type", "string"),
        ("score", "integer"),
        ("responded_at", "timestamp"),
    ),
    "billing_subscriptions": (
        ("subscription_id", "string"),
        ("account_id", "string"),
        ("plan", "string"),
        ("seats", "integer"),
        ("arr", "money"),
        ("start_date", "date"),
        ("end_date", "date"),
        ("canceled_at", "timestamp"),
    ),
    "billing_invoices": (
        ("invoice_id", "string"),
        ("account_id", "string"),
        ("subscription_id", "string"),
        ("amount_due", "money"),
        ("issued_at", "timestamp"),
        ("due_at", "timestamp"),
        ("paid_at", "timestamp"),
        ("status", "string"),
        ("is_disputed", "boolean"),
    ),
    "product_users": (
        ("user_id", "string"),
        ("account_id", "string"),
        ("created_at", "timestamp"),
        ("deactivated_at", "timestamp"),
    ),
    "product_events": (
        ("event_id", "string"),
        ("account_id", "string"),
        ("user_id", "string"),
        ("event_name", "string"),
        ("occurred_at", "timestamp"),
        ("quantity", "number"),
    ),
    "support_tickets": (
        ("ticket_id", "string"),
        ("account_id", "string"),
        ("priority", "string"),
        ("status", "string"),
        ("created_at", "timestamp"),
        ("first_response_at", "timestamp"),
        ("solved_at", "timestamp"),
        ("csat", "string"),
        ("is_escalated", "boolean"),
    ),
}
TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)
PRIMARY_KEYS: dict[str, str] = {table: columns[0][0] for table, columns in TABLE_COLUMNS.items()}

TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "timestamp": TIMESTAMP_TYPE,
    "date": pa.date32(),
    "integer": pa.int64(),
    "money": pa.decimal128(18, 2),
    "number": pa.float64(),
    "boolean": pa.bool_(),
}


def arrow_schema(table: str) -> pa.Schema:
    """The typed (Parquet) schema of a contract table."""
    return pa.schema(
        [pa.field(name, ARROW_TYPES[logical]) for name, logical in TABLE_COLUMNS[table]]
    )


def column_names(table: str) -> list[str]:
    """The contract's column names of a table, in order."""
    return [name for name, _ in TABLE_COLUMNS[table]]


def timestamp_columns(table: str) -> list[str]:
    """Names of the timestamp columns of a table."""
    return [name for name, logical in TABLE_COLUMNS[table] if logical == "timestamp"]
