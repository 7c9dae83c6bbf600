"""Company archetypes: structurally different fictional companies, each with its own tables,
segments, term lengths, event names and hidden churn mechanism (see docs/archetypes.md).

`enterprise_b2b` is the demo company of docs/demo_company.md (all ten tables, simulated by
simulate.py). The other archetypes are simulated by archetype_sim.py and its two archetype
modules; their churn coefficients are drawn per seed inside documented ranges, so two seeds
give two different companies of the same archetype.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .config import SEGMENT_NAMES
from .schema import TABLES

DEFAULT_ARCHETYPE = "enterprise_b2b"
LEAD_DRIVER_MULTIPLIER = 1.5


@dataclass(frozen=True)
class Archetype:
    """What kind of company an archetype is, and the ranges of its hidden mechanism."""

    name: str
    summary: str
    # Contract tables written; the others are not written at all (absent sources).
    tables: tuple[str, ...]
    # crm_accounts.segment values (None = a null segment on some accounts).
    segments: tuple[str | None, ...]
    # Days before a term's end_date at which a renewal is naturally predicted, per term length.
    natural_lead_days: dict[str, tuple[int, ...]]
    # The churn decision averages the latent state over weeks that end this many days before
    # the term's end_date (per term length). Empty for enterprise_b2b (see config.Mechanism).
    decision_lag_days: dict[str, int]
    # Per coefficient: (low, high) of the uniform draw made from the seed.
    coefficient_ranges: dict[str, tuple[float, float]]
    # The churn drivers; each seed makes one of them its lead driver, whose drawn weight is
    # multiplied by LEAD_DRIVER_MULTIPLIER (so seeds differ in which driver matters most).
    drivers: tuple[str, ...] = ()


ARCHETYPES: dict[str, Archetype] = {
    "enterprise_b2b": Archetype(
        name="enterprise_b2b",
        summary="the demo: sales-led B2B SaaS with four segments and all ten tables",
        tables=TABLES,
        segments=SEGMENT_NAMES,
        natural_lead_days={"monthly": (14,), "annual": (30, 60, 90)},
        decision_lag_days={},
        coefficient_ranges={},
    ),
    "product_led": Archetype(
        name="product_led",
        summary="product-led self-serve: monthly card plans, product and billing data only",
        tables=(
            "crm_accounts",
            "billing_subscriptions",
            "billing_invoices",
            "product_users",
            "product_events",
        ),
        segments=("starter", "team", "business", None),
        natural_lead_days={"monthly": (7,), "annual": (30, 60)},
        decision_lag_days={"monthly": 5, "annual": 21},
        coefficient_ranges={
            # logit weights (per unit of each driver; see docs/archetypes.md)
            "engagement": (-0.55, -0.25),
            "engagement_trend": (-2.0, -1.0),
            "early_tenure": (0.7, 1.5),
            "collaboration": (-0.6, -0.2),
            "stickiness": (-0.9, -0.4),
            "budget_stress": (0.4, 0.8),
            # irreducible parts of the true probability that no table records
            "hidden_account_sd": (0.35, 0.65),
            "hidden_decision_sd": (0.35, 0.65),
            # mean churn probability per decided term, which fixes the intercepts
            "target_churn_monthly": (0.035, 0.065),
            "target_churn_annual": (0.15, 0.30),
        },
        drivers=(
            "engagement",
            "engagement_trend",
            "early_tenure",
            "collaboration",
            "stickiness",
            "budget_stress",
        ),
    ),
    "usage_smb": Archetype(
        name="usage_smb",
        summary="usage-based SMB: volume-priced plans, billing and support, a thin CRM",
        tables=(
            "crm_accounts",
            "crm_contacts",
            "billing_subscriptions",
            "billing_invoices",
            "product_users",
            "product_events",
            "support_tickets",
        ),
        segments=("smb", "growth", "startup"),
        natural_lead_days={"monthly": (14,), "annual": (60,)},
        decision_lag_days={"monthly": 10, "annual": 45},
        coefficient_ranges={
            "volume_change": (-2.9, -1.6),
            "friction": (0.5, 1.0),
            "payment_stress": (0.3, 0.75),
            "early_tenure": (0.5, 1.3),
            "hidden_account_sd": (0.4, 0.7),
            "hidden_decision_sd": (0.4, 0.7),
            "target_churn_monthly": (0.03, 0.05),
            "target_churn_annual": (0.10, 0.20),
        },
        drivers=("volume_change", "friction", "payment_stress", "early_tenure"),
    ),
}
ARCHETYPE_NAMES: tuple[str, ...] = tuple(ARCHETYPES)
# Natural lead times per archetype and term length (days before end_date).
NATURAL_LEAD_DAYS: dict[str, dict[str, tuple[int, ...]]] = {
    name: archetype.natural_lead_days for name, archetype in ARCHETYPES.items()
}


def get_archetype(name: str) -> Archetype:
    """The archetype of a name (ValueError naming the choices otherwise)."""
    if name not in ARCHETYPES:
        raise ValueError(f"archetype must be one of {', '.join(ARCHETYPE_NAMES)}, got {name!r}.")
    return ARCHETYPES[name]


def archetype_entropy(name: str, seed: int) -> list[int]:
    """Seed entropy of a company of one archetype (stable across Python runs)."""
    return [seed, zlib.crc32(name.encode())]


@dataclass(frozen=True)
class DrawnMechanism:
    """A seed's mechanism: its coefficients (the lead driver's weight already multiplied) and
    which driver leads."""

    coefficients: dict[str, float]
    lead_driver: str | None


def draw_mechanism(name: str, seed: int) -> DrawnMechanism:
    """The seed's mechanism: one uniform draw inside each documented range, then one driver
    picked as the lead, its weight multiplied by LEAD_DRIVER_MULTIPLIER.

    It depends only on (archetype, seed), not on the company's size or window."""
    archetype = get_archetype(name)
    rng = np.random.default_rng(np.random.SeedSequence([*archetype_entropy(name, seed), 1]))
    coefficients = {
        key: float(rng.uniform(low, high))
        for key, (low, high) in archetype.coefficient_ranges.items()
    }
    lead = None
    if archetype.drivers:
        lead = archetype.drivers[int(rng.integers(len(archetype.drivers)))]
        coefficients[lead] *= LEAD_DRIVER_MULTIPLIER
    return DrawnMechanism(
        coefficients={key: round(value, 4) for key, value in coefficients.items()},
        lead_driver=lead,
    )


def draw_coefficients(name: str, seed: int) -> dict[str, float]:
    """The seed's coefficients (see draw_mechanism)."""
    return draw_mechanism(name, seed).coefficients
