"""Calibration learns each signal's curve, direction and weight from renewals generated with
known ones, judges them on later renewals at the configured lead times, and says so when the
evidence is too thin."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from orchestration.analysis.calibration import (
    Band,
    NotEnoughEvidence,
    calibrate,
    fit_weights,
    learn_curve,
    propose_bands,
    time_ordered_folds,
    weighted_scores,
    write_proposal,
)
from orchestration.analysis.validation import adopt_proposal, check_proposal, restore_seeds

SIGNALS = ["usage", "payments", "tickets", "noise_a", "noise_b"]
BANDS = [
    ("red", 0.0, 40.0, "Escalate to the account owner", 1),
    ("amber", 40.0, 60.0, "Proactive check-in", 2),
    ("green", 60.0, 100.0, "No action: keep the regular cadence", 3),
]


def test_weighted_scores_renormalise_over_signals_with_data() -> None:
    scores = np.array([[80.0, 20.0, np.nan], [np.nan, np.nan, np.nan]])
    weights = np.array([4.0, 2.0, 2.0])
    result = weighted_scores(scores, weights)
    assert result[0] == pytest.approx((4 * 80 + 2 * 20) / 6)
    assert np.isnan(result[1])


def test_a_learned_curve_has_the_direction_and_shape_of_the_churn_rate() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, 20_000)
    # Churn falls steeply up to 40, then stays flat: a threshold shape.
    rising = learn_curve(x, (rng.random(x.size) < np.where(x < 40, 0.30 - 0.006 * x, 0.06)))
    assert rising is not None and rising.direction == "higher is healthier"
    scores = rising(np.array([5.0, 20.0, 35.0, 60.0, 95.0]))
    assert scores[0] < 20 and scores[1] < scores[2] < scores[3]
    assert scores[3] > 90 and abs(scores[4] - scores[3]) < 10  # flat after the threshold
    # The opposite direction: more of it means more churn.
    falling = learn_curve(x, rng.random(x.size) < 0.02 + 0.002 * x)
    assert falling is not None and falling.direction == "lower is healthier"
    assert falling(np.array([0.0]))[0] > 90 and falling(np.array([100.0]))[0] < 10
    # A constant signal gets no curve.
    assert learn_curve(np.full(100, 3.0), rng.random(100) < 0.5) is None


def test_weights_fit_the_pipelines_own_score() -> None:
    rng = np.random.default_rng(5)
    n = 8000
    scores = rng.uniform(0, 100, (n, 3))
    scores[rng.random(scores.shape) < 0.1] = np.nan
    truth = weighted_scores(scores, np.array([70.0, 30.0, 0.0]))
    churned = (rng.random(n) < 1 / (1 + np.exp(-(2.0 - 0.08 * truth)))).astype(float)
    weights = fit_weights(scores, churned, np.ones(3), strength=0.0001)
    assert weights.sum() == pytest.approx(100.0)
    assert weights[0] > weights[1] > weights[2]
    assert weights[2] < 8
    # A pull worth far more churns than the data holds keeps the prior.
    kept = fit_weights(scores, churned, np.array([1.0, 1.0, 1.0]), strength=1e7)
    assert np.allclose(kept, 100 / 3, atol=1.0)


def test_time_ordered_folds_always_test_on_later_rows() -> None:
    order = np.arange(100)
    folds = time_ordered_folds(order, folds=3)
    assert len(folds) == 3
    for train, test in folds:
        assert train.max() < test.min()
    assert [len(train) for train, _ in folds] == [50, 66, 83]
    assert [len(test) for _, test in folds] == [16, 17, 17]


def test_bands_keep_the_share_of_accounts_each_flagged() -> None:
    configured = [Band(*row) for row in BANDS]
    old = np.concatenate([np.full(10, 30.0), np.full(30, 50.0), np.full(60, 80.0)])
    new = np.linspace(50, 99, 100)  # a score that sits higher: the same shares need new cuts
    bands = propose_bands(configured, old, new)
    shares = [np.mean((new >= b.min_score) & (new < b.max_score)) for b in bands[:-1]]
    assert shares == pytest.approx([0.10, 0.30], abs=0.02)
    assert bands[0].min_score == 0 and bands[-1].max_score == 100
    assert [b.name for b in bands] == ["red", "amber", "green"]


def synthetic_company(n: int = 5000, seed: int = 1) -> dict[str, np.ndarray]:
    """Renewals of known mechanics: usage lowers churn up to a threshold (configured the right
    way round); payments delays raise it, though the configured rule scores more delay as
    healthier (the opposite of the truth); tickets matter a little; two signals are noise."""
    rng = np.random.default_rng(seed)
    raw = {
        "usage": rng.gamma(2.0, 20.0, n),
        "payments": rng.uniform(0, 30, n),
        "tickets": rng.poisson(2.0, n).astype(float),
        "noise_a": rng.normal(0, 1, n),
        "noise_b": rng.uniform(0, 1, n),
    }
    logit = (
        -2.2
        - 1.6 * np.minimum(raw["usage"], 40) / 40
        + 1.8 * raw["payments"] / 30
        + 0.25 * raw["tickets"]
    )
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    raw["usage"][rng.random(n) < 0.1] = np.nan  # some accounts have no product data
    configured = {
        "usage": np.clip(raw["usage"] / 80 * 100, 0, 100),
        "payments": np.clip(raw["payments"] / 30 * 100, 0, 100),  # the wrong way round
        "tickets": np.clip(100 - raw["tickets"] * 20, 0, 100),
        "noise_a": np.clip(50 + 20 * raw["noise_a"], 0, 100),
        "noise_b": raw["noise_b"] * 100,
    }
    dates = np.datetime64("2024-01-01") + np.sort(rng.integers(0, 700, n)).astype("timedelta64[D]")
    return {"raw": raw, "configured": configured, "churned": churned, "dates": dates}


CONFIGURED_WEIGHTS = {"usage": 20.0, "payments": 20.0, "tickets": 20.0, "noise_a": 20.0}


def write_synthetic_warehouse(path: Path, company: dict, leads: tuple[int, ...] = (30, 90)):
    """A warehouse holding only what calibration reads: the backtest signals (each renewal at
    two lead times, 90 the term class's longest), the validation split and the bands."""
    churned, dates = company["churned"], company["dates"]
    n = len(churned)
    weights = np.array([CONFIGURED_WEIGHTS.get(s, 0.0) for s in SIGNALS])
    matrix = np.column_stack([company["configured"][s] for s in SIGNALS])
    matrix[np.isnan(company["raw"]["usage"]), 0] = np.nan
    health = weighted_scores(matrix, weights)
    blocks = [(lead, column, signal) for lead in leads for column, signal in enumerate(SIGNALS)]
    table = pa.table(
        {
            "renewal_id": np.tile([f"r{i}" for i in range(n)], len(blocks)),
            "lead_days": np.repeat([lead for lead, _, _ in blocks], n),
            "is_longest_lead": np.repeat([lead == max(leads) for lead, _, _ in blocks], n),
            "term_class": np.full(n * len(blocks), "annual"),
            "renewal_date": np.tile(dates, len(blocks)),
            "weight_profile": np.full(n * len(blocks), "default"),
            "is_churned": np.tile(churned, len(blocks)),
            "health_score": pa.array(np.tile(health, len(blocks)), from_pandas=True),
            "signal": np.repeat([signal for _, _, signal in blocks], n),
            "raw_value": pa.array(
                np.concatenate([company["raw"][signal] for _, _, signal in blocks]),
                from_pandas=True,
            ),
            "signal_score": pa.array(
                np.concatenate([matrix[:, column] for _, column, _ in blocks]), from_pandas=True
            ),
            "has_data": np.concatenate([~np.isnan(matrix[:, column]) for _, column, _ in blocks]),
        }
    )
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema config")
    con.register("backtest", table)
    con.execute("create table marts.renewal_backtest_signals as select * from backtest")
    con.execute(
        "create table marts.renewal_backtest as select distinct renewal_id, lead_days, "
        "is_longest_lead, term_class from backtest"
    )
    split = np.sort(dates)[int(0.7 * n)]
    con.execute(
        "create table marts.score_validation as select cast(? as date) as validation_split_date",
        [str(split)],
    )
    con.execute(
        "create table config.health_bands as select * from (values "
        + ", ".join(f"('{b[0]}', {b[1]}, {b[2]}, '{b[3]}', {b[4]})" for b in BANDS)
        + ") as t(health_band, min_score, max_score, band_action, band_rank)"
    )
    con.close()


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory):
    database = tmp_path_factory.mktemp("calibration") / "w.duckdb"
    write_synthetic_warehouse(database, synthetic_company())
    con = duckdb.connect(str(database), read_only=True)
    try:
        return calibrate(con, {"default": CONFIGURED_WEIGHTS}, bootstrap=10)
    finally:
        con.close()


