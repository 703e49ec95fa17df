"""The methodology appendix: every test and threshold used, the automatic choices and why, the sample
sizes and the known limitations. The analyses' own `methods` lines are printed as written."""
from __future__ import annotations

from typing import Any

from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import Column, esc
from assay.engine.report.sections.common import listed, prose
from assay.engine.report.sections.scope import flat_config

QUALITY_CHECKS = [
    "Missing values: the share of rows without a value, per dataset, and its increase from reference to production.",
    "Out of range: the share of production values of a numerical column outside the reference's minimum-maximum.",
    "Unseen categories: the share of production rows whose category the reference never had.",
    "Duplicates: rows identical in every column; constant columns and columns of mixed types are noted.",
]
LIMITATIONS = [
    "Statistical tests detect differences between samples; with many rows, small differences are significant, which "
    "is why drift also requires a minimum effect size. A test that does not flag drift is no proof that nothing "
    "changed.",
    "Fairness metrics describe the model's decisions on the groups named in the audit file; they do not establish "
    "whether a difference is justified, and groups not named are not examined.",
    "Explanations (SHAP) describe the model's behaviour on the explained rows, not causal effects in the world; "
    "correlated inputs share their attributions in ways that depend on the explainer.",
    "The audit reads the two datasets as given: it cannot detect problems that both share, such as a biased "
    "reference sample or labels that are wrong in both.",
]


def build(ctx: Any):
    yield 0.0, "Methodology"
    report, b = ctx.report, ctx.blocks
    story = [*b.h1("Methodology", "methodology"),
             b.p("How each number in this report was computed, the thresholds that graded the findings, and what the "
                 "audit cannot tell. The thresholds are the audit file's (defaults where it set none).")]

    story += b.h2("Data quality", "methodology-quality")
    story += b.bullets(QUALITY_CHECKS)
    story += thresholds(ctx, "quality")

    story += b.h2("Performance", "methodology-performance")
    performance = getattr(report, "performance", None)
    if performance is not None and getattr(performance, "methods", None):
        story += b.bullets(list(performance.methods))
    elif performance is None:
        status = report.status_of("performance")
        reason = (status.reason if status and status.reason else
                  "this version of the audit engine recorded no performance result")
        story.append(b.p(f"Not run: {reason}."))
    story += thresholds(ctx, "performance")

    story += b.h2("Drift", "methodology-drift")
    d = report.drift
    if d is not None:
        story += b.bullets([prose(line) for line in d.methods])
        story += b.h3("Automatic choices")
        reasons: dict[str, list[str]] = {}
        for f in d.features:
            reasons.setdefault(f.method_reason or f"{f.method} (no reason recorded)", []).append(f.feature)
        story.append(b.table([Column("Method and why", 0.45), Column("Columns", 0.55)],
                             [[reason, listed(columns, 150, "the drift table gives each column's method")]
                              for reason, columns in reasons.items()]))
        story.append(b.spacer(6))
        if d.multivariate is not None:
            story += b.bullets([prose(note) for note in d.multivariate.notes])
    story += thresholds(ctx, "drift")

    story += b.h2("Fairness", "methodology-fairness")
    if report.fairness is not None:
        story += b.bullets(list(report.fairness.methods))
    else:
        story.append(_not_run(ctx, "fairness"))
    story += thresholds(ctx, "fairness")

    story += b.h2("Explanations", "methodology-explanations")
    e = report.explanations
    if e is not None:
        lines = [f"Explainer: {e.method}, chosen because: {e.method_reason}.",
                 f"Output explained on the {e.output_scale} scale; {F.count(e.background_rows)} background rows."]
        if e.agreement_note:
            lines.append(f"Cross-check: {e.agreement_note}.")
        lines += list(e.notes)
        for f in report.findings_for("explanations"):
            if f.detail:
                lines.append(f"{f.title}: {f.detail}")
        story += b.bullets(lines)
    else:
        story.append(_not_run(ctx, "explanations"))
    story += thresholds(ctx, "explain")

    story += b.h2("Sample sizes", "methodology-samples")
    story.append(sample_sizes(ctx))

    story += b.h2("Known limitations", "methodology-limitations")
    story += b.bullets(LIMITATIONS + specific_limitations(ctx))
    return story


