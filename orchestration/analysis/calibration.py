"""Learn each signal's scoring curve, direction and weight from past renewal outcomes.

The score stays a transparent weighted mean of 0-100 signal scores (a generalised additive
model: score = sum of w_i * f_i(x_i) over the signals with data). Calibration proposes, from
the renewals decided on or before the validation split (marts.renewal_backtest_signals: what
every signal said on the scoring date before each renewal, at every configured lead time):

1. **a curve per signal** f_i: the raw values are cut into equal-count bins, each bin's churn
   rate is fitted by isotonic regression (scikit-learn; the direction, rising or falling, is
   learned from the data), and the fitted rates become knots scored 100 at the lowest churn
   rate and 0 at the highest. The learned curve replaces the configured rule only when it ranks
   later renewals better, judged by time-ordered cross-validation (fit on older renewals, test
   on the next ones); a signal that separates no better than chance under either gets weight
   0, with that evidence;
2. **weights per weight profile**: a logistic regression of churn on the pipeline's own score
   (the weighted mean over the signals with data, so weights are judged exactly as they are
   used), with non-negative weights and a penalty pulling them toward the configured weights:
   the penalty's strength is chosen by time-ordered cross-validation, so thin evidence keeps
   the proposal near the configuration and strong evidence moves it; 95% intervals come from
   refitting on bootstrap resamples of whole renewals.

The proposal (configured and proposed scores) is then judged on the later, held-out renewals at
each term class's longest configured lead time (`is_longest_lead`): AUC, top-decile lift and
churn rate per band. Nothing is adopted here: `healthscore adopt` does it, explicitly.
"""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.isotonic import IsotonicRegression

from orchestration.analysis.metrics import (
    band_churn_rates,
    bootstrap_auc_interval,
    roc_auc,
    top_decile_lift,
)
from orchestration.runtime.warehouse import Warehouse

# Strengths of the pull toward the configured weights tried by cross-validation, in churned
# renewals' worth of evidence: from almost none (the data decide) to so strong that the
# configured weights are kept. The pull fades as churns accumulate.
PRIOR_STRENGTHS = (0.1, 1.0, 10.0, 100.0, 1000.0)
MIN_TRAIN_CHURNS = 5  # fewer churns than this among the earlier renewals: nothing is learned
MIN_CURVE_CHURNS = 8  # churns with data a signal needs for a curve of its own
MIN_PROFILE_CURVE_CHURNS = 40  # a profile with fewer learns its curves from every profile's
# A signal whose cross-validated AUC is, with 90% confidence, below this carries too little to
# be weighed: weight 0. One whose interval reaches above it but includes 0.5 is inconclusive:
# it keeps its configured weight as the prior of the fit.
MIN_USEFUL_AUC = 0.55


class NotEnoughEvidence(ValueError):
    """Too few decided renewals (or churns) to learn anything from; the message says how many."""


@dataclass
class BacktestMatrix:
    """Backtest rows as arrays: one row per renewal and lead time, one column per signal."""

    renewal_ids: np.ndarray  # str
    lead_days: np.ndarray  # int
    is_longest_lead: np.ndarray  # bool
    renewal_dates: np.ndarray  # datetime64[D]
    profiles: np.ndarray  # str
    churned: np.ndarray  # 0/1
    health: np.ndarray  # the configured pipeline score, nan when unscored
    raw: np.ndarray  # raw signal values, nan where the signal had no data
    scores: np.ndarray  # configured signal scores 0-100, nan where the signal had no data
    signals: list[str]

    def rows(self, mask: np.ndarray) -> BacktestMatrix:
        return BacktestMatrix(
            renewal_ids=self.renewal_ids[mask],
            lead_days=self.lead_days[mask],
            is_longest_lead=self.is_longest_lead[mask],
            renewal_dates=self.renewal_dates[mask],
            profiles=self.profiles[mask],
            churned=self.churned[mask],
            health=self.health[mask],
            raw=self.raw[mask],
            scores=self.scores[mask],
            signals=self.signals,
        )


@dataclass
class Curve:
    """A monotone scoring curve: straight lines between knots (raw value, 0-100 score), flat
    beyond the first and last knot (as the dbt model applies it)."""

    knots: list[tuple[float, float]]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        xs = np.array([k[0] for k in self.knots])
        ys = np.array([k[1] for k in self.knots])
        out = np.interp(values, xs, ys)
        return np.where(np.isnan(values), np.nan, out)

    @property
    def direction(self) -> str:
        scores = [score for _, score in self.knots]
        best = int(np.argmax(scores))
        if 0 < best < len(scores) - 1 and max(scores[0], scores[-1]) < scores[best]:
            return f"healthiest in the middle, near {self.knots[best][0]:g}"
        return "higher is healthier" if scores[-1] > scores[0] else "lower is healthier"


