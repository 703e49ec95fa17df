"""MLflow models in: a folder or a models:/ / runs:/ address, the trust rules, the signature, the bad inputs."""
from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from assay.engine.errors import ConfigError, InputError, ModelTrustError, UntrustedTypesError
from assay.engine.integrations.mlflow_models import resolve_mlflow_model
from assay.engine.model_files import check_model_columns, check_model_file, open_model_file
from tests.integrations.conftest import run_cli, write_toml


def test_an_mlflow_saved_pipeline_is_audited_from_the_registry(mlflow_audit, mlflow_models):
    assert mlflow_audit.code == 1  # the demo fails on purpose
    report = json.loads(mlflow_audit.json.read_text())
    model = report["provenance"]["model"]
    assert model["format"] == "mlflow-sklearn/skops"
    assert model["mlflow"]["name"] == "credit" and model["mlflow"]["version"] == "1"
    assert model["mlflow"]["run_id"] == mlflow_models.run_id and model["mlflow"]["model_id"] == mlflow_models.model_id
    from mlflow.models import Model  # MLflow's own reading of the signature: its required inputs

    required = Model.load(model["mlflow"]["folder"]).signature.inputs.required_input_names()
    assert model["mlflow"]["signature"] == required and set(required) <= set(mlflow_models.features)
    assert report["analyses"]["performance"]["status"] == "ran"
    # the scores came from the MLflow model: scikit-learn's AUC of the same pipeline on the production data
    production = pd.read_parquet(mlflow_models.settings["data"]["production"])
    scores = mlflow_models.model.predict_proba(production[list(mlflow_models.features)])[:, 1]
    expected = roc_auc_score(production["default"], scores)
    assert report["performance"]["production"]["metrics"]["roc_auc"]["value"] == pytest.approx(expected, rel=1e-12)


def test_folders_and_addresses_resolve_to_the_same_model(mlflow_models):
    by_run = resolve_mlflow_model(f"runs:/{mlflow_models.run_id}/model", mlflow_models.store)
    by_version = resolve_mlflow_model("models:/credit/1", mlflow_models.store)
    folder = resolve_mlflow_model(mlflow_models.folder / "skops")
    assert by_run.folder == by_version.folder and by_run.model_file.is_file()
    assert by_run.run_id == by_version.run_id == mlflow_models.run_id
    assert (by_version.name, by_version.version, by_version.model_id) == ("credit", "1", mlflow_models.model_id)
    assert folder.serialization == by_run.serialization == "skops" and folder.signature == by_run.signature


def test_a_pickled_flavour_needs_trust_and_the_error_names_it(mlflow_models):
    folder = mlflow_models.folder / "cloudpickle"
    with pytest.raises(ModelTrustError, match=r"an MLflow model \(sklearn flavour, cloudpickle format\)"):
        check_model_file(folder)
    file = check_model_file(folder, trusted=True)
    assert file.format == "cloudpickle" and file.path == folder / "model.pkl"
    loaded = open_model_file(file)
    rows = pd.read_parquet(mlflow_models.settings["data"]["production"]).head(200)[list(mlflow_models.features)]
    np.testing.assert_array_equal(loaded.model.predict_proba(rows), mlflow_models.model.predict_proba(rows))
    assert loaded.info.format == "mlflow-sklearn/cloudpickle"


def test_a_skops_flavour_lists_its_untrusted_types(mlflow_models):
    folder = mlflow_models.folder / "skops"
    with pytest.raises(UntrustedTypesError) as raised:
        check_model_file(folder)
    assert set(raised.value.types) == set(mlflow_models.trusted)
    assert check_model_file(folder, trusted_types=tuple(mlflow_models.trusted)).format == "skops"


def test_the_signature_is_checked_against_the_data(mlflow_models):
    loaded = open_model_file(check_model_file(mlflow_models.folder / "skops",
                                              trusted_types=tuple(mlflow_models.trusted)))
    columns = [c for c in mlflow_models.features if c != "region"]
    with pytest.raises(InputError, match=r"signature .* names columns the data lacks: region") as raised:
        check_model_columns(loaded, columns, "production.parquet", set())
    assert raised.value.column == "region"
    check_model_columns(loaded, list(mlflow_models.features), "p", set())


def test_an_address_without_mlflow_installed_says_how_to_install_it(monkeypatch, mlflow_models):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow fails, as without the extra
    with pytest.raises(ConfigError, match=r"pip install 'assay\[mlflow\]'"):
        resolve_mlflow_model("models:/credit/1", mlflow_models.store)
    assert resolve_mlflow_model(mlflow_models.folder / "skops").flavour == "sklearn"  # folders need no MLflow


def _unsupported_flavour(folder):
    (folder / "torch").mkdir()
    (folder / "torch" / "MLmodel").write_text("flavors:\n  pytorch: {model_data: data}\n  python_function: {}\n")
    return str(folder / "torch")


BAD = {  # [model] path -> what the one line on stderr must say
    "an address that does not resolve": (lambda m, f: "models:/credit/9", ["models:/credit/9", "does not resolve"]),
    "a run that does not exist": (lambda m, f: "runs:/0123456789abcdef/model", ["runs:/0123456789abcdef/model",
                                                                                "does not resolve"]),
    "a folder without MLmodel": (lambda m, f: str(f), ["{folder}", "is a folder without an MLmodel file"]),
    "a flavour Assay cannot run": (lambda m, f: _unsupported_flavour(f), ["pytorch", "flavour", "not one Assay can run"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_mlflow_models_exit_2_naming_them(case, mlflow_models, tmp_path):
    make, expected = BAD[case]
    settings = {**mlflow_models.settings, "model": {"path": make(mlflow_models, tmp_path)},
                "mlflow": {"tracking_uri": mlflow_models.store}}
    result = run_cli("audit", str(write_toml(tmp_path / "audit.toml", settings)), "-q", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in expected:
        assert fragment.format(folder=tmp_path) in lines[0]


def test_a_folder_store_without_the_opt_in_says_to_set_it(mlflow_models, tmp_path):
    settings = {**mlflow_models.settings, "model": {"path": "models:/credit/1"},
                "mlflow": {"tracking_uri": mlflow_models.store}}
    result = run_cli("audit", str(write_toml(tmp_path / "audit.toml", settings)), "-q", cwd=tmp_path,
                     env={"MLFLOW_ALLOW_FILE_STORE": "false"})
    assert result.returncode == 2
    assert "MLFLOW_ALLOW_FILE_STORE=true" in result.stderr and "[mlflow] tracking_uri" in result.stderr


def test_an_address_needs_a_tracking_uri(mlflow_models, tmp_path):
    settings = {**mlflow_models.settings, "model": {"path": "models:/credit/1"}}
    result = run_cli("audit", str(write_toml(tmp_path / "audit.toml", settings)), "-q", cwd=tmp_path)
    assert result.returncode == 2 and "set [mlflow] tracking_uri" in result.stderr
