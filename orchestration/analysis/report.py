"""The validation report: a static HTML page with plots, written next to the warehouse.

It reads the validation marts (score_validation, score_validation_bands,
renewal_probability_calibration, renewal_backtest) and the calibration result, and, when the
landing folder holds a demo company's hidden truth (_truth/renewal_truth.csv), the AUC that
the true churn probability reaches on the same renewals: the ceiling no score can beat.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from orchestration.analysis.calibration import CalibrationResult  # noqa: E402
from orchestration.analysis.metrics import roc_auc  # noqa: E402

BAND_COLOURS = {"red": "#d9534f", "amber": "#f0ad4e", "green": "#5cb85c"}


@dataclass
class Headline:
    """The figures the run prints and docs/validation.md quotes."""

    lead_days: int
    renewals: int
    churns: int
    auc: float | None
    auc_ci: tuple[float | None, float | None]
    top_decile_lift: float | None
    band_churn_rates: str | None
    bands_ordered: bool | None
    brier: float | None


def headlines(con: duckdb.DuckDBPyConnection) -> list[Headline]:
    rows = con.execute(
        """
        select lead_days, renewals, churns, auc, auc_ci_lower, auc_ci_upper, top_decile_lift,
               band_churn_rates, band_churn_rates_ordered, brier_score
        from marts.score_validation
        where subject = 'health_score' and segment_group = 'all'
        order by lead_days
        """
    ).fetchall()
    return [
        Headline(lead, renewals, churns, auc, (low, high), lift, bands, ordered, brier)
        for lead, renewals, churns, auc, low, high, lift, bands, ordered, brier in rows
    ]


def ceiling_auc(
    con: duckdb.DuckDBPyConnection,
    truth_file: Path | None,
    held_out_after: object | None = None,
) -> tuple[float, int] | None:
    """AUC of a generated company's hidden true churn probability on the scored renewals at
    each term class's longest lead time (those after `held_out_after` when given)."""
    if truth_file is None or not truth_file.exists():
        return None
    with truth_file.open(newline="") as handle:
        truth = {
            (row["account_id"], row["end_date"]): float(row["true_churn_probability"])
            for row in csv.DictReader(handle)
        }
    sql = """
        select account_id, cast(renewal_date as varchar), is_churned
        from marts.renewal_backtest
        where is_scored and is_longest_lead
    """
    params: list[object] = []
    if held_out_after is not None:
        sql += " and renewal_date > ?"
        params.append(held_out_after)
    rows = [r for r in con.execute(sql, params).fetchall() if (r[0], r[1]) in truth]
    if not rows:
        return None
    auc = roc_auc(np.array([r[2] for r in rows]), np.array([truth[(r[0], r[1])] for r in rows]))
    return (auc, len(rows)) if auc is not None else None


def _figure_html(figure: plt.Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _roc_points(churned: np.ndarray, risk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-risk, kind="stable")
    y = churned[order]
    thresholds = np.r_[np.flatnonzero(np.diff(risk[order])), len(y) - 1]
    tps = np.cumsum(y)[thresholds]
    fps = (thresholds + 1) - tps
    return np.r_[0, fps / max(1, fps[-1])], np.r_[0, tps / max(1, tps[-1])]


def _plot_roc(con: duckdb.DuckDBPyConnection) -> str:
    figure, axis = plt.subplots(figsize=(5, 4.5))
    for (lead,) in con.execute(
        "select distinct lead_days from marts.renewal_backtest order by 1"
    ).fetchall():
        rows = con.execute(
            "select is_churned, health_score from marts.renewal_backtest "
            "where is_scored and lead_days = ?",
            [lead],
        ).fetchall()
        if not rows:
            continue
        churned = np.array([r[0] for r in rows], dtype=float)
        risk = 100.0 - np.array([r[1] for r in rows], dtype=float)
        fpr, tpr = _roc_points(churned, risk)
        auc = roc_auc(churned, risk)
        if auc is None:  # one outcome only (every renewal renewed, or every one churned)
            continue
        axis.plot(fpr, tpr, label=f"{lead} days before renewal (AUC {auc:.3f})")
    axis.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="chance")
    axis.set_xlabel("renewed accounts flagged (false positive rate)")
    axis.set_ylabel("churned accounts flagged (true positive rate)")
    axis.set_title("ROC of the health score, all segments")
    axis.legend(fontsize=8, loc="lower right")
    return _figure_html(figure, "ROC curves per lead time")


