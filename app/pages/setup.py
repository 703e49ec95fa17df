"""The Setup page: the files, the audit's cover details, the task, and the table of columns.

A data file chosen by the user (Browse…, typing a path, or dropping it on its row or the page)
is read in a worker; it enters the config only once it has been read, so the config never names a
file Assay cannot open, and a failure shows an error and keeps everything else. Each read carries a
generation number and the results of a superseded read are dropped. A config given through
`set_config` is shown as it is; files it names that cannot be read are reported and marked.

Dropping files on the page: model files (.skops, .joblib, .pkl, .pickle) and MLflow model folders go to the model; a table
goes to the first empty data slot, or replaces the production data when both are set; two tables
dropped together become reference and production, in that order.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget)
from superqt.utils import create_worker

from assay.app import dialogs, theme, trust
from assay.app.models.columns_model import ColumnsTable, TablesRead, read_and_inspect, with_kind, with_role
from assay.engine.config import TASK_TYPES, AuditConfig, parse_toml_value
from assay.engine.integrations.mlflow_models import MLMODEL  # (no MLflow import: the MLmodel file's name)
from assay.engine.labels import same
from assay.engine.memory import format_bytes
from assay.engine.model_files import MODEL_FILTER, PICKLE_SUFFIXES, SKOPS_SUFFIXES, is_mlflow_model
from assay.engine.schema import ColumnKind, ColumnRole
from assay.engine.tables import TABLE_FILTER

DATA_SLOTS = ("reference", "production")
MODEL_SUFFIXES = PICKLE_SUFFIXES | SKOPS_SUFFIXES
MLFLOW_FILTER = f"MLflow models ({MLMODEL})"
NO_MODEL_HINT = "No model: a predictions-only or data-only audit (explanations need a model)."
GUESS_HINT = ("Assay picks {name!r} as the {role} from its name or values and [columns] cannot say \u201cnone\u201d: "
              "choose another column as the {role}, or set {name!r} to ignored.")


def _file_key(path: Path) -> tuple:
    try:
        stat = path.stat()
        return path, stat.st_mtime_ns, stat.st_size
    except OSError:
        return path, None, None


def _read_job(generation: int, to_load, frames, config) -> tuple[int, TablesRead | Exception]:
    try:
        return generation, read_and_inspect(to_load, frames, config)
    except Exception as exc:  # shown by the page; a worker must not lose it
        return generation, exc


def _row(*items) -> QHBoxLayout:
    """A horizontal layout of widgets, (widget, stretch) pairs and stretches (ints)."""
    layout = QHBoxLayout()
    for item in items:
        if isinstance(item, int):
            layout.addStretch(item)
        else:
            widget, stretch = item if isinstance(item, tuple) else (item, 0)
            layout.addWidget(widget, stretch)
    return layout


def _dropped_paths(event) -> list[Path]:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]


class FileRow(QWidget):
    """A label, a path field, Browse… (and Clear), a hint line below; files can be dropped on it."""

    path_chosen = Signal(str)  # typed, browsed or dropped; "" means cleared
    browse_clicked = Signal()
    folder_clicked = Signal()  # a data row: choose a folder of files (read in batches by the audit)

    def __init__(self, label: str, placeholder: str, accepts_models: bool, clearable: bool, label_width: int):
        super().__init__()
        self.accepts_models = accepts_models
        self._style = ""
        self.setAcceptDrops(True)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAcceptDrops(False)  # a dropped file goes to the row, not into the text
        self.edit.editingFinished.connect(self._on_edited)
        self.browse_button = QPushButton("Browse\u2026")
        self.browse_button.clicked.connect(self.browse_clicked)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)
        name = QLabel(label)
        name.setBuddy(self.edit)
        name.setMinimumWidth(label_width)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        grid.addWidget(name, 0, 0)
        grid.addWidget(self.edit, 0, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.browse_button)
        if not accepts_models:
            self.folder_button = QPushButton("Folder\u2026")
            self.folder_button.setToolTip("Choose a folder of Parquet, Feather or CSV files (hive-partitioned or "
                                          "not): the audit reads them in batches")
            self.folder_button.clicked.connect(self.folder_clicked)
            buttons.addWidget(self.folder_button)
        grid.addLayout(buttons, 0, 2)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: self.path_chosen.emit(""))
        policy = self.clear_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # keeps the path fields of all rows aligned
        self.clear_button.setSizePolicy(policy)
        self.clear_button.setVisible(clearable)
        grid.addWidget(self.clear_button, 0, 3)
        grid.addWidget(self.hint, 1, 1, 1, 3)
        grid.setColumnStretch(1, 1)

    def show_path(self, path: Path | None, hint: str = "", error: bool = False) -> None:
        self.edit.setText(str(path) if path else "")
        self.edit.setCursorPosition(len(self.edit.text()))  # long paths show their file name
        self.edit.setToolTip(str(path) if path else "")
        self.hint.setText(hint)
        self.hint.setEnabled(error)
        red = theme.severity_colour("fail").name()
        self.hint.setStyleSheet(f"color: {red};" if error else "")
        self._style = f"QLineEdit {{ border: 1px solid {red}; }}" if error else ""
        self.edit.setStyleSheet(self._style)

    def _on_edited(self) -> None:
        if self.edit.isModified():
            self.edit.setModified(False)
            self.path_chosen.emit(self.edit.text().strip())

    def _wants(self, path: Path) -> bool:
        return _is_model(path) == self.accepts_models

    def dragEnterEvent(self, event) -> None:
        paths = _dropped_paths(event)
        if len(paths) == 1 and self._wants(paths[0]):
            event.acceptProposedAction()
            self.edit.setStyleSheet("QLineEdit { border: 2px dashed palette(highlight); }")
        else:
            event.ignore()  # the page may still take it

    def dragLeaveEvent(self, event) -> None:
        self.edit.setStyleSheet(self._style)

    def dropEvent(self, event) -> None:
        self.edit.setStyleSheet(self._style)
        paths = _dropped_paths(event)
        if len(paths) == 1 and self._wants(paths[0]):
            event.acceptProposedAction()
            self.path_chosen.emit(str(paths[0]))
        else:
            event.ignore()


class SetupPage(QWidget):
    """Choose files, name the audit, set the task, check and correct every column's kind and role."""

    config_changed = Signal(object)  # AuditConfig, after every user edit
    run_requested = Signal()
    columns_updated = Signal()  # the table now shows the current files and config

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self._config = AuditConfig()
        self._generation = 0
        self._pending: dict[str, Path] = {}  # chosen files being read, not yet in the config
        self._cache: dict[str, tuple[tuple, object]] = {}  # slot -> (file key, Dataset)
        self._errors: dict[str, str] = {}  # slot -> why the config's file cannot be read
        self._reading: set[str] = set()  # slots the current read loads
        self._requested: tuple[str, ColumnRole] | None = None
        self._schema = None
        self._build()
        self._show_config()

    # -- public interface ------------------------------------------------------------------

    def config(self) -> AuditConfig:
        return self._config

    def set_config(self, config: AuditConfig) -> None:
        """Show `config`; the column table is (re)read in a worker. Emits nothing."""
        if config == self._config:
            return  # e.g. the window echoing our own config_changed: keep any file being read
        if dataclasses.replace(config, report=self._config.report) == self._config:
            self._config = config  # only [report] changed (the Report page's settings): nothing here shows it
            return
        self._config = config
        self._pending.clear()
        self._errors.clear()
        self._show_config()
        self._refresh_columns()

    def set_path(self, slot: str, path: str | Path | None) -> None:
        """Choose a file for "reference", "production" or "model" as the user would; None clears."""
        path = Path(path).expanduser() if path else None
        if slot == "model":
            self._set_model(path)
            return
        self._pending.pop(slot, None)
        if path is None:
            self._errors.pop(slot, None)
            self._commit(self._config.replace("data", **{slot: None}), reinspect=True)
        else:
            self._pending[slot] = path
            self._refresh_columns()
        self._show_files()

    def open_files(self, paths: list[Path]) -> None:
        """Route dropped files: models to the model, tables to the data slots (see module doc)."""
        tables = [p for p in paths if not _is_model(p)]
        for model in [p for p in paths if _is_model(p)][:1]:
            self.set_path("model", model)
        if len(tables) >= 2:
            self.set_path("reference", tables[0])
            self.set_path("production", tables[1])
        elif tables:
            empty = [s for s in DATA_SLOTS if not (self._pending.get(s) or getattr(self._config.data, s))]
            self.set_path(empty[0] if empty else "production", tables[0])

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        self._run = QPushButton("Run audit", objectName="run_audit")
        self._run.setDefault(True)
        self._run.setMinimumWidth(140)
        self._run.clicked.connect(self.run_requested)
        layout = QVBoxLayout(self)
        layout.addLayout(_row((self._build_files(), 3), (self._build_audit(), 2)))
        layout.addWidget(self._build_columns(), 1)
        layout.addLayout(_row(1, self._run))

    def _build_files(self) -> QGroupBox:
        width = self.fontMetrics().horizontalAdvance("Production data") + 12
        drop = " \u2014 browse or drop a file or folder here"
        self._rows = {
            "reference": FileRow("Reference data", "What the model was validated on: CSV, Parquet, Feather" + drop,
                                 False, False, width),
            "production": FileRow("Production data", "What the model sees now" + drop, False, False, width),
            "model": FileRow("Model", "Optional: .skops, .joblib or .pkl, an MLflow model folder, or models:/NAME/"
                                      "VERSION" + drop, True, True, width),
        }
        files = QGroupBox("Files")
        layout = QVBoxLayout(files)
        for slot, row in self._rows.items():
            row.setObjectName(f"file_{slot}")
            row.path_chosen.connect(lambda text, s=slot: self.set_path(s, text or None))
            row.browse_clicked.connect(lambda s=slot: self._browse(s))
            row.folder_clicked.connect(lambda s=slot: self._browse_folder(s))
            layout.addWidget(row)
        layout.addStretch(1)
        return files

    def _build_audit(self) -> QGroupBox:
        self._audit_edits = {key: QLineEdit(objectName=f"audit_{key}") for key in ("title", "auditor", "organisation")}
        self._audit_edits["auditor"].setPlaceholderText("Your name")
        self._audit_edits["organisation"].setPlaceholderText("Team or company")
        for key, edit in self._audit_edits.items():
            edit.textEdited.connect(lambda text, k=key: self._commit(self._config.replace("audit", **{k: text})))
        self._task = QComboBox(objectName="task_type")
        self._task.addItems(TASK_TYPES)
        self._task.activated.connect(lambda _i: self._commit(
            self._config.replace("task", type=self._task.currentText()), reinspect=True))
        self._detected = QLabel(objectName="task_detected")
        self._detected.setEnabled(False)
        self._positive = QComboBox(objectName="positive_label")
        self._positive.setEditable(True)
        self._positive.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self._positive.setMinimumContentsLength(12)
        self._positive.activated.connect(lambda _i: self._on_positive_edited())
        self._positive.lineEdit().editingFinished.connect(self._on_positive_edited)
        audit = QGroupBox("Audit")
        form = QFormLayout(audit)
        for key, edit in self._audit_edits.items():
            form.addRow(key.capitalize(), edit)
        form.addRow("Task", _row(self._task, (self._detected, 1)))
        form.addRow("Positive label", _row(self._positive, 1))
        return audit

    def _build_columns(self) -> QGroupBox:
        self._table = ColumnsTable(objectName="columns_table")
        self._columns = self._table.columns
        self._columns.edit_requested.connect(self._on_column_edited)
        self._filter = QLineEdit(objectName="columns_filter", placeholderText="Filter columns\u2026")
        self._filter.setClearButtonEnabled(True)
        self._filter.setMaximumWidth(260)
        self._filter.textChanged.connect(self._table.set_filter)
        self._summary = QLabel("Choose reference and production data to see their columns.")
        self._busy = QProgressBar(objectName="columns_busy", textVisible=False, maximumSize=QSize(120, 12))
        self._busy.setRange(0, 0)
        self._busy_label = QLabel()
        self._notice = QLabel(objectName="columns_notice", wordWrap=True)
        self._set_busy(None)
        columns = QGroupBox("Columns \u2014 click a kind or role to change it")
        layout = QVBoxLayout(columns)
        layout.addLayout(_row((self._summary, 1), self._busy_label, self._busy, self._filter))
        layout.addWidget(self._notice)
        layout.addWidget(self._table, 1)
        return columns

    # -- showing ---------------------------------------------------------------------------

    def _show_config(self) -> None:
        config = self._config
        for key, edit in self._audit_edits.items():
            if edit.text() != getattr(config.audit, key):
                edit.setText(getattr(config.audit, key))
        self._task.setCurrentText(config.task.type)
        label = config.columns.positive_label
        self._positive.setCurrentText("" if label is None else str(label))
        self._show_files()

    def refresh_files(self) -> None:
        """Redraw the file rows (a trust decision changed what the model row says)."""
        self._show_files()

    def _show_files(self) -> None:
        for slot in DATA_SLOTS:
            path = self._pending.get(slot) or getattr(self._config.data, slot)
            if slot in self._reading:
                hint, error = "Reading\u2026", False
            elif slot in self._errors:
                hint, error = self._errors[slot], True
            else:
                hint, error = self._describe_data(slot, path), False
            self._rows[slot].show_path(path, hint, error)
        model = self._config.model
        self._rows["model"].show_path(model.path, self._describe_model())
        self._rows["model"].clear_button.setEnabled(model.path is not None)
        ready = all(getattr(self._config.data, s) for s in DATA_SLOTS) and not self._errors and not self._pending
        self._run.setEnabled(ready)
        self._run.setToolTip("" if ready else "Choose reference and production data that Assay can read first.")

    def _describe_data(self, slot: str, path: Path | None) -> str:
        cached = self._cache.get(slot)
        if path is None or cached is None or cached[0][0] != path:
            return ""
        info = cached[1].info
        rows = f"{info.rows:,} rows"
        if cached[1].sampled:  # a large file: the page read its first rows, the audit reads it all
            rows = f"{format_bytes(cached[0][2] or 0)} \u00b7 columns from the first {info.rows:,} rows"
        return f"{rows} \u00b7 {info.columns} columns \u00b7 {info.detail or info.format}"

    def _describe_model(self) -> str:
        model = self._config.model
        if model.path is None:
            return NO_MODEL_HINT
        if is_mlflow_model(model.path):
            return _describe_mlflow(self._config)
        if model.path.suffix.lower() in SKOPS_SUFFIXES:
            extra = len(model.trusted_types)
            return f"skops file \u00b7 {extra} extra type{'s' * (extra != 1)} accepted" if extra else "skops file"
        remembered = trust.remembered_pickle(model.path)
        if remembered:
            return "pickle/joblib file \u00b7 trusted by you: it will be opened"
        if remembered is None:  # big and not hashed yet: the run checks it
            return "pickle/joblib file \u00b7 Assay checks its SHA-256 against the files you trusted before opening it"
        if model.trusted:  # an audit file cannot grant trust by itself (app/trust.py)
            return "pickle/joblib file \u00b7 the audit file says trusted, you have not: Assay asks before opening it"
        return "pickle/joblib file \u00b7 not trusted yet: Assay asks before the audit opens it"

    def _set_busy(self, text: str | None) -> None:
        self._busy.setVisible(text is not None)
        self._busy_label.setVisible(text is not None)
        self._busy_label.setText(text or "")

    # -- reading the columns ---------------------------------------------------------------

    def _refresh_columns(self) -> None:
        """Start a read of whatever is not cached yet, and a fresh inspection of the columns."""
        self._generation += 1
        for slot, path in list(self._pending.items()):
            if self._cached(slot, path) is not None:  # chosen again: nothing to read
                del self._pending[slot]
                self._commit(self._config.replace("data", **{slot: path}))
        to_load, frames = {}, {}
        for slot in DATA_SLOTS:
            committed = getattr(self._config.data, slot)
            wanted = self._pending.get(slot) or committed
            frames[slot] = self._cached(slot, committed)  # kept while a new file is read, and if it fails
            if wanted is None:
                self._cache.pop(slot, None)
            elif slot in self._pending or (frames[slot] is None and slot not in self._errors):
                to_load[slot] = wanted
        names = ", ".join(p.name for p in to_load.values())
        self._set_busy(f"Reading {names}\u2026" if names else "Updating columns\u2026")
        self._reading = set(to_load)
        if not self._columns.rows():
            self._summary.setText("")
        self._show_files()
        worker = create_worker(_read_job, self._generation, to_load, frames, self._config, _start_thread=False)
        worker.returned.connect(self._on_read)
        worker.start()

    def _cached(self, slot: str, path: Path | None):
        cached = self._cache.get(slot)
        return cached[1].frame if path is not None and cached and cached[0] == _file_key(path) else None

    def _on_read(self, outcome: tuple[int, TablesRead | Exception]) -> None:
        generation, result = outcome
        if generation != self._generation:
            return  # a newer read is under way
        self._set_busy(None)
        self._reading = set()
        if isinstance(result, Exception):
            self._pending.clear()
            self._show_files()
            dialogs.show_error(self, "Cannot read the columns", result)
            return
        config = self._config
        for slot, (path, dataset) in result.loaded.items():
            self._cache[slot] = (_file_key(path), dataset)
            self._errors.pop(slot, None)
            if self._pending.pop(slot, None) is not None:
                config = config.replace("data", **{slot: path})
        for slot, error in result.errors.items():
            if self._pending.pop(slot, None) is None:
                self._cache.pop(slot, None)
                self._errors[slot] = f"Cannot read this file: {error}"
            dialogs.show_error(self, f"Cannot read the {slot} data file", error)
        self._commit(config)
        self._apply(result)
        self.columns_updated.emit()

    def _apply(self, result: TablesRead) -> None:
        inspection = result.inspection
        self._columns.set_rows(inspection.rows)
        self._schema = inspection.schema
        self._show_files()
        counts = [f"{len(inspection.rows)} columns"] + [
            f"{slot} {'first ' * self._cache[slot][1].sampled}{self._cache[slot][1].info.rows:,} rows"
            for slot in DATA_SLOTS if slot in self._cache]
        if any(self._cache[slot][1].sampled for slot in DATA_SLOTS if slot in self._cache):
            counts.append("the audit reads every row")
        self._summary.setText(" \u00b7 ".join(counts) if inspection.rows else
                              "Choose reference and production data to see their columns.")
        notes = list(inspection.problems) + self._role_note(inspection.rows)
        self._notice.setText("\n".join(notes))
        self._notice.setStyleSheet(f"color: {theme.severity_colour('warn').name()};")
        self._notice.setVisible(bool(notes))
        self._show_task()

    def _role_note(self, rows) -> list[str]:
        requested, self._requested = self._requested, None
        row = next((r for r in rows if requested and r.name == requested[0]), None)
        if row is None or row.role == requested[1] or {row.role, requested[1]} <= {ColumnRole.ID, ColumnRole.IGNORED}:
            return []
        return [GUESS_HINT.format(name=row.name, role=row.role)]

    def _show_task(self) -> None:
        schema = self._schema
        detected = schema.task if schema else None
        text = f"detected: {detected}" if detected else "no target or prediction column found"
        if schema and schema.classes and detected != "regression":
            shown = ", ".join(map(str, schema.classes[:6])) + (", \u2026" if len(schema.classes) > 6 else "")
            text += f" \u00b7 classes {shown}"
        self._detected.setText(text if schema else "")
        current = self._positive.currentText()
        self._positive.clear()
        self._positive.addItems([str(c) for c in (schema.classes if schema else ())])
        self._positive.setCurrentText(current)
        guessed = schema.positive_label if schema and detected == "binary" else None
        self._positive.lineEdit().setPlaceholderText(f"auto ({guessed})" if guessed is not None else "auto")
        self._positive.setEnabled(detected != "regression")

    # -- edits -----------------------------------------------------------------------------

    def _commit(self, config: AuditConfig, reinspect: bool = False) -> None:
        if config == self._config:
            return
        self._config = config
        self.config_changed.emit(config)
        if reinspect:
            self._refresh_columns()

    def _on_column_edited(self, name: str, field: str, value: str) -> None:
        rows = self._columns.rows()
        if field == "role":
            self._requested = (name, ColumnRole(value))
            config = with_role(self._config, rows, name, ColumnRole(value))
        else:
            config = with_kind(self._config, rows, name, ColumnKind(value))
        self._columns.preview(name, field, value)
        self._commit(config)
        self._refresh_columns()  # even if the config is unchanged: the preview must be checked

    def _on_positive_edited(self) -> None:
        text = self._positive.currentText().strip()
        classes = self._schema.classes if self._schema else ()
        value = next((c for c in classes if same(c, text)), None)
        if value is None and text:
            parsed = parse_toml_value(text)
            value = parsed if isinstance(parsed, (str, int, float, bool)) else text
        self._commit(self._config.replace("columns", positive_label=value), reinspect=True)

    def _set_model(self, path: Path | None) -> None:
        if path is None:
            self._commit(self._config.replace("model", path=None, trusted=False, trusted_types=(), sha256=None))
        elif path != self._config.model.path:
            config = trust.choose_model(self, self._config, path)
            if config is not None:
                self._commit(config)
        self._show_files()

    def _browse(self, slot: str) -> None:
        data = self._config.data
        current = self._pending.get(slot) or (self._config.model.path if slot == "model" else getattr(data, slot))
        near = current or data.reference or data.production or self._config.source
        folder = str(near.parent) if near else str(Path.home())
        title = {"reference": "Choose the reference data", "production": "Choose the production data",
                 "model": "Choose the model"}[slot]
        wanted = f"{MODEL_FILTER};;{MLFLOW_FILTER}" if slot == "model" else TABLE_FILTER
        path, _ = QFileDialog.getOpenFileName(self, title, folder, f"{wanted};;All files (*)")
        if path and Path(path).name == MLMODEL:  # an MLflow model: its folder
            path = str(Path(path).parent)
        if path:
            self.set_path(slot, path)

    def _browse_folder(self, slot: str) -> None:
        current = self._pending.get(slot) or getattr(self._config.data, slot)
        near = current or self._config.data.reference or self._config.data.production or self._config.source
        start = str(near if near and near.is_dir() else near.parent) if near else str(Path.home())
        path = QFileDialog.getExistingDirectory(self, f"Choose a folder of {slot} data files", start)
        if path:
            self.set_path(slot, path)

    # -- drag and drop onto the page ----------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if _dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = _dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.open_files(paths)


