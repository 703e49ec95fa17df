"""The Explanations page's sentences: the subtitle, the explainer and cross-check cards, captions.
Formatting only: every number is the engine's."""
from __future__ import annotations

from typing import Any

from assay.app.models.explanations import label_text
from assay.app.theme import severity_colour

METHODS = {"tree": "Tree", "linear": "Linear", "permutation": "Permutation"}
SCALES = {
    "log-odds": "the model's log-odds (before the sigmoid)",
    "probability": "the predicted probability",
    "prediction": "the model's prediction",
}


def escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def coloured(text: str, severity: str) -> str:
    return f"<span style='color:{severity_colour(severity).name()}'><b>{text}</b></span>"


def _rows(e: Any) -> str:
    parts = [f"{e.rows[d]:,} {d}" for d in ("reference", "production") if d in e.rows]
    return " and ".join(parts) if parts else "no"


def subtitle(e: Any) -> str:
    return (f"{METHODS.get(e.method, e.method)} explainer · SHAP values on the {e.output_scale} scale · "
            f"{_rows(e)} rows explained against {e.background_rows:,} background rows")


def explainer_html(e: Any) -> str:
    lines = [f"<b>{escape(METHODS.get(e.method, e.method))}</b> explainer — {escape(e.method_reason)}",
             f"Scale <b>{escape(e.output_scale)}</b>: a row's SHAP values add up from the base value to "
             f"{escape(SCALES.get(e.output_scale, 'the model output on that scale'))}."]
    sizes = f"{_rows(e)} rows explained; {e.background_rows:,} background rows"
    if e.additivity_error is not None:
        sizes += f"; additivity error {e.additivity_error:.2g}"
    sizes += "."
    failed = {d: n for d, n in (e.failed_rows or {}).items() if n}
    if failed:
        sizes += " " + coloured("Could not explain " + ", ".join(f"{n:,} {d}" for d, n in failed.items())
                                + " rows.", "warn")
    lines.append(sizes[0].upper() + sizes[1:])
    return "<br>".join(lines)


def crosscheck_html(e: Any, findings: list[Any]) -> str:
    if e.permutation_importance is None or e.agreement is None:
        text = "Permutation importance was not computed"
        return text + (f": {escape(e.agreement_note)}." if e.agreement_note else ".")
    disagree = any(f.id == "explanations.agreement" for f in findings)
    verdict = coloured("they disagree", "warn") if disagree else coloured("they agree", "pass")
    return (f"SHAP importance (production) against permutation importance: Spearman rank correlation "
            f"<b>{e.agreement:.2f}</b> — {verdict}.<br>"
            f"<span style='font-size:small'>{escape(e.agreement_note)}</span>"
            + ("<br>Correlated inputs can split credit between them; treat the ranking with caution." if disagree
               else ""))


def findings_html(findings: list[Any], notes: tuple[str, ...]) -> str:
    lines = [f"{coloured(f.severity.upper(), f.severity)} {escape(f.title)}" for f in findings]
    if not findings:
        lines.append(coloured("PASS", "pass") + " The ranking held, attributions did not drift, and the two "
                     "importances agree.")
    lines += [f"<span style='font-size:small'>Note: {escape(n)}</span>" for n in notes]
    return "<br>".join(lines)


def row_title(row: Any, scale: str, dataset: str) -> str:
    parts = [f"<b>{dataset.capitalize()} row {row.row_index:,}</b>", "output " + f"{row.output:.4g}".replace("-", "−") + f" ({escape(scale)})"]
    if row.prediction is not None:
        parts.append(f"predicted {escape(_label(row.prediction))}")
    if row.label is not None:
        parts.append(f"true label {escape(_label(row.label))}")
    if row.misclassified:
        parts.append(coloured("misclassified", "warn"))
    return " · ".join(parts)


def _label(value: Any) -> str:
    return label_text(value)
