"""The ten signal tables of the contract as the generator writes them: names, columns and primary
keys from the raw contract (orchestration.runtime.contract), and the Arrow type of each logical
type. Optional tables (manual overrides) are a team's own input, never generated."""

from __future__ import annotations

import pyarrow as pa

from orchestration.runtime.contract import contract_tables, signal_tables

TABLES: tuple[str, ...] = tuple(signal_tables())
PRIMARY_KEYS: dict[str, str] = {
    name: table.primary_key for name, table in contract_tables().items()
}

TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "timestamp": TIMESTAMP_TYPE,
    "date": pa.date32(),
    "integer": pa.int64(),
    "decimal": pa.decimal128(18, 2),  # amounts, to the cent
    "boolean": pa.bool_(),
}
# Decimal columns the generator writes as float64 rather than decimal(18, 2), as event exports
# often do (the contract accepts either).
FLOAT_DECIMALS = {("product_events", "quantity")}


def _arrow_type(table: str, column: str, logical: str) -> pa.DataType:
    if (table, column) in FLOAT_DECIMALS:
        return pa.float64()
    return ARROW_TYPES[logical]


def arrow_schema(table: str) -> pa.Schema:
    """The typed (Parquet) schema of a contract table."""
    return pa.schema(
        [
            pa.field(column.name, _arrow_type(table, column.name, column.logical_type))
            for column in contract_tables()[table].columns
        ]
    )


def timestamp_columns(table: str) -> list[str]:
    """Names of the timestamp columns of a table."""
    return [
        column.name
        for column in contract_tables()[table].columns
        if column.logical_type == "timestamp"
    ]
