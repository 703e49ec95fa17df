"""Nothing lost: the session is saved automatically, a clean exit removes it, a crash offers it back."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assay.app import autosave
from assay.app.autosave import Autosave, SavedSession, orphaned_sessions
from assay.app.main_window import MainWindow
from assay.app.settings import AppSettings
from assay.engine.config import AuditConfig

ROOT = Path(__file__).resolve().parents[2]


def slot_data(window: MainWindow) -> dict:
    return json.loads(window.autosave.slot.read_text(encoding="utf-8"))


def change_title(window: MainWindow, title: str) -> AuditConfig:
    config = window.session.config.replace("audit", title=title)
    window.setup_page.set_config(config)
    window.session.set_config(config)
    return config


@pytest.fixture
def answer(monkeypatch):
    """The restore question's answer (`answer.value`), and the sessions it was asked about."""

    class Answer(list):
        value = "restore"

    asked = Answer()
    monkeypatch.setattr(autosave, "ask_restore", lambda parent, saved: asked.append(saved) or asked.value)
    return asked


def new_window(qtbot, monkeypatch) -> MainWindow:
    from assay.app import main_window

    monkeypatch.setattr(main_window, "ask_save_changes", lambda parent, name: "discard")
    win = MainWindow(AppSettings())
    qtbot.addWidget(win)
    win.show()
    return win


def crash(window: MainWindow, lock_text: bytes | None = None) -> None:
    """What a kill leaves: the files stay and nobody holds the lock (a real SIGKILL, with the lock file of a dead
    process, is the last test). `lock_text`: leave a lock file with these bytes, as old as the debris of a crash."""
    window.autosave._finished = True  # the dead app writes nothing more
    window.autosave._lock.unlock()
    if lock_text is not None:
        lock = window.autosave.slot.with_suffix(".lock")
        lock.write_bytes(lock_text)
        os.utime(lock, (time.time() - 3600, time.time() - 3600))


def test_changes_are_saved_debounced_and_a_run_saves_the_report(qtbot, window, small_demo):
    assert autosave.autosave_dir() == Path(os.environ["ASSAY_STATE_DIR"]) / "autosave"  # the test's folder
    assert window.open_audit(small_demo)
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        change_title(window, "First")
        change_title(window, "Second")  # within the debounce: one write
    data = slot_data(window)
    assert data["audit_file"] == str(small_demo.resolve()) and data["modified"] is True
    assert data["config"]["audit"]["title"] == "Second" and data["report"] is None
    assert AuditConfig.from_dict(data["config"]) == window.session.config  # column roles and all
    assert window.autosave.slot.with_suffix(".lock").exists()  # held while the app runs

    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_audit()
    report = window.session.report
    qtbot.waitUntil(window.autosave.report_file.is_file, timeout=10_000)  # written in the thread pool
    saved = json.loads(window.autosave.report_file.read_text(encoding="utf-8"))
    assert saved == json.loads(report.to_json())  # the same JSON as `assay audit --json`
    assert slot_data(window)["report"] == {"verdict": report.verdict, "findings": len(report.findings),
                                           "finished_at": report.provenance.finished_at}


def test_a_clean_exit_removes_the_autosave(qtbot, window, small_demo):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        change_title(window, "Changed")
    files = (window.autosave.slot, window.autosave.slot.with_suffix(".lock"))
    assert all(f.exists() for f in files)
    window.close()  # the unsaved-changes question is answered "discard"
    assert not any(f.exists() for f in files)
    assert orphaned_sessions() == []


def test_an_untouched_window_writes_nothing(qtbot, window):
    assert not window.autosave.save_now()
    assert not autosave.autosave_dir().exists()


def test_a_running_app_s_autosave_is_not_offered_but_a_crashed_one_is(qtbot, window, small_demo, monkeypatch, answer):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        change_title(window, "Work in progress")
    assert orphaned_sessions() == []  # its app (this process) still holds the lock
    second = new_window(qtbot, monkeypatch)
    assert not second.offer_restore() and not answer

    crash(window)
    (found,) = orphaned_sessions()
    assert found.slot == window.autosave.slot and found.audit_file == small_demo.resolve() and found.modified
    assert second.offer_restore()
    assert answer == [found]
    assert second.session.path == small_demo.resolve()
    assert second.session.config.audit.title == "Work in progress" and second.session.is_modified
    assert second.setup_page.config() == second.session.config
    assert "*" in second.windowTitle() or second.isWindowModified()
    assert not found.slot.exists() and orphaned_sessions() == []  # restored once, not again


