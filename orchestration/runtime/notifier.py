"""Send new health alerts to a destination, each exactly once.

The destination is a JSON-lines file (one alert per line, appended) or a webhook URL (an HTTP
POST of the alert as JSON per alert). Each alert carries its drivers as keys
(change_drivers) and in plain words (change_drivers_text, top_negative_drivers_text), and who
is to act (action_owner: the account's owner, else the default owner; is_owner_assigned).

What was delivered is recorded outside the warehouse, in a delivery log beside the alerts file
(`delivered.jsonl`, one line per alert: sent, or skipped by the first delivery): the warehouse
is replaced whole by every build (and rebuilt from scratch by a full refresh), and BI tools hold
it open, so the notifier only reads it. An alert in the delivery log, in the alerts file (for
the file destination) or in the table notifications.sent_alerts that earlier versions kept in
the warehouse is never sent again, whatever the destination; a rerun sends nothing new.

Candidates are the open alerts of marts.health_alerts detected in the last `lookback_days`
before the run's as-of date (a run missed, or an alert logged late, is caught up within it).
The first delivery (nothing recorded yet) sends only those detected in the last
`first_delivery_days` (default 1: the as-of date itself) and records the older candidates as
skipped, so switching notifications on does not send the backlog of the past days.

HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS  the first delivery's horizon in days (default 1: only
                                       alerts detected on the as-of date; 0 sends nothing and
                                       only records what is open)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from orchestration.runtime import warehouse
from orchestration.runtime.warehouse import Location

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
    "is_provisional",
    # In plain words (signal labels from the catalogue, each phrased by what it means), and who
    # acts: the owner, else the default owner (healthscore_default_owner), flagged.
    "change_drivers_text",
    "top_negative_drivers_text",
    "action_owner",
    "is_owner_assigned",
)
DELIVERY_LOG_NAME = "delivered.jsonl"
FIRST_DELIVERY_DAYS_ENV = "HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS"
DEFAULT_FIRST_DELIVERY_DAYS = 1


@dataclass
class NotificationResult:
    destination: str
    sent: int
    already_sent: int
    candidates: int
    first_delivery: bool = False
    skipped: int = 0


def first_delivery_days_from_env() -> int:
    """The first delivery's horizon: HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS, else 1."""
    text = os.environ.get(FIRST_DELIVERY_DAYS_ENV, "").strip()
    if not text:
        return DEFAULT_FIRST_DELIVERY_DAYS
    if not text.isdigit():
        raise ValueError(
            f"{FIRST_DELIVERY_DAYS_ENV} must be a whole number of days (0 or more), got {text!r}."
        )
    return int(text)


def default_delivery_log(alerts_file: Path) -> Path:
    """The delivery log beside the alerts file (used for the webhook destination too)."""
    return alerts_file.with_name(DELIVERY_LOG_NAME)


def _alert_ids(path: Path) -> set[str]:
    """The alert_id of every JSON line of `path` (none when it does not exist). A line cut
    short by a crash is ignored."""
    if not path.exists():
        return set()
    ids = set()
    with path.open() as handle:
        for line in handle:
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("alert_id"):
                    ids.add(str(record["alert_id"]))
    return ids


