"""Calibrate signal weights from past renewal outcomes.

For each weight profile, a logistic regression of churn on the signal scores the accounts had
30, 60 and 90 days (every configured lead time) before their earlier renewals (from
marts.renewal_backtest_signals, point in time) learns how much each signal predicts churn:

- L2-regularised, with every coefficient constrained to the healthy direction (a higher signal
  score never raises the churn probability), so the coefficients are valid weights;
- a signal without data is imputed with the account's own renormalised score under the
  configured weights, which is what the weighted mean does implicitly;
- the penalty is chosen by time-ordered cross-validation inside the earlier renewals (each
  fold trains on older renewals and tests on the next ones);
- per-signal 95% intervals come from refitting on bootstrap resamples of the earlier renewals
  (whole renewals are resampled, with all their lead times);
- a profile with fewer than `min_churns` churns among the earlier renewals keeps its
  configured weights, and says so.

Proposed and configured weights are then compared on the later, held-out renewals at
`lead_days` (90 by default), each turned into a score exactly as the pipeline does it (weighted
mean over the signals with data), by AUC, top-decile lift and churn rate per band. Nothing is
adopted here: `healthscore adopt-weights` writes a proposal into seeds/weight_profiles.csv,
explicitly.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from scipy.optimize import minimize

from orchestration.lib.metrics import band_churn_rates, roc_auc, top_decile_lift

PENALTIES = (0.1, 1.0, 10.0, 100.0)


@dataclass
class BacktestMatrix:
    """Backtest rows as arrays: one row per renewal and lead time, one column per signal."""

    renewal_ids: list[str]
    lead_days: np.ndarray  # int
    renewal_dates: np.ndarray  # datetime64[D]
    profiles: np.ndarray  # str
    segments: np.ndarray  # str
    churned: np.ndarray  # 0/1
    scores: np.ndarray  # signal scores 0-100, nan where the signal had no data
    signals: list[str]


@dataclass
class ProfileCalibration:
    profile: str
    status: str  # calibrated | kept (too few churns)
    train_renewals: int
    train_churns: int
    penalty: float | None
    configured: dict[str, float]
    proposed: dict[str, float]
    lower: dict[str, float] = field(default_factory=dict)
    upper: dict[str, float] = field(default_factory=dict)


@dataclass
class CalibrationResult:
    lead_days: int
    split_date: dt.date
    profiles: list[ProfileCalibration]
    comparison: list[dict[str, object]]

    def proposed_weights(self) -> dict[str, dict[str, float]]:
        return {profile.profile: profile.proposed for profile in self.profiles}


def load_backtest_matrix(con: duckdb.DuckDBPyConnection) -> BacktestMatrix:
    rows = con.execute(
        """
        select renewal_id, lead_days, renewal_date, coalesce(weight_profile, 'default'),
               coalesce(segment, '(none)'), is_churned, signal,
               case when has_data then signal_score end
        from marts.renewal_backtest_signals
        order by renewal_date, renewal_id, lead_days, signal
        """
    ).fetchall()
    signals = sorted({row[6] for row in rows})
    column = {signal: index for index, signal in enumerate(signals)}
    index: dict[tuple[str, int], int] = {}
    ids, leads, dates, profiles, segments, churned = [], [], [], [], [], []
    for renewal_id, lead, renewal_date, profile, segment, is_churned, _, _ in rows:
        if (renewal_id, lead) not in index:
            index[(renewal_id, lead)] = len(ids)
            ids.append(renewal_id)
            leads.append(lead)
            dates.append(renewal_date)
            profiles.append(profile)
            segments.append(segment)
            churned.append(is_churned)
    scores = np.full((len(ids), len(signals)), np.nan)
    for renewal_id, lead, _, _, _, _, signal, score in rows:
        if score is not None:
            scores[index[(renewal_id, lead)], column[signal]] = score
    return BacktestMatrix(
        renewal_ids=ids,
        lead_days=np.array(leads, dtype=int),
        renewal_dates=np.array(dates, dtype="datetime64[D]"),
        profiles=np.array(profiles, dtype=object),
        segments=np.array(segments, dtype=object),
        churned=np.array(churned, dtype=float),
        scores=scores,
        signals=signals,
    )


def weighted_scores(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The pipeline's health score: the weighted mean of the signals with data (nan if none)."""
    present = ~np.isnan(scores)
    weight_matrix = np.where(present, weights[None, :], 0.0)
    total = weight_matrix.sum(axis=1)
    values = np.where(present, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (weight_matrix * values).sum(axis=1) / total, np.nan)


def _impute(scores: np.ndarray, configured: np.ndarray) -> np.ndarray:
    """Signal scores on a 0-1 scale, a missing one replaced by the row's configured score."""
    row_score = weighted_scores(scores, configured)
    row_score = np.where(np.isnan(row_score), 50.0, row_score)
    filled = np.where(np.isnan(scores), row_score[:, None], scores)
    return filled / 100.0


