"""Contacts of one account and the stakeholder departures that shock the relationship factor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accounts import FIRST_NAMES, LAST_NAMES
from .config import Mechanism, SegmentProfile

ROLES: tuple[str, ...] = ("executive_sponsor", "champion", "admin", "end_user", "other")
SPONSOR, CHAMPION, ADMIN, END_USER, OTHER = range(5)
# Yearly leave rate of the roles whose departure does not move the relationship factor.
_OTHER_TURNOVER_PER_YEAR = 0.12
_ADMIN_REPLACEMENT_PROBABILITY = 0.9


@dataclass
class Contacts:
    """Contacts of one account: seconds relative to the window start; left = inf when none."""

    role: np.ndarray
    created: np.ndarray
    left: np.ndarray
    email: list[str | None]

    def current(self, seconds: float, roles: tuple[int, ...]) -> np.ndarray:
        """Indices of contacts with one of `roles` in place at `seconds`."""
        in_place = (self.created <= seconds) & (self.left > seconds)
        return np.flatnonzero(in_place & np.isin(self.role, roles))

    def truncate(self, relationship_end: float, horizon: float) -> Contacts:
        """Drop contacts created after the relationship ended (or after the horizon), and
        forget departures after it: nobody records who leaves a former customer."""
        limit = min(relationship_end, horizon)
        keep = self.created < limit
        left = np.where(self.left < limit, self.left, np.inf)
        return Contacts(
            role=self.role[keep],
            created=self.created[keep],
            left=left[keep],
            email=[email for email, kept in zip(self.email, keep, strict=True) if kept],
        )


def generate_contacts(
    profile: SegmentProfile,
    account_created: float,
    horizon: float,
    domain: str,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> tuple[Contacts, list[float]]:
    """Contacts from account creation up to `horizon` (seconds), and the departure times of
    executive sponsors and champions (each one shocks the relationship factor)."""
    year = 365.0 * 86_400
    roles: list[int] = []
    created: list[float] = []
    left: list[float] = []
    departures: list[float] = []
    mix = profile.contacts
    plan = (
        (SPONSOR, mix.sponsors, mechanism.sponsor_departures_per_year),
        (CHAMPION, mix.champions, mechanism.champion_departures_per_year),
        (ADMIN, mix.admins, _OTHER_TURNOVER_PER_YEAR),
        (END_USER, mix.end_users, _OTHER_TURNOVER_PER_YEAR),
        (OTHER, mix.others, _OTHER_TURNOVER_PER_YEAR),
    )
    for role, (low, high, presence), rate in plan:
        if presence <= 0 or rng.random() >= presence:
            continue
        for _ in range(int(rng.integers(low, high + 1))):
            start = account_created + rng.exponential(20.0) * 86_400
            while start < horizon:
                leave = start + rng.exponential(year / rate)
                roles.append(role)
                created.append(start)
                left.append(leave if leave < horizon else np.inf)
                if leave >= horizon:
                    break
                if role in (SPONSOR, CHAMPION):
                    departures.append(leave)
                    replaced = rng.random() < mechanism.replacement_probability
                elif role == ADMIN:
                    replaced = rng.random() < _ADMIN_REPLACEMENT_PROBABILITY
                else:
                    replaced = False
                if not replaced:
                    break
                start = leave + rng.exponential(mechanism.replacement_mean_days) * 86_400
    order = np.argsort(np.asarray(created, dtype=float), kind="stable")
    emails: list[str | None] = []
    for _ in order:
        first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
        last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
        emails.append(None if rng.random() < 0.05 else f"{first}.{last}@{domain}".lower())
    contacts = Contacts(
        role=np.asarray(roles, dtype=np.int64)[order],
        created=np.floor(np.asarray(created, dtype=float)[order]),
        left=np.floor(np.asarray(left, dtype=float)[order]),
        email=emails,
    )
    return contacts, sorted(departures)
