"""How well can renewals be predicted from the generated tables? A calibration check.

For every decided term in _truth/renewal_truth.csv, simple features are computed from the
contract tables using only rows timestamped on or before end_date - 90 days. The result gives
the AUC of the hidden probability (the ceiling), each feature's own AUC, and the AUC of a
logistic regression on all features, trained on earlier renewals and tested on the later 30%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
from sklearn.linear_model import LogisticRegression

from orchestration.analysis.metrics import roc_auc
from orchestration.demo_company.config import CORE_FEATURES, SEGMENT_NAMES
from orchestration.runtime.contract import contract_tables, signal_tables

LEAD_DAYS = 90
TEST_SHARE = 0.3
# Feature name -> +1 when higher values mean more churn risk, -1 when lower values do.
FEATURE_DIRECTIONS: dict[str, int] = {
    "active_user_ratio_30d": -1,
    "active_days_per_seat_30d": -1,
    "core_feature_breadth_30d": -1,
    "usage_trend": -1,
    "tickets_90d_per_sqrt_seat": 1,
    "high_priority_tickets_90d": 1,
    "bad_csat_share_180d": 1,
    "late_invoice_share_365d": 1,
    "days_to_pay_365d": 1,
    "billing_page_share_90d": 1,
    "help_center_share_90d": 1,
    "days_since_sponsor_meeting": 1,
    "unresponsive_share_180d": 1,
    "sentiment_180d": -1,
    "latest_nps": -1,
    "stakeholder_left_90d": 1,
}
FEATURES: tuple[str, ...] = tuple(FEATURE_DIRECTIONS)

_SQL_TYPES = {
    "string": "varchar",
    "timestamp": "timestamp",
    "date": "date",
    "integer": "bigint",
    "decimal": "double",
    "boolean": "boolean",
}

_FEATURE_SQL = f"""
with renewals as (
    select
        truth.subscription_id,
        truth.account_id,
        truth.segment,
        truth.end_date,
        truth.true_churn_probability,
        truth.churned,
        cast(truth.end_date - interval {LEAD_DAYS} day as timestamp) as cutoff
    from truth
),
seats_at_cutoff as (
    select
        renewals.subscription_id,
        arg_max(subs.seats, subs.start_date) as seats,
        min(subs.start_date) as first_start
    from renewals
    inner join billing_subscriptions as subs
        on subs.account_id = renewals.account_id
        and subs.start_date <= cast(renewals.cutoff as date)
    group by renewals.subscription_id
),
user_days as (
    select
        account_id,
        user_id,
        cast(occurred_at as date) as activity_date,
        list(distinct event_name) as names,
        count(case when event_name not in ('login', 'session_start') then 1 end) as feature_events,
        count(case when event_name = 'billing_page' then 1 end) as billing_page_events,
        count(case when event_name = 'help_center' then 1 end) as help_center_events
    from product_events
    where account_id is not null and occurred_at is not null
    group by all
),
usage as (
    select
        renewals.subscription_id,
        count(distinct case when user_days.activity_date > renewals.cutoff - interval 30 day
            then user_days.user_id end) as active_users_30d,
        count(case when user_days.activity_date > renewals.cutoff - interval 30 day
            then 1 end) as user_days_30d,
        count(case when user_days.activity_date <= renewals.cutoff - interval 30 day
            then 1 end) as user_days_prior_60d,
        sum(user_days.feature_events) as feature_events_90d,
        sum(user_days.billing_page_events) as billing_page_events_90d,
        sum(user_days.help_center_events) as help_center_events_90d
    from renewals
    inner join user_days
        on user_days.account_id = renewals.account_id
        and user_days.activity_date <= renewals.cutoff
        and user_days.activity_date > renewals.cutoff - interval 90 day
    group by renewals.subscription_id
),
breadth as (
    select
        renewals.subscription_id,
        count(distinct feature.name) as core_features_30d
    from renewals
    inner join user_days
        on user_days.account_id = renewals.account_id
        and user_days.activity_date <= renewals.cutoff
        and user_days.activity_date > renewals.cutoff - interval 30 day
    cross join unnest(user_days.names) as feature(name)
    where feature.name in ({", ".join(f"'{name}'" for name in CORE_FEATURES)})
    group by renewals.subscription_id
),
has_telemetry as (
    -- The account had product users by the feature date (otherwise usage is missing, not 0).
    select renewals.subscription_id
    from renewals
    inner join (
        select account_id, min(created_at) as first_user_at from product_users group by account_id
    ) as first_users
        on first_users.account_id = renewals.account_id
        and first_users.first_user_at <= renewals.cutoff
),
support as (
    select
        renewals.subscription_id,
        count(case when tickets.created_at > renewals.cutoff - interval 90 day then 1 end)
            as tickets_90d,
        count(case when tickets.created_at > renewals.cutoff - interval 90 day
            and tickets.priority in ('high', 'urgent') then 1 end) as high_priority_tickets_90d,
        count(case when tickets.solved_at > renewals.cutoff - interval 180 day
            and tickets.solved_at <= renewals.cutoff and tickets.csat is not null then 1 end)
            as rated_180d,
        count(case when tickets.solved_at > renewals.cutoff - interval 180 day
            and tickets.solved_at <= renewals.cutoff and tickets.csat = 'bad' then 1 end)
            as bad_180d
    from renewals
    inner join support_tickets as tickets
        on tickets.account_id = renewals.account_id
        and tickets.created_at <= renewals.cutoff
        and tickets.created_at > renewals.cutoff - interval 365 day
    group by renewals.subscription_id
),
has_support as (
    -- The account had filed a ticket by the feature date (otherwise support is missing).
    select renewals.subscription_id
    from renewals
    inner join (
        select account_id, min(created_at) as first_ticket_at
        from support_tickets group by account_id
    ) as first_tickets
        on first_tickets.account_id = renewals.account_id
        and first_tickets.first_ticket_at <= renewals.cutoff
),
billing as (
    select
        renewals.subscription_id,
        count(case when invoices.due_at < renewals.cutoff
            and (invoices.paid_at is null or invoices.paid_at > invoices.due_at) then 1 end)
            as late_invoices_365d,
        count(case when invoices.due_at < renewals.cutoff then 1 end) as due_365d,
        avg(case when invoices.due_at < renewals.cutoff then date_diff('second',
            invoices.issued_at, least(coalesce(invoices.paid_at, renewals.cutoff), renewals.cutoff))
            / 86400.0 end) as days_to_pay_365d
    from renewals
    inner join billing_invoices as invoices
        on invoices.account_id = renewals.account_id
        and invoices.issued_at <= renewals.cutoff
        and invoices.issued_at > renewals.cutoff - interval 365 day
        and coalesce(invoices.status, '') <> 'void'
    group by renewals.subscription_id
),
activities as (
    select
        activities.*,
        contacts.role as contact_role,
        coalesce(activities.logged_at, activities.occurred_at) as known_at
    from crm_activities as activities
    left join crm_contacts as contacts on contacts.contact_id = activities.contact_id
),
relationship as (
    select
        renewals.subscription_id,
        max(case when activities.contact_role = 'executive_sponsor'
            and activities.activity_type in ('meeting', 'qbr')
            and activities.outcome = 'completed' then activities.occurred_at end)
            as last_sponsor_meeting_at,
        count(case when activities.occurred_at > renewals.cutoff - interval 180 day
            and activities.outcome in ('no_show', 'cancelled', 'no_reply') then 1 end)
            as unresponsive_180d,
        count(case when activities.occurred_at > renewals.cutoff - interval 180 day
            and activities.outcome is not null and activities.direction = 'outbound'
            then 1 end) as outbound_180d,
        avg(case when activities.occurred_at > renewals.cutoff - interval 180 day then
            case activities.sentiment when 'positive' then 1.0 when 'neutral' then 0.0
                when 'negative' then -1.0 end end) as sentiment_180d
    from renewals
    inner join activities
        on activities.account_id = renewals.account_id
        and activities.known_at <= renewals.cutoff
        and activities.occurred_at <= renewals.cutoff
    group by renewals.subscription_id
),
nps as (
    select
        renewals.subscription_id,
        arg_max(responses.score, responses.responded_at) as latest_nps
    from renewals
    inner join survey_responses as responses
        on responses.account_id = renewals.account_id
        and responses.responded_at <= renewals.cutoff
        and responses.survey_type = 'nps'
        and responses.score between 0 and 10
    group by renewals.subscription_id
),
stakeholders as (
    select
        renewals.subscription_id,
        count(case when contacts.left_at > renewals.cutoff - interval 90 day
            and contacts.left_at <= renewals.cutoff then 1 end) as stakeholder_left_90d
    from renewals
    inner join crm_contacts as contacts
        on contacts.account_id = renewals.account_id
        and contacts.role in ('executive_sponsor', 'champion')
        and contacts.created_at <= renewals.cutoff
    group by renewals.subscription_id
),
first_data as (
    select min(occurred_at) as first_event_at from product_events
    where occurred_at <= (select max(end_date) from truth)
)
select
    renewals.subscription_id,
    renewals.segment,
    renewals.end_date,
    renewals.true_churn_probability,
    renewals.churned,
    date_diff('day', term.start_date, term.end_date) < 40 as is_monthly_term,
    case when has_telemetry.subscription_id is not null then
        coalesce(usage.active_users_30d, 0) / greatest(seats_at_cutoff.seats, 1) end
        as active_user_ratio_30d,
    case when has_telemetry.subscription_id is not null then
        coalesce(usage.user_days_30d, 0) / greatest(seats_at_cutoff.seats, 1) end
        as active_days_per_seat_30d,
    case when has_telemetry.subscription_id is not null then
        coalesce(breadth.core_features_30d, 0) end as core_feature_breadth_30d,
    case when has_telemetry.subscription_id is not null then
        (coalesce(usage.user_days_30d, 0) + 1.0)
        / (coalesce(usage.user_days_prior_60d, 0) / 2.0 + 1.0) end as usage_trend,
    case when has_support.subscription_id is not null then
        coalesce(support.tickets_90d, 0) / sqrt(greatest(seats_at_cutoff.seats, 1)) end
        as tickets_90d_per_sqrt_seat,
    case when has_support.subscription_id is not null then
        coalesce(support.high_priority_tickets_90d, 0) end as high_priority_tickets_90d,
    case when support.rated_180d > 0 then support.bad_180d / support.rated_180d end
        as bad_csat_share_180d,
    case when billing.due_365d > 0 then billing.late_invoices_365d / billing.due_365d end
        as late_invoice_share_365d,
    billing.days_to_pay_365d,
    case when usage.feature_events_90d > 0
        then usage.billing_page_events_90d / usage.feature_events_90d end
        as billing_page_share_90d,
    case when usage.feature_events_90d > 0
        then usage.help_center_events_90d / usage.feature_events_90d end
        as help_center_share_90d,
    least(date_diff('day', relationship.last_sponsor_meeting_at, renewals.cutoff), 365)
        as days_since_sponsor_meeting,
    case when relationship.outbound_180d > 0
        then relationship.unresponsive_180d / relationship.outbound_180d end
        as unresponsive_share_180d,
    relationship.sentiment_180d,
    nps.latest_nps,
    stakeholders.stakeholder_left_90d
