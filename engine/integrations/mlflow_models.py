"""MLflow models in: `[model] path` may be an MLflow model folder (one with an MLmodel file) or a `models:/NAME/VERSION`
or `runs:/RUN_ID/PATH` address resolved against `[mlflow] tracking_uri`.

Resolving runs no code from the model: the MLmodel file (YAML) names the flavour, the file that holds the model and
its serialization format, and the signature (input columns). Assay runs the scikit-learn flavour: its file is then
checked and opened as any model file is (engine/model_files.py: pickle and cloudpickle need trust as joblib does,
skops files' types are listed), in the model process. A folder needs no MLflow installed; an address does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.engine.config import MLFLOW_ADDRESSES
from assay.engine.errors import ConfigError, InputError
from assay.engine.input_files import short_error

MLMODEL = "MLmodel"
FLAVOUR = "sklearn"  # the one flavour Assay runs
FORMATS = {"skops": "skops", "cloudpickle": "cloudpickle", "pickle": "pickle"}  # sklearn's serialization_format


@dataclass(frozen=True)
class MlflowModel:
    """An MLflow model resolved to a local folder: what its MLmodel says and where it came from."""

    source: str  # the folder or address as given in [model] path
    folder: Path
    flavour: str
    serialization: str  # "skops", "cloudpickle" or "pickle"
    model_file: Path
    signature: tuple[str, ...] | None = None  # the input columns of its signature, when it names them
    run_id: str | None = None
    model_id: str | None = None  # MLflow 3's logged model
    name: str | None = None  # the registered model's name and version (models:/ addresses)
    version: str | None = None
    tracking_uri: str | None = None

    @property
    def kind(self) -> str:
        """How the trust prompt names it: "an MLflow model (sklearn flavour, cloudpickle format)"."""
        return f"an MLflow model ({self.flavour} flavour, {self.serialization} format)"

    @property
    def format(self) -> str:
        """The report's model format."""
        return f"mlflow-{self.flavour}/{self.serialization}"

    def describe(self) -> dict[str, Any]:
        """The report's provenance (provenance.model.mlflow) and what an MLflow run links to."""
        found = {"source": self.source, "folder": str(self.folder), "flavour": self.flavour,
                 "serialization": self.serialization, "signature": list(self.signature) if self.signature else None,
                 "run_id": self.run_id, "model_id": self.model_id, "name": self.name, "version": self.version,
                 "tracking_uri": self.tracking_uri}
        return {k: v for k, v in found.items() if v is not None}


def resolve_mlflow_model(path: str | Path, tracking_uri: str | None = None) -> MlflowModel:
    """The MLflow model at a folder or address. Raises InputError for an address that does not resolve, a folder
    without an MLmodel file or a flavour Assay cannot run; ConfigError for a missing or refused store."""
    text = str(path)
    if text.startswith(MLFLOW_ADDRESSES):
        folder, origin = _resolve_address(text, tracking_uri)
        return read_mlmodel(folder, source=text, **origin, tracking_uri=tracking_uri)
    return read_mlmodel(Path(path), source=text)


def read_mlmodel(folder: Path, *, source: str, **origin: Any) -> MlflowModel:
    """Read an MLflow model folder's MLmodel file (no code from the model runs)."""
    mlmodel = folder / MLMODEL
    if not mlmodel.is_file():
        raise InputError(f"{source}: is a folder without an {MLMODEL} file, so not an MLflow model folder; choose "
                         f"the model file inside it (.skops, .joblib, .pkl), or the folder mlflow.sklearn.save_model "
                         f"wrote (it holds {MLMODEL}).", folder)
    import yaml  # PyYAML: installed with dask (a core dependency) and with MLflow

    try:
        meta = yaml.safe_load(mlmodel.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{mlmodel}: not a readable {MLMODEL} file ({short_error(exc)}); save the model again "
                         f"with MLflow.", mlmodel) from exc
    flavours = meta.get("flavors") if isinstance(meta, dict) else None
    if not isinstance(flavours, dict) or not flavours:
        raise InputError(f"{mlmodel}: lists no flavours; save the model again with mlflow.sklearn.", mlmodel)
    if FLAVOUR not in flavours:
        names = ", ".join(str(f) for f in flavours)
        raise InputError(f"{source}: the MLflow model's flavour ({names}) is not one Assay can run; Assay runs "
                         f"scikit-learn models, saved with mlflow.sklearn.save_model or log_model.", folder)
    conf = flavours[FLAVOUR] or {}
    serialization = str(conf.get("serialization_format") or "cloudpickle")
    if serialization not in FORMATS:
        raise InputError(f"{mlmodel}: the sklearn flavour's serialization format {serialization!r} is not one "
                         f"Assay can open ({', '.join(FORMATS)}).", mlmodel)
    file_name = conf.get("pickled_model") or (flavours.get("python_function") or {}).get("model_path")
    if not file_name:
        raise InputError(f"{mlmodel}: the sklearn flavour names no model file (pickled_model); save the model "
                         f"again with mlflow.sklearn.", mlmodel)
    model_file = (folder / str(file_name)).resolve()
    if folder.resolve() not in model_file.parents:
        raise InputError(f"{mlmodel}: the model file {file_name!r} lies outside the model folder; it was not "
                         f"opened.", mlmodel)
    origin.setdefault("run_id", meta.get("run_id"))
    origin.setdefault("model_id", meta.get("model_id"))
    return MlflowModel(source=source, folder=folder, flavour=FLAVOUR, serialization=FORMATS[serialization],
                       model_file=model_file, signature=_signature_columns(meta.get("signature")), **origin)


