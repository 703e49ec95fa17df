"""GUI-thread work in small steps, so that the window never freezes (issue #9, item 6: no event-loop stall
longer than 100 ms).

Building a page's plots and showing a report on it take 0.1-0.5 s each on the demo: done in one go, the window
stops answering for that long. So a page offers them as generators that yield between parts of a few tens of
milliseconds (`prepare_steps()` builds its plots ahead of any result, `show_steps(report)` shows one), and
`StepRunner` runs such generators a few steps per turn of the event loop, within a time budget, the most urgent
first. `drain(steps)` runs a generator to its end at once: what `show_result(report)` does for callers that
want the page filled before they go on (tests, a page the user opens before its turn).
"""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QTimer, Signal

Steps = Iterator[None]
BUDGET_MS = 5  # work per turn of the event loop; a turn runs at least one step, so keep steps short too


def drain(steps: Steps) -> None:
    """Run `steps` to its end."""
    for _ in steps:
        pass


class Once:
    """Steps that run once however many callers advance them: a page's plots are built by whichever comes first,
    the runner ahead of time or a report that arrives before it finished. Each call to `steps()` gives an
    iterator over what is still to do (nothing once done)."""

    def __init__(self, build: Callable[[], Steps]) -> None:
        self._build = build
        self._running: Steps | None = None
        self.done = False

    def steps(self) -> Steps:
        if self.done:
            return
        if self._running is None:
            self._running = self._build()
        for _ in self._running:  # another caller may advance the same generator between two of these steps
            yield
        self.done = True

    def run(self) -> None:
        drain(self.steps())


class StepRunner(QObject):
    """Runs generators of GUI work by key, most urgent first, up to `budget_ms` per turn of the event loop."""

    finished = Signal(str)  # the key whose steps ran to the end
    idle = Signal()  # nothing is left to run

    def __init__(self, parent: QObject | None = None, budget_ms: float = BUDGET_MS) -> None:
        super().__init__(parent)
        self.budget_s = budget_ms / 1000
        self._queue: OrderedDict[str, Steps] = OrderedDict()
        self._scheduled = False
        # a zero-interval timer, not QTimer.singleShot(0, ...): that posts an event, and posted events run one after
        # another ahead of timers and input, so the turns would run back to back as one long stall
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(lambda: self._turn())  # looked up at each turn: a benchmark may wrap it
        self.current = ""  # the key being advanced (benchmarks label their figures with it)

    def add(self, key: str, steps: Steps, urgent: bool = False) -> None:
        """Queue `steps` under `key`, replacing (and closing) any steps still queued there; `urgent` puts them
        first."""
        old = self._queue.pop(key, None)
        if old is not None:
            old.close()
        self._queue[key] = steps
        if urgent:
            self._queue.move_to_end(key, last=False)
        self._schedule()

    def start(self, key: str, steps: Steps) -> None:
        """Run the first step of `steps` now and queue the rest, first."""
        try:
            next(steps)
        except StopIteration:
            return
        self.add(key, steps, urgent=True)

    def finish(self, key: str) -> None:
        """Run the steps queued under `key` to their end now."""
        steps = self._queue.pop(key, None)
        if steps is not None:
            self.current = key
            try:
                drain(steps)
            finally:
                self.current = ""
            self.finished.emit(key)
            if not self._queue:
                self.idle.emit()

    def discard(self, key: str | None = None) -> None:
        """Drop the steps queued under `key` (all of them if None) without running them."""
        keys = list(self._queue) if key is None else [key]
        for k in keys:
            steps = self._queue.pop(k, None)
            if steps is not None:
                steps.close()

    def pending(self, key: str | None = None) -> bool:
        return bool(self._queue) if key is None else key in self._queue

    def keys(self) -> list[str]:
        return list(self._queue)

    def _schedule(self) -> None:
        if not self._scheduled and self._queue:
            self._scheduled = True
            self._timer.start()

    def _turn(self) -> None:
        self._scheduled = False
        began = time.perf_counter()
        first = True
        while self._queue and (first or time.perf_counter() - began < self.budget_s):  # at least one step
            first = False
            key, steps = next(iter(self._queue.items()))
            self.current = key
            try:
                next(steps)
            except StopIteration:
                if self._queue.get(key) is steps:
                    del self._queue[key]
                self.finished.emit(key)
            except BaseException:
                if self._queue.get(key) is steps:  # a failing page must not block the others; the error is reported
                    del self._queue[key]
                self._schedule()
                raise
            finally:
                self.current = ""
        if self._queue:
            self._schedule()
        else:
            self.idle.emit()