def _legacy_sent(con: warehouse.Warehouse) -> set[str]:
    """Alerts recorded as sent in the warehouse by earlier versions of the notifier."""
    if not con.table_exists("notifications", "sent_alerts"):
        return set()
    return {
        row[0] for row in con.execute("select alert_id from notifications.sent_alerts").fetchall()
    }


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    """The delivery log opened for appending, locked for the whole delivery where the system
    allows it (two deliveries at once would otherwise both send an alert)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield handle
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _append(handle: IO[str], record: dict[str, object]) -> None:
    handle.write(json.dumps(record) + "\n")
    handle.flush()
    os.fsync(handle.fileno())


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


def _json_value(value: object) -> object:
    """A value of an alert row as JSON writes it, whatever the engine's driver returned
    (PostgreSQL's numeric arrives as Decimal, Spark's timestamps as datetime)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def send_new_alerts(
    database: Location,
    *,
    jsonl_path: Path | None = None,
    webhook_url: str | None = None,
    as_of: dt.date | None = None,
    lookback_days: int = 7,
    first_delivery_days: int | None = None,
    delivery_log: Path | None = None,
    timeout: float = 10.0,
) -> NotificationResult:
    """Send every open alert detected in the lookback window that was never delivered (on the
    first delivery, only those detected in the last `first_delivery_days`, default from
    HEALTHSCORE_ALERT_FIRST_DELIVERY_DAYS). `delivery_log` defaults to `delivered.jsonl` beside
    the alerts file, or in `alerts/` beside the warehouse for a webhook (on a dbt target, in
    the alerts folder of the settings, HEALTHSCORE_ALERTS_FILE's).

    `database` is the DuckDB file or a dbt target (runtime/warehouse.py): the alerts are read
    from its marts.health_alerts either way, and what was delivered is recorded outside it."""
    if (jsonl_path is None) == (webhook_url is None):
        raise ValueError("Give exactly one destination: a JSON-lines file or a webhook URL.")
    if first_delivery_days is None:
        first_delivery_days = first_delivery_days_from_env()
    if first_delivery_days < 0 or lookback_days < 0:
        raise ValueError("lookback_days and first_delivery_days must be 0 or more.")
    destination = webhook_url or str(jsonl_path)
    if delivery_log is None:
        if jsonl_path is not None:
            delivery_log = default_delivery_log(jsonl_path)
        elif isinstance(database, Path):
            delivery_log = default_delivery_log(Path(database).parent / "alerts" / "alerts.jsonl")
        else:
            from orchestration.runtime.settings import settings_from_env

            delivery_log = default_delivery_log(settings_from_env().alerts_file)
    if jsonl_path is not None and delivery_log.resolve() == jsonl_path.resolve():
        raise ValueError("The delivery log must be another file than the alerts file.")

    with warehouse.connected(database) as con:
        if as_of is None:
            latest = con.execute("select max(detected_on) from marts.health_alerts").fetchone()[0]
            as_of = None if latest is None else _as_date(latest)
        if as_of is None:
            return NotificationResult(destination, 0, 0, 0)
        columns = ", ".join(f"alerts.{column}" for column in ALERT_COLUMNS)
        rows = con.execute(
            f"""
            select {columns}
            from marts.health_alerts as alerts
            where alerts.is_open and alerts.detected_on > ? and alerts.detected_on <= ?
            order by alerts.detected_on, alerts.alert_id
            """,
            [as_of - dt.timedelta(days=lookback_days), as_of],
        ).fetchall()
        legacy = _legacy_sent(con)

    with _locked(delivery_log) as log:
        recorded = _alert_ids(delivery_log)
        in_file = _alert_ids(jsonl_path) if jsonl_path is not None else set()
        delivered = recorded | in_file | legacy
        first = not delivered
        horizon = as_of - dt.timedelta(days=first_delivery_days)
        sent = skipped = 0
        for row in rows:
            alert = {
                column: _json_value(value) for column, value in zip(ALERT_COLUMNS, row, strict=True)
            }
            detected_on = _as_date(row[ALERT_COLUMNS.index("detected_on")])
            alert["detected_on"] = detected_on.isoformat()
            if alert["alert_id"] in delivered:
                continue
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
            record = {
                "alert_id": alert["alert_id"],
                "detected_on": alert["detected_on"],
                "destination": destination,
                "recorded_at": now,
            }
            if first and detected_on <= horizon:
                # Before the first delivery's horizon: the backlog, never sent.
                _append(log, {**record, "status": "skipped"})
                skipped += 1
                continue
            if webhook_url:
                _post(webhook_url, alert, timeout)
            else:
                assert jsonl_path is not None
                jsonl_path.parent.mkdir(parents=True, exist_ok=True)
                with jsonl_path.open("a") as handle:
                    _append(handle, alert)
            # Recorded right after each send, so a failure part-way never re-sends the earlier ones.
            _append(log, {**record, "status": "sent"})
            sent += 1
    return NotificationResult(
        destination,
        sent,
        len(rows) - sent - skipped,
        len(rows),
        first_delivery=first,
        skipped=skipped,
    )
