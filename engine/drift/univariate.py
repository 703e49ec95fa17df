"""Univariate drift: one test per column, chosen automatically, corrected across columns, per chunk.

Automatic choice (overridable by `[drift] numerical_method`, `categorical_method` and
`[drift.per_column]`):
- numerical columns (and datetimes, as seconds): `ks`, the exact two-sample Kolmogorov-Smirnov
  test, at every sample size; its effect size is the KS distance.
- categorical and boolean columns with two values: `z`, the two-proportion z-test; with more:
  `chi2`, the chi-square test of homogeneity (categories seen fewer than 10 times in both sets
  together are pooled). Their effect size is the total variation distance.
- identifier-like columns (more than 10,000 distinct values, or more than 1,000 that are also
  more than half the rows) and free text are left out, with the reason stated.
A p-value-tested column drifts when its corrected p-value is below `alpha` AND its effect size
reaches `min_effect_*` (`rule = "both"`), so that a tiny change at n = 1,000,000 is not flagged.
A distance drifts when it reaches its threshold.

Each column is one task on the worker threads: its whole-column test, the test per production chunk and
the reference chunks for the expected band. KS and Wasserstein on columns above 10,000 rows are computed
without sorting (`engine.drift.bucketed`: the same values as scipy's); the other numerical methods sort
each chunk once and merge the whole column from the sorted chunks. How a column's values are read (floats,
category codes, sorted chunks) is in `engine.drift.encoding`; what is drawn of them in
`engine.drift.distributions`.
"""
from __future__ import annotations

import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.chunks import Chunk, Chunking, make_chunks
from assay.engine.config import DriftConfig
from assay.engine.drift.bucketed import BucketedSample, Buckets, Part, ks_distances, wasserstein_distances
from assay.engine.drift.corrections import adjust
from assay.engine.drift.distributions import (DRAWN_LEVELS, SortedValues, categorical_distribution,
                                              numerical_distribution, quantile_ranks)
from assay.engine.drift.encoding import (AlignedCodes, align_codes, category_codes, drift_kind, finite_values,
                                         float_values, sorted_parts, take)
from assay.engine.drift.results import (DomainClassifierResult, DriftChunkResult, DriftResult, Distribution, FeatureDrift,
                                        MultivariateResult, ReconstructionResult)
from assay.engine.drift.stattests import (EXACT_KS_MAX_N, REGISTRY, BinningConfig, DriftMethod, MethodResult, SortedSample,
                                    ks_from_distance)
from assay.engine.errors import ConfigError
from assay.engine.progress import drain, scaled_fractions
from assay.engine.schema import Schema

MAX_DISTINCT, MAX_DISTINCT_SHARE = 10_000, 0.5
RARE_COUNT = 10
MAX_REFERENCE_CHUNKS = 30
WORKERS = 2
MIN_DOMAIN_ROWS = 10  # rows per dataset below which the domain classifier is not run


@dataclass(frozen=True)
class OutputColumn:
    """A model output or the target, tested as a column of its own (values given, or a data column)."""

    name: str
    role: str  # prediction | score | target
    kind: str  # numerical | categorical
    reference: np.ndarray | None = None  # None: read the column `name` from the data
    production: np.ndarray | None = None


@dataclass(frozen=True)
class ChunkTests:
    """A column tested per production chunk, and the band its effect size keeps over the reference's chunks."""

    results: tuple[MethodResult | None, ...]  # one per production chunk; None where the chunk was not tested
    band: tuple[float, float] | None  # expected_band of the reference chunks' effect sizes


@dataclass(frozen=True)
class ColumnOutcome:
    """A column's production values tested against its reference: the whole column, then its chunks."""

    result: MethodResult | None  # the whole column; None when production has no value
    rows: int  # production values present
    missing: int  # production values missing
    distribution: Distribution | None
    chunks: ChunkTests | None  # None when the audit was cancelled before every chunk was tested


@dataclass
class _Column:
    name: str
    role: str
    kind: str | None
    method: DriftMethod | None = None
    reason: str = ""
    skip: str = ""
    sorted_reference: np.ndarray | None = None  # numerical: sorted in the calculation (`_reference_side`)
    rows_reference: int = 0  # values present in the reference
    categories: list[str] | None = None
    reference_counts: np.ndarray | None = None
    reference_codes: np.ndarray | None = None  # categorical: each reference row's index into categories (-1 missing)
    missing_reference: int = 0


