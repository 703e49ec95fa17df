"""The reviewer in the app: a finding's status from the Overview (a dialog reached with the keyboard), the sign-off
from the Report page; both written to the review file at once and kept across restarts; a bad review file is a
dialog and the audit still runs."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from assay.engine.analyses import registry
from assay.engine.findings import count_findings, counts_text
from assay.engine.review.file import load_review


def run(qtbot, window, path):
    window.open_audit(path)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_audit()
    return window.session.report


def select_first_failing(window):
    view = window.overview_page.findings_view
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "FAIL")
    view.setCurrentIndex(model.index(row, 2))
    return window.overview_page.selected_finding()


@pytest.fixture
def window_factory(qtbot, monkeypatch):
    """Another main window (the app started again), as the `window` fixture makes it."""
    from assay.app import main_window
    from assay.app.settings import AppSettings

    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")

    def make():
        win = main_window.MainWindow(AppSettings())
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        return win

    return make


@pytest.fixture
def reviewed(qtbot, window, tiny_audit):
    report = run(qtbot, window, tiny_audit)
    assert report.verdict == "fail"
    return window, tiny_audit


def test_waive_a_finding_from_the_overview_with_the_keyboard(qtbot, reviewed):
    window, path = reviewed
    window.go_to("overview")
    page = window.overview_page
    finding = select_first_failing(window)
    assert page.review_shortcut.key().toString() == "Ctrl+Shift+R"  # (offscreen windows get no shortcut events)
    assert page.review_button.focusPolicy() & Qt.FocusPolicy.TabFocus  # reached with Tab from the findings
    page.review_button.setFocus()
    qtbot.keyClick(page.review_button, Qt.Key.Key_Space)
    dialog = window.review_dialog
    assert dialog is not None and dialog.isVisible() and dialog.focusWidget() is dialog.status
    dialog.status.setCurrentText("accepted risk")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()  # no reason: refused, and says why
    assert dialog.isVisible() and dialog.problem.isVisible()
    qtbot.keyClicks(dialog.reason, "Known gap in the feed; MRM-142.")
    dialog.approved_by.setText("J. Reviewer")
    dialog.grab().save("/tmp/review-waiver-dialog.png")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()

    review = load_review(path.with_name("audit.review.toml"))
    assert [(w.finding, w.status, w.approved_by) for w in review.waivers] == [
        (finding.id, "accepted risk", "J. Reviewer")]
    assert review.waivers[0].expires > date.today()
    report = window.session.report
    assert next(f for f in report.findings if f.id == finding.id).status == "waived"
    statuses = window.overview_page.findings
    assert "waived" in [statuses.index(r, 3).data() for r in range(statuses.rowCount())]
    assert "1 waived" in window.overview_page.counts.text()
    counts = count_findings(report.findings)
    assert f"{counts.failed} failed finding" in window.overview_page.counts.text()
    # the Report page's Export card and its row of the analysis count the waived finding apart, as the PDF does
    from assay.app.pages.report import section_rows

    assert f"{counts_text(counts)}." in window.report_page.state.text() and "1 waived" in counts_text(counts)
    title = next(spec.title for spec in registry.ANALYSES if spec.name == finding.analysis)
    state = next(row[1] for row in section_rows(report, None, None) if row[0] == title)
    assert "1 waived" in state
    summary = next(row[3] for row in section_rows(report, None, None) if row[0] == "Executive summary")
    assert counts_text(counts) in summary
    window.go_to("report")
    window.resize(1280, 860)
    window.grab().save("/tmp/review-report-waived.png")
    window.go_to("overview")
    window.grab().save("/tmp/review-overview.png")

    dialog = window.review_finding(finding)  # and back to open: the waiver is removed
    assert dialog.status.currentText() == "accepted risk" and "MRM-142" in dialog.reason.toPlainText()
    dialog.status.setCurrentText("open (no waiver)")
    dialog.accept()
    assert load_review(path.with_name("audit.review.toml")).waivers == ()
    assert window.session.report.verdict == "fail"


def test_sign_off_from_the_report_page_and_keep_it_across_a_restart(qtbot, reviewed, window_factory):
    from assay.engine.report import report_id

    window, path = reviewed
    window.go_to("report")
    page = window.report_page
    assert page.signoff_button.isEnabled() and page.signoff_state.text() == "Not signed off yet."
    page.signoff_button.click()
    dialog = window.review_dialog
    qtbot.keyClicks(dialog.reviewer, "J. Reviewer")
    dialog.role.setText("Model validation")
    dialog.decision.setCurrentText("approved with conditions")
    dialog.comment.setPlainText("Retrain next quarter.")
    dialog.grab().save("/tmp/review-signoff-dialog.png")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    signed = load_review(path.with_name("audit.review.toml")).signoff
    assert signed.decision == "approved with conditions" and signed.report_id == report_id(window.session.report)
    assert "Signed off on this report" in page.signoff_state.text()
    window.grab().save("/tmp/review-report-page.png")

    second = window_factory()  # a restart: the same audit run again reads the review file
    report = run(qtbot, second, path)
    assert report.review.signoff.current
    assert "Signed off on this report" in second.report_page.signoff_state.text()


def test_a_bad_review_file_is_a_dialog_and_the_audit_still_runs(qtbot, window, tiny_audit):
    tiny_audit.with_name("audit.review.toml").write_text("[[waiver]]\nfinding = 'x'\nstatus = 'fine'\n")
    report = run(qtbot, window, tiny_audit)
    assert report.findings and {f.status for f in report.findings} == {"open"}
    box = window.last_error
    assert box is not None and "waiver[1].status" in box.informativeText()
    assert "audit.review.toml" in box.informativeText()
    box.close()
    dialog = window.review_finding(report.findings[0])  # a write would lose the file's content: refused
    dialog.status.setCurrentText("false positive")
    dialog.reason.setPlainText("x")
    dialog.accept()
    assert "waiver[1].status" in window.last_error.informativeText()
    assert "status = 'fine'" in tiny_audit.with_name("audit.review.toml").read_text()
