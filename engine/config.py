"""AuditConfig: the one description of an audit, shared by the GUI and the CLI.

Frozen and validated. Read from and written to TOML. Every error names the key at fault
and, where the values are a fixed set, lists the allowed ones. Relative paths in a file
resolve against the folder of that file; when saving, paths under the destination folder
are written relative to it, so an audit folder can be moved as a whole.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomli_w

from assay.engine.errors import ConfigError
from assay.engine.performance.metric_specs import validate_metric_tables

Scalar = str | int | float | bool

TASK_TYPES = ("auto", "binary", "multiclass", "regression")


@dataclass(frozen=True)
class AuditInfoConfig:
    """[audit]: who audits what; shown on the report's cover."""

    title: str = "Model audit"
    auditor: str = ""
    organisation: str = ""
    seed: int = 0


@dataclass(frozen=True)
class DataConfig:
    """[data]: the reference set (what the model was validated on) and the production set."""

    reference: Path | None = None
    production: Path | None = None


@dataclass(frozen=True)
class ModelConfig:
    """[model]: the model artifact. No path means predictions-only or data-only."""

    path: Path | None = None
    trusted: bool = False
    trusted_types: tuple[str, ...] = ()
    sha256: str | None = None  # when set, the model file must have this hash (trust pinned to the file)
    timeout_s: float = 600.0  # the longest the model may take to answer one request (open, a batch, ...)
    memory_limit_mb: int | None = None  # the model process's memory; unset: 3/4 of the machine's, 0: no limit


@dataclass(frozen=True)
class ColumnsConfig:
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
class TaskConfig:
    """[task]: the prediction task; "auto" infers it from the target or prediction column."""

    type: Literal["auto", "binary", "multiclass", "regression"] = "auto"


@dataclass(frozen=True)
class QualityConfig:
    """[quality]: warn/fail thresholds for data-quality findings (shares between 0 and 1)."""

    missing_warn: float = 0.05
    missing_fail: float = 0.30
    missing_increase_warn: float = 0.05
    missing_increase_fail: float = 0.20
    out_of_range_warn: float = 0.05
    out_of_range_fail: float = 0.20
    unseen_warn: float = 0.01
    unseen_fail: float = 0.10
    duplicates_warn: float = 0.01
    duplicates_fail: float = 0.10


@dataclass(frozen=True)
class DriftConfig:
    """[drift]: methods, the per-column verdict rule, corrections, chunks and multivariate checks."""

    numerical_method: str = "auto"  # a registry name, or "auto"
    categorical_method: str = "auto"
    per_column: dict[str, str] = field(default_factory=dict)  # [drift.per_column] column = "method"
    thresholds: dict[str, float] = field(default_factory=dict)  # [drift.thresholds] method = threshold
    alpha: float = 0.05  # significance level of p-value tests, after correction
    correction: Literal["holm", "bonferroni", "bh", "none"] = "holm"
    rule: Literal["both", "p_value", "effect"] = "both"  # what makes a p-value-tested column drifted
    min_effect_numerical: float = 0.025  # KS distance
    min_effect_categorical: float = 0.025  # total variation distance
    psi_bins: int = 10
    psi_smoothing: float = 0.0001
    share_warn: float = 0.1  # share of drifted feature columns
    share_fail: float = 0.3
    chunk_by: Literal["auto", "day", "week", "month", "quarter", "year", "rows"] = "auto"
    chunk_size: int = 5000  # rows per chunk when chunk_by = "rows" (or no timestamp)
    min_chunk_rows: int = 50
    sample_rows: int = 0  # 0: exact statistics on every row; otherwise a seeded sample per dataset
    multivariate: bool = True
    domain_rows: int = 5000  # rows per dataset for the domain classifier
    permutations: int = 1000  # label permutations for the domain classifier's p-value


@dataclass(frozen=True)
class FairnessConfig:
    """[fairness]: groups, the reference group, small groups, intervals and the policy."""

    intersections: tuple[tuple[str, ...], ...] = ()  # e.g. [["sex", "age_band"]]
    bands: dict[str, tuple[float, ...]] = field(default_factory=dict)  # edges for numeric sensitive columns
    reference_groups: dict[str, str] = field(default_factory=dict)  # column = group; default: the largest
    min_group_size: int = 30
    max_demographic_parity_difference: float = 0.1
    min_disparate_impact_ratio: float = 0.8
    max_equalized_odds_difference: float = 0.1
    bootstrap_resamples: int = 1000
    confidence: float = 0.95
    correction: Literal["holm", "bonferroni", "bh", "none"] = "holm"
    alpha: float = 0.05
    proxy_threshold: float = 0.3  # association strength (Cramér's V / correlation ratio) listed as a proxy


