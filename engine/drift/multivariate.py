"""Multivariate drift: a domain classifier, and PCA reconstruction error over chunks.

(a) Domain classifier: a gradient-boosting model learns to tell reference rows from
production rows on a seeded sample. Its cross-validated ROC-AUC (mean over folds of the
held-out AUC) is 0.5 when the two sets cannot be told apart. The permutation p-value shuffles
the held-out labels of each fold with its model fixed: under no drift the held-out scores are
independent of those labels, so this is an exact permutation test without refitting. The
columns that separate the sets most are those whose shuffling lowers the held-out AUC most.
(b) PCA reconstruction error: a PCA fitted on the standardised reference (components for 65%
of the variance) reconstructs each row; a rise of the mean error means the correlation
structure changed. Reference chunks give the expected band (mean +- 3 sd).

Both yield every few tenths of a second, so that a cancel takes effect within a second even on
hundreds of columns: the columns are encoded one at a time, each boosting fit and the one SVD run in a
thread while the generator keeps yielding, the shuffled columns are scored in batches sized by time, and
the reconstruction error is taken chunk by chunk.
"""
from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd

from assay.engine.chunks import Chunking
from assay.engine.drift.results import DomainClassifierResult, ReconstructionResult
from assay.engine.drift.encoding import numeric_values, text_values
from assay.engine.drift.sampling import capped_rows, seeded_rows
from assay.engine.progress import drain, wait_in_thread

T = TypeVar("T")

AUC_MARGIN = 0.55  # below this the sets are called inseparable whatever the p-value
FOLDS = 3
TOP_FEATURES = 10
MAX_CATEGORIES = 10
PCA_VARIANCE = 0.65
PCA_MAX_ROWS = 20_000
IMPORTANCE_ROWS = 16_000  # at most this many rows per prediction call when scoring shuffled columns
STEP_SECONDS = 0.2  # aim of the time between two yields when scoring shuffled columns in batches
FIT_POLL_S = 0.05  # while a boosting fit runs in its thread, the generator yields this often
DOMAIN_MAX_CATEGORIES = 254  # gradient boosting takes at most 255 category codes: the rest share the last one


def encode(frames: Sequence[pd.DataFrame], numerical: list[str], categorical: list[str],
           max_categories: int | None = None) -> tuple[list[np.ndarray], list[int]]:
    """Numerical columns as floats (NaN kept), categorical as codes shared across the frames.

    With `max_categories`, only that many of a column's most frequent categories (in all the frames
    together) keep a code of their own; the rest share code `max_categories`.
    """
    return drain(iter_encode(frames, numerical, categorical, max_categories))


def iter_encode(frames: Sequence[pd.DataFrame], numerical: list[str], categorical: list[str],
                max_categories: int | None = None) -> Generator[None, None, tuple[list[np.ndarray], list[int]]]:
    """`encode`, yielding after each column (500 columns take most of a second)."""
    encoded = [[] for _ in frames]
    for name in numerical:
        for out, frame in zip(encoded, frames):
            out.append(numeric_values(frame[name]))
        yield None
    for name in categorical:
        texts = [text_values(frame[name]) for frame in frames]
        together = pd.concat(texts).dropna()
        if max_categories is not None and together.nunique() > max_categories:
            categories = pd.Index(together.value_counts(sort=True).index[:max_categories])
            rare = float(max_categories)
        else:
            categories, rare = pd.Index(together.unique()), np.nan
        for out, text in zip(encoded, texts):
            codes = categories.get_indexer(text).astype(float)
            out.append(np.where(codes >= 0, codes, np.where(text.isna().to_numpy(), np.nan, rare)))
        yield None
    matrices = [np.column_stack(cols) if cols else np.empty((len(f), 0)) for cols, f in zip(encoded, frames)]
    return matrices, list(range(len(numerical), len(numerical) + len(categorical)))


