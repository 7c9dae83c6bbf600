"""A challenger scoring configuration in shadow: scored on every run beside the configuration
in force (the champion, seeds/), never published as the score.

Set by `healthscore run --challenger DIR` (a folder of scoring seeds, or a git revision) or the
environment variable HEALTHSCORE_CHALLENGER_DIR (which the Dagster runs read). After the build
and before it is published (on the run's build copy, under its writer lock), the run writes:

- marts.challenger_scores: every customer's champion and challenger score and band on the
  run's as-of date;
- marts.challenger_comparison: both configurations replayed before past renewals at every lead
  time (AUC with its 95% interval on all and on held-out renewals, lift, churn rate per band),
  with the gate's one-sentence verdict (scoring_gate.py);

and the validation report shows them in its "Challenger" section. Without a challenger nothing
is scored and nothing written (the two tables of an earlier challenger are dropped).

A challenger that is neither a folder of scoring seeds nor a git revision stops the run in one
line before the build (cli.command_run and the Dagster dbt step call challenger_config first);
one that fails while being scored is reported in one line ("challenger not scored: ...") and
the champion's scores are published all the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.analysis.reads import has_relation, location
from orchestration.runtime import warehouse
from orchestration.runtime.contract import PROJECT_ROOT
from orchestration.runtime.warehouse import Location, Warehouse

CHALLENGER_ENV = "HEALTHSCORE_CHALLENGER_DIR"
SCORES_TABLE = "marts.challenger_scores"
COMPARISON_TABLE = "marts.challenger_comparison"
# The two tables' columns and types (text, date, double, integer, boolean).
SCORES_COLUMNS = (
    ("account_id", "text"),
    ("as_of_date", "date"),
    ("champion_fingerprint", "text"),
    ("champion_score", "double"),
    ("champion_band", "text"),
    ("challenger_fingerprint", "text"),
    ("challenger_score", "double"),
    ("challenger_band", "text"),
    ("is_band_changed", "boolean"),
)
COMPARISON_COLUMNS = (
    ("as_of_date", "date"),
    ("role", "text"),
    ("fingerprint", "text"),
    ("configuration", "text"),
    ("lead_days", "integer"),
    ("term_classes", "text"),
    ("scored", "integer"),
    ("churns", "integer"),
    ("auc", "double"),
    ("auc_ci_lower", "double"),
    ("auc_ci_upper", "double"),
    ("held_out_scored", "integer"),
    ("held_out_churns", "integer"),
    ("held_out_auc", "double"),
    ("held_out_auc_ci_lower", "double"),
    ("held_out_auc_ci_upper", "double"),
    ("lift", "double"),
    ("band_churn_rates", "text"),
    ("bands_ordered", "boolean"),
    ("changed_band_today", "integer"),
    ("gate_verdict", "text"),
)


def challenger_from_env() -> str | None:
    return os.environ.get(CHALLENGER_ENV) or None


def challenger_config(spec: str, *, min_coverage: float | None = None):  # -> ScoringConfig
    """A folder of scoring seeds, else a git revision of the repository's seeds."""
    from orchestration.analysis.replay import ReplayInputError, ScoringConfig

    folder = Path(spec)
    if folder.is_dir():
        return ScoringConfig.from_folder(folder, min_coverage=min_coverage)
    try:
        return ScoringConfig.from_revision(spec, PROJECT_ROOT, min_coverage=min_coverage)
    except ReplayInputError:
        raise ValueError(
            f"Challenger {spec} is neither a folder of scoring seeds nor a git revision of "
            f"{PROJECT_ROOT}; pass a folder holding weight_profiles.csv (and any other scoring "
            "seed it changes) or a commit."
        ) from None


@dataclass
class ShadowResult:
    fingerprint: str
    name: str
    accounts: int
    band_changes: int
    verdict: str


def shadow_tables_exist(database: Location) -> bool:
    """Whether `database` holds an earlier challenger's tables."""
    with warehouse.connected(location(database), read_only=True) as con:
        return any(has_relation(con, table) for table in (SCORES_TABLE, COMPARISON_TABLE))


def shadow_scoring(
    spec: str | None, *, say: Callable[[str], None] = print
) -> Callable[[Location, Path], None]:
    """What a run does on its build copy before publishing it (pipeline.run_pipeline's
    before_publish): score the challenger `spec` in shadow, or drop an earlier one's tables."""

    def before_publish(database: Location, project_dir: Path) -> None:
        write_shadow(database, spec, say=say, seeds_dir=project_dir / "seeds")

    return before_publish


def drop_shadow_tables(con: Warehouse) -> None:
    for table in (SCORES_TABLE, COMPARISON_TABLE):
        con.execute(f"drop table if exists {table}")


