"""The Setup page's column table: what the data holds, and how an edit becomes [columns] keys.

`read_and_inspect` runs in a worker (no Qt); `with_role` / `with_kind` turn one edit into a new
AuditConfig; `ColumnsTable` (a view over `ColumnsModel`, sortable and filterable, with `ComboDelegate`
editors) shows the rows and lets the user change them.

How edits map to [columns] (the engine's schema inference applies them on the next read):

- Role target / prediction / timestamp sets that key to the column (one column each).
  Role probability or sensitive adds the column to that list; when the list was still guessed,
  the guessed columns are written out first, so the other guesses stay as shown.
  Role ignored adds the column to `ignore`. Role id: identifier columns are ids by default;
  any other column is added to `ignore` (ids and ignored columns are both left out of analysis).
  Role feature only removes the column from the keys above; an identifier or text column also
  gets a kind override (numerical if its values are numbers, else categorical), since the engine
  leaves those kinds out of analysis unless told otherwise.
- Kind: only numerical and categorical can be stored (`numerical` / `categorical` lists), so the
  kind editor offers the inferred kind plus those two (numerical only for numeric values).
  Choosing the inferred kind removes the override. Boolean, datetime, identifier and text are
  shown as inferred; to leave such a column out, set its role to ignored.
- Any table edit also drops names the data does not have from the keys it rewrites.

The engine guesses target, prediction, probabilities and timestamp when their keys are unset; ""
(or an empty list) says "none". Taking a single role (target, prediction, timestamp) away from the
column that has it writes "" so the engine does not guess it back.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QHeaderView, QStyle, QStyledItemDelegate,
                               QStyleOptionComboBox, QTableView)

from assay.app import theme
from assay.engine.config import AuditConfig, ColumnsConfig
from assay.engine.errors import ConfigError, InputError
from assay.engine.streaming.pipeline import sample_dataset
from assay.engine.streaming.sources import is_collection
from assay.engine.tables import Dataset, load_dataset
from assay.engine.schema import ColumnKind, ColumnRole, Schema, infer_kind, infer_schema

SAMPLE_BYTES = 16 << 20  # of a larger file, the Setup page reads the first rows only (the audit reads it all)
CHOICES_ROLE = Qt.ItemDataRole.UserRole + 1  # the values an editable cell offers
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
GUESSABLE = (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.PROBABILITY, ColumnRole.SENSITIVE,
             ColumnRole.TIMESTAMP)
ROLE_ORDER = list(ColumnRole)


@dataclass(frozen=True)
class ColumnRow:
    name: str
    kind: ColumnKind
    natural_kind: ColumnKind  # inferred from the values, before any override
    role: ColumnRole
    guessed: bool  # role guessed by the engine, not set in [columns]
    mixed_types: bool
    numeric: bool
    missing_reference: float | None  # share of missing values; None if not in that file
    missing_production: float | None


@dataclass(frozen=True)
class Inspection:
    rows: tuple[ColumnRow, ...] = ()
    schema: Schema | None = None
    problems: tuple[str, ...] = ()  # config keys the data cannot satisfy, said for a person


@dataclass(frozen=True)
class TablesRead:
    loaded: dict[str, tuple[Path, Dataset]]
    errors: dict[str, InputError]
    inspection: Inspection


def read_and_inspect(to_load: dict[str, Path], frames: dict[str, pd.DataFrame | None],
                     config: AuditConfig) -> TablesRead:
    """Load the files in `to_load` (slot -> path), then inspect them with the other frames.

    Of a file larger than SAMPLE_BYTES only the first rows are read (`Dataset.sampled`): enough to show
    the columns and guess their roles, without holding a file of several GB twice during the audit.
    """
    loaded, errors = {}, {}
    for slot, path in to_load.items():
        try:
            if is_collection(path):  # a folder or a glob of files: a seeded sample of their rows
                loaded[slot] = (path, sample_dataset(path, slot))
            else:
                loaded[slot] = (path, load_dataset(path, slot, sample_bytes=SAMPLE_BYTES))
        except InputError as exc:
            errors[slot] = exc
    current = dict(frames) | {slot: dataset.frame for slot, (_, dataset) in loaded.items()}
    return TablesRead(loaded, errors, inspect_columns(current.get("reference"), current.get("production"), config))


def inspect_columns(reference: pd.DataFrame | None, production: pd.DataFrame | None,
                    config: AuditConfig) -> Inspection:
    frames = [f for f in (reference, production) if f is not None]
    if not frames:
        return Inspection()
    present = {c for f in frames for c in f.columns}
    cols, problems = _without_absent(config.columns, present)
    try:
        schema = infer_schema(reference, production, dataclasses.replace(config, columns=cols))
    except ConfigError as exc:
        if exc.key != "columns.positive_label":
            raise
        problems.append(str(exc))
        cols = dataclasses.replace(cols, positive_label=None)
        schema = infer_schema(reference, production, dataclasses.replace(config, columns=cols))
    missing = [f.isna().mean() if f is not None else pd.Series(dtype=float) for f in (reference, production)]
    overridden = set(cols.categorical) | set(cols.numerical)
    rows = []
    for info in schema.columns:
        values = (reference if info.in_reference else production)[info.name]
        rows.append(ColumnRow(
            info.name, info.kind, infer_kind(values)[0] if info.name in overridden else info.kind, info.role,
            info.role in GUESSABLE and not _role_is_set(cols, info.name, info.role), info.mixed_types,
            pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values),
            float(missing[0][info.name]) if info.in_reference else None,
            float(missing[1][info.name]) if info.in_production else None,
        ))
    return Inspection(tuple(rows), schema, tuple(problems))


def _without_absent(cols: ColumnsConfig, present: set[str]) -> tuple[ColumnsConfig, list[str]]:
    absent = []
    changes = {}
    for key in ("target", "prediction", "timestamp"):
        name = getattr(cols, key)
        if name and name not in present:
            absent.append(f"{key} {name!r}")
            changes[key] = None
    for key in ("probabilities", "sensitive", "ignore", "categorical", "numerical"):
        names = getattr(cols, key)
        if names is not None and any(n not in present for n in names):
            absent += [f"{key} {n!r}" for n in names if n not in present]
            changes[key] = tuple(n for n in names if n in present)
    if not absent:
        return cols, []
    return dataclasses.replace(cols, **changes), [
        f"[columns] names columns the data does not have: {', '.join(absent)}. The audit stops on these; "
        f"choose the matching files, or change any role in the table to drop them."]


def _role_is_set(cols: ColumnsConfig, name: str, role: ColumnRole) -> bool:
    return {
        ColumnRole.TARGET: cols.target == name,
        ColumnRole.PREDICTION: cols.prediction == name,
        ColumnRole.TIMESTAMP: cols.timestamp == name,
        ColumnRole.PROBABILITY: name in (cols.probabilities or ()),
        ColumnRole.SENSITIVE: cols.sensitive is not None and name in cols.sensitive,
    }.get(role, True)


# -- edits -> config -------------------------------------------------------------------------


def with_role(config: AuditConfig, rows: tuple[ColumnRow, ...], name: str, role: ColumnRole) -> AuditConfig:
    """The config after the user set `name`'s role (see the module docstring)."""
    present = {r.name for r in rows}
    row = next(r for r in rows if r.name == name)
    cols = config.columns

    def kept(names):
        return [n for n in names if n in present and n != name]

    def shown(which):
        return [r.name for r in rows if r.role == which]

    changes = {}
    for key, key_role in (("target", ColumnRole.TARGET), ("prediction", ColumnRole.PREDICTION),
                          ("timestamp", ColumnRole.TIMESTAMP)):
        current = getattr(cols, key)
        if row.role == key_role and role != key_role:
            changes[key] = ""  # taken away: none, and the engine must not guess it back
        else:
            changes[key] = current if current == "" or (current in present and current != name) else None
    probabilities = cols.probabilities
    if probabilities is None and ColumnRole.PROBABILITY in (row.role, role):
        probabilities = shown(ColumnRole.PROBABILITY)
    sensitive = cols.sensitive
    if sensitive is None and ColumnRole.SENSITIVE in (row.role, role):
        sensitive = shown(ColumnRole.SENSITIVE)
    changes |= {"probabilities": kept(probabilities) if probabilities is not None else None,
                "ignore": kept(cols.ignore),
                "sensitive": kept(sensitive) if sensitive is not None else None,
                "categorical": kept(cols.categorical), "numerical": kept(cols.numerical)}
    kind = row.kind if row.kind != row.natural_kind else None
    if role in (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.TIMESTAMP):
        changes[role.value] = name
    elif role == ColumnRole.PROBABILITY:
        changes["probabilities"].append(name)
    elif role == ColumnRole.SENSITIVE:
        changes["sensitive"].append(name)
    elif role == ColumnRole.IGNORED or (role == ColumnRole.ID and row.kind != ColumnKind.IDENTIFIER):
        changes["ignore"].append(name)
    elif role == ColumnRole.FEATURE and row.kind in (ColumnKind.IDENTIFIER, ColumnKind.TEXT):
        numeric = row.numeric and row.kind == ColumnKind.IDENTIFIER
        kind = ColumnKind.NUMERICAL if numeric else ColumnKind.CATEGORICAL
    if kind is not None:
        changes["numerical" if kind == ColumnKind.NUMERICAL else "categorical"].append(name)
    return config.replace("columns", **changes)