class DriftCalculator(Calculator[DriftResult]):
    name = "drift"
    title = "Drift"

    def __init__(self, schema: Schema, config: DriftConfig, outputs: tuple[OutputColumn, ...] = (),
                 seed: int = 0) -> None:
        self.schema, self.config, self.outputs, self.seed = schema, config, outputs, seed
        self.binning = BinningConfig(config.psi_bins, config.psi_smoothing)

    # -- fit -----------------------------------------------------------------------------

    def _fit(self, reference: pd.DataFrame) -> None:
        drain(self._iter_fit(reference))

    def _iter_fit(self, reference: pd.DataFrame) -> Generator[float, None, None]:
        """Every column's reference values counted (and codes made), two columns at a time; a yield after each
        (1,500 columns took 0.4 s in one step)."""
        self._rows: dict[str, np.ndarray | None] = {}
        reference = self._sample(reference, "reference")
        self._reference = reference
        columns = [_Column(c.name, "feature", drift_kind(c.kind)) for c in self.schema.analysed if c.in_reference]
        columns += [_Column(o.name, o.role, o.kind) for o in self.outputs
                    if self._series(reference, o.name, "reference") is not None]
        pool = ThreadPoolExecutor(WORKERS)  # numpy's sort and pyarrow's encoding release the GIL
        try:
            futures = [pool.submit(lambda c=c: self._prepare(c, self._series(reference, c.name, "reference")))
                       for c in columns]
            for i, future in enumerate(futures):
                future.result()
                yield (i + 1) / len(futures)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # a cancel: the column in hand is finished, no more
        self._columns = columns

    def _series(self, frame: pd.DataFrame, name: str, side: str) -> pd.Series | None:
        """A column of the data, or a model output given as values (sampled like the data)."""
        for output in self.outputs:
            values = getattr(output, side)
            if output.name == name and values is not None:
                series = pd.Series(values, name=name)
                return series.iloc[self._rows[side]] if self._rows.get(side) is not None else series
        return frame[name] if name in frame.columns else None

    def _prepare(self, column: _Column, series: pd.Series) -> None:
        if column.kind is None:
            column.skip = "identifier or free-text column: not tested for drift"
            return
        if column.kind == "numerical":  # counted here, sorted in the calculation's task for the column
            values = float_values(series)
            missing = int(np.count_nonzero(np.isnan(values)))
            settle_numerical(column, values.size - missing, missing, self.config)
            return
        codes, labels = category_codes(series)
        counts = np.bincount(codes[codes >= 0], minlength=len(labels))
        order = settle_categorical(column, labels, counts, int((codes < 0).sum()), len(series), self.config)
        if order is not None:
            position = np.full(len(labels) + 1, -1, dtype=np.int32 if len(order) >= 2 ** 15 else np.int16)
            position[order] = np.arange(len(order))
            column.reference_codes = position[codes]  # code -1 (missing) picks the trailing -1

    # -- calculate -----------------------------------------------------------------------

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, DriftResult]:
        production = self._sample(production, "production")
        columns = self._columns
        chunking = make_chunks(production, self.schema.timestamp, self.config.chunk_by, self.config.chunk_size)
        reference_chunks = self._reference_chunks(chunking)
        tested = tuple(c.rows >= self.config.min_chunk_rows for c in chunking.chunks)
        results: list[FeatureDrift] = []
        over_time: dict[str, ChunkTests] = {}
        # One task per column: the whole-column test, then every chunk and the reference chunks for the band,
        # with the column's values converted and sorted once. numpy's sorts and searches release the GIL, so
        # both cores work; a cancel (the generator closed) stops the running tasks at their next chunk.
        cancel = threading.Event()
        pool = ThreadPoolExecutor(WORKERS)
        try:
            futures = [pool.submit(self._test_column, c, production, chunking.chunks, tested, reference_chunks,
                                   cancel) for c in columns]
            for i, future in enumerate(futures):
                result, chunk_tests = future.result()
                results.append(result)
                if chunk_tests is not None:
                    over_time[result.feature] = chunk_tests
                yield 0.75 * (i + 1) / max(len(futures), 1), f"Drift: testing {columns[i].name}"
        finally:
            cancel.set()
            pool.shutdown(wait=True, cancel_futures=True)
        results = self._judge(results)
        results, chunk_results = self._over_time(results, over_time, chunking, tested)
        yield 0.75, "Drift: corrections and chunks"
        features = [r for r in results if r.role == "feature" and r.tested]
        drifted = tuple(r.feature for r in features if r.drifted)
        multivariate = yield from self._multivariate(features, production, chunking, reference_chunks)
        yield 1.0
        return DriftResult(
            features=tuple(results), share_drifted=len(drifted) / len(features) if features else 0.0,
            drifted_features=drifted, correction=self.config.correction, alpha=self.config.alpha,
            rule=self.config.rule, chunking=chunking.description, chunks=chunk_results,
            sampled_rows=self.config.sample_rows, methods=self._methods_text(results), multivariate=multivariate,
        )

    def _multivariate(self, features: list[FeatureDrift], production: pd.DataFrame, chunking: Chunking,
                      reference_chunks: list[np.ndarray]) -> Generator[float, None, MultivariateResult | None]:
        from assay.engine.drift.multivariate import iter_domain_classifier, iter_reconstruction_drift

        if not self.config.multivariate or not features:
            return None
        numerical = [f.feature for f in features if f.kind == "numerical"]
        categorical = [f.feature for f in features if f.kind == "categorical"]
        notes, domain = [], None
        rows = (len(self._reference), len(production))
        if min(rows) < MIN_DOMAIN_ROWS:  # 3-fold cross-validation of a handful of rows says nothing
            notes.append(too_few_rows_note(rows))
        else:
            domain = yield from scaled_fractions(
                iter_domain_classifier(self._reference, production, numerical, categorical, self.config.domain_rows,
                                       self.config.permutations, self.seed), 0.75, 0.95, "Drift: domain classifier")
            notes.append(domain_note(domain))
        reconstruction = None
        if numerical or categorical:
            reconstruction = yield from scaled_fractions(
                iter_reconstruction_drift(self._reference, production, numerical, categorical, chunking,
                                          reference_chunks, self.config.min_chunk_rows, self.seed),
                0.95, 1.0, "Drift: PCA reconstruction error")
            notes.append(reconstruction_note(reconstruction))
        return MultivariateResult(domain, reconstruction, tuple(notes))

    def _test_column(self, column: _Column, production: pd.DataFrame, chunks: tuple[Chunk, ...],
                     tested: tuple[bool, ...], reference_chunks: list[np.ndarray], cancel: threading.Event
                     ) -> tuple[FeatureDrift, ChunkTests | None]:
        """The whole-column test, and the tests per chunk with the band from the reference chunks (None when
        cancelled or not tested)."""
        series = self._series(production, column.name, "production")
        if column.skip or series is None:
            return untested(column, column.skip or "not in the production data"), None
        if column.kind == "numerical":
            values = float_values(series)
            if self._bucketed(column, values):
                outcome = self._test_bucketed(column, values, chunks, tested, reference_chunks)
            else:
                outcome = self._test_sorted_parts(column, values, chunks, tested, reference_chunks, cancel)
        else:
            outcome = self._test_categories(column, series, chunks, tested, reference_chunks, cancel)
        return self.column_result(column, outcome, cancel.is_set())

    def column_result(self, column: _Column, outcome: ColumnOutcome, cancelled: bool = False
                      ) -> tuple[FeatureDrift, ChunkTests | None]:
        """A tested column's row of the drift table (not yet judged), and its chunks' tests (None when cancelled)."""
        fields = dict(feature=column.name, kind=column.kind or "", role=column.role,
                      missing_reference=column.missing_reference, method=column.method.name,
                      method_reason=column.reason, threshold=self._threshold(column.method),
                      rows_reference=column.rows_reference, rows_production=outcome.rows,
                      missing_production=outcome.missing, distribution=outcome.distribution)
        result = outcome.result
        if result is None:
            return FeatureDrift(**fields, statistic=None, p_value=None, p_value_adjusted=None, effect_size=None,
                                drifted=False, tested=False, reason_not_tested="no values in the production data"
                                ), None
        whole = FeatureDrift(**fields, statistic=result.statistic, p_value=result.p_value, p_value_adjusted=None,
                             effect_size=result.effect_size, drifted=False)
        if cancelled:
            return whole, None
        return whole, outcome.chunks

    def _bucketed(self, column: _Column, values: np.ndarray) -> bool:
        """KS and Wasserstein on large columns go by buckets (`engine.drift.bucketed`): the same values, no sort."""
        if column.method.name not in BUCKETED_METHODS or not column.rows_reference:
            return False
        present = values.size - int(np.count_nonzero(np.isnan(values)))
        return present > 0 and max(present, column.rows_reference) > EXACT_KS_MAX_N

    def _test_bucketed(self, column: _Column, values: np.ndarray, chunks: tuple[Chunk, ...],
                       tested: tuple[bool, ...], reference_chunks: list[np.ndarray]) -> ColumnOutcome:
        reference, production = bucketed_pair(float_values(self._series(self._reference, column.name, "reference")),
                                              values)
        whole = production.part(None)
        chunk_parts = [production.part(c.indices) if ok else None for c, ok in zip(chunks, tested)]
        return bucketed_outcome(column.method.name, reference.part(None), whole, chunk_parts,
                                [reference.part(rows) for rows in reference_chunks], values.size - whole.size)

    def _test_sorted_parts(self, column: _Column, values: np.ndarray, chunks: tuple[Chunk, ...],
                           tested: tuple[bool, ...], reference_chunks: list[np.ndarray],
                           cancel: threading.Event) -> ColumnOutcome:
        """Any numerical method on sorted values: each chunk's values sorted and the whole column merged from
        them (`sorted_parts`), the reference the same way from its chunks, the first time."""
        reference_parts = self._reference_side(column, reference_chunks)
        band = expected_band([self._test_sorted(column, part, fast_p=True) for part in reference_parts])
        del reference_parts
        parts, whole, missing = sorted_parts(values, [c.indices for c in chunks])
        result = self._test_sorted(column, whole, fast_p=False)
        distribution = self._distribution(column, whole)
        outcome = ColumnOutcome(result=result, rows=int(whole.size), missing=missing, distribution=distribution,
                                chunks=None)
        found = []
        for part, ok in zip(parts, tested):
            if cancel.is_set():
                return outcome
            found.append(self._test_sorted(column, part, fast_p=True) if ok else None)
        return replace(outcome, chunks=ChunkTests(results=tuple(found), band=band))

    def _test_categories(self, column: _Column, series: pd.Series, chunks: tuple[Chunk, ...],
                         tested: tuple[bool, ...], reference_chunks: list[np.ndarray],
                         cancel: threading.Event) -> ColumnOutcome:
        codes = align_codes(column.categories, *category_codes(series))
        result, rows, missing = self._run(column, codes)
        outcome = ColumnOutcome(result=result, rows=rows, missing=missing,
                                distribution=self._distribution(column, codes), chunks=None)
        reference = AlignedCodes(column.reference_codes, column.categories)
        found, band_results = [], []
        for chunk, ok in zip(chunks, tested):
            if cancel.is_set():
                return outcome
            found.append(self._run(column, codes, chunk.indices)[0] if ok else None)
        for rows_ in reference_chunks:
            if cancel.is_set():
                return outcome
            band_results.append(self._run(column, reference, rows_)[0])
        return replace(outcome, chunks=ChunkTests(results=tuple(found), band=expected_band(band_results)))

    def _reference_side(self, column: _Column, reference_chunks: list[np.ndarray]) -> list[np.ndarray]:
        """Each reference chunk's values sorted; the whole reference column sorted once and kept on the column
        (the first time, merged from the sorted chunks, which costs less than sorting it again)."""
        values = float_values(self._series(self._reference, column.name, "reference"))
        if column.sorted_reference is None:
            parts, column.sorted_reference, _ = sorted_parts(values, reference_chunks)
            return parts
        return [np.sort(finite_values(take(values, rows))[0]) for rows in reference_chunks]

    def _sorted_reference(self, column: _Column) -> np.ndarray:
        if column.sorted_reference is None:
            self._reference_side(column, [])
        return column.sorted_reference

    def _test_sorted(self, column: _Column, values: np.ndarray, fast_p: bool) -> MethodResult | None:
        """The column's method on sorted finite production values (None when there are none)."""
        if values.size == 0:
            return None
        return column.method.numerical(SortedSample(self._sorted_reference(column)), SortedSample(values),
                                       binning=self.binning, fast_p=fast_p)

    def _production_side(self, column: _Column, series: pd.Series) -> np.ndarray | AlignedCodes:
        """Numerical: floats (NaN for missing; the data's own array, read only, when already so).
        Categorical: codes over the reference's categories followed by the production-only ones (-1 for missing)."""
        if column.kind == "numerical":
            return float_values(series)
        return align_codes(column.categories, *category_codes(series))

    def _run(self, column: _Column, values, rows: np.ndarray | None = None) -> tuple[MethodResult | None, int, int]:
        """Test production values (optionally only `rows`, a chunk) against the column's reference side:
        (result or None when no value is present, values present, values missing)."""
        if column.kind == "numerical":
            finite, missing = finite_values(take(values, rows))
            finite = np.sort(finite)
            return self._test_sorted(column, finite, fast_p=rows is not None), int(finite.size), missing
        codes = take(values.codes, rows)
        present = codes[codes >= 0]
        if present.size == 0:
            return None, 0, int(codes.size)
        prod_counts = np.bincount(present, minlength=len(values.labels)).astype(float)
        result = test_counts(column, self._reference_counts(column, values), prod_counts, self.binning)
        return result, int(present.size), int(codes.size - present.size)

    @staticmethod
    def _reference_counts(column: _Column, values: AlignedCodes) -> np.ndarray:
        return np.concatenate([column.reference_counts, np.zeros(len(values.labels) - len(column.categories))])

    def _threshold(self, method: DriftMethod) -> float:
        if method.name in self.config.thresholds:
            return self.config.thresholds[method.name]
        return self.config.alpha if method.is_p_value else method.default_threshold

    def _is_drifted(self, kind: str, method: DriftMethod, result: FeatureDrift | MethodResult,
                    adjusted: float | None, threshold: float) -> bool:
        if not method.is_p_value:
            return bool(result.statistic is not None and result.statistic >= threshold)
        significant = adjusted is not None and adjusted < threshold
        minimum = self.config.min_effect_numerical if kind == "numerical" else self.config.min_effect_categorical
        large = result.effect_size is not None and result.effect_size >= minimum
        return {"both": significant and large, "p_value": significant, "effect": large}[self.config.rule]

    def _judge(self, results: list[FeatureDrift]) -> list[FeatureDrift]:
        """Correct the p-values within each family (features; outputs) and decide drift."""
        out = list(results)
        for family in (("feature",), ("prediction", "score", "target")):
            members = [i for i, r in enumerate(out) if r.role in family and r.tested]
            adjusted = adjust([out[i].p_value for i in members], self.config.correction)
            for i, p in zip(members, adjusted):
                method = REGISTRY[out[i].method]
                out[i] = replace(out[i], p_value_adjusted=p,
                                 drifted=self._is_drifted(out[i].kind, method, out[i], p, out[i].threshold))
        return out

    # -- over time -----------------------------------------------------------------------

    def _over_time(self, results: list[FeatureDrift],
                   found: dict[str, ChunkTests],
                   chunking: Chunking, tested: tuple[bool, ...]):
        """Correct each chunk's p-values across columns, decide drift per chunk, find where it began."""
        config = self.config
        chunks = chunking.chunks
        testable = [r for r in results if r.feature in found]
        raw = {name: tests.results for name, tests in found.items()}
        drifted: dict[str, list[bool | None]] = {name: [None] * len(chunks) for name in raw}
        for j in range(len(chunks)):
            for family in (("feature",), ("prediction", "score", "target")):
                members = [r for r in testable if r.role in family and raw[r.feature][j] is not None]
                adjusted = adjust([raw[r.feature][j].p_value for r in members], config.correction)
                for r, p in zip(members, adjusted):
                    drifted[r.feature][j] = self._is_drifted(r.kind, REGISTRY[r.method], raw[r.feature][j], p,
                                                             r.threshold)
        updated = []
        for r in results:
            if r.feature in raw:
                flags = drifted[r.feature]
                first = next((chunks[j].label for j, flag in enumerate(flags) if flag), None)
                r = replace(r, chunk_effect_sizes=tuple(None if x is None else x.effect_size for x in raw[r.feature]),
                            chunk_drifted=tuple(flags), band=found[r.feature].band, first_drifted_chunk=first)
            updated.append(r)
        chunk_results = []
        for j, chunk in enumerate(chunks):
            features = [r for r in testable if r.role == "feature" and drifted[r.feature][j] is not None]
            names = tuple(r.feature for r in features if drifted[r.feature][j])
            chunk_results.append(DriftChunkResult(
                chunk.label, chunk.rows, chunk.start, chunk.end, tested[j],
                len(names) / len(features) if features and tested[j] else None, names))
        return updated, tuple(chunk_results)

    def _reference_chunks(self, production_chunking: Chunking) -> list[np.ndarray]:
        reference = self._reference
        timestamp = self.schema.timestamp
        by = production_chunking.by if production_chunking.by in ("day", "week", "month", "quarter", "year") else "rows"
        sizes = [c.rows for c in production_chunking.chunks] or [len(reference)]
        chunking = make_chunks(reference, timestamp, by, max(int(np.median(sizes)), self.config.min_chunk_rows))
        chunks = [c.indices for c in chunking.chunks if c.rows >= self.config.min_chunk_rows]
        if len(chunks) < 2:  # one period only (a year of data chunked by year): use row chunks instead
            size = max(len(reference) // 10, self.config.min_chunk_rows)
            chunks = [c.indices for c in make_chunks(reference, None, "rows", size).chunks
                      if c.rows >= self.config.min_chunk_rows]
        step = max(1, len(chunks) // MAX_REFERENCE_CHUNKS)
        return chunks[::step]

    # -- presentation --------------------------------------------------------------------

    def _distribution(self, column: _Column, values) -> Distribution | None:
        """Histograms, quantiles (ECDF) or category shares; numerical `values` come sorted and finite."""
        if column.kind == "numerical":
            return numerical_distribution(SortedValues(self._sorted_reference(column)), SortedValues(values))
        return categorical_distribution(self._reference_counts(column, values), values)

    def _methods_text(self, results: list[FeatureDrift]) -> tuple[str, ...]:
        config = self.config
        lines = [
            f"Production compared with the reference column by column; p-values corrected across feature columns "
            f"with {config.correction} (alpha {config.alpha}); model outputs and the target form a second family.",
            f"A p-value test flags drift when {_rule_text(config)}; a distance flags drift at its threshold.",
            "KS p-values are scipy's (ks_2samp): exact up to 10,000 rows, the finite-n distribution of the effective "
            "size above; per chunk, Kolmogorov's limit distribution (within 1% of it above an effective 10,000).",
        ]
        used = sorted({r.method for r in results if r.method})
        lines += [f"{name}: {REGISTRY[name].description}" for name in used]
        skipped = [f"{r.feature} ({r.reason_not_tested})" for r in results if not r.tested]
        if skipped:
            lines.append("Not tested: " + "; ".join(skipped))
        if config.sample_rows:
            lines.append(f"Statistics computed on a seeded sample of {config.sample_rows:,} rows per dataset.")
        else:
            lines.append("Statistics are exact: every row was used.")
        return tuple(lines)

    def _sample(self, frame: pd.DataFrame, side: str) -> pd.DataFrame:
        if self.config.sample_rows and len(frame) > self.config.sample_rows:
            rows = np.sort(np.random.default_rng(self.seed).choice(len(frame), self.config.sample_rows, replace=False))
            self._rows[side] = rows
            return frame.iloc[rows]
        self._rows[side] = None
        return frame


# -- helpers ---------------------------------------------------------------------------------


def too_few_rows_note(rows: tuple[int, int]) -> str:
    return (f"Domain classifier not run: it needs at least {MIN_DOMAIN_ROWS} rows in each dataset "
            f"(reference {rows[0]:,}, production {rows[1]:,}).")


def domain_note(domain: DomainClassifierResult) -> str:
    return (f"Domain classifier: gradient boosting on {domain.rows_per_dataset:,} seeded rows per dataset, 3-fold "
            f"cross-validated ROC-AUC, p-value from {domain.permutations:,} permutations of the held-out labels.")


def reconstruction_note(reconstruction: ReconstructionResult) -> str:
    return (f"PCA reconstruction: {reconstruction.components} components ({reconstruction.explained_variance:.0%} "
            f"of the reference variance); band from reference chunks (mean +- 3 sd).")


def untested(column: _Column, reason: str) -> FeatureDrift:
    return FeatureDrift(feature=column.name, kind=column.kind or "", role=column.role,
                        missing_reference=column.missing_reference, method="", statistic=None, p_value=None,
                        p_value_adjusted=None, effect_size=None, threshold=0.0, drifted=False, tested=False,
                        reason_not_tested=reason)


def settle_numerical(column: _Column, present: int, missing: int, config: DriftConfig) -> None:
    """A numerical column's reference counts and method (the streamed path counts them in a pass)."""
    column.missing_reference, column.rows_reference = missing, present
    _settle_method(column, present, config)  # (only 0 values or not matters)


def settle_categorical(column: _Column, labels: list[str], counts: np.ndarray, missing: int, rows: int,
                       config: DriftConfig) -> np.ndarray | None:
    """A categorical column's categories (most frequent first, ties in the order of `labels`), their reference
    counts and the method, from the counts per label of its `rows` reference rows; the labels' order of the
    categories, or None when the column is identifier-like."""
    column.missing_reference = missing
    distinct = int(np.count_nonzero(counts))
    if distinct > MAX_DISTINCT or (distinct > 1000 and distinct > MAX_DISTINCT_SHARE * rows):
        column.skip = f"identifier-like: {distinct:,} distinct values; left out of drift tests"
        return None
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] > 0]
    column.categories = [labels[i] for i in order]
    column.reference_counts = counts[order].astype(float)
    column.rows_reference = int(counts.sum())
    _settle_method(column, distinct, config)
    return order


