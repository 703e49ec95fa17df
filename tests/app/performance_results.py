"""Performance results built from synthetic data with scikit-learn, for the Performance page's tests.

The page is built against engine.performance.results alone, so these fixtures construct the result
types directly: binary (with a threshold sweep, chunks with a small and two unlabelled months, and
segments), multiclass (three string classes), regression (residuals) and a binary audit whose
production has no labels. The numbers are real metrics of the synthetic data, not hand-typed; the
intervals are normal-approximation intervals from RESAMPLES seeded bootstrap draws: enough for a page
that only shows them, and fast. `FakeReport` stands in for engine.results.AuditReport where the page
reads it (performance, result, status_of, findings_for).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn import metrics as skm

from assay.engine.performance.metric_specs import BY_NAME
from assay.engine.performance.results import (NO_LABELS, OK, SMALL, CalibrationCurve, ChunkPerformance,
                                        ClassMetrics, ConfusionMatrix, Curve, DatasetPerformance, Histogram,
                                        MetricChange, MetricValue, PerformanceResult, PredictionDistribution,
                                        Residuals, SegmentColumn, SegmentPerformance, ThresholdSweep)
from assay.engine.results import AnalysisStatus, Finding

RESAMPLES = 10
CONFIDENCE = 0.95
BINARY_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "average_precision",
                  "log_loss", "brier", "ece")
REGRESSION = ("mae", "rmse", "mape", "median_ae", "r2", "mean_error")
MONTHS = tuple(f"2024-{m:02d}" for m in range(1, 13))
MAX_DROP = 0.05


@dataclass(frozen=True)
class FakeReport:
    performance: PerformanceResult | None
    analyses: tuple[AnalysisStatus, ...] = (AnalysisStatus("performance", "ran"),)
    findings: tuple[Finding, ...] = ()
    provenance: Any = None
    extra: dict = field(default_factory=dict)

    def result(self, analysis: str) -> Any:
        return getattr(self, analysis, None)

    def status_of(self, analysis: str) -> AnalysisStatus | None:
        return next((a for a in self.analyses if a.name == analysis), None)

    def findings_for(self, analysis: str) -> list[Finding]:
        return [f for f in self.findings if f.analysis == analysis]


def skipped_report(reason: str = "no model and no prediction columns") -> FakeReport:
    return FakeReport(None, (AnalysisStatus("performance", "skipped", reason),))


# -- statistics helpers --------------------------------------------------------------------------


def _estimate(fn: Callable[[np.ndarray], float | None], n: int, rng: np.random.Generator) -> MetricValue:
    """fn(rows) on all rows and on RESAMPLES bootstrap resamples: the value and a percentile interval."""
    try:
        value = fn(np.arange(n))
    except ValueError as exc:
        return MetricValue(None, reason=str(exc).split("\n")[0])
    if value is None or not np.isfinite(value):
        return MetricValue(None, reason="not defined on these rows")
    draws = []
    for _ in range(RESAMPLES):
        try:
            d = fn(rng.integers(0, n, n))
        except ValueError:
            continue
        if d is not None and np.isfinite(d):
            draws.append(d)
    if len(draws) < RESAMPLES // 2:
        return MetricValue(float(value))
    half = 1.96 * float(np.std(draws, ddof=1))
    return MetricValue(float(value), float(value) - half, float(value) + half)


def _ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        rows = which == b
        if rows.any():
            total += abs(y[rows].sum() - p[rows].sum())
    return total / len(y)


_COUNTS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1")


def _counts(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """The count metrics of a binary task (as scikit-learn with zero_division=0; checked in the test)."""
    tp = float(((y == 1) & (pred == 1)).sum())
    fp = float(((y == 0) & (pred == 1)).sum())
    fn = float(((y == 1) & (pred == 0)).sum())
    tn = float(len(y) - tp - fp - fn)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    specificity = tn / (tn + fp) if tn + fp else 0.0
    rates = [r for r, d in ((recall, tp + fn), (specificity, tn + fp)) if d]
    return {"accuracy": (tp + tn) / len(y), "balanced_accuracy": float(np.mean(rates)) if rates else float("nan"),
            "precision": precision, "recall": recall,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0, "positive_rate": float(pred.mean())}


def _scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """The score metrics of a binary task in numpy (as scikit-learn's; checked in the test)."""
    from scipy.stats import rankdata

    positives = float(y.sum())
    negatives = len(y) - positives
    ranks = rankdata(p)
    auc = (ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]  # the last row of each distinct score
    tp = np.cumsum(ys)[last]
    fp = (last + 1) - tp
    recall = tp / positives
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * tp / (tp + fp)))
    clipped = np.clip(p, np.finfo(float).eps, 1 - np.finfo(float).eps)
    log_loss = -float(np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    return {"roc_auc": float(auc), "average_precision": ap, "log_loss": log_loss,
            "brier": float(np.mean((p - y) ** 2)), "ece": _ece(y, p)}


def _binary_metric(name: str, y: np.ndarray, p: np.ndarray, threshold: float) -> Callable[[np.ndarray], float]:
    pred = (p >= threshold).astype(int)

    def fn(rows: np.ndarray) -> float:
        yt, yp, ps = y[rows], pred[rows], p[rows]
        if name in ("roc_auc", "average_precision") and len(np.unique(yt)) < 2:
            raise ValueError("only one class present in the labels: not defined")
        if name in _COUNTS:
            return _counts(yt, yp)[name]
        return _scores(yt, ps)[name]

    return fn


def _histogram(values: np.ndarray, edges: np.ndarray) -> Histogram:
    counts, _ = np.histogram(values, edges)
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts))


