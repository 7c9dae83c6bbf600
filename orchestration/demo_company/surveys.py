"""Survey responses of one account: quarterly NPS to contacts and CSAT after solved tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .billing import Relationship
from .contacts import ADMIN, CHAMPION, END_USER, OTHER, SPONSOR, Contacts
from .latent import ENGAGEMENT, FRICTION, RELATIONSHIP, LatentPaths
from .support import Tickets
from .timeline import SECONDS_PER_DAY, Window

SURVEY_TYPES: tuple[str, ...] = ("nps", "csat")
NPS, CSAT = range(2)
_NPS_MONTHS = (2, 5, 8, 11)
_ROLE_RESPONSE_FACTOR = np.array([0.7, 1.2, 1.0, 0.8, 0.6])  # by contact role
_CSAT_SURVEY_SHARE = 0.10


@dataclass
class Responses:
    """Survey responses of one account (seconds from the window start)."""

    kind: np.ndarray
    score: np.ndarray
    responded: np.ndarray
    contact: np.ndarray  # -1 = null


def nps_wave_days(window: Window) -> np.ndarray:
    """Day numbers of the quarterly NPS sends (the 15th of Feb, May, Aug, Nov)."""
    days = []
    for year in range(window.start.year, window.end.year + 1):
        for month in _NPS_MONTHS:
            day = window.day_of(date(year, month, 15))
            if 0 <= day < window.days:
                days.append(day)
    return np.asarray(days, dtype=float)


def generate_responses(
    survey_rate: float,
    rater_sd: float,
    relationship: Relationship,
    contacts: Contacts,
    tickets: Tickets,
    latent: LatentPaths,
    waves: np.ndarray,
    window: Window,
    rng: np.random.Generator,
) -> Responses:
    """NPS answers of contacts in place at each wave (score from R, E and F plus noise) and
    occasional CSAT answers after solved tickets."""
    kinds: list[int] = []
    scores: list[int] = []
    moments: list[int] = []
    who: list[int] = []
    horizon = window.days * SECONDS_PER_DAY
    # Some people always rate harshly, others generously.
    rater_bias = rng.normal(0.0, rater_sd, contacts.role.size)
    for wave in waves[relationship.active_on(waves)]:
        recipients = contacts.current(
            wave * SECONDS_PER_DAY, (SPONSOR, CHAMPION, ADMIN, END_USER, OTHER)
        )
        if recipients.size == 0:
            continue
        answer = (
            rng.random(recipients.size)
            < survey_rate * _ROLE_RESPONSE_FACTOR[contacts.role[recipients]]
        )
        factors = latent.at(wave)
        for contact in recipients[answer]:
            moment = int((wave + rng.exponential(3.0)) * SECONDS_PER_DAY + rng.integers(0, 86_400))
            score = (
                7.8
                + 1.2 * factors[RELATIONSHIP]
                + 0.4 * factors[ENGAGEMENT]
                - 0.3 * factors[FRICTION]
                + rater_bias[contact]
                + rng.normal(0.0, 1.2)
            )
            kinds.append(NPS)
            scores.append(int(np.clip(np.round(score), 0, 10)))
            moments.append(moment)
            who.append(int(contact))
    solved = np.flatnonzero(tickets.solved >= 0)
    surveyed = solved[rng.random(solved.size) < _CSAT_SURVEY_SHARE]
    for ticket in surveyed:
        moment = int(tickets.solved[ticket] + rng.exponential(1.0) * SECONDS_PER_DAY)
        score = 4.4 - 0.5 * tickets.friction[ticket] + rng.normal(0.0, 0.8)
        candidates = contacts.current(float(tickets.solved[ticket]), (CHAMPION, ADMIN, END_USER))
        kinds.append(CSAT)
        scores.append(int(np.clip(np.round(score), 1, 5)))
        moments.append(moment)
        who.append(int(candidates[rng.integers(candidates.size)]) if candidates.size else -1)
    responded = np.asarray(moments, dtype=np.int64)
    keep = responded < horizon
    order = np.argsort(responded[keep], kind="stable")
    return Responses(
        kind=np.asarray(kinds, dtype=np.int64)[keep][order],
        score=np.asarray(scores, dtype=np.int64)[keep][order],
        responded=responded[keep][order],
        contact=np.asarray(who, dtype=np.int64)[keep][order],
    )


def no_responses() -> Responses:
    """An account that never answers a survey."""
    empty = np.zeros(0, dtype=np.int64)
    return Responses(empty, empty, empty, empty)
