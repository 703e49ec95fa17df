"""The bad-input corpus (tests/data/bad/cases.toml) in the desktop app: every refused case shows an
error dialog with the engine's message and leaves the setup exactly as it was.

All error cases with `app = true` run here (two are left to other tests: an untrusted pickle makes the
app ask, which tests/app/test_main_window.py covers; an unreadable file cannot be made as root, so it
is simulated below). An audit file the app cannot open is opened over a good audit, which must stay.
"""
from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from assay.engine.config import AuditConfig
from assay.engine.errors import AssayError
from tests.bad_inputs import Case, load_cases, prepare, restore_permissions

APP_CASES = [c for c in load_cases() if c.is_error and c.app]
GOOD = Case("good", "data", "the good reference and production files", (0, 1))


@pytest.fixture
def shown(monkeypatch):
    """Error dialogs as (title, text) instead of boxes: the window's and the Setup page's."""
    from assay.app import dialogs

    recorded: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "show_error",
                        lambda parent, title, error: recorded.append((title, dialogs.error_text(error))))
    return recorded


def run_and_wait(qtbot, window) -> tuple[list, list]:
    failed, finished = [], []
    window.session.audit_failed.connect(failed.append)
    window.session.audit_finished.connect(finished.append)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: bool(failed or finished), timeout=120_000)
    return failed, finished


def opens(audit: Path) -> bool:
    try:
        AuditConfig.from_toml(audit)
    except AssayError:
        return False
    return True


@pytest.fixture
def asked(monkeypatch):
    """The app's trust question for pickle/joblib files (app/trust.py): an audit file's `trusted = true` does
    not grant trust in the app, so the app asks before every model case. Answered "trust", except for a
    file whose pinned hash no longer matches, which the user refuses; recorded as (file name, note)."""
    from assay.app import trust

    recorded: list[tuple[str, str]] = []

    def ask(parent, path, sha256, note=""):
        recorded.append((Path(path).name, note))
        return "changed since it was trusted" not in note

    monkeypatch.setattr(trust, "ask_pickle_trust", ask)
    return recorded


@pytest.mark.parametrize("case", APP_CASES, ids=[c.id for c in APP_CASES])
def test_refused_input_shows_a_dialog_and_keeps_the_setup(case, qtbot, window, tmp_path, shown, asked):
    audit = prepare(case, tmp_path / case.id)
    try:
        if not opens(audit):
            assert window.open_audit(prepare(GOOD, tmp_path / "good"))
            before, path = window.setup_page.config(), window.session.path
            assert not window.open_audit(audit)
            title, text = shown[-1]
            assert title == f"Cannot open {audit.name}"
            assert all(f in text for f in case.expect), text
            assert window.setup_page.config() == before == window.session.config
            assert window.session.path == path
            return
        assert window.open_audit(audit)
        config = window.setup_page.config()
        if case.id == "sha256-mismatch":  # the app asks again, naming the change; refused, nothing runs
            window.run_action.trigger()
            name, note = asked[-1]
            assert all(f in f"{name} {note}" for f in ("fitted.joblib", "changed since it was trusted")), asked
            assert not window.session.is_running and window.session.report is None
            assert window.setup_page.config() == config == window.session.config
            return
        failed, finished = run_and_wait(qtbot, window)
        if failed:
            texts = [text for title, text in shown if title == "The audit could not run"]
            assert texts, shown
            assert all(f in texts[-1] for f in case.expect), texts[-1]
        else:  # a model isolated in its own process fails alone; the rest of the audit carries on and says so
            assert case.kind == "model", f"{case.id}: the audit ran: {finished[0].verdict}"
            report = finished[0]
            said = " ".join([a.reason for a in report.analyses] + [f"{f.title} {f.detail}" for f in report.findings])
            assert all(f in said for f in case.expect), said
        # kept, but for the hash the app pins on a model it was told to trust (app/trust.py vet_config)
        unpinned = [c.replace("model", sha256=config.model.sha256) for c in (window.setup_page.config(),
                                                                              window.session.config)]
        assert unpinned == [config, config]
        assert not window.progress.isVisible() and not window.session.is_running
    finally:
        restore_permissions(tmp_path)


def test_an_unreadable_file_shows_a_dialog_and_keeps_the_setup(qtbot, window, tmp_path, shown, monkeypatch):
    """Root reads any file, so the permission error is simulated where the engine opens the file."""
    import assay.engine.input_files

    audit = prepare(GOOD, tmp_path)
    locked = tmp_path / "good_production.csv"
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    assert window.open_audit(audit)
    config = window.setup_page.config()
    monkeypatch.setattr(assay.engine.input_files, "open", refusing_open, raising=False)
    failed, _ = run_and_wait(qtbot, window)
    assert failed
    texts = [text for title, text in shown if title == "The audit could not run"]
    assert texts and "good_production.csv" in texts[-1] and "check its permissions" in texts[-1], shown
    assert window.setup_page.config() == config == window.session.config
    monkeypatch.undo()  # the run that follows reads the file again
    failed, finished = run_and_wait(qtbot, window)
    assert finished and not failed, "the app is ready for another run"
