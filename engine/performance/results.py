"""Performance result types: frozen, no plotting, and their JSON form (`performance_to_dict`).

Metric names are the JSON contract; they, their order and their direction come from the table in
engine/performance/metric_specs.py. A metric that cannot be computed has value None and a `reason`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assay.engine.performance.metric_specs import BY_NAME

NO_LABELS, NO_PREDICTIONS, SMALL, OK = "no labels", "no predictions", "small", "ok"


@dataclass(frozen=True)
class MetricValue:
    """One metric on one set of rows: the estimate and its bootstrap interval.

    `value` None means the metric is not defined there and `reason` says why (ROC-AUC with a
    single class, scores absent, ...). `ci_low`/`ci_high` None means no interval (bootstrap
    turned off, or too few resamples where the metric is defined).
    """

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class ClassMetrics:
    """One class against the rest: precision, recall and F1 with intervals; `support` is the
    number of rows whose true label is this class, `predicted` the rows predicted as it."""

    label: str
    support: int
    predicted: int
    precision: MetricValue
    recall: MetricValue
    f1: MetricValue


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of true labels (rows) by predicted labels (columns), both in `labels` order."""

    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Curve:
    """A ROC or precision-recall curve, downsampled to at most a few hundred points.

    ROC: x = false positive rate, y = true positive rate. PR: x = recall, y = precision.
    `thresholds[i]` is the score from which point i is reached (None where a curve starts
    before any threshold). `label` is the class scored against the rest: the positive class
    for binary tasks, each class in turn for multiclass. `area` is that class's ROC-AUC or
    average precision, exact (from every row, not the downsampled points).
    """

    kind: str  # "roc" | "pr"
    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    thresholds: tuple[float | None, ...]
    area: float | None


@dataclass(frozen=True)
class CalibrationCurve:
    """Reliability diagram over equal-width score bins (empty bins left out).

    Binary: the positive-class score against the observed share of positives. Multiclass: the
    top-label confidence (largest probability) against the share of rows where the top label
    is right. `ece` is the count-weighted mean of |observed - mean_score| over these bins.
    """

    label: str
    bin_low: tuple[float, ...]
    bin_high: tuple[float, ...]
    mean_score: tuple[float, ...]
    observed: tuple[float, ...]
    count: tuple[int, ...]


@dataclass(frozen=True)
class ThresholdSweep:
    """Binary with scores: metrics at each decision threshold (score >= threshold is positive).

    `metrics` maps accuracy, balanced_accuracy, precision, recall, f1 and positive_rate (share
    predicted positive) to one value per threshold; None where undefined at that threshold.
    """

    thresholds: tuple[float, ...]
    metrics: dict[str, tuple[float | None, ...]]


