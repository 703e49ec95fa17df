"""Fairness streamed: group tallies (engine/fairness/tally.py) added up over the batches, then the same judgement
the in-memory calculator makes of the whole table's tally.

Passes: the reference's numerical sensitive columns (their quartile bands need the exact order statistics: the
column is gathered, 8 bytes a row) and the proxies' seeded sample of rows (proxies.sample_rows: positions drawn
from the number of rows alone, so the same rows as in memory); then each dataset's tallies, with the
predictions batch by batch.
"""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pandas as pd

from assay.engine.fairness import groups as G
from assay.engine.fairness.calculator import FairnessCalculator
from assay.engine.fairness.proxies import sample_rows
from assay.engine.fairness.results import FairnessResult
from assay.engine.fairness.tally import GroupTally, merge_tallies
from assay.engine.prediction_batches import PredictionSource
from assay.engine.predictions import model_input_columns
from assay.engine.progress import ProgressEvent, as_events
from assay.engine.row_gathering import RowsWanted, gather_map, gather_merge, gathered_frame
from assay.engine.schema import ColumnRole
from assay.engine.streaming.passes import Pass

Tallies = dict[str, GroupTally | None]


def stream(run) -> Generator[Pass | ProgressEvent, Any, FairnessResult]:
    """Fairness of a streamed audit (run: engine/streaming/run.py's StreamRun)."""
    model_inputs = model_input_columns(run.model, run.schema) if run.model else None
    calculator = FairnessCalculator(run.schema, run.config.fairness, {}, model_inputs, run.config.audit.seed)
    reference = run.reference
    numeric = tuple(c for c in calculator.numeric_sensitive() if c in reference.columns)
    wanted = (RowsWanted(numeric), RowsWanted(None, sample_rows(reference.rows, calculator.seed)))
    state = yield Pass("fairness: sensitive bands and proxy sample", "reference", None, both_map, both_merge,
                       wanted)
    banded, sample = (gathered_frame(part) for part in state)
    calculator.edges = {c: G.band_edges(banded[c], calculator.config.bands.get(c)) for c in numeric}
    sides = {}
    for role in ("reference", "production"):
        source: PredictionSource = run.predictions[role]
        columns = {c for a in calculator.attributes for c in a} | set(source.columns) | set(source.inputs)
        columns |= set(run.schema.names(ColumnRole.TARGET))
        present = tuple(c for c in run.source(role).columns if c in columns)
        tallies = yield Pass(f"fairness: {role} groups", role, present, tally_map, tally_merge,
                             (calculator, source), with_predictions=source.from_model)
        sides[role] = {}
        for attribute in calculator.attributes:
            name = G.attribute_name(attribute)
            sides[role][name] = yield from as_events(calculator.judged(name, role, tallies[name]), "fairness",
                                                     f"Fairness: {role} groups")
    found = yield from as_events(calculator.proxies(sample), "fairness", "Fairness: proxies")
    return calculator.result(sides["reference"], sides["production"], found)


def both_map(batch: pd.DataFrame, wanted: tuple[RowsWanted, RowsWanted]) -> tuple[list, list]:
    return gather_map(batch, wanted[0]), gather_map(batch, wanted[1])


def both_merge(a: tuple[list, list], b: tuple[list, list]) -> tuple[list, list]:
    return gather_merge(a[0], b[0]), gather_merge(a[1], b[1])


def tally_map(batch: pd.DataFrame, context: tuple[FairnessCalculator, PredictionSource]) -> Tallies:
    """Each attribute's group tally on one batch (None: the attribute's columns are not in the data)."""
    calculator, source = context
    predictions = source.of(batch)
    out: Tallies = {}
    for attribute in calculator.attributes:
        labels = calculator.labels(batch, attribute)
        out[G.attribute_name(attribute)] = None if labels is None else calculator.tally(labels, batch, predictions)
    return out


def tally_merge(a: Tallies, b: Tallies) -> Tallies:
    return {name: merge_tallies(a[name], b[name]) if a[name] is not None and b[name] is not None else
            a[name] if b[name] is None else b[name] for name in a}

