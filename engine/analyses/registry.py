"""The analyses, in one table: every layer (pipeline, config, JSON, PDF, app) loops over ANALYSES and nobody
else writes the list out again (STYLE.md, "One table, many readers").

This module is light on purpose: the app reads it at start-up, so it imports no pandas, scipy or scikit-learn
(tests/engine/test_registry.py checks). Each analysis' config section is a small dataclass of the standard
library; what is heavy (the calculator, the findings policy, the JSON form) is named as "module:function" and
loaded by `load` when the audit runs it.

Adding an analysis: its package under engine/ (config.py with its section, results.py, a calculator, policy.py
for its findings, analysis.py with `build`), one AnalysisSpec below, then its app page and its PDF section.
Read ANALYSES from this module when it is used (`registry.ANALYSES`, `names()`, `spec_of()`), not copied at
import, so that an analysis added for a test (tests/toy_analysis.py) is seen everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from assay.engine.comparison.config import ComparisonConfig
from assay.engine.drift.config import DriftConfig
from assay.engine.estimation.config import EstimationConfig
from assay.engine.explain.config import ExplainConfig
from assay.engine.fairness.config import FairnessConfig
from assay.engine.performance.config import PerformanceConfig
from assay.engine.quality.config import QualityConfig
from assay.engine.section import Section

MODEL_FAILED = "needs the model's predictions, and the model failed (see the predictions analysis)"


@dataclass(frozen=True)
class Need:
    """Something an analysis needs before it can run, and the reason its status gives when that is missing.

    `what` is one of the checks in engine/analyses/run.py (NEEDS): model_worked, model, predictions,
    predictions_both, predicted_labels, task, target, sensitive, positive_label, challengers. In `reason`, {inputs} reads
    "prediction columns only" or "data only" (what the audit has instead of a model)."""

    what: str
    reason: str


MODEL_WORKED = Need("model_worked", MODEL_FAILED)
TASK = Need("task", "the task could not be inferred: set [task] type")
PREDICTIONS = Need("predictions", "needs predictions (a model, or prediction / probability columns in the data)")
SENSITIVE = Need("sensitive", "no sensitive columns: name them in [columns] sensitive")
TARGET = Need("target", "no target column: name it in [columns] target")


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis: what it is called everywhere, what it needs, and where its parts live."""

    name: str  # the JSON key, the name in `analyses`, the finding ids' prefix, the app page's and PDF section's key
    title: str  # "Data quality": page, PDF section and tables
    section: str  # its audit-file section ([explain] for the explanations)
    weight: float  # its share of the audit's progress bar (the loading, schema and prediction stages excepted)
    report_weight: int  # its PDF section's share of the PDF's progress bar (charts take the time)
    config: type[Section] = Section  # its section's dataclass (validate() checks its values); Section: no keys
    calculator: str = ""  # "module:function": build(run: AnalysisRun, config) -> its Calculator (analyses/base.py)
    findings: str = ""  # "module:function": findings(result, config) -> list[Finding], its policy
    message: str = ""  # the progress message as it starts ("Performance on the reference"); "" for its title
    to_json: str = ""  # "module:function": the result's JSON form; "" for the result's dataclass fields as they are
    results: str = ""  # the module of its result types (the app's saved results build only these)
    needs: tuple[Need, ...] = ()  # checked in order before it runs; the first one missing is its skip reason
    off: tuple[str, object] | None = None  # (key, value) of its section that turns it off, e.g. ("method", "none")
    skip: str = ""  # "module:function": skip(run, config) -> its skip reason or None, checked after needs and off
    early: bool = False  # needs nothing from the model: runs while the model process opens the model
    warms_model: bool = False  # the model process imports what it needs (shap) while the other analyses run
    partials: str | None = None  # "module:function": stream(run: StreamRun) -> Generator[Pass | ProgressEvent, Any,
    # its Result] (engine/streaming/run.py); None: it cannot stream, and a streamed audit skips it saying so
    passes: tuple[str, ...] = ()  # the sources its streamed passes read, in order ("reference", "production"): each
    # pass's slice of its progress is its share of their rows (passes beyond these halve what is left)
    model_crash: str = ""  # set: survives the model failing under it (status failed, finding model.failed with
    # this title) and its own CalculationError (status skipped, warn finding "<name>.failed"); unset: both stop
    # the audit


