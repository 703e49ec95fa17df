"""Trust remembered per SHA-256: not per path, not granted by an audit file, revocable in Preferences."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import joblib
import pytest
import skops.io as sio
from PySide6.QtCore import Qt

from assay.app import preferences, trust
from assay.app.settings import AppSettings
from assay.engine.config import AuditConfig
from assay.engine.errors import ModelTrustError, UntrustedTypesError


@pytest.fixture
def asked(monkeypatch):
    """Records every trust question; answers with `asked.answer` (True: trust)."""

    class Asked(list):
        answer = True

    questions = Asked()

    def pickle(parent, path, sha, note=""):
        questions.append(("pickle", Path(path), sha, note))
        return questions.answer

    def types(parent, path, names):
        questions.append(("types", Path(path), tuple(names), ""))
        return questions.answer

    monkeypatch.setattr(trust, "ask_pickle_trust", pickle)
    monkeypatch.setattr(trust, "ask_types_trust", types)
    return questions


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the settings store ------------------------------------------------------------------------


def test_trust_is_stored_by_hash_and_survives_a_new_settings_object(tmp_path):
    settings = AppSettings()
    digest = "ab" * 32
    record = settings.trust_model(digest.upper(), tmp_path / "m.pkl", "pickle")
    assert record == AppSettings().trusted_model(digest)  # read back from the file, hash lower-cased
    assert record.name == "m.pkl" and record.kind == "pickle" and record.types == ()
    assert record.path == str(tmp_path / "m.pkl") and record.trusted_at[:4].isdigit()
    assert AppSettings().trusted_model("cd" * 32) is None
    settings.trust_model("cd" * 32, tmp_path / "s.skops", "skops", ["a.B"])
    settings.trust_model("cd" * 32, tmp_path / "t.skops", "skops", ["c.D", "a.B"])  # types add up
    assert AppSettings().trusted_model("cd" * 32).types == ("a.B", "c.D")
    assert [m.sha256 for m in AppSettings().trusted_models] == ["cd" * 32, "ab" * 32]  # most recent first
    settings.revoke_trust("AB" * 32)
    assert AppSettings().trusted_model("ab" * 32) is None and AppSettings().trusted_model("cd" * 32)
    settings.revoke_all_trust()
    assert AppSettings().trusted_models == []
    with pytest.raises(ValueError):
        settings.trust_model("not a hash", tmp_path / "x", "pickle")
    with pytest.raises(ValueError):
        settings.trust_model("ab" * 32, tmp_path / "x", "anything")


def test_damaged_trust_entries_are_never_trusted(settings_dir):
    settings = AppSettings()
    settings.trust_model("ab" * 32, Path("/m.pkl"), "pickle")
    store = settings._store
    store.setValue("trust/models", '[{"sha256": "short", "kind": "pickle"}, {"sha256": "' + "ef" * 32
                   + '", "kind": "everything"}, 5, {"sha256": "' + "12" * 32 + '", "kind": "pickle", "name": "ok"}]')
    assert [m.sha256 for m in AppSettings(store).trusted_models] == ["12" * 32]
    store.setValue("trust/models", "{not json")
    assert AppSettings(store).trusted_models == []


# -- choosing a model on the Setup page ----------------------------------------------------------


def test_a_trusted_pickle_is_remembered_by_hash_not_by_path(models, asked, tmp_path):
    pickle_path = models[0]
    config = trust.choose_model(None, AuditConfig(), pickle_path)
    assert len(asked) == 1 and asked[0][2] == sha(pickle_path)
    assert config.model.trusted and config.model.sha256 == sha(pickle_path)  # pinned to the bytes trusted
    assert AppSettings().trusted_model(sha(pickle_path)).kind == "pickle"

    elsewhere = tmp_path / "other folder" / "renamed.pkl"
    elsewhere.parent.mkdir()
    shutil.copy(pickle_path, elsewhere)
    config = trust.choose_model(None, AuditConfig(), elsewhere)
    assert len(asked) == 1, "the same bytes at another path must not ask again"
    assert config.model.path == elsewhere and config.model.trusted

    elsewhere.write_bytes(elsewhere.read_bytes() + b"\0")  # a changed file is a new file
    asked.answer = False
    assert trust.choose_model(None, AuditConfig(), elsewhere) is None
    assert len(asked) == 2 and asked[1][2] == sha(elsewhere)
    assert AppSettings().trusted_model(sha(elsewhere)) is None  # refusing remembers nothing


def test_accepted_skops_types_are_remembered_per_hash(models, asked, tmp_path):
    skops_path = models[1]
    config = trust.choose_model(None, AuditConfig(), skops_path)
    assert [q[0] for q in asked] == ["types"] and config.model.trusted_types == ("_operator.neg",)
    assert not config.model.trusted and config.model.sha256 is None
    assert AppSettings().trusted_model(sha(skops_path)).types == ("_operator.neg",)
    copy = tmp_path / "copy.skops"
    shutil.copy(skops_path, copy)
    assert trust.choose_model(None, AuditConfig(), copy).model.trusted_types == ("_operator.neg",)
    assert len(asked) == 1


# -- before a run: the audit file does not grant trust ----------------------------------------------


def test_an_audit_file_saying_trusted_still_asks_until_this_app_trusts_the_hash(models, asked, tmp_path):
    pickle_path = models[0]
    received = AuditConfig().replace("model", path=pickle_path, trusted=True, sha256=sha(pickle_path))
    asked.answer = False
    assert trust.vet_config(None, received) is None
    assert len(asked) == 1 and "cannot grant trust by itself" in asked[0][3]
    asked.answer = True
    vetted = trust.vet_config(None, received)
    assert vetted == received and len(asked) == 2
    # now remembered: no question, from this or any other audit file naming the same bytes
    copy = tmp_path / "copy.joblib"
    shutil.copy(pickle_path, copy)
    other = AuditConfig().replace("model", path=copy, trusted=False)
    vetted = trust.vet_config(None, other)
    assert len(asked) == 2 and vetted.model.trusted and vetted.model.sha256 == sha(copy)


def test_a_pinned_hash_that_no_longer_matches_asks_and_says_the_file_changed(models, asked):
    pickle_path = models[0]
    config = AuditConfig().replace("model", path=pickle_path, trusted=True, sha256="00" * 32)
    vetted = trust.vet_config(None, config)
    assert "changed since it was trusted" in asked[0][3] and vetted.model.sha256 == sha(pickle_path)


def test_vetting_leaves_configs_without_a_pickle_alone(models, asked, tmp_path):
    assert trust.vet_config(None, AuditConfig()) == AuditConfig()
    missing = AuditConfig().replace("model", path=tmp_path / "gone.pkl", trusted=True)
    assert trust.vet_config(None, missing) == missing  # the run reports the missing file
    skops = AuditConfig().replace("model", path=models[1], trusted_types=["_operator.neg"])
    assert trust.vet_config(None, skops) == skops
    assert not asked
    AppSettings().trust_model(sha(models[1]), models[1], "skops", ["x.Remembered"])
    assert trust.vet_config(None, skops).model.trusted_types == ("_operator.neg", "x.Remembered")


def test_resolving_a_run_s_trust_error_remembers_the_decision(models, asked):
    pickle_path, skops_path = models
    config = AuditConfig().replace("model", path=pickle_path)
    resolved = trust.resolve_trust(None, config, ModelTrustError(pickle_path, sha(pickle_path)))
    assert resolved.model.trusted and resolved.model.sha256 == sha(pickle_path)
    assert AppSettings().trusted_model(sha(pickle_path)).kind == "pickle"
    config = AuditConfig().replace("model", path=skops_path)
    trust.resolve_trust(None, config, UntrustedTypesError(skops_path, ["_operator.neg"]))
    assert AppSettings().trusted_model(sha(skops_path)).types == ("_operator.neg",)


def test_the_pickle_dialog_says_why_it_asks_again(qtbot, models):
    dialog = trust.pickle_dialog(None, models[0], "c0ffee" * 10, "The audit file says trusted = true, but <b>")
    qtbot.addWidget(dialog)
    text = dialog.findChildren(type(dialog.details))[0].toPlainText()
    assert "c0ffee" * 10 in text
    labels = " ".join(label.text() for label in dialog.findChildren(trust.QLabel))
    assert "says trusted = true, but &lt;b&gt;" in labels and "Trusted models" in labels
    assert dialog.refuse_button.isDefault()


# -- the whole app: run, remembered, revoked ---------------------------------------------------------


@pytest.fixture
def pickle_audit(small_demo: Path, tmp_path: Path) -> Path:
    """The small demo with its model as a joblib file, and an audit file that claims trust."""
    folder = tmp_path / "received"
    folder.mkdir()
    config = AuditConfig.from_toml(small_demo)
    model = sio.load(config.model.path, trusted=list(config.model.trusted_types))
    joblib.dump(model, folder / "model.joblib")
    config = config.replace("model", path=folder / "model.joblib", trusted=True, trusted_types=(),
                            sha256=sha(folder / "model.joblib"))
    path = folder / "audit.toml"
    config.to_toml(path)
    return path


def test_the_app_asks_before_running_a_received_audit_then_remembers_and_revokes(qtbot, window, pickle_audit, asked,
                                                                                  tmp_path):
    from assay.app.pages.setup import FileRow

    assert window.open_audit(pickle_audit)
    hint = window.setup_page.findChild(FileRow, "file_model").hint
    assert "the audit file says trusted, you have not" in hint.text()
    asked.answer = False
    window.run_action.trigger()
    assert len(asked) == 1 and not window.session.is_running  # refused: nothing ran, nothing opened
    assert "not opened" in window.statusBar().currentMessage()

    asked.answer = True
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_action.trigger()
    assert len(asked) == 2 and window.session.report.provenance.model is not None
    assert "trusted by you" in hint.text()

    # the same bytes named by another audit file at another path: no question
    other = tmp_path / "moved"
    shutil.copytree(pickle_audit.parent, other)
    config = AuditConfig.from_toml(other / "audit.toml").replace("model", trusted=False, sha256=None)
    config.to_toml(other / "audit.toml")
    assert window.open_audit(other / "audit.toml")
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_action.trigger()
    assert len(asked) == 2
    assert window.session.config.model.trusted and window.session.config.model.sha256 == sha(other / "model.joblib")

    # Edit > Preferences > Trusted models lists it; Revoke makes the next run ask again
    dialog = window.show_preferences("trusted")
    qtbot.addWidget(dialog)
    page = dialog.trusted_page
    assert dialog.current_page() == "trusted" and page.table.rowCount() == 1
    assert page.table.item(0, 0).text() == "model.joblib"
    assert page.table.item(0, 2).text() == sha(other / "model.joblib")
    page.table.selectRow(0)
    assert page.revoke_button.isEnabled()
    with qtbot.waitSignal(page.revoked):
        qtbot.mouseClick(page.revoke_button, Qt.MouseButton.LeftButton)
    assert page.table.rowCount() == 0 and page.empty_label.isVisibleTo(page)
    hint = window.setup_page.findChild(FileRow, "file_model").hint
    assert "not trusted yet" in hint.text() or "you have not" in hint.text()
    dialog.close()
    asked.answer = False
    window.run_action.trigger()
    assert len(asked) == 3 and not window.session.is_running


def test_preferences_opens_with_ctrl_comma_and_revoke_all_asks_first(qtbot, window, monkeypatch):
    settings = window.settings
    settings.trust_model("ab" * 32, Path("/models/a.pkl"), "pickle")
    settings.trust_model("cd" * 32, Path("/models/b.skops"), "skops", ["x.Y", "z.W"])
    assert window.preferences_action.shortcut().toString() == "Ctrl+,"
    assert "Preferences" in " ".join(a.text() for a in window.menuBar().actions()[1].menu().actions())
    window.preferences_action.trigger()
    dialog = window.preferences_dialog
    qtbot.addWidget(dialog)
    page = dialog.trusted_page
    assert [page.table.item(r, 1).text() for r in range(2)] == ["2 skops types", "whole file (pickle/joblib)"]
    assert "x.Y" in page.table.item(0, 0).toolTip() and not page.revoke_button.isEnabled()
    assert not page.copy_button.isEnabled()
    page.table.selectAll()
    page.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "cd" * 32 + "\n" + "ab" * 32
    page.table.clearSelection()
    monkeypatch.setattr(preferences, "confirm_revoke_all", lambda parent, count: False)
    page.revoke_all_button.click()
    assert page.table.rowCount() == 2
    monkeypatch.setattr(preferences, "confirm_revoke_all", lambda parent, count: count == 2)
    page.revoke_all_button.click()
    assert page.table.rowCount() == 0 and settings.trusted_models == [] and not page.revoke_all_button.isEnabled()
    dialog.show_page("appearance")
    dark = next(b for b in dialog.appearance_page.buttons.buttons() if b.property("theme") == "dark")
    dark.click()
    assert settings.theme == "dark"
    assert next(a for a in window.theme_actions.actions() if a.data() == "dark").isChecked()
    window.set_theme("system")
    dialog.close()



def test_a_big_model_file_is_hashed_with_progress_and_the_window_keeps_turning(qtbot, window, tmp_path, asked,
                                                                                monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    monkeypatch.setattr(trust, "BIG_FILE", 1 << 20)
    monkeypatch.setattr(trust, "HASH_BLOCK", 64 << 10)
    big = tmp_path / "big.joblib"
    big.write_bytes(bytes(range(256)) * (12 << 12))  # 12 MB: 192 blocks
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(0)
    assert trust.remembered_pickle(big) is None  # not read just to label the Setup page
    config = AuditConfig().replace("model", path=big)
    vetted = trust.vet_config(window, config)
    timer.stop()
    assert vetted.model.sha256 == sha(big) and len(asked) == 1
    assert len(ticks) > 10, "the event loop did not run while hashing"
    assert trust.remembered_pickle(big) is True  # trusted, and the hash is cached now

    big.write_bytes(big.read_bytes()[::-1])  # a new file: hashed again, and this time cancelled
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    assert trust.vet_config(window, config) is None and len(asked) == 1
    assert trust.choose_model(window, AuditConfig(), big) is None and window.last_error is None
