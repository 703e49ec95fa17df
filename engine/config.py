"""AuditConfig: the one description of an audit, shared by the GUI and the CLI.

Frozen and validated. Read from and written to TOML. Every error names the key at fault
and, where the values are a fixed set, lists the allowed ones. Relative paths in a file
resolve against the folder of that file; when saving, paths under the destination folder
are written relative to it, so an audit folder can be moved as a whole.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w

from assay.engine.analyses import registry
from assay.engine.atomic import write_atomic
from assay.engine.comparison.config import ChallengerConfig
from assay.engine.drift.config import DriftConfig
from assay.engine.errors import ConfigError
from assay.engine.explain.config import ExplainConfig
from assay.engine.fairness.config import FairnessConfig
from assay.engine.performance.config import PerformanceConfig
from assay.engine.quality.config import QualityConfig
from assay.engine.section import Section, at_least, fail
from assay.engine.streaming.config import ComputeConfig

# The analyses' sections live in their packages; these names stay importable from here for every reader.
__all__ = ["AuditConfig", "AuditInfoConfig", "ChallengerConfig", "ColumnsConfig", "ComputeConfig", "DataConfig",
           "DriftConfig", "ExplainConfig", "FairnessConfig", "MlflowConfig", "ModelConfig", "PerformanceConfig",
           "QualityConfig", "ReportConfig", "ReviewConfig", "TaskConfig",
           "parse_toml_value", "sections"]

Scalar = str | int | float | bool

TASK_TYPES = ("auto", "binary", "multiclass", "regression")
MIN_MODEL_MEMORY_MB = 1024
CHALLENGER = "challenger"  # [[challenger]]: an array of tables, one per challenger model
MLFLOW_ADDRESSES = ("models:/", "runs:/")  # [model] path may be one (engine/integrations/mlflow_models.py)


@dataclass(frozen=True)
class AuditInfoConfig(Section):
    """[audit]: who audits what; shown on the report's cover."""

    title: str = "Model audit"
    auditor: str = ""
    organisation: str = ""
    seed: int = 0


@dataclass(frozen=True)
class DataConfig(Section):
    """[data]: the reference set (what the model was validated on) and the production set."""

    reference: Path | None = None
    production: Path | None = None


@dataclass(frozen=True)
class ModelConfig(Section):
    """[model]: the model artifact. No path means predictions-only or data-only."""

    path: Path | None = None
    trusted: bool = False
    trusted_types: tuple[str, ...] = ()
    sha256: str | None = None  # when set, the model file must have this hash (trust pinned to the file)
    timeout_s: float = 600.0  # the longest the model may take to answer one request (open, a batch, ...)
    memory_limit_mb: int | None = None  # the model process's memory; unset: 3/4 of the machine's, 0: no limit

    def validate(self, section: str) -> None:
        if not self.timeout_s > 0:
            raise fail(section, "timeout_s", f"{self.timeout_s:g} must be a positive number of seconds, such as 600")
        limit = self.memory_limit_mb
        if limit is not None and limit != 0 and limit < MIN_MODEL_MEMORY_MB:
            raise fail(section, "memory_limit_mb", f"{limit} MB is too little to load a model (Python with "
                       f"scikit-learn and shap alone take about 900 MB of address space); give at least "
                       f"{MIN_MODEL_MEMORY_MB}, or 0 for no limit")


@dataclass(frozen=True)
class ColumnsConfig(Section):
    """[columns]: roles and kind overrides. Unset roles are guessed from the data."""

    # Unset (None) roles are guessed from the data; "" or [] means "none" and stops the guess.
    target: str | None = None
    prediction: str | None = None
    probabilities: tuple[str, ...] | None = None
    positive_label: Scalar | None = None
    sensitive: tuple[str, ...] | None = None
    timestamp: str | None = None
    ignore: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    numerical: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskConfig(Section):
    """[task]: the prediction task; "auto" infers it from the target or prediction column."""

    type: Literal["auto", "binary", "multiclass", "regression"] = "auto"


@dataclass(frozen=True)
class MlflowConfig(Section):
    """[mlflow]: the MLflow store that `models:/` and `runs:/` model addresses resolve against and audit runs are
    logged to (`--mlflow`). A folder (relative to the audit file) or a URI such as sqlite:///mlflow.db."""

    tracking_uri: str | None = None
    experiment: str = "assay"

    def validate(self, section: str) -> None:
        if not self.experiment.strip():
            raise fail(section, "experiment", "must name an MLflow experiment, such as \"assay\"")


@dataclass(frozen=True)
class ReportConfig(Section):
    """[report]: the PDF audit report."""

    page_size: Literal["A4", "letter"] = "A4"
    top_columns: int = 10  # drift charts drawn for the most drifted columns; the table lists every column
    prepared_by: str = ""
    reviewed_by: str = ""

    def validate(self, section: str) -> None:
        at_least(self, section, {"top_columns": 1})