ANALYSES: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(
        name="quality", title="Data quality", section="quality", weight=0.07, report_weight=3,
        config=QualityConfig, message="Data quality of the reference", early=True,
        calculator="assay.engine.quality.analysis:build", findings="assay.engine.quality.policy:quality_findings",
        results="assay.engine.quality.results", partials="assay.engine.quality.partials:stream",
        passes=("reference", "production")),
    AnalysisSpec(
        name="performance", title="Performance", section="performance", weight=0.08, report_weight=6,
        config=PerformanceConfig, message="Performance on the reference",
        calculator="assay.engine.performance.analysis:build",
        findings="assay.engine.performance.policy:performance_findings",
        to_json="assay.engine.performance.results:performance_to_dict", results="assay.engine.performance.results",
        partials="assay.engine.performance.partials:stream",
        needs=(MODEL_WORKED, PREDICTIONS, TASK, TARGET)),
    AnalysisSpec(
        name="estimation", title="Estimated performance", section="estimation", weight=0.06, report_weight=5,
        config=EstimationConfig, message="Estimating performance without labels",
        calculator="assay.engine.estimation.analysis:build",
        findings="assay.engine.estimation.policy:estimation_findings",
        to_json="assay.engine.estimation.results:estimation_to_dict", results="assay.engine.estimation.results",
        needs=(MODEL_WORKED, PREDICTIONS,
               TASK, Need("target", "no target column: the reference's labels are what the estimate learns from; "
                                    "name it in [columns] target")),
        off=("mode", "off"), skip="assay.engine.estimation.analysis:skip_reason",
        model_crash="The model failed while performance was estimated"),
    AnalysisSpec(
        name="drift", title="Drift", section="drift", weight=0.23, report_weight=12,
        config=DriftConfig, message="Preparing drift tests on the reference",
        calculator="assay.engine.drift.analysis:build", findings="assay.engine.drift.policy:drift_findings",
        results="assay.engine.drift.results", partials="assay.engine.drift.partials:stream",
        passes=("reference", "production") * 3),  # ranges, buckets, candidate buckets
    AnalysisSpec(
        name="fairness", title="Fairness", section="fairness", weight=0.045, report_weight=6,
        config=FairnessConfig, message="Group metrics and disparities",
        calculator="assay.engine.fairness.analysis:build", findings="assay.engine.fairness.policy:fairness_findings",
        to_json="assay.engine.fairness.results:fairness_to_dict", results="assay.engine.fairness.results",
        partials="assay.engine.fairness.partials:stream", passes=("reference", "reference", "production"),
        needs=(SENSITIVE, MODEL_WORKED,
               Need("predictions_both", "needs predictions in both datasets (a model, or prediction columns)"),
               Need("predicted_labels", "needs predicted labels (a prediction column, or one probability column for "
                                        "a binary task)"),
               Need("positive_label", "multiclass task: set [columns] positive_label to audit one class against the "
                                      "rest"),
               TASK)),
    AnalysisSpec(
        name="explanations", title="Explanations", section="explain", weight=0.015, report_weight=6,
        config=ExplainConfig, message="Explaining the model (SHAP)",
        calculator="assay.engine.explain.analysis:build", findings="assay.engine.explain.policy:explanation_findings",
        results="assay.engine.explain.results", partials="assay.engine.explain.partials:stream",
        needs=(MODEL_WORKED, Need("model", "explanations need a model; this audit has {inputs}")),
        off=("method", "none"), warms_model=True,
        model_crash="The model failed while being explained: no explanations"),
    AnalysisSpec(
        name="comparison", title="Champion and challengers", section="comparison", weight=0.05, report_weight=4,
        config=ComparisonConfig, message="Comparing the challengers with the champion",
        calculator="assay.engine.comparison.analysis:build",
        findings="assay.engine.comparison.policy:comparison_findings",
        to_json="assay.engine.comparison.results:comparison_to_dict", results="assay.engine.comparison.results",
        needs=(Need("challengers", "no challenger and no A/B arm: add [[challenger]] tables to the audit "
                                          "file, --challenger PATH, or [comparison] arm"),
               MODEL_WORKED, Need("predictions", "needs the champion's predictions (a model, or prediction / "
                                                 "probability columns)"),
               TASK, TARGET)),
)


def spec_of(name: str) -> AnalysisSpec:
    """The analysis called `name`; a KeyError lists the names there are."""
    for spec in ANALYSES:
        if spec.name == name:
            return spec
    raise KeyError(f"no analysis {name!r}; the analyses are {', '.join(s.name for s in ANALYSES)}")


def names() -> tuple[str, ...]:
    return tuple(spec.name for spec in ANALYSES)


def load(reference: str) -> Any:
    """The function named "package.module:function", its module imported now."""
    module, _, name = reference.partition(":")
    return getattr(import_module(module), name)


def import_result_types() -> None:
    """Import every analysis' result types (the app's saved-results reader builds only types already loaded)."""
    for spec in ANALYSES:
        if spec.results:
            import_module(spec.results)
