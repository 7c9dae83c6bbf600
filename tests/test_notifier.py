"""The alert notifier on small hand-made warehouses: the first delivery sends only the alerts of
its horizon, later deliveries never send an alert twice, a rerun sends nothing, and the records
of what was delivered live outside the warehouse (which the notifier only reads)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

from orchestration.runtime.notifier import (
    FIRST_DELIVERY_DAYS_ENV,
    default_delivery_log,
    send_new_alerts,
)

SUNDAY = dt.date(2026, 6, 21)  # a scoring date (weekly cadence)
FRIDAY = dt.date(2026, 6, 26)  # an as-of date between scoring dates
NEXT_SUNDAY = dt.date(2026, 6, 28)


def alert(
    account: str,
    detected_on: dt.date,
    *,
    scoring_date: dt.date | None = None,
    is_open: bool = True,
) -> tuple:
    """A row of marts.health_alerts; provisional when its scoring date is not detected_on."""
    scoring_date = scoring_date or detected_on
    return (
        f"{account}|green>amber|{scoring_date}",
        account,
        f"Account {account}",
        "ana" if account != "a6" else None,
        detected_on,
        "check_in",
        "green",
        "amber",
        55.0,
        -8.0,
        "csm_sentiment (-6.0)",
        "Proactive check-in",
        scoring_date != detected_on,
        is_open,
        None if is_open else NEXT_SUNDAY,
        "CSM sentiment negative (-6.0 points)",
        "no executive sponsor contact for 200 days (-4.1 points)",
        "ana" if account != "a6" else "Customer success queue",
        account != "a6",
    )


def warehouse(path: Path, rows: list[tuple]) -> Path:
    """A warehouse holding only marts.health_alerts (replaced whole, as a build publishes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        """create table marts.health_alerts (
            alert_id varchar, account_id varchar, account_name varchar, csm_owner varchar,
            detected_on date, alert_type varchar, old_band varchar, new_band varchar,
            health_score double, score_change double, change_drivers varchar, action varchar,
            is_provisional boolean, is_open boolean, resolved_on date,
            change_drivers_text varchar, top_negative_drivers_text varchar,
            action_owner varchar, is_owner_assigned boolean)"""
    )
    if rows:
        con.executemany(f"insert into marts.health_alerts values ({', '.join('?' * 19)})", rows)
    con.close()
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# Open alerts of the week before Friday, Friday's own and an older closed one.
BACKLOG = [
    alert("a1", SUNDAY),
    alert("a2", SUNDAY - dt.timedelta(days=7)),
    alert("a3", FRIDAY - dt.timedelta(days=2)),
]
FRIDAYS = [alert("a4", FRIDAY, scoring_date=NEXT_SUNDAY), alert("a5", FRIDAY, is_open=False)]


def test_the_first_delivery_sends_only_the_as_of_dates_alerts_and_never_the_backlog(
    tmp_path: Path,
) -> None:
    database = warehouse(tmp_path / "healthscore.duckdb", BACKLOG + FRIDAYS)
    alerts_file = tmp_path / "alerts" / "alerts.jsonl"
    first = send_new_alerts(database, jsonl_path=alerts_file, as_of=FRIDAY)
    # a1 and a3 are open and within the 7-day lookback, but before the horizon: skipped; a2 is
    # older than the lookback; a5 is closed.
    assert (first.first_delivery, first.sent, first.skipped, first.candidates) == (True, 1, 2, 3)
    assert [a["alert_id"] for a in lines(alerts_file)] == [f"a4|green>amber|{NEXT_SUNDAY}"]
    assert lines(alerts_file)[0]["is_provisional"] is True
    log = lines(default_delivery_log(alerts_file))
    assert sorted((r["alert_id"][:2], r["status"]) for r in log) == [
        ("a1", "skipped"),
        ("a3", "skipped"),
        ("a4", "sent"),
    ]

    # The same run again: nothing new.
    again = send_new_alerts(database, jsonl_path=alerts_file, as_of=FRIDAY)
    assert (again.first_delivery, again.sent, again.skipped, again.already_sent) == (False, 0, 0, 3)
    assert len(lines(alerts_file)) == 1

    # Sunday: a4 is confirmed on the scoring date under the same id (not sent again), a6 is new,
    # and the skipped backlog (a3 is still within the lookback) stays unsent.
    sunday_rows = [
        *BACKLOG,
        alert("a4", NEXT_SUNDAY),
        alert("a5", FRIDAY, is_open=False),
        alert("a6", NEXT_SUNDAY),
    ]
    sunday = send_new_alerts(
        warehouse(database, sunday_rows), jsonl_path=alerts_file, as_of=NEXT_SUNDAY
    )
    assert (sunday.first_delivery, sunday.sent) == (False, 1)
    assert [a["alert_id"][:2] for a in lines(alerts_file)] == ["a4", "a6"]
    # The payload says who acts and why in words (a6 has no owner: routed to the queue), and
    # keeps the keys of earlier versions.
    a4, a6 = lines(alerts_file)
    assert (a4["action_owner"], a4["is_owner_assigned"]) == ("ana", True)
    assert (a6["action_owner"], a6["is_owner_assigned"]) == ("Customer success queue", False)
    assert a6["change_drivers_text"] == "CSM sentiment negative (-6.0 points)"
    assert a6["top_negative_drivers_text"].startswith("no executive sponsor contact")
    assert a6["change_drivers"] == "csm_sentiment (-6.0)" and a6["csm_owner"] is None
    assert send_new_alerts(database, jsonl_path=alerts_file, as_of=NEXT_SUNDAY).sent == 0


