"""Gradient boosting cross-fitted over two halves, for the density ratio (a classifier) and direct loss
estimation (regressors): each half's rows are predicted by the model fitted on the other half, and other rows by
both. The fits run in a thread (engine/drift/multivariate.py's `fit_in_thread`), so a cancel is prompt."""
from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import numpy as np

from assay.engine.drift.multivariate import fit_in_thread


def iter_cross_fit(kind: Literal["classifier", "regressor"], x: np.ndarray, target: np.ndarray, half: np.ndarray,
                   others: list[np.ndarray], categorical: np.ndarray, seed: int, max_iter: int
                   ) -> Generator[None, None, tuple[np.ndarray, list[list[np.ndarray]]]]:
    """(out-of-fold predictions of x's rows, per fold the predictions of each array in `others`); a classifier
    predicts the probability of target 1."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    make = HistGradientBoostingClassifier if kind == "classifier" else HistGradientBoostingRegressor
    out_of_fold = np.empty(target.size)
    by_fold = []
    for fold in (0, 1):
        model = make(max_iter=max_iter, max_leaf_nodes=15, learning_rate=0.1, min_samples_leaf=50,
                     categorical_features=categorical if categorical.any() else None, random_state=seed)
        fitted = yield from fit_in_thread(model, x[half == fold], target[half == fold])

        def predict(rows: np.ndarray, fitted=fitted) -> np.ndarray:
            return fitted.predict_proba(rows)[:, 1] if kind == "classifier" else fitted.predict(rows)

        with threadpool_limits(limits=1, user_api="openmp"):
            out_of_fold[half != fold] = predict(x[half != fold])
            by_fold.append([predict(rows) for rows in others])
        yield None
    return out_of_fold, by_fold
