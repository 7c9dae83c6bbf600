"""The account roster: segment, size, timeline, price and which sources each account lacks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import INDUSTRIES, SEGMENTS, Mechanism
from .timeline import Window

_NAME_HEADS = (
    "Acme", "Blue", "North", "Bright", "Silver", "Harbor", "Summit", "Cedar", "Nova", "Atlas",
    "Maple", "Quartz", "Falcon", "Orbit", "Pioneer", "Granite", "Lumen", "Vertex", "Willow",
    "Crimson", "Polar", "Sterling", "Evergreen", "Beacon", "Cobalt", "Meridian", "Redwood",
    "Horizon", "Juniper", "Keystone", "Lighthouse", "Oak", "Prairie", "Riverside", "Sable",
    "Tidal", "Union", "Vantage", "Zenith", "Aurora",
)  # fmt: skip
_NAME_TAILS = (
    "Analytics", "Logistics", "Health", "Foods", "Robotics", "Media", "Capital", "Systems",
    "Labs", "Works", "Energy", "Retail", "Partners", "Dynamics", "Networks", "Studios",
    "Software", "Biotech", "Freight", "Learning", "Insurance", "Telecom", "Motors", "Goods",
    "Consulting", "Security", "Payments", "Travel", "Farms", "Apparel",
)  # fmt: skip
_NAME_SUFFIXES = ("Inc", "Ltd", "GmbH", "LLC", "Group", "SA", "BV", "Co")
FIRST_NAMES = (
    "Alice", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Kara", "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Silva",
    "Tanaka", "Usman", "Vogel", "Weber", "Xu", "Yilmaz", "Zimmer", "Novak", "Meyer", "Klein",
    "Patel",
)  # fmt: skip

# Correlation of the account means of (engagement, friction, stress, relationship).
_MEAN_CORRELATION_SIGNS = np.array(
    [
        [1.0, -1.0, -0.5, 1.5],
        [-1.0, 1.0, 0.5, -0.5],
        [-0.5, 0.5, 1.0, -0.5],
        [1.5, -0.5, -0.5, 1.0],
    ]
)


@dataclass(frozen=True)
class Roster:
    """One entry per account, index i = account number - 1."""

    account_ids: list[str]
    names: list[str]
    domains: list[str]
    segment: np.ndarray  # index into SEGMENTS
    industry: list[str | None]
    csm_owner: list[str | None]
    parent: np.ndarray  # account index, -1 when none
    is_existing: np.ndarray
    created_seconds: np.ndarray  # seconds from the window start (negative before it)
    first_start_day: np.ndarray
    monthly: np.ndarray
    seats: np.ndarray
    price_per_seat: np.ndarray  # per year for annual terms, per month for monthly terms
    plan: list[str]
    quarterly_invoicing: np.ndarray
    no_telemetry: np.ndarray
    no_support: np.ndarray
    never_surveyed: np.ndarray
    survey_rate: np.ndarray
    automated_emails: np.ndarray
    csm_optimism: np.ndarray  # sentiment bias of whoever logs the account's activities
    busyness: np.ndarray  # how hard the customer is to reach, whatever the relationship
    latent_means: np.ndarray  # (accounts, 4)

    def __len__(self) -> int:
        return len(self.account_ids)


def id_width(count: int, minimum: int) -> int:
    """Digits of zero-padded ids for `count` items."""
    return max(minimum, len(str(count)))


def build_roster(
    count: int, window: Window, rng: np.random.Generator, mechanism: Mechanism
) -> Roster:
    """Draw the static attributes of `count` accounts."""
    segment = _assign_segments(count, rng)
    width = id_width(count, 5)
    account_ids = [f"acc_{i + 1:0{width}d}" for i in range(count)]
    names, domains = _company_names(count, rng)

    monthly = np.zeros(count, dtype=bool)
    seats = np.zeros(count, dtype=np.int64)
    price = np.zeros(count)
    plans: list[str] = [""] * count
    quarterly = np.zeros(count, dtype=bool)
    automated = np.zeros(count, dtype=bool)
    for index, profile in enumerate(SEGMENTS):
        members = np.flatnonzero(segment == index)
        size = members.size
        raw = rng.lognormal(np.log(profile.seats_median), profile.seats_sigma, size)
        seg_seats = np.clip(np.round(raw), profile.seats_min, profile.seats_max).astype(np.int64)
        seats[members] = seg_seats
        is_monthly = rng.random(size) < profile.monthly_share
        monthly[members] = is_monthly
        plan_choice = rng.integers(0, len(profile.plans), size)
        wiggle = rng.lognormal(0.0, 0.1, size)
        annual_price = (
            profile.price_per_seat_year
            * (seg_seats / profile.seats_min) ** -profile.volume_discount
            * wiggle
        )
        monthly_price = profile.monthly_price_per_seat * (1.0 + 0.6 * plan_choice) * wiggle
        price[members] = np.where(is_monthly, np.round(monthly_price), np.round(annual_price))
        for member, choice in zip(members, plan_choice, strict=True):
            plans[member] = profile.plans[choice]
        quarterly[members] = ~is_monthly & (rng.random(size) < profile.quarterly_invoice_share)
        automated[members] = rng.random(size) < profile.automated_email_share

    is_existing = rng.random(count) < mechanism.existing_share
    first_start, created = _timeline(is_existing, monthly, segment, window, rng, mechanism)

    industry: list[str | None] = [
        None if rng.random() < 0.08 else INDUSTRIES[rng.integers(len(INDUSTRIES))]
        for _ in range(count)
    ]
    csm_owner = _csm_owners(segment, rng)
    parent = _parents(segment, rng)

    correlation = np.eye(4) + (1 - np.eye(4)) * _MEAN_CORRELATION_SIGNS * (
        mechanism.account_mean_correlation / 1.5
    )
    latent_means = (
        rng.multivariate_normal(np.zeros(4), correlation, count) * mechanism.account_mean_sd
    )

    return Roster(
        account_ids=account_ids,
        names=names,
        domains=domains,
        segment=segment,
        industry=industry,
        csm_owner=csm_owner,
        parent=parent,
        is_existing=is_existing,
        created_seconds=created,
        first_start_day=first_start,
        monthly=monthly,
        seats=seats,
        price_per_seat=price,
        plan=plans,
        quarterly_invoicing=quarterly,
        no_telemetry=rng.random(count) < mechanism.no_telemetry_share,
        no_support=rng.random(count) < mechanism.no_support_share,
        never_surveyed=rng.random(count) < mechanism.never_surveyed_share,
        survey_rate=rng.beta(2.0, 10.0, count),
        automated_emails=automated,
        csm_optimism=rng.normal(0.0, mechanism.csm_optimism_sd, count),
        busyness=rng.normal(0.0, mechanism.busyness_sd, count),
        latent_means=latent_means,
    )


def _assign_segments(count: int, rng: np.random.Generator) -> np.ndarray:
    """Segment index per account, in proportion to the weights (every segment present)."""
    weights = np.array([profile.weight for profile in SEGMENTS])
    sizes = np.maximum(1, np.floor(weights * count).astype(np.int64))
    while sizes.sum() < count:
        sizes[np.argmax(weights * count - sizes)] += 1
    while sizes.sum() > count:
        sizes[np.argmax(sizes)] -= 1
    segment = np.repeat(np.arange(len(SEGMENTS)), sizes)
    return rng.permutation(segment)


def _timeline(
    is_existing: np.ndarray,
    monthly: np.ndarray,
    segment: np.ndarray,
    window: Window,
    rng: np.random.Generator,
    mechanism: Mechanism,
) -> tuple[np.ndarray, np.ndarray]:
    """First term start (day) and account creation (seconds) for every account.

    Existing customers' first term straddles the window start; new customers arrive through
    the window with an exponentially growing rate (growth g: the last month has e^g times
    the acquisitions of the first).
    """
    count = is_existing.size
    term_days = np.where(monthly, 28, 365)  # shorter than any term: it ends inside the window
    straddle_start = -rng.integers(0, term_days)
    growth = mechanism.acquisition_growth
    uniform = rng.random(count)
    arrival = np.floor(window.days * np.log1p(uniform * np.expm1(growth)) / growth)
    first_start = np.where(is_existing, straddle_start, arrival).astype(np.int64)

    history_days = int(mechanism.history_years_before_window * 365)
    back = rng.random(count) * np.maximum(history_days + straddle_start, 0)
    # Lead time from account creation to first contract: trial or sales cycle by segment.
    lead_days = np.array([120.0, 60.0, 25.0, 7.0])[segment] * rng.random(count) * 2.0
    created_day = np.where(is_existing, straddle_start - back, arrival - lead_days)
    created_seconds = np.floor(created_day * 86_400).astype(np.int64)
    return first_start, created_seconds


def _csm_owners(segment: np.ndarray, rng: np.random.Generator) -> list[str | None]:
    """Dedicated CSMs for enterprise and mid-market, a pooled team for smb, none for
    self-serve."""
    owners: list[str | None] = [None] * segment.size
    for index, profile in enumerate(SEGMENTS):
        members = np.flatnonzero(segment == index)
        if not profile.has_csm or members.size == 0:
            continue
        if profile.accounts_per_csm == 0:
            for member in members:
                owners[member] = "Scale CS Team"
            continue
        pool_size = int(np.ceil(members.size / profile.accounts_per_csm))
        pool = [person_name(rng) for _ in range(pool_size)]
        for member in members:
            owners[member] = pool[rng.integers(pool_size)]
    return owners


def person_name(rng: np.random.Generator) -> str:
    """A random first and last name."""
    first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
    return f"{first} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"


def _parents(segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """About 3% of sales-led accounts are subsidiaries of an enterprise account."""
    parent = np.full(segment.size, -1, dtype=np.int64)
    enterprises = np.flatnonzero(segment == 0)
    if enterprises.size == 0:
        return parent
    candidates = np.flatnonzero((segment == 1) | (segment == 2) | (segment == 0))
    for member in candidates:
        if rng.random() < 0.03:
            choice = enterprises[rng.integers(enterprises.size)]
            if choice != member:
                parent[member] = choice
    return parent


def _company_names(count: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Unique company names and their e-mail domains."""
    names: list[str] = []
    domains: list[str] = []
    seen: dict[str, int] = {}
    for _ in range(count):
        head = _NAME_HEADS[rng.integers(len(_NAME_HEADS))]
        tail = _NAME_TAILS[rng.integers(len(_NAME_TAILS))]
        suffix = _NAME_SUFFIXES[rng.integers(len(_NAME_SUFFIXES))]
        base = f"{head} {tail}"
        seen[base] = seen.get(base, 0) + 1
        number = seen[base]
        stem = base if number == 1 else f"{base} {number}"
        names.append(f"{stem} {suffix}")
        slug = stem.lower().replace(" ", "")
        domains.append(f"{slug}.{'io' if rng.random() < 0.3 else 'com'}")
    return names, domains
