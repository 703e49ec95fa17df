"""Explanation result types: frozen, no plotting. Per-row attributions stay out of the JSON."""
from __future__ import annotations

from dataclasses import dataclass, field

NO_JSON = {"json": False}


@dataclass(frozen=True)
class RowAttributions:
    """SHAP values of the explained rows of one dataset, on the original input columns."""

    columns: tuple[str, ...]
    row_index: tuple[int, ...]  # positions in the dataset
    values: tuple[tuple[float, ...], ...]  # rows x columns
    base_value: float
    output: tuple[float, ...]  # model output per row, on the explained scale
    features: tuple[tuple[object, ...], ...]  # the rows' input values, for display and colouring
    labels: tuple[object, ...] = ()  # true labels where known
    predictions: tuple[object, ...] = ()


@dataclass(frozen=True)
class AttributionDrift:
    feature: str
    reference: float
    production: float
    change: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_value_adjusted: float | None
    rank_reference: int
    rank_production: int
    drifted: bool = False  # adjusted p below 0.05 and an interval of the change that excludes zero


@dataclass(frozen=True)
class ExplanationsResult:
    method: str  # "tree", "linear", "permutation"
    method_reason: str
    output_scale: str  # "log-odds", "probability", "prediction"
    rows: dict[str, int]  # rows explained per dataset
    background_rows: int
    global_importance: dict[str, dict[str, float]]  # dataset -> column -> mean |SHAP|
    attribution_drift: tuple[AttributionDrift, ...]
    permutation_importance: dict[str, float] | None
    agreement: float | None  # Spearman rank correlation, SHAP (production) vs permutation importance
    agreement_note: str = ""
    failed_rows: dict[str, int] = field(default_factory=dict)
    additivity_error: float | None = None  # largest |base + sum - output| over the explained rows
    notes: tuple[str, ...] = ()
    reference_rows: RowAttributions | None = field(default=None, metadata=NO_JSON)
    production_rows: RowAttributions | None = field(default=None, metadata=NO_JSON)
