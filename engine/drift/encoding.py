"""A column's values as the drift tests take them: its drift kind, floats (NaN for missing; datetimes as
seconds), the rows of a chunk, the sorted values of each chunk and of the whole, and categories as integer
codes aligned with the reference's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from assay.engine.schema import ColumnKind


def drift_kind(kind: ColumnKind) -> str | None:
    if kind in (ColumnKind.NUMERICAL, ColumnKind.DATETIME):
        return "numerical"
    if kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
        return "categorical"
    return None


def numeric_values(series: pd.Series) -> np.ndarray:
    """Floats with NaN for missing and infinite values; datetimes as seconds since 1970."""
    if pd.api.types.is_datetime64_any_dtype(series):
        seconds = series.astype("datetime64[ns]").astype("int64").to_numpy() / 1e9
        values = np.where(series.isna().to_numpy(), np.nan, seconds)
    elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def float_values(series: pd.Series) -> np.ndarray:
    """`numeric_values`, but the column's own float64 array (no copy; read only) when it has no infinities."""
    if series.dtype == np.float64:
        values = series.to_numpy()
        if not np.isinf(values).any():
            return values
    return numeric_values(series)


def finite_values(values: np.ndarray) -> tuple[np.ndarray, int]:
    """(the values that are not NaN, how many were NaN); no copy when none is."""
    missing = np.isnan(values)
    count = int(np.count_nonzero(missing))
    return (values[~missing] if count else values), count


def take(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """values[rows]; a view when `rows` (ascending row positions, as chunks hold them) is one run."""
    if rows is None:
        return values
    if rows.size and rows[-1] - rows[0] + 1 == rows.size:
        return values[rows[0]:rows[-1] + 1]
    return values[rows]


class SortedParts(NamedTuple):
    parts: list[np.ndarray]  # each part's finite values, sorted
    whole: np.ndarray  # every finite value, sorted
    missing: int  # how many values are missing


def sorted_parts(values: np.ndarray, parts: list[np.ndarray]) -> SortedParts:
    """Each part's finite values sorted, every finite value sorted, and how many values are missing.

    `parts` hold ascending row positions without repeats (chunks). The whole is merged from the sorted parts
    and the rows in none of them: numpy's stable sort (timsort) merges sorted runs in a few linear passes, so
    the chunks and the whole cost about 1.1 sorts of the column instead of 1.7.
    """
    if not parts:
        finite, missing = finite_values(values)
        return SortedParts(parts=[], whole=np.sort(finite), missing=missing)
    sorted_ = [np.sort(finite_values(take(values, rows))[0]) for rows in parts]
    missing = int(np.count_nonzero(np.isnan(values)))
    outside = rows_outside(values.size, parts)
    if outside is None:  # overlapping parts: sort the whole directly
        return SortedParts(parts=sorted_, whole=np.sort(finite_values(values)[0]), missing=missing)
    runs = [part for part in sorted_ if part.size]
    if outside.size:
        runs.append(np.sort(finite_values(take(values, outside))[0]))
    if len(runs) <= 1:
        return SortedParts(parts=sorted_, whole=runs[0] if runs else np.empty(0), missing=missing)
    whole = np.concatenate(runs)
    whole.sort(kind="stable")
    return SortedParts(parts=sorted_, whole=whole, missing=missing)


def rows_outside(n: int, parts: list[np.ndarray]) -> np.ndarray | None:
    """Row positions (of n) in none of `parts` (each ascending without repeats); None when parts overlap."""
    present = [p for p in parts if p.size]
    size = sum(int(p.size) for p in present)
    spans = sorted((int(p[0]), int(p[-1]) + 1) for p in present)
    if size == n and all(p[-1] - p[0] + 1 == p.size for p in present) and all(
            a[1] <= b[0] for a, b in zip(spans, spans[1:])):
        return np.empty(0, dtype=np.int64)  # contiguous, disjoint and covering every row (chunks of rows)
    covered = np.zeros(n, dtype=bool)
    for p in present:
        covered[p] = True
    if int(np.count_nonzero(covered)) != size:
        return None
    return np.flatnonzero(~covered)


def text_values(series: pd.Series) -> pd.Series:
    """Values as text (object dtype) with None for missing ones: categories compare as labels."""
    text = series.astype(str).astype(object)
    text[series.isna().to_numpy()] = None
    return text


@dataclass(frozen=True)
class AlignedCodes:
    codes: np.ndarray  # index into labels; -1 for missing
    labels: list[str]  # the reference's categories, then production-only ones (sorted)


def category_codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their text labels (values equal as text, such as 1 and "1", share a code)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    if len(set(labels)) == len(labels):
        return codes, labels
    merged, inverse = np.unique(np.array(labels, dtype=object), return_inverse=True)
    return np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1), [str(x) for x in merged]


def align_codes(categories: list[str], codes: np.ndarray, labels: list[str]) -> AlignedCodes:
    position = {c: i for i, c in enumerate(categories)}
    new = sorted(label for label in labels if label not in position)
    position.update({label: len(categories) + i for i, label in enumerate(new)})
    mapping = np.array([position[label] for label in labels] + [-1], dtype=np.int64)
    return AlignedCodes(mapping[codes], categories + new)  # code -1 picks the trailing -1
