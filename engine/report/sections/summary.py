"""The executive summary: the verdict, what ran, and every finding grouped by severity, each linked to
its section."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.analyses import registry
from assay.engine.findings import count_findings
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column, Markup, esc
from assay.engine.report.sections.common import (SEVERITY_WORDS, Steps, link, not_run_reason, page_of, plain_link,
                                                 section_key, title_of, waiver_note)
from assay.engine.report.sections.cover import verdict_badge, VERDICT_WORDS
from assay.engine.results import AnalysisStatus

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext
    from assay.engine.results import AuditReport

GROUPS = (("fail", "Failed"), ("warn", "Warnings"), ("pass", "Notes"))
VERDICT_TEXT = {
    "pass": "No finding reached a warning or failure threshold.",
    "warn": "No finding failed the policy, but some reached a warning threshold and deserve a look.",
    "fail": "At least one finding failed the policy set in the audit file.",
}


def build(ctx: ReportContext) -> Steps:
    yield 0.0, "Executive summary"
    report, b = ctx.report, ctx.blocks
    counts = count_findings(report.findings)
    story = [*b.h1("Executive summary", "summary")]
    story.append(verdict_badge(ctx, f"Verdict: {VERDICT_WORDS.get(report.verdict, report.verdict.upper())}",
                               f"{F.plural(counts.failed, 'finding')} failed, {F.plural(counts.warnings, 'warning')}"
                               + (f", {counts.waived} waived by the reviewer" if counts.waived else "") + ". "
                               + VERDICT_TEXT.get(report.verdict, "")))
    story.append(b.spacer(8))
    story.append(b.p("The verdict is the most severe finding not waived by the reviewer. Each finding below links to the section that "
                     "explains it (its page in the last column); the thresholds that graded it are listed in the "
                     "methodology appendix."))

    story += b.h2("Analyses", "summary-analyses")
    rows, marks = [], []
    for status in statuses(report):
        key = section_key(status.name)
        found = count_findings(report.findings_for(status.name))
        state = {"ran": "ran", "failed": "failed"}.get(status.status, "not run")
        rows.append([Markup(link(key, esc(title_of(status.name)))),
                     Markup(b.status({"ran": "pass", "failed": "fail"}.get(status.status, "warn"), state)),
                     str(found.failed), str(found.warnings), str(found.waived), status.reason or "—",
                     page_of(ctx, key)])
        marks.append("fail" if found.failed else ("warn" if found.warnings else None))
    story.append(b.table([Column("Analysis", 0.18), Column("Status", 0.09), Column("Failed", 0.08, "right"),
                          Column("Warnings", 0.1, "right"), Column("Waived", 0.08, "right"), Column("Note", 0.41),
                          Column("Page", 0.06, "right")], rows, highlight=marks))

    for severity, title in GROUPS:
        found = [f for f in report.findings if f.severity == severity]
        if not found:
            continue
        group = count_findings(found)
        waived = f", {group.waived} waived" if group.waived else ""
        story += b.h2(f"{title} ({len(found) - group.waived}{waived})", f"summary-{severity}")
        rows = []
        for f in found:
            key = section_key(f.analysis)
            note = waiver_note(report, f)
            rows.append([Markup(link(key, esc(title_of(f.analysis)))),
                         Markup(plain_link(key, esc(f.title)) + (f'<br/><font size="6.5">{note}</font>' if note else "")),
                         page_of(ctx, key)])
        story.append(b.table([Column("Section", 0.15), Column(f"{SEVERITY_WORDS[severity]}: finding", 0.79),
                              Column("Page", 0.06, "right")], rows,
                             highlight=[None if f.status == "waived" else severity for f in found]))
    if not report.findings:
        story.append(b.p("No finding: every check passed its thresholds."))
    return story


def statuses(report: AuditReport) -> list[AnalysisStatus]:
    """What ran before the analyses (the predictions), then every analysis in the registry's order; one the
    report has no status for (made by an engine without it) as not run."""
    analyses = [spec.name for spec in registry.ANALYSES]
    return [*(status for status in report.analyses if status.name not in analyses),
            *(report.status_of(name) or AnalysisStatus(name=name, status="skipped",
                                                         reason=not_run_reason(report, name)) for name in analyses)]
