"""The reviewer's dialogs: a finding's status and reason (from the Overview), and the sign-off (from the Report
page). Every field is reachable with Tab and has a mnemonic; Enter accepts, Escape cancels. The dialogs only
gather what the reviewer typed: the session writes the review file (app/session.py)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget)

OPEN = "open (no waiver)"
WAIVER_STATUSES = ("accepted risk", "remediation planned", "false positive")  # engine/review/file.py's
DECISIONS = ("approved", "approved with conditions", "rejected")


class WaiverDialog(QDialog):
    """A finding's status: open, or waived as accepted risk / remediation planned / false positive, with the
    reason, who approved it and until when. `values()` after exec: None for open, else the waiver's fields."""

    def __init__(self, finding, current=None, approver: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Finding status")
        self.setMinimumWidth(520)
        heading = QLabel(f"<b>{_escape(finding.title)}</b><br/><small>{_escape(finding.id)} · "
                         f"{finding.severity}</small>")
        heading.setWordWrap(True)
        self.status = QComboBox()
        self.status.addItems([OPEN, *WAIVER_STATUSES])
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("Why the risk is accepted, or where the remediation is tracked")
        self.reason.setFixedHeight(80)
        self.approved_by = QLineEdit(approver)
        self.expires_on = QCheckBox("&Expires on")
        self.expires = QDateEdit()
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.expires.setDate(QDate.currentDate().addMonths(6))
        self.problem = QLabel()
        self.problem.setObjectName("formError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form = QFormLayout()
        form.addRow(_buddy("&Status", self.status), self.status)
        form.addRow(_buddy("&Reason", self.reason), self.reason)
        form.addRow(_buddy("&Approved by", self.approved_by), self.approved_by)
        form.addRow(self.expires_on, self.expires)
        self.buttons = _lay_out(self, heading, form)
        self.status.currentTextChanged.connect(self._on_status)
        self.expires_on.toggled.connect(self.expires.setEnabled)
        if current is not None:
            self.status.setCurrentText(current.status)
            self.reason.setPlainText(current.reason)
            self.approved_by.setText(current.approved_by or approver)
            self.expires_on.setChecked(current.expires is not None)
            if current.expires is not None:
                self.expires.setDate(QDate(current.expires.year, current.expires.month, current.expires.day))
        else:
            self.expires_on.setChecked(True)
        self._on_status(self.status.currentText())
        self.status.setFocus()

    def _on_status(self, text: str) -> None:
        waiving = text != OPEN
        for widget in (self.reason, self.approved_by, self.expires_on):
            widget.setEnabled(waiving)
        self.expires.setEnabled(waiving and self.expires_on.isChecked())

    def _accept(self) -> None:
        if self.status.currentText() != OPEN and not self.reason.toPlainText().strip():
            self.problem.setText("Give the reason: a waiver without one cannot be reviewed later.")
            self.problem.show()
            self.reason.setFocus()
            return
        self.accept()

    def values(self) -> dict | None:
        if self.status.currentText() == OPEN:
            return None
        expires = self.expires.date().toPython() if self.expires_on.isChecked() else None
        return {"status": self.status.currentText(), "reason": self.reason.toPlainText().strip(),
                "approved_by": self.approved_by.text().strip(), "expires": expires}


class SignoffDialog(QDialog):
    """The reviewer's sign-off of the report in view: name, role, decision and comment; dated today."""

    def __init__(self, report_id: str, current=None, reviewer: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign off the report")
        self.setMinimumWidth(520)
        intro = QLabel(f"You sign off on report id <tt>{report_id[:16]}…</tt> as it is now, dated "
                       f"{date.today().isoformat()}. A later change to the results changes the id, and the sign-off "
                       f"then shows as given on a different report.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.reviewer = QLineEdit(current.reviewer if current is not None else reviewer)
        self.role = QLineEdit(current.role if current is not None else "")
        self.decision = QComboBox()
        self.decision.addItems(DECISIONS)
        if current is not None:
            self.decision.setCurrentText(current.decision)
        self.comment = QPlainTextEdit(current.comment if current is not None else "")
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(80)
        self.problem = QLabel()
        self.problem.setObjectName("formError")
        self.problem.hide()
        form = QFormLayout()
        form.addRow(_buddy("&Reviewer", self.reviewer), self.reviewer)
        form.addRow(_buddy("R&ole", self.role), self.role)
        form.addRow(_buddy("&Decision", self.decision), self.decision)
        form.addRow(_buddy("&Comment", self.comment), self.comment)
        self.buttons = _lay_out(self, intro, form)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign off")
        self.reviewer.setFocus()

    def _accept(self) -> None:
        if not self.reviewer.text().strip():
            self.problem.setText("Give the reviewer's name.")
            self.problem.show()
            self.reviewer.setFocus()
            return
        self.accept()

    def values(self) -> dict:
        return {"reviewer": self.reviewer.text().strip(), "role": self.role.text().strip(),
                "decision": self.decision.currentText(), "comment": self.comment.toPlainText().strip()}


def _lay_out(dialog, heading: QLabel, form: QFormLayout) -> QDialogButtonBox:
    """The heading, the form, the dialog's `problem` line and OK/Cancel (OK runs the dialog's `_accept` check)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog._accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(heading)
    layout.addLayout(form)
    layout.addWidget(dialog.problem)
    layout.addWidget(buttons)
    return buttons


def _buddy(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
