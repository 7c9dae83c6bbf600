"""The compact, vectorised simulator of the non-demo archetypes (docs/archetypes.md).

Every account's hidden state lives on one weekly grid (accounts x weeks arrays); terms are
chained for all accounts at once; the churn decision at every term end is a logistic function
of the latent state averaged over the weeks before it. The archetype modules
(archetype_product_led.py, archetype_usage_smb.py) define the latent factors and the
observation models and return a SimulatedCompany; `generate_archetype` writes it with the same
writers, id spellings and dirt as the demo.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from .accounts import id_width
from .archetypes import LEAD_DRIVER_MULTIPLIER, Archetype, archetype_entropy, draw_mechanism
from .billing import INVOICE_STATUSES, OPEN, PAID, UNCOLLECTIBLE, VOID, sigmoid
from .config import INDUSTRIES
from .contacts import ROLES
from .dirt import DirtLog, IdScheme, duplicate_rows, inject_rows
from .generator import TRUTH_DIR, GenerationReport, _unknown_account_ids, close_events
from .schema import TABLES
from .support import CSAT_VALUES, PRIORITIES, TICKET_STATUSES
from .tables import ID_PREFIXES
from .timeline import SECONDS_PER_DAY, Window
from .writer import (
    TableSink,
    bool_array,
    date_array,
    id_array,
    lookup_array,
    make_table,
    money_array,
    table_format,
    timestamp_array,
    write_csv,
)

# The weekly grid starts this many days before the window, so that decisions early in the
# window average latent values from before it.
GRID_LEAD_DAYS = 182
NEVER = np.iinfo(np.int64).max // 4  # a day number that never comes
# A null timestamp (a plain -1 will not do: seconds before the window start are negative).
NULL_SECONDS = np.iinfo(np.int64).min
EVENT_CHUNK_ACCOUNTS = 200
_TICKET_NEW, _TICKET_OPEN, _TICKET_PENDING, _TICKET_SOLVED, _TICKET_CLOSED = range(5)


# ---- time ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """Weekly grid: week w covers days start + 7w .. start + 7w + 6 (days from the window)."""

    window: Window
    start: int
    weeks: int

    @classmethod
    def of(cls, window: Window) -> Grid:
        """The grid from GRID_LEAD_DAYS before the window to its end."""
        return cls(window, -GRID_LEAD_DAYS, int(np.ceil((window.days + GRID_LEAD_DAYS) / 7)) + 1)

    @property
    def week_mid(self) -> np.ndarray:
        """Middle day of every week."""
        return self.start + 7.0 * np.arange(self.weeks) + 3.5

    def week_of(self, days: np.ndarray | float) -> np.ndarray:
        """Week index of day numbers (clipped to the grid)."""
        weeks = np.floor((np.asarray(days, dtype=float) - self.start) / 7.0).astype(np.int64)
        return np.clip(weeks, 0, self.weeks - 1)


def shift_months(window: Window, days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Day numbers `months` calendar months after `days` (the same day of month, clamped to
    the month's last day), like timeline.add_months but for arrays."""
    base = np.datetime64(window.start.isoformat(), "D")
    dates = base + np.asarray(days, dtype=np.int64)
    month = dates.astype("datetime64[M]")
    day_of_month = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    shifted = target.astype("datetime64[D]") + np.minimum(day_of_month, length - 1)
    return (shifted - base).astype(np.int64)


def growth_arrivals(rng: np.random.Generator, count: int, days: int, growth: float) -> np.ndarray:
    """Arrival days in [0, days) with an exponentially growing rate (the last day has e^growth
    times the arrivals of the first)."""
    uniform = rng.random(count)
    return days * np.log1p(uniform * np.expm1(growth)) / growth


