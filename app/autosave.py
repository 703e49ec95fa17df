"""Nothing lost: the session is saved automatically, and after a crash the next start offers it back.

`Autosave` watches an AuditSession and writes its state to the user's state folder
(platformdirs' user_state_dir, or $ASSAY_STATE_DIR, which tests point at a temporary folder):

    autosave/session-<id>.json         the audit configuration (column roles and kinds included), the
                                       audit file it belongs to, whether it has unsaved changes, when
    autosave/session-<id>.report.json  the last report's JSON (the same as `assay audit --json`)
    autosave/session-<id>.results      the last report itself, for the pages (app/saved_results.py)
    autosave/session-<id>.lock         a QLockFile held while this app runs

It writes one second after the last change (debounced), at once after every run, and every write is
atomic (temporary file, then rename). A clean exit (`finish`) removes all three. At the next start,
`orphaned_sessions` finds autosaves whose lock no process holds - the app crashed or was killed -
and `offer_restore` asks: Restore, Restore and run, Discard (or Escape: ask again next time).
Several Assay windows can run at once: each has its own files, and a live one's lock is respected.

Restoring brings back the configuration and the audit file, with its unsaved changes, and the last
results on every page without re-running: the report object is read back from `.results` through a
restricted unpickler that builds only Assay's result types (app/saved_results.py). The JSON alone
could not redraw the pages: it leaves out SHAP values per row, drift distributions and residuals.
When the results cannot be read back (another Assay version wrote them, or the file is damaged),
the JSON is kept in `recovered/`, the dialog says so, and "Restore and run" runs the audit again.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

STATE_DIR_ENV = "ASSAY_STATE_DIR"
FORMAT = 1
DEBOUNCE_MS = 1000
AFTER_RUN_MS = 300  # the session and the report are saved this long after a run, once the pages show it
UNREADABLE_LOCK_S = 60


def state_dir() -> Path:
    """Where Assay keeps state that is not a setting: $ASSAY_STATE_DIR, else the platform's user state folder."""
    folder = os.environ.get(STATE_DIR_ENV)
    if folder:
        return Path(folder)
    import platformdirs

    return Path(platformdirs.user_state_dir("Assay", appauthor=False))


def autosave_dir() -> Path:
    return state_dir() / "autosave"


@dataclass(frozen=True)
class SavedSession:
    """One autosave left behind by an app that did not exit cleanly."""

    slot: Path  # session-<id>.json
    saved_at: str  # ISO 8601 with offset
    audit_file: Path | None
    modified: bool
    config: dict[str, Any]
    report: Path | None = None  # the last report's JSON, if a run finished
    results: Path | None = None  # the last report itself (app/saved_results.py), if it can be shown again
    verdict: str | None = None
    findings: int | None = None
    finished_at: str | None = None

    @property
    def lock(self) -> Path:
        return self.slot.with_suffix(".lock")

    def load_config(self) -> Any:
        """The AuditConfig; raises ConfigError when the saved configuration is no longer valid."""
        from assay.engine.config import AuditConfig

        base = self.audit_file.parent if self.audit_file is not None else None
        return AuditConfig.from_dict(self.config, base_dir=base, source=self.audit_file)

    def load_results(self) -> Any:
        """The last AuditReport; raises (OSError, UnpicklingError, ...) when it cannot be read back."""
        from assay.app.saved_results import load_report

        if self.results is None:
            raise FileNotFoundError("no saved results")
        return load_report(self.results.read_bytes())

    def discard(self) -> None:
        for path in (self.slot, self.report, self.slot.with_suffix(".results"), self.lock):  # results even unusable
            if path is not None:
                Path(path).unlink(missing_ok=True)

    def keep_report(self) -> Path | None:
        """Move the last report's JSON to state_dir()/recovered/ (kept for the user); its new path."""
        if self.report is None or not self.report.is_file():
            return None
        folder = state_dir() / "recovered"
        folder.mkdir(parents=True, exist_ok=True)
        stem = self.audit_file.stem if self.audit_file is not None else "untitled"
        stamp = _parse_time(self.finished_at or self.saved_at)
        name = f"{stem}-{stamp.strftime('%Y%m%d-%H%M%S') if stamp else 'report'}.json"
        target = folder / name
        counter = 1
        while target.exists():
            counter += 1
            target = folder / f"{Path(name).stem}-{counter}.json"
        os.replace(self.report, target)
        return target


