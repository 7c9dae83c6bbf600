"""Send new health alerts to the configured destination, each exactly once."""

from pathlib import Path

import dagster as dg

from orchestration.defs.dbt import PipelineConfig, dbt_model_key
from orchestration.defs.resources import AlertDestinationResource, WarehouseResource
from orchestration.runtime.notifier import default_delivery_log, send_new_alerts


@dg.asset(
    key=dg.AssetKey(["alert_notifications"]),
    deps=[dbt_model_key("health_alerts")],
    group_name="alerts",
    description="New open alerts of the last days, sent to the JSON-lines file or the webhook, "
    "never twice (the delivery log beside the alerts file records them); the first delivery "
    "sends only those of the last HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS (default: the as-of "
    "date).",
    kinds={"python"},
)
def alert_notifications(
    warehouse: WarehouseResource, alerts: AlertDestinationResource, config: PipelineConfig
) -> dg.MaterializeResult:
    alerts_file = Path(alerts.jsonl_path)
    result = send_new_alerts(
        warehouse.location(),
        jsonl_path=None if alerts.webhook_url else alerts_file,
        webhook_url=alerts.webhook_url,
        as_of=config.resolved_as_of(warehouse),
        lookback_days=alerts.lookback_days,
        delivery_log=default_delivery_log(alerts_file),
    )
    return dg.MaterializeResult(
        metadata={
            "destination": dg.MetadataValue.text(result.destination),
            "sent": dg.MetadataValue.int(result.sent),
            "already_sent": dg.MetadataValue.int(result.already_sent),
            "open_alerts_in_window": dg.MetadataValue.int(result.candidates),
            "first_delivery": dg.MetadataValue.bool(result.first_delivery),
            "skipped_before_first_delivery": dg.MetadataValue.int(result.skipped),
        }
    )
