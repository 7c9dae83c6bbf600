"""Tests of the company archetypes (orchestration/demo_company/archetypes.py and the
archetype simulator; docs/archetypes.md)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from orchestration.cli import ARCHETYPE_CHOICES, build_parser
from orchestration.cli import main as cli_main
from orchestration.demo_company import GenerationReport, generate_company
from orchestration.demo_company.archetypes import (
    ARCHETYPE_NAMES,
    ARCHETYPES,
    LEAD_DRIVER_MULTIPLIER,
    NATURAL_LEAD_DAYS,
    draw_coefficients,
    draw_mechanism,
)
from orchestration.runtime.contract import PROJECT_ROOT
from tests.test_demo_company import CONTRACT, as_datetime, files_of, read_text, table_path

END = date(2025, 6, 30)
WINDOW_START = date(2024, 6, 30)
SMALL = {"accounts": 300, "months": 12, "seed": 7, "end_date": END}
NEW_ARCHETYPES = ("product_led", "usage_smb")
EXPECTED_TABLES = {
    "product_led": {
        "crm_accounts",
        "billing_subscriptions",
        "billing_invoices",
        "product_users",
        "product_events",
    },
    "usage_smb": {
        "crm_accounts",
        "crm_contacts",
        "billing_subscriptions",
        "billing_invoices",
        "product_users",
        "product_events",
        "support_tickets",
    },
}
GRACE = timedelta(days=30)


@pytest.fixture(scope="module")
def companies(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[str, Path, GenerationReport]]:
    """A clean company of each new archetype (300 accounts, 12 months)."""
    generated = {}
    for name in NEW_ARCHETYPES:
        out_dir = tmp_path_factory.mktemp(name)
        report = generate_company(out_dir, archetype=name, dirty=False, **SMALL)
        generated[name] = (name, out_dir, report)
    return generated


@pytest.fixture(params=NEW_ARCHETYPES)
def company(
    request: pytest.FixtureRequest, companies: dict[str, tuple[str, Path, GenerationReport]]
) -> tuple[str, Path, GenerationReport]:
    """Each new archetype's company in turn."""
    return companies[request.param]


_TABLES: dict[Path, dict[str, dict[str, list]]] = {}


def tables_of(out_dir: Path, name: str) -> dict[str, dict[str, list]]:
    """The company's tables as text (CSV) or values, read once; product_events (Parquet)
    holds only its distinct account and user ids and its first and last occurred_at."""
    if out_dir not in _TABLES:
        tables = {
            table: read_text(table_path(out_dir, table))
            for table in EXPECTED_TABLES[name]
            if table != "product_events"
        }
        events = pq.read_table(out_dir / "product_events.parquet")
        keys = events.column("event_id")
        occurred = pc.min_max(events.column("occurred_at")).as_py()
        tables["product_events"] = {
            "event_id": [None] * keys.null_count + pc.unique(keys.drop_null()).to_pylist(),
            "account_id": pc.unique(events.column("account_id")).to_pylist(),
            "user_id": pc.unique(events.column("user_id")).to_pylist(),
            "occurred_at": [occurred["min"], occurred["max"]],
            "rows": [events.num_rows],
        }
        _TABLES[out_dir] = tables
    return _TABLES[out_dir]


def truth_rows(out_dir: Path, file: str = "renewal_truth.csv") -> list[dict[str, str]]:
    with (out_dir / "_truth" / file).open(newline="") as handle:
        return list(csv.DictReader(handle))


def subscriptions_of(out_dir: Path) -> dict[str, dict[str, object]]:
    data = read_text(out_dir / "billing_subscriptions.csv")
    rows = {}
    for index, subscription in enumerate(data["subscription_id"]):
        rows[subscription] = {
            "account": data["account_id"][index],
            "start": date.fromisoformat(data["start_date"][index]),
            "end": date.fromisoformat(data["end_date"][index]),
            "canceled": as_datetime(data["canceled_at"][index]),
            "seats": int(data["seats"][index]),
        }
    return rows


def test_same_arguments_give_byte_identical_files(
    company: tuple[str, Path, GenerationReport], tmp_path: Path
) -> None:
    name, out_dir, _ = company
    generate_company(tmp_path / "again", archetype=name, dirty=False, **SMALL)
    first, second = files_of(out_dir), files_of(tmp_path / "again")
    assert set(first) == set(second)
    assert len(first) == len(EXPECTED_TABLES[name]) + 3  # tables and three truth files
    for path, content in first.items():
        assert content == second[path], f"{path} differs between two identical runs"


