"""Every performance metric of two models on the same rows, each with its paired test: ROC-AUC (binary) by
DeLong's test, accuracy by the exact McNemar test, the others by the paired bootstrap; Holm's correction across
the metrics; a non-inferiority verdict per metric."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from assay.engine.comparison.config import ComparisonConfig
from assay.engine.comparison.delong import delong_test
from assay.engine.comparison.holm import holm
from assay.engine.comparison.mcnemar import mcnemar_test
from assay.engine.comparison.paired_bootstrap import (
    difference_p_value, evaluate_pair, iter_paired_bootstrap, paired_classification_cells, paired_regression_cells)
from assay.engine.comparison.results import MetricComparison
from assay.engine.comparison.verdicts import metric_verdict
from assay.engine.performance import metrics as M
from assay.engine.performance.bootstrap import interval
from assay.engine.performance.metric_specs import Metric, of_task


@dataclass(frozen=True)
class PairedRows:
    """Both models' outputs on the rows both predicted (class codes for classification; scores (n,) binary,
    (n, k) multiclass; predicted values for regression)."""

    task: str
    y: np.ndarray
    pred_a: np.ndarray
    pred_b: np.ndarray
    scores_a: np.ndarray | None = None
    scores_b: np.ndarray | None = None
    k: int = 2
    positive: int = 1
    threshold: float | None = None
    bins: int = 10
    scored: np.ndarray | None = None
    floor: float = 0.0

    @property
    def scored_both(self) -> bool:
        return self.scores_a is not None and self.scores_b is not None

    def metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in of_task(self.task) if self.scored_both or not m.needs_scores)


def point_metrics(rows: PairedRows, pred: np.ndarray, scores: np.ndarray | None) -> dict[str, object]:
    """One model's exact metrics, as the performance calculator computes them."""
    if rows.task == "regression":
        return M.regression_metrics(rows.y, pred, rows.floor)
    out = M.count_metrics(M.confusion_matrix(rows.y, pred, rows.k))
    if scores is not None and rows.scored_both:
        if scores.ndim == 1:
            out |= M.binary_score_metrics(rows.y == rows.positive, scores, rows.bins)
        else:
            out |= M.multiclass_score_metrics(rows.y, scores, rows.bins, rows.scored)
    return out


def headline(values: dict[str, object], metrics: tuple[Metric, ...], task: str, positive: int) -> dict[str, object]:
    """Each metric's headline (point or resamples): a per-class metric's is the positive class's (binary) or the
    macro average (multiclass), as in performance."""
    out = {}
    for spec in metrics:
        if spec.per_class and task != "regression":
            out[spec.name] = (np.asarray(values[f"class_{spec.name}"])[..., positive] if task == "binary"
                              else values[f"macro_{spec.name}"])
        elif spec.name in values:
            out[spec.name] = values[spec.name]
    return out


def paired_cells(rows: PairedRows):
    if rows.task == "regression":
        return paired_regression_cells(rows.y, rows.pred_a, rows.pred_b, rows.floor)
    scores_a, scores_b = (rows.scores_a, rows.scores_b) if rows.scored_both else (None, None)
    return paired_classification_cells(rows.y, rows.pred_a, rows.pred_b, rows.k, rows.positive, scores_a, scores_b,
                                       rows.threshold, rows.bins, rows.scored)


def _number(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def iter_compare_metrics(rows: PairedRows, config: ComparisonConfig, rng: np.random.Generator
                         ) -> Generator[float, None, tuple[tuple[MetricComparison, ...], str]]:
    """Every metric compared (in the metric table's order) and how the bootstrap grouped the rows."""
    metrics = rows.metrics()
    point_a = headline(point_metrics(rows, rows.pred_a, rows.scores_a), metrics, rows.task, rows.positive)
    point_b = headline(point_metrics(rows, rows.pred_b, rows.scores_b), metrics, rows.task, rows.positive)
    found: dict[str, dict] = {}
    if rows.task != "regression":
        test = mcnemar_test(rows.pred_a == rows.y, rows.pred_b == rows.y, config.confidence)
        if test is not None:
            found["accuracy"] = {"ci": (test.ci_low, test.ci_high), "p": test.p_value, "test": "mcnemar"}
    if rows.task == "binary" and rows.scored_both:
        test = delong_test(rows.y == rows.positive, rows.scores_a, rows.scores_b, config.confidence)
        if test is not None:
            found["roc_auc"] = {"ci": (test.ci_low, test.ci_high), "p": test.p_value, "test": "delong"}
    yield 0.05
    cells = paired_cells(rows)
    samples_a, samples_b = yield from iter_paired_bootstrap(cells, config.bootstrap_resamples, rng)
    shift = {}
    if not cells.exact:
        at_a, at_b = evaluate_pair(cells, cells.counts[None, :])
        at_a, at_b = (headline(v, metrics, rows.task, rows.positive) for v in (at_a, at_b))
        for spec in metrics:
            exact = (_number(point_b.get(spec.name)) or 0.0) - (_number(point_a.get(spec.name)) or 0.0)
            shift[spec.name] = exact - float(np.asarray(at_b[spec.name])[0] - np.asarray(at_a[spec.name])[0])
    boot_a = headline(samples_a, metrics, rows.task, rows.positive) if samples_a else {}
    boot_b = headline(samples_b, metrics, rows.task, rows.positive) if samples_b else {}
    for spec in metrics:
        if spec.name in found or spec.name not in boot_a:
            continue
        differences = np.asarray(boot_b[spec.name], dtype=float) - np.asarray(boot_a[spec.name], dtype=float)
        differences = differences + np.nan_to_num(shift.get(spec.name, 0.0))
        found[spec.name] = {"ci": interval(differences, config.confidence), "p": difference_p_value(differences),
                            "test": "bootstrap"}
    names = [spec.name for spec in metrics]
    adjusted = dict(zip(names, holm([found.get(n, {}).get("p") for n in names]), strict=True))
    alpha = 1 - config.confidence
    out = []
    for spec in metrics:
        a, b = _number(point_a.get(spec.name)), _number(point_b.get(spec.name))
        test = found.get(spec.name, {"ci": (None, None), "p": None, "test": "bootstrap"})
        low, high = (_number(v) for v in test["ci"])
        margin = config.margin_of(spec.name)
        out.append(MetricComparison(
            metric=spec.name, champion=a, challenger=b, difference=None if a is None or b is None else b - a,
            ci_low=low, ci_high=high, p_value=_number(test["p"]), p_value_adjusted=_number(adjusted[spec.name]),
            test=test["test"], margin=margin,
            verdict=metric_verdict(low, high, _number(adjusted[spec.name]), margin, spec.higher_is_better, alpha)))
    yield 1.0
    return tuple(out), cells.description
