"""AuditSession: one run in flight, cancel, stale results dropped, errors reported, files opened and saved."""
from __future__ import annotations

import threading
import time

import pytest

from assay.app.session import AuditSession
from assay.engine.config import AuditConfig
from assay.engine.errors import ConfigError, InputError
from assay.engine.progress import ProgressEvent


class SlowAudit:
    """A stand-in for engine.pipeline.iter_audit: many small steps, and it notes when it is closed."""

    def __init__(self, steps: int = 200, pause: float = 0.02, fail: BaseException | None = None) -> None:
        self.steps, self.pause, self.fail = steps, pause, fail
        self.closed = threading.Event()
        self.closed_in: str | None = None
        self.started = 0

    def __call__(self, config):
        self.started += 1
        try:
            for i in range(self.steps):
                time.sleep(self.pause)
                yield ProgressEvent("fake", i / self.steps, f"step {i}")
                if self.fail is not None:
                    raise self.fail
            return f"report of {config.audit.title}"
        finally:
            self.closed_in = threading.current_thread().name
            self.closed.set()


@pytest.fixture
def session(qtbot):
    s = AuditSession()
    yield s
    s.shutdown()


def test_a_real_audit_reports_progress_then_finishes(qtbot, session, tiny_audit):
    config = AuditConfig.from_toml(tiny_audit)
    events = []
    session.audit_progressed.connect(events.append)
    with qtbot.waitSignals([session.audit_started, session.audit_finished], order="strict", timeout=60_000):
        session.run(config)
    report = session.report
    assert report.verdict in ("pass", "warn", "fail")
    assert report.quality is not None and report.quality.rows_production == 8
    assert report.status_of("predictions").status == "skipped"  # no model, no prediction column
    assert events and events[0].stage == "load" and all(0.0 <= e.fraction <= 1.0 for e in events)
    assert not session.is_running


def test_cancel_stops_the_run_and_closes_the_audit_generator_in_the_worker(qtbot, session, monkeypatch):
    fake = SlowAudit()
    monkeypatch.setattr("assay.engine.pipeline.iter_audit", fake)
    finished = []
    session.audit_finished.connect(finished.append)
    with qtbot.waitSignal(session.audit_progressed, timeout=10_000):
        session.run(AuditConfig())
    with qtbot.waitSignal(session.audit_cancelled, timeout=1000):
        assert session.cancel()
    assert not session.is_running
    assert fake.closed.wait(2.0), "the audit generator was not closed after the cancel"
    assert fake.closed_in != threading.main_thread().name
    qtbot.wait(100)
    assert finished == [] and session.report is None
    assert not session.cancel()  # nothing left to cancel


def test_a_new_run_replaces_the_old_one_and_its_results_are_dropped(qtbot, session, monkeypatch):
    fake = SlowAudit(steps=5, pause=0.05)
    monkeypatch.setattr("assay.engine.pipeline.iter_audit", fake)
    finished = []
    session.audit_finished.connect(finished.append)
    first = session.run(AuditConfig().replace("audit", title="first"))
    with qtbot.waitSignal(session.audit_finished, timeout=10_000):
        second = session.run(AuditConfig().replace("audit", title="second"))
    assert second > first
    qtbot.wait(400)  # whatever the first run still had to say has arrived by now, and was dropped
    assert finished == ["report of second"]
    assert session.report == "report of second"


def test_engine_errors_arrive_as_audit_failed_and_keep_the_config(qtbot, session, tmp_path):
    config = AuditConfig().replace("data", reference=tmp_path / "missing_ref.csv",
                                   production=tmp_path / "missing_prod.csv")
    with qtbot.waitSignal(session.audit_failed, timeout=30_000) as blocker:
        session.run(config)
    error = blocker.args[0]
    assert isinstance(error, InputError) and "missing_ref.csv" in str(error)
    assert session.config == config and not session.is_running and session.report is None


def test_a_runtime_error_in_the_audit_is_reported_not_swallowed(qtbot, session, monkeypatch):
    # superqt's worker mistakes a RuntimeError for "the worker was deleted" and would go silent
    monkeypatch.setattr("assay.engine.pipeline.iter_audit", SlowAudit(steps=3, pause=0.0, fail=RuntimeError("boom")))
    with qtbot.waitSignal(session.audit_failed, timeout=10_000) as blocker:
        session.run(AuditConfig())
    assert isinstance(blocker.args[0], RuntimeError) and str(blocker.args[0]) == "boom"
    assert not session.is_running


def test_open_and_save_track_the_file_and_unsaved_changes(qtbot, session, small_demo, tmp_path):
    with qtbot.waitSignals([session.file_changed, session.config_changed]):
        config = session.open(small_demo)
    assert session.path == small_demo.resolve() and not session.is_modified
    edited = config.replace("audit", title="Edited")
    with qtbot.waitSignal(session.modified_changed) as blocker:
        session.set_config(edited)
    assert blocker.args == [True] and session.is_modified
    target = tmp_path / "copy.toml"
    session.save(target)
    assert session.path == target.resolve() and not session.is_modified
    assert AuditConfig.from_toml(target).audit.title == "Edited"


def test_opening_a_broken_file_changes_nothing(qtbot, session, small_demo, tmp_path):
    session.open(small_demo)
    before = session.config
    broken = tmp_path / "broken.toml"
    broken.write_text("[data\nreference = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml"):
        session.open(broken)
    assert session.config == before and session.path == small_demo.resolve()
