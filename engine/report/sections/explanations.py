"""Explanations: global importance reference vs production, the beeswarm, attribution drift and the
permutation-importance cross-check."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from reportlab.platypus import Flowable

from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column, Markup
from assay.engine.report.sections.common import Steps, opening, stacked, top_n

if TYPE_CHECKING:
    from assay.engine.explain.results import AttributionDrift, ExplanationsResult, RowAttributions
    from assay.engine.report.pdf import ReportContext

SCALES = {"log-odds": "mean |SHAP| (log-odds)", "probability": "mean |SHAP| (probability)",
          "prediction": "mean |SHAP| (prediction units)"}
LIMITATIONS = [
    "Explanations (SHAP) describe the model's behaviour on the explained rows, not causal effects in the world; "
    "correlated inputs share their attributions in ways that depend on the explainer.",
]


def build(ctx: ReportContext) -> Steps:
    story, e = yield from opening(ctx, "explanations")
    if e is None:
        return story
    b = ctx.blocks
    rows = [("Explainer", f"{e.method}: {e.method_reason}"), ("Output scale", e.output_scale),
            ("Rows explained", ", ".join(f"{k} {F.count(v)}" for k, v in e.rows.items())),
            ("Background rows", F.count(e.background_rows))]
    if any(e.failed_rows.values()):
        rows.append(("Rows that failed", ", ".join(f"{k} {F.count(v)}" for k, v in e.failed_rows.items())))
    if e.additivity_error is not None:
        rows.append(("Additivity check", f"largest |base + sum of SHAP − output| = {e.additivity_error:.2e}"))
    if e.agreement is not None:
        rows.append(("Cross-check", f"Spearman rank correlation {F.number(e.agreement)} between SHAP importance "
                                    f"(production) and {e.agreement_note or 'permutation importance'}"))
    story.append(b.pairs(rows, key_width=0.22))
    for note in e.notes:
        story.append(b.small(note))

    importance = e.global_importance
    production = importance.get("production") or {}
    reference = importance.get("reference") or {}
    order = sorted(set(production) | set(reference), key=lambda c: (-(production.get(c, reference.get(c, 0.0))), c))
    n = top_n(ctx)
    shown = order[:n]
    story += b.h2("Global importance", "explanations-importance")
    if shown:
        yield 0.2, "Explanations: importance"
        series = {k: [importance[k].get(c, 0.0) for c in shown] for k in ("reference", "production") if k in importance}
        figure = charts.importance_bars(shown, series, SCALES.get(e.output_scale, "mean |SHAP|"), ctx.width)
        caption = "Mean absolute SHAP value per column, reference and production"
        caption += (f"; the {len(shown)} most important of {len(order)} columns (the table lists every column)."
                    if len(order) > len(shown) else ".")
        story.append(b.chart(figure, caption))

    yield 0.45, "Explanations: beeswarm"
    rows_ = e.production_rows
    if rows_ is not None and rows_.values:
        story += b.h2("SHAP values per row (production)", "explanations-beeswarm")
        story.append(beeswarm(ctx, rows_, shown, e.output_scale))

    yield 0.75, "Explanations: attribution drift"
    story += b.h2("Attribution drift", "explanations-drift")
    drift = list(e.attribution_drift)
    if drift:
        ranked = sorted(drift, key=lambda a: (not a.drifted, -abs(a.change), a.feature))[:n]
        figure = charts.change_intervals([a.feature for a in ranked], [a.change for a in ranked],
                                         [a.ci_low for a in ranked], [a.ci_high for a in ranked],
                                         [a.drifted for a in ranked], "change of mean |SHAP|, production − reference",
                                         ctx.width)
        story.append(b.chart(figure, "Change of each column's mean |SHAP| with its bootstrap interval; orange: "
                                     "attributions drifted (adjusted p below 0.05 and an interval that excludes zero)"
                                     + (f"; the {len(ranked)} largest changes of {len(drift)}." if len(drift) > n
                                        else ".")))
    story.append(b.table(
        [Column("Column", 0.2), Column("Reference", 0.09, "right"), Column("Production", 0.09, "right"),
         Column("Rank ref. / prod.", 0.1, "right"), Column("Change (interval)", 0.2, "right"),
         Column("p (adjusted)", 0.1, "right"), Column("Drifted", 0.09), Column("Permutation importance", 0.13, "right")],
        [[a.feature, F.number(a.reference), F.number(a.production), f"{a.rank_reference} / {a.rank_production}",
          Markup(_change(a)), F.p_value(a.p_value_adjusted),
          Markup(b.status("warn", "drifted")) if a.drifted else "no",
          F.number((e.permutation_importance or {}).get(a.feature))] for a in drift],
        highlight=["warn" if a.drifted else None for a in drift]))
    return story


def _change(a: AttributionDrift) -> str:
    """Markup: the change, and its interval in small grey type below it."""
    return stacked(F.signed(a.change), a.ci_low, a.ci_high, " to ")


def beeswarm(ctx: ReportContext, rows: RowAttributions, shown: list[str], scale: str) -> Flowable:
    b = ctx.blocks
    index = {c: i for i, c in enumerate(rows.columns)}
    names = [c for c in shown if c in index]
    values = np.asarray(rows.values, dtype=float)
    shap_columns = [values[:, index[c]] for c in names]
    kinds = {c.name: c.kind.value for c in ctx.report.schema.columns}
    level_columns = [levels([row[index[c]] for row in rows.features], kinds.get(c)) for c in names]
    figure = charts.beeswarm(names, shap_columns, level_columns, f"SHAP value ({scale})", ctx.width,
                             seed=int(ctx.report.provenance.seed))
    return b.chart(figure, f"Each dot is one of {F.count(len(values))} explained production rows: its SHAP value for "
                           "the column (right: raises the output), coloured by the row's value of that column (grey: "
                           "missing); the columns are those of the importance chart.")


def levels(values: list, kind: str | None) -> np.ndarray:
    """0-1 colour levels: categories in sorted order; numbers between their 5th and 95th percentiles."""
    def missing(v) -> bool:
        return v is None or (isinstance(v, float) and math.isnan(v))

    if kind in ("categorical", "boolean", "text") or any(isinstance(v, str) for v in values if not missing(v)):
        categories = sorted({str(v) for v in values if not missing(v)})
        code = {c: i for i, c in enumerate(categories)}
        scale = max(len(categories) - 1, 1)
        return np.array([np.nan if missing(v) else (code[str(v)] / scale if len(categories) > 1 else 0.5)
                         for v in values], dtype=float)
    numbers = np.array([np.nan if missing(v) else float(v) for v in values], dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if not finite.size:
        return numbers
    low, high = np.percentile(finite, [5, 95])
    if high <= low:
        low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return np.where(np.isfinite(numbers), 0.5, np.nan)
    return np.clip((numbers - low) / (high - low), 0.0, 1.0)


def methodology(ctx: ReportContext, e: ExplanationsResult) -> list[Flowable]:
    """The explainer and why, the scale, the cross-check, the analysis' notes and its findings' details."""
    lines = [f"Explainer: {e.method}, chosen because: {e.method_reason}.",
             f"Output explained on the {e.output_scale} scale; {F.count(e.background_rows)} background rows."]
    if e.agreement_note:
        lines.append(f"Cross-check: {e.agreement_note}.")
    lines += list(e.notes)
    for f in ctx.report.findings_for("explanations"):
        if f.detail:
            lines.append(f"{f.title}: {f.detail}")
    return ctx.blocks.bullets(lines)


def sample_sizes(ctx: ReportContext, e: ExplanationsResult) -> list[list[str]]:
    config = ctx.section_config("explain")
    return [["Explanations", F.count(e.rows.get("reference")), F.count(e.rows.get("production")),
             f"{F.count(e.background_rows)} background rows; "
             f"{F.count(config.get('bootstrap_resamples', 0))} bootstrap resamples"]]
