"""Fairness: per sensitive column, the group tables with intervals, the disparities against the policy, the
four-fifths results and their charts; then the changes since the reference and the proxies."""
from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, Table

from assay.engine.report import charts
from assay.engine.report import formats as F
from assay.engine.report import styles as S
from assay.engine.report.blocks import Column, Markup, esc
from assay.engine.report.sections.common import Steps, estimate, opening, stacked_estimate

if TYPE_CHECKING:
    from assay.engine.fairness.results import AttributeFairness, FairnessResult
    from assay.engine.report.pdf import ReportContext

RATE_NAMES = {"selection_rate": "Selection rate", "tpr": "True positive rate", "fpr": "False positive rate",
              "base_rate": "Base rate", "accuracy": "Accuracy", "fnr": "False negative rate", "precision": "Precision",
              "mean_prediction": "Mean prediction", "mean_target": "Mean target", "mae": "Mean absolute error"}
RATE_ORDER = ("selection_rate", "base_rate", "accuracy", "tpr", "fpr", "fnr", "precision", "mean_prediction",
              "mean_target", "mae")
# disparity -> (policy key, "max" | "min")
RULES = {"demographic_parity_difference": ("max_demographic_parity_difference", "max"),
         "disparate_impact_ratio": ("min_disparate_impact_ratio", "min"),
         "equalized_odds_difference": ("max_equalized_odds_difference", "max")}
LIMITATIONS = [
    "Fairness metrics describe the model's decisions on the groups named in the audit file; they do not establish "
    "whether a difference is justified, and groups not named are not examined.",
]


def build(ctx: ReportContext) -> Steps:
    story, result = yield from opening(ctx, "fairness")
    if result is None:
        return story
    b = ctx.blocks
    policy = result.policy
    story.append(b.pairs([
        ("Task", result.task),
        ("Policy", f"demographic parity difference at most {policy.get('max_demographic_parity_difference', '—')}; "
                   f"disparate impact ratio at least {policy.get('min_disparate_impact_ratio', '—')} (four-fifths "
                   f"rule); equalized odds difference at most {policy.get('max_equalized_odds_difference', '—')}"),
        ("Small groups", f"groups under {int(policy.get('min_group_size', 0)):,} rows are shown but not judged"),
        ("Sensitive model inputs", ", ".join(result.sensitive_inputs) or "none"),
    ], key_width=0.22))

    attributes = list(dict.fromkeys([*result.production, *result.reference]))
    for i, name in enumerate(attributes):
        yield 0.05 + 0.85 * i / max(len(attributes), 1), f"Fairness: {name}"
        story += attribute_block(ctx, name)

    yield 0.92, "Fairness: changes and proxies"
    story += b.h2("Changes since the reference", "fairness-changes")
    if result.changes:
        story.append(b.small("A disparity grew when production is worse than the reference and outside the "
                             "reference's interval."))
        story.append(b.table([Column("Sensitive column", 0.22), Column("Disparity", 0.34),
                              Column("Reference", 0.14, "right"), Column("Production", 0.14, "right"),
                              Column("Grew", 0.16)],
                             [[c.attribute, F.label(c.disparity), F.number(c.reference), F.number(c.production),
                               Markup(b.status("warn", "grew")) if c.grew else "no"] for c in result.changes],
                             highlight=["warn" if c.grew else None for c in result.changes]))
    else:
        story.append(b.p("No disparity could be compared between the datasets."))
    story += b.h2("Proxies", "fairness-proxies")
    threshold = ctx.section_config("fairness").get("proxy_threshold")
    if result.proxies:
        story.append(b.small("Inputs associated with a sensitive column (strength at least "
                             f"{threshold if threshold is not None else 'the threshold'}): the model can learn the "
                             "sensitive attribute through them."))
        story.append(b.table([Column("Column", 0.3), Column("Sensitive column", 0.22), Column("Measure", 0.24),
                              Column("Strength", 0.12, "right"), Column("Note", 0.12)],
                             [[p.column, p.sensitive, p.measure, F.number(p.strength),
                               "model input" if p.is_sensitive_input else ""] for p in result.proxies]))
    else:
        story.append(b.p("No input is associated with a sensitive column above the threshold."))
    return story