def with_kind(config: AuditConfig, rows: tuple[ColumnRow, ...], name: str, kind: ColumnKind) -> AuditConfig:
    """The config after the user set `name`'s kind; the inferred kind removes the override."""
    row = next(r for r in rows if r.name == name)
    present = {r.name for r in rows}
    cols = config.columns
    categorical = [n for n in cols.categorical if n in present and n != name]
    numerical = [n for n in cols.numerical if n in present and n != name]
    if kind != row.natural_kind:
        (numerical if kind == ColumnKind.NUMERICAL else categorical).append(name)
    return config.replace("columns", categorical=categorical, numerical=numerical)


def kind_choices(row: ColumnRow) -> list[str]:
    choices = [row.natural_kind, ColumnKind.CATEGORICAL]
    if row.numeric:
        choices.append(ColumnKind.NUMERICAL)
    return [str(k) for k in dict.fromkeys(choices)]


# -- Qt --------------------------------------------------------------------------------------


class ColumnsModel(QAbstractTableModel):
    """One row per column. Editing Kind or Role emits `edit_requested`; the page decides."""

    edit_requested = Signal(str, str, str)  # column name, "kind" | "role", new value
    HEADERS = ("Column", "Kind", "Role", "Missing in reference", "Missing in production")
    KIND, ROLE = 1, 2

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: tuple[ColumnRow, ...] = ()

    def rows(self) -> tuple[ColumnRow, ...]:
        return self._rows

    def set_rows(self, rows: tuple[ColumnRow, ...]) -> None:
        if [r.name for r in rows] == [r.name for r in self._rows] and rows:
            self._rows = rows
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def preview(self, name: str, field: str, value: str) -> None:
        """Show an edit at once, before the columns are re-read (single roles move, not copy)."""
        single = value in (ColumnRole.TARGET, ColumnRole.PREDICTION, ColumnRole.TIMESTAMP)
        rows = []
        for row in self._rows:
            if row.name == name:
                row = dataclasses.replace(row, **{field: ColumnKind(value) if field == "kind" else ColumnRole(value)},
                                          **({"guessed": False} if field == "role" else {}))
            elif field == "role" and single and row.role == value:
                row = dataclasses.replace(row, role=ColumnRole.FEATURE, guessed=False)
            rows.append(row)
        self.set_rows(tuple(rows))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section > 2:
            return "Share of empty values in that file; \u201cnot in file\u201d if the column is missing there"
        return None

    def flags(self, index):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in (self.KIND, self.ROLE) else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, col)
        if role == Qt.ItemDataRole.EditRole:
            return str(row.kind) if col == self.KIND else str(row.role) if col == self.ROLE else _display(row, col)
        if role == CHOICES_ROLE:
            return kind_choices(row) if col == self.KIND else [str(r) for r in ColumnRole] if col == self.ROLE else None
        if role == SORT_ROLE:
            return (row.name.lower(), str(row.kind), ROLE_ORDER.index(row.role),
                    _sort_share(row.missing_reference), _sort_share(row.missing_production))[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col > 2 and _share(row, col) is None:
            return QBrush(theme.severity_colour("fail"))
        if role == Qt.ItemDataRole.ForegroundRole and col > 2 and not _share(row, col):
            return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, col)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (self.KIND, self.ROLE):
            return False
        row = self._rows[index.row()]
        field = "kind" if index.column() == self.KIND else "role"
        if str(value) == str(getattr(row, field)):
            return False
        self.edit_requested.emit(row.name, field, str(value))
        return True


