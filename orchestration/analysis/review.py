"""The weekly customer review: a static HTML page (one self-contained file, no server, no
script) and its summary for the terminal, read from the marts of a built warehouse.

It holds, as of the warehouse's as-of date:
- the accounts whose band changed since the last review, with their score change split into
  its causes (new data, a scoring configuration change, a segment or weight profile change:
  the parts of marts.account_health_history, docs/scoring_changes.md: of the computed score,
  said so when an override makes the effective scores differ, with an override that started
  or ended between the two dates named) and the signals whose points moved most between the
  two dates, by their labels;
- the accounts in every band below the best (red and amber) ranked by revenue at risk,
  ARR x (1 - renewal probability), with renewal date, owner and action;
- the parent accounts whose roll-up is red or amber, or that have a red member (the parent
  itself included when scored), with their worst members (marts.parent_account_health);
- the expansion candidates with the core features they have not adopted;
- the accounts without an owner, routed to the default owner (healthscore_default_owner);
- a warning when the latest validation shows the bands do not rank churn;
- the closed loop: did alerts that were followed up renew more often;
- why a red account can show a high renewal probability.
Bands and scores are the effective ones: an account under a manual override says who set it,
until when and why, with the computed band and score (docs/overrides.md).

The last review is the latest score history date at least 7 days before the as-of date (the
latest as_of_date of marts.account_health_history on or before the as-of date minus 7 days).
The new alerts are the logged ones of the last 7 days; the provisional ones (a mid-week drop,
which the next scoring date confirms or drops) are counted apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.analysis.findings import (
    NewAlerts,
    closed_loop_html,
    closed_loop_lines,
    new_alerts,
    score_warning,
)
from orchestration.analysis.html_page import (
    Html,
    band,
    callout,
    esc,
    figures,
    join,
    money,
    page,
    paragraph,
    percent,
    table,
    tag,
)
from orchestration.analysis.overrides import override_notes
from orchestration.analysis.reads import column_names, has_relation, location
from orchestration.runtime import warehouse
from orchestration.runtime.warehouse import Location, Warehouse

REVIEW_FILE = "weekly_review.html"
ARCHIVE_DIR = "reviews"
REVIEW_DAYS = 7
TOP_AT_RISK = 25  # the at-risk table's first rows; the rest fold under it
# The marts' columns the review reads that older warehouses lack.
REQUIRED_COLUMNS = {
    "account_health": (
        "revenue_at_risk",
        "action_owner",
        "is_owner_assigned",
        "top_negative_drivers_text",
        "top_positive_drivers_text",
        "is_overridden",
    ),
    "expansion_candidates": ("action_owner", "is_owner_assigned", "unadopted_core_feature_labels"),
    "account_health_history": (
        "score_change_from_data",
        "score_change_from_config",
        "score_change_from_profile",
    ),
}


@dataclass(frozen=True)
class ReviewOutcome:
    html: Path
    text: str
    as_of: dt.date
    data: ReviewData  # what the page shows, for the Dagster asset's metadata


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    segment: str | None
    band: str | None
    score: float | None
    renewal_probability: float | None
    arr: float | None
    revenue_at_risk: float | None
    renewal_date: dt.date | None
    days_to_renewal: int | None
    owner: str
    has_owner: bool
    action: str | None
    negative_drivers: str | None
    positive_drivers: str | None
    override: str | None = None  # "overridden by ... (computed: ...)" under a manual override


@dataclass(frozen=True)
class BandChange:
    account: Account
    old_band: str
    old_score: float | None
    worse: bool
    movers: str | None  # the signals whose points moved most since the last review
    # the score change by cause, e.g. "-8.2 points: -3.0 new data, ..."; "override started;
    # computed score -0.4 points: new data" when a manual override moved the effective band
    causes: str | None = None


@dataclass(frozen=True)
class Candidate:
    account_id: str
    name: str
    segment: str | None
    owner: str
    has_owner: bool
    score: float | None
    seat_utilisation: float | None
    seats: int | None
    arr: float | None
    renewal_date: dt.date | None
    unadopted: str | None
    action: str | None


@dataclass(frozen=True)
class ParentRollup:
    parent_account_id: str
    name: str
    band: str | None
    score: float | None
    action: str | None
    rollup_method: str
    members: int
    members_scored: int
    members_per_band: str
    total_arr: float | None
    worst_members: str | None
    hierarchy_issue: str | None


@dataclass(frozen=True)
class ParentRollups:
    parents: int  # parent accounts on the as-of date
    listed: list[ParentRollup]  # red or amber, or with a member in the worst band


@dataclass(frozen=True)
class ReviewData:
    as_of: dt.date
    last_review: dt.date | None
    changes: list[BandChange]
    at_risk: list[Account]
    candidates: list[Candidate]
    unowned_customers: int
    default_owner: str | None
    alerts: NewAlerts
    red_likely_to_renew: int
    red_accounts: int
    worst_band: str | None
    bands: str  # the band thresholds in words
    warning_kind: str
    warning: list[str]
    closed_loop: Html
    closed_loop_lines: list[str]
    # None when the warehouse has no marts.parent_account_health (built by an older version).
    parent_rollups: ParentRollups | None = None


ACCOUNT_COLUMNS = """
    health.account_id, health.account_name, health.segment, health.health_band,
    health.health_score, health.renewal_probability, cast(health.arr as double),
    health.revenue_at_risk, health.term_end_date, health.days_to_renewal, health.action_owner,
    health.is_owner_assigned, health.band_action, health.top_negative_drivers_text,
    health.top_positive_drivers_text
