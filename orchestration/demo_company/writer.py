"""Arrow column builders and the CSV / Parquet writers of the contract tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .schema import TIMESTAMP_TYPE, arrow_schema, timestamp_columns
from .timeline import SECONDS_PER_DAY, Window

FILE_FORMATS: tuple[str, ...] = ("csv", "parquet", "mixed")
CSV_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# Values never need quoting (no commas, quotes or newlines are generated); the header is
# written by hand because Arrow always quotes header names.
_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="none")


def table_format(table: str, file_format: str) -> str:
    """File format of one table: 'mixed' lands product_events as Parquet, the rest as CSV."""
    if file_format == "mixed":
        return "parquet" if table == "product_events" else "csv"
    return file_format


def id_array(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """String ids such as acc_00042 built without a Python loop (number < 0 = null)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(np.maximum(numbers, 0)), pa.string()), width, "0")
    ids = pc.binary_join_element_wise(prefix, digits, "")
    if (numbers < 0).any():
        ids = pc.if_else(pa.array(numbers < 0), pa.scalar(None, pa.string()), ids)
    return ids


def lookup_array(values: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """values[code] per row as strings (code < 0 = null)."""
    codes = np.asarray(codes, dtype=np.int64)
    dictionary = pa.array(list(values), pa.string())
    indices = pa.array(np.maximum(codes, 0), pa.int32(), mask=codes < 0)
    return pc.take(dictionary, indices)


def timestamp_array(
    window: Window, seconds: np.ndarray, null: np.ndarray | None = None
) -> pa.Array:
    """UTC timestamps from seconds relative to the window start."""
    seconds = np.asarray(seconds, dtype=np.int64)
    epoch_us = (seconds + window.start_epoch_day * SECONDS_PER_DAY) * 1_000_000
    return pa.array(epoch_us, pa.int64(), mask=null).cast(TIMESTAMP_TYPE)


def date_array(window: Window, days: np.ndarray) -> pa.Array:
    """Dates from day numbers relative to the window start."""
    epoch_days = np.asarray(days, dtype=np.int64) + window.start_epoch_day
    return pa.array(epoch_days.astype(np.int32), pa.int32()).cast(pa.date32())


def money_array(values: np.ndarray) -> pa.Array:
    """Decimal(18, 2) amounts (nan = null)."""
    values = np.asarray(values, dtype=float)
    floats = pa.array(np.round(values, 2), pa.float64(), mask=np.isnan(values))
    return pc.cast(floats, pa.decimal128(18, 2))


def bool_array(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Booleans (with an optional null mask)."""
    return pa.array(np.asarray(values, dtype=bool), pa.bool_(), mask=null)


def make_table(table: str, columns: dict[str, pa.Array]) -> pa.Table:
    """A typed contract table from its columns (validated against the schema)."""
    schema = arrow_schema(table)
    return pa.Table.from_arrays([columns[field.name] for field in schema], schema=schema)


def csv_ready(table_name: str, table: pa.Table) -> pa.Table:
    """The table as it is written to CSV: timestamps as 'YYYY-MM-DD HH:MM:SS' text."""
    for name in timestamp_columns(table_name):
        index = table.schema.get_field_index(name)
        column = table.column(index)
        if pa.types.is_timestamp(column.type):
            text = timestamp_text(column)
            table = table.set_column(index, name, text)
    return table


def timestamp_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """UTC timestamps as 'YYYY-MM-DD HH:MM:SS' (whole seconds)."""
    seconds = pc.cast(values, pa.timestamp("s", tz="UTC"), safe=False)
    return pc.strftime(seconds, format=CSV_TIMESTAMP_FORMAT)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write a small table as CSV with a plain (unquoted) header."""
    with path.open("wb") as handle:
        handle.write((",".join(table.schema.names) + "\n").encode())
        pa_csv.write_csv(table, handle, write_options=_CSV_OPTIONS)


class TableSink:
    """Writes one contract table, in one go or batch by batch, as CSV or Parquet."""

    def __init__(self, out_dir: Path, table: str, file_format: str) -> None:
        self.table = table
        self.format = table_format(table, file_format)
        self.path = out_dir / f"{table}.{self.format}"
        self.rows = 0
        self._writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None
        self._file: BinaryIO | None = None

    def write(self, batch: pa.Table) -> None:
        """Append rows (a typed table; CSV text columns are accepted for dirty rows)."""
        if self.format == "csv":
            batch = csv_ready(self.table, batch)
            if self._writer is None:
                self._file = self.path.open("wb")
                self._file.write((",".join(batch.schema.names) + "\n").encode())
                self._writer = pa_csv.CSVWriter(
                    self._file, batch.schema, write_options=_CSV_OPTIONS
                )
        elif self._writer is None:
            self._writer = pq.ParquetWriter(self.path, batch.schema, compression="zstd")
        self._writer.write_table(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        """Finish the file (an empty table still gets its header / schema)."""
        if self._writer is None:
            self.write(arrow_schema(self.table).empty_table())
        assert self._writer is not None
        self._writer.close()
        self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None
