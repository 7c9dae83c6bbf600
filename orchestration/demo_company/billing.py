"""Subscription terms with the hidden renewal decision, and the invoices of each term."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import Mechanism, SegmentProfile
from .latent import ENGAGEMENT, FRICTION, STRESS, LatentPaths
from .timeline import SECONDS_PER_DAY, Window

INVOICE_STATUSES: tuple[str, ...] = ("paid", "open", "void", "uncollectible")
PAID, OPEN, VOID, UNCOLLECTIBLE = range(4)


@dataclass
class Term:
    """One contract term. Days are relative to the window start; end_day is the renewal date."""

    start_day: int
    end_day: int
    seats: int
    arr: float
    plan: str
    monthly: bool
    quarterly_invoicing: bool
    canceled_seconds: int | None = None
    decided: bool = False
    churned: bool = False
    churn_probability: float = float("nan")


@dataclass
class Relationship:
    """The terms of one account and the periods in which it was a customer."""

    terms: list[Term] = field(default_factory=list)
    # (first day, last day exclusive); the last day is inf while still a customer.
    intervals: list[tuple[float, float]] = field(default_factory=list)

    @property
    def end(self) -> float:
        """Day the account stopped being a customer (inf when it still is)."""
        return self.intervals[-1][1] if self.intervals else float("inf")

    def seats_on(self, days: np.ndarray) -> np.ndarray:
        """Licensed seats of the latest term started on or before each day (0 before any)."""
        starts = np.array([term.start_day for term in self.terms], dtype=float)
        seats = np.array([term.seats for term in self.terms], dtype=np.int64)
        index = np.searchsorted(starts, np.asarray(days, dtype=float), side="right") - 1
        return np.where(index >= 0, seats[np.maximum(index, 0)], 0)

    def active_on(self, days: np.ndarray) -> np.ndarray:
        """True on days inside a customer interval."""
        days = np.asarray(days, dtype=float)
        active = np.zeros(days.shape, dtype=bool)
        for first, last in self.intervals:
            active |= (days >= first) & (days < last)
        return active


def sigmoid(value: np.ndarray | float) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-np.asarray(value, dtype=float)))


def churn_probability(profile: SegmentProfile, monthly: bool, factors: np.ndarray) -> float:
    """The hidden mechanism's churn probability for averaged factor values."""
    coefficients = profile.churn
    logit = coefficients.intercept(monthly) + float(np.dot(coefficients.weights(), factors))
    return float(sigmoid(logit))


