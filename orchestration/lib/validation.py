"""After a build: calibrate weights on past renewals, write the proposal and the report, and
summarise the figures for the run's output."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib.calibration import (
    CalibrationResult,
    calibrate,
    read_weight_profiles,
    write_proposal,
)
from orchestration.lib.contract import PROJECT_ROOT
from orchestration.lib.report import Headline, ceiling_auc, headlines, write_report

WEIGHTS_SEED = PROJECT_ROOT / "seeds" / "weight_profiles.csv"
TRUTH_FILE = Path("_truth") / "renewal_truth.csv"


@dataclass
class ValidationOutcome:
    headlines: list[Headline]
    calibration: CalibrationResult | None
    report: Path
    proposal: Path | None
    ceiling: tuple[float, int] | None
    skipped_calibration: str | None = None


def run_validation(
    database: Path,
    reports_dir: Path,
    *,
    landing: Path | None = None,
    say: Callable[[str], None] = print,
) -> ValidationOutcome:
    truth = (
        (landing / TRUTH_FILE) if landing is not None and (landing / TRUTH_FILE).exists() else None
    )
    con = duckdb.connect(str(database), read_only=True)
    try:
        figures = headlines(con)
        calibration = None
        skipped = None
        try:
            calibration = calibrate(con, read_weight_profiles(WEIGHTS_SEED), say=say)
        except ValueError as reason:
            skipped = str(reason)
            say(f"  calibration skipped: {reason}")
        ceiling = (
            ceiling_auc(con, truth, calibration.lead_days, calibration.split_date)
            if calibration is not None
            else None
        )
    finally:
        con.close()
    proposal = None
    if calibration is not None:
        proposal, _ = write_proposal(calibration, reports_dir)
    report = write_report(
        database, reports_dir / "validation_report.html", calibration=calibration, truth_file=truth
    )
    return ValidationOutcome(figures, calibration, report, proposal, ceiling, skipped)


def _command() -> str:
    """How this shell invoked healthscore, so printed commands can be pasted as they are."""
    import sys

    invoked = Path(sys.argv[0])
    return str(invoked) if invoked.name == "healthscore" else "healthscore"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def validation_lines(outcome: ValidationOutcome) -> list[str]:
    lines = ["Validation against actual renewals (all segments, configured weights):"]
    if not outcome.headlines:
        lines.append("  no decided renewal has a score yet: nothing to validate")
    for h in outcome.headlines:
        ordered = {True: "ordered", False: "NOT ordered", None: "a band is empty"}[h.bands_ordered]
        lines.append(
            f"  {h.lead_days:>3} days before renewal: AUC {_pct(h.auc)} "
            f"[{_pct(h.auc_ci[0])}, {_pct(h.auc_ci[1])}] on {h.renewals:,} renewals "
            f"({h.churns:,} churned), top-decile lift {h.top_decile_lift or 0:.2f}, "
            f"bands {ordered} ({h.band_churn_rates})"
        )
    calibration = outcome.calibration
    if calibration is not None:
        lines.append(
            f"Calibrated weights on renewals after {calibration.split_date} "
            f"(held out; scores {calibration.lead_days} days before renewal):"
        )
        for row in calibration.comparison:
            if row["group"] != "all":
                continue
            rates = "; ".join(
                f"{band} {100 * rate:.1f}%" if rate is not None else f"{band} -"
                for band, rate, _ in row["band_churn_rates"]
            )
            ordered = "ordered" if row["bands_ordered"] and row["all_bands_used"] else "NOT ordered"
            lines.append(
                f"  {row['weights']:<10} AUC {_pct(row['auc'])}, "
                f"lift {row['top_decile_lift'] or 0:.2f}, "
                f"bands {ordered} ({rates})"
            )
        if outcome.ceiling is not None:
            lines.append(
                f"  ceiling: the demo's hidden true churn probability reaches AUC "
                f"{outcome.ceiling[0]:.3f} on the same renewals"
            )
        statuses = ", ".join(f"{p.profile} {p.status}" for p in calibration.profiles)
        lines.append(f"  profiles: {statuses}")
        lines.append(f"  proposed weights: {outcome.proposal}")
        lines.append(f"  adopt them with: {_command()} adopt-weights --proposal {outcome.proposal}")
    elif outcome.skipped_calibration:
        lines.append(f"Calibration skipped: {outcome.skipped_calibration}")
    lines.append(f"Report: {outcome.report}")
    return lines


def adopt_weights(
    proposal: Path,
    *,
    seed: Path = WEIGHTS_SEED,
    backup_dir: Path,
    say: Callable[[str], None] = print,
) -> Path:
    """Replace the weight_profiles seed with a proposal, after checking it, printing the changes
    and keeping a copy of the previous seed. Returns the backup's path."""
    current = read_weight_profiles(seed)
    known_signals = {signal for weights in current.values() for signal in weights}
    with proposal.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["weight_profile", "signal", "weight"]:
            raise ValueError(
                f"{proposal} must have the columns weight_profile, signal, weight "
                f"(the weight_profiles seed's format); it has {reader.fieldnames}."
            )
        rows = list(reader)
    proposed: dict[str, dict[str, float]] = {}
    for row in rows:
        if row["signal"] not in known_signals:
            raise ValueError(f"{proposal} weighs an unknown signal {row['signal']!r}.")
        try:
            weight = float(row["weight"])
        except ValueError as error:
            raise ValueError(f"{proposal}: weight {row['weight']!r} is not a number.") from error
        if weight < 0:
            raise ValueError(f"{proposal}: weight of {row['signal']} is negative.")
        proposed.setdefault(row["weight_profile"], {})[row["signal"]] = weight
    if "default" not in proposed:
        raise ValueError(
            f"{proposal} has no 'default' profile, which every account may fall back to."
        )
    for profile in sorted(proposed):
        for signal in sorted(proposed[profile]):
            old = current.get(profile, {}).get(signal)
            new = proposed[profile][signal]
            if old is None or abs(old - new) > 1e-9:
                say(
                    f"  {profile:<12} {signal:<26} "
                    f"{'-' if old is None else f'{old:g}':>8} -> {new:g}"
                )
    backup_dir.mkdir(parents=True, exist_ok=True)
    backup = backup_dir / "weight_profiles.previous.csv"
    shutil.copy2(seed, backup)
    shutil.copy2(proposal, seed)
    return backup
