"""What the analysis modules need of a connection beyond `execute`, written so that it works on
every engine (runtime/warehouse.py) and on a plain DuckDB connection alike (some callers and
tests still pass one): whether a relation exists, its column names, and recovering after a
failed query (PostgreSQL aborts the rest of a transaction after an error).

No information_schema: Spark's catalog has none, so a relation is probed by selecting no row
from it.
"""

from __future__ import annotations

from typing import Any

from orchestration.runtime import warehouse


def after_error(con: Any) -> None:
    """Make `con` usable again after a query failed (a no-op on DuckDB)."""
    recover = getattr(con, "after_error", None)
    if recover is not None:
        recover()


def has_relation(con: Any, relation: str) -> bool:
    """Whether the table or view `schema.name` exists."""
    try:
        con.execute(f"select 1 from {relation} where 1 = 0").fetchall()
    except warehouse.Error:
        after_error(con)
        return False
    return True


def column_names(con: Any, relation: str) -> set[str] | None:
    """The column names of `schema.name` (lower case), None when it does not exist."""
    try:
        result = con.execute(f"select * from {relation} where 1 = 0")
        names = {str(column[0]).lower() for column in result.description or []}
        result.fetchall()
    except warehouse.Error:
        after_error(con)
        return None
    return names


def as_number(value: Any) -> Any:
    """A fetched number as DuckDB returns it for a double: some engines return numeric
    columns as Decimal (PostgreSQL's numeric), which formats and adds differently."""
    import decimal

    return float(value) if isinstance(value, decimal.Decimal) else value


def location(database: Any) -> warehouse.Location:
    """`database` as a Location: a dbt Target as it is, anything else as the DuckDB file's
    Path (callers may pass the path as text)."""
    from pathlib import Path

    return database if isinstance(database, warehouse.Target) else Path(database)


def arrow_table(con: Any, sql: str) -> Any:
    """The rows of `sql` as a pyarrow Table: DuckDB's relation API where it is DuckDB (no
    extra copy of the rows), the connection's fetch elsewhere."""
    import duckdb

    raw = getattr(con, "con", con)
    if isinstance(raw, duckdb.DuckDBPyConnection):
        return raw.sql(sql).to_arrow_table()
    return con.execute(sql).to_arrow_table()
