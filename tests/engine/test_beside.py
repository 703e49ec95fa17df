"""engine/streaming/beside.py: a progress generator run in a thread beside the caller's, its result, its error in
the caller's thread, a close that leaves no thread, and one progress bar that never goes back."""
from __future__ import annotations

import threading
import time

import pytest

from assay.engine.errors import InputError
from assay.engine.progress import ProgressEvent, drain
from assay.engine.streaming.beside import THREAD_NAME, Bar, Beside, alongside


def counting(until: int, low: float, high: float, fail: bool = False, pause: float = 0.0):
    for i in range(until):
        time.sleep(pause)
        yield ProgressEvent("early", low + (high - low) * (i + 1) / until, f"early {i}")
    if fail:
        raise InputError("part-3.parquet: the file ends part-way", "part-3.parquet")
    return until


def late(until: int, low: float, high: float, pause: float = 0.0):
    for i in range(until):
        time.sleep(pause)
        yield ProgressEvent("late", low + (high - low) * (i + 1) / until, f"late {i}")
    return "late done"


def beside_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def test_both_results_come_back_and_the_bar_never_goes_back():
    bar = Bar(early=0.2, late=0.5)
    beside = Beside(counting(50, 0.2, 0.5, pause=0.001)).start()
    shown = []
    try:
        assert drain(alongside(late(20, 0.5, 0.9, pause=0.003), beside, bar), shown.append) == "late done"
        assert drain(beside.wait(bar.of_early), shown.append) == 50
    finally:
        beside.close()
    fractions = [event.fraction for event in shown]
    assert fractions == sorted(fractions)
    assert fractions[-1] == pytest.approx(0.9)  # both slices full: 0.2 + (0.5 - 0.2) + (0.9 - 0.5)
    assert all(event.message.startswith("late") for event in shown[:20])  # one line while the main thread runs
    assert not beside_threads()


def test_an_error_in_the_thread_is_raised_in_the_caller():
    beside = Beside(counting(3, 0.0, 0.5, fail=True)).start()
    try:
        with pytest.raises(InputError, match="part-3.parquet: the file ends part-way"):
            drain(beside.wait(lambda event: event))
    finally:
        beside.close()


def test_closing_stops_the_thread_part_way_and_closes_its_generator():
    closed = threading.Event()

    def endless():
        try:
            while True:
                time.sleep(0.01)
                yield ProgressEvent("early", 0.1, "working")
        finally:
            closed.set()

    beside = Beside(endless()).start()
    time.sleep(0.05)
    beside.close()
    assert closed.is_set() and not beside_threads()


def test_without_a_thread_beside_the_steps_pass_unchanged():
    events = []
    assert drain(alongside(late(3, 0.5, 0.9), None, Bar(early=0.2, late=0.5)), events.append) == "late done"
    assert [event.fraction for event in events] == pytest.approx([0.5 + 0.4 / 3, 0.5 + 0.8 / 3, 0.9])