def orphaned_sessions(folder: Path | None = None) -> list[SavedSession]:
    """Autosaves whose app is gone (crashed, killed), newest first. Damaged ones are removed."""
    folder = folder or autosave_dir()
    found = []
    for slot in sorted(folder.glob("session-*.json")) if folder.is_dir() else []:
        if slot.name.endswith(".report.json"):
            continue
        if _owned_by_a_running_app(slot.with_suffix(".lock")):
            continue
        saved = _read(slot)
        if saved is None:
            for path in (slot, slot.with_name(slot.stem + ".report.json"), slot.with_suffix(".results")):
                path.unlink(missing_ok=True)
            continue
        found.append(saved)
    return sorted(found, key=lambda s: s.saved_at, reverse=True)


def _owned_by_a_running_app(path: Path) -> bool:
    """Whether a running Assay holds this lock. QLockFile knows a lock whose process is gone is stale; a lock
    file it cannot read (the app died while writing it) counts as stale once it is a minute old."""
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # stale when its process is gone, never merely because it is old
    if not lock.tryLock(0):
        readable = lock.getLockInfo()[0]
        try:
            old = time.time() - path.stat().st_mtime > UNREADABLE_LOCK_S
        except OSError:
            old = True
        if readable or not old or not lock.removeStaleLockFile() or not lock.tryLock(0):
            return True
    lock.unlock()
    return False


def _read(slot: Path) -> SavedSession | None:
    try:
        data = json.loads(slot.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("config"), dict):
            return None
        report = slot.with_name(slot.stem + ".report.json")
        results = slot.with_suffix(".results")
        same_version = data.get("assay_version") == _version()  # result types may differ between versions
        audit_file = data.get("audit_file")
        summary = data.get("report") if isinstance(data.get("report"), dict) else {}
        return SavedSession(
            slot=slot, saved_at=str(data.get("saved_at", "")),
            audit_file=Path(audit_file) if isinstance(audit_file, str) and audit_file else None,
            modified=bool(data.get("modified")), config=data["config"],
            report=report if report.is_file() else None,
            results=results if results.is_file() and same_version else None,
            verdict=summary.get("verdict"), findings=summary.get("findings"),
            finished_at=summary.get("finished_at"))
    except (OSError, ValueError):
        return None


