"""A Pass: one read over a Source's rows, as a map from each batch to a partial state and an exact, associative
merge of two partial states (the earlier rows' state first). An analysis that streams yields Passes from its
`stream(run)` generator (engine/<pkg>/partials.py) and receives each pass's merged state back."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Pass:
    name: str  # for progress: "quality", "drift: candidate buckets", ...
    role: str  # which Source it reads: "reference" | "production"
    columns: tuple[str, ...] | None  # None = all
    map: Callable[[pd.DataFrame, Any], Any]  # (batch, context) -> partial state; a module-level function: picklable
    merge: Callable[[Any, Any], Any]  # associative and exact; merge(a, b) for a before b in row order
    context: Any = None  # picklable (fitted reference state, bucket edges, ...)
    with_predictions: bool = False  # the batch gets the model's prediction columns first (stream-model)


def merge_all(step: Pass, states: list[Any]) -> Any:
    """The states of consecutive pieces merged in row order, as a balanced tree (what a parallel merge does)."""
    if not states:
        raise ValueError("merge_all needs at least one state")
    while len(states) > 1:
        merged = [step.merge(states[i], states[i + 1]) for i in range(0, len(states) - 1, 2)]
        if len(states) % 2:
            merged.append(states[-1])
        states = merged
    return states[0]
