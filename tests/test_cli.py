"""The `healthscore` command line end to end: a run on a generated company, runs with missing
sources and bad input, and the errors a user can cause."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pytest
import yaml

from orchestration.runtime.contract import PROJECT_ROOT
from tests.conftest import (
    SMALL_END_DATE,
    BuiltWarehouse,
    GeneratedCompany,
    copy_landing,
    query,
    run_args,
    run_cli,
)
from tests.support.dbt_docs import stale_comments


def test_run_prints_a_summary_with_bands_risks_and_the_database(
    built_warehouse: BuiltWarehouse,
) -> None:
    text = built_warehouse.output
    assert f"Accounts as of {SMALL_END_DATE}" in text
    assert "accounts most at risk" in text
    assert f"Database: {built_warehouse.database}" in text
    for band in ("red", "amber", "green"):
        assert f"\n  {band} " in text
    assert "dbt build passed" in text and "ERROR" not in text


def test_account_health_has_one_row_per_account_and_null_scores_say_why(
    built_warehouse: BuiltWarehouse,
) -> None:
    db = built_warehouse.database
    accounts = query(db, "select count(*) from staging.stg_crm__accounts")[0][0]
    rows = query(
        db,
        "select account_id, health_score, health_band, score_status, score_null_reason, "
        "coverage, as_of_date from marts.account_health",
    )
    assert len(rows) == accounts == len({row[0] for row in rows})
    assert {row[6] for row in rows} == {SMALL_END_DATE}
    scored = [row for row in rows if row[1] is not None]
    assert len(scored) > 0.5 * len(rows)
    for _, score, band, status, reason, coverage, _ in rows:
        if score is None:
            assert band is None and status != "scored" and reason
        else:
            assert 0 <= score <= 100 and status == "scored" and reason is None
            assert band == ("red" if score < 45 else "amber" if score < 60 else "green")
            assert coverage >= 0.5
    assert any(row[3] == "not_a_customer" for row in rows), "churned accounts stay listed"


def test_score_is_the_renormalised_weighted_mean_of_its_signals(
    built_warehouse: BuiltWarehouse,
) -> None:
    """Recompute every current score from account_signals and the weight seed, in Python."""
    db = built_warehouse.database
    weights = {
        (profile, signal): float(weight)
        for profile, signal, weight in query(
            db, "select weight_profile, signal, weight from config.weight_profiles"
        )
    }
    signals: dict[str, list[tuple]] = {}
    for account, signal, score, has_data, profile in query(
        db,
        "select account_id, signal, signal_score, has_data, weight_profile "
        "from marts.account_signals "
        "where as_of_date = (select max(as_of_date) from marts.account_health)",
    ):
        signals.setdefault(account, []).append((signal, score, has_data, profile))
    health = dict(
        query(
            db,
            "select account_id, health_score from marts.account_health "
            "where health_score is not null",
        )
    )
    assert health
    (computed,) = query(db, "select count(*) from intermediate.int_signal_catalogue")[0]
    assert computed > 30  # the built-in signals and those of the company's own event names
    for account, score in health.items():
        rows = signals[account]
        assert len(rows) == computed
        present = [(weights.get((p, s), 0.0), v) for s, v, has, p in rows if has]
        total = sum(weights.get((p, s), 0.0) for s, _, _, p in rows)
        present_weight = sum(w for w, _ in present)
        assert present_weight / total >= 0.5
        expected = sum(w * v for w, v in present) / present_weight
        assert score == pytest.approx(expected, abs=1e-6), account


def test_history_is_weekly_on_sundays_with_one_row_per_account_and_date(
    built_warehouse: BuiltWarehouse,
) -> None:
    db = built_warehouse.database
    dates = [
        row[0]
        for row in query(
            db, "select distinct as_of_date from marts.account_health_history order by 1"
        )
    ]
    assert len(dates) > 40
    assert all(date.isoweekday() == 7 for date in dates)
    assert all((b - a).days == 7 for a, b in zip(dates, dates[1:], strict=False))
    duplicates = query(
        db,
        "select count(*) from (select account_id, as_of_date from "
        "marts.account_health_history group by all having count(*) > 1)",
    )
    assert duplicates == [(0,)]


def test_every_injected_bad_row_is_quarantined_and_counted(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany
) -> None:
    db = built_warehouse.database
    quarantined = dict(
        query(db, "select source_table, count(*) from marts.quarantined_rows group by 1")
    )
    injected = {
        table: sum(kinds.values()) for table, kinds in small_company.report.dirty_rows.items()
    }
    assert injected, "the generator injected no dirt"
    assert quarantined == {table: n for table, n in injected.items() if n}
    status = query(
        db,
        "select table_name, raw_rows, valid_rows, quarantined_rows from marts.source_table_status",
    )
    for table, raw, valid, bad in status:
        assert raw == valid + bad, table
    assert "quarantined:" in built_warehouse.output


def test_missing_sources_are_reported_and_their_weight_redistributed(
    small_company: GeneratedCompany, tmp_path: Path
) -> None:
    landing = copy_landing(
        small_company.landing, tmp_path / "landing", without=("support_tickets", "survey_responses")
    )
    database = tmp_path / "healthscore.duckdb"
    output = run_cli(run_args(landing, database, SMALL_END_DATE))
    assert output.code == 0, output.text
    assert "missing table(s): survey_responses, support_tickets" in output.text
    assert "support_tickets        MISSING (absent: no raw table support_tickets)" in output.text
    reasons = dict(
        query(
            database,
            """
        select signal, min(missing_reason) from marts.account_signals
        where signal in ('open_high_urgent_tickets', 'escalations_90d', 'latest_nps')
        group by signal""",
        )
    )
    assert reasons == {
        "open_high_urgent_tickets": "no support data source",
        "escalations_90d": "no support data source",
        "latest_nps": "no NPS survey data source",
    }
    assert query(
        database, "select count(*) from marts.account_signals where signal = 'csat' and has_data"
    ) == [(0,)]
    coverage, scored = query(
        database,
        "select max(coverage), count(health_score) from marts.account_health where is_customer",
    )[0]
    assert coverage < 1 and scored > 0
    missing = query(
        database,
        "select missing_signals from marts.account_health where health_score is not null limit 1",
    )
    assert "escalations_90d" in missing[0][0]


def test_bad_input_is_quarantined_with_its_reason_never_dropped(
    small_company: GeneratedCompany, tmp_path: Path
) -> None:
    landing = copy_landing(small_company.landing, tmp_path / "landing")
    # A malformed CSV line, a duplicated key, an unknown account and a wrong column type.
    with (landing / "crm_contacts.csv").open("a") as handle:
        handle.write('c_broken,"unterminated,quote,admin\n')
    with (landing / "billing_subscriptions.csv").open(newline="") as handle:
        subscriptions = list(csv.DictReader(handle))
    extra = [
        dict(subscriptions[0]),
        dict(subscriptions[1], subscription_id="sub_unknown", account_id="acc_nope"),
        dict(subscriptions[2], subscription_id="sub_text_seats", seats="ten"),
    ]
    with (landing / "billing_subscriptions.csv").open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(subscriptions[0]))
        writer.writerows(extra)
    database = tmp_path / "healthscore.duckdb"
    output = run_cli(run_args(landing, database, SMALL_END_DATE))
    assert output.code == 0, output.text
    assert "crm_contacts" in output.text and "malformed line(s) rejected" in output.text
    reasons = Counter(
        reason.split(":")[0]
        for (reason,) in query(
            database,
            "select quarantine_reason from marts.quarantined_rows "
            "where source_table in ('billing_subscriptions', 'crm_contacts')",
        )
    )
    assert reasons == {
        "duplicate_key": 1,
        "unknown_account": 1,
        "unparseable_seats": 1,
        "malformed_line": 1,
    }


def test_a_failed_build_leaves_the_warehouse_as_it_was(
    built_warehouse: BuiltWarehouse, small_company: GeneratedCompany
) -> None:
    database = built_warehouse.database
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    output = run_cli(
        run_args(
            small_company.landing,
            database,
            SMALL_END_DATE,
            "--vars",
            "{healthscore_score_cadence: hourly}",
        )
    )
    assert output.code == 1
    assert "healthscore_score_cadence must be 'weekly' or 'daily'" in output.text
    assert "left as it was" in output.text and "Traceback" not in output.text
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert not (database.parent / f".{database.name}.build").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--landing", "/nonexistent/landing"], "does not exist"),
        (
            ["run", "--landing", ".", "--as-of", "31/12/2025"],
            "--as-of must be a date written YYYY-MM-DD",
        ),
        (["run", "--landing", ".", "--vars", "[1, 2]"], "--vars must be a mapping"),
        (["summary", "--database", "/nonexistent/healthscore.duckdb"], "No warehouse at"),
        (["job", "daily_refresh", "--as-of", "2026-13-01"], "--as-of must be a date"),
        (["job", "score_history_backfill"], "score_history_backfill needs --rebuild-from"),
        (["job", "daily_refresh", "--rebuild-from", "2026-01-01"], "go with score_history"),
    ],
)
def test_user_errors_end_in_one_clear_sentence(argv: list[str], message: str) -> None:
    output = run_cli(argv)
    assert output.code == 2
    assert message in output.text
    assert "Traceback" not in output.text


def test_a_landing_file_without_a_required_column_is_refused(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "crm_accounts.csv").write_text("account_id,account_name\na1,Acme\n")
    output = run_cli(run_args(landing, tmp_path / "w.duckdb", dt.date(2025, 1, 1)))
    assert output.code == 2
    assert "crm_accounts (crm_accounts.csv) lacks the column(s) created_at" in output.text
    assert not (tmp_path / "w.duckdb").exists()


def test_bi_tools_read_every_marts_and_seed_description_as_a_comment(
    built_warehouse: BuiltWarehouse,
) -> None:
    """persist_docs: a BI tool's connection sees each mart's and seed's description, and each
    of its columns', as DuckDB comments equal to the YAML's; no relation or column of the marts
    is left without one."""
    db = built_warehouse.database
    relations = query(
        db,
        "select schema_name, table_name, comment from duckdb_tables() "
        "where schema_name in ('marts', 'config') union all "
        "select schema_name, view_name, comment from duckdb_views() "
        "where schema_name in ('marts', 'config') and not internal",
    )
    columns = query(
        db,
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where schema_name in ('marts', 'config')",
    )
    assert {schema for schema, _, _ in relations} == {"marts", "config"}
    stale = stale_comments(relations, columns)
    assert not stale, f"{len(stale)} relation(s) or column(s):\n  " + "\n  ".join(stale)
    assert len(columns) > 200


def test_the_closed_loop_marts_agree_with_a_count_by_hand_from_the_raw_tables(
    built_warehouse: BuiltWarehouse,
) -> None:
    """marts.alert_follow_ups and alert_follow_up_effect against the same rule counted here in
    Python from the raw activities (the contract's valid rows), the valid subscriptions and the
    alert log: an outbound meeting, QBR, call or email (not no_show, not cancelled) within
    healthscore_follow_up_days after the alert and on a day before its next renewal; the next
    term end on or after the alert, decided once its grace window is over. The effect mart
    counts the alerts whose window has ended, each (account, next renewal) once per group,
    followed up when any of its alerts in the group was."""
    project_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    window = dt.timedelta(days=project_vars["healthscore_follow_up_days"])
    grace = dt.timedelta(days=project_vars["healthscore_renewal_grace_days"])
    as_of, db = SMALL_END_DATE, built_warehouse.database

    def stamp(text: str | None) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(text.strip().replace("T", " ").rstrip("Z"))
        except (AttributeError, ValueError):
            return None

    accounts = {row[0].strip() for row in query(db, "select account_id from raw.crm_accounts")}
    activities: dict[str, tuple] = {}  # one valid row per id: the latest, as staging keeps
    for key, account, kind, direction, outcome, occurred_text, logged_text in query(
        db,
        "select activity_id, account_id, activity_type, direction, outcome, occurred_at, "
        "logged_at from raw.crm_activities",
    ):
        occurred, logged = stamp(occurred_text), stamp(logged_text)
        kind, direction = (kind or "").strip().lower(), (direction or "").strip().lower()
        if not (key and account and account.strip() in accounts and occurred):
            continue
        if occurred.date() > as_of or kind not in ("meeting", "qbr", "call", "email"):
            continue
        if direction not in ("outbound", "inbound"):
            continue
        known = occurred if logged is None or logged < occurred else logged
        row = (account.strip(), kind, direction, (outcome or "").strip().lower(), occurred, known)
        if key not in activities or occurred > activities[key][4]:
            activities[key] = row
    assert len(activities) == query(db, "select count(*) from staging.stg_crm__activities")[0][0]
    reach: dict[str, list[tuple[dt.datetime, str]]] = {}
    for account, kind, direction, outcome, occurred, known in activities.values():
        outreach = direction == "outbound" and outcome not in ("no_show", "cancelled")
        if outreach and known.date() <= as_of:
            reach.setdefault(account, []).append((occurred, kind))
    terms: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for account, start, end in query(
        db,
        "select account_id, start_date, end_date from staging.stg_billing__subscriptions",
    ):
        terms.setdefault(account, []).append((start, end))

    by_hand, closed = {}, []
    for alert_id, account, alert_type, band, detected_on in query(
        db,
        "select alert_id, account_id, alert_type, new_band, detected_on from marts.health_alerts "
        "where not is_provisional",
    ):
        end = detected_on + window
        ends = sorted({e for _, e in terms.get(account, []) if e >= detected_on})
        renewal = ends[0] if ends else None
        reached = sorted(
            r
            for r in reach.get(account, [])
            if detected_on <= r[0].date() <= end and (renewal is None or r[0].date() < renewal)
        )
        status = "followed_up" if reached else "window_open" if end > as_of else "not_followed_up"
        outcome = "pending"
        if renewal and renewal + grace < as_of:
            renewed = any(e > renewal and s <= renewal + grace for s, e in terms[account])
            outcome = "renewed" if renewed else "churned"
        first = reached[0][1] if reached else None
        by_hand[alert_id] = (alert_type, band, status, first, renewal, outcome)
        if end <= as_of:  # the effect mart: windows ended, followed up or not
            closed.append((alert_type, band, account, renewal, bool(reached), outcome))
    mart = {
        row[0]: row[1:]
        for row in query(
            db,
            "select alert_id, alert_type, new_band, follow_up_status, follow_up_activity_type, "
            "next_renewal_date, next_renewal_outcome from marts.alert_follow_ups",
        )
    }
    assert mart == by_hand
    statuses = Counter((row[2], row[5]) for row in by_hand.values())
    assert statuses[("followed_up", "renewed")] and statuses[("not_followed_up", "renewed")]
    assert statuses[("not_followed_up", "churned")]

    # One (account, next renewal) per group, followed up when any of its alerts there was.
    renewals: dict[tuple, list] = {}
    for alert_type, band, account, renewal, reached, outcome in closed:
        for group in ((alert_type, band), ("all", "all")):
            entry = renewals.setdefault((*group, account, renewal), [0, False, outcome])
            entry[0] += 1
            entry[1] = entry[1] or reached
    assert len(renewals) < 2 * len(closed)  # some accounts are alerted twice before a renewal
    counts: Counter = Counter()
    for (alert_type, band, _, _), (alerts, reached, outcome) in renewals.items():
        status = "followed_up" if reached else "not_followed_up"
        for key in ((alert_type, band, status), (alert_type, band, "all")):
            counts[(*key, "alerts")] += alerts
            counts[(*key, "decided")] += outcome != "pending"
            counts[(*key, "renewed")] += outcome == "renewed"
    effect = query(
        db,
        "select alert_type, new_band, follow_up_status, alerts, decided_renewals, renewed, "
        "renewal_rate from marts.alert_follow_up_effect",
    )
    assert len(effect) == len(counts) // 3
    for alert_type, band, status, alerts, decided, renewed, rate in effect:
        key = (alert_type, band, status)
        assert (alerts, decided, renewed) == tuple(
            counts[(*key, measure)] for measure in ("alerts", "decided", "renewed")
        ), key
        assert rate == (pytest.approx(renewed / decided) if decided else None)
