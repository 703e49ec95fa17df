"""The report's sections, in order. Each builder is a generator: it yields (fraction, message) while it
works (charts take the time) and returns its flowables. Weights share the progress bar between them."""
from __future__ import annotations

from assay.engine.report.sections import (cover, drift, explanations, fairness, methodology, performance, quality, scope,
                                    signoff, summary)

SECTIONS = (
    ("cover", 1, cover.build),
    ("summary", 1, summary.build),
    ("scope", 2, scope.build),
    ("quality", 3, quality.build),
    ("performance", 6, performance.build),
    ("drift", 12, drift.build),
    ("fairness", 6, fairness.build),
    ("explanations", 6, explanations.build),
    ("methodology", 1, methodology.build),
    ("signoff", 1, signoff.build),
)