@dataclass
class SignalEvidence:
    """What the earlier renewals say about one signal."""

    signal: str
    renewals_with_data: int
    churns_with_data: int
    cv_auc_rule: float | None  # the configured rule's AUC on the cross-validation test folds
    cv_auc_curve: float | None  # the learned curve's
    curve: Curve | None  # the proposed curve; None keeps the configured rule
    excluded: str | None  # why the signal gets weight 0, when it does
    thin: bool = False  # too little evidence to judge: the configured rule and weight stand
    cv_interval: tuple[float, float] | None = None  # 90% interval of the chosen one's CV AUC

    @property
    def cv_auc(self) -> float | None:
        return self.cv_auc_curve if self.curve is not None else self.cv_auc_rule

    @property
    def prior_share(self) -> float:
        """How much of its configured weight the signal keeps as the prior of the weights'
        fit: all of it without the evidence to judge, else in proportion to the effect it
        showed (none at a cross-validated AUC of 0.5, all from MIN_USEFUL_AUC)."""
        if self.thin or self.cv_auc is None:
            return 1.0
        return float(np.clip((self.cv_auc - 0.5) / (MIN_USEFUL_AUC - 0.5), 0.0, 1.0))

    @property
    def decision(self) -> str:
        if self.excluded:
            return f"weight 0: {self.excluded}"
        if self.thin:
            return (
                f"configured rule kept: too little evidence ({self.churns_with_data} churned "
                f"renewals with data, {MIN_CURVE_CHURNS} needed)"
            )
        verdict = ""
        if self.cv_interval is not None and self.cv_interval[0] <= 0.5:
            verdict = (
                "; inconclusive: its interval includes chance, the configured weight is its prior"
            )
        if self.curve is not None:
            return f"learned curve ({self.curve.direction}){verdict}"
        return f"configured rule kept: it ranks later renewals at least as well{verdict}"


@dataclass
class ProfileCalibration:
    profile: str
    status: str  # calibrated | too few churns
    train_renewals: int
    train_churns: int
    curves_from: str  # whose renewals its curves were learned on: the profile's own, or all
    evidence: list[SignalEvidence]
    prior_strength: float | None
    configured: dict[str, float]
    proposed: dict[str, float]
    lower: dict[str, float] = field(default_factory=dict)
    upper: dict[str, float] = field(default_factory=dict)

    @property
    def curves(self) -> dict[str, Curve]:
        return {item.signal: item.curve for item in self.evidence if item.curve is not None}


@dataclass(frozen=True)
class Band:
    name: str
    min_score: float
    max_score: float
    action: str
    rank: int


@dataclass
class CalibrationResult:
    split_date: dt.date
    lead_days_judged: dict[str, int]  # term class -> the longest lead time, where it is judged
    train_renewals: int
    train_churns: int
    held_out_renewals: int
    held_out_churns: int
    profiles: list[ProfileCalibration]
    configured_bands: list[Band]
    proposed_bands: list[Band]
    comparison: list[dict[str, object]]

    def proposed_weights(self) -> dict[str, dict[str, float]]:
        return {profile.profile: profile.proposed for profile in self.profiles}

    @property
    def judged_at(self) -> str:
        return ", ".join(
            f"{term_class} terms {lead} days" for term_class, lead in self.lead_days_judged.items()
        )

    def comparison_table(self) -> tuple[list[str], list[list[object]]]:
        """The configured and the calibrated scoring side by side on the held-out renewals, per
        group: (headers, rows), which the HTML report and the Dagster asset's metadata render."""
        headers = [
            "group",
            "weights",
            "renewals",
            "churns",
            "AUC",
            "top-decile lift",
            "churn rate by band",
            "bands strictly ordered",
        ]
        rows: list[list[object]] = [
            [
                row["group"],
                row["weights"],
                row["renewals"],
                row["churns"],
                row["auc"],
                row["top_decile_lift"],
                band_rates_text(row["band_churn_rates"]),  # type: ignore[arg-type]
                bool(row["bands_ordered"] and row["all_bands_used"]),
            ]
            for row in self.comparison
        ]
        return headers, rows


def band_rates_text(rates: list[tuple[str, float | None, int]]) -> str:
    """Churn rate and renewals per band: `red 30.0% of 1,200; amber ...`."""
    return "; ".join(
        f"{band} {100 * rate:.1f}% of {n:,}" if rate is not None else f"{band} - of 0"
        for band, rate, n in rates
    )