"""
# marts.parent_account_health's rollup_method, in words.
ROLLUP_METHOD_WORDS = {
    "arr_weighted": "ARR-weighted mean of its members",
    "mean_without_arr": "mean of its members (none has ARR)",
    "min": "its lowest member",
    "mean": "mean of its members",
}
MOVERS_SHOWN = 3  # the signals listed per band change
MIN_MOVE_POINTS = 0.05  # a smaller move rounds to 0.0 points: not listed


def _check_columns(con: Warehouse) -> None:
    for table_name, columns in REQUIRED_COLUMNS.items():
        present = column_names(con, f"marts.{table_name}") or set()
        missing = [column for column in columns if column not in present]
        if missing:
            raise ValueError(
                f"marts.{table_name} has no {', '.join(missing)}: the warehouse was built by an "
                "older version; rebuild it once (healthscore run --full-refresh) to write the "
                "weekly review."
            )


def _movers(con: Warehouse, last_review: dt.date, as_of: dt.date) -> dict[str, str]:
    """Per account, the signals whose points (impact_points, marts.account_signals) moved most
    between the last review and the as-of date, by their catalogue labels (the seed's and the
    event signals', int_signal_catalogue): "Active users per licensed seat (-6.2 points); ...".
    Over the whole period, where account_health's change_drivers_text covers one scoring step."""
    rows = con.execute(
        """
        with moves as (
            select now.account_id, now.signal,
                   now.impact_points - before.impact_points as points
            from marts.account_signals as now
            inner join marts.account_signals as before
                on now.account_id = before.account_id and now.signal = before.signal
                and before.as_of_date = ?
            where now.as_of_date = ?
        ),
        ranked as (
            select moves.account_id, moves.points, coalesce(catalogue.label, moves.signal) as label,
                   row_number() over (
                       partition by moves.account_id order by abs(moves.points) desc, moves.signal
                   ) as move_rank
            from moves
            left join intermediate.int_signal_catalogue as catalogue
                on moves.signal = catalogue.signal
            where abs(moves.points) >= ?
        )
        select account_id, label, points from ranked where move_rank <= ?
        order by account_id, move_rank
        """,
        [last_review, as_of, MIN_MOVE_POINTS, MOVERS_SHOWN],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for account_id, label, points in rows:
        out.setdefault(account_id, []).append(f"{label} ({points:+.1f} points)")
    return {account_id: "; ".join(parts) for account_id, parts in out.items()}


def read_parent_rollups(con: Warehouse, as_of: dt.date) -> ParentRollups | None:
    """The parent accounts' roll-ups on the as-of date (marts.parent_account_health) that are in
    a band below the best (red, amber) or have a member in the worst band (red; the parent
    itself is a member when it is scored), worst band first, then by ARR; None when the
    warehouse has no parent_account_health."""
    if not has_relation(con, "marts.parent_account_health"):
        return None
    parents = con.execute(
        "select count(*) from marts.parent_account_health where as_of_date = ?", [as_of]
    ).fetchone()[0]
    listed = [
        ParentRollup(*row)
        for row in con.execute(
            """
            select parent.parent_account_id, parent.parent_account_name, parent.health_band,
                   parent.health_score, parent.band_action, parent.rollup_method, parent.members,
                   parent.members_scored, parent.members_per_band, cast(parent.total_arr as double),
                   parent.worst_members, parent.hierarchy_issue
            from marts.parent_account_health as parent
            left join config.health_bands as bands on parent.health_band = bands.health_band
            where parent.as_of_date = ?
              and (bands.band_rank < (select max(band_rank) from config.health_bands)
                   or parent.worst_band_members > 0)
            order by bands.band_rank nulls last, parent.total_arr desc nulls last,
                     parent.parent_account_id
            """,
            [as_of],
        ).fetchall()
    ]
    return ParentRollups(parents=int(parents), listed=listed)


def change_causes(
    total: float | None,
    config: float,
    profile: float,
    *,
    computed: bool = False,
    override: str | None = None,
) -> str:
    """A score change in words, split into its causes: "-8.2 points: -3.0 new data, -6.1
    configuration change, +0.9 segment/profile change"; the data part is the remainder, so
    the parts add up to the total. A change from new data alone: "-8.2 points: new data".
    `computed`: the arrow above the line shows effective scores that differ from the computed
    ones (a manual override on either date), so the line says "computed score -8.2 points:
    ...". `override` ("override started", "override ended", "override replaced") comes
    first: it moved the effective band, not the computed score. A total of None (no computed
    score on one of the dates) leaves only the override."""
    parts: list[str] = [override] if override else []
    if total is not None:
        data = total - config - profile
        if abs(config) < MIN_MOVE_POINTS and abs(profile) < MIN_MOVE_POINTS:
            moves = "new data"
        else:
            moves = ", ".join(
                f"{points:+.1f} {cause}"
                for points, cause in (
                    (data, "new data"),
                    (config, "configuration change"),
                    (profile, "segment/profile change"),
                )
                if abs(points) >= MIN_MOVE_POINTS
            )
        parts.append(f"{'computed score ' if computed else ''}{total:+.1f} points: {moves}")
    return "; ".join(parts)


def override_change(
    before: bool | None, now: bool | None, before_id: str | None, now_id: str | None
) -> str | None:
    """How a manual override changed between the last review and the as-of date, from the
    history's is_overridden (and override_id) on both dates; None when it did not."""
    if not before and now:
        return "override started"
    if before and not now:
        return "override ended"
    if before and now and before_id != now_id:
        return "override replaced"
    return None


def _causes(con: Warehouse, last_review: dt.date, as_of: dt.date) -> dict[str, str]:
    """Per account, its score change from the last review to the as-of date by cause: the
    configuration and segment/profile parts of the history's scoring dates after the last
    review, summed; new data is the rest of the change (account_health's computed score minus
    the one published on the last review's date: manual overrides are not a cause of the
    computed score's change). The band-changes arrow shows effective scores: when they differ
    from the computed ones on either date the line says it is the computed score's change,
    and an override that started, ended or was replaced between the two dates is named."""
    rows = con.execute(
        """
        select health.account_id,
               health.computed_health_score - before.computed_health_score,
               coalesce(sum(steps.score_change_from_config), 0),
               coalesce(sum(steps.score_change_from_profile), 0),
               health.health_score is distinct from health.computed_health_score
                   or before.health_score is distinct from before.computed_health_score,
               coalesce(before.is_overridden, false),
               coalesce(health.is_overridden, false),
               before.override_id,
               health.override_id
        from marts.account_health as health
        inner join marts.account_health_history as before
            on health.account_id = before.account_id and before.as_of_date = ?
        left join marts.account_health_history as steps
            on health.account_id = steps.account_id
            and steps.as_of_date > ? and steps.as_of_date <= ?
        group by health.account_id, health.computed_health_score, health.health_score,
                 health.is_overridden, health.override_id, before.computed_health_score,
                 before.health_score, before.is_overridden, before.override_id
        """,
        [last_review, last_review, as_of],
    ).fetchall()
    causes = {}
    for account_id, total, config, profile, differs, *override in rows:
        text = change_causes(
            None if total is None else float(total),
            float(config),
            float(profile),
            computed=bool(differs),
            override=override_change(*override),
        )
        if text:
            causes[account_id] = text
    return causes


def read_review(con: Warehouse) -> ReviewData:
    _check_columns(con)
    as_of = con.execute("select max(as_of_date) from marts.account_health").fetchone()[0]
    if as_of is None:
        raise ValueError("marts.account_health is empty: there is nothing to review.")
    last_review = con.execute(
        "select max(as_of_date) from marts.account_health_history where as_of_date <= ?",
        [as_of - dt.timedelta(days=REVIEW_DAYS)],
    ).fetchone()[0]
    best_rank, worst_band = con.execute(
        """
        select max(band_rank), max(case when band_rank = worst_rank then health_band end)
        from config.health_bands
        cross join (select min(band_rank) as worst_rank from config.health_bands) as worst
        """
    ).fetchone()

    movers = _movers(con, last_review, as_of) if last_review is not None else {}
    causes = _causes(con, last_review, as_of) if last_review is not None else {}
    changes = [
        BandChange(
            Account(*row[:15]),
            row[15],
            row[16],
            bool(row[17]),
            movers.get(row[0]),
            causes.get(row[0]),
        )
        for row in con.execute(
            f"""
            select {ACCOUNT_COLUMNS}, before.health_band, before.health_score,
                   now_band.band_rank < old_band.band_rank as worse
            from marts.account_health as health
            inner join marts.account_health_history as before
                on health.account_id = before.account_id and before.as_of_date = ?
            inner join config.health_bands as now_band on health.health_band = now_band.health_band
            inner join config.health_bands as old_band on before.health_band = old_band.health_band
            where health.health_band <> before.health_band
            order by worse desc, now_band.band_rank, health.revenue_at_risk desc nulls last,
                     health.account_id
            """,
            [last_review],
        ).fetchall()
    ]
    at_risk = [
        Account(*row)
        for row in con.execute(
            f"""
            select {ACCOUNT_COLUMNS}
            from marts.account_health as health
            inner join config.health_bands as bands on health.health_band = bands.health_band
            where bands.band_rank < ?
            order by health.revenue_at_risk desc nulls last, health.health_score,
                     health.account_id
            """,
            [best_rank],
        ).fetchall()
    ]
    notes = override_notes(con)
    changes = [
        dataclasses.replace(
            change,
            account=dataclasses.replace(
                change.account, override=notes.get(change.account.account_id)
            ),
        )
        for change in changes
    ]
    at_risk = [dataclasses.replace(a, override=notes.get(a.account_id)) for a in at_risk]
    candidates = [
        Candidate(*row)
        for row in con.execute(
            """
            select account_id, account_name, segment, action_owner, is_owner_assigned,
                   health_score, seat_utilisation, licensed_seats, cast(arr as double),
                   term_end_date, unadopted_core_feature_labels, suggested_action
            from marts.expansion_candidates
            order by arr desc nulls last, account_id
            """
        ).fetchall()
    ]
    unowned, default_owner = con.execute(
        """
        select count(*), min(action_owner)
        from marts.account_health
        where is_customer and not is_owner_assigned
        """
    ).fetchone()
    red_accounts, red_likely = con.execute(
        """
        select count(*), count(*) filter (where renewal_probability >= 0.8)
        from marts.account_health where health_band = ?
        """,
        [worst_band],
    ).fetchone()
    thresholds = con.execute(
        "select health_band, min_score, max_score from config.health_bands order by band_rank"
    ).fetchall()
    bands = ", ".join(
        f"{name} from {float(low):g}"
        if index == len(thresholds) - 1
        else f"{name} below {float(high):g}"
        for index, (name, low, high) in enumerate(thresholds)
    )
    warning = score_warning(con)
    return ReviewData(
        as_of=as_of,
        last_review=last_review,
        changes=changes,
        at_risk=at_risk,
        candidates=candidates,
        unowned_customers=int(unowned),
        default_owner=default_owner,
        alerts=new_alerts(con, as_of, REVIEW_DAYS),
        red_likely_to_renew=int(red_likely),
        red_accounts=int(red_accounts),
        worst_band=worst_band,
        bands=bands,
        warning_kind=warning.kind,
        warning=warning.sentences,
        closed_loop=closed_loop_html(con),
        closed_loop_lines=closed_loop_lines(con),
        parent_rollups=read_parent_rollups(con, as_of),
    )


# The page ----------------------------------------------------------------------------------


def _owner(owner: str, has_owner: bool) -> Html:
    if has_owner:
        return esc(owner)
    return join([esc(owner), tag("span", " (no owner: routed)", class_="flag")])


def _renewal(account_date: dt.date | None, days: int | None) -> Html:
    if account_date is None:
        return esc("no term")
    date = tag("span", account_date, class_="nowrap")
    if days is None:
        return date
    when = f"ended {-days} days ago, in grace" if days < 0 else f"in {days} days"
    return join([date, tag("div", when, class_="note")])


def _score(value: float | None) -> str:
    """One decimal, rounded down: 59.96 (amber, below 60) reads 59.9, not 60.0."""
    return "-" if value is None else f"{math.floor(value * 10) / 10:.1f}"


def _name(name: str, segment: str | None) -> Html:
    return join([tag("b", name), tag("div", segment or "no segment", class_="note")])


def _band_action(band_name: str | None, action: str | None, override: str | None = None) -> Html:
    parts = [band(band_name), tag("div", action or "", class_="note")]
    if override:
        parts.append(tag("div", override, class_="note"))
    return join(parts)


def _changes_section(data: ReviewData) -> list[object]:
    since = f"since the last review ({data.last_review})" if data.last_review else ""
    out: list[object] = [tag("h2", f"Band changes {since}".strip(), id="changes")]
    if data.last_review is None:
        out.append(paragraph("No scores from a week or more ago: this is the first review."))
        return out
    if not data.changes:
        out.append(paragraph(f"No account changed band since {data.last_review}."))
        return out
    worse = sum(1 for change in data.changes if change.worse)
    out.append(
        paragraph(
            f"{len(data.changes)} accounts changed band: {worse} moved to a worse band (listed "
            f"first), {len(data.changes) - worse} to a better one. Under each score, its "
            "change by cause: new data, a change of the scoring configuration (seeds), a "
            f"change of the account's segment or weight profile. “What moved since "
            f"{data.last_review}” are the signals whose points changed most between "
            f"{data.last_review} and {data.as_of}, with the points they added or took away."
        )
    )
    rows = [
        [
            _name(c.account.name, c.account.segment),
            join(
                [
                    band(c.old_band),
                    esc(" → "),
                    _band_action(c.account.band, c.account.action, c.account.override),
                ]
            ),
            join(
                [
                    esc(f"{_score(c.old_score)} → {_score(c.account.score)}"),
                    tag("div", c.causes or "", class_="note"),
                ]
            ),
            money(c.account.arr),
            _renewal(c.account.renewal_date, c.account.days_to_renewal),
            _owner(c.account.owner, c.account.has_owner),
            c.movers or "-",
        ]
        for c in data.changes
    ]
    out.append(
        table(
            [
                "account",
                "band and action",
                "score",
                "ARR",
                "renewal",
                "owner",
                f"what moved since {data.last_review}",
            ],
            rows,
            numeric=(2, 3),
            wide=(6,),
        )
    )
    return out


def _at_risk_rows(accounts: list[Account], start: int) -> list[list[object]]:
    return [
        [
            start + index,
            _name(a.name, a.segment),
            _band_action(a.band, a.action, a.override),
            _score(a.score),
            percent(a.renewal_probability),
            money(a.arr),
            money(a.revenue_at_risk),
            _renewal(a.renewal_date, a.days_to_renewal),
            _owner(a.owner, a.has_owner),
            a.negative_drivers or "-",
        ]
        for index, a in enumerate(accounts)
    ]


def _at_risk_section(data: ReviewData) -> list[object]:
    out: list[object] = [tag("h2", "Red and amber accounts by revenue at risk", id="at-risk")]
    if not data.at_risk:
        out.append(paragraph("No account is red or amber."))
        return out
    total = sum(a.revenue_at_risk or 0 for a in data.at_risk)
    out.append(
        paragraph(
            f"{len(data.at_risk)} accounts, {money(total)} of revenue at risk. Revenue at risk "
            "is ARR × (1 − renewal probability): what the account is expected to lose at its "
            "renewal. “Lowering the score” lists the signals that take most points off it."
        )
    )
    headers = [
        "#",
        "account",
        "band and action",
        "score",
        "renewal probability",
        "ARR",
        "revenue at risk",
        "renewal",
        "owner",
        "lowering the score",
    ]
    first = data.at_risk[:TOP_AT_RISK]
    out.append(
        table(
            headers,
            _at_risk_rows(first, 1),
            numeric=(0, 3, 4, 5, 6),
            wide=(9,),
        )
    )
    rest = data.at_risk[TOP_AT_RISK:]
    if rest:
        out.append(
            tag(
                "details",
                join(
                    [
                        tag("summary", f"The other {len(rest)} red and amber accounts"),
                        table(
                            headers,
                            _at_risk_rows(rest, TOP_AT_RISK + 1),
                            numeric=(0, 3, 4, 5, 6),
                            wide=(9,),
                        ),
                    ]
                ),
            )
        )
    return out


def _parents_section(data: ReviewData) -> list[object]:
    out: list[object] = [tag("h2", "Parent accounts", id="parents")]
    rollups = data.parent_rollups
    if rollups is None:
        out.append(
            paragraph(
                "This warehouse has no parent roll-ups (marts.parent_account_health): the next "
                "run builds them."
            )
        )
        return out
    worst = data.worst_band or "red"
    if not rollups.parents:
        out.append(paragraph("No account has a parent account in the CRM (parent_account_id)."))
        return out
    if not rollups.listed:
        out.append(
            paragraph(
                f"None of the {rollups.parents:,} parent accounts is below the best band or has "
                f"a {worst} member."
            )
        )
        return out
    out.append(
        paragraph(
            f"{len(rollups.listed)} of the {rollups.parents:,} parent accounts are below the "
            f"best band or have a {worst} member, worst band first, then by ARR. A parent's "
            "members are every descendant at every depth and the parent itself when it is "
            "scored: its score is rolled up from them (the method is the dbt variable "
            "healthscore_parent_rollup_method) and the members per band count them all; "
            "“worst members” are its three lowest-scoring descendants."
        )
    )
    rows = [
        [
            join(
                [
                    tag("b", p.name),
                    tag("div", ROLLUP_METHOD_WORDS.get(p.rollup_method, ""), class_="note"),
                    *(
                        [tag("div", f"CRM tree issue: {p.hierarchy_issue}", class_="flag")]
                        if p.hierarchy_issue
                        else []
                    ),
                ]
            ),
            _band_action(p.band, p.action),
            _score(p.score),
            join(
                [
                    esc(f"{p.members_scored} of {p.members} scored"),
                    tag("div", p.members_per_band, class_="note"),
                ]
            ),
            money(p.total_arr),
            p.worst_members or "-",
        ]
        for p in rollups.listed
    ]
    out.append(
        table(
            ["parent account", "band and action", "score", "members", "ARR", "worst members"],
            rows,
            numeric=(2, 4),
            wide=(5,),
        )
    )
    return out


def _expansion_section(data: ReviewData) -> list[object]:
    out: list[object] = [tag("h2", "Expansion candidates", id="expansion")]
    if not data.candidates:
        out.append(paragraph("No account qualifies for an expansion conversation this week."))
        return out
    out.append(
        paragraph(
            f"{len(data.candidates)} healthy, well-used accounts (green, in the top quarter of "
            "scores, most of their seats in use), by ARR: talk about more seats and the core "
            "features they have not used in the last 90 days."
        )
    )
    rows = [
        [
            _name(c.name, c.segment),
            _score(c.score),
            percent(c.seat_utilisation),
            "-" if c.seats is None else f"{c.seats:,}",
            money(c.arr),
            tag("span", c.renewal_date or "no term", class_="nowrap"),
            _owner(c.owner, c.has_owner),
            c.unadopted or "none: every core feature is in use",
        ]
        for c in data.candidates
    ]
    out.append(
        table(
            [
                "account",
                "score",
                "seats in use",
                "licensed seats",
                "ARR",
                "renewal",
                "owner",
                "core features not adopted",
            ],
            rows,
            numeric=(1, 2, 3, 4),
            wide=(7,),
        )
    )
    return out


def _unowned_section(data: ReviewData) -> list[object]:
    out: list[object] = [tag("h2", "Accounts without an owner", id="unowned")]
    listed: dict[str, tuple[str, str | None, float | None, str]] = {}
    moved = {change.account.account_id for change in data.changes if change.worse}
    for account in data.at_risk:
        if not account.has_owner:
            why = account.action or ""
            if account.account_id in moved:
                why = f"moved to {account.band} this week: {why}"
            listed.setdefault(account.account_id, (account.name, account.band, account.arr, why))
    for candidate in data.candidates:
        if not candidate.has_owner:
            listed.setdefault(
                candidate.account_id,
                (candidate.name, "green", candidate.arr, "expansion conversation"),
            )
    if not data.unowned_customers:
        out.append(paragraph("Every customer has an owner in the CRM."))
        return out
    queue = data.default_owner or "the default owner"
    out.append(
        paragraph(
            f"{data.unowned_customers:,} customers have no owner in the CRM; their alerts and "
            f"actions go to {queue} (the dbt variable healthscore_default_owner). "
            f"{len(listed)} of them need attention this week: assign an owner or handle them "
            "from the queue."
        )
    )
    if listed:
        out.append(
            table(
                ["account", "band", "ARR", "why it needs attention", "routed to"],
                [
                    [tag("b", name), band(band_name), money(arr), why, queue]
                    for name, band_name, arr, why in listed.values()
                ],
                numeric=(2,),
            )
        )
    return out


def _reading_section(data: ReviewData) -> list[object]:
    worst = data.worst_band or "red"
    example = (
        f" This week {data.red_likely_to_renew} of the {data.red_accounts} {worst} accounts "
        "show a renewal probability of 80% or more."
        if data.red_accounts
        else ""
    )
    return [
        tag("h2", "Why a red account can show a high renewal probability", id="reading"),
        paragraph(
            "The band and the renewal probability answer different questions. The band comes "
            f"from the score alone, with the same thresholds for every account ({data.bands}): "
            "it says how this account's signals "
            "compare with healthy ones, so it tells you whom to look at first. The renewal "
            "probability is the share of accounts with that score that renewed in the past, "
            "fitted per segment: in a segment where most accounts renew whatever their score "
            "(monthly self-serve plans, for example), even a low score goes with a high "
            "probability." + example
        ),
        paragraph(
            "Use the band to decide whom to contact, and the renewal probability (through "
            "revenue at risk) to decide in which order. The validation report shows how well "
            "each has matched past renewals."
        ),
    ]


def _source(database: Location) -> str:
    """Where the page was read from: the DuckDB file, or the dbt target."""
    if isinstance(database, warehouse.Target):
        return warehouse.describe(database)
    return str(Path(database).resolve())


def review_html(data: ReviewData, database: Location) -> Html:
    worse = sum(1 for change in data.changes if change.worse)
    by_band: dict[str, int] = {}
    for account in sorted(data.at_risk, key=lambda a: a.band != data.worst_band):
        by_band[account.band or "-"] = by_band.get(account.band or "-", 0) + 1
    headline = figures(
        [
            *[(f"{name} accounts", f"{count:,}") for name, count in by_band.items()],
            ("revenue at risk", money(sum(a.revenue_at_risk or 0 for a in data.at_risk))),
            ("moved to a worse band", f"{worse:,}"),
            ("moved to a better band", f"{len(data.changes) - worse:,}"),
            (f"new alerts, last {REVIEW_DAYS} days", f"{data.alerts.logged:,}"),
            *(
                [("provisional alerts, not logged yet", f"{data.alerts.provisional:,}")]
                if data.alerts.provisional
                else []
            ),
            ("expansion candidates", f"{len(data.candidates):,}"),
            ("customers without an owner", f"{data.unowned_customers:,}"),
        ]
    )
    kind = {"warning": "warning", "ok": "ok"}.get(data.warning_kind, "info")
    body: list[object] = [
        tag("h1", "Weekly customer review"),
        paragraph(f"Scores as of {data.as_of}; last review {data.last_review or 'none'}.", "meta"),
        callout(join(paragraph(sentence) for sentence in data.warning), kind),
        headline,
        tag(
            "nav",
            join(
                tag("a", label, href=f"#{anchor}")
                for anchor, label in (
                    ("changes", "Band changes"),
                    ("at-risk", "Revenue at risk"),
                    ("parents", "Parent accounts"),
                    ("expansion", "Expansion"),
                    ("unowned", "No owner"),
                    ("closed-loop", "Did acting help?"),
                    ("reading", "Band or probability?"),
                )
            ),
            class_="toc",
        ),
        *_changes_section(data),
        *_at_risk_section(data),
        *_parents_section(data),
        *_expansion_section(data),
        *_unowned_section(data),
        tag("h2", "Did acting on alerts help?", id="closed-loop"),
        data.closed_loop,
        *_reading_section(data),
    ]
    footer = join(
        [
            esc(f"Written from {_source(database)}. "),
            esc("The tables behind it: marts.account_health, marts.account_health_history, "),
            esc("marts.health_alerts, marts.expansion_candidates, marts.alert_follow_up_effect, "),
            esc("marts.parent_account_health."),
        ]
    )
    return page(f"Weekly customer review, {data.as_of}", body, footer=footer)


# The terminal text --------------------------------------------------------------------------


def review_lines(data: ReviewData, html_path: Path) -> list[str]:
    worse = [change for change in data.changes if change.worse]
    lines = [
        f"Weekly review as of {data.as_of} (last review {data.last_review or 'none'}): {html_path}"
    ]
    if data.warning_kind == "warning":
        lines.append("  " + " ".join(data.warning[:2]))
    lines.append(
        f"  band changes: {len(worse)} worse, {len(data.changes) - len(worse)} better; "
        f"{data.alerts.logged} new alerts in the last {REVIEW_DAYS} days"
        f"{data.alerts.provisional_words()}"
    )
    total = sum(a.revenue_at_risk or 0 for a in data.at_risk)
    lines.append(
        f"  red and amber: {len(data.at_risk)} accounts, {money(total)} revenue at risk"
        + (
            f"; the largest: {data.at_risk[0].name} ({money(data.at_risk[0].revenue_at_risk)}, "
            f"{data.at_risk[0].owner})"
            if data.at_risk
            else ""
        )
    )
    if data.parent_rollups is not None and data.parent_rollups.listed:
        lines.append(
            f"  parent accounts below the best band or with a {data.worst_band or 'red'} member: "
            f"{len(data.parent_rollups.listed)} of {data.parent_rollups.parents}"
        )
    overridden = [a for a in data.at_risk if a.override]
    for account in overridden[:3]:
        lines.append(f"  {account.name} ({account.band}): {account.override}")
    if len(overridden) > 3:
        lines.append(f"  and {len(overridden) - 3} more red or amber accounts overridden")
    lines.append(f"  expansion candidates: {len(data.candidates)}")
    if data.unowned_customers:
        lines.append(
            f"  customers without an owner: {data.unowned_customers:,}, routed to "
            f"{data.default_owner}"
        )
    lines.extend(data.closed_loop_lines)
    return lines


def write_review(database: Location, reports_dir: Path) -> ReviewOutcome:
    """Write reports_dir/weekly_review.html and its archived copy
    reports_dir/reviews/weekly_review_<as_of>.html; return them with the terminal text."""
    database = location(database)
    with warehouse.connected(database, read_only=True) as con:
        data = read_review(con)
    reports_dir.mkdir(parents=True, exist_ok=True)
    out = reports_dir / REVIEW_FILE
    out.write_text(review_html(data, database))
    archive = reports_dir / ARCHIVE_DIR / f"weekly_review_{data.as_of}.html"
    archive.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, archive)
    return ReviewOutcome(out, "\n".join(review_lines(data, out)), data.as_of, data)
