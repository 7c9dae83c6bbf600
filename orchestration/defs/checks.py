"""Checks on the score mart that compare past scores with the renewals that happened:
AUC above a floor and churn rates ordered red > amber > green, each at the longest lead time of
every term class (healthscore_lead_times_days, as the run that built the warehouse used them),
and coverage above a floor. Thresholds: the vars healthscore_check_* in dbt_project.yml (a --vars
override too), as the build wrote them to marts.validation_thresholds. A failure shows its
figures in the check's metadata; a check that cannot be judged says so and does not pass. They
read the warehouse the run built: the DuckDB file, or the dbt target (runtime/warehouse.py)."""

import dagster as dg

from orchestration.analysis.validation_checks import (
    Thresholds,
    ThresholdsMissing,
    Verdict,
    combine_verdicts,
    judge_coverage,
    judge_lead,
    read_lead_figures,
    read_thresholds,
)
from orchestration.defs.dbt import SCORE_ASSET, dbt_model_key
from orchestration.defs.resources import WarehouseResource
from orchestration.runtime.warehouse import Warehouse, connect

SCORE = SCORE_ASSET
THRESHOLDS = dbt_model_key("validation_thresholds")
VALIDATION = [
    dbt_model_key("score_validation"),
    dbt_model_key("score_validation_bands"),
    THRESHOLDS,
]


def _result(check_name: str, verdict: Verdict) -> dg.AssetCheckResult:
    metadata = {key: value for key, value in verdict.metadata.items() if value is not None}
    metadata["judged"] = verdict.judged
    return dg.AssetCheckResult(
        asset_key=SCORE,
        check_name=check_name,
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN,
        description=verdict.description,
        metadata=metadata,
    )


def _thresholds(con: Warehouse) -> Thresholds:
    """The thresholds the warehouse was built with; a warehouse without them fails the check
    with one line saying how to fix it."""
    try:
        return read_thresholds(con)
    except ThresholdsMissing as error:
        raise dg.Failure(description=str(error)) from None


def _judged_leads(con: Warehouse) -> list[int]:
    """The longest lead time of each term class the backtest holds."""
    rows = con.execute(
        "select distinct lead_days from marts.renewal_backtest where is_longest_lead order by 1"
    ).fetchall()
    return [int(row[0]) for row in rows]


@dg.asset_check(
    asset=SCORE,
    additional_deps=VALIDATION,
    name="auc_above_floor",
    description="Past scores rank the accounts that churned below those that renewed.",
)
def auc_above_floor(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    con = connect(warehouse.location())
    try:
        limits = _thresholds(con)
        verdicts = []
        for lead in _judged_leads(con):
            verdicts.append(judge_lead(read_lead_figures(con, lead), limits, lead_days=lead)[0])
    finally:
        con.close()
    return _result("auc_above_floor", combine_verdicts(verdicts))


@dg.asset_check(
    asset=SCORE,
    additional_deps=VALIDATION,
    name="band_churn_rates_ordered",
    description="Red accounts churned more than amber ones, and amber more than green.",
)
def band_churn_rates_ordered(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    con = connect(warehouse.location())
    try:
        limits = _thresholds(con)
        verdicts = []
        for lead in _judged_leads(con):
            verdicts.append(judge_lead(read_lead_figures(con, lead), limits, lead_days=lead)[1])
    finally:
        con.close()
    return _result("band_churn_rates_ordered", combine_verdicts(verdicts))


@dg.asset_check(
    asset=SCORE,
    additional_deps=[THRESHOLDS],
    name="coverage_above_floor",
    description="Scores rest on enough data: the signals with data carry enough weight.",
)
def coverage_above_floor(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    con = connect(warehouse.location())
    try:
        limits = _thresholds(con)
        mean, scored, insufficient = con.execute(
            """select avg(coverage) filter (where health_score is not null),
                      count(health_score),
                      count(*) filter (where score_status = 'insufficient_coverage')
               from marts.account_health where is_customer"""
        ).fetchone()
    finally:
        con.close()
    return _result(
        "coverage_above_floor",
        judge_coverage(mean, scored, insufficient, floor=limits.min_coverage),
    )