def attribute_block(ctx: ReportContext, name: str) -> list[Flowable]:
    b, result = ctx.blocks, ctx.report.result("fairness")
    ref, prod = result.reference.get(name), result.production.get(name)
    first = prod or ref
    story = b.h2(f"Sensitive column: {name}", b.key(f"fairness-{name}"))
    lines = []
    if first.reference_group is not None:
        lines.append(f"Reference group <b>{esc(first.reference_group)}</b> ({esc(first.reference_group_reason)}); "
                     "each group is compared with it.")
    inputs = [c for c in name.split(" & ") if c in result.sensitive_inputs]
    if inputs:
        lines.append(f'<font color="{S.SEVERITY_TEXT["warn"]}"><b>{esc(", ".join(inputs))}</b> is a model input: the '
                     "model uses it directly; check that this is lawful and intended.</font>")
    for label, a in (("Reference", ref), ("Production", prod)):
        if a is None:
            lines.append(f"{label}: no data for this column.")
            continue
        if a.needs_labels:
            lines.append(f"{label} has no labels: {', '.join(F.label(m).lower() for m in a.needs_labels)} not computed.")
        lines += [f"{label}: {esc(note)}." for note in a.notes]
    story += [b.markup(line) for line in lines]

    story += disparity_table(ctx, ref, prod)
    metric = "selection_rate" if any("selection_rate" in g.metrics for g in first.groups) else next(
        (m for m in RATE_ORDER if any(m in g.metrics for g in first.groups)), None)
    if metric is not None:
        groups = list(dict.fromkeys([g.group for a in (ref, prod) if a for g in a.groups]))
        series = {}
        for label, a in (("reference", ref), ("production", prod)):
            if a is None:
                continue
            by_group = {g.group: g.metrics.get(metric) for g in a.groups}
            series[label] = [(e.value, e.ci_low, e.ci_high) if e is not None else (None, None, None)
                             for e in (by_group.get(g) for g in groups)]
        small = [any(g.small for a in (ref, prod) if a for g in a.groups if g.group == group) for group in groups]
        line = None
        if prod is not None and prod.reference_group is not None:
            e = next((g.metrics.get(metric) for g in prod.groups if g.group == prod.reference_group), None)
            line = e.value if e is not None else None
        figure = charts.group_bars(groups, series, f"{RATE_NAMES.get(metric, F.label(metric)).lower()} by group "
                                   "(bars: 95% interval)", line, "reference group (production)", ctx.width, small)
        story.append(b.chart(figure, f"{RATE_NAMES.get(metric, F.label(metric))} per group of {name}, reference and "
                                     "production, with bootstrap intervals; grey: a group too small to judge."))
    story += four_fifths(ctx, name, prod)
    for label, a in (("Production", prod), ("Reference", ref)):
        if a is not None:
            story += b.h3(f"{label} groups")
            story.append(group_table(ctx, a))
    return story


def disparity_table(ctx: ReportContext, ref: AttributeFairness | None,
                    prod: AttributeFairness | None) -> list[Flowable]:
    b, policy = ctx.blocks, ctx.report.result("fairness").policy
    names = list(dict.fromkeys([*(prod.disparities if prod else {}), *(ref.disparities if ref else {})]))
    if not names:
        return []
    rows, marks = [], []
    for name in names:
        r = ref.disparities.get(name) if ref else None
        p = prod.disparities.get(name) if prod else None
        rule = RULES.get(name)
        limit_text, verdict, mark = "—", "—", None
        if rule is not None and rule[0] in policy:
            limit = policy[rule[0]]
            limit_text = f"{'at most' if rule[1] == 'max' else 'at least'} {limit:g}"
            if p is not None and p.value is not None:
                broken = p.value > limit if rule[1] == "max" else p.value < limit
                verdict = Markup(b.status("fail", "fail") if broken else b.status("pass", "pass"))
                mark = "fail" if broken else None
        rows.append([F.label(name), estimate(r), estimate(p), limit_text, verdict])
        marks.append(mark)
    return [b.table([Column("Disparity (column level)", 0.3), Column("Reference", 0.2, "right"),
                     Column("Production", 0.2, "right"), Column("Policy", 0.16), Column("Result", 0.14)], rows,
                    highlight=marks)]


