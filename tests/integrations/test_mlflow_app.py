"""MLflow models chosen in the app: an MLflow model folder or a models:/ address in the Setup page's model row goes
through the same trust questions as a model file (for the file its MLmodel names), the row says what it is, and an
address without a store asks for one (saved as [mlflow] tracking_uri)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from assay.app import trust  # noqa: E402
from assay.app.settings import AppSettings  # noqa: E402
from assay.engine.config import AuditConfig  # noqa: E402


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Trust decisions in a temporary settings file (the user's own are never touched)."""
    monkeypatch.setenv("ASSAY_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ASSAY_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "settings"


@pytest.fixture
def asked(monkeypatch):
    """Every question the app asks, answered yes (`asked.store`: the store given for an address)."""

    class Asked(list):
        store = None

    questions = Asked()

    def pickle(parent, path, sha, note=""):
        questions.append(("pickle", Path(path), note))
        return True

    def types(parent, path, names):
        questions.append(("types", Path(path), tuple(names)))
        return True

    def store(parent, address):
        questions.append(("store", address))
        return questions.store

    monkeypatch.setattr(trust, "ask_pickle_trust", pickle)
    monkeypatch.setattr(trust, "ask_types_trust", types)
    monkeypatch.setattr(trust, "ask_tracking_uri", store)
    return questions


def config_of(mlflow_models, tmp_path: Path, **mlflow) -> AuditConfig:
    data = mlflow_models.settings["data"]
    text = f'[data]\nreference = "{data["reference"]}"\nproduction = "{data["production"]}"\n'
    if mlflow:
        text += "[mlflow]\n" + "".join(f'{k} = "{v}"\n' for k, v in mlflow.items())
    (tmp_path / "audit.toml").write_text(text, encoding="utf-8")
    return AuditConfig.from_toml(tmp_path / "audit.toml")


def test_a_pickled_mlflow_folder_asks_for_trust_naming_the_model_and_is_remembered(mlflow_models, asked, tmp_path):
    folder = mlflow_models.folder / "cloudpickle"
    config = trust.choose_model(None, config_of(mlflow_models, tmp_path), folder)
    (question,) = asked
    file = folder / "model.pkl"
    assert question[:2] == ("pickle", file) and "MLflow model (sklearn flavour, cloudpickle format)" in question[2]
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    assert config.model.path == folder and config.model.trusted and config.model.sha256 == digest
    assert AppSettings().trusted_model(digest).kind == "pickle"
    # before a run: remembered by the hash of the file the folder holds, so no second question
    again = config.replace("model", trusted=False, sha256=None)
    assert trust.vet_config(None, again).model.sha256 == digest and len(asked) == 1


def test_a_skops_mlflow_folder_lists_its_types(mlflow_models, asked, tmp_path):
    folder = mlflow_models.folder / "skops"
    config = trust.choose_model(None, config_of(mlflow_models, tmp_path), folder)
    assert [q[0] for q in asked] == ["types"] and asked[0][1].suffix == ".skops"
    assert config.model.path == folder and not config.model.trusted
    assert set(config.model.trusted_types) == set(asked[0][2]) and set(asked[0][2]) <= set(mlflow_models.trusted)


def test_an_address_without_a_store_asks_for_it_and_keeps_it(mlflow_models, asked, tmp_path):
    asked.store = mlflow_models.store
    config = trust.choose_model(None, config_of(mlflow_models, tmp_path), "models:/credit/1")
    assert asked[0] == ("store", "models:/credit/1") and asked[1][0] == "types"
    assert str(config.model.path) == "models:/credit/1" and config.mlflow.tracking_uri == mlflow_models.store
    config.to_toml(tmp_path / "saved.toml")  # the address is written as it was given, not as a path
    assert str(AuditConfig.from_toml(tmp_path / "saved.toml").model.path) == "models:/credit/1"
    folder = Path(mlflow_models.store.removeprefix("file://"))  # typed as a folder relative to the audit file
    asked.store = os.path.relpath(folder, tmp_path)
    typed = trust.choose_model(None, config_of(mlflow_models, tmp_path), "models:/credit/1")
    assert typed.mlflow.tracking_uri == folder.as_uri()  # kept absolute: the audit file may be saved elsewhere
    asked.store = None  # cancelled: nothing changes
    assert trust.choose_model(None, config_of(mlflow_models, tmp_path), "models:/credit/1") is None


def test_an_address_that_does_not_resolve_is_a_dialog_naming_it(mlflow_models, asked, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(trust.dialogs, "show_error", lambda parent, title, exc: shown.append((title, str(exc))))
    config = config_of(mlflow_models, tmp_path, tracking_uri=mlflow_models.store)
    assert trust.choose_model(None, config, "models:/credit/7") is None
    (title, text), = shown
    assert "models:/credit/7" in title + text and not asked


def test_the_setup_page_says_what_an_mlflow_model_is(qtbot, mlflow_models, asked, tmp_path):
    from PySide6.QtCore import Qt

    from assay.app.pages.setup import SetupPage, _is_model

    page = SetupPage()
    qtbot.addWidget(page)
    page.set_config(config_of(mlflow_models, tmp_path, tracking_uri=mlflow_models.store))
    row = page._rows["model"]
    page.set_path("model", str(mlflow_models.folder / "skops"))
    assert row.hint.text().startswith("MLflow model folder · sklearn flavour, skops format")
    row.edit.clear()
    qtbot.keyClicks(row.edit, "models:/credit/1")  # typed in the field
    qtbot.keyClick(row.edit, Qt.Key.Key_Return)
    assert row.edit.text() == "models:/credit/1" and str(page.config().model.path) == "models:/credit/1"
    assert row.hint.text().startswith(f"MLflow address in {mlflow_models.store}")
    page.set_path("model", None)
    page.open_files([mlflow_models.folder / "cloudpickle"])  # a dropped MLflow folder goes to the model
    assert _is_model(mlflow_models.folder / "cloudpickle") and not _is_model(tmp_path)
    assert page.config().model.path == mlflow_models.folder / "cloudpickle" and asked[-1][0] == "pickle"
    assert row.hint.text().startswith("MLflow model folder · sklearn flavour, cloudpickle format")
