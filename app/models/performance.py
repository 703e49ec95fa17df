"""Table models and text for the Performance page, over engine.performance.results. Nothing is measured
here: every number is the engine's; this module picks rows, formats them and says why a cell is empty.

- MetricTableModel:  one row per headline metric: reference, production and the change, each with its
                     interval, the policy's limits and what the engine judged (from the findings)
- ClassTableModel:   precision, recall and F1 per class (and the macro / weighted averages), both datasets
- ChunkTableModel:   production chunks over time: rows, labelled rows, status, the chosen metric
- SegmentTableModel: the segments of one column, worst first, with sizes and every metric's interval
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from assay.app.models.table import Column, RecordTableModel
from assay.app.theme import severity_colour
from assay.engine.performance.metric_specs import BIAS_SCALE, BY_NAME, METRICS

DATASETS = ("reference", "production")
NO_LABELS = "no labels"
SMALL = "small"
POSITIVE_RATE = "positive_rate"  # the threshold sweep's share predicted positive: shown beside the metrics
METRIC_NAMES = {m.name: m.label for m in METRICS} | {POSITIVE_RATE: "Predicted positive rate"}
METRIC_TIPS = {m.name: m.description for m in METRICS} | {POSITIVE_RATE: "Share of rows predicted positive"}
# the range a metric can take, which the over-time plot never passes (multiclass Brier reaches 2)
BOUNDS = {m.name: m.bounds for m in METRICS} | {POSITIVE_RATE: (0.0, 1.0)}
PERCENT = {m.name for m in METRICS if m.unit == "percent"}  # shown as a percentage
UNITS = {m.name for m in METRICS if m.unit == "target"}  # in the target's units


def judged_by_size(metric: str) -> bool:
    """A signed metric best at 0 (the mean error): its limits and drops are on |value|."""
    spec = BY_NAME.get(metric)
    return spec is not None and spec.judged_by_size


def relative_drop(metric: str) -> bool:
    """Whether the policy measures the metric's drop relative to its reference value."""
    spec = BY_NAME.get(metric)
    return spec is not None and spec.drop == "relative"


# -- formatting ------------------------------------------------------------------------------------


def metric_name(name: str, task: str | None = None, positive: str | None = None) -> str:
    """'Precision (class 1)' for a binary task's headline precision; 'F1 (macro)' for multiclass."""
    base = METRIC_NAMES.get(name, name.replace("_", " ").capitalize())
    if name in BY_NAME and BY_NAME[name].per_class:
        if task == "binary" and positive is not None:
            return f"{base} (class {positive})"
        if task == "multiclass":
            return f"{base} (macro)"
    return base


def metric_tip(name: str, higher_is_better: bool | None = None) -> str:
    tip = METRIC_TIPS.get(name, "")
    if higher_is_better is not None and not judged_by_size(name):
        tip += ". Higher is better." if higher_is_better else ". Lower is better."
    elif judged_by_size(name):
        tip += ". Closer to 0 is better."
    return tip


def value_text(metric: str, value: float | None, like: float | None = None) -> str:
    """A metric's value as the page writes it: shares and scores with 3 decimals, MAPE in percent,
    errors in the target's units with 4 significant digits — of `like` when given, so that an
    interval has as many decimals as its estimate."""
    if value is None:
        return "—"
    if metric in PERCENT:
        text = f"{value:.1%}"
    elif metric in UNITS:
        text = units_text(value, like)
    else:
        text = f"{value:.3f}"
    return text.replace("-", "−")


def units_text(value: float, like: float | None = None) -> str:
    """4 significant digits of `like` (default: the value itself) from 1 up, 3 below; thousands separated."""
    size = abs(like if like is not None else value)
    if size == 0 or not math.isfinite(size):
        return f"{value:.3g}"
    decimals = max(0, (3 if size >= 1 else 2) - math.floor(math.log10(size)))
    return f"{value:,.{decimals}f}"


