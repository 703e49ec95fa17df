"""Where users already work: MLflow models in (mlflow_models.py) and audit runs out (mlflow_runs.py), Prometheus
metrics (prometheus.py), and the notebook API `assay.audit(...)` (notebook.py). MLflow is an optional extra
(`pip install 'assay[mlflow]'`) imported only when an MLflow address, folder or URI is used."""