def load_backtest_matrix(con: Warehouse) -> BacktestMatrix:
    columns = con.execute(
        """
        select renewal_id, lead_days, is_longest_lead, renewal_date,
               coalesce(weight_profile, 'default') as weight_profile, is_churned,
               cast(health_score as double) as health_score, signal,
               cast(case when has_data then raw_value end as double) as raw_value,
               cast(case when has_data then signal_score end as double) as signal_score
        from marts.renewal_backtest_signals
        order by renewal_date, renewal_id, lead_days, signal
        """
    ).fetchnumpy()
    # The same order on every engine, whatever its text collation (code points, as DuckDB's).
    order = np.lexsort(
        (
            columns["signal"].astype(str),
            np.asarray(columns["lead_days"]).astype(np.int64),
            columns["renewal_id"].astype(str),
            np.asarray(columns["renewal_date"]).astype("datetime64[D]"),
        )
    )
    columns = {name: values[order] for name, values in columns.items()}
    keys = np.char.add(
        np.char.add(columns["renewal_id"].astype(str), "|"), columns["lead_days"].astype(str)
    )
    # Rows are sorted by date, renewal and lead: the first row of each key keeps that order.
    _, first, row_of = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    row_of = position[row_of]
    heads = first[order]
    signals, column_of = np.unique(columns["signal"].astype(str), return_inverse=True)
    raw = np.full((len(heads), len(signals)), np.nan)
    scores = np.full((len(heads), len(signals)), np.nan)
    raw[row_of, column_of] = _as_float(columns["raw_value"])
    scores[row_of, column_of] = _as_float(columns["signal_score"])
    return BacktestMatrix(
        renewal_ids=columns["renewal_id"][heads].astype(object),
        lead_days=columns["lead_days"][heads].astype(int),
        is_longest_lead=columns["is_longest_lead"][heads].astype(bool),
        renewal_dates=columns["renewal_date"][heads].astype("datetime64[D]"),
        profiles=columns["weight_profile"][heads].astype(object),
        churned=columns["is_churned"][heads].astype(float),
        health=_as_float(columns["health_score"][heads]),
        raw=raw,
        scores=scores,
        signals=[str(signal) for signal in signals],
    )


def _as_float(values: np.ndarray) -> np.ndarray:
    """A fetched column as floats, with nan for null (DuckDB returns a masked array)."""
    if isinstance(values, np.ma.MaskedArray):
        return values.astype(float).filled(np.nan)
    return np.asarray(values, dtype=float)


def weighted_scores(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The pipeline's health score: the weighted mean of the signals with data (nan if none)."""
    present = ~np.isnan(scores)
    weight_matrix = np.where(present, weights[None, :], 0.0)
    total = weight_matrix.sum(axis=1)
    values = np.where(present, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (weight_matrix * values).sum(axis=1) / total, np.nan)


def pipeline_scores(
    scores: np.ndarray, weights: np.ndarray, min_coverage: float = 0.0
) -> np.ndarray:
    """weighted_scores, null where the weight with data is below `min_coverage` of the total,
    as the pipeline's score is."""
    result = weighted_scores(scores, weights)
    total = weights.sum()
    if total <= 0:
        return np.full(len(scores), np.nan)
    coverage = np.where(~np.isnan(scores), weights[None, :], 0.0).sum(axis=1) / total
    return np.where(coverage >= min_coverage, result, np.nan)


# ---- curves ----------------------------------------------------------------------------------


def learn_curve(values: np.ndarray, churned: np.ndarray, max_bins: int = 10) -> Curve | None:
    """A curve from raw values to 0-100 (100 where churn is lowest), or None when the values
    are constant or the fitted churn rate is flat (the signal carries no information).

    The values are cut into at most `max_bins` equal-count bins (fewer with few churns: about
    eight churns a bin) and each bin's churn rate is fitted, weighted by the bin's size, by
    isotonic regression (scikit-learn): rising or falling, or falling then rising (churn lowest
    in a middle range, e.g. use far below *or* far above an account's own baseline), the
    second only when it fits the bins significantly better (a drop of the binomial deviance
    above 3.84, one more parameter at 5%). Each bin's median value becomes a knot."""
    values = np.asarray(values, dtype=float)
    churned = np.asarray(churned, dtype=float)
    distinct = np.unique(values)
    if len(distinct) < 2 or churned.sum() == 0 or churned.sum() == len(churned):
        return None
    bins = int(np.clip(churned.sum() // 8, 2, max_bins))
    if len(distinct) <= bins:
        labels = np.searchsorted(distinct, values)
    else:
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1))[1:-1])
        labels = np.searchsorted(edges, values, side="right")
    groups = np.unique(labels)
    if len(groups) < 2:
        return None
    centers = np.array([np.median(values[labels == g]) for g in groups])
    rates = np.array([churned[labels == g].mean() for g in groups])
    counts = np.array([(labels == g).sum() for g in groups], dtype=float)
    predicted = _monotone_rates(centers, rates, counts)
    valley = _valley_rates(centers, rates, counts)
    if valley is not None and (
        _deviance(rates, predicted, counts) - _deviance(rates, valley, counts) > 3.84
    ):
        predicted = valley
    low, high = predicted.min(), predicted.max()
    if high - low < 1e-9:
        return None
    knot_scores = 100.0 * (high - predicted) / (high - low)
    knots: list[tuple[float, float]] = []
    for position, (x, score) in enumerate(zip(centers, knot_scores, strict=True)):
        interior = 0 < position < len(centers) - 1
        flat = interior and knot_scores[position - 1] == score == knot_scores[position + 1]
        if not flat:
            knots.append((float(x), float(round(score, 4))))
    return Curve(knots)


