"""The validity benchmark: does the score predict renewals at companies unlike the demo?

For each company archetype (docs/archetypes.md) and seed, it does what a team would do with its
own data, through the same code the commands run:

1. generate the company into a landing folder;
2. `healthscore run` on it with the lead times that fit its contracts, in a copy of this dbt
   project (so each company gets seeds of its own and the repository's stay untouched);
3. `healthscore validate`: learn curves and weights on the renewals decided up to the
   validation split;
4. `healthscore adopt` the proposal, which rescores the whole history;

and then measures, on the later, held-out renewals at each term class's longest lead time, with
every figure on the same renewals: the AUC of the configured score (step 2), of the calibrated
score (step 4, as the pipeline itself scored them), of a naive usage baseline (events in the 28
days before the observation date), of the best single signal (in its better direction, chosen
on those same renewals: a generous baseline), the churn rate per band of the calibrated score,
and the ceiling: the AUC of the archetype's hidden true churn probability.

It is not a test (nothing here passes or fails the suite); it prints the figures against the
quality bar and writes them to validity.json.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from orchestration.analysis.metrics import band_churn_rates, roc_auc
from orchestration.runtime.contract import PROJECT_ROOT

# Months of history per archetype: a short history for the product-led company (its renewals
# are monthly), two years for the others.
DEFAULT_MONTHS = {"enterprise_b2b": 24, "product_led": 6, "usage_smb": 18}
# The quality bar of the calibrated score at the natural lead time.
MARGIN_OVER_BASELINES = 0.03
MAX_GAP_TO_CEILING = 0.08
_PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


@dataclass
class CompanyResult:
    archetype: str
    seed: int
    accounts: int
    months: int
    lead_days: dict[str, list[int]]
    held_out_renewals: int = 0
    held_out_churns: int = 0
    auc_configured: float | None = None
    auc_calibrated: float | None = None
    auc_naive_usage: float | None = None
    auc_best_signal: float | None = None
    best_signal: str | None = None
    auc_ceiling: float | None = None
    auc_black_box: float | None = None
    band_churn_rates: list[tuple[str, float | None, int]] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    @property
    def bands_ordered(self) -> bool:
        rates = [rate for _, rate, count in self.band_churn_rates]
        return bool(rates) and all(
            a is not None and b is not None and a > b
            for a, b in zip(rates, rates[1:], strict=False)
        )

    def bar(self) -> dict[str, bool | None]:
        """Each part of the quality bar: met, missed, or None when it cannot be judged."""
        if self.auc_calibrated is None:
            return {"beats baselines": None, "near ceiling": None, "bands ordered": None}
        baselines = [b for b in (self.auc_naive_usage, self.auc_best_signal) if b is not None]
        return {
            "beats baselines": self.auc_calibrated >= max(baselines) + MARGIN_OVER_BASELINES
            if baselines
            else None,
            "near ceiling": self.auc_calibrated >= self.auc_ceiling - MAX_GAP_TO_CEILING
            if self.auc_ceiling is not None
            else None,
            "bands ordered": self.bands_ordered,
        }


def copy_project(target: Path) -> Path:
    """A copy of the dbt project (models, macros, seeds, tests, configuration) to score one
    company with seeds of its own."""
    for part in _PROJECT_PARTS:
        source = PROJECT_ROOT / part
        destination = target / part
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination)
    return target


def lead_times_for(natural: dict[str, tuple[int, ...]]) -> dict[str, list[int]]:
    """The healthscore_lead_times_days mapping for an archetype: its natural lead times per term
    length, the project's defaults for the term classes it does not name."""
    import yaml

    defaults = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"][
        "healthscore_lead_times_days"
    ]
    return {name: list(natural.get(name, defaults[name])) for name in defaults}


def _held_out_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(renewal_id, account_id, renewal_date, target_date, is_churned, health_score) of the
    held-out renewals at each term class's longest lead time."""
    return con.execute(
        """
        select backtest.renewal_id, backtest.account_id, cast(backtest.renewal_date as varchar),
               backtest.target_date, backtest.is_churned, backtest.health_score
        from marts.renewal_backtest as backtest
        cross join (select max(validation_split_date) as split_date from marts.score_validation)
            as split
        where backtest.is_longest_lead and backtest.renewal_date > split.split_date
        order by backtest.renewal_id
        """
    ).fetchall()


def _naive_usage(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Events of each held-out renewal's account in the 28 days up to its observation date."""
    rows = con.execute(
        """
        with targets as (
            select renewal_id, account_id, target_date
            from marts.renewal_backtest
            where is_longest_lead
        )
        select targets.renewal_id, count(events.account_id)
        from targets
        left join staging.stg_product__events as events
            on events.account_id = targets.account_id
            and events.occurred_date > targets.target_date - 28
            and events.occurred_date <= targets.target_date
        group by targets.renewal_id
        """
    ).fetchall()
    return {renewal_id: float(count) for renewal_id, count in rows}


def _signal_scores(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, float]]:
    """signal -> renewal_id -> signal score at the longest lead time, where it had data."""
    rows = con.execute(
        """
        select signal, renewal_id, signal_score
        from marts.renewal_backtest_signals
        where is_longest_lead and has_data
        """
    ).fetchall()
    out: dict[str, dict[str, float]] = {}
    for signal, renewal_id, score in rows:
        out.setdefault(signal, {})[renewal_id] = float(score)
    return out


