"""Audit results out to MLflow: one run per audit (`assay audit AUDIT.toml --mlflow URI`, or `[mlflow]
tracking_uri` and `experiment`).

The run holds the report's metrics with their interval bounds (report_metrics.py: `performance.production.roc_auc`,
`performance.production.roc_auc.ci_low`, `...ci_high`, `drift.share_drifted`, `drift.features.age.effect_size`,
fairness disparities ...), the verdict and report id as tags, the audit's configuration as parameters
(`section.key`), and the JSON and PDF reports as artifacts. When the model came from MLflow the run links to it:
tags name its address, run, registered name and version, and a logged model of the same store is the run's
model input."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assay.engine.errors import ConfigError
from assay.engine.integrations.mlflow_store import import_mlflow, store_error, using_store
from assay.engine.integrations.report_metrics import metric_values

BATCH = 100  # MLflow takes at most 1000 metrics and 100 parameters per call
PARAM_CHARS = 6000  # MLflow's longest parameter value
TAG = "assay."


@dataclass(frozen=True)
class MlflowTarget:
    """Where the audit's run goes: the store's URI and the experiment's id (made when it did not exist)."""

    tracking_uri: str
    experiment: str
    experiment_id: str


def open_experiment(uri: str, experiment: str, key: str = "--mlflow") -> MlflowTarget:
    """Check the store and find (or make) the experiment before the audit runs, so that a store that MLflow
    refuses stops the command before the work (exit 2), naming `key`."""
    import_mlflow(f"{key} {uri}")
    from mlflow import MlflowClient

    try:
        with using_store(uri):
            client = MlflowClient(tracking_uri=uri)
            found = client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found is not None else client.create_experiment(experiment)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001  MLflow's refusal of the store, said for the user
        raise store_error(exc, uri, key) from exc
    return MlflowTarget(tracking_uri=uri, experiment=experiment, experiment_id=experiment_id)


def log_audit_run(target: MlflowTarget, report: dict[str, Any], artifacts: list[Path]) -> str:
    """Log one audit (its JSON form, AuditReport.to_dict()) as a finished run; return the run's id."""
    import_mlflow(f"--mlflow {target.tracking_uri}")
    from mlflow import MlflowClient
    from mlflow.entities import LoggedModelInput, Metric, Param, RunTag

    with using_store(target.tracking_uri):
        client = MlflowClient(tracking_uri=target.tracking_uri)
        source = ((report.get("provenance") or {}).get("model") or {}).get("mlflow") or {}
        linked = source.get("model_id") if source.get("tracking_uri") == target.tracking_uri else None
        run = client.create_run(target.experiment_id, start_time=_millis(report["provenance"]["started_at"]),
                                tags=run_tags(report), run_name=report.get("title") or "Assay audit")
        run_id = run.info.run_id
        try:
            when = _millis(report["provenance"]["finished_at"])
            # not Metric(model_id=...): MLflow's folder store then writes the model's metrics into the run's
            # experiment, and a logged model of another experiment no longer resolves (runs:/ addresses fail)
            metrics = [Metric(key=name, value=value, timestamp=when, step=0)
                       for name, value in metric_values(report).items()]
            params = [Param(key, value) for key, value in run_params(report["provenance"]["config"]).items()]
            for start in range(0, max(len(metrics), len(params)), BATCH):
                client.log_batch(run_id, metrics=metrics[start:start + BATCH], params=params[start:start + BATCH])
            if linked:
                client.log_inputs(run_id, models=[LoggedModelInput(linked)])
            for path in artifacts:
                client.log_artifact(run_id, str(path))
            client.log_batch(run_id, tags=[RunTag(f"{TAG}artifacts", ", ".join(p.name for p in artifacts))])
        except BaseException:
            client.set_terminated(run_id, status="FAILED")
            raise
        client.set_terminated(run_id, status="FINISHED", end_time=when)
    return run_id


def run_tags(report: dict[str, Any]) -> dict[str, str]:
    """The verdict, the report id, the counts of findings and where the model came from."""
    findings = report.get("findings") or []
    tags = {f"{TAG}verdict": report["verdict"], f"{TAG}report_id": report["integrity"]["results_sha256"],
            f"{TAG}title": report.get("title") or "",
            **{f"{TAG}findings.{severity}": str(sum(f["severity"] == severity for f in findings))
               for severity in ("fail", "warn")}}
    model = (report.get("provenance") or {}).get("model") or {}
    if model.get("sha256"):
        tags[f"{TAG}model.sha256"] = model["sha256"]
    for key, value in (model.get("mlflow") or {}).items():
        if key in ("source", "run_id", "model_id", "name", "version", "flavour"):
            tags[f"{TAG}model.{key}"] = str(value)
    return tags


def run_params(config: dict[str, Any]) -> dict[str, str]:
    """The audit's configuration as `section.key` parameters; lists and tables as JSON."""
    params = {}
    for section, values in config.items():
        for key, value in (values or {}).items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
            params[f"{section}.{key}"] = text[:PARAM_CHARS]
    return params


def _millis(moment: str) -> int:
    return int(datetime.fromisoformat(moment).timestamp() * 1000)
