"""The usage_smb archetype: a usage-priced SMB company with billing, support and a thin CRM
(docs/archetypes.md).

Tables: crm_accounts, crm_contacts, billing_subscriptions, billing_invoices, product_users,
product_events and support_tickets (no crm_activities, crm_opportunities, survey_responses).
Accounts pay a platform fee plus seats, monthly or annually, and usage overage invoices that
follow their API volume.
"""

from __future__ import annotations

import numpy as np

from .accounts import FIRST_NAMES, LAST_NAMES, _company_names, person_name
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
    ticket_attributes,
    window_mean,
    with_zero_column,
)
from .billing import sigmoid
from .config import MECHANISM
from .contacts import ADMIN, CHAMPION
from .timeline import SECONDS_PER_DAY, Window, business_seconds, day_logit_offsets

SEGMENT_NAMES: tuple[str, ...] = ("smb", "growth", "startup")
_SEGMENT_SHARES = (0.5, 0.2, 0.3)
_SEATS_MEDIAN = np.array([6.0, 15.0, 3.0])
_MONTHLY_SHARE = np.array([0.6, 0.45, 0.85])
_PLATFORM_FEE_YEAR = np.array([1200.0, 4800.0, 480.0])
_SEAT_PRICE_YEAR = np.array([240.0, 300.0, 180.0])
_CSM_SHARE = np.array([0.2, 0.8, 0.0])
PLAN_NAMES: tuple[str, ...] = ("usage_monthly", "usage_annual")
EVENT_NAMES: tuple[str, ...] = (
    "login",
    "dashboard_viewed",
    "report_viewed",
    "api_call",
    "sync_run",
    "webhook_delivered",
    "record_imported",
)
_LOGIN, _DASHBOARD, _REPORT, _API, _SYNC, _WEBHOOK, _IMPORT = range(7)

EXISTING_SHARE = 0.55
ACQUISITION_GROWTH = 0.5
# Account means of (friction, payment stress).
_MEAN_SD = (0.8, 0.8)
_MEAN_CORRELATION = np.array([[1.0, 0.1], [0.1, 1.0]])
VOLUME_AR_SD = 0.3
VOLUME_PERSISTENCE = 0.95
DECLINES = Episodes(per_year=0.6, magnitude=(-1.8, -0.6), weeks=(2.0, 8.0), recovery_weeks=40.0)
GROWTH = Episodes(per_year=0.3, magnitude=(0.3, 0.9), weeks=(4.0, 12.0), recovery_weeks=np.inf)
INCIDENTS = Episodes(per_year=1.0, magnitude=(1.6, 1.6), weeks=(0.01, 0.01), recovery_weeks=2.0)
BUDGET_SHOCKS = Episodes(per_year=0.15, magnitude=(0.8, 1.6), weeks=(0.01, 0.2), recovery_weeks=16)
BUDGET_SHOCK_VOLUME = -0.35
CHAMPION_LEFT_VOLUME = -0.5  # volume drop after the champion leaves, recovering over 10 weeks
RAMP_DEPTH = 0.6
RAMP_WEEKS = 2.0
_WEEKEND_VOLUME = 0.35


