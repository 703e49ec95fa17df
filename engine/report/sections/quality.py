"""Data quality: the summary, missing values drawn for the worst columns, and every column in a table."""
from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable

from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column
from assay.engine.report.sections.common import Steps, listed, opening, top_n

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext
    from assay.engine.quality.results import ColumnQuality, QualityResult

CHECKS = [
    "Missing values: the share of rows without a value, per dataset, and its increase from reference to production.",
    "Out of range: the share of production values of a numerical column outside the reference's minimum-maximum.",
    "Unseen categories: the share of production rows whose category the reference never had.",
    "Duplicates: rows identical in every column; constant columns and columns of mixed types are noted.",
]


def build(ctx: ReportContext) -> Steps:
    story, q = yield from opening(ctx, "quality")
    if q is None:
        return story
    report, b = ctx.report, ctx.blocks
    story.append(b.pairs([
        ("Rows", f"reference {F.count(q.rows_reference)}, production {F.count(q.rows_production)}"),
        ("Duplicate rows", f"reference {F.count(q.duplicates_reference)} "
                           f"({F.percent(q.duplicates_reference / q.rows_reference if q.rows_reference else None)}), "
                           f"production {F.count(q.duplicates_production)} "
                           f"({F.percent(q.duplicates_production / q.rows_production if q.rows_production else None)})"),
        ("Absent from production", listed(q.missing_in_production, 200, "the table below marks them")
         if q.missing_in_production else "none"),
        ("Only in production", listed(q.extra_in_production, 200) if q.extra_in_production else "none"),
    ], key_width=0.24))

    flagged = {f.column for f in report.findings_for("quality") if f.column}
    missing = [c for c in q.columns if max(c.missing_reference or 0.0, c.missing_production or 0.0) > 0]
    missing.sort(key=lambda c: (-(c.missing_production or 0.0), -(c.missing_reference or 0.0), c.name))
    n = top_n(ctx)
    story += b.h2("Missing values", "quality-missing")
    if missing:
        yield 0.3, "Data quality: drawing missing values"
        shown = missing[:n]
        figure = charts.missing_bars([c.name for c in shown], [c.missing_reference for c in shown],
                                     [c.missing_production for c in shown], ctx.width)
        note = (f"The {len(shown)} columns with the most missing values in production, of {len(missing)} with any; "
                "the table lists every column." if len(missing) > len(shown) else
                f"Every column with missing values ({len(missing)}).")
        story.append(b.chart(figure, note))
    else:
        story.append(b.p("No column has missing values in either dataset."))

    yield 0.7, "Data quality: the column table"
    story += b.h2("Every column", "quality-columns")
    story.append(b.small("Missing: share of rows. Out of range: share of production values outside the reference's "
                         "minimum-maximum. Unseen: share of production rows whose category the reference never had. "
                         "A coloured edge marks a column with a finding."))
    rows, marks = [], []
    for c in q.columns:
        rows.append([c.name, c.kind + (f" → {c.kind_production}" if c.kind_production else ""), c.role,
                     F.percent(c.missing_reference), F.percent(c.missing_production), F.percent(c.out_of_range),
                     F.percent(c.unseen_share), f"{F.count(c.distinct_reference)} / {F.count(c.distinct_production)}",
                     notes(c)])
        severities = [f.severity for f in report.findings_for("quality") if f.column == c.name]
        marks.append("fail" if "fail" in severities else ("warn" if c.name in flagged else None))
    story.append(b.table([Column("Column", 0.18), Column("Kind", 0.1), Column("Role", 0.09),
                          Column("Missing ref.", 0.07, "right"), Column("Missing prod.", 0.07, "right"),
                          Column("Out of range", 0.07, "right"), Column("Unseen", 0.07, "right"),
                          Column("Distinct ref. / prod.", 0.13, "right"), Column("Notes", 0.22)], rows,
                         highlight=marks))
    unseen = [c for c in q.columns if c.unseen_categories]
    if unseen:
        story += b.h3("Categories unseen in the reference")
        story.append(b.table([Column("Column", 0.25), Column("Most frequent unseen values (production rows)", 0.75)],
                             [[c.name, ", ".join(f"{v} ({n:,})" for v, n in c.unseen_categories[:10])
                               + (" …" if len(c.unseen_categories) > 10 else "")] for c in unseen]))
    return story


def methodology(ctx: ReportContext, q: QualityResult) -> list[Flowable]:
    return ctx.blocks.bullets(CHECKS)


def sample_sizes(ctx: ReportContext, q: QualityResult) -> list[list[str]]:
    return [["Data quality", F.count(q.rows_reference), F.count(q.rows_production), "every row"]]


def notes(c: ColumnQuality) -> str:
    out = []
    if c.constant_reference or c.constant_production:
        out.append("constant in " + " and ".join(d for d, flag in (("reference", c.constant_reference),
                                                                    ("production", c.constant_production)) if flag))
    if c.mixed_types:
        out.append("mixed types")
    if c.infinite_reference or c.infinite_production:
        out.append(f"infinite values: {c.infinite_reference} / {c.infinite_production}")
    if c.missing_reference is None:
        out.append("not in reference")
    if c.missing_production is None:
        out.append("not in production")
    if c.reference_min is not None:
        out.append(f"range {c.reference_min:g} to {c.reference_max:g}")
    return "; ".join(out)
