"""The gate on scoring changes and the challenger in shadow (docs/scoring_changes.md).

The first test is the gate itself: `make test` fails when the scoring seeds changed and their
backtest on the gate company is worse than the accepted configuration's. When they did not
change it costs nothing (the gate company is not even built). The others build the gate
company once (orchestration/analysis/scoring_gate.GATE_COMPANY, about 2.5 minutes) and judge
deliberately changed seed folders written in temporary folders, never in seeds/.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from orchestration.analysis import scoring_gate
from orchestration.analysis.replay import ScoringConfig, copy_seed_folder
from orchestration.devtools.gate_company import build_gate_warehouse
from tests.conftest import _built_once, query, run_args, run_cli

# Signals that rank churn no better than chance (or backwards) on the generated companies: a
# weight file that puts all the weight on them is worse on purpose.
NOISY_SIGNALS = {
    "volume_trend",
    "csat",
    "disputes_365d",
    "overdue_amount_months",
    "volume_change_vs_baseline",
    "usage_trend",
}


def _rewrite_weights(folder: Path, weight_of) -> Path:
    path = folder / "weight_profiles.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["weight_profile", "signal", "weight"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "weight": weight_of(row)})
    return folder


def worse_seeds(target: Path) -> Path:
    """The repository's scoring seeds with every weight moved onto the noisiest signals."""
    return _rewrite_weights(
        copy_seed_folder(target), lambda row: "10" if row["signal"] in NOISY_SIGNALS else "0"
    )


@pytest.fixture(scope="module")
def gate_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _built_once(
        tmp_path_factory,
        "scoring_gate_company",
        lambda target: build_gate_warehouse(target, say=lambda _: None),
    )
    return folder / "healthscore.duckdb"


