"""The landing-folder loader: formats, bad files, missing tables, atomicity. No dbt here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.runtime.contract import contract_tables, signal_tables, signals_by_table
from orchestration.runtime.loader import LandingError, load_landing_folder

ACCOUNTS_CSV = (
    "account_id,account_name,segment,created_at\n"
    "a1,Acme,enterprise,2024-01-01 00:00:00\n"
    "a2,Beta,self_serve,2024-02-01T10:00:00Z\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def raw_rows(database: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select * from raw.{table} order by all").fetchall()
    finally:
        con.close()


def raw_tables(database: Path) -> set[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
    finally:
        con.close()
    return {row[0] for row in rows}


def test_contract_lists_ten_signal_tables_and_the_optional_overrides() -> None:
    assert len(signal_tables()) == 10
    assert [name for name, table in contract_tables().items() if table.optional] == [
        "crm_account_overrides"
    ]


def test_an_absent_overrides_file_means_no_overrides_in_one_line(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    said: list[str] = []
    report = load_landing_folder(landing, tmp_path / "w.duckdb", progress=said.append)
    assert report.tables["crm_account_overrides"].status == "missing"
    assert "crm_account_overrides" not in report.missing_tables  # no signal is absent
    (line,) = [line for line in said if "crm_account_overrides" in line]
    assert " ".join(line.split()) == "crm_account_overrides 0 rows: no file, so no manual overrides"

    write(
        landing / "crm_account_overrides.csv",
        "override_id,account_id,override_band,reason,author,starts_on,expires_on,created_at\n"
        "o1,a1,green,renewal signed,kim,2024-03-01,2024-04-01,2024-02-28 09:00:00\n",
    )
    said.clear()
    report = load_landing_folder(landing, tmp_path / "w.duckdb", progress=said.append)
    assert report.tables["crm_account_overrides"].rows == 1
    assert any("1 rows of manual overrides, no column(s) override_score" in line for line in said)


def test_the_contract_page_documents_every_table_and_column_as_the_contract_macro_does() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "raw_contract.md").read_text()
    for name, table in contract_tables().items():
        assert f"### {name}\n" in text, name
        section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"Key `{table.primary_key}`" in section, name
        for column in table.columns:
            required = "required" if column.required else "optional"
            row = f"| {column.name} | {column.logical_type} | {required} |"
            assert row in section, (name, row)
            for value in column.accepted_values:
                assert f"`{value}`" in section, (name, column.name, value)


def test_every_contract_table_has_a_dbt_source_and_every_signal_a_known_table() -> None:
    import yaml

    root = Path(__file__).resolve().parents[1]
    declared = set()
    for path in (root / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            declared |= {(source["name"], table["name"]) for table in source["tables"]}
    assert {(t.source, t.name) for t in contract_tables().values()} == declared
    feeds = signals_by_table()
    assert set(feeds) == set(contract_tables()), "a signal lists a table outside the contract"
    assert all(feeds[name] for name in ("product_events", "support_tickets", "billing_invoices"))


def test_loads_csv_as_text_keeps_extra_columns_out_and_reports_missing_tables(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    write(
        landing / "crm_accounts.csv",
        ACCOUNTS_CSV.replace("created_at\n", "created_at,note\n")
        .replace(":00:00\n", ":00:00,x\n")
        .replace(":00:00Z\n", ":00:00Z,y\n"),
    )
    report = load_landing_folder(landing, tmp_path / "w.duckdb")
    load = report.tables["crm_accounts"]
    assert load.status == "loaded" and load.rows == 2
    assert load.ignored_columns == ["note"]
    assert load.missing_optional_columns == ["industry", "csm_owner", "parent_account_id"]
    assert raw_rows(tmp_path / "w.duckdb", "crm_accounts")[0] == (
        "a1",
        "Acme",
        "enterprise",
        "2024-01-01 00:00:00",
    )
    assert sorted(report.missing_tables) == sorted(set(signal_tables()) - {"crm_accounts"})
    assert report.tables["support_tickets"].status == "missing"


def test_parquet_and_folders_of_files_with_integer_ids_are_loaded(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    folder = landing / "product_events"
    folder.mkdir()
    for part in range(2):
        table = pa.table(
            {
                "event_id": pa.array([part * 10 + 1, part * 10 + 2], pa.int64()),  # integer ids
                "account_id": ["a1", "a2"],
                "event_name": ["login", "reports"],
                "occurred_at": pa.array(
                    [1_700_000_000_000_000, 1_700_000_100_000_000], pa.timestamp("us")
                ),
            }
        )
        pq.write_table(table, folder / f"part-{part}.parquet")
    report = load_landing_folder(landing, tmp_path / "w.duckdb")
    assert report.tables["product_events"].rows == 4
    assert report.tables["product_events"].missing_optional_columns == ["user_id", "quantity"]
    rows = raw_rows(tmp_path / "w.duckdb", "product_events")
    assert rows[0][0] == "1" and rows[0][3].startswith("2023-11-14")


def test_malformed_csv_lines_are_kept_with_their_reason_and_counted(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV + "a3,Gamma,smb,2024-03-01,unexpected,extra\n")
    report = load_landing_folder(landing, tmp_path / "w.duckdb")
    assert report.tables["crm_accounts"].rows == 2
    assert report.tables["crm_accounts"].rejected_lines == 1
    rejects = raw_rows(tmp_path / "w.duckdb", "healthscore_load_rejects")
    assert len(rejects) == 1
    table, _, line, message, raw_line = rejects[0]
    assert (table, line) == ("crm_accounts", 4)
    assert "TOO MANY COLUMNS" in message and raw_line.startswith("a3,Gamma")


def test_a_missing_required_column_is_a_clear_error_and_nothing_changes(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    good = tmp_path / "good"
    write(good / "crm_accounts.csv", ACCOUNTS_CSV)
    load_landing_folder(good, database)
    bad = tmp_path / "bad"
    write(bad / "crm_accounts.csv", ACCOUNTS_CSV)
    write(bad / "support_tickets.csv", "ticket_id,account_id,priority\nt1,a1,high\n")
    with pytest.raises(LandingError, match=r"lacks the column\(s\) status, created_at"):
        load_landing_folder(bad, database)
    # The failed load was rolled back: the earlier load is still there, whole.
    assert raw_tables(database) >= {"crm_accounts"}
    assert "support_tickets" not in raw_tables(database)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"crm_accounts.csv": ACCOUNTS_CSV, "crm_accounts.parquet": None},
            "both as CSV and as Parquet",
        ),
        (
            {"crm_accounts.csv": "account_id,Account_ID,created_at\na,b,2024-01-01\n"},
            "twice in its header",
        ),
    ],
)
def test_ambiguous_landing_folders_are_refused(
    tmp_path: Path, files: dict[str, str | None], message: str
) -> None:
    landing = tmp_path / "landing"
    for name, text in files.items():
        if text is None:
            pq.write_table(
                pa.table({"account_id": ["a1"], "created_at": ["2024-01-01"]}), landing / name
            )
        else:
            write(landing / name, text)
    with pytest.raises(LandingError, match=message):
        load_landing_folder(landing, tmp_path / "w.duckdb")


def test_new_files_in_a_table_folder_load_with_the_tables_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    write(landing / "crm_accounts" / "2026-11-23.csv", "account_id,created_at\na3,2024-03-01\n")
    report = load_landing_folder(landing, tmp_path / "w.duckdb")
    assert report.tables["crm_accounts"].rows == 3
    assert len(report.tables["crm_accounts"].files) == 2


def test_an_empty_file_loads_as_an_empty_table_and_unknown_files_are_named(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    write(landing / "support_tickets.csv", "")
    write(landing / "crm_acounts.csv", ACCOUNTS_CSV)  # a typo: not a contract table
    report = load_landing_folder(landing, tmp_path / "w.duckdb")
    assert report.tables["support_tickets"].status == "empty"
    assert report.ignored_files == ["crm_acounts.csv"]
    assert raw_rows(tmp_path / "w.duckdb", "support_tickets") == []


def test_a_partial_reload_keeps_the_other_tables_and_a_full_load_drops_vanished_ones(
    tmp_path: Path,
) -> None:
    database = tmp_path / "w.duckdb"
    landing = tmp_path / "landing"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    tickets = write(
        landing / "support_tickets.csv",
        "ticket_id,account_id,priority,status,created_at\nt1,a1,high,open,2024-05-01\n",
    )
    load_landing_folder(landing, database)
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV + "a3,Gamma,smb,2024-03-01\n")
    tickets.unlink()
    report = load_landing_folder(landing, database, tables=["crm_accounts"])
    assert report.tables["support_tickets"].status == "kept"
    assert len(raw_rows(database, "crm_accounts")) == 3
    assert "support_tickets" in raw_tables(database)
    load_landing_folder(landing, database)
    assert "support_tickets" not in raw_tables(database)


def test_a_missing_landing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LandingError, match="does not exist"):
        load_landing_folder(tmp_path / "nowhere", tmp_path / "w.duckdb")


def test_new_files_are_appended_and_a_changed_or_removed_file_reloads_the_table(
    tmp_path: Path,
) -> None:
    database, landing = tmp_path / "w.duckdb", tmp_path / "landing"
    header = "ticket_id,account_id,priority,status,created_at\n"
    write(landing / "crm_accounts.csv", ACCOUNTS_CSV)
    first = write(landing / "support_tickets" / "day1.csv", header + "t1,a1,high,open,2024-05-01\n")
    assert load_landing_folder(landing, database).tables["support_tickets"].appended_files is None

    # A new day's file, with a malformed line: only it is read, and its reject is added.
    write(
        landing / "support_tickets" / "day2.csv",
        header + "t2,a2,low,open,2024-05-02\nt3,a2,low,open,2024-05-03,extra\n",
    )
    report = load_landing_folder(landing, database)
    tickets = report.tables["support_tickets"]
    assert (tickets.appended_files, tickets.rows, tickets.rejected_lines) == (1, 2, 1)
    assert tickets.newest_record_at == "2024-05-02 00:00:00"
    assert report.tables["crm_accounts"].appended_files == 0  # unchanged: nothing read
    assert [row[0] for row in raw_rows(database, "support_tickets")] == ["t1", "t2"]
    assert len(raw_rows(database, "healthscore_load_rejects")) == 1
    assert len(raw_rows(database, "crm_accounts")) == 2

    # Nothing new: the same rows, not twice.
    assert load_landing_folder(landing, database).tables["support_tickets"].rows == 2
    assert len(raw_rows(database, "support_tickets")) == 2

    # A changed file reloads the table from all its files; so does a removed one.
    write(first, header + "t1,a1,urgent,open,2024-05-01\n")
    report = load_landing_folder(landing, database)
    assert report.tables["support_tickets"].appended_files is None
    assert sorted(row[2] for row in raw_rows(database, "support_tickets")) == ["low", "urgent"]
    assert len(raw_rows(database, "healthscore_load_rejects")) == 1
    first.unlink()
    load_landing_folder(landing, database)
    assert [row[0] for row in raw_rows(database, "support_tickets")] == ["t2"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: write(root / "landing.csv", ACCOUNTS_CSV), "is a file, not a folder"),
        (
            lambda root: write(root / "landing" / "crm_accounts.csv", ACCOUNTS_CSV),
            r"is a file, not a folder; pass its folder .*landing\.$",
        ),
        (lambda root: (root / "landing").mkdir(), r"holds no file of a contract table \(it is"),
        (
            lambda root: write(root / "landing" / "crm_acounts.csv", ACCOUNTS_CSV).parent,
            r"holds no file of a contract table \(it holds only crm_acounts\.csv\)",
        ),
    ],
    ids=["a file", "a contract file", "an empty folder", "no contract table file"],
)
def test_a_landing_path_that_is_no_folder_of_contract_files_is_one_clear_error(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    made = make(tmp_path)
    landing = made if isinstance(made, Path) else tmp_path / "landing"
    database = tmp_path / "w" / "w.duckdb"
    with pytest.raises(LandingError, match=message) as raised:
        load_landing_folder(landing, database)
    assert str(landing) in str(raised.value) and "\n" not in str(raised.value)
    assert not database.exists()


NOT_UTF8_LINE = b"a9,Caf\xe9 Cr\xe8me,smb,2024-03-01\n"


@pytest.mark.parametrize(
    ("lines_before", "suffix"),
    [(0, ".csv"), (20_000, ".csv"), (0, ".csv.gz")],
    ids=["in the first 8 kB", "far down the file", "gzip"],
)
def test_a_line_that_is_not_utf8_is_rejected_with_its_reason_wherever_it_is(
    tmp_path: Path, lines_before: int, suffix: str
) -> None:
    import gzip

    good = b"a1,Acme,enterprise,2024-01-01 00:00:00\n"
    data = ACCOUNTS_CSV.encode() + good * lines_before + NOT_UTF8_LINE + good * 3
    path = tmp_path / "landing" / f"crm_accounts{suffix}"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    load = load_landing_folder(path.parent, tmp_path / "w.duckdb").tables["crm_accounts"]
    assert (load.rows, load.rejected_lines, load.rejected_not_utf8) == (lines_before + 5, 1, 1)
    [(table, _, line, message, _)] = raw_rows(tmp_path / "w.duckdb", "healthscore_load_rejects")
    assert (table, line) == ("crm_accounts", lines_before + 4)
    assert message.startswith("INVALID ENCODING")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"account_id,account_n\xe9me,created_at\na1,Acme,2024-01-01\n",
            r"crm_accounts \(crm_accounts\.csv\) has a header line that is not UTF-8 text",
        ),
        (
            "account_id,created_at\na1,2024-01-01\n".encode("utf-16"),
            r"crm_accounts \(crm_accounts\.csv\) is not UTF-8 text \(it looks UTF-16",
        ),
        (
            b"account_id,account_name,created_at\n" + b"a1,Caf\xe9,2024-01-01\n" * 50,
            r"crm_accounts \(crm_accounts\.csv\) is not UTF-8 text: none of its 50 lines",
        ),
    ],
    ids=["header", "utf-16", "every line"],
)
def test_a_file_that_cannot_be_read_as_utf8_is_one_clear_error(
    tmp_path: Path, data: bytes, message: str
) -> None:
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "crm_accounts.csv").write_bytes(data)
    with pytest.raises(LandingError, match=message) as raised:
        load_landing_folder(tmp_path / "landing", tmp_path / "w.duckdb")
    assert "re-export it as UTF-8" in str(raised.value) and "\n" not in str(raised.value)


def test_a_line_over_the_size_limit_is_named_with_its_file_table_and_line(
    tmp_path: Path,
) -> None:
    rows = ACCOUNTS_CSV.split("\n", 1)[1] * 50  # lines 4 to 103
    huge = 'a9,"' + "x" * 3_000_000 + '",smb,2024-03-01\n'
    write(tmp_path / "landing" / "crm_accounts.csv", ACCOUNTS_CSV + rows + huge)
    with pytest.raises(LandingError) as raised:
        load_landing_folder(tmp_path / "landing", tmp_path / "w.duckdb")
    message = str(raised.value)
    assert message.startswith("Table crm_accounts (crm_accounts.csv): line 104 is about 3,0")
    assert "fix or remove that line" in message and "Line: 1" not in message
