"""One connection API for every warehouse the dbt project builds in.

The Python half of the product (the loader's status, validation, calibration, the reports and
review page, the summary, the notifier, the Dagster checks) reads and writes through
`connect(location)`, where `location` is either

- a `Path`: the embedded DuckDB file (the default; `warehouse_file.py` builds it on a copy and
  publishes it in one rename), or
- a `Target`: the dbt target named by HEALTHSCORE_TARGET, its connection read from profiles.yml
  by dbt's own profile renderer, so the Python code and `dbt build` use the same credentials.

The queries are written once, in DuckDB's dialect with `?` placeholders, and transpiled to the
target's dialect by sqlglot. Each engine is reached through its own well-kept driver: duckdb,
psycopg2 (PostgreSQL, installed with dbt-postgres), PySpark (dbt-spark's session method), and
the vendors' DB-API drivers for Snowflake, BigQuery and Databricks (docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.runtime.contract import PROJECT_ROOT

TARGET_ENV = "HEALTHSCORE_TARGET"
DEFAULT_TARGET = "duckdb"
# dbt adapter type -> the sqlglot dialect its SQL is written in.
DIALECTS = {
    "duckdb": "duckdb",
    "postgres": "postgres",
    "spark": "spark",
    "databricks": "databricks",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
}


class WarehouseConnectionError(Exception):
    """The configured target cannot be reached or is not supported; the message says why."""


class WarehouseQueryError(Exception):
    """A statement a vendor's DB-API driver refused (Snowflake, BigQuery, Databricks): their
    drivers' own exceptions, raised again as this, so that no driver is imported to know them."""


def _error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [
        duckdb.Error,
        WarehouseConnectionError,
        WarehouseQueryError,
    ]
    try:
        import psycopg2

        types.append(psycopg2.Error)
    except ImportError:  # pragma: no cover - dbt-postgres not installed
        pass
    try:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        # Spark's analysis and parse errors, and any other failure of the JVM side.
        types.extend([PySparkException, Py4JJavaError])
    except ImportError:  # pragma: no cover - pyspark not installed
        pass
    return tuple(types)


# What a failing query raises, whatever the engine: `except warehouse.Error`.
Error = _error_types()


@dataclass(frozen=True)
class Target:
    """A dbt target of profiles.yml other than the embedded DuckDB file."""

    name: str
    engine: str
    credentials: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        where = self.credentials.get("host") or self.credentials.get("account") or ""
        database = self.credentials.get("database") or self.credentials.get("project") or ""
        detail = "/".join(part for part in (str(where), str(database)) if part)
        return f"dbt target {self.name} ({self.engine}{': ' + detail if detail else ''})"


Location = Path | Target


def target_name() -> str:
    """The dbt target the run uses: HEALTHSCORE_TARGET, or the embedded DuckDB file."""
    return os.environ.get(TARGET_ENV) or DEFAULT_TARGET


@functools.cache
def _rendered_target(name: str, environment: tuple[tuple[str, str], ...]) -> Target:
    from argparse import Namespace

    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_from_args(Namespace(), None)
    set_invocation_context(dict(environment))
    profiles_dir = os.environ.get("DBT_PROFILES_DIR") or str(PROJECT_ROOT)
    try:
        raw = read_profile(profiles_dir)
        profile = Profile.from_raw_profiles(
            raw, "healthscore", renderer=ProfileRenderer({}), target_override=name
        )
    except Exception as error:  # dbt's own message says what is wrong in the profile
        first = str(error).strip().splitlines()
        raise WarehouseConnectionError(
            f"dbt target {name!r} of {profiles_dir}/profiles.yml cannot be used: "
            f"{' '.join(line.strip() for line in first[:3])}"
        ) from None
    credentials = profile.credentials.to_dict(omit_none=False)
    return Target(name=name, engine=profile.credentials.type, credentials=credentials)


def target(name: str) -> Target:
    """The dbt target `name` of the project's profiles.yml, rendered by dbt (env_var and all)."""
    return _rendered_target(name, tuple(sorted(os.environ.items())))


def location_from_env(database: Path) -> Location:
    """`database` (the DuckDB file) when HEALTHSCORE_TARGET names a DuckDB target, else the
    rendered dbt target."""
    name = target_name()
    if name in {"duckdb"}:
        return database
    resolved = target(name)
    if resolved.engine == "duckdb":
        # One embedded DuckDB path (built on a copy and published, with its landing folder and
        # lock file): another DuckDB target would be judged a remote warehouse by some parts.
        raise WarehouseConnectionError(
            f"dbt target {name} is a DuckDB file: the embedded warehouse is target duckdb. "
            f"Unset {TARGET_ENV} (or set it to duckdb) and set HEALTHSCORE_DUCKDB_PATH to the "
            "file instead."
        )
    return resolved


