"""The comparison calculator: the champion's predictions (from the audit) and each challenger's (opened here, in
its own model process) on the same rows, then the paired tests, agreement, fairness gaps and the A/B test.

The rows compared are production's when production has the target, else the reference's."""
from __future__ import annotations

import dataclasses
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.comparison.ab import ab_test
from assay.engine.comparison.agreement import agreement, fairness_gaps, segment_values
from assay.engine.comparison.challengers import ChallengerOutputs, iter_challenger
from assay.engine.comparison.config import RANDOM_STREAM, ChallengerConfig, ComparisonConfig
from assay.engine.comparison.importances import (importance_measure, importance_sample, iter_importances,
                                                side_by_side)
from assay.engine.comparison.paired_metrics import PairedRows, iter_compare_metrics
from assay.engine.comparison.results import ComparedModel, ComparisonResult, PairComparison, RocCurve
from assay.engine.comparison.verdicts import overall_verdict
from assay.engine.errors import CalculationError
from assay.engine.labels import keys, matches
from assay.engine.performance import metrics as M
from assay.engine.performance.config import PerformanceConfig
from assay.engine.performance.curves import roc_and_pr
from assay.engine.performance.inputs import prepare_classification, prepare_regression, task_classes
from assay.engine.model_files import LoadedModel
from assay.engine.predictions import PredictionSet, model_input_columns
from assay.engine.schema import ColumnRole, Schema


