"""The main window end to end: open, run, cancel, errors, findings that open their page, saving, settings."""
from __future__ import annotations

import sys
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from assay.app.main_window import MainWindow
from assay.app.settings import AppSettings
from assay.engine.config import AuditConfig


def run_and_wait(qtbot, win: MainWindow, timeout: int = 60_000):
    with qtbot.waitSignal(win.session.audit_finished, timeout=timeout):
        win.run_action.trigger()
    return win.session.report


def test_open_and_run_shows_the_verdict_and_findings(qtbot, window, small_demo):
    assert window.open_audit(small_demo)
    assert window.setup_page.config() == AuditConfig.from_toml(small_demo)
    assert "audit.toml" in window.windowTitle()
    assert "reference.parquet" in window.files_label.text() and "model.skops" in window.files_label.text()

    # the event loop keeps turning while the audit runs in its worker
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    with qtbot.waitSignals([window.session.audit_started, window.session.audit_finished], order="strict",
                           timeout=60_000):
        window.run_action.trigger()
    report = window.session.report
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 5 and max(gaps) < 1.0, f"the event loop stalled for {max(gaps):.2f} s"
    overview = window.overview_page
    assert window.current_page() == "overview"
    assert overview.verdict.text() == report.verdict.upper()
    shown = overview.visible_findings()
    assert shown == list(report.findings)  # the engine's order: most severe first
    # what the demo plants in the data
    assert {f.column for f in shown if f.analysis == "quality"} == {"income", "credit_history_years", "employment_type"}
    assert not window.progress.isVisible() and not window.cancel_action.isEnabled()

    # clicking a quality finding opens the Data quality page with its column selected
    view = overview.findings_view
    row = next(r for r, f in enumerate(shown) if f.analysis == "quality" and f.column == "employment_type")
    index = view.model().index(row, 2)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert window.current_page() == "quality"
    assert window.pages["quality"].selected_column() == "employment_type"

    # drift and fairness findings open their pages too, on the column or attribute they are about
    def click(finding):
        window.go_to("overview")
        index = view.model().index(overview.visible_findings().index(finding), 2)
        view.scrollTo(index)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())

    drift = next((f for f in shown if f.analysis == "drift" and f.column and f.id.startswith("drift.column")), None)
    if drift is not None:
        click(drift)
        assert window.current_page() == "drift" and window.pages["drift"].selected_column() == drift.column
    fairness = next((f for f in shown if f.analysis == "fairness" and f.column), None)
    if fairness is not None:
        click(fairness)
        assert window.current_page() == "fairness" and window.pages["fairness"].current_attribute() == fairness.column


def test_quality_page_table_sorts_filters_and_plots(qtbot, small_demo_report):
    from assay.app.pages.quality import QualityPage

    report = small_demo_report
    page = QualityPage()
    qtbot.addWidget(page)
    page.show()
    page.show_result(report)
    proxy, model = page.proxy, page.columns
    assert model.rowCount() == len(report.quality.columns)

    missing_prod = model.column_index("Missing\nprod")
    page.table.sortByColumn(missing_prod, Qt.SortOrder.DescendingOrder)
    worst = max(report.quality.columns, key=lambda c: c.missing_production or 0)
    assert proxy.index(0, 0).data() == worst.name
    assert proxy.index(0, missing_prod).data() == f"{worst.missing_production:.1%}"
    page.table.sortByColumn(missing_prod, Qt.SortOrder.AscendingOrder)
    assert proxy.index(0, missing_prod).data() == "0.0%"

    page.filter.setText("categorical")
    assert 0 < proxy.rowCount() < model.rowCount()
    assert all(proxy.index(r, model.column_index("Kind")).data() == "categorical" for r in range(proxy.rowCount()))
    page.filter.setText("warn")
    assert sorted(proxy.index(r, 0).data() for r in range(proxy.rowCount())) == [
        "credit_history_years", "employment_type", "income"]

    unseen = model.column_index("Unseen\ncategories")
    page.filter.clear()
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "employment_type")
    assert proxy.index(row, unseen).data() == "1"
    assert "gig_worker" in proxy.index(row, unseen).data(Qt.ItemDataRole.ToolTipRole)

    # selecting a column that the filter hides clears the filter
    page.filter.setText("income")
    assert page.select_column("age") and page.selected_column() == "age" and page.filter.text() == ""

    names, ref, prod = page.plot.bar_values()
    assert names == [worst.name, ({"income", "credit_history_years"} - {worst.name}).pop()]  # only columns
    assert prod[0] == pytest.approx(worst.missing_production * 100)                        # with missing values
    assert ref[0] == pytest.approx(worst.missing_reference * 100)
    plot_items = list(page.plot.plot.getPlotItem().items)

    # showing a result again updates the same plot items
    page.show_result(report)
    assert list(page.plot.plot.getPlotItem().items) == plot_items
    assert page.plot.bar_values()[0] == names
    assert page.subtitle.text().startswith("500 reference rows")
    assert "none of 500 rows" in page.duplicates_text.text()


def test_cancel_mid_run_leaves_the_app_usable_and_a_rerun_works(qtbot, window, small_demo):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_progressed, timeout=30_000):
        window.run_action.trigger()
    assert window.progress.isVisible() and window.cancel_button.isVisible() and window.cancel_action.isEnabled()
    assert window.stage_label.text()
    with qtbot.waitSignal(window.session.audit_cancelled, timeout=2000):
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    assert not window.progress.isVisible() and not window.session.is_running
    assert window.overview_page.report is None
    # the window still answers while the old worker winds down, and a new run completes
    window.go_to("quality")
    assert window.current_page() == "quality"
    report = run_and_wait(qtbot, window)
    assert window.overview_page.report is report and window.current_page() == "overview"


