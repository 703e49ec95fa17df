"""[comparison] and [[challenger]]: the non-inferiority margins, the paired tests' settings, the serving-arm
column of an A/B test, and the challenger models (light: the registry and the config import it at start-up)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assay.engine.errors import ConfigError
from assay.engine.performance.metric_specs import BY_NAME, names
from assay.engine.section import Section, at_least, confidence, fail, not_negative


RANDOM_STREAM = 19  # the comparison's own stream of the audit's seed (issue #19), apart from the other analyses'


@dataclass(frozen=True)
class ComparisonConfig(Section):
    """[comparison]: how the challengers are judged against the champion."""

    margin: float = 0.01  # non-inferiority margin on every metric's own scale
    margins: dict[str, float] = field(default_factory=dict)  # [comparison.margins] metric = margin
    confidence: float = 0.95  # intervals; significance at 1 - confidence (Holm-corrected)
    bootstrap_resamples: int = 1000  # paired resamples for the metrics without a closed-form test
    arm: str | None = None  # the production column naming the serving arm (A/B test on live traffic)

    def validate(self, section: str) -> None:
        not_negative(self.margin, section, "margin")
        confidence(self.confidence, section)
        at_least(self, section, {"bootstrap_resamples": 0})
        for name, value in self.margins.items():
            if name not in BY_NAME:
                raise ConfigError(f"{section}.margins.{name}: not a performance metric; allowed names: "
                                  f"{', '.join(names())}", key=f"{section}.margins.{name}")
            not_negative(value, f"{section}.margins", name)
        if self.arm == "":
            raise fail(section, "arm", "is empty; name the production column that holds the serving arm, or "
                                       "leave the key out")

    def margin_of(self, metric: str) -> float:
        return self.margins.get(metric, self.margin)


@dataclass(frozen=True)
class ChallengerConfig(Section):
    """One [[challenger]]: a model file (opened under the champion's trust rules, in its own process) or, for a
    challenger run in shadow mode, its outputs as columns of the data."""

    name: str = ""  # unset: the file's or the column's name
    path: Path | None = None
    trusted: bool = False
    trusted_types: tuple[str, ...] = ()
    sha256: str | None = None
    timeout_s: float = 600.0
    prediction: str | None = None  # predictions-only: the column of its predicted labels
    probabilities: tuple[str, ...] = ()  # predictions-only: its probability columns

    def validate(self, section: str) -> None:
        columns = bool(self.prediction or self.probabilities)
        if self.path is None and not columns:
            raise fail(section, "path", "a challenger needs a model file (path) or its outputs as columns "
                                        "(prediction, probabilities)")
        if self.path is not None and columns:
            raise fail(section, "path", "give a challenger's model file or its output columns, not both")
        if not self.timeout_s > 0:
            raise fail(section, "timeout_s", f"{self.timeout_s:g} must be a positive number of seconds, such as 600")

    @property
    def label(self) -> str:
        """Its name in the report: `name`, else the file's stem or the column's name."""
        if self.name:
            return self.name
        if self.path is not None:
            return self.path.stem
        return self.prediction or self.probabilities[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns that hold its outputs (not features of the champion)."""
        return ((self.prediction,) if self.prediction else ()) + tuple(self.probabilities)