def signed_text(metric: str, value: float | None, like: float | None = None) -> str:
    if value is None:
        return "—"
    if metric in PERCENT:
        text = f"{value * 100:+.1f} pp"
    elif metric in UNITS:
        text = ("+" if value >= 0 else "") + units_text(value, like)
    else:
        text = f"{value:+.3f}"
    if not any(c in "123456789" for c in text):  # rounds to zero: no sign ("−0.000" reads as a drop)
        text = text.lstrip("+-")
    return text.replace("-", "−")


def interval_text(metric: str, low: float | None, high: float | None, signed: bool = False,
                  like: float | None = None) -> str:
    if low is None or high is None:
        return ""
    if signed:
        return f"{signed_text(metric, low, like)} to {signed_text(metric, high, like)}"
    sep = " to " if low < 0 else "–"
    return f"{value_text(metric, low, like)}{sep}{value_text(metric, high, like)}"


def estimate_text(metric: str, estimate: Any) -> str:
    """'0.831 (0.825–0.838)', the value alone without an interval, or 'not defined'."""
    if estimate is None:
        return "—"
    if estimate.value is None:
        return "not defined"
    like = max(abs(v) for v in (estimate.value, estimate.ci_low, estimate.ci_high) if v is not None)
    interval = interval_text(metric, estimate.ci_low, estimate.ci_high, like=like)
    return value_text(metric, estimate.value, like) + (f" ({interval})" if interval else "")


def muted() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)


def policy_text(result: Any, metric: str) -> str:
    """The policy's limits on a metric: 'drop ≤ 0.05', '≥ 0.8 · drop ≤ 5% of the reference'."""
    policy = result.policy or {}
    parts = []
    minimum, maximum = (policy.get("minimum") or {}).get(metric), (policy.get("maximum") or {}).get(metric)
    if minimum is not None:
        parts.append(f"≥ {minimum:g}")
    if maximum is not None:
        parts.append(("|bias| ≤ " if judged_by_size(metric) else "≤ ") + f"{maximum:g}")
    change = result.comparison.get(metric)
    allowed = change.allowed_drop if change is not None else (policy.get("max_drop_metrics") or {}).get(
        metric, policy.get("max_drop"))
    if allowed is not None:
        relative = change.drop_scale == "relative" if change is not None else relative_drop(metric)
        if judged_by_size(metric) and relative:
            parts.append(f"|bias| growth ≤ {allowed:.0%} of ref. MAE")
        elif relative:
            parts.append(f"drop ≤ {allowed:.0%} of ref.")
        else:
            parts.append(f"drop ≤ {allowed:g}")
    return " · ".join(parts)


@dataclass(frozen=True)
class Verdict:
    """What the engine judged for one metric, for display: text and severity ('' for none)."""

    text: str
    severity: str = ""
    detail: str = ""


def metric_verdict(result: Any, findings: Sequence[Any], metric: str) -> Verdict:
    """From the findings (the engine's judgement) and the change: fail, worse within the policy, pass."""
    by_id = {f.id: f for f in findings}
    failed = [by_id[i] for i in (f"performance.drop.{metric}", f"performance.minimum.{metric}",
                                 f"performance.maximum.{metric}") if i in by_id]
    if failed:
        worst = max(failed, key=lambda f: ("pass", "warn", "fail").index(f.severity))
        kinds = []
        for f in failed:
            if f.id.startswith("performance.drop"):
                kinds.append("drop")
            elif f.severity == "warn":
                kinds.append("limit not checked")
            else:
                kinds.append("below minimum" if ".minimum." in f.id else "above maximum")
        return Verdict(f"{worst.severity}: " + ", ".join(kinds), worst.severity,
                       "\n".join(f"{f.title}. {f.detail}".strip() for f in failed))
    production = result.production
    if production.status != "ok":
        return Verdict(NO_LABELS if production.status == NO_LABELS else "not measured")
    estimate = production.metrics.get(metric)
    if estimate is None or estimate.value is None:
        return Verdict("not defined", "", estimate.reason if estimate is not None else "")
    change = result.comparison.get(metric)
    if change is not None and change.worse:
        if change.beyond_policy and change.significant is False:
            return Verdict("not significant", "", "The drop is larger than the policy allows, but the interval "
                           "of the change includes 0: not significant.")
        if change.beyond_policy:
            return Verdict("worse", "warn")
        return Verdict("within policy", "",
                       "Production is worse than the reference, by less than the policy allows.")
    return Verdict("pass", "pass")


