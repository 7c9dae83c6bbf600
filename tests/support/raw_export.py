"""Copy the raw tables of a DuckDB warehouse (as the landing-folder loader wrote them) into
another warehouse's raw schema, as text, so the same dbt project can be built there on the same
data: PostgreSQL through COPY, Spark through a DataFrame. Used by the cross-warehouse tests, and
to try the project on those engines without a loader."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import duckdb

from orchestration.runtime.loader import MANIFEST_TABLE, REJECTS_TABLE


def raw_tables(database: Path, schema: str = "raw") -> dict[str, list[str]]:
    """Raw table name -> column names, for every raw table in the DuckDB warehouse."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            """select table_name, column_name from information_schema.columns
               where table_schema = ? order by table_name, ordinal_position""",
            [schema],
        ).fetchall()
    finally:
        con.close()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return {name: columns for name, columns in tables.items() if name != MANIFEST_TABLE}


def _csv_text(database: Path, schema: str, table: str, columns: list[str]) -> str:
    con = duckdb.connect(str(database), read_only=True)
    try:
        quoted = ", ".join(f'cast("{column}" as varchar) as "{column}"' for column in columns)
        relation = con.sql(f'select {quoted} from "{schema}"."{table}"')
        buffer = io.StringIO()
        for row in relation.fetchall():
            buffer.write(",".join(_csv_field(value) for value in row) + "\n")
        return buffer.getvalue()
    finally:
        con.close()


def _csv_field(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


def export_raw_to_postgres(database: Path, connection: Any, schema: str = "raw") -> dict[str, int]:
    """Recreate `schema` in PostgreSQL with every raw table of `database` (text columns)."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f'drop schema if exists "{schema}" cascade')
        cursor.execute(f'create schema "{schema}"')
        for table, columns in raw_tables(database, schema).items():
            cursor.execute(
                f'create table "{schema}"."{table}" ('
                + ", ".join(f'"{column}" text' for column in columns)
                + ")"
            )
            text = _csv_text(database, schema, table, columns)
            cursor.copy_expert(
                f'copy "{schema}"."{table}" from stdin with (format csv, force_null ('
                + ", ".join(f'"{column}"' for column in columns)
                + "))",
                io.StringIO(text),
            )
            counts[table] = text.count("\n")
    connection.commit()
    return counts


def export_raw_to_spark(database: Path, spark: Any, schema: str = "raw") -> dict[str, int]:
    """Recreate `schema` in the Spark catalog with every raw table of `database` (strings)."""
    from pyspark.sql.types import StringType, StructField, StructType

    counts: dict[str, int] = {}
    spark.sql(f"drop database if exists {schema} cascade")
    spark.sql(f"create database {schema}")
    for table, columns in raw_tables(database, schema).items():
        con = duckdb.connect(str(database), read_only=True)
        try:
            quoted = ", ".join(f'cast("{column}" as varchar)' for column in columns)
            rows = con.execute(f'select {quoted} from "{schema}"."{table}"').fetchall()
        finally:
            con.close()
        frame = spark.createDataFrame(
            rows, StructType([StructField(c, StringType()) for c in columns])
        )
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{table}")
        counts[table] = len(rows)
    return counts


__all__ = ["REJECTS_TABLE", "export_raw_to_postgres", "export_raw_to_spark", "raw_tables"]
