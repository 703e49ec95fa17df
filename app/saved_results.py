"""The last AuditReport, saved whole with the autosave so that a restored session shows its results again.

The JSON report is not enough to redraw the pages: it leaves out SHAP values per row, drift
distributions and residuals. So the autosave also keeps the report object itself, pickled, and reads
it back with an unpickler that builds nothing but Assay's own result types (frozen dataclasses and
enums under `engine.`), numpy arrays and scalars, and a few plain value types - the "restricting
globals" recipe of Python's pickle documentation. Any other class or function in the file (a
tampered file, a result type from another version) stops the load with UnsafeResultsError: nothing
else is ever called. The file is Assay's own, in the user's state folder; model files are never
opened this way (see app/trust.py).
"""
from __future__ import annotations

import dataclasses
import enum
import io
import pickle
import sys
from typing import Any

PROTOCOL = 5
ALLOWED = {
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "slice"),
    ("builtins", "range"), ("collections", "OrderedDict"),
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"), ("pathlib", "Path"),
}


MOVED = {  # result types saved under an older home: (module, name) -> their module now
    ("assay.engine.results", "QualityResult"): "assay.engine.quality.results",
    ("assay.engine.results", "ColumnQuality"): "assay.engine.quality.results",
}


class UnsafeResultsError(pickle.UnpicklingError):
    """The saved results name something other than Assay's result types and plain values."""


class _ResultsUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        if module.startswith("engine."):  # saved before the package was named assay (autosaves survive the update)
            module = f"assay.{module}"
        module = MOVED.get((module, name), module)
        if module.startswith("assay.engine.") and "." not in name:
            loaded = sys.modules.get(module)  # never imported here: importing a module runs its code
            found = getattr(loaded, name, None) if loaded is not None else None
            if isinstance(found, type) and found.__module__ == module and (
                    dataclasses.is_dataclass(found) or issubclass(found, enum.Enum)):
                return found
        raise UnsafeResultsError(f"saved results refer to {module}.{name}, which is not a result type")


def dump_report(report: Any) -> bytes:
    return pickle.dumps(report, protocol=PROTOCOL)


def load_report(data: bytes) -> Any:
    """The AuditReport in `data`; raises UnsafeResultsError (or another UnpicklingError/ValueError) otherwise."""
    from assay.engine.analyses.registry import import_result_types
    from assay.engine.results import AuditReport

    import_result_types()  # every analysis' result types: the unpickler builds only types already imported

    report = _ResultsUnpickler(io.BytesIO(data)).load()
    if not isinstance(report, AuditReport):
        raise UnsafeResultsError(f"saved results hold a {type(report).__name__}, not an audit report")
    return report
