"""Tests of the demo-company generator (orchestration/demo_company)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from orchestration.demo_company import GenerationReport, generate_company
from orchestration.runtime.contract import contract_tables, signal_tables
from tests.support.separability import measure_separability

END = date(2025, 6, 30)
WINDOW_START = date(2024, 6, 30)  # 12 months before END
SMALL = {"accounts": 150, "months": 12, "seed": 7, "end_date": END}

# The contract's columns, from its one definition (macros/staging/raw_contract.sql): the ten
# signal tables the generator writes (never the optional overrides, a team's own input).
CONTRACT: dict[str, list[str]] = {
    name: table.column_names for name, table in signal_tables().items()
}
# Timestamps that record when something happened inside the window (history starts at the
# window start); other timestamps (account or user creation, ...) may lie before it.
ACTIVITY_TIMESTAMPS: dict[str, list[str]] = {
    "crm_activities": ["occurred_at", "logged_at"],
    "survey_responses": ["responded_at"],
    "billing_invoices": ["issued_at", "paid_at"],
    "product_events": ["occurred_at"],
    "support_tickets": ["created_at", "first_response_at", "solved_at"],
}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_text(path: Path) -> dict[str, list[str | None]]:
    """A landed table with every value as text (CSV) or as a Python value (Parquet)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pydict()
    header = path.read_text().split("\n", 1)[0].split(",")
    table = pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=True
        ),
    )
    return table.to_pydict()


def table_path(out_dir: Path, table: str) -> Path:
    for suffix in (".csv", ".parquet"):
        if (out_dir / f"{table}{suffix}").exists():
            return out_dir / f"{table}{suffix}"
    raise AssertionError(f"{table} was not written to {out_dir}")