from renewals
inner join seats_at_cutoff on seats_at_cutoff.subscription_id = renewals.subscription_id
inner join billing_subscriptions as term on term.subscription_id = renewals.subscription_id
cross join first_data
left join usage on usage.subscription_id = renewals.subscription_id
left join breadth on breadth.subscription_id = renewals.subscription_id
left join has_telemetry on has_telemetry.subscription_id = renewals.subscription_id
left join support on support.subscription_id = renewals.subscription_id
left join has_support on has_support.subscription_id = renewals.subscription_id
left join billing on billing.subscription_id = renewals.subscription_id
left join relationship on relationship.subscription_id = renewals.subscription_id
left join nps on nps.subscription_id = renewals.subscription_id
left join stakeholders on stakeholders.subscription_id = renewals.subscription_id
where renewals.cutoff >= first_data.first_event_at + interval 30 day
    and seats_at_cutoff.first_start <= cast(renewals.cutoff as date) - interval 30 day
order by renewals.end_date, renewals.subscription_id
"""


@dataclass
class SeparabilityResult:
    """AUCs measured on one group of renewals (all, or one segment).

    "pooled" AUCs rank all renewals of the group together; "within" AUCs only compare
    renewals of the same segment and term length (monthly or annual), whose base churn rates
    differ by an order of magnitude, so they measure ranking, not the base-rate gap.
    Feature AUCs are within-stratum and oriented so that 0.5 is no signal.
    """

    renewals: int
    churns: int
    ceiling_auc: float
    ceiling_auc_within: float
    feature_aucs: dict[str, float] = field(default_factory=dict)
    feature_coverage: dict[str, float] = field(default_factory=dict)
    heldout_renewals: int = 0
    heldout_churns: int = 0
    heldout_ceiling_auc: float = float("nan")
    heldout_model_auc: float = float("nan")
    heldout_ceiling_auc_within: float = float("nan")
    heldout_model_auc_within: float = float("nan")


@dataclass
class SeparabilityReport:
    """Overall and per-segment results."""

    overall: SeparabilityResult
    segments: dict[str, SeparabilityResult]
    # Every decided renewal in the truth, including those without enough history to measure.
    all_renewals: int = 0
    all_ceiling_auc: float = float("nan")

    def lines(self) -> list[str]:
        """A compact, human-readable table."""
        groups = {"overall": self.overall, **self.segments}
        results = list(groups.values())
        rows = [
            f"all decided renewals: {self.all_renewals}, ceiling AUC {self.all_ceiling_auc:.3f}",
            f"{'':34}" + "".join(f"{name:>12}" for name in groups),
        ]

        def row(label: str, values: list[float] | list[int]) -> None:
            cells = "".join(
                f"{value:>12}" if isinstance(value, int) else f"{value:>12.3f}" for value in values
            )
            rows.append(f"{label:34}{cells}")

        row("renewals evaluated", [r.renewals for r in results])
        row("churns", [r.churns for r in results])
        row("ceiling AUC pooled", [r.ceiling_auc for r in results])
        row("ceiling AUC within", [r.ceiling_auc_within for r in results])
        for name in FEATURES:
            row(f"  {name}", [r.feature_aucs.get(name, float("nan")) for r in results])
        row("held-out renewals (later 30%)", [r.heldout_renewals for r in results])
        row("held-out churns", [r.heldout_churns for r in results])
        row("held-out ceiling AUC pooled", [r.heldout_ceiling_auc for r in results])
        row("held-out logistic AUC pooled", [r.heldout_model_auc for r in results])
        row("held-out ceiling AUC within", [r.heldout_ceiling_auc_within for r in results])
        row("held-out logistic AUC within", [r.heldout_model_auc_within for r in results])
        return rows


def measure_separability(out_dir: Path) -> SeparabilityReport:
    """Features at end_date - 90 days for every decided renewal, and the AUCs they reach."""
    out_dir = Path(out_dir)
    truth_path = out_dir / "_truth" / "renewal_truth.csv"
    if not truth_path.exists():
        raise FileNotFoundError(
            f"No {truth_path}: run generate_company on {out_dir} before measuring it."
        )
    connection = duckdb.connect()
    try:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute("set enable_progress_bar = false")
        connection.execute("set memory_limit = '2GB'")
        for table in signal_tables():
            _register(connection, out_dir, table)
        connection.execute(
            f"create view truth as select * from read_csv('{truth_path}', header = true, "
            "columns = {'subscription_id': 'varchar', 'account_id': 'varchar', "
            "'segment': 'varchar', 'end_date': 'date', 'true_churn_probability': 'double', "
            "'churned': 'integer'})"
        )
        result = connection.execute(_FEATURE_SQL)
        names = [column[0] for column in result.description]
        rows = result.fetchall()
        truth = connection.execute("select churned, true_churn_probability from truth").fetchall()
    finally:
        connection.close()
    columns = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    report = _evaluate(columns)
    report.all_renewals = len(truth)
    report.all_ceiling_auc = _auc(
        np.array([row[0] for row in truth]), np.array([row[1] for row in truth], dtype=float)
    )
    return report


def _register(connection: duckdb.DuckDBPyConnection, out_dir: Path, table: str) -> None:
    """A typed view of one contract table (unparseable values become null)."""
    parquet, csv = out_dir / f"{table}.parquet", out_dir / f"{table}.csv"
    if parquet.exists():
        source, template = f"read_parquet('{parquet}')", "try_cast({name} as {type})"
    elif csv.exists():
        source = f"read_csv('{csv}', header = true, all_varchar = true)"
        # DuckDB pushes a bare try_cast into the CSV reader, which then raises on bad text;
        # nullif(trim(...)) keeps the cast in the projection, where it returns null.
        template = "try_cast(nullif(trim({name}), '') as {type})"
    else:
        raise FileNotFoundError(f"No {table}.csv or {table}.parquet in {out_dir}.")
    casts = ", ".join(
        template.format(name=column.name, type=_SQL_TYPES[column.logical_type])
        + f" as {column.name}"
        for column in contract_tables()[table].columns
    )
    connection.execute(f"create view {table} as select {casts} from {source}")


def _evaluate(columns: dict[str, list]) -> SeparabilityReport:
    segment = np.asarray(columns["segment"], dtype=object)
    monthly = np.asarray(columns["is_monthly_term"], dtype=bool)
    stratum = np.array(
        [
            f"{name}/{'monthly' if is_monthly else 'annual'}"
            for name, is_monthly in zip(segment, monthly, strict=True)
        ],
        dtype=object,
    )
    churned = np.asarray(columns["churned"], dtype=np.int64)
    probability = np.asarray(columns["true_churn_probability"], dtype=float)
    count = churned.size
    matrix = np.array(
        [[np.nan if v is None else float(v) for v in columns[name]] for name in FEATURES],
        dtype=float,
    ).T.reshape(count, len(FEATURES))
    test = np.zeros(count, dtype=bool)
    test[int(np.floor(count * (1 - TEST_SHARE))) :] = True  # rows are ordered by end_date
    scores = _heldout_scores(matrix, stratum, churned, test)

    def result(mask: np.ndarray) -> SeparabilityResult:
        outcome, strata = churned[mask], stratum[mask]
        group = SeparabilityResult(
            renewals=int(mask.sum()),
            churns=int(outcome.sum()),
            ceiling_auc=_auc(outcome, probability[mask]),
            ceiling_auc_within=_auc_within(outcome, probability[mask], strata),
        )
        for position, name in enumerate(FEATURES):
            values = matrix[mask, position]
            present = ~np.isnan(values)
            group.feature_coverage[name] = float(present.mean()) if present.size else 0.0
            group.feature_aucs[name] = _auc_within(
                outcome[present], FEATURE_DIRECTIONS[name] * values[present], strata[present]
            )
        held = mask & test
        group.heldout_renewals = int(held.sum())
        group.heldout_churns = int(churned[held].sum())
        group.heldout_ceiling_auc = _auc(churned[held], probability[held])
        group.heldout_model_auc = _auc(churned[held], scores[held])
        group.heldout_ceiling_auc_within = _auc_within(
            churned[held], probability[held], stratum[held]
        )
        group.heldout_model_auc_within = _auc_within(churned[held], scores[held], stratum[held])
        return group

    everything = np.ones(count, dtype=bool)
    return SeparabilityReport(
        overall=result(everything),
        segments={name: result(segment == name) for name in SEGMENT_NAMES},
    )


def _design(matrix: np.ndarray, stratum: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Standardised features (missing = 0 plus a missing indicator) and one dummy per
    stratum (segment x term length) for its base rate."""
    present = ~np.isnan(matrix)
    known = present & train[:, None]
    mean = np.array(
        [col[ok].mean() if ok.any() else 0.0 for col, ok in zip(matrix.T, known.T, strict=True)]
    )
    spread = np.array(
        [col[ok].std() if ok.any() else 1.0 for col, ok in zip(matrix.T, known.T, strict=True)]
    )
    standard = np.where(present, (matrix - mean) / np.where(spread > 0, spread, 1.0), 0.0)
    dummies = [(stratum == name).astype(float)[:, None] for name in sorted(set(stratum))]
    return np.hstack([standard, (~present).astype(float), *dummies])


def _heldout_scores(
    matrix: np.ndarray, stratum: np.ndarray, churned: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """Churn scores of the test rows from a logistic regression fitted on the others."""
    train = ~test
    scores = np.full(churned.size, np.nan)
    if len(np.unique(churned[train])) < 2:
        return scores
    design = _design(matrix, stratum, train)
    model = LogisticRegression(C=0.3, max_iter=5000)
    model.fit(design[train], churned[train])
    scores[test] = model.predict_proba(design[test])[:, 1]
    return scores


def _auc(outcome: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC (analysis.metrics.roc_auc) over the scored rows, or nan when one class is
    missing."""
    auc = roc_auc(outcome, score)
    return float("nan") if auc is None else auc


def _auc_within(outcome: np.ndarray, score: np.ndarray, strata: np.ndarray) -> float:
    """AUC over churned/renewed pairs of the same stratum (strata weighted by pairs)."""
    total, weight = 0.0, 0
    for name in set(strata):
        member = strata == name
        pairs = int(outcome[member].sum()) * int((1 - outcome[member]).sum())
        auc = _auc(outcome[member], score[member])
        if pairs and not np.isnan(auc):
            total += auc * pairs
            weight += pairs
    return total / weight if weight else float("nan")