def engine_of(location: Location) -> str:
    return "duckdb" if isinstance(location, Path) else location.engine


def describe(location: Location) -> str:
    return str(location)


# --- results ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, decimal.Decimal) else value


class Result:
    """The rows of one query, with the DuckDB result methods the project uses (no pandas)."""

    def __init__(self, columns: list[str], rows: list[tuple]):
        self.columns = columns
        self.rows = rows
        self.description = [(name, None, None, None, None, None, None) for name in columns]
        self._next = 0

    def fetchone(self) -> tuple | None:
        if self._next >= len(self.rows):
            return None
        self._next += 1
        return self.rows[self._next - 1]

    def fetchall(self) -> list[tuple]:
        rows, self._next = self.rows[self._next :], len(self.rows)
        return rows

    def fetchnumpy(self) -> dict[str, Any]:
        import numpy as np

        rows = self.fetchall()
        out: dict[str, Any] = {}
        for index, name in enumerate(self.columns):
            values = [_plain(row[index]) for row in rows]
            array = np.array(values, dtype=object)
            if all(isinstance(v, (int, float, bool)) or v is None for v in values):
                kind = float if any(v is None or isinstance(v, float) for v in values) else None
                if all(isinstance(v, bool) for v in values) and values:
                    array = np.array(values, dtype=bool)
                elif kind is float:
                    array = np.array([np.nan if v is None else v for v in values], dtype=float)
                elif values:
                    array = np.array(values)
            out[name] = array
        return out

    def fetch_arrow_table(self) -> Any:
        import pyarrow as pa

        rows = self.fetchall()
        return pa.table(
            {name: [_plain(row[i]) for row in rows] for i, name in enumerate(self.columns)}
        )

    arrow = fetch_arrow_table
    to_arrow_table = fetch_arrow_table


# --- connections ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def transpile(sql: str, dialect: str) -> str:
    """`sql`, written for DuckDB with `?` placeholders, in `dialect` (placeholders kept as `?`)."""
    if dialect == "duckdb":
        return sql
    import sqlglot

    statements = sqlglot.transpile(sql, read="duckdb", write=dialect)
    return ";\n".join(statements)


