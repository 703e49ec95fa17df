"""MainWindow: composes the pages, the menus, the toolbar and the status bar around one AuditSession.

It wires signals and turns failures into dialogs; what an audit is lives in the session, how a
result looks lives in the pages.

The Setup page needs pandas and the engine (1.5 s or more to import), so the window first paints
with a placeholder in its place; after that first paint a pool thread imports the page's modules
while the window stays live, and the GUI thread then builds the page. Anything that needs the page
sooner (opening a file, running, a test) builds it on the spot through `setup_page`.
`call_when_ready` is how `main()` opens the audit file given on the command line.

The window names no analysis: its pages are Setup, Overview, one page per analysis in the registry
(engine/analyses/registry.py; `page_class` in app/pages/result_page.py finds each one's page) and Report.
"""
from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QMessageBox, QProgressBar, QPushButton, QStackedWidget, QStyle, QToolBar,
                               QVBoxLayout, QWidget)

from assay.app import theme
from assay.app.pages.overview import OverviewPage
from assay.app.pages.report import ReportPage
from assay.app.pages.result_page import ResultPage, make_page
from assay.app.session import AuditSession
from assay.app.settings import AppSettings
from assay.engine.analyses import registry

if TYPE_CHECKING:
    from assay.app.pages.setup import SetupPage
    from assay.app.preferences import PreferencesDialog
    from assay.engine.config import AuditConfig
    from assay.engine.progress import ProgressEvent
    from assay.engine.results import AuditReport, Finding

AUDIT_FILTER = "Audit files (*.toml);;All files (*)"
TITLES = {"setup": "Setup", "overview": "Overview", "report": "Report", "history": "History"}  # the pages that show no one analysis
# imported ahead (_warm_up), with the modules each analysis page's plots import (ResultPage.plot_modules)
WARM_MODULES = ("pyqtgraph", "assay.engine.report.pdf")


