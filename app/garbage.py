"""Python's cyclic garbage collector, run in the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is
crossed: often the audit worker, which allocates a lot. If the garbage it finds holds a Qt
object (a closed dialog or page caught in a reference cycle), that object is destroyed outside
the GUI thread and Qt crashes (seen as a segfault during "Garbage-collecting" in a worker).
pyqtgraph's GarbageCollector solves it the same way: automatic collection off, and a GUI-thread
timer that collects by the same generation thresholds.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)
        self.destroyed.connect(lambda *_: gc.enable())

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds (as the automatic collector would)."""
        young, middle, old = gc.get_count()
        if young > self.thresholds[0]:
            gc.collect(0)
            if middle > self.thresholds[1]:
                gc.collect(1)
                if old > self.thresholds[2]:
                    gc.collect(2)


def install(app: QObject) -> GuiGarbageCollector:
    """Collect garbage in the GUI thread for as long as `app` lives (once per app)."""
    existing = app.findChild(GuiGarbageCollector)
    return existing if existing is not None else GuiGarbageCollector(app)