def day_of_week(window: Window) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 for every day of the window."""
    dates = np.datetime64(window.start.isoformat(), "D") + np.arange(window.days)
    return (dates.astype(np.int64) + 3) % 7


# ---- latent factors -------------------------------------------------------------------------


def ar1(rng: np.random.Generator, rows: int, weeks: int, persistence: float) -> np.ndarray:
    """Stationary AR(1) paths with unit variance: (rows, weeks)."""
    innovations = rng.standard_normal((rows, weeks))
    scale = np.sqrt(1.0 - persistence**2)
    paths = np.empty((rows, weeks))
    paths[:, 0] = innovations[:, 0]
    for week in range(1, weeks):
        paths[:, week] = persistence * paths[:, week - 1] + scale * innovations[:, week]
    return paths


@dataclass(frozen=True)
class Episodes:
    """Random episodes that move a factor: Poisson `per_year` per account; each moves the
    factor linearly by `magnitude` over `weeks` (drawn in the ranges), then decays back with
    time constant `recovery_weeks` (inf = stays)."""

    per_year: float
    magnitude: tuple[float, float]
    weeks: tuple[float, float]
    recovery_weeks: float


def episodes(
    rng: np.random.Generator, grid: Grid, rows: int, spec: Episodes
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum of the episodes of every row (rows, weeks), and each episode's (row, start day)."""
    span_years = grid.weeks * 7.0 / 365.0
    counts = rng.poisson(spec.per_year * span_years, rows)
    row = np.repeat(np.arange(rows), counts)
    total = row.size
    start = grid.start + rng.random(total) * grid.weeks * 7.0
    magnitude = rng.uniform(*spec.magnitude, total)
    duration = rng.uniform(*spec.weeks, total) * 7.0
    values = np.zeros((rows, grid.weeks))
    mid = grid.week_mid
    for first in range(0, total, 4000):
        part = slice(first, first + 4000)
        elapsed = mid[None, :] - start[part, None]
        ramp = np.clip(elapsed / duration[part, None], 0.0, 1.0)
        after = np.maximum(elapsed - duration[part, None], 0.0)
        decay = np.exp(-after / (7.0 * spec.recovery_weeks))
        np.add.at(values, row[part], magnitude[part, None] * ramp * decay)
    return values, row, start


def window_mean(
    cumulative: np.ndarray,
    grid: Grid,
    rows: np.ndarray,
    first_day: np.ndarray,
    last_day: np.ndarray,
) -> np.ndarray:
    """Mean of weekly values over the weeks holding first_day .. last_day, per (row, range).

    `cumulative` is np.cumsum of the (rows, weeks) values with a leading zero column."""
    first = grid.week_of(first_day)
    last = np.maximum(grid.week_of(last_day), first)
    return (cumulative[rows, last + 1] - cumulative[rows, first]) / (last - first + 1)


def with_zero_column(values: np.ndarray) -> np.ndarray:
    """Cumulative sums along weeks with a leading zero column (for window_mean)."""
    return np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)], axis=1)


# ---- terms and the renewal decision ---------------------------------------------------------


@dataclass
class TermChain:
    """Every term an account would have if it never churned: (accounts, K) arrays; `valid`
    marks terms that start on or before the window's end_date."""

    start: np.ndarray
    end: np.ndarray
    valid: np.ndarray
    term_months: np.ndarray  # (accounts,) 1 or 12
    window_days: int

    @property
    def decidable(self) -> np.ndarray:
        """Terms whose end_date falls on or before the window's end_date: a decision is made
        (the pipeline still sees the last 30 days' decisions as pending)."""
        return self.valid & (self.end <= self.window_days)


def chain_terms(
    rng: np.random.Generator,
    window: Window,
    first_start: np.ndarray,
    term_months: np.ndarray,
    late_share: np.ndarray,
    late_days: tuple[int, int],
) -> TermChain:
    """Back-to-back terms anchored on the first start (a monthly term ends on the same day of
    the next month); a share of renewals start 1-N days late, which moves the anchor."""
    count = first_start.size
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    anchor = first_start.astype(np.int64).copy()
    offset = np.zeros(count, dtype=np.int64)
    start = anchor.copy()
    while (start <= window.days).any():
        end = shift_months(window, anchor, offset + term_months)
        starts.append(start)
        ends.append(end)
        late = rng.random(count) < late_share
        gap = rng.integers(late_days[0], late_days[1] + 1, count)
        start = np.where(late, end + gap, end)
        anchor = np.where(late, start, anchor)
        offset = np.where(late, 0, offset + term_months)
    start_matrix = np.stack(starts, axis=1)
    return TermChain(
        start=start_matrix,
        end=np.stack(ends, axis=1),
        valid=start_matrix <= window.days,
        term_months=term_months,
        window_days=window.days,
    )


def calibrate_intercept(logits: np.ndarray, target: float) -> float:
    """The intercept a with mean(sigmoid(a + logits)) = target (bisection; rounded)."""
    if logits.size == 0:
        return round(float(np.log(target / (1.0 - target))), 4)
    low, high = -30.0, 15.0
    for _ in range(70):
        middle = (low + high) / 2.0
        if sigmoid(middle + logits).mean() > target:
            high = middle
        else:
            low = middle
    return round((low + high) / 2.0, 4)