def write_shadow(
    database: Location,
    spec: str | None,
    *,
    say: Callable[[str], None] = print,
    seeds_dir: Path = PROJECT_ROOT / "seeds",
) -> ShadowResult | None:
    """Score the challenger `spec` in shadow on `database` (a build copy not yet published,
    built with the seeds of `seeds_dir`: the champion) and write the two challenger tables;
    without a challenger, drop an earlier one's tables.

    A challenger that cannot be scored (its seeds do not replay, the warehouse lacks what the
    replay reads) never blocks the champion's run: `say` gets one line "challenger not scored:
    <why>", an earlier challenger's tables are dropped (they would describe another run) and
    None is returned, so the run publishes. `database` may be a dbt target (the run builds in
    place there: the tables are written after the build)."""
    database = location(database)
    if spec:
        try:
            return _score_shadow(database, spec, say=say, seeds_dir=seeds_dir)
        except (ValueError, *warehouse.Error) as error:
            say(f"challenger not scored: {_one_line(error)}")
    if shadow_tables_exist(database):
        with warehouse.connected(database, read_only=False) as con:
            drop_shadow_tables(con)
    return None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _score_shadow(
    database: Location, spec: str, *, say: Callable[[str], None], seeds_dir: Path
) -> ShadowResult:
    from orchestration.analysis.replay import ScoringConfig, replay, run_as_of_date
    from orchestration.analysis.scoring_gate import judge_replay
    from orchestration.analysis.validation import _min_coverage

    min_coverage = _min_coverage(database)
    champion = ScoringConfig.from_folder(seeds_dir, min_coverage=min_coverage, name="seeds/")
    challenger = challenger_config(spec, min_coverage=min_coverage)
    say(f"Scoring the challenger {challenger.describe()} in shadow ...")
    con = warehouse.connect(database, read_only=False)
    try:
        as_of = run_as_of_date(con)
        result = replay(con, [challenger], current=champion)
        judgement = judge_replay(result, champion, challenger)
        today = [result.current.today, result.configs[0].today]
        drop_shadow_tables(con)
        changes = _write_scores(con, as_of, champion, challenger, today)
        _write_comparison(con, as_of, result, judgement.verdict())
    finally:
        con.close()
    say(
        f"  challenger {challenger.fingerprint}: {changes:,} customers would change band; "
        f"{judgement.verdict()}"
    )
    return ShadowResult(
        challenger.fingerprint,
        challenger.name,
        len(today[0]["account_id"]),
        changes,
        judgement.verdict(),
    )


def _write_scores(
    con: Warehouse,
    as_of: object,
    champion: object,
    challenger: object,
    today: list[dict[str, np.ndarray]],
) -> int:
    old, new = today
    if not old or not new:  # no account scored on the as-of date
        old = new = {"account_id": np.array([], dtype=object)}
    position = {account: row for row, account in enumerate(new["account_id"].tolist())}
    rows = []
    for row, account in enumerate(old["account_id"].tolist()):
        if not old["is_customer"][row] or account not in position:
            continue
        other = position[account]
        rows.append(
            (
                account,
                as_of,
                champion.fingerprint,  # type: ignore[attr-defined]
                _number(old["health_score"][row]),
                old["health_band"][row],
                challenger.fingerprint,  # type: ignore[attr-defined]
                _number(new["health_score"][other]),
                new["health_band"][other],
            )
        )
    rows = [row + ((row[4] or "") != (row[7] or ""),) for row in rows]
    _write_rows(con, SCORES_TABLE, SCORES_COLUMNS, rows)
    return sum(1 for row in rows if row[-1])


def _number(value: object) -> float | None:
    return None if value is None or np.isnan(value) else float(value)  # type: ignore[arg-type]


def _write_comparison(con: Warehouse, as_of: object, result: object, verdict: str) -> None:
    challenger = next(c for c in result.configs)  # type: ignore[attr-defined]
    rows = []
    for role, item in (("champion", result.current), ("challenger", challenger)):  # type: ignore[attr-defined]
        for lead in item.leads:
            low, high = lead.auc_interval or (None, None)
            held_low, held_high = lead.held_out_auc_interval or (None, None)
            rows.append(
                (
                    as_of,
                    role,
                    item.fingerprint,
                    item.name,
                    lead.lead_days,
                    ", ".join(lead.term_classes),
                    lead.scored,
                    lead.churns,
                    lead.auc,
                    low,
                    high,
                    lead.held_out_scored,
                    lead.held_out_churns,
                    lead.held_out_auc,
                    held_low,
                    held_high,
                    lead.lift,
                    "; ".join(
                        f"{band} {'-' if rate is None else f'{100 * rate:.1f}%'} of {count:,}"
                        for band, rate, count in lead.band_churn_rates
                    ),
                    lead.bands_ordered,
                    0 if role == "champion" else challenger.changed_today,
                    verdict,
                )
            )
    _write_rows(con, COMPARISON_TABLE, COMPARISON_COLUMNS, rows)


