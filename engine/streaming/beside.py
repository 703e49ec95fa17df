"""Analyses beside the others: the streamed audit runs its early analyses (those that need nothing from the model,
data quality) in a thread of their own while its own thread runs the predictions and the analyses after them, so
that both cores compute. Each analysis reads its own passes, so the two never share a batch or a state; what they
share (the executor, the Sources) counts under a lock or is read-only.

`Beside(steps)` runs a progress generator in the thread `assay-beside` (or one named by `name`: the streamed drift
runs its multivariate checks beside its own tests the same way, engine/drift/partials.py); `events()` hands over what it has yielded
so far (raising its error, if it failed, in the caller's thread); `wait()` yields the rest and returns its result;
`close()` stops it after the batch it is mapping and waits for it, so that cancelling the audit leaves no thread
behind. `Bar` puts the two runs' progress on one bar: the early analyses fill their slice and the others theirs,
and the bar shows the sum, so it never goes back; the message is the main thread's while it runs, then the early
analyses' while the audit waits for them.
"""
from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from assay.engine.progress import ProgressEvent

T = TypeVar("T")

THREAD_NAME = "assay-beside"
WAIT_S = 0.1  # wait() looks for a stop this often while the thread computes


class Beside(Generic[T]):
    def __init__(self, steps: Generator[ProgressEvent, None, T], name: str = THREAD_NAME) -> None:
        self._steps = steps
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Beside[T]:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    event = next(self._steps)
                except StopIteration as stop:
                    self._result = stop.value
                    return
                self._events.put(event)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._error = exc
        finally:
            try:
                self._steps.close()  # stopped part-way: its passes close their readers, its spills go
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                self._error = self._error or exc
            finally:
                self._done.set()  # (whatever happened: wait() must not wait for ever)

    def events(self) -> list[ProgressEvent]:
        """What the thread has yielded since the last call; its error once it has failed."""
        found = []
        while True:
            try:
                found.append(self._events.get_nowait())
            except queue.Empty:
                break
        if not found and self._done.is_set() and self._error is not None:
            raise self._error
        return found

    def wait(self, shown: Callable[[ProgressEvent], ProgressEvent]) -> Generator[ProgressEvent, None, T]:
        """The thread's remaining events as they come (as `shown` shows them), then its result (or its error,
        raised here)."""
        while True:
            yield from map(shown, self.events())
            if self._done.is_set() and self._events.empty():
                break
            self._done.wait(WAIT_S)
        yield from map(shown, self.events())  # (raises the thread's error)
        return self._result

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclasses.dataclass
class Bar:
    """One progress bar for two runs: the early analyses' events lie in [early, late), the others' in [late, 1];
    shown is how far each has come, added."""

    early: float  # where the early analyses' slice starts
    late: float  # where the others' slice starts (and the early analyses' ends)

    def __post_init__(self) -> None:
        self._early_at, self._late_at = self.early, self.late

    def of_early(self, event: ProgressEvent) -> ProgressEvent:
        self._early_at = max(self._early_at, min(event.fraction, self.late))
        return self._shown(event)

    def of_late(self, event: ProgressEvent) -> ProgressEvent:
        self._late_at = max(self._late_at, event.fraction)
        return self._shown(event)

    def _shown(self, event: ProgressEvent) -> ProgressEvent:
        return dataclasses.replace(event, fraction=self._early_at + self._late_at - self.late)


def alongside(steps: Generator[ProgressEvent, None, T], beside: Beside | None, bar: Bar
              ) -> Generator[ProgressEvent, None, T]:
    """`steps`' events and result, their fraction moved on by what `beside` has done meanwhile (None: `steps`
    alone). Its own messages are not shown while `steps` runs: one line of progress, not two taking turns."""
    if beside is None:
        return (yield from steps)
    try:
        while True:
            for event in beside.events():
                bar.of_early(event)
            try:
                event = next(steps)
            except StopIteration as stop:
                return stop.value
            yield bar.of_late(event)
    finally:
        steps.close()
