"""How numbers read in the report. One place, so that the PDF and a test reading it agree.

Statistics, rates and effect sizes: three decimals (`number`), as the findings and the app show them;
shares of rows: a percentage with one decimal (`percent`); p-values: three significant figures, or
"< 0.001" (`p_value`); counts with thousands separators (`count`). A missing value reads "—".
"""
from __future__ import annotations

import math

DASH = "—"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value, digits: int = 3) -> str:
    if _missing(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _no_negative_zero(f"{float(value):.{digits}f}")


def signed(value, digits: int = 3) -> str:
    if _missing(value):
        return DASH
    text = f"{float(value):+.{digits}f}"
    return text[1:] if text[1:].strip("0.") == "" else text  # zero after rounding: no sign


def _no_negative_zero(text: str) -> str:
    """'-0.000' (a tiny negative value, rounded) reads as '0.000'."""
    return text[1:] if text.startswith("-") and text.strip("-0.") == "" else text


def percent(value, digits: int = 1) -> str:
    return DASH if _missing(value) else f"{float(value):.{digits}%}"


def p_value(value) -> str:
    if _missing(value):
        return DASH
    return "< 0.001" if value < 0.001 else f"{float(value):.3f}"


def count(value) -> str:
    return DASH if _missing(value) else f"{int(value):,}"


def interval(low, high, digits: int = 3) -> str:
    if _missing(low) or _missing(high):
        return DASH
    return f"{number(low, digits)} to {number(high, digits)}"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def label(name: str) -> str:
    """A metric's key as words: 'demographic_parity_difference' -> 'Demographic parity difference'."""
    return name.replace("_", " ").capitalize()
