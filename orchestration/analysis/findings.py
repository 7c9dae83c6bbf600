"""What the validation and the closed-loop marts mean, in words: shared by the weekly review
page (a warning when the bands do not rank churn, the closed-loop section) and the validation
report (its written conclusion, the closed-loop section), and the week's new alerts (the
review and the run summary).

The rules are the Dagster checks' (analysis.validation_checks) with the thresholds the build
used (marts.validation_thresholds): the AUC and the band order are judged at the longest lead
time of each term class, and a band or a lead time with too few renewals is said to be too
small to judge rather than judged.

The queries run on every engine (runtime/warehouse.py): `con` is a Warehouse (or a plain
DuckDB connection).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orchestration.analysis.html_page import Html, esc, join, paragraph, percent, table, tag
from orchestration.analysis.reads import has_relation
from orchestration.analysis.validation_checks import (
    Thresholds,
    ThresholdsMissing,
    Verdict,
    judge_lead,
    read_lead_figures,
    read_thresholds,
)
from orchestration.runtime.warehouse import Warehouse

FOLLOW_UP_EFFECT = "marts.alert_follow_up_effect"
FOLLOW_UP_ALERTS = "marts.alert_follow_ups"
# Calibration: predicted and observed renewal rates within this many points on average
# (weighted by renewals) is called calibrated.
CALIBRATED_GAP = 0.05


@dataclass(frozen=True)
class NewAlerts:
    """The alerts of marts.health_alerts detected in the `days` days up to the as-of date."""

    days: int
    logged: int  # raised on a scoring date and logged (int_health_alert_events)
    provisional: int  # a mid-week drop, which the next scoring date confirms or drops

    def provisional_words(self) -> str:
        """Nothing when there is no provisional alert, else ", and 2 provisional ones ..."."""
        if not self.provisional:
            return ""
        return (
            f", and {self.provisional:,} provisional (not logged yet: the next scoring date "
            "confirms or drops them)"
        )


def new_alerts(con: Warehouse, as_of: dt.date, days: int) -> NewAlerts:
    """The logged and the provisional alerts detected after as_of - days, up to as_of."""
    logged, provisional = con.execute(
        """
        select count(*) filter (where not is_provisional), count(*) filter (where is_provisional)
        from marts.health_alerts
        where detected_on > ? and detected_on <= ?
        """,
        [as_of - dt.timedelta(days=days), as_of],
    ).fetchone()
    return NewAlerts(days, int(logged), int(provisional))


def band_order_label(con: Warehouse) -> str:
    """The bands worst first (config.health_bands' band_rank), as the order their churn rates
    should follow: "red > amber > green"."""
    names = con.execute("select health_band from config.health_bands order by band_rank").fetchall()
    return " > ".join(name for (name,) in names)


def thresholds(con: Warehouse) -> Thresholds:
    """The thresholds the build used; dbt_project.yml's defaults for a warehouse built before
    marts.validation_thresholds existed."""
    try:
        return read_thresholds(con)
    except ThresholdsMissing:
        from orchestration.analysis.validation import project_vars

        found = project_vars()
        return Thresholds(
            float(found["healthscore_check_min_auc"]),
            float(found["healthscore_check_min_coverage"]),
            int(found["healthscore_check_min_churns"]),
            int(found["healthscore_check_min_band_renewals"]),
        )


@dataclass(frozen=True)
class LeadJudgement:
    """The health score judged at one lead time (all segments)."""

    lead_days: int
    term_classes: str
    renewals: int
    churns: int
    auc: float | None
    auc_ci: tuple[float | None, float | None]
    auc_verdict: Verdict
    band_verdict: Verdict
    bands: list[tuple[str, int, int, float | None]]  # band, rank, renewals, churn rate

    @property
    def ranks_churn(self) -> bool | None:
        """True when the AUC's interval is above chance, False when it includes or is below
        it, None when there are too few churns to say."""
        if not self.auc_verdict.judged or self.auc_ci[0] is None:
            return None
        return self.auc_ci[0] > 0.5


def lead_times(con: Warehouse) -> dict[int, tuple[str, bool]]:
    """Each lead time of the backtest: its term classes ("annual, monthly") and whether it is
    the longest of a term class. (Aggregated here: Spark 3.5 has no ordered string_agg.)"""
    rows = con.execute(
        "select distinct lead_days, term_class, is_longest_lead from marts.renewal_backtest"
    ).fetchall()
    classes: dict[int, set[str]] = {}
    longest: dict[int, bool] = {}
    for lead, term_class, is_longest in rows:
        classes.setdefault(int(lead), set()).add(term_class)
        longest[int(lead)] = longest.get(int(lead), False) or bool(is_longest)
    return {lead: (", ".join(sorted(classes[lead])), longest[lead]) for lead in sorted(classes)}


def judge_leads(con: Warehouse, limits: Thresholds, *, longest_only: bool) -> list[LeadJudgement]:
    """The score's AUC and band order per lead time (every lead time, or only the longest of
    each term class, which the checks and the review's warning use)."""
    leads = lead_times(con)
    out = []
    for lead, (classes, longest) in leads.items():
        if longest_only and not longest:
            continue
        figures = read_lead_figures(con, int(lead))
        auc_verdict, band_verdict = judge_lead(figures, limits, lead_days=int(lead))
        out.append(
            LeadJudgement(
                int(lead),
                classes,
                figures.renewals,
                figures.churns,
                figures.auc,
                (figures.auc_ci_lower, figures.auc_ci_upper),
                auc_verdict,
                band_verdict,
                figures.bands,
            )
        )
    return out


def band_rates_words(bands: list[tuple[str, int, int, float | None]], min_renewals: int) -> str:
    """'red 40% of 5 renewals (too few to judge), amber 25% of 20, green 8% of 119'."""
    parts = []
    for name, _, renewals, rate in bands:
        text = f"{name} {percent(rate, 1)} of {renewals:,}"
        if renewals < min_renewals:
            text += f" ({renewals} renewal{'s' if renewals != 1 else ''}: too few to judge)"
        parts.append(text)
    return ", ".join(parts)


def _small_bands(lead: LeadJudgement, limits: Thresholds) -> list[str]:
    return [
        f"{name} {renewals}"
        for name, _, renewals, _ in lead.bands
        if renewals < limits.min_band_renewals
    ]


def _too_small(lead: LeadJudgement, limits: Thresholds) -> str:
    """Why a lead time's band order cannot be judged, in words."""
    small = _small_bands(lead, limits)
    if small:
        return (
            f"a band has too few renewals ({', '.join(small)}; at least "
            f"{limits.min_band_renewals} are needed)"
        )
    return f"too few churned renewals ({lead.churns}; at least {limits.min_churns} are needed)"


@dataclass(frozen=True)
class ScoreWarning:
    """The review page's verdict on the latest validation: `kind` warning (the bands or the
    score do not rank churn at a judged lead time), unknown (nothing could be judged) or ok."""

    kind: str
    sentences: list[str]


def score_warning(con: Warehouse) -> ScoreWarning:
    limits = thresholds(con)
    judged = judge_leads(con, limits, longest_only=True)
    failing: list[str] = []
    passing: list[str] = []
    unjudged: list[str] = []
    for lead in judged:
        when = f"{lead.lead_days} days before renewal ({lead.term_classes} terms)"
        rates = band_rates_words(lead.bands, limits.min_band_renewals)
        if lead.band_verdict.judged and not lead.band_verdict.passed:
            failing.append(
                f"At {when} the bands did not rank churn: the churn rates were {rates}, "
                "not falling from the worst band to the best."
            )
        if lead.auc_verdict.judged and not lead.auc_verdict.passed:
            failing.append(
                f"At {when} the score separated churned from renewed accounts weakly: AUC "
                f"{lead.auc:.2f} (0.5 is a coin flip), below the floor {limits.min_auc:.2f}."
            )
        if lead.band_verdict.judged and lead.band_verdict.passed:
            passing.append(f"at {when}: {rates}")
        elif not lead.band_verdict.judged:
            unjudged.append(f"at {when}, {_too_small(lead, limits)}")
    if failing:
        return ScoreWarning(
            "warning",
            [
                "Warning: the latest validation shows the bands do not reliably rank churn.",
                *failing,
                "Read red and amber as a prompt to look, not as a verdict; recalibrate "
                "(healthscore validate, then healthscore adopt) before relying on the bands.",
            ],
        )
    if not passing:
        return ScoreWarning(
            "unknown",
            [
                "The latest validation cannot judge the bands yet"
                + (f": {'; '.join(unjudged)}." if unjudged else ": no decided renewal.")
            ],
        )
    sentences = [
        "The latest validation: past red accounts churned more often than amber ones, and "
        "amber more than green, " + "; ".join(passing) + "."
    ]
    if unjudged:
        sentences.append("Not judged " + "; ".join(unjudged) + ".")
    return ScoreWarning("ok", sentences)


@dataclass(frozen=True)
class CalibrationFit:
    lead_days: int
    renewals: int
    mean_gap: float  # mean |predicted - observed|, weighted by renewals
    worst_gap: float
    worst_predicted: float
    worst_observed: float
    worst_renewals: int


@dataclass(frozen=True)
class CalibrationPoint:
    """One probability decile of held-out renewals (all segments) at one lead time."""

    lead_days: int
    renewals: int
    predicted: float  # the decile's mean predicted renewal probability
    observed: float  # its observed renewal rate


def calibration_points(con: Warehouse) -> list[CalibrationPoint]:
    """The deciles of marts.renewal_probability_calibration with renewals, by lead time."""
    rows = con.execute(
        """
        select lead_days, renewals, mean_predicted_renewal_probability, observed_renewal_rate
        from marts.renewal_probability_calibration
        where segment_group = 'all' and renewals > 0
        order by lead_days, probability_decile
        """
    ).fetchall()
    return [CalibrationPoint(int(lead), int(n), p, o) for lead, n, p, o in rows]


def calibration_fits(con: Warehouse) -> list[CalibrationFit]:
    rows = calibration_points(con)
    fits = []
    for lead in sorted({r.lead_days for r in rows}):
        points = [r for r in rows if r.lead_days == lead]
        total = sum(r.renewals for r in points)
        gap = sum(r.renewals * abs(r.predicted - r.observed) for r in points) / total
        worst = max(points, key=lambda r: abs(r.predicted - r.observed))
        fits.append(
            CalibrationFit(
                lead,
                total,
                gap,
                abs(worst.predicted - worst.observed),
                worst.predicted,
                worst.observed,
                worst.renewals,
            )
        )
    return fits


def conclusion(con: Warehouse, *, has_proposal: bool = True) -> list[str]:
    """The validation report's written conclusion: does the score rank churn at each lead
    time, are the bands ordered, is the renewal probability calibrated, what to do
    (`has_proposal`: the report shows a calibration's proposal)."""
    limits = thresholds(con)
    leads = judge_leads(con, limits, longest_only=False)
    if not leads:
        return [
            "No decided renewal has a past score yet, so nothing can be judged. Come back after "
            "the first renewals have settled."
        ]
    ranks = [lead for lead in leads if lead.ranks_churn]
    chance = [lead for lead in leads if lead.ranks_churn is False]
    too_few = [lead for lead in leads if lead.ranks_churn is None]
    sentences = []

    def days(items: list[LeadJudgement]) -> str:
        return _and([str(lead.lead_days) for lead in items]) + " days"

    if ranks:
        aucs = [lead.auc for lead in ranks if lead.auc is not None]
        sentences.append(
            f"The score ranks churn better than chance at {days(ranks)} before renewal: of two "
            f"accounts, one that churned and one that renewed, the one that churned had the "
            f"lower score {min(aucs):.0%} to {max(aucs):.0%} of the time (AUC "
            f"{min(aucs):.2f}–{max(aucs):.2f})."
        )
    if chance:
        sentences.append(
            f"At {days(chance)} the score cannot be told apart from chance (the AUC's 95% "
            "interval reaches 0.5)."
        )
    if too_few:
        sentences.append(
            f"At {days(too_few)} there are too few churned renewals to judge whether the score "
            f"ranks churn (at least {limits.min_churns} are needed)."
        )
    ordered = [lead for lead in leads if lead.band_verdict.judged and lead.band_verdict.passed]
    disordered = [
        lead for lead in leads if lead.band_verdict.judged and not lead.band_verdict.passed
    ]
    small = [lead for lead in leads if not lead.band_verdict.judged]
    if ordered:
        sentences.append(
            f"The bands are ordered (red churned more than amber, amber more than green) at "
            f"{days(ordered)}."
        )
    if disordered:
        sentences.append(
            f"They are not ordered at {days(disordered)}: "
            + "; ".join(
                band_rates_words(lead.bands, limits.min_band_renewals) for lead in disordered
            )
            + "."
        )
    small_bands = [lead for lead in small if _small_bands(lead, limits)]
    few_churns = [lead for lead in small if not _small_bands(lead, limits)]
    reasons = []
    if small_bands:
        reasons.append(
            _and(
                [
                    f"{lead.lead_days} days ({', '.join(_small_bands(lead, limits))} renewals)"
                    for lead in small_bands
                ]
            )
            + f", where a band has fewer than the {limits.min_band_renewals} renewals needed"
        )
    if few_churns:
        reasons.append(
            f"{days(few_churns)}, with fewer than the {limits.min_churns} churned renewals needed"
        )
    if reasons:
        sentences.append("The band order cannot be judged at " + "; nor at ".join(reasons) + ".")
    fits = calibration_fits(con)
    # Tenths of fewer than min_band_renewals renewals each: too few to judge the calibration.
    thin = [fit for fit in fits if fit.renewals < 10 * limits.min_band_renewals]
    calibrated = [fit for fit in fits if fit not in thin and fit.mean_gap <= CALIBRATED_GAP]
    off = [fit for fit in fits if fit not in thin and fit.mean_gap > CALIBRATED_GAP]
    if calibrated:
        sentences.append(
            "The renewal probability is calibrated at "
            + _and([str(fit.lead_days) for fit in calibrated])
            + " days: on the later renewals it was within "
            + f"{max(fit.mean_gap for fit in calibrated):.0%} of the renewal rate that "
            "happened, on average."
        )
    if off:
        sentences.append(
            "It is off at "
            + _and(
                [
                    f"{fit.lead_days} days (by {fit.mean_gap:.0%} on average; at worst "
                    f"{fit.worst_predicted:.0%} predicted, {fit.worst_observed:.0%} renewed)"
                    for fit in off
                ]
            )
            + "."
        )
    if thin:
        sentences.append(
            "At "
            + _and([f"{fit.lead_days} days ({fit.renewals:,} later renewals)" for fit in thin])
            + " there are too few later renewals to judge the calibration."
        )
    if not fits:
        sentences.append("No held-out renewal has a renewal probability yet: no calibration.")
    judged = [lead for lead in leads if lead.auc_verdict.judged or lead.band_verdict.judged]
    failing = [
        lead
        for lead in judged
        if (lead.auc_verdict.judged and not lead.auc_verdict.passed)
        or (lead.band_verdict.judged and not lead.band_verdict.passed)
    ]
    if not judged:
        action = (
            "What to do: nothing can be concluded yet; keep the configured weights and read "
            "this report again once more renewals have settled."
        )
    elif failing:
        action = "What to do: use the score to choose whom to look at first, not as a verdict; " + (
            "adopt the proposal below (`healthscore adopt`) if it does better on the later "
            "renewals."
            if has_proposal
            else "run `healthscore validate` and adopt its proposal (`healthscore adopt`) "
            "if it does better on the later renewals."
        )
    else:
        action = "What to do: act on red and amber as the bands say" + (
            "; adopt the proposal below only if it does better on the later renewals."
            if has_proposal
            else "."
        )
    if off:
        action += (
            " Read the renewal probability as a ranking rather than a forecast where it is off."
        )
    sentences.append(action)
    return sentences


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# The closed loop ---------------------------------------------------------------------------

ASSOCIATION_SENTENCE = (
    "This is an observed association, not a controlled experiment: owners choose whom to "
    "contact, and the accounts they reach differ from those they do not, so a difference "
    "here is not proof that following up caused it."
)


@dataclass(frozen=True)
class EffectRow:
    alert_type: str
    new_band: str
    follow_up_status: str
    alerts: int
    decided: int
    renewed: int
    rate: float | None
    low: float | None
    high: float | None
    difference: float | None
    difference_low: float | None
    difference_high: float | None


def follow_up_effect(con: Warehouse) -> list[EffectRow] | None:
    """The rows of marts.alert_follow_up_effect (None when the warehouse has no such mart)."""
    if not has_relation(con, FOLLOW_UP_EFFECT):
        return None
    rows = con.execute(
        f"""
        select alert_type, new_band, follow_up_status, alerts, decided_renewals, renewed,
               renewal_rate, renewal_rate_ci_lower, renewal_rate_ci_upper,
               renewal_rate_difference, renewal_rate_difference_ci_lower,
               renewal_rate_difference_ci_upper
        from {FOLLOW_UP_EFFECT}
        order by alert_type = 'all', alert_type, new_band = 'all', new_band, follow_up_status
        """
    ).fetchall()
    return [EffectRow(*row) for row in rows]


def _rate_words(row: EffectRow | None, min_renewals: int) -> str:
    if row is None or row.decided == 0:
        return "no decided renewal"
    text = (
        f"{percent(row.rate)} renewed ({row.renewed:,} of {row.decided:,}; 95% interval "
        f"{percent(row.low)}–{percent(row.high)})"
    )
    if row.decided < min_renewals:
        text += f" — {row.decided} renewal{'s' if row.decided != 1 else ''}: too few to judge"
    return text


def _group_label(alert_type: str, new_band: str) -> str:
    if alert_type == "all":
        return "All alerts"
    kind = {"check_in": "Check-ins", "escalation": "Escalations"}.get(alert_type, alert_type)
    return f"{kind} into {new_band}" if new_band != "all" else kind


def closed_loop_groups(
    rows: list[EffectRow],
) -> list[tuple[str, EffectRow | None, EffectRow | None, EffectRow | None]]:
    """(label, followed up, not followed up, both) per alert type and band, 'all' last."""
    keys = []
    for row in rows:
        if (row.alert_type, row.new_band) not in keys:
            keys.append((row.alert_type, row.new_band))
    out = []
    for alert_type, new_band in keys:
        found = {
            row.follow_up_status: row
            for row in rows
            if (row.alert_type, row.new_band) == (alert_type, new_band)
        }
        out.append(
            (
                _group_label(alert_type, new_band),
                found.get("followed_up"),
                found.get("not_followed_up"),
                found.get("all"),
            )
        )
    return out


def points(share: float) -> str:
    """A difference of shares in signed percentage points, never '-0'."""
    value = round(100 * share)
    return f"{value:+d}" if value else "0"


def _follow_up_days(con: Warehouse) -> int | None:
    """The follow-up window the build used (healthscore_follow_up_days), from the alerts."""
    if not has_relation(con, FOLLOW_UP_ALERTS):
        return None
    days = con.execute(
        f"select max(date_diff('day', detected_on, follow_up_window_end)) from {FOLLOW_UP_ALERTS}"
    ).fetchone()[0]
    return None if days is None else int(days)


def closed_loop_html(con: Warehouse) -> Html:
    """The closed-loop section's body: renewal rates of followed-up alerts against the others,
    per alert type and band, with counts and intervals, and what it means."""
    rows = follow_up_effect(con)
    if rows is None:
        return paragraph(
            f"This warehouse has no {FOLLOW_UP_EFFECT}: build it again (healthscore run) to "
            "see whether alerts that were followed up renewed more often."
        )
    limits = thresholds(con)
    follow_up_days = _follow_up_days(con)
    window = (
        f"within {follow_up_days} days of the alert"
        if follow_up_days is not None
        else "within the follow-up window after the alert"
    )
    intro = paragraph(
        "For every past alert whose follow-up window has ended: did the account's owner reach "
        f"out (an outbound meeting, QBR, call or email logged for the account {window}), and "
        "did the account renew at its next renewal? Only decided renewals count, each once "
        "however many alerts came before it (followed up when any of them was)."
    )
    if not rows:
        return join(
            [intro, paragraph("No alert has both an ended follow-up window and a renewal yet.")]
        )
    groups = closed_loop_groups(rows)

    def cells(row: EffectRow | None) -> list[object]:
        if row is None:
            return ["0", "0", "-", "-"]
        rate: object = percent(row.rate)
        if row.decided and row.decided < limits.min_band_renewals:
            rate = join([esc(percent(row.rate)), tag("span", " too few to judge", class_="small")])
        interval = f"{percent(row.low)}–{percent(row.high)}" if row.decided else "-"
        return [f"{row.alerts:,}", f"{row.decided:,}", rate, interval]

    def difference(row: EffectRow | None) -> str:
        if row is None or row.difference is None:
            return "-"
        return (
            f"{points(row.difference)} points "
            f"({points(row.difference_low or 0)} to {points(row.difference_high or 0)})"
        )

    body = [
        [label, *cells(acted), *cells(not_acted), difference(both)]
        for label, acted, not_acted, both in groups
    ]
    headers = [
        "alert type, into band",
        "alerts",
        "decided renewals",
        "renewed",
        "95% interval",
        "alerts",
        "decided renewals",
        "renewed",
        "95% interval",
        "renewal rate difference (95% interval)",
    ]
    column_groups = [("", 1), ("followed up", 4), ("not followed up", 4), ("", 1)]
    overall = next(
        ((a, n, b) for label, a, n, b in groups if label == "All alerts"),
        None,
    )
    sentences = []
    if overall is not None:
        acted, not_acted, both = overall
        sentences.append(
            f"Alerts followed up: {_rate_words(acted, limits.min_band_renewals)}. "
            f"Not followed up: {_rate_words(not_acted, limits.min_band_renewals)}."
        )
        if both is not None and both.difference is not None:
            low, high = both.difference_low or 0, both.difference_high or 0
            if low > 0:
                verdict = "the whole interval is above zero: followed-up alerts renewed more often"
            elif high < 0:
                verdict = "the whole interval is below zero: followed-up alerts renewed less often"
            else:
                verdict = "the interval includes zero, so the data cannot tell the groups apart"
            sentences.append(
                f"The difference is {points(both.difference)} percentage points "
                f"({points(low)} to {points(high)}): {verdict}."
            )
    return join(
        [
            intro,
            *[paragraph(s, "lead") for s in sentences],
            table(headers, body, numeric=range(1, 10), groups=column_groups),
            paragraph(
                f"A group with fewer than {limits.min_band_renewals} decided renewals is marked "
                "too few to judge. Intervals are Wilson 95% intervals; the difference's is "
                "Newcombe's."
            ),
            tag("div", paragraph(ASSOCIATION_SENTENCE), class_="callout"),
        ]
    )


def closed_loop_lines(con: Warehouse) -> list[str]:
    """The closed loop in one or two terminal lines."""
    rows = follow_up_effect(con)
    if not rows:
        return []
    limits = thresholds(con)
    for label, acted, not_acted, _ in closed_loop_groups(rows):
        if label == "All alerts":
            return [
                f"  closed loop: alerts followed up {_rate_words(acted, limits.min_band_renewals)}"
                f"; not followed up {_rate_words(not_acted, limits.min_band_renewals)}",
                "  (an observed association, not a controlled experiment)",
            ]
    return []
