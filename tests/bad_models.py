"""Misbehaving model objects for the bad-input corpus (tests/data/bad/cases.toml).

Pickled at test time (never committed: a pickle is code). The CLI under test unpickles them in a
subprocess, so this module must be importable there as `tests.bad_models` (PYTHONPATH = the checkout).
"""
from __future__ import annotations

import numpy as np


def refuse_to_load(message: str):
    """Called by pickle while loading RaisesOnLoad: a model whose file raises when opened."""
    raise RuntimeError(message)


class RaisesOnLoad:
    """Pickles fine; unpickling raises RuntimeError (as a model built against a missing library would)."""

    def __reduce__(self):
        return refuse_to_load, ("this model refuses to load",)


class _Classifier:
    classes_ = np.array([0, 1])

    def predict(self, frame):
        return np.zeros(len(frame), dtype=int)


class NaNProbabilities(_Classifier):
    """predict_proba returns NaN for every other row."""

    def predict_proba(self, frame):
        proba = np.full((len(frame), 2), 0.5)
        proba[::2] = np.nan
        return proba


class InfiniteProbabilities(_Classifier):
    def predict_proba(self, frame):
        proba = np.full((len(frame), 2), 0.5)
        proba[0, 1] = np.inf
        return proba


class WrongShape(_Classifier):
    """Returns one prediction fewer than rows."""

    def predict(self, frame):
        return np.zeros(max(len(frame) - 1, 0), dtype=int)


class RaisesOnPredict(_Classifier):
    def predict(self, frame):
        raise ValueError("could not convert string to float: 'Zürich'")


class NoPredictMethod:
    """An object that is not a model (someone pickled their feature list)."""

    columns = ("age", "income")
