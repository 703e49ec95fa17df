"""The model's predictions kept by row position for the later passes of a streamed audit, so that the model
predicts each row once (the predictions' pass) and performance and fairness read what it said.

The values go to memory-mapped files in a temporary folder (deleted with the cache): the labels (when they are
numbers: labels as text or objects are not kept, and the model predicts those rows again), the scores, and
which rows are filled. A batch is served only when every one of its rows is filled; the values are the model's
own (float64 kept as float64), so an analysis gets the same numbers either way.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from assay.engine.predictions import PredictionSet


class PredictionCache:
    """Predictions of the datasets' rows by position. `rows`: role -> the dataset's number of rows."""

    def __init__(self, rows: dict[str, int], classes: tuple) -> None:
        self.rows, self.classes = rows, classes
        self._folder: tempfile.TemporaryDirectory | None = None
        self._arrays: dict[str, dict[str, np.ndarray]] = {}
        self._refused: set[str] = set()  # roles whose labels cannot be kept (text, objects)

    def get(self, role: str, first: int, count: int) -> PredictionSet | None:
        """The predictions of rows first .. first + count - 1, or None unless all are kept."""
        arrays = self._arrays.get(role)
        if arrays is None or count == 0 or not arrays["filled"][first:first + count].all():
            return None
        scores = arrays.get("scores")
        return PredictionSet(np.array(arrays["labels"][first:first + count]),
                             None if scores is None else np.array(scores[first:first + count]), self.classes)

    def put(self, role: str, first: int, found: PredictionSet) -> None:
        """Keep a batch's predictions (the rows from `first` on)."""
        if role in self._refused or role not in self.rows or found.labels is None:
            return
        labels = np.asarray(found.labels)
        if labels.dtype.kind not in "biuf":
            self._refused.add(role)
            return
        arrays = self._arrays.get(role) or self._allocate(role, labels, found.scores)
        if labels.dtype != arrays["labels"].dtype:  # a batch whose labels came back of another type: not kept
            self._refused.add(role)
            del self._arrays[role]
            return
        count = len(labels)
        arrays["labels"][first:first + count] = labels
        if "scores" in arrays:
            arrays["scores"][first:first + count] = found.scores
        arrays["filled"][first:first + count] = True

    def _allocate(self, role: str, labels: np.ndarray, scores: np.ndarray | None) -> dict[str, np.ndarray]:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="assay-predictions-")
        rows = self.rows[role]

        def mapped(name: str, dtype, shape: tuple[int, ...]) -> np.ndarray:
            path = Path(self._folder.name) / f"{role}-{name}.npy"
            return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(rows, *shape))

        arrays = {"labels": mapped("labels", labels.dtype, ()), "filled": mapped("filled", bool, ())}
        if scores is not None:
            arrays["scores"] = mapped("scores", np.float64, np.shape(scores)[1:])
        self._arrays[role] = arrays
        return arrays

    def close(self) -> None:
        self._arrays.clear()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
