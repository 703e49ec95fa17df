"""Report: what the PDF audit report will contain, its [report] settings, and "Export PDF…" (Ctrl+E).

The page lists the report's sections with the state of each analysis (a section whose analysis did not run
is still in the report and says why), lets the user set the page size, the number of drift charts and the
sign-off names (kept in the audit file's [report] section: `config_edited` carries the new AuditConfig),
and exports the PDF of the last audit in a superqt worker (engine.report.iter_build_pdf) with progress and
Cancel. Nothing is recomputed: the PDF is built from the AuditReport the other pages show.

`choose_pdf_path` (the save dialog) and `open_url` (the desktop's PDF viewer or file manager) are
module functions so that tests can replace them.
"""
from __future__ import annotations

import dataclasses
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QBoxLayout, QComboBox, QFileDialog, QFormLayout, QFrame,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QScrollArea, QSizePolicy, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from assay.app.pages.common import Card, muted_label, title_label
from assay.app.theme import severity_colour
from assay.engine.analyses import registry
from assay.engine.findings import count_findings, counts_text

if TYPE_CHECKING:
    from assay.app.settings import AppSettings
    from assay.engine.config import AuditConfig, ReportConfig
    from assay.engine.results import AuditReport

PDF_FILTER = "PDF files (*.pdf);;All files (*)"
PAGE_SIZES = (("A4", "A4 (210 × 297 mm)"), ("letter", "US Letter (8.5 × 11 in)"))
NO_AUDIT = "Run the audit first (F5): the report is built from its results."
STATE_SHARE = 0.45  # the state column takes at most this share of the room the section names leave
MIN_SHOWN = 180  # pixels the "What it shows" column keeps at least
NARROW = 860  # pixels: a page narrower than this puts the export, sign-off and settings under the contents


def choose_pdf_path(parent: QWidget, start: Path) -> Path | None:
    """The save dialog (it asks before replacing a file). None when the user cancels."""
    chosen, _ = QFileDialog.getSaveFileName(parent, "Export PDF report", str(start), PDF_FILTER)
    return Path(chosen) if chosen else None


def open_url(url: QUrl) -> bool:
    """Open a file or folder with the desktop's own application."""
    return QDesktopServices.openUrl(url)


def file_name(title: str) -> str:
    """A file name from the audit's title: 'Credit model — Q4 audit' -> 'credit-model-q4-audit.pdf'."""
    slug = re.sub(r"[^\w]+", "-", title.lower(), flags=re.UNICODE).strip("-_")
    return f"{slug[:80] or 'audit-report'}.pdf"


