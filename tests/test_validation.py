"""The validation marts of a built warehouse, recomputed independently in Python."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from orchestration.analysis.metrics import top_decile_lift
from tests.conftest import BuiltWarehouse, GeneratedCompany, query


def test_renewal_outcomes_agree_with_the_generators_hidden_truth(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany
) -> None:
    with (small_company.landing / "_truth" / "renewal_truth.csv").open(newline="") as handle:
        truth = {
            (row["account_id"], row["end_date"]): int(row["churned"])
            for row in csv.DictReader(handle)
        }
    outcomes = query(
        built_warehouse.database,
        "select account_id, cast(renewal_date as varchar), outcome from marts.renewal_outcomes",
    )
    assert len(outcomes) > 500
    decided = {(a, d): outcome for a, d, outcome in outcomes if outcome != "pending"}
    assert {key: int(outcome == "churned") for key, outcome in decided.items()} == {
        key: churned for key, churned in truth.items() if key in decided
    }
    assert all(truth[(a, d)] == 1 for a, d, outcome in outcomes if outcome == "pending")
    assert {"renewed", "churned"} <= {outcome for *_, outcome in outcomes}


def backtest_rows(
    database, lead: int, segment: str | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    sql = (
        "select renewal_id, is_churned, health_score from marts.renewal_backtest "
        "where is_scored and lead_days = ?"
    )
    params: list[object] = [lead]
    if segment is not None:
        sql += " and segment = ?"
        params.append(segment)
    rows = sorted(query(database, sql, params))
    return (
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
        [r[0] for r in rows],
    )


def test_sql_auc_equals_scikit_learn_for_every_segment_and_lead(
    built_warehouse: BuiltWarehouse,
) -> None:
    groups = query(
        built_warehouse.database,
        """
        select segment_group, lead_days, auc, renewals from marts.score_validation
        where subject = 'health_score' and auc is not null""",
    )
    assert len(groups) >= 6
    for segment, lead, auc, renewals in groups:
        churned, score, _ = backtest_rows(
            built_warehouse.database, lead, None if segment == "all" else segment
        )
        assert len(churned) == renewals
        assert auc == pytest.approx(roc_auc_score(churned, -score), abs=1e-6), (segment, lead)


def test_sql_bootstrap_interval_matches_a_python_bootstrap(built_warehouse: BuiltWarehouse) -> None:
    low, high, auc, replicates = query(
        built_warehouse.database,
        """
        select auc_ci_lower, auc_ci_upper, auc, bootstrap_replicates from marts.score_validation
        where subject = 'health_score' and segment_group = 'all' and lead_days = 14""",
    )[0]
    churned, score, _ = backtest_rows(built_warehouse.database, 14)
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(2000):
        sample = rng.integers(0, len(churned), len(churned))
        draws.append(roc_auc_score(churned[sample], -score[sample]))
    python_low, python_high = np.percentile(draws, [2.5, 97.5])
    assert replicates == 1000
    assert low < auc < high
    assert low == pytest.approx(python_low, abs=0.03)
    assert high == pytest.approx(python_high, abs=0.03)


def test_sql_lift_and_band_rates_match_python(built_warehouse: BuiltWarehouse) -> None:
    lift, bands_text = query(
        built_warehouse.database,
        """
        select top_decile_lift, band_churn_rates from marts.score_validation
        where subject = 'health_score' and segment_group = 'all' and lead_days = 60""",
    )[0]
    bounds = {
        band: (low, high if high < 100 else 100.1)
        for band, low, high in query(
            built_warehouse.database,
            "select health_band, min_score, max_score from config.health_bands",
        )
    }
    churned, score, _ = backtest_rows(built_warehouse.database, 60)
    assert lift == pytest.approx(top_decile_lift(churned, 100 - score))
    for band, rate, count in re.findall(r"(\w+) ([\d.]+)% of (\d+)", bands_text):
        low, high = bounds[band]
        mask = (score >= low) & (score < high)
        assert int(count) == mask.sum()
        assert float(rate) == pytest.approx(100 * churned[mask].mean(), abs=0.05)


def test_renewal_probability_curve_matches_scikit_learn(built_warehouse: BuiltWarehouse) -> None:
    intercept, slope = query(
        built_warehouse.database,
        """
        select intercept, slope from intermediate.int_renewal_probability_fits
        where fit_scope = 'all' and is_overall""",
    )[0]
    rows = query(
        built_warehouse.database,
        "select health_score, is_churned from intermediate.int_renewal_backtest_scores "
        "where is_scored",
    )
    x = np.array([[r[0] / 100] for r in rows])
    renewed = 1 - np.array([r[1] for r in rows])
    # The same objective: ridge 1/2 slope^2 with a free intercept, solved to convergence.
    model = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(x, renewed)
    if model.coef_[0][0] >= 0:
        assert slope == pytest.approx(model.coef_[0][0], abs=1e-6)
        assert intercept == pytest.approx(model.intercept_[0], abs=1e-6)
    else:  # the curve is kept monotone: a falling fit becomes the flat base rate
        assert slope == 0


def test_brier_score_is_recomputed_on_held_out_renewals(built_warehouse: BuiltWarehouse) -> None:
    brier, renewals, split = query(
        built_warehouse.database,
        """
        select brier_score, brier_renewals, validation_split_date from marts.score_validation
        where subject = 'health_score' and segment_group = 'all' and lead_days = 14""",
    )[0]
    rows = query(
        built_warehouse.database,
        """
        select renewal_probability, is_churned from intermediate.int_validation_observations
        where subject = 'health_score' and segment_group = 'all' and lead_days = 14
          and renewal_date > ?""",
        [split],
    )
    assert renewals == len(rows) > 50
    assert brier == pytest.approx(np.mean([(p - (1 - c)) ** 2 for p, c in rows]))


def test_the_run_prints_the_validation_figures_and_writes_the_report(
    built_warehouse: BuiltWarehouse,
) -> None:
    text = built_warehouse.output
    assert "Validation against actual renewals" in text
    assert re.search(
        r" 90 days before renewal \(annual terms\): AUC 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]", text
    )
    assert re.search(r" 14 days before renewal \(monthly terms\): AUC 0\.\d{3}", text)
    assert "Calibration: learned on the " in text and "proposal: " in text
    report = built_warehouse.database.parent / "reports" / "validation_report.html"
    assert f"Report: {report}" in text
    page = report.read_text()
    assert page.count("<img ") == 5 and "ROC curves" in page and "Churn rate per band" in page
