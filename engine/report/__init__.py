"""The PDF audit report: `build_pdf(report, path)` and its generator form `iter_build_pdf`, for the CLI's
--pdf and the app's Report page. No Qt (engine/ never imports it).

The names are loaded on first use (PEP 562): `report_id` needs only the standard library, while the PDF
machinery imports reportlab and matplotlib (about half a second), which the app's GUI thread must not wait for
when it only wants a report's id."""
from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {"report_id": "assay.engine.report.identity", "build_pdf": "assay.engine.report.pdf",
          "check_output_path": "assay.engine.report.output_path", "iter_build_pdf": "assay.engine.report.pdf",
          "report_settings": "assay.engine.report.pdf"}
__all__ = ["build_pdf", "check_output_path", "iter_build_pdf", "report_id", "report_settings"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assay.engine.report' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
