"""The README and docs/ state only what is true of the repository.

Checked without a dbt build: the counts of models, data tests and unit tests the README states
(against the manifest of a fresh `dbt parse`), every repository path and Dagster module they
mention, every dbt model, relation and data test they name, and every `healthscore`
subcommand (with its flags) and `make` target they show. A failure names the file, the line and
the stale statement.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.analysis.challenger import COMPARISON_TABLE, SCORES_TABLE
from orchestration.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# CHANGELOG.md is history: it names things that no longer exist on purpose.
DOC_FILES = [README, *sorted((ROOT / "docs").rglob("*.md"))]

# Paths under these top-level folders are repository paths (warehouse/, landing/, reports/,
# target/ and bench/ are what a run writes, not files of the repository).
REPO_FOLDERS = ("models", "macros", "seeds", "tests", "orchestration", "docs", ".ci")
PATH_PATTERN = re.compile(
    r"(?<![\w./-])((?:" + "|".join(re.escape(f) for f in REPO_FOLDERS) + r")/[\w./-]*[\w/])"
)
MODULE_PATTERN = re.compile(r"(?<![\w./-])(orchestration(?:\.[a-z_]\w*)+)")
LINK_PATTERN = re.compile(r"\]\(([^)\s]+)\)")
COUNT_PATTERN = re.compile(r"(\d[\d,]*) (models|data tests|unit tests)\b")
RELATION_PATTERN = re.compile(
    r"(?<![\w.])(?:marts|staging|intermediate|config)\."
    r"(?!(?:py|sql|yml|yaml|csv|md|json)\b)([a-z_]\w*)"
)
MODEL_NAME_PATTERN = re.compile(r"^(?:stg|int|base)_\w+$")
NAMED_MODEL_PATTERN = re.compile(r"\bmodels? `([a-z_]\w*)`")
HEALTHSCORE_PATTERN = re.compile(r"(?:^|[\s/`(])healthscore\s+([a-z][\w-]*)([^#`\n]*)")
MAKE_PATTERN = re.compile(r"(?:^|[\s`(])make\s+([a-z][\w-]*)")
FLAG_PATTERN = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def lines_of(path: Path) -> Iterator[tuple[int, str]]:
    yield from enumerate(path.read_text().splitlines(), start=1)


def code_of(path: Path) -> Iterator[tuple[int, str]]:
    """The code a page shows, line by line: fenced blocks whole, and inline `spans`."""
    fenced = False
    for number, line in lines_of(path):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield number, line
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield number, span


def inline_spans(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in lines_of(path):
        for span in re.findall(r"`([^`]+)`", line):
            yield number, span


def fail_with(stale: list[str], what: str) -> None:
    assert not stale, f"{len(stale)} stale statement(s) about {what}:\n  " + "\n  ".join(stale)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of a fresh `dbt parse` of the project (about ten seconds; no warehouse)."""
    target = tmp_path_factory.mktemp("dbt_parse_target")
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(target),
        "DBT_PROFILES_DIR": str(ROOT),
        "HEALTHSCORE_TARGET": "duckdb",
    }
    env.pop("DBT_LOG_PATH", None)
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "parse", "--log-path", str(target / "logs")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"dbt parse failed:\n{result.stdout[-3000:]}{result.stderr}"
    return json.loads((target / "manifest.json").read_text())


def manifest_counts(manifest: dict) -> dict[str, int]:
    nodes = manifest["nodes"].values()
    return {
        "models": sum(1 for node in nodes if node["resource_type"] == "model"),
        "data tests": sum(1 for node in nodes if node["resource_type"] == "test"),
        "unit tests": len(manifest.get("unit_tests", {})),
    }


def test_the_readme_states_the_counts_of_the_manifest(manifest: dict) -> None:
    counts = manifest_counts(manifest)
    stated: dict[str, int] = {}
    stale = []
    for number, line in lines_of(README):
        for figure, kind in COUNT_PATTERN.findall(line):
            value = int(figure.replace(",", ""))
            stated[kind] = value
            if value != counts[kind]:
                stale.append(
                    f"README.md:{number}: says {figure} {kind}; `dbt parse` finds {counts[kind]}"
                )
    for kind in counts:
        if kind not in stated:
            stale.append(f"README.md: states no count of {kind} (the manifest has {counts[kind]})")
    fail_with(stale, "counts")


