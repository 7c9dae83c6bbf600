"""Judging the score against past renewals: the rules behind the Dagster checks on the score
mart, as pure functions of the validation figures and the thresholds the build used (read from
the warehouse: read_thresholds).

Each returns a Verdict. A check that cannot be judged (too few churned renewals, a band with no
renewal, no scored account) says so and does not pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.analysis.reads import after_error
from orchestration.runtime import warehouse

# The thresholds as the build that made the warehouse had them: the vars healthscore_check_* of
# dbt_project.yml, or their --vars override (models/marts/validation/validation_thresholds.sql).
THRESHOLDS_TABLE = "marts.validation_thresholds"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    judged: bool
    description: str
    metadata: dict[str, object] = field(default_factory=dict)


class ThresholdsMissing(Exception):
    """The warehouse has no validation_thresholds table (built before it existed, or not yet)."""


@dataclass(frozen=True)
class Thresholds:
    min_auc: float
    min_coverage: float
    min_churns: int
    min_band_renewals: int


def read_thresholds(con: warehouse.Warehouse) -> Thresholds:
    """The check thresholds of the built warehouse (THRESHOLDS_TABLE, one row)."""
    try:
        row = con.execute(
            f"select min_auc, min_coverage, min_churns, min_band_renewals from {THRESHOLDS_TABLE}"
        ).fetchone()
    except warehouse.Error:
        after_error(con)
        row = None
    if row is None:
        raise ThresholdsMissing(
            f"The warehouse has no {THRESHOLDS_TABLE}: build it again (healthscore run, or dbt "
            "build) so that the checks read the thresholds healthscore_check_* it was built with."
        )
    min_auc, min_coverage, min_churns, min_band_renewals = row
    return Thresholds(float(min_auc), float(min_coverage), int(min_churns), int(min_band_renewals))


@dataclass(frozen=True)
class LeadFigures:
    """The health score's validation figures at one lead time, all segments together."""

    auc: float | None
    auc_ci_lower: float | None
    auc_ci_upper: float | None
    renewals: int
    churns: int
    bands: list[tuple[str, int, int, float | None]]  # band, rank, renewals, churn rate; worst first


def read_lead_figures(con: warehouse.Warehouse, lead_days: int) -> LeadFigures:
    """The AUC (marts.score_validation) and the churn rate per band (score_validation_bands) of
    the health score at `lead_days`, which judge_auc and judge_band_order judge."""
    row = con.execute(
        """select auc, auc_ci_lower, auc_ci_upper, renewals, churns
           from marts.score_validation
           where subject = 'health_score' and segment_group = 'all' and lead_days = ?""",
        [lead_days],
    ).fetchone()
    auc, low, high, renewals, churns = row or (None, None, None, 0, 0)
    bands = con.execute(
        """select health_band, band_rank, renewals, churn_rate
           from marts.score_validation_bands
           where subject = 'health_score' and segment_group = 'all' and lead_days = ?
           order by band_rank""",
        [lead_days],
    ).fetchall()
    return LeadFigures(auc, low, high, int(renewals or 0), int(churns or 0), bands)


def judge_auc(
    auc: float | None,
    low: float | None,
    high: float | None,
    renewals: int,
    churns: int,
    *,
    floor: float,
    min_churns: int,
    lead_days: int,
) -> Verdict:
    metadata = {
        "lead_days": lead_days,
        "renewals": renewals,
        "churns": churns,
        "auc": auc,
        "auc_ci_lower": low,
        "auc_ci_upper": high,
        "floor": floor,
    }
    if churns < min_churns or auc is None:
        return Verdict(
            False,
            False,
            f"Cannot judge: {churns} churned renewals scored {lead_days} days "
            f"before renewal; at least {min_churns} are needed.",
            metadata,
        )
    if auc >= floor:
        return Verdict(
            True,
            True,
            f"AUC {auc:.3f} [{low:.3f}, {high:.3f}] at {lead_days} days "
            f"reaches the floor {floor:.2f}.",
            metadata,
        )
    return Verdict(
        False,
        True,
        f"AUC {auc:.3f} [{low:.3f}, {high:.3f}] at {lead_days} days is "
        f"below the floor {floor:.2f}: recalibrate the weights (healthscore validate).",
        metadata,
    )