def _plot_bands(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        """
        select lead_days, health_band, band_rank, churn_rate, renewals
        from marts.score_validation_bands
        where subject = 'health_score' and segment_group = 'all'
        order by lead_days, band_rank
        """
    ).fetchall()
    leads = sorted({r[0] for r in rows})
    bands = [r[1] for r in rows if r[0] == leads[0]] if leads else []
    figure, axis = plt.subplots(figsize=(6, 4))
    width = 0.8 / max(1, len(bands))
    for index, band in enumerate(bands):
        values = [
            next((100 * (r[3] or 0) for r in rows if r[0] == lead and r[1] == band), 0)
            for lead in leads
        ]
        counts = [next((r[4] for r in rows if r[0] == lead and r[1] == band), 0) for lead in leads]
        positions = np.arange(len(leads)) + index * width
        bars = axis.bar(positions, values, width, label=band, color=BAND_COLOURS.get(band, "#777"))
        for bar, count in zip(bars, counts, strict=True):
            axis.annotate(
                f"n={count}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    axis.set_xticks(
        np.arange(len(leads)) + width * (len(bands) - 1) / 2, [f"{lead} d" for lead in leads]
    )
    axis.set_ylabel("churn rate at the renewal (%)")
    axis.set_xlabel("score taken this many days before the renewal")
    axis.set_title("Churn rate per band of past scores")
    axis.legend(fontsize=8)
    return _figure_html(figure, "Churn rate per band")


