"""Validation metrics in Python: the same definitions as the SQL in models/marts/validation/,
for calibration and the report. Pure functions on numpy arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata


def roc_auc(churned: np.ndarray, risk: np.ndarray) -> float | None:
    """P(a churned row has a higher risk than a renewed one), ties counting one half, over the
    rows with a risk (nan rows are left out); None when only one outcome occurs among them.

    The Mann-Whitney statistic from scipy's average ranks: the same value as scikit-learn's
    roc_auc_score, without its input validation, which costs more than the AUC itself in the
    bootstrap and the cross-validation that call this thousands of times."""
    churned = np.asarray(churned, dtype=float)
    risk = np.asarray(risk, dtype=float)
    known = ~np.isnan(risk)
    churned, risk = churned[known], risk[known]
    positives = churned.sum()
    negatives = len(churned) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(risk)
    return float(
        (ranks[churned == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def top_decile_lift(churned: np.ndarray, risk: np.ndarray) -> float | None:
    """Churn rate among the riskiest tenth (ties broken by position) over the overall rate."""
    churned = np.asarray(churned, dtype=float)
    if len(churned) == 0 or churned.mean() == 0:
        return None
    order = np.argsort(-np.asarray(risk, dtype=float), kind="stable")
    top = order[: max(1, int(np.ceil(len(order) / 10)))]
    return float(churned[top].mean() / churned.mean())


def bootstrap_auc_interval(
    churned: np.ndarray, risk: np.ndarray, *, replicates: int = 200, seed: int = 0
) -> tuple[float, float] | None:
    """95% percentile interval of the AUC over bootstrap resamples of the rows."""
    churned = np.asarray(churned, dtype=float)
    risk = np.asarray(risk, dtype=float)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(replicates):
        sample = rng.integers(0, len(churned), len(churned))
        auc = roc_auc(churned[sample], risk[sample])
        if auc is not None:
            values.append(auc)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def band_churn_rates(
    churned: np.ndarray, scores: np.ndarray, bands: Sequence[tuple[str, float, float]]
) -> list[tuple[str, float | None, int]]:
    """(band, churn rate, renewals) per band, in the given order. A band holds
    [min_score, max_score); the band ending at 100 also holds 100."""
    churned = np.asarray(churned, dtype=float)
    scores = np.asarray(scores, dtype=float)
    out = []
    for band, low, high in bands:
        mask = (scores >= low) & ((scores < high) | ((high >= 100) & (scores <= high)))
        count = int(mask.sum())
        out.append((band, float(churned[mask].mean()) if count else None, count))
    return out
