"""Drift: every column in a table, charts for the most drifted, the columns x chunks heat map, the chunks
and the multivariate checks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable

from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report.blocks import Column, Markup
from assay.engine.report.sections.common import Steps, listed, opening, prose, stated_methods, top_n

if TYPE_CHECKING:
    from assay.engine.drift.results import DriftResult, DomainClassifierResult, FeatureDrift
    from assay.engine.report.pdf import ReportContext

HEAT_MAP_ROWS = 40  # the heat map draws at most this many columns, the most drifted
LIMITATIONS = [
    "Statistical tests detect differences between samples; with many rows, small differences are significant, which "
    "is why drift also requires a minimum effect size. A test that does not flag drift is no proof that nothing "
    "changed.",
]


def ranked(features) -> list:
    """Most drifted first: drifted columns, then by effect size; untested last."""
    return sorted(features, key=lambda f: (not f.drifted, not f.tested, -(f.effect_size or 0.0), f.feature))


def build(ctx: ReportContext) -> Steps:
    story, d = yield from opening(ctx, "drift")
    if d is None:
        return story
    b = ctx.blocks
    features = [f for f in d.features if f.role == "feature"]
    story.append(b.pairs([
        ("Drifted feature columns", f"{len(d.drifted_features)} of {len(features)} ({F.percent(d.share_drifted)})"),
        ("Rule", d.rule), ("Correction", f"{d.correction}, alpha {F.number(d.alpha, 3)}"),
        ("Production chunks", f"{len(d.chunks)}: {d.chunking}"),
        ("Rows used", "every row (exact statistics)" if not d.sampled_rows else
         f"a seeded sample of {F.count(d.sampled_rows)} rows per dataset"),
    ], key_width=0.24))

    yield 0.05, "Drift: the column table"
    story += b.h2("Every column", "drift-columns")
    story.append(b.small("Statistic: the test's statistic (or the distance). p (adjusted): after the correction "
                         "across columns. Effect size: on a 0-1 scale (KS distance, total variation distance). "
                         "Threshold: alpha for tests, the distance's threshold otherwise."))
    rows, marks = [], []
    for f in d.features:
        if f.tested:
            verdict = Markup(b.status("warn", "drifted") if f.drifted else "no")
        else:
            verdict = f"not tested: {f.reason_not_tested}" if f.reason_not_tested else "not tested"
        rows.append([f.feature, f.role, f.kind, f.method, F.number(f.statistic), F.p_value(f.p_value_adjusted),
                     F.number(f.effect_size), F.number(f.threshold), verdict, f.first_drifted_chunk or "—"])
        marks.append("warn" if f.drifted else None)
    story.append(b.table([Column("Column", 0.2), Column("Role", 0.08), Column("Kind", 0.1), Column("Method", 0.08),
                          Column("Statistic", 0.08, "right"), Column("p (adjusted)", 0.08, "right"),
                          Column("Effect size", 0.08, "right"), Column("Threshold", 0.08, "right"),
                          Column("Drifted", 0.11), Column("First drifted chunk", 0.11)], rows, highlight=marks))

    labels = [c.label for c in d.chunks]
    order = [f for f in ranked(d.features) if f.tested]
    n = top_n(ctx)
    shown = order[:n]
    story += b.h2("Most drifted columns", "drift-charts")
    if shown:
        story.append(b.p(
            f"Charts for the {len(shown)} most drifted of {len(order)} tested columns ([report] top_columns = {n}); "
            "the table above lists every column. Left: the distributions; middle (numerical): the cumulative "
            "shares with the largest gap (the KS distance); right: the effect size in each production chunk "
            "against the band expected from reference chunks (mean ± 3 sd), drifted chunks in red."
            if len(order) > len(shown) else
            "Charts for every tested column, most drifted first. Left: the distributions; middle (numerical): the "
            "cumulative shares with the largest gap (the KS distance); right: the effect size in each production "
            "chunk against the band expected from reference chunks (mean ± 3 sd), drifted chunks in red.",
            keep=True))
        for i, f in enumerate(shown):
            yield 0.1 + 0.7 * i / len(shown), f"Drift: drawing {f.feature} ({i + 1} of {len(shown)})"
            story.append(b.chart(charts.drift_column(f, labels, ctx.width), _chart_caption(f)))
    else:
        story.append(b.p("No column was tested."))

    yield 0.82, "Drift: the heat map"
    story += b.h2("Columns × chunks", "drift-heat-map")
    if labels and order:
        rows_shown = order[:HEAT_MAP_ROWS]
        figure = charts.drift_heat_map([f.feature for f in rows_shown], labels,
                                       [f.chunk_effect_sizes for f in rows_shown],
                                       [f.chunk_drifted for f in rows_shown], ctx.width)
        note = ("Effect size of each column (rows, most drifted first) in each production chunk; a dot marks a chunk "
                "where the column drifted; grey: not tested (too few rows).")
        if len(order) > len(rows_shown):
            note += f" The {len(rows_shown)} most drifted of {len(order)} tested columns are drawn."
        story.append(b.chart(figure, note))
        story += b.h3("Production chunks")
        story.append(b.table(
            [Column("Chunk", 0.12), Column("From", 0.12), Column("To", 0.12), Column("Rows", 0.09, "right"),
             Column("Drifted share", 0.1, "right"), Column("Drifted columns", 0.45)],
            [[c.label, c.start or "—", c.end or "—", F.count(c.rows),
              F.percent(c.share_drifted) if c.tested else "too few rows",
              listed(c.drifted_features)] for c in d.chunks]))
    else:
        story.append(b.p("Production was not split into chunks."))

    yield 0.9, "Drift: multivariate checks"
    story += b.h2("Multivariate checks", "drift-multivariate")
    story += multivariate(ctx, labels)
    return story


def _chart_caption(f: FeatureDrift) -> str:
    text = (f"{f.feature}: {f.method}, effect size {F.number(f.effect_size)}, adjusted p {F.p_value(f.p_value_adjusted)}"
            f" — {'drifted' if f.drifted else 'not drifted'}.")
    if f.method_reason:
        text += f" Method: {f.method_reason}."
    return text


def multivariate(ctx: ReportContext, labels: list[str]) -> list[Flowable]:
    b, m = ctx.blocks, ctx.report.result("drift").multivariate
    if m is None:
        return [b.p("Not run: turned off in [drift] multivariate, or too few columns.")]
    story: list = []
    dc = m.domain_classifier
    if dc is not None:
        story += b.h3("Domain classifier")
        story.append(b.pairs([
            ("ROC-AUC", F.number(dc.auc)), ("p-value", _permutation_p(dc)),
            ("Permutations", F.count(dc.permutations)), ("Rows per dataset", F.count(dc.rows_per_dataset)),
            ("Verdict", Markup(b.status("warn", "production differs from reference") if dc.drifted else
                               "no evidence of a multivariate difference")),
        ], key_width=0.24))
        if dc.top_features:
            story.append(b.spacer(4))
            story.append(b.table([Column("Column that separates the datasets", 0.7),
                                  Column("Drop in AUC when permuted", 0.3, "right")],
                                 [[name, F.number(value)] for name, value in dc.top_features]))
    rc = m.reconstruction
    if rc is not None:
        story += b.h3("PCA reconstruction error")
        story.append(b.pairs([
            ("Components", f"{rc.components} ({F.percent(rc.explained_variance)} of the reference variance)"),
            ("Error", f"reference {F.number(rc.reference_error)}, production {F.number(rc.production_error)}"),
            ("Band", f"{F.number(rc.band[0])} to {F.number(rc.band[1])}"),
            ("Verdict", Markup(b.status("warn", "outside the band") if rc.drifted else "within the band")),
        ], key_width=0.24))
        if rc.chunk_errors and labels:
            story.append(b.chart(charts.chunk_series(labels[: len(rc.chunk_errors)], rc.chunk_errors, rc.band,
                                                     rc.reference_error, "reconstruction error per chunk",
                                                     "mean squared error", ctx.width)))
    for note in m.notes:
        story.append(b.small(prose(note)))
    return story


def _permutation_p(dc: DomainClassifierResult) -> str:
    """No permutation reached the AUC: the p-value is at most 1 / permutations (as the findings say)."""
    if dc.permutations and dc.p_value * (dc.permutations + 1) <= 1 + 1e-9:
        return f"≤ {1 / dc.permutations:.3g} (no permutation reached the AUC)"
    return F.p_value(dc.p_value)


def methodology(ctx: ReportContext, d: DriftResult) -> list[Flowable]:
    """The methods as the analysis wrote them, and which method each column got and why."""
    b = ctx.blocks
    story = stated_methods(ctx, d) + b.h3("Automatic choices")
    reasons: dict[str, list[str]] = {}
    for f in d.features:
        reasons.setdefault(f.method_reason or f"{f.method} (no reason recorded)", []).append(f.feature)
    story.append(b.table([Column("Method and why", 0.45), Column("Columns", 0.55)],
                         [[reason, listed(columns, 150, "the drift table gives each column's method")]
                          for reason, columns in reasons.items()]))
    story.append(b.spacer(6))
    if d.multivariate is not None:
        story += b.bullets([prose(note) for note in d.multivariate.notes])
    return story


def sample_sizes(ctx: ReportContext, d: DriftResult) -> list[list[str]]:
    tested = [f for f in d.features if f.tested]
    ref = max((f.rows_reference for f in tested), default=0)
    prod = max((f.rows_production for f in tested), default=0)
    note = "every row" if not d.sampled_rows else f"a seeded sample of {F.count(d.sampled_rows)} rows"
    note += f"; {len(d.chunks)} production chunks"
    rows = [["Drift (per column, missing values excluded)", F.count(ref), F.count(prod), note]]
    if d.multivariate is not None and d.multivariate.domain_classifier is not None:
        dc = d.multivariate.domain_classifier
        rows.append(["Domain classifier", F.count(dc.rows_per_dataset), F.count(dc.rows_per_dataset),
                     f"{F.count(dc.permutations)} permutations"])
    return rows


def limitations(ctx: ReportContext, d: DriftResult) -> list[str]:
    out = []
    untested = [f.feature for f in d.features if not f.tested]
    if untested:
        out.append(f"Not tested for drift: {', '.join(untested)}.")
    small = [c.label for c in d.chunks if not c.tested]
    if small:
        out.append(f"Production chunks too small to test: {', '.join(small)}.")
    if d.sampled_rows:
        out.append(f"Drift statistics used a seeded sample of {d.sampled_rows:,} rows per dataset.")
    return out
