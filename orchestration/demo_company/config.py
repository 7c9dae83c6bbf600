"""Segment profiles and the constants of the hidden mechanism (see docs/demo_company.md)."""

from __future__ import annotations

from dataclasses import dataclass

CORE_FEATURES: tuple[str, ...] = (
    "dashboards",
    "reports",
    "integrations",
    "automations",
    "alerts",
    "api",
    "exports",
    "collaboration",
)
NON_CORE_FEATURES: tuple[str, ...] = ("settings", "help_center", "billing_page", "profile")
SESSION_EVENTS: tuple[str, ...] = ("login", "session_start")
# Every event name, in the order used for the integer codes of the product generator.
EVENT_NAMES: tuple[str, ...] = SESSION_EVENTS + CORE_FEATURES + NON_CORE_FEATURES

# Per feature: relative popularity once adopted, mean days from a user's creation to adoption,
# and the probability that an average-engagement user never adopts it (non-core: always).
FEATURE_POPULARITY: dict[str, float] = {
    "dashboards": 5.0,
    "reports": 3.0,
    "integrations": 1.0,
    "automations": 1.0,
    "alerts": 1.0,
    "api": 1.5,
    "exports": 1.2,
    "collaboration": 2.5,
    "settings": 0.4,
    "help_center": 0.3,
    "billing_page": 0.3,
    "profile": 0.3,
}
FEATURE_ADOPTION_DAYS: dict[str, float] = {
    "dashboards": 3.0,
    "reports": 20.0,
    "integrations": 90.0,
    "automations": 120.0,
    "alerts": 60.0,
    "api": 150.0,
    "exports": 45.0,
    "collaboration": 30.0,
}
FEATURE_NEVER_ADOPTED: dict[str, float] = {
    "dashboards": 0.05,
    "reports": 0.15,
    "integrations": 0.55,
    "automations": 0.6,
    "alerts": 0.4,
    "api": 0.7,
    "exports": 0.35,
    "collaboration": 0.3,
}
# Events that carry a volume (records, API calls): lognormal median and sigma of `quantity`.
VOLUME_FEATURES: dict[str, tuple[float, float]] = {
    "api": (50.0, 1.4),
    "integrations": (20.0, 1.1),
    "exports": (200.0, 1.2),
}

INDUSTRIES: tuple[str, ...] = (
    "software",
    "financial_services",
    "healthcare",
    "retail",
    "manufacturing",
    "education",
    "media",
    "logistics",
    "professional_services",
    "public_sector",
)

# The four latent factors, in the order used for every (..., 4) array.
FACTORS: tuple[str, ...] = ("engagement", "friction", "stress", "relationship")


@dataclass(frozen=True)
class ChurnCoefficients:
    """Churn logit = intercept + engagement*E + friction*F + stress*S + relationship*R, with
    the intercept of the term length (monthly terms decide twelve times a year)."""

    annual_intercept: float
    monthly_intercept: float
    engagement: float
    friction: float
    stress: float
    relationship: float

    def intercept(self, monthly: bool) -> float:
        """Intercept for a monthly or an annual term."""
        return self.monthly_intercept if monthly else self.annual_intercept

    def weights(self) -> tuple[float, float, float, float]:
        """The four factor weights in FACTORS order."""
        return (self.engagement, self.friction, self.stress, self.relationship)


@dataclass(frozen=True)
class ContactMix:
    """How many contacts of each role an account starts with: (min, max) inclusive, and the
    probability that the role is present at all."""

    sponsors: tuple[int, int, float]
    champions: tuple[int, int, float]
    admins: tuple[int, int, float]
    end_users: tuple[int, int, float]
    others: tuple[int, int, float]


