"""The Python half on a dbt target other than the DuckDB file: validation, calibration, the
validation report, the weekly review, the run summary, the replay and a challenger in shadow,
run against a PostgreSQL build (a `warehouse.Target`) and compared with the same functions on
the DuckDB build of the same data.

Plain functions `check_*(location, duckdb_path)`, called by the PostgreSQL fixture of
tests/test_warehouses.py (which builds the warehouse once): `location` is the built target
(`warehouse.target("postgres")` with HEALTHSCORE_PG_* set), `duckdb_path` a DuckDB warehouse
built from the same raw tables with the same dbt --vars (the validation's bootstrap intervals
and the event signals depend on them). Neither is modified: the challenger check writes its
tables on the target and on a copy of the DuckDB file. Reports are written to a temporary
folder on the local disk.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from pathlib import Path

from orchestration.runtime import warehouse
from orchestration.runtime.warehouse import Location

TOLERANCE = 1e-6
# The SQL's bootstrap intervals of the AUC (marts.score_validation) resample with each engine's
# own hash (macros/validation/pseudo_random.sql): the same number of replicates, other draws.
# They are compared apart (each brackets its AUC), and masked in the printed text and pages.
BOOTSTRAP_KEYS = {"auc_ci", "auc_ci_lower", "auc_ci_upper"}
INTERVALS = (
    re.compile(r"\[\d\.\d+, \d\.\d+\]"),  # validation lines, check verdicts: [0.592, 0.787]
    re.compile(r"\d\.\d+ – \d\.\d+"),  # the report's tables: 0.592 – 0.787
)


def _masked(item: object) -> object:
    """`item` with the SQL bootstrap intervals masked (BOOTSTRAP_KEYS, INTERVALS)."""
    if isinstance(item, dict):
        return {
            key: "interval" if key in BOOTSTRAP_KEYS else _masked(value)
            for key, value in item.items()
        }
    if isinstance(item, (list, tuple)):
        return [_masked(value) for value in item]
    if isinstance(item, str):
        for pattern in INTERVALS:
            item = pattern.sub("INTERVAL", item)
    return item


def _brackets(item: object) -> None:
    """Every figure with a bootstrap interval has its AUC inside it."""
    if isinstance(item, dict):
        if item.get("auc") is not None and isinstance(item.get("auc_ci"), (list, tuple)):
            low, high = item["auc_ci"]
            if low is not None:
                assert low - TOLERANCE <= item["auc"] <= high + TOLERANCE, item
        for value in item.values():
            _brackets(value)
    elif isinstance(item, (list, tuple)):
        for value in item:
            _brackets(value)


def _close(a: object, b: object, what: str) -> None:
    """Equal, numbers within TOLERANCE (nested in tuples, lists and dicts)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), f"{what}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _close(a[key], b[key], f"{what}[{key!r}]")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{what}: {len(a)} items != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{what}[{index}]")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), f"{what}: {a!r} != {b!r}"
        else:
            assert abs(a - b) <= TOLERANCE * max(1.0, abs(a)), f"{what}: {a!r} != {b!r}"
    else:
        assert a == b, f"{what}: {a!r} != {b!r}"


def _fields(item: object) -> object:
    import dataclasses

    if dataclasses.is_dataclass(item):
        return {f.name: _fields(getattr(item, f.name)) for f in dataclasses.fields(item)}
    if isinstance(item, (list, tuple)):
        return [_fields(value) for value in item]
    if isinstance(item, dict):
        return {key: _fields(value) for key, value in item.items()}
    if hasattr(item, "tolist"):  # numpy scalars and arrays
        return item.tolist()
    return item


def _page_text(html: str) -> str:
    """The page without its embedded images (PNG bytes may differ in the last float bit) and
    without the sentence naming the warehouse it was read from."""
    html = re.sub(r'<img alt="[^"]*" src="data:image/png;base64,[^"]*">', "<img>", html)
    return _masked(re.sub(r"Written from [^<]*?\. ", "Written from WAREHOUSE. ", html))


def _both(location: Location, duckdb_path: Path, read) -> tuple[object, object]:
    """`read(connection)` on the target and on the DuckDB file."""
    results = []
    for where in (location, duckdb_path):
        with warehouse.connected(where, read_only=True) as con:
            results.append(read(con))
    return results[0], results[1]


def check_findings(location: Location, duckdb_path: Path) -> None:
    """The validation figures and what the report and the review say of them."""
    from orchestration.analysis import findings, report, validation

    def read(con: warehouse.Warehouse) -> dict[str, object]:
        limits = findings.thresholds(con)
        return {
            "thresholds": _fields(limits),
            "headlines": _fields(report.headlines(con)),
            "lead_times": findings.lead_times(con),
            "lead_classes": validation._lead_classes(con),
            "leads": _fields(findings.judge_leads(con, limits, longest_only=False)),
            "warning": _fields(findings.score_warning(con)),
            "conclusion": findings.conclusion(con),
            "calibration_points": _fields(findings.calibration_points(con)),
            "follow_up_effect": _fields(findings.follow_up_effect(con)),
            "follow_up_days": findings._follow_up_days(con),
            "closed_loop": findings.closed_loop_lines(con),
            "band_order": findings.band_order_label(con),
            "labels": report.signal_labels(con),
            "segments": [str(row) for row in report._segment_rows(con, limits)],
        }

    on_target, on_duckdb = _both(location, duckdb_path, read)
    assert on_duckdb["headlines"], "the DuckDB build has no validation figures"
    _brackets(on_target)
    _close(_masked(on_target), _masked(on_duckdb), "findings")


