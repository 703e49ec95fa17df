"""Assay: audit a trained machine-learning model offline.

The installed package is `assay`: `assay.engine` is the analysis library (no Qt), `assay.app` the desktop
app, `assay.resources` the icons, fonts and style sheet. In this repository they are the top-level folders
engine/, app/ and resources/ (setup.py maps them). This module is the public API; names load on first use
(PEP 562), so `import assay` is cheap and loads no Qt:

    import assay
    config = assay.AuditConfig.from_toml("audit.toml")
    report = assay.run_audit(config)
    report.write_json("report.json"); assay.build_pdf(report, "report.pdf")

In a notebook, `assay.audit(reference=df, production=df2, model="model.skops", target="default", **sections)`
runs one and returns a NotebookReport (verdict, findings as a DataFrame, to_json, to_pdf, an HTML summary).
"""
from pathlib import Path
from typing import TYPE_CHECKING, Any

_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "setup.py").is_file() and (_CHECKOUT / "engine" / "__init__.py").is_file():
    # Run from the repository (a git worktree, or PYTHONPATH=.): its engine/ and app/ are assay.engine and
    # assay.app, as in the installed package, whichever checkout the editable install points at.
    __path__.append(str(_CHECKOUT))  # noqa: F821 - __path__ is the package's own

from assay import engine as _engine  # noqa: E402
from assay.engine import _EXPORTS  # noqa: E402

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from assay.engine.config import AuditConfig  # noqa: F401
    from assay.engine.pipeline import iter_audit, run_audit  # noqa: F401
    from assay.engine.results import AuditReport  # noqa: F401


def __getattr__(name: str) -> Any:
    """The engine's public names, loaded by the engine on first use (engine/__init__.py)."""
    if name in _EXPORTS:
        value = globals()[name] = getattr(_engine, name)
        return value
    raise AttributeError(f"module 'assay' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