def _curve(kind: str, label: str, y: np.ndarray, p: np.ndarray) -> Curve:
    if kind == "roc":
        x, yy, t = skm.roc_curve(y, p)
        area = skm.roc_auc_score(y, p)
        thresholds = [None if not np.isfinite(v) else float(v) for v in t]
    else:
        precision, recall, t = skm.precision_recall_curve(y, p)
        x, yy = recall, precision
        area = skm.average_precision_score(y, p)
        thresholds = [float(v) for v in t] + [None]
    step = max(1, len(x) // 300)
    keep = np.unique(np.r_[np.arange(0, len(x), step), len(x) - 1])
    return Curve(kind, label, tuple(float(v) for v in x[keep]), tuple(float(v) for v in yy[keep]),
                 tuple(thresholds[i] for i in keep), float(area))


def _calibration(label: str, y: np.ndarray, p: np.ndarray, bins: int = 10) -> CalibrationCurve:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, bins - 1)
    rows = [(b, which == b) for b in range(bins) if (which == b).any()]
    return CalibrationCurve(label, tuple(float(edges[b]) for b, _ in rows), tuple(float(edges[b + 1]) for b, _ in rows),
                            tuple(float(p[r].mean()) for _, r in rows), tuple(float(y[r].mean()) for _, r in rows),
                            tuple(int(r.sum()) for _, r in rows))


def _class_metrics(labels: list[str], y: np.ndarray, pred: np.ndarray, rng) -> tuple[ClassMetrics, ...]:
    out = []
    for k, label in enumerate(labels):
        def metric(name, k=k):
            return lambda rows: _counts((y[rows] == k).astype(int), (pred[rows] == k).astype(int))[name]
        out.append(ClassMetrics(label, int((y == k).sum()), int((pred == k).sum()),
                                *(_estimate(metric(m), len(y), rng) for m in ("precision", "recall", "f1"))))
    return tuple(out)


def _average(y: np.ndarray, pred: np.ndarray, classes: int, name: str, average: str) -> float:
    """Macro (classes present in the labels or predictions) or support-weighted, as scikit-learn's."""
    present = [k for k in range(classes) if (y == k).any() or (pred == k).any()]
    values = [_counts((y == k).astype(int), (pred == k).astype(int))[name] for k in present]
    if average == "macro":
        return float(np.mean(values))
    support = np.array([(y == k).sum() for k in present], dtype=float)
    return float(np.sum(np.array(values) * support) / support.sum())


