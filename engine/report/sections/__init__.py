"""The report's sections, in order: the cover, the summary, the changes since the previous audit (when there was
one), the scope, one section per analysis in the registry's order (engine/analyses/registry.py), the methodology,
the documentation map and the sign-off.

Each builder is a generator: it yields (fraction, message) while it works (charts take the time) and returns its
flowables. Weights share the progress bar between them; an analysis' is its spec's `report_weight`.

An analysis' section is the module sections/<its name>.py, found by that name. It has `build(ctx)`, which starts
with `story, result = yield from common.opening(ctx, name)`, and may have the parts the methodology appendix
collects: `methodology(ctx, result)` (its block of flowables), `sample_sizes(ctx, result)` (rows of the sample
sizes table), `LIMITATIONS` (lines that always apply) and `limitations(ctx, result)` (lines about this run). An
analysis without a module gets a generic section (its title, its findings, whether it ran), so a new analysis
appears in the PDF without any report code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.engine.analyses import registry
from assay.engine.report.sections import changes, cover, docmap, methodology, scope, signoff, summary
from assay.engine.report.sections.common import Steps, generic_build, section_module

if TYPE_CHECKING:
    from assay.engine.analyses.registry import AnalysisSpec
    from assay.engine.report.pdf import ReportContext


@dataclass(frozen=True)
class Section:
    key: str  # its heading's anchor
    weight: int  # its share of the PDF's progress bar
    build: Callable[[ReportContext], Steps]


def sections() -> tuple[Section, ...]:
    """The sections of the report, in order (the registry is read now, so a spec added in a test counts)."""
    return (Section(key="cover", weight=1, build=cover.build),
            Section(key="summary", weight=1, build=summary.build),
            Section(key="changes", weight=1, build=changes.build),
            Section(key="scope", weight=2, build=scope.build),
            *(analysis_section(spec) for spec in registry.ANALYSES),
            Section(key="methodology", weight=1, build=methodology.build),
            Section(key="docmap", weight=1, build=docmap.build),
            Section(key="signoff", weight=1, build=signoff.build))


def analysis_section(spec: AnalysisSpec) -> Section:
    module = section_module(spec)
    return Section(key=spec.name, weight=spec.report_weight,
                   build=module.build if module is not None else generic_build(spec))
