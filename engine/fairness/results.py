"""Fairness result types: frozen, no plotting."""
from __future__ import annotations

from dataclasses import dataclass

# Per-group rates (binary classification); regression uses mean_prediction, mean_target, mae.
RATES = ("base_rate", "selection_rate", "accuracy", "tpr", "fpr", "fnr", "precision")
LABEL_FREE = ("selection_rate",)  # computable without labels


@dataclass(frozen=True)
class Estimate:
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None  # raw
    p_value_adjusted: float | None = None  # corrected across groups (per-group comparisons only)


@dataclass(frozen=True)
class GroupMetrics:
    group: str
    count: int
    share: float
    small: bool  # below min_group_size: shown, kept out of verdicts
    metrics: dict[str, Estimate]  # rate name -> estimate with interval
    versus_reference: dict[str, Estimate]  # disparity name -> estimate vs the reference group


@dataclass(frozen=True)
class AttributeFairness:
    """One sensitive column (or intersection, named 'A & B') on one dataset."""

    attribute: str
    reference_group: str | None
    reference_group_reason: str  # "largest group" or "set in [fairness] reference_groups"
    groups: tuple[GroupMetrics, ...]
    disparities: dict[str, Estimate]  # column-level (see engine/fairness/metrics.py)
    needs_labels: tuple[str, ...] = ()  # metrics not computed: no labels in this dataset
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DisparityChange:
    attribute: str
    disparity: str
    reference: float | None
    production: float | None
    grew: bool  # production worse than reference and outside the reference's interval


@dataclass(frozen=True)
class Proxy:
    column: str
    sensitive: str
    measure: str  # "Cramér's V" | "correlation ratio"
    strength: float
    is_sensitive_input: bool = False  # the sensitive column itself is a model input


@dataclass(frozen=True)
class FairnessResult:
    task: str
    reference: dict[str, AttributeFairness]
    production: dict[str, AttributeFairness]
    changes: tuple[DisparityChange, ...]
    proxies: tuple[Proxy, ...]
    sensitive_inputs: tuple[str, ...]  # sensitive columns the model uses as inputs
    policy: dict[str, float]
    methods: tuple[str, ...] = ()


def _estimate(e: Estimate) -> dict:
    return {"value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high, "p_value": e.p_value,
            "p_value_adjusted": e.p_value_adjusted}


def attribute_to_dict(a: AttributeFairness) -> dict:
    """The JSON shape: groups keyed by name with their rates; disparities keyed by name."""
    groups = {}
    for g in a.groups:
        entry = {"count": g.count, "share": g.share, "small": g.small}
        entry |= {name: e.value for name, e in g.metrics.items()}
        entry["intervals"] = {name: [e.ci_low, e.ci_high] for name, e in g.metrics.items()}
        entry["versus_reference"] = {name: _estimate(e) for name, e in g.versus_reference.items()}
        groups[g.group] = entry
    return {"groups": groups, "reference_group": a.reference_group,
            "reference_group_reason": a.reference_group_reason,
            "disparities": {name: _estimate(e) for name, e in a.disparities.items()},
            "needs_labels": list(a.needs_labels), "notes": list(a.notes)}


def fairness_to_dict(result: FairnessResult) -> dict:
    from dataclasses import asdict

    return {
        "task": result.task,
        "reference": {k: attribute_to_dict(v) for k, v in result.reference.items()},
        "production": {k: attribute_to_dict(v) for k, v in result.production.items()},
        "changes": [asdict(c) for c in result.changes],
        "proxies": [asdict(p) for p in result.proxies],
        "sensitive_inputs": list(result.sensitive_inputs),
        "policy": dict(result.policy),
        "methods": list(result.methods),
    }
