"""numpy's RuntimeWarnings silenced where NaN is the expected answer and the code handles it: all-NaN
slices of groups too small to measure, undefined rates, 0/0 in a resample."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_runtime_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
