""""Changes since the previous audit" (`assay audit --previous OLD.json`): findings new, resolved and changed in
severity, metrics whose change is significant, columns newly drifted or no longer drifted, input files and
configuration keys that changed (engine/review/diff.py). Nothing when the audit had no previous report."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import Column, Markup, esc
from assay.engine.report.sections.common import Steps

if TYPE_CHECKING:
    from assay.engine.report.pdf import ReportContext
    from assay.engine.review.diff import FindingChange

TITLE = "Changes since the previous audit"


def build(ctx: ReportContext) -> Steps:
    yield 0.0, TITLE
    changes = ctx.report.changes
    if changes is None:
        return []
    b = ctx.blocks
    story = [*b.h1(TITLE, "changes"),
             b.p(f"Compared with the previous report (report id {changes.old_id}). Findings are matched by their "
                 f"id; a metric is listed when its change is larger than its two intervals allow.")]
    if changes.different_model:
        story.append(b.markup(f"<b>{esc(changes.different_model)}</b>"))
    if changes.empty:
        return [*story, b.p("No change: the same findings, metrics, drifted columns, inputs and configuration.")]
    findings = [*(("new", f) for f in changes.new_findings), *(("resolved", f) for f in changes.resolved_findings),
                *(("severity changed", f) for f in changes.severity_changes)]
    if findings:
        story += b.h2(f"Findings ({len(findings)})", "changes-findings")
        story.append(b.table(
            [Column("Change", 0.14), Column("Before", 0.09), Column("Now", 0.13), Column("Finding", 0.64)],
            [[what, f.old_severity or "—", Markup(_now(b, f)),
              Markup(f'{esc(f.title)}<br/><font size="6.5" color="{S.MUTED}">{esc(f.id)}</font>')]
             for what, f in findings],
            highlight=[f.new_severity if what != "resolved" else None for what, f in findings]))
    if changes.metrics:
        story += b.h2("Metrics that changed significantly", "changes-metrics")
        story.append(b.table(
            [Column("Metric", 0.22), Column("Before", 0.13, "right"), Column("Now", 0.13, "right"),
             Column("Change (interval)", 0.34, "right"), Column("", 0.18)],
            [[F.label(m.metric), F.number(m.old, 4), F.number(m.new, 4),
              f"{m.change:+.4g} ({F.interval(m.ci_low, m.ci_high)})",
              {True: "worse", False: "better"}.get(m.worse, "")] for m in changes.metrics],
            highlight=["warn" if m.worse else None for m in changes.metrics]))
    if changes.newly_drifted or changes.no_longer_drifted:
        story += b.h2("Drifted columns", "changes-drift")
        story.append(b.pairs([("Newly drifted", ", ".join(changes.newly_drifted) or "—"),
                              ("No longer drifted", ", ".join(changes.no_longer_drifted) or "—")]))
    if changes.inputs or changes.config:
        story += b.h2("Inputs and configuration", "changes-inputs")
        rows = [*((f"{c.key} input (SHA-256)", c) for c in changes.inputs), *((c.key, c) for c in changes.config)]
        story.append(b.table([Column("What", 0.3), Column("Before", 0.35), Column("Now", 0.35)],
                             [[what, _text(c.old), _text(c.new)] for what, c in rows]))
    return story


def _now(b, f: FindingChange) -> str:
    if f.new_severity is None:
        return "resolved"
    status = f" ({esc(f.new_status)})" if f.new_status and f.new_status != "open" else ""
    return b.status(f.new_severity, f.new_severity) + status


def _text(value) -> str:
    return "unset" if value is None else str(value)
