"""Product users and events of one account, vectorised over a users x days matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .billing import Relationship, sigmoid
from .config import (
    CORE_FEATURES,
    EVENT_NAMES,
    FEATURE_ADOPTION_DAYS,
    FEATURE_NEVER_ADOPTED,
    FEATURE_POPULARITY,
    NON_CORE_FEATURES,
    VOLUME_FEATURES,
    Mechanism,
)
from .latent import ENGAGEMENT, FRICTION, STRESS, LatentPaths
from .timeline import SECONDS_PER_DAY, Window, business_seconds

_FEATURES = CORE_FEATURES + NON_CORE_FEATURES
_FEATURE_CODES = np.array([EVENT_NAMES.index(name) for name in _FEATURES], dtype=np.int8)
_LOG_POPULARITY = np.log([FEATURE_POPULARITY[name] for name in _FEATURES])
_BILLING_PAGE_COLUMN = _FEATURES.index("billing_page")
_HELP_CENTER_COLUMN = _FEATURES.index("help_center")
_LOGIN_CODE = EVENT_NAMES.index("login")
_SESSION_CODE = EVENT_NAMES.index("session_start")
_ONBOARDING_PER_WEEK = 0.3
_DEACTIVATION_LAG_DAYS = 14.0


@dataclass
class ProductData:
    """Users (days from the window start; inf = never deactivated) and their events."""

    user_created: np.ndarray
    user_deactivated: np.ndarray
    event_user: np.ndarray  # index into the users above
    event_seconds: np.ndarray
    event_code: np.ndarray  # index into config.EVENT_NAMES
    event_quantity: np.ndarray

    @classmethod
    def empty(cls) -> ProductData:
        """An account without product telemetry."""
        return cls(
            user_created=np.zeros(0),
            user_deactivated=np.zeros(0),
            event_user=np.zeros(0, dtype=np.int64),
            event_seconds=np.zeros(0, dtype=np.int64),
            event_code=np.zeros(0, dtype=np.int8),
            event_quantity=np.zeros(0),
        )


def generate_product(
    relationship: Relationship,
    account_created_day: float,
    engagement_mean: float,
    latent: LatentPaths,
    window: Window,
    day_offsets: np.ndarray,
    day_volume: np.ndarray,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> ProductData:
    """Users provisioned against licensed seats, and their daily activity."""
    created, deactivated = _simulate_users(
        relationship, account_created_day, latent, window, rng, mechanism
    )
    if created.size == 0:
        return ProductData.empty()
    users = created.size
    propensity = rng.normal(mechanism.user_propensity_mean, mechanism.user_propensity_sd, users)
    dormant = rng.random(users) < mechanism.dormant_user_share
    propensity += np.where(dormant, mechanism.dormant_user_offset, 0.0)
    adoption = _adoption_days(created, engagement_mean, rng)

    first_day = max(0, int(np.ceil(created.min())))
    last_day = window.days
    days = np.arange(first_day, last_day)
    if days.size == 0:
        return _no_events(created, deactivated)
    account_active = relationship.active_on(days)
    factors = latent.at(days)
    engagement = factors[:, ENGAGEMENT]
    logits = (
        propensity[:, None]
        + mechanism.activity_engagement_weight * engagement[None, :]
        + day_offsets[days][None, :]
    )
    user_active = (np.ceil(created)[:, None] <= days[None, :]) & (
        days[None, :] < np.floor(deactivated)[:, None]
    )
    active = user_active & account_active[None, :]
    active &= rng.random(logits.shape) < sigmoid(logits)
    user_index, day_index = np.nonzero(active)
    if user_index.size == 0:
        return _no_events(created, deactivated)
    active_days = days[day_index]

    rate = (
        mechanism.feature_events_per_active_day
        * np.exp(0.2 * engagement[day_index])
        * day_volume[active_days]
    )
    feature_counts = rng.poisson(rate)
    session_start = active_days * SECONDS_PER_DAY + business_seconds(rng, user_index.size)
    session_code = np.where(rng.random(user_index.size) < 0.3, _LOGIN_CODE, _SESSION_CODE)

    feature_user = np.repeat(user_index, feature_counts)
    feature_day = np.repeat(active_days, feature_counts)
    feature_start = np.repeat(session_start, feature_counts)
    day_end = (feature_day + 1) * SECONDS_PER_DAY - 1
    feature_seconds = np.minimum(
        feature_start + rng.exponential(900.0, feature_user.size).astype(np.int64), day_end
    )
    lifts = np.zeros((feature_user.size, 2))
    lifts[:, 0] = mechanism.billing_page_stress_weight * np.repeat(
        factors[day_index, STRESS], feature_counts
    )
    lifts[:, 1] = mechanism.help_center_friction_weight * np.repeat(
        factors[day_index, FRICTION], feature_counts
    )
    feature_code = _pick_features(adoption[feature_user], feature_day, lifts, rng)
    quantity = _quantities(feature_code, rng)

    event_user = np.concatenate([user_index, feature_user])
    event_seconds = np.concatenate([session_start, feature_seconds])
    event_code = np.concatenate([session_code.astype(np.int8), feature_code])
    event_quantity = np.concatenate([np.ones(user_index.size), quantity])
    order = np.argsort(event_seconds, kind="stable")
    return ProductData(
        user_created=created,
        user_deactivated=deactivated,
        event_user=event_user[order],
        event_seconds=event_seconds[order],
        event_code=event_code[order],
        event_quantity=event_quantity[order],
    )


def _no_events(created: np.ndarray, deactivated: np.ndarray) -> ProductData:
    data = ProductData.empty()
    data.user_created = created
    data.user_deactivated = deactivated
    return data


def _simulate_users(
    relationship: Relationship,
    account_created_day: float,
    latent: LatentPaths,
    window: Window,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly provisioning: users are added towards seats x utilisation (which follows
    engagement), turn over, and are all deactivated shortly after the customer leaves."""
    created: list[np.ndarray] = []
    deactivated: list[np.ndarray] = []
    weekly_turnover = mechanism.user_turnover_per_year / 52.0
    for first, last in relationship.intervals:
        if first >= window.days:
            continue
        if first < 0:
            initial = _targets(relationship, np.zeros(1), latent, mechanism)[0]
            earliest = max(account_created_day, -730.0, first - 365.0)
            born = np.sort(rng.uniform(earliest, 0.0, initial))
        else:
            born = np.array([first + rng.uniform(0.0, 1.0)])
        gone = np.full(born.size, np.inf)
        weeks = np.arange(max(first, 0.0), min(last, float(window.days)), 7.0)
        targets = _targets(relationship, weeks, latent, mechanism)
        hazards = weekly_turnover * np.exp(-0.5 * latent.at(weeks)[:, ENGAGEMENT])
        for week_start, target, hazard in zip(weeks, targets, hazards, strict=True):
            active = np.flatnonzero(np.isinf(gone))
            leaving = active[rng.random(active.size) < hazard]
            surplus = active.size - leaving.size - int(np.ceil(target * 1.2))
            if surplus > 0:
                remaining = np.setdiff1d(active, leaving)
                leaving = np.concatenate([leaving, remaining[: max(1, surplus // 3)]])
            gone[leaving] = week_start + rng.uniform(0.0, 7.0, leaving.size)
            missing = target - (active.size - leaving.size)
            if missing > 0:
                joining = rng.binomial(missing, _ONBOARDING_PER_WEEK)
                born = np.concatenate([born, week_start + rng.uniform(0.0, 7.0, joining)])
                gone = np.concatenate([gone, np.full(joining, np.inf)])
        if last <= window.days:
            still = np.isinf(gone)
            gone[still] = last + rng.uniform(0.0, _DEACTIVATION_LAG_DAYS, still.sum())
        created.append(born)
        deactivated.append(gone)
    if not created:
        return np.zeros(0), np.zeros(0)
    created_days = np.concatenate(created)
    deactivated_days = np.concatenate(deactivated)
    deactivated_days[deactivated_days >= window.days] = np.inf
    keep = created_days < window.days
    return created_days[keep], deactivated_days[keep]


def _targets(
    relationship: Relationship, days: np.ndarray, latent: LatentPaths, mechanism: Mechanism
) -> np.ndarray:
    """Users the customer wants provisioned on each day: seats x utilisation(engagement)."""
    utilisation = sigmoid(
        mechanism.utilisation_intercept
        + mechanism.utilisation_engagement_weight * latent.at(days)[:, ENGAGEMENT]
    )
    return np.maximum(1, np.round(relationship.seats_on(days) * utilisation)).astype(np.int64)


def _adoption_days(
    created: np.ndarray, engagement_mean: float, rng: np.random.Generator
) -> np.ndarray:
    """Day each user adopts each feature (inf = never); non-core features from day one.
    Engaged accounts adopt more features, sooner."""
    users = created.size
    adoption = np.repeat(created[:, None], len(_FEATURES), axis=1)
    for column, name in enumerate(CORE_FEATURES):
        mean_days = FEATURE_ADOPTION_DAYS[name] * np.exp(-0.5 * engagement_mean)
        never = sigmoid(
            np.log(FEATURE_NEVER_ADOPTED[name] / (1 - FEATURE_NEVER_ADOPTED[name]))
            - 0.6 * engagement_mean
        )
        delay = rng.exponential(mean_days, users)
        adoption[:, column] = np.where(rng.random(users) < never, np.inf, created + delay)
    return adoption


def _pick_features(
    adoption: np.ndarray, day: np.ndarray, lifts: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Feature of each feature event: popularity-weighted among the features the user had
    adopted by that day (Gumbel-max sampling). Financial stress sends users to the billing
    page and friction to the help center: `lifts` adds to their log-popularity."""
    if day.size == 0:
        return np.zeros(0, dtype=np.int8)
    scores = _LOG_POPULARITY[None, :] - np.log(-np.log(rng.random(adoption.shape)))
    scores[:, _BILLING_PAGE_COLUMN] += lifts[:, 0]
    scores[:, _HELP_CENTER_COLUMN] += lifts[:, 1]
    scores[adoption > day[:, None]] = -np.inf
    return _FEATURE_CODES[np.argmax(scores, axis=1)]


def _quantities(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Volume carried by each feature event: 1, or a skewed count for volume features."""
    quantity = np.ones(codes.size)
    for name, (median, sigma) in VOLUME_FEATURES.items():
        hit = codes == EVENT_NAMES.index(name)
        quantity[hit] = np.maximum(1.0, np.round(rng.lognormal(np.log(median), sigma, hit.sum())))
    return quantity
