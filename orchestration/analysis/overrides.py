"""Manual overrides in words, for the run summary and the weekly review: who overrode an
account's band or score, until when, why, and what the model computed (docs/overrides.md)."""

from __future__ import annotations

import datetime as dt
import math

from orchestration.analysis.reads import has_relation
from orchestration.runtime.warehouse import Warehouse


def override_note(
    author: str,
    expires_on: dt.date,
    reason: str,
    computed_band: str | None,
    computed_score: float | None,
) -> str:
    """ "overridden by AUTHOR until DATE: REASON (computed: BAND SCORE)", DATE being the last
    day the override is in force (the day before expires_on, when it ends by itself)."""
    last_day = expires_on - dt.timedelta(days=1)
    score = "no score" if computed_score is None else f"{math.floor(computed_score * 10) / 10:.1f}"
    return (
        f"overridden by {author} until {last_day}: {reason} "
        f"(computed: {computed_band or 'no band'} {score})"
    )


def override_notes(con: Warehouse) -> dict[str, str]:
    """The note of every account overridden on the as-of date (marts.account_health), by id."""
    rows = con.execute(
        """
        select account_id, override_author, override_expires_on, override_reason,
               computed_health_band, computed_health_score
        from marts.account_health
        where is_overridden
        """
    ).fetchall()
    return {account_id: override_note(*details) for account_id, *details in rows}


def override_count_line(con: Warehouse) -> str:
    """One line: how many overrides are in force, scheduled and ended, or that there are none."""
    if not has_relation(con, "marts.account_override_audit"):
        return "  manual overrides: none (no crm_account_overrides file)"
    counts = dict(
        con.execute(
            "select status, count(*) from marts.account_override_audit group by status"
        ).fetchall()
    )
    if not counts:
        return "  manual overrides: none (no crm_account_overrides file, or no valid row in it)"
    applied = con.execute(
        "select count(*) from marts.account_health where is_overridden"
    ).fetchone()[0]
    ended = counts.get("expired", 0) + counts.get("removed_from_input", 0)
    return (
        f"  manual overrides: {counts.get('in_force', 0):,} in force ({applied:,} accounts "
        f"overridden), {counts.get('scheduled', 0):,} scheduled, {ended:,} ended; "
        "see marts.account_override_audit"
    )
