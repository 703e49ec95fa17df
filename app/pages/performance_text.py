"""The Performance page's sentences: subtitle, the no-labels banner, the summary card and the methods text.
Every number comes from the engine's PerformanceResult; this module only words it."""
from __future__ import annotations

from typing import Any

from assay.app.models.performance import METRIC_NAMES, NO_LABELS, metric_name
from assay.app.theme import severity_colour

TASKS = {"binary": "Binary classification", "multiclass": "Multiclass classification", "regression": "Regression"}
POLICY_KEYS = {
    "threshold": "decision threshold", "max_drop": "largest allowed drop", "bootstrap_resamples": "bootstrap resamples",
    "confidence": "interval level", "chunk_by": "chunks by", "chunk_size": "rows per chunk",
    "min_chunk_rows": "smallest judged chunk or segment", "top_segments": "values per segment column",
    "calibration_bins": "calibration bins", "segment_by": "segment columns",
}


def escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def coloured(text: str, severity: str) -> str:
    return f"<span style='color:{severity_colour(severity).name()}'><b>{text}</b></span>"


def subtitle(result: Any) -> str:
    parts = [TASKS.get(result.task, result.task)]
    if result.task == "binary" and result.positive_label is not None:
        parts.append(f"positive class “{result.positive_label}”")
    elif result.task == "multiclass":
        parts.append(f"{len(result.classes)} classes")
    if result.threshold is not None:
        parts.append(f"decision threshold {result.threshold:g}")
    if result.resamples:
        parts.append(f"{result.confidence:.0%} intervals from {result.resamples:,} bootstrap resamples "
                     f"({result.chunk_resamples:,} per chunk and segment)")
    else:
        parts.append("no intervals (bootstrap turned off)")
    parts.append(f"over time: {result.chunking}")
    return " · ".join(parts)


def banner(result: Any) -> str:
    """The plain statement when production cannot be scored ('' when it can)."""
    production = result.production
    if production.status == "ok":
        return ""
    if production.status == NO_LABELS:
        what = "Production has no labels, so its performance cannot be measured"
    else:
        what = "Production has no predictions, so its performance cannot be measured"
    reason = f": {escape(production.reason)}." if production.reason else "."
    shown = ("Shown instead: the reference's performance, and what the model predicted in production "
             "(the Predictions tab).")
    return f"{coloured(what, 'warn')}{reason} {shown}"


def _rows(d: Any) -> str:
    if d.status != "ok":
        return f"{d.rows:,} rows, {'no labels' if d.status == NO_LABELS else 'no predictions'}"
    left = d.rows - d.rows_used
    text = f"{d.rows:,} rows, {d.rows_used:,} used"
    if left:
        reasons = []
        if d.rows_missing_target:
            reasons.append(f"{d.rows_missing_target:,} without a label")
        if d.rows_missing_prediction:
            reasons.append(f"{d.rows_missing_prediction:,} without a prediction")
        text += f" ({', '.join(reasons) or f'{left:,} left out'})"
    return text


def summary_html(result: Any, findings: list[Any]) -> str:
    """The verdict in a few lines (the table has the numbers): drops grouped, other findings by title,
    then the rows used and the notes."""
    lines = []
    drops = [f for f in findings if f.id.startswith("performance.drop.")]
    if drops:
        names = ", ".join(metric_name(f.id.split(".")[-1], result.task, result.positive_label) for f in drops)
        many = len(drops) > 1
        lines.append(f"{coloured('FAIL', 'fail')} {len(drops)} metric{'s' if many else ''} dropped significantly "
                     f"and beyond the policy: {escape(names)}.")
    for f in findings:
        if f not in drops:
            lines.append(f"{coloured(f.severity.upper(), f.severity)} {escape(f.title)}")
    if not findings and result.production.status == "ok":
        lines.append(coloured("PASS", "pass") + " Over all production rows: no significant drop beyond the "
                                                "policy, and every limit holds.")
    first = _first_dropped_chunk(result)
    if first:
        lines.append(f"First chunk with a significant drop beyond the policy: <b>{escape(first)}</b> (see Over "
                     "time).")
    lines.append(f"<br><b>Reference</b>: {_rows(result.reference)}<br><b>Production</b>: {_rows(result.production)}")
    notes = [*result.notes, *result.reference.notes, *result.production.notes]
    if notes:
        lines.append("<br>" + "<br>".join(f"• {escape(n)}" for n in dict.fromkeys(notes)))
    return "<br>".join(lines)


def _first_dropped_chunk(result: Any) -> str | None:
    return next((c.label for c in result.production.chunks if c.dropped), None)


def methods_html(result: Any) -> str:
    items = [escape(line) for line in result.methods]
    policy = result.policy or {}
    shown = []
    for key, value in policy.items():
        if value in ({}, [], None, ()):
            continue
        name = POLICY_KEYS.get(key, key.replace("_", " "))
        if isinstance(value, dict):
            value = ", ".join(f"{METRIC_NAMES.get(k, k)} {v:g}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        shown.append(f"{escape(name)} ({escape(key)}) = {escape(str(value))}")
    if shown:
        items.append("Policy in force ([performance] keys, defaults where the audit file sets none): "
                     + "; ".join(shown) + ".")
    return "<ul style='margin-left:-20px'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def segment_caption(column: Any, task: str | None, positive: str | None) -> str:
    ranked = metric_name(column.ranked_by, task, positive)
    where = "production" if column.dataset == "production" else "the reference (production has no labels)"
    text = (f"Segments of {escape(column.column)} in {where}, worst {escape(ranked)} first; segments with too few "
            "labelled rows are listed last and not judged.")
    if column.notes:
        text += " " + " ".join(escape(n) for n in column.notes) + "."
    return text