def _is_model(path: Path) -> bool:
    """A model file by its suffix, or an MLflow model folder (one that holds an MLmodel file)."""
    return path.suffix.lower() in MODEL_SUFFIXES or (path / MLMODEL).is_file()


def _describe_mlflow(config) -> str:
    """The model row's line for an MLflow model folder (read from its MLmodel file: cheap, no code runs) or address
    (resolved when the audit runs, against [mlflow] tracking_uri)."""
    path = config.model.path
    text = str(path)
    if not Path(path).is_dir():
        store = config.mlflow.tracking_uri
        if not store:
            return ("MLflow address \u00b7 set [mlflow] tracking_uri in the audit file to the store it is registered "
                    "in (a folder or a URI such as sqlite:///mlflow.db)")
        return f"MLflow address in {store} \u00b7 resolved when the audit runs; its file is checked as any model file"
    from assay.engine.errors import AssayError
    from assay.engine.integrations.mlflow_models import read_mlmodel

    try:
        found = read_mlmodel(Path(path), source=text)
    except AssayError as exc:
        return str(exc)
    trust = "skops types checked" if found.serialization == "skops" else "Assay asks before opening it"
    return f"MLflow model folder \u00b7 {found.flavour} flavour, {found.serialization} format \u00b7 {trust}"
