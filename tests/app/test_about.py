"""The About dialog shows the one version number (pyproject.toml's, from the installed metadata)."""
import tomllib
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

ROOT = Path(__file__).resolve().parents[2]


def test_about_shows_pyprojects_version(qtbot, window):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    seen: list[str] = []

    def read_and_close() -> None:  # the dialog is modal: read it from inside its event loop
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, read_and_close)
            return
        seen.append(f"{box.windowTitle()}\n{box.text()}")
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.about_action.trigger()
    assert seen and seen[0].startswith("About Assay")
    assert f"<b>Assay</b> {version}<br>" in seen[0]
