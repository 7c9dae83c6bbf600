"""Three runs one cadence step apart, end to end. Between the first two only one account's CRM
segment changes: the previous date's published row keeps its segment and score (segments are
point in time) and the move is credited to score_change_from_profile. Between the last two a
scoring seed is edited and another account moves: the run says the configuration changed, the
computed scores are rescored on every date under the new configuration, the published history
keeps its earlier dates as published, the account's score change is split into its data,
configuration and segment/profile parts, each checked against a replay of the previous date's
stored signals (orchestration/analysis/replay.py), and the alert log gains no backdated alert.
Runs on a copy of the project (its own seeds) and a copy of the small company's landing folder;
three builds (one full, two incremental)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb
import numpy as np

from orchestration.analysis.replay import ScoringConfig, read_signals, score_signals
from orchestration.devtools.validity import copy_project
from orchestration.runtime.pipeline import run_pipeline
from orchestration.runtime.scoring_config import fingerprint
from tests.conftest import SMALL_END_DATE, GeneratedCompany, copy_landing, query

FIRST_AS_OF = SMALL_END_DATE - dt.timedelta(days=7)  # a cadence date (Sunday), one step back
EARLIEST_AS_OF = FIRST_AS_OF - dt.timedelta(days=7)  # the run before: two steps back


def _raise_login_weights(seeds: Path) -> None:
    """Weigh login_frequency more in every profile: a configuration change every account feels."""
    path = seeds / "weight_profiles.csv"
    rows = list(csv.DictReader(path.open()))
    for row in rows:
        if row["signal"] == "login_frequency":
            row["weight"] = str(float(row["weight"]) + 10)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _move_account(landing: Path, account_id: str, segment: str) -> None:
    """Give one account another segment in the landing copy's crm_accounts.csv (its lines only)."""
    path = landing / "crm_accounts.csv"
    lines = path.read_text().splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    column = header.index("segment")
    moved = 0
    for index, line in enumerate(lines[1:], start=1):
        fields = next(csv.reader([line]), [])
        if fields and fields[0] == account_id:
            fields[column] = segment
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(fields)
            lines[index] = out.getvalue()
            moved += 1
    assert moved, f"{account_id} is not in {path}"
    path.write_text("".join(lines))


