"""Comparison findings: `comparison.worse.<metric>` (fail) when a challenger is significantly worse than the
champion beyond the margin; `comparison.challenger_failed` (fail) naming a challenger that failed to open or to
predict (the audit carried on without it); `comparison.same_model` (warn) when a challenger's file has the
champion's SHA-256; a pass note with each pair's overall verdict."""
from __future__ import annotations

from assay.engine.comparison.config import ComparisonConfig
from assay.engine.comparison.results import ComparisonResult
from assay.engine.performance.metric_specs import label
from assay.engine.results import Finding


def comparison_findings(result: ComparisonResult, config: ComparisonConfig) -> list[Finding]:
    found = []
    for model in result.models:
        if model.error:
            found.append(Finding(id=f"comparison.challenger_failed.{model.name}", analysis="comparison",
                                 severity="fail", title=f"The challenger {model.name} could not be compared: it "
                                                        f"failed to open or to predict", detail=model.error))
    for name in result.same_as_champion:
        found.append(Finding(id=f"comparison.same_model.{name}", analysis="comparison", severity="warn",
                             title=f"The challenger {name} is the champion's file (the same SHA-256)",
                             detail="Comparing a model with itself shows no difference; check the challenger's path."))
    for pair in result.pairs:
        for m in pair.metrics:
            if m.verdict != "worse":
                continue
            found.append(Finding(
                id=f"comparison.worse.{m.metric}", analysis="comparison", severity="fail",
                title=f"{pair.challenger} is worse than the champion on {label(m.metric)} beyond the margin "
                      f"{m.margin:g}",
                detail=f"{label(m.metric)}: champion {m.champion:.4f}, challenger {m.challenger:.4f}, difference "
                       f"{m.difference:+.4f} ({result.confidence:.0%} interval {m.ci_low:+.4f} to {m.ci_high:+.4f}, "
                       f"{m.test}, Holm-adjusted p {_p(m.p_value_adjusted)})"
                       f" on {pair.rows:,} {pair.dataset} rows"))
        found.append(Finding(id=f"comparison.verdict.{pair.challenger}", analysis="comparison", severity="pass",
                             title=f"{pair.challenger} against the champion: {pair.verdict}",
                             detail=f"{len(pair.metrics)} metrics on {pair.rows:,} {pair.dataset} rows, margin "
                                    f"{result.margin:g}"))
    return found


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"