def _settle_method(column: _Column, distinct: int, config: DriftConfig) -> None:
    if distinct == 0:
        column.skip = "no values in the reference data"
        return
    column.method, column.reason = choose_method(column.name, column.kind, distinct, config)


def choose_method(name: str, kind: str, distinct: int, config: DriftConfig) -> tuple[DriftMethod, str]:
    chosen = config.per_column.get(name, "auto")
    if chosen != "auto":
        method = REGISTRY[chosen]
        if not method.applies_to(kind):
            raise ConfigError(f"[drift.per_column] {name} = {chosen!r}: {chosen} does not apply to {kind} "
                              f"columns; choose one of {', '.join(n for n, m in REGISTRY.items() if m.applies_to(kind))}",
                              key=f"drift.per_column.{name}")
        reason = "set in [drift.per_column]"
    else:
        chosen = config.numerical_method if kind == "numerical" else config.categorical_method
        reason = f"set in [drift] {kind}_method"
        if chosen == "auto":
            if kind == "numerical":
                chosen, reason = "ks", "numerical: exact KS test at every size, with the KS distance as effect size"
            elif distinct <= 2:
                chosen, reason = "z", "two categories: two-proportion z-test, with the difference as effect size"
            else:
                chosen, reason = "chi2", f"{distinct} categories: chi-square test, with the TVD as effect size"
    if chosen == "z" and distinct > 2:
        raise ConfigError(f"drift method 'z' needs a column with two values; {name!r} has {distinct}. "
                          f"Use chi2 for it in [drift.per_column].", key=f"drift.per_column.{name}")
    return REGISTRY[chosen], reason