@dataclass(frozen=True)
class ReviewConfig(Section):
    """[review]: the review file (waivers and sign-off, engine/review/file.py); unset: `<audit stem>.review.toml`
    beside the audit file."""

    file: Path | None = None


CORE_SECTIONS: dict[str, type[Section]] = {
    "audit": AuditInfoConfig,
    "data": DataConfig,
    "model": ModelConfig,
    "columns": ColumnsConfig,
    "task": TaskConfig,
    "mlflow": MlflowConfig,
}


def sections() -> dict[str, type[Section]]:
    """Every section of the audit file, in the file's order: the core ones, one per analysis (from the registry,
    read now so that an analysis added to it counts), then [report]."""
    return {**CORE_SECTIONS, **{spec.section: spec.config for spec in registry.ANALYSES}, "report": ReportConfig,
            "review": ReviewConfig, "compute": ComputeConfig}


def __getattr__(name: str) -> Any:
    if name == "SECTIONS":  # the name readers know; computed on each read (see sections())
        return sections()
    raise AttributeError(f"module 'assay.engine.config' has no attribute {name!r}")


@dataclass(frozen=True, init=False)
class AuditConfig:
    """A whole audit. Build with `from_toml`, `from_dict` or `AuditConfig()` plus `replace`.

    The core sections are fields; each analysis' section (config.drift, config.explain, ...) is read from
    `analysis_sections` by its registry name, and is the section's defaults when it was not given."""

    audit: AuditInfoConfig = field(default_factory=AuditInfoConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    columns: ColumnsConfig = field(default_factory=ColumnsConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    mlflow: MlflowConfig = field(default_factory=MlflowConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    analysis_sections: dict[str, Section] = field(default_factory=dict)  # section name -> its dataclass
    source: Path | None = field(default=None, compare=False)  # the TOML file it came from, if any
    challengers: tuple[ChallengerConfig, ...] = ()  # [[challenger]]: models compared with the champion

    def __init__(self, audit: AuditInfoConfig | None = None, data: DataConfig | None = None,
                 model: ModelConfig | None = None, columns: ColumnsConfig | None = None,
                 task: TaskConfig | None = None, report: ReportConfig | None = None,
                 review: ReviewConfig | None = None, analysis_sections: dict[str, Section] | None = None,
                 source: Path | None = None, challengers: tuple[ChallengerConfig, ...] = (),
                 compute: ComputeConfig | None = None, mlflow: MlflowConfig | None = None,
                 **by_section: Section) -> None:
        """The analyses' sections may also be given by name: AuditConfig(drift=DriftConfig(...))."""
        unknown = sorted(set(by_section) - set(sections()))
        if unknown:
            raise TypeError(f"AuditConfig() got an unexpected keyword argument {unknown[0]!r}")
        core = {"audit": audit, "data": data, "model": model, "columns": columns, "task": task, "report": report,
                "review": review, "compute": compute, "mlflow": mlflow}
        for name, value in core.items():
            object.__setattr__(self, name, value if value is not None else sections()[name]())
        given = {**(analysis_sections or {}), **by_section}
        defaults = {spec.section: spec.config() for spec in registry.ANALYSES if spec.section not in given}
        object.__setattr__(self, "analysis_sections", {**given, **defaults})
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "challengers", tuple(challengers))

    def __getattr__(self, name: str) -> Any:
        """config.drift, config.explain, ...: an analysis' section, its defaults when not given."""
        if name.startswith("_") or name == "analysis_sections":
            raise AttributeError(name)
        spec = next((s for s in registry.ANALYSES if s.section == name), None)
        if spec is None:
            raise AttributeError(f"'AuditConfig' object has no attribute {name!r}")
        found = self.analysis_sections.get(name)
        return found if found is not None else spec.config()

    # -- reading -------------------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> AuditConfig:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"{path}: audit file not found; check the path.")
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder, not an audit file; give the path of a .toml file.")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the audit file ({exc.strerror or exc}); check its "
                              f"permissions.") from exc
        if b"\x00" in raw:
            raise ConfigError(f"{path}: is not a text file, so not an audit file; give the path of a .toml audit "
                              f"file.")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ConfigError(f"{path}: the audit file is not UTF-8 text (byte {exc.start + 1}, line {line}); save "
                              f"it as UTF-8 in your editor and try again.") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: TOML syntax error: {exc}. Fix the file and try again.") from exc
        return cls.from_dict(data, base_dir=path.resolve().parent, source=path.resolve())

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], base_dir: Path | None = None, source: Path | None = None
    ) -> AuditConfig:
        base = base_dir or Path.cwd()
        if not isinstance(data, dict):
            raise ConfigError("the audit configuration must be a table of sections")
        allowed = sections()
        unknown = sorted(set(data) - set(allowed) - {CHALLENGER})
        if unknown:
            raise ConfigError(
                f"unknown section [{unknown[0]}]; allowed sections: {', '.join(allowed)}, [[{CHALLENGER}]]",
                key=unknown[0])
        found = {}
        for name, section_cls in sections().items():
            raw = data.get(name, {})
            if not isinstance(raw, dict):
                raise ConfigError(f"[{name}] must be a table (a section), not {_type_name(raw)}", key=name)
            found[name] = _section_from_dict(section_cls, raw, name, base)
        return cls(**found, source=source, challengers=_challengers(data.get(CHALLENGER, []), base))

    # -- writing -------------------------------------------------------------------------

    def to_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        """Plain TOML-able data. None values are left out; paths are strings."""
        out: dict[str, Any] = {name: _section_dict(getattr(self, name), relative_to) for name in sections()}
        if self.challengers:
            out[CHALLENGER] = [_section_dict(c, relative_to) for c in self.challengers]
        return out

    def to_toml(self, path: str | os.PathLike[str]) -> None:
        """Write atomically; paths under the file's folder are written relative to it."""
        path = Path(path)
        text = tomli_w.dumps(self.to_dict(relative_to=path.resolve().parent))
        write_atomic(path, text.encode("utf-8"))

    # -- changing ------------------------------------------------------------------------

    def replace(self, section: str, **changes: Any) -> AuditConfig:
        """A copy with some keys of one section changed (validated)."""
        current = getattr(self, section)
        merged = {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
        merged.update(changes)
        raw = {k: (str(v) if isinstance(v, Path) else v) for k, v in merged.items() if v is not None}
        new_section = _section_from_dict(sections()[section], raw, section, Path.cwd())
        if section in CORE_SECTIONS or section in ("report", "review", "compute"):
            return dataclasses.replace(self, **{section: new_section})
        return dataclasses.replace(self, analysis_sections={**self.analysis_sections, section: new_section})

    def comparison_columns(self) -> tuple[str, ...]:
        """The data columns the comparison reads that are no features: the challengers' outputs, the arm."""
        section = self.analysis_sections.get("comparison")
        arm = getattr(section, "arm", None)
        return tuple(c for challenger in self.challengers for c in challenger.columns) + ((arm,) if arm else ())

    def with_challengers(self, paths: list[Path], trusted: bool = False) -> AuditConfig:
        """A copy with one more [[challenger]] per model file (`assay audit --challenger PATH`)."""
        added = tuple(_section_from_dict(ChallengerConfig, {"path": str(Path(p).expanduser().resolve()),
                                                            "trusted": trusted}, f"--challenger {p}", Path.cwd())
                      for p in paths)
        return dataclasses.replace(self, challengers=self.challengers + added)

    def with_overrides(self, assignments: list[str] | tuple[str, ...]) -> AuditConfig:
        """Apply `section.key=value` overrides (values parsed as TOML, else taken as text)."""
        changes: dict[str, dict[str, Any]] = {}
        allowed_sections = sections()
        for assignment in assignments:
            key, sep, text = assignment.partition("=")
            key = key.strip()
            if not sep or "." not in key:
                raise ConfigError(
                    f"--set {assignment!r}: expected SECTION.KEY=VALUE, for example --set task.type=\"binary\"",
                    key=key or None,
                )
            section, _, name = key.partition(".")
            name, _, entry = name.partition(".")  # drift.per_column.income=psi sets one entry of a table
            if section not in allowed_sections:
                raise ConfigError(f"--set {key}: unknown section [{section}]; allowed sections: "
                                  f"{', '.join(allowed_sections)}", key=key)
            allowed = [f.name for f in dataclasses.fields(allowed_sections[section])]
            if name not in allowed:
                raise ConfigError(
                    f"--set {key}: unknown key {name!r} in [{section}]; allowed keys: {', '.join(allowed)}", key=key
                )
            value = parse_toml_value(text.strip())
            if (isinstance(value, str) and name in _path_fields(allowed_sections[section])
                    and not value.startswith(MLFLOW_ADDRESSES)):  # an MLflow address is kept as written
                value = str(Path(value).expanduser().resolve())
            if entry:
                current = changes.get(section, {}).get(name, getattr(getattr(self, section), name))
                if not isinstance(current, dict):
                    raise ConfigError(f"--set {key}: {section}.{name} is not a table", key=key)
                value = {**current, entry: value}
            changes.setdefault(section, {})[name] = value
        config = self
        for section, values in changes.items():  # one section at a time, validated as a whole
            config = config.replace(section, **values)
        return config


def parse_toml_value(text: str) -> Any:
    """`1` -> 1, `"a"` -> "a", `[1, 2]` -> [1, 2]; anything that is not TOML stays text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# -- validation ---------------------------------------------------------------------------


def _challengers(raw: Any, base: Path) -> tuple[ChallengerConfig, ...]:
    """[[challenger]] tables: each validated as a section named challenger.N (1-based)."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"[[{CHALLENGER}]] must be tables (one [[{CHALLENGER}]] header per challenger model), "
                          f"not {_type_name(raw)}", key=CHALLENGER)
    return tuple(_section_from_dict(ChallengerConfig, table, f"{CHALLENGER}.{i}", base)
                 for i, table in enumerate(raw, start=1))