class ReportPage(QWidget):
    run_requested = Signal()
    config_edited = Signal(object)  # AuditConfig with the edited [report] section
    export_available_changed = Signal(bool)  # an audit has run and no export is in flight
    export_finished = Signal(object)  # Path of the PDF written
    message = Signal(str)  # a line for the window's status bar
    signoff_requested = Signal()  # the reviewer wants to sign the report off (the window opens the dialog)

    def __init__(self, settings: AppSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings  # AppSettings: the folder the last PDF went to
        self.report: AuditReport | None = None
        self.config: AuditConfig | None = None  # the session's AuditConfig; its [report] section is what the form shows
        self.last_export: Path | None = None
        self.done_box: QMessageBox | None = None  # the "report written" box (tests read it)
        self.last_error: QMessageBox | None = None
        self._worker: Any = None
        self._target: Path | None = None
        self._generation = 0
        self._showing = False  # filling the form from a config: no edits to report
        self._identity = ""  # the report id of self.report
        self._build()
        self._show_defaults()
        self._fill_sections()
        self._show_state()

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = title_label("Report")
        self.subtitle = muted_label("The PDF audit report a reviewer can file: every section below, built from the "
                                    "last audit's results (nothing is recomputed), with its own report id.")

        contents, settings, export = self._contents_card(), self._settings_card(), self._export_card()
        side = QVBoxLayout()
        side.setSpacing(12)
        side.addWidget(export)
        side.addWidget(self._signoff_card())
        side.addWidget(settings)
        side.addStretch(1)
        side_box = QWidget()
        side_box.setLayout(side)
        side_box.setMinimumWidth(340)
        side_box.setMaximumWidth(480)
        side_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        main = QVBoxLayout()
        main.addWidget(contents)
        main.addStretch(1)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # (top to bottom when the page is narrow)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(16)
        self.body.addLayout(main, 3)
        self.body.addWidget(side_box, 2)
        inner = QWidget()
        inner.setLayout(self.body)
        self.scroll = QScrollArea()  # a short or narrow window scrolls the cards rather than squeezing them
        self.scroll.setWidget(inner)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(4)
        layout.addWidget(self.scroll, 1)

    def _signoff_card(self) -> Card:
        card = Card("Sign-off")
        self.signoff_state = muted_label()
        self.signoff_state.setWordWrap(True)
        self.signoff_button = QPushButton("&Sign off…")
        self.signoff_button.setToolTip("Record your decision on this report (approved, approved with conditions, "
                                       "rejected) in the review file")
        self.signoff_button.setEnabled(False)
        self.signoff_button.clicked.connect(self.signoff_requested)
        card.body.addWidget(self.signoff_state)
        card.body.addWidget(self.signoff_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.report = None
        self._show_signoff()
        return card

    def _show_signoff(self) -> None:
        review = getattr(self.report, "review", None) if self.report is not None else None
        self.signoff_button.setEnabled(self.report is not None)
        if self.report is None:
            self.signoff_state.setText("Run the audit, then sign it off here: your decision goes into the review "
                                       "file beside the audit file and onto the PDF's sign-off page.")
            return
        signed = review.signoff if review is not None else None
        if signed is None:
            self.signoff_state.setText("Not signed off yet.")
            return
        s = signed.signoff
        self.signoff_state.setText(f"{s.decision.capitalize()}: {s.reviewer}" + (f", {s.role}" if s.role else "")
                                   + (f", {s.date.isoformat()}" if s.date else "") + f".\n{signed.state.capitalize()}.")

    def _contents_card(self) -> Card:
        """The sections the PDF holds, a row each (filled in by _show_state)."""
        self.sections = QTableWidget(0, 3)
        self.sections.setObjectName("reportSections")
        self.sections.setHorizontalHeaderLabels(["Section", "State", "What it shows"])
        self.sections.verticalHeader().setVisible(False)
        self.sections.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sections.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.sections.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sections.setWordWrap(True)
        self.sections.setAlternatingRowColors(True)
        header = self.sections.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)  # (its width: _fit_columns)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.sections.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sections.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.sections.viewport().installEventFilter(self)  # (its width: the columns' room)
        contents = Card("What the report contains")
        contents.body.addWidget(self.sections)
        contents.body.addWidget(muted_label("A section whose analysis did not run stays in the report and says why. "
                                            "Every number comes from the same results as the JSON report."))
        return contents

    def _settings_card(self) -> Card:
        """The [report] section of the audit file: page size, drift charts, who prepared and reviewed."""
        self.page_size = QComboBox()
        for value, text in PAGE_SIZES:
            self.page_size.addItem(text, value)
        self.top_columns = QSpinBox()
        self.top_columns.setRange(1, 500)
        self.top_columns.setSuffix(" (the most drifted columns)")
        self.top_columns.setToolTip("Drift charts are drawn for this many columns; the table lists every column")
        self.prepared_by = QLineEdit()
        self.reviewed_by = QLineEdit()
        self.reviewed_by.setPlaceholderText("blank: a line to fill in by hand")
        for edit in (self.prepared_by, self.reviewed_by):
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(self._on_form_edited)
        self.page_size.currentIndexChanged.connect(lambda _i: self._on_form_edited())
        self.top_columns.valueChanged.connect(lambda _v: self._on_form_edited())
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Page size", self.page_size)
        form.addRow("Drift charts", self.top_columns)
        form.addRow("Prepared by", self.prepared_by)
        form.addRow("Reviewed by", self.reviewed_by)
        settings = Card("Settings")
        settings.body.addLayout(form)
        settings.body.addWidget(muted_label("Kept in the audit file's [report] section: save the audit (Ctrl+S) to "
                                            "keep them. They change the next export, not the results."))
        return settings

    def _export_card(self) -> Card:
        """The report id, the export button, its progress and cancel, and the exported file."""
        self.report_id = QLabel()
        self.report_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report_id.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.run_button = QPushButton("Run audit (F5)")
        self.run_button.clicked.connect(self.run_requested)
        self.export_button = QPushButton("Export PDF…")
        self.export_button.setObjectName("exportPdf")
        self.export_button.setToolTip("Write the PDF audit report (Ctrl+E)")
        self.export_button.setDefault(True)
        self.export_button.setMinimumWidth(180)
        self.export_button.clicked.connect(self.export_dialog)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.progress_text = muted_label()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export; nothing is written")
        self.cancel_button.clicked.connect(self.cancel_export)
        self.open_button = QPushButton("Open PDF")
        self.open_button.clicked.connect(lambda: self.open_exported(folder=False))
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.clicked.connect(lambda: self.open_exported(folder=True))
        self.exported = muted_label()
        self.exported.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.run_button)
        buttons.addStretch(1)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        opened = QHBoxLayout()
        opened.addWidget(self.open_button)
        opened.addWidget(self.folder_button)
        opened.addStretch(1)
        export = Card("Export")
        for item in (self.report_id, self.state, buttons, running, self.progress_text, self.exported, opened):
            export.body.addLayout(item) if isinstance(item, QHBoxLayout) else export.body.addWidget(item)
        self._running_widgets = (self.progress, self.cancel_button, self.progress_text)
        self._exported_widgets = (self.exported, self.open_button, self.folder_button)
        return export

    def _show_defaults(self) -> None:
        from assay.engine.config import ReportConfig  # light: the standard library and tomli_w

        defaults = ReportConfig()
        self._showing = True
        self.page_size.setCurrentIndex(max(self.page_size.findData(defaults.page_size), 0))
        self.top_columns.setValue(defaults.top_columns)
        self._showing = False

    # -- what the window calls -----------------------------------------------------------------

    def set_config(self, config: AuditConfig) -> None:
        """Show the [report] settings of the session's configuration (no edit is reported)."""
        self.config = config
        report = config.report
        self._showing = True
        try:
            self.page_size.setCurrentIndex(max(self.page_size.findData(report.page_size), 0))
            self.top_columns.setValue(int(report.top_columns))
            if self.prepared_by.text() != report.prepared_by:
                self.prepared_by.setText(report.prepared_by)
            if self.reviewed_by.text() != report.reviewed_by:
                self.reviewed_by.setText(report.reviewed_by)
            auditor = config.audit.auditor
            self.prepared_by.setPlaceholderText(f"blank: the auditor, {auditor}" if auditor else
                                                "blank: a line to fill in by hand")
        finally:
            self._showing = False
        self._fill_sections()

    def show_result(self, report: AuditReport) -> None:
        from assay.engine.report import report_id

        self.report = report
        self._identity = report_id(report)
        self._fill_sections()
        self._show_state()
        self._show_signoff()

    def clear(self) -> None:
        """Another audit file was opened: no results to export until it runs."""
        self.report = None
        self._fill_sections()
        self._show_state()
        self._show_signoff()

    @property
    def is_exporting(self) -> bool:
        return self._worker is not None

    @property
    def can_export(self) -> bool:
        return self.report is not None and not self.is_exporting

    # -- settings --------------------------------------------------------------------------------

    def report_settings(self) -> ReportConfig:
        """The [report] settings as the form shows them (ReportConfig)."""
        from assay.engine.config import ReportConfig

        base = self.config.report if self.config is not None else ReportConfig()
        return dataclasses.replace(base, page_size=self.page_size.currentData() or "A4",
                                   top_columns=int(self.top_columns.value()),
                                   prepared_by=self.prepared_by.text().strip(),
                                   reviewed_by=self.reviewed_by.text().strip())

    def _on_form_edited(self) -> None:
        if self._showing:
            return
        if self.config is None:  # nothing opened or edited yet: the settings start a new audit configuration
            from assay.engine.config import AuditConfig

            self.config = AuditConfig()
        settings = self.report_settings()
        if settings == self.config.report:
            return
        from assay.engine.errors import ConfigError

        try:
            config = self.config.replace("report", page_size=settings.page_size, top_columns=settings.top_columns,
                                         prepared_by=settings.prepared_by, reviewed_by=settings.reviewed_by)
        except ConfigError as exc:  # the form only offers valid values; never let a slip crash the window
            self._error("Cannot use these report settings", exc)
            return
        self.config = config
        self._fill_sections()
        self.config_edited.emit(config)

    # -- the sections ----------------------------------------------------------------------------

    def _fill_sections(self) -> None:
        rows = section_rows(self.report, self.report_settings() if self.config is not None else None,
                            self.config)
        self.sections.setRowCount(len(rows))
        for i, (title, state, severity, contents) in enumerate(rows):
            for j, text in enumerate((title, state, contents)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if j == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if j == 1 and severity:
                    item.setForeground(severity_colour(severity))
                self.sections.setItem(i, j, item)
        self._fit_columns()
        self.sections.resizeRowsToContents()
        self._fit_height()

    def _fit_columns(self) -> None:
        """The state column as wide as its longest text, up to STATE_SHARE of the table (longer states wrap), so
        that "What it shows" always has room."""
        table = self.sections
        wanted = max(table.sizeHintForColumn(1), table.horizontalHeader().sectionSizeHint(1))
        room = table.viewport().width() - table.columnWidth(0)
        width = min(wanted, int(STATE_SHARE * room), room - MIN_SHOWN)
        if width != table.columnWidth(1):
            table.horizontalHeader().resizeSection(1, max(80, width))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """The sections table refits its columns and rows whenever its viewport's width changes (the page's layout
        may change it after the page's resizeEvent; the table's own Resize event comes before its viewport's)."""
        if event.type() == QEvent.Type.Resize and watched is self.sections.viewport() and \
                event.size().width() != event.oldSize().width():
            self._fit_columns()
            self.sections.resizeRowsToContents()
            self._fit_height()
        return super().eventFilter(watched, event)

    def _fit_height(self) -> None:
        """As tall as its rows: the card holds the whole list, with no scroll bar and no empty box."""
        table = self.sections
        height = table.horizontalHeader().height() + 2 * table.frameWidth() + sum(
            table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        narrow = self.width() < NARROW
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight)
        self._fit_columns()
        self.sections.resizeRowsToContents()  # wrapped text takes more lines in a narrower column
        self._fit_height()

    def _show_state(self) -> None:
        has_report = self.report is not None
        exporting = self.is_exporting
        self.export_button.setEnabled(has_report and not exporting)
        self.run_button.setVisible(not has_report)
        for widget in self._running_widgets:
            widget.setVisible(exporting)
        for widget in self._exported_widgets:
            widget.setVisible(self.last_export is not None and not exporting)
        if self.last_export is not None:
            self.exported.setText(f"Last exported: {self.last_export}")
        if not has_report:
            self.report_id.setText("")
            self.report_id.setVisible(False)
            self.state.setText(NO_AUDIT)
        else:
            self.report_id.setVisible(True)
            identity = self._identity
            self.report_id.setText(f"Report id {identity[:16]}…")
            self.report_id.setToolTip(f"SHA-256 of the audit's JSON results (integrity.results_sha256 in the JSON "
                                      f"report; assay verify REPORT.json checks it): {identity}")
            self.state.setText(f"{self.report.title}: verdict {self.report.verdict.upper()}, "
                               f"{counts_text(count_findings(self.report.findings))}.")
        self.export_button.setToolTip("Write the PDF audit report (Ctrl+E)" if has_report else NO_AUDIT)
        self.export_available_changed.emit(self.can_export)

    # -- exporting -------------------------------------------------------------------------------

    def default_path(self) -> Path:
        """Where the save dialog starts: the last report's folder, else the audit file's, else home."""
        source = getattr(self.config, "source", None) if self.config is not None else None
        candidates = [self.settings.last_report_folder if self.settings is not None else None,
                      Path(source).parent if source is not None else None,
                      self.settings.last_folder if self.settings is not None else None]
        folder = next((Path(c) for c in candidates if c is not None and Path(c).is_dir()), Path.home())
        return Path(folder) / file_name(self.report.title if self.report is not None else "audit report")

    def export_dialog(self) -> None:
        """Ask where to write the PDF, then export it (Ctrl+E and the Export button)."""
        if self.report is None:
            self.message.emit(NO_AUDIT)
            return
        if self.is_exporting:
            self.message.emit("A PDF is being written; wait for it or cancel it first.")
            return
        path = choose_pdf_path(self, self.default_path())
        if path is None:
            return
        if not path.suffix:
            path = path.with_suffix(".pdf")
        self.export_pdf(path)

    def export_pdf(self, path: Path) -> bool:
        """Build the PDF of the last audit at `path` in a worker. False when it cannot start (a dialog says why)."""
        from assay.app.workers import start_pdf_worker
        from assay.engine.errors import AssayError
        from assay.engine.report import check_output_path

        if self.report is None or self.is_exporting:
            return False
        path = Path(path).expanduser()
        try:
            check_output_path(path)
        except AssayError as exc:
            self._error(f"Cannot write {path.name}", exc)
            return False
        if self.settings is not None:
            self.settings.last_report_folder = path.resolve().parent
        self._generation += 1
        generation = self._generation
        self._target = path
        self.progress.setValue(0)
        self.progress_text.setText(f"Writing {path.name}…")
        self._worker = start_pdf_worker(
            self.report, path, self.report_settings(),
            yielded=partial(self._on_progress, generation), returned=partial(self._on_written, generation),
            errored=partial(self._on_failed, generation), aborted=partial(self._on_aborted, generation),
            finished=partial(self._on_finished, generation))
        self._show_state()
        return True

    def cancel_export(self) -> bool:
        worker = self._worker
        if worker is None:
            return False
        self._worker = None
        self._generation += 1  # whatever the build still sends is stale now
        worker.quit()
        self._show_state()
        self.message.emit("PDF export cancelled; nothing was written.")
        return True

    def open_exported(self, folder: bool = False) -> bool:
        """Open the last PDF (or its folder) with the desktop's application; a dialog when none can."""
        if self.last_export is None:
            return False
        target = self.last_export.parent if folder else self.last_export
        if not open_url(QUrl.fromLocalFile(str(target))):
            what = "folder" if folder else "PDF"
            self._error(f"Cannot open the {what}",
                        f"No application on this computer opened {target}. The report is at {self.last_export}; "
                        "open it with a PDF viewer of your choice.")
            return False
        return True

    # -- worker callbacks (GUI thread) -----------------------------------------------------------------

    def _current(self, generation: int) -> bool:
        return generation == self._generation and self._worker is not None

    def _on_progress(self, generation: int, event: Any) -> None:
        if self._current(generation):
            self.progress.setValue(max(round(1000 * min(max(event.fraction, 0.0), 1.0)), self.progress.value()))
            self.progress_text.setText(event.message or "Writing the PDF…")

    def _on_written(self, generation: int, path: Any) -> None:
        if not self._current(generation):
            return
        self._worker = None
        self.last_export = Path(path)
        self._show_state()
        self.export_finished.emit(self.last_export)
        self.message.emit(f"PDF report written to {self.last_export}")
        self._show_done(self.last_export)

    def _on_failed(self, generation: int, error: BaseException) -> None:
        from assay.app.workers import original_error

        if not self._current(generation):
            return
        self._worker = None
        self._show_state()
        error = original_error(error)
        target = self._target or Path("report.pdf")
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            error_message = (f"{target}: {reason}. Nothing was written (any earlier file of that name is unchanged). "
                             "Choose another folder, or free some space, and export again.")
            self._error(f"Cannot write {target.name}", error_message, error)
        else:
            self._error(f"Cannot write {target.name}", error)

    def _on_aborted(self, generation: int) -> None:
        """The build stopped after a cancel; `cancel_export` already said so."""

    def _on_finished(self, generation: int) -> None:
        if self._current(generation):  # neither returned nor errored: never leave the page waiting
            self._worker = None
            self._show_state()

    # -- dialogs ---------------------------------------------------------------------------------

    def _show_done(self, path: Path) -> None:
        size = path.stat().st_size if path.exists() else 0
        pages = pdf_page_count(path)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("PDF report written")
        box.setText("<b>The PDF report is written.</b>")
        box.setInformativeText(f"{path}\n{pages} pages, {size / 1024:,.0f} KB.")
        open_pdf = box.addButton("Open PDF", QMessageBox.ButtonRole.AcceptRole)
        open_folder = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(open_pdf)
        from assay.app.dialogs import set_min_width

        set_min_width(box, 460)

        def clicked(button) -> None:
            if button is open_pdf:
                self.open_exported(folder=False)
            elif button is open_folder:
                self.open_exported(folder=True)

        box.buttonClicked.connect(clicked)
        box.open()
        self.done_box = box

    def _error(self, title: str, error: BaseException | str, details: BaseException | None = None) -> None:
        from assay.app import dialogs

        box = dialogs.show_error(self, title, error)
        if details is not None and isinstance(error, str):
            import traceback

            box.setDetailedText("".join(traceback.format_exception(details)))
        self.last_error = box


def pdf_page_count(path: Path) -> int:
    """Pages of a PDF reportlab wrote (its objects are plain text: each page is one '/Type /Page')."""
    try:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))
    except OSError:
        return 0


