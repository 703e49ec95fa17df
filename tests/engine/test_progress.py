"""wait_in_thread: a long native call that the audit can still cancel."""
import threading
import time

import pytest

from assay.engine.progress import drain, scaled_fractions, wait_in_thread


def test_wait_in_thread_returns_the_result_and_raises_the_error():
    assert drain(wait_in_thread(lambda: 41 + 1, interval=0.01)) == 42

    def fails():
        raise ValueError("bad matrix")

    with pytest.raises(ValueError, match="bad matrix"):
        drain(wait_in_thread(fails, interval=0.01))


def test_closing_wait_in_thread_returns_at_once_while_the_call_runs_on():
    release = threading.Event()
    steps = wait_in_thread(lambda: release.wait(5), interval=0.01)
    next(steps)  # the call is running
    began = time.perf_counter()
    steps.close()
    assert time.perf_counter() - began < 0.5
    release.set()


def test_scaled_fractions_maps_each_fraction_into_its_slice_and_returns_the_result():
    def steps():
        yield 0.0
        yield 0.5
        yield 1.0
        return "done"

    def outer():
        result = yield from scaled_fractions(steps(), 0.2, 0.6)
        labelled = yield from scaled_fractions(steps(), 0.6, 1.0, "stage")
        return result, labelled

    events, out = outer(), []
    with pytest.raises(StopIteration) as stop:
        while True:
            out.append(next(events))
    assert stop.value.value == ("done", "done")
    assert out == [0.2, 0.4, 0.6, (0.6, "stage"), (0.8, "stage"), (1.0, "stage")]
