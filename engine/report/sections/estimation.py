"""Estimated performance: what the estimate assumes in plain words, the estimated metrics beside the reference's
realised values, the estimate over time beside the realised values where labels exist (the backtest), the
calibration before and after."""
from __future__ import annotations

from typing import TYPE_CHECKING

from assay.engine.estimation import text
from assay.engine.performance.metric_specs import label
from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column, Markup
from assay.engine.report.sections.common import Steps, estimate, opening, prose, stacked_estimate
from assay.engine.report.sections.performance import change_text

if TYPE_CHECKING:
    from assay.engine.estimation.results import EstimationResult
    from assay.engine.report.pdf import ReportContext

OVER_TIME = ("accuracy", "roc_auc", "mae")  # drawn per chunk, those the result has
METHODS = {"cbpe": "confidence-based performance estimation (CBPE)",
           "cbpe_weighted": "CBPE with the calibration weighted for the shift", "dle": "direct loss estimation (DLE)"}

LIMITATIONS = ("Estimated performance sees covariate shift (production's inputs and scores moving), never a "
               "change in how the outcome follows the inputs: only labels show that.",)


def build(ctx: ReportContext) -> Steps:
    story, r = yield from opening(ctx, "estimation")
    if r is None:
        return story
    b = ctx.blocks
    c = r.calibration
    rows = [("Method", METHODS.get(r.method, r.method) + "; production's labels are not used"),
            ("Calibration", ("isotonic, " + ("weighted by the density ratio, " if c.weighted else "")
                             + f"ECE {F.number(c.ece_before)} before, {F.number(c.ece_after)} after (cross-fitted)")
             if c.calibrated else c.reason),
            ("Intervals", f"{r.confidence:.0%}, {F.count(r.resamples)} resamples of reference and production"),
            ("Chunks", r.chunking)]
    if r.shift is not None:
        rows.append(("Shift", f"a classifier tells production from the reference with ROC-AUC "
                              f"{F.number(r.shift.auc)} (0.5: indistinguishable)"))
    story.append(b.pairs(rows, key_width=0.22))
    yield 0.1, "Estimated performance: assumptions"
    story += b.h2("What the estimate assumes", "estimation-assumptions")
    story += b.bullets([prose(line) for line in text.assumptions(r)])
    if r.assumptions:
        story.append(b.markup(f"<b>{b.status('warn', 'warning')}&nbsp; In this audit these look broken:</b>"))
        story += b.bullets([prose(line) for line in r.assumptions])
    yield 0.3, "Estimated performance: metrics"
    story += b.h2("Estimated metrics", "estimation-metrics")
    story += metrics_table(ctx, r)
    for note in r.notes:
        story.append(b.small(note))
    yield 0.5, "Estimated performance: over time"
    story += b.h2("Over time, and the backtest", "estimation-time")
    story += over_time(ctx, r)
    if c.curve_before or c.curve_after:
        yield 0.8, "Estimated performance: calibration"
        story += b.h2("Calibration on the reference", "estimation-calibration")
        panel = {"title": "Reliability on the reference", "x_label": "mean score", "y_label": "observed share",
                 "diagonal": True, "unit": True,
                 "series": {f"raw scores (ECE {F.number(c.ece_before)})":
                            ([p.score for p in c.curve_before], [p.observed for p in c.curve_before]),
                            f"calibrated, cross-fitted (ECE {F.number(c.ece_after)})":
                            ([p.score for p in c.curve_after], [p.observed for p in c.curve_after])}}
        story.append(b.chart(charts.curves([panel], ctx.width),
                             "Per equal-width score bin, the mean score against the observed share of outcomes; on "
                             "the diagonal is calibrated. The calibrated curve scores each reference row by a fit on "
                             "the other folds."))
    return story


def metrics_table(ctx: ReportContext, r: EstimationResult) -> list:
    b = ctx.blocks
    rows, marks = [], []
    for metric in r.metric_names:
        change = r.comparison.get(metric)
        delta = change_text(change)
        dropped = change is not None and change.beyond_policy and change.significant is not False
        backtest = r.backtest.get(metric)
        held = (f"{F.number(backtest.mae)} / {backtest.coverage:.0%} of {backtest.chunks}"
                if backtest and backtest.coverage is not None else "—")
        rows.append([label(metric), F.number(r.reference.get(metric)), estimate(r.metrics.get(metric)), delta,
                     Markup(b.status("fail", "fail")) if dropped else Markup(b.status("pass", "pass")), held])
        marks.append("fail" if dropped else None)
    return [b.small("Reference: measured from its labels. Estimated: production without labels (interval). Change: "
                    "estimate − reference with its interval; [performance] max_drop applies. Backtest: mean absolute "
                    "error of the chunk estimates / share of chunks whose interval held the realised value."),
            b.table([Column("Metric", 0.17), Column("Reference", 0.1, "right"), Column("Estimated", 0.2, "right"),
                     Column("Change", 0.22, "right"), Column("Policy", 0.08), Column("Backtest", 0.23, "right")],
                    rows, highlight=marks)]


def over_time(ctx: ReportContext, r: EstimationResult) -> list:
    b = ctx.blocks
    chunks = r.chunks
    if not chunks:
        return [b.p(f"Production was not split into chunks ({r.chunking}).")]
    shown = [m for m in OVER_TIME if m in r.metric_names]
    series = {label(m): [(c.metrics[m].value, c.metrics[m].ci_low, c.metrics[m].ci_high) for c in chunks]
              for m in shown}
    realised = {label(m): [(c.realized or {}).get(m) for c in chunks] for m in shown}
    story = [b.chart(charts.metric_over_time([c.label for c in chunks], series,
                                             {label(m): r.reference.get(m) for m in shown}, ctx.width,
                                             realised=realised if any(c.realized for c in chunks) else None),
                     f"{', '.join(label(m) for m in shown)} estimated per production chunk with {r.confidence:.0%} "
                     f"intervals; diamonds: the realised value where the chunk has labels.")]
    rows = []
    for c in chunks:
        rows.append([c.label, F.count(c.rows)] + [Markup(stacked_estimate(c.metrics.get(m))) for m in shown]
                    + [F.number((c.realized or {}).get(m)) if c.realized else "no labels" for m in shown])
    share = 0.78 / max(2 * len(shown), 1)
    story.append(b.table([Column("Chunk", 0.12), Column("Rows", 0.1, "right")]
                         + [Column(f"{label(m)}, estimated", share, "right") for m in shown]
                         + [Column(f"{label(m)}, realised", share, "right") for m in shown], rows))
    return story


def methodology(ctx: ReportContext, r: EstimationResult) -> list:
    return ctx.blocks.bullets([prose(line) for line in text.methods(r)])
