"""The operations the audit performs on a model object, in whichever process holds the object.

The model process (worker.py) serves them to the audit; `LocalModel` also serves them in-process (the
benchmark's baseline, and unit tests of the calculators). Requests are generators, as `ModelProcess`'s are:
here they return at once.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.model_files import LoadedModel, ModelFile, open_model_file


@dataclass(frozen=True)
class ExplainerInfo:
    """What the parent needs to know about the explainer built next to the model."""

    method: str
    reason: str
    output_scale: str
    base_value: float
    columns: tuple[str, ...]


class LocalModel:
    """A model object and the operations on it: open, predict, explain, permutation importance."""

    OPERATIONS = ("open", "predict", "build_explainer", "explain", "permutation_importance", "warm")

    def __init__(self, model: LoadedModel | None = None) -> None:
        self.loaded = model
        self._explainer = None

    @property
    def model(self) -> LoadedModel:
        assert self.loaded is not None, "no model opened"
        return self.loaded

    # -- the requests (generators, like ModelProcess.call) ----------------------------------------------------

    def call(self, operation: str, *args: Any, what: str = "") -> Generator[None, None, Any]:
        if operation not in self.OPERATIONS:
            raise ValueError(f"unknown model operation {operation!r}")
        return getattr(self, operation)(*args)
        yield  # a generator, so that callers treat both kinds of model alike

    def begin_open(self, file: ModelFile) -> Generator[None, None, LoadedModel]:
        """As ModelProcess.begin_open: here the file opens when the returned generator runs."""
        return self.call("open", file)

    def warm_up(self) -> None:
        """As ModelProcess.warm_up; nothing to do in this process (the explainer imports shap when built)."""

    def close(self) -> None:
        self._explainer = None

    # -- the operations ----------------------------------------------------------------------------------------

    def warm(self) -> None:
        """Import the explainer's libraries (shap takes about a second) ahead of the explanations."""
        try:
            import shap  # noqa: F401
        except Exception:  # noqa: BLE001  building the explainer reports it
            pass

    def open(self, file: ModelFile) -> LoadedModel:
        self.loaded = open_model_file(file)
        return self.loaded.described()

    def predict(self, batch: pd.DataFrame, proba: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """(labels, probabilities or None) for one batch of rows."""
        from threadpoolctl import threadpool_limits

        estimator = self.model.model
        classes = self.model.classes or ()
        # one OpenMP thread: on batches this size a second one mostly spins (3-5 times the CPU on a busy machine)
        with threadpool_limits(limits=1, user_api="openmp"):
            if proba:
                scores = np.asarray(estimator.predict_proba(batch), dtype=float)
                labels = (np.asarray(classes, dtype=object)[np.argmax(scores, axis=1)] if classes
                          else np.asarray(estimator.predict(batch)))
                return labels, scores
            return np.asarray(estimator.predict(batch)), None

    def build_explainer(self, inputs: list[str], background: pd.DataFrame, method: str, task: str,
                        positive_index: int | None) -> ExplainerInfo:
        from assay.engine.explain.explainers import build_explainer

        explainer = build_explainer(self.model.model, inputs, background, method, task, positive_index)
        self._explainer = explainer
        return ExplainerInfo(explainer.method, explainer.reason, explainer.output_scale, explainer.base_value,
                             tuple(explainer.columns))

    def explain(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(attributions, outputs) of the rows, with the explainer last built."""
        from threadpoolctl import threadpool_limits

        assert self._explainer is not None, "build_explainer first"
        with threadpool_limits(limits=1, user_api="openmp"):
            return self._explainer.explain(rows)

    def permutation_importance(self, features: pd.DataFrame, target: pd.Series, scoring: str, repeats: int,
                               seed: int) -> np.ndarray:
        """scikit-learn's permutation importance (the mean over repeats, per column)."""
        from sklearn.inspection import permutation_importance
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):  # small batches: OpenMP threads only cost here
            result = permutation_importance(self.model.model, features, target, scoring=scoring, n_repeats=repeats,
                                            random_state=seed)
        return np.asarray(result.importances_mean, dtype=float)