def _averages(y: np.ndarray, pred: np.ndarray, rng, classes: int = 2) -> dict[str, dict[str, MetricValue]]:
    return {average: {name: _estimate(lambda rows, n=name, a=average: _average(y[rows], pred[rows], classes, n, a),
                                      len(y), rng) for name in ("precision", "recall", "f1")}
            for average in ("macro", "weighted")}


def _sweep(y: np.ndarray, p: np.ndarray) -> ThresholdSweep:
    thresholds = tuple(float(t) for t in np.round(np.linspace(0.02, 0.98, 49), 2))
    metrics: dict[str, list] = {m: [] for m in ("accuracy", "balanced_accuracy", "precision", "recall", "f1",
                                                "positive_rate")}
    for t in thresholds:
        pred = (p >= t).astype(int)
        values = _counts(y, pred)
        for name in metrics:
            metrics[name].append(None if name == "precision" and not pred.any() else values[name])
    return ThresholdSweep(thresholds, {m: tuple(None if v is None else float(v) for v in vs)
                                       for m, vs in metrics.items()})


def _change(metric: str, ref: MetricValue, prod: MetricValue, allowed: float = MAX_DROP) -> MetricChange:
    if ref.value is None or prod.value is None:
        return MetricChange(metric, ref.value, prod.value, None, None, None, None, False, None, allowed, "absolute",
                            False)
    change = prod.value - ref.value
    low = high = significant = None
    if None not in (ref.ci_low, ref.ci_high, prod.ci_low, prod.ci_high):
        half = np.hypot((ref.ci_high - ref.ci_low) / 2, (prod.ci_high - prod.ci_low) / 2)
        low, high = change - half, change + half
        significant = bool(low > 0 or high < 0)
    higher = BY_NAME[metric].higher_is_better
    if metric == "mean_error":
        drop = abs(prod.value) - abs(ref.value)
    else:
        drop = -change if higher else change
    return MetricChange(metric, ref.value, prod.value, change, low, high, significant, drop > 0, drop, allowed,
                        "absolute", bool(significant and drop > allowed))


# -- binary ------------------------------------------------------------------------------------


def _binary_data(n: int, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-2.2 * x))).astype(int)
    p = 1 / (1 + np.exp(-(2.0 * x + rng.normal(scale=noise, size=n))))
    return y, p


def binary_dataset(dataset: str, y: np.ndarray | None, p: np.ndarray, threshold: float, rng,
                   chunks: tuple[ChunkPerformance, ...] = (), labels=("no", "yes")) -> DatasetPerformance:
    pred = (p >= threshold).astype(int)
    distribution = PredictionDistribution(((labels[0], int((pred == 0).sum())), (labels[1], int((pred == 1).sum()))),
                                          _histogram(p, np.linspace(0, 1, 21)), "score of “yes”", float(p.mean()))
    if y is None:
        return DatasetPerformance(dataset, NO_LABELS, "the target column “employed” is absent", len(p), 0, len(p), 0,
                                  {}, distribution=distribution, chunks=chunks)
    metrics = {m: _estimate(_binary_metric(m, y, p, threshold), len(y), rng) for m in BINARY_METRICS}
    confusion = ConfusionMatrix(tuple(labels), tuple(tuple(int(v) for v in row)
                                                     for row in skm.confusion_matrix(y, pred, labels=[0, 1])))
    return DatasetPerformance(
        dataset, OK, "", len(y) + 7, len(y), 7, 0, metrics, per_class=_class_metrics(list(labels), y, pred, rng),
        averages=_averages(y, pred, rng), confusion=confusion, roc=(_curve("roc", labels[1], y, p),),
        pr=(_curve("pr", labels[1], y, p),), calibration=_calibration(labels[1], y, p), threshold_sweep=_sweep(y, p),
        distribution=distribution, chunks=chunks, notes=("7 rows without a target value were left out.",))


