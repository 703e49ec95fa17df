"""AuditSession: the current audit configuration, its file, the last report, and the one run in flight.

Starting a run while another is in flight cancels the old one. Every run gets a generation
number; signals from a run that is no longer the current one are dropped, so a replaced run can
never overwrite the results of a newer one (napari's histogram does the same).

The session knows nothing about widgets: the window listens to its signals.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal

if TYPE_CHECKING:  # the engine stays unimported until it is needed
    from assay.engine.config import AuditConfig
    from assay.engine.results import AuditReport


class AuditSession(QObject):
    config_changed = Signal(object)  # AuditConfig
    file_changed = Signal(object)  # Path | None: the audit file the config was opened from / saved to
    modified_changed = Signal(bool)  # whether the config differs from the file
    audit_started = Signal()
    audit_progressed = Signal(object)  # engine.progress.ProgressEvent
    audit_finished = Signal(object)  # AuditReport
    audit_failed = Signal(object)  # the exception the engine raised
    audit_cancelled = Signal()
    report_reviewed = Signal(object)  # AuditReport: the review file changed (a finding's status, the sign-off)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._config: AuditConfig | None = None
        self._saved_config: AuditConfig | None = None
        self._path: Path | None = None
        self._report: AuditReport | None = None
        self.restored: AuditReport | None = None  # a report restored after a crash (already in the history)
        self._worker: Any = None
        self._generation = 0

    # -- state -------------------------------------------------------------------------------

    @property
    def config(self) -> AuditConfig:
        if self._config is None:
            from assay.engine.config import AuditConfig

            self._config = self._saved_config = AuditConfig()
        return self._config

    @property
    def has_config(self) -> bool:
        """Whether a config was set or opened (reading `config` creates an empty one)."""
        return self._config is not None

    @property
    def path(self) -> Path | None:
        return self._path

    def files(self) -> list[tuple[str, Path]]:
        """(label, path) of the audit file and every input it names; reads no file, imports no engine."""
        config = self._config
        named = [("Audit", self._path)]
        if config is not None:
            named += [("Reference", config.data.reference), ("Production", config.data.production),
                      ("Model", config.model.path)]
        return [(label, Path(path)) for label, path in named if path is not None]

    @property
    def report(self) -> AuditReport | None:
        return self._report

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    @property
    def is_modified(self) -> bool:
        return self._config is not None and self._config != self._saved_config

    @property
    def generation(self) -> int:
        return self._generation

    # -- configuration and files -------------------------------------------------------------

    def set_config(self, config: AuditConfig) -> None:
        """The user edited the audit (Setup page). Does not touch the last report."""
        if config == self._config:
            return
        was_modified = self.is_modified
        self._config = config
        self.config_changed.emit(config)
        if self.is_modified != was_modified:
            self.modified_changed.emit(self.is_modified)

    def open(self, path: Path) -> AuditConfig:
        """Read an audit file. Raises ConfigError and leaves the session untouched when it is invalid."""
        from assay.engine.config import AuditConfig

        config = AuditConfig.from_toml(path)
        self.cancel()
        self._path = Path(path).resolve()
        self._config = self._saved_config = config
        self._report = None
        self.file_changed.emit(self._path)
        self.config_changed.emit(config)
        self.modified_changed.emit(False)
        return config

    def save(self, path: Path | None = None) -> Path:
        """Write the audit file (atomically). Raises ConfigError/OSError; then nothing changes."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("no file to save to; choose one with Save As")
        config = self.config
        config.to_toml(target)
        self._saved_config = config
        if self._path != target.resolve():
            self._path = target.resolve()
            self.file_changed.emit(self._path)
        self.modified_changed.emit(False)
        return self._path

    def restore_report(self, report: AuditReport) -> None:
        """Show a report saved earlier (a session restored after a crash) as if its run had just finished, with
        the review file as it is now (a waiver set after the report was saved is kept)."""
        self.cancel()
        self._report = self.restored = self._reviewed(report)
        self.audit_finished.emit(self._report)

    # -- the review file (waivers and sign-off: engine/review/) ----------------------------------

    def review_path(self) -> Path | None:
        """Where the review file of the current audit is (None: the audit has not been saved to a file yet)."""
        from assay.engine.review.apply import review_path

        config = self.config
        if config.source is None and config.review.file is None and self._path is not None:
            from assay.engine.review.file import default_review_path

            return default_review_path(self._path)
        return review_path(config)

    def set_finding_status(self, finding: str, waiver: dict | None) -> AuditReport:
        """Waive the finding with `waiver` (status, reason, approved_by, expires), or, with None, make it open
        again. Written to the review file at once, atomically; the report shown gets the new statuses and verdict.
        Raises ConfigError (an unreadable review file, no audit file yet) or OSError; then nothing changes."""
        from assay.engine.review.file import Waiver

        if waiver is None:
            return self._edit_review(lambda review: review.without_waiver(finding))
        return self._edit_review(lambda review: review.with_waiver(Waiver(finding=finding, **waiver)))

    def sign_off(self, values: dict) -> AuditReport:
        """Sign off the report in view (reviewer, role, decision, comment): dated today, naming its report id."""
        from assay.engine.report import report_id
        from assay.engine.review.signoff import sign_off

        if self._report is None:
            raise ValueError("no report to sign off; run the audit first")
        signed = sign_off(report_id=report_id(self._report), **values)
        return self._edit_review(lambda review: review.with_signoff(signed))

    def _edit_review(self, change) -> AuditReport:
        from assay.engine.errors import ConfigError
        from assay.engine.review.apply import ReviewInput, apply_review
        from assay.engine.review.file import file_sha256, load_review, write_review

        if self._report is None:
            raise ValueError("no report to review; run the audit first")
        path = self.review_path()
        if path is None:
            raise ConfigError("the audit has no file yet, so its review file has no place: save the audit first "
                              "(File > Save As); the review file is written beside it.", key="review.file")
        review = change(load_review(path))
        write_review(path, review)
        self._report = apply_review(self._report, ReviewInput(path=path, review=review, sha256=file_sha256(path)))
        self.report_reviewed.emit(self._report)
        return self._report

    def _reviewed(self, report: AuditReport) -> AuditReport:
        """`report` with the review file as it is now; as it was when the file cannot be read."""
        from assay.engine.review.apply import ReviewInput, apply_review
        from assay.engine.review.file import file_sha256, load_review

        try:
            path = self.review_path() if self._config is not None else None
            if path is None:
                return report
            return apply_review(report, ReviewInput(path=path, review=load_review(path),
                                                    sha256=file_sha256(path) if path.is_file() else None))
        except Exception:  # an unreadable review file: the report as it was saved (the next run says why)
            return report

    # -- running -----------------------------------------------------------------------------

    def run(self, config: AuditConfig | None = None) -> int:
        """Start an audit of the current config (or of `config`, which becomes current).

        Cancels a run in flight. Returns the new run's generation number.
        """
        from assay.app.workers import start_audit_worker  # superqt (and qtpy) load on the first run, not at start

        if config is not None:
            self.set_config(config)
        self.cancel()
        self._generation += 1
        generation = self._generation
        self._worker = start_audit_worker(
            self.config,
            yielded=partial(self._on_yielded, generation),
            returned=partial(self._on_returned, generation),
            errored=partial(self._on_errored, generation),
            aborted=partial(self._on_aborted, generation),
            finished=partial(self._on_finished, generation),
        )
        self.audit_started.emit()
        return generation

    def cancel(self) -> bool:
        """Ask the run in flight to stop. Its results are dropped from now on; `audit_cancelled` follows."""
        worker = self._worker
        if worker is None:
            return False
        self._worker = None
        self._generation += 1  # whatever the old run still sends is stale now
        worker.quit()
        self.audit_cancelled.emit()
        return True

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the worker threads (window closing). True when they all stopped."""
        self.cancel()
        return QThreadPool.globalInstance().waitForDone(timeout_ms)

    # -- worker callbacks (GUI thread) -------------------------------------------------------

    def _current(self, generation: int) -> bool:
        return generation == self._generation and self._worker is not None

    def _on_yielded(self, generation: int, event: Any) -> None:
        if self._current(generation):
            self.audit_progressed.emit(event)

    def _on_returned(self, generation: int, report: AuditReport) -> None:
        if self._current(generation):
            self._worker = None
            self._report = report
            self.audit_finished.emit(report)

    def _on_errored(self, generation: int, error: BaseException) -> None:
        from assay.app.workers import original_error

        if self._current(generation):
            self._worker = None
            self.audit_failed.emit(original_error(error))

    def _on_aborted(self, generation: int) -> None:
        """The worker stopped after a cancel. `cancel()` already told the listeners."""

    def _on_finished(self, generation: int) -> None:
        if self._current(generation):  # neither returned nor errored: should not happen, but never hang
            self._worker = None
            self.audit_cancelled.emit()
