"""CRM activities (CSM touches, QBRs, inbound mail, automated mail) and opportunities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .billing import Relationship, sigmoid
from .config import SegmentProfile
from .contacts import ADMIN, CHAMPION, END_USER, OTHER, SPONSOR, Contacts
from .latent import ENGAGEMENT, FRICTION, RELATIONSHIP, LatentPaths
from .timeline import SECONDS_PER_DAY, Window, business_seconds

ACTIVITY_TYPES: tuple[str, ...] = ("meeting", "qbr", "call", "email")
MEETING, QBR, CALL, EMAIL = range(4)
DIRECTIONS: tuple[str, ...] = ("outbound", "inbound")
OUTCOMES: tuple[str, ...] = ("completed", "no_show", "cancelled", "replied", "no_reply")
COMPLETED, NO_SHOW, CANCELLED, REPLIED, NO_REPLY = range(5)
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
OPPORTUNITY_TYPES: tuple[str, ...] = ("new_business", "renewal", "expansion")
_TOUCH_TYPES = np.array([MEETING, CALL, EMAIL])
_TOUCH_MIX = np.array([0.35, 0.25, 0.40])
_CONTACT_PREFERENCE: dict[int, tuple[tuple[int, ...], ...]] = {
    QBR: ((SPONSOR,), (CHAMPION,), (ADMIN,)),
    MEETING: ((CHAMPION, SPONSOR, ADMIN),),
    CALL: ((CHAMPION, ADMIN),),
    EMAIL: ((SPONSOR, CHAMPION, ADMIN, OTHER),),
}


@dataclass(frozen=True)
class ActivityTraits:
    """Account traits that colour its CRM activities but not its churn: whether it gets
    automated e-mails, how rosy its CSM's notes are, and how hard it is to reach."""

    automated_emails: bool
    optimism: float
    busyness: float


@dataclass
class Activities:
    """Activities of one account (seconds from the window start; -1 = null)."""

    kind: np.ndarray
    inbound: np.ndarray
    outcome: np.ndarray  # -1 = null
    sentiment: np.ndarray  # -1 = null
    occurred: np.ndarray
    logged: np.ndarray
    contact: np.ndarray  # index into the account's contacts, -1 = null


@dataclass
class Opportunities:
    """Opportunities of one account."""

    kind: np.ndarray
    amount: np.ndarray  # nan = null
    created: np.ndarray  # seconds
    close_day: np.ndarray
    is_closed: np.ndarray
    is_won: np.ndarray  # -1 = null, 0 / 1