class Warehouse:
    """A connection to the embedded DuckDB file or a dbt target (see the module docstring)."""

    engine: str = "duckdb"
    # Whether the driver takes no positional parameters: they are then inlined as DuckDB
    # literals before transpiling, so that sqlglot writes them in the target's own quoting
    # (Spark, Databricks and BigQuery escape a quote in a string with a backslash, where DuckDB
    # doubles it, and read two adjacent quoted strings as one).
    inline_params: bool = False

    def __init__(self, location: Location):
        self.location = location

    # Subclasses implement _run(sql_in_target_dialect, params) -> Result-like.
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        if params is not None and self.inline_params:
            sql, params = _params_as_literals(sql, params), None
        return self._run(transpile(sql, DIALECTS.get(self.engine, self.engine)), params)

    sql = execute

    def _run(self, sql: str, params: Sequence[Any] | None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def table_exists(self, schema: str, name: str) -> bool:
        try:
            self.execute(f"select 1 from {schema}.{name} where 1 = 0").fetchall()
        except Error:
            self.after_error()
            return False
        return True

    def after_error(self) -> None:
        """Make the connection usable after a failed statement (PostgreSQL's aborted
        transaction); nothing elsewhere."""

    def write_table(self, schema: str, name: str, table: Any, mode: str = "replace") -> int:
        """Write the pyarrow `table` to `schema.name` (replace or append); the row count."""
        raise NotImplementedError  # pragma: no cover

    def close(self) -> None:  # pragma: no cover
        pass

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBWarehouse(Warehouse):
    engine = "duckdb"

    def __init__(self, location: Path, read_only: bool = True):
        super().__init__(location)
        self.con = duckdb.connect(str(location), read_only=read_only)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    sql = execute

    def write_table(self, schema: str, name: str, table: Any, mode: str = "replace") -> int:
        self.con.register("healthscore_rows", table)
        try:
            self.con.execute(f"create schema if not exists {schema}")
            if mode == "append" and self.table_exists(schema, name):
                self.con.execute(
                    f"insert into {schema}.{name} by name select * from healthscore_rows"
                )
            else:
                self.con.execute(
                    f"create or replace table {schema}.{name} as select * from healthscore_rows"
                )
        finally:
            self.con.unregister("healthscore_rows")
        return table.num_rows

    def close(self) -> None:
        self.con.close()


def _arrow_to_sql_type(arrow_type: Any, engine: str) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return {"postgres": "double precision", "spark": "double"}.get(engine, "double")
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    return {"postgres": "text", "spark": "string"}.get(engine, "varchar")


class PostgresWarehouse(Warehouse):
    engine = "postgres"

    def __init__(self, location: Target, read_only: bool = True):
        super().__init__(location)
        import psycopg2

        c = location.credentials
        options = {}
        if c.get("search_path"):
            options["options"] = f"-c search_path={c['search_path']}"
        for key in ("sslmode", "sslcert", "sslkey", "sslrootcert"):
            if c.get(key):
                options[key] = c[key]
        try:
            self.con = psycopg2.connect(
                host=c.get("host"),
                port=c.get("port"),
                user=c.get("user"),
                password=c.get("password") or c.get("pass") or None,
                dbname=c.get("database") or c.get("dbname"),
                connect_timeout=c.get("connect_timeout") or 10,
                application_name="healthscore",
                **options,
            )
        except psycopg2.OperationalError as error:
            raise WarehouseConnectionError(
                f"cannot connect to {location}: {str(error).strip().splitlines()[0]}"
            ) from None
        self.con.autocommit = True
        self.con.set_session(readonly=read_only, autocommit=True)

    def _run(self, sql: str, params: Sequence[Any] | None) -> Result:
        if params is not None:
            sql = _pyformat(sql)
        cursor = self.con.cursor()
        cursor.execute(sql, list(params) if params is not None else None)
        if cursor.description is None:
            return Result([], [])
        columns = [column.name for column in cursor.description]
        return Result(columns, cursor.fetchall())

    def write_table(self, schema: str, name: str, table: Any, mode: str = "replace") -> int:
        import pyarrow.csv as pacsv

        columns = ", ".join(
            f'"{f.name}" {_arrow_to_sql_type(f.type, "postgres")}' for f in table.schema
        )
        cursor = self.con.cursor()
        cursor.execute(f'create schema if not exists "{schema}"')
        if mode == "replace":
            # The same columns: emptied in place, so the views dbt built over the table (the
            # staging base models) stay. Other columns: dropped with those views, which the
            # run's dbt build creates again.
            cursor.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = %s order by ordinal_position",
                [schema, name],
            )
            existing = [(column, kind) for column, kind in cursor.fetchall()]
            wanted = [(f.name, _arrow_to_sql_type(f.type, "postgres")) for f in table.schema]
            if existing and existing == wanted:
                cursor.execute(f'truncate table "{schema}"."{name}"')
            else:
                cursor.execute(f'drop table if exists "{schema}"."{name}" cascade')
        cursor.execute(f'create table if not exists "{schema}"."{name}" ({columns})')
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
        names = ", ".join(f'"{f.name}"' for f in table.schema)
        cursor.copy_expert(
            f'copy "{schema}"."{name}" ({names}) from stdin with (format csv)',
            io.StringIO(buffer.getvalue().decode()),
        )
        return table.num_rows

    def after_error(self) -> None:
        if not self.con.autocommit:
            self.con.rollback()

    def close(self) -> None:
        self.con.close()


def _pyformat(sql: str) -> str:
    """sqlglot's PostgreSQL output for psycopg2 parameters: its `%s` placeholders (outside string
    literals) kept, every other `%` (in literals, or the modulo operator) doubled."""
    out: list[str] = []
    in_string = False
    for index, char in enumerate(sql):
        if char == "'":
            in_string = not in_string
            out.append(char)
        elif char == "%":
            placeholder = not in_string and sql[index + 1 : index + 2] == "s"
            out.append("%" if placeholder else "%%")
        else:
            out.append(char)
    return "".join(out)


