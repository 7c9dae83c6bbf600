"""The validation report: a static HTML page with plots, written next to the warehouse, for
people: a written conclusion first (does the score rank churn, are the bands ordered, is the
renewal probability calibrated, what to do), signals by their labels grouped by category, yes/no
for booleans, bands and groups with too few renewals flagged, and the closed loop (did alerts
that were followed up renew more often).

It reads the validation marts (score_validation, score_validation_bands,
renewal_probability_calibration, renewal_backtest), the closed-loop mart
(alert_follow_up_effect) and the calibration result when one was run, and, when the landing
folder holds a demo company's hidden truth (_truth/renewal_truth.csv), the AUC that the true
churn probability reaches on the same renewals: the ceiling no score can beat. When the run
scored a challenger configuration in shadow, its "Challenger" section compares it with the
configuration in force (analysis/challenger.py).
"""

from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from orchestration.analysis.calibration import CalibrationResult  # noqa: E402
from orchestration.analysis.challenger import challenger_section  # noqa: E402
from orchestration.analysis.findings import (  # noqa: E402
    LeadJudgement,
    band_order_label,
    calibration_points,
    closed_loop_html,
    conclusion,
    judge_leads,
    thresholds,
)
from orchestration.analysis.html_page import (  # noqa: E402
    Html,
    callout,
    esc,
    join,
    page,
    paragraph,
    table,
    tag,
    yes_no,
)
from orchestration.analysis.metrics import roc_auc  # noqa: E402
from orchestration.analysis.reads import has_relation, location  # noqa: E402
from orchestration.analysis.validation_checks import Thresholds, judge_band_order  # noqa: E402
from orchestration.runtime import warehouse  # noqa: E402
from orchestration.runtime.warehouse import Location, Warehouse  # noqa: E402

BAND_COLOURS = {"red": "#d9534f", "amber": "#f0ad4e", "green": "#5cb85c"}
CATEGORY_COLOURS = {
    "product": "#337ab7",
    "support": "#8e44ad",
    "commercial": "#16a085",
    "relationship": "#d35400",
}
CATEGORY_ORDER = ("product", "support", "commercial", "relationship")


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


def headlines(con: Warehouse) -> list[Headline]:
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
    con: Warehouse,
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


