"""The building blocks of the static pages (the weekly review, the validation report): one
self-contained HTML file each, with inline CSS, no script and no server, readable at laptop
width. Every text is escaped here; only `Html` values (built by these helpers) pass as they are.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

BAND_COLOURS = {"red": "#c9302c", "amber": "#d58512", "green": "#3c8d3c"}

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1f2328; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.4rem; padding-top: 0.6rem;
     border-top: 1px solid #e5e7eb; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.3rem; }
p, li { max-width: 75ch; }
.meta { color: #57606a; margin: 0 0 1rem; }
.lead { font-size: 1.05rem; }
.note { color: #57606a; font-size: 0.9rem; }
nav.toc { font-size: 0.92rem; margin: 0.6rem 0 1rem; }
nav.toc a { margin-right: 1rem; white-space: nowrap; }
.callout { border-left: 5px solid #2f6fb0; background: #eef4fb; padding: 0.6rem 1rem;
           margin: 1rem 0; border-radius: 4px; }
.callout.warning { border-color: #c9302c; background: #fdf0ef; }
.callout.ok { border-color: #3c8d3c; background: #eff8ef; }
.callout p { margin: 0.3rem 0; }
.figures { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.8rem 0 1rem;
           padding: 0; list-style: none; }
.figures li { border: 1px solid #e5e7eb; border-radius: 6px; padding: 0.5rem 0.9rem;
              min-width: 9rem; }
.figures b { display: block; font-size: 1.35rem; }
.table-wrap { max-height: 75vh; overflow: auto; border: 1px solid #e5e7eb; border-radius: 6px;
              margin: 0.6rem 0 1rem; }
table { border-collapse: separate; border-spacing: 0; width: 100%; font-size: 0.88rem; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #eef0f2; vertical-align: top;
         text-align: left; }
th { position: sticky; top: 0; background: #f3f4f6; z-index: 1; font-weight: 600; }
th.num { text-align: right; }
th.group { position: static; text-align: center; border-bottom: 2px solid #d0d7de; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.wide { min-width: 16rem; }
.nowrap { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfbfc; }
.band { display: inline-block; padding: 0 0.5em; border-radius: 1em; color: #fff;
        font-size: 0.82rem; font-weight: 600; }
.band.red { background: #c9302c; } .band.amber { background: #d58512; }
.band.green { background: #3c8d3c; } .band.none { background: #8b949e; }
.flag { color: #9a3412; font-weight: 600; }
.small { color: #9a3412; font-style: italic; }
details { margin: 0.5rem 0 1rem; }
summary { cursor: pointer; color: #2f6fb0; }
img { max-width: 100%; height: auto; margin: 0.5rem 0; }
footer { margin-top: 3rem; color: #57606a; font-size: 0.85rem; }
@media print { .table-wrap { max-height: none; overflow: visible; } }
"""


class Html(str):
    """Markup built by these helpers: placed in a page as it is, never escaped again."""


def esc(value: object) -> Html:
    """Any value as escaped text (an Html value as it is)."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value)))


def tag(name: str, content: object = "", **attributes: object) -> Html:
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{html.escape(str(value))}"'
        for key, value in attributes.items()
        if value is not None
    )
    return Html(f"<{name}{attrs}>{esc(content)}</{name}>")


def join(parts: Iterable[object], separator: str = "") -> Html:
    return Html(separator.join(esc(part) for part in parts))


def paragraph(content: object, class_: str | None = None) -> Html:
    return tag("p", content, class_=class_)


def band(name: str | None) -> Html:
    """A band as a coloured label (a grey 'not scored' when there is none)."""
    known = name if name in BAND_COLOURS else None
    return tag("span", name or "not scored", class_=f"band {known or 'none'}")


def callout(content: object, kind: str = "info") -> Html:
    return tag("div", content, class_=f"callout {kind}")


def figures(items: Sequence[tuple[str, object]]) -> Html:
    """Headline figures: (label, value) boxes."""
    return tag(
        "ul",
        join(tag("li", join([tag("b", value), esc(label)])) for label, value in items),
        class_="figures",
    )


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Iterable[int] = (),
    wide: Iterable[int] = (),
    caption: str | None = None,
    groups: Sequence[tuple[str, int]] = (),
) -> Html:
    """A table in a scrolling frame with a sticky header row. Cells are escaped unless they
    are Html; columns `numeric` are right-aligned, columns `wide` get room for sentences;
    `groups` adds a first header row naming groups of columns."""
    numeric, wide = set(numeric), set(wide)

    def cls(index: int) -> str | None:
        names = [n for n, on in (("num", index in numeric), ("wide", index in wide)) if on]
        return " ".join(names) or None

    head = tag("tr", join(tag("th", h, class_=cls(i), scope="col") for i, h in enumerate(headers)))
    if groups:  # a first header row naming groups of columns: (label, columns spanned)
        group_row = join(
            tag("th", label, colspan=span, scope="colgroup", class_="group")
            for label, span in groups
        )
        head = join([tag("tr", group_row), head])
    body = join(
        tag("tr", join(tag("td", cell, class_=cls(i)) for i, cell in enumerate(row)))
        for row in rows
    )
    caption_html = tag("caption", caption) if caption else Html("")
    inner = tag("table", join([caption_html, tag("thead", head), tag("tbody", body)]))
    return tag("div", inner, class_="table-wrap")


def page(title: str, body: Iterable[object], *, footer: object = "") -> Html:
    content = join(body, "\n")
    return Html(
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>\n{content}\n{tag('footer', footer)}</main></body></html>\n"
    )


def yes_no(value: bool | None, unknown: str = "-") -> str:
    return unknown if value is None else ("yes" if value else "no")


def money(value: object) -> str:
    """An amount as a whole number with thousands separators ('-' when unknown)."""
    return "-" if value is None else f"{float(value):,.0f}"  # type: ignore[arg-type]


def percent(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"
