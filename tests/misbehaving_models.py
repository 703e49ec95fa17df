"""Models that misbehave, for the model-isolation tests. They live in an importable module because the model
process unpickles them: a pickle names its class by module and name.

`Misbehaving(mode, after_calls)` answers its first `after_calls` calls to predict/predict_proba like a small
logistic model on the columns x and z, then misbehaves in the way `mode` names. The count is kept in the
process that holds the model, so "after 2 calls" means "on the third batch it is asked for".
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

MODES = ("none", "raise", "segfault", "abort", "exit", "hang", "memory", "network", "connect", "wrong_shape", "nan")


class Misbehaving(ClassifierMixin, BaseEstimator):
    def __init__(self, mode: str = "none", after_calls: int = 0) -> None:
        assert mode in MODES, mode
        self.mode, self.after_calls, self.calls = mode, after_calls, 0
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(["x", "z"], dtype=object)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        self.calls += 1
        if self.calls > self.after_calls:
            self._misbehave()
        x = np.asarray(X["x"], dtype=float)
        z = np.asarray(X["z"], dtype=float)
        p = 1 / (1 + np.exp(-(2 * x - z)))
        proba = np.column_stack([1 - p, p])
        if self.calls > self.after_calls and self.mode == "wrong_shape":
            return proba[:-1]
        if self.calls > self.after_calls and self.mode == "nan":
            proba[::3] = np.nan
        return proba

    def fit(self, X, y=None) -> "Misbehaving":  # already "fitted": it is a fixed formula
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def _misbehave(self) -> None:
        if self.mode == "raise":
            raise ValueError("this model cannot predict on these rows")
        if self.mode == "segfault":
            import ctypes

            ctypes.string_at(0)  # reads address 0: SIGSEGV
        if self.mode == "abort":
            os.kill(os.getpid(), signal.SIGABRT)
        if self.mode == "exit":
            os._exit(3)
        if self.mode == "hang":
            time.sleep(3600)
        if self.mode == "memory":
            hoard = []
            while True:  # 400 MB at a time, until the memory limit stops it
                hoard.append(np.ones(50_000_000))
        if self.mode == "network":  # what an HTTP client does: resolve the name, then connect
            import socket

            socket.create_connection(("example.org", 80), timeout=2)
        if self.mode == "connect":
            import socket

            with socket.socket() as sock:
                sock.connect(("127.0.0.1", 9))


def _raise_on_load():
    raise RuntimeError("this pickle raises when it is opened")


class RaisesOnLoad:
    """A pickle that raises while it is being unpickled."""

    def __reduce__(self):
        return _raise_on_load, ()


class NoPredict:
    """An object without a predict method."""


def write_model(path: Path, model: object) -> Path:
    import joblib

    joblib.dump(model, path)
    return path


def write_tables(folder: Path, rows: int = 1200, seed: int = 0) -> tuple[Path, Path]:
    """A reference and a production table the Misbehaving model fits: x, z, colour, sex and the target y."""
    paths = []
    for name, shift in (("reference", 0.0), ("production", 0.3)):
        rng = np.random.default_rng(seed + (name == "production"))
        frame = pd.DataFrame({"x": rng.normal(shift, 1, rows), "z": rng.normal(size=rows),
                              "colour": rng.choice(["red", "green", "blue"], rows),
                              "sex": rng.choice(["f", "m"], rows)})
        p = 1 / (1 + np.exp(-(2 * frame["x"] - frame["z"])))
        frame["y"] = (rng.random(rows) < p).astype(int)
        path = folder / f"{name}.parquet"
        frame.to_parquet(path)
        paths.append(path)
    return paths[0], paths[1]