def expected_band(results: list[MethodResult | None]) -> tuple[float, float] | None:
    """The expected band of the effect size from the reference chunks: mean +- 3 standard deviations."""
    found = np.array([r.effect_size for r in results if r is not None and r.effect_size is not None], dtype=float)
    found = found[np.isfinite(found)]
    if found.size < 2:
        return None
    mean, sd = float(found.mean()), float(found.std(ddof=1))
    return (max(mean - 3 * sd, 0.0), mean + 3 * sd)


def test_counts(column: _Column, ref_counts: np.ndarray, prod_counts: np.ndarray, binning: BinningConfig
                ) -> MethodResult:
    """A categorical column's method on counts per label (the reference's, production's), rare ones pooled."""
    ref_counts, prod_counts = pool_rare(ref_counts, prod_counts)
    return column.method.categorical(ref_counts, prod_counts, binning=binning)


def pool_rare(ref: np.ndarray, prod: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categories seen fewer than RARE_COUNT times in both sets together are pooled into one."""
    rare = (ref + prod) < RARE_COUNT
    if rare.any() and (~rare).any():
        return np.append(ref[~rare], ref[rare].sum()), np.append(prod[~rare], prod[rare].sum())
    return ref, prod


BUCKETED_METHODS = ("ks", "wasserstein")


def bucketed_pair(reference: np.ndarray, production: np.ndarray) -> tuple[BucketedSample, BucketedSample]:
    """Both datasets' float values (NaN for missing) in the same buckets."""
    buckets = Buckets([reference, production])
    return BucketedSample.of(reference, buckets), BucketedSample.of(production, buckets)


def bucketed_outcome(method: str, reference_whole: Part, whole: Part, chunk_parts: list[Part | None],
                     band_parts: list[Part], missing: int, scale: float | None = None) -> ColumnOutcome:
    """A column tested by buckets: the whole production part, each tested chunk's part (None: not tested) and the
    reference chunks' parts for the band, against the whole reference part; with its drawing. The in-memory path
    and the streamed one (engine/drift/partials.py) both come here."""
    for part in (whole, reference_whole):  # the drawing's quantiles: gathered with the test's buckets
        part.want(part.ranks_buckets(quantile_ranks(part.size, DRAWN_LEVELS)[1]))
    parts = [whole] + [p for p in chunk_parts + band_parts if p is not None and p.size]
    tests = bucketed_tests(method, reference_whole, parts, whole, scale)
    result = {id(p): r for p, (r, _) in zip(parts, tests)}
    distribution = numerical_distribution(reference_whole, whole, tests[0][1])  # (parts[0] is the whole)
    chunk_tests = ChunkTests(results=tuple(result.get(id(p)) for p in chunk_parts),
                             band=expected_band([result.get(id(p)) for p in band_parts]))
    return ColumnOutcome(result=result[id(whole)], rows=whole.size, missing=missing, distribution=distribution,
                         chunks=chunk_tests)


def bucketed_tests(method: str, reference: Part, parts: list[Part], whole: Part | None = None,
                   scale: float | None = None) -> list[tuple[MethodResult, float | None]]:
    """(result, where the CDFs are farthest apart for KS) of `ks` or `wasserstein` for each part against the
    reference part, by buckets; the same values as the registry's functions on sorted samples. KS p-values are
    scipy's for `whole` and Kolmogorov's limit distribution for the other parts (the chunks)."""
    n = reference.size
    if method == "ks":
        return [(ks_from_distance(d, n, p.size, fast_p=p is not whole), where)
                for p, (d, where) in zip(parts, ks_distances(reference, parts))]
    if scale is None:  # the reference's standard deviation (given when the values are not at hand)
        values = reference.sample.values
        scale = float(np.std(values if reference.rows is None and n == values.size else finite_values(
            take(values, reference.rows))[0]))
    found = []
    for distance in wasserstein_distances(reference, parts):
        value = distance / scale if scale > 0 else (0.0 if distance == 0 else float("inf"))
        found.append((MethodResult(value, None, value), None))
    if whole is not None and whole in parts:  # where the CDFs are farthest apart, for the drawing
        found[parts.index(whole)] = (found[parts.index(whole)][0], ks_distances(reference, [whole])[0][1])
    return found


def _rule_text(config: DriftConfig) -> str:
    effect = (f"the effect size reaches {config.min_effect_numerical} (KS distance, numerical) or "
              f"{config.min_effect_categorical} (total variation distance, categorical)")
    return {"both": f"the corrected p-value is below {config.alpha} and {effect}",
            "p_value": f"the corrected p-value is below {config.alpha}",
            "effect": effect}[config.rule]