def _section_dict(section: Any, relative_to: Path | None) -> dict[str, Any]:
    """A section's TOML-able values: None left out, paths as text, tuples as lists."""
    values = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if value is None:
            continue
        if isinstance(value, Path):
            value = _path_text(value, relative_to)
        elif isinstance(value, tuple):
            value = list(value)
        values[f.name] = value
    return values


def _path_fields(section_cls: type) -> set[str]:
    hints = typing.get_type_hints(section_cls)
    return {name for name, hint in hints.items() if Path in _union_args(hint)}


def _union_args(hint: Any) -> tuple[Any, ...]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return typing.get_args(hint)
    return (hint,)


def _section_from_dict(section_cls: type, raw: dict[str, Any], section: str, base: Path) -> Any:
    hints = typing.get_type_hints(section_cls)
    allowed = list(hints)
    values = {}
    for key, value in raw.items():
        if key not in hints:
            raise ConfigError(
                f"unknown key {key!r} in [{section}]; allowed keys: {', '.join(allowed)}", key=f"{section}.{key}"
            )
        values[key] = _coerce(value, hints[key], f"{section}.{key}", base)
    instance = section_cls(**values)
    instance.validate(section)
    return instance


def _coerce(value: Any, hint: Any, key: str, base: Path) -> Any:
    options = _union_args(hint)
    if value is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _coerce_one(value, option, key, base)
        except ConfigError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    wanted = " or ".join(_describe(o) for o in options if o is not type(None))
    raise ConfigError(f"{key}: expected {wanted}, got {_type_name(value)} {value!r}", key=key)