def _params_as_literals(sql: str, params: Sequence[Any]) -> str:
    """Inline `params` for the `?` placeholders outside string literals of `sql`, written in
    DuckDB's dialect (quotes doubled, no backslash escapes): strings quoted, dates as date
    literals. The result is then transpiled like any other DuckDB query."""
    values = iter(params)
    out: list[str] = []
    in_string = False
    for char in sql:
        if char == "'":
            in_string = not in_string
            out.append(char)
        elif char == "?" and not in_string:
            out.append(_literal(next(values)))
        else:
            out.append(char)
    return "".join(out)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return repr(value) if not isinstance(value, decimal.Decimal) else str(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _from_project_root(key: str, value: str) -> str:
    """A server-side parameter naming a relative path (the warehouse directory, the Derby
    metastore) resolved from the project root, where dbt runs, whatever this process's working
    directory: otherwise it would open another, empty, catalog."""
    if key == "spark.sql.warehouse.dir" and "://" not in value and not os.path.isabs(value):
        return str(PROJECT_ROOT / value)
    if key.endswith("javax.jdo.option.ConnectionURL") and value.startswith("jdbc:derby:"):
        parts = value.split(";")
        for index, part in enumerate(parts):
            name, _, path = part.partition("=")
            if name == "databaseName" and path and not os.path.isabs(path):
                parts[index] = f"databaseName={PROJECT_ROOT / path}"
        return ";".join(parts)
    return value


class SparkWarehouse(Warehouse):
    """dbt-spark's session method: a Spark session in this process, configured as the profile's
    server_side_parameters. The embedded Derby metastore admits one process at a time, so the
    session is stopped (and its JVM ended) on close, before the next dbt command starts."""

    engine = "spark"
    inline_params = True

    def __init__(self, location: Target, read_only: bool = True):
        super().__init__(location)
        c = location.credentials
        if c.get("method") != "session":
            raise WarehouseConnectionError(
                f"{location}: the Python half reaches Spark through dbt-spark's session method; "
                "for a cluster use the databricks adapter (docs/deployment.md)."
            )
        from pyspark.sql import SparkSession

        builder = (
            SparkSession.builder.appName("healthscore")
            .enableHiveSupport()
            .config("spark.ui.showConsoleProgress", "false")
        )
        for key, value in (c.get("server_side_parameters") or {}).items():
            value = _from_project_root(key, str(value))
            builder = builder.config(key, value)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        self._open = True
        _spark_users[0] += 1

    def _run(self, sql: str, params: Sequence[Any] | None) -> Result:
        frame = self.spark.sql(sql)
        # Spark keeps decimals where DuckDB's arithmetic gives doubles (avg, a decimal times a
        # double): the rows hold floats, as the DuckDB queries' callers expect.
        rows = [tuple(_plain(value) for value in row) for row in frame.collect()]
        return Result(list(frame.columns), rows)

    def write_table(self, schema: str, name: str, table: Any, mode: str = "replace") -> int:
        self.spark.sql(f"create database if not exists {schema}")
        from pyspark.sql.types import (
            BooleanType,
            DateType,
            DoubleType,
            LongType,
            StringType,
            StructField,
            StructType,
            TimestampType,
        )

        spark_types = {
            "boolean": BooleanType(),
            "bigint": LongType(),
            "double": DoubleType(),
            "date": DateType(),
            "timestamp": TimestampType(),
        }
        schema_of_rows = StructType(
            [
                StructField(
                    f.name, spark_types.get(_arrow_to_sql_type(f.type, "spark"), StringType())
                )
                for f in table.schema
            ]
        )
        rows = [tuple(_plain(row[f.name]) for f in table.schema) for row in table.to_pylist()]
        frame = self.spark.createDataFrame(rows, schema_of_rows)
        frame.write.mode("overwrite" if mode == "replace" else "append").saveAsTable(
            f"{schema}.{name}"
        )
        return table.num_rows

    def close(self) -> None:
        """Stop the session and its JVM when this was the last open connection, unless inside
        keep_spark() (a connection opened while another is open shares its session)."""
        if not self._open:
            return
        self._open = False
        _spark_users[0] -= 1
        if _spark_users[0] <= 0 and not _spark_kept[0]:
            stop_spark()


# Open SparkWarehouse connections of this process, and whether keep_spark() holds the session.
_spark_users = [0]
_spark_kept = [False]


@contextmanager
def keep_spark() -> Iterator[None]:
    """Keep one Spark session (and its JVM, some seconds to start) for every connection opened
    inside, e.g. validation, summary and notifier in a row; stopped at the end (the Derby
    metastore is then free for the next dbt command). Nothing happens on other engines."""
    if _spark_kept[0]:
        yield
        return
    _spark_kept[0] = True
    try:
        yield
    finally:
        _spark_kept[0] = False
        if _spark_users[0] <= 0:
            stop_spark()


def stop_spark() -> None:
    """Stop this process's Spark session and end its JVM (releases the Derby metastore)."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover
        return
    if SparkContext._gateway is None:  # no JVM was started in this process
        return
    session = SparkSession.getActiveSession() or SparkSession._instantiatedSession
    if session is not None:
        session.stop()
    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
        _end_jvm(getattr(gateway, "proc", None))


def _end_jvm(process: Any, wait_seconds: float = 60.0) -> None:
    """End the JVM PySpark started: stopping the session and the gateway leaves it running, and
    with it the Derby metastore it booted (the next process, a dbt command or a new session,
    would fail with "Another instance of Derby may have already booted the database"). The JVM
    exits when its standard input closes (PySpark's PythonGatewayServer); killed if it has not
    after `wait_seconds`."""
    import subprocess

    if process is None:  # a gateway PySpark did not launch (PYSPARK_GATEWAY_PORT)
        return
    try:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=wait_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except OSError:  # pragma: no cover - already gone
        pass


class DbApiWarehouse(Warehouse):
    """Snowflake, BigQuery and Databricks through their vendors' DB-API drivers (not exercised
    in CI: no such service here; docs/deployment.md lists what to install). A driver's own
    exception is raised again as WarehouseQueryError (a warehouse.Error), or as
    WarehouseConnectionError while connecting."""

    # What one INSERT statement of write_table carries at most: rows, and characters of SQL
    # (the engines cap a statement's text: BigQuery at 1 MB).
    INSERT_ROWS = 1000
    INSERT_CHARACTERS = 500_000

    def __init__(self, location: Target, read_only: bool = True, *, connection: Any = None):
        super().__init__(location)
        self.engine = location.engine
        self.inline_params = self.engine != "snowflake"  # Snowflake's connector takes qmark
        self.client: Any = None  # BigQuery's client, for its load jobs
        self.driver_errors: tuple[type[BaseException], ...] = ()
        c = location.credentials
        if connection is not None:  # a DB-API connection already open (tests)
            self.con = connection
            return
        try:
            if self.engine == "snowflake":
                import snowflake.connector
                from snowflake.connector import errors

                self.driver_errors = (errors.Error,)
                self.con = snowflake.connector.connect(
                    account=c.get("account"),
                    user=c.get("user"),
                    password=c.get("password"),
                    authenticator=c.get("authenticator") or "snowflake",
                    private_key_file=c.get("private_key_path"),
                    role=c.get("role"),
                    database=c.get("database"),
                    warehouse=c.get("warehouse"),
                    schema=c.get("schema"),
                    paramstyle="qmark",
                )
            elif self.engine == "bigquery":
                from google.api_core.exceptions import GoogleAPIError
                from google.auth.exceptions import GoogleAuthError
                from google.cloud import bigquery
                from google.cloud.bigquery import dbapi

                self.driver_errors = (dbapi.Error, GoogleAPIError, GoogleAuthError)
                self.client = bigquery.Client(
                    project=c.get("project") or c.get("database"), location=c.get("location")
                )
                self.con = dbapi.connect(client=self.client)
            elif self.engine == "databricks":
                from databricks import sql as databricks_sql
                from databricks.sql import exc

                self.driver_errors = (exc.Error,)
                self.con = databricks_sql.connect(
                    server_hostname=c.get("host"),
                    http_path=c.get("http_path"),
                    access_token=c.get("token"),
                    catalog=c.get("catalog") or c.get("database"),
                )
            else:
                raise WarehouseConnectionError(
                    f"{location}: the {self.engine} adapter has no Python connection here; "
                    "supported: duckdb, postgres, spark (session), snowflake, bigquery, databricks."
                )
        except ImportError as error:
            raise WarehouseConnectionError(
                f"{location}: install the {self.engine} driver first ({error.name} is missing; "
                "docs/deployment.md lists the packages)."
            ) from None
        except Exception as error:
            if isinstance(error, self.driver_errors):
                first = str(error).strip().splitlines()[:1]
                raise WarehouseConnectionError(
                    f"Cannot connect to {location}: {' '.join(first)}"
                ) from None
            raise

    def _run(self, sql: str, params: Sequence[Any] | None) -> Result:
        if self.engine == "bigquery" and not params:
            # BigQuery's DB-API reads `%%` as `%` in any statement, parameters or not.
            sql = sql.replace("%", "%%")
        cursor = self.con.cursor()
        try:
            cursor.execute(sql, params or None)
            if not cursor.description:
                return Result([], [])
            return Result([d[0].lower() for d in cursor.description], list(cursor.fetchall()))
        except Exception as error:
            if isinstance(error, self.driver_errors):
                raise WarehouseQueryError(str(error).strip()) from error
            raise

    def write_table(self, schema: str, name: str, table: Any, mode: str = "replace") -> int:
        """The schema created when missing, then the rows: on BigQuery a load job of the table
        as Parquet; elsewhere the table (re)created with DuckDB's type names transpiled to the
        engine's, and multi-row INSERTs of literals written in the engine's own SQL."""
        relation = f"{schema}.{name}"
        self.execute(f"create schema if not exists {schema}")
        if self.client is not None:
            return self._load_bigquery(relation, table, mode)
        columns = ", ".join(
            f"{f.name} {_arrow_to_sql_type(f.type, 'duckdb')}" for f in table.schema
        )
        if mode == "replace":
            self.execute(f"drop table if exists {relation}")
        self.execute(f"create table if not exists {relation} ({columns})")
        names = [f.name for f in table.schema]
        dialect = DIALECTS.get(self.engine, self.engine)
        statement = transpile(f"insert into {relation} ({', '.join(names)}) values (1)", dialect)
        head = statement[: statement.upper().rindex(" VALUES ")]
        batch: list[str] = []
        size = 0
        for row in table.to_pylist():
            values = "(" + ", ".join(_dialect_literal(row[n], dialect) for n in names) + ")"
            if batch and (
                len(batch) >= self.INSERT_ROWS or size + len(values) > self.INSERT_CHARACTERS
            ):
                self._run(f"{head} VALUES {', '.join(batch)}", None)
                batch, size = [], 0
            batch.append(values)
            size += len(values) + 2
        if batch:
            self._run(f"{head} VALUES {', '.join(batch)}", None)
        return table.num_rows

    def _load_bigquery(self, relation: str, table: Any, mode: str) -> int:
        import pyarrow.parquet as pq
        from google.cloud import bigquery

        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        buffer.seek(0)
        disposition = (
            bigquery.WriteDisposition.WRITE_TRUNCATE
            if mode == "replace"
            else bigquery.WriteDisposition.WRITE_APPEND
        )
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET, write_disposition=disposition
        )
        try:
            self.client.load_table_from_file(buffer, relation, job_config=config).result()
        except Exception as error:
            if isinstance(error, self.driver_errors):
                raise WarehouseQueryError(str(error).strip()) from error
            raise
        return table.num_rows

    def close(self) -> None:
        self.con.close()


def _dialect_literal(value: Any, dialect: str) -> str:
    """`value` as a SQL literal of `dialect`, written by sqlglot (each engine's own quoting and
    escapes): NaN and infinities as casts of their names, an aware time stamp in UTC."""
    import math

    from sqlglot import exp

    if value is None:
        node: exp.Expression = exp.Null()
    elif isinstance(value, bool):
        node = exp.Boolean(this=value)
    elif isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        node = exp.cast(exp.Literal.string(name), "double")
    elif isinstance(value, (int, float, decimal.Decimal)):
        node = exp.Literal.number(str(value))
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        node = exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "timestamp")
    elif isinstance(value, dt.date):
        node = exp.cast(exp.Literal.string(value.isoformat()), "date")
    else:
        node = exp.Literal.string(str(value))
    return node.sql(dialect=dialect)


def connect(location: Location, *, read_only: bool = True) -> Warehouse:
    """A connection to `location` (module docstring). Raises WarehouseConnectionError, with
    what to do, when the target cannot be reached."""
    if isinstance(location, Path):
        return DuckDBWarehouse(location, read_only=read_only)
    if location.engine == "duckdb":
        path = Path(location.credentials["path"])
        return DuckDBWarehouse(path if path.is_absolute() else PROJECT_ROOT / path, read_only)
    if location.engine == "postgres":
        return PostgresWarehouse(location, read_only=read_only)
    if location.engine == "spark":
        return SparkWarehouse(location, read_only=read_only)
    return DbApiWarehouse(location, read_only=read_only)


@contextmanager
def connected(location: Location, *, read_only: bool = True) -> Iterator[Warehouse]:
    con = connect(location, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def exists(location: Location) -> bool:
    """Whether there is a warehouse to read: the DuckDB file exists; a target is assumed to."""
    return location.exists() if isinstance(location, Path) else True