def build_relationship(
    profile: SegmentProfile,
    first_start: int,
    seats: int,
    price_per_seat: float,
    plan: str,
    monthly: bool,
    quarterly_invoicing: bool,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> Relationship:
    """Chain terms from the first start, deciding renew or churn at every term end that falls
    inside the window."""
    relationship = Relationship()
    term_months = 1 if monthly else 12
    start = first_start
    interval_start: float | None = float(first_start)
    while start <= window.days:
        end = window.add_months_day(start, term_months)
        arr = round(seats * price_per_seat * (12.0 if monthly else 1.0), 2)
        term = Term(start, end, seats, arr, plan, monthly, quarterly_invoicing)
        relationship.terms.append(term)
        if end > window.days:
            break
        factors = latent.decision_mean(end, mechanism)
        term.decided = True
        term.churn_probability = churn_probability(profile, monthly, factors)
        term.churned = bool(rng.random() < term.churn_probability)
        if term.churned:
            term.canceled_seconds = _cancellation(term, rng, mechanism)
            relationship.intervals.append((interval_start, float(end)))
            interval_start = None
            if rng.random() >= mechanism.winback_share:
                break
            start = end + int(rng.integers(31, 241))
            if start <= window.days:
                interval_start = float(start)
            seats = max(profile.seats_min, round(seats * rng.lognormal(0.0, 0.25)))
            continue
        start = _next_start(term, rng, mechanism)
        seats, price_per_seat = _renewed_size(
            profile, seats, price_per_seat, monthly, factors[ENGAGEMENT], rng
        )
    if interval_start is not None:
        relationship.intervals.append((interval_start, float("inf")))
    return relationship


def _cancellation(term: Term, rng: np.random.Generator, mechanism: Mechanism) -> int | None:
    """When the churning customer asked to cancel (seconds), or None if it simply lapsed."""
    if rng.random() < mechanism.no_cancel_notice_share:
        return None
    low, high = (0, 20) if term.monthly else (10, 90)
    lead_days = int(rng.integers(low, high + 1))
    earliest = max(term.start_day, term.end_day - lead_days)
    span = (term.end_day - earliest) * SECONDS_PER_DAY
    offset = int(rng.integers(0, max(span, SECONDS_PER_DAY)))
    return min(earliest * SECONDS_PER_DAY + offset, term.end_day * SECONDS_PER_DAY - 1)


def _next_start(term: Term, rng: np.random.Generator, mechanism: Mechanism) -> int:
    """Start of the renewed term: back to back, early (overlapping) or late within grace."""
    draw = rng.random()
    if term.monthly:
        if draw < mechanism.late_renewal_share * 0.8:
            return term.end_day + int(rng.integers(1, 11))
        return term.end_day
    if draw < mechanism.early_renewal_share:
        return term.end_day - int(rng.integers(1, 46))
    if draw < mechanism.early_renewal_share + mechanism.late_renewal_share:
        return term.end_day + int(rng.integers(1, 31))
    return term.end_day


def _renewed_size(
    profile: SegmentProfile,
    seats: int,
    price_per_seat: float,
    monthly: bool,
    engagement: float,
    rng: np.random.Generator,
) -> tuple[int, float]:
    """Seats and price of a renewed term: expansion follows engagement (utilisation)."""
    ceiling = profile.seats_max * 2
    if monthly:
        if rng.random() < 0.06:
            change = 0.3 * engagement + rng.normal(0.0, 0.3)
            seats = int(np.clip(round(seats * np.exp(change)), profile.seats_min, ceiling))
        return seats, price_per_seat
    if rng.random() < 0.7:
        change = 0.15 * engagement + rng.normal(0.02, 0.12)
        seats = int(np.clip(round(seats * np.exp(change)), profile.seats_min, ceiling))
    return seats, round(price_per_seat * (1.0 + rng.uniform(0.0, 0.05)))


@dataclass
class Invoices:
    """Invoices of one account (seconds from the window start; -1 for null paid_at)."""

    term_index: np.ndarray
    amount: np.ndarray
    issued: np.ndarray
    due: np.ndarray
    paid: np.ndarray
    status: np.ndarray
    disputed: np.ndarray


def build_invoices(
    relationship: Relationship,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> Invoices:
    """Invoices issued inside the window: monthly terms once, annual terms once or quarterly.

    Late payment, non-payment and disputes rise with financial stress (and friction)."""
    term_index: list[int] = []
    issue_day: list[int] = []
    amount: list[float] = []
    for index, term in enumerate(relationship.terms):
        if term.monthly or not term.quarterly_invoicing:
            schedule = [(term.start_day, term.arr / 12.0 if term.monthly else term.arr)]
        else:
            schedule = [
                (window.add_months_day(term.start_day, 3 * quarter), term.arr / 4.0)
                for quarter in range(4)
                if window.add_months_day(term.start_day, 3 * quarter) < term.end_day
            ]
        for day, value in schedule:
            if 0 <= day < window.days and day < relationship_end_day(relationship, term):
                term_index.append(index)
                issue_day.append(day)
                amount.append(round(value, 2))
    count = len(term_index)
    days = np.asarray(issue_day, dtype=np.int64)
    issued = days * SECONDS_PER_DAY + rng.integers(2 * 3600, 8 * 3600, count)
    due = issued + 30 * SECONDS_PER_DAY
    factors = latent.at(days)
    stress = factors[:, STRESS]
    friction = factors[:, FRICTION]
    monthly = np.array([relationship.terms[i].monthly for i in term_index], dtype=bool)

    void = rng.random(count) < 0.01
    never_paid = rng.random(count) < sigmoid(-5.0 + 1.0 * stress)
    # Card payments (monthly terms) go through at once unless the card fails; a failed card is
    # retried and fixed days to weeks later. Invoiced customers (annual terms) pay after a
    # number of days that grows with stress (median 22 days at S = 0; due after 30).
    card_fails = rng.random(count) < sigmoid(
        mechanism.late_payment_intercept + mechanism.late_payment_stress_weight * stress
    )
    card_delay = np.where(
        card_fails,
        rng.lognormal(np.log(34.0) + 0.2 * stress, 0.45, count),
        rng.exponential(0.2, count),
    )
    invoice_delay = rng.lognormal(
        np.log(mechanism.invoice_days_to_pay) + mechanism.invoice_stress_weight * stress,
        mechanism.invoice_delay_sd,
        count,
    )
    delay_days = np.where(monthly, card_delay, invoice_delay)
    paid = issued + (delay_days * SECONDS_PER_DAY).astype(np.int64)
    horizon = window.days * SECONDS_PER_DAY
    unpaid = void | never_paid | (paid >= horizon)
    paid = np.where(unpaid, -1, paid)
    long_overdue = due + 90 * SECONDS_PER_DAY < horizon
    status = np.where(
        void,
        VOID,
        np.where(
            paid >= 0,
            PAID,
            np.where(never_paid & long_overdue & (rng.random(count) < 0.5), UNCOLLECTIBLE, OPEN),
        ),
    )
    disputed = rng.random(count) < sigmoid(-4.5 + 0.6 * stress + 0.4 * friction)
    return Invoices(
        term_index=np.asarray(term_index, dtype=np.int64),
        amount=np.asarray(amount, dtype=float),
        issued=issued,
        due=due,
        paid=paid,
        status=status.astype(np.int64),
        disputed=disputed,
    )


def relationship_end_day(relationship: Relationship, term: Term) -> float:
    """Day the customer interval containing `term` ends (inf when still running)."""
    for first, last in relationship.intervals:
        if first <= term.start_day < last:
            return last
    return float("inf")