def test_discard_removes_it_and_not_now_keeps_it_for_the_next_start(qtbot, window, small_demo, monkeypatch, answer):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        change_title(window, "Maybe")
    crash(window, lock_text=b"")  # the app died while writing its lock file
    second = new_window(qtbot, monkeypatch)
    answer.value = "later"
    assert not second.offer_restore() and orphaned_sessions()
    answer.value = "discard"
    assert not second.offer_restore() and orphaned_sessions() == []
    assert second.session.config.audit.title != "Maybe"


def test_restoring_after_a_run_shows_the_last_results_without_running(qtbot, window, small_demo, monkeypatch,
                                                                      answer):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_audit()  # the autosave writes the report as the run finishes (in the thread pool)
    report = window.session.report
    qtbot.waitUntil(lambda: window.autosave.report_file.is_file() and window.autosave.results_file.is_file(),
                    timeout=10_000)
    crash(window)
    (found,) = orphaned_sessions()
    assert found.verdict == report.verdict and found.findings == len(report.findings) and found.results
    text, informative = autosave.describe(found)
    assert "audit.toml" in text and report.verdict.upper() in informative and "without re-running" in informative

    second = new_window(qtbot, monkeypatch)
    started = []
    second.session.audit_started.connect(lambda: started.append(True))
    assert second.offer_restore()
    restored = second.session.report
    assert not started and restored is not report
    assert restored.to_json() == report.to_json()  # the same results, every field of the JSON
    if report.explanations is not None:  # and what the JSON leaves out, for the beeswarm
        assert (restored.explanations.production_rows is None) == (report.explanations.production_rows is None)
    assert second.current_page() == "overview" and second.overview_page.verdict.text() == report.verdict.upper()
    assert second.overview_page.visible_findings() == list(restored.findings)
    assert "its results" in second.statusBar().currentMessage()
    assert not found.results.exists() and orphaned_sessions() == []


def test_results_another_version_wrote_are_kept_as_json_and_can_be_run_again(qtbot, window, small_demo,
                                                                              monkeypatch, answer):
    window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_audit()
    report = window.session.report
    qtbot.waitUntil(lambda: window.autosave.report_file.is_file() and window.autosave.results_file.is_file(),
                    timeout=10_000)
    crash(window)
    data = json.loads(window.autosave.slot.read_text(encoding="utf-8"))
    window.autosave.slot.write_text(json.dumps({**data, "assay_version": "0.0.1"}), encoding="utf-8")
    (found,) = orphaned_sessions()
    assert found.report and found.results is None and "Restore and run" in autosave.describe(found)[1]

    second = new_window(qtbot, monkeypatch)
    answer.value = "run"
    with qtbot.waitSignal(second.session.audit_finished, timeout=60_000):
        assert second.offer_restore()
    assert second.session.report.verdict == report.verdict
    (kept,) = (Path(os.environ["ASSAY_STATE_DIR"]) / "recovered").glob("*.json")
    assert kept.name.startswith("audit-") and json.loads(kept.read_text(encoding="utf-8"))["verdict"] == report.verdict
    assert orphaned_sessions() == [] and not window.autosave.results_file.exists()


def test_an_untitled_audit_and_a_vanished_audit_file_restore_as_untitled(qtbot, window, small_demo, monkeypatch,
                                                                           answer, tmp_path):
    moved = tmp_path / "gone" / "audit.toml"
    moved.parent.mkdir()
    AuditConfig.from_toml(small_demo).to_toml(moved)
    window.open_audit(moved)
    with qtbot.waitSignal(window.autosave.saved, timeout=5000):
        change_title(window, "Where did it go")
    crash(window)
    moved.unlink()
    (found,) = orphaned_sessions()
    assert "no longer exists" in autosave.describe(found)[1]
    second = new_window(qtbot, monkeypatch)
    assert second.offer_restore()
    assert second.session.path is None and second.session.config.audit.title == "Where did it go"
    assert second.session.config.data.reference == AuditConfig.from_toml(small_demo).data.reference