def fit_non_negative_logistic(x: np.ndarray, y: np.ndarray, penalty: float) -> np.ndarray:
    """Weights w >= 0 and intercept b of P(churn) = sigmoid(b - x @ w), with an L2 penalty on w.

    Returns w (one per column). Fitted with L-BFGS-B on the mean log-loss plus
    penalty / (2 n) * |w|^2.
    """
    n, k = x.shape

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        intercept, weights = theta[0], theta[1:]
        logits = intercept - x @ weights
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))
        loss = np.logaddexp(0.0, logits) - y * logits
        value = loss.mean() + penalty / (2 * n) * np.dot(weights, weights)
        residual = (probabilities - y) / n
        gradient = np.concatenate(([residual.sum()], -(x.T @ residual) + penalty / n * weights))
        return value, gradient

    start = np.concatenate(([np.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3))], np.zeros(k)))
    bounds = [(None, None)] + [(0.0, None)] * k
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.maximum(result.x[1:], 0.0)


def _normalise(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights * 100.0 / total if total > 0 else weights


def time_ordered_folds(order: np.ndarray, folds: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds over rows sorted by date: train on the first part, test on the
    next."""
    n = len(order)
    edges = [int(n * (index + 1) / (folds + 1)) for index in range(folds + 1)]
    return [(order[: edges[i]], order[edges[i] : edges[i + 1]]) for i in range(folds)]


def choose_penalty(x: np.ndarray, scores: np.ndarray, y: np.ndarray, dates: np.ndarray) -> float:
    """The penalty whose weights rank later renewals best, over time-ordered folds."""
    order = np.argsort(dates, kind="stable")
    best, best_auc = PENALTIES[1], -1.0
    for penalty in PENALTIES:
        aucs = []
        for train, test in time_ordered_folds(order):
            if y[train].sum() < 3 or y[test].sum() < 1 or y[test].sum() == len(test):
                continue
            weights = fit_non_negative_logistic(x[train], y[train], penalty)
            if weights.sum() == 0:
                continue
            auc = roc_auc(y[test], -weighted_scores(scores[test], weights))
            if auc is not None:
                aucs.append(auc)
        if aucs and np.mean(aucs) > best_auc:
            best, best_auc = penalty, float(np.mean(aucs))
    return best


def read_weight_profiles(path: Path) -> dict[str, dict[str, float]]:
    profiles: dict[str, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            profiles.setdefault(row["weight_profile"], {})[row["signal"]] = float(row["weight"])
    return profiles


def calibrate(
    con: duckdb.DuckDBPyConnection,
    configured: dict[str, dict[str, float]],
    *,
    lead_days: int = 90,
    min_churns: int = 30,
    bootstrap: int = 100,
    seed: int = 7,
    say: Callable[[str], None] = lambda _: None,
) -> CalibrationResult:
    matrix = load_backtest_matrix(con)
    split_row = con.execute(
        "select max(validation_split_date) from marts.score_validation"
    ).fetchone()
    if not matrix.renewal_ids or split_row is None or split_row[0] is None:
        raise ValueError(
            "No decided renewal has a score yet, so weights cannot be calibrated; "
            "the history must cover at least one renewal."
        )
    split_date = split_row[0]
    train = matrix.renewal_dates <= np.datetime64(split_date)
    rng = np.random.default_rng(seed)
    results: list[ProfileCalibration] = []
    for profile in sorted(configured):
        weights = np.array([configured[profile].get(signal, 0.0) for signal in matrix.signals])
        rows = train & (matrix.profiles == profile)
        y = matrix.churned[rows]
        renewals = np.array(matrix.renewal_ids, dtype=object)[rows]
        distinct, renewal_index = np.unique(renewals, return_inverse=True)
        churns = int(matrix.churned[rows][np.unique(renewal_index, return_index=True)[1]].sum())
        calibration = ProfileCalibration(
            profile=profile,
            status="kept",
            train_renewals=len(distinct),
            train_churns=churns,
            penalty=None,
            configured=dict(zip(matrix.signals, _normalise(weights), strict=True)),
            proposed=dict(zip(matrix.signals, _normalise(weights), strict=True)),
        )
        if churns >= min_churns and churns < len(distinct):
            say(f"  calibrating profile {profile}: {len(distinct):,} renewals, {churns:,} churns")
            scores = matrix.scores[rows]
            x = _impute(scores, weights)
            dates = matrix.renewal_dates[rows]
            penalty = choose_penalty(x, scores, y, dates)
            fitted = _normalise(fit_non_negative_logistic(x, y, penalty))
            members = [np.flatnonzero(renewal_index == i) for i in range(len(distinct))]
            draws = []
            for _ in range(bootstrap):
                picked = rng.integers(0, len(distinct), len(distinct))
                sample = np.concatenate([members[i] for i in picked])
                if 0 < y[sample].sum() < len(sample):
                    refit = fit_non_negative_logistic(x[sample], y[sample], penalty)
                    draws.append(_normalise(refit))
            draws_array = np.array(draws) if draws else np.tile(fitted, (1, 1))
            calibration.status = "calibrated"
            calibration.penalty = penalty
            calibration.proposed = dict(zip(matrix.signals, fitted, strict=True))
            calibration.lower = dict(
                zip(matrix.signals, np.percentile(draws_array, 2.5, axis=0), strict=True)
            )
            calibration.upper = dict(
                zip(matrix.signals, np.percentile(draws_array, 97.5, axis=0), strict=True)
            )
        else:
            say(
                f"  profile {profile}: {churns} churns among {len(distinct):,} earlier renewals "
                f"(fewer than {min_churns}): configured weights kept"
            )
        results.append(calibration)
    comparison = compare_on_held_out(con, matrix, results, split_date, lead_days)
    return CalibrationResult(
        lead_days=lead_days, split_date=split_date, profiles=results, comparison=comparison
    )


def _scores_under(
    matrix: BacktestMatrix, rows: np.ndarray, weights: dict[str, dict[str, float]]
) -> np.ndarray:
    scores = np.full(rows.sum(), np.nan)
    profiles = matrix.profiles[rows]
    for profile in set(profiles):
        if profile not in weights:
            continue
        mask = profiles == profile
        vector = np.array([weights[profile].get(signal, 0.0) for signal in matrix.signals])
        scores[mask] = weighted_scores(matrix.scores[rows][mask], vector)
    return scores


def compare_on_held_out(
    con: duckdb.DuckDBPyConnection,
    matrix: BacktestMatrix,
    profiles: list[ProfileCalibration],
    split_date: dt.date,
    lead_days: int,
) -> list[dict[str, object]]:
    """Configured against proposed weights on the renewals after the split, per profile and
    overall."""
    bands = con.execute(
        "select health_band, min_score, max_score from config.health_bands order by band_rank"
    ).fetchall()
    held_out = (matrix.renewal_dates > np.datetime64(split_date)) & (matrix.lead_days == lead_days)
    configured = {p.profile: p.configured for p in profiles}
    proposed = {p.profile: p.proposed for p in profiles}
    groups = [("all", held_out)] + [
        (p.profile, held_out & (matrix.profiles == p.profile)) for p in profiles
    ]
    rows: list[dict[str, object]] = []
    for group, mask in groups:
        if not mask.any():
            continue
        y = matrix.churned[mask]
        scored = {
            label: _scores_under(matrix, mask, weights)
            for label, weights in (("configured", configured), ("proposed", proposed))
        }
        # Both weightings are judged on the same renewals: those both can score.
        valid = ~np.isnan(scored["configured"]) & ~np.isnan(scored["proposed"])
        for label, scores in scored.items():
            rates = band_churn_rates(y[valid], scores[valid], bands)
            rows.append(
                {
                    "group": group,
                    "weights": label,
                    "renewals": int(valid.sum()),
                    "churns": int(y[valid].sum()),
                    "auc": roc_auc(y[valid], -scores[valid]),
                    "top_decile_lift": top_decile_lift(y[valid], -scores[valid]),
                    "band_churn_rates": rates,
                    "bands_ordered": _strictly_falling([rate for _, rate, n in rates if n]),
                    "all_bands_used": all(n for _, _, n in rates),
                }
            )
    return rows


def _strictly_falling(values: list[float | None]) -> bool:
    return all(
        a is not None and b is not None and a > b for a, b in zip(values, values[1:], strict=False)
    )


def write_proposal(result: CalibrationResult, out_dir: Path) -> tuple[Path, Path]:
    """proposed_weights.csv (the weight_profiles seed's format) and weight_calibration.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    proposal = out_dir / "proposed_weights.csv"
    with proposal.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["weight_profile", "signal", "weight"])
        for profile in result.profiles:
            for signal, weight in profile.proposed.items():
                writer.writerow([profile.profile, signal, f"{weight:.2f}"])
    details = out_dir / "weight_calibration.csv"
    with details.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "weight_profile",
                "status",
                "train_renewals",
                "train_churns",
                "penalty",
                "signal",
                "configured_weight",
                "proposed_weight",
                "proposed_weight_ci_lower",
                "proposed_weight_ci_upper",
            ]
        )
        for profile in result.profiles:
            for signal in profile.proposed:
                writer.writerow(
                    [
                        profile.profile,
                        profile.status,
                        profile.train_renewals,
                        profile.train_churns,
                        "" if profile.penalty is None else profile.penalty,
                        signal,
                        f"{profile.configured[signal]:.2f}",
                        f"{profile.proposed[signal]:.2f}",
                        f"{profile.lower[signal]:.2f}" if signal in profile.lower else "",
                        f"{profile.upper[signal]:.2f}" if signal in profile.upper else "",
                    ]
                )
    return proposal, details