def section_rows(report: AuditReport | None, settings: ReportConfig | None,
                 config: AuditConfig | None) -> list[tuple[str, str, str | None, str]]:
    """(section, state, severity for the state's colour, what it shows) for every section of the PDF: one per
    analysis in the registry, what it shows from its page class (ResultPage.pdf_section)."""
    from assay.app.pages.result_page import page_class

    prepared = (settings.prepared_by if settings is not None else "") or (config.audit.auditor if config else "")
    reviewed = settings.reviewed_by if settings is not None else ""
    size = dict(PAGE_SIZES).get(settings.page_size if settings is not None else "A4", "A4")

    def analysis(name: str) -> tuple[str, str | None]:
        if report is None:
            return "after the audit", None
        status = report.status_of(name)
        if status is None or status.status != "ran":
            reason = status.reason if status is not None and status.reason else "no result"
            return f"not run: {reason} (the section says so)", "warn"
        found = count_findings(report.findings_for(name))
        parts = [f"{found.failed} failed"] if found.failed else []
        parts += [f"{found.warnings} warning{'s' if found.warnings != 1 else ''}"] if found.warnings else []
        parts += [f"{found.waived} waived"] if found.waived else []
        return "ran" + (f" · {', '.join(parts)}" if parts else " · no finding"), (
            "fail" if found.failed else "warn" if found.warnings else "pass")

    rows: list[tuple[str, str, str | None, str]] = []
    if report is not None:
        verdict = report.verdict
        summary_state = f"verdict {verdict.upper()}"
        summary_detail = (f"the verdict and all {len(report.findings)} findings "
                          f"({counts_text(count_findings(report.findings))}), one line each, linked to their sections")
        inputs = len(report.provenance.inputs)
        columns = len(report.schema.columns)
        scope_state = f"{inputs} input{'s' if inputs != 1 else ''}, {columns} columns"
    else:
        verdict, summary_state, scope_state = None, "after the audit", "after the audit"
        summary_detail = "the verdict and every finding, one line each, linked to its section"
    rows.append(("Cover and contents", size, None,
                 "title, model, audit date, auditor and organisation, the verdict; the table of contents with page "
                 "numbers; bookmarks for every section"))
    rows.append(("Executive summary", summary_state, verdict, summary_detail))
    rows.append(("Scope and provenance", scope_state, None,
                 "every input's path, SHA-256, rows, columns and time range; the model and its parameters; software "
                 "versions; the full audit configuration; the seed and the report id"))
    for spec in registry.ANALYSES:
        rows.append((spec.title, *analysis(spec.name), page_class(spec.name).pdf_section(report, settings)))
    rows.append(("Methodology", "", None,
                 "every test and threshold used, the automatic choices and why, sample sizes, known limitations"))
    rows.append(("Documentation map", "", None,
                 "each section and the model-risk topics it is filed under (SR 11-7, EU AI Act Annex IV)"))
    signed = getattr(report, "review", None) and report.review.signoff
    rows.append(("Sign-off", signed.signoff.decision if signed else "", None,
                 f"prepared by {prepared or '(blank line)'}, reviewed by {reviewed or '(blank line)'}; dates and "
                 "signature lines" + (f"; the reviewer's decision ({signed.state})" if signed else "")))
    return rows