def as_datetime(value: object) -> datetime | None:
    """Parse a landed timestamp (None when null or unparseable)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    out_dir = tmp_path_factory.mktemp("clean")
    return out_dir, generate_company(out_dir, dirty=False, **SMALL)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    out_dir = tmp_path_factory.mktemp("dirty")
    return out_dir, generate_company(out_dir, dirty=True, file_format="csv", **SMALL)


@pytest.fixture(scope="module")
def clean_tables(clean: tuple[Path, GenerationReport]) -> dict[str, dict[str, list]]:
    out_dir, _ = clean
    return {table: read_text(table_path(out_dir, table)) for table in CONTRACT}


def files_of(out_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out_dir)): path.read_bytes()
        for path in sorted(out_dir.rglob("*"))
        if path.is_file()
    }


def test_same_arguments_give_byte_identical_files(
    clean: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    out_dir, _ = clean
    generate_company(tmp_path / "again", dirty=False, **SMALL)
    first, second = files_of(out_dir), files_of(tmp_path / "again")
    assert set(first) == set(second)
    assert len(first) == 12  # ten tables and two truth files
    for name, content in first.items():
        assert content == second[name], f"{name} differs between two identical runs"


def test_another_seed_gives_other_data(
    clean: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    out_dir, _ = clean
    generate_company(tmp_path / "other", dirty=False, **{**SMALL, "seed": 8})
    first, second = files_of(out_dir), files_of(tmp_path / "other")
    for name in ("crm_accounts.csv", "product_events.parquet", "_truth/renewal_truth.csv"):
        assert first[name] != second[name]


def test_dirty_output_is_deterministic_too(
    dirty: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    out_dir, _ = dirty
    generate_company(tmp_path / "again", dirty=True, file_format="csv", **SMALL)
    assert files_of(out_dir) == files_of(tmp_path / "again")


def test_every_table_has_exactly_the_contract_columns(
    clean: tuple[Path, GenerationReport], dirty: tuple[Path, GenerationReport]
) -> None:
    for out_dir, _ in (clean, dirty):
        for table, columns in CONTRACT.items():
            assert list(read_text(table_path(out_dir, table))) == columns, table


def test_the_generator_enumerations_are_the_contracts() -> None:
    """The simulation indexes these tuples by position (SPONSOR, PAID, ...), so they stay written
    out in the generator; this holds them to the one definition, the raw contract."""
    from orchestration.demo_company import billing, contacts, crm, support, surveys

    tables = contract_tables()

    def values(table: str, column: str) -> tuple[str, ...]:
        return next(c.accepted_values for c in tables[table].columns if c.name == column)

    assert values("crm_contacts", "role") == contacts.ROLES
    assert values("crm_activities", "activity_type") == crm.ACTIVITY_TYPES
    assert values("crm_activities", "direction") == crm.DIRECTIONS
    assert values("crm_activities", "outcome") == crm.OUTCOMES
    assert values("crm_activities", "sentiment") == crm.SENTIMENTS
    assert values("crm_opportunities", "opportunity_type") == crm.OPPORTUNITY_TYPES
    assert values("billing_invoices", "status") == billing.INVOICE_STATUSES
    assert values("support_tickets", "priority") == support.PRIORITIES
    assert values("support_tickets", "status") == support.TICKET_STATUSES
    assert values("support_tickets", "csat") == support.CSAT_VALUES
    assert values("survey_responses", "survey_type") == surveys.SURVEY_TYPES


def test_mixed_format_lands_events_as_parquet_and_the_rest_as_csv(
    clean: tuple[Path, GenerationReport],
) -> None:
    out_dir, report = clean
    for table in CONTRACT:
        expected = ".parquet" if table == "product_events" else ".csv"
        assert report.paths[table] == out_dir / f"{table}{expected}"
        assert report.paths[table].exists()


def test_parquet_format_has_real_types(tmp_path: Path) -> None:
    generate_company(tmp_path, accounts=40, months=6, seed=3, end_date=END, file_format="parquet")
    assert not list(tmp_path.glob("*.csv"))
    subscriptions = pq.read_schema(tmp_path / "billing_subscriptions.parquet")
    assert pa.types.is_date32(subscriptions.field("start_date").type)
    assert pa.types.is_decimal(subscriptions.field("arr").type)
    assert subscriptions.field("seats").type == pa.int64()
    events = pq.read_schema(tmp_path / "product_events.parquet")
    assert events.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    assert events.field("quantity").type == pa.float64()
    tickets = pq.read_schema(tmp_path / "support_tickets.parquet")
    assert tickets.field("is_escalated").type == pa.bool_()


def test_csv_values_use_the_documented_spellings(clean: tuple[Path, GenerationReport]) -> None:
    out_dir, _ = clean
    tickets = read_text(out_dir / "support_tickets.csv")
    assert all(TIMESTAMP.match(value) for value in tickets["created_at"])
    assert {value for value in tickets["is_escalated"]} == {"true", "false"}
    assert None in tickets["csat"]  # nulls are empty strings, read back as null
    subscriptions = read_text(out_dir / "billing_subscriptions.csv")
    assert all(DATE.match(value) for value in subscriptions["end_date"])
    header = (out_dir / "crm_accounts.csv").read_text().split("\n", 1)[0]
    assert header == ",".join(CONTRACT["crm_accounts"])


def test_primary_keys_are_unique_and_present_when_clean(
    clean_tables: dict[str, dict[str, list]],
) -> None:
    for table, columns in CONTRACT.items():
        keys = clean_tables[table][columns[0]]
        assert None not in keys, table
        assert len(set(keys)) == len(keys), table


def test_every_account_id_exists_in_crm_accounts_when_clean(
    clean_tables: dict[str, dict[str, list]],
) -> None:
    accounts = set(clean_tables["crm_accounts"]["account_id"])
    for table in CONTRACT:
        assert set(clean_tables[table]["account_id"]) <= accounts, table
    parents = {value for value in clean_tables["crm_accounts"]["parent_account_id"] if value}
    assert parents <= accounts
    contacts = set(clean_tables["crm_contacts"]["contact_id"])
    for table in ("crm_activities", "survey_responses"):
        assert {value for value in clean_tables[table]["contact_id"] if value} <= contacts
    users = set(clean_tables["product_users"]["user_id"])
    assert set(clean_tables["product_events"]["user_id"]) <= users


def test_report_counts_match_the_files(clean: tuple[Path, GenerationReport]) -> None:
    out_dir, report = clean
    for table in CONTRACT:
        rows = len(read_text(table_path(out_dir, table))[CONTRACT[table][0]])
        assert report.row_counts[table] == rows, table
    assert report.dirty_rows == {}
    truth = read_text(out_dir / "_truth" / "renewal_truth.csv")
    assert report.renewals == len(truth["churned"])
    assert report.churns == sum(int(value) for value in truth["churned"])


def test_dirty_rows_are_additions_counted_by_kind(
    clean: tuple[Path, GenerationReport], dirty: tuple[Path, GenerationReport]
) -> None:
    _, clean_report = clean
    out_dir, report = dirty
    assert report.dirty_rows, "dirty=True injected nothing"
    for table in CONTRACT:
        injected = sum(report.dirty_rows.get(table, {}).values())
        assert report.row_counts[table] == clean_report.row_counts[table] + injected, table
    kinds = report.dirty_by_kind
    for kind in (
        "duplicate_key",
        "unknown_account",
        "null_key",
        "unparseable_timestamp",
        "future_timestamp",
        "out_of_range_score",
        "unknown_priority",
    ):
        assert kinds.get(kind, 0) > 0, kind
    assert 10 <= kinds["unknown_account"] <= 30
    events = report.dirty_rows["product_events"]
    assert events["duplicate_key"] / clean_report.row_counts["product_events"] < 0.004


def test_dirt_found_in_the_files_matches_the_report(dirty: tuple[Path, GenerationReport]) -> None:
    out_dir, report = dirty
    accounts = set(read_text(out_dir / "crm_accounts.csv")["account_id"])
    horizon = datetime(END.year, END.month, END.day)
    timestamp_of = {
        "product_events": "occurred_at",
        "support_tickets": "created_at",
        "crm_activities": "occurred_at",
        "survey_responses": "responded_at",
        "billing_invoices": "issued_at",
    }
    for table, columns in CONTRACT.items():
        data = read_text(out_dir / f"{table}.csv")
        expected = report.dirty_rows.get(table, {})
        keys = [key for key in data[columns[0]] if key is not None]
        found = {
            "null_key": len(data[columns[0]]) - len(keys),
            "duplicate_key": len(keys) - len(set(keys)),
            "unknown_account": sum(1 for value in data["account_id"] if value not in accounts),
        }
        if table in timestamp_of:
            values = data[timestamp_of[table]]
            parsed = [as_datetime(value) for value in values]
            found["unparseable_timestamp"] = sum(1 for value in parsed if value is None)
            found["future_timestamp"] = sum(1 for value in parsed if value and value >= horizon)
        for kind, count in found.items():
            assert count == expected.get(kind, 0), f"{table}: {kind}"
    scores = read_text(out_dir / "survey_responses.csv")
    out_of_range = sum(
        1
        for kind, score in zip(scores["survey_type"], scores["score"], strict=True)
        if not (0 <= int(score) <= 10 if kind == "nps" else 1 <= int(score) <= 5)
    )
    assert out_of_range == report.dirty_rows["survey_responses"]["out_of_range_score"]
    priorities = Counter(read_text(out_dir / "support_tickets.csv")["priority"])
    unknown = sum(
        n for value, n in priorities.items() if value not in {"low", "normal", "high", "urgent"}
    )
    assert unknown == report.dirty_rows["support_tickets"]["unknown_priority"]


def test_segments_have_their_term_lengths(clean_tables: dict[str, dict[str, list]]) -> None:
    accounts = clean_tables["crm_accounts"]
    segment_of = dict(zip(accounts["account_id"], accounts["segment"], strict=True))
    assert set(segment_of.values()) == {"enterprise", "mid_market", "smb", "self_serve"}
    lengths: dict[str, set[str]] = {}
    subscriptions = clean_tables["billing_subscriptions"]
    for account, start, end in zip(
        subscriptions["account_id"],
        subscriptions["start_date"],
        subscriptions["end_date"],
        strict=True,
    ):
        days = (date.fromisoformat(end) - date.fromisoformat(start)).days
        kind = "monthly" if 28 <= days <= 31 else "annual" if 365 <= days <= 366 else str(days)
        lengths.setdefault(segment_of[account], set()).add(kind)
    assert lengths["enterprise"] == {"annual"}
    assert lengths["mid_market"] == {"annual"}
    assert lengths["self_serve"] == {"monthly"}
    assert lengths["smb"] == {"annual", "monthly"}
    assert set(
        clean_tables["crm_accounts"]["csm_owner"][i]
        for i, s in enumerate(accounts["segment"])
        if s == "self_serve"
    ) == {None}


def test_timestamps_fall_inside_the_window(clean_tables: dict[str, dict[str, list]]) -> None:
    start = datetime(WINDOW_START.year, WINDOW_START.month, WINDOW_START.day)
    end = datetime(END.year, END.month, END.day)
    for table, columns in CONTRACT.items():
        for column in columns:
            if not column.endswith("_at") or column == "due_at":
                continue
            values = [as_datetime(value) for value in clean_tables[table][column]]
            present = [value for value in values if value is not None]
            assert len(present) == sum(1 for v in clean_tables[table][column] if v is not None)
            assert all(value < end for value in present), f"{table}.{column} after the window"
            if column in ACTIVITY_TIMESTAMPS.get(table, []):
                assert all(value >= start for value in present), f"{table}.{column} before it"


def test_renewal_truth_agrees_with_the_subscriptions(clean: tuple[Path, GenerationReport]) -> None:
    out_dir, _ = clean
    subscriptions = read_text(out_dir / "billing_subscriptions.csv")
    terms: dict[str, list[tuple[str, date, date]]] = {}
    for sub, account, start, end in zip(
        subscriptions["subscription_id"],
        subscriptions["account_id"],
        subscriptions["start_date"],
        subscriptions["end_date"],
        strict=True,
    ):
        terms.setdefault(account, []).append(
            (sub, date.fromisoformat(start), date.fromisoformat(end))
        )
    truth = read_text(out_dir / "_truth" / "renewal_truth.csv")
    decided = {sub for sub, _, _, end in _rows(subscriptions) if end <= END}
    assert set(truth["subscription_id"]) == decided
    grace = timedelta(days=30)
    checked = {"0": 0, "1": 0}
    for sub, account, end_text, churned, probability in zip(
        truth["subscription_id"],
        truth["account_id"],
        truth["end_date"],
        truth["churned"],
        truth["true_churn_probability"],
        strict=True,
    ):
        assert 0.0 < float(probability) < 1.0
        end = date.fromisoformat(end_text)
        if end + grace > END:
            continue  # the grace window has not elapsed: pending for the pipeline
        start = next(start for other, start, _ in terms[account] if other == sub)
        followed = any(
            start < other_start <= end + grace
            for other, other_start, _ in terms[account]
            if other != sub
        )
        assert followed == (churned == "0"), f"{sub}: churned={churned} but followed={followed}"
        checked[churned] += 1
    assert checked["0"] > 0 and checked["1"] > 0


def _rows(subscriptions: dict[str, list]) -> list[tuple[str, str, date, date]]:
    return [
        (sub, account, date.fromisoformat(start), date.fromisoformat(end))
        for sub, account, start, end in zip(
            subscriptions["subscription_id"],
            subscriptions["account_id"],
            subscriptions["start_date"],
            subscriptions["end_date"],
            strict=True,
        )
    ]


def test_some_accounts_lack_each_source(
    clean: tuple[Path, GenerationReport], clean_tables: dict[str, dict[str, list]]
) -> None:
    out_dir, _ = clean
    truth = read_text(out_dir / "_truth" / "account_truth.csv")
    sources = {
        "has_product_data": "product_events",
        "has_support_data": "support_tickets",
        "has_crm_data": "crm_activities",
        "has_survey_data": "survey_responses",
    }
    for flag, table in sources.items():
        with_data = set(clean_tables[table]["account_id"])
        flagged = {
            account
            for account, value in zip(truth["account_id"], truth[flag], strict=True)
            if value == "true"
        }
        assert flagged == with_data, flag
        assert 0 < len(with_data) < len(truth["account_id"]), f"no account lacks {table}"


def test_generated_company_has_plausible_shape(clean: tuple[Path, GenerationReport]) -> None:
    _, report = clean
    counts = report.row_counts
    assert counts["product_events"] > 100 * counts["crm_accounts"]
    assert counts["support_tickets"] > counts["crm_accounts"]
    assert 0 < report.churns < report.renewals
    assert report.renewals_by_segment["self_serve"] > report.renewals_by_segment["enterprise"]


def test_separability_has_a_noisy_ceiling_and_a_useful_model(tmp_path: Path) -> None:
    generate_company(tmp_path, accounts=400, months=18, seed=11, end_date=END, dirty=True)
    result = measure_separability(tmp_path)
    overall = result.overall
    assert overall.renewals > 1000 and overall.churns > 30
    assert 0.75 <= overall.ceiling_auc <= 0.95  # irreducible noise: never perfect
    assert max(overall.feature_aucs.values()) <= 0.8  # no single signal gives it away
    assert overall.heldout_model_auc > 0.65
    assert len(result.lines()) > 10


def test_bad_arguments_fail_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file_format must be one of"):
        generate_company(tmp_path, accounts=5, months=2, file_format="xlsx")
    with pytest.raises(ValueError, match="accounts must be a positive integer"):
        generate_company(tmp_path, accounts=0)
    with pytest.raises(FileNotFoundError, match="run generate_company"):
        measure_separability(tmp_path / "nothing")


def test_progress_is_reported(tmp_path: Path) -> None:
    lines: list[str] = []
    generate_company(tmp_path, accounts=20, months=3, end_date=END, progress=lines.append)
    assert any("20/20 accounts" in line for line in lines)
    assert lines[-1].startswith("done:")
