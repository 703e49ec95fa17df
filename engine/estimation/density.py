"""The density ratio production / reference of each reference row, from a domain classifier.

A gradient-boosting classifier learns to tell reference rows from production rows (a seeded sample of each,
the drift analysis' encoding and model settings: engine/drift/multivariate.py), cross-fitted over two halves:
each reference row is scored by the model that did not see it (rows outside the sample by both, averaged).
With p its probability of being a production row, the row's weight is p / (1 - p) times the sample sizes'
ratio, clipped to WEIGHT_CLIP and scaled to mean 1. The out-of-fold ROC-AUC says how far apart the two sets
are: 0.5 when they cannot be told apart.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assay.engine.drift.multivariate import DOMAIN_MAX_CATEGORIES, iter_encode
from assay.engine.estimation.crossfit import iter_cross_fit

SAMPLE_ROWS = 20_000  # rows of each dataset the classifier learns from
WEIGHT_CLIP = (0.05, 20.0)


@dataclass(frozen=True)
class DensityRatio:
    weights: np.ndarray  # one per reference row, mean 1
    auc: float
    rows: int  # rows of each dataset in the sample


def iter_density_ratio(reference: pd.DataFrame, production: pd.DataFrame, numerical: list[str],
                       categorical: list[str], seed: int) -> Generator[None, None, DensityRatio]:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng([seed, 18])
    n_ref, n_prod = len(reference), len(production)
    ref_rows = np.sort(rng.choice(n_ref, min(SAMPLE_ROWS, n_ref), replace=False))
    prod_rows = np.sort(rng.choice(n_prod, min(SAMPLE_ROWS, n_prod), replace=False))
    (x_ref, x_prod), categorical_index = yield from iter_encode(
        [reference, production.iloc[prod_rows]], numerical, categorical, DOMAIN_MAX_CATEGORIES)
    mask = np.zeros(x_ref.shape[1], dtype=bool)
    mask[categorical_index] = True
    x = np.vstack([x_ref[ref_rows], x_prod])
    y = np.r_[np.zeros(ref_rows.size), np.ones(prod_rows.size)]
    half = rng.permutation(y.size) % 2
    sampled = np.full(n_ref, -1)
    sampled[ref_rows] = half[:ref_rows.size]
    out_of_fold, by_fold = yield from iter_cross_fit("classifier", x, y, half, [x_ref], mask, seed, max_iter=60)
    p_ref = np.array([predictions[0] for predictions in by_fold])
    # a sampled row takes the model that did not see it: fold 0's rows are scored by the model fitted on fold 1
    p = np.where(sampled == 0, p_ref[1], np.where(sampled == 1, p_ref[0], p_ref.mean(axis=0)))
    p = np.clip(p, 1e-6, 1 - 1e-6)
    weights = np.clip(p / (1 - p) * ref_rows.size / prod_rows.size, *WEIGHT_CLIP)
    auc = float(roc_auc_score(y, out_of_fold)) if 0 < y.sum() < y.size else 0.5
    return DensityRatio(weights=weights / weights.mean(), auc=auc, rows=int(min(ref_rows.size, prod_rows.size)))
