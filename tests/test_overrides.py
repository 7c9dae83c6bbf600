"""Manual overrides end to end (docs/overrides.md): the small company with a
crm_account_overrides.csv, built as of a date inside the overrides' window and then, on the same
warehouse, as of a date after they expired."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from tests.conftest import (
    SMALL_END_DATE,
    GeneratedCompany,
    copy_landing,
    query,
    run_args,
    run_cli,
)

STARTS_ON = dt.date(2026, 3, 1)  # a Sunday: a scoring date
EXPIRES_ON = dt.date(2026, 6, 14)  # a Sunday: the first scoring date without the overrides
INSIDE = dt.date(2026, 6, 7)  # a Sunday inside the window
AFTER = SMALL_END_DATE  # 2026-06-28, two weeks after the expiry
HEADER = (
    "override_id,account_id,override_band,override_score,reason,author,starts_on,expires_on,"
    "created_at"
)


def _red_account(landing: Path) -> str:
    """The customer with the largest ARR on INSIDE: it is overridden to red, every other
    account to green."""
    best: tuple[float, str] | None = None
    with (landing / "billing_subscriptions.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                arr = float(row["arr"])
                starts, ends = (
                    dt.date.fromisoformat(row["start_date"]),
                    dt.date.fromisoformat(row["end_date"]),
                )
            except (TypeError, ValueError):
                continue
            if starts <= INSIDE < ends and re.fullmatch(r"acc_\d{5}", row["account_id"] or ""):
                best = max(best or (arr, row["account_id"]), (arr, row["account_id"]))
    assert best is not None
    return best[1]


def _write_overrides(landing: Path) -> tuple[str, int]:
    accounts = set()
    with (landing / "crm_accounts.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                created = dt.date.fromisoformat((row["created_at"] or "")[:10])
            except ValueError:
                continue
            if created < STARTS_ON and re.fullmatch(r"acc_\d{5}", row["account_id"] or ""):
                accounts.add(row["account_id"])
    red = _red_account(landing)
    assert red in accounts
    window = f"{STARTS_ON},{EXPIRES_ON}"
    lines = [HEADER]
    # Every account held green at 99 by kim; the red account also has a later override (lee's,
    # recorded a day later), which wins the overlap.
    lines += [
        f"ov_{a},{a},,99,hold green,kim,{window},2026-02-27 09:00:00" for a in sorted(accounts)
    ]
    lines.append(f"ov_red,{red},red,30,churn notice,lee,{window},2026-02-28 09:00:00")
    # Quarantined: an unknown account, and a band outside health_bands.
    lines.append(f"ov_unknown,acc_99999,green,,typo,kim,{window},2026-02-27 09:00:00")
    lines.append(f"ov_purple,{red},purple,,typo,kim,{window},2026-02-27 09:00:00")
    (landing / "crm_account_overrides.csv").write_text("\n".join(lines) + "\n")
    return red, len(accounts) + 1


def test_an_override_applies_in_its_window_and_ends_by_itself_on_expiry(
    small_company: GeneratedCompany, tmp_path: Path
) -> None:
    landing = copy_landing(small_company.landing, tmp_path / "landing")
    red, valid = _write_overrides(landing)
    database = tmp_path / "warehouse" / "healthscore.duckdb"

    # --- as of a date inside the window ---------------------------------------------------
    first = run_cli(run_args(landing, database, INSIDE, "--no-validate"))
    assert first.code == 0, first.text
    assert re.search(rf"crm_account_overrides\s+{valid + 2:,} rows of manual overrides", first.text)
    assert f"manual overrides: {valid:,} in force" in first.text

    # The effective score and band, the computed ones beside them.
    (row,) = query(
        database,
        """select health_score, health_band, is_overridden, override_id, override_author,
                  override_expires_on, computed_health_score, computed_health_band
           from marts.account_health where account_id = ?""",
        [red],
    )
    assert row[:6] == (30.0, "red", True, "ov_red", "lee", EXPIRES_ON)
    computed_score, computed_band = row[6], row[7]
    assert computed_score is not None and computed_band is not None
    note = (
        f"overridden by lee until 2026-06-13: churn notice (computed: {computed_band} "
        f"{int(computed_score * 10) / 10:.1f})"
    )
    assert note in first.text, first.text  # the run summary (and the review's terminal lines)
    html = (database.parent / "reports" / "weekly_review.html").read_text()
    assert "overridden by lee until 2026-06-13: churn notice" in html
    ((held_green, not_green_computed),) = query(
        database,
        """select count(*) filter (where health_band = 'green' and health_score = 99),
                  count(*) filter (where computed_health_band in ('red', 'amber'))
           from marts.account_health
           where is_overridden and account_id <> ? and computed_health_score is not null""",
        [red],
    )
    assert held_green > 0 and not_green_computed > 0

    # Quarantined rows, with their reasons.
    assert set(
        query(
            database,
            """select record_key, quarantine_reason from marts.quarantined_rows
               where source_table = 'crm_account_overrides'""",
        )
    ) == {("ov_unknown", "unknown_account"), ("ov_purple", "unknown_band")}

    # The audit: every valid override in force since its start, first seen by this run.
    assert query(
        database,
        """select status, started_on, first_seen_on, ended_on, count(*)
           from marts.account_override_audit group by all""",
    ) == [("in_force", STARTS_ON, INSIDE, None, valid)]

    # No alert from the computed bands inside the window (where the computed bands of the
    # overridden accounts worsened), only the red override's move on its first day.
    overridden = "select account_id from marts.account_override_audit"
    ((computed_drops,),) = query(
        database,
        f"""select count(*) from intermediate.int_account_health_scored as scored
           inner join config.health_bands as now_band on scored.health_band = now_band.health_band
           inner join config.health_bands as old_band
               on scored.previous_health_band = old_band.health_band
           where scored.is_cadence_date and scored.is_customer
               and scored.as_of_date > ? and scored.as_of_date <= ?
               and now_band.band_rank < old_band.band_rank
               and scored.account_id in ({overridden})""",
        [STARTS_ON, INSIDE],
    )
    assert computed_drops > 0
    assert (
        query(
            database,
            f"""select account_id, detected_on from marts.health_alerts
               where detected_on >= ? and detected_on <= ? and account_id <> ?
                   and account_id in ({overridden})""",
            [STARTS_ON, INSIDE, red],
        )
        == []
    )

    # Backtests judge the computed score: never the override's.
    ((judged, replaced, mismatched),) = query(
        database,
        """select count(*),
                  count(*) filter (where backtest.health_score <> history.health_score),
                  count(*) filter (where backtest.health_score is distinct from
                                   history.computed_health_score)
           from marts.renewal_backtest as backtest
           inner join marts.account_health_history as history
               on backtest.account_id = history.account_id
               and backtest.scoring_date = history.as_of_date
           where history.is_overridden and backtest.is_scored""",
    )
    assert judged > 0 and replaced > 0 and mismatched == 0

    # --- as of a date after the expiry, on the same warehouse -------------------------------
    second = run_cli(run_args(landing, database, AFTER, "--no-validate"))
    assert second.code == 0, second.text
    assert (
        f"manual overrides: 0 in force (0 accounts overridden), 0 scheduled, {valid:,} ended"
        in (second.text)
    )
    assert query(
        database,
        """select count(*) filter (where is_overridden),
                  count(*) filter (where health_band is distinct from computed_health_band)
           from marts.account_health""",
    ) == [(0, 0)]
    assert query(
        database,
        """select status, first_seen_on, ended_on, end_reason, count(*)
           from marts.account_override_audit group by all""",
    ) == [("expired", INSIDE, EXPIRES_ON, "expired", valid)]
    assert query(
        database,
        """select as_of_date, bool_or(is_overridden)
           from marts.account_health_history where as_of_date in (?, ?)
           group by as_of_date order by as_of_date""",
        [INSIDE, EXPIRES_ON],
    ) == [(INSIDE, True), (EXPIRES_ON, False)]

    # The move back to the computed band on the expiry date is an ordinary transition.
    back_to_computed = {
        account
        for (account,) in query(
            database,
            f"""select account_id from marts.account_health_history
               where as_of_date = ? and computed_health_band in ('red', 'amber')
                   and account_id <> ? and account_id in ({overridden})""",
            [EXPIRES_ON, red],
        )
    }
    alerted = {
        account
        for (account,) in query(
            database,
            f"""select account_id from marts.health_alerts
               where detected_on = ? and old_band = 'green' and account_id in ({overridden})""",
            [EXPIRES_ON],
        )
    }
    assert back_to_computed and alerted == back_to_computed
