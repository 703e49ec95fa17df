"""Column kinds, column roles and the prediction task: inferred from the data, overridable."""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.config import AuditConfig
from assay.engine.errors import ConfigError
from assay.engine import labels
from assay.engine.progress import drain


class ColumnKind(StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"
    TEXT = "text"


class ColumnRole(StrEnum):
    FEATURE = "feature"
    TARGET = "target"
    PREDICTION = "prediction"
    PROBABILITY = "probability"
    SENSITIVE = "sensitive"
    TIMESTAMP = "timestamp"
    ID = "id"
    IGNORED = "ignored"


TASKS = ("binary", "multiclass", "regression")

# Names that make a role obvious (compared lower-case). Anything else needs the audit file.
TARGET_NAMES = {"target", "label", "y", "y_true", "ground_truth", "actual", "outcome", "class"}
PREDICTION_NAMES = {"prediction", "predicted", "pred", "y_pred", "y_hat", "yhat", "predicted_label", "predicted_class"}
PROBABILITY_NAMES = {"predicted_probability", "probability", "proba", "y_proba", "y_prob", "score", "y_score"}
PROBABILITY_PREFIXES = ("proba_", "prob_", "probability_")
SENSITIVE_NAMES = {"sex", "gender", "race", "ethnicity", "age_band", "age_group", "religion", "nationality",
                   "disability"}
BOOLEAN_TEXT = [{"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"}]
DATE_PATTERN = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
MAX_CLASSES = 50
YEAR_NAMES = {"year", "yr", "survey_year", "fiscal_year", "year_of_application"}


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: ColumnKind
    role: ColumnRole = ColumnRole.FEATURE
    mixed_types: bool = False  # text mixed with numbers: treated as categorical
    in_reference: bool = True
    in_production: bool = True


@dataclass(frozen=True)
class Schema:
    columns: tuple[ColumnInfo, ...]
    task: str | None  # "binary" | "multiclass" | "regression" | None (no target nor prediction)
    positive_label: Any = None
    classes: tuple[Any, ...] = ()

    def __getitem__(self, name: str) -> ColumnInfo:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def names(self, *roles: ColumnRole) -> list[str]:
        return [c.name for c in self.columns if c.role in roles]

    def first(self, role: ColumnRole) -> str | None:
        names = self.names(role)
        return names[0] if names else None

    @property
    def timestamp(self) -> str | None:
        return self.first(ColumnRole.TIMESTAMP)

    @property
    def analysed(self) -> list[ColumnInfo]:
        """Columns whose distributions are analysed: features and sensitive attributes."""
        return [c for c in self.columns if c.role in (ColumnRole.FEATURE, ColumnRole.SENSITIVE)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "positive_label": self.positive_label,
            "classes": list(self.classes),
            "columns": [
                {"name": c.name, "kind": c.kind.value, "role": c.role.value, "mixed_types": c.mixed_types,
                 "in_reference": c.in_reference, "in_production": c.in_production}
                for c in self.columns
            ],
        }


# -- kinds -----------------------------------------------------------------------------------


def infer_kind(series: pd.Series) -> tuple[ColumnKind, bool]:
    """The kind of one column, and whether it mixes numbers with text."""
    values = series.dropna()
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnKind.DATETIME, False
    if pd.api.types.is_bool_dtype(series):
        return ColumnKind.BOOLEAN, False
    if isinstance(series.dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORICAL, False
    if pd.api.types.is_numeric_dtype(series):
        # three distinct values among the first thousand settle "not boolean" without hashing a million
        head = values.iloc[:1000].unique()
        unique = head if len(head) > 2 else values.unique()
        array = values.to_numpy(dtype=float) if str(series.name).lower() in YEAR_NAMES and len(values) else None
        return numbers_kind(str(series.name), integer=pd.api.types.is_integer_dtype(series), present=len(values),
                            distinct=unique, all_distinct=lambda: values.nunique() == len(values),
                            whole=array is not None and bool(np.all(np.mod(array, 1) == 0)),
                            low=float(array.min()) if array is not None else None,
                            high=float(array.max()) if array is not None else None), False
    if len(values) == 0:
        return ColumnKind.CATEGORICAL, False
    text = values.astype(str)
    sample = text if len(text) <= 2000 else text.sample(2000, random_state=0)
    lowered = set(sample.str.strip().str.lower().unique())
    if any(lowered <= pair for pair in BOOLEAN_TEXT) and len(lowered) == 2:
        return ColumnKind.BOOLEAN, False
    numeric_share = pd.to_numeric(sample, errors="coerce").notna().mean()
    if 0.5 <= numeric_share < 1.0:
        return ColumnKind.CATEGORICAL, True
    if numeric_share < 0.5 and sample.str.match(DATE_PATTERN).mean() >= 0.95:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
        if parsed.notna().mean() >= 0.95:
            return ColumnKind.DATETIME, False
    unique_share = text.nunique() / len(text)
    words = sample.str.split().str.len().mean()
    if words >= 4 and unique_share > 0.5:
        return ColumnKind.TEXT, False
    if unique_share > 0.95 and len(text) >= 50 and words <= 1.5:
        return ColumnKind.IDENTIFIER, False
    return ColumnKind.CATEGORICAL, False


def numbers_kind(name: str, *, integer: bool, present: int, distinct: Any, all_distinct: Callable[[], bool],
                 whole: bool, low: float | None, high: float | None) -> ColumnKind:
    """The kind of a column of numbers from what is known of its values present (not missing): how many, its
    distinct values when there are at most two (else any three or more of them), whether all are distinct, and
    (for a column named like a year) whether all are whole and their least and greatest. What infer_kind reads from
    a whole column, and a streamed audit from the column's merged partial state."""
    if len(distinct) <= 2 and set(np.asarray(distinct, dtype=float).tolist()) <= {0.0, 1.0}:
        return ColumnKind.BOOLEAN
    # whole numbers between 1800 and 2200 in a column named like a year: a period, not a quantity
    if name.lower() in YEAR_NAMES and present and whole and low >= 1800 and high <= 2200:
        return ColumnKind.DATETIME
    if integer and present >= 20 and _looks_like_id(name) and all_distinct():
        return ColumnKind.IDENTIFIER
    return ColumnKind.NUMERICAL


def _looks_like_id(name: str) -> bool:
    tokens = re.split(r"[^a-z0-9]+", name.lower())
    return name.lower() in {"id", "key", "uuid", "index"} or "id" in tokens or name.lower().endswith("_id")


# -- roles and task --------------------------------------------------------------------------


def infer_schema(reference: pd.DataFrame | None, production: pd.DataFrame | None, config: AuditConfig) -> Schema:
    """Kinds and roles of every column in either dataset; the task. Config overrides win."""
    return drain(iter_infer_schema(reference, production, config))


def iter_infer_schema(reference: pd.DataFrame | None, production: pd.DataFrame | None, config: AuditConfig
                      ) -> Generator[float, None, Schema]:
    """`infer_schema` yielding the share of columns done after each column (hundreds of columns take a
    second or more: a cancel takes effect between two); returns the Schema."""
    frames = [f for f in (reference, production) if f is not None]
    names = list(dict.fromkeys([c for f in frames for c in f.columns]))
    cols = config.columns
    _check_role_columns(config, set(names))

    forced = {c: ColumnKind.CATEGORICAL for c in cols.categorical} | {c: ColumnKind.NUMERICAL for c in cols.numerical}
    roles: dict[str, ColumnRole] = {}
    for name in cols.ignore:
        roles[name] = ColumnRole.IGNORED
    lower = {n.lower(): n for n in names}
    # An unset role is guessed; "" (or an empty list) says "none", so nothing is guessed.
    target = cols.target if cols.target is not None else _guess(lower, TARGET_NAMES, roles)
    if target:
        roles.setdefault(target, ColumnRole.TARGET)
    prediction = cols.prediction if cols.prediction is not None else _guess(lower, PREDICTION_NAMES, roles)
    if prediction:
        roles.setdefault(prediction, ColumnRole.PREDICTION)
    probabilities = (list(cols.probabilities) if cols.probabilities is not None
                     else _guess_probabilities(names, lower, roles))
    for name in probabilities:
        roles.setdefault(name, ColumnRole.PROBABILITY)
    sensitive = list(cols.sensitive) if cols.sensitive is not None else [
        lower[n] for n in SENSITIVE_NAMES if n in lower and lower[n] not in roles]
    for name in sensitive:
        roles.setdefault(name, ColumnRole.SENSITIVE)

    infos = []
    for name in names:
        source = reference if reference is not None and name in reference.columns else production
        kind, mixed = infer_kind(source[name])
        if name in forced:
            kind, mixed = forced[name], mixed and forced[name] == ColumnKind.CATEGORICAL
        infos.append(ColumnInfo(
            name, kind, roles.get(name, ColumnRole.FEATURE), mixed,
            in_reference=reference is not None and name in reference.columns,
            in_production=production is not None and name in production.columns,
        ))
        yield len(infos) / len(names)
    timestamp = cols.timestamp if cols.timestamp is not None else next(
        (c.name for c in infos if c.kind == ColumnKind.DATETIME and c.role == ColumnRole.FEATURE), None)
    infos = [_with_default_role(c, timestamp) for c in infos]

    task, positive, classes = infer_task(frames, target or None, prediction or None, probabilities, config)
    return Schema(tuple(infos), task, positive, classes)


def _with_default_role(column: ColumnInfo, timestamp: str | None) -> ColumnInfo:
    if column.name == timestamp and column.role == ColumnRole.FEATURE:
        return replace(column, role=ColumnRole.TIMESTAMP)
    if column.role == ColumnRole.FEATURE and column.kind in (ColumnKind.IDENTIFIER, ColumnKind.TEXT):
        return replace(column, role=ColumnRole.ID if column.kind == ColumnKind.IDENTIFIER else ColumnRole.IGNORED)
    return column


def _guess(lower: dict[str, str], candidates: set[str], taken: dict[str, ColumnRole]) -> str | None:
    for name in sorted(candidates):
        if name in lower and lower[name] not in taken:
            return lower[name]
    return None


def _guess_probabilities(names: list[str], lower: dict[str, str], taken: dict[str, ColumnRole]) -> list[str]:
    prefixed = [n for n in names if n.lower().startswith(PROBABILITY_PREFIXES) and n not in taken]
    if prefixed:
        return prefixed
    single = _guess(lower, PROBABILITY_NAMES, taken)
    return [single] if single else []


def _check_role_columns(config: AuditConfig, present: set[str]) -> None:
    cols = config.columns
    listed: list[tuple[str, str]] = [("target", cols.target), ("prediction", cols.prediction),
                                     ("timestamp", cols.timestamp)]
    for key in ("probabilities", "sensitive", "ignore", "categorical", "numerical"):
        listed += [(key, name) for name in (getattr(cols, key) or ())]
    for key, name in listed:
        if name and name not in present:
            close = _close_matches(name, present)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ConfigError(
                f"[columns] {key} = {name!r}: no such column in the data.{hint} "
                f"Columns: {', '.join(sorted(present)[:40])}", key=f"columns.{key}")


def _close_matches(name: str, present: set[str]) -> list[str]:
    import difflib

    by_lower = {p.lower(): p for p in present}
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)]