def _display(row: ColumnRow, col: int) -> str:
    if col == 0:
        return row.name
    if col == 1:
        if row.kind != row.natural_kind:
            return f"{row.kind}  (inferred {row.natural_kind})"
        return f"{row.kind}  (mixed types)" if row.mixed_types else str(row.kind)
    if col == 2:
        return f"{row.role}  (guessed)" if row.guessed else str(row.role)
    share = _share(row, col)
    if share is None:
        return "not in file"
    return "none" if share == 0 else "< 0.1 %" if share < 0.001 else f"{share:.1%}".replace("%", " %")


def _share(row: ColumnRow, col: int) -> float | None:
    return row.missing_reference if col == 3 else row.missing_production


def _sort_share(share: float | None) -> float:
    return 2.0 if share is None else share


def _tooltip(row: ColumnRow, col: int) -> str | None:
    if col == 1 and row.mixed_types:
        return "Numbers mixed with text: treated as categorical."
    if col == 2 and row.guessed:
        return "Guessed from the column's name or values; choose a role to set it yourself."
    if col == 2 and row.role == ColumnRole.ID:
        return "Identifier: kept out of the analysis; used to match rows."
    return None


class ComboDelegate(QStyledItemDelegate):
    """Editable cells drawn as combo boxes; the editor opens its list at once and commits on pick."""

    def paint(self, painter, option, index) -> None:
        if not index.flags() & Qt.ItemFlag.ItemIsEditable:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        text = option.text
        option.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        combo = QStyleOptionComboBox()
        combo.rect = option.rect.adjusted(3, 2, -3, -2)
        combo.state = option.state & ~QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_Enabled
        combo.palette = option.palette
        combo.fontMetrics = option.fontMetrics
        combo.currentText = text
        combo.frame = True
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, combo, painter, option.widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, combo, painter, option.widget)

    def createEditor(self, parent, option, index):
        editor = QComboBox(parent)
        editor.addItems(index.data(CHOICES_ROLE) or [])
        editor.activated.connect(lambda _i, e=editor: self._commit(e))
        QTimer.singleShot(0, editor.showPopup)
        return editor

    def setEditorData(self, editor, index) -> None:
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index) -> None:
        editor.setGeometry(option.rect.adjusted(3, 2, -3, -2))

    def _commit(self, editor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)


class ColumnsTable(QTableView):
    """The column table: file order until a header is clicked; one click on a kind or role edits it."""

    def __init__(self, parent=None, objectName: str = "") -> None:
        super().__init__(parent, objectName=objectName)
        self.columns = ColumnsModel(self)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSourceModel(self.columns)
        self._proxy.setSortRole(SORT_ROLE)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setModel(self._proxy)
        self.setItemDelegate(ComboDelegate(self))
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        triggers = QAbstractItemView.EditTrigger
        self.setEditTriggers(triggers.EditKeyPressed | triggers.SelectedClicked)
        self.clicked.connect(lambda index: self.edit(index) if index.flags() & Qt.ItemFlag.ItemIsEditable else None)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, sample in ((1, "categorical  (inferred identifier)"), (2, "probability  (guessed)"),
                               (3, "Missing in production"), (4, "Missing in production")):
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(sample) + 48)

    def set_filter(self, text: str) -> None:
        self._proxy.setFilterFixedString(text)
