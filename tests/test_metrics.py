"""Validation metrics against scikit-learn and hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from orchestration.analysis.metrics import (
    band_churn_rates,
    bootstrap_auc_interval,
    roc_auc,
    top_decile_lift,
)

BANDS = [("red", 0.0, 40.0), ("amber", 40.0, 60.0), ("green", 60.0, 100.0)]


def test_auc_worked_by_hand_with_a_tie() -> None:
    # Churned risks 80, 60, 40; renewed 70, 60, 50, 30, 20, 10, 5: 16.5 of 21 pairs.
    churned = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    risk = np.array([80, 60, 40, 70, 60, 50, 30, 20, 10, 5])
    assert roc_auc(churned, risk) == pytest.approx(16.5 / 21)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_equals_scikit_learn_on_random_data_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    churned = rng.integers(0, 2, 500)
    risk = np.round(rng.normal(churned * 0.5, 1.0), 1)  # rounding makes ties
    assert roc_auc(churned, risk) == pytest.approx(roc_auc_score(churned, risk), abs=1e-12)


def test_auc_is_undefined_with_one_outcome() -> None:
    assert roc_auc(np.array([0, 0, 0]), np.array([1.0, 2.0, 3.0])) is None


def test_top_decile_lift_worked_by_hand() -> None:
    # 20 renewals, 4 churned; the riskiest two (the top tenth) are both churned: 100% / 20% = 5.
    churned = np.array([1, 1] + [0] * 16 + [1, 1])
    risk = np.array([99, 98] + list(range(50, 66)) + [1, 0])
    assert top_decile_lift(churned, risk) == pytest.approx(5.0)


def test_bootstrap_interval_brackets_the_auc_and_narrows_with_more_data() -> None:
    rng = np.random.default_rng(3)
    small_y = rng.integers(0, 2, 200)
    small_r = rng.normal(small_y, 1.5)
    big_y = rng.integers(0, 2, 5000)
    big_r = rng.normal(big_y, 1.5)
    small = bootstrap_auc_interval(small_y, small_r, replicates=300)
    big = bootstrap_auc_interval(big_y, big_r, replicates=300)
    assert small and big
    assert small[0] < roc_auc(small_y, small_r) < small[1]
    assert big[0] < roc_auc(big_y, big_r) < big[1]
    assert (big[1] - big[0]) < 0.5 * (small[1] - small[0])  # width shrinks about as 1 / sqrt(n)
    assert bootstrap_auc_interval(
        small_y, small_r, replicates=300, seed=0
    ) == bootstrap_auc_interval(small_y, small_r, replicates=300, seed=0)


def test_band_churn_rates_follow_the_band_edges() -> None:
    churned = np.array([1, 0, 1, 0, 0, 0, 1])
    scores = np.array([10.0, 39.99, 40.0, 59.0, 60.0, 100.0, 100.0])
    assert band_churn_rates(churned, scores, BANDS) == [
        ("red", 0.5, 2),
        ("amber", 0.5, 2),
        ("green", pytest.approx(1 / 3), 3),
    ]
