"""Table models for the Overview: the findings, and which analyses ran or were skipped."""
from __future__ import annotations

from assay.app.models.table import Column, RecordTableModel
from assay.app.theme import severity_colour
from assay.engine.analyses import registry

SEVERITY_ORDER = {"fail": 0, "warn": 1, "pass": 2}


def analysis_name(name: str) -> str:
    """An analysis' title (the registry's); the stages that are no analysis ("predictions", "schema") by name."""
    try:
        return registry.spec_of(name).title
    except KeyError:
        return name.replace("_", " ").capitalize()


class FindingsModel(RecordTableModel):
    """Rows are engine.results.Finding; sorted by severity (worst first) by default."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Severity", lambda f: SEVERITY_ORDER.get(f.severity, 3), text=_severity_text,
                   colour=lambda f: severity_colour(f.severity), header_tip="fail, warn or pass"),
            Column("Analysis", lambda f: analysis_name(f.analysis)),
            Column("Finding", lambda f: f.title, tooltip=lambda f: f.title),
            Column("Status", lambda f: getattr(f, "status", "open"),  # the review file's (engine/review/)
                   colour=lambda f: severity_colour({"waived": "pass", "waiver expired": "fail"}[f.status])
                   if getattr(f, "status", "open") != "open" else None,
                   header_tip="open, waived or waiver expired: set it with Review finding… (Ctrl+Shift+R)"),
            Column("Detail", lambda f: f.detail, tooltip=lambda f: f.detail or None),
        ], parent)


def _severity_text(rank: int) -> str:
    return {0: "FAIL", 1: "WARN", 2: "PASS"}.get(rank, "")


class AnalysesModel(RecordTableModel):
    """Rows are engine.results.AnalysisStatus: what ran, what was skipped and why."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Analysis", lambda a: analysis_name(a.name)),
            Column("Status", lambda a: a.status,
                   colour=lambda a: severity_colour({"skipped": "warn", "failed": "fail"}[a.status])
                   if a.status in ("skipped", "failed") else None),
            Column("Why", lambda a: a.reason, tooltip=lambda a: a.reason or None),
        ], parent)