def generate_activities(
    profile: SegmentProfile,
    traits: ActivityTraits,
    relationship: Relationship,
    contacts: Contacts,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
) -> Activities:
    """Activities inside the customer intervals; outcomes and sentiment follow the latent
    relationship, engagement and friction."""
    first_day = max(0.0, relationship.intervals[0][0]) if relationship.intervals else 0.0
    weeks = np.arange(first_day, window.days, 7.0)
    weeks = weeks[relationship.active_on(weeks)]
    factors = latent.at(weeks)

    day_parts: list[np.ndarray] = []
    kind_parts: list[np.ndarray] = []
    inbound_parts: list[np.ndarray] = []
    automated_parts: list[np.ndarray] = []

    def add(days: np.ndarray, kinds: np.ndarray, inbound: bool, automated: bool) -> None:
        day_parts.append(days)
        kind_parts.append(kinds)
        inbound_parts.append(np.full(days.size, inbound))
        automated_parts.append(np.full(days.size, automated))

    if profile.csm_touches_per_week > 0:
        counts = rng.poisson(profile.csm_touches_per_week, weeks.size)
        days = np.repeat(weeks, counts) + rng.integers(0, 7, counts.sum())
        add(days, rng.choice(_TOUCH_TYPES, days.size, p=_TOUCH_MIX), False, False)
    if profile.inbound_per_week > 0:
        rate = profile.inbound_per_week * np.exp(
            0.3 * factors[:, FRICTION] + 0.2 * factors[:, RELATIONSHIP]
        )
        counts = rng.poisson(rate)
        days = np.repeat(weeks, counts) + rng.integers(0, 7, counts.sum())
        kinds = np.where(rng.random(days.size) < 0.7, EMAIL, CALL)
        add(days, kinds, True, False)
    if profile.qbrs_per_year > 0:
        for first, last in relationship.intervals:
            step = 365.0 / profile.qbrs_per_year
            start = first + rng.uniform(30.0, step)
            days = np.arange(start, min(last, window.days), step)
            days = days[days >= 0] + rng.integers(-10, 11, days[days >= 0].size)
            add(days, np.full(days.size, QBR), False, False)
    if traits.automated_emails:
        counts = rng.poisson(0.04, weeks.size)
        days = np.repeat(weeks, counts) + rng.integers(0, 7, counts.sum())
        add(days, np.full(days.size, EMAIL), False, True)

    if not day_parts:
        return _empty_activities()
    days = np.floor(np.concatenate(day_parts))
    kind = np.concatenate(kind_parts).astype(np.int64)
    inbound = np.concatenate(inbound_parts)
    automated = np.concatenate(automated_parts)
    keep = (days >= 0) & (days < window.days) & relationship.active_on(days)
    days, kind, inbound, automated = days[keep], kind[keep], inbound[keep], automated[keep]
    occurred = days.astype(np.int64) * SECONDS_PER_DAY + business_seconds(rng, days.size)
    order = np.argsort(occurred, kind="stable")
    occurred, kind, inbound, automated = (
        occurred[order],
        kind[order],
        inbound[order],
        automated[order],
    )
    return _activity_attributes(
        occurred, kind, inbound, automated, traits, contacts, latent, window, rng
    )


def _activity_attributes(
    occurred: np.ndarray,
    kind: np.ndarray,
    inbound: np.ndarray,
    automated: np.ndarray,
    traits: ActivityTraits,
    contacts: Contacts,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
) -> Activities:
    count = occurred.size
    factors = latent.at(occurred / SECONDS_PER_DAY)
    relation = factors[:, RELATIONSHIP]
    engagement = factors[:, ENGAGEMENT]
    friction = factors[:, FRICTION]

    draw = rng.random(count)
    busy = traits.busyness
    no_show = sigmoid(-2.4 - 0.9 * relation + busy)
    cancelled = sigmoid(-2.9 - 0.6 * relation + busy)
    spoken = np.where(
        draw < no_show, NO_SHOW, np.where(draw < no_show + cancelled, CANCELLED, COMPLETED)
    )
    reply_probability = np.where(
        automated,
        sigmoid(-2.0 + 0.6 * relation + 0.5 * engagement - busy),
        sigmoid(0.0 + 0.9 * relation + 0.3 * engagement - busy),
    )
    written = np.where(rng.random(count) < reply_probability, REPLIED, NO_REPLY)
    outcome = np.where(kind == EMAIL, written, spoken)
    outcome = np.where(inbound, np.where(kind == EMAIL, -1, COMPLETED), outcome)

    happened = (outcome == COMPLETED) | (outcome == REPLIED) | inbound
    rated = happened & ~automated & (rng.random(count) < 0.75)
    noise = rng.normal(0.0, 1.0, count)
    mood = 0.7 * relation + 0.2 * engagement - 0.2 * friction + traits.optimism + noise
    sentiment = np.where(mood > 0.5, 0, np.where(mood < -0.8, 2, 1))
    sentiment = np.where(rated, sentiment, -1)

    lag_draw = rng.random(count)
    lag = np.where(
        lag_draw < 0.70,
        rng.exponential(2400.0, count),
        rng.uniform(1.0, 5.0, count) * SECONDS_PER_DAY,
    ).astype(np.int64)
    logged = np.where(automated, occurred, occurred + lag)
    logged = np.where(~automated & (lag_draw > 0.95), -1, logged)
    # An activity whose note reaches the CRM after the window end is not in the extract yet.
    keep = logged < window.days * SECONDS_PER_DAY

    contact = np.full(count, -1, dtype=np.int64)
    for row in range(count):
        if rng.random() < 0.15:
            continue
        preferences = _CONTACT_PREFERENCE[int(kind[row])]
        if automated[row] or inbound[row]:
            preferences = ((SPONSOR, CHAMPION, ADMIN, END_USER, OTHER),)
        for roles in preferences:
            candidates = contacts.current(float(occurred[row]), roles)
            if candidates.size:
                contact[row] = candidates[rng.integers(candidates.size)]
                break
    return Activities(
        kind=kind[keep],
        inbound=inbound[keep],
        outcome=outcome[keep].astype(np.int64),
        sentiment=sentiment[keep].astype(np.int64),
        occurred=occurred[keep],
        logged=logged[keep],
        contact=contact[keep],
    )


