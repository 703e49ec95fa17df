"""Passes for the Dask executor's tests, in a module of their own: the workers unpickle them by module name
(`tests.engine.dask_passes`), which a test module, imported by pytest under its bare name, would not give."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd


def profile(batch: pd.DataFrame, context: object) -> dict:
    """Exact, order-sensitive partials: the batches' row ranges in order, counts, integer sums, min and max,
    category counts."""
    numbers = batch["count"].to_numpy()
    return {"ranges": [(int(batch.index[0]), int(batch.index[-1]) + 1)] if len(batch) else [],
            "rows": len(batch), "sum": int(numbers.sum()), "min": int(numbers.min()), "max": int(numbers.max()),
            "first": float(batch["value"].iloc[0]), "last": float(batch["value"].iloc[-1]),
            "categories": batch["category"].value_counts().to_dict()}


def merge_profiles(a: dict, b: dict) -> dict:
    categories = dict(a["categories"])
    for key, count in b["categories"].items():
        categories[key] = categories.get(key, 0) + count
    return {"ranges": _joined(a["ranges"], b["ranges"]), "rows": a["rows"] + b["rows"], "sum": a["sum"] + b["sum"],
            "min": min(a["min"], b["min"]), "max": max(a["max"], b["max"]), "first": a["first"], "last": b["last"],
            "categories": categories}


def _joined(a: list, b: list) -> list:
    """Row ranges in order, adjacent ones joined: a merge out of row order leaves a gap or an overlap."""
    if a and b and a[-1][1] == b[0][0]:
        return [*a[:-1], (a[-1][0], b[0][1]), *b[1:]]
    return [*a, *b]


def profile_dying_once(batch: pd.DataFrame, marker: str) -> dict:
    """`profile`, but the first worker to reach row 0 dies on the spot (a crash in native code, the OOM killer)."""
    if batch.index[0] == 0 and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return profile(batch, None)


def profile_dying_always(batch: pd.DataFrame, context: object) -> dict:
    """Every worker that reaches row 0 dies: the audit cannot finish."""
    if batch.index[0] == 0:
        os._exit(1)
    return profile(batch, None)


def profile_slowly(batch: pd.DataFrame, seconds: float) -> dict:
    import time

    time.sleep(seconds)
    return profile(batch, None)


def predicted(batch: pd.DataFrame, context: object) -> dict:
    """The rows' positions and every prediction column the predictor added, as arrays."""
    from assay.engine.prediction_batches import PREDICTED

    added = [name for name in batch.columns if name.startswith(PREDICTED[:len("__assay_")])]
    return {"rows": batch.index.to_numpy(), **{name: batch[name].to_numpy() for name in added}}


def concatenated(a: dict, b: dict) -> dict:
    return {key: np.concatenate([a[key], b[key]]) for key in a}


def make_table(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"count": rng.integers(-1000, 1000, rows), "value": rng.normal(size=rows),
                         "category": rng.choice(["a", "b", "c", "d"], rows)})
