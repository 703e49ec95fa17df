"""The performance metrics in one table, the way scikit-learn keeps its scorers: every layer that names a
metric (config validation, the calculator, the policy, the JSON, the PDF's and the app's labels) loops
over `METRICS` or looks a metric up with `metric(name)`; nobody writes the list out again.

How the calculator computes a metric follows from its record (the formulas are in
engine/performance/metrics.py): a classification metric without scores comes from the confusion
counts (`count_metrics`), one that `needs_scores` from the scores (`binary_score_metrics` /
`multiclass_score_metrics`), a regression metric from the errors (`regression_metrics`); the value
under the metric's name is its headline, except for a `per_class` metric, whose headline is the
positive class's `class_<name>` (binary) or the macro average `macro_<name>` (multiclass).

Light on purpose: config validation imports this module, so no numpy, pandas or scikit-learn here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assay.engine.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from assay.engine.performance.config import PerformanceConfig

CLASSIFICATION = ("binary", "multiclass")
REGRESSION = ("regression",)
BIAS_SCALE = "mae"  # a "bias" drop is measured relative to the reference value of this metric


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One performance metric. `name` is its JSON key and its name in the audit file.

    `drop`: how the policy measures a drop from the reference to production (positive: worse):
    "absolute" on the metric's own scale (shares and scores), "relative" to the reference value
    (errors in the target's units; absolute when the reference value is 0), or "bias" for a signed
    error best at 0: judged by its size |value| (its [performance.maximum] limits |value|), a drop is
    the growth of |value| relative to the reference `BIAS_SCALE` (absolute without one).
    `bounds`: the range the metric can take (None: unbounded); resampled values are kept inside it.
    `unit`: how it is shown: "score" (a share or score, 3 decimals), "percent" (a share shown in
    percent) or "target" (in the target's units).
    """

    name: str
    label: str  # what people read: the app, the PDF and the findings
    description: str  # one sentence on what it measures (the app's tooltips)
    tasks: tuple[str, ...]
    needs_scores: bool = False
    higher_is_better: bool
    bounds: tuple[float | None, float | None]
    drop: Literal["absolute", "relative", "bias"] = "absolute"
    unit: Literal["score", "percent", "target"] = "score"
    per_class: bool = False

    @property
    def judged_by_size(self) -> bool:
        """True for a signed metric best at 0: its limits and its drop are on |value|."""
        return self.drop == "bias"

    @property
    def in_sentence(self) -> str:
        """The label inside a sentence: 'balanced accuracy', but 'F1', 'ROC-AUC', 'MAE'."""
        first = self.label.split(" ")[0]
        return self.label if first.upper() == first else self.label[0].lower() + self.label[1:]


UNIT = (0.0, 1.0)
NON_NEGATIVE = (0.0, None)