@dataclass(frozen=True)
class ExplainConfig:
    """[explain]: SHAP explainer, sample sizes, and the attribution-drift test."""

    method: Literal["auto", "tree", "linear", "permutation", "none"] = "auto"
    background_rows: int = 200  # reference rows the explainer integrates over (linear, permutation)
    rows: int = 1000  # rows explained per dataset (a seeded sample)
    chunk_rows: int = 250  # rows per step: progress and cancel between steps
    bootstrap_resamples: int = 500
    confidence: float = 0.95
    permutation_repeats: int = 5  # scikit-learn permutation importance, the cross-check
    top_columns: int = 3  # a finding when the set of the top columns changes


@dataclass(frozen=True)
class PerformanceConfig:
    """[performance]: decision threshold, the policy, bootstrap intervals, chunks and segments."""

    threshold: float = 0.5  # binary: predicted positive when the positive-class score is at least this
    minimum: dict[str, float] = field(default_factory=dict)  # [performance.minimum] metric = lowest allowed value
    maximum: dict[str, float] = field(default_factory=dict)  # [performance.maximum] error metric = highest allowed
    max_drop: float = 0.05  # largest allowed drop of a headline metric vs the reference (absolute)
    max_drop_metrics: dict[str, float] = field(default_factory=dict)  # [performance.max_drop_metrics] per metric
    bootstrap_resamples: int = 1000  # 0 turns intervals off
    confidence: float = 0.95
    chunk_by: Literal["auto", "day", "week", "month", "quarter", "year", "rows"] = "auto"
    chunk_size: int = 5000  # rows per chunk when chunk_by = "rows" (or no timestamp)
    min_chunk_rows: int = 50
    segment_by: tuple[str, ...] | None = None  # categorical columns to break down by; unset: the sensitive ones
    top_segments: int = 10  # values shown per segment column; the rest are pooled as "other"
    calibration_bins: int = 10  # equal-width score bins for the calibration curve and ECE


@dataclass(frozen=True)
class ReportConfig:
    """[report]: the PDF audit report."""

    page_size: Literal["A4", "letter"] = "A4"
    top_columns: int = 10  # drift charts drawn for the most drifted columns; the table lists every column
    prepared_by: str = ""
    reviewed_by: str = ""


SECTIONS: dict[str, type] = {
    "audit": AuditInfoConfig,
    "data": DataConfig,
    "model": ModelConfig,
    "columns": ColumnsConfig,
    "task": TaskConfig,
    "quality": QualityConfig,
    "performance": PerformanceConfig,
    "drift": DriftConfig,
    "fairness": FairnessConfig,
    "explain": ExplainConfig,
    "report": ReportConfig,
}