# -- metrics -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    metric: str
    name: str
    tip: str
    reference: Any  # MetricValue or None
    production: Any
    production_status: str
    reference_status: str
    change: Any  # MetricChange or None
    policy: str
    verdict: Verdict


def metric_rows(result: Any, findings: Sequence[Any]) -> list[MetricRow]:
    rows = []
    for metric in result.metric_names:
        rows.append(MetricRow(
            metric, metric_name(metric, result.task, result.positive_label),
            metric_tip(metric, result.higher_is_better(metric)), result.reference.metrics.get(metric),
            result.production.metrics.get(metric), result.production.status, result.reference.status,
            result.comparison.get(metric),
            policy_text(result, metric), metric_verdict(result, findings, metric)))
    return rows


def _dataset_text(row: MetricRow, dataset: str) -> str:
    estimate = row.reference if dataset == "reference" else row.production
    status = row.reference_status if dataset == "reference" else row.production_status
    if status != "ok":
        return NO_LABELS if status == NO_LABELS else "no predictions"
    return estimate_text(row.metric, estimate)


def _dataset_tip(row: MetricRow, dataset: str) -> str | None:
    estimate = row.reference if dataset == "reference" else row.production
    if estimate is not None and estimate.value is None and estimate.reason:
        return f"Not defined: {estimate.reason}"
    if estimate is not None and estimate.value is not None and estimate.ci_low is None:
        return "No interval (bootstrap turned off, or too few resamples where the metric is defined)"
    return None


def _change_text(row: MetricRow) -> str:
    c = row.change
    if c is None or c.change is None:
        return "—"
    like = max(abs(v) for v in (c.change, c.ci_low, c.ci_high) if v is not None)
    interval = interval_text(row.metric, c.ci_low, c.ci_high, signed=True, like=like)
    return signed_text(row.metric, c.change, like) + (f" ({interval})" if interval else "")


def _change_tip(row: MetricRow) -> str | None:
    c = row.change
    if c is None or c.change is None:
        return None
    parts = ["production − reference"]
    if c.significant is True:
        parts.append("significant: the interval of the change excludes 0")
    elif c.significant is False:
        parts.append("not significant: the interval of the change includes 0")
    if c.drop is not None and c.worse:
        scale = f"{c.drop:.1%} of the reference" if c.drop_scale == "relative" else f"{c.drop:.4g}"
        parts.append(f"worse by {scale}")
    elif not c.worse:
        parts.append("not worse")
    return "; ".join(parts)


def _change_colour(row: MetricRow) -> QColor | None:
    c = row.change
    if c is None or c.change is None:
        return None
    if c.worse and c.significant:
        return severity_colour("fail" if c.beyond_policy else "warn")
    return None


def _verdict_colour(row: MetricRow) -> QColor | None:
    if row.verdict.severity:
        return severity_colour(row.verdict.severity)
    return muted()