def _binary_chunks(y: np.ndarray, p: np.ndarray, threshold: float, rng, labelled: bool = True,
                   min_rows: int = 50) -> tuple[ChunkPerformance, ...]:
    sizes = [300, 280, 310, 320, 290, 30, 300, 310, 305, 295, 180, 180]
    out, start = [], 0
    for i, (label, size) in enumerate(zip(MONTHS, sizes)):
        rows = np.arange(start, min(start + size, len(y)))
        start += size
        bounds = (f"{label}-01", f"{label}-28")
        if not labelled or i >= 10:  # the last two months have no labels yet
            out.append(ChunkPerformance(label, *bounds, len(rows), 0, NO_LABELS, "no target values in this chunk", {}))
            continue
        yt, pt = y[rows], p[rows]
        metrics = {m: _estimate(_binary_metric(m, yt, pt, threshold), len(rows), rng) for m in BINARY_METRICS}
        status = SMALL if len(rows) < min_rows else OK
        out.append(ChunkPerformance(label, *bounds, len(rows), len(rows), status,
                                    f"{len(rows)} labelled rows, fewer than {min_rows}" if status == SMALL else "",
                                    metrics))
    return tuple(out)


def _segments(column: str, values: list[str], y: np.ndarray, p: np.ndarray, threshold: float, rng, ranked_by: str,
              dataset: str = "production", reference: dict[str, float] | None = None) -> SegmentColumn:
    which = np.arange(len(y)) % len(values)
    segments = []
    for k, name in enumerate(values):
        rows = np.flatnonzero(which == k)
        if name == values[-1]:
            rows = rows[:25]  # a small segment
        metrics = {m: _estimate(_binary_metric(m, y[rows], p[rows], threshold), len(rows), rng)
                   for m in ("accuracy", "f1", "roc_auc")}
        segments.append(SegmentPerformance(name, len(rows), len(rows), len(rows) / len(y), len(rows) < 50, metrics,
                                           (reference or {}).get(name)))
    higher = BY_NAME[ranked_by].higher_is_better
    segments.sort(key=lambda s: (s.small, (s.metrics[ranked_by].value or 0) * (1 if higher else -1)))
    return SegmentColumn(column, dataset, ranked_by, tuple(segments))


def binary_result(production_labels: bool = True, threshold: float = 0.5, seed: int = 1) -> PerformanceResult:
    rng = np.random.default_rng(seed)
    y_ref, p_ref = _binary_data(3000, 0.6, rng)
    y_prod, p_prod = _binary_data(3100, 1.6, rng)
    chunks = _binary_chunks(y_prod, p_prod, threshold, rng, labelled=production_labels)
    reference = binary_dataset("reference", y_ref, p_ref, threshold, rng)
    production = binary_dataset("production", y_prod if production_labels else None, p_prod, threshold, rng, chunks)
    comparison = ({m: _change(m, reference.metrics[m], production.metrics[m]) for m in BINARY_METRICS}
                  if production_labels else {})
    regions = ["north", "south", "east", "west", "centre", "islands"]
    if production_labels:
        ref_values = {s.segment: s.metrics["accuracy"].value
                      for s in _segments("region", regions, y_ref, p_ref, threshold, rng, "accuracy").segments}
        segments = (_segments("region", regions, y_prod, p_prod, threshold, rng, "accuracy", reference=ref_values),
                    _segments("age_band", ["18-25", "26-35", "36-50", "51-65", "65+"], y_prod, p_prod, threshold,
                              rng, "f1"))
    else:
        segments = (_segments("region", regions, y_ref, p_ref, threshold, rng, "accuracy", dataset="reference"),)
    return PerformanceResult(
        task="binary", positive_label="yes", classes=("no", "yes"), metric_names=BINARY_METRICS, threshold=threshold,
        reference=reference, production=production, comparison=comparison, segments=segments,
        chunking="month (from “date”)", confidence=CONFIDENCE, resamples=RESAMPLES, chunk_resamples=RESAMPLES,
        policy={"max_drop": MAX_DROP, "minimum": {"roc_auc": 0.8}, "threshold": threshold, "min_chunk_rows": 50},
        methods=(f"Bootstrap normal-approximation intervals from {RESAMPLES} resamples (seeded).",
                 "Classification metrics follow scikit-learn; the positive class is “yes”."),
        notes=() if production_labels else ("Production has no labels: production metrics are not computed.",))


