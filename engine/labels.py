"""Class labels compared by value: the one comparison that predictions, performance, fairness, drift, the
report and the app use, whatever type the data and the audit file wrote a label in.

A label's key is its value, not its type:
- numbers by value: 1, 1.0, np.int8(1), "1", "1.0" and " 1 " are the same label; 0.5 and "0.5" too;
- booleans are 1 and 0: True, "true", "True" and 1 are the same label (so a bool column matches
  positive_label = 1 or true, and a 0/1 column matches positive_label = true);
- other text is stripped and compared as written ("Yes" is not "yes");
- missing values (None, NaN, pd.NA, NaT) have no key and never match anything, not even each other.
Categoricals, pandas nullable types (Int64, boolean, string) and Arrow-backed columns (`pd.ArrowDtype`,
`string[pyarrow]`) are keyed by their values, through the distinct values only.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def key(value: Any) -> str | None:
    """The matching key of one label (None for a missing value)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, float, np.number)):
        number = float(value)
        if not math.isfinite(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return "1" if text.lower() == "true" else "0"
    try:
        number = float(text)
    except ValueError:
        return text
    return key(number) if math.isfinite(number) else text


def keys(values: Any) -> np.ndarray:
    """The key of every value (an object array, None where missing), computed once per distinct value."""
    codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
    table = np.array([key(u) for u in uniques] + [None], dtype=object)
    return table[np.where(codes < 0, len(uniques), codes)]


def matches(values: Any, label: Any) -> np.ndarray:
    """Which values are the label `label` (a boolean array); missing values never are."""
    wanted = key(label)
    if wanted is None:
        return np.zeros(len(values), dtype=bool)
    codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
    hit = np.array([key(u) == wanted for u in uniques] + [False], dtype=bool)
    return hit[np.where(codes < 0, len(uniques), codes)]


def same(a: Any, b: Any) -> bool:
    """Whether two labels are the same label (a missing one is the same as nothing)."""
    found = key(a)
    return found is not None and found == key(b)


def as_classes(values: Any, classes: tuple[Any, ...]) -> np.ndarray:
    """Every value as the class of `classes` it matches (the target's own values, as the report names them),
    else as its key; None where missing. Two columns that write the same labels differently come out alike."""
    named = {}
    for c in classes:
        named.setdefault(key(c), c)
    codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        k = key(u)
        table[i] = named.get(k, k)
    table[-1] = None
    return table[np.where(codes < 0, len(uniques), codes)]


def is_text(values: Any) -> bool:
    """Whether the labels are written as text, judged by their values (an object array of integers, as a model's
    classes come back, holds numbers; "1" and "yes" are text)."""
    present = pd.Series(values, copy=False).dropna()
    if present.empty:
        return False
    kind = pd.api.types.infer_dtype(present.to_numpy(dtype=object), skipna=True)
    return kind in ("string", "bytes", "mixed", "mixed-integer")
