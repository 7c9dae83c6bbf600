"""Send new health alerts to a destination, each exactly once.

The destination is a JSON-lines file (one alert per line, appended) or a webhook URL (an HTTP
POST of the alert as JSON per alert). The warehouse table notifications.sent_alerts records
what was sent where; an alert found there is never sent again, whatever the destination.
Only alerts detected in the last `lookback_days` before the run's date are candidates, so a
first run on two years of history does not send two years of alerts.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb

ALERT_COLUMNS = (
    "alert_id",
    "account_id",
    "account_name",
    "csm_owner",
    "detected_on",
    "alert_type",
    "old_band",
    "new_band",
    "health_score",
    "score_change",
    "change_drivers",
    "action",
)


@dataclass
class NotificationResult:
    destination: str
    sent: int
    already_sent: int
    candidates: int


def _ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists notifications")
    con.execute(
        """create table if not exists notifications.sent_alerts (
            alert_id varchar primary key, destination varchar, sent_at timestamp)"""
    )


def _post(url: str, payload: dict[str, object], timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
        if response.status >= 300:
            raise RuntimeError(f"Webhook {url} answered HTTP {response.status}.")


def send_new_alerts(
    database: Path,
    *,
    jsonl_path: Path | None = None,
    webhook_url: str | None = None,
    as_of: dt.date | None = None,
    lookback_days: int = 7,
    timeout: float = 10.0,
) -> NotificationResult:
    """Send every open alert detected in the lookback window that was never sent before."""
    if (jsonl_path is None) == (webhook_url is None):
        raise ValueError("Give exactly one destination: a JSON-lines file or a webhook URL.")
    destination = webhook_url or str(jsonl_path)
    con = duckdb.connect(str(database))
    try:
        _ensure_state(con)
        as_of = (
            as_of or con.execute("select max(detected_on) from marts.health_alerts").fetchone()[0]
        )
        if as_of is None:
            return NotificationResult(destination, 0, 0, 0)
        since = as_of - dt.timedelta(days=lookback_days)
        columns = ", ".join(f"alerts.{column}" for column in ALERT_COLUMNS)
        rows = con.execute(
            f"""
            select {columns}, sent.alert_id is not null as was_sent
            from marts.health_alerts as alerts
            left join notifications.sent_alerts as sent using (alert_id)
            where alerts.is_open and alerts.detected_on > ? and alerts.detected_on <= ?
            order by alerts.detected_on, alerts.alert_id
            """,
            [since, as_of],
        ).fetchall()
        sent = 0
        for row in rows:
            if row[-1]:
                continue
            alert = {column: value for column, value in zip(ALERT_COLUMNS, row[:-1], strict=True)}
            alert["detected_on"] = alert["detected_on"].isoformat()
            if webhook_url:
                _post(webhook_url, alert, timeout)
            else:
                assert jsonl_path is not None
                jsonl_path.parent.mkdir(parents=True, exist_ok=True)
                with jsonl_path.open("a") as handle:
                    handle.write(json.dumps(alert) + "\n")
            # Recorded right after each send, so a failure part-way never re-sends the earlier ones.
            con.execute(
                "insert into notifications.sent_alerts values (?, ?, ?)",
                [alert["alert_id"], destination, dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            )
            sent += 1
        return NotificationResult(destination, sent, len(rows) - sent, len(rows))
    finally:
        con.close()