def four_fifths(ctx: ReportContext, name: str, prod: AttributeFairness | None) -> list[Flowable]:
    """Each group's selection rate against the reference group's (r), judged by min(r, 1/r) >= the policy."""
    b, policy = ctx.blocks, ctx.report.result("fairness").policy
    if prod is None or not any("disparate_impact_ratio" in g.versus_reference for g in prod.groups):
        return []
    limit = float(policy.get("min_disparate_impact_ratio", 0.8))
    rows, marks, names, triples, small = [], [], [], [], []
    for g in prod.groups:
        e = g.versus_reference.get("disparate_impact_ratio")
        if e is None or e.value is None:
            continue
        judged = min(e.value, 1 / e.value) if e.value > 0 else 0.0
        passed = judged >= limit
        verdict = "too small to judge" if g.small else Markup(b.status("pass", "pass") if passed else
                                                              b.status("fail", "fail"))
        rows.append([g.group, F.count(g.count), estimate(e), F.number(judged), F.p_value(e.p_value_adjusted), verdict])
        marks.append(None if g.small or passed else "fail")
        names.append(g.group)
        triples.append((e.value, e.ci_low, e.ci_high))
        small.append(g.small)
    if not rows:
        return []
    story = b.h3(f"Four-fifths rule ({name}, production, against {prod.reference_group})")
    story.append(b.table([Column("Group", 0.24), Column("Rows", 0.1, "right"),
                          Column("Selection-rate ratio r (interval)", 0.26, "right"),
                          Column("min(r, 1/r)", 0.12, "right"), Column("p (adjusted)", 0.12, "right"),
                          Column("Result", 0.16)], rows, highlight=marks))
    figure = charts.ratio_chart(names, triples, limit, small, ctx.width)
    story.append(b.chart(figure, f"The ratio r of each group's selection rate to {prod.reference_group}'s, with its "
                                 f"bootstrap interval: inside the band ({limit:g} to {1 / limit:.3g}) it passes the "
                                 "four-fifths rule; red: it fails; grey: a group too small to judge."))
    return story


def group_table(ctx: ReportContext, a: AttributeFairness) -> Table:
    b = ctx.blocks
    metrics = [m for m in RATE_ORDER if any(m in g.metrics for g in a.groups)]
    share = 0.64 / max(len(metrics), 1)
    columns = [Column("Group", 0.16), Column("Rows", 0.1, "right"), Column("Share", 0.1, "right")] + [
        Column(RATE_NAMES.get(m, F.label(m)), share, "right") for m in metrics]
    rows = []
    for g in a.groups:
        row = [g.group + (" (small)" if g.small else ""), F.count(g.count), F.percent(g.share)]
        for m in metrics:
            e = g.metrics.get(m)
            row.append(Markup(stacked_estimate(e)))
        rows.append(row)
    return b.table(columns, rows)



def sample_sizes(ctx: ReportContext, result: FairnessResult) -> list[list[str]]:
    def total(attributes: dict[str, AttributeFairness]) -> int:
        first = next(iter(attributes.values()), None)
        return sum(g.count for g in first.groups) if first is not None else 0

    config = ctx.section_config("fairness")
    return [["Fairness", F.count(total(result.reference)), F.count(total(result.production)),
             f"{F.count(config.get('bootstrap_resamples', 0))} bootstrap resamples"]]


def limitations(ctx: ReportContext, result: FairnessResult) -> list[str]:
    small = sorted({f"{name}: {g.group}" for name, a in result.production.items() for g in a.groups if g.small})
    return [f"Groups too small to judge (shown, not graded): {'; '.join(small)}."] if small else []
