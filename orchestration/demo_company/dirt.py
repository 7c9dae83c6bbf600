"""Realistic dirt: extra rows that break the contract, each with exactly one defect.

Every injected row is an addition (the clean rows stay as they are), so the counts below are
exactly the rows a pipeline must quarantine or deduplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .schema import PRIMARY_KEYS
from .timeline import SECONDS_PER_DAY, Window
from .writer import csv_ready, id_array, timestamp_array, timestamp_text

DUPLICATE_KEY = "duplicate_key"
UNKNOWN_ACCOUNT = "unknown_account"
NULL_KEY = "null_key"
UNPARSEABLE_TIMESTAMP = "unparseable_timestamp"
FUTURE_TIMESTAMP = "future_timestamp"
OUT_OF_RANGE_SCORE = "out_of_range_score"
UNKNOWN_PRIORITY = "unknown_priority"
DIRT_KINDS: tuple[str, ...] = (
    DUPLICATE_KEY,
    UNKNOWN_ACCOUNT,
    NULL_KEY,
    UNPARSEABLE_TIMESTAMP,
    FUTURE_TIMESTAMP,
    OUT_OF_RANGE_SCORE,
    UNKNOWN_PRIORITY,
)
DUPLICATE_EVENT_SHARE = 0.002
BAD_TIMESTAMPS: tuple[str, ...] = (
    "not a date",
    "31/02/2025",
    "2025-02-30 10:00:00",
    "N/A",
    "0000-00-00 00:00:00",
)
UNKNOWN_PRIORITIES: tuple[str, ...] = ("critical", "p1", "blocker")

# Per table: the timestamp column to corrupt, and (min, max) injected rows of each kind.
_TIMESTAMP_COLUMN: dict[str, str] = {
    "product_events": "occurred_at",
    "support_tickets": "created_at",
    "crm_activities": "occurred_at",
    "survey_responses": "responded_at",
    "billing_invoices": "issued_at",
}
DIRT_PLAN: dict[str, dict[str, tuple[int, int]]] = {
    "product_events": {
        UNKNOWN_ACCOUNT: (10, 20),
        NULL_KEY: (3, 6),
        FUTURE_TIMESTAMP: (5, 10),
        UNPARSEABLE_TIMESTAMP: (3, 6),
    },
    "support_tickets": {
        UNKNOWN_ACCOUNT: (5, 10),
        NULL_KEY: (2, 4),
        FUTURE_TIMESTAMP: (2, 4),
        UNPARSEABLE_TIMESTAMP: (2, 4),
        UNKNOWN_PRIORITY: (3, 6),
    },
    "crm_activities": {NULL_KEY: (2, 4), FUTURE_TIMESTAMP: (2, 3), UNPARSEABLE_TIMESTAMP: (2, 4)},
    "survey_responses": {
        OUT_OF_RANGE_SCORE: (3, 6),
        FUTURE_TIMESTAMP: (1, 2),
        UNPARSEABLE_TIMESTAMP: (1, 3),
    },
    "billing_invoices": {NULL_KEY: (1, 2), UNPARSEABLE_TIMESTAMP: (1, 2)},
}
# Columns that describe what happened after the corrupted moment: cleared on future rows.
_CLEARED_ON_FUTURE: dict[str, dict[str, object]] = {
    "support_tickets": {
        "first_response_at": None,
        "solved_at": None,
        "csat": None,
        "status": "new",
    },
    "crm_activities": {"logged_at": None},
}


@dataclass
class DirtLog:
    """Injected rows by table and kind."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, table: str, kind: str, rows: int) -> None:
        """Record `rows` injected rows of one kind."""
        if rows:
            per_table = self.counts.setdefault(table, {})
            per_table[kind] = per_table.get(kind, 0) + rows

    def by_kind(self) -> dict[str, int]:
        """Totals per kind over all tables."""
        totals: dict[str, int] = {}
        for per_table in self.counts.values():
            for kind, rows in per_table.items():
                totals[kind] = totals.get(kind, 0) + rows
        return totals


@dataclass(frozen=True)
class IdScheme:
    """How a table's primary keys are spelled: prefix + zero-padded number."""

    prefix: str
    width: int
    next_number: int