def judge_band_order(
    bands: list[tuple[str, int, int, float | None]],
    *,
    lead_days: int,
    min_churns: int,
    min_band_renewals: int,
) -> Verdict:
    """`bands`: (band, rank, renewals, churn rate), worst band first. A band with fewer than
    `min_band_renewals` renewals is too small to order (one churn in three renewals is 33%):
    the lead time cannot be judged."""
    metadata = {f"{band}_churn_rate": rate for band, _, _, rate in bands}
    metadata.update({f"{band}_renewals": renewals for band, _, renewals, _ in bands})
    metadata["lead_days"] = lead_days
    churns = sum(round((rate or 0) * renewals) for _, _, renewals, rate in bands)
    small = [f"{band} {renewals}" for band, _, renewals, _ in bands if renewals < min_band_renewals]
    if small or churns < min_churns:
        reason = (
            f"renewals per band {', '.join(small)}, at least {min_band_renewals} are needed"
            if small
            else f"only {churns} churns, at least {min_churns} are needed"
        )
        return Verdict(
            False, False, f"Cannot judge the band order at {lead_days} days: {reason}.", metadata
        )
    text = " > ".join(f"{band} {100 * (rate or 0):.1f}%" for band, _, _, rate in bands)
    rates = [rate or 0 for _, _, _, rate in bands]
    if all(a > b for a, b in zip(rates, rates[1:], strict=False)):
        return Verdict(
            True, True, f"Churn rates fall band by band at {lead_days} days: {text}.", metadata
        )
    return Verdict(
        False,
        True,
        f"Churn rates are not ordered at {lead_days} days ({text}): the bands "
        "do not rank risk; recalibrate the weights or move the band thresholds.",
        metadata,
    )


def judge_coverage(
    mean_coverage: float | None, scored: int, insufficient: int, *, floor: float
) -> Verdict:
    metadata = {
        "mean_coverage": mean_coverage,
        "scored_accounts": scored,
        "insufficient_coverage_accounts": insufficient,
        "floor": floor,
    }
    if mean_coverage is None or scored == 0:
        return Verdict(False, False, "Cannot judge: no current customer has a score.", metadata)
    if mean_coverage >= floor:
        return Verdict(
            True,
            True,
            f"Mean coverage {mean_coverage:.2f} reaches the floor {floor:.2f}.",
            metadata,
        )
    return Verdict(
        False,
        True,
        f"Mean coverage {mean_coverage:.2f} is below the floor {floor:.2f}: "
        "sources are missing or stale.",
        metadata,
    )


def judge_lead(
    figures: LeadFigures, limits: Thresholds, *, lead_days: int
) -> tuple[Verdict, Verdict]:
    """The AUC verdict and the band-order verdict of one lead time's figures."""
    auc = judge_auc(
        figures.auc,
        figures.auc_ci_lower,
        figures.auc_ci_upper,
        figures.renewals,
        figures.churns,
        floor=limits.min_auc,
        min_churns=limits.min_churns,
        lead_days=lead_days,
    )
    order = judge_band_order(
        figures.bands,
        lead_days=lead_days,
        min_churns=limits.min_churns,
        min_band_renewals=limits.min_band_renewals,
    )
    return auc, order


def combine_verdicts(verdicts: list[Verdict]) -> Verdict:
    """One verdict from the verdicts at several lead times (one per term class): judged when
    any could be judged, passed when every judged one passed. Each lead's figures stay in the
    metadata, prefixed with its lead time."""
    if not verdicts:
        return Verdict(False, False, "Cannot judge: no decided renewal has a backtest row yet.")
    if len(verdicts) == 1:
        return verdicts[0]
    judged = [verdict for verdict in verdicts if verdict.judged]
    metadata: dict[str, object] = {}
    for verdict in verdicts:
        lead = verdict.metadata.get("lead_days")
        for key, value in verdict.metadata.items():
            if key != "lead_days":
                metadata[f"{lead}d_{key}"] = value
    description = " ".join(verdict.description for verdict in verdicts)
    return Verdict(
        bool(judged) and all(verdict.passed for verdict in judged),
        bool(judged),
        description,
        metadata,
    )