def test_every_unit_test_name_fits_postgres_identifiers(manifest: dict) -> None:
    """dbt names a unit test's relation after the test, and PostgreSQL refuses identifiers
    over 63 characters (the unit test errors there, and only there)."""
    too_long = [
        f"{test['original_file_path']}: {test['name']} ({len(test['name'])} characters)"
        for test in manifest.get("unit_tests", {}).values()
        if len(test["name"]) > 63
    ]
    assert not too_long, "unit test names over 63 characters:\n" + "\n".join(too_long)


def test_every_path_the_docs_mention_exists() -> None:
    stale = []
    for doc in DOC_FILES:
        for number, line in lines_of(doc):
            for path in PATH_PATTERN.findall(line):
                if not (ROOT / path).exists():
                    stale.append(f"{relative(doc)}:{number}: `{path}` does not exist")
            for module in MODULE_PATTERN.findall(line):
                base = ROOT / module.replace(".", "/")
                if not (base.with_suffix(".py").exists() or (base / "__init__.py").exists()):
                    stale.append(f"{relative(doc)}:{number}: module `{module}` does not exist")
            for link in LINK_PATTERN.findall(line):
                if re.match(r"[a-z]+:", link) or link.startswith("#"):
                    continue
                target = (doc.parent / link.split("#", 1)[0]).resolve()
                if not target.exists():
                    stale.append(f"{relative(doc)}:{number}: link ({link}) leads nowhere")
    fail_with(stale, "paths")


def test_every_model_relation_and_data_test_the_docs_name_exists(manifest: dict) -> None:
    nodes = manifest["nodes"].values()
    relations = {node["name"] for node in nodes if node["resource_type"] in ("model", "seed")}
    # Tables the pipeline writes beside the dbt models (a challenger scored in shadow).
    relations |= {table.split(".")[1] for table in (SCORES_TABLE, COMPARISON_TABLE)}
    models = {node["name"] for node in nodes if node["resource_type"] == "model"}
    # A data test disabled by default (enabled by a var, as the leakage test's) still exists.
    disabled = [node for versions in manifest.get("disabled", {}).values() for node in versions]
    data_tests = {node["name"] for node in [*nodes, *disabled] if node["resource_type"] == "test"}
    stale = []
    for doc in DOC_FILES:
        for number, code in code_of(doc):
            for name in RELATION_PATTERN.findall(code):
                if name not in relations:
                    stale.append(f"{relative(doc)}:{number}: no model or seed `{name}` ({code})")
        for number, span in inline_spans(doc):
            if MODEL_NAME_PATTERN.match(span) and span not in models:
                stale.append(f"{relative(doc)}:{number}: no model `{span}`")
            if re.fullmatch(r"assert_\w+", span) and span not in data_tests:
                stale.append(f"{relative(doc)}:{number}: no data test `{span}`")
        for number, line in lines_of(doc):
            for name in NAMED_MODEL_PATTERN.findall(line):
                if name not in models:
                    stale.append(f"{relative(doc)}:{number}: no model `{name}`")
    fail_with(stale, "dbt models and tests")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("orchestration.cli.build_parser() has no subcommands")


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE))


def test_every_command_and_make_target_the_docs_show_exists() -> None:
    commands = subcommands()
    targets = make_targets()
    stale = []
    for doc in DOC_FILES:
        for number, code in code_of(doc):
            for name, rest in HEALTHSCORE_PATTERN.findall(code):
                if name not in commands:
                    stale.append(f"{relative(doc)}:{number}: no command `healthscore {name}`")
                    continue
                known = {
                    option for action in commands[name]._actions for option in action.option_strings
                }
                for flag in FLAG_PATTERN.findall(rest):
                    if flag not in known:
                        stale.append(
                            f"{relative(doc)}:{number}: `healthscore {name}` has no {flag}"
                        )
            for target in MAKE_PATTERN.findall(code):
                if target not in targets:
                    stale.append(f"{relative(doc)}:{number}: no target `make {target}`")
    fail_with(stale, "commands")
