"""Performance: every metric with a bootstrap interval, reference against production, over time
and by segment. Point estimates are exact (every row); intervals come from engine/performance/
bootstrap.py (all resamples at once); curves from engine/performance/curves.py."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.chunks import make_chunks
from assay.engine.config import PerformanceConfig
from assay.engine.errors import CalculationError, ConfigError
from assay.engine.fairness import groups as G
from assay.engine.performance import bootstrap as B
from assay.engine.performance import curves as V
from assay.engine.performance import metrics as M
from assay.engine.performance.inputs import Prepared, prepare_classification, prepare_regression, task_classes
from assay.engine.performance.metric_specs import BY_NAME, of_task
from assay.engine.performance.policy import compare, is_drop
from assay.engine.performance.results import (NO_LABELS, NO_PREDICTIONS, OK, SMALL, ChunkPerformance,
                                              ClassMetrics, ConfusionMatrix, DatasetPerformance, MetricValue,
                                              PerformanceResult, SegmentColumn, SegmentPerformance)
from assay.engine.predictions import PredictionSet
from assay.engine.schema import ColumnKind, ColumnRole, Schema

CHUNK_RESAMPLES = 200  # per chunk and per segment, at most
OTHER = "other"


@dataclass
class Evaluation:
    """Metrics of one set of rows: exact point values, bootstrap samples (shifted onto the exact
    value when the cells are coarser than the rows) and the cells used."""

    rows: int
    used: int
    point: dict[str, Any]
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    cells: str = ""
    exact_cells: bool = True


class PerformanceCalculator(Calculator[PerformanceResult]):
    name = "performance"
    title = "Performance"

    def __init__(self, schema: Schema, config: PerformanceConfig, predictions: dict[str, PredictionSet] | None,
                 seed: int = 0, model_name: str | None = None) -> None:
        """`model_name`: the model's path when it computed the predictions (None: prediction columns)."""
        if schema.task not in ("binary", "multiclass", "regression"):
            raise CalculationError("performance needs the task: set [task] type to binary, multiclass or regression")
        self.schema, self.config, self.seed = schema, config, seed
        self.predictions = predictions or {}
        self.from_model = model_name is not None
        probabilities = schema.names(ColumnRole.PROBABILITY)
        prediction = schema.first(ColumnRole.PREDICTION)
        self.label_source = f"the model {model_name}" if model_name else (
            f"the column {prediction!r}" if prediction else f"the scores in {_columns(probabilities)}")
        self.score_source = f"the probabilities of the model {model_name}" if model_name else _columns(probabilities)
        self.task = schema.task
        self.target = schema.first(ColumnRole.TARGET)
        self.classification = self.task != "regression"
        self.metrics = of_task(self.task)
        self.metric_names = tuple(m.name for m in self.metrics)
        self.classes = (task_classes(self.task, schema.classes, schema.positive_label, self.predictions)
                        if self.classification else None)
        self.has_scores = any(p.scores is not None for p in self.predictions.values())
        self.labels_given = bool(self.predictions) and all(p.labels_given for p in self.predictions.values())
        self.threshold = (config.threshold if self.task == "binary" and self.has_scores and not self.labels_given
                          else None)
        self.chunk_resamples = min(config.bootstrap_resamples, CHUNK_RESAMPLES)
        known = {c.name for c in schema.columns}
        segment_by = config.segment_by if config.segment_by is not None else tuple(schema.names(ColumnRole.SENSITIVE))
        for column in segment_by:
            if column not in known:
                raise ConfigError(f"[performance] segment_by: no column {column!r} in the data; columns: "
                                  f"{', '.join(sorted(known)[:30])}", key="performance.segment_by")
        self.segment_by = tuple(segment_by)

    # -- lifecycle -----------------------------------------------------------------------

    def _fit(self, reference: pd.DataFrame) -> None:
        """Checks and arrays only; the metrics are computed in calculate, with progress."""
        self._reference_frame = reference
        self._ref = self._prepare(reference, "reference")
        if not self.classification:
            y = self._ref.y[self._ref.used] if self._ref.used.any() else self._ref.y
            self.floor = M.mape_floor(y)

    def _calculate(self, production: pd.DataFrame) -> Generator[Any, None, PerformanceResult]:
        prod = self._prepare(production, "production")
        self._production_columns = set(production.columns)
        self._value_edges = None
        if not self.classification:
            self._value_edges = V.value_edges(self._ref.pred, prod.pred)
        ref_eval, ref_result = yield from _within(self._dataset(self._ref, 0), 0.0, 0.3, "Performance on the reference")
        prod_eval, prod_result = yield from _within(self._dataset(prod, 1), 0.3, 0.6, "Performance on production")
        comparison = compare(self.metric_names, ref_result.metrics, prod_result.metrics, self._samples(ref_eval),
                             self._samples(prod_eval), self.config)
        chunking = make_chunks(production, self.schema.timestamp, self.config.chunk_by, self.config.chunk_size)
        chunks = yield from _within(self._chunks(prod, chunking, ref_eval, ref_result), 0.6, 0.85,
                                    "Performance over time")
        prod_result = _replace(prod_result, chunks=tuple(chunks))
        segments = yield from _within(self._segments(production, prod), 0.85, 1.0, "Performance by segment")
        yield 1.0
        notes = list(self.classes.notes) if self.classes else []
        if chunking.rows_without_time:
            notes.append(f"{chunking.rows_without_time:,} production rows without a time are in no chunk")
        return PerformanceResult(
            task=self.task, positive_label=self._positive_name(), classes=tuple(self.classes.names) if self.classes else (),
            metric_names=self.metric_names, threshold=self.threshold, reference=ref_result, production=prod_result,
            comparison=comparison, segments=tuple(segments), chunking=chunking.description,
            confidence=self.config.confidence, resamples=self.config.bootstrap_resamples,
            chunk_resamples=self.chunk_resamples, policy=self._policy(),
            methods=self._methods(ref_eval, prod_eval, chunking.description), notes=tuple(notes))

    # -- inputs ----------------------------------------------------------------------------

    def _prepare(self, frame: pd.DataFrame, dataset: str) -> Prepared:
        target = frame[self.target] if self.target and self.target in frame.columns else None
        predictions = self.predictions.get(dataset)
        if predictions is not None and len(predictions) != len(frame):
            raise CalculationError(f"{dataset} data: {len(predictions):,} predictions for {len(frame):,} rows")
        if self.classification:
            return prepare_classification(dataset, target, self.target or "", predictions, self.classes, self.task,
                                          self.config.threshold, self.label_source, self.score_source,
                                          self.schema.names(ColumnRole.PROBABILITY), self.from_model)
        return prepare_regression(dataset, target, self.target or "", predictions, self.label_source)

    def _positive_name(self) -> str | None:
        return self.classes.names[self.classes.positive] if self.task == "binary" else None

    # -- one set of rows -------------------------------------------------------------------

    def _evaluate(self, p: Prepared, rows: np.ndarray | None, resamples: int, stream: tuple[int, ...]
                  ) -> Generator[float, None, Evaluation]:
        mask = p.used if rows is None else np.zeros(p.rows, dtype=bool)
        if rows is not None:
            mask[rows] = True
            mask &= p.used
        y, pred = p.y[mask], p.pred[mask]
        scores = p.scores[mask] if p.scores is not None else None
        count = int(mask.sum())
        evaluation = Evaluation(p.rows if rows is None else len(rows), count, {})
        if count == 0:
            return evaluation
        if self.classification:
            k = self.classes.k
            point = M.count_metrics(M.confusion_matrix(y, pred, k))
            point["confusion"] = M.confusion_matrix(y, pred, k)
            if scores is not None:
                if scores.ndim == 1:
                    point |= M.binary_score_metrics(y == self.classes.positive, scores, self.config.calibration_bins)
                else:
                    point |= M.multiclass_score_metrics(y, scores, self.config.calibration_bins, p.scored)
            yield 0.0
            cells = B.classification_cells(y, pred, k, self.classes.positive, scores, self.threshold,
                                           self.config.calibration_bins, p.scored, subset=rows is not None)
        else:
            point = M.regression_metrics(y, pred, self.floor)
            yield 0.0
            cells = B.regression_cells(y, pred, self.floor, subset=rows is not None)
        evaluation.point, evaluation.cells, evaluation.exact_cells = point, cells.description, cells.exact
        rng = np.random.default_rng([self.seed, *stream])
        samples = yield from B.iter_bootstrap(cells, resamples, rng)
        if samples and not cells.exact:
            at_cells = B.evaluate(cells, cells.counts[None, :])
            for name, values in samples.items():
                if name in point and np.ndim(point[name]) == np.ndim(values) - 1 and not name.startswith("class_"):
                    shift = np.asarray(point[name], dtype=float) - at_cells[name][0]
                    samples[name] = values + np.where(np.isfinite(shift), shift, 0.0)
        evaluation.samples = {name: _clip(name, values) for name, values in samples.items()}
        return evaluation

    def _headline(self, values: dict[str, Any]) -> dict[str, Any]:
        """Headline metric values (point or resamples) from the evaluation's names: a per-class metric's
        is the positive class's (binary) or the macro average (multiclass)."""
        out = {}
        for spec in self.metrics:
            if spec.per_class:
                out[spec.name] = (values[f"class_{spec.name}"][..., self.classes.positive] if self.task == "binary"
                                  else values[f"macro_{spec.name}"])
            elif spec.name in values:
                out[spec.name] = values[spec.name]
        return out

    def _samples(self, ev: Evaluation) -> dict[str, np.ndarray]:
        return self._headline(ev.samples) if ev.samples else {}

    def _metric_values(self, ev: Evaluation, p: Prepared) -> dict[str, MetricValue]:
        point = self._headline(ev.point)
        samples = self._samples(ev)
        out = {}
        for name in self.metric_names:
            value = _number(point.get(name))
            if value is None:
                out[name] = MetricValue(None, reason=self._reason(name, ev, p))
                continue
            out[name] = MetricValue(value, *self._interval(value, samples.get(name)))
        return out

    def _interval(self, value: float, samples: np.ndarray | None) -> tuple[float | None, float | None]:
        """The percentile interval, extended to the estimate when every resample but a tail lies on
        one side of it (the ECE of small samples is biased upward under resampling)."""
        if samples is None:
            return None, None
        low, high = B.interval(samples, self.config.confidence)
        if low is None:
            return None, None
        return min(low, value), max(high, value)

    def _reason(self, name: str, ev: Evaluation, p: Prepared) -> str:
        if BY_NAME[name].needs_scores and (p.scores is None or name not in ev.point):
            return ("no scores: the predictions are labels only (a probability column, or a model with "
                    "predict_proba, gives the score metrics)")
        if self.classification:
            support = ev.point["class_support"]
            predicted = ev.point["class_predicted"]
            present = [self.classes.names[i] for i in np.flatnonzero(support > 0)]
            if self.task == "binary":
                pos = self.classes.positive
                positive = self.classes.names[pos]
                if name in ("roc_auc",):
                    return f"only one class ({', '.join(present)}) among the labelled rows: ROC-AUC needs both"
                if name in ("recall", "average_precision"):
                    return f"no row is labelled with the positive class {positive!r}"
                if name == "precision":
                    return f"no row is predicted as the positive class {positive!r}"
                if name == "f1":
                    return f"no row is labelled or predicted as the positive class {positive!r}"
            if name in ("roc_auc", "average_precision"):
                return f"fewer than two classes ({', '.join(present)}) among the labelled rows with a score column"
            if not predicted.sum():
                return "no rows"
        if name == "mape":
            return f"every target value is near zero (|target| < {self.floor:.3g}): MAPE is not defined"
        if name == "r2":
            return "the target is constant: R² is not defined"
        return "not defined on these rows"

    # -- datasets ----------------------------------------------------------------------------

    def _dataset(self, p: Prepared, stream: int) -> Generator[float, None, tuple[Evaluation, DatasetPerformance]]:
        notes = list(p.notes)
        distribution = V.distribution(self.task, p.pred, p.scores, self.classes.names if self.classes else [],
                                      self._value_edges)
        common = dict(dataset=p.dataset, rows=p.rows, rows_used=int(p.used.sum()), rows_missing_target=p.missing_target,
                      rows_missing_prediction=p.missing_prediction, distribution=distribution)
        empty = Evaluation(p.rows, 0, {})
        if not p.has_predictions:
            return empty, DatasetPerformance(status=NO_PREDICTIONS, reason=f"no predictions for the {p.dataset} data",
                                             metrics={}, notes=tuple(notes), **common)
        if not p.has_target or not p.used.any():
            reason = (f"the {p.dataset} data has no labels: "
                      + (f"no target column {self.target!r}" if not p.has_target and self.target and
                         self.target not in self._frame_columns(p.dataset) else
                         f"every value of the target {self.target!r} is missing" if not p.has_target else
                         "no row has both a target and a prediction")
                      + "; its prediction and score distributions are shown instead")
            return empty, DatasetPerformance(status=NO_LABELS, reason=reason, metrics={}, notes=tuple(notes), **common)
        if p.missing_target:
            notes.append(f"{p.missing_target:,} {p.dataset} rows without a target value left out")
        if p.missing_prediction:
            notes.append(f"{p.missing_prediction:,} {p.dataset} rows without a prediction left out")
        ev = yield from self._evaluate(p, None, self.config.bootstrap_resamples, (stream,))
        metrics = self._metric_values(ev, p)
        yield 1.0
        if not self.classification:
            used = p.used
            rng = np.random.default_rng([self.seed, stream, 99])
            residuals = V.residuals(p.y[used], p.pred[used], V.value_edges(p.pred[used] - p.y[used], bins=40), rng)
            excluded = int((np.abs(p.y[used]) < self.floor).sum())
            if excluded:
                notes.append(f"MAPE leaves out {excluded:,} rows whose target is near zero (|target| < "
                             f"{self.floor:.3g})")
            return ev, DatasetPerformance(status=OK, reason="", metrics=metrics, residuals=residuals,
                                          notes=tuple(notes), **common)
        per_class, averages = self._per_class(ev)
        notes += self._class_notes(ev)
        curves = self._curves(p, ev)
        return ev, DatasetPerformance(status=OK, reason="", metrics=metrics, per_class=per_class, averages=averages,
                                      confusion=ConfusionMatrix(tuple(self.classes.names),
                                                                tuple(tuple(int(v) for v in row)
                                                                      for row in ev.point["confusion"])),
                                      notes=tuple(notes), **curves, **common)

    def _frame_columns(self, dataset: str) -> set[str]:
        return set(self._reference_frame.columns) if dataset == "reference" else set(self._production_columns)

    def _per_class(self, ev: Evaluation) -> tuple[tuple[ClassMetrics, ...], dict[str, dict[str, MetricValue]]]:
        def estimate(name: str, index: int | None = None) -> MetricValue:
            value = ev.point[name] if index is None else ev.point[name][index]
            if not np.isfinite(value):
                return MetricValue(None, reason="no row is predicted as this class" if name == "class_precision"
                                   else "no row is labelled with this class" if name == "class_recall"
                                   else "no row is labelled or predicted as this class")
            if not ev.samples:
                return MetricValue(float(value))
            samples = ev.samples[name] if index is None else ev.samples[name][:, index]
            return MetricValue(float(value), *self._interval(float(value), samples))

        classes = tuple(ClassMetrics(self.classes.names[i], int(ev.point["class_support"][i]),
                                     int(ev.point["class_predicted"][i]), estimate("class_precision", i),
                                     estimate("class_recall", i), estimate("class_f1", i))
                        for i in range(self.classes.k))
        averages = {kind: {m: estimate(f"{kind}_{m}") for m in ("precision", "recall", "f1")}
                    for kind in ("macro", "weighted")}
        return classes, averages

    def _class_notes(self, ev: Evaluation) -> list[str]:
        notes = []
        support, predicted = ev.point["class_support"], ev.point["class_predicted"]
        never = [self.classes.names[i] for i in range(self.classes.k) if support[i] > 0 and predicted[i] == 0]
        if never:
            notes.append(f"labels in the data that the model never predicts: {', '.join(never)} (their precision is "
                         f"not defined; it counts as 0 in the macro averages, scikit-learn's convention)")
        unknown = [f"{self.classes.names[i]} ({int(predicted[i]):,} rows)" for i in range(self.classes.k)
                   if predicted[i] > 0 and support[i] == 0]
        if unknown:
            notes.append(f"predicted labels no labelled row has: {', '.join(unknown)}")
        return notes

    def _curves(self, p: Prepared, ev: Evaluation) -> dict[str, Any]:
        if p.scores is None:
            return {}
        used = p.used
        y, scores = p.y[used], p.scores[used]
        bins = self.config.calibration_bins
        if scores.ndim == 1:
            pos = self.classes.positive
            is_positive = y == pos
            roc, pr = V.roc_and_pr(is_positive, scores, self.classes.names[pos], _number(ev.point.get("roc_auc")),
                                   _number(ev.point.get("average_precision")))
            return {"roc": tuple(c for c in (roc,) if c), "pr": tuple(c for c in (pr,) if c),
                    "calibration": V.calibration(is_positive, scores, bins, self.classes.names[pos]),
                    "threshold_sweep": V.threshold_sweep(is_positive, scores)}
        rocs, prs = [], []
        for c in np.flatnonzero(p.scored):
            roc, pr = V.roc_and_pr(y == c, scores[:, c], self.classes.names[c],
                                   _number(ev.point["class_roc_auc"][c]), _number(ev.point["class_average_precision"][c]))
            rocs += [roc] if roc else []
            prs += [pr] if pr else []
        return {"roc": tuple(rocs), "pr": tuple(prs),
                "calibration": V.calibration(scores.argmax(axis=1) == y, scores.max(axis=1), bins, "top label")}

    # -- over time -------------------------------------------------------------------------

    def _chunks(self, p: Prepared, chunking, ref_eval: Evaluation, ref_result: DatasetPerformance
                ) -> Generator[float, None, list[ChunkPerformance]]:
        out = []
        chunks = chunking.chunks
        for i, chunk in enumerate(chunks):
            used = int(p.used[chunk.indices].sum())
            base = dict(label=chunk.label, start=chunk.start, end=chunk.end, rows=chunk.rows, rows_used=used)
            if used == 0:
                reason = ("no labelled rows in this chunk" if p.has_predictions else "no predictions")
                out.append(ChunkPerformance(status=NO_LABELS, reason=reason, metrics={}, **base))
                yield (i + 1) / len(chunks)
                continue
            ev = yield from _within(self._evaluate(p, chunk.indices, self.chunk_resamples, (2, i)),
                                    i / len(chunks), (i + 1) / len(chunks))
            small = used < self.config.min_chunk_rows
            metrics = self._metric_values(ev, p)
            dropped = ()
            if not small and ref_result.status == OK:
                changes = compare(self.metric_names, ref_result.metrics, metrics, self._samples(ref_eval),
                                  self._samples(ev), self.config)
                dropped = tuple(m for m, c in changes.items() if is_drop(c))
            out.append(ChunkPerformance(
                status=SMALL if small else OK,
                reason=f"{used:,} labelled rows, fewer than min_chunk_rows = {self.config.min_chunk_rows}: shown, "
                       f"not judged" if small else "",
                metrics=metrics, dropped=dropped, **base))
        return out

    # -- segments ----------------------------------------------------------------------------

    def _segments(self, production: pd.DataFrame, prod: Prepared) -> Generator[float, None, list[SegmentColumn]]:
        if not self.segment_by:
            return []
        use_production = prod.used.any()
        frame, p = (production, prod) if use_production else (self._reference_frame, self._ref)
        if not p.used.any():
            return []
        ranked_by = "accuracy" if self.classification else "mae"
        out = []
        for j, column in enumerate(self.segment_by):
            if column not in frame.columns:
                out.append(SegmentColumn(column, p.dataset, ranked_by, (), (f"{column!r} is not in the {p.dataset} "
                                                                              f"data",)))
                continue
            numeric = self.schema[column].kind == ColumnKind.NUMERICAL
            edges = G.band_edges(self._reference_frame[column], None) if numeric and column in \
                self._reference_frame.columns else ()
            labels = G.group_labels(frame[column], numeric, edges).astype(str)
            names, sizes = np.unique(labels, return_counts=True)
            order = np.argsort(-sizes, kind="stable")
            top = [str(names[i]) for i in order[:self.config.top_segments]]
            segments = top + ([OTHER] if len(names) > len(top) else [])
            in_top = np.isin(labels, top)
            ref_labels = None
            if p is not self._ref and column in self._reference_frame.columns:
                ref_labels = G.group_labels(self._reference_frame[column], numeric, edges).astype(str)
            found = []
            for g, segment in enumerate(segments):
                rows = np.flatnonzero(~in_top if segment == OTHER else labels == segment)
                done = (j + (g + 1) / len(segments)) / len(self.segment_by)
                ev = yield from _within(self._evaluate(p, rows, self.chunk_resamples, (3, j, g)),
                                        (j + g / len(segments)) / len(self.segment_by), done)
                metrics = self._metric_values(ev, p) if ev.used else {}
                reference_value = None
                if ref_labels is not None:
                    ref_rows = np.flatnonzero(~np.isin(ref_labels, top) if segment == OTHER else ref_labels == segment)
                    ref_ev = yield from _within(self._evaluate(self._ref, ref_rows, 0, (4, j, g)), done, done)
                    reference_value = _number(self._headline(ref_ev.point).get(ranked_by)) if ref_ev.used else None
                found.append(SegmentPerformance(segment, len(rows), ev.used, len(rows) / max(p.rows, 1),
                                                ev.used < self.config.min_chunk_rows, metrics, reference_value))
            higher = BY_NAME[ranked_by].higher_is_better

            def key(s: SegmentPerformance, higher: bool = higher):
                value = s.metrics.get(ranked_by, MetricValue(None)).value
                return (s.small, value is None, (value if higher else -value) if value is not None else 0.0)

            notes = (f"{len(names) - len(top)} values beyond the top {len(top)} pooled as {OTHER!r}",) \
                if len(names) > len(top) else ()
            out.append(SegmentColumn(column, p.dataset, ranked_by, tuple(sorted(found, key=key)), notes))
        return out

    # -- text --------------------------------------------------------------------------------

    def _policy(self) -> dict[str, Any]:
        policy = asdict(self.config)
        policy["segment_by"] = list(self.segment_by)
        return policy

    def _methods(self, ref: Evaluation, prod: Evaluation, chunking: str) -> tuple[str, ...]:
        c = self.config
        lines = []
        if self.classification:
            lines.append(
                "Metrics as scikit-learn defines them, on every labelled row: accuracy, balanced accuracy (mean recall "
                "over the classes present), precision, recall and F1 per class with their macro and support-weighted "
                "averages; " + (f"the headline precision, recall and F1 are those of the positive class "
                                f"{self._positive_name()!r}. " if self.task == "binary" else
                                "the headline precision, recall and F1 are the macro averages. ")
                + "ROC-AUC (ties count half) and average precision " + ("of the positive-class score; " if
                                                                       self.task == "binary" else
                                                                       "one-vs-rest per class, macro-averaged over the "
                                                                       "classes where they are defined; ")
                + "log loss with probabilities clipped to [2.2e-16, 1 - 2.2e-16]; Brier score "
                + ("mean (p - y)²; " if self.task == "binary" else "mean Σ_k (p_k - y_k)² (0 to 2); ")
                + f"expected calibration error over {c.calibration_bins} equal-width bins of the "
                + ("positive-class score." if self.task == "binary" else "top-label confidence."))
            if self.threshold is not None:
                lines.append(f"Decision threshold {self.threshold:g} ([performance] threshold): a row is predicted "
                             f"{self._positive_name()!r} when its positive-class score is at least the threshold; "
                             f"predicted labels are re-derived from the scores, so the count metrics, the confusion "
                             f"matrix and the chunks all use this threshold.")
            elif self.has_scores and self.task == "binary":
                lines.append(f"Predicted labels as given in {self.label_source}: the count metrics, the confusion matrix "
                             f"and the chunks use them; the threshold sweep, ROC-AUC, average precision, log loss, "
                             f"Brier score and ECE use the scores in {self.score_source}.")
            elif not self.has_scores:
                lines.append("No scores (labels only): ROC-AUC, average precision, log loss, Brier score and ECE are "
                             "not defined; the count metrics use the predicted labels as given.")
        else:
            lines.append(
                "Regression metrics with error = prediction - target: MAE, RMSE, median absolute error, R² (1 - SSE / "
                f"SST), mean error (bias: positive when the model predicts too high) and MAPE as a share, leaving out "
                f"rows whose |target| is below {self.floor:.3g} (0.1% of the reference's median |target|) and counting "
                f"them in the notes.")
        if c.bootstrap_resamples:
            lines.append(
                f"Intervals: {c.confidence:.0%} percentile bootstrap with {c.bootstrap_resamples:,} resamples of the "
                f"rows per dataset and {self.chunk_resamples:,} per chunk and per segment, seeded from the audit seed "
                f"({self.seed}) so the same audit gives the same intervals. Every resample is one multinomial draw "
                f"over cells of rows that the metrics cannot tell apart, all resamples scored at once. Reference "
                f"cells: {ref.cells or 'none'}; production cells: {prod.cells or 'none'}."
                + ("" if ref.exact_cells and prod.exact_cells else
                   " Where a cell holds different scores or errors the interval is shifted to centre on the exact "
                   "estimate (the cells keep every sum the metrics need; ROC-AUC, average precision and the median "
                   "treat a cell's rows as tied).")
                + " An interval that would leave out its estimate (the resamples' ECE runs high on small samples) "
                  "is extended to it.")
        else:
            lines.append("Intervals: turned off ([performance] bootstrap_resamples = 0).")
        lines.append(
            f"Reference against production: change = production - reference, its interval from independent resamples "
            f"of each dataset, significant when it excludes 0. A drop is a finding when significant and larger than "
            f"the policy: max_drop = {c.max_drop:g} (per metric in [performance.max_drop_metrics]), absolute for "
            f"shares and scores, relative to the reference value for mae, rmse and median_ae, and for mean_error the "
            f"growth of |bias| relative to the reference MAE.")
        lines.append(f"Over time: production split into {chunking}; chunks with fewer than {c.min_chunk_rows} labelled "
                     f"rows are shown but not judged; chunks without labels are marked 'no labels', never scored.")
        if self.segment_by:
            lines.append(f"Segments: the {c.top_segments} most frequent values of each segment column "
                         f"({', '.join(self.segment_by)}), the rest pooled as 'other'; numerical columns in quartile "
                         f"bands of the reference; worst first by "
                         f"{'accuracy' if self.classification else 'MAE'} (defined in every labelled segment), "
                         f"segments with fewer than {c.min_chunk_rows} labelled rows last.")
        lines.append("Rows without a target value or without a prediction are left out of the metrics and counted.")
        return tuple(lines)


# -- helpers -----------------------------------------------------------------------------------


def _within(steps: Generator, start: float, end: float, message: str | None = None) -> Generator:
    """Map a sub-step's fractions into [start, end]; pass (fraction, message) pairs through scaled."""
    try:
        step = next(steps)
        while True:
            fraction, text = step if isinstance(step, tuple) else (step, message)
            scaled = start + (end - start) * min(max(float(fraction), 0.0), 1.0)
            yield (scaled, text) if text else scaled
            step = next(steps)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def _columns(names: list[str]) -> str:
    return ("the column " if len(names) == 1 else "the columns ") + ", ".join(repr(n) for n in names)


def _number(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _clip(name: str, values: np.ndarray) -> np.ndarray:
    """Resampled values of a headline metric kept inside its bounds (other names as they are)."""
    spec = BY_NAME.get(name)
    low, high = spec.bounds if spec else (None, None)
    if low is not None:
        values = np.maximum(values, low)
    if high is not None:
        values = np.minimum(values, high)
    return values


def _replace(result: DatasetPerformance, **changes) -> DatasetPerformance:
    from dataclasses import replace

    return replace(result, **changes)
