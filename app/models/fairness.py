"""Table models and text for the Fairness page, over engine.fairness.results. Nothing is measured here:
every number is the engine's; this module picks rows, formats them and says why a cell is empty.

- PolicyModel:      the policy's three rules on one dataset: value, interval, limit, pass / fail
- GroupRatesModel:  one row per group (and dataset): rows, share, each rate with its interval
- VersusModel:      one row per group × comparison with the reference group, with raw and adjusted p-values
- ChangeModel:      each column-level disparity in the reference and in production, and whether it grew
- ProxyModel:       inputs associated with a sensitive column (sensitive inputs first)
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from assay.app.models.drift import p_text
from assay.app.models.table import Column, RecordTableModel
from assay.app.theme import severity_colour

NEEDS_LABELS = "needs labels"
RATE_NAMES = {
    "selection_rate": "Selection rate", "tpr": "True positive rate", "fpr": "False positive rate",
    "base_rate": "Base rate", "accuracy": "Accuracy", "fnr": "False negative rate", "precision": "Precision",
    "mean_prediction": "Mean prediction", "mean_target": "Mean target", "mae": "Mean absolute error",
}
RATE_TIPS = {
    "selection_rate": "Share of the group the model predicts positive (demographic parity compares these)",
    "tpr": "True positive rate (recall): share of the actual positives predicted positive",
    "fpr": "False positive rate: share of the actual negatives predicted positive",
    "base_rate": "Share of the group that is actually positive (the labels)",
    "accuracy": "Share of the group predicted correctly",
    "fnr": "False negative rate: share of the actual positives predicted negative",
    "precision": "Share of the positive predictions that are right",
    "mean_prediction": "Mean predicted value", "mean_target": "Mean true value",
    "mae": "Mean absolute error of the predictions",
}
DISPARITY_NAMES = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "disparate_impact_ratio": "Disparate impact ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
    "false_positive_rate_difference": "False positive rate difference",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "selection_rate_difference": "Selection rate difference",
    "tpr_difference": "True positive rate difference",
    "fpr_difference": "False positive rate difference",
}
VERSUS_TIPS = {
    "selection_rate_difference": "The group's selection rate minus the reference group's",
    "disparate_impact_ratio": "The group's selection rate divided by the reference group's (four-fifths rule: "
                              "below 0.8 or above 1.25 is a disparity)",
    "tpr_difference": "The group's true positive rate minus the reference group's",
    "fpr_difference": "The group's false positive rate minus the reference group's",
    "equalized_odds_difference": "The larger of the two rate differences (true and false positive), absolute",
}
LABEL_FREE_DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio", "disparate_impact_ratio",
                          "selection_rate_difference")
# (disparity, the policy key of its limit, "max" or "min"), as engine/fairness/policy.py judges them
POLICY_RULES = (("demographic_parity_difference", "max_demographic_parity_difference", "max"),
                ("disparate_impact_ratio", "min_disparate_impact_ratio", "min"),
                ("equalized_odds_difference", "max_equalized_odds_difference", "max"))
LOWER_IS_WORSE = {"demographic_parity_ratio", "disparate_impact_ratio", "equalized_odds_ratio"}


# -- formatting ------------------------------------------------------------------------------------


def rate_name(name: str) -> str:
    return RATE_NAMES.get(name, name.replace("_", " ").capitalize())


def disparity_name(name: str) -> str:
    return DISPARITY_NAMES.get(name, name.replace("_", " ").capitalize())


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def interval_text(estimate: Any) -> str:
    if estimate is None or estimate.ci_low is None or estimate.ci_high is None:
        return ""
    return f"{estimate.ci_low:.3f}–{estimate.ci_high:.3f}"


def estimate_text(estimate: Any) -> str:
    """'0.126 (0.118–0.134)', or the value alone when it has no interval."""
    interval = interval_text(estimate)
    return number(estimate.value) + (f" ({interval})" if interval else "")


def muted() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)


def policy_limit_text(kind: str, limit: float | None) -> str:
    return "" if limit is None else f"{'≤' if kind == 'max' else '≥'} {limit:g}"


def rule_result(estimate: Any, kind: str, limit: float | None, needs_labels: bool) -> str:
    """'pass', 'fail', 'needs labels' or 'not computed': the engine's policy rule, for display."""
    if estimate is None or estimate.value is None:
        return NEEDS_LABELS if needs_labels else "not computed"
    if limit is None:
        return ""
    broken = estimate.value > limit if kind == "max" else estimate.value < limit
    return "fail" if broken else "pass"


