"""The scoring configuration's fingerprint, computed from a folder of its seed files.

The scoring configuration is the five seeds of SCORING_SEEDS plus the variable
healthscore_min_coverage. dbt records its fingerprint on every scored row (column
config_fingerprint, macro scoring_config_fingerprint); this module computes the same string
from a folder holding the seed files, so a configuration that is not the project's (a folder
to replay, a git revision, a challenger) can be named the way the warehouse names it, and two
configurations can be compared seed by seed.

dbt's checksum of a seed is the sha256 of the file's text (UTF-8) stripped of leading and
trailing whitespace (dbt/parser/read_files.py); a seed over dbt's size limit (1 MiB) is
checksummed by its path instead, which this module refuses: the scoring seeds are small.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.runtime.warehouse import Location

# The order is part of the fingerprint: macros/scoring/scoring_config_seeds.sql lists the same.
SCORING_SEEDS = (
    "health_bands",
    "segment_weight_profiles",
    "signal_scoring_curves",
    "signal_scoring_rules",
    "weight_profiles",
)
MISSING = "missing"  # the checksum of a seed the folder lacks (as the macro says)
MAX_SEED_BYTES = 1024 * 1024  # dbt checksums a larger seed by its path, not its content


def seed_checksum(path: Path) -> str:
    """dbt's checksum of one seed file: sha256 of its UTF-8 text, stripped."""
    if not path.exists():
        return MISSING
    if path.stat().st_size > MAX_SEED_BYTES:
        raise ValueError(
            f"{path} is larger than 1 MiB, so dbt checksums it by its path, not its content: "
            "keep scoring seeds small."
        )
    text = path.read_bytes().decode("utf-8").strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_checksums(folder: Path) -> dict[str, str]:
    """Checksum of each scoring seed in `folder` (<name>.csv), in SCORING_SEEDS order."""
    return {seed: seed_checksum(Path(folder) / f"{seed}.csv") for seed in SCORING_SEEDS}


def fingerprint_of_checksums(checksums: dict[str, str], min_coverage: float) -> str:
    """The 12-character fingerprint of per-seed checksums and healthscore_min_coverage."""
    parts = [f"{seed}={checksums.get(seed, MISSING)}" for seed in SCORING_SEEDS]
    parts.append(f"healthscore_min_coverage={float(min_coverage):.6f}")
    return hashlib.md5(";".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def fingerprint(folder: Path, min_coverage: float) -> str:
    """The fingerprint dbt's scoring_config_fingerprint() gives a project whose seeds are the
    files of `folder` and whose healthscore_min_coverage is `min_coverage`."""
    return fingerprint_of_checksums(seed_checksums(folder), min_coverage)


def changed_seeds(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The scoring seeds whose checksums differ between two sets of checksums, as file names."""
    return [f"{seed}.csv" for seed in SCORING_SEEDS if before.get(seed) != after.get(seed)]


# The record of configurations the warehouse keeps (models/intermediate/scoring).
VERSIONS_TABLE = "intermediate.int_scoring_config_versions"


def recorded_checksums(database: Location) -> tuple[str, dict[str, str], float] | None:
    """The latest configuration recorded in `database` (the DuckDB file or a dbt target):
    (fingerprint, per-seed checksums, min_coverage); None when the warehouse holds no record
    (not built yet, or built before it)."""
    from orchestration.runtime import warehouse

    if not warehouse.exists(database):
        return None
    columns = ", ".join(f"{seed}_checksum" for seed in SCORING_SEEDS)
    with warehouse.connected(database) as con:
        try:
            row = con.execute(
                f"select config_fingerprint, {columns}, min_coverage from {VERSIONS_TABLE} "
                "order by first_used_at desc limit 1"
            ).fetchone()
        except warehouse.Error:
            return None
    if row is None:
        return None
    return row[0], dict(zip(SCORING_SEEDS, row[1:-1], strict=True)), float(row[-1])


def configured_min_coverage(project_dir: Path, dbt_vars: dict[str, object] | None) -> float:
    """healthscore_min_coverage as a build of `project_dir` with `dbt_vars` uses it."""
    import yaml

    if dbt_vars and "healthscore_min_coverage" in dbt_vars:
        return float(dbt_vars["healthscore_min_coverage"])  # type: ignore[arg-type]
    project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text())
    return float(project["vars"]["healthscore_min_coverage"])


def config_change_message(
    database: Location,
    project_dir: Path,
    dbt_vars: dict[str, object] | None = None,
    *,
    full_refresh: bool = False,
) -> str | None:
    """One line saying that the scoring configuration of `project_dir` (its seeds and
    healthscore_min_coverage) differs from the last one `database` recorded, and what the run
    does about it (a `full_refresh` republishes the history too); None when it is the same, or
    when the warehouse recorded none."""
    recorded = recorded_checksums(database)
    if recorded is None:
        return None
    recorded_fingerprint, before, recorded_min_coverage = recorded
    min_coverage = configured_min_coverage(project_dir, dbt_vars)
    after = seed_checksums(Path(project_dir) / "seeds")
    current = fingerprint_of_checksums(after, min_coverage)
    if current == recorded_fingerprint:
        return None
    changed = changed_seeds(before, after)
    if f"{recorded_min_coverage:.6f}" != f"{min_coverage:.6f}":
        changed.append("healthscore_min_coverage")
    history = (
        "the full refresh republishes the history under it too"
        if full_refresh
        else "the published history keeps its earlier dates as published"
    )
    return (
        f"Scoring configuration changed since the last run ({', '.join(changed) or 'seeds'}): "
        f"every date of the computed scores is rescored under configuration {current} "
        f"(was {recorded_fingerprint}); {history} (docs/scoring_changes.md)."
    )
