"""The two pages people read after every refresh: the validation report (validation_report.html,
the score judged against the renewals that happened, without the calibration, which the
quarterly weight_calibration asset adds) and the weekly customer review (weekly_review.html,
archived per as-of date under reviews/). Both are rewritten by every run that rebuilds the
marts they read: the daily refresh, the sensor's runs, a backfill. The analysis modules they
call are imported when they run (they load matplotlib), not when the code location loads."""

from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.defs.dbt import dbt_model_key
from orchestration.defs.resources import WarehouseResource
from orchestration.runtime.warehouse import keep_spark

if TYPE_CHECKING:
    from orchestration.analysis.validation import ValidationOutcome

# The relations each page reads (orchestration/analysis/report.py, findings.py, review.py).
VALIDATION_READS = (
    "score_validation",
    "score_validation_bands",
    "renewal_backtest",
    "renewal_probability_calibration",
    "validation_thresholds",
    "account_health",
    "signal_catalogue",
    "int_signal_catalogue",
    "alert_follow_ups",
    "alert_follow_up_effect",
)
REVIEW_READS = (
    "account_health",
    "account_health_history",
    "account_signals",
    "int_signal_catalogue",
    "health_alerts",
    "expansion_candidates",
    "health_bands",
    "score_validation",
    "score_validation_bands",
    "renewal_backtest",
    "renewal_probability_calibration",
    "validation_thresholds",
    "alert_follow_ups",
    "alert_follow_up_effect",
)


def fenced(text: str) -> dg.MetadataValue:
    """Terminal text as markdown that keeps its lines and columns in the UI."""
    return dg.MetadataValue.md(f"```\n{text}\n```")


def unfenced(markdown: str) -> str:
    """The text fenced() wrapped."""
    return markdown.removeprefix("```\n").removesuffix("\n```")


def validate(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, *, calibrate: bool
) -> tuple["ValidationOutcome", dict[str, object]]:
    """Run the validation (and the calibration when `calibrate`), rewriting the report; return
    its outcome and the metadata both validating assets show: what `healthscore validate`
    prints and the report's path."""
    # Imported here: it loads matplotlib (and scikit-learn, SciPy for the calibration), which
    # loading the code location (every run, every UI reload) should not pay for.
    from orchestration.analysis.validation import run_validation, validation_lines

    # Its reads share one session on a Spark target, stopped when the step ends (keep_spark).
    with keep_spark():
        outcome = run_validation(
            warehouse.location(),
            Path(warehouse.reports_dir),
            # The demo company's known truth, when the landing folder holds one (not on a target).
            landing=None if warehouse.on_target else Path(warehouse.landing_dir),
            say=context.log.info,
            calibrate=calibrate,
        )
    metadata: dict[str, object] = {
        "summary": fenced(
            "\n".join(
                validation_lines(
                    outcome, warehouse.location() if warehouse.on_target else warehouse.database
                )
            )
        ),
        "report": dg.MetadataValue.path(str(outcome.report)),
    }
    return outcome, metadata


@dg.asset(
    key=dg.AssetKey(["validation_report"]),
    deps=[dbt_model_key(name) for name in VALIDATION_READS],
    group_name="validation",
    description="validation_report.html: past scores judged against the renewals that "
    "happened, in words and charts, rewritten by every refresh (without the calibration, which "
    "weight_calibration adds).",
    kinds={"python", "html"},
)
def validation_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    _, metadata = validate(context, warehouse, calibrate=False)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=dg.AssetKey(["weekly_review"]),
    deps=[dbt_model_key(name) for name in REVIEW_READS],
    group_name="alerts",
    description="weekly_review.html, the weekly customer review: band changes with their "
    "drivers in words, red and amber accounts by revenue at risk, expansion candidates, "
    "accounts without an owner, the closed loop; an archived copy per as-of date under "
    "reviews/.",
    kinds={"python", "html"},
)
def weekly_review(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from orchestration.analysis.review import write_review

    with keep_spark():  # one session on a Spark target for the page's reads
        outcome = write_review(warehouse.location(), Path(warehouse.reports_dir))
    data = outcome.data
    return dg.MaterializeResult(
        metadata={
            "summary": fenced(outcome.text),
            "as_of_date": dg.MetadataValue.text(outcome.as_of.isoformat()),
            "page": dg.MetadataValue.path(str(outcome.html)),
            "band_changes": dg.MetadataValue.int(len(data.changes)),
            "accounts_at_risk": dg.MetadataValue.int(len(data.at_risk)),
            "expansion_candidates": dg.MetadataValue.int(len(data.candidates)),
            "customers_without_owner": dg.MetadataValue.int(data.unowned_customers),
            "new_alerts": dg.MetadataValue.int(data.alerts.logged),
            "new_provisional_alerts": dg.MetadataValue.int(data.alerts.provisional),
        }
    )
