"""Edit > Preferences (Ctrl+,): a dialog of settings pages, a list on the left and one page at a time.

Pages: "Trusted models" (the model files this app trusts, by SHA-256, with Revoke and Revoke all) and
"Appearance" (the theme). A new page is a QWidget with a `title` added in `PreferencesDialog.__init__`.
Every change takes effect and is stored at once; there is nothing to apply or cancel.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QRadioButton, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from assay.app.settings import THEMES, AppSettings, TrustedModel

TRUSTED_COLUMNS = ("File", "Trusted", "SHA-256", "Trusted on")


def confirm_revoke_all(parent: QWidget, count: int) -> bool:
    """Ask before forgetting every trust decision (tests replace this)."""
    answer = QMessageBox.question(
        parent, "Revoke all trust",
        f"Forget all {count} trusted model file{'s' * (count != 1)}? Assay will ask again before opening any of them.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def describe_trust(model: TrustedModel) -> str:
    if model.kind == "pickle":
        return "whole file (pickle/joblib)"
    count = len(model.types)
    return f"{count} skops type{'s' * (count != 1)}" if count else "skops file"


def _when(text: str) -> str:
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


class TrustedModelsPage(QWidget):
    """The trusted model files: what, which hash, since when; Revoke (Del) and Revoke all."""

    title = "Trusted models"
    revoked = Signal(tuple)  # the SHA-256s whose trust was revoked

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        intro = QLabel(
            "Model files you trusted in Assay on this computer, by SHA-256. A file with the same hash opens "
            "without asking, wherever it is and whichever audit file names it; a changed file asks again. "
            "An audit file that says <tt>trusted = true</tt> does not count until you trust the file here. "
            "Revoke a file to be asked again the next time it is opened.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, len(TRUSTED_COLUMNS))
        self.table.setHorizontalHeaderLabels(TRUSTED_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a SHA-256 is compared whole
        header.setStretchLastSection(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.empty_label = QLabel("No model files trusted yet. When you trust a pickle or joblib file, or accept a "
                                  "skops file's types, it is listed here.")
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setToolTip("Forget the selected files' trust (Del): Assay asks again before opening them")
        self.revoke_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.revoke_all_button = QPushButton("Revoke all…")
        self.revoke_all_button.clicked.connect(self.revoke_all)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        copy = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table)
        copy.activated.connect(self.copy_selected)
        self.copy_button = QPushButton("Copy SHA-256")
        self.copy_button.setToolTip("Copy the selected files' SHA-256 to the clipboard (Ctrl+C), to compare them")
        self.copy_button.clicked.connect(self.copy_selected)

        buttons = QHBoxLayout()
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.revoke_all_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        models = self.settings.trusted_models
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.table.setRowCount(len(models))
        for row, model in enumerate(models):
            detail = f"Last seen at {model.path}" if model.path else ""
            if model.types:
                detail += "\nAccepted types:\n" + "\n".join(f"  {t}" for t in model.types)
            cells = (model.name, describe_trust(model), model.sha256, _when(model.trusted_at))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, model.sha256)
                item.setToolTip(detail.strip() or text)
                if column == 2:
                    item.setFont(mono)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(models))
        self.empty_label.setVisible(not models)
        self._update_buttons()

    def selected_hashes(self) -> tuple[str, ...]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return tuple(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in rows)

    def copy_selected(self) -> str:
        """Put the selected SHA-256s on the clipboard, one a line; returns the text."""
        text = "\n".join(self.selected_hashes())
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def revoke_selected(self) -> None:
        hashes = self.selected_hashes()
        for sha in hashes:
            self.settings.revoke_trust(sha)
        self.refresh()
        if hashes:
            self.revoked.emit(hashes)

    def revoke_all(self) -> None:
        models = self.settings.trusted_models
        if not models or not confirm_revoke_all(self, len(models)):
            return
        self.settings.revoke_all_trust()
        self.refresh()
        self.revoked.emit(tuple(m.sha256 for m in models))

    def _update_buttons(self) -> None:
        self.revoke_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.copy_button.setEnabled(self.revoke_button.isEnabled())
        self.revoke_all_button.setEnabled(self.table.rowCount() > 0)


class AppearancePage(QWidget):
    """The theme: follow the desktop, light or dark (the same choice as View > Theme)."""

    title = "Appearance"
    theme_chosen = Signal(str)

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("<b>Theme</b>")
        layout.addWidget(label)
        self.buttons = QButtonGroup(self)
        texts = {"system": "Follow the desktop", "light": "Light", "dark": "Dark"}
        for name in THEMES:
            button = QRadioButton(texts.get(name, name.capitalize()))
            button.setProperty("theme", name)
            button.setChecked(name == settings.theme)
            self.buttons.addButton(button)
            layout.addWidget(button)
        self.buttons.buttonClicked.connect(lambda button: self.theme_chosen.emit(button.property("theme")))
        layout.addStretch(1)

    def select(self, name: str) -> None:
        for button in self.buttons.buttons():
            button.setChecked(button.property("theme") == name)


class PreferencesDialog(QDialog):
    theme_chosen = Signal(str)

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.trusted_page = TrustedModelsPage(settings)
        self.appearance_page = AppearancePage(settings)
        self.appearance_page.theme_chosen.connect(self.theme_chosen)
        self.pages: dict[str, QWidget] = {"trusted": self.trusted_page, "appearance": self.appearance_page}

        self.page_list = QListWidget()
        self.stack = QStackedWidget()
        for page in self.pages.values():
            item = QListWidgetItem(page.title)
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 14))  # as roomy as the main window's page list
            self.page_list.addItem(item)
            container = QWidget()
            inner = QVBoxLayout(container)
            heading = QLabel(f"<h3>{page.title}</h3>")
            inner.addWidget(heading)
            inner.addWidget(page, 1)
            self.stack.addWidget(container)
        self.page_list.setFixedWidth(self.page_list.fontMetrics().horizontalAdvance("Trusted models") + 48)
        self.page_list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.page_list.setCurrentRow(0)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(close)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        sha_width = QFontMetrics(mono).horizontalAdvance("0" * 64)
        rest = self.fontMetrics().horizontalAdvance("credit_model_v2.joblib" "whole file (pickle/joblib)"
                                                    "2026-01-01 00:00" "Trusted models")
        width = sha_width + rest + 160  # the whole SHA-256 without scrolling, where the screen allows
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(min(width, screen.width() - 40) if screen is not None else width, 480)

    def show_page(self, key: str) -> None:
        self.page_list.setCurrentRow(list(self.pages).index(key))

    def current_page(self) -> str:
        return list(self.pages)[self.page_list.currentRow()]
