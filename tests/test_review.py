"""The weekly review page and the validation report as a reader sees them: written from the
session's built warehouse, rendered by a real browser (Debian's chromium, headless), and read
back from the rendered DOM and a screenshot. And the terminal summary's order."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest
from PIL import Image

from orchestration.analysis.review import write_review
from orchestration.analysis.summary import summary_text
from orchestration.analysis.validation import run_validation
from tests.conftest import BuiltWarehouse, query

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI installs chromium and sets HEALTHSCORE_REQUIRE_BROWSER=1: there, a missing browser fails
# these tests instead of skipping them.
if CHROMIUM is None and os.environ.get("HEALTHSCORE_REQUIRE_BROWSER") == "1":
    raise RuntimeError("HEALTHSCORE_REQUIRE_BROWSER=1 but chromium is not installed")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)
MARKUP_NAME = "<i>Acme & Sons</i>"  # an account name that must show as text, not markup


class Dom(HTMLParser):
    """The rendered DOM: headings (tag, id, text), the text of the body, and each table's rows
    of cell texts, keyed by the id of the section (h2) it sits under."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[tuple[str, str | None, str]] = []
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.text_parts: list[str] = []
        self.tags: list[str] = []
        self._heading: tuple[str, str | None] | None = None
        self._heading_text: list[str] = []
        self._section: str = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self.feed(text)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._heading = (tag, attributes.get("id"))
            self._heading_text = []
            if tag == "h2":
                self._section = attributes.get("id") or ""
        elif tag == "table":
            self.tables.setdefault(self._section, []).append([])
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            text = " ".join("".join(self._heading_text).split())
            self.headings.append((*self._heading, text))
            self._heading = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "td" and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._section][-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1] in ("style", "title"):
            return
        self.text_parts.append(data)
        if self._heading is not None:
            self._heading_text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@dataclass(frozen=True)
class Rendered:
    source: Path
    dom: Dom
    screenshot: Path


