"""The gate on scoring changes: a change to the scoring seeds whose backtest is worse than the
configuration it replaces fails `make test` (tests/test_scoring_gate.py, so CI), with the figures;
an intended trade-off passes once it is recorded, visibly, in the change.

The record (tests/scoring_gate/accepted.yml, reviewed in the pull request that changes it) names
the accepted configuration by its fingerprint, with its figures, and lists the trade-offs
accepted so far. The configuration a change replaces is read from git: the latest commit whose
seeds have the accepted fingerprint (a shallow clone that lacks it fails in one sentence).

The rule (docs/scoring_changes.md, "The gate"), judged on the gate company (GATE_COMPANY) on the
renewals after the validation split (held out), each scored at its term class's longest lead
time, both configurations replayed over the same stored point-in-time signals (replay.py):

- **AUC**: a paired bootstrap of the renewals (the same resample scores both configurations)
  gives a 95% interval of the AUC difference, changed minus replaced; the change is worse when
  the whole interval is below 0 (its AUC is lower beyond the interval of the difference);
- **band order**: the change is worse when the replaced configuration's churn rates fell band
  by band (judged: enough renewals in every band) and the change's do not, or cannot be judged
  because a band became too small.

With fewer than GATE_MIN_CHURNS churned held-out renewals the AUC is not judged (said so).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import yaml

from orchestration.analysis.metrics import bootstrap_auc_interval, roc_auc
from orchestration.analysis.validation_checks import Verdict, judge_band_order
from orchestration.runtime.contract import PROJECT_ROOT

RECORD_FILE = PROJECT_ROOT / "tests" / "scoring_gate" / "accepted.yml"
SEEDS_DIR = PROJECT_ROOT / "seeds"
# The generated company the gate judges on: the test company's shape (tests/conftest.py) with
# more accounts, so the held-out renewals hold enough churns to separate a clearly worse
# configuration (the 150-account test company has 8). About 2.5 minutes to generate and build.
GATE_COMPANY = {
    "accounts": 400,
    "months": 15,
    "seed": 11,
    "end_date": dt.date(2026, 6, 28),
}
GATE_COMPANY_TEXT = (
    "generated enterprise_b2b company, 400 accounts, 15 months to 2026-06-28, seed 11 "
    "(scoring_gate.GATE_COMPANY)"
)
GATE_MIN_CHURNS = 10  # fewer churned held-out renewals: the AUC is not judged
GATE_MIN_BAND_RENEWALS = 10  # a band with fewer held-out renewals is too small to order
REPLICATES = 2000
BOOTSTRAP_SEED = 0
SCORING_SEED_FILES = (
    "health_bands.csv",
    "segment_weight_profiles.csv",
    "signal_scoring_curves.csv",
    "signal_scoring_rules.csv",
    "weight_profiles.csv",
)
RECORD_HEADER = """\
# The scoring configuration the gate on scoring changes compares every change with
# (docs/scoring_changes.md, "The gate"), reviewed in the pull request that changes it.
# `healthscore gate --accept` records a change that is not worse; a worse change is accepted
# only with `healthscore gate --accept-trade-off "why"`, which adds it to trade_offs.
"""


class GateError(ValueError):
    """The gate cannot run (no history, a bad record); the message says what to do."""


# ---- the record ------------------------------------------------------------------------------


@dataclass
class TradeOff:
    """A worse configuration accepted on purpose: what gets worse, why, and who decided."""

    fingerprint: str
    replaces: str
    worse: str
    why: str
    who: str
    recorded_on: str


@dataclass
class GateRecord:
    fingerprint: str
    figures: dict[str, object]
    trade_offs: list[TradeOff] = field(default_factory=list)

    def trade_off_for(self, fingerprint: str) -> TradeOff | None:
        return next((item for item in self.trade_offs if item.fingerprint == fingerprint), None)


def read_record(path: Path = RECORD_FILE) -> GateRecord:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise GateError(
            f"No gate record at {path}; record the current configuration with "
            "`healthscore gate --accept`."
        ) from None
    except yaml.YAMLError as error:
        raise GateError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not data.get("fingerprint"):
        raise GateError(f"{path} must name the accepted configuration's fingerprint.")
    trade_offs = []
    for item in data.get("trade_offs") or []:
        missing = [key for key in ("fingerprint", "worse", "why", "who") if not item.get(key)]
        if missing:
            raise GateError(f"{path}: a trade-off lacks {', '.join(missing)}.")
        trade_offs.append(
            TradeOff(
                str(item["fingerprint"]),
                str(item.get("replaces", "")),
                str(item["worse"]),
                str(item["why"]),
                str(item["who"]),
                str(item.get("recorded_on", "")),
            )
        )
    return GateRecord(str(data["fingerprint"]), dict(data.get("figures") or {}), trade_offs)


def write_record(record: GateRecord, path: Path = RECORD_FILE) -> Path:
    body = {
        "fingerprint": record.fingerprint,
        "figures": record.figures,
        "trade_offs": [vars(item) for item in record.trade_offs],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RECORD_HEADER + yaml.safe_dump(body, sort_keys=False, width=100))
    return path


# ---- the replaced configuration, from git ------------------------------------------------------


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo_root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise GateError(
            "The gate reads the replaced scoring configuration from git, which is not "
            "installed; install git and run from a clone."
        ) from None


def _min_coverage_at(commit: str, repo_root: Path) -> float | None:
    """healthscore_min_coverage as dbt_project.yml of `commit` sets it (None: unknown)."""
    shown = _git(repo_root, "show", f"{commit}:dbt_project.yml")
    if shown.returncode != 0:
        return None
    try:
        value = (yaml.safe_load(shown.stdout) or {}).get("vars", {}).get("healthscore_min_coverage")
    except yaml.YAMLError:
        return None
    return None if value is None else float(value)


def accepted_config(fingerprint: str, repo_root: Path = PROJECT_ROOT):  # -> ScoringConfig
    """The scoring configuration of the latest commit whose seeds (and healthscore_min_coverage)
    have `fingerprint`."""
    from orchestration.analysis.replay import ReplayInputError, ScoringConfig

    listed = _git(
        repo_root,
        "rev-list",
        "HEAD",
        "--",
        *[f"seeds/{name}" for name in SCORING_SEED_FILES],
        "dbt_project.yml",
    )
    if listed.returncode != 0:
        raise GateError(
            f"{repo_root} is not a git clone ({listed.stderr.strip().splitlines()[0]}); the gate "
            "reads the replaced scoring configuration from its history: run it in a clone."
        )
    for commit in listed.stdout.split():
        try:
            config = ScoringConfig.from_revision(
                commit, repo_root, min_coverage=_min_coverage_at(commit, repo_root)
            )
        except ReplayInputError:  # seeds of an older format: not the accepted configuration
            continue
        if config.fingerprint == fingerprint:
            return config
    shallow = _git(repo_root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    if shallow:
        raise GateError(
            f"The accepted scoring configuration {fingerprint} (tests/scoring_gate/accepted.yml) "
            "is not in this shallow clone's history: fetch it with `git fetch --unshallow` "
            "(in CI, check out with the full history)."
        )
    raise GateError(
        f"No commit's seeds have the accepted fingerprint {fingerprint}: "
        "tests/scoring_gate/accepted.yml names a configuration that was never committed; "
        "commit the seeds it was accepted with, or record the current ones with "
        "`healthscore gate --accept` after review."
    )


# ---- scoring the judged renewals ---------------------------------------------------------------

JUDGED_SQL = """
select renewal_id, account_id, term_class, lead_days, scoring_date, is_churned
from marts.renewal_backtest
where is_longest_lead
    and scoring_date is not null
    and renewal_date > (select max(split_date) from intermediate.int_validation_split)
