"""Model files: the trust decision, running no code from the file (a hash pin; pickle and joblib need the
user's trust; skops' untrusted types are listed), then opening the file and describing the model for the
report's provenance. The audit opens models in a separate process (engine.isolation)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.engine.errors import InputError, ModelOpenError, ModelTrustError, UntrustedTypesError
from assay.engine.input_files import InputInfo, check_file, sha256_file, short_error

if TYPE_CHECKING:
    from assay.engine.integrations.mlflow_models import MlflowModel

PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle", ".jbl"}
SKOPS_SUFFIXES = {".skops"}
MODEL_FILTER = "Models (*.skops *.joblib *.pkl *.pickle)"


@dataclass(frozen=True)
class LoadedModel:
    """An opened model. In the audit `model` is None: the object lives in the model process, and the other
    fields describe it (filled from the object when one is given here)."""

    model: Any
    info: InputInfo
    type_name: str
    params: dict[str, str]
    expected_columns: tuple[str, ...] | None
    classes: tuple[Any, ...] | None = None  # the model's classes_ (None: read them from `model`)
    methods: tuple[str, ...] | None = None  # which of predict, predict_proba, decision_function it has
    signature: tuple[str, ...] | None = None  # an MLflow model's signature: the input columns it requires
    mlflow: dict[str, Any] | None = None  # where an MLflow model came from (MlflowModel.describe())

    def __post_init__(self) -> None:
        if self.model is not None:
            if self.classes is None:
                object.__setattr__(self, "classes", model_classes(self.model))
            if self.methods is None:
                object.__setattr__(self, "methods", model_methods(self.model))

    def described(self) -> "LoadedModel":
        """The same description without the object: what crosses from the model process."""
        import dataclasses

        return dataclasses.replace(self, model=None)


def untrusted_skops_types(path: str | Path) -> list[str]:
    """The types in a skops file that skops does not trust by default (empty if none). Reads the file's
    schema only: no code in the file runs."""
    import skops.io as sio

    path = Path(path)
    check_file(path, "model file")
    try:
        return list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise ModelOpenError(f"{path}: not a valid skops model file ({short_error(exc)}); export the model again.",
                             path) from exc


def is_mlflow_model(path: str | Path) -> bool:
    """Whether `[model] path` names an MLflow model: a models:/ or runs:/ address, or a folder (which must hold
    an MLmodel file; engine/integrations/mlflow_models.py)."""
    from assay.engine.config import MLFLOW_ADDRESSES

    return str(path).startswith(MLFLOW_ADDRESSES) or Path(path).is_dir()


def needs_trust(path: str | Path) -> bool:
    """Whether opening the file can run code (pickle, joblib)."""
    return Path(path).suffix.lower() not in SKOPS_SUFFIXES


@dataclass(frozen=True)
class ModelFile:
    """A model file that passed the trust checks: what `open_model_file` may open, and how."""

    path: Path
    sha256: str
    format: str  # "skops", "joblib", "pickle" or "cloudpickle"
    accepted_types: tuple[str, ...] = ()  # skops types the user accepted
    mlflow: MlflowModel | None = None  # the MLflow model `path` is the file of

    @property
    def report_format(self) -> str:
        """The format the report names: "skops", or "mlflow-sklearn/cloudpickle" for an MLflow model."""
        return self.mlflow.format if self.mlflow is not None else self.format


def check_model_file(path: str | Path, *, trusted: bool = False, trusted_types: tuple[str, ...] = (),
                     sha256: str | None = None, tracking_uri: str | None = None) -> ModelFile:
    """The trust decision, running no code from the file: the hash pin, pickle/joblib trust, skops' types.
    An MLflow model folder or address (resolved against `tracking_uri`) is checked as the file its MLmodel names.

    Raises ModelTrustError / UntrustedTypesError when the user has not trusted the file, InputError when it is
    missing, unreadable or changed since it was trusted (or an MLflow model that does not resolve or that Assay
    cannot run), ModelOpenError when a skops file is damaged.
    """
    mlflow = None
    if is_mlflow_model(path):
        from assay.engine.integrations.mlflow_models import resolve_mlflow_model

        mlflow = resolve_mlflow_model(path, tracking_uri)
        path = mlflow.model_file
    path = Path(path)
    check_file(path, "model file")
    sha = sha256_file(path)
    if sha256 is not None and sha256.lower() != sha:
        raise InputError(f"{path}: the model file changed since it was trusted (expected SHA-256 {sha256}, found "
                         f"{sha}); review the new file and trust it again, or restore the original.", path)
    suffix = path.suffix.lower()
    if (mlflow.serialization == "skops") if mlflow else suffix in SKOPS_SUFFIXES:
        untrusted = [t for t in untrusted_skops_types(path) if t not in trusted_types]
        if untrusted and not trusted:
            raise UntrustedTypesError(path, untrusted)
        return ModelFile(path, sha, "skops", tuple(trusted_types) + tuple(untrusted), mlflow=mlflow)
    if not trusted:
        raise ModelTrustError(path, sha, kind=mlflow.kind if mlflow else "a pickle/joblib model")
    if mlflow is not None:
        return ModelFile(path, sha, mlflow.serialization, mlflow=mlflow)
    return ModelFile(path, sha, "joblib" if suffix in (".joblib", ".jbl") else "pickle")


def open_model_file(file: ModelFile) -> LoadedModel:
    """Open a model file that passed `check_model_file`: this runs the file's code (pickle/joblib) or skops'
    loaders. The file must still have the hash it was checked with. Raises ModelOpenError."""
    path = file.path
    if sha256_file(path) != file.sha256:
        raise ModelOpenError(f"{path}: the model file changed while it was being opened; open the audit again.",
                             path)
    if file.format == "skops":
        import skops.io as sio

        try:
            model = sio.load(path, trusted=list(file.accepted_types) or None)
        except Exception as exc:
            raise ModelOpenError(f"{path}: the skops model could not be loaded ({short_error(exc)}).", path) from exc
    else:
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:
            raise ModelOpenError(
                f"{path}: the model file could not be loaded ({short_error(exc)}); it may be damaged or need "
                f"a library that is not installed.", path) from exc
    if not (hasattr(model, "predict") or hasattr(model, "predict_proba")):
        raise ModelOpenError(f"{path}: the object in the file ({type(model).__name__}) has no predict method; "
                             f"give a fitted scikit-learn model or pipeline.", path)
    info = InputInfo("model", str(path), file.sha256, format=file.report_format, detail=type(model).__name__)
    expected = getattr(model, "feature_names_in_", None)
    return LoadedModel(
        model=model, info=info, type_name=describe_model(model), params=model_params(model),
        expected_columns=tuple(str(c) for c in expected) if expected is not None else None,
        classes=model_classes(model), methods=model_methods(model),
        signature=file.mlflow.signature if file.mlflow else None,
        mlflow=file.mlflow.describe() if file.mlflow else None,
    )


def load_model(path: str | Path, *, trusted: bool = False, trusted_types: tuple[str, ...] = (),
               sha256: str | None = None) -> LoadedModel:
    """Open a model in this process. skops files go through skops' type checks; pickle/joblib need `trusted`.

    With `sha256`, the file must have that hash: trust given to one file does not pass to another.
    The audit does not call this: it opens models in a separate process (engine.isolation).
    """
    return open_model_file(check_model_file(path, trusted=trusted, trusted_types=trusted_types, sha256=sha256))


def model_classes(model: Any) -> tuple[Any, ...]:
    return tuple(getattr(model, "classes_", ()))


def model_methods(model: Any) -> tuple[str, ...]:
    """Which of the prediction methods the model has."""
    return tuple(m for m in ("predict", "predict_proba", "decision_function") if hasattr(model, m))


def describe_model(model: Any) -> str:
    """"Pipeline(ColumnTransformer → HistGradientBoostingClassifier)" and the like."""
    steps = getattr(model, "steps", None)
    if steps:
        return f"{type(model).__name__}({' → '.join(type(s).__name__ for _, s in steps)})"
    return type(model).__name__


def model_params(model: Any) -> dict[str, str]:
    """The final estimator's parameters, as text, for the report's provenance."""
    final = model.steps[-1][1] if getattr(model, "steps", None) else model
    try:
        params = final.get_params(deep=False)
    except Exception:
        return {}
    return {k: repr(v) for k, v in sorted(params.items())}


def check_model_columns(model: LoadedModel, columns: list[str], path: str, ignore: set[str]) -> None:
    """Refuse a model that expects columns the data lacks (or an MLflow model whose signature names columns the
    data lacks); list missing and unexpected ones."""
    if model.signature:
        from assay.engine.integrations.mlflow_models import check_signature

        check_signature(model.signature, columns, path)
    if model.expected_columns is None:
        return
    present = set(columns)
    missing = [c for c in model.expected_columns if c not in present]
    if missing:
        unexpected = [c for c in columns if c not in set(model.expected_columns) and c not in ignore]
        more = f"; columns in the data the model does not use: {', '.join(unexpected[:20])}" if unexpected else ""
        raise InputError(
            f"{path}: the model expects columns the data lacks: {', '.join(missing)}{more}. "
            f"Choose the matching data file or model.", path, missing[0])
