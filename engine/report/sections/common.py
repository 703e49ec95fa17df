"""Pieces several sections share: the findings of one analysis, a "not run" notice, section links."""
from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable

from assay.engine.report import styles as S
from assay.engine.report.blocks import esc

TITLES = {
    "summary": "Executive summary", "scope": "Scope and provenance", "quality": "Data quality",
    "performance": "Performance", "drift": "Drift", "fairness": "Fairness", "explanations": "Explanations",
    "predictions": "Predictions", "methodology": "Methodology", "signoff": "Sign-off",
}
SECTION_OF = {"predictions": "scope-predictions"}  # analyses without a section of their own
SEVERITY_WORDS = {"fail": "Failed", "warn": "Warning", "pass": "Note"}


def section_key(analysis: str) -> str:
    return SECTION_OF.get(analysis, analysis if analysis in TITLES else "summary")


def page_of(ctx: Any, key: str):
    """A table cell: the page the heading `key` falls on (filled in at layout, from the previous pass)."""
    from assay.engine.report.blocks import PageRef

    return PageRef(ctx.pages, key, ctx.styles.cell_right)


def link(key: str, text: str) -> str:
    """Markup: `text` (escaped by the caller) as a blue link to the destination `key`."""
    return f'<a href="#{key}" color="{S.LINK}">{text}</a>'


def plain_link(key: str, text: str) -> str:
    """Markup: a link in the text's own colour (tables of contents, lists of findings)."""
    return f'<a href="#{key}">{text}</a>'


def findings_block(ctx: Any, analysis: str) -> list[Flowable]:
    """The analysis' findings, most severe first, each with its detail."""
    b = ctx.blocks
    found = ctx.report.findings_for(analysis)
    if not found:
        return [b.p("No finding: every check of this analysis passed its thresholds.")]
    lines = []
    for f in found:
        text = f"{b.status(f.severity, SEVERITY_WORDS.get(f.severity, f.severity))}&nbsp; {esc(f.title)}"
        if f.detail:
            text += f'<br/><font size="7.5" color="{S.MUTED}">{esc(f.detail)}</font>'
        lines.append(text)
    return [b.markup(f"<b>Findings</b> ({len(found)})"), *b.bullets(lines, markup=True), b.spacer(4)]


def skipped(ctx: Any, analysis: str, what: str) -> list[Flowable]:
    status = ctx.report.status_of(analysis)
    reason = status.reason if status is not None and status.reason else (
        "the audit recorded no result for it" if status is None else "")
    return [ctx.blocks.not_run(what, reason)]


def listed(names, limit: int = 12, more: str = "", max_chars: int = 3000) -> str:
    """Names, comma-separated; past `limit` names or `max_chars` characters, the first ones and how many more
    (`more`: where the rest are). A table cell so never grows taller than a page, which reportlab cannot lay out."""
    names = [str(n) for n in names]
    if not names:
        return "—"
    shown, length = [], 0
    for name in names[:limit]:
        if shown and length + len(name) + 2 > max_chars:
            break
        shown.append(name)
        length += len(name) + 2
    if len(shown) == len(names):
        return ", ".join(names)
    return ", ".join(shown) + f" and {len(names) - len(shown):,} more" + (f" ({more})" if more else "")


def prose(text: str) -> str:
    """An analysis' own text as the report prints it: "mean +- 3 sd" reads "mean ± 3 sd"."""
    return text.replace(" +- ", " ± ")


def top_n(ctx: Any) -> int:
    return max(int(ctx.settings.top_columns), 1)