def duplicate_rows(
    table_name: str, batch: pa.Table, rng: np.random.Generator, log: DirtLog
) -> pa.Table:
    """Append exact copies of ~0.2% of the rows (an at-least-once loader)."""
    copies = rng.binomial(batch.num_rows, DUPLICATE_EVENT_SHARE) if batch.num_rows else 0
    if copies == 0:
        return batch
    picked = np.sort(rng.choice(batch.num_rows, copies, replace=False))
    log.add(table_name, DUPLICATE_KEY, copies)
    return pa.concat_tables([batch, batch.take(pa.array(picked))])


def inject_rows(
    table_name: str,
    table: pa.Table,
    as_csv: bool,
    ids: IdScheme,
    unknown_accounts: list[str],
    window: Window,
    rng: np.random.Generator,
    log: DirtLog,
) -> pa.Table:
    """Rows with one defect each, appended after the table's rows (templates are random
    clean rows). Unparseable timestamps only go into CSV tables: Parquet is typed."""
    plan = DIRT_PLAN.get(table_name, {})
    if not plan or table.num_rows == 0:
        return csv_ready(table_name, table) if as_csv else table
    base = csv_ready(table_name, table) if as_csv else table
    next_number = ids.next_number
    pieces = [base]
    for kind, (low, high) in plan.items():
        if kind == UNPARSEABLE_TIMESTAMP and not as_csv:
            continue
        rows = int(rng.integers(low, high + 1))
        rows_table = base.take(pa.array(rng.integers(0, base.num_rows, rows)))
        key = PRIMARY_KEYS[table_name]
        if kind == NULL_KEY:
            new_ids = pa.nulls(rows, pa.string())
        else:
            new_ids = id_array(ids.prefix, np.arange(next_number, next_number + rows), ids.width)
            next_number += rows
        rows_table = _set(rows_table, key, new_ids)
        rows_table = _apply_defect(
            table_name, kind, rows_table, as_csv, unknown_accounts, window, rng
        )
        pieces.append(rows_table.cast(base.schema))
        log.add(table_name, kind, rows)
    return pa.concat_tables(pieces)


def _apply_defect(
    table_name: str,
    kind: str,
    rows: pa.Table,
    as_csv: bool,
    unknown_accounts: list[str],
    window: Window,
    rng: np.random.Generator,
) -> pa.Table:
    count = rows.num_rows
    if kind == UNKNOWN_ACCOUNT:
        picks = [unknown_accounts[int(i)] for i in rng.integers(0, len(unknown_accounts), count)]
        rows = _set(rows, "account_id", pa.array(picks, pa.string()))
        if "user_id" in rows.column_names:
            rows = _set(rows, "user_id", pa.nulls(count, pa.string()))
    elif kind == FUTURE_TIMESTAMP:
        seconds = window.days * SECONDS_PER_DAY + rng.integers(3600, 60 * SECONDS_PER_DAY, count)
        moments = timestamp_array(window, seconds)
        if as_csv:
            moments = timestamp_text(moments)
        rows = _set(rows, _TIMESTAMP_COLUMN[table_name], moments)
        for column, value in _CLEARED_ON_FUTURE.get(table_name, {}).items():
            field_type = rows.schema.field(column).type
            rows = _set(rows, column, pa.array([value] * count, field_type))
    elif kind == UNPARSEABLE_TIMESTAMP:
        texts = [BAD_TIMESTAMPS[int(i)] for i in rng.integers(0, len(BAD_TIMESTAMPS), count)]
        rows = _set(rows, _TIMESTAMP_COLUMN[table_name], pa.array(texts, pa.string()))
    elif kind == OUT_OF_RANGE_SCORE:
        survey = rows.column("survey_type").to_pylist()
        bad_nps = rng.choice([11, 12, -1], count)
        bad_csat = rng.choice([0, 6], count)
        scores = [int(bad_nps[i]) if survey[i] == "nps" else int(bad_csat[i]) for i in range(count)]
        rows = _set(rows, "score", pa.array(scores, pa.int64()))
    elif kind == UNKNOWN_PRIORITY:
        picks = [
            UNKNOWN_PRIORITIES[int(i)] for i in rng.integers(0, len(UNKNOWN_PRIORITIES), count)
        ]
        rows = _set(rows, "priority", pa.array(picks, pa.string()))
    return rows


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(name).with_type(values.type), values)