def thresholds(ctx: Any, section: str) -> list:
    """The section's settings as used, on one compact line (the full table is in the scope section)."""
    b = ctx.blocks
    pairs = flat_config({section: ctx.section_config(section)})
    if not pairs:
        return []
    text = " · ".join(f"{esc(key.split('.', 1)[1])} = {esc(value)}" for key, value in pairs)
    return [b.markup(f'<font color="{S.MUTED}">Settings [{section}]:</font> <font name="{S.MONO}" size="7">'
                     f"{text}</font>", ctx.styles.small)]


def _not_run(ctx: Any, analysis: str):
    status = ctx.report.status_of(analysis)
    return ctx.blocks.p("Not run" + (f": {status.reason}." if status and status.reason else "."))


def sample_sizes(ctx: Any):
    report, b = ctx.report, ctx.blocks
    rows = []
    q = report.quality
    if q is not None:
        rows.append(["Data quality", F.count(q.rows_reference), F.count(q.rows_production), "every row"])
    p = getattr(report, "performance", None)
    if p is not None:
        rows.append(["Performance (rows with a label and a prediction)", F.count(p.reference.rows_used),
                     F.count(p.production.rows_used),
                     f"{F.count(p.resamples)} bootstrap resamples; {F.count(p.chunk_resamples)} per chunk and segment"])
    d = report.drift
    if d is not None:
        tested = [f for f in d.features if f.tested]
        ref = max((f.rows_reference for f in tested), default=0)
        prod = max((f.rows_production for f in tested), default=0)
        note = "every row" if not d.sampled_rows else f"a seeded sample of {F.count(d.sampled_rows)} rows"
        note += f"; {len(d.chunks)} production chunks"
        rows.append(["Drift (per column, missing values excluded)", F.count(ref), F.count(prod), note])
        if d.multivariate is not None and d.multivariate.domain_classifier is not None:
            dc = d.multivariate.domain_classifier
            rows.append(["Domain classifier", F.count(dc.rows_per_dataset), F.count(dc.rows_per_dataset),
                         f"{F.count(dc.permutations)} permutations"])
    f = report.fairness
    if f is not None:
        def total(attributes: dict) -> int:
            first = next(iter(attributes.values()), None)
            return sum(g.count for g in first.groups) if first is not None else 0

        config = ctx.section_config("fairness")
        rows.append(["Fairness", F.count(total(f.reference)), F.count(total(f.production)),
                     f"{F.count(config.get('bootstrap_resamples', 0))} bootstrap resamples"])
    e = report.explanations
    if e is not None:
        config = ctx.section_config("explain")
        rows.append(["Explanations", F.count(e.rows.get("reference")), F.count(e.rows.get("production")),
                     f"{F.count(e.background_rows)} background rows; "
                     f"{F.count(config.get('bootstrap_resamples', 0))} bootstrap resamples"])
    if p is None and report.predictions is not None:
        rows.append(["Predictions", F.count(report.predictions.rows_reference),
                     F.count(report.predictions.rows_production), report.predictions.source])
    return b.table([Column("Analysis", 0.34), Column("Reference rows", 0.14, "right"),
                    Column("Production rows", 0.14, "right"), Column("Note", 0.38)], rows)


def specific_limitations(ctx: Any) -> list[str]:
    report = ctx.report
    out = []
    d = report.drift
    if d is not None:
        untested = [f.feature for f in d.features if not f.tested]
        if untested:
            out.append(f"Not tested for drift: {', '.join(untested)}.")
        small = [c.label for c in d.chunks if not c.tested]
        if small:
            out.append(f"Production chunks too small to test: {', '.join(small)}.")
        if d.sampled_rows:
            out.append(f"Drift statistics used a seeded sample of {d.sampled_rows:,} rows per dataset.")
    if report.fairness is not None:
        small = sorted({f"{name}: {g.group}" for name, a in report.fairness.production.items() for g in a.groups
                        if g.small})
        if small:
            out.append(f"Groups too small to judge (shown, not graded): {'; '.join(small)}.")
    for status in report.analyses:
        if status.status != "ran":
            out.append(f"{status.name.capitalize()} was not run: {status.reason}.")
    return out