class ComparisonCalculator(Calculator[ComparisonResult]):
    name = "comparison"
    title = "Champion and challengers"

    def __init__(self, *, schema: Schema, config: ComparisonConfig, performance: PerformanceConfig,
                 challengers: tuple[ChallengerConfig, ...], predictions: dict[str, PredictionSet],
                 champion: str, champion_sha256: str | None, champion_classes: tuple, from_model: bool, seed: int,
                 memory_limit_mb: int | None = None, model: LoadedModel | None = None, runner: Any = None) -> None:
        """`model` and `runner`: the champion's model and its process, for the importances (None: columns)."""
        if schema.task not in ("binary", "multiclass", "regression"):
            raise CalculationError("the comparison needs the task: set [task] type")
        self.schema, self.config, self.performance = schema, config, performance
        self.challengers, self.predictions = challengers, predictions
        self.champion, self.champion_sha256, self.champion_classes = champion, champion_sha256, champion_classes
        self.from_model, self.seed, self.memory_limit_mb = from_model, seed, memory_limit_mb
        self.model, self.runner = model, runner
        self.target = schema.first(ColumnRole.TARGET)
        self.champion_name = Path(champion).stem if from_model else "champion"

    def _fit(self, reference: pd.DataFrame) -> None:
        self.reference = reference

    def _calculate(self, production: pd.DataFrame) -> Generator[Any, None, ComparisonResult]:
        has_target = self.target in production.columns and production[self.target].notna().any()
        dataset, frame = ("production", production) if has_target and "production" in self.predictions else (
            "reference", self.reference)
        champion = self.predictions.get(dataset)
        if champion is None:
            raise CalculationError(f"the champion has no predictions on the {dataset} data to compare with")
        rng = np.random.default_rng([self.seed, RANDOM_STREAM])
        models = [ComparedModel(name=self.champion_name, role="champion", source=self.champion,
                                sha256=self.champion_sha256)]
        pairs, notes, same = [], [], []
        sample, champion_importances = None, None
        if self.model is not None and self.runner is not None:
            measure = importance_measure(self.schema.task, champion.scores is not None)
            sample = importance_sample(frame, self.target, model_input_columns(self.model, self.schema), self.seed,
                                       measure)
        share = 1.0 / max(len(self.challengers), 1)
        for i, challenger in enumerate(self.challengers):
            start = i * share
            yield start, f"Opening the challenger {challenger.label}"
            outputs = yield from _scaled(iter_challenger(challenger, frame, dataset, self.schema,
                                                         self.performance.threshold, self.memory_limit_mb,
                                                         (self.champion, self.champion_classes), sample,
                                                         self.target),
                                         start, start + share / 2)
            models.append(ComparedModel(name=challenger.label, role="challenger", source=outputs.source,
                                        sha256=outputs.sha256, error=outputs.error))
            if outputs.error:
                continue
            if outputs.sha256 and outputs.sha256 == self.champion_sha256:
                same.append(challenger.label)
            yield start + share / 2, f"Paired tests: {self.champion} against {challenger.label}"
            pair = yield from _scaled(self._pair(frame, dataset, champion, outputs, rng), start + share / 2,
                                      start + share)
            if outputs.importances is not None:
                if champion_importances is None:
                    yield start + share * 0.9, "Permutation importances of the champion"
                    champion_importances = yield from _scaled(
                        iter_importances(self.model, self.runner, sample, self.schema, self.target,
                                         self.performance.threshold), start + share * 0.9, start + share)
                columns, rho = side_by_side(champion_importances, outputs.importances)
                pair = dataclasses.replace(pair, importances=columns, rank_correlation=rho,
                                           importance_measure=sample.measure)
            pairs.append(pair)
        ab = None
        if self.config.arm:
            ab = self._ab(production)
        yield 1.0
        notes.append(f"the models are compared on the {dataset} rows"
                     + ("" if dataset == "production" else " (production has no target)"))
        return ComparisonResult(models=tuple(models), pairs=tuple(pairs), margin=self.config.margin,
                                margins=dict(self.config.margins), confidence=self.config.confidence,
                                resamples=self.config.bootstrap_resamples, ab=ab, notes=tuple(notes),
                                same_as_champion=tuple(same))

    # -- one pair -------------------------------------------------------------------------

    def _pair(self, frame: pd.DataFrame, dataset: str, champion: PredictionSet, outputs: ChallengerOutputs,
              rng: np.random.Generator) -> Generator[float, None, PairComparison]:
        task = self.schema.task
        target = frame[self.target]
        challenger = outputs.predictions
        if len(challenger) != len(frame):
            raise CalculationError(f"challenger {outputs.config.label}: {len(challenger):,} predictions for "
                                   f"{len(frame):,} {dataset} rows")
        roc: tuple[RocCurve, ...] = ()
        if task == "regression":
            a = prepare_regression(dataset, target, self.target, champion, self.champion)
            b = prepare_regression(dataset, target, self.target, challenger, outputs.source)
            used = a.used & b.used
            floor = M.mape_floor(a.y[used]) if used.any() else 0.0
            rows = PairedRows(task=task, y=a.y[used], pred_a=a.pred[used], pred_b=b.pred[used], floor=floor)
        else:
            classes = task_classes(task, self.schema.classes, self.schema.positive_label,
                                   {"champion": champion, "challenger": challenger})
            threshold = self.performance.threshold
            probability_columns = self.schema.names(ColumnRole.PROBABILITY)
            a = prepare_classification(dataset, target, self.target, champion, classes, task, threshold,
                                       self.champion, self.champion, probability_columns, self.from_model)
            b = prepare_classification(dataset, target, self.target, challenger, classes, task, threshold,
                                       outputs.source, outputs.source, list(outputs.config.probabilities),
                                       outputs.config.path is not None)
            used = a.used & b.used
            scores_a = a.scores[used] if a.scores is not None else None
            scores_b = b.scores[used] if b.scores is not None else None
            given = champion.labels_given or challenger.labels_given
            rows = PairedRows(task=task, y=a.y[used], pred_a=a.pred[used], pred_b=b.pred[used], scores_a=scores_a,
                              scores_b=scores_b, k=classes.k, positive=classes.positive,
                              threshold=None if given or scores_a is None else threshold,
                              bins=self.performance.calibration_bins, scored=a.scored)
            if task == "binary" and rows.scored_both:
                roc = tuple(RocCurve(model=name, fpr=curve.x, tpr=curve.y, auc=None)
                            for name, s in ((self.champion_name, scores_a), (outputs.config.label, scores_b))
                            for curve in [roc_and_pr(rows.y == rows.positive, s, name, None, None)[0]]
                            if curve is not None)
        if not used.any():
            raise CalculationError(f"no {dataset} row has the target and both models' predictions")
        metrics, method = yield from iter_compare_metrics(rows, self.config, rng)
        agreed, fairness = None, ()
        if task != "regression":
            segments = {column: segment_values(frame[column], self.performance.top_segments)[used]
                        for column in self._segment_columns(frame)}
            agreed = agreement(rows.y, rows.pred_a, rows.pred_b, segments)
            if task == "binary":
                fairness = tuple(gap for column in self.schema.names(ColumnRole.SENSITIVE) if column in frame.columns
                                 for gap in fairness_gaps(column, segment_values(frame[column],
                                                                                 self.performance.top_segments)[used],
                                                          rows.y == rows.positive, rows.pred_a == rows.positive,
                                                          rows.pred_b == rows.positive,
                                                          self.config.bootstrap_resamples, self.config.confidence,
                                                          rng))
        roc = tuple(RocCurve(model=r.model, fpr=r.fpr, tpr=r.tpr,
                             auc=next((m.champion if i == 0 else m.challenger) for m in metrics if m.metric == "roc_auc"))
                    for i, r in enumerate(roc))
        return PairComparison(champion=self.champion_name, challenger=outputs.config.label, dataset=dataset,
                              rows=int(used.sum()), metrics=metrics, agreement=agreed,
                              verdict=overall_verdict([m.verdict for m in metrics]), fairness=fairness, roc=roc,
                              method=method)

    def _segment_columns(self, frame: pd.DataFrame) -> tuple[str, ...]:
        by = self.performance.segment_by
        columns = by if by is not None else tuple(self.schema.names(ColumnRole.SENSITIVE))
        return tuple(c for c in columns if c in frame.columns)

    def _ab(self, production: pd.DataFrame):
        column = self.config.arm
        if column not in production.columns:
            raise CalculationError(f"[comparison] arm: no column {column!r} in the production data; columns: "
                                   f"{', '.join(map(str, list(production.columns)[:20]))}")
        served = self.predictions.get("production")
        correct = positive = None
        if self.target in production.columns and served is not None and served.labels is not None:
            truth = keys(production[self.target])
            correct = np.where(pd.isna(truth), None, keys(served.labels) == truth)
        if self.target in production.columns and self.schema.task == "binary":
            target = production[self.target]
            positive = np.where(target.notna(), matches(target.to_numpy(), self.schema.positive_label), None)
        rng = np.random.default_rng([self.seed, RANDOM_STREAM, 1])
        return ab_test(column, production[column], correct, positive, self.config.bootstrap_resamples,
                       self.config.confidence, rng)


def _scaled(steps: Generator, start: float, end: float) -> Generator[tuple[float, str] | float, None, Any]:
    """Run a sub-step, mapping its fractions into [start, end]."""
    try:
        while True:
            step = next(steps)
            fraction = step[0] if isinstance(step, tuple) else step
            fraction = 0.0 if fraction is None else float(fraction)
            yield start + (end - start) * min(max(fraction, 0.0), 1.0)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()
