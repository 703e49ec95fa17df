"""Assay's analysis engine: the public API. Never imports Qt (a test proves it).

Names load on first use (PEP 562), so that `import assay.engine.errors` or `assay.engine.config` stays cheap
for the desktop app's start-up: the pipeline pulls in pandas, scipy and scikit-learn.
"""
from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "AuditConfig": "assay.engine.config",
    "AssayError": "assay.engine.errors", "AuditCancelled": "assay.engine.errors", "CalculationError": "assay.engine.errors",
    "ConfigError": "assay.engine.errors", "InputError": "assay.engine.errors", "ModelTrustError": "assay.engine.errors",
    "UntrustedTypesError": "assay.engine.errors", "ModelOpenError": "assay.engine.errors", "ModelProcessError": "assay.engine.errors",
    "load_dataset": "assay.engine.tables", "load_model": "assay.engine.model_files",
    "iter_audit": "assay.engine.pipeline", "run_audit": "assay.engine.pipeline",
    "ProgressEvent": "assay.engine.progress",
    "build_pdf": "assay.engine.report", "iter_build_pdf": "assay.engine.report", "report_id": "assay.engine.report",
    "AuditReport": "assay.engine.results", "Finding": "assay.engine.results",
    "ColumnKind": "assay.engine.schema", "ColumnRole": "assay.engine.schema", "infer_schema": "assay.engine.schema",
    "iter_verify": "assay.engine.verification", "verify_report": "assay.engine.verification",
    "audit": "assay.engine.integrations.notebook", "NotebookReport": "assay.engine.integrations.notebook",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from assay.engine.config import AuditConfig  # noqa: F401
    from assay.engine.pipeline import iter_audit, run_audit  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assay.engine' has no attribute {name!r}")