def ask_save_changes(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel' for an audit with unsaved changes (tests replace this)."""
    answer = QMessageBox.question(
        parent, "Unsaved changes", f"The audit {name} has changes that are not saved. Save them first?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
        answer, "cancel")


class LoadingPage(QWidget):
    """Stands in for the Setup page until it is built."""

    def __init__(self) -> None:
        super().__init__()
        label = QLabel("Loading…")
        label.setObjectName("emptyState")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(self).addWidget(label)


def _import_quietly(modules: tuple[str, ...], done: Any) -> None:
    """In a pool thread: import `modules` (the Setup page's pandas and engine; pyqtgraph, the plots and the PDF
    machinery), then emit `done`, queued to the GUI thread. Only imports, never a widget. A module that fails to
    import is imported again by the GUI thread when it needs it, and the error is reported then."""
    from importlib import import_module

    for name in modules:
        try:
            import_module(name)
        except Exception:  # noqa: BLE001, S110 - reported when the GUI thread imports it again
            pass
    try:
        done.emit()
    except RuntimeError:  # the window is gone
        pass


def _prestart_quietly(config: AuditConfig) -> None:
    """In a pool thread: start the audit's model process ahead of the run (engine.isolation.process.prestart)."""
    from assay.engine.isolation.process import prestart

    try:
        prestart(config)
    except Exception:  # noqa: BLE001  no model process now: the run starts one, and reports why it cannot
        pass


class MainWindow(QMainWindow):
    _setup_imported = Signal()  # from the pool thread that imported the Setup page's modules
    _results_imported = Signal()  # from the pool thread that imported the result pages' plotting modules

    def __init__(self, settings: AppSettings | None = None, session: AuditSession | None = None) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.session = session or AuditSession(self)
        from assay.app.autosave import Autosave

        self.autosave = Autosave(self.session)  # nothing lost: see app/autosave.py
        self.setWindowIcon(theme.app_icon())
        self.setMinimumSize(760, 520)
        self.last_error: QMessageBox | None = None  # the last error dialog shown (tests read it)
        self.review_dialog: QDialog | None = None  # the last status or sign-off dialog opened (tests read it)
        self.preferences_dialog: PreferencesDialog | None = None  # the last Preferences dialog opened (tests read it)
        from assay.app.steps import StepRunner

        self.steps = StepRunner(self)  # pages build their plots and show a report a step at a time (app/steps.py)

        self._setup_page: SetupPage | None = None  # built after the first paint (see setup_page)
        self._painted = False
        self._ready = False  # painted, and the Setup page is built
        self._warming = False  # the result pages' modules are being imported (see _warm_up)
        self._prepared = False  # ... imported, and the pages' plot building queued
        self._when_ready: list = []  # callbacks waiting for that
        self._setup_imported.connect(self._on_setup_imported)
        self._results_imported.connect(self._prepare_pages)
        # a window that is never painted (started minimised) must still get ready
        QTimer.singleShot(3000, self, self._on_first_paint)
        self.overview_page = OverviewPage()
        # analysis -> its page, in the registry's order
        self.analysis_pages: dict[str, ResultPage] = {name: make_page(name, self.settings)
                                                      for name in registry.names()}
        self.report_page = ReportPage(self.settings)
        from assay.app.pages.history import HistoryPage

        self.history_page = HistoryPage()  # every run kept (app/history.py)
        self.page_keys = ("setup", "overview", *self.analysis_pages, "report", "history")  # in order (Ctrl+1..9)
        self.pages: dict[str, QWidget] = {"setup": LoadingPage(), "overview": self.overview_page,
                                          **self.analysis_pages, "report": self.report_page,
                                          "history": self.history_page}
        self._build_pages()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self.autosave.failed.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        self._restore_window()
        self._update_title()
        self._update_files()
        self.go_to("setup")

    # -- building ----------------------------------------------------------------------------

    def _build_pages(self) -> None:
        self.page_list = QListWidget()
        self.page_list.setObjectName("pageList")
        self.page_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stack = QStackedWidget()
        for key in self.page_keys:
            item = QListWidgetItem(self.page_title(key))
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 18))
            self.page_list.addItem(item)
            self.stack.addWidget(self.pages[key])
        widest = max(self.fontMetrics().horizontalAdvance(self.page_title(key)) for key in self.page_keys)
        self.page_list.setFixedWidth(max(150, widest + 56))
        self.page_list.currentRowChanged.connect(self._on_page_chosen)
        self.page_list.viewport().installEventFilter(self)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.page_list)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None, icon=None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if isinstance(icon, str):
            action.setIcon(theme.icon(icon))
        elif icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                        sp.SP_DialogOpenButton, "Open an audit file (Ctrl+O)")
        self.save_action = self._action("&Save", self.save_audit, QKeySequence.StandardKey.Save,
                                        sp.SP_DialogSaveButton, "Save the audit file (Ctrl+S)")
        self.save_as_action = self._action("Save &As…", self.save_audit_as, QKeySequence("Ctrl+Shift+S"),
                                           tip="Save the audit under a new name")
        self.export_action = self._action("&Export PDF…", self.export_pdf, QKeySequence("Ctrl+E"), "export-pdf",
                                          "Write the PDF audit report (Ctrl+E)")
        self.export_action.setEnabled(False)
        self.quit_action = self._action("&Quit", self.close, QKeySequence("Ctrl+Q"))
        self.run_action = self._action("&Run audit", self.run_audit, QKeySequence("F5"), "run",
                                       "Run the audit (F5)")
        self.cancel_action = self._action("&Cancel run", self.cancel_audit, QKeySequence("Esc"), "cancel",
                                          "Cancel the running audit (Esc)")
        self.cancel_action.setEnabled(False)
        self.page_actions = []
        for number, key in enumerate(self.page_keys, start=1):  # Ctrl+1..9; every page by Ctrl+PgDown / PgUp
            action = self._action(self.page_title(key), lambda k=key: self.go_to(k),
                                  QKeySequence(f"Ctrl+{number}") if number <= 9 else None)
            self.page_actions.append(action)
        self.next_page_action = self._action("&Next page", lambda: self._step_page(1), QKeySequence("Ctrl+PgDown"))
        self.previous_page_action = self._action("&Previous page", lambda: self._step_page(-1),
                                                 QKeySequence("Ctrl+PgUp"))
        self.theme_actions = QActionGroup(self)
        for name in theme.THEMES:
            action = QAction(name.capitalize(), self, checkable=True)
            action.setData(name)
            action.setChecked(name == self.settings.theme)
            action.triggered.connect(lambda _checked=False, n=name: self.set_theme(n))
            self.theme_actions.addAction(action)
        self.about_action = self._action("&About Assay", self._show_about)
        self.preferences_action = self._action("&Preferences…", self.show_preferences, QKeySequence("Ctrl+,"),
                                               tip="Settings, and the model files you trusted (Ctrl+,)")
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.preferences_action)
        audit_menu = bar.addMenu("&Audit")
        audit_menu.addAction(self.run_action)
        audit_menu.addAction(self.cancel_action)
        view_menu = bar.addMenu("&View")
        for action in self.page_actions:
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.next_page_action)
        view_menu.addAction(self.previous_page_action)
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        for action in self.theme_actions.actions():
            theme_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(18, 18))
        for action in (self.open_action, self.save_action, None, self.run_action, self.cancel_action, None,
                       self.export_action):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.files_label = QLabel()
        self.files_label.setTextFormat(Qt.TextFormat.PlainText)
        status.addWidget(self.files_label, 1)
        self.stage_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Cancel the running audit (Esc)")
        self.cancel_button.clicked.connect(self.cancel_audit)
        for widget in (self.stage_label, self.progress, self.cancel_button):
            status.addPermanentWidget(widget)
        self._show_progress(False)

    @property
    def setup_page(self) -> SetupPage:
        """The Setup page, built (and put in its place) on first use."""
        if self._setup_page is None:
            from assay.app.pages.setup import SetupPage

            page = SetupPage()
            self._setup_page = page
            placeholder = self.pages["setup"]
            index = self.stack.indexOf(placeholder)
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.pages["setup"] = page
            self.stack.setCurrentIndex(current)
            page.config_changed.connect(self.session.set_config)
            page.run_requested.connect(self.run_audit)
            if self.session.has_config:
                page.set_config(self.session.config)
        return self._setup_page

    def offer_restore(self) -> bool:
        """At start: offer to restore a session a crash left behind (app/autosave.py). True if restored."""
        from assay.app.autosave import offer_restore

        return offer_restore(self)

    def call_when_ready(self, callback) -> None:
        """Run `callback` once the window has painted and the Setup page is built (soon, if it is)."""
        if self._ready:
            QTimer.singleShot(0, self, callback)
        else:
            self._when_ready.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # watches the page list, which is on screen from the start, for the window's first paint
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._on_first_paint()
        return super().eventFilter(watched, event)

    def _on_first_paint(self) -> None:
        if self._painted:
            return
        self._painted = True
        self.page_list.viewport().removeEventFilter(self)
        if self._setup_page is None:  # import its modules in the thread pool; the window stays live
            # Qt's own modules first, here: shiboken's module set-up is not safe to run in two threads at once,
            # and a result page can import pyqtgraph's lazily loaded parts while the pool thread works
            import superqt  # noqa: F401  (and with it qtpy, PySide6.QtOpenGL*)
            import superqt.utils  # noqa: F401

            QThreadPool.globalInstance().start(partial(_import_quietly, ("assay.app.pages.setup",), self._setup_imported))
        else:
            QTimer.singleShot(0, self, self._on_setup_imported)

    def _on_setup_imported(self) -> None:
        self.setup_page  # noqa: B018 (the property builds the page)
        self._ready = True
        callbacks, self._when_ready = self._when_ready, []
        for callback in callbacks:
            callback()
        self._warm_up()

    def _warm_up(self) -> None:
        """Get the result pages ready before any result: a pool thread imports pyqtgraph, the plot modules and the
        PDF machinery (half a second or more in the GUI thread), then the pages build their plots a step at a
        time while the window waits for the user or the audit."""
        if self._warming:
            return
        self._warming = True
        import PySide6.QtSvg  # noqa: F401  (what pyqtgraph loads of Qt, here: see _on_first_paint)
        import PySide6.QtTest  # noqa: F401

        modules = tuple(dict.fromkeys(module for page in self.analysis_pages.values() for module in page.plot_modules))
        QThreadPool.globalInstance().start(partial(_import_quietly, (*WARM_MODULES, *modules), self._results_imported))

    def _prepare_pages(self) -> None:
        from assay.app import garbage

        garbage.freeze()  # what start-up imported lives as long as the app: out of the GUI thread's collections
        for key, page in self.analysis_pages.items():
            self.steps.add(f"prepare:{key}", page.prepare_steps())
        self._prepared = True

    def is_warmed_up(self) -> bool:
        """Whether start-up is over: the modules imported and every page's plots built (see _warm_up)."""
        return self._prepared and not any(k.startswith("prepare:") for k in self.steps.keys())

    def _connect(self) -> None:
        s = self.session
        for page in self._result_pages():
            page.run_requested.connect(self.run_audit)
        self.overview_page.finding_activated.connect(self._on_finding_activated)
        self.overview_page.status_requested.connect(self.review_finding)
        self.report_page.signoff_requested.connect(self.sign_off)
        s.report_reviewed.connect(self._on_report_reviewed)
        s.config_changed.connect(lambda _config: self._update_files())
        s.file_changed.connect(lambda _path: (self._update_title(), self._update_files()))
        s.modified_changed.connect(self.setWindowModified)
        s.audit_started.connect(self._on_audit_started)
        s.audit_progressed.connect(self._on_audit_progressed)
        s.audit_finished.connect(self._on_audit_finished)
        s.audit_failed.connect(self._on_audit_failed)
        s.audit_cancelled.connect(self._on_audit_cancelled)
        self._connect_report_page()

    def _connect_report_page(self) -> None:
        page = self.report_page
        if self.session.has_config:  # reading session.config would create one (and load the engine) too early
            page.set_config(self.session.config)
        self.session.config_changed.connect(page.set_config)
        page.config_edited.connect(self._on_report_settings_edited)
        page.export_available_changed.connect(self.export_action.setEnabled)
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def _on_report_settings_edited(self, config: AuditConfig) -> None:
        """The Report page changed [report]: the session and the Setup page (which saves) take the new config."""
        self.session.set_config(config)
        if self._setup_page is not None:
            self._setup_page.set_config(config)

    def export_pdf(self) -> None:
        """File > Export PDF… (Ctrl+E): the Report page asks where and writes the PDF in a worker."""
        self.go_to("report")
        self.report_page.export_dialog()

    # -- navigation --------------------------------------------------------------------------

    def page_title(self, key: str) -> str:
        """The page's title in the page list and the View menu: an analysis' title is its spec's."""
        return TITLES[key] if key in TITLES else self.analysis_pages[key].spec.title

    def go_to(self, page: str) -> None:
        self.page_list.setCurrentRow(self.page_keys.index(page))

    def current_page(self) -> str:
        return self.page_keys[self.stack.currentIndex()]

    def _step_page(self, step: int) -> None:
        """The next or previous page of the list, wrapping round (pages past the ninth have no Ctrl+digit)."""
        self.go_to(self.page_keys[(self.page_keys.index(self.current_page()) + step) % len(self.page_keys)])

    def _result_pages(self) -> list[OverviewPage | ResultPage | ReportPage]:
        """The pages that show a report (show_result, clear): all but Setup."""
        return [self.overview_page, *self.analysis_pages.values(), self.report_page]

    def _on_finding_activated(self, finding: Finding) -> None:
        """Open the page of the finding's analysis on what the finding is about; a finding of no analysis page
        (the predictions, the schema) is shown in the status bar."""
        page = self.analysis_pages.get(finding.analysis)
        if page is None:
            self.statusBar().showMessage(f"{finding.title}  ({finding.detail})" if finding.detail else finding.title,
                                         10_000)
            return
        self.go_to(finding.analysis)
        page.show_finding(finding)

    # -- files -------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        if not self._confirm_discard():
            return
        folder = self.settings.last_folder or Path.home()
        path, _ = QFileDialog.getOpenFileName(self, "Open audit file", str(folder), AUDIT_FILTER)
        if path:
            self.open_audit(Path(path), confirm=False)

    def open_audit(self, path: Path, run: bool = False, confirm: bool = True) -> bool:
        """Open an audit file; on error show it and keep the current setup. Optionally run it."""
        if confirm and not self._confirm_discard():
            return False
        path = Path(path).expanduser()
        try:
            config = self.session.open(path)
        except Exception as exc:  # ConfigError for a bad file; anything else must not crash either
            self._error(f"Cannot open {path.name}", exc)
            if not path.exists():
                self.settings.remove_recent_file(path)
            return False
        self.setup_page.set_config(config)
        self._prestart_model(config)
        self._discard_shows()
        for page in self._result_pages():
            page.clear()
        self._show_history(path, config.audit.title)
        self.settings.add_recent_file(path)
        self.settings.last_folder = path.resolve().parent
        self.statusBar().showMessage(f"Opened {path}", 4000)
        self.go_to("setup")
        if run:
            self.run_audit()
        return True

    def _prestart_model(self, config: AuditConfig) -> None:
        """Start the audit's model process now (engine.isolation.process.prestart), so that its interpreter and
        imports are done when the user runs the audit. It opens no file until the run, after the trust checks.
        ASSAY_NO_PRESTART=1 turns it off (the app's tests, which open many audits they never run)."""
        if config.model.path is None or os.environ.get("ASSAY_NO_PRESTART"):
            return
        QThreadPool.globalInstance().start(partial(_prestart_quietly, config))  # spawning takes 0.1 s: not here

    def save_audit(self) -> bool:
        if self.session.path is None:
            return self.save_audit_as()
        return self._save_to(self.session.path)

    def save_audit_as(self, path: Path | None = None) -> bool:
        if path is None:
            start = self.session.path or (self.settings.last_folder or Path.home()) / "audit.toml"
            chosen, _ = QFileDialog.getSaveFileName(self, "Save audit file", str(start), AUDIT_FILTER)
            if not chosen:
                return False
            path = Path(chosen)
            if not path.suffix:
                path = path.with_suffix(".toml")
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        self.session.set_config(self.setup_page.config())
        try:
            saved = self.session.save(path)
        except Exception as exc:
            self._error(f"Cannot save {path.name}", exc)
            return False
        self.settings.add_recent_file(saved)
        self.settings.last_folder = saved.parent
        self.statusBar().showMessage(f"Saved {saved}", 4000)
        return True

    def _confirm_discard(self) -> bool:
        """True when there are no unsaved changes, or the user saved or discarded them."""
        if not self.session.is_modified:
            return True
        name = self.session.path.name if self.session.path else "(untitled)"
        answer = ask_save_changes(self, name)
        if answer == "save":
            return self.save_audit()
        return answer == "discard"

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files
        for number, path in enumerate(files, start=1):
            action = menu.addAction(f"&{number} {path.name}  —  {path.parent}")
            action.setToolTip(str(path))
            action.setEnabled(path.exists())
            action.triggered.connect(lambda _checked=False, p=path: self.open_audit(p))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear recent files")
        clear.setEnabled(bool(files))
        clear.triggered.connect(self.settings.clear_recent_files)

    # -- running -----------------------------------------------------------------------------

    def run_audit(self) -> None:
        from assay.app import trust

        config = self.setup_page.config()
        vetted = trust.vet_config(self, config, self.settings)  # an audit file's trusted = true is not enough
        if vetted is None:
            self.statusBar().showMessage("The model was not opened; the audit did not run.", 6000)
            return
        if vetted != config:
            self.setup_page.set_config(vetted)
        self.setup_page.refresh_files()  # "trusted by you" once the user trusted the model just now
        self.session.run(vetted)

    def cancel_audit(self) -> None:
        self.session.cancel()

    def _on_audit_started(self) -> None:
        self.progress.setValue(0)
        self.stage_label.setText("Starting the audit…")
        self._show_progress(True)

    def _on_audit_progressed(self, event: ProgressEvent) -> None:
        value = round(1000 * min(max(event.fraction, 0.0), 1.0))
        self.progress.setValue(max(value, self.progress.value()))  # never backwards within a run
        self.stage_label.setText(event.message or event.stage)

    def _on_audit_finished(self, report: AuditReport) -> None:
        self._show_progress(False)
        self._record_history(report)
        self.go_to("overview")
        self._show_report(report)
        self.statusBar().showMessage(
            f"Audit finished: {report.verdict.upper()} in {report.provenance.duration_s:.1f} s", 6000)
        review = getattr(report, "review", None)
        if review is not None and review.error:  # the audit ran without the review file: say why
            self._error("The review file could not be read; the audit ran without it", review.error)
        if report.model_error:  # the rest of the audit ran without the model: say so at once
            self._error("The model failed; the rest of the audit ran without it",
                        f"{report.model_error}\n\nThe pages show what could be computed without the model; the "
                        f"setup is unchanged.")

    def _show_history(self, path: Path | None, title: str) -> None:
        from assay.app.history import audit_key

        try:
            self.history_page.show_audit(audit_key(path, title))
        except Exception as exc:  # an unreadable history database: the audit itself is fine
            self.statusBar().showMessage(f"The audit history could not be read: {exc}", 10_000)

    def _record_history(self, report: AuditReport) -> None:
        """Keep the run in the history (a report restored after a crash was kept when it ran) and show its audit's
        runs on the History page. A history that cannot be written is a status-bar line, never an error."""
        from assay.app.history import audit_key

        key = audit_key(self.session.path, report.title)
        try:
            if report is not self.session.restored:
                self.history_page.history.record(report.to_dict(), self.session.path)
            self.history_page.show_audit(key)
        except Exception as exc:  # a full disk, a locked database: the audit itself is fine
            self.statusBar().showMessage(f"The audit history was not updated: {exc}", 10_000)

    # -- the review (app/review_dialogs.py; the session writes the review file) ------------------

    def review_finding(self, finding: Finding | None = None) -> QDialog | None:
        """The status dialog of `finding` (default: the one selected on the Overview); on OK the review file is
        written at once. Returns the dialog (open, window-modal; tests accept it)."""
        from assay.app.review_dialogs import WaiverDialog

        finding = finding or self.overview_page.selected_finding()
        report = self.session.report
        if finding is None or report is None:
            return None
        current = report.review.waiver_for(finding.id) if getattr(report, "review", None) is not None else None
        dialog = WaiverDialog(finding, current.waiver if current is not None else None,
                              approver=self.report_page.reviewed_by.text(), parent=self)
        dialog.accepted.connect(lambda: self._write_review(
            lambda: self.session.set_finding_status(finding.id, dialog.values())))
        dialog.open()
        self.review_dialog = dialog
        return dialog

    def sign_off(self) -> QDialog | None:
        """The sign-off dialog for the report in view; on OK the review file is written at once."""
        from assay.app.review_dialogs import SignoffDialog
        from assay.engine.report import report_id

        report = self.session.report
        if report is None:
            return None
        signed = report.review.signoff if getattr(report, "review", None) is not None else None
        dialog = SignoffDialog(report_id(report), signed.signoff if signed is not None else None,
                               reviewer=self.report_page.reviewed_by.text(), parent=self)
        dialog.accepted.connect(lambda: self._write_review(lambda: self.session.sign_off(dialog.values())))
        dialog.open()
        self.review_dialog = dialog
        return dialog

    def _write_review(self, write) -> None:
        try:
            write()
        except Exception as exc:  # an unreadable review file, no audit file yet, a full disk: nothing changed
            self._error("The review file was not written", exc)
            return
        self.statusBar().showMessage(f"Review saved to {self.session.review_path()}", 6000)

    def _on_report_reviewed(self, report: AuditReport) -> None:
        """A waiver or the sign-off changed: the Overview and the Report page show the new statuses and verdict."""
        self.overview_page.show_result(report)
        self.report_page.show_result(report)
        for key, page in self.analysis_pages.items():
            self.steps.add(key, page.show_steps(report))
        self.autosave.save_now()

    def _show_report(self, report: AuditReport) -> None:
        """The Report page (light) and the Overview's verdict and findings show the report at once; the rest a step
        at a time, a few steps per turn of the event loop (app/steps.py), each page when opened if that is sooner:
        all at once kept the window frozen for half a second to two seconds."""
        self._discard_shows()
        self.report_page.show_result(report)
        for key, page in self.analysis_pages.items():
            self.steps.add(key, page.show_steps(report))
        if self.current_page() in self.analysis_pages:  # the page in view first
            self.steps.add(self.current_page(), self.analysis_pages[self.current_page()].show_steps(report),
                           urgent=True)
        self.steps.start("overview", self.overview_page.show_steps(report))  # the verdict and findings now

    def _discard_shows(self) -> None:
        """Forget the report the pages were still to show (not the plots they are building)."""
        for key in ("overview", *self.analysis_pages):
            self.steps.discard(key)

    def result_pages_pending(self) -> bool:
        """Whether a page has still to show the last report (tests and benchmarks wait for this)."""
        return any(self.steps.pending(key) for key in ("overview", *self.analysis_pages))

    def _on_page_chosen(self, row: int) -> None:
        if 0 <= row < len(self.page_keys):
            self.steps.finish(self.page_keys[row])  # a page opened before its turn shows the report first
        self.stack.setCurrentIndex(row)

    def _on_audit_failed(self, error: BaseException) -> None:
        from assay.engine.errors import ModelTrustError, UntrustedTypesError

        self._show_progress(False)
        if isinstance(error, (ModelTrustError, UntrustedTypesError)):
            from assay.app import trust

            config = trust.resolve_trust(self, self.session.config, error, self.settings)
            if config is not None:
                self.setup_page.set_config(config)
                self.session.run(config)
            else:
                self.statusBar().showMessage("The model was not opened; the audit did not run.", 6000)
            return
        self._error("The audit could not run", error)

    def _on_audit_cancelled(self) -> None:
        self._show_progress(False)
        self.statusBar().showMessage("Audit cancelled.", 4000)

    def _show_progress(self, running: bool) -> None:
        for widget in (self.stage_label, self.progress, self.cancel_button):
            widget.setVisible(running)
        self.cancel_action.setEnabled(running)

    # -- look --------------------------------------------------------------------------------

    def set_theme(self, name: str) -> None:
        self.settings.theme = name
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)
        report = self.session.report
        if report is not None and self.overview_page.report is report:  # severity colours follow the palette
            self._show_report(report)

    def _update_title(self) -> None:
        name = self.session.path.name if self.session.path else "Untitled audit"
        self.setWindowTitle(f"{name}[*] — Assay")
        self.setWindowModified(self.session.is_modified)

    def _update_files(self) -> None:
        parts, tips = [], []
        for label, path in self.session.files():
            parts.append(f"{label}: {path.name}")
            tips.append(f"{label}: {path}")
        self.files_label.setText("   ·   ".join(parts) if parts else "No data chosen yet")
        self.files_label.setToolTip("\n".join(tips))

    def show_preferences(self, page: str | None = None) -> PreferencesDialog:
        """Edit > Preferences (Ctrl+,); returns the dialog (open, not modal-blocking; tests read it)."""
        from assay.app.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        dialog.theme_chosen.connect(self._on_theme_chosen)
        dialog.trusted_page.revoked.connect(lambda _hashes: self.setup_page.refresh_files())
        if page:
            dialog.show_page(page)
        dialog.open()
        self.preferences_dialog = dialog
        return dialog

    def _on_theme_chosen(self, name: str) -> None:
        self.set_theme(name)
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == name)

    def _show_about(self) -> None:
        from assay.engine.version import assay_version

        QMessageBox.about(self, "About Assay",
                          f"<b>Assay</b> {assay_version()}<br>Audit machine-learning models offline: performance, data "
                          "quality, drift, fairness and explanations, with a PDF report.")

    def _error(self, title: str, error: BaseException | str) -> None:
        from assay.app import dialogs

        self.last_error = dialogs.show_error(self, title, error)

    # -- window state ------------------------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry()  # first start: large, but never beyond the screen
            self.resize(min(1440, int(screen.width() * 0.92)), min(920, int(screen.height() * 0.9)))
        state = self.settings.window_state
        if state is not None:
            self.restoreState(state)

    def save_window_state(self) -> None:
        self.settings.geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_discard():
            event.ignore()
            return
        self.save_window_state()
        self.report_page.cancel_export()
        self.session.shutdown()
        self.autosave.finish()  # a clean exit: nothing to restore at the next start
        event.accept()
