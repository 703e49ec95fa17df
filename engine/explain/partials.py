"""Explanations streamed: the background rows and each dataset's explained rows are seeded samples of stated size
(the explainer's background_rows, [explain] rows) whose positions depend only on the number of rows
(background_positions, explained_positions), so a streamed pass gathers exactly the rows the in-memory audit
takes, whatever the batching. Only those rows travel, with the model's predictions the audit kept when the model
predicted every row (engine/prediction_cache.py: no row is predicted again), then the in-memory calculator
explains the samples.
"""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

from assay.engine.explain.calculator import ExplanationCalculator, background_positions, explained_positions
from assay.engine.explain.results import ExplanationsResult
from assay.engine.progress import ProgressEvent, as_events
from assay.engine.row_gathering import RowsWanted, gather_map, gather_merge, gathered_frame
from assay.engine.schema import ColumnRole
from assay.engine.streaming.passes import Pass


def stream(run) -> Generator[Pass | ProgressEvent, Any, ExplanationsResult]:
    """Explanations of a streamed audit (run: engine/streaming/run.py's StreamRun, with its model and runner)."""
    config = run.config.explain
    seed = run.config.audit.seed
    calculator = ExplanationCalculator(run.model, run.schema, config, None, seed, runner=run.runner)
    reference = run.reference
    positions = background_positions(reference.rows, config.background_rows, seed)
    state = yield Pass("explanations: background rows", "reference", _present(run, "reference", calculator.inputs),
                       gather_map, gather_merge, RowsWanted(None, positions))
    calculator.set_background(gathered_frame(state)[calculator.inputs], reference.rows)
    yield from as_events(_fractions(calculator.prepare()), "explanations", "Explanations: preparing the explainer")
    samples, labels = {}, {}
    for role in ("reference", "production"):
        source = run.predictions.get(role) if run.predictions else None
        wanted = [*calculator.inputs, *run.schema.names(ColumnRole.TARGET)]
        if source is not None and not source.from_model:
            wanted += list(source.columns)
        rows = explained_positions(run.source(role).rows, calculator.rows, seed, role)
        state = yield Pass(f"explanations: {role} rows", role, _present(run, role, wanted), gather_map, gather_merge,
                           RowsWanted(None, rows), with_predictions=source is not None and source.from_model)
        samples[role] = gathered_frame(state)  # (with the model's predictions, kept when it predicted every row)
        found = source.of(samples[role]) if source is not None else None
        labels[role] = found.labels if found is not None else None
    return (yield from as_events(_fractions(calculator.explain_samples(samples, labels)), "explanations",
                                 "Explanations"))


def _present(run, role: str, names) -> tuple[str, ...]:
    wanted = set(names)
    return tuple(c for c in run.source(role).columns if c in wanted)


def _fractions(steps: Generator) -> Generator[float, None, Any]:
    """A calculator's steps (a fraction, or (fraction, message)) as bare fractions."""
    try:
        while True:
            step = next(steps)
            yield step[0] if isinstance(step, tuple) else step
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()