def infer_task(frames: list[pd.DataFrame], target: str | None, prediction: str | None,
               probabilities: list[str], config: AuditConfig) -> tuple[str | None, Any, tuple[Any, ...]]:
    """Task, positive label (binary) and classes, from the target (else the prediction) column."""
    column = target or prediction
    values = pd.concat([f[column] for f in frames if column in f.columns]).dropna() if column else pd.Series([])
    configured = config.task.type
    if column is None or len(values) == 0:
        if configured != "auto":
            return configured, config.columns.positive_label, ()
        if len(probabilities) == 1:
            return "binary", config.columns.positive_label if config.columns.positive_label is not None else 1, (0, 1)
        return None, None, ()
    unique = _distinct_labels([f[column] for f in frames if column in f.columns])
    if configured != "auto":
        task = configured
    elif len(unique) <= 2:
        task = "binary"
    elif pd.api.types.is_float_dtype(values) and not np.all(np.mod(values.to_numpy(dtype=float), 1) == 0):
        task = "regression"
    elif len(unique) <= 20 or not pd.api.types.is_numeric_dtype(values):
        task = "multiclass" if len(unique) <= MAX_CLASSES else "regression"
    else:
        task = "regression"
    if task == "regression":
        return task, None, ()
    classes = tuple(sorted(unique, key=_sort_key))
    positive = config.columns.positive_label
    if task == "binary":
        if positive is None:
            positive = _guess_positive(classes)
        elif not any(_same_label(positive, c) for c in classes):
            raise ConfigError(
                f"[columns] positive_label = {positive!r} is not a value of column {column!r}; "
                f"its values are: {', '.join(map(repr, classes))}", key="columns.positive_label")
        else:
            positive = next(c for c in classes if _same_label(positive, c))
    return task, positive, classes