def _truth(landing: Path) -> dict[tuple[str, str], float]:
    import csv

    with (landing / "_truth" / "renewal_truth.csv").open(newline="") as handle:
        return {
            (row["account_id"], row["end_date"]): float(row["true_churn_probability"])
            for row in csv.DictReader(handle)
        }


def black_box_scores(database: Path) -> dict[str, float]:
    """A yardstick, not a product feature: a gradient-boosted model (scikit-learn) of churn on
    every signal's raw value, fitted on the earlier renewals and applied to the held-out ones at
    the longest lead times. It tells how much the recorded data, through these signals, can say
    at all: where the transparent score comes close to it, the gap to the ceiling is
    information the data does not hold, not a fit left on the table. Renewal id -> risk."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from orchestration.analysis.calibration import load_backtest_matrix

    with duckdb.connect(str(database), read_only=True) as con:
        matrix = load_backtest_matrix(con)
        (split,) = con.execute(
            "select max(validation_split_date) from marts.score_validation"
        ).fetchone()
    informative = ~np.all(np.isnan(matrix.raw), axis=0)
    earlier = matrix.renewal_dates <= np.datetime64(split)
    later = ~earlier & matrix.is_longest_lead
    model = HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=50,
        l2_regularization=1.0, random_state=0,
    )  # fmt: skip
    model.fit(matrix.raw[earlier][:, informative], matrix.churned[earlier])
    risk = model.predict_proba(matrix.raw[later][:, informative])[:, 1]
    return dict(zip(matrix.renewal_ids[later], risk, strict=True))


def measure(
    configured_db: Path, calibrated_db: Path, landing: Path, result: CompanyResult
) -> CompanyResult:
    """Fill `result` with the held-out figures of both builds, on the renewals both scored."""
    with duckdb.connect(str(configured_db), read_only=True) as con:
        configured = {row[0]: row[5] for row in _held_out_rows(con)}
    with duckdb.connect(str(calibrated_db), read_only=True) as con:
        rows = _held_out_rows(con)
        naive = _naive_usage(con)
        signals = _signal_scores(con)
        bands = con.execute(
            "select health_band, min_score, max_score from config.health_bands order by band_rank"
        ).fetchall()
    truth = _truth(landing)
    kept = [r for r in rows if r[5] is not None and configured.get(r[0]) is not None]
    if not kept:
        result.error = "no held-out renewal was scored by both builds"
        return result
    ids = [r[0] for r in kept]
    churned = np.array([r[4] for r in kept], dtype=float)
    calibrated = np.array([r[5] for r in kept], dtype=float)
    result.held_out_renewals, result.held_out_churns = len(kept), int(churned.sum())
    result.auc_calibrated = roc_auc(churned, -calibrated)
    result.auc_configured = roc_auc(churned, -np.array([configured[i] for i in ids]))
    result.auc_naive_usage = roc_auc(churned, -np.array([naive.get(i, 0.0) for i in ids]))
    best, best_signal = None, None
    for signal, by_renewal in signals.items():
        # A renewal without data for the signal counts as neutral (50).
        auc = roc_auc(churned, -np.array([by_renewal.get(i, 50.0) for i in ids]))
        if auc is not None:
            auc = max(auc, 1.0 - auc)
            if best is None or auc > best:
                best, best_signal = auc, signal
    result.auc_best_signal, result.best_signal = best, best_signal
    with_truth = [(r[4], truth[(r[1], r[2])]) for r in kept if (r[1], r[2]) in truth]
    if with_truth:
        result.auc_ceiling = roc_auc(
            np.array([t[0] for t in with_truth], dtype=float), np.array([t[1] for t in with_truth])
        )
    result.band_churn_rates = band_churn_rates(churned, calibrated, bands)
    black_box = black_box_scores(configured_db)
    if all(i in black_box for i in ids):
        result.auc_black_box = roc_auc(churned, np.array([black_box[i] for i in ids]))
    return result


def run_company(
    archetype: str,
    seed: int,
    *,
    accounts: int,
    months: int,
    as_of: dt.date,
    workdir: Path,
    say: Callable[[str], None],
) -> CompanyResult:
    from orchestration.analysis.validation import adopt_proposal, run_validation, validation_lines
    from orchestration.demo_company import NATURAL_LEAD_DAYS, generate_company
    from orchestration.runtime.pipeline import rescore_warehouse, run_pipeline

    started = time.monotonic()
    lead_days = lead_times_for(NATURAL_LEAD_DAYS[archetype])
    result = CompanyResult(archetype, seed, accounts, months, lead_days)
    home = workdir / f"{archetype}-seed{seed}"
    if home.exists():
        shutil.rmtree(home)
    landing, project = home / "landing", copy_project(home / "project")
    configured_db, calibrated_db = home / "configured" / "healthscore.duckdb", None
    quiet = lambda _line: None  # noqa: E731
    say(f"{archetype}, seed {seed}: generating {accounts:,} accounts over {months} months ...")
    generate_company(
        landing, accounts=accounts, months=months, seed=seed, end_date=as_of, archetype=archetype
    )
    say(f"  running the pipeline with lead times {lead_days} ...")
    dbt_vars = {"healthscore_lead_times_days": lead_days}
    run_pipeline(
        landing,
        configured_db,
        as_of=as_of,
        full_refresh=True,
        extra_vars=dbt_vars,
        say=quiet,
        project_dir=project,
    )
    say("  validating and calibrating on the earlier renewals ...")
    outcome = run_validation(
        configured_db,
        home / "configured" / "reports",
        landing=landing,
        say=quiet,
        seeds_dir=project / "seeds",
    )
    for line in validation_lines(outcome)[-12:]:
        say(f"    {line}")
    if outcome.proposal is None:
        result.error = outcome.skipped_calibration or "no proposal"
        result.seconds = time.monotonic() - started
        return result
    calibrated_db = home / "calibrated" / "healthscore.duckdb"
    calibrated_db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(configured_db, calibrated_db)
    adopt_proposal(
        outcome.proposal,
        seeds_dir=project / "seeds",
        backup_dir=home / "previous_seeds",
        say=quiet,
    )
    say("  adopting the proposal and rescoring the whole history ...")
    rescore_warehouse(calibrated_db, say=quiet, project_dir=project)
    measure(configured_db, calibrated_db, landing, result)
    result.seconds = time.monotonic() - started
    return result


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_lines(results: list[CompanyResult]) -> list[str]:
    lines = [
        "Held-out renewals at each term class's longest lead time (AUC; 0.5 is a coin flip):",
        f"{'company':<26} {'renewals':>9} {'churns':>7} {'config.':>7} {'calibr.':>7} "
        f"{'naive':>6} {'best 1':>6} {'b. box':>6} {'ceiling':>7}  bands (calibrated)",
    ]
    for r in results:
        name = f"{r.archetype} seed {r.seed}"
        if r.error:
            lines.append(f"{name:<26} {r.error}")
            continue
        rates = "; ".join(
            f"{band} {100 * rate:.1f}%" if rate is not None else f"{band} -"
            for band, rate, _ in r.band_churn_rates
        )
        lines.append(
            f"{name:<26} {r.held_out_renewals:>9,} {r.held_out_churns:>7,} "
            f"{_fmt(r.auc_configured):>7} {_fmt(r.auc_calibrated):>7} "
            f"{_fmt(r.auc_naive_usage):>6} {_fmt(r.auc_best_signal):>6} "
            f"{_fmt(r.auc_black_box):>6} {_fmt(r.auc_ceiling):>7}  {rates}"
        )
    lines.append(
        "(config. = the shipped scoring, calibr. = after `healthscore adopt`, naive = events in "
        "the 28 days before, best 1 = the best single signal in its better direction, b. box = "
        "a gradient-boosted model on every signal, a yardstick of what the data can tell)"
    )
    lines.append("")
    lines.append(
        f"Quality bar: calibrated >= max(naive, best single signal) + {MARGIN_OVER_BASELINES}, "
        f"within {MAX_GAP_TO_CEILING} of the ceiling, bands red > amber > green."
    )
    for r in results:
        if r.error:
            continue
        verdicts = ", ".join(
            f"{part} {'met' if ok else 'MISSED' if ok is not None else 'not judged'}"
            for part, ok in r.bar().items()
        )
        lines.append(
            f"  {r.archetype} seed {r.seed}: {verdicts} (best single signal: {r.best_signal})"
        )
    return lines


def run_validity(
    archetypes: list[str],
    seeds: list[int],
    *,
    accounts: int,
    months: dict[str, int],
    as_of: dt.date,
    workdir: Path,
    say: Callable[[str], None] = print,
) -> list[CompanyResult]:
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for archetype in archetypes:
        for seed in seeds:
            result = run_company(
                archetype,
                seed,
                accounts=accounts,
                months=months.get(archetype, DEFAULT_MONTHS.get(archetype, 24)),
                as_of=as_of,
                workdir=workdir,
                say=say,
            )
            results.append(result)
            say(f"  done in {result.seconds:.0f}s")
    for line in report_lines(results):
        say(line)
    (workdir / "validity.json").write_text(
        json.dumps([asdict(r) | {"bar": r.bar()} for r in results], indent=2, default=str)
    )
    say(f"Figures written to {workdir / 'validity.json'}")
    return results