@pytest.fixture(scope="module")
def worse(gate_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    """The worse weight file and what `healthscore gate` says of it."""
    seeds = worse_seeds(tmp_path_factory.mktemp("worse_seeds"))
    output = run_cli(["gate", "--database", str(gate_warehouse), "--seeds", str(seeds)])
    return seeds, output


def test_the_scoring_seeds_pass_the_gate(request: pytest.FixtureRequest) -> None:
    # While seeds/ (and healthscore_min_coverage) match tests/scoring_gate/accepted.yml this
    # passes at once and builds nothing: it cannot fail on an untouched clone. The real gate
    # path (build, replay, paired bootstrap, verdict) is exercised by the worse-file, trade-off
    # and neutral-change tests below, which judge changed seed folders on the gate company.
    outcome = scoring_gate.run_gate(lambda: request.getfixturevalue("gate_warehouse"))
    assert outcome.passed, "\n".join(outcome.lines)


def test_a_worse_weight_file_fails_the_gate_with_its_figures(worse) -> None:
    seeds, output = worse
    assert output.code == 1, output.text
    fingerprint = ScoringConfig.from_folder(seeds).fingerprint
    record = scoring_gate.read_record()
    assert f"Scoring configuration {fingerprint}" in output.text
    assert f"against the accepted {record.fingerprint}" in output.text
    assert "Worse than the configuration it replaces: held-out AUC" in output.text
    assert "paired bootstrap 95% interval" in output.text
    assert "Gate FAILED" in output.text
    assert 'healthscore gate --accept-trade-off "why"' in output.text
    # The replaced configuration's figures are the record's.
    assert f"AUC {record.figures['auc']:.3f}" in output.text


def test_a_recorded_trade_off_lets_the_worse_file_pass_and_says_so(
    worse, gate_warehouse: Path, tmp_path: Path
) -> None:
    seeds, _ = worse
    fingerprint = ScoringConfig.from_folder(seeds).fingerprint
    record = tmp_path / "accepted.yml"
    data = yaml.safe_load(scoring_gate.RECORD_FILE.read_text())
    data["trade_offs"] = [
        {
            "fingerprint": fingerprint,
            "replaces": data["fingerprint"],
            "worse": "held-out AUC",
            "why": "a test of the gate",
            "who": "A. Reviewer",
        }
    ]
    record.write_text(yaml.safe_dump(data))
    outcome = scoring_gate.run_gate(gate_warehouse, seeds_dir=seeds, record_path=record)
    text = "\n".join(outcome.lines)
    assert outcome.passed, text
    assert outcome.judgement is not None and outcome.judgement.worse
    assert "Gate passed: accepted as a trade-off: held-out AUC; why: a test of the gate" in text


def test_accepting_a_trade_off_records_it_and_refuses_without_a_reason(
    worse, gate_warehouse: Path, tmp_path: Path
) -> None:
    seeds, _ = worse
    record = tmp_path / "accepted.yml"
    shutil.copy(scoring_gate.RECORD_FILE, record)
    before = scoring_gate.read_record(record)
    common = ["gate", "--database", str(gate_warehouse), "--seeds", str(seeds)]
    refused = run_cli([*common, "--record", str(record), "--accept"])
    assert refused.code == 2 and "accept it only as a trade-off" in refused.text
    accepted = run_cli(
        [*common, "--record", str(record), "--accept-trade-off", "churn signal", "--by", "A. B."]
    )
    assert accepted.code == 0, accepted.text
    after = scoring_gate.read_record(record)
    fingerprint = ScoringConfig.from_folder(seeds).fingerprint
    assert after.fingerprint == fingerprint
    (item,) = after.trade_offs
    assert (item.replaces, item.why, item.who) == (before.fingerprint, "churn signal", "A. B.")
    assert item.worse.startswith("held-out AUC")
    assert after.figures["auc"] < before.figures["auc"]
    # The recorded change is now the accepted one, and says it was a trade-off.
    again = scoring_gate.run_gate(gate_warehouse, seeds_dir=seeds, record_path=record)
    assert again.passed and "accepted as a trade-off" in again.lines[0]


def test_a_neutral_change_passes_the_gate(gate_warehouse: Path, tmp_path: Path) -> None:
    seeds = _rewrite_weights(
        copy_seed_folder(tmp_path / "neutral"),
        lambda row: (
            str(float(row["weight"]) + 1)
            if row["signal"] == "feature_adoption_breadth"
            else row["weight"]
        ),
    )
    outcome = scoring_gate.run_gate(gate_warehouse, seeds_dir=seeds)
    text = "\n".join(outcome.lines)
    assert outcome.passed, text
    assert outcome.judgement is not None and not outcome.judgement.worse
    assert "Not worse" in text or "Better" in text
    assert "healthscore gate --accept" in text


def test_the_paired_difference_of_identical_and_of_reversed_scores() -> None:
    rng = np.random.default_rng(1)
    churned = (rng.random(300) < 0.2).astype(float)
    risk = churned + rng.normal(0, 0.8, 300)
    same = scoring_gate.paired_auc_difference(churned, risk, risk, replicates=200)
    assert same == (0.0, (0.0, 0.0))
    difference, (low, high) = scoring_gate.paired_auc_difference(
        churned, risk, -risk, replicates=200
    )
    assert difference < -0.3 and high < 0


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_accepted_configuration_comes_from_git_or_one_sentence(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_seed_folder(repo / "seeds")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "accepted")
    accepted = ScoringConfig.from_folder(repo / "seeds").fingerprint
    worse_seeds(repo / "seeds")
    _git(repo, "commit", "-qam", "worse")
    assert scoring_gate.accepted_config(accepted, repo).fingerprint == accepted
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True
    )
    with pytest.raises(scoring_gate.GateError, match="shallow clone's history: fetch it"):
        scoring_gate.accepted_config(accepted, shallow)
    with pytest.raises(scoring_gate.GateError, match="never committed"):
        scoring_gate.accepted_config("000000000000", repo)