def _result_colour(text: str) -> QColor | None:
    if text in ("pass", "fail"):
        return severity_colour(text)
    if text == "grew":
        return severity_colour("warn")
    return muted() if text else None


# -- a column whose text comes from the whole record ---------------------------------------------


@dataclass(frozen=True)
class Cell(Column):
    """A Column whose text is made from the record: an empty cell can say why ('needs labels')."""

    cell: Callable[[Any], str] | None = None


class CellTableModel(RecordTableModel):
    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(columns, parent)
        self._cells = tuple(columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            column = self._cells[index.column()]
            if isinstance(column, Cell) and column.cell is not None:
                return column.cell(self.record(index.row()))
        return super().data(index, role)

    def column_texts(self, header: str) -> list[str]:
        """Every row's text in one column (what tests assert on)."""
        column = self.column_index(header)
        return [self.index(row, column).data() for row in range(self.rowCount())]


# -- the policy ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    disparity: str
    kind: str  # "max" | "min"
    limit: float | None
    estimate: Any  # Estimate | None
    needs_labels: bool
    result: str


def policy_rows(fairness: Any, attribute: Any) -> list[PolicyRow]:
    rows = []
    for name, key, kind in POLICY_RULES:
        estimate = attribute.disparities.get(name) if attribute is not None else None
        needs = attribute is not None and bool(attribute.needs_labels) and name not in LABEL_FREE_DISPARITIES
        limit = fairness.policy.get(key)
        rows.append(PolicyRow(name, kind, limit, estimate, needs, rule_result(estimate, kind, limit, needs)))
    return rows


class PolicyModel(CellTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Rule", lambda r: disparity_name(r.disparity), tooltip=lambda r: _rule_tip(r)),
            Cell("Value", lambda r: r.estimate.value if r.estimate else None, numeric=True,
                 cell=lambda r: number(r.estimate.value) if r.estimate and r.estimate.value is not None else (
                     NEEDS_LABELS if r.needs_labels else "—"),
                 colour=lambda r: _result_colour(r.result) if r.result in ("pass", "fail") else muted()),
            Cell("Interval", lambda r: r.estimate.ci_low if r.estimate else None, numeric=True,
                 cell=lambda r: interval_text(r.estimate),
                 header_tip="Bootstrap confidence interval of the value"),
            Cell("Limit", lambda r: r.limit, numeric=True, cell=lambda r: policy_limit_text(r.kind, r.limit)),
            Column("Result", lambda r: r.result, colour=lambda r: _result_colour(r.result),
                   header_tip="pass or fail against the policy's limit"),
        ], parent)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and index.column() == 4:
            font = QApplication.font()
            font.setBold(True)
            return font
        return super().data(index, role)

    def results(self) -> dict[str, str]:
        return {r.disparity: r.result for r in self.records()}


def _rule_tip(row: PolicyRow) -> str:
    if row.disparity == "disparate_impact_ratio":
        return ("The smallest selection-rate ratio of any group to the reference group, taken both ways "
                "(min(r, 1/r)); the four-fifths rule asks for at least 0.8")
    if row.disparity == "demographic_parity_difference":
        return "The largest minus the smallest selection rate among the groups large enough to judge"
    return "The larger of the true positive rate and false positive rate differences between groups"


# -- groups ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    dataset: str
    group: Any  # GroupMetrics
    attribute: Any  # AttributeFairness
    min_size: int

    @property
    def name(self) -> str:
        return self.group.group

    @property
    def is_reference(self) -> bool:
        return self.group.group == self.attribute.reference_group


def group_note(row: GroupRow) -> str:
    if row.group.small:
        return f"small: {row.group.count:,} < {row.min_size:,} rows, kept out of the verdicts"
    if row.is_reference:
        return f"reference group ({row.attribute.reference_group_reason})"
    return ""


def _row_colour(row: GroupRow) -> QColor | None:
    return muted() if row.group.small else None


def group_rows(attributes: dict[str, Any], datasets: Sequence[str], min_size: int) -> list[GroupRow]:
    """Rows for the groups of the shown datasets, group by group (the reference's order, then any new)."""
    order = group_order(attributes, datasets)
    by_key = {(d, g.group): g for d in datasets if attributes.get(d) for g in attributes[d].groups}
    return [GroupRow(d, by_key[(d, name)], attributes[d], min_size)
            for name in order for d in datasets if (d, name) in by_key]


