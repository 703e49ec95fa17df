"""Error dialogs: what happened and what to do, with the traceback under "Show Details"."""
from __future__ import annotations

import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QMessageBox, QSizePolicy, QSpacerItem, QWidget



def error_text(error: BaseException | str) -> str:
    """The message a person reads: the engine's own text for known errors, else the exception."""
    from assay.engine.errors import AssayError  # here, not at the top: importing the engine loads pandas

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
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<b>{_escape(title)}</b>")
    box.setInformativeText(error_text(error))
    if isinstance(error, BaseException):
        box.setDetailedText("".join(traceback.format_exception(error)))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    set_min_width(box, 520)  # last: the setters above rebuild the layout. Long paths wrap at a readable width
    box.open()
    return box


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def set_min_width(box: QMessageBox, width: int) -> None:
    """QMessageBox ignores setMinimumWidth; a spacer across its grid layout is the known remedy."""
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        spacer = QSpacerItem(width, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        layout.addItem(spacer, layout.rowCount(), 0, 1, layout.columnCount())
