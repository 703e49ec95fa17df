"""Results out to MLflow: the demo audit logged to a real local store and read back with MLflow's client; the
metric names come from the report's shape (report_metrics.py), so a new analysis' estimates come out too."""
from __future__ import annotations

import json

import pytest

from assay.engine.integrations.report_metrics import metric_values
from tests.integrations.conftest import run_cli, write_toml


@pytest.fixture(scope="module")
def logged(mlflow_audit, mlflow_models):
    """The audit's run, read back with MlflowClient."""
    client = mlflow_models.client
    experiment = client.get_experiment_by_name("credit audits")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return runs[0], json.loads(mlflow_audit.json.read_text())


def test_the_run_holds_the_headline_metrics_with_their_intervals(logged):
    run, report = logged
    metrics = run.data.metrics
    roc_auc = report["performance"]["production"]["metrics"]["roc_auc"]
    assert metrics["performance.production.roc_auc"] == roc_auc["value"]
    assert metrics["performance.production.roc_auc.ci_low"] == roc_auc["ci_low"]
    assert metrics["performance.production.roc_auc.ci_high"] == roc_auc["ci_high"]
    assert metrics["drift.share_drifted"] == report["drift"]["share_drifted"]
    for feature in report["drift"]["features"]:
        assert metrics[f"drift.features.{feature['feature']}.effect_size"] == feature["effect_size"]
    for column, found in report["fairness"]["production"].items():
        for name, disparity in found["disparities"].items():
            if disparity["value"] is not None:
                assert metrics[f"fairness.production.{column}.disparities.{name}"] == disparity["value"]
    assert metrics == metric_values(report)


def test_the_run_tags_params_artifacts_and_model_link(logged, mlflow_models):
    run, report = logged
    tags, params = run.data.tags, run.data.params
    assert tags["assay.verdict"] == report["verdict"] == "fail"
    assert tags["assay.report_id"] == report["integrity"]["results_sha256"]
    assert tags["assay.model.name"] == "credit" and tags["assay.model.version"] == "1"
    assert tags["assay.model.run_id"] == mlflow_models.run_id
    assert tags["assay.model.sha256"] == report["provenance"]["model"]["sha256"]
    assert params["performance.threshold"] == "0.5" and params["model.path"] == "models:/credit/1"
    assert params["columns.sensitive"] == json.dumps(["sex", "age_band"])
    assert [m.model_id for m in run.inputs.model_inputs] == [mlflow_models.model_id]
    assert run.info.status == "FINISHED"
    artifacts = {a.path for a in mlflow_models.client.list_artifacts(run.info.run_id)}
    assert artifacts == {"report.json", "audit-report.pdf"}
    local = mlflow_models.client.download_artifacts(run.info.run_id, "report.json")
    assert json.loads(open(local, encoding="utf-8").read()) == report


def test_a_new_analysis_estimates_become_metrics_without_special_cases():
    report = {"verdict": "pass", "title": "t", "toy": {"production": {"metrics": {
        "score": {"value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "reason": None},
        "undefined": {"value": None, "reason": "one class"}}}, "rows": 10,
        "columns": [{"column": "age 65+", "effect_size": 0.25}, {"label": "2025-01", "effect_size": 9.0}]}}
    assert metric_values(report) == {"toy.production.score": 0.5, "toy.production.score.ci_low": 0.4,
                                     "toy.production.score.ci_high": 0.6, "toy.columns.age 65_.effect_size": 0.25}


def test_mlflow_without_a_store_or_with_a_refused_one_exits_2_before_the_audit(mlflow_models, tmp_path):
    audit = write_toml(tmp_path / "audit.toml", mlflow_models.settings)
    result = run_cli("audit", str(audit), "--mlflow", "-q", cwd=tmp_path)
    assert result.returncode == 2 and "--mlflow: give the store's URI" in result.stderr
    result = run_cli("audit", str(audit), "--mlflow", "store", "-q", cwd=tmp_path,
                     env={"MLFLOW_ALLOW_FILE_STORE": "false"})
    assert result.returncode == 2 and "MLFLOW_ALLOW_FILE_STORE=true" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "store").exists()


def test_a_sqlite_store_without_sqlalchemy_says_what_to_install(tmp_path, allow_file_store):
    import importlib.util

    from assay.engine.errors import ConfigError
    from assay.engine.integrations.mlflow_runs import open_experiment

    pytest.importorskip("mlflow")
    if importlib.util.find_spec("sqlalchemy") is not None:
        pytest.skip("SQLAlchemy is installed here: MLflow opens SQLite stores")
    with pytest.raises(ConfigError, match=r"--mlflow sqlite:///.*needs SQLAlchemy and Alembic.*pip install sqlalchemy"):
        open_experiment(f"sqlite:///{tmp_path / 'mlflow.db'}", "assay")
