"""wait_in_thread: a long native call that the audit can still cancel."""
import threading
import time

import pytest

from engine.progress import drain, wait_in_thread


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