def binary_findings(result: PerformanceResult) -> tuple[Finding, ...]:
    return tuple(Finding(f"performance.drop.{m}", "performance", "fail", f"{m} dropped beyond the policy")
                 for m, c in result.comparison.items() if c.beyond_policy)


# -- multiclass --------------------------------------------------------------------------------


def multiclass_result(seed: int = 2) -> PerformanceResult:
    rng = np.random.default_rng(seed)
    labels = ["high", "low", "mid"]

    def data(n, noise):
        y = rng.integers(0, 3, n)
        logits = np.eye(3)[y] * 2.0 + rng.normal(scale=noise, size=(n, 3))
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return y, probs

    def dataset(name, y, probs, chunks=()):
        pred = probs.argmax(axis=1)
        n = len(y)
        metric_fns = {
            "accuracy": lambda r: float((y[r] == pred[r]).mean()),
            "balanced_accuracy": lambda r: _average(y[r], pred[r], 3, "recall", "macro"),
            "precision": lambda r: _average(y[r], pred[r], 3, "precision", "macro"),
            "recall": lambda r: _average(y[r], pred[r], 3, "recall", "macro"),
            "f1": lambda r: _average(y[r], pred[r], 3, "f1", "macro"),
            "roc_auc": lambda r: float(np.mean([_scores((y[r] == k).astype(int), probs[r, k])["roc_auc"]
                                                for k in range(3)])),
            "average_precision": lambda r: float(np.mean([_scores((y[r] == k).astype(int), probs[r, k])
                                                          ["average_precision"] for k in range(3)])),
            "log_loss": lambda r: -float(np.mean(np.log(np.clip(probs[r, y[r]], 1e-15, 1)))),
            "brier": lambda r: float(((probs[r] - np.eye(3)[y[r]]) ** 2).sum(axis=1).mean()),
            "ece": lambda r: _ece((pred[r] == y[r]).astype(int), probs[r].max(axis=1)),
        }
        metrics = {m: _estimate(f, n, rng) for m, f in metric_fns.items()}
        top = probs.max(axis=1)
        return DatasetPerformance(
            name, OK, "", n, n, 0, 0, metrics, per_class=_class_metrics(labels, y, pred, rng),
            averages=_averages(y, pred, rng, 3),
            confusion=ConfusionMatrix(tuple(labels), tuple(tuple(int(v) for v in row)
                                                           for row in skm.confusion_matrix(y, pred, labels=[0, 1, 2]))),
            roc=tuple(_curve("roc", lab, (y == k).astype(int), probs[:, k]) for k, lab in enumerate(labels)),
            pr=tuple(_curve("pr", lab, (y == k).astype(int), probs[:, k]) for k, lab in enumerate(labels)),
            calibration=_calibration("top label", (pred == y).astype(int), top),
            distribution=PredictionDistribution(tuple((lab, int((pred == k).sum())) for k, lab in enumerate(labels)),
                                                _histogram(top, np.linspace(1 / 3, 1, 21)), "top-label confidence",
                                                float(top.mean())),
            chunks=chunks)

    y_ref, pr_ref = data(2400, 1.0)
    y_prod, pr_prod = data(2400, 1.5)
    chunks = []
    for i, rows in enumerate(np.array_split(np.arange(2400), 6)):
        pred = pr_prod[rows].argmax(axis=1)
        chunks.append(ChunkPerformance(f"rows {rows[0] + 1:,}–{rows[-1] + 1:,}", None, None, len(rows), len(rows), OK,
                                       "", {"accuracy": _estimate(lambda r, rows=rows, pred=pred:
                                                                  float((y_prod[rows][r] == pred[r]).mean()),
                                                                  len(rows), rng)}))
    reference, production = dataset("reference", y_ref, pr_ref), dataset("production", y_prod, pr_prod, tuple(chunks))
    return PerformanceResult(
        task="multiclass", positive_label=None, classes=tuple(labels), metric_names=BINARY_METRICS, threshold=None,
        reference=reference, production=production,
        comparison={m: _change(m, reference.metrics[m], production.metrics[m]) for m in BINARY_METRICS},
        segments=(), chunking="blocks of 400 rows (no timestamp column)", confidence=CONFIDENCE, resamples=RESAMPLES,
        chunk_resamples=RESAMPLES, policy={"max_drop": MAX_DROP, "minimum": {}},
        methods=("Macro averages over the three classes; ROC-AUC one-vs-rest.",))


