"""Trust decisions for model files.

A pickle or joblib file can run any code when it is opened, so Assay never opens one until the
user has seen its SHA-256 and said they trust it (written as ``[model] trusted = true``). A skops
file is opened through skops' own checks; types skops does not trust by default are listed and the
user accepts them (``[model] trusted_types``) or not.

The questions are asked by ``ask_pickle_trust`` and ``ask_types_trust``: module-level functions
so tests can replace them. ``pickle_dialog`` / ``types_dialog`` build the dialogs themselves, with
the buttons as attributes (``accept_button``, ``refuse_button``).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QStyle, QVBoxLayout, QWidget)

from app import dialogs
from engine.config import AuditConfig
from engine.errors import InputError, ModelTrustError, UntrustedTypesError
from engine.io import needs_trust, sha256_file, untrusted_skops_types


class TrustDialog(QDialog):
    """A warning, the facts to check (hash or type list), and two plainly named buttons."""

    def __init__(self, parent: QWidget | None, title: str, text: str, details: str, accept_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        message = QLabel(text)
        message.setWordWrap(True)
        message.setTextFormat(Qt.TextFormat.RichText)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setMinimumWidth(self.details.fontMetrics().horizontalAdvance("0" * 80) + 60)  # a whole SHA-256 line
        self.details.setMaximumHeight(min(160, 28 + 18 * (details.count("\n") + 1)))
        self.accept_button = QPushButton(accept_text)
        self.refuse_button = QPushButton("Don't open")
        self.refuse_button.setDefault(True)  # Enter must not trust by accident
        buttons = QDialogButtonBox()
        buttons.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.refuse_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.refuse_button.setFocus()


def pickle_dialog(parent: QWidget | None, path: Path, sha256: str) -> TrustDialog:
    text = (f"<b>Open {Path(path).name} only if you trust where it came from.</b><br><br>"
            "Pickle and joblib files can run any code on this computer when they are opened. "
            "Compare the SHA-256 below with the one the model's author gave you. If you trust the file, "
            "the audit file records <tt>[model] trusted = true</tt>.")
    return TrustDialog(parent, "Trust this model file?", text, f"{path}\nSHA-256 {sha256}", "Trust and open")


def types_dialog(parent: QWidget | None, path: Path, types: Sequence[str]) -> TrustDialog:
    text = (f"<b>{Path(path).name} contains types that skops does not trust by default.</b><br><br>"
            "Accept them only if you expect them in this model (for example your own transformers). "
            "Accepted types are recorded in <tt>[model] trusted_types</tt>.")
    return TrustDialog(parent, "Accept these types?", text, "\n".join(types), "Accept types and open")


def ask_pickle_trust(parent: QWidget | None, path: Path, sha256: str) -> bool:
    """Ask whether to trust a pickle/joblib file; True if the user trusts it."""
    return pickle_dialog(parent, path, sha256).exec() == QDialog.DialogCode.Accepted


def ask_types_trust(parent: QWidget | None, path: Path, types: Sequence[str]) -> bool:
    """Ask whether to accept a skops file's untrusted types; True if the user accepts them."""
    return types_dialog(parent, path, types).exec() == QDialog.DialogCode.Accepted


def choose_model(parent: QWidget | None, config: AuditConfig, path: str | Path) -> AuditConfig | None:
    """The config with `path` as its model, after the trust questions; None if refused or unreadable."""
    path = Path(path).expanduser()
    try:
        if not path.is_file():
            raise InputError(f"{path}: model file not found; check the path.", path)
        if needs_trust(path):
            try:
                sha = sha256_file(path)
            except OSError as exc:
                raise InputError(f"{path}: cannot read the model file ({exc.strerror}).", path) from exc
            if not ask_pickle_trust(parent, path, sha):
                return None
            return config.replace("model", path=path, trusted=True, trusted_types=())
        types = untrusted_skops_types(path)
        if types and not ask_types_trust(parent, path, types):
            return None
        return config.replace("model", path=path, trusted=False, trusted_types=tuple(types))
    except InputError as exc:
        dialogs.show_error(parent, f"Cannot use {path.name} as the model", exc)
        return None


def resolve_trust(parent: QWidget | None, config: AuditConfig, error: BaseException) -> AuditConfig | None:
    """After a run stopped on a trust error: ask, and return the config to run again, or None."""
    if isinstance(error, ModelTrustError):
        if ask_pickle_trust(parent, error.path, error.sha256):
            return config.replace("model", trusted=True)
        return None
    if isinstance(error, UntrustedTypesError):
        if ask_types_trust(parent, error.path, error.types):
            accepted = tuple(dict.fromkeys(config.model.trusted_types + tuple(error.types)))
            return config.replace("model", trusted_types=accepted)
        return None
    return None
