"""The product_led archetype: a self-serve, product-led company (docs/archetypes.md).

Accounts sign up all through the window, pay monthly by card (a few annually), and leave
only product and billing data: crm_accounts, billing_subscriptions, billing_invoices,
product_users and product_events.
"""

from __future__ import annotations

import numpy as np

from .accounts import _company_names, person_name
from .archetype_sim import (
    NEVER,
    NULL_SECONDS,
    Episodes,
    Grid,
    SimulatedCompany,
    SimulationInput,
    ar1,
    assign_groups,
    cancellation_seconds,
    chain_terms,
    correlated_means,
    day_of_week,
    decide,
    episodes,
    growth_arrivals,
    industries,
    mechanism_payload,
    settle_invoices,
    shift_months,
    simulate_users,
    users_on,
    window_mean,
    with_zero_column,
)
from .billing import sigmoid
from .config import MECHANISM
from .timeline import SECONDS_PER_DAY, business_seconds, day_logit_offsets

PLANS: tuple[str, ...] = ("starter", "team", "business", "legacy")
# Share of accounts per plan; legacy-plan accounts have a null segment in the CRM.
_PLAN_SHARES = (0.50, 0.30, 0.12, 0.08)
PLAN_NAMES: tuple[str, ...] = tuple(
    f"{plan}_{term}" for plan in PLANS for term in ("monthly", "annual")
)
SEGMENT_NAMES: tuple[str, ...] = PLANS[:3]
_TEAM_MEDIAN = np.array([1.3, 4.0, 9.0, 2.5])
_PRICE_PER_SEAT_MONTH = np.array([10.0, 18.0, 32.0, 12.0])
_ANNUAL_SHARE = np.array([0.04, 0.09, 0.18, 0.06])
_ANNUAL_DISCOUNT = 0.8
_MAX_SEATS = 25
EVENT_NAMES: tuple[str, ...] = (
    "page_viewed",
    "doc_edited",
    "doc_created",
    "comment_added",
    "template_used",
    "export_pdf",
    "invite_sent",
    "automation_run",
    "integration_synced",
)
_HUMAN_EVENTS = 7  # the first seven names are done by users; the last two by the system
_INVITE, _AUTOMATION, _INTEGRATION = 6, 7, 8

EXISTING_SHARE = 0.4
ACQUISITION_GROWTH = 1.0
# Factor means (engagement, collaboration, stickiness propensity, budget stress).
_MEAN_SD = (0.8, 1.0, 1.0, 0.8)
_MEAN_CORRELATION = np.array(
    [
        [1.0, 0.3, 0.3, -0.15],
        [0.3, 1.0, 0.2, -0.05],
        [0.3, 0.2, 1.0, -0.05],
        [-0.15, -0.05, -0.05, 1.0],
    ]
)
ENGAGEMENT_AR_SD = 0.6
ENGAGEMENT_PERSISTENCE = 0.93
FADES = Episodes(per_year=0.5, magnitude=(-2.0, -0.8), weeks=(2.0, 8.0), recovery_weeks=30.0)
RAMP_DEPTH = 1.2  # engagement seen in the product starts this far below its level ...
RAMP_WEEKS = 4.0  # ... and closes the gap with this time constant after sign-up
BUDGET_SHOCKS = Episodes(per_year=0.15, magnitude=(0.8, 1.6), weeks=(0.01, 0.2), recovery_weeks=12)
BUDGET_SHOCK_ENGAGEMENT = -0.4
AUTOMATIONS_PER_WEEK = 0.06  # x exp(0.9 mu_K + 0.3 mu_E), from the account's third week
INTEGRATIONS_PER_WEEK = 0.02  # x exp(0.9 mu_K), at most 3