@dataclass
class Decisions:
    """The renewal decisions of a chain: probability and outcome per decided term, the terms
    that are written (up to the churned one), and when each account stopped being a customer."""

    probability: np.ndarray  # (accounts, K), nan where undecided: the draw's probability
    # The same without the realised hidden noise (averaged over it): what the account's state
    # says, the truth a score is judged against (its AUC is the ceiling).
    true_probability: np.ndarray
    churned: np.ndarray  # (accounts, K) True on the churned term
    written: np.ndarray  # (accounts, K)
    decided: np.ndarray  # (accounts, K) written and decided
    customer_end: np.ndarray  # (accounts,) day the customer left, NEVER when still one
    intercepts: dict[str, float]


def decide(
    rng: np.random.Generator,
    chain: TermChain,
    logits: np.ndarray,
    targets: dict[str, float],
    noise: np.ndarray | None = None,
    noise_sd: float = 0.0,
) -> Decisions:
    """Churn probability = sigmoid(intercept(term length) + logits + noise) at every decidable
    term, the intercepts calibrated so that the mean probability per term length is the target;
    each account churns at its first churned draw and has no terms after it.

    `noise` is the realised hidden part of the logit (normal, standard deviation `noise_sd`),
    which no table records: the true probability averages it out (the logistic-normal
    approximation sigmoid(mean / sqrt(1 + pi * sd^2 / 8))), so the ceiling it gives is what the
    account's state determines, not a draw no score could know."""
    noise = np.zeros(logits.shape) if noise is None else noise
    decidable = chain.decidable
    monthly = np.broadcast_to((chain.term_months == 1)[:, None], decidable.shape)
    lengths = {"monthly": monthly, "annual": ~monthly}
    intercepts = {
        name: calibrate_intercept(logits[decidable & mask], targets[name])
        for name, mask in lengths.items()
    }
    draws = rng.random(decidable.shape)
    terms = decidable.shape[1]
    position = np.arange(terms)[None, :]
    # The targets are means over the terms actually decided: risky accounts leave early and
    # decide fewer terms, so the intercepts are corrected a few times on the decided terms.
    for attempt in range(7):
        intercept = np.where(monthly, intercepts["monthly"], intercepts["annual"])
        systematic = intercept + np.where(decidable, logits, 0.0)
        probability = np.where(
            decidable, sigmoid(systematic + np.where(decidable, noise, 0.0)), np.nan
        )
        churn_draw = decidable & (draws < np.nan_to_num(probability))
        first_churn = np.where(churn_draw.any(axis=1), np.argmax(churn_draw, axis=1), terms)
        written = chain.valid & (position <= first_churn[:, None])
        if attempt == 6:
            break
        for name, mask in lengths.items():
            decided = written & decidable & mask
            if decided.any():
                mean = float(probability[decided].mean())
                shift = np.log(targets[name] / (1 - targets[name])) - np.log(mean / (1 - mean))
                intercepts[name] = round(intercepts[name] + float(shift), 4)
    churned = churn_draw & (position == first_churn[:, None])
    rows = np.arange(decidable.shape[0])
    customer_end = np.where(
        first_churn < terms, chain.end[rows, np.minimum(first_churn, terms - 1)], NEVER
    )
    spread = np.sqrt(1.0 + np.pi * noise_sd**2 / 8.0)
    return Decisions(
        probability=probability,
        true_probability=np.where(decidable, sigmoid(systematic / spread), np.nan),
        churned=churned,
        written=written,
        decided=written & decidable,
        customer_end=customer_end,
        intercepts=intercepts,
    )


def cancellation_seconds(
    start_day: np.ndarray, end_day: np.ndarray, lead_days: np.ndarray
) -> np.ndarray:
    """When a churning customer asked to cancel: `lead_days` before the term end, never
    before the term start nor at or after its end (seconds from the window start)."""
    lead = np.maximum(np.asarray(lead_days, dtype=float) * SECONDS_PER_DAY, 1.0)
    seconds = np.floor(end_day * SECONDS_PER_DAY - lead).astype(np.int64)
    return np.clip(seconds, start_day * SECONDS_PER_DAY, end_day * SECONDS_PER_DAY - 1)


# ---- users ---------------------------------------------------------------------------------


