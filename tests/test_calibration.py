"""Weight calibration: it recovers known weights, keeps configured ones when data is thin, and
compares honestly on later renewals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import spearmanr

from orchestration.lib.calibration import (
    calibrate,
    fit_non_negative_logistic,
    time_ordered_folds,
    weighted_scores,
)
from orchestration.lib.validation import adopt_weights

SIGNALS = [f"signal_{index}" for index in range(8)]
TRUE_WEIGHTS = np.array([35.0, 25.0, 15.0, 10.0, 8.0, 7.0, 0.0, 0.0])


def synthetic_backtest(n: int = 6000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signal scores, some missing, and churn drawn from the score under TRUE_WEIGHTS."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    scores = np.clip(50 + 20 * (0.5 * latent + rng.normal(size=(n, len(SIGNALS)))), 0, 100)
    scores[rng.random(scores.shape) < 0.15] = np.nan
    health = weighted_scores(scores, TRUE_WEIGHTS)
    churn_probability = 1 / (1 + np.exp(-(3.0 - 0.09 * health)))
    churned = (rng.random(n) < churn_probability).astype(float)
    dates = np.datetime64("2024-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]")
    return scores, churned, dates


def test_weighted_scores_renormalise_over_signals_with_data() -> None:
    scores = np.array([[80.0, 20.0, np.nan], [np.nan, np.nan, np.nan]])
    weights = np.array([4.0, 2.0, 2.0])
    result = weighted_scores(scores, weights)
    assert result[0] == pytest.approx((4 * 80 + 2 * 20) / 6)
    assert np.isnan(result[1])


def test_the_fit_recovers_sign_and_ranking_of_known_weights() -> None:
    scores, churned, _ = synthetic_backtest()
    filled = np.where(
        np.isnan(scores), weighted_scores(scores, np.ones(len(SIGNALS)))[:, None], scores
    )
    weights = fit_non_negative_logistic(filled / 100, churned, penalty=1.0)
    proposed = weights * 100 / weights.sum()
    assert (proposed >= 0).all()
    assert spearmanr(proposed, TRUE_WEIGHTS).statistic > 0.8
    assert set(np.argsort(-proposed)[:2]) == {0, 1}
    assert proposed[6] + proposed[7] < 8.0  # the two noise signals get little weight


def test_time_ordered_folds_always_test_on_later_rows() -> None:
    order = np.arange(100)
    folds = time_ordered_folds(order, folds=3)
    assert len(folds) == 3
    for train, test in folds:
        assert train.max() < test.min()
    assert [len(train) for train, _ in folds] == [25, 50, 75]


def write_synthetic_warehouse(
    path: Path, scores: np.ndarray, churned: np.ndarray, dates: np.ndarray
) -> None:
    n, k = scores.shape
    backtest = pa.table(
        {
            "renewal_id": np.repeat([f"r{index}" for index in range(n)], k),
            "lead_days": np.full(n * k, 90),
            "account_id": np.full(n * k, "a"),
            "segment": np.full(n * k, "smb"),
            "weight_profile": np.full(n * k, "default"),
            "renewal_date": np.repeat(dates, k),
            "is_churned": np.repeat(churned.astype(int), k),
            "signal": np.tile(SIGNALS, n),
            "signal_score": pa.array(scores.ravel(), from_pandas=True),
            "has_data": ~np.isnan(scores.ravel()),
        }
    )
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema config")
    con.register("backtest", backtest)
    con.execute("create table marts.renewal_backtest_signals as select * from backtest")
    split = np.sort(dates)[int(0.7 * len(dates))]
    con.execute(
        "create table marts.score_validation as select cast(? as date) as validation_split_date",
        [str(split)],
    )
    con.execute(
        "create table config.health_bands as select * from (values ('red', 0.0, 40.0, 1), "
        "('amber', 40.0, 60.0, 2), ('green', 60.0, 100.0, 3)) "
        "as t(health_band, min_score, max_score, band_rank)"
    )
    con.close()


def test_calibrate_proposes_better_weights_judged_on_later_renewals(tmp_path: Path) -> None:
    scores, churned, dates = synthetic_backtest()
    database = tmp_path / "w.duckdb"
    write_synthetic_warehouse(database, scores, churned, dates)
    uniform = {"default": dict.fromkeys(SIGNALS, 1.0)}
    # Configured weights that ignore the strongest signals: calibration must beat them.
    misguided = {
        "default": {**uniform["default"], "signal_0": 0.0, "signal_1": 0.0, "signal_7": 30.0}
    }
    con = duckdb.connect(str(database), read_only=True)
    result = calibrate(con, misguided, lead_days=90, min_churns=30, bootstrap=20)
    con.close()
    profile = result.profiles[0]
    assert profile.status == "calibrated" and profile.penalty is not None
    assert sum(profile.proposed.values()) == pytest.approx(100.0)
    assert max(profile.proposed, key=profile.proposed.get) in {"signal_0", "signal_1"}
    assert all(
        profile.lower[s] <= profile.proposed[s] + 1e-9 <= profile.upper[s] + 2e-9 for s in SIGNALS
    )
    overall = {row["weights"]: row for row in result.comparison if row["group"] == "all"}
    assert overall["proposed"]["auc"] > overall["configured"]["auc"] + 0.03
    assert overall["proposed"]["renewals"] == overall["configured"]["renewals"]
    assert result.split_date < dt.date(2026, 1, 1)


def test_a_profile_with_too_few_churns_keeps_its_configured_weights(tmp_path: Path) -> None:
    scores, churned, dates = synthetic_backtest(n=300)
    database = tmp_path / "w.duckdb"
    write_synthetic_warehouse(database, scores, churned, dates)
    configured = {"default": dict.fromkeys(SIGNALS, 1.0)}
    con = duckdb.connect(str(database), read_only=True)
    result = calibrate(con, configured, lead_days=90, min_churns=10_000, bootstrap=5)
    con.close()
    assert result.profiles[0].status == "kept"
    assert result.profiles[0].proposed == pytest.approx(dict.fromkeys(SIGNALS, 12.5))


def test_adopting_a_proposal_replaces_the_seed_and_keeps_the_previous_one(tmp_path: Path) -> None:
    seed = tmp_path / "weight_profiles.csv"
    seed.write_text("weight_profile,signal,weight\ndefault,csat,5\ndefault,latest_nps,5\n")
    proposal = tmp_path / "proposed_weights.csv"
    proposal.write_text(
        "weight_profile,signal,weight\ndefault,csat,30.00\ndefault,latest_nps,70.00\n"
    )
    printed: list[str] = []
    backup = adopt_weights(proposal, seed=seed, backup_dir=tmp_path / "reports", say=printed.append)
    assert seed.read_text() == proposal.read_text()
    assert "default,csat,5" in backup.read_text()
    assert any("csat" in line and "5 -> 30" in line for line in printed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profile,signal,weight\ndefault,csat,1\n", "must have the columns"),
        ("weight_profile,signal,weight\ndefault,made_up,1\n", "unknown signal"),
        ("weight_profile,signal,weight\ndefault,csat,-1\n", "negative"),
        ("weight_profile,signal,weight\nenterprise,csat,1\n", "no 'default' profile"),
    ],
)
def test_a_bad_proposal_is_refused_and_the_seed_left_alone(
    tmp_path: Path, text: str, message: str
) -> None:
    seed = tmp_path / "weight_profiles.csv"
    seed.write_text("weight_profile,signal,weight\ndefault,csat,5\n")
    proposal = tmp_path / "proposed_weights.csv"
    proposal.write_text(text)
    with pytest.raises(ValueError, match=message):
        adopt_weights(proposal, seed=seed, backup_dir=tmp_path, say=lambda _: None)
    assert seed.read_text() == "weight_profile,signal,weight\ndefault,csat,5\n"
