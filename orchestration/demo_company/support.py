"""Support tickets of one account: a Poisson process driven by seats and friction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .billing import Relationship, sigmoid
from .config import Mechanism, SegmentProfile
from .latent import FRICTION, LatentPaths
from .timeline import SECONDS_PER_DAY, Window, business_seconds

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
TICKET_STATUSES: tuple[str, ...] = ("new", "open", "pending", "solved", "closed")
NEW, OPEN, PENDING, SOLVED, CLOSED = range(5)
CSAT_VALUES: tuple[str, ...] = ("good", "bad")
_RESPONSE_HOURS = np.array([8.0, 5.0, 2.0, 0.7])
_SOLVE_FACTOR = np.array([0.8, 1.0, 1.3, 1.5])
_ESCALATION_BUMP = np.array([0.0, 0.0, 0.8, 1.5])
_AUTO_CLOSE_DAYS = 4


@dataclass
class Tickets:
    """Tickets of one account (seconds from the window start; -1 = null)."""

    created: np.ndarray
    priority: np.ndarray
    status: np.ndarray
    first_response: np.ndarray
    solved: np.ndarray
    csat: np.ndarray  # -1 none, 0 good, 1 bad
    escalated: np.ndarray
    friction: np.ndarray  # latent friction at creation (used for CSAT surveys)


def generate_tickets(
    profile: SegmentProfile,
    relationship: Relationship,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> Tickets:
    """Weekly Poisson counts with rate base * sqrt(seats) * exp(0.6 F), plus a burst of
    tickets at the start of every incident."""
    first_day = max(0.0, relationship.intervals[0][0]) if relationship.intervals else 0.0
    week_days = np.arange(first_day, window.days, 7.0)
    active = relationship.active_on(week_days)
    week_days = week_days[active]
    friction = latent.at(week_days)[:, FRICTION]
    seats = relationship.seats_on(week_days)
    rate = (
        profile.tickets_per_week_per_sqrt_seat
        * np.sqrt(seats)
        * np.exp(mechanism.ticket_friction_weight * friction)
    )
    counts = rng.poisson(rate)
    days = np.repeat(week_days, counts) + rng.integers(0, 7, counts.sum())
    burst = np.zeros(days.size, dtype=bool)
    burst_days: list[np.ndarray] = []
    for incident in latent.incidents:
        if relationship.active_on(np.array([incident.start_day]))[0]:
            extra = rng.poisson(2.0 + 0.5 * np.sqrt(relationship.seats_on([incident.start_day])[0]))
            burst_days.append(np.floor(incident.start_day) + rng.integers(0, 3, extra))
    if burst_days:
        extra_days = np.concatenate(burst_days)
        days = np.concatenate([days, extra_days])
        burst = np.concatenate([burst, np.ones(extra_days.size, dtype=bool)])
    keep = (days >= 0) & (days < window.days) & relationship.active_on(days)
    days = days[keep].astype(np.int64)
    burst = burst[keep]
    created = days * SECONDS_PER_DAY + business_seconds(rng, days.size)
    order = np.argsort(created, kind="stable")
    created, burst = created[order], burst[order]
    return _ticket_attributes(created, burst, latent, window, rng)


def _ticket_attributes(
    created: np.ndarray,
    burst: np.ndarray,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
) -> Tickets:
    count = created.size
    friction = latent.at(created / SECONDS_PER_DAY)[:, FRICTION]
    scores = np.stack(
        [
            np.zeros(count),
            np.full(count, 0.7),
            -0.9 + 0.45 * friction + burst,
            -2.4 + 0.6 * friction + 1.5 * burst,
        ],
        axis=1,
    )
    gumbel = -np.log(-np.log(rng.random(scores.shape)))
    priority = np.argmax(scores + gumbel, axis=1)
    escalated = rng.random(count) < sigmoid(-3.6 + 0.6 * friction + _ESCALATION_BUMP[priority])

    horizon = window.days * SECONDS_PER_DAY
    response_hours = _RESPONSE_HOURS[priority] * np.exp(0.2 * friction)
    first_response = created + (rng.lognormal(np.log(response_hours), 0.8) * 3600.0).astype(
        np.int64
    )
    never_answered = rng.random(count) < 0.03
    first_response = np.where(never_answered | (first_response >= horizon), -1, first_response)
    solve_hours = 20.0 * np.exp(0.35 * friction) * _SOLVE_FACTOR[priority]
    solved = created + (rng.lognormal(np.log(solve_hours), 1.2) * 3600.0).astype(np.int64)
    solved = np.maximum(solved, np.where(first_response >= 0, first_response, created))
    solved = np.where(solved >= horizon, -1, solved)
    first_response = np.where((solved >= 0) & (first_response < 0), solved, first_response)

    open_status = np.where(
        first_response < 0, NEW, np.where(rng.random(count) < 0.6, OPEN, PENDING)
    )
    solved_status = np.where(solved < horizon - _AUTO_CLOSE_DAYS * SECONDS_PER_DAY, CLOSED, SOLVED)
    status = np.where(solved >= 0, solved_status, open_status)
    answered = (solved >= 0) & (rng.random(count) < 0.3)
    bad = rng.random(count) < sigmoid(-2.3 + 0.7 * friction + 0.5 * escalated)
    csat = np.where(answered, bad.astype(np.int64), -1)
    return Tickets(
        created=created,
        priority=priority.astype(np.int64),
        status=status.astype(np.int64),
        first_response=first_response,
        solved=solved,
        csat=csat,
        escalated=escalated,
        friction=friction,
    )


def no_tickets() -> Tickets:
    """An account that never contacts support."""
    empty = np.zeros(0, dtype=np.int64)
    return Tickets(empty, empty, empty, empty, empty, empty, np.zeros(0, dtype=bool), np.zeros(0))
