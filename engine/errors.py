"""The errors the engine raises. Every message names the file, column or key and says what to do."""
from __future__ import annotations

from pathlib import Path


class AssayError(Exception):
    """Base class: bad input, bad configuration or a failed calculation, explained for a person."""


class ConfigError(AssayError):
    """The audit configuration is invalid. `key` is the dotted key at fault, when there is one."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InputError(AssayError):
    """A data or model file cannot be used. `path` names it; `column` names a column at fault."""

    def __init__(self, message: str, path: Path | str | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.path = Path(path) if path is not None else None
        self.column = column


class ModelTrustError(InputError):
    """A pickle/joblib model would run code when opened and the user has not trusted it."""

    def __init__(self, path: Path, sha256: str, kind: str = "a pickle/joblib model") -> None:
        super().__init__(
            f"{path}: opening {kind} can run arbitrary code; it was not opened. "
            f"If you trust its author (SHA-256 {sha256}), pass --trust-model or set [model] trusted = true.",
            path,
        )
        self.sha256 = sha256
        self.kind = kind  # what the file is: "a pickle/joblib model", "an MLflow model (sklearn flavour, ...)"


class UntrustedTypesError(InputError):
    """A skops file holds types that skops does not trust by default and the user has not accepted."""

    def __init__(self, path: Path, types: list[str]) -> None:
        listed = ", ".join(types)
        super().__init__(
            f"{path}: the skops file contains types that are not trusted by default: {listed}. "
            f"Review them; to accept, add them to [model] trusted_types or pass --trust-model.",
            path,
        )
        self.types = tuple(types)


class ModelOpenError(InputError):
    """A model file's content could not be opened: a damaged skops file, a pickle that raises when loaded,
    an object without a predict method. The audit carries on without the model."""


class CalculationError(AssayError):
    """An analysis failed on valid input; the message says which analysis and why."""


class ModelProcessError(CalculationError):
    """The process that runs the model crashed, hung past `[model] timeout_s`, ran out of memory or could not
    start. The message names the model file, what happened and what the model was doing."""


class AuditCancelled(AssayError):
    """The audit was cancelled by the user."""