class Autosave(QObject):
    """Keeps an autosave of one AuditSession up to date; `finish()` on a clean exit removes it."""

    saved = Signal(object)  # Path of the session file, after each write
    failed = Signal(str)  # a write failed (disk full, no permission): what happened

    def __init__(self, session: Any, folder: Path | None = None, debounce_ms: int = DEBOUNCE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent or session)
        self.session = session
        self.folder = Path(folder) if folder is not None else autosave_dir()
        name = f"session-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.slot = self.folder / f"{name}.json"
        self.report_file = self.folder / f"{name}.report.json"
        self.results_file = self.folder / f"{name}.results"
        self._lock = QLockFile(str(self.folder / f"{name}.lock"))
        self._lock.setStaleLockTime(0)
        self._report_written: Any = None
        self._writer = _ReportWriter()
        self._report_summary: dict[str, Any] | None = None
        self._finished = False
        self._failed_once = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(debounce_ms)
        self.timer.timeout.connect(self.save_now)
        session.config_changed.connect(self.schedule)
        session.file_changed.connect(self.schedule)
        session.modified_changed.connect(self.schedule)
        # a moment later, so that the window shows the report first (its responsiveness: issue #9)
        session.audit_finished.connect(lambda _report: QTimer.singleShot(AFTER_RUN_MS, self, self.save_now))

    def schedule(self, *_args: Any) -> None:
        if not self._finished:
            self.timer.start()

    def save_now(self) -> bool:
        """Write the session (and a new report) now. False when there was nothing to save or it failed."""
        self.timer.stop()
        session = self.session
        if self._finished or not (session.has_config or session.path is not None):
            return False
        try:
            from assay.engine.atomic import write_atomic

            self.folder.mkdir(parents=True, exist_ok=True)
            if not self._lock.isLocked() and not self._lock.tryLock(0):
                raise OSError(f"cannot lock {self._lock.fileName()}")
            report = session.report
            if report is not None and report is not self._report_written:
                self._report_written = report
                self._report_summary = {"verdict": report.verdict, "findings": len(report.findings),
                                        "finished_at": report.provenance.finished_at}
                self._writer.write_later(self.report_file, self.results_file, report)  # 0.1 s for the demo
            data = {
                "format": FORMAT,
                "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "pid": os.getpid(),
                "assay_version": _version(),
                "audit_file": str(session.path) if session.path is not None else None,
                "modified": session.is_modified,
                "config": session.config.to_dict(),
                "report": self._report_summary,
            }
            # in the GUI thread, so without fsync (up to 90 ms under load): atomic if the app dies, which is the point
            write_atomic(self.slot, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"), sync=False)
        except Exception as exc:  # noqa: BLE001 - autosave must never take the app down
            message = f"Autosave to {self.folder} failed: {exc}"
            if not self._failed_once:
                print(f"assay: {message}", file=sys.stderr)
                self._failed_once = True
            self.failed.emit(message)
            return False
        self.saved.emit(self.slot)
        return True

    def finish(self) -> None:
        """A clean exit: stop saving and remove this session's autosave."""
        self._finished = True
        self.timer.stop()
        self._writer.cancel()  # waits for a write in progress, drops any queued one
        for path in (self.slot, self.report_file, self.results_file):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # the folder is gone or unusable: closing must still work
                pass
        if self._lock.isLocked():
            self._lock.unlock()  # removes the lock file


class _ReportWriter:
    """Writes report JSON in the thread pool, one write at a time; a write overtaken by a newer one is skipped.
    Plain Python (no Qt object) so that nothing Qt is released in the pool thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    def write_later(self, json_path: Path, results_path: Path, report: Any) -> None:
        from PySide6.QtCore import QThreadPool

        with self._lock:
            self._generation += 1
            generation = self._generation
        QThreadPool.globalInstance().start(lambda: self._write(json_path, results_path, report, generation))

    def _write(self, json_path: Path, results_path: Path, report: Any, generation: int) -> None:
        from assay.app.saved_results import dump_report
        from assay.engine.atomic import write_atomic

        try:
            results = dump_report(report)
            data = report.to_json().encode("utf-8")
            with self._lock:
                if generation != self._generation:
                    return
                write_atomic(results_path, results)
                write_atomic(json_path, data)
        except Exception as exc:  # noqa: BLE001 - never raise in a pool thread; the session file still restores
            print(f"assay: autosave of the report to {json_path} failed: {exc}", file=sys.stderr)

    def cancel(self) -> None:
        with self._lock:
            self._generation += 1


# -- restoring ----------------------------------------------------------------------------------


def describe(saved: SavedSession) -> tuple[str, str]:
    """(text, informative text) of the restore question."""
    when = _parse_time(saved.saved_at)
    when_text = when.strftime("%Y-%m-%d at %H:%M:%S") if when else "an unknown time"
    if saved.audit_file is not None:
        what = f"the audit <b>{_escape(saved.audit_file.name)}</b>"
        where = f"Audit file: {_escape(str(saved.audit_file))}"
        if saved.modified:
            where += " (with changes that were not saved)"
        if not saved.audit_file.exists():
            where += " — the file no longer exists; it is restored as an untitled audit"
    else:
        what = "an <b>untitled audit</b>"
        where = "The audit was never saved to a file."
    text = f"Assay did not close properly last time. Restore {what} you were working on?"
    lines = [f"Saved automatically on {when_text}.", where]
    if saved.report is not None or saved.results is not None:
        verdict = (saved.verdict or "?").upper()
        count = saved.findings if isinstance(saved.findings, int) else "?"
        finished = _parse_time(saved.finished_at)
        run = f"Last results: {verdict}, {count} finding{'s' * (count != 1)}" + (
            f" (the run of {finished.strftime('%Y-%m-%d %H:%M')})" if finished else "")
        if saved.results is not None:
            lines.append(f"{run}; they are shown again, without re-running.")
        else:
            lines.append(f"{run}. They are kept as a JSON report, but this version of Assay cannot show them: "
                         f"Restore and run to see them again.")
    return text, "<br><br>".join(lines)


def ask_restore(parent: QWidget | None, saved: SavedSession) -> str:
    """"restore", "run" (restore and run), "discard" or "later" (tests replace this)."""
    text, informative = describe(saved)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Restore the last session?")
    box.setText(text)
    box.setInformativeText(informative)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    rerun = saved.report is not None and saved.results is None  # results that cannot be shown: run again
    run = box.addButton("Restore and run", QMessageBox.ButtonRole.AcceptRole) if rerun else None
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(later)
    from assay.app.dialogs import set_min_width

    set_min_width(box, 560)
    box.exec()
    clicked = box.clickedButton()
    if clicked is restore:
        return "restore"
    if run is not None and clicked is run:
        return "run"
    if clicked is discard:
        return "discard"
    return "later"


def offer_restore(window: Any, folder: Path | None = None) -> bool:
    """At start: if an autosave was left by a crash, ask and restore it into `window`. True if restored.

    Several left behind (several windows crashed): the newest is offered; the others stay for later starts.
    """
    sessions = orphaned_sessions(folder)
    if not sessions:
        return False
    saved = sessions[0]
    answer = ask_restore(window, saved)
    if answer == "later":
        return False
    if answer == "discard":
        saved.discard()
        return False
    return restore(window, saved, run=answer == "run")


def restore(window: Any, saved: SavedSession, run: bool = False) -> bool:
    """Bring the saved configuration (and audit file) back into the window; the autosave is then removed."""
    from assay.app import dialogs

    try:
        config = saved.load_config()
    except Exception as exc:  # noqa: BLE001 - a saved config from another version: say so, keep the JSON
        kept = saved.keep_report()
        saved.discard()
        dialogs.show_error(window, "Cannot restore the last session",
                           f"The saved audit configuration is no longer valid: {exc}"
                           + (f" The last report is kept at {kept}." if kept else ""))
        return False
    audit_file = saved.audit_file
    if audit_file is not None and audit_file.is_file() and window.open_audit(audit_file, confirm=False):
        if config != window.session.config:
            window.session.set_config(config)
            window.setup_page.set_config(config)
    else:
        window.session.set_config(config)
        window.setup_page.set_config(config)
        window.go_to("setup")
    shown = False
    if saved.results is not None and not run:
        try:
            report = saved.load_results()
        except Exception as exc:  # noqa: BLE001 - damaged or foreign: the configuration is restored all the same
            print(f"assay: the last results could not be restored: {exc}", file=sys.stderr)
        else:
            window.session.restore_report(report)  # every page shows it, as after a run
            shown = True
    kept = None if shown else saved.keep_report()
    saved.discard()
    if shown:
        message = "Restored the last session and its results."
    else:
        message = "Restored the last session" + (
            f"; its last results could not be shown and are kept at {kept}" if kept else "") + "."
    window.statusBar().showMessage(message, 15_000)
    if run:
        window.run_audit()
    return True


def _parse_time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.lru_cache(maxsize=1)
def _version() -> str:
    from assay.engine.version import assay_version

    return assay_version()  # reads the package metadata: milliseconds, so once