class MetricTableModel(RecordTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__((
            Column("Metric", lambda r: r.name, tooltip=lambda r: r.tip),
            Column("Reference", lambda r: _dataset_text(r, "reference"), tooltip=lambda r: _dataset_tip(r, "reference"),
                   colour=lambda r: muted() if r.reference_status != "ok" else None, numeric=True,
                   header_tip="The reference data (what the model was validated on), with the bootstrap interval "
                              "in brackets"),
            Column("Production", lambda r: _dataset_text(r, "production"),
                   tooltip=lambda r: _dataset_tip(r, "production"),
                   colour=lambda r: muted() if r.production_status != "ok" else None, numeric=True,
                   header_tip="The production data (what the model sees now), with the bootstrap interval"),
            Column("Change", _change_text, tooltip=_change_tip, colour=_change_colour, numeric=True,
                   header_tip="Production minus reference, with the interval of the change (independent resamples "
                              "of each dataset)"),
            Column("Policy", lambda r: r.policy,
                   header_tip="[performance] limits: a minimum or maximum for production, and the largest "
                              "allowed drop against the reference"),
            Column("Result", lambda r: r.verdict.text, tooltip=lambda r: r.verdict.detail or None,
                   colour=_verdict_colour,
                   header_tip="What the audit judged: fail when the drop is significant and beyond the policy, or "
                              "a limit is broken"),
        ), parent)

    def set_result(self, result: Any, findings: Sequence[Any]) -> None:
        self.set_records(metric_rows(result, findings))

    def row_of(self, metric: str) -> int | None:
        return next((i for i, r in enumerate(self.records()) if r.metric == metric), None)


# -- per class ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassRow:
    label: str
    average: bool  # a macro / weighted average row
    reference: Any  # ClassMetrics or an average dict {precision, recall, f1}
    production: Any


def class_rows(result: Any) -> list[ClassRow]:
    ref = {c.label: c for c in result.reference.per_class}
    prod = {c.label: c for c in result.production.per_class}
    labels = list(dict.fromkeys([*ref, *prod]))
    rows = [ClassRow(label, False, ref.get(label), prod.get(label)) for label in labels]
    for kind in ("macro", "weighted"):
        r, p = result.reference.averages.get(kind), result.production.averages.get(kind)
        if r or p:
            rows.append(ClassRow(f"{kind} average", True, r, p))
    return rows


def _class_value(row: ClassRow, dataset: str, name: str) -> Any:
    source = row.reference if dataset == "reference" else row.production
    if source is None:
        return None
    return source.get(name) if isinstance(source, dict) else getattr(source, name)


def _class_support(row: ClassRow, dataset: str) -> int | None:
    source = row.reference if dataset == "reference" else row.production
    return None if source is None or isinstance(source, dict) else source.support


def _class_tip(row: ClassRow, dataset: str, name: str) -> str | None:
    value = _class_value(row, dataset, name)
    if value is not None and value.value is None and value.reason:
        return f"Not defined: {value.reason}"
    return None


class ClassTableModel(RecordTableModel):
    def __init__(self, parent=None) -> None:
        columns = [Column("Class", lambda r: r.label,
                          tooltip=lambda r: ("Unweighted mean over the classes" if r.label.startswith("macro")
                                             else "Mean weighted by each class's rows") if r.average else None)]
        for dataset in DATASETS:
            short = "ref." if dataset == "reference" else "prod."
            columns.append(Column(f"Rows\n{short}", lambda r, d=dataset: _class_support(r, d),
                                  lambda v: "" if v is None else f"{v:,}", numeric=True,
                                  header_tip=f"Rows of the {dataset} labelled with the class"))
            for name in ("precision", "recall", "f1"):
                columns.append(Column(
                    f"{METRIC_NAMES[name]}\n{short}", lambda r, d=dataset, n=name: _class_value(r, d, n),
                    lambda v, n=name: "" if v is None else estimate_text(n, v),
                    tooltip=lambda r, d=dataset, n=name: _class_tip(r, d, n), numeric=True,
                    header_tip=f"{METRIC_TIPS[name]} ({dataset}, with its interval)"))
        super().__init__(columns, parent)

    def sort_value(self, row: int, column: int) -> Any:
        value = super().sort_value(row, column)
        return getattr(value, "value", value)


# -- chunks ------------------------------------------------------------------------------------------


def chunk_status_text(chunk: Any, metric: str) -> str:
    if chunk.status == NO_LABELS:
        return NO_LABELS
    if chunk.status == SMALL:
        return "small: not judged"
    return "drop" if metric in chunk.dropped else "ok"


def _chunk_status_tip(chunk: Any) -> str | None:
    parts = [chunk.reason] if chunk.reason else []
    if chunk.dropped:
        parts.append("Significant drops beyond the policy here: " + ", ".join(
            METRIC_NAMES.get(m, m) for m in chunk.dropped))
    return "\n".join(parts) or None


def _chunk_dates(chunk: Any) -> str | None:
    if chunk.start and chunk.end:
        return f"{chunk.start} to {chunk.end}" if chunk.start != chunk.end else chunk.start
    return None


class ChunkTableModel(RecordTableModel):
    """Production chunks in time order; `metric` picks the value column."""

    VALUE = 3

    def __init__(self, parent=None) -> None:
        self.metric = "accuracy"
        super().__init__((
            Column("Chunk", lambda c: c.label, tooltip=_chunk_dates),
            Column("Rows", lambda c: c.rows, lambda v: f"{v:,}", numeric=True),
            Column("Labelled", lambda c: c.rows_used, lambda v: f"{v:,}", numeric=True,
                   header_tip="Rows with both a label and a prediction: the rows the metrics use"),
            Column("Value", self._value, lambda v: v, numeric=True, tooltip=self._value_tip),
            Column("Status", lambda c: chunk_status_text(c, self.metric), tooltip=_chunk_status_tip,
                   colour=self._status_colour,
                   header_tip="'drop': the chosen metric dropped significantly and beyond the policy in this chunk"),
        ), parent)

    def set_metric(self, metric: str) -> None:
        self.metric = metric
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.VALUE, self.VALUE)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, self.VALUE), self.index(self.rowCount() - 1, self.VALUE + 1))

    def _status_colour(self, chunk: Any) -> QColor | None:
        if chunk.status in (NO_LABELS, SMALL):
            return muted()
        return severity_colour("fail") if self.metric in chunk.dropped else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if section == self.VALUE and orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return METRIC_NAMES.get(self.metric, self.metric)
        return super().headerData(section, orientation, role)

    def _value(self, chunk: Any) -> str:
        if chunk.status == NO_LABELS:
            return NO_LABELS
        estimate = chunk.metrics.get(self.metric)
        if estimate is None:
            return "not computed"
        return estimate_text(self.metric, estimate)

    def _value_tip(self, chunk: Any) -> str | None:
        estimate = chunk.metrics.get(self.metric)
        if estimate is not None and estimate.value is None and estimate.reason:
            return f"Not defined: {estimate.reason}"
        return None

    def sort_value(self, row: int, column: int) -> Any:
        if column == self.VALUE:
            estimate = self.record(row).metrics.get(self.metric)
            return None if estimate is None else estimate.value
        return super().sort_value(row, column)