def group_order(attributes: dict[str, Any], datasets: Sequence[str]) -> list[str]:
    order: list[str] = []
    for d in datasets:
        a = attributes.get(d)
        for g in (a.groups if a is not None else ()):
            if g.group not in order:
                order.append(g.group)
    return order


def _rate_cell(rate: str) -> Callable[[GroupRow], str]:
    def text(row: GroupRow) -> str:
        estimate = row.group.metrics.get(rate)
        if estimate is None:
            return NEEDS_LABELS if rate in row.attribute.needs_labels else "—"
        return estimate_text(estimate) if estimate.value is not None else "undefined"

    return text


def _rate_value(rate: str) -> Callable[[GroupRow], float | None]:
    def value(row: GroupRow) -> float | None:
        estimate = row.group.metrics.get(rate)
        return estimate.value if estimate is not None else None

    return value


def _rate_colour(rate: str) -> Callable[[GroupRow], QColor | None]:
    def colour(row: GroupRow) -> QColor | None:
        return muted() if row.group.small or rate not in row.group.metrics else None

    return colour


class GroupRatesModel(CellTableModel):
    """One row per group and dataset; one column per rate (built for the task's rates)."""

    def __init__(self, rates: Sequence[str], parent=None) -> None:
        self.rates = tuple(rates)
        columns: list[Column] = [
            Column("Group", lambda r: r.name, colour=_row_colour, tooltip=lambda r: group_note(r) or None),
            Column("Dataset", lambda r: r.dataset, colour=_row_colour),
            Column("Rows", lambda r: r.group.count, lambda v: f"{v:,}", numeric=True, colour=_row_colour),
            Column("Share", lambda r: r.group.share, lambda v: f"{v:.1%}", numeric=True, colour=_row_colour,
                   header_tip="Share of the dataset's rows in the group"),
        ]
        for rate in self.rates:
            columns.append(Cell(rate_name(rate).replace(" rate", "\nrate", 1), _rate_value(rate), numeric=True,
                                cell=_rate_cell(rate), colour=_rate_colour(rate),
                                header_tip=RATE_TIPS.get(rate, "") + " — value (interval)"))
        columns.append(Column("Note", lambda r: group_note(r), colour=lambda r: muted(),
                              tooltip=lambda r: group_note(r) or None))
        super().__init__(columns, parent)


@dataclass(frozen=True)
class VersusRow:
    dataset: str
    group: Any  # GroupMetrics
    comparison: str
    estimate: Any  # Estimate | None (None: needs labels)
    min_size: int


def versus_rows(attributes: dict[str, Any], datasets: Sequence[str], min_size: int) -> list[VersusRow]:
    """Each non-reference group against its dataset's reference group, every comparison the engine made;
    comparisons that need labels where a dataset has none are listed as such."""
    rows = []
    for row in group_rows(attributes, datasets, min_size):
        if row.is_reference or row.attribute.reference_group is None:
            continue
        names = list(row.group.versus_reference)
        if row.attribute.needs_labels and names:
            names += [n for n in VERSUS_TIPS if n not in names]
        for name in names:
            rows.append(VersusRow(row.dataset, row.group, name, row.group.versus_reference.get(name), min_size))
    return rows


def _versus_note(row: VersusRow) -> str:
    if row.group.small:
        return f"small: {row.group.count:,} < {row.min_size:,} rows, not tested"
    return ""


class VersusModel(CellTableModel):
    def __init__(self, parent=None) -> None:
        def grey(r: VersusRow) -> QColor | None:
            return muted() if r.group.small or r.estimate is None else None

        super().__init__([
            Column("Group", lambda r: r.group.group, colour=grey),
            Column("Dataset", lambda r: r.dataset, colour=grey),
            Column("Comparison", lambda r: disparity_name(r.comparison), colour=grey,
                   tooltip=lambda r: VERSUS_TIPS.get(r.comparison)),
            Cell("Value", lambda r: r.estimate.value if r.estimate else None, numeric=True, colour=grey,
                 cell=lambda r: number(r.estimate.value) if r.estimate else NEEDS_LABELS),
            Cell("Interval", lambda r: r.estimate.ci_low if r.estimate else None, numeric=True, colour=grey,
                 cell=lambda r: interval_text(r.estimate), header_tip="Bootstrap confidence interval"),
            Column("p-value", lambda r: r.estimate.p_value if r.estimate else None, p_text, numeric=True,
                   colour=grey, header_tip="Two-proportion z-test of the group against the reference group"),
            Column("p-value\nadjusted", lambda r: r.estimate.p_value_adjusted if r.estimate else None, p_text,
                   numeric=True, colour=grey, header_tip="Corrected for the number of groups compared"),
            Column("Note", _versus_note, colour=lambda r: muted()),
        ], parent)


