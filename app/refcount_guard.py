"""A guard against a PySide6 6.12.0 bug that crashes the app on Python 3.11.

PySide6 6.12.0 drops a reference it never took when it turns certain QVariants into Python
objects: an invalid QVariant into None (`QModelIndex.data()` for an empty role,
`QObject.property()`, `QAction.data()`, ...) and, in some virtual-method arguments that pyqtgraph
receives, bools into True/False. Every call takes one reference from None or True; a few
thousand calls later (a minute of plotting) Python deallocates None and aborts with
"none_dealloc: deallocating None" or "bool_dealloc". PySide6 6.11.3 does not have the bug, and
from Python 3.12 on None, True and False are immortal, so it is harmless there.

Where the bug is present (probed at start), a GUI-thread timer keeps the reference counts of
None, True and False far from zero by adding references that are never given back: a list of
references, itself leaked on purpose, so not even interpreter shutdown releases them. This costs
8 MB per million references and nothing where the bug is absent. Pinning PySide6 to a version
without the bug makes the guard idle.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QModelIndex, QObject, QTimer

LOW = 200_000  # top up when a count falls below this
BATCH = 1_000_000  # references added per top-up
INTERVAL_MS = 1000
WATCHED = (None, True, False)


def binding_loses_references() -> bool:
    """Whether this PySide6 drops references to None (immortal objects from Python 3.12 are immune)."""
    if sys.version_info >= (3, 12):
        return False
    before = sys.getrefcount(None)
    for _ in range(10):
        QModelIndex().data()
    return sys.getrefcount(None) < before


def add_references(obj: object, count: int) -> None:
    """Give `obj` `count` references that are never released (a list of it, leaked on purpose)."""
    keeper = [obj] * count
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(keeper))  # the list can never be freed now


class RefcountGuard(QObject):
    def __init__(self, parent: QObject | None = None, low: int = LOW, batch: int = BATCH,
                 interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.low, self.batch = low, batch
        self.top_ups = 0
        self.top_up()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.top_up)
        self.timer.start(interval_ms)

    def top_up(self) -> None:
        for obj in WATCHED:
            if sys.getrefcount(obj) < self.low:
                add_references(obj, self.batch)
                self.top_ups += 1


def install(app: QObject) -> RefcountGuard | None:
    """Start the guard for as long as `app` lives, if this PySide6 needs it (once per app)."""
    existing = app.findChild(RefcountGuard)
    if existing is not None:
        return existing
    return RefcountGuard(app) if binding_loses_references() else None