def simulate_users(
    rng: np.random.Generator,
    slots: np.ndarray,
    first_join: np.ndarray,
    join_gap_days: np.ndarray,
    tenure_years: float,
    replacement: float,
    customer_end: np.ndarray,
    window: Window,
    generations: int = 3,
) -> dict[str, np.ndarray]:
    """Users filling each account's seat slots: slot 0 joins at `first_join`, the next ones
    one Exp(join_gap_days) after another; each user leaves after Exp(tenure_years) and is
    replaced (probability `replacement`) a few weeks later. Every user still there is
    deactivated within 14 days after the customer leaves. Days from the window start; users
    created after the customer left or after the window are not written."""
    account = np.repeat(np.arange(slots.size), slots)
    within = np.arange(account.size) - np.repeat(np.cumsum(slots) - slots, slots)
    gaps = rng.exponential(1.0, account.size) * join_gap_days[account]
    gaps[within == 0] = 0.0
    offsets = np.cumsum(gaps)
    offsets -= np.repeat(offsets[np.cumsum(slots) - slots], slots)
    joined = first_join[account] + offsets
    rows_account: list[np.ndarray] = []
    rows_created: list[np.ndarray] = []
    rows_gone: list[np.ndarray] = []
    rows_slot: list[np.ndarray] = []
    present = np.ones(account.size, dtype=bool)
    for _ in range(generations):
        leave = joined + rng.exponential(tenure_years * 365.0, account.size)
        rows_account.append(account[present])
        rows_created.append(joined[present])
        rows_gone.append(leave[present])
        rows_slot.append(within[present])
        present &= rng.random(account.size) < replacement
        joined = leave + rng.exponential(25.0, account.size)
    owner = np.concatenate(rows_account)
    created = np.concatenate(rows_created)
    gone = np.concatenate(rows_gone)
    slot = np.concatenate(rows_slot)
    end = customer_end[owner].astype(float)
    end[customer_end[owner] >= NEVER] = np.inf
    keep = (created < end) & (created < window.days)
    owner, created, gone, slot, end = owner[keep], created[keep], gone[keep], slot[keep], end[keep]
    lag = rng.uniform(0.0, 14.0, owner.size)
    gone = np.minimum(gone, end + lag)
    order = np.lexsort((created, owner))
    return {
        "account": owner[order],
        "created": created[order],
        "deactivated": np.where(gone[order] >= window.days, np.inf, gone[order]),
        "slot": slot[order],
    }


def users_on(users: dict[str, np.ndarray], accounts: int, days: np.ndarray) -> np.ndarray:
    """Users in place (created on or before, not yet deactivated) per (account, day) pair:
    `days` has shape (accounts, K) and the result too."""
    counts = np.zeros(days.shape, dtype=np.int64)
    for column in range(days.shape[1]):
        moment = days[users["account"], column]
        here = (users["created"] <= moment) & (users["deactivated"] > moment)
        counts[:, column] = np.bincount(users["account"][here], minlength=accounts)
    return counts


# ---- invoices and tickets -------------------------------------------------------------------


def settle_invoices(
    rng: np.random.Generator,
    issued: np.ndarray,
    due: np.ndarray,
    delay_days: np.ndarray,
    never_paid: np.ndarray,
    window: Window,
    uncollectible_after_days: float,
) -> tuple[np.ndarray, np.ndarray]:
    """paid_at (NULL_SECONDS = null) and status: 1% void; never-paid invoices stay open or,
    overdue by more than `uncollectible_after_days` at the window end, are written off half of
    the time; an invoice paid after the window end is still open."""
    count = issued.size
    horizon = window.days * SECONDS_PER_DAY
    void = rng.random(count) < 0.01
    paid = issued + (delay_days * SECONDS_PER_DAY).astype(np.int64)
    unpaid = void | never_paid | (paid >= horizon)
    paid = np.where(unpaid, NULL_SECONDS, paid)
    overdue = due + uncollectible_after_days * SECONDS_PER_DAY < horizon
    written_off = never_paid & overdue & (rng.random(count) < 0.5)
    status = np.where(
        void, VOID, np.where(~unpaid, PAID, np.where(written_off, UNCOLLECTIBLE, OPEN))
    )
    return paid, status.astype(np.int64)


