"""Estimated performance: fit on the reference (its labels), estimate on production (without its labels).

Classification: CBPE (engine/estimation/cbpe.py) on scores calibrated on the reference
(engine/estimation/calibration.py), weighted by the density ratio production / reference for `cbpe_weighted`
(engine/estimation/density.py); regression: DLE (engine/estimation/dle.py). Intervals: engine/estimation/
intervals.py (CBPE) and dle.py. Where a production chunk has labels, the realised metrics are set beside the
estimate (the backtest). Chunks and the policy are [performance]'s.
"""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.chunks import Chunking, make_chunks
from assay.engine.drift.encoding import text_values
from assay.engine.drift.multivariate import DOMAIN_MAX_CATEGORIES, iter_encode
from assay.engine.errors import CalculationError
from assay.engine.estimation import cbpe, conditional, dle
from assay.engine.estimation import intervals as I
from assay.engine.estimation.calibration import calibrate
from assay.engine.estimation.config import EstimationConfig
from assay.engine.estimation.density import iter_density_ratio
from assay.engine.estimation.results import (BacktestResult, CalibrationResult, Estimate, EstimatedChunk,
                                             EstimationResult, ShiftCheck)
from assay.engine.performance.bootstrap import interval
from assay.engine.performance.config import PerformanceConfig
from assay.engine.performance.inputs import Prepared, prepare_classification, prepare_regression, task_classes
from assay.engine.performance.metric_specs import BY_NAME, label
from assay.engine.performance.policy import compare
from assay.engine.performance.results import MetricValue
from assay.engine.predictions import PredictionSet
from assay.engine.schema import ColumnKind, ColumnRole, Schema

WEIGHTED_AUC = 0.6  # method "auto": the weighted estimate is made beside the plain one from this domain AUC
SHIFT_WARNING_AUC = 0.8  # assumption warning: production is far from the reference
OUTSIDE_SHARE = 0.01  # assumption warning: more production rows than this outside the reference's scores or
# categories


