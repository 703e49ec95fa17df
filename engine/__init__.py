"""Assay's analysis engine: the public API. Never imports Qt (a test proves it).

Names load on first use (PEP 562), so that `import engine.errors` or `engine.config` stays cheap
for the desktop app's start-up: the pipeline pulls in pandas, scipy and scikit-learn.
"""
from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "AuditConfig": "engine.config",
    "AssayError": "engine.errors", "AuditCancelled": "engine.errors", "CalculationError": "engine.errors",
    "ConfigError": "engine.errors", "InputError": "engine.errors", "ModelTrustError": "engine.errors",
    "UntrustedTypesError": "engine.errors", "ModelOpenError": "engine.errors", "ModelProcessError": "engine.errors",
    "load_dataset": "engine.io", "load_model": "engine.io",
    "iter_audit": "engine.pipeline", "run_audit": "engine.pipeline",
    "ProgressEvent": "engine.progress",
    "build_pdf": "engine.report", "iter_build_pdf": "engine.report", "report_id": "engine.report",
    "AuditReport": "engine.results", "Finding": "engine.results",
    "ColumnKind": "engine.schema", "ColumnRole": "engine.schema", "infer_schema": "engine.schema",
    "iter_verify": "engine.verification", "verify_report": "engine.verification",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from engine.config import AuditConfig  # noqa: F401
    from engine.pipeline import iter_audit, run_audit  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