# -- segments ----------------------------------------------------------------------------------------


class SegmentTableModel(RecordTableModel):
    """The segments of one column in the engine's order (worst first, small ones last)."""

    def __init__(self, parent=None) -> None:
        super().__init__((), parent)
        self.column: Any = None
        self.metrics: tuple[str, ...] = ()

    def set_column(self, column: Any, metric_order: Sequence[str], task: str | None = None,
                   positive: str | None = None) -> None:
        present = {m for s in column.segments for m in s.metrics}
        self.metrics = tuple(m for m in metric_order if m in present)
        columns = [
            Column("Segment", lambda s: s.segment, tooltip=lambda s: "Values beyond the top ones, pooled"
                   if s.segment == "other" else None),
            Column("Rows", lambda s: s.rows, lambda v: f"{v:,}", numeric=True),
            Column("Labelled", lambda s: s.rows_used, lambda v: f"{v:,}", numeric=True,
                   header_tip="Rows with a label and a prediction: the rows the metrics use"),
            Column("Share", lambda s: s.share, lambda v: f"{v:.1%}", numeric=True,
                   header_tip=f"Share of the {column.dataset} rows"),
        ]
        for metric in self.metrics:
            columns.append(Column(
                metric_name(metric, task, positive).replace(" (", "\n("),
                lambda s, m=metric: s.metrics.get(m), lambda v, m=metric: "" if v is None else estimate_text(m, v),
                tooltip=lambda s, m=metric: _segment_tip(s, m), numeric=True,
                colour=lambda s: muted() if s.small else None, header_tip=metric_tip(metric)))
        if any(s.reference_value is not None for s in column.segments):
            columns.append(Column(f"{METRIC_NAMES.get(column.ranked_by, column.ranked_by)}\nin the reference",
                                  lambda s: s.reference_value, lambda v: value_text(column.ranked_by, v),
                                  numeric=True, header_tip="The same segment of the reference data"))
        columns.append(Column("Note", lambda s: "small: not judged" if s.small else "",
                              colour=lambda s: muted()))
        self.beginResetModel()
        self._columns = tuple(columns)
        self._records = list(column.segments)
        self.column = column
        self.endResetModel()

    def sort_value(self, row: int, column: int) -> Any:
        value = super().sort_value(row, column)
        return getattr(value, "value", value)


