"""The descriptions the dbt YAML gives the marts and seeds: what persist_docs writes into the
warehouse as table and column comments."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from orchestration.runtime.contract import PROJECT_ROOT

DOC_REFERENCE = re.compile(r"""^\{\{\s*doc\(["'](\w+)["']\)\s*\}\}$""")


def yaml_descriptions(
    schema_yaml: list[Path] | None = None,
) -> dict[str, tuple[str, dict[str, str]]]:
    """Each model's or seed's description and its columns' descriptions, as its YAML states
    them (by default the marts' and the seeds'), with `{{ doc("...") }}` replaced by the doc
    block, as dbt renders it."""
    if schema_yaml is None:
        schema_yaml = [
            *(PROJECT_ROOT / "models" / "marts").rglob("*.yml"),
            PROJECT_ROOT / "seeds" / "_seeds.yml",
        ]
    docs = {
        name: text.strip()
        for path in (PROJECT_ROOT / "models").rglob("*.md")
        for name, text in re.findall(
            r"{% docs (\w+) %}(.*?){% enddocs %}", path.read_text(), flags=re.S
        )
    }

    def rendered(text: str | None) -> str:
        text = (text or "").strip()
        reference = DOC_REFERENCE.match(text)
        return docs[reference.group(1)] if reference else text

    described = {}
    for path in schema_yaml:
        content = yaml.safe_load(path.read_text())
        for node in content.get("models", []) + content.get("seeds", []):
            columns = {
                column["name"]: rendered(column.get("description"))
                for column in node.get("columns", [])
            }
            described[node["name"]] = (rendered(node.get("description")), columns)
    return described


def stale_comments(
    relations: list[tuple[str, str, str | None]],
    columns: list[tuple[str, str, str, str | None]],
) -> list[str]:
    """The relations (schema, name, comment) and columns (schema, relation, column, comment) of
    the marts and config schemas whose comment is not their YAML description, and the marts
    columns the YAML leaves undescribed."""
    described = yaml_descriptions()
    stale = []
    for schema, relation, comment in relations:
        if relation not in described:
            stale.append(f"{schema}.{relation}: no YAML entry")
            continue
        description = described[relation][0]
        if not description or (comment or "").strip() != description:
            stale.append(f"{schema}.{relation}: comment {comment!r}, YAML {description!r}")
    for schema, relation, column, comment in columns:
        if relation not in described:
            continue
        description = described[relation][1].get(column, "")
        if schema == "marts" and not description:
            stale.append(f"{schema}.{relation}.{column}: no description in the YAML")
        elif (comment or "").strip() != description:
            stale.append(f"{schema}.{relation}.{column}: comment {comment!r}, YAML {description!r}")
    return stale