def ticket_attributes(
    rng: np.random.Generator,
    created: np.ndarray,
    friction: np.ndarray,
    burst: np.ndarray,
    window: Window,
) -> dict[str, np.ndarray]:
    """Priority, escalation, response and solve times, status and CSAT of tickets, all rising
    with friction (the demo's support model; docs/archetypes.md)."""
    count = created.size
    scores = np.stack(
        [
            np.zeros(count),
            np.full(count, 0.7),
            -0.9 + 0.5 * friction + burst,
            -2.4 + 0.65 * friction + 1.5 * burst,
        ],
        axis=1,
    )
    priority = np.argmax(scores - np.log(-np.log(rng.random(scores.shape))), axis=1)
    bump = np.array([0.0, 0.0, 0.8, 1.5])[priority]
    escalated = rng.random(count) < sigmoid(-3.4 + 0.6 * friction + bump)
    horizon = window.days * SECONDS_PER_DAY
    hours = np.array([10.0, 6.0, 2.0, 0.7])[priority] * np.exp(0.25 * friction)
    first_response = created + (rng.lognormal(np.log(hours), 0.8) * 3600.0).astype(np.int64)
    never_answered = rng.random(count) < 0.03
    first_response = np.where(never_answered | (first_response >= horizon), -1, first_response)
    solve_hours = 24.0 * np.exp(0.35 * friction) * np.array([0.8, 1.0, 1.3, 1.5])[priority]
    solved = created + (rng.lognormal(np.log(solve_hours), 1.1) * 3600.0).astype(np.int64)
    solved = np.maximum(solved, np.where(first_response >= 0, first_response, created))
    solved = np.where(solved >= horizon, -1, solved)
    first_response = np.where((solved >= 0) & (first_response < 0), solved, first_response)
    waiting = np.where(
        first_response < 0,
        _TICKET_NEW,
        np.where(rng.random(count) < 0.6, _TICKET_OPEN, _TICKET_PENDING),
    )
    closed = np.where(solved < horizon - 4 * SECONDS_PER_DAY, _TICKET_CLOSED, _TICKET_SOLVED)
    status = np.where(solved >= 0, closed, waiting)
    answered = (solved >= 0) & (rng.random(count) < 0.35)
    bad = rng.random(count) < sigmoid(-2.6 + 0.8 * friction + 0.6 * escalated)
    return {
        "priority": priority.astype(np.int64),
        "status": status.astype(np.int64),
        "first_response": np.where(first_response < 0, NULL_SECONDS, first_response),
        "solved": np.where(solved < 0, NULL_SECONDS, solved),
        "csat": np.where(answered, bad.astype(np.int64), -1),
        "escalated": escalated,
    }


# ---- the simulated company and its files ----------------------------------------------------


EventSource = Callable[[int, int], dict[str, np.ndarray]]


@dataclass(frozen=True)
class SimulationInput:
    """What an archetype simulator gets."""

    archetype: Archetype
    seed: int
    accounts: int
    window: Window
    seed_sequence: np.random.SeedSequence
    coefficients: dict[str, float]
    lead_driver: str | None
    event_density: float


@dataclass
class SimulatedCompany:
    """Everything an archetype simulation produces, ready to be written.

    Seconds and days are relative to the window start; NULL_SECONDS marks a null timestamp.
    Codes index the name tuples (-1 = null)."""

    account_ids: list[str]
    names: list[str]
    segment: np.ndarray
    segment_names: tuple[str, ...]
    industry: list[str | None]
    csm_owner: list[str | None]
    created_seconds: np.ndarray
    subscriptions: dict[str, np.ndarray]  # account, plan, seats, arr, start, end, canceled
    plan_names: tuple[str, ...]
    renewals: dict[str, np.ndarray]  # subscription (row), probability, churned
    invoices: dict[str, np.ndarray]  # account, subscription, amount, issued, due, paid, ...
    users: dict[str, np.ndarray]  # account, created (days), deactivated (days, inf = null)
    event_names: tuple[str, ...]
    events: EventSource  # (first account, stop) -> account, user (-1 = null), seconds, ...
    mechanism: dict[str, object]
    account_truth: dict[str, np.ndarray]
    contacts: dict[str, object] | None = None
    tickets: dict[str, np.ndarray] | None = None


def generate_archetype(
    archetype: Archetype,
    out_dir: Path,
    window: Window,
    report: GenerationReport,
    *,
    accounts: int,
    seed: int,
    file_format: str,
    dirty: bool,
    event_density: float,
    say: Callable[[str], None],
) -> None:
    """Simulate one company of a non-demo archetype and write its tables and truth."""
    from .archetype_product_led import simulate_product_led
    from .archetype_usage_smb import simulate_usage_smb

    simulators = {"product_led": simulate_product_led, "usage_smb": simulate_usage_smb}
    drawn = draw_mechanism(archetype.name, seed)
    root = np.random.SeedSequence(archetype_entropy(archetype.name, seed))
    simulation_seed, dirt_seed = root.spawn(2)
    for table in TABLES:
        if table not in archetype.tables:
            for suffix in ("csv", "parquet"):
                (out_dir / f"{table}.{suffix}").unlink(missing_ok=True)
    say(f"simulating {accounts} {archetype.name} accounts over {window.start} .. {window.end}")
    company = simulators[archetype.name](
        SimulationInput(
            archetype=archetype,
            seed=seed,
            accounts=accounts,
            window=window,
            seed_sequence=simulation_seed,
            coefficients=drawn.coefficients,
            lead_driver=drawn.lead_driver,
            event_density=event_density,
        )
    )
    _write(company, archetype, out_dir, window, report, file_format, dirty, dirt_seed, say)
    say(
        f"done: {report.row_counts['product_events']:,} events, {report.renewals:,} renewals "
        f"decided, {report.churns:,} churned, {report.dirty_total} dirty rows"
    )


