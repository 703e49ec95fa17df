"""Performance: the metrics with intervals, reference against production and the policy; per class and the
confusion matrix; the curves; the metrics over time; the worst segments."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.engine.performance.metric_specs import label
from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column, Markup
from assay.engine.report.sections.common import Steps, opening

if TYPE_CHECKING:
    from assay.engine.performance.results import PerformanceResult
    from assay.engine.report.pdf import ReportContext

OVER_TIME = 3  # headline metrics drawn per chunk
TIME_PREFERENCE = ("roc_auc", "accuracy", "f1", "r2", "mae", "rmse")  # which headline metrics go over time


def name(metric: str) -> str:
    return label(metric, F.label(metric))


def build(ctx: ReportContext) -> Steps:
    story, p = yield from opening(ctx, "performance")
    if p is None:
        return story
    b = ctx.blocks
    rows = [("Task", p.task + (f", positive class {p.positive_label}" if p.positive_label is not None else ""))]
    if p.threshold is not None:
        rows.append(("Decision threshold", f"{p.threshold:g} (positive when the score is at least this)"))
    for d in (p.reference, p.production):
        text = f"{F.count(d.rows_used)} of {F.count(d.rows)} rows used"
        missing = [f"{F.count(n)} without {what}" for n, what in ((d.rows_missing_target, "a target"),
                                                                    (d.rows_missing_prediction, "a prediction")) if n]
        if missing:
            text += f" ({', '.join(missing)})"
        if d.status != "ok":
            text += f"; {d.status}: {d.reason}" if d.reason else f"; {d.status}"
        rows.append((d.dataset.capitalize(), text))
    rows.append(("Intervals", f"{p.confidence:.0%} bootstrap, {F.count(p.resamples)} resamples "
                              f"({F.count(p.chunk_resamples)} per chunk and segment)" if p.resamples else "none"))
    story.append(b.pairs(rows, key_width=0.22))
    for note in p.notes:
        story.append(b.small(note))

    yield 0.1, "Performance: metrics"
    story += b.h2("Metrics, reference against production", "performance-metrics")
    story += metrics_table(ctx, p)
    story += per_class(ctx, p)

    yield 0.3, "Performance: curves"
    curves = curve_panels(p)
    if curves:
        story += b.h2("Curves", "performance-curves")
        for i in range(0, len(curves), 3):
            story.append(b.chart(charts.curves(curves[i:i + 3], ctx.width)))
        story.append(b.caption(curve_caption(p)))

    yield 0.6, "Performance: over time"
    story += b.h2("Over time", "performance-time")
    story += over_time(ctx, p)

    yield 0.85, "Performance: segments"
    story += b.h2("Worst segments", "performance-segments")
    story += segments(ctx, p)
    return story


def _value(m: Any) -> str:
    if m is None:
        return "—"
    if m.value is None:
        return f"— ({m.reason})" if m.reason else "—"
    if m.ci_low is None or m.ci_high is None:
        return F.number(m.value)
    return f"{F.number(m.value)} ({F.interval(m.ci_low, m.ci_high)})"


def _stacked(m: Any) -> str:
    """Markup: the value, and its interval in small grey type below it."""
    from assay.engine.report import styles as S

    if m is None or m.value is None:
        return "—"
    text = F.number(m.value)
    if m.ci_low is not None and m.ci_high is not None:
        text += f'<br/><font size="6" color="{S.MUTED}">{F.number(m.ci_low)}–{F.number(m.ci_high)}</font>'
    return text


def change_text(change: Any) -> str:
    """A MetricChange as the tables write it: the change and its interval, or "—"."""
    if change is None or change.change is None:
        return "—"
    text = F.signed(change.change)
    return text + (f" ({F.interval(change.ci_low, change.ci_high)})" if change.ci_low is not None else "")


def metrics_table(ctx: Any, p: Any) -> list:
    b = ctx.blocks
    rows, marks = [], []
    for metric in p.metric_names:
        change = p.comparison.get(metric)
        ref, prod = p.reference.metrics.get(metric), p.production.metrics.get(metric)
        delta = change_text(change)
        allowed = "—"
        verdict: Any = "—"
        mark = None
        if change is not None and change.allowed_drop is not None:
            allowed = f"{change.allowed_drop:g}" + (" (relative)" if change.drop_scale == "relative" else "")
            if change.beyond_policy:
                verdict, mark = Markup(b.status("fail", "fail")), "fail"
            elif change.worse and change.significant:
                verdict = Markup(b.status("warn", "worse"))
            else:
                verdict = Markup(b.status("pass", "pass"))
        rows.append([name(metric) + ("" if p.higher_is_better(metric) else " ↓"), _value(ref), _value(prod), delta,
                     allowed, verdict])
        marks.append(mark)
    return [b.small("Value (interval). ↓: lower is better. Change: production − reference with the interval of the "
                    "change; a significant drop larger than the allowed drop fails the policy."),
            b.table([Column("Metric", 0.2), Column("Reference", 0.19, "right"), Column("Production", 0.19, "right"),
                     Column("Change", 0.21, "right"), Column("Allowed drop", 0.11, "right"), Column("Result", 0.1)],
                    rows, highlight=marks)]


def per_class(ctx: Any, p: Any) -> list:
    b = ctx.blocks
    story: list = []
    d = p.production if p.production.per_class else p.reference
    if d.per_class:
        story += b.h3(f"Per class ({d.dataset})")
        rows = [[c.label, F.count(c.support), F.count(c.predicted)] + [Markup(_stacked(m)) for m in
                                                                       (c.precision, c.recall, c.f1)]
                for c in d.per_class]
        for kind, values in d.averages.items():
            rows.append([f"{kind} average", "", ""] + [Markup(_stacked(values.get(m)))
                                                       for m in ("precision", "recall", "f1")])
        story.append(b.table([Column("Class", 0.16), Column("Support", 0.1, "right"), Column("Predicted", 0.1, "right"),
                              Column("Precision", 0.21, "right"), Column("Recall", 0.21, "right"),
                              Column("F1", 0.22, "right")], rows))
    for d in (p.reference, p.production):
        if d.confusion is None or len(d.confusion.labels) > 12:
            continue
        labels = list(d.confusion.labels)
        story += b.h3(f"Confusion matrix ({d.dataset}: true label in rows, predicted in columns)")
        share = min(0.8 / max(len(labels), 1), 0.12)
        story.append(b.table([Column("true \\ predicted", 0.2)] + [Column(str(x), share, "right") for x in labels],
                             [[label] + [F.count(v) for v in row] for label, row in zip(labels, d.confusion.counts)]))
    return story


def curve_panels(p: Any) -> list[dict]:
    panels: list[dict] = []
    datasets = [d for d in (p.reference, p.production) if d.status == "ok"]
    if p.task in ("binary", "multiclass"):
        for kind, title, x_label, y_label in (("roc", "ROC curve", "false positive rate", "true positive rate"),
                                              ("pr", "precision-recall curve", "recall", "precision")):
            series = {}
            for d in datasets:
                curves = getattr(d, kind)
                if p.task == "binary" and curves:
                    c = curves[0]
                    series[f"{d.dataset} ({F.number(c.area)})" if c.area is not None else d.dataset] = (c.x, c.y)
            if p.task == "multiclass" and p.production.status == "ok":
                for c in getattr(p.production, kind)[:6]:
                    series[f"class {c.label}"] = (c.x, c.y)
            if series:
                panels.append({"title": title, "x_label": x_label, "y_label": y_label, "series": series,
                               "diagonal": kind == "roc", "unit": True,
                               "legend": "lower right" if kind == "roc" else "lower left"})
        series = {d.dataset: (d.calibration.mean_score, d.calibration.observed) for d in datasets if d.calibration}
        if series:
            panels.append({"title": "calibration", "x_label": "mean score in the bin", "y_label": "observed share",
                           "series": series, "diagonal": True, "unit": True, "legend": "upper left"})
        sweep = p.production.threshold_sweep if p.production.status == "ok" else None
        if sweep is not None and sweep.thresholds:
            series = {name(m): (sweep.thresholds, [v if v is not None else float("nan") for v in values])
                      for m, values in sweep.metrics.items() if m in ("precision", "recall", "f1", "positive_rate")}
            if series:
                panels.append({"title": "production metrics by threshold", "x_label": "decision threshold",
                               "y_label": "", "series": series, "unit": True, "legend": "upper right",
                               "vline": p.threshold})
    elif p.task == "regression":
        for d in datasets:
            r = d.residuals
            if r is not None and r.binned_predicted:
                panels.append({"title": f"mean error by prediction ({d.dataset})", "x_label": "prediction",
                               "y_label": "prediction − target",
                               "series": {d.dataset: (r.binned_predicted, r.binned_mean_error)},
                               "band": (r.binned_low, r.binned_high), "hline": 0.0, "legend": "upper left"})
    return panels


def curve_caption(p: Any) -> str:
    if p.task == "regression":
        return ("Mean error per quantile bin of the prediction, with the band from the 10th to the 90th percentile of "
                "the errors; above zero the model predicts too high.")
    text = ("ROC and precision-recall curves of the positive-class score (area in the legend), the reliability "
            "diagram (dashed: perfect calibration)")
    if p.production.threshold_sweep is not None:
        text += " and production precision, recall, F1 and share predicted positive at each threshold (the vertical " \
                "line is the threshold in use)"
    return text + "."


def over_time(ctx: Any, p: Any) -> list:
    b = ctx.blocks
    chunks = p.production.chunks
    if not chunks:
        return [b.p("Production was not split into chunks" + (f" ({p.chunking})." if p.chunking else "."))]
    story = [b.p(f"Production split into {F.plural(len(chunks), 'chunk')}: {p.chunking}.", keep=True)]
    available = [m for m in p.metric_names if any(c.metrics.get(m) is not None and c.metrics[m].value is not None
                                                  for c in chunks)]
    shown = ([m for m in TIME_PREFERENCE if m in available] + [m for m in available if m not in TIME_PREFERENCE])
    shown = shown[:OVER_TIME]
    if shown:
        series = {name(m): [((c.metrics.get(m).value, c.metrics.get(m).ci_low, c.metrics.get(m).ci_high)
                             if c.metrics.get(m) is not None and c.status != "no labels" else (None, None, None))
                            for c in chunks] for m in shown}
        reference = {name(m): (p.reference.metrics.get(m).value if p.reference.metrics.get(m) else None) for m in shown}
        story.append(b.chart(charts.metric_over_time([c.label for c in chunks], series, reference, ctx.width),
                             f"{', '.join(name(m) for m in shown)} per production chunk with "
                             f"{p.confidence:.0%} intervals; dashed: the reference value."))
    share = 0.36 / max(len(shown), 1)
    rows, marks = [], []
    for c in chunks:
        status = c.status if not c.reason else f"{c.status}: {c.reason}"
        rows.append([c.label, F.count(c.rows), F.count(c.rows_used), status]
                    + [Markup(_stacked(c.metrics.get(m))) if c.status != "no labels" else "—" for m in shown]
                    + [", ".join(name(m) for m in c.dropped) or "—"])
        marks.append("warn" if c.dropped else None)
    story.append(b.table([Column("Chunk", 0.1), Column("Rows", 0.08, "right"), Column("Labelled", 0.09, "right"),
                          Column("Status", 0.09)] + [Column(name(m), share, "right") for m in shown]
                         + [Column("Dropped beyond the policy", 0.28)], rows, highlight=marks))
    return story


def segments(ctx: Any, p: Any) -> list:
    b = ctx.blocks
    if not p.segments:
        return [b.p("No segment column: set [performance] segment_by, or name sensitive columns.")]
    story: list = []
    extra = [m for m in p.metric_names if m in ("roc_auc", "f1", "rmse", "mae")][:2]
    for s in p.segments:
        story += b.h3(f"{s.column} ({s.dataset}), worst first by {name(s.ranked_by)}")
        shown = [s.ranked_by] + [m for m in extra if m != s.ranked_by]
        rows, marks = [], []
        for g in s.segments:
            rows.append([g.segment + (" (small)" if g.small else ""), F.count(g.rows), F.percent(g.share)]
                        + [Markup(_stacked(g.metrics.get(m))) for m in shown] + [F.number(g.reference_value)])
            marks.append(None)
        share = 0.58 / max(len(shown), 1)
        story.append(b.table([Column("Segment", 0.16), Column("Rows", 0.08, "right"), Column("Share", 0.07, "right")]
                             + [Column(name(m), share, "right") for m in shown]
                             + [Column(f"Reference {name(s.ranked_by)}", 0.11, "right")], rows))
        for note in s.notes:
            story.append(b.small(note))
    return story


def sample_sizes(ctx: ReportContext, p: PerformanceResult) -> list[list[str]]:
    return [["Performance (rows with a label and a prediction)", F.count(p.reference.rows_used),
             F.count(p.production.rows_used),
             f"{F.count(p.resamples)} bootstrap resamples; {F.count(p.chunk_resamples)} per chunk and segment"]]