@pytest.mark.parametrize("name", NEW_ARCHETYPES)
def test_dirty_output_is_deterministic_and_only_adds_rows(name: str, tmp_path: Path) -> None:
    arguments = {"accounts": 60, "months": 6, "seed": 3, "end_date": END, "archetype": name}
    first = generate_company(tmp_path / "one", file_format="csv", **arguments)
    generate_company(tmp_path / "two", file_format="csv", **arguments)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    clean = generate_company(tmp_path / "clean", file_format="csv", dirty=False, **arguments)
    assert first.dirty_total > 0
    for table, rows in first.row_counts.items():
        injected = sum(first.dirty_rows.get(table, {}).values())
        assert rows == clean.row_counts[table] + injected, table
    assert set(first.dirty_rows) <= EXPECTED_TABLES[name]


def test_each_archetype_writes_exactly_its_tables_with_the_contract_columns(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, report = company
    written = {path.stem for path in out_dir.iterdir() if path.is_file()}
    assert written == EXPECTED_TABLES[name]
    assert set(report.paths) == EXPECTED_TABLES[name] == set(ARCHETYPES[name].tables)
    for table in CONTRACT:
        if table not in EXPECTED_TABLES[name]:
            assert not (out_dir / f"{table}.csv").exists(), table
            assert not (out_dir / f"{table}.parquet").exists(), table
    for table in EXPECTED_TABLES[name]:
        path = table_path(out_dir, table)
        if path.suffix == ".parquet":
            assert pq.read_schema(path).names == CONTRACT[table], table
        else:
            assert path.read_text().split("\n", 1)[0] == ",".join(CONTRACT[table]), table
    assert sorted(path.name for path in (out_dir / "_truth").iterdir()) == [
        "account_truth.csv",
        "archetype.json",
        "renewal_truth.csv",
    ]
    header = (out_dir / "_truth" / "renewal_truth.csv").read_text().split("\n", 1)[0]
    assert header == "subscription_id,account_id,segment,end_date,true_churn_probability,churned"


def test_keys_are_unique_and_references_resolve(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, report = company
    tables = tables_of(out_dir, name)
    for table, data in tables.items():
        keys = data[CONTRACT[table][0]]
        assert None not in keys and len(set(keys)) == len(keys), table
        assert report.row_counts[table] == data.get("rows", [len(keys)])[0], table
    assert report.row_counts["product_events"] == len(tables["product_events"]["event_id"])
    accounts = set(tables["crm_accounts"]["account_id"])
    for table, data in tables.items():
        assert set(data["account_id"]) <= accounts, table
    users = set(tables["product_users"]["user_id"])
    assert {user for user in tables["product_events"]["user_id"] if user} <= users
    subscriptions = set(tables["billing_subscriptions"]["subscription_id"])
    assert set(tables["billing_invoices"]["subscription_id"]) <= subscriptions
    flags = {
        row["account_id"]: row["has_product_data"]
        for row in truth_rows(out_dir, "account_truth.csv")
    }
    with_events = set(tables["product_events"]["account_id"])
    assert {account for account, flag in flags.items() if flag == "true"} == with_events


def test_timestamps_fall_inside_the_window(company: tuple[str, Path, GenerationReport]) -> None:
    name, out_dir, _ = company
    start = datetime(WINDOW_START.year, WINDOW_START.month, WINDOW_START.day)
    end = datetime(END.year, END.month, END.day)
    activity = {
        "product_events": ["occurred_at"],
        "billing_invoices": ["issued_at", "paid_at"],
        "support_tickets": ["created_at", "first_response_at", "solved_at"],
    }
    for table, data in tables_of(out_dir, name).items():
        for column in CONTRACT[table]:
            if not column.endswith("_at") or column == "due_at" or column not in data:
                continue
            present = [as_datetime(value) for value in data[column] if value is not None]
            assert None not in present, f"{table}.{column} unparseable"
            assert all(value < end for value in present), f"{table}.{column} after the window"
            if column in activity.get(table, []):
                assert all(value >= start for value in present), f"{table}.{column} before it"


def test_product_led_event_names_are_not_in_the_feature_catalogue(
    companies: dict[str, tuple[str, Path, GenerationReport]],
) -> None:
    _, out_dir, _ = companies["product_led"]
    with (PROJECT_ROOT / "seeds" / "feature_catalogue.csv").open(newline="") as handle:
        catalogue = {row["event_name"] for row in csv.DictReader(handle)}
    events = pq.read_table(out_dir / "product_events.parquet", columns=["event_name", "quantity"])
    names = set(pc.unique(events.column("event_name")).to_pylist())
    assert len(names) >= 8
    assert not names & catalogue
    assert pc.max(events.column("quantity")).as_py() > 1  # a volume-carrying event


def test_segments_terms_and_seats_have_the_archetypes_shape(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, _ = company
    accounts = read_text(out_dir / "crm_accounts.csv")
    segments = set(accounts["segment"])
    assert segments - {None} <= set(ARCHETYPES[name].segments)
    lengths = {"monthly": 0, "annual": 0}
    for row in subscriptions_of(out_dir).values():
        days = (row["end"] - row["start"]).days
        assert 28 <= days <= 31 or 365 <= days <= 366, days
        lengths["monthly" if days <= 31 else "annual"] += 1
    share = lengths["annual"] / sum(lengths.values())
    if name == "product_led":
        assert None in segments
        assert sum(owner is not None for owner in accounts["csm_owner"]) < 0.2 * len(
            accounts["account_id"]
        )
        assert all(1 <= row["seats"] <= 25 for row in subscriptions_of(out_dir).values())
        assert 0.0 < share < 0.1  # mostly monthly terms, one row per month
    else:
        assert None not in segments
        contacts = read_text(out_dir / "crm_contacts.csv")
        assert set(contacts["role"]) <= {"admin", "champion"}
        assert 0.03 < share < 0.35  # ~35% of accounts on annual terms: fewer annual rows
        assert len(read_text(out_dir / "support_tickets.csv")["ticket_id"]) > 0


def test_renewal_truth_agrees_with_the_subscriptions_under_the_grace_rule(
    company: tuple[str, Path, GenerationReport],
) -> None:
    _, out_dir, report = company
    subscriptions = subscriptions_of(out_dir)
    by_account: dict[str, list[tuple[str, date, date]]] = {}
    for subscription, row in subscriptions.items():
        by_account.setdefault(row["account"], []).append((subscription, row["start"], row["end"]))
    truth = truth_rows(out_dir)
    decided = {sub for sub, row in subscriptions.items() if row["end"] <= END}
    assert {row["subscription_id"] for row in truth} == decided
    assert report.renewals == len(truth)
    assert report.churns == sum(int(row["churned"]) for row in truth)
    checked = {"0": 0, "1": 0}
    for row in truth:
        assert 0.0 < float(row["true_churn_probability"]) < 1.0
        term = subscriptions[row["subscription_id"]]
        assert row["account_id"] == term["account"]
        assert date.fromisoformat(row["end_date"]) == term["end"]
        if term["end"] + GRACE >= END:
            continue  # the grace window has not elapsed: pending for the pipeline
        followed = any(
            other != row["subscription_id"] and end > term["end"] and start <= term["end"] + GRACE
            for other, start, end in by_account[term["account"]]
        )
        assert followed == (row["churned"] == "0"), row
        checked[row["churned"]] += 1
    assert checked["0"] > 0 and checked["1"] > 0


def test_cancellations_fall_inside_churned_terms_only(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, _ = company
    subscriptions = subscriptions_of(out_dir)
    churned = {row["subscription_id"] for row in truth_rows(out_dir) if row["churned"] == "1"}
    noticed = 0
    for subscription, row in subscriptions.items():
        canceled = row["canceled"]
        if canceled is None:
            continue
        assert subscription in churned, f"{subscription} renewed but has canceled_at"
        start = datetime.combine(row["start"], datetime.min.time())
        end = datetime.combine(row["end"], datetime.min.time())
        assert start <= canceled < end, subscription
        noticed += 1
        if name == "product_led" and (row["end"] - row["start"]).days <= 31:
            assert end - canceled <= timedelta(days=14)
    assert 0.4 < noticed / len(churned) < 0.85


def test_churn_rates_per_term_length_are_plausible(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, _ = company
    subscriptions = subscriptions_of(out_dir)
    mechanism = json.loads((out_dir / "_truth" / "archetype.json").read_text())
    groups: dict[str, list[tuple[float, int]]] = {"monthly": [], "annual": []}
    for row in truth_rows(out_dir):
        term = subscriptions[row["subscription_id"]]
        length = "monthly" if (term["end"] - term["start"]).days <= 31 else "annual"
        groups[length].append((float(row["true_churn_probability"]), int(row["churned"])))
    bounds = {
        "product_led": {"monthly": (0.02, 0.09), "annual": (0.05, 0.45)},
        "usage_smb": {"monthly": (0.015, 0.07), "annual": (0.03, 0.35)},
    }[name]
    for length, rows in groups.items():
        if len(rows) < 40:
            continue
        rate = sum(churned for _, churned in rows) / len(rows)
        low, high = bounds[length]
        assert low <= rate <= high, f"{length}: {rate:.3f} over {len(rows)} terms"
        mean_probability = sum(probability for probability, _ in rows) / len(rows)
        target = mechanism["coefficients"][f"target_churn_{length}"]
        assert abs(mean_probability - target) < 0.01 * (1 + 10 * target)
    assert len(groups["monthly"]) > 500


def test_mechanism_file_holds_the_seeds_coefficients(
    company: tuple[str, Path, GenerationReport],
) -> None:
    name, out_dir, _ = company
    mechanism = json.loads((out_dir / "_truth" / "archetype.json").read_text())
    assert mechanism["archetype"] == name
    assert mechanism["seed"] == SMALL["seed"]
    assert mechanism["coefficients"] == draw_coefficients(name, SMALL["seed"])
    natural = {length: list(days) for length, days in NATURAL_LEAD_DAYS[name].items()}
    assert mechanism["natural_lead_days"] == natural
    assert set(mechanism["intercepts"]) == {"monthly", "annual"}
    assert mechanism["lead_driver"] in ARCHETYPES[name].drivers
    for key, value in mechanism["coefficients"].items():
        low, high = ARCHETYPES[name].coefficient_ranges[key]
        if key == mechanism["lead_driver"]:
            low, high = low * LEAD_DRIVER_MULTIPLIER, high * LEAD_DRIVER_MULTIPLIER
        assert min(low, high) <= value <= max(low, high), key


@pytest.mark.parametrize("name", NEW_ARCHETYPES)
def test_two_seeds_give_different_mechanisms(name: str) -> None:
    first, second = draw_coefficients(name, 1), draw_coefficients(name, 2)
    assert set(first) == set(second)
    assert all(first[key] != second[key] for key in first)
    assert draw_coefficients(name, 1) == first
    leads = {draw_mechanism(name, seed).lead_driver for seed in range(1, 30)}
    assert leads == set(ARCHETYPES[name].drivers)  # every driver leads some companies


def test_a_five_month_product_led_company_has_decided_renewals(tmp_path: Path) -> None:
    report = generate_company(
        tmp_path, archetype="product_led", accounts=150, months=5, seed=4, end_date=END
    )
    assert report.renewals > 100 and report.churns > 0
    ends = [date.fromisoformat(row["end_date"]) for row in truth_rows(tmp_path)]
    assert sum(1 for end in ends if end + GRACE < END) > 50  # decided for the pipeline too


def test_natural_lead_times_are_defined_for_every_archetype() -> None:
    assert set(ARCHETYPE_NAMES) == {"enterprise_b2b", "product_led", "usage_smb"}
    assert NATURAL_LEAD_DAYS["enterprise_b2b"] == {"monthly": (14,), "annual": (30, 60, 90)}
    assert NATURAL_LEAD_DAYS["product_led"] == {"monthly": (7,), "annual": (30, 60)}
    assert NATURAL_LEAD_DAYS["usage_smb"] == {"monthly": (14,), "annual": (60,)}


def test_enterprise_b2b_is_the_demo(tmp_path: Path) -> None:
    arguments = {"accounts": 40, "months": 4, "seed": 2, "end_date": END}
    generate_company(tmp_path / "default", **arguments)
    report = generate_company(tmp_path / "named", archetype="enterprise_b2b", **arguments)
    assert files_of(tmp_path / "default") == files_of(tmp_path / "named")
    assert report.archetype == "enterprise_b2b"
    assert len(report.paths) == 10
    assert not (tmp_path / "named" / "_truth" / "archetype.json").exists()


def test_an_archetype_removes_tables_an_earlier_run_left(tmp_path: Path) -> None:
    arguments = {"accounts": 30, "months": 3, "seed": 2, "end_date": END}
    generate_company(tmp_path, **arguments)
    assert (tmp_path / "crm_activities.csv").exists()
    generate_company(tmp_path, archetype="product_led", **arguments)
    assert {path.stem for path in tmp_path.iterdir() if path.is_file()} == EXPECTED_TABLES[
        "product_led"
    ]


def test_unknown_archetype_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="archetype must be one of"):
        generate_company(tmp_path, accounts=5, months=2, archetype="b2c")


def test_cli_generates_an_archetype(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ARCHETYPE_CHOICES == ARCHETYPE_NAMES
    parser = build_parser()
    assert parser.parse_args(["generate", "--out", "x"]).archetype == "enterprise_b2b"
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--out", "x", "--archetype", "b2c"])
    out = tmp_path / "landing"
    code = cli_main(
        [
            "generate",
            "--out",
            str(out),
            "--archetype",
            "usage_smb",
            "--accounts",
            "30",
            "--months",
            "3",
            "--end-date",
            END.isoformat(),
        ]
    )
    assert code == 0
    assert "7 tables (usage_smb)" in capsys.readouterr().out
    assert json.loads((out / "_truth" / "archetype.json").read_text())["archetype"] == "usage_smb"