@dataclass(frozen=True)
class SegmentProfile:
    """Everything that differs by segment."""

    name: str
    weight: float
    seats_median: float
    seats_sigma: float
    seats_min: int
    seats_max: int
    monthly_share: float
    # Annual price per seat at seats_min; falls as (seats / seats_min) ** -volume_discount.
    price_per_seat_year: float
    volume_discount: float
    monthly_price_per_seat: float
    plans: tuple[str, ...]
    quarterly_invoice_share: float
    has_csm: bool
    accounts_per_csm: int
    csm_touches_per_week: float
    inbound_per_week: float
    qbrs_per_year: int
    automated_email_share: float
    contacts: ContactMix
    tickets_per_week_per_sqrt_seat: float
    churn: ChurnCoefficients


SEGMENTS: tuple[SegmentProfile, ...] = (
    SegmentProfile(
        name="enterprise",
        weight=0.06,
        seats_median=150.0,
        seats_sigma=0.75,
        seats_min=40,
        seats_max=2000,
        monthly_share=0.0,
        price_per_seat_year=1500.0,
        volume_discount=0.35,
        monthly_price_per_seat=0.0,
        plans=("enterprise",),
        quarterly_invoice_share=0.3,
        has_csm=True,
        accounts_per_csm=15,
        csm_touches_per_week=0.6,
        inbound_per_week=0.15,
        qbrs_per_year=4,
        automated_email_share=0.0,
        contacts=ContactMix(
            sponsors=(1, 2, 1.0),
            champions=(1, 3, 1.0),
            admins=(1, 3, 1.0),
            end_users=(2, 8, 1.0),
            others=(0, 2, 0.6),
        ),
        tickets_per_week_per_sqrt_seat=0.06,
        churn=ChurnCoefficients(-3.0, -5.5, -0.6, 0.42, 0.4, -0.82),
    ),
    SegmentProfile(
        name="mid_market",
        weight=0.20,
        seats_median=35.0,
        seats_sigma=0.5,
        seats_min=12,
        seats_max=250,
        monthly_share=0.0,
        price_per_seat_year=900.0,
        volume_discount=0.15,
        monthly_price_per_seat=0.0,
        plans=("business",),
        quarterly_invoice_share=0.3,
        has_csm=True,
        accounts_per_csm=40,
        csm_touches_per_week=0.25,
        inbound_per_week=0.06,
        qbrs_per_year=2,
        automated_email_share=0.0,
        contacts=ContactMix(
            sponsors=(1, 1, 0.85),
            champions=(1, 2, 1.0),
            admins=(1, 2, 1.0),
            end_users=(1, 4, 0.9),
            others=(0, 1, 0.4),
        ),
        tickets_per_week_per_sqrt_seat=0.06,
        churn=ChurnCoefficients(-2.8, -5.3, -0.5, 0.48, 0.48, -0.8),
    ),
    SegmentProfile(
        name="smb",
        weight=0.34,
        seats_median=8.0,
        seats_sigma=0.5,
        seats_min=2,
        seats_max=40,
        monthly_share=0.2,
        price_per_seat_year=600.0,
        volume_discount=0.0,
        monthly_price_per_seat=60.0,
        plans=("team", "business"),
        quarterly_invoice_share=0.0,
        has_csm=True,
        accounts_per_csm=0,
        csm_touches_per_week=0.08,
        inbound_per_week=0.03,
        qbrs_per_year=0,
        automated_email_share=0.0,
        contacts=ContactMix(
            sponsors=(1, 1, 0.3),
            champions=(1, 1, 0.6),
            admins=(1, 2, 0.9),
            end_users=(1, 2, 0.4),
            others=(0, 0, 0.0),
        ),
        tickets_per_week_per_sqrt_seat=0.05,
        churn=ChurnCoefficients(-2.1, -4.3, -0.6, 0.52, 0.56, -0.48),
    ),
    SegmentProfile(
        name="self_serve",
        weight=0.40,
        seats_median=2.5,
        seats_sigma=0.6,
        seats_min=1,
        seats_max=10,
        monthly_share=1.0,
        price_per_seat_year=0.0,
        volume_discount=0.0,
        monthly_price_per_seat=29.0,
        plans=("starter", "pro"),
        quarterly_invoice_share=0.0,
        has_csm=False,
        accounts_per_csm=0,
        csm_touches_per_week=0.0,
        inbound_per_week=0.0,
        qbrs_per_year=0,
        automated_email_share=0.3,
        contacts=ContactMix(
            sponsors=(0, 0, 0.0),
            champions=(0, 0, 0.0),
            admins=(1, 1, 1.0),
            end_users=(1, 1, 0.2),
            others=(0, 0, 0.0),
        ),
        tickets_per_week_per_sqrt_seat=0.07,
        churn=ChurnCoefficients(-2.0, -4.2, -0.85, 0.56, 0.7, -0.14),
    ),
)
SEGMENT_NAMES: tuple[str, ...] = tuple(profile.name for profile in SEGMENTS)


