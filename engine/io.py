"""Loading inputs: tables (CSV, Parquet, Feather) and model artifacts (skops, trusted joblib/pickle).

Every input is hashed (SHA-256) and counted for the report's provenance. Errors name the
file and say what to do.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import InputError, ModelOpenError, ModelTrustError, UntrustedTypesError

# Tokens read as missing in text files, besides the empty field.
MISSING_TOKENS = (
    "", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none",
    "-", "?", "#N/A", "#NA", "missing", "MISSING", "<NA>",
)
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".dat"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".ftr", ".arrow", ".ipc"}
PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle", ".jbl"}
SKOPS_SUFFIXES = {".skops"}
TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.parquet *.pq *.feather *.arrow)"
MODEL_FILTER = "Models (*.skops *.joblib *.pkl *.pickle)"


@dataclass(frozen=True)
class InputInfo:
    """Provenance of one input file."""

    role: str
    path: str
    sha256: str
    rows: int | None = None
    columns: int | None = None
    format: str = ""
    detail: str = ""  # e.g. "CSV, delimiter ';', encoding cp1252"
    time_range: tuple[str, str] | None = None  # first and last value of the timestamp column, when there is one


@dataclass(frozen=True)
class Dataset:
    frame: pd.DataFrame
    info: InputInfo


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


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise InputError(f"{path}: {what} not found; check the path.", path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; choose the {what} file inside it.", path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {what} ({exc.strerror}); check its permissions.", path) from exc
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the {what} is empty (0 bytes); export it again.", path)


# -- tables ----------------------------------------------------------------------------------


def load_dataset(path: str | Path, role: str = "data") -> Dataset:
    """Read a table and record its provenance. `role` is "reference" or "production"."""
    path = Path(path)
    _check_file(path, f"{role} data file")
    kind = _table_format(path)
    try:
        if kind == "parquet":
            frame, detail = pd.read_parquet(path), "Parquet"
        elif kind == "feather":
            frame, detail = pd.read_feather(path), "Feather"
        else:
            frame, detail = _read_csv(path)
    except InputError:
        raise
    except Exception as exc:  # pyarrow/pandas raise many types for a damaged file
        label = {"parquet": "a valid Parquet file", "feather": "a valid Feather file"}.get(kind, "a readable table")
        raise InputError(f"{path}: not {label} ({_short(exc)}); check that the file is complete.", path) from exc
    _check_columns(frame, path)
    frame = _normalise(frame)
    info = InputInfo(role, str(path), sha256_file(path), len(frame), frame.shape[1], kind, detail)
    return Dataset(frame, info)


def _table_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in FEATHER_SUFFIXES:
        return "feather"
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1"):
        return "feather"
    return "csv"


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "latin-1"


def _detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    with open(path, "rb") as handle:
        sample = handle.read(256 * 1024)
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: looks like a binary file, not a table; choose a CSV, Parquet or Feather file.", path)
    encoding = _detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    delimiter = _detect_delimiter(text)
    import pyarrow as pa
    from pyarrow import csv as pacsv

    read = pacsv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig", "ascii") else encoding,
                             block_size=1 << 24)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(null_values=list(MISSING_TOKENS), strings_can_be_null=True,
                                   quoted_strings_can_be_null=True)
    try:
        table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "Expected" in message and "columns" in message:
            raise InputError(
                f"{path}: rows have different numbers of fields ({_short(exc)}); "
                f"fix the file or check that the delimiter {delimiter!r} is right.", path) from exc
        if "Empty CSV" in message:
            raise InputError(f"{path}: the file has no header row; export it again with column names.", path) from exc
        raise InputError(f"{path}: cannot read as CSV ({_short(exc)}).", path) from exc
    frame = table.to_pandas()
    if frame.columns.size and isinstance(frame.columns[0], str):
        frame.columns = [c.lstrip("\ufeff") for c in frame.columns]
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]
    return frame, f"CSV, {name}-delimited, {encoding}"


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"{path}: the table has no columns; check the file's delimiter and header.", path)
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(
            f"{path}: column names appear more than once: {', '.join(map(repr, duplicated))}; rename them so "
            f"each column has its own name.", path, duplicated[0])


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """String column names; empty names replaced by their position."""
    names = [str(c) if str(c).strip() else f"column_{i + 1}" for i, c in enumerate(frame.columns)]
    frame.columns = names
    return frame


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- models ----------------------------------------------------------------------------------


def untrusted_skops_types(path: str | Path) -> list[str]:
    """The types in a skops file that skops does not trust by default (empty if none). Reads the file's
    schema only: no code in the file runs."""
    import skops.io as sio

    path = Path(path)
    _check_file(path, "model file")
    try:
        return list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise ModelOpenError(f"{path}: not a valid skops model file ({_short(exc)}); export the model again.",
                             path) from exc


def needs_trust(path: str | Path) -> bool:
    """Whether opening the file can run code (pickle, joblib)."""
    return Path(path).suffix.lower() not in SKOPS_SUFFIXES


@dataclass(frozen=True)
class ModelFile:
    """A model file that passed the trust checks: what `open_model_file` may open, and how."""

    path: Path
    sha256: str
    format: str  # "skops", "joblib" or "pickle"
    accepted_types: tuple[str, ...] = ()  # skops types the user accepted


def check_model_file(path: str | Path, *, trusted: bool = False, trusted_types: tuple[str, ...] = (),
                     sha256: str | None = None) -> ModelFile:
    """The trust decision, running no code from the file: the hash pin, pickle/joblib trust, skops' types.

    Raises ModelTrustError / UntrustedTypesError when the user has not trusted the file, InputError when it is
    missing, unreadable or changed since it was trusted, ModelOpenError when a skops file is damaged.
    """
    path = Path(path)
    _check_file(path, "model file")
    sha = sha256_file(path)
    if sha256 is not None and sha256.lower() != sha:
        raise InputError(f"{path}: the model file changed since it was trusted (expected SHA-256 {sha256}, found "
                         f"{sha}); review the new file and trust it again, or restore the original.", path)
    suffix = path.suffix.lower()
    if suffix in SKOPS_SUFFIXES:
        untrusted = [t for t in untrusted_skops_types(path) if t not in trusted_types]
        if untrusted and not trusted:
            raise UntrustedTypesError(path, untrusted)
        return ModelFile(path, sha, "skops", tuple(trusted_types) + tuple(untrusted))
    if not trusted:
        raise ModelTrustError(path, sha)
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
            raise ModelOpenError(f"{path}: the skops model could not be loaded ({_short(exc)}).", path) from exc
    else:
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:
            raise ModelOpenError(
                f"{path}: the model file could not be loaded ({_short(exc)}); it may be damaged or need "
                f"a library that is not installed.", path) from exc
    if not (hasattr(model, "predict") or hasattr(model, "predict_proba")):
        raise ModelOpenError(f"{path}: the object in the file ({type(model).__name__}) has no predict method; "
                             f"give a fitted scikit-learn model or pipeline.", path)
    info = InputInfo("model", str(path), file.sha256, format=file.format, detail=type(model).__name__)
    expected = getattr(model, "feature_names_in_", None)
    return LoadedModel(
        model=model, info=info, type_name=describe_model(model), params=model_params(model),
        expected_columns=tuple(str(c) for c in expected) if expected is not None else None,
        classes=model_classes(model), methods=model_methods(model),
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
    """Refuse a model that expects columns the data lacks; list missing and unexpected ones."""
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


def as_float_array(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