# -- change since the reference ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    disparity: str
    reference: Any  # Estimate | None
    production: Any  # Estimate | None
    reference_needs_labels: bool
    production_needs_labels: bool
    grew: bool | None  # None: not compared
    limit: str  # the policy's limit, for the three rules
    kind: str = ""  # "max" | "min" for the three rules
    limit_value: float | None = None


def _side_colour(row: ChangeRow, estimate: Any) -> QColor | None:
    """A policy rule's value in pass / fail colour; a missing value muted."""
    if estimate is None or estimate.value is None:
        return muted()
    result = rule_result(estimate, row.kind, row.limit_value, False) if row.kind else ""
    return severity_colour(result) if result in ("pass", "fail") else None


def change_rows(fairness: Any, name: str) -> list[ChangeRow]:
    ref, prod = fairness.reference.get(name), fairness.production.get(name)
    changes = {c.disparity: c.grew for c in fairness.changes if c.attribute == name}
    names: list[str] = []
    for a in (ref, prod):
        for d in (a.disparities if a is not None else {}):
            if d not in names:
                names.append(d)
    rules = {d: (kind, fairness.policy.get(key)) for d, key, kind in POLICY_RULES}
    rows = []
    for d in sorted(names, key=lambda d: (d not in rules, names.index(d))):
        kind, limit = rules.get(d, ("", None))
        rows.append(ChangeRow(
            d, ref.disparities.get(d) if ref else None, prod.disparities.get(d) if prod else None,
            bool(ref and ref.needs_labels), bool(prod and prod.needs_labels), changes.get(d),
            policy_limit_text(kind, limit) if kind else "", kind, limit))
    return rows


def _change_text(row: ChangeRow) -> str:
    if row.grew is None:
        return NEEDS_LABELS if row.production is None and row.production_needs_labels else "—"
    return "grew" if row.grew else "no"


def _side_text(estimate: Any, needs: bool) -> str:
    if estimate is None or estimate.value is None:
        return NEEDS_LABELS if needs else "—"
    return number(estimate.value)


class ChangeModel(CellTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__([
            Column("Disparity", lambda r: disparity_name(r.disparity),
                   tooltip=lambda r: "Lower is worse" if r.disparity in LOWER_IS_WORSE else "Higher is worse"),
            Column("Policy", lambda r: r.limit or None, header_tip="The policy's limit (three rules)"),
            Cell("Reference", lambda r: r.reference.value if r.reference else None, numeric=True,
                 cell=lambda r: _side_text(r.reference, r.reference_needs_labels),
                 colour=lambda r: _side_colour(r, r.reference)),
            Cell("Reference\ninterval", lambda r: r.reference.ci_low if r.reference else None, numeric=True,
                 cell=lambda r: interval_text(r.reference)),
            Cell("Production", lambda r: r.production.value if r.production else None, numeric=True,
                 cell=lambda r: _side_text(r.production, r.production_needs_labels),
                 colour=lambda r: _side_colour(r, r.production)),
            Cell("Production\ninterval", lambda r: r.production.ci_low if r.production else None, numeric=True,
                 cell=lambda r: interval_text(r.production)),
            Column("p-value", lambda r: r.production.p_value if r.production else None, p_text, numeric=True,
                   header_tip="Production: chi-square test that the rate is the same in every group"),
            Cell("Grew", lambda r: r.grew, cell=_change_text, colour=lambda r: _result_colour(_change_text(r)),
                 header_tip="grew: production is worse than the reference and its interval excludes the "
                            "reference value"),
        ], parent)


# -- proxies ---------------------------------------------------------------------------------------


def _proxy_note(p: Any) -> str:
    return "the sensitive column itself is a model input" if p.is_sensitive_input else ""


class ProxyModel(CellTableModel):
    def __init__(self, parent=None) -> None:
        def warn(p: Any) -> QColor | None:
            return severity_colour("warn") if p.is_sensitive_input else None

        super().__init__([
            Column("Input", lambda p: p.column, colour=warn),
            Column("Sensitive column", lambda p: p.sensitive),
            Column("Measure", lambda p: p.measure),
            Column("Strength", lambda p: p.strength, lambda v: f"{v:.2f}", numeric=True,
                   header_tip="0: unrelated, 1: the input determines the group"),
            Column("Note", _proxy_note, colour=warn),
        ], parent)