def check_validation_and_report(location: Location, duckdb_path: Path) -> None:
    """run_validation (figures, calibration, proposal, report) learns the same curves and
    weights, prints the same lines and writes the same proposal and report (images aside)
    from the target as from the file. (The longest check: a calibration on each.)"""
    from orchestration.analysis.validation import run_validation, validation_lines

    with tempfile.TemporaryDirectory() as folder:
        outputs = []
        for name, where in (("target", location), ("duckdb", duckdb_path)):
            reports = Path(folder) / name
            outcome = run_validation(where, reports, say=lambda _: None)
            lines = "\n".join(validation_lines(outcome)).replace(str(reports), "REPORTS")
            lines = _masked(lines)
            proposal = {
                path.name: path.read_text() for path in sorted((reports / "proposal").glob("*.csv"))
            }
            page = _page_text(outcome.report.read_text())
            outputs.append((lines, proposal, page, _fields(outcome.calibration)))
    (target_lines, target_proposal, target_page, target_learned) = outputs[0]
    lines, proposal, page, learned = outputs[1]
    assert "Calibration:" in lines and proposal, lines
    _close(target_learned, learned, "calibration")
    assert target_lines == lines
    assert target_proposal == proposal
    assert target_page == page


def check_review(location: Location, duckdb_path: Path) -> None:
    """The weekly review page and its terminal text; the page says which target it was
    read from."""
    from orchestration.analysis.review import write_review

    with tempfile.TemporaryDirectory() as folder:
        outputs = []
        for name, where in (("target", location), ("duckdb", duckdb_path)):
            reports = Path(folder) / name
            outcome = write_review(where, reports)
            page = outcome.html.read_text()
            outputs.append((outcome.as_of, outcome.text.replace(str(reports), "REPORTS"), page))
    (target_as_of, target_text, target_page), (as_of, text, page) = outputs
    assert target_as_of == as_of
    assert target_text == text
    assert _page_text(target_page) == _page_text(page)
    if isinstance(location, warehouse.Target):
        assert f"Written from {warehouse.describe(location)}. " in target_page


def check_summary(location: Location, duckdb_path: Path) -> None:
    """The run summary: the same figures; the last section names the target, not a file."""
    from orchestration.analysis.summary import summary_text

    on_target = summary_text(location).split("\n\n")
    on_duckdb = summary_text(duckdb_path).split("\n\n")
    assert on_target[:-1] == on_duckdb[:-1]
    assert on_target[-1].startswith(f"Warehouse: {warehouse.describe(location)}")
    assert "duckdb" not in on_target[-1].split("\n", 1)[1]


def check_replay(location: Location, duckdb_path: Path) -> None:
    """The replay of the configuration in force reproduces the stored scores on the target and
    judges it as on the file."""
    from orchestration.analysis.replay import ScoringConfig, replay

    config = ScoringConfig.current()

    def read(con: warehouse.Warehouse) -> dict[str, object]:
        result = replay(con, [config], replicates=50)
        return {
            "as_of": result.as_of_date,
            "split_date": result.split_date,
            "dates": result.dates_scored,
            "stored_rows": result.stored_rows,
            "mismatches": result.stored_mismatches,
            "leads": _fields(result.current.leads),
            "bands_today": _fields(result.current.bands_today),
        }

    on_target, on_duckdb = _both(location, duckdb_path, read)
    assert on_duckdb["stored_rows"] > 0
    _close(on_target, on_duckdb, "replay")


def check_challenger(location: Location, duckdb_path: Path) -> None:
    """A challenger scored in shadow writes its two tables on the target (and on a copy of the
    DuckDB file), the verdict and the report's section read back the same; then a run without
    a challenger drops them."""
    from orchestration.analysis.challenger import (
        COMPARISON_TABLE,
        SCORES_TABLE,
        challenger_section,
        challenger_verdict,
        shadow_tables_exist,
        write_shadow,
    )
    from orchestration.analysis.validation import SEEDS_DIR

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.duckdb"
        shutil.copy2(duckdb_path, copy)
        challenger = Path(folder) / "challenger"
        shutil.copytree(SEEDS_DIR, challenger)
        weights = challenger / "weight_profiles.csv"
        lines = weights.read_text().splitlines()
        # Double the first weight of the default profile: a different configuration.
        for index, line in enumerate(lines[1:], start=1):
            profile, signal, weight = line.split(",")[:3]
            if profile == "default" and float(weight) > 0:
                lines[index] = f"{profile},{signal},{float(weight) * 2:g}"
                break
        weights.write_text("\n".join(lines) + "\n")
        said: list[str] = []
        results = [
            write_shadow(where, str(challenger), say=said.append) for where in (location, copy)
        ]
        assert all(result is not None for result in results), said
        _close(_fields(results[0]), _fields(results[1]), "shadow result")
        assert challenger_verdict(location) == challenger_verdict(copy)

        def read(con: warehouse.Warehouse) -> object:
            rows = con.execute(
                f"select account_id, champion_score, champion_band, challenger_score, "
                f"challenger_band, is_band_changed from {SCORES_TABLE} order by account_id"
            ).fetchall()
            comparison = con.execute(
                f"select role, lead_days, scored, churns, auc, held_out_auc, bands_ordered, "
                f"gate_verdict from {COMPARISON_TABLE} order by lead_days, role"
            ).fetchall()
            return {
                "scores": [tuple(row) for row in rows],
                "comparison": [tuple(row) for row in comparison],
                "section": str(challenger_section(con)),
            }

        on_target, on_copy = _both(location, copy, read)
        _close(on_target, on_copy, "challenger tables")
        for where in (location, copy):
            write_shadow(where, None, say=said.append)
            assert not shadow_tables_exist(where)
