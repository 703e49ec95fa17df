"""Progress events: the audit generator yields them; the CLI and the GUI show them."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ProgressEvent:
    """One step of an audit: `stage` names it, `fraction` is the whole audit's progress (0-1)."""

    stage: str
    fraction: float
    message: str = ""


def drain(steps: Generator[object, None, T]) -> T:
    """Run a progress generator to its end without showing it; returns what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def scaled(events: Generator[ProgressEvent, None, T], start: float, end: float) -> Generator[ProgressEvent, None, T]:
    """Map a sub-step's 0-1 progress into its slice [start, end] of the parent's range.

    Returns what the inner generator returns, so `result = yield from scaled(gen, a, b)` works.
    """
    span = end - start
    try:
        event = next(events)
        while True:
            yield ProgressEvent(event.stage, start + span * min(max(event.fraction, 0.0), 1.0), event.message)
            event = next(events)
    except StopIteration as stop:
        return stop.value
    finally:
        events.close()


