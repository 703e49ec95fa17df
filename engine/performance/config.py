"""[performance]: the decision threshold, the policy, bootstrap intervals, chunks and segments (light: the
registry imports it at start-up)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assay.engine.performance.metric_specs import validate_metric_tables
from assay.engine.section import Section, at_least, confidence, not_negative, shares


@dataclass(frozen=True)
class PerformanceConfig(Section):
    """[performance]: decision threshold, the policy, bootstrap intervals, chunks and segments."""

    threshold: float = 0.5  # binary: predicted positive when the positive-class score is at least this
    minimum: dict[str, float] = field(default_factory=dict)  # [performance.minimum] metric = lowest allowed value
    maximum: dict[str, float] = field(default_factory=dict)  # [performance.maximum] error metric = highest allowed
    max_drop: float = 0.05  # largest allowed drop of a headline metric vs the reference (absolute)
    max_drop_metrics: dict[str, float] = field(default_factory=dict)  # [performance.max_drop_metrics] per metric
    bootstrap_resamples: int = 1000  # 0 turns intervals off
    confidence: float = 0.95
    chunk_by: Literal["auto", "day", "week", "month", "quarter", "year", "rows"] = "auto"
    chunk_size: int = 5000  # rows per chunk when chunk_by = "rows" (or no timestamp)
    min_chunk_rows: int = 50
    segment_by: tuple[str, ...] | None = None  # categorical columns to break down by; unset: the sensitive ones
    top_segments: int = 10  # values shown per segment column; the rest are pooled as "other"
    calibration_bins: int = 10  # equal-width score bins for the calibration curve and ECE

    def validate(self, section: str) -> None:
        shares(self, section, ("threshold",), "{value} must be between 0 and 1 (a score threshold)")
        not_negative(self.max_drop, section, "max_drop")
        validate_metric_tables(self, section)  # the metric names, against the metric table
        confidence(self.confidence, section)
        at_least(self, section, {"bootstrap_resamples": 0, "chunk_size": 10, "min_chunk_rows": 2, "top_segments": 1,
                                 "calibration_bins": 2})