def _write(
    company: SimulatedCompany,
    archetype: Archetype,
    out_dir: Path,
    window: Window,
    report: GenerationReport,
    file_format: str,
    dirty: bool,
    dirt_seed: np.random.SeedSequence,
    say: Callable[[str], None],
) -> None:
    dirt_rng = np.random.default_rng(dirt_seed)
    dirt_log = DirtLog()
    count = len(company.account_ids)
    unknown_accounts = _unknown_account_ids(count)
    ids = _Ids(window, company)
    has_events = np.zeros(count, dtype=bool)

    events = TableSink(out_dir, "product_events", file_format)
    next_event = 1
    last_events: pa.Table | None = None
    for chunk_start in range(0, count, EVENT_CHUNK_ACCOUNTS):
        chunk_stop = min(count, chunk_start + EVENT_CHUNK_ACCOUNTS)
        piece = company.events(chunk_start, chunk_stop)
        has_events[np.unique(piece["account"])] = True
        batch = ids.events(piece, next_event)
        next_event += batch.num_rows
        if batch.num_rows:
            last_events = batch
        if dirty:
            batch = duplicate_rows("product_events", batch, dirt_rng, dirt_log)
        events.write(batch)
        say(f"generating product events: {chunk_stop}/{count} accounts, {events.rows:,} events")
    close_events(
        events, last_events, next_event, unknown_accounts, window, report, dirty, dirt_rng, dirt_log
    )

    for table in archetype.tables:
        if table == "product_events":
            continue
        say(f"writing {table}")
        data = getattr(ids, table)()
        as_csv = table_format(table, file_format) == "csv"
        if dirty:
            prefix, minimum = ID_PREFIXES[table]
            scheme = IdScheme(prefix, id_width(data.num_rows, minimum), data.num_rows + 1)
            data = inject_rows(
                table, data, as_csv, scheme, unknown_accounts, window, dirt_rng, dirt_log
            )
        sink = TableSink(out_dir, table, file_format)
        sink.write(data)
        sink.close()
        report.paths[table] = sink.path
        report.row_counts[table] = sink.rows

    truth_dir = out_dir / TRUTH_DIR
    renewals = ids.renewal_truth()
    company.account_truth["has_product_data"] = has_events
    for name, table in (("renewal_truth", renewals), ("account_truth", ids.account_truth())):
        path = truth_dir / f"{name}.csv"
        write_csv(table, path)
        report.truth_paths[name] = path
    path = truth_dir / "archetype.json"
    path.write_text(json.dumps(company.mechanism, indent=2) + "\n")
    report.truth_paths["archetype"] = path
    report.dirty_rows = {table: dict(kinds) for table, kinds in dirt_log.counts.items()}

    segments = renewals.column("segment").to_pylist()
    churned = renewals.column("churned").to_pylist()
    report.renewals = len(churned)
    report.churns = int(sum(churned))
    for segment in (*company.segment_names, None):
        label = segment if segment is not None else "(none)"
        members = [c for s, c in zip(segments, churned, strict=True) if s == segment]
        if members or segment is not None:
            report.renewals_by_segment[label] = len(members)
            report.churns_by_segment[label] = int(sum(members))