# -- regression --------------------------------------------------------------------------------


def regression_result(seed: int = 3) -> PerformanceResult:
    rng = np.random.default_rng(seed)

    def data(n, noise, bias):
        target = rng.gamma(4.0, 10.0, n)
        prediction = target + bias + rng.normal(scale=noise * (1 + target / 40), size=n)
        return target, prediction

    def dataset(name, t, p, chunks=()):
        e = p - t
        fns = {"mae": lambda r: skm.mean_absolute_error(t[r], p[r]),
               "rmse": lambda r: float(np.sqrt(skm.mean_squared_error(t[r], p[r]))),
               "mape": lambda r: skm.mean_absolute_percentage_error(t[r], p[r]),
               "median_ae": lambda r: skm.median_absolute_error(t[r], p[r]),
               "r2": lambda r: skm.r2_score(t[r], p[r]),
               "mean_error": lambda r: float(e[r].mean())}
        metrics = {m: _estimate(f, len(t), rng) for m, f in fns.items()}
        edges = np.linspace(-40, 40, 41)
        order = np.argsort(p)
        bins = np.array_split(order, 12)
        sample = rng.choice(len(t), min(2000, len(t)), replace=False)
        residuals = Residuals(_histogram(e, edges), tuple(float(np.median(p[b])) for b in bins),
                              tuple(float(e[b].mean()) for b in bins),
                              tuple(float(np.quantile(e[b], 0.1)) for b in bins),
                              tuple(float(np.quantile(e[b], 0.9)) for b in bins),
                              tuple(float(v) for v in p[sample]), tuple(float(v) for v in e[sample]))
        return DatasetPerformance(name, OK, "", len(t), len(t), 0, 0, metrics, residuals=residuals,
                                  distribution=PredictionDistribution((), _histogram(p, np.linspace(0, 120, 25)),
                                                                      "predicted value", float(p.mean())),
                                  chunks=chunks)

    t_ref, p_ref = data(3000, 4.0, 0.0)
    t_prod, p_prod = data(3000, 6.0, 3.0)
    chunks = []
    for label, rows in zip(("2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"),
                           np.array_split(np.arange(3000), 5)):
        chunks.append(ChunkPerformance(label, None, None, len(rows), len(rows), OK, "",
                                       {"mae": _estimate(lambda r, rows=rows: skm.mean_absolute_error(
                                           t_prod[rows][r], p_prod[rows][r]), len(rows), rng),
                                        "rmse": _estimate(lambda r, rows=rows: float(np.sqrt(skm.mean_squared_error(
                                            t_prod[rows][r], p_prod[rows][r]))), len(rows), rng)},
                                       dropped=("mae",) if label == "2024-Q1" else ()))
    reference, production = dataset("reference", t_ref, p_ref), dataset("production", t_prod, p_prod, tuple(chunks))
    return PerformanceResult(
        task="regression", positive_label=None, classes=(), metric_names=REGRESSION, threshold=None,
        reference=reference, production=production,
        comparison={m: _change(m, reference.metrics[m], production.metrics[m], 0.1) for m in REGRESSION},
        segments=(), chunking="quarter (from “sold_at”)", confidence=CONFIDENCE, resamples=RESAMPLES,
        chunk_resamples=RESAMPLES, policy={"max_drop": 0.1, "minimum": {"r2": 0.5}},
        methods=("Errors are prediction minus target.",))
