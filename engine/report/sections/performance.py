"""Performance: metrics with intervals, curves, the metric over time and the worst segments."""
from __future__ import annotations

from typing import Any

from engine.report.sections.common import findings_block, skipped


def build(ctx: Any):
    yield 0.0, "Performance"
    report, b = ctx.report, ctx.blocks
    story = [*b.h1("Performance", "performance")]
    result = getattr(report, "performance", None)
    if result is None:
        status = report.status_of("performance")
        if status is None:
            return story + [b.not_run("The performance analysis",
                                      "this version of the audit engine recorded no performance result")]
        return story + skipped(ctx, "performance", "The performance analysis")
    return story + findings_block(ctx, "performance")
