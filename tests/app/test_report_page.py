"""The Report page: what the PDF will contain, its [report] settings, and Export PDF… (Ctrl+E) in a worker with
progress, Cancel, clear errors and an offer to open the file or its folder (the desktop is stubbed)."""
from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from assay.app.pages import report as report_page
from assay.app.pages.report import NO_AUDIT, ReportPage, file_name, section_rows


@pytest.fixture
def opened(monkeypatch):
    """What the page asked the desktop to open (nothing is really opened)."""
    urls: list[QUrl] = []
    monkeypatch.setattr(report_page, "open_url", lambda url: urls.append(url) or True)
    return urls


@pytest.fixture
def chosen(monkeypatch, tmp_path):
    """The save dialog answers with the path in `chosen["path"]` and records where it started."""
    answer = {"path": tmp_path / "exported" / "audit report", "starts": []}
    (tmp_path / "exported").mkdir()

    def choose(parent, start):
        answer["starts"].append(start)
        return answer["path"]

    monkeypatch.setattr(report_page, "choose_pdf_path", choose)
    return answer


def run_small_demo(qtbot, window, small_demo):
    with qtbot.waitSignal(window.session.audit_finished, timeout=120_000):
        window.open_audit(small_demo, run=True, confirm=False)
    return window.session.report


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_disabled_with_a_message_until_an_audit_has_run(qtbot, window):
    page = window.report_page
    window.go_to("report")
    assert window.current_page() == "report"
    assert not page.export_button.isEnabled() and not window.export_action.isEnabled()
    assert page.state.text() == NO_AUDIT and page.run_button.isVisible()
    assert [page.sections.item(r, 0).text() for r in range(page.sections.rowCount())] == [
        "Cover and contents", "Executive summary", "Scope and provenance", "Data quality", "Performance",
        "Estimated performance", "Drift", "Fairness", "Explanations", "Champion and challengers", "Methodology",
        "Documentation map", "Sign-off"]
    assert page.sections.item(5, 1).text() == "after the audit"
    messages = []
    page.message.connect(messages.append)
    window.export_pdf()  # Ctrl+E before any audit: says what to do, opens no dialog
    assert messages == [NO_AUDIT]
    with qtbot.waitSignal(page.run_requested):
        page.run_button.click()


def test_sections_say_what_ran_and_what_did_not(qtbot, small_demo_report):
    page = ReportPage()
    qtbot.addWidget(page)
    page.show()
    page.show_result(small_demo_report)
    states = {page.sections.item(r, 0).text(): page.sections.item(r, 1).text()
              for r in range(page.sections.rowCount())}
    assert states["Executive summary"] == f"verdict {small_demo_report.verdict.upper()}"
    assert states["Drift"].startswith("ran")
    assert states["Scope and provenance"] == f"3 inputs, {len(small_demo_report.schema.columns)} columns"
    assert page.export_button.isEnabled() and not page.run_button.isVisible()
    assert page.report_id.text().startswith("Report id ") and page.report_id.text().endswith("…")
    # an analysis that was skipped: the row says so and why
    import dataclasses

    from assay.engine.results import AnalysisStatus

    skipped = dataclasses.replace(small_demo_report, explanations=None, analyses=tuple(
        AnalysisStatus("explanations", "skipped", "explanations need a model") if a.name == "explanations" else a
        for a in small_demo_report.analyses))
    rows = {r[0]: r for r in section_rows(skipped, None, None)}
    assert rows["Explanations"][1] == "not run: explanations need a model (the section says so)"
    assert rows["Explanations"][2] == "warn"


def test_every_column_shows_at_any_width_and_a_narrow_page_stacks(qtbot, small_demo_report):
    """The long "not run: …" states once pushed "What it shows" out of sight at every width: now the state column
    takes at most its share and wraps, and a narrow page puts export, sign-off and settings under the contents."""
    from PySide6.QtWidgets import QBoxLayout

    page = ReportPage()
    qtbot.addWidget(page)
    page.show_result(small_demo_report)
    page.show()
    for width, direction in ((1200, QBoxLayout.Direction.LeftToRight), (560, QBoxLayout.Direction.TopToBottom)):
        page.resize(width, 800)
        qtbot.waitUntil(lambda d=direction: page.sections.viewport().width() > 0 and page.body.direction() == d)
        qtbot.wait(50)
        table = page.sections
        shown = table.viewport().width() - table.columnWidth(0) - table.columnWidth(1)
        assert table.columnWidth(2) >= report_page.MIN_SHOWN - 2 and shown >= report_page.MIN_SHOWN - 2, width
        assert table.columnWidth(1) < table.sizeHintForColumn(1)  # the longest state wraps rather than widening