def iter_domain_classifier(reference: pd.DataFrame, production: pd.DataFrame, numerical: list[str],
                           categorical: list[str], rows: int, permutations: int, seed: int
                           ) -> Generator[float, None, DomainClassifierResult]:
    """The classifier on `rows` seeded rows of each dataset (`domain_samples`)."""
    yield 0.0
    ref_seed, prod_seed = domain_seeds(seed)
    ref = reference.iloc[seeded_rows(len(reference), rows, ref_seed)]
    yield 0.0  # a copy of every column of a wide frame
    prod = production.iloc[seeded_rows(len(production), rows, prod_seed)]
    return (yield from iter_domain_classifier_on(ref, prod, numerical, categorical, permutations, seed))


def domain_seeds(seed: int) -> tuple[int, int]:
    """The seeds of the domain classifier's reference and production samples (`seeded_rows`)."""
    return seed, seed + 1


def iter_domain_classifier_on(ref: pd.DataFrame, prod: pd.DataFrame, numerical: list[str], categorical: list[str],
                              permutations: int, seed: int) -> Generator[float, None, DomainClassifierResult]:
    """The classifier on the seeded samples `ref` and `prod` (in their sample order)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    yield 0.0  # the imports, the first time
    rng = np.random.default_rng(seed)
    encoding = iter_encode([ref, prod], numerical, categorical, DOMAIN_MAX_CATEGORIES)
    (x_ref, x_prod), categorical_index = yield from _at(0.0, encoding)
    x = np.vstack([x_ref, x_prod])
    y = np.r_[np.zeros(len(x_ref)), np.ones(len(x_prod))]
    mask = np.zeros(x.shape[1], dtype=bool)
    mask[categorical_index] = True
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(x, y))
    yield 0.0

    def model():
        return HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, learning_rate=0.1,
                                              categorical_features=mask if mask.any() else None,
                                              random_state=seed)

    fitted, fold_scores = [], []
    for fold, (train, test) in enumerate(folds):
        clf = yield from _at(0.2 * fold / FOLDS, fit_in_thread(model(), x[train], y[train]))
        with threadpool_limits(limits=1, user_api="openmp"):
            fold_scores.append(clf.predict_proba(x[test])[:, 1])
        fitted.append(clf)
        yield 0.2 * len(fitted) / FOLDS
    auc = float(np.mean([roc_auc_score(y[test], s) for (_, test), s in zip(folds, fold_scores)]))
    null = np.mean([permuted_aucs(s, y[test], permutations, rng) for (_, test), s in zip(folds, fold_scores)], axis=0)
    p_value = (1 + int(np.sum(null >= auc))) / (1 + permutations)
    yield 0.3
    names = numerical + categorical
    clf, (_, test) = fitted[0], folds[0]
    base = roc_auc_score(y[test], fold_scores[0])
    drops = np.zeros(len(names))
    used = np.flatnonzero(split_features(clf, len(names)))  # shuffling any other column changes no score
    x_test = x[test]
    most = max(1, IMPORTANCE_ROWS // max(len(test), 1))
    step, start = 1, 0  # columns per prediction call: grown or shrunk so that a call takes about STEP_SECONDS
    while start < used.size:
        began = time.perf_counter()
        batch = used[start:start + step]
        stacked = np.tile(x_test, (batch.size, 1))  # one prediction call for several shuffled columns
        for k, j in enumerate(batch):
            # each column's own seeded shuffle: the same whichever columns are skipped or batched with it
            order = np.random.default_rng([seed, int(j)]).permutation(len(test))
            stacked[k * len(test):(k + 1) * len(test), j] = x_test[order, j]
        with threadpool_limits(limits=1, user_api="openmp"):
            scores = clf.predict_proba(stacked)[:, 1].reshape(batch.size, len(test))
        for k, j in enumerate(batch):
            drops[j] = base - roc_auc_score(y[test], scores[k])
        start += batch.size
        step = _next_step(batch.size, time.perf_counter() - began, most)
        yield 0.3 + 0.7 * start / used.size
    importances = [(name, float(drop)) for name, drop in zip(names, drops)]
    importances.sort(key=lambda item: -item[1])
    return DomainClassifierResult(
        auc=auc, p_value=float(p_value), permutations=permutations, rows_per_dataset=min(len(ref), len(prod)),
        top_features=tuple((n, round(v, 6)) for n, v in importances[:TOP_FEATURES] if v > 0),
        drifted=bool(auc >= AUC_MARGIN and p_value <= 0.05),
    )


def fit_in_thread(model, x: np.ndarray, y: np.ndarray) -> Generator[None, None, object]:
    """`model.fit(x, y)` in a thread of its own, yielding every FIT_POLL_S until it is done; returns the model.

    One fit of 60 boosting iterations on 500 columns takes about a second. Run here, a cancel waited for it;
    in warm-started steps (the same trees), each step bins the data again and predicts with every tree so far:
    steps of 20 iterations cost a third more than one fit and still took 0.45 s each. The fit releases the GIL
    in its loops (the generator yielded at least every 0.06 s during it), so it runs in a thread while this
    generator keeps yielding; closing the generator returns at once, and the fit ends in the background,
    unused. OpenMP is kept to one thread (in the fit's thread): its threads crawl on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    def fit():
        with threadpool_limits(limits=1, user_api="openmp"):
            return model.fit(x, y)

    return (yield from wait_in_thread(fit, FIT_POLL_S))


def _at(fraction: float, steps: Generator[None, None, T]) -> Generator[float, None, T]:
    """Each of the steps' yields as the share done `fraction`; returns what the steps return."""
    try:
        while True:
            next(steps)
            yield fraction
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def _next_step(last: int, seconds: float, most: int) -> int:
    """Units for the next step, from `last` units taking `seconds`: about STEP_SECONDS' worth, 1 to `most`."""
    rate = last / max(seconds, 1e-3)
    return int(min(max(rate * STEP_SECONDS, 1), most))


def split_features(model, columns: int) -> np.ndarray:
    """Which input columns a fitted HistGradientBoostingClassifier splits on (all, if that cannot be read).

    Reads scikit-learn's private fitted trees, hence the fallback. With categorical features the model
    first reorders the columns (its encoder's columns, then the others), and the trees number them in
    that order.
    """
    try:
        order = np.arange(columns)
        preprocessor = getattr(model, "_preprocessor", None)
        if preprocessor is not None:
            order = np.concatenate([np.flatnonzero(np.asarray(selected, dtype=bool))
                                    for _name, step, selected in preprocessor.transformers_ if step != "drop"])
            if sorted(order.tolist()) != list(range(columns)):
                raise ValueError("columns reordered in a way this reading does not know")
        used = np.zeros(columns, dtype=bool)
        for trees in model._predictors:
            for tree in trees:
                nodes = tree.nodes
                used[order[nodes["feature_idx"][nodes["is_leaf"] == 0]]] = True
        return used
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return np.ones(columns, dtype=bool)


def permuted_aucs(scores: np.ndarray, labels: np.ndarray, permutations: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """ROC-AUC of fixed held-out scores under `permutations` shuffles of the labels (rank formula)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return np.full(permutations, 0.5)
    shuffled = rng.permuted(np.tile(labels.astype(bool), (permutations, 1)), axis=1)
    rank_sums = (shuffled * ranks).sum(axis=1)
    return (rank_sums - positives * (positives + 1) / 2) / (positives * negatives)


class ReconstructionModel:
    """Standardise, impute, one-hot the frequent categories, PCA; error = distance to the reconstruction."""

    def __init__(self, numerical: list[str], categorical: list[str], seed: int) -> None:
        self.numerical, self.categorical, self.seed = numerical, categorical, seed

    def iter_fit(self, reference: pd.DataFrame) -> Generator[None, None, ReconstructionModel]:
        """Fit on a seeded sample of the reference, yielding after each categorical column's levels, after the
        standardisation, and while the SVD runs (see `fit_pca`)."""
        return (yield from self.iter_fit_sample(reference.iloc[seeded_rows(len(reference), PCA_MAX_ROWS, self.seed)]))

    def iter_fit_sample(self, sample: pd.DataFrame) -> Generator[None, None, ReconstructionModel]:
        """`iter_fit` on the reference's seeded sample (`seeded_rows(rows, PCA_MAX_ROWS, seed)`, in its order)."""
        self.fit_rows = len(sample)
        numbers = np.column_stack([numeric_values(sample[c]) for c in self.numerical]) if self.numerical else None
        if numbers is not None:
            self.median = np.nanmedian(numbers, axis=0)
            filled = np.where(np.isnan(numbers), self.median, numbers)
            self.mean, self.scale = filled.mean(axis=0), filled.std(axis=0)
            self.scale[self.scale == 0] = 1.0
            del filled
            yield None
        self.levels = {}
        for column in self.categorical:
            self.levels[column] = text_values(sample[column]).value_counts().index[:MAX_CATEGORIES].tolist()
            yield None
        matrix = yield from self.iter_transform(sample)
        yield None
        self.pca = yield from fit_pca(matrix, PCA_VARIANCE)
        return self

    def iter_transform(self, frame: pd.DataFrame, rows: np.ndarray | None = None
                       ) -> Generator[None, None, np.ndarray]:
        """The standardised numbers and the one-hot categories of the `rows` (positions; None: all) of `frame`;
        yields after the numbers, then between two categorical columns about every STEP_SECONDS (1,500 columns
        of 20,000 rows take seconds). The rows are taken column by column, not as one copy of a wide frame."""

        def column(name: str) -> pd.Series:
            return frame[name] if rows is None else frame[name].iloc[rows]

        blocks = []
        size = len(frame) if rows is None else len(rows)
        if self.numerical:
            numbers = np.column_stack([numeric_values(column(c)) for c in self.numerical])
            numbers = np.where(np.isnan(numbers), self.median, numbers)
            blocks.append((numbers - self.mean) / self.scale)
            del numbers
            yield None
        began = time.perf_counter()
        for name, levels in self.levels.items():
            values = column(name)
            if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:  # texts already: as they are
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
            else:
                codes, uniques = pd.factorize(text_values(values).to_numpy())
            at = {level: i for i, level in enumerate(levels)}  # each text looked up once, not compared with each level
            code = np.array([at.get(u, -1) for u in uniques] + [-1], dtype=np.int64)[codes]  # (-1: none, missing)
            blocks.append((code[:, None] == np.arange(len(levels))).astype(float))
            if time.perf_counter() - began >= STEP_SECONDS:
                yield None
                began = time.perf_counter()
        return np.hstack(blocks) if blocks else np.empty((size, 0))

    def iter_error(self, frame: pd.DataFrame, rows: np.ndarray | None = None) -> Generator[None, None, float]:
        """The mean distance of the rows to their reconstruction; yields while transforming (`iter_transform`)."""
        if (len(frame) if rows is None else len(rows)) == 0:
            return float("nan")
        matrix = yield from self.iter_transform(frame, rows)
        yield None  # the one-hot blocks joined; the reconstruction (BLAS) is a step of its own
        return float(np.mean(np.linalg.norm(matrix - self.pca.reconstruct(matrix), axis=1)))


class FittedPca:
    """What scikit-learn's PCA(n_components=share, svd_solver="full") keeps, and its transform + inverse."""

    def __init__(self, mean: np.ndarray, components: np.ndarray, explained_variance_ratio: np.ndarray) -> None:
        self.mean_, self.components_ = mean, components
        self.explained_variance_ratio_ = explained_variance_ratio
        self.n_components_ = components.shape[0]

    def reconstruct(self, matrix: np.ndarray) -> np.ndarray:
        """inverse_transform(transform(matrix)), as scikit-learn computes them (no whitening)."""
        projected = matrix @ self.components_.T - self.mean_ @ self.components_.T
        return projected @ self.components_ + self.mean_


def fit_pca(matrix: np.ndarray, share: float) -> Generator[None, None, FittedPca]:
    """scikit-learn's full-SVD PCA keeping the fewest components whose variance passes `share`.

    The same computation as `PCA(n_components=share, svd_solver="full").fit(matrix)`, but with numpy's SVD,
    which releases the GIL where scipy's (the one scikit-learn calls) holds it for the whole decomposition -
    seconds on hundreds of columns, with the app's window frozen. The SVD runs in a thread while this
    generator yields, so a cancel takes effect at once (the SVD then finishes in the background, unused).
    Component signs may differ from scikit-learn's; reconstructions do not depend on them.
    """
    mean = matrix.mean(axis=0)
    centred = matrix - mean
    _, singular, vt = yield from wait_in_thread(lambda: np.linalg.svd(centred, full_matrices=False))
    variance = singular ** 2 / max(len(matrix) - 1, 1)
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    keep = int(np.searchsorted(np.cumsum(ratio), share, side="right") + 1)
    keep = min(keep, vt.shape[0])
    return FittedPca(mean, np.ascontiguousarray(vt[:keep]), ratio[:keep].copy())


def iter_reconstruction_drift(reference: pd.DataFrame, production: pd.DataFrame, numerical: list[str],
                              categorical: list[str], production_chunks: Chunking,
                              reference_chunks: list[np.ndarray], min_rows: int, seed: int
                              ) -> Generator[float, None, ReconstructionResult]:
    """The reconstruction error of each chunk against the band of the reference chunks; yields the share done."""
    fit = ReconstructionModel(numerical, categorical, seed).iter_fit(reference)
    try:
        while True:
            next(fit)
            yield 0.15  # the SVD is running
    except StopIteration as stop:
        model = stop.value
    capped = PCA_MAX_ROWS

    def chunk_error(frame: pd.DataFrame, rows: np.ndarray) -> Generator[float, None, float]:
        rows = capped_rows(rows, capped, seed)
        return (yield from _at(progress(), model.iter_error(frame, rows)))

    # every error to compute, in the order of the single pass before the steps; a yield after each, and
    # within one while its rows are transformed
    reference_parts = [rows for rows in reference_chunks if rows.size >= min_rows]
    production_parts = [c.indices if c.rows >= min_rows else None for c in production_chunks.chunks]
    total = len(reference_parts) + sum(p is not None for p in production_parts) + 2
    done = 0

    def progress() -> float:
        return 0.3 + 0.7 * done / total

    yield 0.3
    reference_errors = []
    for rows in reference_parts:
        reference_errors.append((yield from chunk_error(reference, rows)))
        done += 1
        yield progress()
    chunk_errors = []
    for rows in production_parts:
        chunk_errors.append(None if rows is None else (yield from chunk_error(production, rows)))
        if rows is not None:
            done += 1
            yield progress()
    production_error = yield from chunk_error(production, np.arange(len(production)))
    done += 1
    yield progress()
    reference_error = yield from chunk_error(reference, np.arange(len(reference)))
    return reconstruction_result(model, reference_errors, chunk_errors, production_error, reference_error)


def reconstruction_result(model: ReconstructionModel, reference_errors: list[float],
                          chunk_errors: list[float | None], production_error: float, reference_error: float
                          ) -> ReconstructionResult:
    """The result from the errors: the reference chunks' give the band (mean +- 3 sd)."""
    found = np.array(reference_errors)
    mean = float(np.nanmean(found)) if found.size else float("nan")
    sd = float(np.nanstd(found, ddof=1)) if found.size > 1 else 0.0
    band = (mean - 3 * sd, mean + 3 * sd)
    return ReconstructionResult(
        components=int(model.pca.n_components_), explained_variance=float(model.pca.explained_variance_ratio_.sum()),
        reference_error=reference_error, production_error=production_error,
        band=band, chunk_errors=tuple(chunk_errors), drifted=bool(production_error > band[1]),
        fit_rows=model.fit_rows, rows_per_error=PCA_MAX_ROWS,
    )