def _write_rows(
    con: Warehouse, table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple]
) -> None:
    """Write `rows` as the table `schema.name` (replacing it), through the connection's
    write_table, so it lands on any engine with the columns' types."""
    import pyarrow as pa

    types = {"text": pa.string(), "date": pa.date32(), "double": pa.float64()}
    types.update({"integer": pa.int32(), "boolean": pa.bool_()})
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    data = {
        name: pa.array([row[index] for row in rows], type=types[kind])
        for index, (name, kind) in enumerate(columns)
    }
    schema_name, name = table.split(".")
    con.write_table(schema_name, name, pa.table(data, schema=schema), mode="replace")


def challenger_verdict(database: Location) -> str | None:
    """'Challenger <fingerprint> (<name>) in shadow: <the gate's verdict>', for the run's
    printed validation; None without a challenger."""
    con = warehouse.connect(location(database), read_only=True)
    try:
        if not has_relation(con, COMPARISON_TABLE):
            return None
        row = con.execute(
            f"select fingerprint, configuration, gate_verdict from {COMPARISON_TABLE} "
            "where role = 'challenger' limit 1"
        ).fetchone()
    finally:
        con.close()
    return None if row is None else f"Challenger {row[0]} ({row[1]}) in shadow: {row[2]}"


def _callout_kind(verdict: str) -> str:
    if verdict.startswith("Worse"):
        return "warning"
    return "info" if "could not be judged" in verdict else "ok"


# ---- the report's section ----------------------------------------------------------------------


def challenger_section(con: Warehouse) -> list[object]:
    """The validation report's "Challenger" section; nothing without a challenger."""
    from orchestration.analysis.html_page import band, callout, paragraph, table, tag

    if not has_relation(con, COMPARISON_TABLE):
        return []
    rows = con.execute(
        f"""
        select role, fingerprint, configuration, lead_days, term_classes, scored, churns, auc,
               auc_ci_lower, auc_ci_upper, held_out_scored, held_out_churns, held_out_auc,
               held_out_auc_ci_lower, held_out_auc_ci_upper, lift, band_churn_rates,
               bands_ordered, gate_verdict
        from {COMPARISON_TABLE}
        order by lead_days, role = 'challenger'
        """
    ).fetchall()
    if not rows:
        return []
    verdict = rows[0][-1]
    names = {role: (fingerprint, name) for role, fingerprint, name, *_ in rows}
    changes = con.execute(
        f"""
        select champion_band, challenger_band, count(*)
        from {SCORES_TABLE}
        where is_band_changed
        group by 1, 2
        order by 3 desc, 1, 2
        """
    ).fetchall()
    customers = con.execute(f"select count(*) from {SCORES_TABLE}").fetchone()[0]

    def auc(value: float | None, low: float | None, high: float | None) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" + ("" if low is None else f" ({low:.3f}–{high:.3f})")

    body = [
        [
            f"{lead} ({terms})",
            role,
            f"{scored:,} ({churns:,})",
            auc(value, low, high),
            f"{held_scored:,} ({held_churns:,})",
            auc(held, held_low, held_high),
            "-" if lift is None else f"{lift:.2f}",
            rates,
            "yes" if ordered else "no",
        ]
        for (
            role,
            _,
            _,
            lead,
            terms,
            scored,
            churns,
            value,
            low,
            high,
            held_scored,
            held_churns,
            held,
            held_low,
            held_high,
            lift,
            rates,
            ordered,
            _,
        ) in rows
    ]
    return [
        tag("h2", "Challenger (scored in shadow)", id="challenger"),
        paragraph(
            f"Champion (in force): {names['champion'][1]} [{names['champion'][0]}]. Challenger: "
            f"{names['challenger'][1]} [{names['challenger'][0]}]. Both replayed over the same "
            "stored point-in-time signals before each past renewal; held out: renewals after "
            "the validation split.",
            "meta",
        ),
        callout(paragraph(verdict), _callout_kind(verdict)),
        table(
            [
                "lead, days (term)",
                "scoring",
                "renewals (churned)",
                "AUC (95%)",
                "held out (churned)",
                "held-out AUC (95%)",
                "lift",
                "churn rate by band",
                "ordered",
            ],
            body,
            numeric=(2, 3, 4, 5, 6),
            wide=(7,),
        ),
        paragraph(
            "Lift: churn rate of the lowest-scored fifth over the overall rate. The verdict is "
            "the gate's rule (docs/scoring_changes.md): held-out AUC at each term class's "
            "longest lead, paired bootstrap of the difference, and the band order.",
            "note",
        ),
        tag("h3", "Accounts that would change band today"),
        paragraph(
            f"{sum(count for *_, count in changes):,} of {customers:,} customers would change "
            "band under the challenger."
        ),
        table(
            ["band now", "band under the challenger", "customers"],
            [[band(old), band(new), f"{count:,}"] for old, new, count in changes],
            numeric=(2,),
        ),
    ]