def _figure_html(figure: plt.Figure, alt: str) -> Html:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode()
    return Html(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')


def _roc_points(churned: np.ndarray, risk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-risk, kind="stable")
    y = churned[order]
    thresholds = np.r_[np.flatnonzero(np.diff(risk[order])), len(y) - 1]
    tps = np.cumsum(y)[thresholds]
    fps = (thresholds + 1) - tps
    return np.r_[0, fps / max(1, fps[-1])], np.r_[0, tps / max(1, tps[-1])]


def _plot_roc(con: Warehouse) -> Html:
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


def _plot_bands(con: Warehouse, min_band_renewals: int) -> Html:
    """Churn rate per band and lead time; a band with fewer than `min_band_renewals` renewals
    is drawn hatched and pale, its count marked too few."""
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
    figure, axis = plt.subplots(figsize=(7, 4.2))
    width = 0.8 / max(1, len(bands))
    for index, band in enumerate(bands):
        found = [next((r for r in rows if r[0] == lead and r[1] == band), None) for lead in leads]
        values = [100 * ((r[3] if r else None) or 0) for r in found]
        counts = [(r[4] if r else 0) or 0 for r in found]
        positions = np.arange(len(leads)) + index * width
        bars = axis.bar(positions, values, width, label=band, color=BAND_COLOURS.get(band, "#777"))
        for bar, count in zip(bars, counts, strict=True):
            small = count < min_band_renewals
            if small:
                bar.set_alpha(0.35)
                bar.set_hatch("//")
            axis.annotate(
                f"n={count}" + ("\ntoo few" if small else ""),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=7,
                color="#9a3412" if small else "#222",
            )
    axis.set_xticks(
        np.arange(len(leads)) + width * (len(bands) - 1) / 2, [f"{lead} days" for lead in leads]
    )
    axis.set_ylabel("churn rate at the renewal (%)")
    axis.set_xlabel("score taken this many days before the renewal")
    axis.set_title("Churn rate per band of past scores")
    axis.margins(y=0.15)
    axis.legend(fontsize=8)
    return _figure_html(figure, "Churn rate per band")


def _plot_calibration(con: Warehouse, leads: list[int]) -> Html:
    """Predicted against observed renewal rate per probability decile, at the judged lead
    times: one panel each, the axes fitted to the points (the same range on both, so the
    diagonal is perfect calibration), each point sized by and labelled with its renewals."""
    rows = calibration_points(con)
    shown = [lead for lead in leads if any(r.lead_days == lead for r in rows)]
    if not shown:
        return paragraph("No held-out renewal has a renewal probability yet.")
    figure, axes = plt.subplots(1, len(shown), figsize=(4.6 * len(shown), 4.6), squeeze=False)
    largest = max(r.renewals for r in rows)
    for axis, lead in zip(axes[0], shown, strict=True):
        points = [r for r in rows if r.lead_days == lead]
        values = [r.predicted for r in points] + [r.observed for r in points]
        low, high = min(values), max(values)
        pad = max(0.03, 0.08 * (high - low))
        low, high = max(0.0, low - pad), min(1.0 + pad / 2, high + pad)
        axis.plot([low, high], [low, high], color="#999", linestyle="--", linewidth=1)
        axis.scatter(
            [r.predicted for r in points],
            [r.observed for r in points],
            s=[30 + 270 * r.renewals / largest for r in points],
            color="#337ab7",
            alpha=0.7,
            edgecolor="white",
        )
        for point in points:
            axis.annotate(
                f"{point.renewals:,}",
                (point.predicted, point.observed),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=7,
                color="#444",
            )
        axis.set_xlim(low, high)
        axis.set_ylim(low, high)
        axis.set_aspect("equal")
        axis.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        axis.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
        axis.set_xlabel("predicted renewal probability (decile mean)")
        axis.set_ylabel("renewals that happened")
        axis.set_title(f"{lead} days before renewal")
    figure.suptitle(
        "Calibration on later renewals: on the dashed line the probability was right;\n"
        "each point is a tenth of the renewals, labelled with how many"
    )
    figure.tight_layout()
    return _figure_html(figure, "Calibration: predicted against observed renewal rates")


def signal_labels(con: Warehouse) -> dict[str, tuple[str, str]]:
    """signal -> (category, label): the run's catalogue (with the signals of the company's own
    event names) when the warehouse has it, else the signal_catalogue seed."""
    for relation in ("intermediate.int_signal_catalogue", "config.signal_catalogue"):
        if not has_relation(con, relation):
            continue
        rows = con.execute(f"select signal, category, label from {relation}").fetchall()
        return {signal: (category, label) for signal, category, label in rows}
    return {}


def _label(labels: dict[str, tuple[str, str]], signal: str) -> str:
    return labels.get(signal, ("", signal.replace("_", " ")))[1]


def _category_rank(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def _signal_rows(
    con: Warehouse, lead_days: int, labels: dict[str, tuple[str, str]]
) -> list[tuple[str, str, str, float, float | None, float | None, int, int]]:
    """(category, label, subject, auc, low, high, renewals, churns) of the score and every
    signal at a lead time, grouped by category (the score first), best AUC first in each."""
    rows = con.execute(
        """
        select subject, auc, auc_ci_lower, auc_ci_upper, renewals, churns
        from marts.score_validation
        where segment_group = 'all' and lead_days = ? and auc is not null
        """,
        [lead_days],
    ).fetchall()
    out = []
    for subject, auc, low, high, renewals, churns in rows:
        if subject == "health_score":
            category, label = "score", "Health score (all signals)"
        else:
            category, label = labels.get(subject, ("other", subject.replace("_", " ")))
        out.append((category, label, subject, auc, low, high, int(renewals), int(churns)))
    out.sort(key=lambda r: (r[0] != "score", _category_rank(r[0]), r[0], -r[3], r[1]))
    return out


def _plot_signals(
    rows: list[tuple[str, str, str, float, float | None, float | None, int, int]],
    lead_days: int,
) -> Html:
    rows = rows[::-1]  # matplotlib draws the first row at the bottom
    figure, axis = plt.subplots(figsize=(8, 0.26 * len(rows) + 1.4))
    y = np.arange(len(rows))
    aucs = np.array([r[3] for r in rows])
    errors = np.array(
        [
            [r[3] - (r[4] if r[4] is not None else r[3]) for r in rows],
            [(r[5] if r[5] is not None else r[3]) - r[3] for r in rows],
        ]
    )
    colours = ["#222" if r[0] == "score" else CATEGORY_COLOURS.get(r[0], "#8fb3d9") for r in rows]
    axis.barh(y, aucs - 0.5, left=0.5, color=colours, xerr=errors, capsize=2)
    axis.axvline(0.5, color="#999", linestyle="--", linewidth=1)
    axis.set_yticks(y, [f"{r[1]}  ({r[0]})" for r in rows], fontsize=8)
    for tick, row in zip(axis.get_yticklabels(), rows, strict=True):
        tick.set_color("#222" if row[0] == "score" else CATEGORY_COLOURS.get(row[0], "#555"))
    axis.set_ylim(-0.7, len(rows) - 0.3)
    axis.set_xlabel("AUC (0.5 = chance; above it the signal ranks churn), 95% bootstrap interval")
    axis.set_title(f"Each signal alone, {lead_days} days before renewal, grouped by category")
    return _figure_html(figure, "Signal-by-signal AUC, grouped by category")


def _signal_tables(
    rows: list[tuple[str, str, str, float, float | None, float | None, int, int]],
    min_churns: int,
) -> Html:
    parts = []
    for category in dict.fromkeys(r[0] for r in rows if r[0] != "score"):
        body = []
        for _, label, _, auc, low, high, renewals, churns in (r for r in rows if r[0] == category):
            if churns < min_churns:
                verdict: object = tag("span", f"{churns} churns: too few to judge", class_="small")
            elif low is not None and low > 0.5:
                verdict = "ranks churn"
            elif high is not None and high < 0.5:
                verdict = "ranks churn backwards"
            else:
                verdict = "no better than chance"
            interval = "-" if low is None else f"{low:.2f} – {high:.2f}"
            body.append([label, f"{auc:.2f}", interval, f"{renewals:,}", f"{churns:,}", verdict])
        parts.append(
            join(
                [
                    tag("h3", category.capitalize()),
                    table(
                        ["signal", "AUC", "95% interval", "renewals", "churned", "reading"],
                        body,
                        numeric=(1, 2, 3, 4),
                    ),
                ]
            )
        )
    return join(parts)


def _plot_weights(
    calibration: CalibrationResult, labels: dict[str, tuple[str, str]], top: int = 20
) -> Html:
    """Configured against proposed weights of each profile: the `top` signals by either."""
    profiles = calibration.profiles
    figure, axes = plt.subplots(1, len(profiles), figsize=(5.2 * len(profiles), 6.5))
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
        axis.set_yticks(y, [_label(labels, s) for s in signals], fontsize=7)
        axis.set_title(f"{profile.profile} ({profile.status})", fontsize=9)
        axis.set_xlabel("weight (% of the profile)")
    axes[0].legend(fontsize=8)
    figure.suptitle("Configured against proposed weights (95% bootstrap intervals)")
    figure.tight_layout()
    return _figure_html(figure, "Configured against proposed weights")


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _interval(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{low:.3f} – {high:.3f}"


def _ordered_cell(lead: LeadJudgement) -> object:
    if not lead.band_verdict.judged:
        return tag("span", "too few to judge", class_="small")
    return yes_no(lead.band_verdict.passed)


def _band_cell(bands: list[tuple[str, int, int, float | None]], min_renewals: int) -> Html:
    """Churn rate per band, a band with too few renewals flagged."""
    parts = []
    for name, _, renewals, rate in bands:
        text = f"{name} {'-' if rate is None else f'{100 * rate:.1f}%'} of {renewals:,}"
        if renewals < min_renewals:
            parts.append(
                join(
                    [
                        esc(text),
                        tag(
                            "span",
                            f" ({renewals} renewal{'s' if renewals != 1 else ''}: too few "
                            "to judge)",
                            class_="small",
                        ),
                    ]
                )
            )
        else:
            parts.append(esc(text))
    return join(parts, "; ")


def _segment_rows(con: Warehouse, limits: Thresholds) -> list[list[object]]:
    """The health score per segment and lead time; the band order judged as the checks judge
    it (too few churns or a band too small: too few to judge)."""
    min_band_renewals = limits.min_band_renewals
    rows = con.execute(
        """
        select segment_group, lead_days, renewals, churns, auc, auc_ci_lower, auc_ci_upper,
               top_decile_lift, band_churn_rates_ordered, brier_score
        from marts.score_validation
        where subject = 'health_score'
        order by segment_group = 'all' desc, segment_group, lead_days
        """
    ).fetchall()
    bands = con.execute(
        """
        select segment_group, lead_days, health_band, band_rank, renewals, churn_rate
        from marts.score_validation_bands
        where subject = 'health_score'
        order by band_rank
        """
    ).fetchall()
    out = []
    for segment, lead, renewals, churns, auc, low, high, lift, _, brier in rows:
        mine = [(b[2], b[3], b[4], b[5]) for b in bands if (b[0], b[1]) == (segment, lead)]
        verdict = judge_band_order(
            mine, lead_days=lead, min_churns=limits.min_churns, min_band_renewals=min_band_renewals
        )
        order: object = (
            yes_no(verdict.passed)
            if verdict.judged
            else tag("span", "too few to judge", class_="small")
        )
        out.append(
            [
                segment,
                lead,
                f"{renewals:,}",
                f"{churns:,}",
                _fmt(auc),
                _interval(low, high),
                _fmt(lift),
                _band_cell(mine, min_band_renewals),
                order,
                _fmt(brier),
            ]
        )
    return out


def _figure_headers(band_order: str, *, lift: bool = True) -> list[str]:
    """The headers of a table of validation figures, from the renewals to the band order
    (`band_order`: the bands worst first, "red > amber > green")."""
    return [
        "renewals",
        "churned",
        "AUC",
        "95% interval",
        *(["top-decile lift"] if lift else []),
        "churn rate by band",
        band_order,
    ]


def _comparison(calibration: CalibrationResult, min_band_renewals: int, band_order: str) -> Html:
    rows = []
    for row in calibration.comparison:
        rates = [(band, 0, n, rate) for band, rate, n in row["band_churn_rates"]]  # type: ignore[attr-defined]
        small = any(n < min_band_renewals for _, _, n, _ in rates)
        ordered = bool(row["bands_ordered"] and row["all_bands_used"])
        low, high = row["auc_ci"] or (None, None)  # type: ignore[misc]
        rows.append(
            [
                row["group"],
                row["weights"],
                _fmt(row["renewals"]),
                _fmt(row["churns"]),
                _fmt(row["auc"]),
                _interval(low, high),
                _fmt(row["top_decile_lift"]),
                _band_cell(rates, min_band_renewals),
                tag("span", "too few to judge", class_="small") if small else yes_no(ordered),
            ]
        )
    return table(
        ["group", "weights", *_figure_headers(band_order)],
        rows,
        numeric=(2, 3, 4, 5, 6),
        wide=(7,),
    )


def write_report(
    database: Location,
    out_file: Path,
    *,
    calibration: CalibrationResult | None,
    truth_file: Path | None = None,
    calibration_skipped: str | None = None,
) -> Path:
    con = warehouse.connect(location(database), read_only=True)
    try:
        as_of = con.execute("select max(as_of_date) from marts.account_health").fetchone()[0]
        limits = thresholds(con)
        band_order = band_order_label(con)
        leads = judge_leads(con, limits, longest_only=False)
        longest = [lead.lead_days for lead in judge_leads(con, limits, longest_only=True)]
        labels = signal_labels(con)
        signal_lead = max(longest, default=max((lead.lead_days for lead in leads), default=90))
        signal_rows = _signal_rows(con, signal_lead, labels)
        sections: list[object] = [
            tag("h1", f"Health score validation, as of {as_of}"),
            paragraph(
                "Each decided renewal is matched with the score its account had on the last "
                "scoring date before renewal date − lead (point in time: only data known then). "
                "AUC is the chance that an account that churned had the lower score; 0.5 is a "
                "coin flip, 1 a perfect ranking.",
                "meta",
            ),
            tag("h2", "What it means", id="conclusion"),
            callout(
                join(
                    paragraph(sentence)
                    for sentence in conclusion(con, has_proposal=calibration is not None)
                )
            ),
            tag("h2", "Headline (all segments, configured weights)", id="headline"),
            table(
                ["lead (days)", "term", *_figure_headers(band_order, lift=False)],
                [
                    [
                        lead.lead_days,
                        lead.term_classes,
                        f"{lead.renewals:,}",
                        f"{lead.churns:,}",
                        _fmt(lead.auc),
                        _interval(*lead.auc_ci),
                        _band_cell(lead.bands, limits.min_band_renewals),
                        _ordered_cell(lead),
                    ]
                    for lead in leads
                ],
                numeric=(0, 2, 3, 4, 5),
                wide=(6,),
            ),
            paragraph(
                f"A band with fewer than {limits.min_band_renewals} renewals, or a lead time "
                f"with fewer than {limits.min_churns} churns, is too few to judge "
                "(healthscore_check_min_band_renewals, healthscore_check_min_churns).",
                "note",
            ),
        ]
        if calibration is not None:
            ceiling = ceiling_auc(con, truth_file, held_out_after=calibration.split_date)
            sections += [
                tag(
                    "h2",
                    f"Learned curves and weights, judged on later renewals "
                    f"({calibration.judged_at}; renewals after {calibration.split_date})",
                    id="proposal",
                ),
                _comparison(calibration, limits.min_band_renewals, band_order),
            ]
            if ceiling is not None:
                sections.append(
                    paragraph(
                        f"Ceiling: the company's hidden true churn probability reaches AUC "
                        f"{ceiling[0]:.3f} on the same {ceiling[1]:,} held-out renewals."
                    )
                )
            sections.append(_plot_weights(calibration, labels))
        elif calibration_skipped:
            sections += [
                tag("h2", "Learned curves and weights", id="proposal"),
                paragraph(f"Not learned: {calibration_skipped}."),
            ]
        sections += challenger_section(con)
        sections += [
            tag("h2", "ROC curves", id="roc"),
            _plot_roc(con),
            tag("h2", "Churn rate per band", id="bands"),
            _plot_bands(con, limits.min_band_renewals),
            tag("h2", "Renewal probability calibration", id="calibration"),
            _plot_calibration(con, longest),
            tag("h2", "Which signals carry information", id="signals"),
            paragraph(
                f"Each signal alone, {signal_lead} days before renewal: how well it ranks the "
                "renewals that churned below those that renewed, grouped by category."
            ),
            _plot_signals(signal_rows, signal_lead),
            _signal_tables(signal_rows, limits.min_churns),
            tag("h2", "Per segment (health score)", id="segments"),
            table(
                ["segment", "lead (days)", *_figure_headers(band_order), "Brier (held out)"],
                _segment_rows(con, limits),
                numeric=(1, 2, 3, 4, 5, 6, 9),
                wide=(7,),
            ),
            tag("h2", "Did acting on alerts help?", id="closed-loop"),
            closed_loop_html(con),
        ]
    finally:
        con.close()
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page(f"Health score validation, {as_of}", sections))
    return out_file