def _monotone_rates(centers: np.ndarray, rates: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        # "auto" warns when the bins' rank correlation is uncertain or undefined (constant
        # rates); the cross-validation that follows judges the curve on later renewals instead.
        warnings.simplefilter("ignore")
        fitted = IsotonicRegression(increasing="auto").fit(centers, rates, sample_weight=counts)
    return fitted.predict(centers)


def _valley_rates(centers: np.ndarray, rates: np.ndarray, counts: np.ndarray) -> np.ndarray | None:
    """The best fit that falls up to some bin and rises after it (least weighted squares)."""
    if len(centers) < 4:
        return None
    best, best_error = None, np.inf
    for split in range(1, len(centers) - 1):
        falling = IsotonicRegression(increasing=False).fit(
            centers[: split + 1], rates[: split + 1], sample_weight=counts[: split + 1]
        )
        rising = IsotonicRegression(increasing=True).fit(
            centers[split + 1 :], rates[split + 1 :], sample_weight=counts[split + 1 :]
        )
        fitted = np.concatenate(
            [falling.predict(centers[: split + 1]), rising.predict(centers[split + 1 :])]
        )
        error = float(np.sum(counts * (rates - fitted) ** 2))
        if error < best_error:
            best, best_error = fitted, error
    return best


def _deviance(rates: np.ndarray, fitted: np.ndarray, counts: np.ndarray) -> float:
    """The binomial deviance of fitted churn rates against the bins' observed ones."""
    p = np.clip(fitted, 1e-9, 1 - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(rates > 0, rates * np.log(rates / p), 0.0) + np.where(
            rates < 1, (1 - rates) * np.log((1 - rates) / (1 - p)), 0.0
        )
    return float(2 * np.sum(counts * terms))


def time_ordered_folds(
    order: np.ndarray, folds: int = 3, first_train_share: float = 0.5
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds over rows sorted by date: each trains on every row before its
    test rows and tests on the next ones. The first fold trains on `first_train_share` of the
    rows: the earliest renewals of a history are the least like the ones to come (accounts
    with little data yet), so no fold learns from them alone."""
    n = len(order)
    edges = [
        int(n * (first_train_share + (1 - first_train_share) * index / folds))
        for index in range(folds + 1)
    ]
    return [(order[: edges[i]], order[edges[i] : edges[i + 1]]) for i in range(folds)]


def _mean_auc(values: list[float | None]) -> float | None:
    kept = [value for value in values if value is not None]
    return float(np.mean(kept)) if kept else None


def assess_signal(matrix: BacktestMatrix, column: int) -> SignalEvidence:
    """Learn one signal's curve on the earlier renewals and compare it with the configured rule
    by time-ordered cross-validation."""
    signal = matrix.signals[column]
    present = ~np.isnan(matrix.raw[:, column]) & ~np.isnan(matrix.scores[:, column])
    x, s, y = matrix.raw[present, column], matrix.scores[present, column], matrix.churned[present]
    dates, ids = matrix.renewal_dates[present], matrix.renewal_ids[present].astype(str)
    renewals = len(np.unique(ids))
    churns = len(np.unique(ids[y == 1]))
    evidence = SignalEvidence(signal, renewals, churns, None, None, None, None)
    if churns < MIN_CURVE_CHURNS or churns == renewals:
        evidence.thin = True
        return evidence
    order = np.argsort(dates, kind="stable")
    # Out-of-fold risks: each fold's rule and curve judged on the renewals after its training.
    tested, rule_risk, curve_risk = [], [], []
    for train, test in time_ordered_folds(order):
        curve = learn_curve(x[train], y[train])
        tested.append(test)
        rule_risk.append(-s[test])
        curve_risk.append(-curve(x[test]) if curve is not None else np.zeros(len(test)))
    y_test = y[np.concatenate(tested)]
    evidence.cv_auc_rule = roc_auc(y_test, np.concatenate(rule_risk))
    evidence.cv_auc_curve = roc_auc(y_test, np.concatenate(curve_risk))
    curve = learn_curve(x, y)
    rule, learned = evidence.cv_auc_rule or 0.5, evidence.cv_auc_curve or 0.5
    if curve is not None and learned > rule:
        evidence.curve = curve
    auc = max(rule, learned) if curve is not None else rule
    # Each renewal is there once per lead time: the interval counts renewals, not rows.
    repeats = len(y_test) / max(1, len(np.unique(ids[np.concatenate(tested)])))
    churned_renewals = int(round(y_test.sum() / repeats))
    low, high = auc_interval(
        auc, churned_renewals, int(round(len(y_test) / repeats)) - churned_renewals
    )
    evidence.cv_interval = (low, high)
    if high < MIN_USEFUL_AUC:
        evidence.excluded = (
            f"ranks later renewals no better than chance (cross-validated AUC {auc:.3f}, "
            f"90% interval {low:.3f}-{high:.3f}, below {MIN_USEFUL_AUC})"
        )
    return evidence


def auc_interval(
    auc: float, positives: int, negatives: int, z: float = 1.645
) -> tuple[float, float]:
    """A 90% interval of an AUC from its Hanley-McNeil standard error."""
    if positives == 0 or negatives == 0:
        return 0.0, 1.0
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)
    ) / (positives * negatives)
    error = float(np.sqrt(max(variance, 0.0)))
    return max(0.0, auc - z * error), min(1.0, auc + z * error)


def apply_curves(matrix: BacktestMatrix, curves: dict[str, Curve]) -> np.ndarray:
    """Signal scores under the proposed curves (the configured score where a signal keeps its
    rule)."""
    scores = matrix.scores.copy()
    for column, signal in enumerate(matrix.signals):
        if signal in curves:
            learned = curves[signal](matrix.raw[:, column])
            scores[:, column] = np.where(np.isnan(matrix.scores[:, column]), np.nan, learned)
    return scores


# ---- weights ---------------------------------------------------------------------------------


def fit_weights(
    scores: np.ndarray,
    churned: np.ndarray,
    prior: np.ndarray,
    strength: float,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """Non-negative weights (summing to 100) of the pipeline's score that best predict churn.

    The score is the weighted mean of the signal scores with data, exactly as the pipeline
    computes it, so it does not change when every weight is scaled; the fit uses that scale as
    the slope: P(churn) = sigmoid(b - sum(u) * score(u) / 100) with u >= 0. It minimises the
    mean log-loss plus strength / churns * sum((w - prior)^2), w = u / sum(u) and the prior
    normalised the same way: the prior counts as `strength` churned renewals of evidence, so
    its pull fades as churns accumulate. `allowed` = False fixes a weight at 0. L-BFGS-B with
    the analytical gradient."""
    n, k = scores.shape
    allowed = np.ones(k, dtype=bool) if allowed is None else allowed
    # Only signals that may weigh and have data somewhere take part in the fit.
    used = allowed & (~np.isnan(scores)).any(axis=0)
    if not used.all():
        weights = np.zeros(k)
        if used.any():
            weights[used] = fit_weights(scores[:, used], churned, prior[used], strength)
        return weights
    present = ~np.isnan(scores)
    f = np.where(present, scores / 100.0, 0.0)
    m = present.astype(float)
    pull = strength / max(1.0, float(churned.sum()))
    target = np.where(allowed, prior, 0.0)
    target = target / target.sum() if target.sum() > 0 else allowed / allowed.sum()
    eps = 1e-9

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, u = theta[0], theta[1:]
        total = u.sum() + eps
        w = u / total
        denominator = m @ u + eps
        score = (f @ u + 0.5 * eps) / denominator
        logits = b - total * score
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -35, 35)))
        loss = np.mean(np.logaddexp(0.0, logits) - churned * logits)
        residual = (p - churned) / n
        # d logit / d u_j = -score - total * m_j (f_j - score) / denominator
        d_u = -np.dot(residual, score) - total * (
            (residual / denominator) @ (m * (f - score[:, None]))
        )
        spread = w - target
        d_penalty = (2.0 * pull / total) * (spread - np.dot(spread, w))
        value = loss + pull * np.dot(spread, spread)
        gradient = np.concatenate(([residual.sum()], d_u + d_penalty))
        return float(value), gradient

    rate = np.clip(churned.mean(), 1e-3, 1 - 1e-3)
    start = np.concatenate(([np.log(rate / (1 - rate)) + 1.0], 2.0 * target))
    bounds = [(None, None)] + [(0.0, None if ok else 0.0) for ok in allowed]
    result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
    weights = np.maximum(result.x[1:], 0.0)
    return weights * 100.0 / weights.sum() if weights.sum() > 0 else target * 100.0


def choose_strength(
    scores: np.ndarray,
    churned: np.ndarray,
    dates: np.ndarray,
    prior: np.ndarray,
    allowed: np.ndarray,
) -> tuple[float, float | None]:
    """The prior strength whose weights rank later renewals best over time-ordered folds, and
    that cross-validated AUC. Ties go to the stronger pull (the configuration)."""
    order = np.argsort(dates, kind="stable")
    best, best_auc = PRIOR_STRENGTHS[-1], None
    for strength in sorted(PRIOR_STRENGTHS, reverse=True):
        aucs = []
        for train, test in time_ordered_folds(order):
            if churned[train].sum() < 2 or churned[test].sum() in (0, len(test)):
                continue
            weights = fit_weights(scores[train], churned[train], prior, strength, allowed)
            aucs.append(roc_auc(churned[test], -weighted_scores(scores[test], weights)))
        auc = _mean_auc(aucs)
        if auc is not None and (best_auc is None or auc > best_auc + 1e-4):
            best, best_auc = strength, auc
    return best, best_auc


def _normalise(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights * 100.0 / total if total > 0 else weights


def read_weight_profiles(path: Path) -> dict[str, dict[str, float]]:
    profiles: dict[str, dict[str, float]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            profiles.setdefault(row["weight_profile"], {})[row["signal"]] = float(row["weight"])
    return profiles


def calibrate(
    con: Warehouse,
    configured: dict[str, dict[str, float]],
    *,
    bootstrap: int = 20,
    min_coverage: float = 0.5,
    seed: int = 7,
    say: Callable[[str], None] = lambda _: None,
) -> CalibrationResult:
    matrix = load_backtest_matrix(con)
    split_row = con.execute(
        "select max(validation_split_date) from marts.score_validation"
    ).fetchone()
    if len(matrix.renewal_ids) == 0 or split_row is None or split_row[0] is None:
        raise NotEnoughEvidence(
            "No decided renewal has a score yet, so nothing can be calibrated; "
            "the history must cover at least one decided renewal."
        )
    split_date = split_row[0]
    is_train = matrix.renewal_dates <= np.datetime64(split_date)
    train = matrix.rows(is_train)
    held_out = matrix.rows(~is_train)
    train_renewals, train_churns = _renewal_counts(train)
    held_renewals, held_churns = _renewal_counts(held_out)
    if train_churns < MIN_TRAIN_CHURNS or train_churns == train_renewals:
        raise NotEnoughEvidence(
            f"{train_churns} churned and {train_renewals - train_churns} renewed renewals on or "
            f"before {split_date}: too little evidence to learn from (at least "
            f"{MIN_TRAIN_CHURNS} churns and one renewal are needed)."
        )
    say(
        f"  learning from {train_renewals:,} earlier renewals ({train_churns:,} churned), "
        f"{len(matrix.signals)} signals"
    )
    pooled: list[SignalEvidence] | None = None
    rng = np.random.default_rng(seed)
    results: list[ProfileCalibration] = []
    for profile in sorted(configured):
        prior = np.array([configured[profile].get(signal, 0.0) for signal in matrix.signals])
        subset = train.rows(train.profiles == profile)
        renewals, churns = _renewal_counts(subset)
        if churns >= MIN_PROFILE_CURVE_CHURNS:
            evidence, curves_from = (
                [assess_signal(subset, c) for c in range(len(subset.signals))],
                profile,
            )
        else:
            if pooled is None:
                pooled = [assess_signal(train, column) for column in range(len(train.signals))]
            evidence, curves_from = pooled, "all profiles"
        allowed = np.array([item.excluded is None for item in evidence])
        calibration = ProfileCalibration(
            profile=profile,
            status="too few churns",
            train_renewals=renewals,
            train_churns=churns,
            curves_from=curves_from,
            evidence=evidence,
            prior_strength=None,
            configured=dict(zip(matrix.signals, _normalise(prior), strict=True)),
            proposed=dict(
                zip(matrix.signals, _normalise(np.where(allowed, prior, 0.0)), strict=True)
            ),
        )
        if churns >= MIN_TRAIN_CHURNS and churns < renewals:
            say(f"  weighing profile {profile}: {renewals:,} renewals, {churns:,} churns")
            scores = apply_curves(subset, calibration.curves)
            # The configured weights are the prior only as far as the signal showed an effect:
            # in full from a cross-validated AUC of 0.55, none at 0.5 or below.
            prior_fit = prior * np.array([item.prior_share for item in evidence])
            strength, _ = choose_strength(
                scores, subset.churned, subset.renewal_dates, prior_fit, allowed
            )
            fitted = fit_weights(scores, subset.churned, prior_fit, strength, allowed)
            draws = _bootstrap_weights(subset, scores, prior_fit, strength, allowed, bootstrap, rng)
            calibration.status = "calibrated"
            calibration.prior_strength = strength
            calibration.proposed = dict(zip(matrix.signals, fitted, strict=True))
            calibration.lower = dict(
                zip(matrix.signals, np.percentile(draws, 2.5, axis=0), strict=True)
            )
            calibration.upper = dict(
                zip(matrix.signals, np.percentile(draws, 97.5, axis=0), strict=True)
            )
        elif renewals:
            say(
                f"  profile {profile}: {churns} churns among {renewals:,} earlier renewals "
                f"(fewer than {MIN_TRAIN_CHURNS}): configured weights on the learned curves"
            )
        results.append(calibration)
    configured_bands = read_bands(con)
    proposed_bands = propose_bands(
        configured_bands,
        train.health,
        proposed_scores(train, results, min_coverage),
    )
    comparison = compare_on_held_out(
        held_out, results, configured_bands, proposed_bands, min_coverage=min_coverage
    )
    return CalibrationResult(
        split_date=split_date,
        lead_days_judged=_longest_leads(con),
        train_renewals=train_renewals,
        train_churns=train_churns,
        held_out_renewals=held_renewals,
        held_out_churns=held_churns,
        profiles=results,
        configured_bands=configured_bands,
        proposed_bands=proposed_bands,
        comparison=comparison,
    )


def read_bands(con: Warehouse) -> list[Band]:
    rows = con.execute(
        """
        select health_band, min_score, max_score, band_action, band_rank
        from config.health_bands order by band_rank
        """
    ).fetchall()
    return [Band(r[0], float(r[1]), float(r[2]), r[3], int(r[4])) for r in rows]


# When the configured bands leave a band (nearly) empty on the earlier renewals, the proposed
# thresholds put this share of them in each band instead, worst first (the rest in the best).
FALLBACK_BAND_SHARES = (0.10, 0.20)


def propose_bands(
    configured: list[Band], configured_scores: np.ndarray, proposed: np.ndarray
) -> list[Band]:
    """Band thresholds for the proposed score that flag as many of the earlier renewals as the
    configured bands flag with the configured score: each band keeps its share of the accounts
    (the team's workload), so the bands change only where the ranking does. The thresholds are
    the proposed score's quantiles at those shares, rounded to a tenth of a point."""
    if len(configured) < 2:
        return configured
    scored = configured_scores[~np.isnan(configured_scores)]
    candidates = proposed[~np.isnan(proposed)]
    if len(scored) == 0 or len(candidates) == 0:
        return configured
    shares = [
        float(np.mean((scored >= band.min_score) & (scored < band.max_score)))
        for band in configured[:-1]
    ]
    if min(shares) < 0.01:
        shares = list(FALLBACK_BAND_SHARES[: len(configured) - 1])
        shares += [0.10] * (len(configured) - 1 - len(shares))
    cuts = np.quantile(candidates, np.cumsum(shares))
    cuts = np.maximum.accumulate(np.round(cuts, 1))
    lows = [configured[0].min_score] + list(cuts)
    highs = list(cuts) + [configured[-1].max_score]
    return [
        Band(band.name, float(low), float(high), band.action, band.rank)
        for band, low, high in zip(configured, lows, highs, strict=True)
    ]


def _renewal_counts(matrix: BacktestMatrix) -> tuple[int, int]:
    """Distinct renewals, and how many of them churned."""
    _, first = np.unique(matrix.renewal_ids.astype(str), return_index=True)
    return len(first), int(matrix.churned[first].sum())


def _longest_leads(con: Warehouse) -> dict[str, int]:
    rows = con.execute(
        """
        select term_class, max(lead_days) from marts.renewal_backtest
        where is_longest_lead group by term_class order by max(lead_days)
        """
    ).fetchall()
    return {term_class: int(lead) for term_class, lead in rows}


def _bootstrap_weights(
    matrix: BacktestMatrix,
    scores: np.ndarray,
    prior: np.ndarray,
    strength: float,
    allowed: np.ndarray,
    replicates: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Weights refitted on resamples of whole renewals (all their lead times together)."""
    distinct, index = np.unique(matrix.renewal_ids.astype(str), return_inverse=True)
    members = [np.flatnonzero(index == i) for i in range(len(distinct))]
    draws = []
    for _ in range(replicates):
        picked = rng.integers(0, len(distinct), len(distinct))
        sample = np.concatenate([members[i] for i in picked])
        y = matrix.churned[sample]
        if 0 < y.sum() < len(sample):
            draws.append(fit_weights(scores[sample], y, prior, strength, allowed))
    return np.array(draws) if draws else np.zeros((1, scores.shape[1]))


def proposed_scores(
    matrix: BacktestMatrix, profiles: list[ProfileCalibration], min_coverage: float = 0.0
) -> np.ndarray:
    """The pipeline's score of every row under its profile's proposed curves and weights."""
    out = np.full(len(matrix.renewal_ids), np.nan)
    for calibration in profiles:
        mask = matrix.profiles == calibration.profile
        if not mask.any():
            continue
        signal_scores = apply_curves(matrix.rows(mask), calibration.curves)
        vector = np.array([calibration.proposed.get(s, 0.0) for s in matrix.signals])
        out[mask] = pipeline_scores(signal_scores, vector, min_coverage)
    return out


def compare_on_held_out(
    held_out: BacktestMatrix,
    profiles: list[ProfileCalibration],
    configured_bands: list[Band],
    proposed_bands: list[Band],
    *,
    min_coverage: float,
) -> list[dict[str, object]]:
    """The configured score (as the pipeline computed it) against the proposed one on the
    renewals after the split, at each term class's longest lead time, per profile and
    overall, each with its own bands."""
    rows = held_out.rows(held_out.is_longest_lead)
    proposed = proposed_scores(rows, profiles, min_coverage)
    groups = [("all", np.ones(len(rows.renewal_ids), dtype=bool))] + [
        (p.profile, rows.profiles == p.profile) for p in profiles
    ]
    out: list[dict[str, object]] = []
    for group, mask in groups:
        # Both are judged on the same renewals: those both can score.
        valid = mask & ~np.isnan(rows.health) & ~np.isnan(proposed)
        if not valid.any():
            continue
        y = rows.churned[valid]
        for label, scores, bands in (
            ("configured", rows.health[valid], configured_bands),
            ("proposed", proposed[valid], proposed_bands),
        ):
            rates = band_churn_rates(y, scores, [(b.name, b.min_score, b.max_score) for b in bands])
            out.append(
                {
                    "group": group,
                    "weights": label,
                    "renewals": int(valid.sum()),
                    "churns": int(y.sum()),
                    "auc": roc_auc(y, -scores),
                    "auc_ci": bootstrap_auc_interval(y, -scores, replicates=200),
                    "top_decile_lift": top_decile_lift(y, -scores),
                    "band_churn_rates": rates,
                    "bands_ordered": _strictly_falling([rate for _, rate, n in rates if n]),
                    "all_bands_used": all(n for _, _, n in rates),
                }
            )
    return out


def _strictly_falling(values: list[float | None]) -> bool:
    return all(
        a is not None and b is not None and a > b for a, b in zip(values, values[1:], strict=False)
    )


# ---- the proposal ----------------------------------------------------------------------------

PROPOSAL_FILES = ("weight_profiles.csv", "signal_scoring_curves.csv", "health_bands.csv")


def write_proposal(result: CalibrationResult, out_dir: Path) -> Path:
    """The proposal folder: weight_profiles.csv, signal_scoring_curves.csv and health_bands.csv
    in the seeds' formats (what `healthscore adopt` copies into seeds/), and
    calibration_evidence.csv (per profile and signal: the decision and its evidence, configured
    and proposed weights with their intervals). Returns the folder."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "weight_profiles.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["weight_profile", "signal", "weight"])
        for profile in result.profiles:
            for signal, weight in profile.proposed.items():
                if weight > 0 or profile.configured.get(signal, 0) > 0:
                    writer.writerow([profile.profile, signal, f"{weight:.2f}"])
    with (out_dir / "signal_scoring_curves.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["weight_profile", "signal", "raw_value", "score"])
        for profile in result.profiles:
            curves = profile.curves
            for signal in sorted(curves):
                if profile.proposed.get(signal, 0) <= 0:
                    continue
                for raw_value, score in curves[signal].knots:
                    writer.writerow([profile.profile, signal, f"{raw_value:.6g}", f"{score:.2f}"])
    with (out_dir / "health_bands.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["health_band", "min_score", "max_score", "band_action", "band_rank"])
        for band in result.proposed_bands:
            writer.writerow(
                [band.name, f"{band.min_score:g}", f"{band.max_score:g}", band.action, band.rank]
            )
    with (out_dir / "calibration_evidence.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "weight_profile",
                "profile_status",
                "train_renewals",
                "train_churns",
                "curves_learned_from",
                "prior_strength",
                "signal",
                "decision",
                "renewals_with_data",
                "churns_with_data",
                "cv_auc_configured_rule",
                "cv_auc_learned_curve",
                "configured_weight",
                "proposed_weight",
                "proposed_weight_ci_lower",
                "proposed_weight_ci_upper",
            ]
        )
        for profile in result.profiles:
            for item in profile.evidence:
                signal = item.signal
                writer.writerow(
                    [
                        profile.profile,
                        profile.status,
                        profile.train_renewals,
                        profile.train_churns,
                        profile.curves_from,
                        "" if profile.prior_strength is None else profile.prior_strength,
                        signal,
                        item.decision,
                        item.renewals_with_data,
                        item.churns_with_data,
                        _fmt3(item.cv_auc_rule),
                        _fmt3(item.cv_auc_curve),
                        f"{profile.configured[signal]:.2f}",
                        f"{profile.proposed[signal]:.2f}",
                        f"{profile.lower[signal]:.2f}" if signal in profile.lower else "",
                        f"{profile.upper[signal]:.2f}" if signal in profile.upper else "",
                    ]
                )
    return out_dir


def _fmt3(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
