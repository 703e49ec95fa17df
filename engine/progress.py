"""Progress events: the audit generator yields them; the CLI and the GUI show them."""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ProgressEvent:
    """One step of an audit: `stage` names it, `fraction` is the whole audit's progress (0-1)."""

    stage: str
    fraction: float
    message: str = ""
    rows_done: int | None = None  # a streamed pass: the rows read so far (of the Source it reads)
    rows_per_second: float | None = None


def drain(steps: Generator[object, None, T], on_step: Callable[[Any], None] | None = None) -> T:
    """Run a progress generator to its end, handing each step to `on_step` (none: not shown); returns what
    the generator returns."""
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_step is not None:
            on_step(step)


def scaled(events: Generator[ProgressEvent, None, T], start: float, end: float) -> Generator[ProgressEvent, None, T]:
    """Map a sub-step's 0-1 progress into its slice [start, end] of the parent's range.

    Returns what the inner generator returns, so `result = yield from scaled(gen, a, b)` works.
    """
    span = end - start
    try:
        event = next(events)
        while True:
            yield dataclasses.replace(event, fraction=start + span * min(max(event.fraction, 0.0), 1.0))
            event = next(events)
    except StopIteration as stop:
        return stop.value
    finally:
        events.close()


def as_events(steps: Generator[float, None, T], stage: str, message: str) -> Generator[ProgressEvent, None, T]:
    """A generator of bare fractions (0-1) as ProgressEvents of `stage`; returns what `steps` returns."""
    try:
        while True:
            yield ProgressEvent(stage, next(steps), message)
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


def scaled_fractions(steps: Generator[float, None, T], start: float, end: float,
                     message: str | None = None) -> Generator[object, None, T]:
    """The same for a generator of bare fractions (0-1): each mapped into [start, end], and paired with `message`
    when one is given (the `(fraction, message)` steps of a calculator). Returns what `steps` returns."""
    try:
        while True:
            fraction = start + (end - start) * next(steps)
            yield fraction if message is None else (fraction, message)
    except StopIteration as stop:
        return stop.value


def wait_in_thread(work: Callable[[], T], interval: float = 0.1) -> Generator[None, None, T]:
    """Run `work()` in a thread of its own and yield every `interval` seconds until it is done; return its result.

    For one long call into native code that cannot stop part-way (LAPACK's SVD): the audit stays
    cancellable, since closing this generator returns at once, while the call runs to its end in the
    background and its result is dropped. Only for calls that release the GIL (numpy.linalg does; scipy.linalg
    does not), or this thread, and the app's window with it, waits for the call anyway.
    """
    done = threading.Event()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the generator's thread below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="assay-native-call", daemon=True).start()
    while not done.wait(interval):
        yield None
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
