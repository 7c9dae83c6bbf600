"""After a build: learn curves and weights from past renewals, write the proposal and the
report, and summarise the figures for the run's output; adopt a proposal into the seeds."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestration.analysis.calibration import (
    PROPOSAL_FILES,
    CalibrationResult,
    NotEnoughEvidence,
    band_rates_text,
    read_weight_profiles,
    write_proposal,
)
from orchestration.analysis.calibration import calibrate as learn
from orchestration.analysis.findings import thresholds
from orchestration.analysis.reads import location
from orchestration.analysis.report import Headline, ceiling_auc, headlines, write_report
from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.warehouse import Location, Warehouse

SEEDS_DIR = PROJECT_ROOT / "seeds"
TRUTH_FILE = Path("_truth") / "renewal_truth.csv"
PROPOSAL_DIR = "proposal"
NOT_CALIBRATED = (
    "this run validated without learning curves and weights (calibrate=False, as the daily run "
    "does); healthscore validate learns them"
)
# The columns of each seed a proposal may replace, as the seeds hold them.
PROPOSAL_COLUMNS = {
    "weight_profiles.csv": ["weight_profile", "signal", "weight"],
    "signal_scoring_curves.csv": ["weight_profile", "signal", "raw_value", "score"],
    "health_bands.csv": ["health_band", "min_score", "max_score", "band_action", "band_rank"],
}


@dataclass
class ValidationOutcome:
    headlines: list[Headline]
    lead_classes: dict[int, list[str]]  # lead time -> the term classes backtested at it
    calibration: CalibrationResult | None
    report: Path
    proposal: Path | None
    ceiling: tuple[float, int] | None
    skipped_calibration: str | None = None
    min_band_renewals: int = 0  # a band with fewer renewals is too small to judge the order
    challenger: str | None = None  # the challenger scored in shadow and the gate's verdict


def run_validation(
    database: Location,
    reports_dir: Path,
    *,
    landing: Path | None = None,
    say: Callable[[str], None] = print,
    seeds_dir: Path = SEEDS_DIR,
    calibrate: bool = True,
) -> ValidationOutcome:
    """Read the validation figures, learn curves and weights from past renewals (unless
    `calibrate` is False: the fast path of a daily run, which leaves an earlier proposal as it
    is), write the proposal and the report. `database`: the DuckDB file or a dbt target; the
    proposal and the report are written to `reports_dir` on the local disk."""
    database = location(database)
    truth = (
        (landing / TRUTH_FILE) if landing is not None and (landing / TRUTH_FILE).exists() else None
    )
    min_coverage = _min_coverage(database)
    con = warehouse.connect(database, read_only=True)
    try:
        figures = headlines(con)
        lead_classes = _lead_classes(con)
        min_band_renewals = thresholds(con).min_band_renewals
        calibration = None
        skipped = None
        if not calibrate:
            skipped = NOT_CALIBRATED
        else:
            try:
                calibration = learn(
                    con,
                    read_weight_profiles(seeds_dir / "weight_profiles.csv"),
                    min_coverage=min_coverage,
                    say=say,
                )
            except NotEnoughEvidence as reason:
                skipped = str(reason)
                say(f"  calibration skipped: {reason}")
        ceiling = (
            ceiling_auc(con, truth, held_out_after=calibration.split_date)
            if calibration is not None
            else None
        )
    finally:
        con.close()
    proposal = None
    if calibration is not None:
        proposal = write_proposal(calibration, reports_dir / PROPOSAL_DIR)
    report = write_report(
        database,
        reports_dir / "validation_report.html",
        calibration=calibration,
        truth_file=truth,
        calibration_skipped=skipped,
    )
    from orchestration.analysis.challenger import challenger_verdict

    return ValidationOutcome(
        figures,
        lead_classes,
        calibration,
        report,
        proposal,
        ceiling,
        skipped,
        min_band_renewals,
        challenger_verdict(database),
    )


def _lead_classes(con: Warehouse) -> dict[int, list[str]]:
    rows = con.execute(
        "select distinct lead_days, term_class from marts.renewal_backtest order by 1, 2"
    ).fetchall()
    out: dict[int, list[str]] = {}
    for lead, term_class in rows:
        out.setdefault(int(lead), []).append(term_class)
    return out


def project_vars(project_root: Path = PROJECT_ROOT) -> dict[str, object]:
    """The dbt variables of dbt_project.yml, as a build without --vars uses them."""
    import yaml

    return yaml.safe_load((project_root / "dbt_project.yml").read_text())["vars"]


def _min_coverage(database: Location) -> float:
    """healthscore_min_coverage as the last build used it (its --vars, else dbt_project.yml)."""
    from orchestration.runtime.pipeline import read_run_settings

    _, dbt_vars = read_run_settings(database)
    default = project_vars()["healthscore_min_coverage"]
    return float(dbt_vars.get("healthscore_min_coverage", default))


def _command() -> str:
    """How this shell invoked healthscore, so printed commands can be pasted as they are."""
    import sys

    invoked = Path(sys.argv[0])
    return str(invoked) if invoked.name == "healthscore" else "healthscore"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def validation_lines(outcome: ValidationOutcome, database: Location | None = None) -> list[str]:
    lines = ["Validation against actual renewals (all segments, configured scoring):"]
    if not outcome.headlines:
        lines.append("  no decided renewal has a score yet: nothing to validate")
    for h in outcome.headlines:
        ordered = {True: "ordered", False: "NOT ordered", None: "a band is empty"}[h.bands_ordered]
        counts = [
            int(n.replace(",", "")) for n in re.findall(r" of ([\d,]+)", h.band_churn_rates or "")
        ]
        if any(n < outcome.min_band_renewals for n in counts):
            ordered = f"too few to judge: a band has under {outcome.min_band_renewals} renewals"
        classes = ", ".join(outcome.lead_classes.get(h.lead_days, []))
        lines.append(
            f"  {h.lead_days:>3} days before renewal ({classes} terms): AUC {_pct(h.auc)} "
            f"[{_pct(h.auc_ci[0])}, {_pct(h.auc_ci[1])}] on {h.renewals:,} renewals "
            f"({h.churns:,} churned), top-decile lift {h.top_decile_lift or 0:.2f}, "
            f"bands {ordered} ({h.band_churn_rates})"
        )
    calibration = outcome.calibration
    if calibration is not None:
        lines.append(
            f"Calibration: learned on the {calibration.train_renewals:,} renewals decided on or "
            f"before {calibration.split_date} ({calibration.train_churns:,} churned), judged on "
            f"the {calibration.held_out_renewals:,} later ones ({calibration.held_out_churns:,} "
            f"churned) at {calibration.judged_at}:"
        )
        for row in calibration.comparison:
            if row["group"] != "all":
                continue
            ordered = "ordered" if row["bands_ordered"] and row["all_bands_used"] else "NOT ordered"
            low, high = row["auc_ci"] or (None, None)
            lines.append(
                f"  {row['weights']:<10} AUC {_pct(row['auc'])} [{_pct(low)}, {_pct(high)}] "
                f"on {row['renewals']:,} renewals ({row['churns']:,} churned), "
                f"lift {row['top_decile_lift'] or 0:.2f}, "
                f"bands {ordered} ({band_rates_text(row['band_churn_rates'])})"
            )
        if outcome.ceiling is not None:
            lines.append(
                f"  ceiling: the company's hidden true churn probability reaches AUC "
                f"{outcome.ceiling[0]:.3f} on the same renewals"
            )
        for profile in calibration.profiles:
            curves = len(profile.curves)
            dropped = sum(1 for item in profile.evidence if item.excluded)
            lines.append(
                f"  profile {profile.profile}: {profile.status} ({profile.train_renewals:,} "
                f"renewals, {profile.train_churns:,} churned); {curves} learned curves (from "
                f"{profile.curves_from}), {dropped} signals at weight 0 for lack of effect"
            )
        lines.append(
            f"  proposal: {outcome.proposal} ({', '.join(PROPOSAL_FILES)}; the evidence per "
            "signal in calibration_evidence.csv)"
        )
        # A dbt target is chosen by HEALTHSCORE_TARGET, as for the run that validated.
        target = (
            f" --database {database}"
            if database is not None and not isinstance(database, warehouse.Target)
            else ""
        )
        lines.append(
            f"  adopt it, and rescore the whole history: {_command()} adopt --proposal "
            f"{outcome.proposal}{target}"
        )
    elif outcome.skipped_calibration:
        lines.append(f"Calibration skipped: {outcome.skipped_calibration}")
    if outcome.challenger:
        lines.append(outcome.challenger)
    lines.append(f"Report: {outcome.report}")
    return lines


def _read_rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise ValueError(
                f"{path} must have the columns {', '.join(columns)} (the seed's format); it has "
                f"{', '.join(reader.fieldnames or [])}."
            )
        return list(reader)


def _number(path: Path, row: dict[str, str], column: str) -> float:
    try:
        return float(row[column])
    except ValueError as error:
        raise ValueError(f"{path}: {column} {row[column]!r} is not a number.") from error


def check_proposal(proposal: Path) -> dict[str, Path]:
    """The seed files of a proposal folder (or of a single weight_profiles.csv), checked: the
    seeds' columns, numbers where numbers belong, weights not negative, a 'default' profile,
    scores within 0-100, bands covering 0-100 in order. Returns seed name -> file."""
    if proposal.is_file():
        files = {"weight_profiles.csv": proposal}
    else:
        files = {name: proposal / name for name in PROPOSAL_FILES if (proposal / name).exists()}
    if "weight_profiles.csv" not in files:
        raise ValueError(
            f"{proposal} holds no weight_profiles.csv; pass the proposal folder that "
            "`healthscore validate` wrote (reports/proposal)."
        )
    for name, path in files.items():
        rows = _read_rows(path, PROPOSAL_COLUMNS[name])
        if name == "weight_profiles.csv":
            for row in rows:
                if _number(path, row, "weight") < 0:
                    raise ValueError(f"{path}: the weight of {row['signal']} is negative.")
            if "default" not in {row["weight_profile"] for row in rows}:
                raise ValueError(
                    f"{path} has no 'default' profile, which every account may fall back to."
                )
        elif name == "signal_scoring_curves.csv":
            for row in rows:
                _number(path, row, "raw_value")
                if not 0 <= _number(path, row, "score") <= 100:
                    raise ValueError(f"{path}: a score of {row['signal']} is outside 0-100.")
        else:
            bounds = sorted(
                (_number(path, row, "min_score"), _number(path, row, "max_score")) for row in rows
            )
            edges_meet = all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
            if not bounds or bounds[0][0] != 0 or bounds[-1][1] != 100 or not edges_meet:
                raise ValueError(f"{path}: the bands must cover 0 to 100 without gaps.")
    return files


def adopt_proposal(
    proposal: Path,
    *,
    seeds_dir: Path = SEEDS_DIR,
    backup_dir: Path,
    say: Callable[[str], None] = print,
) -> Path:
    """Replace the scoring seeds with a proposal's, after checking it, printing what changes and
    keeping a copy of the previous seeds. Returns the folder of the copies."""
    files = check_proposal(proposal)
    _say_weight_changes(read_weight_profiles(seeds_dir / "weight_profiles.csv"), files, say)
    if "signal_scoring_curves.csv" in files:
        with files["signal_scoring_curves.csv"].open(newline="") as handle:
            curves = {(r["weight_profile"], r["signal"]) for r in csv.DictReader(handle)}
        say(f"  learned curves: {len(curves)} (profile, signal) curves replace their rules")
    if "health_bands.csv" in files:
        with files["health_bands.csv"].open(newline="") as handle:
            bands = ", ".join(
                f"{r['health_band']} {r['min_score']}-{r['max_score']}"
                for r in csv.DictReader(handle)
            )
        say(f"  bands: {bands}")
    shutil.rmtree(backup_dir, ignore_errors=True)
    backup_dir.mkdir(parents=True)
    for name, path in files.items():
        shutil.copy2(seeds_dir / name, backup_dir / name)
        shutil.copy2(path, seeds_dir / name)
    return backup_dir


def restore_seeds(backup_dir: Path, *, seeds_dir: Path = SEEDS_DIR) -> None:
    """Put back the seeds adopt_proposal replaced (the copies it kept in `backup_dir`)."""
    for path in backup_dir.glob("*.csv"):
        shutil.copy2(path, seeds_dir / path.name)


def _say_weight_changes(
    current: dict[str, dict[str, float]], files: dict[str, Path], say: Callable[[str], None]
) -> None:
    proposed = read_weight_profiles(files["weight_profiles.csv"])
    changes = 0
    for profile in sorted(set(current) | set(proposed)):
        for signal in sorted(set(current.get(profile, {})) | set(proposed.get(profile, {}))):
            old = current.get(profile, {}).get(signal)
            new = proposed.get(profile, {}).get(signal)
            if (old or 0) != (new or 0):
                changes += 1
                before = "-" if old is None else f"{old:g}"
                after = "-" if new is None else f"{new:g}"
                say(f"  {profile:<12} {signal:<44} {before:>8} -> {after}")
    say(f"  {changes} weight(s) changed")
