"""Trust decisions for model files.

A pickle or joblib file can run any code when it is opened, so Assay never opens one until the
user has seen its SHA-256 and said they trust it. A skops file is opened through skops' own checks;
types skops does not trust by default are listed and the user accepts them or not.

Decisions are remembered per SHA-256 in the app's settings (`AppSettings.trusted_models`), not per
path: the same bytes at another path, or named by another audit file, open without a question; a
changed file asks again; Preferences > Trusted models revokes them. The audit file records the
decision too (``[model] trusted = true`` with ``sha256`` pinning it, or ``trusted_types``).

In the app an audit file's ``trusted = true`` never grants trust by itself (a received audit file
could name any pickle): before every run `vet_config` asks unless this app remembers the file's hash.
The headless CLI honours ``trusted = true`` (with ``sha256`` when given) as before: there the person
running it wrote or reviewed the audit file, or passed ``--trust-model``. skops ``trusted_types`` in
an audit file are honoured by both, as before (skops then allows exactly those types).

The questions are asked by ``ask_pickle_trust`` and ``ask_types_trust``: module-level functions
so tests can replace them. ``pickle_dialog`` / ``types_dialog`` build the dialogs themselves, with
the buttons as attributes (``accept_button``, ``refuse_button``).
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QStyle, QVBoxLayout, QWidget)

from assay.app import dialogs
from assay.app.settings import AppSettings
from assay.engine.config import MLFLOW_ADDRESSES, AuditConfig
from assay.engine.errors import AssayError, InputError, ModelTrustError, UntrustedTypesError
from assay.engine.input_files import sha256_file
from assay.engine.model_files import is_mlflow_model, needs_trust, untrusted_skops_types


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


def pickle_dialog(parent: QWidget | None, path: Path, sha256: str, note: str = "") -> TrustDialog:
    text = (f"<b>Open {escape(Path(path).name)} only if you trust where it came from.</b><br><br>"
            + (f"{escape(note)}<br><br>" if note else "")
            + "Pickle and joblib files can run any code on this computer when they are opened. "
            "Compare the SHA-256 below with the one the model's author gave you. If you trust the file, "
            "Assay remembers its SHA-256 (Edit &gt; Preferences &gt; Trusted models, where you can revoke it) "
            "and the audit file records <tt>[model] trusted = true</tt> with the hash.")
    return TrustDialog(parent, "Trust this model file?", text, f"{path}\nSHA-256 {sha256}", "Trust and open")


def types_dialog(parent: QWidget | None, path: Path, types: Sequence[str]) -> TrustDialog:
    text = (f"<b>{escape(Path(path).name)} contains types that skops does not trust by default.</b><br><br>"
            "Accept them only if you expect them in this model (for example your own transformers). "
            "Accepted types are remembered for this file's SHA-256 (Edit &gt; Preferences &gt; Trusted models) "
            "and recorded in <tt>[model] trusted_types</tt>.")
    return TrustDialog(parent, "Accept these types?", text, "\n".join(types), "Accept types and open")


def ask_pickle_trust(parent: QWidget | None, path: Path, sha256: str, note: str = "") -> bool:
    """Ask whether to trust a pickle/joblib file; True if the user trusts it. `note` says why it asks again."""
    return pickle_dialog(parent, path, sha256, note).exec() == QDialog.DialogCode.Accepted


def ask_tracking_uri(parent: QWidget | None, address: str) -> str | None:
    """Ask which MLflow store a models:/ or runs:/ address resolves against ([mlflow] tracking_uri); None if
    cancelled. Offers MLFLOW_TRACKING_URI when it is set."""
    import os

    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, ok = QInputDialog.getText(
        parent, "Which MLflow store?",
        f"{address} is an MLflow address. The store it is registered in: a folder (such as mlruns) or a URI such as "
        f"sqlite:///mlflow.db. It is saved as [mlflow] tracking_uri in the audit file.",
        QLineEdit.EchoMode.Normal, os.environ.get("MLFLOW_TRACKING_URI", ""))
    return text.strip() if ok and text.strip() else None


def ask_types_trust(parent: QWidget | None, path: Path, types: Sequence[str]) -> bool:
    """Ask whether to accept a skops file's untrusted types; True if the user accepts them."""
    return types_dialog(parent, path, types).exec() == QDialog.DialogCode.Accepted


_hashes: dict[tuple[str, int, int], str] = {}  # (resolved path, size, mtime_ns) -> SHA-256
BIG_FILE = 32 << 20  # hashing more than this shows progress and keeps the window painting
HASH_BLOCK = 4 << 20