def simulate_product_led(spec: SimulationInput) -> SimulatedCompany:
    """One product-led company (see the module docstring)."""
    window, count, coef = spec.window, spec.accounts, spec.coefficients
    streams = spec.seed_sequence.spawn(7)
    roster_rng, latent_rng, terms_rng, users_rng, billing_rng, decision_rng, events_rng = (
        np.random.default_rng(s) for s in streams
    )
    grid = Grid.of(window)
    days = window.days

    # ---- roster and timeline
    plan = assign_groups(roster_rng, count, _PLAN_SHARES)
    segment = np.where(plan < 3, plan, -1)
    names, _ = _company_names(count, roster_rng)
    annual = roster_rng.random(count) < _ANNUAL_SHARE[plan]
    term_months = np.where(annual, 12, 1)
    existing = roster_rng.random(count) < EXISTING_SHARE
    straddle = -roster_rng.integers(0, np.where(annual, 365, 28))
    prior_monthly = np.minimum(np.floor(roster_rng.exponential(14.0, count)), 72)
    prior_annual = np.minimum(roster_rng.geometric(0.55, count) - 1, 4)
    prior = np.where(existing, np.where(annual, prior_annual, prior_monthly), 0).astype(np.int64)
    trial = roster_rng.integers(0, 15, count)
    arrival = growth_arrivals(roster_rng, count, days, ACQUISITION_GROWTH)
    new_start = np.minimum(np.ceil(arrival).astype(np.int64) + trial, days - 1)
    first_start = np.where(existing, straddle, new_start)
    history_start = shift_months(window, first_start, -prior * term_months)
    signup = np.where(
        existing,
        history_start - trial - roster_rng.random(count),
        np.minimum(arrival, new_start),
    )
    grandfathered = roster_rng.random(count) < 0.15
    price = _PRICE_PER_SEAT_MONTH[plan] * np.where(grandfathered, 0.8, 1.0)
    price = np.where(annual, price * _ANNUAL_DISCOUNT, price)
    owners = [person_name(roster_rng) for _ in range(3)]
    owner_pick = roster_rng.integers(0, len(owners), count)
    has_owner = (plan == 2) & (roster_rng.random(count) < 0.35)
    csm_owner = [owners[p] if h else None for p, h in zip(owner_pick, has_owner, strict=True)]
    industry = industries(roster_rng, count, 0.6)

    # ---- hidden state on the weekly grid
    means = correlated_means(latent_rng, count, _MEAN_SD, _MEAN_CORRELATION)
    mu_e, mu_c, mu_k, mu_b = means.T
    age_weeks = (grid.week_mid[None, :] - signup[:, None]) / 7.0
    shocks, _, _ = episodes(latent_rng, grid, count, BUDGET_SHOCKS)
    fades, _, _ = episodes(latent_rng, grid, count, FADES)
    engagement = (
        mu_e[:, None]
        + ENGAGEMENT_AR_SD * ar1(latent_rng, count, grid.weeks, ENGAGEMENT_PERSISTENCE)
        + fades
        + BUDGET_SHOCK_ENGAGEMENT * shocks
    )
    ramp = -RAMP_DEPTH * np.exp(-np.maximum(age_weeks, 0.0) / RAMP_WEEKS)
    seen_engagement = engagement + ramp
    collaboration = mu_c[:, None] + 0.35 * ar1(latent_rng, count, grid.weeks, 0.97)
    stress = mu_b[:, None] + 0.7 * ar1(latent_rng, count, grid.weeks, 0.95) + shocks
    automations, integrations = _workflows(latent_rng, age_weeks, mu_k, mu_e)
    stickiness = np.log1p(automations + integrations)
    hidden = latent_rng.normal(0.0, coef["hidden_account_sd"], count)

    # ---- terms and the renewal decision
    chain = chain_terms(terms_rng, window, first_start, term_months, np.zeros(count), (1, 1))
    rows, cols = np.nonzero(chain.decidable)
    lag = np.where(term_months[rows] == 1, 5, 21)
    moment = chain.end[rows, cols] - lag
    cumulative = {
        name: with_zero_column(values)
        for name, values in (
            ("engagement", engagement),
            ("collaboration", collaboration),
            ("stickiness", stickiness),
            ("budget_stress", stress),
        )
    }
    drivers = {
        "engagement": window_mean(cumulative["engagement"], grid, rows, moment - 41, moment),
        "engagement_trend": window_mean(cumulative["engagement"], grid, rows, moment - 20, moment)
        - window_mean(cumulative["engagement"], grid, rows, moment - 69, moment - 21),
        "early_tenure": np.exp(-(prior[rows] + cols) / 1.5),
        "collaboration": window_mean(cumulative["collaboration"], grid, rows, moment - 41, moment),
        "stickiness": window_mean(cumulative["stickiness"], grid, rows, moment - 13, moment),
        "budget_stress": window_mean(cumulative["budget_stress"], grid, rows, moment - 41, moment),
    }
    noise_values = hidden[rows] + decision_rng.normal(0.0, coef["hidden_decision_sd"], rows.size)
    logit = np.zeros(rows.size)
    for name, values in drivers.items():
        logit += coef[name] * values
    logits = np.zeros(chain.start.shape)
    logits[rows, cols] = logit
    noise = np.zeros(chain.start.shape)
    noise[rows, cols] = noise_values
    targets = {"monthly": coef["target_churn_monthly"], "annual": coef["target_churn_annual"]}
    noise_sd = float(np.hypot(coef["hidden_account_sd"], coef["hidden_decision_sd"]))
    decisions = decide(decision_rng, chain, logits, targets, noise, noise_sd)

    # ---- users, seats and subscriptions
    slots = np.clip(
        np.round(users_rng.lognormal(np.log(_TEAM_MEDIAN[plan]) + 0.35 * mu_c, 0.45)),
        1,
        _MAX_SEATS,
    ).astype(np.int64)
    users = simulate_users(
        users_rng,
        slots,
        signup,
        10.0 * np.exp(-0.4 * mu_c),
        6.0,
        0.7,
        decisions.customer_end,
        window,
    )
    users["propensity"] = users_rng.normal(-0.6, 1.0, users["account"].size) - np.where(
        users_rng.random(users["account"].size) < 0.12, 2.0, 0.0
    )
    seats = np.clip(users_on(users, count, chain.start), 1, _MAX_SEATS)

    written = decisions.written
    sub_account, _ = np.nonzero(written)
    sub_row = np.full(written.shape, -1, dtype=np.int64)
    sub_row[written] = np.arange(sub_account.size)
    sub_start = chain.start[written]
    sub_end = chain.end[written]
    sub_seats = seats[written]
    sub_arr = np.round(sub_seats * price[sub_account] * 12.0, 2)
    churned_term = decisions.churned[written]
    canceled = np.full(sub_account.size, NULL_SECONDS, dtype=np.int64)
    notice = churned_term & (billing_rng.random(sub_account.size) < 0.6)
    monthly_term = term_months[sub_account] == 1
    # Monthly customers cancel in the last week of the term (15%: the week before); annual
    # ones up to 45 days before the end.
    late_notice = billing_rng.random(sub_account.size) < 0.15
    lead_days = np.where(
        monthly_term,
        np.where(late_notice, 7.0, 0.0) + billing_rng.uniform(0.0, 7.0, sub_account.size),
        billing_rng.uniform(0.0, 45.0, sub_account.size),
    )
    seconds = cancellation_seconds(sub_start, sub_end, lead_days)
    canceled[notice] = seconds[notice]
    subscriptions = {
        "account": sub_account,
        "plan": plan[sub_account] * 2 + annual[sub_account].astype(np.int64),
        "seats": sub_seats,
        "arr": sub_arr,
        "start": sub_start,
        "end": sub_end,
        "canceled": canceled,
    }
    decided = decisions.decided
    renewals = {
        "subscription": sub_row[decided],
        "probability": decisions.true_probability[decided],
        "churned": decisions.churned[decided],
    }

    # ---- invoices: one card charge per term, at the term start
    billed = (sub_start >= 0) & (sub_start < days)
    inv_row = np.flatnonzero(billed)
    inv_account = sub_account[inv_row]
    anchor_second = np.floor((signup % 1.0) * SECONDS_PER_DAY).astype(np.int64)
    issued = sub_start[inv_row] * SECONDS_PER_DAY + anchor_second[inv_account]
    issue_stress = stress[inv_account, grid.week_of(sub_start[inv_row])]
    failed = billing_rng.random(inv_row.size) < sigmoid(-3.0 + 1.3 * issue_stress)
    delay = np.where(
        failed,
        billing_rng.lognormal(np.log(4.0) + 0.3 * issue_stress, 0.7),
        billing_rng.exponential(0.01, inv_row.size),
    )
    never_paid = (failed & churned_term[inv_row] & (billing_rng.random(inv_row.size) < 0.6)) | (
        billing_rng.random(inv_row.size) < sigmoid(-6.5 + issue_stress)
    )
    due = issued + 7 * SECONDS_PER_DAY
    paid, status = settle_invoices(billing_rng, issued, due, delay, never_paid, window, 21.0)
    invoices = {
        "account": inv_account,
        "subscription": inv_row,
        "amount": np.round(sub_arr[inv_row] / np.where(monthly_term[inv_row], 12.0, 1.0), 2),
        "issued": issued,
        "due": due,
        "paid": paid,
        "status": status,
        "disputed": billing_rng.random(inv_row.size) < sigmoid(-6.5 + 0.9 * issue_stress),
    }

    events = _ProductLedEvents(
        spec=spec,
        grid=grid,
        users=users,
        seen_engagement=seen_engagement,
        collaboration=collaboration,
        automations=automations,
        integrations=integrations,
        signup=signup,
        customer_end=decisions.customer_end,
        seed=events_rng.integers(0, 2**63),
    )
    mask = decided[rows, cols]
    mechanism = mechanism_payload(
        spec,
        decisions,
        {name: values[mask] for name, values in drivers.items()},
        {
            "formula": (
                "logit = intercept[term] + engagement*E_level + engagement_trend*E_trend "
                "+ early_tenure*exp(-(n-1)/1.5) + collaboration*C + stickiness*log1p(workflows) "
                "+ budget_stress*B + hidden_account + hidden_decision"
            ),
            "averaging_days_note": (
                "days relative to the decision moment, end_date - decision_lag_days; the "
                "driver is the mean of the weekly latent values over those days"
            ),
            "averaging_days": {
                "engagement": [-41, 0],
                "engagement_trend": [[-20, 0], [-69, -21]],
                "collaboration": [-41, 0],
                "stickiness": [-13, 0],
                "budget_stress": [-41, 0],
            },
        },
    )
    churned_account = decisions.customer_end < NEVER
    return SimulatedCompany(
        account_ids=_account_ids(count),
        names=names,
        segment=segment,
        segment_names=SEGMENT_NAMES,
        industry=industry,
        csm_owner=csm_owner,
        created_seconds=np.floor(signup * SECONDS_PER_DAY).astype(np.int64),
        subscriptions=subscriptions,
        plan_names=PLAN_NAMES,
        renewals=renewals,
        invoices=invoices,
        users=users,
        event_names=EVENT_NAMES,
        events=events,
        mechanism=mechanism,
        account_truth={
            "is_existing_customer": existing,
            "annual_terms": annual,
            "terms": written.sum(axis=1),
            "churned": churned_account,
            "mean_engagement": mu_e,
            "mean_collaboration": mu_c,
            "stickiness_propensity": mu_k,
            "mean_budget_stress": mu_b,
            "hidden_account": hidden,
        },
    )


