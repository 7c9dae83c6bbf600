"""The short, readable summary printed at the end of a run, read from the marts."""

from __future__ import annotations

import math
from pathlib import Path

from orchestration.analysis.findings import new_alerts
from orchestration.analysis.overrides import override_count_line, override_notes
from orchestration.analysis.reads import location
from orchestration.runtime import warehouse
from orchestration.runtime.contract import contract_tables
from orchestration.runtime.warehouse import Location, Warehouse

BAND_ORDER = ("red", "amber", "green")


def _fmt_int(value: int | None) -> str:
    return f"{value or 0:,}"


def data_lines(con: Warehouse) -> list[str]:
    rows = con.execute(
        """
        select table_name, is_present, raw_rows, valid_rows, quarantined_rows, signals_fed,
               availability
        from marts.source_table_status
        order by table_name
        """
    ).fetchall()
    lines = ["Data (raw rows, used, quarantined):"]
    optional = {name for name, table in contract_tables().items() if table.optional}
    for table, present, raw, valid, quarantined, signals, availability in rows:
        if not present and table in optional:
            lines.append(f"  {table:<22} none (optional)")
            continue
        if not present:
            # e.g. "absent: no raw table support_tickets", "absent: not provided by the hubspot
            # mapping"; a signal fed by another table too keeps that one's data.
            lines.append(
                f"  {table:<22} MISSING ({availability}): no data from it for {signals or '-'}"
            )
            continue
        text = f"  {table:<22} {_fmt_int(raw):>12} {_fmt_int(valid):>12} {_fmt_int(quarantined):>9}"
        lines.append(text)
    total = con.execute("select count(*) from marts.quarantined_rows").fetchone()[0]
    if total:
        reasons = con.execute(
            """
            select quarantine_reason, count(*) as n
            from marts.quarantined_rows
            group by quarantine_reason
            order by n desc, quarantine_reason
            limit 5
            """
        ).fetchall()
        top = ", ".join(f"{reason} {n:,}" for reason, n in reasons)
        lines.append(
            f"  quarantined: {total:,} rows (top reasons: {top}); see marts.quarantined_rows"
        )
    return lines


def band_lines(con: Warehouse) -> list[str]:
    as_of, accounts, customers = con.execute(
        "select max(as_of_date), count(*), count(*) filter (where is_customer) "
        "from marts.account_health"
    ).fetchone()
    bands = dict(
        con.execute(
            """
            select health_band, count(*)
            from marts.account_health
            where health_band is not null
            group by health_band
            """
        ).fetchall()
    )
    actions = dict(
        con.execute("select health_band, band_action from config.health_bands").fetchall()
    )
    scored = sum(bands.values())
    lines = [
        f"Accounts as of {as_of}: {accounts:,} accounts, {customers:,} customers, {scored:,} scored"
    ]
    for band in sorted(bands, key=lambda b: BAND_ORDER.index(b) if b in BAND_ORDER else 99):
        share = 100.0 * bands[band] / scored if scored else 0.0
        lines.append(f"  {band:<6} {bands[band]:>7,}  {share:5.1f}%   {actions.get(band, '')}")
    unscored = con.execute(
        """
        select score_status, count(*)
        from marts.account_health
        where health_score is null
        group by score_status
        order by score_status
        """
    ).fetchall()
    if unscored:
        lines.append(
            "  not scored: "
            + ", ".join(f"{_fmt_int(n)} {status.replace('_', ' ')}" for status, n in unscored)
        )
    lines.append(override_count_line(con))
    return lines


def at_risk_lines(con: Warehouse, limit: int = 10) -> list[str]:
    """The red and amber accounts (every band below the best) with the most revenue at risk,
    ARR x (1 - renewal probability): owner (flagged when routed to the default owner), ARR,
    renewal date and what lowers the score, in words, and who overrode the band, when a manual
    override is in force; and the new alerts of the last 7 days (the logged ones; the
    provisional ones named apart)."""
    notes = override_notes(con)
    rows = con.execute(
        f"""
        select
            health.account_id,
            health.account_name,
            health.segment,
            health.health_band,
            health.health_score,
            cast(health.arr as double),
            health.revenue_at_risk,
            health.term_end_date,
            health.action_owner,
            health.is_owner_assigned,
            coalesce(health.top_negative_drivers_text, '-')
        from marts.account_health as health
        inner join config.health_bands as bands on health.health_band = bands.health_band
        where bands.band_rank < (select max(band_rank) from config.health_bands)
        order by health.revenue_at_risk desc nulls last, health.health_score, health.account_id
        limit {int(limit)}
        """
    ).fetchall()
    as_of = con.execute("select max(as_of_date) from marts.account_health").fetchone()[0]
    alerts = new_alerts(con, as_of, 7)
    lines = [
        f"The {len(rows)} accounts most at risk: red and amber, by revenue at risk "
        "(ARR x (1 - renewal probability)):"
    ]
    for row in rows:
        account_id, name, segment, band, score, arr, risk, renewal, owner, assigned, drivers = row
        flag = "" if assigned else " [no owner: routed]"
        lines.append(
            f"  {_fmt_int(round(risk or 0)):>8} at risk  {band:<5} "
            f"{'-' if score is None else f'{math.floor(score * 10) / 10:.1f}':>5}  "
            f"{name[:26]} ({segment or 'no segment'}), ARR {_fmt_int(round(arr or 0))}, "
            f"renews {renewal or 'never'}, owner {owner}{flag}"
        )
        lines.append(f"           lowering it: {drivers}")
        if account_id in notes:
            lines.append(f"           {notes[account_id]}")
    lines.append(
        f"New alerts in the last 7 days: {alerts.logged:,}{alerts.provisional_words()} "
        "(marts.health_alerts)"
    )
    return lines


def summary_text(database: Location) -> str:
    """The summary of the warehouse at `database`: the DuckDB file (a Path) or a dbt target."""
    database = location(database)
    with warehouse.connected(database, read_only=True) as con:
        sections = [data_lines(con), band_lines(con), at_risk_lines(con)]
    tables = (
        "  tables: marts.account_health (current), marts.account_health_history, "
        "marts.account_signals, marts.quarantined_rows"
    )
    if isinstance(database, Path):
        sections.append(
            [
                f"Database: {Path(database).resolve()}",
                tables,
                f'  open it read-only, e.g. python -c "import duckdb; '
                f"duckdb.connect('{Path(database).resolve()}', read_only=True)\"",
            ]
        )
    else:
        sections.append([f"Warehouse: {warehouse.describe(database)}", tables])
    return "\n\n".join("\n".join(section) for section in sections)