def test_export_writes_the_pdf_in_a_worker_and_offers_to_open_it(qtbot, window, small_demo, chosen, opened,
                                                                 tmp_path):
    report = run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    assert window.export_action.isEnabled() and window.export_action.shortcut().toString() == "Ctrl+E"
    assert window.export_action in window.menuBar().actions()[0].menu().actions()  # File menu
    events = []
    page.progress.valueChanged.connect(events.append)
    with qtbot.waitSignal(page.export_finished, timeout=120_000) as finished:
        window.export_action.trigger()
        assert window.current_page() == "report"
        assert page.is_exporting and page.progress.isVisible() and page.cancel_button.isVisible()
        assert not page.export_button.isEnabled() and not window.export_action.isEnabled()
    target = tmp_path / "exported" / "audit report.pdf"  # the dialog's answer, ".pdf" added
    assert finished.args == [target]
    assert target.read_bytes().startswith(b"%PDF-") and leftovers(target.parent) == ["audit report.pdf"]
    assert events and max(events) == 1000
    assert chosen["starts"][0].name == file_name(report.title)
    assert window.settings.last_report_folder == target.parent
    assert window.export_action.isEnabled() and not page.progress.isVisible()
    assert page.exported.text() == f"Last exported: {target}"

    box = page.done_box
    assert box is not None and box.isVisible()
    assert str(target) in box.informativeText() and re.search(r"\d+ pages", box.informativeText())
    buttons = {b.text(): b for b in box.buttons()}
    buttons["Open PDF"].click()
    assert opened[-1] == QUrl.fromLocalFile(str(target))
    page.folder_button.click()
    assert opened[-1] == QUrl.fromLocalFile(str(target.parent))

    # the next export's dialog starts in the folder the last one went to
    window.export_pdf()
    qtbot.waitUntil(lambda: not page.is_exporting, timeout=120_000)
    assert chosen["starts"][1].parent == target.parent


def test_cancel_writes_nothing_and_a_second_export_works(qtbot, window, small_demo, tmp_path):
    run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    folder = tmp_path / "out"
    folder.mkdir()
    assert page.export_pdf(folder / "cancelled.pdf")
    assert page.cancel_export()
    assert not page.is_exporting and page.export_button.isEnabled()
    qtbot.waitUntil(lambda: window.report_page._worker is None, timeout=10_000)
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(60_000)  # the cancelled build has stopped
    assert leftovers(folder) == []
    with qtbot.waitSignal(page.export_finished, timeout=120_000):
        page.export_pdf(folder / "second.pdf")
    assert leftovers(folder) == ["second.pdf"]


def test_a_folder_that_does_not_exist_is_a_dialog_naming_it(qtbot, window, small_demo, tmp_path):
    run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    target = tmp_path / "gone" / "report.pdf"
    assert not page.export_pdf(target)
    assert not page.is_exporting
    box = page.last_error
    assert box is not None and box.isVisible()
    assert "Cannot write report.pdf" in box.text()
    assert str(target.parent) in box.informativeText() and "does not exist" in box.informativeText()
    box.close()


def test_a_failed_write_is_a_dialog_saying_what_to_do(qtbot, window, small_demo, tmp_path, monkeypatch):
    run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    import assay.engine.report.pdf as pdf

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pdf, "write_atomic", full_disk)
    target = tmp_path / "report.pdf"
    assert page.export_pdf(target)
    qtbot.waitUntil(lambda: page.last_error is not None, timeout=120_000)
    text = page.last_error.informativeText()
    assert str(target) in text and "No space left on device" in text and "free some space" in text
    assert "Nothing was written" in text
    assert not target.exists() and page.export_button.isEnabled()
    page.last_error.close()


def test_settings_go_to_the_audit_file_and_the_next_export(qtbot, window, small_demo, tmp_path):
    run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    page.prepared_by.setText("P. Preparer")
    page.prepared_by.editingFinished.emit()
    page.reviewed_by.setText("R. Reviewer")
    page.reviewed_by.editingFinished.emit()
    page.page_size.setCurrentIndex(page.page_size.findData("letter"))
    page.top_columns.setValue(4)
    config = window.session.config
    assert (config.report.prepared_by, config.report.reviewed_by, config.report.page_size,
            config.report.top_columns) == ("P. Preparer", "R. Reviewer", "letter", 4)
    assert window.setup_page.config().report == config.report  # what Save writes
    assert window.session.is_modified
    rows = {page.sections.item(r, 0).text(): r for r in range(page.sections.rowCount())}
    assert "prepared by P. Preparer, reviewed by R. Reviewer" in page.sections.item(rows["Sign-off"], 2).text()
    assert "charts for the 4 most drifted" in page.sections.item(rows["Drift"], 2).text()

    saved = tmp_path / "saved.toml"
    assert window.save_audit_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert 'prepared_by = "P. Preparer"' in text and 'page_size = "letter"' in text

    target = tmp_path / "letter.pdf"
    with qtbot.waitSignal(page.export_finished, timeout=120_000):
        page.export_pdf(target)
    data = target.read_bytes()
    assert b"/MediaBox [ 0 0 612 792 ]" in data  # US Letter
    assert b"P. Preparer" in data  # the author in the metadata
    page.done_box.close()


def test_opening_another_audit_clears_the_page(qtbot, window, small_demo, tiny_audit):
    run_small_demo(qtbot, window, small_demo)
    page = window.report_page
    assert page.export_button.isEnabled()
    assert window.open_audit(tiny_audit, confirm=False)
    assert page.report is None and not page.export_button.isEnabled() and not window.export_action.isEnabled()
    assert page.state.text() == NO_AUDIT


def test_file_names_from_titles():
    assert file_name("Credit approval model — Q4 audit") == "credit-approval-model-q4-audit.pdf"
    assert file_name("") == "audit-report.pdf"
    assert file_name("Crédit / scoring: 2025") == "crédit-scoring-2025.pdf"


def test_the_desktop_not_opening_the_file_is_a_dialog(qtbot, monkeypatch, tmp_path):
    page = ReportPage()
    qtbot.addWidget(page)
    monkeypatch.setattr(report_page, "open_url", lambda url: False)
    page.last_export = tmp_path / "r.pdf"
    assert not page.open_exported()
    assert isinstance(page.last_error, QMessageBox) and str(page.last_export) in page.last_error.informativeText()
    page.last_error.close()