def _empty_activities() -> Activities:
    empty = np.zeros(0, dtype=np.int64)
    return Activities(empty, np.zeros(0, dtype=bool), empty, empty, empty, empty, empty)


def generate_opportunities(
    profile: SegmentProfile,
    relationship: Relationship,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
) -> Opportunities:
    """New business for sales-led acquisitions, a renewal opportunity ~90 days before each
    annual term end, and expansion opportunities for highly engaged accounts."""
    rows: list[tuple[int, float, int, int, bool, int]] = []
    horizon = window.days * SECONDS_PER_DAY
    sales_led = profile.name != "self_serve"
    terms = relationship.terms
    interval_starts = {int(first) for first, _ in relationship.intervals}
    for index, term in enumerate(terms):
        if sales_led and term.start_day >= 0 and term.start_day in interval_starts:
            created = term.start_day - float(rng.uniform(20.0, 120.0))
            rows.append((0, term.arr, _seconds(created, rng), term.start_day, True, 1))
        if term.monthly:
            continue
        created = term.end_day - 90.0 + float(rng.uniform(-15.0, 15.0))
        if term.end_day >= 0 and created < window.days:
            won = -1 if not term.decided else int(not term.churned)
            rows.append((1, term.arr, _seconds(created, rng), term.end_day, term.decided, won))
        engagement = float(latent.at((term.start_day + term.end_day) / 2.0)[ENGAGEMENT])
        if engagement > 0.7 and rng.random() < 0.5:
            created = term.start_day + float(rng.uniform(0.3, 0.7)) * (
                term.end_day - term.start_day
            )
            if 0 <= created < window.days:
                expanded = index + 1 < len(terms) and terms[index + 1].seats > term.seats
                won = -1 if not term.decided else int(expanded and not term.churned)
                rows.append(
                    (
                        2,
                        round(term.arr * 0.2, 2),
                        _seconds(created, rng),
                        term.end_day,
                        term.decided,
                        won,
                    )
                )
    rows = [row for row in rows if row[2] < horizon]
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return Opportunities(empty, np.zeros(0), empty, empty, np.zeros(0, dtype=bool), empty)
    kind, amount, created_s, close_day, closed, won = (
        np.asarray(column) for column in zip(*rows, strict=True)
    )
    amount = np.where(rng.random(amount.size) < 0.05, np.nan, amount.astype(float))
    order = np.argsort(created_s, kind="stable")
    return Opportunities(
        kind=kind[order].astype(np.int64),
        amount=amount[order],
        created=created_s[order].astype(np.int64),
        close_day=close_day[order].astype(np.int64),
        is_closed=closed[order].astype(bool),
        is_won=won[order].astype(np.int64),
    )


def _seconds(day: float, rng: np.random.Generator) -> int:
    """A business-hours moment on the given (fractional) day."""
    return int(np.floor(day)) * SECONDS_PER_DAY + int(business_seconds(rng, 1)[0])
