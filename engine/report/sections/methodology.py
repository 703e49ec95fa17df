"""The methodology appendix: every test and threshold used, the automatic choices and why, the sample
sizes and the known limitations. Each analysis' part comes from its section module (see sections/__init__.py),
in the registry's order; the analyses' own `methods` lines are printed as written."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportlab.platypus import Flowable, Table

from assay.engine.analyses import registry
from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import Column, esc
from assay.engine.report.sections.common import (Steps, has_run, not_run_reason, section_part, stated_methods,
                                                 title_of)
from assay.engine.report.sections.scope import flat_config

if TYPE_CHECKING:
    from assay.engine.analyses.registry import AnalysisSpec
    from assay.engine.report.pdf import ReportContext

LIMITATIONS = [
    "The audit reads the two datasets as given: it cannot detect problems that both share, such as a biased "
    "reference sample or labels that are wrong in both.",
]


def build(ctx: ReportContext) -> Steps:
    yield 0.0, "Methodology"
    b = ctx.blocks
    story = [*b.h1("Methodology", "methodology"),
             b.p("How each number in this report was computed, the thresholds that graded the findings, and what the "
                 "audit cannot tell. The thresholds are the audit file's (defaults where it set none).")]
    for spec in registry.ANALYSES:
        story += b.h2(spec.title, f"methodology-{spec.name}")
        story += analysis_methods(ctx, spec)
        story += thresholds(ctx, spec.section)

    story += b.h2("Sample sizes", "methodology-samples")
    story.append(sample_sizes(ctx))

    story += b.h2("Known limitations", "methodology-limitations")
    story += b.bullets(limitations(ctx))
    return story


def analysis_methods(ctx: ReportContext, spec: AnalysisSpec) -> list[Flowable]:
    """The analysis' methodology block: its section module's `methodology(ctx, result)`, else its own `methods`
    lines; "Not run" and why when it did not run."""
    report = ctx.report
    if not has_run(report, spec.name):
        reason = not_run_reason(report, spec.name)
        return [ctx.blocks.p("Not run" + (f": {reason}." if reason else "."))]
    return section_part(spec, "methodology", stated_methods)(ctx, report.result(spec.name))


def thresholds(ctx: ReportContext, section: str) -> list[Flowable]:
    """The section's settings as used, on one compact line (the full table is in the scope section)."""
    b = ctx.blocks
    pairs = flat_config({section: ctx.section_config(section)})
    if not pairs:
        return []
    text = " · ".join(f"{esc(key.split('.', 1)[1])} = {esc(value)}" for key, value in pairs)
    return [b.markup(f'<font color="{S.MUTED}">Settings [{section}]:</font> <font name="{S.MONO}" size="7">'
                     f"{text}</font>", ctx.styles.small)]


def _ran(ctx: ReportContext) -> list[tuple[AnalysisSpec, Any]]:
    """(spec, result) of every analysis with a result, in the registry's order."""
    results = [(spec, ctx.report.result(spec.name)) for spec in registry.ANALYSES]
    return [(spec, result) for spec, result in results if result is not None]


def sample_sizes(ctx: ReportContext) -> Table:
    """Each analysis' rows (its section module's `sample_sizes(ctx, result)`); the predictions' when no analysis
    that ran counts the rows it scored."""
    report, b = ctx.report, ctx.blocks
    rows: list[list[str]] = []
    for spec, result in _ran(ctx):
        rows += section_part(spec, "sample_sizes", lambda *_: [])(ctx, result)
    predictions = report.predictions
    if report.result("performance") is None and predictions is not None:
        rows.append(["Predictions", F.count(predictions.rows_reference), F.count(predictions.rows_production),
                     predictions.source])
    return b.table([Column("Analysis", 0.34), Column("Reference rows", 0.14, "right"),
                    Column("Production rows", 0.14, "right"), Column("Note", 0.38)], rows)


def limitations(ctx: ReportContext) -> list[str]:
    """What the audit cannot tell: the analyses' general limitations, then what applies to this run (each
    analysis' `limitations(ctx, result)`, the analyses that did not run)."""
    out = [line for spec in registry.ANALYSES for line in section_part(spec, "LIMITATIONS", ())] + LIMITATIONS
    for spec, result in _ran(ctx):
        out += section_part(spec, "limitations", lambda *_: [])(ctx, result)
    for status in ctx.report.analyses:
        if status.status != "ran":
            out.append(f"{title_of(status.name)} was not run: {status.reason}.")
    return out