@dataclass(frozen=True)
class AuditConfig:
    """A whole audit. Build with `from_toml`, `from_dict` or `AuditConfig()` plus `replace`."""

    audit: AuditInfoConfig = field(default_factory=AuditInfoConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    columns: ColumnsConfig = field(default_factory=ColumnsConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    performance: PerformanceConfig = field(default_factory=PerformanceConfig)
    drift: DriftConfig = field(default_factory=DriftConfig)
    fairness: FairnessConfig = field(default_factory=FairnessConfig)
    explain: ExplainConfig = field(default_factory=ExplainConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    source: Path | None = field(default=None, compare=False)  # the TOML file it came from, if any

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
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise ConfigError(
                f"unknown section [{unknown[0]}]; allowed sections: {', '.join(SECTIONS)}", key=unknown[0]
            )
        sections = {}
        for name, section_cls in SECTIONS.items():
            raw = data.get(name, {})
            if not isinstance(raw, dict):
                raise ConfigError(f"[{name}] must be a table (a section), not {_type_name(raw)}", key=name)
            sections[name] = _section_from_dict(section_cls, raw, name, base)
        return cls(**sections, source=source)

    # -- writing -------------------------------------------------------------------------

    def to_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        """Plain TOML-able data. None values are left out; paths are strings."""
        out: dict[str, Any] = {}
        for name in SECTIONS:
            section = getattr(self, name)
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
            out[name] = values
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
        new_section = _section_from_dict(SECTIONS[section], raw, section, Path.cwd())
        return dataclasses.replace(self, **{section: new_section})

    def with_overrides(self, assignments: list[str] | tuple[str, ...]) -> AuditConfig:
        """Apply `section.key=value` overrides (values parsed as TOML, else taken as text)."""
        changes: dict[str, dict[str, Any]] = {}
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
            if section not in SECTIONS:
                raise ConfigError(
                    f"--set {key}: unknown section [{section}]; allowed sections: {', '.join(SECTIONS)}", key=key
                )
            allowed = [f.name for f in dataclasses.fields(SECTIONS[section])]
            if name not in allowed:
                raise ConfigError(
                    f"--set {key}: unknown key {name!r} in [{section}]; allowed keys: {', '.join(allowed)}", key=key
                )
            value = parse_toml_value(text.strip())
            if isinstance(value, str) and name in _path_fields(SECTIONS[section]):
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


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write to a temporary file in the same folder, flush it to disk, then rename over `path`: readers see the
    old file or the new one, never half of one, even if the process dies or the disk fills mid-write.

    `sync=False` skips the two fsyncs (milliseconds, tens under load): still atomic if the process dies, not
    across a power cut. For frequent small writes such as the app's autosave."""
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(f"{folder}: folder does not exist; create it or choose another location.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())  # the bytes are on disk before the rename makes them the file
        _set_mode(Path(tmp), path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync:
        _sync_folder(folder)


def _set_mode(tmp: Path, path: Path) -> None:
    """mkstemp makes owner-only files: a replaced file keeps its permissions, a new one gets the usual ones."""
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        pass


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:
        mask = os.umask(0o022)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (POSIX; elsewhere a no-op)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- validation ---------------------------------------------------------------------------


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
    _check_ranges(instance, section)
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


def _check_ranges(instance: Any, section: str) -> None:
    if isinstance(instance, DriftConfig):
        _check_drift(instance, section)
    if isinstance(instance, FairnessConfig):
        _check_fairness(instance, section)
    if isinstance(instance, ExplainConfig):
        for key, low in (("background_rows", 10), ("rows", 10), ("chunk_rows", 10), ("bootstrap_resamples", 0),
                         ("permutation_repeats", 1), ("top_columns", 1)):
            if getattr(instance, key) < low:
                raise ConfigError(f"{section}.{key}: must be at least {low}", key=f"{section}.{key}")
        if not 0.5 < instance.confidence < 1.0:
            raise ConfigError(f"{section}.confidence: {instance.confidence} must be between 0.5 and 1, such as 0.95",
                              key=f"{section}.confidence")
    if isinstance(instance, PerformanceConfig):
        _check_performance(instance, section)
    if isinstance(instance, ModelConfig):
        _check_model(instance, section)
    if isinstance(instance, ReportConfig) and instance.top_columns < 1:
        raise ConfigError(f"{section}.top_columns: must be at least 1", key=f"{section}.top_columns")
    if isinstance(instance, QualityConfig):
        for f in dataclasses.fields(instance):
            value = getattr(instance, f.name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(
                    f"{section}.{f.name}: {value} is not a share; use a number between 0 and 1",
                    key=f"{section}.{f.name}",
                )
        for stem in ("missing", "missing_increase", "out_of_range", "unseen", "duplicates"):
            warn, fail = getattr(instance, f"{stem}_warn"), getattr(instance, f"{stem}_fail")
            if warn > fail:
                raise ConfigError(
                    f"{section}.{stem}_warn ({warn}) is above {section}.{stem}_fail ({fail}); "
                    f"the warning threshold must not exceed the failure threshold",
                    key=f"{section}.{stem}_warn",
                )


def _check_drift(config: DriftConfig, section: str) -> None:
    named = (config.numerical_method, config.categorical_method, *config.per_column.values(), *config.thresholds)
    if any(name != "auto" for name in named):
        _check_drift_methods(config, section)
    _check_drift_values(config, section)


def _check_drift_methods(config: DriftConfig, section: str) -> None:
    from assay.engine.drift.stattests import REGISTRY, method_names  # the registry is the list of valid names

    for key, kind in (("numerical_method", "numerical"), ("categorical_method", "categorical")):
        name = getattr(config, key)
        if name != "auto" and (name not in REGISTRY or not REGISTRY[name].applies_to(kind)):
            raise ConfigError(f"{section}.{key}: {name!r} is not a {kind} drift method; allowed values: auto, "
                              f"{', '.join(method_names(kind))}", key=f"{section}.{key}")
    for column, name in config.per_column.items():
        if name != "auto" and name not in REGISTRY:
            raise ConfigError(f"{section}.per_column.{column}: {name!r} is not a drift method; allowed values: "
                              f"auto, {', '.join(method_names())}", key=f"{section}.per_column.{column}")
    for name, value in config.thresholds.items():
        if name not in REGISTRY:
            raise ConfigError(f"{section}.thresholds.{name}: not a drift method; allowed names: "
                              f"{', '.join(method_names())}", key=f"{section}.thresholds.{name}")
        if value < 0:
            raise ConfigError(f"{section}.thresholds.{name}: must not be negative", key=f"{section}.thresholds.{name}")


def _check_drift_values(config: DriftConfig, section: str) -> None:
    for key in ("alpha", "min_effect_numerical", "min_effect_categorical", "share_warn", "share_fail"):
        value = getattr(config, key)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{section}.{key}: {value} must be between 0 and 1", key=f"{section}.{key}")
    if config.share_warn > config.share_fail:
        raise ConfigError(f"{section}.share_warn ({config.share_warn}) is above {section}.share_fail "
                          f"({config.share_fail}); the warning threshold must not exceed the failure threshold",
                          key=f"{section}.share_warn")
    for key, low in (("psi_bins", 2), ("chunk_size", 10), ("min_chunk_rows", 2), ("domain_rows", 100),
                     ("permutations", 0), ("sample_rows", 0)):
        if getattr(config, key) < low:
            raise ConfigError(f"{section}.{key}: must be at least {low}", key=f"{section}.{key}")
    if not 0 < config.psi_smoothing < 0.1:
        raise ConfigError(f"{section}.psi_smoothing: use a small positive share such as 0.0001",
                          key=f"{section}.psi_smoothing")


MIN_MODEL_MEMORY_MB = 1024


def _check_model(config: ModelConfig, section: str) -> None:
    if not config.timeout_s > 0:
        raise ConfigError(f"{section}.timeout_s: {config.timeout_s:g} must be a positive number of seconds, such as "
                          f"600", key=f"{section}.timeout_s")
    limit = config.memory_limit_mb
    if limit is not None and limit != 0 and limit < MIN_MODEL_MEMORY_MB:
        raise ConfigError(f"{section}.memory_limit_mb: {limit} MB is too little to load a model (Python with "
                          f"scikit-learn and shap alone take about 900 MB of address space); give at least "
                          f"{MIN_MODEL_MEMORY_MB}, or 0 for no limit", key=f"{section}.memory_limit_mb")


def _check_performance(config: PerformanceConfig, section: str) -> None:
    if not 0.0 <= config.threshold <= 1.0:
        raise ConfigError(f"{section}.threshold: {config.threshold} must be between 0 and 1 (a score threshold)",
                          key=f"{section}.threshold")
    if config.max_drop < 0:
        raise ConfigError(f"{section}.max_drop: must not be negative", key=f"{section}.max_drop")
    validate_metric_tables(config, section)
    if not 0.5 < config.confidence < 1.0:
        raise ConfigError(f"{section}.confidence: {config.confidence} must be between 0.5 and 1, such as 0.95",
                          key=f"{section}.confidence")
    for key, low in (("bootstrap_resamples", 0), ("chunk_size", 10), ("min_chunk_rows", 2), ("top_segments", 1),
                     ("calibration_bins", 2)):
        if getattr(config, key) < low:
            raise ConfigError(f"{section}.{key}: must be at least {low}", key=f"{section}.{key}")


def _check_fairness(config: FairnessConfig, section: str) -> None:
    for key in ("max_demographic_parity_difference", "min_disparate_impact_ratio", "max_equalized_odds_difference",
                "alpha", "proxy_threshold"):
        value = getattr(config, key)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{section}.{key}: {value} must be between 0 and 1", key=f"{section}.{key}")
    if not 0.5 < config.confidence < 1.0:
        raise ConfigError(f"{section}.confidence: {config.confidence} must be between 0.5 and 1, such as 0.95",
                          key=f"{section}.confidence")
    if config.min_group_size < 1:
        raise ConfigError(f"{section}.min_group_size: must be at least 1", key=f"{section}.min_group_size")
    if config.bootstrap_resamples < 0:
        raise ConfigError(f"{section}.bootstrap_resamples: must not be negative (0 turns intervals off)",
                          key=f"{section}.bootstrap_resamples")
    for group in config.intersections:
        if len(group) < 2:
            raise ConfigError(f"{section}.intersections: each intersection lists two or more columns, "
                              f"got {list(group)}", key=f"{section}.intersections")
    for column, edges in config.bands.items():
        if list(edges) != sorted(set(edges)) or not edges:
            raise ConfigError(f"{section}.bands.{column}: edges must be increasing numbers, got {list(edges)}",
                              key=f"{section}.bands.{column}")


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
    if relative_to is not None:
        try:
            return path.resolve().relative_to(relative_to).as_posix()
        except ValueError:
            pass
    return str(path)