class _Ids:
    """Turns a SimulatedCompany's arrays into typed contract tables (global ids)."""

    def __init__(self, window: Window, company: SimulatedCompany) -> None:
        self.window = window
        self.company = company
        self.subscription_count = company.subscriptions["account"].size
        self.user_count = company.users["account"].size
        self.user_width = id_width(self.user_count, ID_PREFIXES["product_users"][1])

    def _ts(self, seconds: np.ndarray) -> pa.Array:
        seconds = np.asarray(seconds, dtype=np.int64)
        null = seconds == NULL_SECONDS
        return timestamp_array(self.window, np.where(null, 0, seconds), null)

    def _ids(self, table: str, count: int) -> pa.Array:
        prefix, minimum = ID_PREFIXES[table]
        return id_array(prefix, np.arange(1, count + 1), id_width(count, minimum))

    def _accounts(self, indices: np.ndarray) -> pa.Array:
        return lookup_array(self.company.account_ids, np.asarray(indices, dtype=np.int64))

    def _subscription_ids(self, rows: np.ndarray) -> pa.Array:
        prefix, minimum = ID_PREFIXES["billing_subscriptions"]
        rows = np.asarray(rows, dtype=np.int64)
        width = id_width(self.subscription_count, minimum)
        return id_array(prefix, np.where(rows >= 0, rows + 1, -1), width)

    def crm_accounts(self) -> pa.Table:
        company = self.company
        count = len(company.account_ids)
        return make_table(
            "crm_accounts",
            {
                "account_id": pa.array(company.account_ids, pa.string()),
                "account_name": pa.array(company.names, pa.string()),
                "segment": lookup_array(company.segment_names, company.segment),
                "industry": pa.array(company.industry, pa.string()),
                "csm_owner": pa.array(company.csm_owner, pa.string()),
                "parent_account_id": pa.nulls(count, pa.string()),
                "created_at": self._ts(company.created_seconds),
            },
        )

    def crm_contacts(self) -> pa.Table:
        contacts = self.company.contacts
        assert contacts is not None
        account = np.asarray(contacts["account"])
        return make_table(
            "crm_contacts",
            {
                "contact_id": self._ids("crm_contacts", account.size),
                "account_id": self._accounts(account),
                "role": lookup_array(ROLES, np.asarray(contacts["role"])),
                "email": pa.array(contacts["email"], pa.string()),
                "created_at": self._ts(np.asarray(contacts["created"])),
                "left_at": self._ts(np.asarray(contacts["left"])),
            },
        )

    def billing_subscriptions(self) -> pa.Table:
        subs = self.company.subscriptions
        return make_table(
            "billing_subscriptions",
            {
                "subscription_id": self._ids("billing_subscriptions", self.subscription_count),
                "account_id": self._accounts(subs["account"]),
                "plan": lookup_array(self.company.plan_names, subs["plan"]),
                "seats": pa.array(subs["seats"].astype(np.int64), pa.int64()),
                "arr": money_array(subs["arr"]),
                "start_date": date_array(self.window, subs["start"]),
                "end_date": date_array(self.window, subs["end"]),
                "canceled_at": self._ts(subs["canceled"]),
            },
        )

    def billing_invoices(self) -> pa.Table:
        invoices = self.company.invoices
        count = invoices["account"].size
        return make_table(
            "billing_invoices",
            {
                "invoice_id": self._ids("billing_invoices", count),
                "account_id": self._accounts(invoices["account"]),
                "subscription_id": self._subscription_ids(invoices["subscription"]),
                "amount_due": money_array(invoices["amount"]),
                "issued_at": self._ts(invoices["issued"]),
                "due_at": self._ts(invoices["due"]),
                "paid_at": self._ts(invoices["paid"]),
                "status": lookup_array(INVOICE_STATUSES, invoices["status"]),
                "is_disputed": bool_array(invoices["disputed"]),
            },
        )

    def product_users(self) -> pa.Table:
        users = self.company.users
        created = np.floor(users["created"] * SECONDS_PER_DAY)
        gone = users["deactivated"]
        deactivated = np.where(
            np.isfinite(gone), np.floor(np.where(np.isfinite(gone), gone, 0) * SECONDS_PER_DAY), 0
        ).astype(np.int64)
        deactivated[~np.isfinite(gone)] = NULL_SECONDS
        prefix, _ = ID_PREFIXES["product_users"]
        return make_table(
            "product_users",
            {
                "user_id": id_array(prefix, np.arange(1, self.user_count + 1), self.user_width),
                "account_id": self._accounts(users["account"]),
                "created_at": self._ts(created),
                "deactivated_at": self._ts(deactivated),
            },
        )

    def support_tickets(self) -> pa.Table:
        tickets = self.company.tickets
        assert tickets is not None
        count = tickets["account"].size
        return make_table(
            "support_tickets",
            {
                "ticket_id": self._ids("support_tickets", count),
                "account_id": self._accounts(tickets["account"]),
                "priority": lookup_array(PRIORITIES, tickets["priority"]),
                "status": lookup_array(TICKET_STATUSES, tickets["status"]),
                "created_at": self._ts(tickets["created"]),
                "first_response_at": self._ts(tickets["first_response"]),
                "solved_at": self._ts(tickets["solved"]),
                "csat": lookup_array(CSAT_VALUES, tickets["csat"]),
                "is_escalated": bool_array(tickets["escalated"]),
            },
        )

    def events(self, piece: dict[str, np.ndarray], first_number: int) -> pa.Table:
        count = piece["account"].size
        prefix, width = ID_PREFIXES["product_events"]
        user_prefix, _ = ID_PREFIXES["product_users"]
        user = piece["user"].astype(np.int64)
        return make_table(
            "product_events",
            {
                "event_id": id_array(prefix, np.arange(first_number, first_number + count), width),
                "account_id": self._accounts(piece["account"]),
                "user_id": id_array(
                    user_prefix, np.where(user >= 0, user + 1, -1), self.user_width
                ),
                "event_name": lookup_array(self.company.event_names, piece["code"]),
                "occurred_at": self._ts(piece["seconds"]),
                "quantity": pa.array(piece["quantity"].astype(float), pa.float64()),
            },
        )

    def renewal_truth(self) -> pa.Table:
        company = self.company
        rows = company.renewals["subscription"]
        account = company.subscriptions["account"][rows]
        return pa.table(
            {
                "subscription_id": self._subscription_ids(rows),
                "account_id": self._accounts(account),
                "segment": lookup_array(company.segment_names, company.segment[account]),
                "end_date": date_array(self.window, company.subscriptions["end"][rows]),
                "true_churn_probability": pa.array(np.round(company.renewals["probability"], 6)),
                "churned": pa.array(company.renewals["churned"].astype(np.int64), pa.int64()),
            }
        )

    def account_truth(self) -> pa.Table:
        company = self.company
        columns: dict[str, pa.Array] = {
            "account_id": pa.array(company.account_ids, pa.string()),
            "segment": lookup_array(company.segment_names, company.segment),
        }
        for name, values in company.account_truth.items():
            values = np.asarray(values)
            if values.dtype == bool:
                columns[name] = bool_array(values)
            elif np.issubdtype(values.dtype, np.integer):
                columns[name] = pa.array(values.astype(np.int64), pa.int64())
            else:
                columns[name] = pa.array(np.round(values.astype(float), 4))
        return pa.table(columns)


