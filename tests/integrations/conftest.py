"""Fixtures of the integration tests: the demo's scikit-learn pipeline saved by MLflow (a skops folder, a
cloudpickle folder, and a registered model in a local folder store), and one audit of the registered model
that writes the JSON, the .prom file and an MLflow run (read by several tests)."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("mlflow", reason="the mlflow extra (pip install '.[mlflow]'; make test installs it)")

FAST = {"performance": {"bootstrap_resamples": 100}, "fairness": {"bootstrap_resamples": 100},
        "drift": {"permutations": 50}, "explain": {"method": "none"}}  # the audit's numbers, at a test's size
FILE_STORE = "MLFLOW_ALLOW_FILE_STORE"


@pytest.fixture(scope="session")
def allow_file_store():
    """MLflow refuses folder stores unless MLFLOW_ALLOW_FILE_STORE=true (what the README tells users to set)."""
    before = os.environ.get(FILE_STORE)
    os.environ[FILE_STORE] = "true"
    yield
    if before is None:
        os.environ.pop(FILE_STORE, None)
    else:
        os.environ[FILE_STORE] = before


def demo_settings(demo_audit: Path) -> dict:
    """The demo's audit file as a dict, with absolute data paths and the test's sizes."""
    settings = tomllib.loads(demo_audit.read_text(encoding="utf-8"))
    settings["data"] = {k: str(demo_audit.parent / v) for k, v in settings["data"].items()}
    for section, values in FAST.items():
        settings[section] = {**settings[section], **values}
    return settings


@pytest.fixture(scope="session")
def mlflow_models(demo_audit: Path, tmp_path_factory: pytest.TempPathFactory, allow_file_store):
    """The demo's pipeline saved by mlflow.sklearn (mlflow-skinny does this without the full mlflow)."""
    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import skops.io as sio
    from mlflow.models import infer_signature

    folder = tmp_path_factory.mktemp("mlflow")
    settings = demo_settings(demo_audit)
    trusted = settings["model"]["trusted_types"]
    model = sio.load(demo_audit.parent / "model.skops", trusted=trusted)
    reference = pd.read_parquet(settings["data"]["reference"])
    features = reference[list(model.feature_names_in_)].head(100)
    signature = infer_signature(features, model.predict_proba(features)[:, 1])
    mlflow.sklearn.save_model(model, folder / "skops", signature=signature, skops_trusted_types=trusted)
    mlflow.sklearn.save_model(model, folder / "cloudpickle", signature=signature, serialization_format="cloudpickle")
    store = (folder / "store").as_uri()
    client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
    mlflow.set_tracking_uri(store)
    mlflow.set_registry_uri(store)
    try:
        with mlflow.start_run() as run:
            logged = mlflow.sklearn.log_model(model, name="model", signature=signature, skops_trusted_types=trusted,
                                              registered_model_name="credit")
    finally:
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        os.environ.pop("MLFLOW_REGISTRY_URI", None)
    return SimpleNamespace(model=model, settings=settings, trusted=trusted, folder=folder, store=store,
                           client=client, run_id=run.info.run_id, model_id=logged.model_id,
                           features=tuple(model.feature_names_in_))


def write_toml(path: Path, settings: dict) -> Path:
    import tomli_w

    path.write_text(tomli_w.dumps(settings), encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`assay ...` in a subprocess, as a user runs it (exit code, one line on stderr)."""
    from tests.bad_inputs import cli_env

    return subprocess.run([sys.executable, "-m", "assay.engine.cli", *args], capture_output=True, text=True,
                          env={**cli_env(), **(env or {})}, cwd=cwd, timeout=600)


@pytest.fixture(scope="session")
def mlflow_audit(mlflow_models, tmp_path_factory: pytest.TempPathFactory):
    """The demo audited with its model from the registry (models:/credit/1), written as JSON and .prom and
    logged to the same store as one MLflow run."""
    from assay.engine.cli import main

    folder = tmp_path_factory.mktemp("audit")
    settings = {**mlflow_models.settings, "model": {**mlflow_models.settings["model"], "path": "models:/credit/1"},
                "mlflow": {"tracking_uri": mlflow_models.store, "experiment": "credit audits"}}
    audit = write_toml(folder / "audit.toml", settings)
    out = SimpleNamespace(json=folder / "report.json", prom=folder / "assay.prom", folder=folder)
    out.code = main(["audit", str(audit), "--json", str(out.json), "--prometheus", str(out.prom), "--mlflow", "-q"])
    return out