order by renewal_date, renewal_id
"""


@dataclass
class JudgedRenewals:
    """The held-out renewals at their term class's longest lead, one row each."""

    renewal_ids: np.ndarray
    account_ids: np.ndarray
    term_classes: np.ndarray
    lead_days: np.ndarray
    scoring_dates: np.ndarray  # datetime64[D]
    churned: np.ndarray  # 0/1 floats


def judged_renewals(con: duckdb.DuckDBPyConnection) -> JudgedRenewals:
    try:
        rows = con.execute(JUDGED_SQL).fetchnumpy()
    except duckdb.Error as error:
        raise GateError(
            f"The warehouse lacks the backtest ({str(error).splitlines()[0]}); build it with "
            "`healthscore run` first."
        ) from None
    return JudgedRenewals(
        np.asarray(rows["renewal_id"]).astype(str),
        np.asarray(rows["account_id"]).astype(str),
        np.asarray(rows["term_class"]).astype(str),
        np.asarray(rows["lead_days"]).astype(int),
        np.asarray(rows["scoring_date"]).astype("datetime64[D]"),
        np.asarray(rows["is_churned"]).astype(float),
    )


def score_accounts(
    con: duckdb.DuckDBPyConnection,
    configs: Sequence[object],
    account_ids: np.ndarray,
    dates: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per configuration: (health score, nan = null; band name, None = none; band rank,
    0 = none) of each (account, date), replayed from the stored signals of those dates."""
    from orchestration.analysis.replay import score_dates

    wanted = np.char.add(np.char.add(account_ids.astype(str), "|"), dates.astype(str))
    index = {key: position for position, key in enumerate(wanted.tolist())}
    out = [
        (
            np.full(len(wanted), np.nan),
            np.full(len(wanted), None, dtype=object),
            np.zeros(len(wanted), dtype=int),
        )
        for _ in configs
    ]
    days = sorted({value.astype(dt.date) for value in np.unique(dates)})
    for results in score_dates(con, list(configs), days):
        for (scores, names, ranks), result in zip(out, results, strict=True):
            keys = np.char.add(
                np.char.add(np.asarray(result["account_id"]).astype(str), "|"),
                np.asarray(result["as_of_date"]).astype("datetime64[D]").astype(str),
            )
            for row, key in enumerate(keys.tolist()):
                position = index.get(key)
                if position is not None:
                    scores[position] = result["health_score"][row]
                    names[position] = result["health_band"][row]
                    ranks[position] = result["band_rank"][row]
    return out


# ---- the rule ----------------------------------------------------------------------------------


def paired_auc_difference(
    churned: np.ndarray,
    risk_replaced: np.ndarray,
    risk_changed: np.ndarray,
    *,
    replicates: int = REPLICATES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, tuple[float, float]] | None:
    """AUC(changed) - AUC(replaced) on the same rows, with the 95% percentile interval of the
    difference over bootstrap resamples of the rows (each resample scores both: paired).
    None when only one outcome occurs."""
    churned = np.asarray(churned, dtype=float)
    base = roc_auc(churned, risk_replaced)
    other = roc_auc(churned, risk_changed)
    if base is None or other is None:
        return None
    rng = np.random.default_rng(seed)
    differences = []
    for _ in range(replicates):
        sample = rng.integers(0, len(churned), len(churned))
        a = roc_auc(churned[sample], risk_replaced[sample])
        b = roc_auc(churned[sample], risk_changed[sample])
        if a is not None and b is not None:
            differences.append(b - a)
    low, high = np.percentile(differences, [2.5, 97.5])
    return other - base, (float(low), float(high))


@dataclass
class Side:
    """One configuration's figures on the judged renewals."""

    name: str
    fingerprint: str
    scored: int
    churns: int
    auc: float | None
    auc_interval: tuple[float, float] | None
    bands: list[tuple[str, int, int, float | None]]  # band, rank, renewals, churn rate
    band_verdict: Verdict
    by_term_class: list[tuple[str, int, int, int, float | None]]  # class, lead, n, churns, AUC

    def band_text(self) -> str:
        return ", ".join(
            f"{name} {'-' if rate is None else f'{100 * rate:.1f}%'} of {renewals:,}"
            for name, _, renewals, rate in self.bands
        )

    def order_text(self) -> str:
        if not self.band_verdict.judged:
            return "too few to judge"
        return "ordered" if self.band_verdict.passed else "NOT ordered"

    def figures(self) -> dict[str, object]:
        """What the record keeps of the accepted configuration."""
        return {
            "judged_on": GATE_COMPANY_TEXT,
            "held_out_renewals": self.scored,
            "held_out_churns": self.churns,
            "auc": None if self.auc is None else round(self.auc, 3),
            "auc_interval": None
            if self.auc_interval is None
            else [round(value, 3) for value in self.auc_interval],
            "band_churn_rates": self.band_text(),
            "bands": self.order_text(),
            "by_term_class": [
                f"{term_class} {lead} days: AUC {_three(auc)} on {n:,} renewals ({churns} churned)"
                for term_class, lead, n, churns, auc in self.by_term_class
            ],
        }


def _three(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _side(
    config: object,
    renewals: JudgedRenewals,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Side:
    """A configuration's figures on the judged renewals it scores."""
    scores, _, ranks = scored
    both = ~np.isnan(scores)
    y, risk = renewals.churned[both], 100.0 - scores[both]
    bands = []
    for band in config.bands:  # type: ignore[attr-defined]
        inside = both & (ranks == band.rank)
        count = int(inside.sum())
        bands.append(
            (band.name, band.rank, count, float(renewals.churned[inside].mean()) if count else None)
        )
    verdict = judge_band_order(
        bands,
        lead_days=int(renewals.lead_days.max(initial=0)),
        min_churns=GATE_MIN_CHURNS,
        min_band_renewals=GATE_MIN_BAND_RENEWALS,
    )
    by_class = []
    for term_class in sorted(set(renewals.term_classes.tolist())):
        mine = both & (renewals.term_classes == term_class)
        lead = int(renewals.lead_days[mine].max(initial=0))
        by_class.append(
            (
                term_class,
                lead,
                int(mine.sum()),
                int(renewals.churned[mine].sum()),
                roc_auc(renewals.churned[mine], 100.0 - scores[mine]),
            )
        )
    return Side(
        getattr(config, "name", "?"),
        getattr(config, "fingerprint", "?"),
        int(both.sum()),
        int(y.sum()),
        roc_auc(y, risk),
        bootstrap_auc_interval(y, risk, replicates=REPLICATES, seed=BOOTSTRAP_SEED)
        if len(y)
        else None,
        bands,
        verdict,
        by_class,
    )


@dataclass
class Judgement:
    """A changed configuration judged against the one it replaces (the gate's rule)."""

    replaced: Side
    changed: Side
    difference: float | None
    interval: tuple[float, float] | None
    auc_judged: bool
    auc_worse: bool
    bands_worse: bool
    changed_scored_fewer: int  # judged renewals the replaced config scores and the changed not

    @property
    def worse(self) -> bool:
        return self.auc_worse or self.bands_worse

    def what_is_worse(self) -> str:
        parts = []
        if self.auc_worse:
            parts.append(
                f"held-out AUC {_three(self.changed.auc)} against {_three(self.replaced.auc)} "
                f"(difference {self.difference:+.3f}, 95% interval {self.interval[0]:+.3f} to "
                f"{self.interval[1]:+.3f})"
            )
        if self.bands_worse:
            parts.append(
                f"band churn rates {self.changed.order_text()} ({self.changed.band_text()}) "
                f"where they were ordered ({self.replaced.band_text()})"
            )
        return "; ".join(parts) or "nothing"

    def verdict(self) -> str:
        """One sentence: worse or not, by the gate's rule."""
        if self.worse:
            return f"Worse than the configuration it replaces: {self.what_is_worse()}."
        if not self.auc_judged:
            return (
                f"Not judged worse, but the AUC could not be judged: {self.replaced.churns} "
                f"churned held-out renewals, {GATE_MIN_CHURNS} are needed."
            )
        assert self.interval is not None and self.difference is not None
        if self.interval[0] > 0:
            return (
                f"Better: held-out AUC {self.difference:+.3f} (95% interval "
                f"{self.interval[0]:+.3f} to {self.interval[1]:+.3f}), bands "
                f"{self.changed.order_text()}."
            )
        return (
            f"Not worse: held-out AUC {self.difference:+.3f} (95% interval "
            f"{self.interval[0]:+.3f} to {self.interval[1]:+.3f}, which includes 0), bands "
            f"{self.changed.order_text()}."
        )

    def lines(self) -> list[str]:
        out = [
            f"Held-out renewals at each term class's longest lead: {self.replaced.scored:,} "
            f"scored ({self.replaced.churns:,} churned) by the replaced configuration, "
            f"{self.changed.scored:,} ({self.changed.churns:,}) by the changed one; the AUC "
            "difference is taken on the renewals both score.",
        ]
        for label, side in (("replaced", self.replaced), ("changed ", self.changed)):
            interval = side.auc_interval or (None, None)
            classes = "; ".join(
                f"{term_class} {lead}d {_three(auc)}"
                for term_class, lead, _, _, auc in side.by_term_class
            )
            out.append(
                f"  {label} {side.fingerprint}: AUC {_three(side.auc)} "
                f"[{_three(interval[0])}, {_three(interval[1])}] ({classes}); bands "
                f"{side.order_text()} ({side.band_text()})"
            )
        if self.difference is not None and self.interval is not None:
            out.append(
                f"  AUC difference (changed - replaced) {self.difference:+.3f}, paired bootstrap "
                f"95% interval {self.interval[0]:+.3f} to {self.interval[1]:+.3f}"
            )
        if self.changed_scored_fewer:
            out.append(
                f"  {self.changed_scored_fewer:,} judged renewals the replaced configuration "
                "scores get no score under the changed one"
            )
        out.append(f"  {self.verdict()}")
        return out


def judge(con: duckdb.DuckDBPyConnection, replaced: object, changed: object) -> Judgement:
    """The gate's rule: `changed` against `replaced` on the warehouse's held-out renewals
    (replaying only the scoring dates of those renewals)."""
    renewals = judged_renewals(con)
    old, new = score_accounts(
        con, [replaced, changed], renewals.account_ids, renewals.scoring_dates
    )
    return judge_scores(renewals, replaced, changed, old, new)


def judge_replay(result: object, replaced: object, changed: object) -> Judgement:
    """The gate's rule on a replay that scored both configurations (replay.replay: its
    backtest rows held out at their term class's longest lead)."""
    backtest = result.backtest  # type: ignore[attr-defined]
    rows = np.asarray(backtest["is_longest_lead"], dtype=bool) & np.asarray(
        backtest["is_held_out"], dtype=bool
    )
    renewals = JudgedRenewals(
        np.asarray(backtest["renewal_id"]).astype(str)[rows],
        np.asarray(backtest["account_id"]).astype(str)[rows],
        np.asarray(backtest["term_class"]).astype(str)[rows],
        np.asarray(backtest["lead_days"]).astype(int)[rows],
        np.asarray(backtest["scoring_date"]).astype("datetime64[D]")[rows],
        np.asarray(backtest["is_churned"]).astype(float)[rows],
    )
    found = {item.fingerprint: item for item in [result.current, *result.configs]}  # type: ignore[attr-defined]

    def scores(config: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        own = found[config.fingerprint].backtest_scores  # type: ignore[attr-defined]
        return (
            np.asarray(own["health_score"], dtype=float)[rows],
            np.asarray(own["health_band"], dtype=object)[rows],
            np.asarray(own["band_rank"], dtype=int)[rows],
        )

    return judge_scores(renewals, replaced, changed, scores(replaced), scores(changed))


def judge_scores(
    renewals: JudgedRenewals,
    replaced: object,
    changed: object,
    old: tuple[np.ndarray, np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Judgement:
    """The gate's rule on both configurations' scores of the judged renewals."""
    both = ~np.isnan(old[0]) & ~np.isnan(new[0])
    fewer = int((~np.isnan(old[0]) & np.isnan(new[0])).sum())
    before = _side(replaced, renewals, old)
    after = _side(changed, renewals, new)
    y = renewals.churned[both]
    paired = (
        paired_auc_difference(y, 100.0 - old[0][both], 100.0 - new[0][both])
        if y.sum() >= GATE_MIN_CHURNS
        else None
    )
    difference, interval = paired if paired is not None else (None, None)
    auc_worse = interval is not None and interval[1] < 0
    was_ordered = before.band_verdict.judged and before.band_verdict.passed
    bands_worse = was_ordered and not after.band_verdict.passed
    return Judgement(
        before, after, difference, interval, paired is not None, auc_worse, bands_worse, fewer
    )


# ---- the gate ----------------------------------------------------------------------------------


@dataclass
class GateOutcome:
    passed: bool
    lines: list[str]
    fingerprint: str
    judgement: Judgement | None = None
    trade_off: TradeOff | None = None


def current_config(seeds_dir: Path = SEEDS_DIR):  # -> ScoringConfig
    from orchestration.analysis.replay import ScoringConfig

    return ScoringConfig.from_folder(seeds_dir, name=f"seeds in {seeds_dir}")


def run_gate(
    database: Path | Callable[[], Path],
    *,
    seeds_dir: Path = SEEDS_DIR,
    record_path: Path = RECORD_FILE,
    repo_root: Path = PROJECT_ROOT,
    say: Callable[[str], None] = lambda _: None,
) -> GateOutcome:
    """Judge the scoring configuration in `seeds_dir` against the accepted one (the record).
    `database`: the gate company's warehouse, or a function that builds it, called only when
    the configuration changed (an unchanged one costs nothing)."""
    record = read_record(record_path)
    current = current_config(seeds_dir)
    recorded = record.trade_off_for(current.fingerprint)
    if current.fingerprint == record.fingerprint:
        line = f"Scoring configuration {current.fingerprint} is the accepted one ({record_path})."
        if recorded is not None:
            line += f" It was accepted as a trade-off: {_trade_off_text(recorded)}"
        return GateOutcome(True, [line], current.fingerprint, trade_off=recorded)
    replaced = accepted_config(record.fingerprint, repo_root)
    say(
        f"Scoring configuration {current.fingerprint} changed from the accepted "
        f"{record.fingerprint}: judging it on the gate company ..."
    )
    path = database() if callable(database) else database
    con = duckdb.connect(str(path), read_only=True)
    try:
        judgement = judge(con, replaced, current)
    finally:
        con.close()
    lines = [
        f"Scoring configuration {current.fingerprint} ({seeds_dir}) against the accepted "
        f"{record.fingerprint} it replaces ({replaced.name}):",
        *judgement.lines(),
    ]
    if not judgement.worse:
        lines.append(
            "Gate passed. Record the change in the same pull request: healthscore gate --accept"
        )
        return GateOutcome(True, lines, current.fingerprint, judgement)
    if recorded is not None:
        lines.append(f"Gate passed: accepted as a trade-off: {_trade_off_text(recorded)}")
        return GateOutcome(True, lines, current.fingerprint, judgement, recorded)
    shown = (
        record_path.relative_to(repo_root) if record_path.is_relative_to(repo_root) else record_path
    )
    lines.append(
        "Gate FAILED: the change is worse than the configuration it replaces. Fix it, or accept "
        f'the trade-off on purpose: healthscore gate --accept-trade-off "why" (recorded in '
        f"{shown}, reviewed with the change)."
    )
    return GateOutcome(False, lines, current.fingerprint, judgement)


def _trade_off_text(item: TradeOff) -> str:
    return f"{item.worse}; why: {item.why} ({item.who}, {item.recorded_on or 'undated'})."


def accept(
    outcome: GateOutcome,
    *,
    record_path: Path = RECORD_FILE,
    trade_off: str | None = None,
    who: str | None = None,
) -> list[str]:
    """Record the configuration the gate judged as the accepted one (its figures, and the
    trade-off when it is worse: refused without `trade_off`). Returns what was done."""
    record = read_record(record_path)
    judgement = outcome.judgement
    if judgement is None:
        return [f"Nothing to record: {outcome.fingerprint} is already the accepted configuration."]
    if judgement.worse and not trade_off:
        raise GateError(
            "The change is worse than the configuration it replaces; accept it only as a "
            'trade-off: healthscore gate --accept-trade-off "why".'
        )
    done = []
    if judgement.worse:
        item = TradeOff(
            outcome.fingerprint,
            record.fingerprint,
            judgement.what_is_worse(),
            str(trade_off),
            who or _git_user(),
            dt.date.today().isoformat(),
        )
        record.trade_offs = [t for t in record.trade_offs if t.fingerprint != item.fingerprint]
        record.trade_offs.append(item)
        done.append(f"Trade-off recorded: {_trade_off_text(item)}")
    elif trade_off:
        done.append("The change is not worse: no trade-off needed, none recorded.")
    record.fingerprint = outcome.fingerprint
    record.figures = judgement.changed.figures()
    write_record(record, record_path)
    done.append(
        f"{record_path} now names {outcome.fingerprint} as the accepted configuration; commit it "
        "with the seeds."
    )
    return done


def _git_user() -> str:
    found = _git(PROJECT_ROOT, "config", "user.name").stdout.strip()
    if not found:
        raise GateError("Say who accepts the trade-off: --by NAME (git has no user.name).")
    return found


def figures_of(database: Path, seeds_dir: Path = SEEDS_DIR) -> dict[str, object]:
    """The figures of the configuration in `seeds_dir` on the gate company (for the record)."""
    config = current_config(seeds_dir)
    con = duckdb.connect(str(database), read_only=True)
    try:
        return judge(con, config, config).changed.figures()
    finally:
        con.close()
