"""Simulate one account end to end: hidden state first, then every source that observes it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accounts import Roster
from .billing import Invoices, Relationship, build_invoices, build_relationship
from .config import SEGMENTS, Mechanism
from .contacts import Contacts, generate_contacts
from .crm import (
    Activities,
    ActivityTraits,
    Opportunities,
    generate_activities,
    generate_opportunities,
)
from .latent import ENGAGEMENT, LatentPaths, simulate_latent
from .product import ProductData, generate_product
from .support import Tickets, generate_tickets, no_tickets
from .surveys import Responses, generate_responses, no_responses
from .timeline import SECONDS_PER_DAY, Window

_STREAMS = ("contacts", "latent", "billing", "product", "support", "crm", "surveys")


@dataclass(frozen=True)
class SimulationContext:
    """What every account simulation shares."""

    window: Window
    mechanism: Mechanism
    day_offsets: np.ndarray
    day_volume: np.ndarray
    nps_waves: np.ndarray


@dataclass
class AccountSimulation:
    """Everything generated for one account."""

    latent: LatentPaths
    contacts: Contacts
    relationship: Relationship
    invoices: Invoices
    product: ProductData
    tickets: Tickets
    activities: Activities
    opportunities: Opportunities
    responses: Responses


def simulate_account(
    index: int, roster: Roster, seed: np.random.SeedSequence, context: SimulationContext
) -> AccountSimulation:
    """Simulate account `index`; each source draws from its own stream of `seed`."""
    rng = dict(
        zip(_STREAMS, (np.random.default_rng(s) for s in seed.spawn(len(_STREAMS))), strict=True)
    )
    window, mechanism = context.window, context.mechanism
    profile = SEGMENTS[int(roster.segment[index])]
    horizon = float(window.days * SECONDS_PER_DAY)
    created_seconds = float(roster.created_seconds[index])

    contacts, departures = generate_contacts(
        profile, created_seconds, horizon, roster.domains[index], rng["contacts"], mechanism
    )
    latent = simulate_latent(
        window.days, roster.latent_means[index], departures, rng["latent"], mechanism
    )
    relationship = build_relationship(
        profile,
        int(roster.first_start_day[index]),
        int(roster.seats[index]),
        float(roster.price_per_seat[index]),
        roster.plan[index],
        bool(roster.monthly[index]),
        bool(roster.quarterly_invoicing[index]),
        latent,
        window,
        rng["billing"],
        mechanism,
    )
    contacts = contacts.truncate(relationship.end * SECONDS_PER_DAY, horizon)
    invoices = build_invoices(relationship, latent, window, rng["billing"], mechanism)
    if roster.no_telemetry[index]:
        product = ProductData.empty()
    else:
        product = generate_product(
            relationship,
            created_seconds / SECONDS_PER_DAY,
            float(roster.latent_means[index, ENGAGEMENT]),
            latent,
            window,
            context.day_offsets,
            context.day_volume,
            rng["product"],
            mechanism,
        )
    if roster.no_support[index]:
        tickets = no_tickets()
    else:
        tickets = generate_tickets(profile, relationship, latent, window, rng["support"], mechanism)
    traits = ActivityTraits(
        automated_emails=bool(roster.automated_emails[index]),
        optimism=float(roster.csm_optimism[index]),
        busyness=float(roster.busyness[index]),
    )
    activities = generate_activities(
        profile,
        traits,
        relationship,
        contacts,
        latent,
        window,
        rng["crm"],
    )
    opportunities = generate_opportunities(profile, relationship, latent, window, rng["crm"])
    if roster.never_surveyed[index]:
        responses = no_responses()
    else:
        responses = generate_responses(
            float(roster.survey_rate[index]),
            mechanism.nps_rater_sd,
            relationship,
            contacts,
            tickets,
            latent,
            context.nps_waves,
            window,
            rng["surveys"],
        )
    return AccountSimulation(
        latent=latent,
        contacts=contacts,
        relationship=relationship,
        invoices=invoices,
        product=product,
        tickets=tickets,
        activities=activities,
        opportunities=opportunities,
        responses=responses,
    )
