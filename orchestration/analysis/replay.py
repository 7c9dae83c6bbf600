"""Replay any scoring configuration over the stored point-in-time signals, and judge it beside
the current one on the past renewals.

A scoring configuration is the five scoring seeds (health_bands, segment_weight_profiles,
signal_scoring_curves, signal_scoring_rules, weight_profiles) and the variable
healthscore_min_coverage: `ScoringConfig.from_folder(path)` reads them from a folder (a file
the folder lacks is the current one from seeds/, and the config says so),
`ScoringConfig.from_revision(rev, repo_root)` from a git revision of seeds/.

`score_signals(frame, config)` is the SQL scoring in numpy, exact to 1e-6: the long table of
raw signal values (int_account_signals_scored: raw_value, has_data per account, date and
signal; segment and is_customer from int_account_scoring_dates) becomes, per account and date,
the health score, band, coverage, status and null reason that int_account_signals_scored ->
int_signal_contributions -> int_account_health_scored compute:

- a signal's rule: the rule of the account's segment, else the 'default' rule, else the rules
  of the signal's family (segment, then default), column by column as the SQL coalesces them;
- a learned curve (signal_scoring_curves) of the account's weight profile replaces the rule:
  straight lines between knots, flat beyond the ends; curve linear or log: score_between;
  curve percentile: the mid-rank among the accounts of the same date, weight profile and
  customer status with data for the signal;
- weights of the account's weight profile (a signal the profile does not list weighs 0),
  renormalised over the signals with data; coverage below min_coverage, no weight, or no
  contract in force give a null score with its reason; clamp to 0-100, round to 6 decimals;
  bands [min_score, max_score), the band ending at 100 holding 100.

Under another configuration an account's weight profile comes from that configuration's
segment_weight_profiles (percentile ranks follow it). Each scoring date is scored from the
values stored for that date only: nothing later leaks in.

`replay(con, configs)` scores the current configuration and each given one on the scoring
dates of the renewal backtest (marts.renewal_backtest: the date before each decided renewal at
each lead time) and on the run's as-of date, and returns a `ReplayResult`: per configuration
and lead time the AUC with its bootstrap 95% interval (all renewals and the held-out ones, after
int_validation_split), the lift of the lowest-scored fifth, the churn rate per band and whether
the bands are ordered; and how many accounts would change band today. It reads a few dates at a
time, so memory stays small on a large warehouse.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.analysis.metrics import band_churn_rates, bootstrap_auc_interval, roc_auc
from orchestration.analysis.reads import after_error, arrow_table
from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.warehouse import Location, Warehouse

try:  # the fingerprint the dbt macro scoring_config_fingerprint() also computes
    from orchestration.runtime.scoring_config import fingerprint as _folder_fingerprint
except ImportError:  # pragma: no cover - until orchestration/runtime/scoring_config.py exists
    _folder_fingerprint = None

SEEDS_DIR = PROJECT_ROOT / "seeds"
# The scoring seeds and the columns the scoring reads from each.
SCORING_FILES: dict[str, tuple[str, ...]] = {
    "health_bands.csv": ("health_band", "min_score", "max_score", "band_action", "band_rank"),
    "segment_weight_profiles.csv": ("segment", "weight_profile"),
    "signal_scoring_curves.csv": ("weight_profile", "signal", "raw_value", "score"),
    "signal_scoring_rules.csv": ("signal", "segment", "worst_value", "best_value", "curve"),
    "weight_profiles.csv": ("weight_profile", "signal", "weight"),
}
CURVES = ("linear", "log", "percentile")
NOT_SCORED = "not scored"
DATES_PER_READ = 4  # scoring dates read and scored at a time: memory stays flat
BOOTSTRAP_REPLICATES = 200
LIFT_SHARE = 0.2  # lift: churn rate of the lowest-scored fifth over the overall rate
CUSTOMER_NULL_REASON = "no contract term in force (or within the renewal grace window) on this date"


class ReplayInputError(ValueError):
    """A configuration or warehouse the replay cannot use; the message says what to fix."""


# ---- configurations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    name: str
    min_score: float
    max_score: float
    rank: int


@dataclass(frozen=True, eq=False)
class ScoringConfig:
    """The five scoring seeds (file name -> CSV text) and healthscore_min_coverage.

    `name` says where it came from; `defaulted` lists the files taken from the current seeds
    because the source lacked them. Parsing checks every file's columns and values, and that
    every weight profile segment_weight_profiles names exists in weight_profiles: a problem
    raises ReplayInputError with one sentence."""

    name: str
    files: Mapping[str, str]
    min_coverage: float
    defaulted: tuple[str, ...] = ()

    # -- constructors --

    @classmethod
    def from_folder(
        cls,
        path: Path | str,
        *,
        min_coverage: float | None = None,
        seeds_dir: Path = SEEDS_DIR,
        name: str | None = None,
    ) -> ScoringConfig:
        """The scoring seeds in `path`; a file it lacks is the current one from `seeds_dir`.
        min_coverage defaults to dbt_project.yml's healthscore_min_coverage."""
        folder = Path(path)
        if not folder.is_dir():
            raise ReplayInputError(
                f"No folder at {folder}; pass a folder holding scoring seeds "
                f"({', '.join(SCORING_FILES)})."
            )
        files, defaulted = {}, []
        for file_name in SCORING_FILES:
            source = folder / file_name
            if not source.exists():
                source = seeds_dir / file_name
                defaulted.append(file_name)
            files[file_name] = source.read_bytes().decode("utf-8")
        if len(defaulted) == len(SCORING_FILES) and folder.resolve() != seeds_dir.resolve():
            raise ReplayInputError(
                f"{folder} holds none of the scoring seeds ({', '.join(SCORING_FILES)})."
            )
        return cls._checked(name or str(folder), files, min_coverage, defaulted)

    @classmethod
    def from_revision(
        cls, rev: str, repo_root: Path = PROJECT_ROOT, *, min_coverage: float | None = None
    ) -> ScoringConfig:
        """The scoring seeds as git revision `rev` holds them (`git show REV:seeds/NAME`); a
        file the revision lacks is the current one from seeds/."""
        try:
            found = subprocess.run(
                [
                    "git",
                    "-C",
                    str(repo_root),
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    f"{rev}^{{commit}}",
                ],
                capture_output=True,
                text=True,
            )
        except FileNotFoundError:
            raise ReplayInputError(
                "git is not installed; pass --config with a folder of scoring seeds instead."
            ) from None
        if found.returncode != 0:
            raise ReplayInputError(
                f"No git revision {rev!r} in {repo_root}; pass a commit, branch or tag that "
                "`git log` lists (a shallow clone may need `git fetch --unshallow`)."
            )
        commit = found.stdout.strip()
        files, defaulted = {}, []
        for file_name in SCORING_FILES:
            shown = subprocess.run(
                ["git", "-C", str(repo_root), "show", f"{commit}:seeds/{file_name}"],
                capture_output=True,
            )
            if shown.returncode == 0:
                files[file_name] = shown.stdout.decode("utf-8")
            else:
                files[file_name] = (SEEDS_DIR / file_name).read_bytes().decode("utf-8")
                defaulted.append(file_name)
        return cls._checked(f"revision {rev} ({commit[:10]})", files, min_coverage, defaulted)

    @classmethod
    def _checked(
        cls, name: str, files: dict[str, str], min_coverage: float | None, defaulted: list[str]
    ) -> ScoringConfig:
        config = cls(
            name,
            files,
            _default_min_coverage() if min_coverage is None else float(min_coverage),
            tuple(defaulted),
        )
        config.check()
        return config

    @classmethod
    def current(cls, min_coverage: float | None = None) -> ScoringConfig:
        """The configuration in seeds/ (what the next build scores with)."""
        return cls.from_folder(SEEDS_DIR, min_coverage=min_coverage, name="current (seeds/)")

    # -- identity --

    @cached_property
    def fingerprint(self) -> str:
        """12 hex characters naming the configuration: the fingerprint the dbt macro
        scoring_config_fingerprint() writes on every scored row, for the same files."""
        if _folder_fingerprint is not None:
            with tempfile.TemporaryDirectory() as temporary:
                folder = Path(temporary)
                for file_name, text in self.files.items():
                    (folder / file_name).write_bytes(text.encode("utf-8"))
                return _folder_fingerprint(folder, self.min_coverage)
        digest = hashlib.sha256()
        for file_name in sorted(self.files):
            digest.update(file_name.encode() + b"\0" + self.files[file_name].encode() + b"\0")
        digest.update(repr(float(self.min_coverage)).encode())
        return digest.hexdigest()[:12]

    def same_scoring(self, other: ScoringConfig) -> bool:
        return dict(self.files) == dict(other.files) and self.min_coverage == other.min_coverage

    def describe(self) -> str:
        text = f"{self.name} [{self.fingerprint}]"
        if self.defaulted:
            text += f" (from the current seeds: {', '.join(self.defaulted)})"
        return text

    # -- parsed seeds --

    def _rows(self, file_name: str) -> list[dict[str, str]]:
        reader = csv.DictReader(io.StringIO(self.files[file_name]))
        header = [column.strip() for column in reader.fieldnames or []]
        missing = [column for column in SCORING_FILES[file_name] if column not in header]
        if missing:
            raise ReplayInputError(
                f"{file_name} of {self.name} lacks the column(s) {', '.join(missing)}; it needs "
                f"{', '.join(SCORING_FILES[file_name])}."
            )
        return [
            {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
            for row in reader
        ]

    def _number(self, file_name: str, row: dict[str, str], column: str) -> float:
        text = row[column]
        try:
            return float(text) if text != "" else np.nan
        except ValueError:
            raise ReplayInputError(
                f"{file_name} of {self.name}: {column} {text!r} is not a number."
            ) from None

    @cached_property
    def bands(self) -> list[Band]:
        rows = self._rows("health_bands.csv")
        bands = [
            Band(
                row["health_band"],
                self._number("health_bands.csv", row, "min_score"),
                self._number("health_bands.csv", row, "max_score"),
                int(self._number("health_bands.csv", row, "band_rank")),
            )
            for row in rows
        ]
        if not bands:
            raise ReplayInputError(f"health_bands.csv of {self.name} has no band.")
        return sorted(bands, key=lambda item: item.rank)

    @cached_property
    def profile_of_segment(self) -> dict[str, str]:
        rows = self._rows("segment_weight_profiles.csv")
        return {row["segment"]: row["weight_profile"] for row in rows}

    @cached_property
    def weights(self) -> dict[tuple[str, str], float]:
        """(weight_profile, signal) -> weight."""
        out: dict[tuple[str, str], float] = {}
        for row in self._rows("weight_profiles.csv"):
            key = (row["weight_profile"], row["signal"])
            if key in out:
                raise ReplayInputError(
                    f"weight_profiles.csv of {self.name} lists {key[1]} twice in profile {key[0]}."
                )
            out[key] = self._number("weight_profiles.csv", row, "weight")
        return out

    @cached_property
    def rules(self) -> dict[tuple[str, str], tuple[float, float, str | None]]:
        """(signal, segment) -> (worst_value, best_value, curve)."""
        out: dict[tuple[str, str], tuple[float, float, str | None]] = {}
        for row in self._rows("signal_scoring_rules.csv"):
            key = (row["signal"], row["segment"])
            if key in out:
                raise ReplayInputError(
                    f"signal_scoring_rules.csv of {self.name} has two rules for {key[0]} in "
                    f"segment {key[1]}."
                )
            curve = row["curve"] or None
            if curve is not None and curve not in CURVES:
                raise ReplayInputError(
                    f"signal_scoring_rules.csv of {self.name}: curve {curve!r} of {key[0]} is "
                    f"not one of {', '.join(CURVES)}."
                )
            out[key] = (
                self._number("signal_scoring_rules.csv", row, "worst_value"),
                self._number("signal_scoring_rules.csv", row, "best_value"),
                curve,
            )
        return out

    @cached_property
    def curves(self) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """(weight_profile, signal) -> knots (raw values ascending, scores)."""
        knots: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for row in self._rows("signal_scoring_curves.csv"):
            knots.setdefault((row["weight_profile"], row["signal"]), []).append(
                (
                    self._number("signal_scoring_curves.csv", row, "raw_value"),
                    self._number("signal_scoring_curves.csv", row, "score"),
                )
            )
        out = {}
        for key, points in knots.items():
            points.sort(key=lambda point: point[0])
            out[key] = (np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        return out

    def check(self) -> None:
        """Parse every file; a segment mapped to a weight profile that weight_profiles.csv
        does not define is an error (every account of that segment would score null)."""
        profiles = {profile for profile, _ in self.weights}
        _ = self.bands, self.rules, self.curves
        unknown = sorted(set(self.profile_of_segment.values()) - profiles)
        if unknown:
            raise ReplayInputError(
                f"segment_weight_profiles.csv of {self.name} names the weight profile(s) "
                f"{', '.join(unknown)}, which weight_profiles.csv does not define."
            )


def _default_min_coverage() -> float:
    from orchestration.analysis.validation import project_vars

    return float(project_vars()["healthscore_min_coverage"])  # type: ignore[arg-type]


def warehouse_min_coverage(database: Location) -> float:
    """healthscore_min_coverage as the warehouse's last build used it."""
    from orchestration.analysis.validation import _min_coverage

    return _min_coverage(database)


# ---- the scorer ------------------------------------------------------------------------------

# The columns score_signals reads: one row per account, date and signal (signal None for an
# account without any signal row, which scores 'no_weights' as in the SQL).
SIGNAL_FRAME_COLUMNS = (
    "account_id",  # str
    "as_of_date",  # datetime64
    "segment",  # str
    "is_customer",  # bool
    "signal",  # str or None
    "signal_family",  # str or None
    "raw_value",  # float, nan when null
    "has_data",  # bool
)


def _round(values: np.ndarray, digits: int = 6) -> np.ndarray:
    """DuckDB's round(double, digits): half away from zero."""
    scale = 10.0**digits
    with np.errstate(invalid="ignore"):
        return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


def _frame_codes(frame: Mapping[str, np.ndarray], column: str) -> tuple[np.ndarray, np.ndarray]:
    """_codes of a frame's column: the encoding read_signals made (key "_codes"), if any."""
    made = frame.get("_codes")
    if isinstance(made, dict) and column in made:
        return made[column]
    return _codes(frame[column])


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, each row's index into them), None as ''; pyarrow's hash encoding,
    several times faster than sorting strings."""
    if isinstance(values, np.ma.MaskedArray):
        values = values.astype(object).filled(None)
    strings = pc.fill_null(pa.array(values, type=pa.string(), from_pandas=True), "")
    encoded = strings.dictionary_encode()
    names = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    return names, encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _is_null(values: np.ndarray) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.getmaskarray(values)
    if values.dtype == object:
        return np.array([value is None for value in values], dtype=bool)
    if values.dtype.kind == "f":
        return np.isnan(values)
    return np.zeros(len(values), dtype=bool)


def _filled(values: np.ndarray, fill: object) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        return values.filled(fill)
    return np.asarray(values)


def signal_scores(frame: Mapping[str, np.ndarray], config: ScoringConfig) -> dict[str, np.ndarray]:
    """Per input row: weight_profile, curve, worst_value, best_value, signal_score (nan = null)
    and weight, as int_account_signals_scored and int_signal_contributions compute them."""
    n = len(frame["account_id"])
    segments, segment_of = _frame_codes(frame, "segment")
    signals, signal_of = _frame_codes(frame, "signal")
    families, family_of = _frame_codes(frame, "signal_family")
    raw = _filled(frame["raw_value"], np.nan).astype(float)
    has_data = _filled(frame["has_data"], False).astype(bool)
    is_customer = _filled(frame["is_customer"], False).astype(bool)
    dates, date_of = np.unique(np.asarray(frame["as_of_date"]), return_inverse=True)

    profile_names = sorted({config.profile_of_segment.get(s, "default") for s in segments})
    profile_index = {name: index for index, name in enumerate(profile_names)}
    profile_of_segment = np.array(
        [profile_index[config.profile_of_segment.get(s, "default")] for s in segments], dtype=int
    )
    profile_of = profile_of_segment[segment_of]

    # Rules, curves and weights per distinct (signal, family, segment): a few hundred lookups.
    combo = (signal_of.astype(np.int64) * len(families) + family_of) * len(segments) + segment_of
    combos, combo_of = np.unique(combo, return_inverse=True)
    worst = np.full(len(combos), np.nan)
    best = np.full(len(combos), np.nan)
    curve = np.empty(len(combos), dtype=object)
    learned_key = np.empty(len(combos), dtype=object)
    weight = np.zeros(len(combos))
    for index, value in enumerate(combos):
        segment_code = int(value % len(segments))
        family_code = int((value // len(segments)) % len(families))
        signal = signals[int(value // len(segments) // len(families))]
        segment, family = segments[segment_code], families[family_code]
        profile = profile_names[profile_of_segment[segment_code]]
        found = [
            config.rules.get((signal, segment)),
            config.rules.get((signal, "default")),
            config.rules.get((family, segment)),
            config.rules.get((family, "default")),
        ]
        # coalesce column by column, as the SQL does
        worst[index] = next((r[0] for r in found if r is not None and not np.isnan(r[0])), np.nan)
        best[index] = next((r[1] for r in found if r is not None and not np.isnan(r[1])), np.nan)
        curve[index] = next((r[2] for r in found if r is not None and r[2] is not None), None)
        if (profile, signal) in config.curves:
            xs, ys = config.curves[(profile, signal)]
            learned_key[index] = (profile, signal)
            curve[index] = "learned"
            lowest = np.lexsort((xs, ys))[0]
            highest = np.lexsort((xs, -ys))[0]
            worst[index], best[index] = xs[lowest], xs[highest]
        weight[index] = config.weights.get((profile, signal), 0.0) if signal else 0.0
        if np.isnan(weight[index]):
            weight[index] = 0.0

    row_worst, row_best, row_curve = worst[combo_of], best[combo_of], curve[combo_of]
    score = np.full(n, np.nan)

    # learned curves: only rows with data
    for index in np.flatnonzero(curve == "learned"):
        rows = (combo_of == index) & has_data
        xs, ys = config.curves[learned_key[index]]
        score[rows] = np.interp(raw[rows], xs, ys)

    # linear and log: score_between (any row with a raw value, as the SQL computes it)
    between = (row_curve != "learned") & (row_curve != "percentile")
    with np.errstate(invalid="ignore", divide="ignore"):
        is_log = between & (row_curve == "log")
        linear = 100.0 * (raw - row_worst) / (row_best - row_worst)
        log_worst = np.log(1.0 + np.maximum(row_worst, 0.0))
        logged = (
            100.0
            * (np.log(1.0 + np.maximum(raw, 0.0)) - log_worst)
            / (np.log(1.0 + np.maximum(row_best, 0.0)) - log_worst)
        )
        value = np.clip(np.where(is_log, logged, linear), 0.0, 100.0)
        defined = between & ~np.isnan(raw) & (row_best != row_worst)
    score[defined] = value[defined]

    # percentile: mid-rank within (date, signal, weight profile, is_customer), rows with data
    ranked = (row_curve == "percentile") & has_data
    if ranked.any():
        rows = np.flatnonzero(ranked)
        group = (
            (date_of[rows].astype(np.int64) * len(signals) + signal_of[rows]) * len(profile_names)
            + profile_of[rows]
        ) * 2 + is_customer[rows]
        mid = _mid_ranks(group, raw[rows])
        higher_is_better = row_best[rows] >= row_worst[rows]
        score[rows] = np.where(higher_is_better, 100.0 * mid, 100.0 * (1.0 - mid))

    return {
        "weight_profile": np.array(profile_names, dtype=object)[profile_of],
        "curve": row_curve,
        "worst_value": row_worst,
        "best_value": row_best,
        "signal_score": _round(score),
        "weight": np.where(signal_of >= 0, weight[combo_of], 0.0),
        "has_data": has_data,
        "_dates": dates,
        "_date_of": date_of,
    }


def _mid_ranks(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(percent_rank + cume_dist) / 2 of each value within its group, ordered by value."""
    n = len(values)
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    positions = np.arange(n)
    group_starts = np.r_[True, g[1:] != g[:-1]]
    group_ends = np.r_[g[1:] != g[:-1], True]
    value_starts = group_starts | np.r_[True, v[1:] != v[:-1]]
    value_ends = group_ends | np.r_[v[1:] != v[:-1], True]
    group_first = np.maximum.accumulate(np.where(group_starts, positions, 0))
    tie_first = np.maximum.accumulate(np.where(value_starts, positions, 0))
    group_last = np.minimum.accumulate(np.where(group_ends, positions, n)[::-1])[::-1]
    tie_last = np.minimum.accumulate(np.where(value_ends, positions, n)[::-1])[::-1]
    size = (group_last - group_first + 1).astype(float)
    rank = (tie_first - group_first + 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent_rank = np.where(size > 1, (rank - 1.0) / (size - 1.0), 0.0)
    cume_dist = (tie_last - group_first + 1) / size
    out = np.empty(n)
    out[order] = (percent_rank + cume_dist) / 2.0
    return out


def _decimal_units(values: np.ndarray) -> np.ndarray:
    """Values as integers of 1e-12 (a decimal(24, 12)), so sums are exact as in the SQL."""
    return _round(values, 12) * 1e12


def score_signals(frame: Mapping[str, np.ndarray], config: ScoringConfig) -> dict[str, np.ndarray]:
    """The health score of every account and date in `frame` (columns SIGNAL_FRAME_COLUMNS)
    under `config`, as int_account_health_scored computes it. Returns one row per account and
    date (columns as numpy arrays): account_id, as_of_date, segment, weight_profile,
    is_customer, coverage (nan = null), score_status, score_null_reason (None when scored),
    health_score (nan = null), health_band, band_rank (0 = none), signals_with_data,
    signals_weighted."""
    scored = signal_scores(frame, config)
    accounts, account_of = _frame_codes(frame, "account_id")
    date_of, dates = scored["_date_of"], scored["_dates"]
    key = account_of.astype(np.int64) * len(dates) + date_of
    keys, first, row_of = np.unique(key, return_index=True, return_inverse=True)
    groups = len(keys)
    weight, has_data, score = scored["weight"], scored["has_data"], scored["signal_score"]

    profile_units = np.bincount(row_of, _decimal_units(weight), groups)
    present_units = np.bincount(row_of, np.where(has_data, _decimal_units(weight), 0.0), groups)
    profile_weight, present_weight = profile_units / 1e12, present_units / 1e12
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(
            has_data & (present_weight[row_of] > 0), weight / present_weight[row_of], 0.0
        )
        contribution = np.where(effective > 0, effective * score, 0.0)
    contribution = np.where(np.isnan(contribution), 0.0, contribution)  # a null adds nothing
    weighted_score = np.bincount(row_of, _decimal_units(contribution), groups) / 1e12
    signals_with_data = np.bincount(row_of, (weight > 0) & has_data, groups).astype(int)
    signals_weighted = np.bincount(row_of, weight > 0, groups).astype(int)

    is_customer = _filled(frame["is_customer"], False).astype(bool)[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(profile_weight > 0, present_weight / profile_weight, np.nan)
    no_weights = profile_weight == 0
    status = np.where(
        ~is_customer,
        "not_a_customer",
        np.where(
            no_weights,
            "no_weights",
            np.where(coverage < config.min_coverage, "insufficient_coverage", "scored"),
        ),
    ).astype(object)
    profiles = scored["weight_profile"][first]
    minimum = f"{round(config.min_coverage * 100, 1)}"
    reason = np.empty(groups, dtype=object)
    for index in np.flatnonzero(status != "scored"):
        if status[index] == "not_a_customer":
            reason[index] = CUSTOMER_NULL_REASON
        elif status[index] == "no_weights":
            reason[index] = f"weight profile {profiles[index]} gives no signal a weight"
        else:
            points = float(_round(np.array([100.0 * coverage[index]]), 1)[0])
            reason[index] = f"only {points:.1f}% of the weight had data (minimum {minimum}%)"
    health = np.where(status == "scored", _round(np.clip(weighted_score, 0.0, 100.0)), np.nan)
    band_name, band_rank = assign_bands(health, config.bands)
    return {
        "account_id": accounts[account_of[first]].astype(object),
        "as_of_date": dates[date_of[first]],
        "segment": np.asarray(frame["segment"], dtype=object)[first],
        "weight_profile": profiles,
        "is_customer": is_customer,
        "coverage": coverage,
        "score_status": status,
        "score_null_reason": reason,
        "health_score": health,
        "health_band": band_name,
        "band_rank": band_rank,
        "signals_with_data": signals_with_data,
        "signals_weighted": signals_weighted,
    }


def assign_bands(scores: np.ndarray, bands: Sequence[Band]) -> tuple[np.ndarray, np.ndarray]:
    """Each score's band and band rank (None and 0 for a null score or one in no band)."""
    names = np.full(len(scores), None, dtype=object)
    ranks = np.zeros(len(scores), dtype=int)
    with np.errstate(invalid="ignore"):
        for item in reversed(list(bands)):  # the lowest rank wins where bands overlap
            inside = (scores >= item.min_score) & (
                (scores < item.max_score) | ((item.max_score >= 100) & (scores <= item.max_score))
            )
            names[inside], ranks[inside] = item.name, item.rank
    return names, ranks


# ---- reading the warehouse --------------------------------------------------------------------

SIGNALS_SQL = """
with

account_dates as (
    select account_id, as_of_date, segment, is_customer
    from intermediate.int_account_scoring_dates
    where as_of_date in ({dates})
),

signals as (
    select account_id, as_of_date, signal, raw_value, has_data
    from intermediate.int_account_signals_scored
    where as_of_date in ({dates})
)

select
    account_dates.account_id,
    account_dates.as_of_date,
    account_dates.segment,
    account_dates.is_customer,
    signals.signal,
    catalogue.signal_family,
    signals.raw_value,
    coalesce(signals.has_data, false) as has_data
from account_dates
left join signals
    on account_dates.account_id = signals.account_id
    and account_dates.as_of_date = signals.as_of_date
left join intermediate.int_signal_catalogue as catalogue
    on signals.signal = catalogue.signal
"""

STORED_SQL = """
select account_id, as_of_date, is_cadence_date, health_score, health_band, coverage,
       score_status, score_null_reason, weight_profile
from intermediate.int_account_health_scored
where as_of_date in ({dates})
"""


def _date_list(dates: Sequence[dt.date]) -> str:
    """Dates as SQL literals: a literal list lets DuckDB skip the row groups of other dates."""
    return ", ".join(f"date '{day.isoformat()}'" for day in dates)


def read_signals(con: Warehouse, dates: Sequence[dt.date]) -> dict[str, np.ndarray]:
    """The stored signal rows of the given scoring dates (SIGNAL_FRAME_COLUMNS; a null text is
    ''). Read through Arrow, whose dictionary encoding of the text columns the scorer reuses
    (key "_codes"): faster than numpy's, and each distinct text is one Python object."""
    table = arrow_table(con, SIGNALS_SQL.format(dates=_date_list(dates)))
    frame: dict[str, np.ndarray] = {}
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = pc.fill_null(column, "").dictionary_encode()
            names = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
            indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            codes[name] = (names, indices)
            frame[name] = names[indices]
        else:
            frame[name] = column.to_numpy(zero_copy_only=False)
    frame["_codes"] = codes  # type: ignore[assignment]
    return frame


def read_stored_scores(con: Warehouse, dates: Sequence[dt.date]) -> dict[str, np.ndarray]:
    """The stored scores (int_account_health_scored) of the given dates."""
    return con.execute(STORED_SQL.format(dates=_date_list(dates))).fetchnumpy()


# ---- the replay ------------------------------------------------------------------------------


@dataclass
class LeadFigures:
    """One configuration judged at one lead time on the backtest rows.

    renewals: backtest rows with a scoring date (one per renewal); scored: those this
    configuration gives a score; churns: churned among the scored; auc / auc_interval: AUC of
    the risk (100 - score) with its bootstrap 95% interval; held_out_*: the same on the
    renewals after the validation split; lift: churn rate of the lowest-scored fifth over the
    overall rate; band_churn_rates: (band, churn rate or None, renewals) in band-rank order;
    bands_ordered: every band has renewals and churn falls strictly from band to band."""

    lead_days: int
    term_classes: list[str]
    renewals: int
    scored: int
    churns: int
    auc: float | None
    auc_interval: tuple[float, float] | None
    held_out_scored: int
    held_out_churns: int
    held_out_auc: float | None
    held_out_auc_interval: tuple[float, float] | None
    lift: float | None
    band_churn_rates: list[tuple[str, float | None, int]]
    bands_ordered: bool


@dataclass
class ConfigReplay:
    """One configuration's replay: its figures per lead time (ascending), and today's bands.

    bands_today: accounts per band on the as-of date (customers; 'not scored' for a null
    score); band_changes: {(band under the current config, band under this one): accounts}
    for the accounts whose band differs; changed_today: their number.

    backtest_scores: this configuration's score of every ReplayResult.backtest row, aligned
    with it: {"health_score": float array (nan = not scored), "band_rank": int array (0 =
    none), "health_band": object array (None = none)}. today: its score_signals rows on the
    as-of date (account_id, health_score, health_band, band_rank, is_customer, coverage,
    score_status, weight_profile, ...). Neither is in to_dict()."""

    name: str
    fingerprint: str
    defaulted: tuple[str, ...]
    min_coverage: float
    is_current: bool
    leads: list[LeadFigures]
    bands_today: dict[str, int]
    band_changes: dict[tuple[str, str], int]
    backtest_scores: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    today: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def changed_today(self) -> int:
        return sum(self.band_changes.values())

    def lead(self, lead_days: int) -> LeadFigures:
        return next(item for item in self.leads if item.lead_days == lead_days)


@dataclass
class ReplayResult:
    """The replay of several configurations on the same renewals and dates.

    current: the current configuration (seeds/), always scored; configs: the configurations
    asked for, in order (one equal to the current appears as current again);
    as_of_date: the run's as-of date (band changes are counted there); split_date: renewals
    after it are held out; dates_scored: scoring dates read; stored_rows / stored_mismatches:
    how many stored scores (int_account_health_scored) the current configuration replayed and
    how many it did not reproduce (score beyond 1e-6, band or status; 0 when the warehouse was
    built from the current seeds); seconds and peak_memory_mb: the cost of the replay
    (peak resident memory of the process).

    backtest: the backtest rows judged, one per renewal and lead time with a scoring date (the
    same rows for every configuration), as arrays: renewal_id, account_id, renewal_date,
    lead_days, term_class, is_longest_lead, scoring_date, is_churned, is_held_out. Each
    ConfigReplay.backtest_scores is aligned with them (for a paired comparison). Not in
    to_dict()."""

    as_of_date: dt.date
    split_date: dt.date | None
    current: ConfigReplay
    configs: list[ConfigReplay]
    dates_scored: int
    stored_rows: int
    stored_mismatches: int
    seconds: float = 0.0
    peak_memory_mb: float = 0.0
    notes: list[str] = field(default_factory=list)
    backtest: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def lead_days(self) -> list[int]:
        return [item.lead_days for item in self.current.leads]

    def to_dict(self) -> dict[str, object]:
        """Every figure as JSON-ready values (what the .json report holds)."""

        def lead(item: LeadFigures) -> dict[str, object]:
            return {
                "lead_days": item.lead_days,
                "term_classes": item.term_classes,
                "renewals": item.renewals,
                "scored": item.scored,
                "churns": item.churns,
                "auc": item.auc,
                "auc_interval": list(item.auc_interval) if item.auc_interval else None,
                "held_out_scored": item.held_out_scored,
                "held_out_churns": item.held_out_churns,
                "held_out_auc": item.held_out_auc,
                "held_out_auc_interval": list(item.held_out_auc_interval)
                if item.held_out_auc_interval
                else None,
                "lift": item.lift,
                "band_churn_rates": [
                    {"band": band, "churn_rate": rate, "renewals": count}
                    for band, rate, count in item.band_churn_rates
                ],
                "bands_ordered": item.bands_ordered,
            }

        def config(item: ConfigReplay) -> dict[str, object]:
            return {
                "name": item.name,
                "fingerprint": item.fingerprint,
                "defaulted_files": list(item.defaulted),
                "min_coverage": item.min_coverage,
                "is_current": item.is_current,
                "leads": [lead(entry) for entry in item.leads],
                "bands_today": item.bands_today,
                "changed_band_today": item.changed_today,
                "band_changes_today": [
                    {"from": source, "to": target, "accounts": count}
                    for (source, target), count in sorted(item.band_changes.items())
                ],
            }

        return {
            "as_of_date": self.as_of_date.isoformat(),
            "split_date": self.split_date.isoformat() if self.split_date else None,
            "dates_scored": self.dates_scored,
            "stored_rows": self.stored_rows,
            "stored_mismatches": self.stored_mismatches,
            "seconds": round(self.seconds, 1),
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "notes": self.notes,
            "current": config(self.current),
            "configs": [config(item) for item in self.configs],
        }

    def side_by_side(self) -> tuple[list[str], list[list[object]]]:
        """(headers, rows): one row per lead time and configuration."""
        headers = [
            "lead",
            "config",
            "scored",
            "AUC (95%)",
            "held-out AUC (95%)",
            "lift",
            "churn by band",
            "ordered",
        ]
        rows: list[list[object]] = []
        shown = [self.current] + [c for c in self.configs if not c.is_current]
        for lead_days in self.lead_days:
            for item in shown:
                figures = item.lead(lead_days)
                rows.append(
                    [
                        f"{lead_days}d",
                        f"{'current' if item.is_current else 'replayed'} {item.fingerprint}",
                        figures.scored,
                        _auc_text(figures.auc, figures.auc_interval),
                        _auc_text(figures.held_out_auc, figures.held_out_auc_interval),
                        "-" if figures.lift is None else f"{figures.lift:.2f}",
                        "; ".join(
                            f"{band} {'-' if rate is None else f'{100 * rate:.1f}%'} of {count}"
                            for band, rate, count in figures.band_churn_rates
                        ),
                        "yes" if figures.bands_ordered else "no",
                    ]
                )
        return headers, rows


def _auc_text(auc: float | None, interval: tuple[float, float] | None) -> str:
    if auc is None:
        return "-"
    if interval is None:
        return f"{auc:.3f}"
    return f"{auc:.3f} ({interval[0]:.3f}-{interval[1]:.3f})"


BACKTEST_SQL = """
select renewal_id, account_id, renewal_date, lead_days, term_class, is_longest_lead,
       scoring_date, is_churned
from marts.renewal_backtest
where scoring_date is not null
order by renewal_date, renewal_id, lead_days
"""


def _first(result: Any) -> tuple | None:
    """The first row, the result read to its end (DuckDB refuses the next query on a
    connection whose previous result was left unfinished)."""
    rows = result.fetchall()
    return rows[0] if rows else None


def run_as_of_date(con: Warehouse) -> dt.date:
    """The as-of date of the warehouse's last build."""
    from orchestration.runtime.pipeline import RUN_SETTINGS_TABLE, raw_schema_of

    try:
        row = _first(
            con.execute(f"select as_of_date from {raw_schema_of(None)}.{RUN_SETTINGS_TABLE}")
        )
    except warehouse.Error:
        after_error(con)
        row = None
    if row is None or row[0] is None:
        row = _first(
            con.execute(
                "select max(as_of_date) from intermediate.int_account_scoring_dates "
                "where is_current_date"
            )
        )
    if row is None or row[0] is None:
        raise ReplayInputError("The warehouse has no scoring date; build it first.")
    return row[0]


def replay(
    con: Warehouse,
    configs: Sequence[ScoringConfig],
    *,
    current: ScoringConfig | None = None,
    replicates: int = BOOTSTRAP_REPLICATES,
    say: Callable[[str], None] = lambda _: None,
) -> ReplayResult:
    """Replay `configs` beside `current` over the warehouse `con` is connected to (read-only
    is enough) and judge each on the renewal backtest.

    `current` is what the others are compared with (band changes today) and what the stored
    scores are checked against; by default the seeds/ configuration with dbt_project.yml's
    min_coverage: pass `ScoringConfig.current(warehouse_min_coverage(database))` to use the
    warehouse's, as the CLI does. A config that scores like `current` is reported as it
    (is_current). `replicates`: bootstrap resamples per AUC interval. Reads only the backtest's
    scoring dates and the as-of date, DATES_PER_READ dates at a time. Raises ReplayInputError
    when the warehouse lacks the backtest tables."""
    started = time.perf_counter()
    current = current or ScoringConfig.current()
    try:
        backtest = con.execute(BACKTEST_SQL).fetchnumpy()
        split = _first(con.execute("select split_date from intermediate.int_validation_split"))
    except warehouse.Error as error:
        after_error(con)
        raise ReplayInputError(
            f"The warehouse lacks the backtest tables ({str(error).splitlines()[0]}); build it "
            "with `healthscore run` first."
        ) from None
    as_of = run_as_of_date(con)
    split_date = split[0] if split else None
    unique = [current] + [c for c in configs if not c.same_scoring(current)]
    position = [0 if c.same_scoring(current) else 1 + unique[1:].index(c) for c in configs]

    scoring_dates = np.asarray(backtest["scoring_date"]).astype("datetime64[D]")
    dates = sorted({d.astype(dt.date) for d in np.unique(scoring_dates)} | {as_of})
    say(f"Replaying {len(unique)} configuration(s) over {len(dates)} scoring dates ...")

    # Account scores of every config on every date read, keyed account|date.
    wanted = _keys(backtest["account_id"], scoring_dates)
    wanted_set = set(wanted.tolist())
    found: list[dict[str, dict[str, np.ndarray]]] = [{} for _ in unique]
    today: list[dict[str, np.ndarray]] = [{} for _ in unique]
    stored_rows = mismatches = 0
    for chunk_dates, results in _chunks(con, unique, dates):
        stored = read_stored_scores(con, chunk_dates)
        rows, bad = compare_with_stored(results[0], stored)
        stored_rows += rows
        mismatches += bad
        for index, result in enumerate(results):
            keys = _keys(result["account_id"], result["as_of_date"])
            keep = np.array([key in wanted_set for key in keys.tolist()], dtype=bool)
            _append(found[index], keys[keep], result, keep)
            on_day = np.asarray(result["as_of_date"]).astype("datetime64[D]") == np.datetime64(
                as_of
            )
            if on_day.any():
                today[index] = {column: values[on_day] for column, values in result.items()}

    held_out = (
        np.asarray(backtest["renewal_date"]).astype("datetime64[D]") > np.datetime64(split_date)
        if split_date is not None
        else np.zeros(len(wanted), dtype=bool)
    )
    backtest = {**backtest, "is_held_out": held_out}
    replays = []
    for index, config in enumerate(unique):
        scores = _lookup(found[index], wanted)
        scores["health_band"] = _band_names(scores["band_rank"], config.bands)
        replays.append(
            ConfigReplay(
                config.name,
                config.fingerprint,
                config.defaulted,
                config.min_coverage,
                index == 0,
                _lead_figures(backtest, scores, held_out, config, replicates),
                _bands_today(today[index]),
                {} if index == 0 else _band_changes(today[0], today[index]),
                scores,
                today[index],
            )
        )
    notes = []
    if mismatches:
        notes.append(
            f"The current configuration replayed differs from {mismatches:,} of {stored_rows:,} "
            "stored scores: the warehouse was built from other seeds (or another "
            "healthscore_min_coverage); rebuild it to compare like with like."
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ReplayResult(
        as_of,
        split_date,
        replays[0],
        [
            replays[item]
            if item
            else dataclasses.replace(replays[0], name=config.name, defaulted=config.defaulted)
            for item, config in zip(position, configs, strict=True)
        ],
        len(dates),
        stored_rows,
        mismatches,
        time.perf_counter() - started,
        peak,
        notes,
        backtest,
    )


def _band_names(ranks: np.ndarray, bands: Sequence[Band]) -> np.ndarray:
    names = {item.rank: item.name for item in bands}
    return np.array([names.get(int(rank)) for rank in ranks], dtype=object)


def score_dates(
    con: Warehouse,
    configs: Sequence[ScoringConfig],
    dates: Sequence[dt.date],
    *,
    per_read: int = DATES_PER_READ,
) -> Iterator[list[dict[str, np.ndarray]]]:
    """Every config's account scores (score_signals) on the given dates, `per_read` dates at a
    time: one list (a result per config, in order) per chunk of dates."""
    for _, results in _chunks(con, configs, dates, per_read):
        yield results


def _chunks(
    con: Warehouse,
    configs: Sequence[ScoringConfig],
    dates: Sequence[dt.date],
    per_read: int = DATES_PER_READ,
) -> Iterator[tuple[list[dt.date], list[dict[str, np.ndarray]]]]:
    ordered = sorted(set(dates))
    for start in range(0, len(ordered), per_read):
        chunk = ordered[start : start + per_read]
        frame = read_signals(con, chunk)
        if len(frame["account_id"]) == 0:
            continue
        yield chunk, [score_signals(frame, config) for config in configs]


def _keys(accounts: np.ndarray, dates: np.ndarray) -> np.ndarray:
    day = np.asarray(dates).astype("datetime64[D]").astype(str)
    return np.char.add(np.char.add(np.asarray(accounts).astype(str), "|"), day)


def _append(
    store: dict[str, dict[str, np.ndarray]],
    keys: np.ndarray,
    result: dict[str, np.ndarray],
    keep: np.ndarray,
) -> None:
    scores, ranks = result["health_score"][keep].tolist(), result["band_rank"][keep].tolist()
    for key, score, rank in zip(keys.tolist(), scores, ranks, strict=True):
        store[key] = {"health_score": score, "band_rank": rank}


def _lookup(store: dict[str, dict[str, object]], keys: np.ndarray) -> dict[str, np.ndarray]:
    scores = np.full(len(keys), np.nan)
    ranks = np.zeros(len(keys), dtype=int)
    for position, key in enumerate(keys.tolist()):
        row = store.get(key)
        if row is not None:
            scores[position] = row["health_score"]  # type: ignore[assignment]
            ranks[position] = row["band_rank"]  # type: ignore[assignment]
    return {"health_score": scores, "band_rank": ranks}


def compare_with_stored(
    replayed: Mapping[str, np.ndarray], stored: Mapping[str, np.ndarray]
) -> tuple[int, int]:
    """(stored rows, rows whose score (beyond 1e-6), band or status the replay does not
    reproduce; a stored row the replay lacks counts as one)."""
    index = {
        key: row
        for row, key in enumerate(_keys(replayed["account_id"], replayed["as_of_date"]).tolist())
    }
    stored_keys = _keys(stored["account_id"], stored["as_of_date"]).tolist()
    stored_score = _filled(stored["health_score"], np.nan).astype(float)
    stored_band = np.where(_is_null(stored["health_band"]), None, stored["health_band"])
    stored_status = np.asarray(stored["score_status"], dtype=object)
    bad = 0
    for position, key in enumerate(stored_keys):
        row = index.get(key)
        if row is None:
            bad += 1
            continue
        ours, theirs = replayed["health_score"][row], stored_score[position]
        same_score = (np.isnan(ours) and np.isnan(theirs)) or abs(ours - theirs) <= 1e-6
        if (
            not same_score
            or replayed["health_band"][row] != stored_band[position]
            or replayed["score_status"][row] != stored_status[position]
        ):
            bad += 1
    return len(stored_keys), bad


def _lead_figures(
    backtest: Mapping[str, np.ndarray],
    scores: Mapping[str, np.ndarray],
    held_out: np.ndarray,
    config: ScoringConfig,
    replicates: int,
) -> list[LeadFigures]:
    lead_days = np.asarray(backtest["lead_days"]).astype(int)
    churned = np.asarray(backtest["is_churned"]).astype(float)
    term_class = np.asarray(backtest["term_class"]).astype(str)
    health = scores["health_score"]
    bands = [(item.name, item.min_score, item.max_score) for item in config.bands]
    out = []
    for lead in sorted(set(lead_days.tolist())):
        at_lead = lead_days == lead
        scored = at_lead & ~np.isnan(health)
        held = scored & held_out
        y, risk = churned[scored], 100.0 - health[scored]
        rates = band_churn_rates(y, health[scored], bands)
        known = [rate for _, rate, count in rates if count > 0]
        out.append(
            LeadFigures(
                lead_days=lead,
                term_classes=sorted(set(term_class[at_lead].tolist())),
                renewals=int(at_lead.sum()),
                scored=int(scored.sum()),
                churns=int(y.sum()),
                auc=roc_auc(y, risk),
                auc_interval=bootstrap_auc_interval(y, risk, replicates=replicates)
                if len(y)
                else None,
                held_out_scored=int(held.sum()),
                held_out_churns=int(churned[held].sum()),
                held_out_auc=roc_auc(churned[held], 100.0 - health[held]),
                held_out_auc_interval=bootstrap_auc_interval(
                    churned[held], 100.0 - health[held], replicates=replicates
                )
                if held.any()
                else None,
                lift=lowest_share_lift(y, health[scored]),
                band_churn_rates=rates,
                bands_ordered=len(known) == len(rates)
                and all(a > b for a, b in zip(known, known[1:], strict=False)),
            )
        )
    return out


def lowest_share_lift(
    churned: np.ndarray, scores: np.ndarray, share: float = LIFT_SHARE
) -> float | None:
    """Churn rate among the lowest-scored `share` of the rows (ties broken by position) over
    the overall churn rate; None without churn."""
    churned = np.asarray(churned, dtype=float)
    if len(churned) == 0 or churned.mean() == 0:
        return None
    order = np.argsort(np.asarray(scores, dtype=float), kind="stable")
    lowest = order[: max(1, int(np.ceil(len(order) * share)))]
    return float(churned[lowest].mean() / churned.mean())


def _bands_today(rows: Mapping[str, np.ndarray]) -> dict[str, int]:
    if not rows:
        return {}
    customers = np.asarray(rows["is_customer"], dtype=bool)
    names = [name or NOT_SCORED for name in np.asarray(rows["health_band"])[customers].tolist()]
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return counts


def _band_changes(
    current: Mapping[str, np.ndarray], other: Mapping[str, np.ndarray]
) -> dict[tuple[str, str], int]:
    """Accounts (customers on the as-of date) whose band differs, by (from, to)."""
    if not current or not other:
        return {}
    bands = {
        account: band or NOT_SCORED
        for account, band, customer in zip(
            current["account_id"].tolist(),
            current["health_band"].tolist(),
            current["is_customer"].tolist(),
            strict=True,
        )
        if customer
    }
    changes: dict[tuple[str, str], int] = {}
    for account, band in zip(
        other["account_id"].tolist(), other["health_band"].tolist(), strict=True
    ):
        if account in bands and (band or NOT_SCORED) != bands[account]:
            pair = (bands[account], band or NOT_SCORED)
            changes[pair] = changes.get(pair, 0) + 1
    return changes


# ---- reports -----------------------------------------------------------------------------------


def write_reports(result: ReplayResult, reports_dir: Path) -> tuple[Path, Path]:
    """reports_dir/replay_<fingerprint>.html and .json, named for the (first) replayed
    configuration."""
    from orchestration.analysis import html_page as h

    reports_dir.mkdir(parents=True, exist_ok=True)
    replayed = next((c for c in result.configs if not c.is_current), result.current)
    stem = reports_dir / f"replay_{replayed.fingerprint}"
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    headers, rows = result.side_by_side()
    change_rows = [
        [
            h.band(source if source != NOT_SCORED else None),
            h.band(target if target != NOT_SCORED else None),
            count,
        ]
        for (source, target), count in sorted(replayed.band_changes.items())
    ]
    described = [result.current] + [c for c in result.configs if not c.is_current]
    body = [
        h.tag("h1", "Replay of a scoring configuration"),
        h.paragraph(
            f"As of {result.as_of_date}; renewals after {result.split_date} are held out. "
            f"{result.dates_scored} scoring dates replayed in {result.seconds:.0f} s.",
            class_="meta",
        ),
        h.tag(
            "ul",
            h.join(
                h.tag(
                    "li",
                    f"{'current' if item.is_current else 'replayed'}: {item.name} "
                    f"[{item.fingerprint}], min coverage {item.min_coverage:g}"
                    + (
                        f"; from the current seeds: {', '.join(item.defaulted)}"
                        if item.defaulted
                        else ""
                    ),
                )
                for item in described
            ),
        ),
        *[h.callout(note, "warning") for note in result.notes],
        h.tag("h2", "Before past renewals"),
        h.paragraph(
            "Each renewal scored on the date one lead time before it, with the signals stored "
            "for that date only. AUC: the chance a churned renewal scored lower than a renewed "
            "one (95% bootstrap interval); lift: churn rate of the lowest-scored fifth over the "
            "overall rate; ordered: every band has renewals and churn falls from band to band.",
            class_="note",
        ),
        h.table(headers, rows, numeric=(2, 3, 4, 5), wide=(6,)),
        h.tag("h2", "Band changes today"),
        h.paragraph(
            f"{replayed.changed_today:,} customers would change band on {result.as_of_date} "
            "under the replayed configuration."
        ),
        h.table(["band now", "band replayed", "accounts"], change_rows, numeric=(2,)),
    ]
    html_path = stem.with_suffix(".html")
    html_path.write_text(
        h.page("Scoring replay", body, footer=f"healthscore replay, {dt.date.today()}")
    )
    return html_path, json_path


def replay_text(result: ReplayResult) -> str:
    """The side-by-side table and today's band changes, as the CLI prints them."""
    headers, rows = result.side_by_side()
    cells = [headers] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    out = []
    for item in [result.current] + [c for c in result.configs if not c.is_current]:
        out.append(
            f"{'current ' if item.is_current else 'replayed'} {item.fingerprint}: {item.name}, "
            f"min coverage {item.min_coverage:g}"
            + (f" (from the current seeds: {', '.join(item.defaulted)})" if item.defaulted else "")
        )
    out += ["", *lines, ""]
    for item in result.configs:
        if item.is_current:
            out.append(
                f"{item.name} has the same scoring seeds and minimum coverage as the current "
                "configuration: it scores the same."
            )
            continue
        out.append(f"Band changes on {result.as_of_date} ({item.changed_today:,} customers):")
        for (source, target), count in sorted(item.band_changes.items()):
            out.append(f"  {source} -> {target}: {count:,}")
    out += result.notes
    out.append(
        f"{result.dates_scored} dates replayed in {result.seconds:.1f} s, "
        f"peak memory {result.peak_memory_mb:.0f} MB."
    )
    return "\n".join(out)


def copy_seed_folder(target: Path, seeds_dir: Path = SEEDS_DIR) -> Path:
    """A copy of the five scoring seeds in `target`, to edit into another configuration."""
    target.mkdir(parents=True, exist_ok=True)
    for file_name in SCORING_FILES:
        shutil.copy(seeds_dir / file_name, target / file_name)
    return target
