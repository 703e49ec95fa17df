"""Group labels for sensitive columns: categories as text, numeric columns banded, intersections joined."""
from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = "missing"
JOIN = " & "


def band_edges(reference: pd.Series, configured: tuple[float, ...] | None) -> tuple[float, ...]:
    """Configured edges, or the reference's quartiles (rounded, duplicates dropped)."""
    if configured:
        return tuple(configured)
    values = pd.to_numeric(reference, errors="coerce").dropna().astype(float)  # a boolean forced numerical too
    if values.empty:
        return ()
    quartiles = np.quantile(values, [0.25, 0.5, 0.75])
    return tuple(np.unique(np.round(quartiles, _decimals(quartiles))))


def _decimals(values: np.ndarray) -> int:
    spread = float(np.ptp(values)) or float(np.abs(values).max()) or 1.0
    return max(0, int(-np.floor(np.log10(spread))) + 1)


def band_labels(edges: tuple[float, ...]) -> list[str]:
    text = [f"{e:g}" for e in edges]
    if not edges:
        return ["all"]
    return [f"< {text[0]}"] + [f"{a}–{b}" for a, b in zip(text, text[1:])] + [f"≥ {text[-1]}"]


def group_labels(series: pd.Series, numeric: bool, edges: tuple[float, ...] = ()) -> np.ndarray:
    """One text label per row; missing values get the group "missing"."""
    if numeric:
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        labels = np.array(band_labels(edges), dtype=object)
        index = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
        out = labels[np.minimum(index, len(labels) - 1)]
        out[np.isnan(values)] = MISSING
        return out
    text = series.astype(str).to_numpy(dtype=object)
    text[series.isna().to_numpy()] = MISSING
    return text


def intersect(labels: list[np.ndarray]) -> np.ndarray:
    out = labels[0].astype(object)
    for more in labels[1:]:
        out = np.char.add(np.char.add(out.astype(str), JOIN), more.astype(str)).astype(object)
    return out


def attribute_name(columns: tuple[str, ...]) -> str:
    return JOIN.join(columns)
