"""The MLflow store an audit talks to: importing mlflow only when it is needed, the tracking URI of
`[mlflow] tracking_uri` (a folder relative to the audit file, or a URI), and MLflow's errors in Assay's words."""
from __future__ import annotations

import os
import re
from pathlib import Path
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assay.engine.errors import ConfigError

INSTALL = "pip install 'assay[mlflow]'"
FILE_STORE_ENV = "MLFLOW_ALLOW_FILE_STORE"


def import_mlflow(what: str) -> Any:
    """The mlflow module, or a ConfigError saying how to install it; `what` says what needed it. MLflow's usage
    telemetry is switched off first: Assay sends nothing anywhere (README, No network)."""
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    try:
        import mlflow
    except ImportError as exc:
        raise ConfigError(f"{what} needs MLflow, which is not installed; install it with {INSTALL} "
                          f"(mlflow-skinny).") from exc
    return mlflow


def tracking_uri(value: str | None, base: Path | None) -> str | None:
    """A URI MLflow accepts: URIs (sqlite:///..., file:///..., http://...) as given; a plain folder resolved
    against `base` (the audit file's folder) and written as a file: URI."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", value):  # a scheme (one letter would be a Windows drive)
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve().as_uri()


@contextmanager
def using_store(uri: str) -> Iterator[None]:
    """MLflow's default tracking and registry URIs set to `uri` for a while: parts of MLflow (a logged model's
    artifacts behind a models:/ address) read the defaults rather than the URIs they are given."""
    mlflow = import_mlflow(f"the MLflow store {uri}")

    before = (os.environ.get("MLFLOW_TRACKING_URI"), os.environ.get("MLFLOW_REGISTRY_URI"))
    tracking = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(tracking)
        mlflow.set_registry_uri(None)
        for name, value in zip(("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"), before):  # MLflow sets both
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def mlflow_tracking_uri(config: Any) -> str | None:
    """`[mlflow] tracking_uri` of an AuditConfig as a URI (a folder relative to the audit file's)."""
    return tracking_uri(config.mlflow.tracking_uri, config.source.parent if config.source else None)


def store_error(exc: BaseException, uri: str | None, key: str) -> ConfigError:
    """MLflow's refusal of a store, said for the user: the file store's opt-in, a SQLite store without
    SQLAlchemy, or MLflow's own message."""
    text = " ".join(str(exc).split())
    if uri and uri.startswith("file:") or "MLFLOW_ALLOW_FILE_STORE" in text:
        if os.environ.get(FILE_STORE_ENV, "").lower() != "true":
            return ConfigError(f"{key} {uri}: MLflow refuses local folder stores unless the environment variable "
                               f"{FILE_STORE_ENV}=true is set; set it (export {FILE_STORE_ENV}=true) or use a "
                               f"SQLite store such as sqlite:///mlflow.db.", key=key)
    if uri and uri.startswith("sqlite:") and ("sqlalchemy" in text.lower() or "unsupported uri" in text.lower()):
        return ConfigError(f"{key} {uri}: a SQLite MLflow store needs SQLAlchemy and Alembic, which mlflow-skinny "
                           f"does not install; pip install sqlalchemy alembic, or use a local folder store with "
                           f"{FILE_STORE_ENV}=true.", key=key)
    return ConfigError(f"{key} {uri}: MLflow could not use the store ({text[:300]}).", key=key)
