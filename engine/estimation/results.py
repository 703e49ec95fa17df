"""Estimation result types: frozen, no plotting, and their JSON form (`estimation_to_dict`).

The JSON contract (issue #18): `method`, `calibration` {`calibrated`, `ece_before`, `ece_after`, `reason`},
`production` {`metrics`: {name: {`value`, `ci_low`, `ci_high`}}, `chunks`: [{`label`, `start`, `end`, `rows`,
`metrics`, `realized` (only where labels exist)}]}, `backtest` {name: {`mae`, `coverage`, `chunks`}}, `notes`.
Metric names are the performance analysis' (engine/performance/metric_specs.py). Fields beyond these are added
beside them (the reference's realised values, the change from the reference, the other CBPE estimate —
weighted or plain — beside the headline, the domain classifier, the calibration curves).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.engine.performance.results import MetricChange


@dataclass(frozen=True)
class Estimate:
    """An estimated metric and its interval (None: not defined here, or too few resamples where it is)."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class CurvePoint:
    """One bin of a reliability diagram: mean score, observed share of positives, rows."""

    score: float
    observed: float
    rows: int


@dataclass(frozen=True)
class CalibrationResult:
    """The calibration of the scores on the reference. `ece_after` is measured on cross-fitted calibrated scores
    (each fold calibrated by a fit on the others); `calibrated` False: the raw scores were used, `reason` says
    why. Regression (DLE) has no calibration: `calibrated` False and the reason says so."""

    calibrated: bool
    ece_before: float | None
    ece_after: float | None
    reason: str = ""
    weighted: bool = False  # the calibration weighted by the density ratio production / reference
    curve_before: tuple[CurvePoint, ...] = ()
    curve_after: tuple[CurvePoint, ...] = ()


@dataclass(frozen=True)
class EstimatedChunk:
    label: str
    start: str | None
    end: str | None
    rows: int
    metrics: dict[str, Estimate]
    realized: dict[str, float] | None = None  # the metrics on the chunk's labels, where every row has one


@dataclass(frozen=True)
class BacktestResult:
    """Estimates against realised values over the chunks with labels: mean absolute error and the share of
    chunks whose interval held the realised value."""

    mae: float | None
    coverage: float | None
    chunks: int


@dataclass(frozen=True)
class ShiftCheck:
    """The domain classifier between reference and production: its cross-fitted ROC-AUC and the rows it saw."""

    auc: float
    rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class EstimationResult:
    task: str
    method: str  # "cbpe", "cbpe_weighted" or "dle"
    metric_names: tuple[str, ...]
    calibration: CalibrationResult
    metrics: dict[str, Estimate]  # the whole production set
    chunks: tuple[EstimatedChunk, ...]
    backtest: dict[str, BacktestResult]
    reference: dict[str, float]  # realised on the reference
    comparison: dict[str, MetricChange]  # production estimate against the reference's realised value
    confidence: float
    resamples: int
    chunking: str
    positive_label: str | None = None
    alternative_method: str | None = None  # the other CBPE beside the headline: "cbpe" or "cbpe_weighted"
    alternative: dict[str, float] = field(default_factory=dict)  # its estimate on the whole production set
    minimum: dict[str, float] = field(default_factory=dict)  # [performance.minimum] of the estimated metrics
    shift: ShiftCheck | None = None
    assumptions: tuple[str, ...] = ()  # assumptions that look broken, in plain words
    notes: tuple[str, ...] = ()


def _estimates(metrics: dict[str, Estimate]) -> dict[str, Any]:
    return {name: {"value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high} for name, e in metrics.items()}


def estimation_to_dict(result: EstimationResult) -> dict[str, Any]:
    c = result.calibration
    chunks = []
    for chunk in result.chunks:
        entry = {"label": chunk.label, "start": chunk.start, "end": chunk.end, "rows": chunk.rows,
                 "metrics": _estimates(chunk.metrics)}
        if chunk.realized is not None:
            entry["realized"] = dict(chunk.realized)
        chunks.append(entry)
    return {
        "method": result.method,
        "task": result.task,
        "metric_names": list(result.metric_names),
        "calibration": {"calibrated": c.calibrated, "ece_before": c.ece_before, "ece_after": c.ece_after,
                        "reason": c.reason, "weighted": c.weighted,
                        "curve_before": [vars(p) for p in c.curve_before],
                        "curve_after": [vars(p) for p in c.curve_after]},
        "production": {"metrics": _estimates(result.metrics), "chunks": chunks,
                       "change": {name: {"value": c.change, "ci_low": c.ci_low, "ci_high": c.ci_high,
                                         "significant": c.significant, "drop": c.drop,
                                         "allowed_drop": c.allowed_drop, "beyond_policy": c.beyond_policy}
                                  for name, c in result.comparison.items()},
                       "alternative": None if result.alternative_method is None else {
                           "method": result.alternative_method, "metrics": dict(result.alternative)}},
        "reference": dict(result.reference),
        "backtest": {name: {"mae": b.mae, "coverage": b.coverage, "chunks": b.chunks}
                     for name, b in result.backtest.items()},
        "shift": None if result.shift is None else {"auc": result.shift.auc, "rows": result.shift.rows,
                                                    "columns": list(result.shift.columns)},
        "assumptions": list(result.assumptions),
        "minimum": dict(result.minimum),
        "confidence": result.confidence,
        "resamples": result.resamples,
        "chunking": result.chunking,
        "positive_label": result.positive_label,
        "notes": list(result.notes),
    }
