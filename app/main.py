"""Start the desktop app: `main(audit_file, run)` is what `assay gui [AUDIT.toml] [--run]` and plain `assay` call.

Order matters for a fast, safe start: check that Qt can open a window (else one line and exit 2,
never a Qt abort), then import Qt, register the bundled fonts, apply the style, build and show
the window, and only then open the audit file. pandas and scikit-learn load in the worker that
runs the audit; shap is never imported here.
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

EXIT_NO_DISPLAY = 2
STARTUP_PROBE = "ASSAY_STARTUP_PROBE"  # set by bench/cold_start.py to time an installed app or bundle


def main(audit_file: Path | None = None, run: bool = False) -> int:
    from assay.app.platform_check import startup_problem

    problem = startup_problem()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY

    if audit_file is not None and run:
        _prestart_model(Path(audit_file))
    app = create_application()
    window = create_window()
    window.show()
    if os.environ.get(STARTUP_PROBE):  # bench/cold_start.py --bundle: the moment the window is usable, then quit
        window.call_when_ready(lambda: (print(f"READY {time.time():.6f}", flush=True), app.quit()))
    # a session a crash left behind is offered first; restored, it replaces the file named here
    window.call_when_ready(lambda: window.offer_restore() or (
        audit_file is not None and window.open_audit(Path(audit_file), run=run)))
    if audit_file is None and run:
        print("assay: --run needs an audit file: assay gui AUDIT.toml --run", file=sys.stderr)
    return app.exec()


def _prestart_model(audit_file: Path) -> None:
    """`assay gui AUDIT --run`: start the audit's model process now, so that its imports overlap with Qt's
    start-up (it opens no file until the run, after the trust checks). A file that cannot be read is left to
    open_audit, which says why."""
    try:
        from assay.engine.config import AuditConfig
        from assay.engine.isolation.process import prestart

        prestart(AuditConfig.from_toml(audit_file))
    except Exception:  # noqa: BLE001  open_audit reports the problem with the file
        pass


def create_application():
    """The QApplication (reused if one exists) with Assay's name, fonts, style and icon."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from assay.app import garbage, refcount_guard, theme
    from assay.app.settings import AppSettings

    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Assay")
    app.setOrganizationName("Assay")
    app.setApplicationDisplayName("Assay")
    app.setDesktopFileName("assay")
    app.setWindowIcon(theme.app_icon())
    garbage.install(app)  # cyclic GC only in the GUI thread: Qt objects must not die in a worker
    refcount_guard.install(app)  # PySide6 6.12.0 on Python 3.11 leaks references to None/True/False
    theme.register_fonts()
    theme.apply_theme(app, AppSettings().theme)

    def follow_system(_scheme=None) -> None:
        from assay.app.settings import AppSettings

        if AppSettings().theme == "system":
            theme.apply_theme(app, "system")

    QGuiApplication.styleHints().colorSchemeChanged.connect(follow_system)
    return app


def create_window():
    from assay.app.main_window import MainWindow

    window = MainWindow()
    install_excepthook(window)
    return window


def install_excepthook(window) -> None:
    """An unexpected exception in a slot shows a dialog (traceback under details) instead of being lost."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        from PySide6.QtCore import QThread

        if QThread.currentThread() != window.thread():  # widgets only in the GUI thread: stderr it is
            return
        try:
            from assay.app.dialogs import show_error

            show_error(window, "Something went wrong", exc.with_traceback(tb))
        except Exception:  # the dialog itself failed: the traceback is already on stderr
            pass

    sys.excepthook = hook


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None, run="--run" in sys.argv))
