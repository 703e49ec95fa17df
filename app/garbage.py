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

from PySide6.QtCore import QObject, QThreadPool, QTimer

INTERVAL_MS = 100  # automatic collection is off, so young objects pile up between checks: 0.5 s took 90 ms to scan
MIDDLE_EVERY = 3  # young collections per middle one (Python's default 10 let 1 s of a PDF build's objects pile up)


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
        """Collect the generations whose counts passed their thresholds, much as the automatic collector would;
        the oldest only while no worker runs: an audit or a PDF build makes objects that live until it ends, and
        a full collection in the middle of one would scan them all for nothing, in the GUI thread."""
        young, middle, old = gc.get_count()
        if young > self.thresholds[0]:
            gc.collect(0)
            if middle >= MIDDLE_EVERY:
                gc.collect(1)
                if old > self.thresholds[2] and not QThreadPool.globalInstance().activeThreadCount():
                    gc.collect(2)


def install(app: QObject) -> GuiGarbageCollector:
    """Collect garbage in the GUI thread for as long as `app` lives (once per app)."""
    existing = app.findChild(GuiGarbageCollector)
    return existing if existing is not None else GuiGarbageCollector(app)


def freeze() -> None:
    """Leave the objects alive now out of every later collection (gc.freeze): the modules imported at start-up
    (pandas, scikit-learn, pyqtgraph, matplotlib...) are hundreds of thousands of objects that live as long as the
    app, and scanning them made each full collection in the GUI thread take 0.1-0.2 s. Call once the start-up
    imports are done; only the first call in a process freezes (later ones would keep each window's garbage)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


_frozen = False