class EstimationCalculator(Calculator[EstimationResult]):
    name = "estimation"
    title = "Estimated performance"

    def __init__(self, schema: Schema, config: EstimationConfig, performance: PerformanceConfig,
                 predictions: dict[str, PredictionSet] | None, seed: int = 0, model_name: str | None = None) -> None:
        if schema.task not in ("binary", "multiclass", "regression"):
            raise CalculationError("estimation needs the task: set [task] type to binary, multiclass or regression")
        self.schema, self.config, self.performance, self.seed = schema, config, performance, seed
        self.predictions = predictions or {}
        self.from_model = model_name is not None
        self.task = schema.task
        self.classification = self.task != "regression"
        self.target = schema.first(ColumnRole.TARGET)
        self.source = f"the model {model_name}" if model_name else "the prediction columns"
        self.classes = (task_classes(self.task, schema.classes, schema.positive_label, self.predictions)
                        if self.classification else None)
        features = [c for c in schema.analysed if c.in_reference and c.in_production]
        self.numerical = [c.name for c in features if c.kind == ColumnKind.NUMERICAL]
        self.categorical = [c.name for c in features if c.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)]
        self.names = cbpe.ESTIMATED_CLASSIFICATION if self.classification else dle.ESTIMATED_REGRESSION

    def _fit(self, reference: pd.DataFrame) -> None:
        self._reference = reference
        self._ref = self._prepare(reference, "reference")
        if not self._ref.used.any():
            raise CalculationError("reference data: no row has both a label and a prediction, so nothing can be "
                                   "learnt about the model's errors")

    def _prepare(self, frame: pd.DataFrame, dataset: str) -> Prepared:
        target = frame[self.target] if self.target and self.target in frame.columns else None
        predictions = self.predictions.get(dataset)
        if self.classification:
            return prepare_classification(dataset, target, self.target or "", predictions, self.classes, self.task,
                                          self.performance.threshold, self.source, self.source,
                                          self.schema.names(ColumnRole.PROBABILITY), self.from_model)
        return prepare_regression(dataset, target, self.target or "", predictions, self.source)

    def _calculate(self, production: pd.DataFrame) -> Generator[Any, None, EstimationResult]:
        prod = self._prepare(production, "production")
        self._notes: list[str] = []
        self._alternative: tuple[str | None, dict[str, float]] = (None, {})
        self._conditional_total: dict[str, float] = {}
        chunking = make_chunks(production, self.schema.timestamp, self.performance.chunk_by,
                               self.performance.chunk_size)
        yield 0.02, "Estimating performance: the shift between reference and production"
        shift = None
        if self.numerical or self.categorical:
            steps = iter_density_ratio(self._reference, production, self.numerical, self.categorical, self.seed)
            ratio = yield from _progress(steps, 0.02, 0.3, "Estimating performance: the shift between reference "
                                                           "and production")
            shift = ShiftCheck(auc=ratio.auc, rows=ratio.rows, columns=tuple(self.numerical + self.categorical))
        else:
            ratio = None
        rng = np.random.default_rng([self.seed, 18])
        if self.classification:
            outcome = yield from self._classification(production, prod, chunking, ratio, rng)
        else:
            outcome = yield from self._regression(production, prod, chunking, rng)
        method, calibration, reference, total, chunks = outcome
        alternative_method, alternative = self._alternative
        exact_total, samples_total = total
        metrics = self._estimates(exact_total, samples_total, self._conditional_total)
        comparison = compare(self.names, {n: MetricValue(reference[0][n]) for n in self.names},
                             {n: MetricValue(_finite(exact_total[n])) for n in self.names},
                             reference[1], samples_total, self.performance)
        notes = (list(self.classes.notes) if self.classes else []) + self._notes
        if chunking.rows_without_time:
            notes.append(f"{chunking.rows_without_time:,} production rows without a time are in no chunk")
        yield 1.0, "Estimating performance"
        return EstimationResult(
            task=self.task, method=method, metric_names=self.names, calibration=calibration, metrics=metrics,
            chunks=tuple(chunks), backtest=_backtest(self.names, chunks), reference=reference[0],
            comparison=comparison, confidence=self.performance.confidence, resamples=self.config.resamples,
            chunking=chunking.description, alternative_method=alternative_method, alternative=alternative,
            shift=shift,
            positive_label=self.classes.names[self.classes.positive] if self.task == "binary" else None,
            minimum={n: v for n, v in self.performance.minimum.items() if n in self.names},
            assumptions=tuple(self._assumptions(production, prod, shift) + _disagreement(metrics, alternative_method,
                                                                                        alternative)),
            notes=tuple(notes))

    # -- classification --------------------------------------------------------------------

    def _classification(self, production: pd.DataFrame, prod: Prepared, chunking: Chunking, ratio,
                        rng: np.random.Generator) -> Generator:
        ref, classes = self._ref, self.classes
        k, positive, binary = classes.k, classes.positive, self.task == "binary"
        if prod.scores is None or ref.scores is None:
            raise CalculationError("estimation needs the model's scores (probabilities) in both datasets")
        used = ref.used
        scores_r, y_r, pred_r = ref.scores[used], ref.y[used], ref.pred[used]
        if np.unique(y_r).size < 2:
            raise CalculationError("reference data: one class only among the labelled rows; the calibration "
                                   "needs both outcomes")
        weighted = ratio is not None and self.config.method == "cbpe_weighted"
        method = "cbpe_weighted" if weighted else "cbpe"
        weights = ratio.weights[used] if weighted else None
        # beside the headline: the plain estimate when it is weighted; the weighted one when "auto" sees a shift
        other = ratio is not None and (weighted or (self.config.method == "auto" and ratio.auc >= WEIGHTED_AUC))
        bins = self.performance.calibration_bins
        yield 0.32, "Estimating performance: calibrating the scores on the reference"
        calibrator, calibration, crossed = calibrate(scores_r, y_r, k, positive, weights, self.seed, bins)
        scored = (prod.pred >= 0) & (np.isfinite(prod.scores).all(axis=1) if prod.scores.ndim == 2
                                     else np.isfinite(prod.scores))
        scores_p, pred_p = np.where(np.isfinite(prod.scores), prod.scores, 0.0), prod.pred

        def probabilities(fitted) -> np.ndarray:
            return cbpe.class_probabilities(fitted.apply(scores_p) if fitted is not None else scores_p, k, positive)

        probs_p = probabilities(calibrator)
        alternative = {}
        if other:
            other_calibrator, _, _ = calibrate(scores_r, y_r, k, positive, None if weighted else ratio.weights[used],
                                               self.seed, bins)
            rows = np.flatnonzero(scored)
            alternative = cbpe.metrics_of(pred_p[rows], probabilities(other_calibrator)[rows], scores_p[rows],
                                          positive)
        yield 0.4, "Estimating performance: resampling the reference"
        reference_exact = cbpe.metrics_of(pred_r, cbpe.one_hot(y_r, k), scores_r, positive)
        _, draws = I.draw_reference(scores_r, y_r, pred_r, k, positive, weights, self.config.resamples,
                                    reference_exact, self.names, rng)
        cell_grid = I.grid_of(scores_r, positive, I.cell_bins(k, binary))

        def evaluate(rows: np.ndarray, pred: np.ndarray = pred_p, probs: np.ndarray = probs_p,
                     scores: np.ndarray = scores_p) -> tuple[dict[str, float], dict[str, np.ndarray]]:
            exact = cbpe.metrics_of(pred[rows], probs[rows], scores[rows], positive)
            if rows.size == 0:
                return exact, {}
            cells = I.make_cells(pred[rows], scores[rows], cell_grid)
            return exact, I.draw_production(cells, draws, exact, k, positive, binary, self.names, cell_grid, rng)

        total = evaluate(np.flatnonzero(scored))
        chunk_rows = [chunk.indices[scored[chunk.indices]] for chunk in chunking.chunks]
        moves = yield from self._conditional_moves(
            production, [np.flatnonzero(scored), *chunk_rows], scores_r, y_r, pred_r,
            cbpe.class_probabilities(crossed, k, positive), scores_p, pred_p, probs_p, positive)
        self._conditional_total = moves[0]
        sizes = [int(scored[c.indices].sum()) for c in chunking.chunks]
        spread = I.heterogeneity(
            sizes, y_r.size, lambda rows: (cbpe.metrics_of(pred_r[rows], cbpe.one_hot(y_r[rows], k), scores_r[rows],
                                                           positive),
                                           *evaluate(rows, pred_r, cbpe.class_probabilities(crossed, k, positive),
                                                     scores_r)))
        chunks = []
        for i, chunk in enumerate(chunking.chunks):
            rows = chunk_rows[i]
            exact, samples = evaluate(rows)
            samples = I.widened(samples, spread, rng)
            labelled = prod.y[rows] >= 0
            realized = (cbpe.metrics_of(pred_p[rows], cbpe.one_hot(prod.y[rows], k), scores_p[rows], positive)
                        if rows.size and labelled.all() else None)
            chunks.append(self._chunk(chunk, exact, samples, realized, moves[i + 1]))
            yield 0.5 + 0.5 * (i + 1) / max(len(chunking.chunks), 1), "Estimating performance over time"
        if any(spread.values()):
            self._notes.append("Chunk intervals widened by the variation between chunks of the reference that the "
                               "scores do not explain (reference rows in file order, chunks of production's size): "
                               + ", ".join(f"{name} +-{np.sqrt(v):.3g}" for name, v in spread.items() if v))
        if self.numerical or self.categorical:
            self._notes.append("Intervals also hold the estimate from the calibration given the inputs as well as the "
                               "score (its error learnt on the reference: engine/estimation/conditional.py); a chunk "
                               "holding more of a region where the scores are over- or under-confident moves it")
        if alternative:
            self._alternative = ("cbpe" if weighted else "cbpe_weighted", alternative)
        return method, calibration, (reference_exact, draws.realised), total, chunks

    def _conditional_moves(self, production: pd.DataFrame, row_sets: list[np.ndarray], scores_r: np.ndarray,
                           y_r: np.ndarray, pred_r: np.ndarray, crossed_r: np.ndarray, scores_p: np.ndarray,
                           pred_p: np.ndarray, probs_p: np.ndarray, positive: int) -> Generator:
        """Per set of production rows, each metric's move from the plain estimate to the one from the calibration
        given the inputs (engine/estimation/conditional.py), on up to its SAMPLE_ROWS rows; empty without inputs."""
        rng = np.random.default_rng([self.seed, 18, 3])
        samples = [conditional.sampled(rows, rng) for rows in row_sets]
        needed = np.unique(np.concatenate(samples))
        if not (self.numerical or self.categorical) or needed.size == 0:
            return [{} for _ in row_sets]
        (x_ref, x_prod), categorical_index = yield from _progress(
            iter_encode([self._reference, production.iloc[needed]], self.numerical, self.categorical,
                        DOMAIN_MAX_CATEGORIES), 0.42, 0.44, "Estimating performance: the calibration given the inputs")
        mask = np.zeros(x_ref.shape[1], dtype=bool)
        mask[categorical_index] = True
        residual = conditional.predicted_residual(y_r, pred_r, crossed_r)
        predicted = yield from _progress(
            conditional.iter_residuals(x_ref[self._ref.used], scores_r, residual, x_prod, scores_p[needed], mask,
                                       self.seed), 0.44, 0.5, "Estimating performance: the calibration given the inputs")
        given = conditional.corrected(probs_p[needed], pred_p[needed], predicted)
        out = []
        for rows in samples:
            if rows.size == 0:
                out.append({})
                continue
            moved = cbpe.metrics_of(pred_p[rows], given[np.searchsorted(needed, rows)], scores_p[rows], positive)
            plain = cbpe.metrics_of(pred_p[rows], probs_p[rows], scores_p[rows], positive)
            out.append({name: moved[name] - plain[name] for name in self.names})
        return out

    # -- regression ------------------------------------------------------------------------

    def _regression(self, production: pd.DataFrame, prod: Prepared, chunking: Chunking, rng: np.random.Generator
                    ) -> Generator:
        ref = self._ref
        if self.config.method not in ("auto", "dle"):
            raise CalculationError(f"[estimation] method = {self.config.method!r} is for classification; a "
                                   f"regression model's performance is estimated with \"dle\" (or \"auto\")")
        (x_ref, x_prod), categorical_index = yield from _progress(
            iter_encode([self._reference, production], self.numerical, self.categorical, DOMAIN_MAX_CATEGORIES),
            0.3, 0.35, "Estimating performance: encoding the inputs")
        mask = np.zeros(x_ref.shape[1] + 1, dtype=bool)
        mask[categorical_index] = True
        used = ref.used
        predicted = np.isfinite(prod.pred)
        x_ref = np.column_stack([x_ref, ref.pred])[used]
        x_prod = np.column_stack([x_prod, np.where(predicted, prod.pred, 0.0)])
        losses = yield from _progress(dle.iter_fit_losses(x_ref, ref.pred[used] - ref.y[used], x_prod, mask,
                                                          self.seed),
                                      0.35, 0.8, "Estimating performance: learning the model's errors")
        draws = dle.draw_reference_losses(losses, self.config.resamples, rng)
        reference_exact = {"mae": float(losses.reference_absolute.mean()),
                           "rmse": float(np.sqrt(losses.reference_squared.mean()))}

        def evaluate(rows: np.ndarray) -> tuple[dict[str, float], dict[str, np.ndarray]]:
            return dle.estimate(losses, rows), (dle.draw_losses(losses, rows, draws, rng) if rows.size else {})

        total = evaluate(np.flatnonzero(predicted))
        chunks = []
        for chunk in chunking.chunks:
            rows = chunk.indices[predicted[chunk.indices]]
            exact, samples = evaluate(rows)
            error = prod.pred[rows] - prod.y[rows]
            realized = ({"mae": float(np.abs(error).mean()), "rmse": float(np.sqrt((error ** 2).mean()))}
                        if rows.size and np.isfinite(prod.y[rows]).all() else None)
            chunks.append(self._chunk(chunk, exact, samples, realized))
        yield 0.95, "Estimating performance over time"
        calibration = CalibrationResult(calibrated=False, ece_before=None, ece_after=None,
                                        reason="regression: direct loss estimation learns the errors; there are no "
                                               "scores to calibrate")
        return "dle", calibration, (reference_exact, draws.realised), total, chunks

    # -- shared ----------------------------------------------------------------------------

    def _estimates(self, exact: dict[str, float], samples: dict[str, np.ndarray],
                   moves: dict[str, float] | None = None) -> dict[str, Estimate]:
        """Each metric's estimate and interval; `moves`: how far the estimate from the calibration given the inputs
        lies from it (conditional.py), the interval spanning both."""
        out = {}
        for name in self.names:
            low, high = interval(_bounded(name, samples[name]), self.performance.confidence) if name in samples \
                else (None, None)
            value = _finite(exact[name])
            low, high = conditional.spanned(low, high, (moves or {}).get(name))
            bound_low, bound_high = BY_NAME[name].bounds
            low = low if low is None or bound_low is None else max(low, bound_low)
            high = high if high is None or bound_high is None else min(high, bound_high)
            out[name] = Estimate(value=value, ci_low=low, ci_high=high)
        return out

    def _chunk(self, chunk, exact, samples, realized, moves: dict[str, float] | None = None) -> EstimatedChunk:
        return EstimatedChunk(label=chunk.label, start=chunk.start, end=chunk.end, rows=chunk.rows,
                              metrics=self._estimates(exact, samples, moves),
                              realized=None if realized is None else {n: _finite(v) for n, v in realized.items()})

    def _assumptions(self, production: pd.DataFrame, prod: Prepared, shift: ShiftCheck | None) -> list[str]:
        out = []
        if shift is not None and shift.auc >= SHIFT_WARNING_AUC:
            out.append(f"Production differs strongly from the reference: a classifier tells them apart with "
                       f"ROC-AUC {shift.auc:.2f}. The estimate assumes that rows like the reference's still have "
                       f"the outcomes they had there; the further production moves, the less that is known.")
        unseen = []
        for name in self.categorical:
            known = set(text_values(pd.Series(pd.unique(self._reference[name].dropna()))))
            values = production[name]
            distinct = pd.unique(values.dropna())
            new = [value for value, text in zip(distinct, text_values(pd.Series(distinct))) if text not in known]
            share = float(values.isin(new).mean()) if len(values) and new else 0.0
            if share > OUTSIDE_SHARE:
                unseen.append(f"{name} ({share:.1%})")
        if unseen:
            out.append(f"Categories unseen in the reference: {', '.join(unseen[:8])} of production rows. The "
                       f"estimate knows nothing of how the model does on them.")
        ref = self._ref
        values_r = ref.scores[ref.used] if ref.scores is not None else ref.pred[ref.used]
        values_p = prod.scores if prod.scores is not None else prod.pred
        if values_p is not None and values_r.size:
            low, high = np.nanmin(values_r, axis=0), np.nanmax(values_r, axis=0)
            with np.errstate(invalid="ignore"):
                outside = (values_p < low) | (values_p > high)
            outside = outside.any(axis=1) if outside.ndim == 2 else outside
            share = float(outside.mean()) if outside.size else 0.0
            if share > OUTSIDE_SHARE:
                what = "scores" if prod.scores is not None else "predictions"
                out.append(f"{share:.1%} of production's {what} lie outside the range the reference's cover: there "
                           f"the estimate extrapolates.")
        return out