def mechanism_payload(
    spec: SimulationInput,
    decisions: Decisions,
    drivers: dict[str, np.ndarray],
    notes: dict[str, object],
) -> dict[str, object]:
    """The content of _truth/archetype.json: the archetype, its natural lead times, the seed's
    coefficients and ranges, its lead driver, the calibrated intercepts, and how much each
    driver moved the decided renewals' logits (|coefficient| x standard deviation of the
    driver over the decided terms)."""
    archetype, coefficients = spec.archetype, spec.coefficients
    spread = {
        name: round(float(np.std(values)) * abs(coefficients[name]), 4) if values.size else 0.0
        for name, values in drivers.items()
    }
    return {
        "archetype": archetype.name,
        "summary": archetype.summary,
        "seed": spec.seed,
        "tables": list(archetype.tables),
        "natural_lead_days": {k: list(v) for k, v in archetype.natural_lead_days.items()},
        "decision_lag_days": dict(archetype.decision_lag_days),
        "coefficients": coefficients,
        "coefficient_ranges": {k: list(v) for k, v in archetype.coefficient_ranges.items()},
        "lead_driver": spec.lead_driver,
        "lead_driver_multiplier": LEAD_DRIVER_MULTIPLIER,
        "intercepts": decisions.intercepts,
        "driver_logit_sd": spread,
        **notes,
    }


def assign_groups(rng: np.random.Generator, count: int, weights: tuple[float, ...]) -> np.ndarray:
    """Group index per account in proportion to the weights (shuffled)."""
    shares = np.asarray(weights, dtype=float) / sum(weights)
    sizes = np.floor(shares * count).astype(np.int64)
    while sizes.sum() < count:
        sizes[np.argmax(shares * count - sizes)] += 1
    return rng.permutation(np.repeat(np.arange(len(weights)), sizes))


def correlated_means(
    rng: np.random.Generator, count: int, sds: tuple[float, ...], correlation: np.ndarray
) -> np.ndarray:
    """Account means of several factors: (count, factors), N(0, sd) with correlations."""
    sd = np.asarray(sds)
    return rng.multivariate_normal(np.zeros(sd.size), correlation * np.outer(sd, sd), count)


def industries(rng: np.random.Generator, count: int, null_share: float) -> list[str | None]:
    """An industry per account (null for a share)."""
    picks = rng.integers(0, len(INDUSTRIES), count)
    null = rng.random(count) < null_share
    return [None if n else INDUSTRIES[int(p)] for p, n in zip(picks, null, strict=True)]
