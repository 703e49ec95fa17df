"""The documentation map's table: which model-risk topics a reviewer files each section of the report under.

References to where each topic is set out, not legal advice: SR 11-7 (US Federal Reserve / OCC supervisory
guidance on model risk management, 2011), section V, the core elements of validation; the EU AI Act (Regulation
(EU) 2024/1689), Annex IV (technical documentation) and the articles it points to. One row per section key (an
analysis' registry name, or a section of the report's own); a section without a row is shown as not mapped, so an
analysis added to the registry appears in the map without code here — add its row to say where it belongs.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    key: str
    framework: str  # "SR 11-7" or "EU AI Act"
    name: str
    reference: str  # where the topic is set out


TOPICS = (
    Topic(key="conceptual", framework="SR 11-7", name="Conceptual soundness",
          reference="SR 11-7 §V, evaluation of conceptual soundness"),
    Topic(key="monitoring", framework="SR 11-7", name="Ongoing monitoring",
          reference="SR 11-7 §V, ongoing monitoring"),
    Topic(key="outcomes", framework="SR 11-7", name="Outcomes analysis",
          reference="SR 11-7 §V, outcomes analysis"),
    Topic(key="data", framework="EU AI Act", name="Data and data governance",
          reference="Annex IV point 2(d); Article 10"),
    Topic(key="accuracy", framework="EU AI Act", name="Accuracy and robustness",
          reference="Annex IV points 2(g) and 3; Article 15"),
    Topic(key="oversight", framework="EU AI Act", name="Human oversight",
          reference="Annex IV point 2(e); Article 14"),
)

NOT_FILED = ("cover", "docmap")  # the cover and the map itself: no row, not listed in the map

SECTION_TOPICS: dict[str, tuple[str, ...]] = {
    "summary": ("oversight",),
    "changes": ("monitoring",),
    "scope": ("conceptual", "data"),
    "quality": ("monitoring", "data"),
    "performance": ("outcomes", "monitoring", "accuracy"),
    "drift": ("monitoring", "data", "accuracy"),
    "fairness": ("outcomes", "data", "accuracy"),
    "estimation": ("monitoring", "outcomes", "accuracy"),
    "comparison": ("outcomes", "conceptual", "accuracy"),  # benchmarking against a challenger model
    "explanations": ("conceptual", "oversight"),
    "methodology": ("conceptual",),
    "signoff": ("oversight",),
}


def topics_of(section: str) -> tuple[Topic, ...]:
    keys = SECTION_TOPICS.get(section, ())
    return tuple(t for t in TOPICS if t.key in keys)