@dataclass(frozen=True)
class Mechanism:
    """Constants of the latent factors, shocks and observation models."""

    # Latent factors: weekly AR(1) around an account mean.
    persistence: float = 0.96
    account_mean_sd: float = 1.0
    account_mean_correlation: float = 0.2
    # Renewal decision: latent averaged over weeks in [end - 30 - 56, end - 30] days.
    decision_lag_days: int = 30
    decision_span_days: int = 56
    # Shocks.
    sponsor_departures_per_year: float = 0.10
    champion_departures_per_year: float = 0.15
    departure_drop: float = 2.0
    departure_recovery_weeks: float = 8.0
    replacement_probability: float = 0.75
    replacement_mean_days: float = 45.0
    incidents_per_year: float = 0.7
    incident_lift: float = 1.5
    budget_cuts_per_year: float = 0.12
    budget_cut_stress: float = 1.2
    budget_cut_engagement: float = -0.8
    budget_cut_decay_weeks: float = 20.0
    # Timeline.
    existing_share: float = 0.55
    history_years_before_window: float = 3.0
    acquisition_growth: float = 0.7
    # Renewal timing.
    early_renewal_share: float = 0.12
    late_renewal_share: float = 0.10
    winback_share: float = 0.06
    no_cancel_notice_share: float = 0.25
    # Missing sources.
    no_telemetry_share: float = 0.06
    no_support_share: float = 0.05
    never_surveyed_share: float = 0.08
    # Product.
    activity_engagement_weight: float = 1.1
    user_propensity_mean: float = -1.7
    user_propensity_sd: float = 1.0
    dormant_user_share: float = 0.15
    dormant_user_offset: float = -2.5
    weekend_offset: float = -1.5
    august_offset: float = -0.3
    late_december_offset: float = -0.9
    quarter_end_offset: float = 0.15
    quarter_end_volume: float = 1.3
    feature_events_per_active_day: float = 1.0
    utilisation_intercept: float = 1.0
    utilisation_engagement_weight: float = 0.7
    user_turnover_per_year: float = 0.15
    billing_page_stress_weight: float = 1.2
    help_center_friction_weight: float = 1.0
    # Billing: logit of a failed card payment (monthly terms); days to pay an invoice
    # (annual terms) = days_to_pay * exp(stress_weight * S + N(0, delay_sd)).
    late_payment_intercept: float = -2.6
    late_payment_stress_weight: float = 1.4
    invoice_days_to_pay: float = 22.0
    invoice_stress_weight: float = 0.5
    invoice_delay_sd: float = 0.25
    # CRM and surveys.
    csm_optimism_sd: float = 0.9
    busyness_sd: float = 0.7
    nps_rater_sd: float = 1.0
    # Support.
    ticket_friction_weight: float = 0.6


MECHANISM = Mechanism()


def segment_profile(name: str) -> SegmentProfile:
    """The profile of a segment name."""
    for profile in SEGMENTS:
        if profile.name == name:
            return profile
    raise ValueError(f"Unknown segment {name!r}; use one of {', '.join(SEGMENT_NAMES)}.")
