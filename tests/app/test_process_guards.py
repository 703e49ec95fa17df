"""The two process-wide guards app.main installs: GC in the GUI thread, and the PySide6 6.12 refcount guard."""
from __future__ import annotations

import gc
import sys
import weakref

from PySide6.QtCore import QModelIndex

from assay.app import garbage, refcount_guard


def test_cyclic_garbage_is_collected_by_the_gui_thread_timer(qapp):
    collector = garbage.install(qapp)
    assert garbage.install(qapp) is collector  # once per app
    assert not gc.isenabled()  # no collection can start in a worker thread

    class Node:
        pass

    first = Node()
    first.other = Node()
    first.other.other = first
    alive = weakref.ref(first)
    del first
    keep = [Node() for _ in range(gc.get_threshold()[0] + 10)]  # past the youngest generation's threshold
    assert alive() is not None  # automatic collection is off
    collector.check()  # what the timer does, in the GUI thread
    assert alive() is None
    del keep


def test_the_refcount_guard_matches_the_binding():
    before = sys.getrefcount(None)
    for _ in range(100):
        QModelIndex().data()
    leaks = sys.getrefcount(None) < before and sys.version_info < (3, 12)
    assert refcount_guard.binding_loses_references() == leaks


def test_the_guard_tops_up_references_that_are_never_given_back(qapp):
    low = sys.getrefcount(None) + 10
    guard = refcount_guard.RefcountGuard(low=low, batch=1000, interval_ms=60_000)
    try:
        assert guard.top_ups >= 1
        assert sys.getrefcount(None) >= low - 10 + 1000
        topped = guard.top_ups
        guard.low = 0
        guard.top_up()
        assert guard.top_ups == topped  # nothing to do when the counts are high
    finally:
        guard.timer.stop()
        guard.deleteLater()
