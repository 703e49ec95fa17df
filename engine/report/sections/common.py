"""Pieces several sections share: an analysis section's opening (heading, findings or a "not run" notice), the
findings of one analysis, section titles and links, values with their intervals, and an analysis' own section
module, found from its spec (engine/analyses/registry.py)."""
from __future__ import annotations

from collections.abc import Generator
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable

from assay.engine.analyses import registry
from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import esc

if TYPE_CHECKING:
    from assay.engine.analyses.registry import AnalysisSpec
    from assay.engine.fairness.results import Estimate
    from assay.engine.performance.results import MetricValue
    from assay.engine.report.blocks import PageRef
    from assay.engine.report.pdf import ReportContext
    from assay.engine.results import AuditReport, Finding

Steps = Generator[tuple[float, str], None, list[Flowable]]  # a section builder: (fraction, message)s, then its story
SECTION_OF = {"predictions": "scope-predictions"}  # analyses without a section of their own
SEVERITY_WORDS = {"fail": "Failed", "warn": "Warning", "pass": "Note"}
PACKAGE = __name__.rsplit(".", 1)[0]  # assay.engine.report.sections: an analysis' own section is <PACKAGE>.<name>
NOT_ANALYSES = ("common", "cover", "summary", "scope", "methodology", "signoff", "changes", "docmap")  # modules that are no analysis'


def titles() -> dict[str, str]:
    """Every section's title by its key; the analyses' are their specs' (read now: a spec added in a test counts)."""
    return {"summary": "Executive summary", "scope": "Scope and provenance",
            **{spec.name: spec.title for spec in registry.ANALYSES},
            "predictions": "Predictions", "methodology": "Methodology", "docmap": "Documentation map",
            "signoff": "Sign-off"}


def title_of(name: str) -> str:
    return titles().get(name, name.capitalize())


def section_key(analysis: str) -> str:
    return SECTION_OF.get(analysis, analysis if analysis in titles() else "summary")


def section_module(spec: AnalysisSpec) -> ModuleType | None:
    """The analysis' own section module (sections/<name>.py, with build(ctx)), or None: it gets the generic one."""
    if spec.name in NOT_ANALYSES:
        raise ValueError(f"an analysis may not be called {spec.name!r}: the report has a module of that name")
    name = f"{PACKAGE}.{spec.name}"
    return import_module(name) if find_spec(name) is not None else None


def section_part(spec: AnalysisSpec, part: str, default: Any = None) -> Any:
    """What the analysis' section module defines as `part` (methodology, sample_sizes, LIMITATIONS, ...)."""
    return getattr(section_module(spec), part, default)


def page_of(ctx: ReportContext, key: str) -> PageRef:
    """A table cell: the page the heading `key` falls on (filled in at layout, from the previous pass)."""
    from assay.engine.report.blocks import PageRef

    return PageRef(ctx.pages, key, ctx.styles.cell_right)


def link(key: str, text: str) -> str:
    """Markup: `text` (escaped by the caller) as a blue link to the destination `key`."""
    return f'<a href="#{key}" color="{S.LINK}">{text}</a>'


def plain_link(key: str, text: str) -> str:
    """Markup: a link in the text's own colour (tables of contents, lists of findings)."""
    return f'<a href="#{key}">{text}</a>'


def has_run(report: AuditReport, analysis: str) -> bool:
    status = report.status_of(analysis)
    return report.result(analysis) is not None or (status is not None and status.status == "ran")


def not_run_reason(report: AuditReport, analysis: str) -> str:
    """Why the analysis has no result: the reason it recorded; none recorded at all means the report comes from a
    version of the engine that did not have the analysis yet."""
    status = report.status_of(analysis)
    if status is None:
        return f"this version of the audit engine recorded no {title_of(analysis).lower()} result"
    return status.reason


def opening(ctx: ReportContext, analysis: str) -> Steps:
    """An analysis section's start: its heading (and anchor), then its findings; or, when it did not run, the
    "not run" notice and why. Use as `story, result = yield from opening(ctx, name)`; the story is complete when
    `result` is None."""
    title = title_of(analysis)
    yield 0.0, title
    b = ctx.blocks
    story = [*b.h1(title, analysis)]
    if not has_run(ctx.report, analysis):
        what = f"The {title.lower().replace(' ', '-')} analysis"  # "The data-quality analysis"
        return [*story, b.not_run(what, not_run_reason(ctx.report, analysis))], None
    return [*story, *findings_block(ctx, analysis)], ctx.report.result(analysis)


def findings_block(ctx: ReportContext, analysis: str) -> list[Flowable]:
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
        note = waiver_note(ctx.report, f)
        if note:
            text += f'<br/><font size="7.5">{note}</font>'
        lines.append(text)
    return [b.markup(f"<b>Findings</b> ({len(found)})"), *b.bullets(lines, markup=True), b.spacer(4)]


def waiver_note(report: AuditReport, finding: Finding) -> str:
    """Markup: the waiver of a finding — its status, reason, approver and expiry — or "" when it has none."""
    state = report.review.waiver_for(finding.id) if report.review is not None else None
    if state is None:
        return ""
    w = state.waiver
    head = ("<b>Waiver expired</b>" if finding.status == "waiver expired" else "<b>Waived</b>") + f" ({esc(w.status)})"
    parts = [esc(w.reason.rstrip(". ")) if w.reason.strip() else "no reason given",
             f"approved by {esc(w.approved_by)}" if w.approved_by else "no approver named",
             (f"expired {w.expires.isoformat()}" if finding.status == "waiver expired"
              else f"expires {w.expires.isoformat()}") if w.expires else "no expiry"]
    return f"{head}: " + "; ".join(parts)


def generic_build(spec: AnalysisSpec):
    """The section of an analysis without a module of its own: its title, its findings and its status."""
    def build(ctx: ReportContext) -> Steps:
        story, _ = yield from opening(ctx, spec.name)
        if has_run(ctx.report, spec.name):
            story.append(ctx.blocks.small(f"{spec.title} ran; the JSON report holds its full result under "
                                          f"\"{spec.name}\"."))
        return story

    return build


def stated_methods(ctx: ReportContext, result: Any) -> list[Flowable]:
    """An analysis' own `methods` lines as it wrote them: the methodology block of an analysis whose section module
    has no `methodology` of its own."""
    return ctx.blocks.bullets([prose(line) for line in getattr(result, "methods", ())])


def estimate(e: Estimate | MetricValue | None) -> str:
    """Text: an estimate's value and its interval in brackets, or "—"."""
    if e is None or e.value is None:
        return "—"
    if e.ci_low is None or e.ci_high is None:
        return F.number(e.value)
    return f"{F.number(e.value)} ({F.interval(e.ci_low, e.ci_high)})"


def stacked(text: str, low: float | None, high: float | None, joiner: str = "–") -> str:
    """Markup: a value's text, and its interval in small grey type below it."""
    if low is not None and high is not None:
        text += f'<br/><font size="6" color="{S.MUTED}">{F.number(low)}{joiner}{F.number(high)}</font>'
    return text


def stacked_estimate(e: Estimate | MetricValue | None) -> str:
    """Markup: an estimate's value, and its interval below it; "—" without a value."""
    return "—" if e is None or e.value is None else stacked(F.number(e.value), e.ci_low, e.ci_high)


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


def top_n(ctx: ReportContext) -> int:
    return max(int(ctx.settings.top_columns), 1)
