"""Send new health alerts to the configured destination, each exactly once."""

from pathlib import Path

import dagster as dg

from orchestration.defs.dbt import PipelineConfig, dbt_model_key
from orchestration.defs.resources import AlertDestinationResource, WarehouseResource
from orchestration.lib.notifier import send_new_alerts


@dg.asset(
    key=dg.AssetKey(["alert_notifications"]),
    deps=[dbt_model_key("health_alerts")],
    group_name="alerts",
    description="New open alerts of the last days, sent to the JSON-lines file or the webhook, "
    "never twice.",
    kinds={"python"},
)
def alert_notifications(
    warehouse: WarehouseResource, alerts: AlertDestinationResource, config: PipelineConfig
) -> dg.MaterializeResult:
    result = send_new_alerts(
        Path(warehouse.database_path),
        jsonl_path=None if alerts.webhook_url else Path(alerts.jsonl_path),
        webhook_url=alerts.webhook_url,
        as_of=config.resolved_as_of(warehouse),
        lookback_days=alerts.lookback_days,
    )
    return dg.MaterializeResult(
        metadata={
            "destination": dg.MetadataValue.text(result.destination),
            "sent": dg.MetadataValue.int(result.sent),
            "already_sent": dg.MetadataValue.int(result.already_sent),
            "open_alerts_in_window": dg.MetadataValue.int(result.candidates),
        }
    )