def _segment_tip(segment: Any, metric: str) -> str | None:
    estimate = segment.metrics.get(metric)
    if estimate is not None and estimate.value is None and estimate.reason:
        return f"Not defined: {estimate.reason}"
    if segment.small:
        return "Too few labelled rows to judge: shown, not judged"
    return None


# -- over time -----------------------------------------------------------------------------------------


def policy_lines(result: Any, metric: str) -> list[tuple[float, str]]:
    """Where the policy's limits on a metric lie on its own scale, for the over-time plot: the minimum or
    maximum, and the reference value moved by the largest allowed drop (a chunk beyond that line with a
    significant change is a drop). Mean error: both signs, since its size is judged."""
    policy = result.policy or {}
    lines: list[tuple[float, str]] = []
    minimum, maximum = (policy.get("minimum") or {}).get(metric), (policy.get("maximum") or {}).get(metric)
    if minimum is not None:
        lines.append((float(minimum), f"minimum {minimum:g}"))
    if maximum is not None:
        if judged_by_size(metric):
            lines += [(float(maximum), f"maximum |bias| {maximum:g}"), (-float(maximum), "")]
        else:
            lines.append((float(maximum), f"maximum {maximum:g}"))
    reference = result.reference.metrics.get(metric)
    if reference is None or reference.value is None:
        return lines
    change = result.comparison.get(metric)
    allowed = change.allowed_drop if change is not None else (policy.get("max_drop_metrics") or {}).get(
        metric, policy.get("max_drop"))
    if allowed is None:
        return lines
    ref = reference.value
    higher = result.higher_is_better(metric)
    label = "largest allowed drop"
    ref_scale = result.reference.metrics.get(BIAS_SCALE)
    ref_scale = ref_scale.value if ref_scale is not None and ref_scale.value else None
    if change is not None:
        relative = change.drop_scale == "relative"
    else:  # as engine/performance/policy.py scales a drop
        relative = (judged_by_size(metric) and ref_scale is not None) or (relative_drop(metric) and ref > 0)
    if judged_by_size(metric):
        limit = abs(ref) + allowed * (ref_scale if relative and ref_scale else 1.0)
        lines += [(limit, label), (-limit, "")]
    elif relative:
        lines.append((ref * (1 + allowed), label))
    else:
        lines.append((ref - allowed if higher else ref + allowed, label))
    return lines


def chunk_tip(chunk: Any, metric: str, name: str) -> str:
    """What hovering a chunk says: when, how many rows, the value with its interval, the status."""
    when = f"{chunk.start} to {chunk.end}" if chunk.start and chunk.end and chunk.start != chunk.end else ""
    lines = [chunk.label + (f" ({when})" if when and when != chunk.label else "")]
    lines.append(f"{chunk.rows:,} rows, {chunk.rows_used:,} labelled")
    if chunk.status == NO_LABELS:
        lines.append(f"{name}: no labels" + (f" ({chunk.reason})" if chunk.reason else ""))
        return "\n".join(lines)
    estimate = chunk.metrics.get(metric)
    if estimate is None:
        lines.append(f"{name}: not computed per chunk")
    elif estimate.value is None:
        lines.append(f"{name}: not defined" + (f" ({estimate.reason})" if estimate.reason else ""))
    else:
        lines.append(f"{name}: {estimate_text(metric, estimate)}")
    if chunk.status == SMALL:
        lines.append("too few labelled rows: shown, not judged")
    if metric in chunk.dropped:
        lines.append("significant drop beyond the policy")
    elif chunk.dropped:
        lines.append("dropped here: " + ", ".join(chunk.dropped))
    return "\n".join(lines)
