"""Fingerprints of a landing folder's files, so a sensor can tell which tables changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from orchestration.runtime.loader import CSV_SUFFIXES, PARQUET_SUFFIXES


def table_fingerprints(landing: Path, tables: list[str]) -> dict[str, str]:
    """Per table, a hash of the names, sizes and modification times of its files ('' if none)."""
    fingerprints: dict[str, str] = {}
    for table in tables:
        files = [landing / f"{table}{suffix}" for suffix in CSV_SUFFIXES + PARQUET_SUFFIXES]
        folder = landing / table
        if folder.is_dir():
            files += sorted(folder.iterdir())
        parts = [
            f"{path.relative_to(landing)}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
            for path in files
            if path.is_file() and path.name.endswith(CSV_SUFFIXES + PARQUET_SUFFIXES)
        ]
        fingerprints[table] = hashlib.sha256("\n".join(parts).encode()).hexdigest() if parts else ""
    return fingerprints


def changed_tables(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Tables whose files appeared, changed or vanished since `previous`."""
    return sorted(
        table for table, fingerprint in current.items() if previous.get(table) != fingerprint
    )


def encode_cursor(fingerprints: dict[str, str]) -> str:
    return json.dumps(fingerprints, sort_keys=True)


def decode_cursor(cursor: str | None) -> dict[str, str]:
    return json.loads(cursor) if cursor else {}