def test_calibration_learns_directions_curves_and_weights(calibrated) -> None:
    profile = calibrated.profiles[0]
    assert profile.status == "calibrated"
    evidence = {item.signal: item for item in profile.evidence}
    # The configured rule scores payment delays the wrong way round: the curve turns it over.
    assert evidence["payments"].curve is not None
    assert evidence["payments"].curve.direction == "lower is healthier"
    assert evidence["payments"].cv_auc_rule < 0.5 < evidence["payments"].cv_auc_curve
    # Usage keeps its direction, with the flat top of its threshold shape.
    usage = evidence["usage"]
    assert usage.cv_auc > 0.55
    # Noise gets little weight: none at all when its cross-validated AUC is shown to be near
    # chance; at most a fraction of a real signal's when it happened to rank these renewals.
    strongest = min(profile.proposed["payments"], profile.proposed["usage"])
    for noise in ("noise_a", "noise_b"):
        assert profile.proposed[noise] < strongest / 2
    assert evidence["noise_b"].excluded is not None and "no better than chance" in (
        evidence["noise_b"].decision
    )
    assert profile.proposed["noise_b"] == 0
    ranked = sorted(profile.proposed, key=profile.proposed.get, reverse=True)
    assert set(ranked[:2]) == {"payments", "usage"}
    assert sum(profile.proposed.values()) == pytest.approx(100.0)
    for signal in ("payments", "usage"):
        assert profile.lower[signal] <= profile.proposed[signal] <= profile.upper[signal]


