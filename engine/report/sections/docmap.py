"""The documentation map (an appendix): each section of the report and the model-risk topics a reviewer files it
under, read from the table in engine/report/topics.py — references, not legal advice."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.report.blocks import Column, Markup, esc
from assay.engine.report.sections.changes import TITLE as CHANGES
from assay.engine.report.sections.common import Steps, page_of, plain_link, title_of
from assay.engine.report.topics import NOT_FILED, TOPICS, topics_of

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext

TITLE = "Documentation map"
FRAMEWORKS = ("SR 11-7", "EU AI Act")


def section_keys(ctx: ReportContext) -> list[str]:
    """The sections this report has, in order (the report's own list: a new section is listed without code here);
    the changes only when there was a previous audit."""
    from assay.engine.report.sections import sections  # that module imports this one

    return [s.key for s in sections()
            if s.key not in NOT_FILED and (s.key != "changes" or ctx.report.changes is not None)]


def build(ctx: ReportContext) -> Steps:
    yield 0.0, TITLE
    b = ctx.blocks
    story = [*b.h1(TITLE, "docmap"),
             b.p("Where each section of this report fits in two common model-risk frameworks, for filing the "
                 "report with a validation or conformity file. These are references to help find the topic, not "
                 "legal advice and not a statement that the model complies with either framework.")]
    rows = []
    for key in section_keys(ctx):
        found = topics_of(key)
        cells = ["<br/>".join(esc(t.name) for t in found if t.framework == framework) or "—"
                 for framework in FRAMEWORKS]
        title = CHANGES if key == "changes" else title_of(key)
        rows.append([Markup(plain_link(key, esc(title))), *(Markup(c) for c in cells), page_of(ctx, key)])
    story.append(b.table([Column("Section", 0.3), Column("SR 11-7", 0.29), Column("EU AI Act", 0.35),
                          Column("Page", 0.06, "right")], rows))
    story += b.h2("Where the topics are set out", "docmap-references")
    story.append(b.table([Column("Framework", 0.16), Column("Topic", 0.34), Column("Reference", 0.5)],
                         [[t.framework, t.name, t.reference] for t in TOPICS]))
    story.append(b.small("SR 11-7: Supervisory Guidance on Model Risk Management (Board of Governors of the Federal "
                         "Reserve System and OCC, 2011). EU AI Act: Regulation (EU) 2024/1689, Annex IV (technical "
                         "documentation of high-risk AI systems) and the articles it refers to."))
    return story

