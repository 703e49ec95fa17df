"""`main(audit, run=True)` as `assay gui AUDIT.toml --run` calls it, in a fresh interpreter (offscreen).

Checks the start-up order that keeps cold start fast: the window paints before pandas or the
engine load (the Setup page is built right after the first paint), then the audit file opens and
runs, and the window closes cleanly.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
from pathlib import Path
import assay.app.main as main_module

HEAVY = ("pandas", "sklearn", "shap", "scipy", "matplotlib", "pyqtgraph")
make_window = main_module.create_window

def create_window():
    window = make_window()
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.window() is window:
                print("AT_FIRST_PAINT", ",".join(m for m in HEAVY if m in sys.modules), flush=True)
                app.removeEventFilter(self)
            return False

    watcher = FirstPaint(app)
    app.installEventFilter(watcher)

    def finished(report):
        print("VERDICT", report.verdict, flush=True)
        print("PAGE", window.current_page(), flush=True)
        print("FONT", app.font().family(), flush=True)
        print("STYLE", app.property("assay_style"), app.style().metaObject().className(), flush=True)
        print("ICON", not app.windowIcon().isNull(), flush=True)
        QTimer.singleShot(0, window.close)

    window.session.audit_finished.connect(finished)
    window.session.audit_failed.connect(lambda error: (print("FAILED", error, flush=True), window.close()))
    QTimer.singleShot(60_000, app.quit)
    return window

main_module.create_window = create_window
code = main_module.main(Path(sys.argv[1]), run=True)
print("EXIT", code, flush=True)
"""


def test_main_paints_before_loading_pandas_then_opens_and_runs_the_audit(tiny_audit, settings_dir):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSAY_SETTINGS_DIR=str(settings_dir))
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tiny_audit)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in result.stdout.splitlines())
    assert "AT_FIRST_PAINT" in lines, result.stderr
    assert lines["AT_FIRST_PAINT"] == "", f"loaded before the first paint: {lines['AT_FIRST_PAINT']}"
    assert lines.get("VERDICT") in ("pass", "warn", "fail"), result.stdout + result.stderr
    assert lines["PAGE"] == "overview"
    assert lines["FONT"] == "DejaVu Sans"
    assert lines["STYLE"].startswith("fusion ")
    assert lines["ICON"] == "True"
    assert lines["EXIT"] == "0"
    assert "Traceback" not in result.stderr