def simulate_usage_smb(spec: SimulationInput) -> SimulatedCompany:
    """One usage-based SMB company (see the module docstring)."""
    window, count, coef = spec.window, spec.accounts, spec.coefficients
    streams = spec.seed_sequence.spawn(9)
    (
        roster_rng,
        contacts_rng,
        latent_rng,
        terms_rng,
        decision_rng,
        users_rng,
        billing_rng,
        support_rng,
        events_rng,
    ) = (np.random.default_rng(s) for s in streams)
    grid = Grid.of(window)
    days = window.days

    # ---- roster and timeline
    segment = assign_groups(roster_rng, count, _SEGMENT_SHARES)
    names, domains = _company_names(count, roster_rng)
    monthly = roster_rng.random(count) < _MONTHLY_SHARE[segment]
    term_months = np.where(monthly, 1, 12)
    existing = roster_rng.random(count) < EXISTING_SHARE
    straddle = -roster_rng.integers(0, np.where(monthly, 28, 365))
    prior = np.where(
        existing,
        np.where(
            monthly,
            np.minimum(np.floor(roster_rng.exponential(16.0, count)), 72),
            np.minimum(roster_rng.geometric(0.5, count) - 1, 5),
        ),
        0,
    ).astype(np.int64)
    trial = roster_rng.integers(0, 21, count)
    arrival = growth_arrivals(roster_rng, count, days, ACQUISITION_GROWTH)
    new_start = np.minimum(np.ceil(arrival).astype(np.int64) + trial, days - 1)
    first_start = np.where(existing, straddle, new_start)
    history_start = shift_months(window, first_start, -prior * term_months)
    signup = np.where(
        existing, history_start - trial - roster_rng.random(count), np.minimum(arrival, new_start)
    )
    seats0 = np.clip(
        np.round(roster_rng.lognormal(np.log(_SEATS_MEDIAN[segment]), 0.5)), 1, 80
    ).astype(np.int64)
    price_wiggle = roster_rng.lognormal(0.0, 0.08, count)
    pool = [person_name(roster_rng) for _ in range(max(1, count // 60))]
    has_csm = roster_rng.random(count) < _CSM_SHARE[segment]
    owner_pick = roster_rng.integers(0, len(pool), count)
    csm_owner = [pool[p] if h else None for p, h in zip(owner_pick, has_csm, strict=True)]
    industry = industries(roster_rng, count, 0.15)
    base_volume = roster_rng.lognormal(np.log(400.0 * seats0**0.7), 0.5)
    has_webhooks = roster_rng.random(count) < 0.55

    # ---- contacts: 1-2 admins and a champion; champion departures dent the volume
    contacts, champion_left = _contacts(contacts_rng, signup, domains, window)

    # ---- hidden state on the weekly grid
    means = correlated_means(latent_rng, count, _MEAN_SD, _MEAN_CORRELATION)
    mu_f, mu_s = means.T
    age_weeks = (grid.week_mid[None, :] - signup[:, None]) / 7.0
    budget, _, _ = episodes(latent_rng, grid, count, BUDGET_SHOCKS)
    declines, _, _ = episodes(latent_rng, grid, count, DECLINES)
    growth, _, _ = episodes(latent_rng, grid, count, GROWTH)
    incidents, incident_row, incident_day = episodes(latent_rng, grid, count, INCIDENTS)
    departures = np.zeros((count, grid.weeks))
    for row, day in zip(champion_left["account"], champion_left["day"], strict=True):
        elapsed = grid.week_mid - day
        hit = elapsed >= 0
        departures[row, hit] += CHAMPION_LEFT_VOLUME * np.exp(-elapsed[hit] / 70.0)
    volume = (
        VOLUME_AR_SD * ar1(latent_rng, count, grid.weeks, VOLUME_PERSISTENCE)
        + declines
        + growth
        + departures
        + BUDGET_SHOCK_VOLUME * budget
    )
    seen_volume = volume - RAMP_DEPTH * np.exp(-np.maximum(age_weeks, 0.0) / RAMP_WEEKS)
    friction = mu_f[:, None] + 0.7 * ar1(latent_rng, count, grid.weeks, 0.9) + incidents
    stress = mu_s[:, None] + 0.7 * ar1(latent_rng, count, grid.weeks, 0.95) + budget
    hidden = latent_rng.normal(0.0, coef["hidden_account_sd"], count)

    # ---- terms and the renewal decision
    late_share = np.where(monthly, 0.05, 0.12)
    chain = chain_terms(terms_rng, window, first_start, term_months, late_share, (1, 20))
    rows, cols = np.nonzero(chain.decidable)
    lag = np.where(term_months[rows] == 1, 10, 45)
    moment = chain.end[rows, cols] - lag
    volume_sum = with_zero_column(volume)
    drivers = {
        "volume_change": window_mean(volume_sum, grid, rows, moment - 27, moment)
        - window_mean(volume_sum, grid, rows, moment - 111, moment - 28),
        "friction": window_mean(with_zero_column(friction), grid, rows, moment - 55, moment),
        "payment_stress": window_mean(with_zero_column(stress), grid, rows, moment - 55, moment),
        "early_tenure": np.exp(-(prior[rows] + cols) / 1.5),
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

    # ---- seats and price at every renewal: changes follow the volume trend the decision saw
    terms = chain.start.shape[1]
    change = np.zeros(chain.start.shape)
    change[rows, cols] = drivers["volume_change"]
    seats = np.zeros(chain.start.shape, dtype=np.int64)
    price_step = np.ones(chain.start.shape)
    seats[:, 0] = seats0
    # Monthly renewals downgrade with probability sigmoid(-3.2 - 4 dV) (to 50-90% of the
    # seats) and upgrade with sigmoid(-3.4 + 3 dV) (to 110-150%); 60% of annual renewals
    # change seats by exp(0.8 dV + N(0.03, 0.12)) and raise the price 0-5%. dV is the volume
    # change the renewal decision saw, so downgrades tend to precede churn.
    shape = chain.start.shape
    draws = terms_rng.random((4, *shape))
    annual_step = np.exp(terms_rng.normal(0.03, 0.12, shape))
    raise_ = 1.0 + (~monthly)[:, None] * terms_rng.uniform(0.0, 0.05, shape)
    for k in range(1, terms):
        dv = change[:, k - 1]
        current = seats[:, k - 1]
        down = draws[0, :, k] < sigmoid(-3.2 - 4.0 * dv)
        up = ~down & (draws[1, :, k] < sigmoid(-3.4 + 3.0 * dv))
        monthly_seats = np.where(
            down,
            np.floor(current * (0.5 + 0.4 * draws[2, :, k])),
            np.where(up, np.ceil(current * (1.1 + 0.4 * draws[2, :, k])), current),
        )
        annual_seats = np.where(
            draws[3, :, k] < 0.6,
            np.round(current * np.exp(0.8 * dv) * annual_step[:, k]),
            current,
        )
        seats[:, k] = np.clip(np.where(monthly, monthly_seats, annual_seats), 1, 120)
        price_step[:, k] = price_step[:, k - 1] * raise_[:, k]
    arr = (_PLATFORM_FEE_YEAR[segment][:, None] + seats * _SEAT_PRICE_YEAR[segment][:, None]) * (
        price_wiggle[:, None] * price_step
    )
    allowance = base_volume[:, None] * 30.0 * (seats / seats0[:, None]) * 1.15

    written = decisions.written
    sub_account, _ = np.nonzero(written)
    sub_row = np.full(written.shape, -1, dtype=np.int64)
    sub_row[written] = np.arange(sub_account.size)
    sub_start, sub_end = chain.start[written], chain.end[written]
    sub_arr = np.round(arr[written], 2)
    sub_monthly = monthly[sub_account]
    churned_term = decisions.churned[written]
    notice = churned_term & (billing_rng.random(sub_account.size) < 0.7)
    lead_days = np.where(
        sub_monthly,
        billing_rng.uniform(0.0, 14.0, sub_account.size),
        billing_rng.uniform(10.0, 60.0, sub_account.size),
    )
    canceled = np.where(notice, cancellation_seconds(sub_start, sub_end, lead_days), NULL_SECONDS)
    subscriptions = {
        "account": sub_account,
        "plan": (~sub_monthly).astype(np.int64),
        "seats": seats[written],
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

    # ---- the daily API volume every account really sent (drives events and overage)
    customer_end = decisions.customer_end
    day = np.arange(days)
    weekend = day_of_week(window) >= 5
    day_week = grid.week_of(day)
    live = (day[None, :] >= np.ceil(signup)[:, None]) & (
        day[None, :] < np.minimum(customer_end, days)[:, None]
    )
    daily = (
        base_volume[:, None]
        * np.exp(seen_volume[:, day_week])
        * np.where(weekend, _WEEKEND_VOLUME, 1.0)[None, :]
        * billing_rng.lognormal(0.0, 0.2, (count, days))
    )
    daily = np.where(live, np.round(daily), 0.0).astype(np.float32)
    cumulative = np.concatenate([np.zeros((count, 1)), np.cumsum(daily, axis=1, dtype=float)], 1)

    invoices = _invoices(
        billing_rng,
        grid,
        sub_account,
        sub_start,
        sub_end,
        sub_arr,
        sub_monthly,
        allowance[written],
        churned_term,
        cumulative,
        stress,
        friction,
        window,
    )

    # ---- users and support tickets
    users = simulate_users(
        users_rng,
        np.clip(np.round(seats0 * users_rng.uniform(0.5, 1.0, count)), 1, 60).astype(np.int64),
        signup,
        np.full(count, 4.0),
        4.0,
        0.8,
        customer_end,
        window,
    )
    users["propensity"] = users_rng.normal(-1.2, 1.0, users["account"].size)
    user_count = np.bincount(users["account"], minlength=count)
    tickets = _tickets(
        support_rng, grid, friction, incident_row, incident_day, user_count, signup, customer_end,
        window,
    )  # fmt: skip

    events = _UsageEvents(
        spec=spec,
        grid=grid,
        users=users,
        seen_volume=seen_volume,
        daily=daily,
        signup=signup,
        customer_end=customer_end,
        has_webhooks=has_webhooks,
        base_volume=base_volume,
        seed=events_rng.integers(0, 2**63),
    )
    mask = decided[rows, cols]
    mechanism = mechanism_payload(
        spec,
        decisions,
        {name: values[mask] for name, values in drivers.items()},
        {
            "formula": (
                "logit = intercept[term] + volume_change*(V_last4w - V_prior12w) "
                "+ friction*F + payment_stress*S + early_tenure*exp(-(n-1)/1.5) "
                "+ hidden_account + hidden_decision"
            ),
            "averaging_days_note": (
                "days relative to the decision moment, end_date - decision_lag_days; the "
                "driver is the mean of the weekly latent values over those days"
            ),
            "averaging_days": {
                "volume_change": [[-27, 0], [-111, -28]],
                "friction": [-55, 0],
                "payment_stress": [-55, 0],
            },
        },
    )
    return SimulatedCompany(
        account_ids=[f"acc_{i + 1:0{max(5, len(str(count)))}d}" for i in range(count)],
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
            "annual_terms": ~monthly,
            "terms": written.sum(axis=1),
            "churned": customer_end < NEVER,
            "has_support_data": np.bincount(tickets["account"], minlength=count) > 0,
            "mean_friction": mu_f,
            "mean_payment_stress": mu_s,
            "hidden_account": hidden,
        },
        contacts=_truncate_contacts(contacts, customer_end, window),
        tickets=tickets,
    )


def _contacts(
    rng: np.random.Generator, signup: np.ndarray, domains: list[str], window: Window
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """An admin per account (a second one for 25%) and a champion for 65%; each leaves at a
    yearly rate (admins 12%, champions 18%) and is replaced (admins 85%, champions 50%) about a
    month later. Returns the contacts (days) and the champions' departures."""
    count = signup.size
    first_role = np.concatenate(
        [
            np.full(count, ADMIN),
            np.full(count, ADMIN),
            np.full(count, CHAMPION),
        ]
    )
    owner = np.tile(np.arange(count), 3)
    present = np.concatenate(
        [np.ones(count, bool), rng.random(count) < 0.25, rng.random(count) < 0.65]
    )
    owner, role = owner[present], first_role[present]
    joined = signup[owner] + rng.exponential(10.0, owner.size)
    rate = np.where(role == CHAMPION, 0.18, 0.12)
    replace = np.where(role == CHAMPION, 0.5, 0.85)
    out_owner, out_role, out_created, out_left = [], [], [], []
    alive = np.ones(owner.size, dtype=bool)
    for _ in range(3):
        leave = joined + rng.exponential(365.0 / rate)
        out_owner.append(owner[alive])
        out_role.append(role[alive])
        out_created.append(joined[alive])
        out_left.append(leave[alive])
        alive &= (rng.random(owner.size) < replace) & (leave < window.days)
        joined = leave + rng.exponential(30.0, owner.size)
    owner = np.concatenate(out_owner)
    role = np.concatenate(out_role)
    created = np.concatenate(out_created)
    left = np.concatenate(out_left)
    order = np.lexsort((created, owner))
    owner, role, created, left = owner[order], role[order], created[order], left[order]
    firsts = rng.integers(0, len(FIRST_NAMES), owner.size)
    lasts = rng.integers(0, len(LAST_NAMES), owner.size)
    no_email = rng.random(owner.size) < 0.05
    emails = [
        None if missing else f"{FIRST_NAMES[f]}.{LAST_NAMES[n]}@{domains[o]}".lower()
        for f, n, o, missing in zip(firsts, lasts, owner, no_email, strict=True)
    ]
    champions = (role == CHAMPION) & (left < window.days)
    return (
        {"account": owner, "role": role, "created": created, "left": left, "email": emails},
        {"account": owner[champions], "day": left[champions]},
    )


def _truncate_contacts(
    contacts: dict[str, object], customer_end: np.ndarray, window: Window
) -> dict[str, object]:
    """Contacts created before the customer left and the window ended (seconds); departures
    after either are not recorded."""
    owner = np.asarray(contacts["account"])
    limit = np.minimum(customer_end[owner], window.days).astype(float)
    created = np.asarray(contacts["created"])
    left = np.asarray(contacts["left"])
    keep = created < limit
    left_seconds = np.where(left < limit, np.floor(left * SECONDS_PER_DAY), NULL_SECONDS).astype(
        np.int64
    )
    emails = contacts["email"]
    assert isinstance(emails, list)
    return {
        "account": owner[keep],
        "role": np.asarray(contacts["role"])[keep],
        "created": np.floor(created[keep] * SECONDS_PER_DAY).astype(np.int64),
        "left": left_seconds[keep],
        "email": [email for email, kept in zip(emails, keep, strict=True) if kept],
    }


def _invoices(
    rng: np.random.Generator,
    grid: Grid,
    sub_account: np.ndarray,
    sub_start: np.ndarray,
    sub_end: np.ndarray,
    sub_arr: np.ndarray,
    sub_monthly: np.ndarray,
    allowance: np.ndarray,
    churned_term: np.ndarray,
    cumulative: np.ndarray,
    stress: np.ndarray,
    friction: np.ndarray,
    window: Window,
) -> dict[str, np.ndarray]:
    """A base invoice at every term start (ARR / 12 monthly, ARR annually) and a usage overage
    invoice at every month boundary of a term when the month's API volume exceeded the plan's
    allowance ($0.80 per thousand calls above it)."""
    days = window.days
    parts: list[tuple[np.ndarray, ...]] = []
    base = (sub_start >= 0) & (sub_start < days)
    row = np.flatnonzero(base)
    parts.append(
        (
            row,
            sub_start[row],
            np.round(sub_arr[row] / np.where(sub_monthly[row], 12.0, 1.0), 2),
            np.zeros(row.size, dtype=bool),
        )
    )
    term_rows = np.arange(sub_account.size)
    for month in range(1, 13):
        stop = np.where(
            sub_monthly, sub_end, np.minimum(shift_months(window, sub_start, month), sub_end)
        )
        begin = np.where(sub_monthly, sub_start, shift_months(window, sub_start, month - 1))
        valid = (month == 1) | ~sub_monthly
        valid &= (begin < sub_end) & (stop > 0) & (stop < days)
        lo = np.clip(begin, 0, days)
        hi = np.clip(stop, 0, days)
        used = cumulative[sub_account, hi] - cumulative[sub_account, lo]
        covered = np.maximum(hi - lo, 1) / np.maximum(stop - begin, 1)
        over = used - allowance * covered
        amount = np.round(np.maximum(over, 0.0) / 1000.0 * 0.8, 2)
        valid &= amount >= 5.0
        parts.append((term_rows[valid], stop[valid], amount[valid], np.ones(valid.sum(), bool)))
    subscription = np.concatenate([p[0] for p in parts])
    issue_day = np.concatenate([p[1] for p in parts]).astype(np.int64)
    amount = np.concatenate([p[2] for p in parts])
    overage = np.concatenate([p[3] for p in parts])
    account = sub_account[subscription]
    order = np.lexsort((overage, issue_day, account))
    subscription, issue_day, amount, overage, account = (
        subscription[order],
        issue_day[order],
        amount[order],
        overage[order],
        account[order],
    )
    count = account.size
    issued = issue_day * SECONDS_PER_DAY + rng.integers(2 * 3600, 8 * 3600, count)
    week = grid.week_of(issue_day)
    s = stress[account, week]
    f = friction[account, week]
    card = sub_monthly[subscription]
    failed = card & (rng.random(count) < sigmoid(-2.8 + 1.3 * s))
    card_delay = np.where(
        failed, rng.lognormal(np.log(6.0) + 0.3 * s, 0.7), rng.exponential(0.02, count)
    )
    invoice_delay = rng.lognormal(np.log(18.0) + 0.5 * s, 0.3)
    delay = np.where(card, card_delay, invoice_delay)
    due = issued + np.where(card, 7, 30) * SECONDS_PER_DAY
    never_paid = (rng.random(count) < sigmoid(-5.0 + s)) | (
        failed & churned_term[subscription] & (rng.random(count) < 0.5)
    )
    paid, status = settle_invoices(rng, issued, due, delay, never_paid, window, 60.0)
    disputed = rng.random(count) < np.where(
        overage, sigmoid(-3.8 + 0.5 * s + 0.6 * f), sigmoid(-5.5 + 0.5 * s)
    )
    return {
        "account": account,
        "subscription": subscription,
        "amount": amount,
        "issued": issued,
        "due": due,
        "paid": paid,
        "status": status,
        "disputed": disputed,
    }


def _tickets(
    rng: np.random.Generator,
    grid: Grid,
    friction: np.ndarray,
    incident_row: np.ndarray,
    incident_day: np.ndarray,
    user_count: np.ndarray,
    signup: np.ndarray,
    customer_end: np.ndarray,
    window: Window,
) -> dict[str, np.ndarray]:
    """Weekly Poisson(0.05 x sqrt(users) x exp(0.7 F)) tickets while a customer, plus a burst
    of Poisson(1.5 + 0.3 sqrt(users)) tickets in the three days after each incident."""
    days = window.days
    week_start = grid.start + 7 * np.arange(grid.weeks)
    rate = 0.05 * np.sqrt(np.maximum(user_count, 1))[:, None] * np.exp(0.7 * friction)
    weekly = rng.poisson(rate)
    account, week = np.nonzero(weekly)
    repeat = weekly[account, week]
    account = np.repeat(account, repeat)
    day = np.repeat(week_start[week], repeat) + rng.integers(0, 7, account.size)
    burst_count = rng.poisson(1.5 + 0.3 * np.sqrt(np.maximum(user_count[incident_row], 1)))
    burst_account = np.repeat(incident_row, burst_count)
    burst_day = np.floor(np.repeat(incident_day, burst_count)) + rng.integers(
        0, 3, burst_account.size
    )
    account = np.concatenate([account, burst_account])
    day = np.concatenate([day, burst_day]).astype(np.int64)
    burst = np.concatenate([np.zeros(repeat.sum(), bool), np.ones(burst_account.size, bool)])
    keep = (
        (day >= 0)
        & (day < days)
        & (day >= np.ceil(signup[account]))
        & (day < np.minimum(customer_end[account], days))
    )
    account, day, burst = account[keep], day[keep], burst[keep]
    created = day * SECONDS_PER_DAY + business_seconds(rng, account.size)
    order = np.lexsort((created, account))
    account, created, burst = account[order], created[order], burst[order]
    attributes = ticket_attributes(
        rng, created, friction[account, grid.week_of(day[order])], burst, window
    )
    return {"account": account, "created": created, **attributes}


class _UsageEvents:
    """Product events of a range of accounts: people's logins and views (users x days), and
    the integration's machine events whose quantities carry the daily API volume."""

    def __init__(
        self,
        *,
        spec: SimulationInput,
        grid: Grid,
        users: dict[str, np.ndarray],
        seen_volume: np.ndarray,
        daily: np.ndarray,
        signup: np.ndarray,
        customer_end: np.ndarray,
        has_webhooks: np.ndarray,
        base_volume: np.ndarray,
        seed: int,
    ) -> None:
        self.window = spec.window
        self.density = spec.event_density
        self.users = users
        self.seen_volume = seen_volume
        self.daily = daily
        self.signup = signup
        self.customer_end = customer_end
        self.has_webhooks = has_webhooks
        self.base_volume = base_volume
        self.seed = seed
        self.day_offsets = day_logit_offsets(spec.window, MECHANISM)
        self.day_week = grid.week_of(np.arange(spec.window.days))

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
        seen = self.seen_volume[account][:, self.day_week]
        logit = users["propensity"][index, None] + 0.6 * seen + self.day_offsets[None, :]
        active = alive & (rng.random(alive.shape) < sigmoid(logit))
        user_pos, active_day = np.nonzero(active)
        v = seen[user_pos, active_day]
        density = self.density
        counts = np.stack(
            [
                np.ones(user_pos.size, dtype=np.int64),
                rng.poisson(np.full(v.size, 1.2 * density)),
                rng.poisson(0.4 * np.exp(0.3 * v) * density),
            ],
            axis=1,
        ).ravel()
        row = np.repeat(np.repeat(np.arange(user_pos.size), 3), counts)
        code = np.repeat(np.tile(np.array([_LOGIN, _DASHBOARD, _REPORT]), user_pos.size), counts)
        session = active_day * SECONDS_PER_DAY + business_seconds(rng, user_pos.size)
        day_end = (active_day[row] + 1) * SECONDS_PER_DAY - 1
        parts = [
            {
                "account": account[user_pos][row],
                "user": index[user_pos][row],
                "seconds": np.minimum(
                    session[row] + rng.exponential(600.0, row.size).astype(np.int64), day_end
                ),
                "code": code,
                "quantity": np.ones(row.size),
            }
        ]

        accounts = np.arange(first, stop)
        volume = self.daily[accounts].astype(float)
        acc_pos, vol_day = np.nonzero(volume > 0)
        calls = volume[acc_pos, vol_day]
        owner = accounts[acc_pos]
        age = vol_day - self.signup[owner]
        # api_call: the day's calls in 1 + Poisson(1.5 x (calls / usual weekday calls)^0.8)
        # batches, so that busier days also have more rows
        relative = calls / self.base_volume[owner]
        batches = 1 + rng.poisson(1.5 * density * relative**0.8)
        share = rng.exponential(1.0, batches.sum())
        group = np.repeat(np.arange(calls.size), batches)
        share /= np.bincount(group, weights=share)[group]
        parts.append(
            _machine(rng, owner[group], vol_day[group], _API, np.round(calls[group] * share))
        )
        syncs = rng.poisson(1.2 * density * relative**0.5)
        group = np.repeat(np.arange(calls.size), syncs)
        records = calls[group] * 0.08 * rng.lognormal(0.0, 0.3, group.size)
        parts.append(_machine(rng, owner[group], vol_day[group], _SYNC, np.round(records)))
        hooks = self.has_webhooks[owner]
        delivered = calls[hooks] * 0.03 * rng.lognormal(0.0, 0.3, hooks.sum())
        parts.append(_machine(rng, owner[hooks], vol_day[hooks], _WEBHOOK, np.round(delivered)))
        imports = rng.poisson(np.where(age < 14, 0.8, 0.08))
        group = np.repeat(np.arange(calls.size), imports)
        rows_imported = calls[group] * 3.0 * rng.lognormal(0.0, 1.0, group.size)
        parts.append(_machine(rng, owner[group], vol_day[group], _IMPORT, np.round(rows_imported)))
        merged = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        order = np.lexsort((merged["seconds"], merged["account"]))
        return {name: values[order] for name, values in merged.items()}


def _machine(
    rng: np.random.Generator, account: np.ndarray, day: np.ndarray, code: int, quantity: np.ndarray
) -> dict[str, np.ndarray]:
    """Events sent by the customer's systems (no user), at any time of their day."""
    return {
        "account": account,
        "user": np.full(account.size, -1),
        "seconds": day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, account.size),
        "code": np.full(account.size, code),
        "quantity": np.maximum(1.0, quantity),
    }
