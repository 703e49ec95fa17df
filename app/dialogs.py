"""Error dialogs: what happened and what to do, with the traceback under "Show Details"."""
from __future__ import annotations

import traceback

from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import AssayError


def error_text(error: BaseException | str) -> str:
    """The message a person reads: the engine's own text for known errors, else the exception."""
    if isinstance(error, str):
        return error
    if isinstance(error, AssayError):
        return str(error)
    return f"Unexpected error: {type(error).__name__}: {error}. Your setup is kept; please report this."


def show_error(parent: QWidget | None, title: str, error: BaseException | str) -> QMessageBox:
    """Show a modal error box and return it (tests close it). Never raises."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(title)
    box.setInformativeText(error_text(error))
    if isinstance(error, BaseException):
        box.setDetailedText("".join(traceback.format_exception(error)))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box