def _plot_calibration(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        """
        select lead_days, mean_predicted_renewal_probability, observed_renewal_rate
        from marts.renewal_probability_calibration
        where segment_group = 'all'
        order by lead_days, probability_decile
        """
    ).fetchall()
    figure, axis = plt.subplots(figsize=(5, 4.5))
    for lead in sorted({r[0] for r in rows}):
        points = [(r[1], r[2]) for r in rows if r[0] == lead]
        axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{lead} d")
    axis.plot(
        [0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfect calibration"
    )
    low = min([r[1] for r in rows] + [r[2] for r in rows] + [0.5])
    axis.set_xlim(low - 0.02, 1.01)
    axis.set_ylim(low - 0.02, 1.01)
    axis.set_xlabel("predicted renewal probability (decile mean)")
    axis.set_ylabel("observed renewal rate")
    axis.set_title("Calibration on held-out later renewals")
    axis.legend(fontsize=8)
    return _figure_html(figure, "Calibration curve")


def _plot_signals(con: duckdb.DuckDBPyConnection, lead_days: int) -> str:
    rows = con.execute(
        """
        select subject, auc, auc_ci_lower, auc_ci_upper
        from marts.score_validation
        where segment_group = 'all' and lead_days = ? and auc is not null
        order by auc
        """,
        [lead_days],
    ).fetchall()
    figure, axis = plt.subplots(figsize=(6.5, 0.3 * len(rows) + 1.2))
    y = np.arange(len(rows))
    aucs = np.array([r[1] for r in rows])
    errors = np.array(
        [
            [r[1] - (r[2] if r[2] is not None else r[1]) for r in rows],
            [(r[3] if r[3] is not None else r[1]) - r[1] for r in rows],
        ]
    )
    colours = ["#337ab7" if r[0] == "health_score" else "#8fb3d9" for r in rows]
    axis.barh(y, aucs - 0.5, left=0.5, color=colours, xerr=errors, capsize=2)
    axis.axvline(0.5, color="#999", linestyle="--", linewidth=1)
    axis.set_yticks(y, [r[0] for r in rows], fontsize=8)
    axis.set_xlabel("AUC (0.5 = chance), with 95% bootstrap interval")
    axis.set_title(f"Each signal alone, {lead_days} days before renewal")
    return _figure_html(figure, "Signal-by-signal AUC")


def _plot_weights(calibration: CalibrationResult | None, top: int = 20) -> str:
    """Configured against proposed weights of each profile: the `top` signals by either."""
    if calibration is None:
        return "<p>No calibration was run.</p>"
    profiles = calibration.profiles
    figure, axes = plt.subplots(1, len(profiles), figsize=(4.6 * len(profiles), 6.5))
    axes = np.atleast_1d(axes)
    for axis, profile in zip(axes, profiles, strict=True):
        signals = sorted(
            set(profile.proposed) | set(profile.configured),
            key=lambda s: -max(profile.proposed.get(s, 0), profile.configured.get(s, 0)),
        )[:top][::-1]
        y = np.arange(len(signals))
        configured = [profile.configured.get(s, 0) for s in signals]
        proposed = [profile.proposed.get(s, 0) for s in signals]
        axis.barh(y + 0.2, configured, 0.4, label="configured", color="#bbb")
        lows = [
            max(0.0, p - profile.lower.get(s, p)) for s, p in zip(signals, proposed, strict=True)
        ]
        highs = [
            max(0.0, profile.upper.get(s, p) - p) for s, p in zip(signals, proposed, strict=True)
        ]
        axis.barh(
            y - 0.2, proposed, 0.4, label="proposed", color="#337ab7", xerr=[lows, highs], capsize=2
        )
        axis.set_yticks(y, signals, fontsize=7)
        axis.set_title(f"{profile.profile} ({profile.status})", fontsize=9)
        axis.set_xlabel("weight (% of the profile)")
    axes[0].legend(fontsize=8)
    figure.suptitle("Configured against proposed weights (95% bootstrap intervals)")
    figure.tight_layout()
    return _figure_html(figure, "Configured against proposed weights")


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_report(
    database: Path,
    out_file: Path,
    *,
    calibration: CalibrationResult | None,
    truth_file: Path | None = None,
) -> Path:
    con = duckdb.connect(str(database), read_only=True)
    try:
        as_of = con.execute("select max(as_of_date) from marts.account_health").fetchone()[0]
        figures = headlines(con)
        segments = con.execute(
            """
            select segment_group, lead_days, renewals, churns, auc, auc_ci_lower, auc_ci_upper,
                   top_decile_lift, band_churn_rates, band_churn_rates_ordered, brier_score
            from marts.score_validation
            where subject = 'health_score'
            order by segment_group = 'all' desc, segment_group, lead_days
            """
        ).fetchall()
        lead = max((h.lead_days for h in figures), default=90)
        sections = [
            f"<h1>Health score validation, as of {as_of}</h1>",
            "<p>Each decided renewal is matched with the score its account had on the last "
            "scoring date before <em>renewal date − lead</em> (point in time: only data known "
            "then). AUC is the chance that a churned account had the lower score; 0.5 is a coin "
            "flip.</p>",
            "<h2>Headline (all segments, configured weights)</h2>",
            _table(
                [
                    "lead (days)",
                    "renewals",
                    "churns",
                    "AUC",
                    "95% interval",
                    "top-decile lift",
                    "churn rate by band",
                    "red > amber > green",
                    "Brier (held out)",
                ],
                [
                    [
                        h.lead_days,
                        h.renewals,
                        h.churns,
                        h.auc,
                        f"{_fmt(h.auc_ci[0])} – {_fmt(h.auc_ci[1])}",
                        h.top_decile_lift,
                        h.band_churn_rates,
                        h.bands_ordered,
                        h.brier,
                    ]
                    for h in figures
                ],
            ),
        ]
        if calibration is not None:
            ceiling = ceiling_auc(con, truth_file, held_out_after=calibration.split_date)
            sections += [
                f"<h2>Learned curves and weights, judged on later renewals "
                f"({calibration.judged_at}; renewals after {calibration.split_date})</h2>",
                _table(*calibration.comparison_table()),
            ]
            if ceiling is not None:
                sections.append(
                    f"<p>Ceiling: the company's hidden true churn probability reaches AUC "
                    f"{ceiling[0]:.3f} on the same {ceiling[1]:,} held-out renewals.</p>"
                )
            sections.append(_plot_weights(calibration))
        sections += [
            "<h2>ROC curves</h2>",
            _plot_roc(con),
            "<h2>Churn rate per band</h2>",
            _plot_bands(con),
            "<h2>Renewal probability calibration</h2>",
            _plot_calibration(con),
            "<h2>Which signals carry information</h2>",
            _plot_signals(con, lead),
            "<h2>Per segment (health score)</h2>",
            _table(
                [
                    "segment",
                    "lead",
                    "renewals",
                    "churns",
                    "AUC",
                    "CI low",
                    "CI high",
                    "lift",
                    "churn rate by band",
                    "ordered",
                    "Brier",
                ],
                [list(row) for row in segments],
            ),
        ]
    finally:
        con.close()
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Health score validation</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "th{background:#f3f3f3}img{max-width:100%;margin:0.5em 0}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page)
    return out_file