def _progress(steps: Generator, start: float, end: float, message: str) -> Generator:
    """A generator of None steps (or fractions) as (fraction, message) steps within [start, end]."""
    done = 0
    try:
        while True:
            step = next(steps)
            done += 1
            fraction = step if isinstance(step, float) else min(1.0, done / (done + 10))
            yield start + (end - start) * fraction, message
    except StopIteration as stop:
        return stop.value


def _disagreement(metrics: dict[str, Estimate], method: str | None, alternative: dict[str, float]) -> list[str]:
    """An assumption line when the other CBPE estimate falls outside the headline's interval."""
    outside = [f"{label(name)} {alternative[name]:.3f} against {e.value:.3f}" for name, e in metrics.items()
               if name in alternative and e.ci_low is not None and not e.ci_low <= alternative[name] <= e.ci_high]
    if not outside:
        return []
    return [f"The estimate with the calibration {'weighted by' if method == 'cbpe_weighted' else 'not weighted by'} "
            f"the density ratio production / reference falls outside the interval ({', '.join(outside)}): how well "
            f"the scores are calibrated depends on where production lies, so the estimate depends on a choice the "
            f"reference cannot settle."]


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def _bounded(name: str, values: np.ndarray) -> np.ndarray:
    low, high = BY_NAME[name].bounds
    return np.clip(values, low if low is not None else -np.inf, high if high is not None else np.inf)


def _backtest(names: tuple[str, ...], chunks: list[EstimatedChunk]) -> dict[str, BacktestResult]:
    out = {}
    for name in names:
        errors, held = [], []
        for chunk in chunks:
            estimate, realised = chunk.metrics.get(name), (chunk.realized or {}).get(name)
            if realised is None or estimate is None or estimate.value is None:
                continue
            errors.append(abs(estimate.value - realised))
            if estimate.ci_low is not None:
                held.append(estimate.ci_low <= realised <= estimate.ci_high)
        if errors:
            out[name] = BacktestResult(mae=float(np.mean(errors)), coverage=float(np.mean(held)) if held else None,
                                       chunks=len(errors))
    return out