def test_healthscore_run_scores_a_challenger_in_shadow_and_the_report_compares(
    worse, gate_warehouse: Path, tmp_path: Path
) -> None:
    from orchestration.analysis.challenger import challenger_verdict, write_shadow
    from orchestration.analysis.report import write_report

    seeds, _ = worse
    database = tmp_path / "healthscore.duckdb"
    shutil.copy(gate_warehouse, database)
    output = run_cli(
        run_args(
            gate_warehouse.parent / "landing",
            database,
            scoring_gate.GATE_COMPANY["end_date"],
            "--no-validate",
            "--challenger",
            str(seeds),
        )
    )
    assert output.code == 0, output.text
    fingerprint = ScoringConfig.from_folder(seeds).fingerprint
    assert f"Scoring the challenger {seeds} [{fingerprint}] in shadow" in output.text
    assert "customers would change band; Worse than the configuration it replaces" in output.text
    customers = query(
        database, "select count(*) from marts.account_health where health_score is not null"
    )[0][0]
    rows = query(
        database,
        "select count(*), count(distinct challenger_fingerprint), max(challenger_fingerprint), "
        "count(*) filter (where is_band_changed), "
        "count(*) filter (where champion_band is distinct from health_band) "
        "from marts.challenger_scores join marts.account_health using (account_id)",
    )
    count, fingerprints, stored, changed, champion_differs = rows[0]
    assert (fingerprints, stored, champion_differs) == (1, fingerprint, 0)
    assert count >= customers and f"{changed:,} customers would change band" in output.text
    assert changed > 0
    leads = query(
        database,
        "select role, count(*) from marts.challenger_comparison group by 1 order by 1",
    )
    assert leads == [("challenger", 5), ("champion", 5)]
    verdict = challenger_verdict(database)
    assert verdict is not None
    assert verdict.startswith(f"Challenger {fingerprint} ({seeds}) in shadow: Worse than")
    page = write_report(database, tmp_path / "report.html", calibration=None).read_text()
    assert "Challenger (scored in shadow)" in page
    assert fingerprint in page and "Worse than the configuration it replaces" in page
    assert f"{changed:,} of {count:,} customers would change band" in page
    # Without a challenger the next run writes nothing and drops the earlier tables.
    assert write_shadow(database, None, say=lambda _: None) is None
    assert challenger_verdict(database) is None
    assert not query(
        database,
        "select table_name from information_schema.tables where table_name like 'challenger_%'",
    )
    assert (
        "Challenger"
        not in write_report(database, tmp_path / "report.html", calibration=None).read_text()
    )


def test_the_challenger_setting_reaches_the_dagster_resource(monkeypatch) -> None:
    from orchestration.defs.resources import resources
    from orchestration.runtime.settings import settings_from_env

    monkeypatch.setenv("HEALTHSCORE_CHALLENGER_DIR", "/somewhere/challenger")
    assert settings_from_env().challenger == "/somewhere/challenger"
    warehouse = resources().resources["warehouse"]
    assert warehouse.challenger_dir == "/somewhere/challenger"
    monkeypatch.delenv("HEALTHSCORE_CHALLENGER_DIR")
    assert settings_from_env().challenger is None


def test_a_bad_challenger_stops_the_run_in_one_line_before_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orchestration.runtime.pipeline as pipeline

    def no_build(*args, **kwargs):
        raise AssertionError("the build started")

    monkeypatch.setattr(pipeline, "run_pipeline", no_build)
    landing = tmp_path / "landing"
    landing.mkdir()
    database = tmp_path / "healthscore.duckdb"
    as_of = scoring_gate.GATE_COMPANY["end_date"]
    missing = str(tmp_path / "no_such_challenger")
    output = run_cli(run_args(landing, database, as_of, "--challenger", missing))
    assert output.code == 2, output.text
    assert len(output.text.strip().splitlines()) == 1, output.text
    assert f"Challenger {missing} is neither a folder of scoring seeds" in output.text
    monkeypatch.setenv("HEALTHSCORE_CHALLENGER_DIR", missing)
    output = run_cli(run_args(landing, database, as_of))
    assert output.code == 2 and len(output.text.strip().splitlines()) == 1, output.text
    assert f"HEALTHSCORE_CHALLENGER_DIR: Challenger {missing} is neither" in output.text
    assert not database.exists()


def test_a_challenger_failing_in_shadow_never_blocks_the_champion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from orchestration.analysis import challenger
    from orchestration.analysis.replay import ReplayInputError

    database = tmp_path / "healthscore.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema marts")
    con.execute("create table marts.challenger_scores as select 1 as account_id")
    con.execute("create table marts.challenger_comparison as select 1 as lead_days")
    con.close()
    for failure in (
        ReplayInputError("weight_profiles.csv names a signal no rule scores."),
        duckdb.CatalogException("Table with name account_signals does not exist!"),
    ):

        def failing(*args, _failure=failure, **kwargs):
            raise _failure

        monkeypatch.setattr(challenger, "_score_shadow", failing)
        said: list[str] = []
        # The run's before_publish hook: it must return (so the run publishes), not raise.
        hook = challenger.shadow_scoring("some_challenger", say=said.append)
        assert hook(database, tmp_path) is None
        assert said == [f"challenger not scored: {failure}"]
        assert not challenger.shadow_tables_exist(database)