def test_damaged_or_foreign_autosaves_are_dropped_not_offered(tmp_path):
    folder = autosave.autosave_dir()
    folder.mkdir(parents=True)
    (folder / "session-1-aaaa.json").write_text("{not json", encoding="utf-8")
    (folder / "session-2-bbbb.json").write_text(json.dumps({"format": 99, "config": {}}), encoding="utf-8")
    (folder / "session-2-bbbb.report.json").write_text("{}", encoding="utf-8")
    assert orphaned_sessions() == []
    assert list(folder.iterdir()) == []


def test_a_saved_config_that_no_longer_validates_says_so_and_keeps_the_report(qtbot, window, answer, monkeypatch):
    folder = autosave.autosave_dir()
    folder.mkdir(parents=True)
    slot = folder / "session-3-cccc.json"
    slot.write_text(json.dumps({"format": 1, "saved_at": "2026-01-02T03:04:05+00:00", "audit_file": None,
                                "modified": True, "config": {"task": {"type": "quantum"}}}), encoding="utf-8")
    (folder / "session-3-cccc.report.json").write_text('{"verdict": "warn"}', encoding="utf-8")
    shown = []
    from assay.app import dialogs

    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, error: shown.append((title, str(error))))
    assert not window.offer_restore()
    assert shown and "no longer valid" in shown[0][1] and "type" in shown[0][1]
    assert not slot.exists() and len(list((autosave.state_dir() / "recovered").glob("untitled-*.json"))) == 1


def test_a_failing_autosave_reports_and_never_raises(qtbot, tmp_path):
    from assay.app.session import AuditSession

    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x")
    session = AuditSession()
    saver = Autosave(session, folder=blocked / "autosave", debounce_ms=0)
    with qtbot.waitSignal(saver.failed, timeout=2000) as failed:
        session.set_config(AuditConfig().replace("audit", title="x"))
    assert "Autosave to" in failed.args[0]
    saver.finish()


def test_the_restore_question_names_the_file_and_offers_the_choices(qtbot, tmp_path):
    saved = SavedSession(slot=tmp_path / "session-1.json", saved_at="2026-11-29T18:02:03+00:00",
                         audit_file=tmp_path / "credit audit.toml", modified=True, config={},
                         report=tmp_path / "r.json", verdict="fail", findings=12,
                         finished_at="2026-11-29T17:58:00+00:00")
    text, informative = autosave.describe(saved)
    assert "credit audit.toml" in text and "2026-11-29 at 18:02:03" in informative
    assert "not saved" in informative and "FAIL, 12 findings (the run of 2026-11-29 17:58)" in informative
    assert "Restore and run" in informative


# -- a real crash -------------------------------------------------------------------------------------------

CHILD = r"""
import sys
from pathlib import Path
from assay.app.main import create_application, create_window

app = create_application()
window = create_window()
window.show()
window.autosave.saved.connect(lambda path: print("SAVED", window.session.config.audit.title, flush=True))

def edit():
    window.open_audit(Path(sys.argv[1]), confirm=False)
    config = window.session.config.replace("audit", title="Edited before the crash")
    window.setup_page.set_config(config)
    window.session.set_config(config)

window.call_when_ready(edit)
app.exec()
"""


def test_after_a_sigkill_the_next_start_offers_to_restore(qtbot, small_demo, monkeypatch, answer):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(small_demo)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if "Edited before the crash" in line or not line:
                break
        assert "SAVED Edited before the crash" in line, child.stderr.read() if child.poll() is not None else line
        assert orphaned_sessions() == []  # alive: its autosave is not offered to anyone
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL

    window = new_window(qtbot, monkeypatch)  # the next start
    assert window.offer_restore()
    (saved,) = answer
    assert saved.audit_file == small_demo.resolve() and saved.modified
    assert window.session.config.audit.title == "Edited before the crash"
    assert window.session.path == small_demo.resolve() and window.session.is_modified
    assert orphaned_sessions() == []