METRICS: tuple[Metric, ...] = (
    Metric(name="accuracy", label="Accuracy", description="Share of rows predicted correctly",
           tasks=CLASSIFICATION, higher_is_better=True, bounds=UNIT),
    Metric(name="balanced_accuracy", label="Balanced accuracy",
           description="Mean recall over the classes: accuracy that a rare class cannot hide behind",
           tasks=CLASSIFICATION, higher_is_better=True, bounds=UNIT),
    Metric(name="precision", label="Precision",
           description="Share of the rows predicted as a class that truly are that class",
           tasks=CLASSIFICATION, higher_is_better=True, bounds=UNIT, per_class=True),
    Metric(name="recall", label="Recall", description="Share of the rows of a class that the model finds",
           tasks=CLASSIFICATION, higher_is_better=True, bounds=UNIT, per_class=True),
    Metric(name="f1", label="F1", description="Harmonic mean of precision and recall",
           tasks=CLASSIFICATION, higher_is_better=True, bounds=UNIT, per_class=True),
    Metric(name="roc_auc", label="ROC-AUC",
           description="Chance that a random positive row scores above a random negative one (0.5: no better "
                       "than chance)",
           tasks=CLASSIFICATION, needs_scores=True, higher_is_better=True, bounds=UNIT),
    Metric(name="average_precision", label="Average precision",
           description="Area under the precision-recall curve (step-wise, as scikit-learn)",
           tasks=CLASSIFICATION, needs_scores=True, higher_is_better=True, bounds=UNIT),
    Metric(name="log_loss", label="Log loss",
           description="Mean negative log-likelihood of the true class: punishes confident mistakes",
           tasks=CLASSIFICATION, needs_scores=True, higher_is_better=False, bounds=NON_NEGATIVE),
    Metric(name="brier", label="Brier score",  # no upper bound drawn: 1 for binary tasks, 2 for multiclass
           description="Mean squared difference between the predicted probability and the outcome",
           tasks=CLASSIFICATION, needs_scores=True, higher_is_better=False, bounds=NON_NEGATIVE),
    Metric(name="ece", label="Calibration error (ECE)",
           description="Expected calibration error: how far the scores are from the observed shares, averaged "
                       "over score bins",
           tasks=CLASSIFICATION, needs_scores=True, higher_is_better=False, bounds=UNIT),
    Metric(name="mae", label="MAE", description="Mean absolute error, in the target's units",
           tasks=REGRESSION, higher_is_better=False, bounds=NON_NEGATIVE, drop="relative", unit="target"),
    Metric(name="rmse", label="RMSE",
           description="Root mean squared error, in the target's units: large errors weigh more",
           tasks=REGRESSION, higher_is_better=False, bounds=NON_NEGATIVE, drop="relative", unit="target"),
    Metric(name="mape", label="MAPE",
           description="Mean absolute percentage error (rows whose target is near zero are left out)",
           tasks=REGRESSION, higher_is_better=False, bounds=NON_NEGATIVE, unit="percent"),
    Metric(name="median_ae", label="Median absolute error",
           description="Median absolute error, in the target's units: half the errors are smaller",
           tasks=REGRESSION, higher_is_better=False, bounds=NON_NEGATIVE, drop="relative", unit="target"),
    Metric(name="r2", label="R²", description="Share of the target's variance the predictions explain (1 - SSE / SST)",
           tasks=REGRESSION, higher_is_better=True, bounds=(None, 1.0)),
    Metric(name="mean_error", label="Mean error (bias)",
           description="Mean of prediction - target: positive when the model predicts too high",
           tasks=REGRESSION, higher_is_better=False, bounds=(None, None), drop="bias", unit="target"),
)
BY_NAME = {m.name: m for m in METRICS}


def metric(name: str) -> Metric:
    return BY_NAME[name]


def of_task(task: str | None = None) -> tuple[Metric, ...]:
    """The metrics of a task in display order; every metric without a task."""
    return tuple(m for m in METRICS if task is None or task in m.tasks)


def names(task: str | None = None) -> tuple[str, ...]:
    """The names of `of_task(task)`: the JSON's `metric_names`."""
    return tuple(m.name for m in of_task(task))


def label(name: str, default: str | None = None) -> str:
    """The metric's label; `default` (else the name) for a name not in the table."""
    spec = BY_NAME.get(name)
    return spec.label if spec else (name if default is None else default)


def validate_metric_tables(config: PerformanceConfig, section: str = "performance") -> None:
    """The metric names of [performance.minimum], [performance.maximum] and [performance.max_drop_metrics]:
    each in the table (the error lists the table's names), a minimum only where higher is better, a
    maximum only where lower is better, no negative allowed drop."""
    for table in ("minimum", "maximum", "max_drop_metrics"):
        for name, value in getattr(config, table).items():
            if name not in BY_NAME:
                raise ConfigError(f"{section}.{table}.{name}: not a performance metric; allowed names: "
                                  f"{', '.join(names())}", key=f"{section}.{table}.{name}")
            if table == "max_drop_metrics" and value < 0:
                raise ConfigError(f"{section}.{table}.{name}: must not be negative", key=f"{section}.{table}.{name}")
    for name in config.minimum:
        if not BY_NAME[name].higher_is_better:
            raise ConfigError(f"{section}.minimum.{name}: lower is better for {name}; give its highest allowed value "
                              f"in [{section}.maximum] instead", key=f"{section}.minimum.{name}")
    for name in config.maximum:
        if BY_NAME[name].higher_is_better:
            raise ConfigError(f"{section}.maximum.{name}: higher is better for {name}; give its lowest allowed value "
                              f"in [{section}.minimum] instead", key=f"{section}.maximum.{name}")