def check_signature(signature: tuple[str, ...] | None, columns: list[str], path: str) -> None:
    """Refuse data that lacks a column the MLflow model's signature requires."""
    if not signature:
        return
    missing = [c for c in signature if c not in set(columns)]
    if missing:
        raise InputError(f"{path}: the MLflow model's signature (its {MLMODEL} file's inputs) names columns the "
                         f"data lacks: {', '.join(missing)}. Choose the matching data file or model.",
                         path, missing[0])


def _signature_columns(signature: Any) -> tuple[str, ...] | None:
    """The named input columns of an MLmodel signature (a JSON list of column specs), None for tensors."""
    if not isinstance(signature, dict) or not signature.get("inputs"):
        return None
    try:
        inputs = json.loads(signature["inputs"])
    except (TypeError, ValueError):
        return None
    names = [spec.get("name") for spec in inputs if isinstance(spec, dict) and spec.get("required", True)]
    return tuple(str(n) for n in names if n is not None) or None


def _resolve_address(address: str, uri: str | None) -> tuple[Path, dict[str, Any]]:
    """(the local folder of a models:/ or runs:/ address, where it came from)."""
    from assay.engine.integrations.mlflow_store import import_mlflow, store_error, using_store

    if uri is None:
        raise ConfigError(f"[model] path {address}: an MLflow address needs the store it lives in; set [mlflow] "
                          f"tracking_uri (a folder or sqlite:///mlflow.db).", key="mlflow.tracking_uri")
    import_mlflow(f"[model] path {address}")
    from mlflow.exceptions import MlflowException
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    origin: dict[str, Any] = {}
    try:
        with using_store(uri):
            if address.startswith("runs:/"):
                origin["run_id"] = address[len("runs:/"):].split("/", 1)[0]
            else:
                origin.update(_registered(address, uri))
            repo = get_artifact_repository(address, tracking_uri=uri, registry_uri=uri)
            folder = _local_folder(repo)
            if address.startswith("runs:/") and (folder is None or not folder.is_dir()):
                folder = _logged_model_folder(repo, address)  # MLflow 3 keeps a run's models as logged models
    except MlflowException as exc:
        text = " ".join(str(exc).split())
        if "not found" in text.lower() or "RESOURCE_DOES_NOT_EXIST" in text:
            raise InputError(f"[model] path {address}: does not resolve in the MLflow store {uri} ({text[:200]}); "
                             f"check the name, version or run id.") from exc
        raise store_error(exc, uri, "[mlflow] tracking_uri") from exc
    except Exception as exc:  # noqa: BLE001  a store MLflow cannot open (a missing SQLAlchemy, a bad URI)
        raise store_error(exc, uri, "[mlflow] tracking_uri") from exc
    if folder is None:
        raise InputError(f"[model] path {address}: its artifacts are not in a local folder ({uri}); Assay reads "
                         f"MLflow models from local stores only (no network).")
    if not folder.is_dir():
        raise InputError(f"[model] path {address}: does not resolve in the MLflow store {uri} (no artifacts at "
                         f"{folder}); check the run id and the model's path in the run.", folder)
    return folder, origin


def _local_folder(repo: Any) -> Path | None:
    """The local folder of an artifact repository (models:/ and runs:/ repositories wrap one), None if remote."""
    folder = getattr(getattr(repo, "repo", repo), "artifact_dir", None)
    return Path(folder) if folder is not None else None


def _logged_model_folder(repo: Any, address: str) -> Path | None:
    """runs:/RUN_ID/NAME/...: the folder of the model NAME that the run logged (MLflow 3's logged models)."""
    run_id, _, rest = address[len("runs:/"):].partition("/")
    name, _, inner = rest.partition("/")
    find = getattr(repo, "_get_logged_model_artifact_repo", None)
    logged = find(run_id=run_id, name=name) if find is not None and name else None
    folder = _local_folder(logged) if logged is not None else None
    return folder / inner if folder is not None and inner else folder


def _registered(address: str, uri: str) -> dict[str, Any]:
    """The registered model's name, version, run and logged model of a models:/NAME/VERSION address."""
    from mlflow import MlflowClient

    name, _, version = address[len("models:/"):].partition("/")
    if not version.isdigit():  # models:/m-... (a logged model), models:/NAME@alias: no version to look up
        return {"model_id": name} if name.startswith("m-") and not version else {"name": name}
    found = MlflowClient(tracking_uri=uri, registry_uri=uri).get_model_version(name, version)
    return {"name": name, "version": version, "run_id": found.run_id or None,
            "model_id": getattr(found, "model_id", None) or None}