@dataclass(frozen=True)
class Histogram:
    """Counts per bin; `edges` has one entry more than `counts`."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class Residuals:
    """Regression errors, error = prediction - target (positive: the model predicts too high).

    `histogram`: the error distribution. Binned: production rows split into quantile bins of the
    prediction; per bin the median prediction, mean error and the 10th / 90th error percentiles.
    `predicted` / `error`: a seeded sample of at most 2,000 rows for a scatter plot (kept out of
    the JSON).
    """

    histogram: Histogram
    binned_predicted: tuple[float, ...]
    binned_mean_error: tuple[float, ...]
    binned_low: tuple[float, ...]
    binned_high: tuple[float, ...]
    predicted: tuple[float, ...] = field(default=(), metadata={"json": False})
    error: tuple[float, ...] = field(default=(), metadata={"json": False})


@dataclass(frozen=True)
class PredictionDistribution:
    """What the model predicted on a dataset, known with or without labels.

    `labels`: classification, (predicted label, rows) in class order. `scores`: histogram of the
    positive-class score (binary), the top-label confidence (multiclass) or the predicted value
    (regression); `score_name` says which. `mean_score` is its mean.
    """

    labels: tuple[tuple[str, int], ...]
    scores: Histogram | None
    score_name: str = ""
    mean_score: float | None = None


@dataclass(frozen=True)
class ChunkPerformance:
    """Production metrics on one chunk (a calendar period or a block of rows).

    `status`: "ok"; "small" (fewer labelled rows than min_chunk_rows: shown, not judged);
    "no labels" (metrics empty: never shown as zero). `dropped`: metrics whose drop against
    the reference is significant and beyond the policy in this chunk.
    """

    label: str
    start: str | None
    end: str | None
    rows: int
    rows_used: int  # rows with a label and a prediction
    status: str
    reason: str
    metrics: dict[str, MetricValue]
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetPerformance:
    """Performance on one dataset: headline metrics, per class, curves and distributions.

    `status`: "ok", "no labels" (the target is absent or all missing: metrics empty, the
    prediction distribution still shown) or "no predictions". Rows without a target value or
    without a prediction are left out and counted. `averages` holds "macro" and "weighted"
    precision / recall / F1. Curves: `roc` and `pr` hold one curve per class scored (the
    positive class for binary tasks). `chunks` is filled for production only.
    """

    dataset: str  # "reference" | "production"
    status: str
    reason: str
    rows: int
    rows_used: int
    rows_missing_target: int
    rows_missing_prediction: int
    metrics: dict[str, MetricValue]
    per_class: tuple[ClassMetrics, ...] = ()
    averages: dict[str, dict[str, MetricValue]] = field(default_factory=dict)
    confusion: ConfusionMatrix | None = None
    roc: tuple[Curve, ...] = ()
    pr: tuple[Curve, ...] = ()
    calibration: CalibrationCurve | None = None
    threshold_sweep: ThresholdSweep | None = None
    residuals: Residuals | None = None
    distribution: PredictionDistribution | None = None
    chunks: tuple[ChunkPerformance, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricChange:
    """Production against reference for one metric.

    `change` = production - reference, with the interval of the change from independent
    resamples of each dataset; `significant` when that interval excludes 0 (None without
    intervals). `worse`: the change goes the wrong way for the metric. `drop`: how much worse,
    on the policy's scale (absolute, or relative to the reference for metrics in the target's
    units); `allowed_drop` the policy's limit; `beyond_policy` when drop > allowed_drop.
    """

    metric: str
    reference: float | None
    production: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    significant: bool | None
    worse: bool
    drop: float | None
    allowed_drop: float | None
    drop_scale: str  # "absolute" | "relative"
    beyond_policy: bool


@dataclass(frozen=True)
class SegmentPerformance:
    """Metrics for one value of a segment column ("other": the values beyond the top N, pooled).

    `small`: fewer labelled rows than min_chunk_rows (listed after the others, not judged).
    `reference_value`: the ranking metric on the same segment of the reference, when present.
    """

    segment: str
    rows: int
    rows_used: int
    share: float  # of the dataset's rows
    small: bool
    metrics: dict[str, MetricValue]
    reference_value: float | None = None


@dataclass(frozen=True)
class SegmentColumn:
    """One segment column on one dataset: its segments, worst first by `ranked_by`."""

    column: str
    dataset: str  # "production", or "reference" when production has no labels
    ranked_by: str
    segments: tuple[SegmentPerformance, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PerformanceResult:
    """The performance section: reference and production side by side, the change, chunks over
    time and segments. `metric_names` lists the headline metrics in display order;
    `threshold` is the binary decision threshold applied to the scores (None when labels were
    taken as given). `methods` is the methods text, one paragraph per entry."""

    task: str  # "binary" | "multiclass" | "regression"
    positive_label: str | None
    classes: tuple[str, ...]
    metric_names: tuple[str, ...]
    threshold: float | None
    reference: DatasetPerformance
    production: DatasetPerformance
    comparison: dict[str, MetricChange]
    segments: tuple[SegmentColumn, ...]
    chunking: str  # how production was split over time
    confidence: float
    resamples: int
    chunk_resamples: int  # resamples per chunk and per segment
    policy: dict[str, Any]
    methods: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def higher_is_better(self, metric: str) -> bool:
        spec = BY_NAME.get(metric)
        return spec.higher_is_better if spec else True


# -- JSON --------------------------------------------------------------------------------------


def metric_to_dict(m: MetricValue) -> dict:
    return {"value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high, "reason": m.reason or None}


def metrics_to_dict(metrics: dict[str, MetricValue]) -> dict:
    return {name: metric_to_dict(m) for name, m in metrics.items()}


def _curve(c: Curve) -> dict:
    return {"label": c.label, "x": list(c.x), "y": list(c.y), "thresholds": list(c.thresholds), "area": c.area}


def dataset_to_dict(d: DatasetPerformance) -> dict:
    """The JSON of one dataset: `metrics` = {name: {value, ci_low, ci_high, reason}} and the rest."""
    from assay.engine.results import to_jsonable

    out = {
        "status": d.status, "reason": d.reason or None, "rows": d.rows, "rows_used": d.rows_used,
        "rows_missing_target": d.rows_missing_target, "rows_missing_prediction": d.rows_missing_prediction,
        "metrics": metrics_to_dict(d.metrics),
        "per_class": {c.label: {"support": c.support, "predicted": c.predicted,
                                "precision": metric_to_dict(c.precision), "recall": metric_to_dict(c.recall),
                                "f1": metric_to_dict(c.f1)} for c in d.per_class},
        "averages": {kind: metrics_to_dict(values) for kind, values in d.averages.items()},
        "confusion_matrix": ({"labels": list(d.confusion.labels), "counts": [list(r) for r in d.confusion.counts]}
                             if d.confusion else None),
        "curves": {"roc": [_curve(c) for c in d.roc], "pr": [_curve(c) for c in d.pr],
                   "calibration": to_jsonable(d.calibration)},
        "threshold_sweep": to_jsonable(d.threshold_sweep),
        "residuals": to_jsonable(d.residuals),
        "distribution": to_jsonable(d.distribution),
        "notes": list(d.notes),
    }
    if d.dataset == "production":
        out["chunks"] = [{"label": c.label, "start": c.start, "end": c.end, "rows": c.rows, "rows_used": c.rows_used,
                          "status": c.status, "reason": c.reason or None, "metrics": metrics_to_dict(c.metrics),
                          "dropped": list(c.dropped)} for c in d.chunks]
    return out


def performance_to_dict(result: PerformanceResult) -> dict:
    """The `performance` section of the JSON report (plain values; NaN and infinities become None
    through engine.results.to_jsonable)."""
    from dataclasses import asdict

    from assay.engine.results import to_jsonable

    return to_jsonable({
        "task": result.task,
        "positive_label": result.positive_label,
        "classes": list(result.classes),
        "metric_names": list(result.metric_names),
        "higher_is_better": {m: BY_NAME[m].higher_is_better for m in result.metric_names},
        "threshold": result.threshold,
        "confidence": result.confidence,
        "resamples": result.resamples,
        "chunk_resamples": result.chunk_resamples,
        "chunking": result.chunking,
        "reference": dataset_to_dict(result.reference),
        "production": dataset_to_dict(result.production),
        "comparison": {name: {k: v for k, v in asdict(c).items() if k != "metric"}
                       for name, c in result.comparison.items()},
        "segments": {s.column: {"dataset": s.dataset, "ranked_by": s.ranked_by, "notes": list(s.notes),
                                "segments": [{"segment": g.segment, "rows": g.rows, "rows_used": g.rows_used,
                                              "share": g.share, "small": g.small,
                                              "metrics": metrics_to_dict(g.metrics),
                                              "reference_value": g.reference_value} for g in s.segments]}
                     for s in result.segments},
        "policy": dict(result.policy),
        "methods": list(result.methods),
        "notes": list(result.notes),
    })
