"""Champion and challengers: the models compared, and per challenger its verdict, every metric's paired test
(differences challenger - champion with their intervals, drawn and tabled), the ROC curves overlaid, the rows whose
decision flips by segment and the fairness disparities side by side; the A/B arms when there is an arm column."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.comparison.results import interval_text, number_text, p_text
from assay.engine.performance.metric_specs import label
from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column
from assay.engine.report.sections.common import Steps, opening

if TYPE_CHECKING:
    from assay.engine.comparison.results import ComparisonResult, PairComparison
    from assay.engine.report.pdf import ReportContext

TESTS = {"delong": "DeLong", "mcnemar": "McNemar (exact)", "bootstrap": "paired bootstrap"}
LIMITATIONS = [
    "The comparison is paired: both models are scored on the same rows, so it says which model is better on these "
    "rows, not on another population.",
    "Verdicts use the non-inferiority margin on each metric's own scale; Holm's correction controls the chance of "
    "any false 'challenger better' across the metrics of one challenger.",
]


def build(ctx: ReportContext) -> Steps:
    story, result = yield from opening(ctx, "comparison")
    if result is None:
        return story
    b = ctx.blocks
    story.append(b.pairs([
        ("Models", "; ".join(f"{m.name} ({m.role}{', could not be compared' if m.error else ''})"
                             for m in result.models)),
        ("Margin", f"{result.margin:g}" + (" (" + ", ".join(f"{label(k)} {v:g}" for k, v in result.margins.items())
                                           + ")" if result.margins else "")),
        ("Intervals", f"{result.confidence:.0%}; {F.count(result.resamples)} paired resamples for the bootstrap"),
    ], key_width=0.2))
    for note in result.notes:
        story.append(b.small(note))
    for i, pair in enumerate(result.pairs):
        yield 0.1 + 0.8 * i / max(len(result.pairs), 1), f"Comparison: {pair.challenger}"
        story += _pair(ctx, result, pair)
    if result.ab is not None:
        story += _ab(ctx, result)
    return story


def _pair(ctx: ReportContext, result: ComparisonResult, pair: PairComparison) -> list:
    b = ctx.blocks
    story = b.h2(f"{pair.challenger} against {pair.champion}", f"comparison-{pair.challenger}")
    story.append(b.p(f"Verdict: {pair.verdict}, on {F.count(pair.rows)} {pair.dataset} rows. Differences are "
                     f"challenger - champion."))
    metrics = [m for m in pair.metrics if m.difference is not None]
    if metrics:
        story.append(b.chart(charts.change_intervals(
            [label(m.metric) for m in metrics], [m.difference for m in metrics], [m.ci_low for m in metrics],
            [m.ci_high for m in metrics], [m.verdict == "worse" for m in metrics],
            "challenger - champion (interval of the difference)", ctx.width),
            "Each metric's difference with its interval; an orange point marks a metric where the challenger is "
            "worse beyond the margin."))
    rows = [[label(m.metric), number_text(m.champion), number_text(m.challenger), number_text(m.difference, sign=True),
             interval_text(m.ci_low, m.ci_high), TESTS.get(m.test, m.test),
             p_text(m.p_value_adjusted), m.verdict] for m in pair.metrics]
    story.append(b.table([Column("Metric", 0.17), Column("Champion", 0.1, "right"), Column("Challenger", 0.1, "right"),
                          Column("Difference", 0.1, "right"), Column("Interval", 0.17, "right"), Column("Test", 0.13),
                          Column("p (Holm)", 0.08, "right"), Column("Verdict", 0.15)], rows,
                         highlight=["fail" if m.verdict == "worse" else None for m in pair.metrics]))
    if pair.roc:
        story.append(b.chart(charts.curves([{"title": "ROC curves on the same rows", "x_label": "false positive rate",
                                              "y_label": "true positive rate", "diagonal": True, "unit": True,
                                              "series": {f"{c.model} (AUC {number_text(c.auc)})": (c.fpr, c.tpr)
                                                         for c in pair.roc}}], ctx.width)))
    a = pair.agreement
    if a is not None:
        story += b.h3("Where the decisions flip")
        story.append(b.p(f"The models agree on {F.percent(a.rate)} of the rows; {F.count(a.flips)} decisions flip "
                         f"({F.count(a.to_right)} to the right label, {F.count(a.to_wrong)} to the wrong one)."))
        if a.segments:
            story.append(b.table([Column("Column", 0.25), Column("Segment", 0.35), Column("Rows", 0.13, "right"),
                                  Column("Flips", 0.13, "right"), Column("Flip rate", 0.14, "right")],
                                 [[s.column, s.segment, F.count(s.rows), F.count(s.flips), F.percent(s.rate)]
                                  for s in a.segments]))
    if pair.fairness:
        story += b.h3("Fairness disparities side by side")
        story.append(b.table([Column("Column", 0.2), Column("Disparity", 0.22), Column("Champion", 0.13, "right"),
                              Column("Challenger", 0.13, "right"), Column("Difference", 0.13, "right"),
                              Column("Interval", 0.19, "right")],
                             [[g.column, g.measure.replace("_", " "), number_text(g.champion), number_text(g.challenger),
                               number_text(g.difference, sign=True),
                               interval_text(g.ci_low, g.ci_high)]
                              for g in pair.fairness]))
    if pair.importances:
        story += b.h3("Importances side by side")
        rho = "not defined" if pair.rank_correlation is None else f"{pair.rank_correlation:.2f}"
        story.append(b.p(f"Permutation importance ({pair.importance_measure} lost when a column is shuffled, the same "
                         f"rows and shuffle for both models); Spearman rank correlation of the rankings: {rho}."))
        story.append(b.table([Column("Column", 0.5), Column("Champion", 0.25, "right"),
                              Column("Challenger", 0.25, "right")],
                             [[i.column, number_text(i.champion, sign=True), number_text(i.challenger, sign=True)]
                              for i in pair.importances]))
    return story


def _ab(ctx: ReportContext, result: ComparisonResult) -> list:
    b, ab = ctx.blocks, result.ab
    story = b.h2(f"A/B test by {ab.column}", "comparison-ab")
    story.append(b.p("Arms: " + ", ".join(f"{a.arm} ({F.count(a.rows)} rows)" for a in ab.arms)
                     + ". Each arm is compared with the first (unpaired); 'detectable' is the smallest difference "
                       "these rows could detect (5% two-sided test, 80% power)."))
    for note in ab.notes:
        story.append(b.small(note))
    story.append(b.table([Column("Measure", 0.14), Column("Arms", 0.14), Column("Control", 0.1, "right"),
                          Column("Arm", 0.1, "right"), Column("Difference", 0.11, "right"), Column("Test", 0.16),
                          Column("p / interval", 0.14, "right"), Column("Detectable", 0.11, "right")],
                         [[t.measure.replace("_", " "), f"{t.arm} vs {t.control}", number_text(t.control_value),
                           number_text(t.arm_value), number_text(t.difference, sign=True), t.test,
                           p_text(t.p_value) if t.p_value is not None else
                           interval_text(t.ci_low, t.ci_high),
                           number_text(t.detectable)] for t in ab.tests]))
    return story