def _account_ids(count: int) -> list[str]:
    width = max(5, len(str(count)))
    return [f"acc_{i + 1:0{width}d}" for i in range(count)]


def _workflows(
    rng: np.random.Generator, age_weeks: np.ndarray, mu_k: np.ndarray, mu_e: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Automations and integrations in place per week: automations are set up at a rate that
    follows the stickiness propensity (and engagement) from the third week, and 1% of them
    are switched off per week; integrations are connected more rarely (at most three)."""
    count, weeks = age_weeks.shape
    automation_rate = AUTOMATIONS_PER_WEEK * np.exp(0.9 * mu_k + 0.3 * mu_e)
    integration_rate = INTEGRATIONS_PER_WEEK * np.exp(0.9 * mu_k)
    history = np.clip(age_weeks[:, 0] - 2.0, 0.0, 40.0)
    automations = np.zeros((count, weeks))
    integrations = np.zeros((count, weeks))
    stock = rng.poisson(automation_rate * history * 0.8).astype(float)
    connected = np.minimum(rng.poisson(integration_rate * history), 3).astype(float)
    for week in range(weeks):
        live = age_weeks[:, week] >= 2.0
        stock = stock - rng.binomial(stock.astype(np.int64), 0.01)
        stock = stock + np.where(live, rng.poisson(automation_rate), 0)
        connected = np.minimum(connected + np.where(live, rng.poisson(integration_rate), 0), 3)
        automations[:, week] = stock
        integrations[:, week] = connected
    return automations, integrations


class _ProductLedEvents:
    """Product events of a range of accounts (users x days activity, then events)."""

    def __init__(
        self,
        *,
        spec: SimulationInput,
        grid: Grid,
        users: dict[str, np.ndarray],
        seen_engagement: np.ndarray,
        collaboration: np.ndarray,
        automations: np.ndarray,
        integrations: np.ndarray,
        signup: np.ndarray,
        customer_end: np.ndarray,
        seed: int,
    ) -> None:
        self.window = spec.window
        self.density = spec.event_density
        self.grid = grid
        self.users = users
        self.seen_engagement = seen_engagement
        self.collaboration = collaboration
        self.automations = automations
        self.integrations = integrations
        self.signup = signup
        self.customer_end = customer_end
        self.seed = seed
        self.day_offsets = day_logit_offsets(spec.window, MECHANISM)
        self.day_week = grid.week_of(np.arange(spec.window.days))
        self.weekend = day_of_week(spec.window) >= 5
        self.first_user = np.searchsorted(users["account"], np.arange(len(signup)))

    def __call__(self, first: int, stop: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, first])
        days = self.window.days
        users = self.users
        lo, hi = np.searchsorted(users["account"], [first, stop])
        index = np.arange(lo, hi)
        account = users["account"][index]
        day = np.arange(days)
        end = np.minimum(self.customer_end[account], days)
        alive = (day[None, :] >= np.ceil(users["created"][index])[:, None]) & (
            day[None, :] < np.floor(np.minimum(users["deactivated"][index], end))[:, None]
        )
        seen = self.seen_engagement[account][:, self.day_week]
        collab = self.collaboration[account][:, self.day_week]
        logit = users["propensity"][index, None] + seen + 0.35 * collab + self.day_offsets[None, :]
        active = alive & (rng.random(alive.shape) < sigmoid(logit))
        user_pos, active_day = np.nonzero(active)
        e = seen[user_pos, active_day]
        c = collab[user_pos, active_day]
        density = self.density
        counts = np.stack(
            [
                1 + rng.poisson(2.0 * np.exp(0.25 * e) * density),
                rng.poisson(1.0 * np.exp(0.3 * e) * density),
                rng.poisson(0.2 * np.exp(0.2 * e) * density),
                rng.poisson(0.2 * np.exp(0.7 * c) * density),
                rng.poisson(np.full(e.size, 0.05 * density)),
                rng.poisson(np.full(e.size, 0.04 * density)),
                rng.poisson(0.01 * np.exp(0.6 * c)),
            ],
            axis=1,
        ).ravel()
        row = np.repeat(np.repeat(np.arange(user_pos.size), _HUMAN_EVENTS), counts)
        code = np.repeat(np.tile(np.arange(_HUMAN_EVENTS), user_pos.size), counts)
        session = active_day * SECONDS_PER_DAY + business_seconds(rng, user_pos.size)
        day_end = (active_day[row] + 1) * SECONDS_PER_DAY - 1
        seconds = np.minimum(
            session[row] + rng.exponential(900.0, row.size).astype(np.int64), day_end
        )
        parts = [
            {
                "account": account[user_pos][row],
                "user": index[user_pos][row],
                "seconds": seconds,
                "code": code,
                "quantity": np.ones(row.size),
            }
        ]

        # Accepted invitations: one invite_sent by the account's first user before each join.
        joined = (users["slot"][index] > 0) & (users["created"][index] >= 0)
        invite_day = users["created"][index][joined] - rng.uniform(0.02, 2.0, joined.sum())
        invited_account = account[joined]
        invite_day = np.maximum(invite_day, np.maximum(self.signup[invited_account], 0.0))
        parts.append(
            {
                "account": invited_account,
                "user": self.first_user[invited_account],
                "seconds": np.floor(invite_day * SECONDS_PER_DAY).astype(np.int64),
                "code": np.full(invited_account.size, _INVITE),
                "quantity": np.ones(invited_account.size),
            }
        )

        # Workflows run by themselves (no user): one automation_run row per day on which any
        # automation ran (quantity = runs) and one integration_synced row per connected
        # integration and sync day (quantity = records).
        accounts = np.arange(first, stop)
        start_day = np.maximum(np.ceil(self.signup[accounts]), 0)
        stop_day = np.minimum(self.customer_end[accounts], days)
        live = (day[None, :] >= start_day[:, None]) & (day[None, :] < stop_day[:, None])
        run_share = np.broadcast_to(np.where(self.weekend, 0.5, 0.8)[None, :], live.shape)
        automations = self.automations[accounts][:, self.day_week].astype(np.int64)
        runs = np.where(live, rng.binomial(automations, run_share), 0)
        acc_pos, run_day = np.nonzero(runs)
        amount = runs[acc_pos, run_day] + rng.poisson(3.0 * runs[acc_pos, run_day])
        parts.append(_machine_rows(rng, accounts[acc_pos], run_day, _AUTOMATION, amount))
        integrations = self.integrations[accounts][:, self.day_week].astype(np.int64)
        syncs = np.where(live, rng.binomial(integrations, 0.9), 0)
        acc_pos, sync_day = np.nonzero(syncs)
        repeat = syncs[acc_pos, sync_day]
        records = np.maximum(1.0, np.round(rng.lognormal(np.log(150.0), 1.0, repeat.sum())))
        parts.append(
            _machine_rows(
                rng,
                np.repeat(accounts[acc_pos], repeat),
                np.repeat(sync_day, repeat),
                _INTEGRATION,
                records,
            )
        )
        merged = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        order = np.lexsort((merged["seconds"], merged["account"]))
        return {name: values[order] for name, values in merged.items()}


def _machine_rows(
    rng: np.random.Generator, account: np.ndarray, day: np.ndarray, code: int, quantity: np.ndarray
) -> dict[str, np.ndarray]:
    """Events without a user at a random time of their day."""
    return {
        "account": account,
        "user": np.full(account.size, -1),
        "seconds": day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, account.size),
        "code": np.full(account.size, code),
        "quantity": np.asarray(quantity, dtype=float),
    }