class HashCancelled(Exception):
    """The user cancelled computing a model file's SHA-256."""


def file_sha256(path: Path, parent: QWidget | None = None, cached_only: bool = False) -> str | None:
    """The file's SHA-256, remembered while its size and modification time stay the same (runs re-check
    a model file every time; the engine hashes it again when it opens it). Raises OSError.

    With `parent`, a file over BIG_FILE is hashed block by block under a window-modal progress dialog, so
    the window keeps painting (a 200 MB file takes 0.3 to 0.9 s); cancelling it raises HashCancelled.
    With `cached_only`, a big file not hashed yet gives None instead of being read."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _hashes:
        return _hashes[key]
    if stat.st_size > BIG_FILE and cached_only:
        return None
    if stat.st_size <= BIG_FILE or parent is None:
        _hashes[key] = sha256_file(path)
    else:
        _hashes[key] = _hash_with_progress(path, stat.st_size, parent)
    return _hashes[key]


def _hash_with_progress(path: Path, size: int, parent: QWidget) -> str:
    from PySide6.QtWidgets import QApplication, QProgressDialog

    from assay.engine.input_files import iter_sha256

    dialog = QProgressDialog(f"Computing the SHA-256 of {path.name} ({size / 1e6:,.0f} MB)…", "Cancel", 0, 1000,
                             parent)
    dialog.setWindowTitle("Checking the model file")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)  # no second run can start meanwhile
    dialog.setMinimumDuration(400)
    steps = iter_sha256(path, chunk=HASH_BLOCK)
    try:
        while True:
            try:
                fraction = next(steps)
            except StopIteration as stop:
                return stop.value
            dialog.setValue(min(999, int(1000 * fraction)))
            QApplication.processEvents()
            if dialog.wasCanceled():
                raise HashCancelled(str(path))
    finally:
        steps.close()
        dialog.reset()
        dialog.deleteLater()


def remembered_pickle(path: Path | None, settings: AppSettings | None = None) -> bool | None:
    """Whether this app trusts the pickle/joblib file at `path` (by its hash); False if it cannot be read,
    None if it is big and not hashed yet (the Setup page does not read a big file to label it)."""
    if path is None:
        return False
    try:
        sha = file_sha256(Path(path), cached_only=True)
    except OSError:
        return False
    if sha is None:
        return None
    record = (settings or AppSettings()).trusted_model(sha)
    return record is not None and record.kind == "pickle"


def _absolute_store(store: str, config: AuditConfig) -> str:
    """A store typed as a folder, as an absolute file: URI (against the audit file's folder, else the working
    folder), so that the audit file may be saved elsewhere later; URIs stay as typed."""
    from assay.engine.integrations.mlflow_store import tracking_uri

    return tracking_uri(store, config.source.parent if config.source else None)


def model_file(config: AuditConfig, path: str | Path) -> tuple[Path, bool, str]:
    """The file a `[model] path` opens, whether it is a skops file, and for an MLflow model folder or address a
    note naming the model it holds ("" for a plain file). Resolving runs no code from the model (its MLmodel file
    is read; an address asks the store, as the run will). Raises InputError or ConfigError when it does not
    resolve."""
    if not is_mlflow_model(path):
        path = Path(path)
        return path, not needs_trust(path), ""
    from PySide6.QtGui import QGuiApplication

    from assay.engine.integrations.mlflow_models import resolve_mlflow_model
    from assay.engine.integrations.mlflow_store import mlflow_tracking_uri

    waiting = QGuiApplication.instance() is not None  # (an address imports MLflow first: about 1.5 s)
    if waiting:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        found = resolve_mlflow_model(path, mlflow_tracking_uri(config))
    finally:
        if waiting:
            QGuiApplication.restoreOverrideCursor()
    return found.model_file, found.serialization == "skops", f"{path} is {found.kind}, held in this file."


def choose_model(parent: QWidget | None, config: AuditConfig, path: str | Path,
                 settings: AppSettings | None = None) -> AuditConfig | None:
    """The config with `path` as its model, after the trust questions; None if refused or unreadable.

    `path` is a model file, an MLflow model folder or a models:/ or runs:/ address (the file its MLmodel names
    is the one trusted). A file whose hash this app remembers as trusted is taken without a question."""
    text = str(path)
    path = Path(path) if text.startswith(MLFLOW_ADDRESSES) else Path(path).expanduser()
    settings = settings or AppSettings()
    try:
        if not is_mlflow_model(path) and not path.is_file():
            raise InputError(f"{path}: model file not found; check the path.", path)
        if text.startswith(MLFLOW_ADDRESSES) and not config.mlflow.tracking_uri:  # which store it is registered in
            store = ask_tracking_uri(parent, text)
            if not store:
                return None
            config = config.replace("mlflow", tracking_uri=_absolute_store(store, config))
        file, skops, note = model_file(config, path)
        try:
            sha = file_sha256(file, parent)
        except HashCancelled:
            return None
        except OSError as exc:
            raise InputError(f"{file}: cannot read the model file ({exc.strerror}).", file) from exc
        remembered = settings.trusted_model(sha)
        if not skops:
            if remembered is None or remembered.kind != "pickle":
                if not (ask_pickle_trust(parent, file, sha, note) if note else ask_pickle_trust(parent, file, sha)):
                    return None
                settings.trust_model(sha, file, "pickle")
            return config.replace("model", path=path, trusted=True, trusted_types=(), sha256=sha)
        types = untrusted_skops_types(file)
        known = set(remembered.types) if remembered is not None and remembered.kind == "skops" else set()
        if set(types) - known:
            if not ask_types_trust(parent, file, types):
                return None
            settings.trust_model(sha, file, "skops", types)
        return config.replace("model", path=path, trusted=False, trusted_types=tuple(types), sha256=None)
    except AssayError as exc:  # (not found, not an MLflow model, a store that refuses: the message says which)
        dialogs.show_error(parent, f"Cannot use {text if text.startswith(MLFLOW_ADDRESSES) else path.name} as the "
                                   f"model", exc)
        return None


def vet_config(parent: QWidget | None, config: AuditConfig, settings: AppSettings | None = None) -> AuditConfig | None:
    """Before a run in the app: the config to run, or None when the user refused to open the model.

    A pickle/joblib model is opened only when this app remembers its hash as trusted or the user trusts
    it now; `[model] trusted = true` from the audit file alone is not enough. The config that runs pins
    the hash (`sha256`), so the file cannot be swapped between this check and the worker opening it.
    skops types remembered for the file's hash are added to `trusted_types`. A missing or unreadable
    file is left to the run, which reports it with the engine's message.
    """
    model = config.model
    if model.path is None:
        return config
    settings = settings or AppSettings()
    try:
        path, skops, mlflow_note = model_file(config, model.path)  # (an MLflow model: the file it names)
        if not path.is_file():
            return config
        sha = file_sha256(path, parent)
    except HashCancelled:
        return None
    except (OSError, AssayError):  # left to the run, which says what is wrong with the engine's message
        return config
    remembered = settings.trusted_model(sha)
    if skops:
        if remembered is not None and remembered.kind == "skops" and not set(remembered.types) <= set(model.trusted_types):
            return config.replace("model", trusted_types=tuple(dict.fromkeys(model.trusted_types + remembered.types)))
        return config
    if remembered is not None and remembered.kind == "pickle":
        if model.trusted and (model.sha256 or "").lower() == sha:
            return config
        return config.replace("model", trusted=True, sha256=sha)
    if model.sha256 and model.sha256.lower() != sha:
        note = (f"The file changed since it was trusted: the audit file pins SHA-256 {model.sha256}, "
                f"the file now has another.")
    elif model.trusted:
        note = ("The audit file says trusted = true, but you have not trusted this file in Assay on this "
                "computer: an audit file cannot grant trust by itself.")
    else:
        note = ""
    note = " ".join(n for n in (mlflow_note, note) if n)
    accepted = ask_pickle_trust(parent, path, sha, note) if note else ask_pickle_trust(parent, path, sha)
    if not accepted:
        return None
    settings.trust_model(sha, path, "pickle")
    return config.replace("model", trusted=True, sha256=sha)


def resolve_trust(parent: QWidget | None, config: AuditConfig, error: BaseException,
                  settings: AppSettings | None = None) -> AuditConfig | None:
    """After a run stopped on a trust error: ask, remember, and return the config to run again, or None."""
    settings = settings or AppSettings()
    if isinstance(error, ModelTrustError):
        if ask_pickle_trust(parent, error.path, error.sha256):
            settings.trust_model(error.sha256, error.path, "pickle")
            return config.replace("model", trusted=True, sha256=error.sha256)
        return None
    if isinstance(error, UntrustedTypesError):
        if ask_types_trust(parent, error.path, error.types):
            try:
                settings.trust_model(file_sha256(Path(error.path)), error.path, "skops", error.types)
            except OSError:
                pass  # accepted for this run; the file could not be hashed to remember it
            accepted = tuple(dict.fromkeys(config.model.trusted_types + tuple(error.types)))
            return config.replace("model", trusted_types=accepted)
        return None
    return None