def _distinct_labels(columns: list[pd.Series]) -> list[Any]:
    """The distinct values of the columns (the reference's first), one per label (engine/labels.py: 1, 1.0 and "1"
    are one, written as the first column writes it: an integer column and a float one give 1, not 1.0), in order of
    appearance; beyond 2 * MAX_CLASSES distinct values (no class list then), as they are."""
    found: dict[Any, Any] = {}
    for column in columns:
        distinct = pd.unique(column.dropna())
        if len(distinct) > 2 * MAX_CLASSES:
            return pd.unique(pd.concat(columns).dropna()).tolist()
        for value in distinct.tolist():  # Python's numbers, not numpy's, as the audit file can write them
            found.setdefault(labels.key(value), value)
    return list(found.values())


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, (int, float, np.number, bool)) else (1, str(value))


def _same_label(a: Any, b: Any) -> bool:
    """The same label by value (engine/labels.py), or the same text but for case ("Yes" names the class "yes")."""
    return labels.same(a, b) or str(a).strip().casefold() == str(b).strip().casefold()


def _guess_positive(classes: tuple[Any, ...]) -> Any:
    for candidate in (1, True, "1", "yes", "true", "positive", "pos", "y", "bad", "default"):
        for c in classes:
            if _same_label(candidate, c):
                return c
    return classes[-1] if classes else None
