"""The gate company: the generated company the gate on scoring changes judges on
(orchestration/analysis/scoring_gate.py, GATE_COMPANY), generated and built once in a folder.
Used by `healthscore gate` and tests/test_scoring_gate.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from orchestration.analysis.scoring_gate import GATE_COMPANY
from orchestration.demo_company import generate_company
from orchestration.runtime.pipeline import run_pipeline


def build_gate_warehouse(folder: Path, *, say: Callable[[str], None] = print) -> Path:
    """The gate company generated and built in `folder`, once: a folder that already holds it
    is used as it is (the signals the gate replays do not depend on the scoring seeds)."""
    database = folder / "healthscore.duckdb"
    marker = folder / "gate_company.json"
    params = json.dumps(GATE_COMPANY, default=str, sort_keys=True)
    if database.exists() and marker.exists() and marker.read_text() == params:
        return database
    landing = folder / "landing"
    say(f"Building the gate company in {folder} (about 2.5 minutes, once) ...")
    generate_company(landing, **GATE_COMPANY)  # type: ignore[arg-type]
    run_pipeline(
        landing,
        database,
        as_of=GATE_COMPANY["end_date"],  # type: ignore[arg-type]
        full_refresh=True,
        say=lambda line: None,
    )
    marker.write_text(params)
    return database
