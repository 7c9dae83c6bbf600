"""Replay of a scoring configuration over the stored signals (orchestration/analysis/replay.py):
the Python scorer reproduces the SQL scoring exactly, a changed seed changes the scores as
worked out by hand, and the CLI's errors are one line."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pytest

from orchestration.analysis.replay import (
    SCORING_FILES,
    SEEDS_DIR,
    ScoringConfig,
    copy_seed_folder,
    read_signals,
    replay,
    score_signals,
    signal_scores,
    warehouse_min_coverage,
)
from orchestration.runtime.contract import PROJECT_ROOT
from tests.conftest import BuiltWarehouse, run_cli


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(database), read_only=True)


def _by_key(rows: dict[str, np.ndarray], *columns: str) -> dict[tuple, int]:
    keys = zip(*(np.asarray(rows[column]).tolist() for column in columns), strict=True)
    return {tuple(str(part) for part in key): index for index, key in enumerate(keys)}


def test_replay_of_the_current_config_reproduces_every_stored_score(
    built_warehouse: BuiltWarehouse,
) -> None:
    config = ScoringConfig.current(min_coverage=warehouse_min_coverage(built_warehouse.database))
    with _connect(built_warehouse.database) as con:
        dates = [
            row[0]
            for row in con.execute(
                "select distinct as_of_date from intermediate.int_account_health_scored "
                "where is_cadence_date order by 1"
            ).fetchall()
        ]
        stored = con.execute(
            """
            select account_id, cast(as_of_date as varchar) as as_of_date, health_score,
                   health_band, coverage, score_status, score_null_reason, weight_profile
            from intermediate.int_account_health_scored where is_cadence_date
            """
        ).fetchall()
        stored_signals = con.execute(
            """
            select account_id, cast(as_of_date as varchar), signal, signal_score
            from intermediate.int_account_signals_scored where is_cadence_date
            """
        ).fetchall()
        frame = read_signals(con, dates)
    replayed = score_signals(frame, config)
    replayed["as_of_date"] = np.asarray(replayed["as_of_date"]).astype("datetime64[D]")
    index = _by_key(replayed, "account_id", "as_of_date")
    statuses = set()
    for account, day, score, band, coverage, status, reason, profile in stored:
        row = index[(account, day)]
        ours = replayed["health_score"][row]
        if score is None:
            assert math.isnan(ours), (account, day)
        else:
            assert abs(ours - score) <= 1e-6, (account, day, ours, score)
        assert replayed["health_band"][row] == band, (account, day)
        ours_coverage = replayed["coverage"][row]
        assert (coverage is None and math.isnan(ours_coverage)) or abs(
            ours_coverage - coverage
        ) <= 1e-9, (account, day)
        assert replayed["score_status"][row] == status, (account, day)
        assert replayed["score_null_reason"][row] == reason, (account, day)
        assert replayed["weight_profile"][row] == profile, (account, day)
        statuses.add(status)
    assert len(stored) > 1000 and len(dates) > 20
    # Not only scored rows: the null scores and their reasons are reproduced too.
    assert {"scored", "insufficient_coverage"} <= statuses

    # Every signal's score, the percentile ranks among them.
    per_signal = signal_scores(frame, config)
    signal_index = {
        key: position
        for position, key in enumerate(
            zip(
                np.asarray(frame["account_id"]).tolist(),
                np.asarray(frame["as_of_date"]).astype("datetime64[D]").astype(str).tolist(),
                np.asarray(frame["signal"]).tolist(),
                strict=True,
            )
        )
    }
    curves = set()
    for account, day, signal, score in stored_signals:
        position = signal_index[(account, day, signal)]
        ours = per_signal["signal_score"][position]
        assert (score is None and math.isnan(ours)) or abs(ours - score) <= 1e-6, (
            account,
            day,
            signal,
        )
        curves.add(per_signal["curve"][position])
    assert {"linear", "log", "percentile"} <= curves


def _write_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_changed_weight_file_changes_one_account_as_worked_by_hand(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    min_coverage = warehouse_min_coverage(built_warehouse.database)
    with _connect(built_warehouse.database) as con:
        as_of = con.execute("select as_of_date from raw.healthscore_run_settings").fetchone()[0]
        account, profile = con.execute(
            """
            select account_id, weight_profile from intermediate.int_account_health_scored
            where as_of_date = ? and score_status = 'scored' order by account_id limit 1
            """,
            [as_of],
        ).fetchone()
        # Two signals with data and one without: their stored scores do not depend on weights.
        present = con.execute(
            """
            select signal, signal_score from intermediate.int_account_signals_scored
            where account_id = ? and as_of_date = ? and has_data
            order by signal limit 2
            """,
            [account, as_of],
        ).fetchall()
        absent = con.execute(
            """
            select signal from intermediate.int_account_signals_scored
            where account_id = ? and as_of_date = ? and not has_data order by signal limit 1
            """,
            [account, as_of],
        ).fetchall()
        frame = read_signals(con, [as_of])
    (first, first_score), (second, second_score) = present
    # The account's profile weighs only these: 3, 1 and (missing, redistributed) 1.
    rows = [[profile, first, 3], [profile, second, 1]] + [[profile, s, 1] for (s,) in absent]
    with (SEEDS_DIR / "weight_profiles.csv").open(newline="") as handle:
        rows += [
            [row["weight_profile"], row["signal"], row["weight"]]
            for row in csv.DictReader(handle)
            if row["weight_profile"] != profile
        ]
    _write_rows(tmp_path / "weight_profiles.csv", ["weight_profile", "signal", "weight"], rows)
    config = ScoringConfig.from_folder(tmp_path, min_coverage=min_coverage)
    assert config.defaulted == tuple(
        name for name in SCORING_FILES if name != "weight_profiles.csv"
    )

    replayed = score_signals(frame, config)
    row = int(np.flatnonzero(replayed["account_id"] == account)[0])
    by_hand = round((3 * first_score + 1 * second_score) / 4, 6)
    assert replayed["health_score"][row] == pytest.approx(by_hand, abs=1e-6)
    assert replayed["coverage"][row] == pytest.approx(4 / (4 + len(absent)))
    current = score_signals(frame, ScoringConfig.current(min_coverage=min_coverage))
    assert current["health_score"][row] != pytest.approx(by_hand, abs=1e-6)


def test_rules_curves_and_percentiles_score_as_worked_by_hand(tmp_path: Path) -> None:
    """Lookup order (segment, default, family), a learned curve, log and percentile curves and
    a weight profile from the challenger's segment map, on a frame made by hand."""
    _write_rows(
        tmp_path / "signal_scoring_rules.csv",
        ["signal", "segment", "worst_value", "best_value", "curve"],
        [
            ["usage", "default", 0, 10, "linear"],
            ["usage", "smb", 0, 4, "linear"],  # smb accounts: their own rule
            ["tickets", "default", 9, 0, "log"],  # family rule of tickets:email
            ["events", "default", 0, 1, "percentile"],
        ],
    )
    _write_rows(
        tmp_path / "signal_scoring_curves.csv",
        ["weight_profile", "signal", "raw_value", "score"],
        [["small", "usage", 0, 0], ["small", "usage", 2, 80], ["small", "usage", 6, 100]],
    )
    _write_rows(
        tmp_path / "weight_profiles.csv",
        ["weight_profile", "signal", "weight"],
        [
            ["default", "usage", 1],
            ["default", "tickets:email", 1],
            ["default", "events", 2],
            ["small", "usage", 1],
            ["small", "events", 1],
        ],
    )
    _write_rows(
        tmp_path / "segment_weight_profiles.csv",
        ["segment", "weight_profile"],
        [["startup", "small"]],
    )
    config = ScoringConfig.from_folder(tmp_path, min_coverage=0.5)
    day = np.datetime64("2026-03-01")
    accounts = {"a1": "enterprise", "a2": "smb", "a3": "startup", "a4": "enterprise"}
    rows = []
    values = {
        "a1": {"usage": 5.0, "tickets:email": 3.0, "events": 10.0},
        "a2": {"usage": 5.0, "tickets:email": None, "events": 30.0},
        "a3": {"usage": 3.0, "tickets:email": 1.0, "events": 20.0},
        "a4": {"usage": 1.0, "tickets:email": 0.0, "events": 30.0},
    }
    for account, signals in values.items():
        for signal, value in signals.items():
            family = "tickets" if signal == "tickets:email" else signal
            rows.append((account, accounts[account], signal, family, value))
    frame = {
        "account_id": np.array([r[0] for r in rows], dtype=object),
        "as_of_date": np.array([day] * len(rows)),
        "segment": np.array([r[1] for r in rows], dtype=object),
        "is_customer": np.ones(len(rows), dtype=bool),
        "signal": np.array([r[2] for r in rows], dtype=object),
        "signal_family": np.array([r[3] for r in rows], dtype=object),
        "raw_value": np.array([np.nan if r[4] is None else r[4] for r in rows]),
        "has_data": np.array([r[4] is not None for r in rows]),
    }
    scores = signal_scores(frame, config)
    by_row = {(r[0], r[2]): scores["signal_score"][i] for i, r in enumerate(rows)}
    assert by_row[("a1", "usage")] == 50.0  # default rule 0-10
    assert by_row[("a2", "usage")] == 100.0  # smb rule 0-4, clamped
    assert by_row[("a3", "usage")] == 85.0  # learned curve of 'small': 80 + (3-2)/(6-2)*20
    tickets = 100 * (math.log(4) - math.log(10)) / (math.log(1) - math.log(10))
    assert by_row[("a1", "tickets:email")] == pytest.approx(tickets, abs=1e-6)  # family rule, log
    assert math.isnan(by_row[("a2", "tickets:email")])  # no data: null
    # events, percentile within the default profile {a1: 10, a2: 30, a4: 30}: mid-ranks
    # a1 (0 + 1/3)/2, a2 and a4 tied ((1/2 + 1)/2); a3 is alone in profile 'small'
    assert by_row[("a1", "events")] == pytest.approx(100 * (1 / 3) / 2, abs=1e-6)
    assert by_row[("a2", "events")] == 75.0
    assert by_row[("a4", "events")] == 75.0
    assert by_row[("a3", "events")] == 50.0  # alone: percent_rank 0, cume_dist 1

    accounts_scored = score_signals(frame, config)
    health = dict(zip(accounts_scored["account_id"], accounts_scored["health_score"], strict=True))
    # a2: tickets missing, its weight 1 redistributed over usage (1) and events (2)
    assert health["a2"] == pytest.approx(round((100.0 + 2 * 75.0) / 3, 6), abs=1e-9)
    assert health["a3"] == pytest.approx(round((85.0 + 50.0) / 2, 6), abs=1e-9)
    bands = dict(zip(accounts_scored["account_id"], accounts_scored["health_band"], strict=True))
    assert bands["a2"] == "green" and bands["a3"] == "green"

    # A higher minimum coverage is part of the configuration: a2 (75% of its weight with data)
    # is no longer scored, and says why.
    strict = ScoringConfig.from_folder(tmp_path, min_coverage=0.9)
    assert strict.fingerprint != config.fingerprint
    strict_scored = score_signals(frame, strict)
    a2 = list(strict_scored["account_id"]).index("a2")
    assert math.isnan(strict_scored["health_score"][a2])
    assert strict_scored["health_band"][a2] is None
    assert strict_scored["score_status"][a2] == "insufficient_coverage"
    assert strict_scored["score_null_reason"][a2] == (
        "only 75.0% of the weight had data (minimum 90.0%)"
    )

    # No leakage: another date in the same frame, where a1 now has the most events, leaves
    # the first date's ranks as they were (percentiles are per date).
    later = {column: values.copy() for column, values in frame.items()}
    later["as_of_date"] = np.array([day + np.timedelta64(7, "D")] * len(rows))
    later["raw_value"][[i for i, r in enumerate(rows) if r[:3:2] == ("a1", "events")]] = 99.0
    both = {column: np.concatenate([frame[column], later[column]]) for column in frame}
    both_scores = signal_scores(both, config)["signal_score"]
    assert np.array_equal(both_scores[: len(rows)], scores["signal_score"], equal_nan=True)
    a1_events = next(i for i, r in enumerate(rows) if r[:3:2] == ("a1", "events"))
    assert both_scores[len(rows) + a1_events] == 100.0  # the highest of three: (1 + 1) / 2


