"""The sign-off block: prepared by, reviewed by, dates and signature lines."""
from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle

from assay.engine.report import styles as S
from assay.engine.report.blocks import esc
from assay.engine.report.blocks import Markup
from assay.engine.report.sections.common import Steps

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext
    from assay.engine.review.signoff import SignoffState


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
    signed = report.review.signoff if report.review is not None else None
    reviewer = ctx.settings.reviewed_by or (signed.signoff.reviewer if signed is not None else "")
    for role, name in (("Prepared by", prepared), ("Reviewed by", reviewer)):
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
    if signed is not None:
        story += [b.spacer(12), *decision(ctx, signed)]
    story.append(b.spacer(14))
    story.append(b.small("By signing, the reviewer confirms having read the findings and the methodology; the report "
                         "id ties the signature to these results: any change to the results changes the id."))
    return story


def decision(ctx: ReportContext, signed: SignoffState) -> list:
    """The reviewer's decision from the review file, and whether it was given on this report."""
    b, s = ctx.blocks, signed.signoff
    severity = {"approved": "pass", "approved with conditions": "warn", "rejected": "fail"}.get(s.decision, "warn")
    on = (b.status("pass", "this report") if signed.current
          else b.status("fail", "a different report") + f"&nbsp; (report id {esc(s.report_id or 'not given')})")
    rows = [("Decision", Markup(b.status(severity, s.decision))),
            ("Reviewer", s.reviewer + (f", {s.role}" if s.role else "")),
            ("Date", s.date.isoformat() if s.date else "—"),
            ("Signed off on", Markup(on)),
            ("Comment", s.comment or "—")]
    story = [*b.h2("The reviewer's decision", "signoff-decision"),
             b.pairs(rows, key_width=0.2)]
    if not signed.current:
        story.append(b.small("The review file's sign-off names another report id: the reviewer signed off on a "
                             "different report (the results changed since, or the file belongs to another audit). "
                             "Its decision does not carry over to this report."))
    return story
