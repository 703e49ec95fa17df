"""Performance policy: the change from reference to production, and findings from [performance].

A drop is measured as the metric's `drop` field in engine/performance/metric_specs.py says: absolute
for shares and scores (every classification metric, MAPE, R²); relative to the reference value for
MAE, RMSE and the median absolute error (0.05 = 5% worse); for the mean error, the growth of |bias|
relative to the reference MAE. `performance.drop.<metric>` fails when the drop is significant (the interval of
the change excludes 0; judged on the point values alone when intervals are off) and larger than
max_drop (or its [performance.max_drop_metrics] entry). `performance.minimum.<metric>` and
`performance.maximum.<metric>` fail when production is below / above the configured value.
"""
from __future__ import annotations

import numpy as np

from assay.engine.config import PerformanceConfig
from assay.engine.performance.bootstrap import interval
from assay.engine.performance.metric_specs import BIAS_SCALE, BY_NAME, label
from assay.engine.performance.results import NO_LABELS, MetricChange, MetricValue, PerformanceResult
from assay.engine.results import Finding


def compare(metric_names: tuple[str, ...], reference: dict[str, MetricValue], production: dict[str, MetricValue],
            reference_samples: dict[str, np.ndarray], production_samples: dict[str, np.ndarray],
            config: PerformanceConfig) -> dict[str, MetricChange]:
    """One MetricChange per metric defined in both; the change interval pairs the i-th resample of
    each dataset (independent draws), over as many resamples as both have."""
    out = {}
    ref_scale = reference.get(BIAS_SCALE).value if reference.get(BIAS_SCALE) else None
    for name in metric_names:
        ref, prod = reference.get(name), production.get(name)
        if ref is None or prod is None or ref.value is None or prod.value is None:
            continue
        low = high = None
        if name in reference_samples and name in production_samples:
            size = min(len(reference_samples[name]), len(production_samples[name]))
            if size:
                low, high = interval(production_samples[name][:size] - reference_samples[name][:size],
                                     config.confidence)
        significant = None if low is None else bool(low > 0 or high < 0)
        worse, drop, scale = _drop(name, ref.value, prod.value, ref_scale)
        allowed = config.max_drop_metrics.get(name, config.max_drop)
        out[name] = MetricChange(name, ref.value, prod.value, prod.value - ref.value, low, high, significant, worse,
                                 drop, allowed, scale, bool(worse and drop is not None and drop > allowed))
    return out


def _drop(name: str, ref: float, prod: float, ref_scale: float | None) -> tuple[bool, float | None, str]:
    """Whether production is worse, by how much on the policy's scale (positive: worse), and the scale.
    `ref_scale`: the reference value of BIAS_SCALE, which a "bias" drop is measured against."""
    spec = BY_NAME[name]
    if spec.drop == "bias":
        growth = abs(prod) - abs(ref)
        if ref_scale:
            return growth > 0, growth / ref_scale, "relative"
        return growth > 0, growth, "absolute"
    if spec.drop == "relative":
        if ref > 0:
            return prod > ref, (prod - ref) / ref, "relative"
        return prod > ref, prod - ref, "absolute"
    worse_by = (ref - prod) if spec.higher_is_better else (prod - ref)
    return worse_by > 0, worse_by, "absolute"


def is_drop(change: MetricChange) -> bool:
    """A drop beyond the policy that the interval does not explain away."""
    return change.beyond_policy and change.significant is not False


def drop_texts(change: MetricChange) -> tuple[str, str]:
    """How much worse and how much the policy allows, as a finding's title says them."""
    if change.drop_scale == "relative":
        return f"{change.drop:.1%} of the reference", f"{change.allowed_drop:.1%}"
    return f"{change.drop:.3g}", f"{change.allowed_drop:g}"


def performance_findings(result: PerformanceResult, config: PerformanceConfig) -> list[Finding]:
    findings = []
    production = result.production
    if production.status == NO_LABELS:
        checks = sorted(set(config.minimum) | set(config.maximum))
        findings.append(Finding(
            "performance.no_labels", "performance", "warn", "Production has no labels: its performance is not measured",
            production.reason + (f". The policy's limits on {', '.join(checks)} could not be checked." if checks
                                 else "") + " Reference performance and the production prediction distribution are "
                                            "in the report."))
    for name, change in result.comparison.items():
        if not is_drop(change):
            continue
        unit, allowed = drop_texts(change)
        first = next((c.label for c in production.chunks if name in c.dropped), None)
        detail = [f"Change {change.change:+.4g}"]
        if change.ci_low is not None:
            detail.append(f"{result.confidence:.0%} interval {change.ci_low:+.4g} to {change.ci_high:+.4g}")
        else:
            detail.append("no interval (bootstrap turned off): judged on the point values")
        if first:
            detail.append(f"first chunk with a significant drop: {first}")
        findings.append(Finding(
            f"performance.drop.{name}", "performance", "fail",
            f"{label(name)}: {change.reference:.4g} in the reference, {change.production:.4g} in production, "
            f"worse by {unit} (policy allows {allowed})", "; ".join(detail) + "."))
    for table, kind in ((config.minimum, "minimum"), (config.maximum, "maximum")):
        for name, limit in table.items():
            metric = production.metrics.get(name)
            if production.status == NO_LABELS:
                continue
            if metric is None or metric.value is None:
                findings.append(Finding(
                    f"performance.{kind}.{name}", "performance", "warn",
                    f"{label(name)}: the policy's {kind} {limit:g} cannot be checked",
                    (metric.reason if metric else f"{name} is not a metric of a {result.task} task") + "."))
                continue
            value = abs(metric.value) if BY_NAME[name].judged_by_size else metric.value
            broken = value < limit if kind == "minimum" else value > limit
            if broken:
                interval_text = (f"{result.confidence:.0%} interval {metric.ci_low:.4g} to {metric.ci_high:.4g}."
                                 if metric.ci_low is not None else "")
                findings.append(Finding(
                    f"performance.{kind}.{name}", "performance", "fail",
                    f"{label(name)}: {metric.value:.4g} in production, "
                    f"{'below' if kind == 'minimum' else 'above'} the policy's {kind} {limit:g}", interval_text))
    return findings