def test_calibration_is_judged_on_later_renewals_at_the_longest_lead(calibrated) -> None:
    assert calibrated.lead_days_judged == {"annual": 90}
    rows = {row["weights"]: row for row in calibrated.comparison if row["group"] == "all"}
    # One row per held-out renewal: only the longest lead time is judged.
    assert rows["proposed"]["renewals"] == calibrated.held_out_renewals
    assert rows["proposed"]["auc"] > rows["configured"]["auc"] + 0.05
    assert rows["proposed"]["bands_ordered"]


def test_too_few_churns_is_said_not_silently_kept(tmp_path: Path) -> None:
    company = synthetic_company(n=300, seed=4)
    company["churned"][:] = 0
    company["churned"][:3] = 1
    database = tmp_path / "thin.duckdb"
    write_synthetic_warehouse(database, company)
    con = duckdb.connect(str(database), read_only=True)
    with pytest.raises(NotEnoughEvidence, match="3 churned .* too little evidence"):
        calibrate(con, {"default": CONFIGURED_WEIGHTS})
    con.close()


def test_a_proposal_is_adopted_into_the_seeds_with_a_backup(calibrated, tmp_path: Path) -> None:
    proposal = write_proposal(calibrated, tmp_path / "proposal")
    assert set(check_proposal(proposal)) == {
        "weight_profiles.csv",
        "signal_scoring_curves.csv",
        "health_bands.csv",
    }
    with (proposal / "signal_scoring_curves.csv").open(newline="") as handle:
        curves = {row["signal"] for row in csv.DictReader(handle)}
    assert "payments" in curves
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("weight_profiles.csv", "signal_scoring_curves.csv", "health_bands.csv"):
        (seeds / name).write_text("placeholder\n")
    (seeds / "weight_profiles.csv").write_text(
        "weight_profile,signal,weight\ndefault,usage,20\ndefault,noise_a,20\n"
    )
    printed: list[str] = []
    backup = adopt_proposal(
        proposal, seeds_dir=seeds, backup_dir=tmp_path / "old", say=printed.append
    )
    assert (seeds / "weight_profiles.csv").read_text() == (
        proposal / "weight_profiles.csv"
    ).read_text()
    assert (backup / "weight_profiles.csv").read_text().startswith("weight_profile,signal,weight")
    assert any("noise_a" in line for line in printed)
    # A rescore that fails puts the previous seeds back (healthscore adopt does on any failure).
    restore_seeds(backup, seeds_dir=seeds)
    assert (seeds / "weight_profiles.csv").read_text().endswith("default,noise_a,20\n")
    assert (seeds / "health_bands.csv").read_text() == "placeholder\n"


def test_a_broken_proposal_is_refused_with_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "proposal"
    folder.mkdir()
    (folder / "weight_profiles.csv").write_text("weight_profile,signal,weight\nsmb,usage,-3\n")
    with pytest.raises(ValueError, match="negative"):
        check_proposal(folder)
    (folder / "weight_profiles.csv").write_text("weight_profile,signal,weight\nsmb,usage,3\n")
    with pytest.raises(ValueError, match="no 'default' profile"):
        check_proposal(folder)
    (folder / "weight_profiles.csv").write_text("weight_profile,signal,weight\ndefault,usage,3\n")
    (folder / "health_bands.csv").write_text(
        "health_band,min_score,max_score,band_action,band_rank\nred,0,40,x,1\ngreen,50,100,y,2\n"
    )
    with pytest.raises(ValueError, match="cover 0 to 100"):
        check_proposal(folder)
