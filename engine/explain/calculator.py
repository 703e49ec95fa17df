"""Explanations: SHAP on a seeded sample of each dataset, global importance, attribution drift,
and scikit-learn's permutation importance as a cross-check."""
from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.config import ExplainConfig
from assay.engine.drift.corrections import adjust
from assay.engine.drift.stattests import REGISTRY, SortedSample
from assay.engine.errors import AssayError, CalculationError, ModelProcessError
from assay.engine.explain.explainers import permutation_sizes
from assay.engine.explain.results import AttributionDrift, ExplanationsResult, RowAttributions
from assay.engine.model_files import LoadedModel
from assay.engine.isolation.local import ExplainerInfo, LocalModel
from assay.engine.isolation.process import exception_name, waiting
from assay.engine.labels import same
from assay.engine.predictions import PredictionSet, model_input_columns
from assay.engine.schema import ColumnRole, Schema

if TYPE_CHECKING:
    from assay.engine.isolation.process import ModelProcess


class ExplanationCalculator(Calculator[ExplanationsResult]):
    name = "explanations"
    title = "Explanations"

    def __init__(self, model: LoadedModel, schema: Schema, config: ExplainConfig,
                 predictions: dict[str, PredictionSet] | None = None, seed: int = 0,
                 runner: ModelProcess | LocalModel | None = None) -> None:
        """`runner` holds the model and runs the explainer next to it: the audit's ModelProcess, or by default a
        LocalModel around `model.model`. Only the rows to explain travel to it; the sampling, the statistics
        and the results are computed here."""
        self.model, self.schema, self.config, self.seed = model, schema, config, seed
        self.runner = runner if runner is not None else LocalModel(model)
        self.predictions = predictions or {}
        self.inputs = model_input_columns(model, schema)

    def _build(self, background: pd.DataFrame, method: str) -> Generator[None, None, ExplainerInfo]:
        return self.runner.call("build_explainer", self.inputs, background, method, self.schema.task or "",
                                self._positive_index(), what="preparing the explainer")

    def _fit(self, reference: pd.DataFrame) -> None:
        positions = background_positions(len(reference), self.config.background_rows, self.seed)
        self.set_background(reference[self.inputs].iloc[positions], len(reference))
        self._reference = reference

    def set_background(self, background: pd.DataFrame, reference_rows: int) -> None:
        """The background rows (the reference's rows at background_positions) of a reference of that many rows."""
        self.notes = []
        if len(background) < self.config.background_rows:
            self.notes.append(f"the reference has {reference_rows:,} rows, fewer than the "
                              f"{self.config.background_rows} background rows asked for: all are used")
        self._background = background

    def prepare(self) -> Generator[tuple[float, str], None, None]:
        """Build the explainer next to the model (shap's import and set-up there), yielding while it works."""
        background, size = self._background, len(self._background)
        self.rows = self.config.rows
        progress = (0.0, "Explanations: preparing the explainer")
        try:
            self.explainer: ExplainerInfo = yield from waiting(self._build(background, self.config.method), progress)
            if self.explainer.method == "permutation":
                self.rows, small = permutation_sizes(self.config.rows, size)
                if small < size or self.rows < self.config.rows:
                    self.notes.append(f"model-agnostic explainer: {self.rows} rows per dataset and {small} background "
                                      f"rows (its cost grows with both)")
                    reason = self.explainer.reason
                    rebuilt = yield from waiting(self._build(background.iloc[:small], "permutation"), progress)
                    self.explainer = dataclasses.replace(rebuilt, reason=reason)
        except AssayError:
            raise
        except Exception as exc:
            raise CalculationError(f"no explainer supports the model {self.model.type_name} "
                                   f"({exception_name(exc)}: {exc}); the rest of the audit is unaffected") from exc
        self._background_rows = len(background) if self.explainer.method != "permutation" else min(size, 50)

    def _positive_index(self) -> int | None:
        classes = list(self.model.classes or ())
        if self.schema.task == "binary" and classes:
            positive = self.schema.positive_label
            return next((i for i, c in enumerate(classes) if same(c, positive)), len(classes) - 1)
        return None

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, ExplanationsResult]:
        yield from self.prepare()
        samples, labels = {}, {}
        for side, frame in (("reference", self._reference), ("production", production)):
            positions = explained_positions(len(frame), self.rows, self.seed, side)
            samples[side] = frame.iloc[positions].set_axis(positions)
            predicted = self.predictions.get(side)
            labels[side] = (np.asarray(predicted.labels)[positions] if predicted is not None and
                            predicted.labels is not None else None)
        return (yield from self.explain_samples(samples, labels))

    def explain_samples(self, samples: dict[str, pd.DataFrame], labels: dict[str, np.ndarray | None]
                        ) -> Generator[float, None, ExplanationsResult]:
        """The result from each dataset's sample of rows (at explained_positions, indexed by those positions) and
        their predicted labels (None: no labels), once the explainer is prepared."""
        reference_rows, ref_failed, ref_error = yield from self._explain(samples["reference"], labels["reference"],
                                                                         "reference", 0.0, 0.4)
        production_rows, prod_failed, prod_error = yield from self._explain(
            samples["production"], labels["production"], "production", 0.4, 0.8)
        columns = self.explainer.columns
        ref_values, prod_values = np.asarray(reference_rows.values), np.asarray(production_rows.values)
        importance = {"reference": _importance(columns, ref_values), "production": _importance(columns, prod_values)}
        drift = self._attribution_drift(columns, ref_values, prod_values)
        permutation, agreement, note = yield from self._cross_check(samples["production"], production_rows,
                                                                    importance)
        yield 1.0
        return ExplanationsResult(
            method=self.explainer.method, method_reason=self.explainer.reason,
            output_scale=self.explainer.output_scale,
            rows={"reference": len(reference_rows.row_index), "production": len(production_rows.row_index)},
            background_rows=self._background_rows,
            global_importance=importance, attribution_drift=drift, permutation_importance=permutation,
            agreement=agreement, agreement_note=note,
            failed_rows={"reference": ref_failed, "production": prod_failed},
            additivity_error=max(ref_error, prod_error) if self.explainer.method != "permutation" else None,
            notes=tuple(self.notes), reference_rows=reference_rows, production_rows=production_rows,
        )

    # -- attributions --------------------------------------------------------------------

    def _explain(self, sample: pd.DataFrame, labels: np.ndarray | None, side: str, start: float, end: float):
        """Attributions of the sample's rows, a chunk of rows per request (a chunk that fails: row by row)."""
        rows = np.arange(len(sample))
        inputs = sample[self.inputs]
        values, outputs, kept, failed = [], [], [], 0
        step = self.config.chunk_rows
        what = f"explaining the {side} rows"
        for i in range(0, len(rows), step):
            chunk = rows[i:i + step]
            progress = (start + (end - start) * i / len(rows), f"Explaining {side} rows: {i:,} of {len(rows):,}")
            try:
                found = [(chunk, *(yield from waiting(self.runner.call("explain", inputs.iloc[chunk], what=what),
                                                         progress)))]
            except ModelProcessError:
                raise
            except Exception:  # a chunk that fails: explain its rows one by one, counting failures
                found = []
                for row in chunk:
                    try:
                        found.append((np.array([row]), *(yield from waiting(
                            self.runner.call("explain", inputs.iloc[[row]], what=what), progress))))
                    except ModelProcessError:
                        raise
                    except Exception:
                        failed += 1
            for index, attributions, output in found:
                kept.append(index)
                values.append(attributions)
                outputs.append(output)
            done = min(i + step, len(rows))
            yield start + (end - start) * done / len(rows), f"Explaining {side} rows: {done:,} of {len(rows):,}"
        if not kept:
            raise CalculationError(f"the model could not be explained on any {side} row")
        index = np.concatenate(kept)
        matrix, output = np.vstack(values), np.concatenate(outputs)
        error = float(np.max(np.abs(self.explainer.base_value + matrix.sum(axis=1) - output)))
        if failed:
            self.notes.append(f"{failed:,} {side} rows could not be explained and were left out")
        return self._rows(sample, labels, index, matrix, output), failed, error

    def _rows(self, sample: pd.DataFrame, labels: np.ndarray | None, index: np.ndarray, matrix: np.ndarray,
              output: np.ndarray) -> RowAttributions:
        target = self.schema.first(ColumnRole.TARGET)
        truth = tuple(sample[target].iloc[index].tolist()) if target and target in sample.columns else ()
        predictions = tuple(labels[index].tolist()) if labels is not None else ()
        features = sample[self.inputs].iloc[index]
        return RowAttributions(
            columns=tuple(self.inputs), row_index=tuple(int(i) for i in sample.index[index]),
            values=tuple(map(tuple, matrix.tolist())), base_value=self.explainer.base_value,
            output=tuple(output.tolist()), features=tuple(map(tuple, features.astype(object).to_numpy().tolist())),
            labels=truth, predictions=predictions)

    # -- comparisons ---------------------------------------------------------------------

    def _attribution_drift(self, columns: list[str], ref: np.ndarray, prod: np.ndarray) -> tuple[AttributionDrift, ...]:
        ref_abs, prod_abs = np.abs(ref), np.abs(prod)
        ref_mean, prod_mean = ref_abs.mean(axis=0), prod_abs.mean(axis=0)
        low = high = [None] * len(columns)
        if self.config.bootstrap_resamples:
            rng = np.random.default_rng(self.seed)
            changes = np.vstack([  # resamples in batches of 50: memory stays small at 10,000 rows
                prod_abs[rng.integers(0, len(prod_abs), (k, len(prod_abs)))].mean(axis=1)
                - ref_abs[rng.integers(0, len(ref_abs), (k, len(ref_abs)))].mean(axis=1)
                for k in _batches(self.config.bootstrap_resamples, 50)])
            tail = (1 - self.config.confidence) / 2 * 100
            low, high = np.percentile(changes, tail, axis=0), np.percentile(changes, 100 - tail, axis=0)
        ks = REGISTRY["ks"].numerical
        raw = [ks(SortedSample(np.sort(ref[:, j])), SortedSample(np.sort(prod[:, j]))).p_value
               for j in range(len(columns))]
        adjusted = adjust(raw, "holm")
        rank_ref, rank_prod = _ranks(ref_mean), _ranks(prod_mean)
        drift = [AttributionDrift(c, float(ref_mean[j]), float(prod_mean[j]), float(prod_mean[j] - ref_mean[j]),
                                  None if low[j] is None else float(low[j]), None if high[j] is None else float(high[j]),
                                  raw[j], adjusted[j], int(rank_ref[j]), int(rank_prod[j]),
                                  _drifted(adjusted[j], low[j], high[j]))
                 for j, c in enumerate(columns)]
        return tuple(sorted(drift, key=lambda d: d.rank_production))

    def _cross_check(self, production: pd.DataFrame, rows: RowAttributions, importance: dict
                     ) -> Generator[float, None, tuple[dict[str, float] | None, float | None, str]]:
        from scipy.stats import spearmanr

        target = self.schema.first(ColumnRole.TARGET)
        if not target or target not in production.columns:
            return None, None, "no labels in production: permutation importance needs them"
        sample = production.loc[list(rows.row_index)]  # the explained rows of the sample, by position
        sample = sample[sample[target].notna()]
        if len(sample) < 20:
            return None, None, "too few labelled production rows for permutation importance"
        scoring = {"binary": "roc_auc", "multiclass": "accuracy"}.get(self.schema.task or "", "r2")
        progress = (0.85, "Explanations: permutation importance (cross-check)")
        yield progress
        importances = yield from waiting(self.runner.call(
            "permutation_importance", sample[self.inputs], sample[target], scoring, self.config.permutation_repeats,
            self.seed, what="computing permutation importance"), progress)
        permutation = {c: float(v) for c, v in zip(self.inputs, importances)}
        shap_order = [importance["production"][c] for c in self.inputs]
        agreement = float(spearmanr(shap_order, [permutation[c] for c in self.inputs]).statistic)
        return permutation, agreement, (f"scikit-learn permutation importance ({scoring}, "
                                        f"{self.config.permutation_repeats} repeats) on {len(sample):,} production rows")


def background_positions(rows: int, wanted: int, seed: int) -> np.ndarray:
    """The reference rows the explainer integrates over: a seeded draw that depends on the number of rows alone
    (so a streamed audit gathers the same rows)."""
    return np.sort(np.random.default_rng(seed).choice(rows, min(wanted, rows), replace=False))


def explained_positions(rows: int, wanted: int, seed: int, side: str) -> np.ndarray:
    """The rows explained on one dataset: a seeded draw that depends on the number of rows alone."""
    rng = np.random.default_rng(seed + (1 if side == "production" else 0))
    return np.sort(rng.choice(rows, min(wanted, rows), replace=False))


def _drifted(p_adjusted: float | None, low: float | None, high: float | None) -> bool:
    return bool(p_adjusted is not None and p_adjusted < 0.05 and low is not None and (low > 0 or high < 0))


def _batches(total: int, size: int) -> list[int]:
    return [min(size, total - start) for start in range(0, total, size)]


def _importance(columns: list[str], values: np.ndarray) -> dict[str, float]:
    means = np.abs(values).mean(axis=0)
    order = np.argsort(-means, kind="stable")
    return {columns[j]: float(means[j]) for j in order}


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=int)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks
