"""Learn curves and weights from past renewals and publish the proposal with its evidence. Not
part of the daily refresh: it runs on demand or quarterly (automation.py), and never adopts
anything."""

import dagster as dg

from orchestration.defs.dbt import dbt_model_key
from orchestration.defs.reports import validate
from orchestration.defs.resources import WarehouseResource


def _markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [
        "| "
        + " | ".join(
            "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row
        )
        + " |"
        for row in rows
    ]
    return "\n".join(lines)


@dg.asset(
    key=dg.AssetKey(["weight_calibration"]),
    deps=[dbt_model_key("score_validation"), dbt_model_key("renewal_backtest_signals")],
    group_name="validation",
    description="Proposed scoring curves, weights and bands learned from past renewals, judged on "
    "later ones, and the validation report.",
    kinds={"python", "scikit-learn"},
)
def weight_calibration(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    # What `healthscore validate` prints (and `healthscore demo`, which runs this asset).
    outcome, metadata = validate(context, warehouse, calibrate=True)
    calibration = outcome.calibration
    if calibration is None:
        metadata["status"] = dg.MetadataValue.text(outcome.skipped_calibration or "skipped")
        return dg.MaterializeResult(metadata=metadata)
    metadata["proposal"] = dg.MetadataValue.path(str(outcome.proposal))
    metadata["comparison"] = dg.MetadataValue.md(_markdown_table(*calibration.comparison_table()))
    metadata["proposed_weights"] = dg.MetadataValue.md(
        _markdown_table(
            ["profile", "status", "signal", "decision", "configured", "proposed", "95% interval"],
            [
                [
                    p.profile,
                    p.status,
                    item.signal,
                    item.decision,
                    p.configured[item.signal],
                    p.proposed[item.signal],
                    f"{p.lower[item.signal]:.1f}-{p.upper[item.signal]:.1f}"
                    if item.signal in p.lower
                    else "-",
                ]
                for p in calibration.profiles
                for item in sorted(p.evidence, key=lambda e: -p.proposed[e.signal])
                if p.proposed[item.signal] > 0 or p.configured[item.signal] > 0
            ],
        )
    )
    for row in calibration.comparison:
        if row["group"] == "all" and row["auc"] is not None:
            metadata[f"held_out_auc_{row['weights']}"] = dg.MetadataValue.float(float(row["auc"]))
    metadata["adopt_with"] = dg.MetadataValue.text(
        f"HEALTHSCORE_TARGET={warehouse.target} healthscore adopt --proposal {outcome.proposal}"
        if warehouse.on_target
        else f"healthscore adopt --proposal {outcome.proposal} --database {warehouse.database_path}"
    )
    return dg.MaterializeResult(metadata=metadata)