def test_a_scoring_change_is_detected_rescored_and_attributed(
    small_company: GeneratedCompany, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    landing = copy_landing(small_company.landing, tmp_path / "landing")
    database = tmp_path / "warehouse" / "healthscore.duckdb"
    database.parent.mkdir()
    first_fingerprint = fingerprint(project / "seeds", 0.5)

    # Run 1, then run 2 with only one account's CRM segment changed (no seed edit).
    run_pipeline(landing, database, as_of=EARLIEST_AS_OF, project_dir=project, say=lambda _: None)
    (mover, mover_segment, mover_score) = query(
        database,
        """
        select account_id, segment, health_score from marts.account_health_history
        where as_of_date = ? and segment in ('enterprise', 'mid_market')
            and health_score is not null
        order by account_id desc limit 1
        """,
        [EARLIEST_AS_OF],
    )[0]
    _move_account(landing, mover, "self_serve")
    run_pipeline(landing, database, as_of=FIRST_AS_OF, project_dir=project, say=lambda _: None)
    # The previous date's published row kept its segment and score; the move is the profile part.
    assert query(
        database,
        "select segment, health_score, config_fingerprint from marts.account_health_history "
        "where account_id = ? and as_of_date = ?",
        [mover, EARLIEST_AS_OF],
    ) == [(mover_segment, mover_score, first_fingerprint)]
    (moved,) = query(
        database,
        """
        select segment, previous_segment, previous_health_score, score_change_from_config,
               score_change_from_profile
        from marts.account_health_history where account_id = ? and as_of_date = ?
        """,
        [mover, FIRST_AS_OF],
    )
    assert moved[:3] == ("self_serve", mover_segment, mover_score), moved
    assert moved[3] == 0 and moved[4] != 0, moved
    # Only the mover changed segment: every other account's previous segment is its segment.
    assert query(
        database,
        """
        select count(*) from marts.account_health_history
        where as_of_date = ? and account_id <> ? and (segment <> previous_segment
            or score_change_from_profile <> 0)
        """,
        [FIRST_AS_OF, mover],
    ) == [(0,)]

    published_before = dict(
        ((account, str(day)), score)
        for account, day, score in query(
            database,
            "select account_id, as_of_date, health_score from marts.account_health_history",
        )
    )
    logged_before = {
        row[0]
        for row in query(database, "select alert_id from intermediate.int_health_alert_events")
    }
    # A customer scored on the first date whose segment selects the enterprise profile: it
    # moves to self_serve (another profile, other weights).
    (account,) = query(
        database,
        """
        select account_id from marts.account_health_history
        where as_of_date = ? and segment in ('enterprise', 'mid_market')
            and health_score is not null and account_id <> ?
        order by account_id limit 1
        """,
        [FIRST_AS_OF, mover],
    )[0]

    _raise_login_weights(project / "seeds")
    _move_account(landing, account, "self_serve")
    new_fingerprint = fingerprint(project / "seeds", 0.5)
    assert new_fingerprint != first_fingerprint
    said: list[str] = []
    run_pipeline(landing, database, as_of=SMALL_END_DATE, project_dir=project, say=said.append)

    # The run says so, naming the file and the new configuration.
    changed = [line for line in said if "Scoring configuration changed" in line]
    assert len(changed) == 1, said
    assert "(weight_profiles.csv)" in changed[0] and new_fingerprint in changed[0]
    assert query(
        database,
        "select previous_config_fingerprint, config_fingerprint, changed_inputs "
        "from intermediate.int_scoring_config_versions order by first_used_at",
    ) == [
        (None, first_fingerprint, None),
        (first_fingerprint, new_fingerprint, "weight_profiles.csv"),
    ]

    # The computed view: every date under the new configuration.
    for model in ("int_account_signals_scored", "int_account_health_scored"):
        fingerprints = query(
            database, f"select distinct config_fingerprint from intermediate.{model}"
        )
        assert fingerprints == [(new_fingerprint,)], model
    dates = query(
        database, "select count(distinct as_of_date) from intermediate.int_account_health_scored"
    )[0][0]
    assert dates > 50  # every date of the history, not the run's window

    # The published history: its earlier dates as published, the new date under the new one.
    history = query(
        database,
        "select account_id, as_of_date, health_score, config_fingerprint "
        "from marts.account_health_history",
    )
    for account_id, day, score, row_fingerprint in history:
        if day < SMALL_END_DATE:
            assert row_fingerprint == first_fingerprint, (account_id, day)
            assert score == published_before[(account_id, str(day))], (account_id, day)
        else:
            assert row_fingerprint == new_fingerprint
    # The moved account's change: configuration and profile parts, adding up to the change.
    (row,) = query(
        database,
        """
        select previous_segment, segment, previous_config_fingerprint, score_change,
               score_change_from_data, score_change_from_config, score_change_from_profile
        from marts.account_health_history where account_id = ? and as_of_date = ?
        """,
        [account, SMALL_END_DATE],
    )
    previous_segment, segment, previous_fingerprint, change, data, config, profile = row
    assert segment == "self_serve" and previous_segment != "self_serve"
    assert previous_fingerprint == first_fingerprint
    assert config != 0 and profile != 0
    assert abs(data + config + profile - change) < 1e-9
    _check_parts_against_a_replay(database, project / "seeds", account, previous_segment)

    # Every account's parts add up; an account that kept its segment has no profile part.
    assert query(
        database,
        """
        select count(*) from marts.account_health_history
        where as_of_date = ? and (abs(score_change_from_data + score_change_from_config
                + score_change_from_profile - score_change) > 1e-9
            or (segment = previous_segment and score_change_from_profile <> 0))
        """,
        [SMALL_END_DATE],
    ) == [(0,)]

    # No backdated alert: every alert the second run logged is of its own date.
    logged = query(
        database, "select alert_id, detected_on from intermediate.int_health_alert_events"
    )
    assert logged_before <= {alert_id for alert_id, _ in logged}
    assert all(day >= SMALL_END_DATE for alert_id, day in logged if alert_id not in logged_before)


def _check_parts_against_a_replay(database: Path, seeds: Path, moved: str, moved_from: str) -> None:
    """The parts of the last run's changes, checked independently of the history model: the
    previous date's stored signals replayed under the current configuration with the stored
    (previous) segments give X1, and with the moved account's new segment X2. Then
    score_change_from_config = X1 - P for every account, score_change_from_profile = X2 - X1
    for the moved account, and for the accounts that kept their segment the data part is the
    computed view's change (account_health.score_change: against the rescored previous date).
    X2 is exact here: one account moved into the profile, so ranking it alone among that
    profile's accounts (the history's percentile approximation) is the replay's ranking."""
    config = ScoringConfig.from_folder(seeds, seeds_dir=seeds, min_coverage=0.5)
    with duckdb.connect(str(database), read_only=True) as con:
        frame = read_signals(con, [FIRST_AS_OF])
        rows = con.execute(
            """
            select history.account_id, history.previous_health_score,
                   history.score_change_from_config, history.score_change_from_profile,
                   history.score_change_from_data, history.segment = history.previous_segment,
                   health.score_change
            from marts.account_health_history as history
            inner join marts.account_health as health
                on history.account_id = health.account_id
            where history.as_of_date = ?
            """,
            [SMALL_END_DATE],
        ).fetchall()
    segments = np.asarray(frame["segment"], dtype=object)
    assert set(segments[frame["account_id"] == moved]) == {moved_from}  # stored, point in time
    first = score_signals(frame, config)
    x1 = dict(zip(first["account_id"], first["health_score"], strict=True))
    frame["segment"] = np.where(frame["account_id"] == moved, "self_serve", segments)
    frame["_codes"].pop("segment", None)  # type: ignore[attr-defined]
    second = score_signals(frame, config)
    x2 = dict(zip(second["account_id"], second["health_score"], strict=True))

    checked = 0
    for account_id, previous, from_config, from_profile, from_data, kept, change in rows:
        if previous is None or from_config is None or np.isnan(x1.get(account_id, np.nan)):
            continue
        assert abs(from_config - (x1[account_id] - previous)) < 1e-6, account_id
        checked += 1
        if account_id == moved:
            assert abs(from_profile - (x2[account_id] - x1[account_id])) < 1e-6
        elif kept and change is not None and from_data is not None:
            assert abs(from_data - change) < 2e-6, account_id
    assert checked > 50
