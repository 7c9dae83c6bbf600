"""Assemble per-account simulations into the contract tables and the hidden truth."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa

from .accounts import Roster, id_width
from .billing import INVOICE_STATUSES
from .config import EVENT_NAMES, SEGMENT_NAMES
from .contacts import ROLES
from .crm import ACTIVITY_TYPES, DIRECTIONS, OPPORTUNITY_TYPES, OUTCOMES, SENTIMENTS
from .simulate import AccountSimulation
from .support import CSAT_VALUES, PRIORITIES, TICKET_STATUSES
from .surveys import SURVEY_TYPES
from .timeline import SECONDS_PER_DAY, Window
from .writer import (
    bool_array,
    date_array,
    id_array,
    lookup_array,
    make_table,
    money_array,
    timestamp_array,
)

# Prefixes and minimum digits of the primary keys.
ID_PREFIXES: dict[str, tuple[str, int]] = {
    "crm_accounts": ("acc_", 5),
    "crm_contacts": ("con_", 6),
    "crm_activities": ("act_", 7),
    "crm_opportunities": ("opp_", 6),
    "survey_responses": ("rsp_", 6),
    "billing_subscriptions": ("sub_", 6),
    "billing_invoices": ("inv_", 7),
    "product_users": ("usr_", 7),
    "product_events": ("evt_", 10),
    "support_tickets": ("tkt_", 6),
}
_NULL = -1


def _seconds_or_null(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite seconds and a null mask from float seconds where inf marks null."""
    values = np.asarray(values, dtype=float)
    null = ~np.isfinite(values)
    return np.where(null, 0, np.floor(values)).astype(np.int64), null


