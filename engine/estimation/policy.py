"""Estimation policy: [performance]'s (max_drop, [performance.max_drop_metrics], [performance.minimum]) applied to
the estimates, every finding labelled "estimated"; a warning for each assumption that looks broken.

`estimation.drop.<metric>` fails when the estimated drop from the reference's realised value is beyond the
policy and the interval of the change does not explain it away (engine/performance/policy.py's `is_drop`).
`estimation.minimum.<metric>` fails when the estimate's whole interval lies below the minimum, and warns when
only the estimate does. `estimation.assumptions` warns when the estimate rests on shaky ground.
"""
from __future__ import annotations

from assay.engine.estimation.config import EstimationConfig
from assay.engine.estimation.results import EstimationResult
from assay.engine.performance.metric_specs import label
from assay.engine.performance.policy import drop_texts, is_drop
from assay.engine.results import Finding


def estimation_findings(result: EstimationResult, config: EstimationConfig) -> list[Finding]:
    findings = []
    for name, change in result.comparison.items():
        if not is_drop(change):
            continue
        unit, allowed = drop_texts(change)
        detail = [f"Estimated change {change.change:+.4g} (method {result.method}, no production labels used)"]
        if change.ci_low is not None:
            detail.append(f"{result.confidence:.0%} interval {change.ci_low:+.4g} to {change.ci_high:+.4g}, "
                          f"including the calibration's own error")
        worst = _worst_chunk(result, name)
        if worst:
            detail.append(f"lowest estimate in chunk {worst}")
        findings.append(Finding(
            f"estimation.drop.{name}", "estimation", "fail",
            f"Estimated {label(name)}: {change.reference:.4g} in the reference, estimated {change.production:.4g} "
            f"in production, worse by {unit} (policy allows {allowed})", "; ".join(detail) + "."))
    for name, limit in result.minimum.items():
        estimate = result.metrics.get(name)
        if estimate is None or estimate.value is None or estimate.value >= limit:
            continue
        whole = estimate.ci_high is not None and estimate.ci_high < limit
        interval = (f" ({result.confidence:.0%} interval {estimate.ci_low:.4g} to {estimate.ci_high:.4g})"
                    if estimate.ci_low is not None else "")
        findings.append(Finding(
            f"estimation.minimum.{name}", "estimation", "fail" if whole else "warn",
            f"Estimated {label(name)}: {estimate.value:.4g} in production{interval}, below the policy's minimum "
            f"{limit:g}", "The whole interval lies below the minimum." if whole else
            "The interval reaches the minimum: labels would settle it."))
    if result.assumptions:
        findings.append(Finding(
            "estimation.assumptions", "estimation", "warn",
            "The estimated performance rests on assumptions that look broken", " ".join(result.assumptions)))
    return findings


def _worst_chunk(result: EstimationResult, name: str) -> str | None:
    higher = result.comparison[name].drop_scale == "absolute" and name not in ("mae", "rmse")
    chunks = [c for c in result.chunks if c.metrics.get(name) and c.metrics[name].value is not None]
    if not chunks:
        return None
    pick = min if higher else max
    return pick(chunks, key=lambda c: c.metrics[name].value).label