def render(page: Path, out_dir: Path) -> Rendered:
    """The page as headless chromium renders it: its DOM after parsing, and a screenshot."""
    assert CHROMIUM is not None
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"]
    url = page.resolve().as_uri()
    dom = subprocess.run(
        [*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    shot = out_dir / f"{page.stem}.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True
    )
    assert re.match(r"\s*(<!DOCTYPE html>\s*)?<html", dom), dom[:200]
    return Rendered(page, Dom(dom), shot)


def assert_not_blank(screenshot: Path) -> None:
    """The screenshot shows a page: text and colour, not one flat background."""
    pixels = np.asarray(Image.open(screenshot).convert("RGB"), dtype=float)
    assert pixels.shape[:2] == (2000, 1280)
    grey = pixels.mean(axis=2)
    dark = (grey < 128).mean()
    assert 0.003 < dark < 0.5, f"{dark:.4f} of the pixels are dark"
    top = grey[:300]
    assert (top < 128).mean() > 0.003, "no text at the top of the page"
    assert len(np.unique(pixels.reshape(-1, 3)[::37], axis=0)) > 50, "hardly any colours"


def signal_keys(database: Path) -> set[str]:
    """The signals' internal names that read as keys (with an underscore)."""
    rows = query(database, "select signal from intermediate.int_signal_catalogue")
    return {row[0] for row in rows if "_" in row[0]}


@pytest.fixture(scope="module")
def review_warehouse(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the session's warehouse in which the account with the most revenue at risk
    has a name holding markup (the page must escape it)."""
    folder = tmp_path_factory.mktemp("review")
    database = folder / "healthscore.duckdb"
    shutil.copyfile(built_warehouse.database, database)
    con = duckdb.connect(str(database))
    try:
        (top,) = con.execute(TOP_AT_RISK_SQL.format(columns="account_id")).fetchone()
        for table in ("account_health", "health_alerts", "expansion_candidates"):
            con.execute(
                f"update marts.{table} set account_name = ? where account_id = ?",
                [MARKUP_NAME, top],
            )
    finally:
        con.close()
    return database


TOP_AT_RISK_SQL = """
    select {columns}
    from marts.account_health as health
    inner join config.health_bands as bands on health.health_band = bands.health_band
    where bands.band_rank < (select max(band_rank) from config.health_bands)
    order by health.revenue_at_risk desc nulls last, health.health_score, health.account_id
"""


@pytest.fixture(scope="module")
def review(review_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    reports = tmp_path_factory.mktemp("reports")
    return write_review(review_warehouse, reports)


def test_the_review_is_written_with_its_archive_and_its_terminal_text(
    review, review_warehouse: Path
) -> None:
    (as_of,) = query(review_warehouse, "select max(as_of_date) from marts.account_health")[0]
    assert review.as_of == as_of
    assert review.html.name == "weekly_review.html"
    archive = review.html.parent / "reviews" / f"weekly_review_{as_of}.html"
    assert archive.read_text() == review.html.read_text()
    assert review.text.startswith(f"Weekly review as of {as_of}")
    assert str(review.html) in review.text
    (risk,) = query(review_warehouse, TOP_AT_RISK_SQL.format(columns="revenue_at_risk"))[0]
    assert f"the largest: {MARKUP_NAME} ({risk:,.0f}" in review.text
    # Everything in the page is escaped: the name shows as text, never as an element.
    source = review.html.read_text()
    assert "<i>Acme" not in source and "&lt;i&gt;Acme &amp; Sons&lt;/i&gt;" in source
    assert "<script" not in source


def test_the_review_warns_in_words_when_the_bands_do_not_rank_churn(
    review_warehouse: Path, tmp_path: Path
) -> None:
    """Past red accounts churned least and green ones most, on enough renewals: the page and
    the terminal text say the bands do not rank churn, with the rates."""
    database = tmp_path / "healthscore.duckdb"
    shutil.copyfile(review_warehouse, database)
    con = duckdb.connect(str(database))
    try:
        con.execute(
            """update marts.score_validation_bands
               set renewals = 400, churn_rate = 0.02 * band_rank
               where subject = 'health_score' and segment_group = 'all'"""
        )
        con.execute(
            """update marts.score_validation set churns = 100
               where subject = 'health_score' and segment_group = 'all'"""
        )
    finally:
        con.close()
    outcome = write_review(database, tmp_path / "reports")
    source = outcome.html.read_text()
    warning = source.split('<div class="callout warning">')[1].split("</div>")[0]
    assert "the bands do not reliably rank churn" in warning
    assert "the bands did not rank churn: the churn rates were red 2.0% of 400" in warning
    assert "amber 4.0% of 400, green 6.0% of 400" in warning
    assert "Warning: the latest validation shows the bands do not" in outcome.text


def test_a_warehouse_built_before_the_review_is_told_how_to_rebuild(
    review_warehouse: Path, tmp_path: Path
) -> None:
    database = tmp_path / "healthscore.duckdb"
    shutil.copyfile(review_warehouse, database)
    con = duckdb.connect(str(database))
    con.execute("alter table marts.account_health drop column revenue_at_risk")
    con.close()
    with pytest.raises(ValueError, match=r"has no revenue_at_risk: .* --full-refresh"):
        write_review(database, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


@needs_chromium
def test_the_review_page_renders_with_its_sections_in_a_browser(
    review, review_warehouse: Path, tmp_path: Path
) -> None:
    page = render(review.html, tmp_path)
    dom = page.dom
    ids = {heading_id: text for tag, heading_id, text in dom.headings if tag == "h2"}
    assert list(ids) == [
        "changes",
        "at-risk",
        "parents",
        "expansion",
        "unowned",
        "closed-loop",
        "reading",
    ]
    assert ids["at-risk"] == "Red and amber accounts by revenue at risk"
    assert ids["closed-loop"] == "Did acting on alerts help?"
    assert ids["reading"] == "Why a red account can show a high renewal probability"
    assert dom.headings[0][:1] == ("h1",) and dom.headings[0][2] == "Weekly customer review"
    assert "i" not in dom.tags  # the markup in the account name stayed text

    # Red and amber by revenue at risk: the first row is the SQL's first account, and the
    # revenue-at-risk column never rises.
    expected = query(
        review_warehouse,
        TOP_AT_RISK_SQL.format(columns="health.account_name, health.revenue_at_risk"),
    )
    rows = [row for table in dom.tables["at-risk"] for row in table]
    assert len(rows) == len(expected) > 5
    assert rows[0][0] == "1" and rows[0][1].startswith(MARKUP_NAME)
    risks = [float(row[6].replace(",", "")) for row in rows]
    assert risks == sorted(risks, reverse=True)
    assert [round(r[1] or 0) for r in expected] == [round(r) for r in risks]

    # Band changes since last week: exactly the accounts whose band moved since the previous
    # scoring date (the small company's as-of date is a Sunday, a week after the last one).
    moved = query(
        review_warehouse,
        "select account_name from marts.account_health where health_band <> previous_health_band",
    )
    changes = [row for table in dom.tables.get("changes", []) for row in table]
    assert len(changes) == len(moved) > 0
    names = {name for (name,) in moved}  # a cell reads the name, then the segment
    assert all(any(row[0].startswith(name) for name in names) for row in changes)
    # What moved: the signals' points between the last review and the as-of date, by label.
    (last_review,) = query(
        review_warehouse,
        "select max(as_of_date) from marts.account_health_history where as_of_date <= "
        "(select max(as_of_date) from marts.account_health) - 7",
    )[0]
    assert f"what moved since {last_review}" in review.html.read_text()
    movers = [row[6] for row in changes if row[6] != "-"]
    assert movers and all(re.search(r"\([+-]\d+\.\d points\)", cell) for cell in movers)

    # Plain words everywhere: no signal's internal name in the page.
    text = dom.text
    keys = signal_keys(review_warehouse)
    assert len(keys) > 20
    assert not sorted(key for key in keys if re.search(rf"\b{re.escape(key)}\b", text))
    drivers = [row[9] for row in rows if row[9] != "-"]
    assert drivers and all(re.search(r"\(-\d+(\.\d+)? points\)", cell) for cell in drivers)

    # Accounts without an owner: routed to the default owner and flagged, in every table.
    unowned = query(
        review_warehouse,
        TOP_AT_RISK_SQL.format(columns="health.account_name, health.action_owner").replace(
            "where bands", "where not health.is_owner_assigned and bands"
        ),
    )
    assert unowned, "the small company has red or amber accounts without an owner"
    for name, owner in unowned:
        row = next(row for row in rows if row[1].startswith(name))
        assert row[8] == f"{owner} (no owner: routed)"
    routed = [row for table in dom.tables["unowned"] for row in table]
    assert {name for name, _ in unowned} <= {row[0] for row in routed}

    # Expansion candidates: every one, with the features it has not adopted.
    candidates = query(
        review_warehouse,
        "select account_name, unadopted_core_feature_list from marts.expansion_candidates",
    )
    labels = dict(query(review_warehouse, "select event_name, label from config.feature_catalogue"))
    expansion = {r[0]: r[-1] for t in dom.tables.get("expansion", []) for r in t}
    assert len(expansion) == len(candidates) > 0
    for name, features in candidates:
        cell = next(text for account, text in expansion.items() if account.startswith(name))
        if features:  # the features by their labels (e.g. API), not their event names
            assert cell == ", ".join(labels[f] for f in features.split(", "))
        else:
            assert cell == "none: every core feature is in use"

    # The closed loop: counts a person can make by hand from the alerts (windows ended; each
    # account's next renewal once, followed up when any of its alerts was), and the caveat.
    counts = query(
        review_warehouse,
        """with renewals as (
               select account_id, next_renewal_date, next_renewal_outcome,
                      bool_or(followed_up) as acted, count(*) as alerts
               from marts.alert_follow_ups
               where follow_up_window_end <= as_of_date
               group by all
           )
           select case when acted then 'followed_up' else 'not_followed_up' end, sum(alerts),
                  count(*) filter (where next_renewal_outcome <> 'pending'),
                  count(*) filter (where next_renewal_outcome = 'renewed')
           from renewals
           group by all""",
    )
    by_status = {status: rest for status, *rest in counts}
    loop = dom.tables["closed-loop"][0]
    overall = next(row for row in loop if row[0] == "All alerts")
    for offset, status in ((1, "followed_up"), (5, "not_followed_up")):
        alerts, decided, renewed = by_status[status]
        assert overall[offset : offset + 2] == [f"{alerts:,}", f"{decided:,}"]
        assert overall[offset + 2].startswith(f"{100 * renewed / decided:.0f}%")
    red, likely = query(
        review_warehouse,
        "select count(*), count(*) filter (where renewal_probability >= 0.8) "
        "from marts.account_health where health_band = 'red'",
    )[0]
    assert f"This week {likely} of the {red} red accounts show a renewal probability" in text
    assert "an observed association, not a controlled experiment" in text
    assert_not_blank(page.screenshot)


@pytest.fixture(scope="module")
def report(review_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("validation")
    outcome = run_validation(review_warehouse, reports, say=lambda _: None, calibrate=False)
    assert outcome.calibration is None and outcome.proposal is None
    assert "calibrate=False" in (outcome.skipped_calibration or "")
    return outcome.report


@needs_chromium
def test_the_validation_report_reads_in_words_in_a_browser(
    report: Path, review_warehouse: Path, tmp_path: Path
) -> None:
    page = render(report, tmp_path)
    dom = page.dom
    h2 = [text for tag, _, text in dom.headings if tag == "h2"]
    assert h2[0] == "What it means", "the conclusion comes first"
    for heading in (
        "Headline (all segments, configured weights)",
        "Churn rate per band",
        "Renewal probability calibration",
        "Which signals carry information",
        "Did acting on alerts help?",
    ):
        assert heading in h2
    text = dom.text
    assert "What to do:" in text and "Not learned: this run validated without" in text

    # Booleans as words: the band-order column holds yes, no or too few to judge.
    headline = dom.tables["headline"][0]
    assert headline and {row[-1] for row in headline} <= {"yes", "no", "too few to judge"}
    for segment_row in dom.tables["segments"][0]:
        assert segment_row[8] in ("yes", "no", "too few to judge", "-")

    # A band with too few renewals is flagged where it is shown.
    (minimum,) = query(
        review_warehouse, "select min_band_renewals from marts.validation_thresholds"
    )[0]
    small = query(
        review_warehouse,
        "select lead_days, health_band, renewals from marts.score_validation_bands "
        "where subject = 'health_score' and segment_group = 'all' and renewals < ?",
        [minimum],
    )
    for lead, band, renewals in small:
        row = next(row for row in headline if row[0] == str(lead))
        plural = "s" if renewals != 1 else ""
        assert f"{band} " in row[6] and f"({renewals} renewal{plural}: too few to judge)" in row[6]
        assert row[7] == "too few to judge"

    # Signals by label, grouped by category, never by key.
    h3 = [text for tag, _, text in dom.headings if tag == "h3"]
    assert h3[:4] == ["Product", "Support", "Commercial", "Relationship"]
    labels = {
        label
        for (label,) in query(
            review_warehouse,
            "select label from config.signal_catalogue where signal in "
            "(select subject from marts.score_validation where auc is not null "
            "and segment_group = 'all' and lead_days = (select max(lead_days) "
            "from marts.renewal_backtest where is_longest_lead))",
        )
    }
    signal_cells = {row[0] for table in dom.tables["signals"] for row in table}
    assert labels and labels <= signal_cells
    keys = signal_keys(review_warehouse)
    assert not sorted(key for key in keys if re.search(rf"\b{re.escape(key)}\b", text))
    assert "True" not in text.split() and "False" not in text.split()

    # Four charts without a calibration (ROC, bands, calibration, signals), all inline.
    source = report.read_text()
    assert source.count("<img ") == 4 and source.count('src="data:image/png;base64,') == 4
    assert "an observed association, not a controlled experiment" in text
    assert_not_blank(page.screenshot)


def test_the_summary_ranks_red_and_amber_by_revenue_at_risk(review_warehouse: Path) -> None:
    text = summary_text(review_warehouse)
    block = text.split("accounts most at risk")[1].split("\n\n")[0]
    risks = [int(m.replace(",", "")) for m in re.findall(r"^\s+([\d,]+) at risk ", block, re.M)]
    expected = query(
        review_warehouse,
        TOP_AT_RISK_SQL.format(columns="health.account_name, health.revenue_at_risk") + "limit 10",
    )
    assert len(risks) == len(expected) > 0
    assert risks == sorted(risks, reverse=True)
    assert risks == [round(r or 0) for _, r in expected]
    assert MARKUP_NAME in block.splitlines()[1]
    (alerts,) = query(
        review_warehouse,
        "select count(*) from marts.health_alerts where not is_provisional and detected_on > "
        "(select max(as_of_date) from marts.account_health) - 7",
    )[0]
    assert f"New alerts in the last 7 days: {alerts:,}" in block  # logged ones
    assert "lowering it:" in block
    # A red or amber account without an owner in the ten is flagged as routed.
    for line in block.splitlines():
        if " owner Customer success queue" in line:
            assert line.endswith("[no owner: routed]")