def test_from_revision_head_equals_the_seeds_folder() -> None:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    changed = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", "seeds"],
        capture_output=True,
        text=True,
    ).stdout
    if changed.strip():
        pytest.skip("seeds/ has uncommitted changes")
    head = ScoringConfig.from_revision("HEAD", PROJECT_ROOT, min_coverage=0.5)
    folder = ScoringConfig.from_folder(SEEDS_DIR, min_coverage=0.5)
    assert dict(head.files) == dict(folder.files)
    assert head.fingerprint == folder.fingerprint
    assert head.defaulted == () and folder.defaulted == ()


def _one_line_error(argv: list[str]) -> str:
    output = run_cli(argv)
    assert output.code == 2, output.text
    assert "Traceback" not in output.text
    lines = output.text.strip().splitlines()
    assert len(lines) == 1, output.text
    return lines[0]


def test_replay_cli_bad_input_is_one_line_and_exit_2(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    database = str(built_warehouse.database)
    assert "No folder at" in _one_line_error(
        ["replay", "--config", str(tmp_path / "absent"), "--database", database]
    )
    lacking = tmp_path / "lacking"
    lacking.mkdir()
    _write_rows(lacking / "weight_profiles.csv", ["weight_profile", "signal"], [["default", "x"]])
    assert "lacks the column(s) weight" in _one_line_error(
        ["replay", "--config", str(lacking), "--database", database]
    )
    unknown = tmp_path / "unknown"
    unknown.mkdir()
    _write_rows(
        unknown / "segment_weight_profiles.csv", ["segment", "weight_profile"], [["smb", "nosuch"]]
    )
    assert "nosuch" in _one_line_error(["replay", "--config", str(unknown), "--database", database])
    assert "No git revision" in _one_line_error(
        ["replay", "--revision", "no-such-revision-xyz", "--database", database]
    )
    assert "No warehouse" in _one_line_error(
        ["replay", "--config", str(lacking), "--database", str(tmp_path / "none.duckdb")]
    )


def test_replay_cli_reports_a_challenger_beside_the_current_config(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    challenger = copy_seed_folder(tmp_path / "challenger")
    with (SEEDS_DIR / "weight_profiles.csv").open(newline="") as handle:
        rows = [
            [
                row["weight_profile"],
                row["signal"],
                30 if row["signal"] == "tenure_days" else row["weight"],
            ]
            for row in csv.DictReader(handle)
        ]
    _write_rows(challenger / "weight_profiles.csv", ["weight_profile", "signal", "weight"], rows)
    reports = tmp_path / "reports"
    output = run_cli(
        [
            "replay",
            "--config",
            str(challenger),
            "--database",
            str(built_warehouse.database),
            "--reports",
            str(reports),
        ]
    )
    assert output.code == 0, output.text
    config = ScoringConfig.from_folder(
        challenger, min_coverage=warehouse_min_coverage(built_warehouse.database)
    )
    figures = json.loads((reports / f"replay_{config.fingerprint}.json").read_text())
    assert (reports / f"replay_{config.fingerprint}.html").exists()
    assert f"replayed {config.fingerprint}" in output.text
    # The current configuration replayed reproduces what the warehouse stored.
    assert figures["stored_rows"] > 0 and figures["stored_mismatches"] == 0
    assert figures["current"]["is_current"] and not figures["configs"][0]["is_current"]
    replayed = figures["configs"][0]
    assert replayed["fingerprint"] == config.fingerprint != figures["current"]["fingerprint"]
    with _connect(built_warehouse.database) as con:
        leads = {
            row[0]
            for row in con.execute(
                "select distinct lead_days from marts.renewal_backtest"
            ).fetchall()
        }
        stored = dict(
            con.execute(
                """
                select lead_days, count(health_score) from marts.renewal_backtest group by 1
                """
            ).fetchall()
        )
        result = replay(
            con, [config], current=ScoringConfig.current(min_coverage=config.min_coverage)
        )
    assert {lead["lead_days"] for lead in replayed["leads"]} == leads
    for lead in figures["current"]["leads"]:
        # The current config scores the backtest rows the warehouse scored, no more, no fewer.
        assert lead["scored"] == stored[lead["lead_days"]]
        assert lead["auc"] is not None and lead["auc_interval"][0] <= lead["auc"]
    # A heavier tenure weight moves some accounts' bands today.
    assert replayed["changed_band_today"] == sum(
        change["accounts"] for change in replayed["band_changes_today"]
    )
    assert replayed["changed_band_today"] > 0
    # The per-row data other tools pair on: the same backtest rows for every configuration.
    rows_judged = len(result.backtest["renewal_id"])
    assert all(len(item.backtest_scores["health_score"]) == rows_judged for item in result.configs)
    assert result.as_of_date == dt.date.fromisoformat(figures["as_of_date"])
    today = result.configs[0].today
    assert set(today["as_of_date"].astype("datetime64[D]").tolist()) == {result.as_of_date}
    assert config.defaulted == ()
