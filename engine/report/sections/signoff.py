"""The sign-off block: prepared by, reviewed by, dates and signature lines."""
from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

from assay.engine.report import styles as S
from assay.engine.report.blocks import esc
from assay.engine.report.sections.common import Steps

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext


def build(ctx: ReportContext) -> Steps:
    yield 0.0, "Sign-off"
    report, b, st = ctx.report, ctx.blocks, ctx.styles
    audit = ctx.section_config("audit")
    prepared = ctx.settings.prepared_by or audit.get("auditor") or ""
    story = [*b.h1("Sign-off", "signoff"),
             b.p(f"This report presents the results identified by report id {ctx.report_id}, computed by Assay "
                 f"{report.provenance.versions.get('assay', '')} from the inputs listed in “Scope and provenance”. "
                 f"Verdict: {report.verdict.upper()}."),
             b.spacer(12)]
    gap = 0.03 * ctx.width
    widths = [0.16 * ctx.width, 0.3 * ctx.width, gap, 0.16 * ctx.width, gap, 0.32 * ctx.width]
    head = [Paragraph(f"<b>{t}</b>", st.cell) if t else "" for t in ("", "Name", "", "Date", "", "Signature")]
    rows = [head]
    for role, name in (("Prepared by", prepared), ("Reviewed by", ctx.settings.reviewed_by)):
        rows.append([Paragraph(f"<b>{esc(role)}</b>", st.body), Paragraph(esc(name) if name else "", st.body), "", "",
                     "", ""])
    table = Table(rows, colWidths=widths, rowHeights=[None, 46, 46], hAlign="LEFT")
    line = colors.HexColor(S.TEXT)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), S.SANS, S.TABLE_SIZE),
        ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (1, 1), (1, -1), 0.7, line),
        ("LINEBELOW", (3, 1), (3, -1), 0.7, line),
        ("LINEBELOW", (5, 1), (5, -1), 0.7, line),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 3),
    ]))
    story.append(KeepTogether([table]))
    story.append(b.spacer(14))
    story.append(b.small("By signing, the reviewer confirms having read the findings and the methodology; the report "
                         "id ties the signature to these results: any change to the results changes the id."))
    return story
