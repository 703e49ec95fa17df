"""Assay's analysis engine: the public API. Never imports Qt (a test proves it)."""
from engine.config import AuditConfig
from engine.errors import (AssayError, AuditCancelled, CalculationError, ConfigError, InputError,
                           ModelTrustError, UntrustedTypesError)
from engine.io import load_dataset, load_model
from engine.pipeline import iter_audit, run_audit
from engine.progress import ProgressEvent
from engine.results import AuditReport, Finding
from engine.schema import ColumnKind, ColumnRole, infer_schema

__all__ = [
    "AssayError", "AuditCancelled", "AuditConfig", "AuditReport", "CalculationError", "ColumnKind", "ColumnRole",
    "ConfigError", "Finding", "InputError", "ModelTrustError", "ProgressEvent", "UntrustedTypesError",
    "infer_schema", "iter_audit", "load_dataset", "load_model", "run_audit",
]
