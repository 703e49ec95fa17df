"""A model that crashes in the app: the results of the rest of the audit are shown, a dialog names the model and
what happened, and the window stays ready for another run."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from misbehaving_models import Misbehaving, write_model, write_tables

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the crash is a POSIX signal")


@pytest.fixture(autouse=True)
def trusting(monkeypatch):
    """The user trusts the test's pickles when the app asks (an audit file's trusted = true is not enough)."""
    from assay.app import trust

    monkeypatch.setattr(trust, "ask_pickle_trust", lambda *args, **kwargs: True)


def crashing_audit(folder: Path) -> Path:
    from assay.engine.config import AuditConfig

    folder.mkdir()
    reference, production = write_tables(folder)
    model = write_model(folder / "model.joblib", Misbehaving("segfault", 1))  # crashes on the production data
    config = AuditConfig.from_dict({
        "data": {"reference": str(reference), "production": str(production)},
        "model": {"path": str(model), "trusted": True},
        "columns": {"target": "y", "sensitive": ["sex"]}, "explain": {"method": "none"},
    })
    path = folder / "audit.toml"
    config.to_toml(path)
    return path


def test_a_crashing_model_shows_the_other_results_and_a_dialog(qtbot, window, tmp_path, tiny_audit):
    path = crashing_audit(Path(tmp_path, "crash"))
    assert window.open_audit(path)
    with qtbot.waitSignal(window.session.audit_finished, timeout=120_000):
        window.run_action.trigger()
    report = window.session.report
    assert "segmentation fault" in report.model_error

    box = window.last_error
    assert box is not None and box.isVisible()
    assert "The model failed" in box.text() and "model.joblib" in box.informativeText()
    assert "crashed (signal 11, segmentation fault) while predicting the production data" in box.informativeText()
    window.grab().save(str(tmp_path / "window.png"))
    box.grab().save(str(tmp_path / "dialog.png"))
    box.close()

    overview = window.overview_page
    assert overview.verdict.text() == "FAIL" and "1 failed (predictions)" in overview.counts.text()
    assert overview.visible_findings()[0].id == "model.failed"
    # the pages out of view fill in one per event-loop turn after the run
    qtbot.waitUntil(lambda: window.pages["quality"].columns.rowCount() == len(report.quality.columns) > 0, timeout=10_000)
    assert report.drift is not None and report.drift.features
    assert not window.session.is_running and window.run_action.isEnabled()

    # the window is ready for another run: a good audit opens and runs
    assert window.open_audit(tiny_audit)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_action.trigger()
    assert window.session.report.model_error is None


def test_opening_an_audit_starts_its_model_process_and_the_run_uses_it(qtbot, window, tmp_path, monkeypatch):
    from assay.engine.config import AuditConfig
    from assay.engine.isolation import process

    monkeypatch.delenv("ASSAY_NO_PRESTART", raising=False)
    folder = Path(tmp_path, "good")
    path = crashing_audit(folder)
    config = AuditConfig.from_toml(path)
    write_model(Path(config.model.path), Misbehaving())  # a model that behaves
    assert window.open_audit(path)
    qtbot.waitUntil(lambda: process._spare is not None, timeout=30_000)  # started at open (in a pool thread)
    spare = process._spare
    assert spare._process.is_alive()  # before any run
    with qtbot.waitSignal(window.session.audit_finished, timeout=120_000):
        window.run_action.trigger()
    assert window.session.report.model_error is None
    assert process._spare is None  # the run took it
    assert not spare._process.is_alive()  # and stopped it at the end of the audit