def _coerce_one(value: Any, option: Any, key: str, base: Path) -> Any:
    origin = typing.get_origin(option)
    if origin is Literal:
        choices = typing.get_args(option)
        if value not in choices:
            raise ConfigError(
                f"{key}: {value!r} is not allowed; allowed values: {', '.join(map(str, choices))}", key=key
            )
        return value
    if origin is dict:
        value_type = typing.get_args(option)[1]
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table (name = value), got {_type_name(value)}", key=key)
        return {str(k): _coerce_one(v, value_type, f"{key}.{k}", base) for k, v in value.items()}
    if origin is tuple:
        item_type = typing.get_args(option)[0]
        if isinstance(value, str) and item_type is str:
            value = [value]  # one column may be given as a plain string
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list of {_describe(item_type)}, got {_type_name(value)}", key=key)
        return tuple(_coerce_one(v, item_type, key, base) for v in value)
    if option is Path:
        if not isinstance(value, (str, Path)) or str(value) == "":
            raise ConfigError(f"{key}: expected a file path (text), got {_type_name(value)} {value!r}", key=key)
        if isinstance(value, str) and value.startswith(MLFLOW_ADDRESSES):
            return Path(value)  # an MLflow model address, kept as written: resolved when the model opens
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path).resolve()
    if option is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {_type_name(value)} {value!r}", key=key)
        return value
    if option is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected a whole number, got {_type_name(value)} {value!r}", key=key)
        return value
    if option is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {_type_name(value)} {value!r}", key=key)
        return float(value)
    if option is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected text, got {_type_name(value)} {value!r}", key=key)
        return value
    raise ConfigError(f"{key}: unsupported value {value!r}", key=key)  # pragma: no cover


def _describe(option: Any) -> str:
    if typing.get_origin(option) is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(option)))
    if typing.get_origin(option) is tuple:
        return "a list"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false", Path: "a file path"}.get(
        option, str(option)
    )


def _type_name(value: Any) -> str:
    return {
        str: "text", int: "a number", float: "a number", bool: "a boolean", list: "a list", dict: "a table"
    }.get(type(value), type(value).__name__)


def _path_text(path: Path, relative_to: Path | None) -> str:
    if str(path).startswith(MLFLOW_ADDRESSES):  # an MLflow model address, written as it was given
        return str(path)
    if relative_to is not None:
        try:
            return path.resolve().relative_to(relative_to).as_posix()
        except ValueError:
            pass
    return str(path)
