"""The sentences of the Fairness page: the subtitle, the notes about the chosen attribute, the policy's
summary and caption, the methods. Formatting only: every fact comes from engine.fairness.results."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay.app.models import fairness as F
from assay.app.theme import severity_colour
from assay.engine.datasets import DATASETS

TASKS = {"binary": "Binary classification", "regression": "Regression", "multiclass": "Multiclass classification"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _coloured(text: str, severity: str) -> str:
    return f"<span style='color:{severity_colour(severity).name()}'><b>{text}</b></span>"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def subtitle(fairness: Any) -> str:
    names = list(dict.fromkeys([*fairness.reference, *fairness.production]))
    crossed = sum(" & " in n for n in names)
    kinds = _plural(len(names) - crossed, "sensitive column")
    if crossed:
        kinds += f" and {_plural(crossed, 'intersection')}"
    task = TASKS.get(fairness.task, fairness.task or "Unknown task")
    min_size = int(fairness.policy.get("min_group_size", 0))
    return (f"{task} · {kinds} · groups under {min_size:,} rows are shown but not judged · "
            "intervals and tests in “How this was computed”")


def attribute_tip(name: str) -> str:
    if " & " in name:
        return f"Intersection: every combination of {', '.join(name.split(' & '))}"
    return f"Sensitive column {name}"


def notes_html(fairness: Any, name: str | None, attributes: dict[str, Any]) -> str:
    """The reference group and why, a sensitive column used as a model input, missing labels, the engine's notes."""
    name = name or ""
    lines = []
    first = attributes.get("reference") or attributes.get("production")
    if first is not None and first.reference_group is not None:
        line = f"Reference group: <b>{escape(first.reference_group)}</b> — {escape(first.reference_group_reason)}"
        prod = attributes.get("production")
        if prod is not None and prod.reference_group not in (None, first.reference_group):
            line += f" (in production: <b>{escape(prod.reference_group)}</b>)"
        lines.append(line + ". Each group is compared with it.")
    elif first is not None:
        reason = first.reference_group_reason
        lines.append("No reference group" + (f": {escape(reason)}." if reason else "."))
    inputs = [c for c in name.split(" & ") if c in fairness.sensitive_inputs]
    if inputs:
        verb = "is a model input" if len(inputs) == 1 else "are model inputs"
        warn = severity_colour("warn").name()
        lines.append(f"<span style='color:{warn}'><b>{escape(', '.join(inputs))}</b> {verb}: the model uses it "
                     "directly; check that this is lawful and intended.</span>")
    notes: dict[str, list[str]] = {}
    for d in DATASETS:
        a = attributes.get(d)
        if a is None:
            lines.append(f"{d.capitalize()}: no data for {escape(name)}.")
            continue
        if a.needs_labels:
            lacking = ", ".join(F.rate_name(m).lower() for m in a.needs_labels)
            lines.append(f"{_coloured(f'{d.capitalize()} has no labels', 'warn')}: {lacking} and the disparities "
                         "built on them show as “needs labels”.")
        for note in a.notes:
            notes.setdefault(note, []).append(d)
    for note, datasets in notes.items():
        where = "Both datasets" if len(datasets) == 2 else datasets[0].capitalize()
        lines.append(f"{where}: {escape(note)}.")
    return "<br><br>".join(lines) if lines else "Nothing to note."


def policy_summary(results: dict[str, str], judged: str) -> str:
    failed = sum(r == "fail" for r in results.values())
    judged_rules = sum(r in ("pass", "fail") for r in results.values())
    if not judged_rules:
        return f"No rule could be judged on {judged}."
    text = (f"{failed} of {_plural(judged_rules, 'rule')} fail" if failed
            else f"All {_plural(judged_rules, 'rule')} pass")
    lacking = sum(r == F.NEEDS_LABELS for r in results.values())
    more = f"; {lacking} need{'s' if lacking == 1 else ''} labels" if lacking else ""
    return f"{_coloured(text, 'fail' if failed else 'pass')} on {judged}{more}."


def policy_caption(judged: str, min_size: int, task: str) -> str:
    if task == "regression":
        return "The policy's rules are for classification; regression shows differences between group means."
    base = f"Judged on {judged}" + (", as the audit's findings are" if judged == "production" else
                                    " for comparison; the findings judge production")
    return f"{base}. Limits from the audit file's [fairness] section; groups under {min_size:,} rows left out."


def methods_html(methods: Sequence[str]) -> str:
    return "<ul style='margin-left:-20px'>" + "".join(f"<li>{escape(line)}</li>" for line in methods) + "</ul>"
