"""Direct loss estimation (DLE) for regression: a gradient-boosting model learns each reference row's absolute
and squared error from its inputs and the model's prediction; production's MAE and RMSE are the means of what
it predicts for production's rows (RMSE the root of the mean).

Cross-fitted over two halves of the reference: each half's errors are predicted by the models fitted on the
other half, and production's by both, averaged. The interval of a set of rows' estimate adds three errors,
drawn together per resample: the loss model's own error (the mean out-of-fold residual over a Poisson
resample of the reference), the spread of production's rows (their predicted losses drawn again) and the
noise of the realised errors around their expectation (for the absolute error, E[e^2] - E[|e|]^2 from the two
models; for the squared error, the reference's out-of-fold residual variance).
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from assay.engine.estimation.crossfit import iter_cross_fit

ESTIMATED_REGRESSION = ("mae", "rmse")
BLOCK = 4_000_000


@dataclass(frozen=True)
class LossModel:
    """Predicted absolute and squared errors of production's rows, and the reference's out-of-fold residuals."""

    absolute: np.ndarray
    squared: np.ndarray
    residual_absolute: np.ndarray  # reference: |e| - its out-of-fold prediction
    residual_squared: np.ndarray
    reference_absolute: np.ndarray  # reference: the realised |e| and e^2
    reference_squared: np.ndarray


def iter_fit_losses(x_ref: np.ndarray, error_ref: np.ndarray, x_prod: np.ndarray, categorical: np.ndarray,
                    seed: int) -> Generator[None, None, LossModel]:
    """`x_*`: the encoded inputs with the model's prediction as the last column; `error_ref` prediction - target."""
    absolute, squared = np.abs(error_ref), error_ref ** 2
    half = np.random.default_rng([seed, 18]).permutation(error_ref.size) % 2
    out_of_fold, production = {}, {}
    for name, target in (("absolute", absolute), ("squared", squared)):
        out_of_fold[name], by_fold = yield from iter_cross_fit("regressor", x_ref, target, half, [x_prod],
                                                               categorical, seed, max_iter=100)
        production[name] = (by_fold[0][0] + by_fold[1][0]) / 2
    for values in (*out_of_fold.values(), *production.values()):
        np.maximum(values, 0.0, out=values)
    return LossModel(absolute=production["absolute"], squared=production["squared"],
                     residual_absolute=absolute - out_of_fold["absolute"],
                     residual_squared=squared - out_of_fold["squared"],
                     reference_absolute=absolute, reference_squared=squared)


@dataclass(frozen=True)
class ReferenceLossDraws:
    """Per resample of the reference: the mean out-of-fold residuals (minus their mean over every row) and the
    realised MAE and RMSE."""

    residual_absolute: np.ndarray
    residual_squared: np.ndarray
    realised: dict[str, np.ndarray]


def draw_reference_losses(losses: LossModel, resamples: int, rng: np.random.Generator) -> ReferenceLossDraws:
    n = losses.reference_absolute.size
    columns = np.column_stack([losses.residual_absolute, losses.residual_squared, losses.reference_absolute,
                               losses.reference_squared])
    means = []
    step = max(1, BLOCK // max(n, 1))
    for start in range(0, resamples, step):
        w = rng.poisson(1.0, (min(step, resamples - start), n)).astype(float)
        means.append((w @ columns) / np.maximum(w.sum(axis=1, keepdims=True), 1.0))
    drawn = np.vstack(means)
    return ReferenceLossDraws(
        residual_absolute=drawn[:, 0] - losses.residual_absolute.mean(),
        residual_squared=drawn[:, 1] - losses.residual_squared.mean(),
        realised={"mae": drawn[:, 2], "rmse": np.sqrt(drawn[:, 3])})


def estimate(losses: LossModel, rows: np.ndarray) -> dict[str, float]:
    if rows.size == 0:
        return {"mae": float("nan"), "rmse": float("nan")}
    return {"mae": float(losses.absolute[rows].mean()), "rmse": float(np.sqrt(losses.squared[rows].mean()))}


def draw_losses(losses: LossModel, rows: np.ndarray, draws: ReferenceLossDraws, rng: np.random.Generator
                ) -> dict[str, np.ndarray]:
    """MAE and RMSE of the rows per resample: the estimate plus the three errors the module docstring names."""
    resamples = draws.residual_absolute.size
    n = max(rows.size, 1)
    a, q = losses.absolute[rows], losses.squared[rows]
    noise_absolute = np.maximum(q - a ** 2, 0.0).mean() + a.var()
    noise_squared = losses.residual_squared.var() + q.var()
    mae = a.mean() + draws.residual_absolute + rng.normal(0.0, np.sqrt(noise_absolute / n), resamples)
    mse = q.mean() + draws.residual_squared + rng.normal(0.0, np.sqrt(noise_squared / n), resamples)
    return {"mae": np.maximum(mae, 0.0), "rmse": np.sqrt(np.maximum(mse, 0.0))}