@pytest.mark.parametrize(("days", "sent", "skipped"), [("0", 0, 3), ("3", 2, 1), ("8", 3, 0)])
def test_the_first_deliverys_horizon_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: str, sent: int, skipped: int
) -> None:
    monkeypatch.setenv(FIRST_DELIVERY_DAYS_ENV, days)
    database = warehouse(tmp_path / "healthscore.duckdb", BACKLOG + FRIDAYS)
    result = send_new_alerts(
        database, jsonl_path=tmp_path / "alerts.jsonl", as_of=FRIDAY, lookback_days=8
    )
    assert (result.sent, result.skipped) == (sent, skipped)
    # Whatever the first delivery sent or skipped, the next sends nothing of it.
    assert send_new_alerts(database, jsonl_path=tmp_path / "alerts.jsonl", as_of=FRIDAY).sent == 0


def test_a_bad_horizon_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FIRST_DELIVERY_DAYS_ENV, "a week")
    database = warehouse(tmp_path / "healthscore.duckdb", FRIDAYS)
    with pytest.raises(ValueError, match=FIRST_DELIVERY_DAYS_ENV):
        send_new_alerts(database, jsonl_path=tmp_path / "alerts.jsonl", as_of=FRIDAY)


def test_records_outlive_the_warehouse_and_older_records_count(tmp_path: Path) -> None:
    """A build replaces the warehouse whole (a full refresh starts it from nothing): what was
    delivered is still known, from the delivery log, from the alerts file when the log is gone,
    and from the table earlier versions kept in the warehouse."""
    database = tmp_path / "healthscore.duckdb"
    alerts_file = tmp_path / "alerts.jsonl"
    everything = BACKLOG + FRIDAYS
    first = send_new_alerts(
        warehouse(database, everything),
        jsonl_path=alerts_file,
        as_of=FRIDAY,
        first_delivery_days=7,
    )
    assert first.sent == 3
    rebuilt = send_new_alerts(warehouse(database, everything), jsonl_path=alerts_file, as_of=FRIDAY)
    assert (rebuilt.first_delivery, rebuilt.sent) == (False, 0)
    default_delivery_log(alerts_file).unlink()  # only the alerts file is left
    assert send_new_alerts(database, jsonl_path=alerts_file, as_of=FRIDAY).sent == 0

    legacy = warehouse(tmp_path / "legacy" / "healthscore.duckdb", everything)
    con = duckdb.connect(str(legacy))
    con.execute("create schema notifications")
    con.execute(
        "create table notifications.sent_alerts "
        "(alert_id varchar primary key, destination varchar, sent_at timestamp)"
    )
    con.execute(
        "insert into notifications.sent_alerts values (?, 'x', now())",
        [f"a4|green>amber|{NEXT_SUNDAY}"],
    )
    con.close()
    upgraded = send_new_alerts(
        legacy, jsonl_path=tmp_path / "legacy" / "alerts.jsonl", as_of=FRIDAY
    )
    # Not a first delivery (the table records one): the week's other open alerts go out.
    assert (upgraded.first_delivery, upgraded.sent, upgraded.already_sent) == (False, 2, 1)


def test_the_notifier_reads_a_warehouse_a_reader_holds_open(tmp_path: Path) -> None:
    database = warehouse(tmp_path / "healthscore.duckdb", FRIDAYS)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); sys.stdin.read()",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        result = send_new_alerts(database, jsonl_path=tmp_path / "alerts.jsonl", as_of=FRIDAY)
    finally:
        reader.communicate("")
    assert result.sent == 1


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_after: int | None = None

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        failing = type(self).fail_after is not None and len(type(self).received) >= (
            type(self).fail_after or 0
        )
        if not failing:
            type(self).received.append(body)
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_webhook_that_fails_part_way_gets_each_alert_once(tmp_path: Path) -> None:
    rows = [alert(f"w{number}", FRIDAY) for number in range(4)]
    database = warehouse(tmp_path / "healthscore.duckdb", rows)
    log = tmp_path / "delivered.jsonl"
    _Webhook.received, _Webhook.fail_after = [], 2
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/alerts"
    try:
        with pytest.raises(OSError):  # HTTP 500 on the third alert
            send_new_alerts(database, webhook_url=url, as_of=FRIDAY, delivery_log=log)
        _Webhook.fail_after = None
        rest = send_new_alerts(database, webhook_url=url, as_of=FRIDAY, delivery_log=log)
        again = send_new_alerts(database, webhook_url=url, as_of=FRIDAY, delivery_log=log)
    finally:
        server.shutdown()
    assert (rest.first_delivery, rest.sent, again.sent) == (False, 2, 0)
    assert sorted(a["alert_id"] for a in _Webhook.received) == sorted(row[0] for row in rows)