class Assembler:
    """Collects accounts in order and numbers every row globally."""

    def __init__(self, roster: Roster, window: Window) -> None:
        self.roster = roster
        self.window = window
        self.parts: dict[str, dict[str, list[np.ndarray]]] = defaultdict(lambda: defaultdict(list))
        self.emails: list[str | None] = []
        self.plans: list[str] = []
        self.offsets = {"contacts": 0, "subscriptions": 0, "users": 0}
        self.truth_renewals: dict[str, list[np.ndarray]] = defaultdict(list)
        self.account_flags: dict[str, np.ndarray] = {
            name: np.zeros(len(roster), dtype=bool)
            for name in ("has_product_data", "has_support_data", "has_crm_data", "has_survey_data")
        }
        self.account_terms = np.zeros(len(roster), dtype=np.int64)

    def _add(self, table: str, **columns: np.ndarray) -> None:
        for name, values in columns.items():
            self.parts[table][name].append(np.asarray(values))

    def add(self, index: int, sim: AccountSimulation) -> dict[str, np.ndarray]:
        """Add one account's rows; returns its product events with global user numbers."""
        contact_offset = self.offsets["contacts"]
        sub_offset = self.offsets["subscriptions"]
        user_offset = self.offsets["users"]

        contacts = sim.contacts
        left, left_null = _seconds_or_null(contacts.left)
        self._add(
            "crm_contacts",
            account=np.full(contacts.role.size, index),
            role=contacts.role,
            created=contacts.created.astype(np.int64),
            left=left,
            left_null=left_null,
        )
        self.emails.extend(contacts.email)
        self.offsets["contacts"] += contacts.role.size

        terms = sim.relationship.terms
        self.plans.extend(term.plan for term in terms)
        canceled = np.array(
            [_NULL if term.canceled_seconds is None else term.canceled_seconds for term in terms],
            dtype=np.int64,
        )
        self._add(
            "billing_subscriptions",
            account=np.full(len(terms), index),
            seats=np.array([term.seats for term in terms], dtype=np.int64),
            arr=np.array([term.arr for term in terms], dtype=float),
            start=np.array([term.start_day for term in terms], dtype=np.int64),
            end=np.array([term.end_day for term in terms], dtype=np.int64),
            canceled=canceled,
        )
        decided = [number for number, term in enumerate(terms) if term.decided]
        self.truth_renewals["subscription"].append(np.array(decided, dtype=np.int64) + sub_offset)
        self.truth_renewals["account"].append(np.full(len(decided), index))
        self.truth_renewals["end"].append(
            np.array([terms[n].end_day for n in decided], dtype=np.int64)
        )
        self.truth_renewals["probability"].append(
            np.array([terms[n].churn_probability for n in decided], dtype=float)
        )
        self.truth_renewals["churned"].append(
            np.array([int(terms[n].churned) for n in decided], dtype=np.int64)
        )
        self.account_terms[index] = len(terms)
        self.offsets["subscriptions"] += len(terms)

        invoices = sim.invoices
        self._add(
            "billing_invoices",
            account=np.full(invoices.amount.size, index),
            subscription=invoices.term_index + sub_offset,
            amount=invoices.amount,
            issued=invoices.issued,
            due=invoices.due,
            paid=invoices.paid,
            status=invoices.status,
            disputed=invoices.disputed,
        )

        product = sim.product
        created_days = product.user_created * SECONDS_PER_DAY
        deactivated, deactivated_null = _seconds_or_null(product.user_deactivated * SECONDS_PER_DAY)
        self._add(
            "product_users",
            account=np.full(created_days.size, index),
            created=np.floor(created_days).astype(np.int64),
            deactivated=deactivated,
            deactivated_null=deactivated_null,
        )
        self.offsets["users"] += created_days.size

        tickets = sim.tickets
        self._add(
            "support_tickets",
            account=np.full(tickets.created.size, index),
            priority=tickets.priority,
            status=tickets.status,
            created=tickets.created,
            first_response=tickets.first_response,
            solved=tickets.solved,
            csat=tickets.csat,
            escalated=tickets.escalated,
        )

        activities = sim.activities
        self._add(
            "crm_activities",
            account=np.full(activities.kind.size, index),
            contact=np.where(activities.contact >= 0, activities.contact + contact_offset, _NULL),
            kind=activities.kind,
            inbound=activities.inbound,
            outcome=activities.outcome,
            sentiment=activities.sentiment,
            occurred=activities.occurred,
            logged=activities.logged,
        )

        opportunities = sim.opportunities
        self._add(
            "crm_opportunities",
            account=np.full(opportunities.kind.size, index),
            kind=opportunities.kind,
            amount=opportunities.amount,
            created=opportunities.created,
            close=opportunities.close_day,
            closed=opportunities.is_closed,
            won=opportunities.is_won,
        )

        responses = sim.responses
        self._add(
            "survey_responses",
            account=np.full(responses.kind.size, index),
            contact=np.where(responses.contact >= 0, responses.contact + contact_offset, _NULL),
            kind=responses.kind,
            score=responses.score,
            responded=responses.responded,
        )

        flags = self.account_flags
        flags["has_product_data"][index] = product.event_seconds.size > 0
        flags["has_support_data"][index] = tickets.created.size > 0
        flags["has_crm_data"][index] = activities.kind.size > 0
        flags["has_survey_data"][index] = responses.kind.size > 0
        return {
            "account": np.full(product.event_seconds.size, index, dtype=np.int64),
            "user": product.event_user + user_offset,
            "seconds": product.event_seconds,
            "code": product.event_code,
            "quantity": product.event_quantity,
        }

    # ---- table builders -------------------------------------------------------------------

    def _columns(self, table: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        parts = self.parts[table]
        return {name: np.concatenate(parts[name]) if parts[name] else np.zeros(0) for name in names}

    def _ids(self, table: str, count: int) -> pa.Array:
        prefix, minimum = ID_PREFIXES[table]
        return id_array(prefix, np.arange(1, count + 1), id_width(count, minimum))

    def _account_ids(self, indices: np.ndarray) -> pa.Array:
        return lookup_array(self.roster.account_ids, np.asarray(indices, dtype=np.int64))

    def _ts(self, seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
        seconds = np.asarray(seconds, dtype=np.int64)
        if null is None:
            null = seconds == _NULL
        return timestamp_array(self.window, np.where(null, 0, seconds), np.asarray(null, bool))

    def _foreign_ids(self, table: str, numbers: np.ndarray, count: int) -> pa.Array:
        prefix, minimum = ID_PREFIXES[table]
        numbers = np.asarray(numbers, dtype=np.int64)
        return id_array(
            prefix, np.where(numbers >= 0, numbers + 1, _NULL), id_width(count, minimum)
        )

    def crm_accounts(self) -> pa.Table:
        roster = self.roster
        count = len(roster)
        parent = roster.parent
        return make_table(
            "crm_accounts",
            {
                "account_id": pa.array(roster.account_ids, pa.string()),
                "account_name": pa.array(roster.names, pa.string()),
                "segment": lookup_array(SEGMENT_NAMES, roster.segment),
                "industry": pa.array(roster.industry, pa.string()),
                "csm_owner": pa.array(roster.csm_owner, pa.string()),
                "parent_account_id": lookup_array(roster.account_ids, parent),
                "created_at": self._ts(roster.created_seconds, np.zeros(count, dtype=bool)),
            },
        )

    def crm_contacts(self) -> pa.Table:
        c = self._columns("crm_contacts", ("account", "role", "created", "left", "left_null"))
        count = c["account"].size
        return make_table(
            "crm_contacts",
            {
                "contact_id": self._ids("crm_contacts", count),
                "account_id": self._account_ids(c["account"]),
                "role": lookup_array(ROLES, c["role"]),
                "email": pa.array(self.emails, pa.string()),
                "created_at": self._ts(c["created"], np.zeros(count, dtype=bool)),
                "left_at": self._ts(c["left"], c["left_null"].astype(bool)),
            },
        )

    def crm_activities(self) -> pa.Table:
        c = self._columns(
            "crm_activities",
            ("account", "contact", "kind", "inbound", "outcome", "sentiment", "occurred", "logged"),
        )
        count = c["account"].size
        return make_table(
            "crm_activities",
            {
                "activity_id": self._ids("crm_activities", count),
                "account_id": self._account_ids(c["account"]),
                "contact_id": self._foreign_ids(
                    "crm_contacts", c["contact"], self.offsets["contacts"]
                ),
                "activity_type": lookup_array(ACTIVITY_TYPES, c["kind"]),
                "direction": lookup_array(DIRECTIONS, c["inbound"].astype(np.int64)),
                "outcome": lookup_array(OUTCOMES, c["outcome"]),
                "sentiment": lookup_array(SENTIMENTS, c["sentiment"]),
                "occurred_at": self._ts(c["occurred"], np.zeros(count, dtype=bool)),
                "logged_at": self._ts(c["logged"]),
            },
        )

    def crm_opportunities(self) -> pa.Table:
        c = self._columns(
            "crm_opportunities", ("account", "kind", "amount", "created", "close", "closed", "won")
        )
        count = c["account"].size
        won = c["won"].astype(np.int64)
        return make_table(
            "crm_opportunities",
            {
                "opportunity_id": self._ids("crm_opportunities", count),
                "account_id": self._account_ids(c["account"]),
                "opportunity_type": lookup_array(OPPORTUNITY_TYPES, c["kind"]),
                "amount": money_array(c["amount"]),
                "created_at": self._ts(c["created"], np.zeros(count, dtype=bool)),
                "close_date": date_array(self.window, c["close"]),
                "is_closed": bool_array(c["closed"]),
                "is_won": bool_array(won == 1, won < 0),
            },
        )

    def survey_responses(self) -> pa.Table:
        c = self._columns("survey_responses", ("account", "contact", "kind", "score", "responded"))
        count = c["account"].size
        return make_table(
            "survey_responses",
            {
                "response_id": self._ids("survey_responses", count),
                "account_id": self._account_ids(c["account"]),
                "contact_id": self._foreign_ids(
                    "crm_contacts", c["contact"], self.offsets["contacts"]
                ),
                "survey_type": lookup_array(SURVEY_TYPES, c["kind"]),
                "score": pa.array(c["score"].astype(np.int64), pa.int64()),
                "responded_at": self._ts(c["responded"], np.zeros(count, dtype=bool)),
            },
        )

    def billing_subscriptions(self) -> pa.Table:
        c = self._columns(
            "billing_subscriptions", ("account", "seats", "arr", "start", "end", "canceled")
        )
        count = c["account"].size
        return make_table(
            "billing_subscriptions",
            {
                "subscription_id": self._ids("billing_subscriptions", count),
                "account_id": self._account_ids(c["account"]),
                "plan": pa.array(self.plans, pa.string()),
                "seats": pa.array(c["seats"].astype(np.int64), pa.int64()),
                "arr": money_array(c["arr"]),
                "start_date": date_array(self.window, c["start"]),
                "end_date": date_array(self.window, c["end"]),
                "canceled_at": self._ts(c["canceled"]),
            },
        )

    def billing_invoices(self) -> pa.Table:
        c = self._columns(
            "billing_invoices",
            ("account", "subscription", "amount", "issued", "due", "paid", "status", "disputed"),
        )
        count = c["account"].size
        return make_table(
            "billing_invoices",
            {
                "invoice_id": self._ids("billing_invoices", count),
                "account_id": self._account_ids(c["account"]),
                "subscription_id": self._foreign_ids(
                    "billing_subscriptions", c["subscription"], self.offsets["subscriptions"]
                ),
                "amount_due": money_array(c["amount"]),
                "issued_at": self._ts(c["issued"], np.zeros(count, dtype=bool)),
                "due_at": self._ts(c["due"], np.zeros(count, dtype=bool)),
                "paid_at": self._ts(c["paid"]),
                "status": lookup_array(INVOICE_STATUSES, c["status"]),
                "is_disputed": bool_array(c["disputed"]),
            },
        )

    def product_users(self) -> pa.Table:
        c = self._columns(
            "product_users", ("account", "created", "deactivated", "deactivated_null")
        )
        count = c["account"].size
        return make_table(
            "product_users",
            {
                "user_id": self._ids("product_users", count),
                "account_id": self._account_ids(c["account"]),
                "created_at": self._ts(c["created"], np.zeros(count, dtype=bool)),
                "deactivated_at": self._ts(c["deactivated"], c["deactivated_null"].astype(bool)),
            },
        )

    def support_tickets(self) -> pa.Table:
        c = self._columns(
            "support_tickets",
            (
                "account",
                "priority",
                "status",
                "created",
                "first_response",
                "solved",
                "csat",
                "escalated",
            ),
        )
        count = c["account"].size
        return make_table(
            "support_tickets",
            {
                "ticket_id": self._ids("support_tickets", count),
                "account_id": self._account_ids(c["account"]),
                "priority": lookup_array(PRIORITIES, c["priority"]),
                "status": lookup_array(TICKET_STATUSES, c["status"]),
                "created_at": self._ts(c["created"], np.zeros(count, dtype=bool)),
                "first_response_at": self._ts(c["first_response"]),
                "solved_at": self._ts(c["solved"]),
                "csat": lookup_array(CSAT_VALUES, c["csat"]),
                "is_escalated": bool_array(c["escalated"]),
            },
        )

    def events_table(self, pieces: list[dict[str, np.ndarray]], first_number: int) -> pa.Table:
        """Product events of a batch of accounts, numbered from `first_number`."""
        columns = {
            name: np.concatenate([piece[name] for piece in pieces]) if pieces else np.zeros(0)
            for name in ("account", "user", "seconds", "code", "quantity")
        }
        count = columns["account"].size
        prefix, width = ID_PREFIXES["product_events"]
        user_prefix, user_width = ID_PREFIXES["product_users"]
        # User ids are padded to the final user count, which is known only at the end, so the
        # events use the minimum width; product_users uses the same width unless the count of
        # users needs more digits (it would take ten million users).
        return make_table(
            "product_events",
            {
                "event_id": id_array(prefix, np.arange(first_number, first_number + count), width),
                "account_id": self._account_ids(columns["account"]),
                "user_id": id_array(user_prefix, columns["user"].astype(np.int64) + 1, user_width),
                "event_name": lookup_array(EVENT_NAMES, columns["code"]),
                "occurred_at": self._ts(columns["seconds"], np.zeros(count, dtype=bool)),
                "quantity": pa.array(columns["quantity"].astype(float), pa.float64()),
            },
        )

    # ---- hidden truth -------------------------------------------------------------------

    def renewal_truth(self) -> pa.Table:
        """One row per term whose end date fell inside the window (decided)."""
        truth = {name: np.concatenate(parts) for name, parts in self.truth_renewals.items()}
        count = self.offsets["subscriptions"]
        return pa.table(
            {
                "subscription_id": self._foreign_ids(
                    "billing_subscriptions", truth["subscription"], count
                ),
                "account_id": self._account_ids(truth["account"]),
                "segment": lookup_array(SEGMENT_NAMES, self.roster.segment[truth["account"]]),
                "end_date": date_array(self.window, truth["end"]),
                "true_churn_probability": pa.array(np.round(truth["probability"], 6)),
                "churned": pa.array(truth["churned"], pa.int64()),
            }
        )

    def account_truth(self) -> pa.Table:
        """Per account: segment, which sources have data, and the hidden factor means."""
        roster = self.roster
        columns: dict[str, pa.Array] = {
            "account_id": pa.array(roster.account_ids, pa.string()),
            "segment": lookup_array(SEGMENT_NAMES, roster.segment),
            "is_existing_customer": bool_array(roster.is_existing),
        }
        for name, values in self.account_flags.items():
            columns[name] = bool_array(values)
        columns["telemetry_disabled"] = bool_array(roster.no_telemetry)
        columns["support_channel_unused"] = bool_array(roster.no_support)
        columns["never_answers_surveys"] = bool_array(roster.never_surveyed)
        columns["terms"] = pa.array(self.account_terms, pa.int64())
        for position, name in enumerate(("engagement", "friction", "stress", "relationship")):
            columns[f"mean_{name}"] = pa.array(np.round(roster.latent_means[:, position], 4))
        return pa.table(columns)
