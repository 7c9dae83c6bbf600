"""The raw data contract, read from macros/staging/raw_contract.sql.

That macro holds the contract (docs/raw_contract.md) as one YAML block, which dbt's
staging macros parse with fromyaml; this module reads the same block, so each column is declared
in one place for both the SQL and the Python loader.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACT_MACRO = Path("macros") / "staging" / "raw_contract.sql"
_YAML_BLOCK = re.compile(r"\{%-? set contract_yaml -?%\}(.*?)\{%-? endset -?%\}", re.S)


@dataclass(frozen=True)
class ContractColumn:
    name: str
    logical_type: str
    required: bool
    accepted_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContractTable:
    name: str
    source: str
    primary_key: str
    record_timestamp: str | None
    columns: tuple[ContractColumn, ...]
    # An optional table feeds no signal: without it nothing is reported absent (e.g. no manual
    # overrides), and the demo companies do not generate it.
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def entity(self) -> str:
        """The table's name without its source prefix: crm_accounts -> accounts (the staging
        models' <source>__<entity>); survey_responses keeps its name."""
        return self.name.removeprefix(f"{self.source}_")

    @property
    def validated_view(self) -> str:
        """The staging view of the table's rows with their quarantine_reason, read live from
        the raw table: base_<source>__<entity>_validated."""
        return f"base_{self.source}__{self.entity}_validated"


@cache
def contract_tables(project_root: Path = PROJECT_ROOT) -> dict[str, ContractTable]:
    """Every contract table by name, in contract order."""
    path = project_root / CONTRACT_MACRO
    match = _YAML_BLOCK.search(path.read_text())
    if not match:
        raise RuntimeError(f"{path} has no contract_yaml block.")
    document = yaml.safe_load(match.group(1))
    return {
        name: ContractTable(
            name=name,
            source=table["source"],
            primary_key=table["primary_key"],
            record_timestamp=table.get("record_timestamp"),
            columns=tuple(
                ContractColumn(
                    name=column["name"],
                    logical_type=column["type"],
                    required=bool(column.get("required", False)),
                    accepted_values=tuple(column.get("values") or ()),
                )
                for column in table["columns"]
            ),
            optional=bool(table.get("optional", False)),
        )
        for name, table in document["tables"].items()
    }


def signal_tables(project_root: Path = PROJECT_ROOT) -> dict[str, ContractTable]:
    """The contract tables that feed signals (every table but the optional ones), in order."""
    return {
        name: table for name, table in contract_tables(project_root).items() if not table.optional
    }


def signals_by_table(project_root: Path = PROJECT_ROOT) -> dict[str, list[str]]:
    """Which signals each raw table feeds, from the source_tables column of the signal catalogue."""
    feeds: dict[str, list[str]] = {name: [] for name in contract_tables(project_root)}
    with (project_root / "seeds" / "signal_catalogue.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            for table in row["source_tables"].split("|"):
                feeds.setdefault(table, []).append(row["signal"])
    return feeds