def test_escape_cancels_a_run(qtbot, window, small_demo):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_started):
        window.run_action.trigger()
    assert window.cancel_action.shortcut().toString() == "Esc"
    with qtbot.waitSignal(window.session.audit_cancelled, timeout=2000):
        window.cancel_action.trigger()
    assert not window.session.is_running


def test_a_missing_data_file_shows_a_dialog_and_keeps_the_setup(qtbot, window, small_demo, tmp_path, close_error,
                                                                 monkeypatch):
    from assay.app import dialogs

    monkeypatch.setattr(dialogs.QMessageBox, "open", lambda self: self.show())  # keep boxes inspectable
    audit = tmp_path / "audit.toml"
    ref = small_demo.parent / "reference.parquet"
    audit.write_text(f'[data]\nreference = "{ref}"\nproduction = "no_such_production.parquet"\n', encoding="utf-8")
    assert window.open_audit(audit)
    config = window.setup_page.config()
    with qtbot.waitSignal(window.session.audit_failed, timeout=30_000) as blocker:
        window.run_action.trigger()
    assert "no_such_production.parquet" in str(blocker.args[0])
    text = close_error(window)
    assert "The audit could not run" in text and "no_such_production.parquet" in text and "check the path" in text
    assert window.setup_page.config() == config == window.session.config
    assert not window.progress.isVisible()
    for box in QApplication.topLevelWidgets():  # the Setup page may also have reported the file
        if box.isVisible() and box is not window:
            box.close()


def test_a_broken_audit_file_shows_a_dialog_and_keeps_the_current_setup(qtbot, window, small_demo, tmp_path,
                                                                        close_error):
    window.open_audit(small_demo)
    before = window.setup_page.config()
    broken = tmp_path / "broken.toml"
    broken.write_text("[columns]\ntarget = [1, 2\n", encoding="utf-8")
    assert not window.open_audit(broken)
    text = close_error(window)
    assert "Cannot open broken.toml" in text and "TOML syntax error" in text
    assert window.setup_page.config() == before and window.session.path == small_demo.resolve()


def test_save_and_save_as_write_the_setup(qtbot, window, small_demo, tmp_path):
    window.open_audit(small_demo)
    edited = window.setup_page.config().replace("audit", title="Quarterly review")
    window.session.set_config(edited)
    assert window.isWindowModified()
    target = tmp_path / "saved.toml"
    assert window.save_audit_as(target)
    assert AuditConfig.from_toml(target) == window.setup_page.config()
    assert not window.isWindowModified() and "saved.toml" in window.windowTitle()
    assert window.save_action.shortcut().matches(Qt.Modifier.CTRL | Qt.Key.Key_S).name == "ExactMatch"
    assert window.settings.recent_files[0] == target.resolve()


def test_recent_files_and_geometry_are_remembered(qtbot, small_demo, monkeypatch):
    from assay.app import main_window

    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")
    first = MainWindow(AppSettings())
    qtbot.addWidget(first)
    first.show()
    first.resize(777, 555)  # inside the offscreen screen (800 x 800): restoreGeometry clamps to it
    first.open_audit(small_demo)
    first.close()

    second = MainWindow(AppSettings())
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (777, 555)
    assert second.settings.recent_files[0] == small_demo.resolve()
    second._fill_recent_menu()
    entries = [a for a in second.recent_menu.actions() if a.text().startswith("&1 ")]
    assert entries and "audit.toml" in entries[0].text() and entries[0].isEnabled()
    with qtbot.waitSignal(second.session.file_changed):
        entries[0].trigger()
    assert second.session.path == small_demo.resolve()


def test_a_model_needing_trust_asks_and_reruns_when_accepted(qtbot, window, small_demo, tmp_path, monkeypatch):
    from assay.app import trust

    config = AuditConfig.from_toml(small_demo).replace("model", trusted_types=())
    audit = tmp_path / "audit.toml"
    config.to_toml(audit)
    asked = []
    monkeypatch.setattr(trust, "ask_types_trust", lambda parent, path, types: asked.append(list(types)) or True)
    window.open_audit(audit)
    started = []
    window.session.audit_started.connect(lambda: started.append(window.session.config))
    with qtbot.waitSignal(window.session.audit_failed, timeout=60_000):  # the model is not opened ...
        window.run_action.trigger()
    qtbot.waitUntil(lambda: len(started) == 2, timeout=5000)  # ... the user is asked, and it runs again
    assert asked and any("TreePredictor" in t for t in asked[0])
    assert not started[0].model.trusted_types
    assert set(asked[0]) <= set(started[1].model.trusted_types)
    assert window.setup_page.config() == started[1] == window.session.config
    assert window.progress.isVisible()
    with qtbot.waitSignal(window.session.audit_cancelled):  # the rest of that run is not this test's business
        window.cancel_action.trigger()


def test_unexpected_exceptions_show_a_dialog_instead_of_crashing(qtbot, window, monkeypatch):
    from assay.app import dialogs, main

    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, error: shown.append((parent, title, error)))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    main.install_excepthook(window)
    try:
        raise ValueError("a bug")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert shown and shown[0][0] is window and isinstance(shown[0][2], ValueError)
    assert shown[0][2].__traceback__ is not None
