"""The benchmark's arithmetic and report on made-up figures (the benchmark is not a test)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from orchestration.devtools.benchmark import CaseResult, Step, report_lines, time_by_part
from orchestration.devtools.peak_memory import start_measured, wait_with_peak_memory

MANIFEST = {
    "nodes": {
        "seed.healthscore.weight_profiles": {
            "resource_type": "seed",
            "fqn": ["healthscore", "weight_profiles"],
            "meta": {"dagster": {"group": "configuration"}},
        },
        "model.healthscore.stg_product__events": {
            "resource_type": "model",
            "fqn": ["healthscore", "staging", "product", "stg_product__events"],
            "meta": {"dagster": {"group": "staging"}},
        },
        "model.healthscore.int_validation_metrics": {
            "resource_type": "model",
            "fqn": ["healthscore", "intermediate", "validation", "int_validation_metrics"],
            "meta": {"dagster": {"group": "validation"}},
        },
        "model.healthscore.score_validation": {
            "resource_type": "model",
            "fqn": ["healthscore", "marts", "validation", "score_validation"],
            "meta": {"dagster": {"group": "validation"}},
        },
    }
}


def _entry(unique_id: str, seconds: float) -> dict:
    return {"unique_id": unique_id, "execution_time": seconds}


def test_refresh_time_is_split_by_layer_then_tests_then_hooks() -> None:
    run_results = {
        "elapsed_time": 5.0,
        "results": [
            _entry("operation.healthscore.healthscore-on-run-start-0", 0.02),
            _entry("test.healthscore.not_null_score_validation_auc.abc", 0.05),
            _entry("model.healthscore.score_validation", 0.5),
            _entry("model.healthscore.stg_product__events", 3.0),
            _entry("test.healthscore.assert_bands_cover_0_to_100", 0.25),
            _entry("model.healthscore.int_validation_metrics", 1.5),
            _entry("seed.healthscore.weight_profiles", 0.1),
            _entry("unit_test.healthscore.score_validation.a_case", 0.4),
        ],
    }
    assert time_by_part(run_results, MANIFEST) == [
        ("configuration", 1, 0.1),
        ("staging", 1, 3.0),
        ("validation", 2, 2.0),
        ("data tests", 2, 0.3),
        ("unit tests", 1, 0.4),
        ("hooks", 1, 0.02),
    ]


def _case(accounts: int, events: int, *, full: float, refresh: float, stage: float) -> CaseResult:
    return CaseResult(
        accounts=accounts,
        months=24,
        event_density=1.6,
        as_of_full="2026-11-20",
        as_of_incremental="2026-11-21",
        raw_rows={"product_events": events, "crm_accounts": accounts},
        events_in_new_day=70_000,
        database_mb=4_700.0,
        generate=Step(300.0),
        load=Step(34.0, 2_000.0),
        full_build=Step(full, 4_900.0),
        incremental_load=Step(0.6, 300.0),
        incremental_build=Step(refresh, 1_500.0),
        incremental_build_runs=[refresh + 1.0, refresh, refresh - 1.0],
        stage_alone_seconds=stage,
        incremental_stage_alone_seconds=2.0,
        bare_scan_raw_seconds=2.0,
        bare_scan_parquet_seconds=0.5,
        copy_floor_seconds=30.0,
        duplicate_search_seconds=7.0,
        incremental_outside_run_seconds=4.0,
        incremental_breakdown=[("staging", 29, 10.0), ("data tests", 275, 12.5)],
    )


def _targets(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip().startswith("target ")]


def test_the_report_judges_each_target_at_the_size_the_issue_names() -> None:
    meets = _case(10_000, 55_000_000, full=200.0, refresh=29.0, stage=5.0)
    misses = _case(10_000, 55_000_000, full=200.0, refresh=31.0, stage=7.0)
    assert _targets(report_lines([meets], "test machine")) == [
        "target MET    full build under 5 minutes: 200 s",
        "target MET    peak memory under 6 GB: 4.79 GB",
        "target MET    one-day incremental under 15% of the full build: 14.5%",
        "target MET    events stage (rebuilt from scratch, alone) within 3x the bare scan: 2.50x",
    ]
    assert [line.split(":")[0] for line in _targets(report_lines([misses], "test machine"))] == [
        "target MET    full build under 5 minutes",
        "target MET    peak memory under 6 GB",
        "target MISSED one-day incremental under 15% of the full build",
        "target MISSED events stage (rebuilt from scratch, alone) within 3x the bare scan",
    ]
    small = _case(1_000, 5_000_000, full=40.0, refresh=20.0, stage=5.0)
    assert _targets(report_lines([small], "test machine")) == []


def test_the_report_shows_the_refresh_share_its_runs_and_where_its_time_goes() -> None:
    lines = report_lines([_case(10_000, 55_000_000, full=200.0, refresh=31.0, stage=7.0)], "m")
    refresh = next(line for line in lines if "one-day refresh: dbt build" in line)
    assert "31.0 s" in refresh and "= 15.5% of the full build" in refresh
    assert "3 runs from the same warehouse: 30.0-32.0 s, mean 31.0 s" in refresh
    breakdown = next(line for line in lines if "outside dbt's run of the nodes" in line)
    assert breakdown == (
        "    outside dbt's run of the nodes (start-up, manifest, artifacts) 4.0 s; node-seconds, "
        "on dbt's threads: staging 10.0 (29), data tests 12.5 (275)"
    )
    floors = "\n".join(lines)
    assert "= 3.50x the raw-table scan" in floors  # the repeated event_id search, 7.0 / 2.0
    assert "= 15.00x the raw-table scan" in floors  # the plain copy, 30.0 / 2.0


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="peak memory needs wait4 (Linux, macOS)")
def test_peak_memory_is_the_commands_own_not_its_starters() -> None:
    # Linux keeps a process's peak memory across exec, so a command started straight from this
    # process would report at least this process's size; the launcher reports the command's own.
    held = bytearray(400 * 1024**2)
    held[::4096] = b"\1" * len(held[::4096])  # touch every page: 400 MB resident here
    small = start_measured([sys.executable, "-c", "import sys; sys.exit(3)"])
    returncode, small_peak = wait_with_peak_memory(small)
    allocate = "x = bytearray(200 * 1024**2); x[::4096] = b'\\1' * len(x[::4096])"
    large = start_measured([sys.executable, "-c", allocate])
    _, large_peak = wait_with_peak_memory(large)
    assert returncode == 3
    assert small_peak is not None and small_peak < 100
    assert large_peak is not None and 200 <= large_peak < 300
    assert small.peak_report is None  # the pipe it came on is closed
    del held


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="peak memory needs wait4 (Linux, macOS)")
def test_the_launcher_passes_sigterm_on_and_reports_how_the_command_ended() -> None:
    waits = "import time; print('ready', flush=True); time.sleep(60)"
    with start_measured(
        [sys.executable, "-c", waits], stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        process.terminate()  # SIGTERM to the launcher, which passes it on
        returncode, peak = wait_with_peak_memory(process)
    assert returncode == 128 + signal.SIGTERM  # the command ended by SIGTERM, not by a timeout
    assert peak is not None and peak > 0
