"""The same audit as an in-memory AnalysisRun and as a StreamRun (the model in one LocalModel, or in its isolated
process), and one analysis run on each: the streamed model analyses' tests compare the two."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from assay.engine.analyses import registry
from assay.engine.analyses.run import AnalysisRun, iter_analysis
from assay.engine.config import AuditConfig
from assay.engine.isolation.local import LocalModel
from assay.engine.model_files import check_model_file
from assay.engine.pipeline import _predict, _predictions_from_columns
from assay.engine.prediction_batches import stream_predictions
from assay.engine.progress import drain
from assay.engine.results import result_to_json
from assay.engine.schema import iter_infer_schema
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.run import StreamRun, iter_stream
from assay.engine.streaming.sources import open_source
from assay.engine.tables import load_dataset


def in_memory_run(audit: Path, runner=None, **changes) -> AnalysisRun:
    """The audit at `audit` (its model trusted as its audit file says) with its predictions, in memory."""
    config = AuditConfig.from_toml(audit)
    if changes:
        config = AuditConfig.from_dict({**config.to_dict(), **changes}, base_dir=audit.parent)
    reference = load_dataset(config.data.reference, "reference")
    production = load_dataset(config.data.production, "production")
    schema = drain(iter_infer_schema(reference.frame, production.frame, config))
    threshold = config.performance.threshold
    model = None
    if config.model.path is not None:
        runner = runner or LocalModel()
        file = check_model_file(config.model.path, trusted=config.model.trusted,
                                trusted_types=config.model.trusted_types)
        model = drain(runner.begin_open(file))
        predictions = drain(_predict(model, runner, reference, production, schema, threshold, 0.0, 1.0))
    else:
        predictions = _predictions_from_columns(reference, production, schema, threshold)
    return AnalysisRun(config=config, schema=schema, reference=reference, production=production,
                       predictions=predictions, model=model, runner=runner)


def opened_in(run: AnalysisRun, runner) -> AnalysisRun:
    """The same run with its model opened in `runner` (a ModelProcess: the model isolated), as the audit opens it."""
    config = run.config
    file = check_model_file(config.model.path, trusted=config.model.trusted, trusted_types=config.model.trusted_types)
    return dataclasses.replace(run, model=drain(runner.begin_open(file)), runner=runner)


def streamed_run(run: AnalysisRun, batch_rows: int, cached: bool = False) -> StreamRun:
    """The same audit streamed in batches of `batch_rows` rows, with the in-memory run's schema and model
    (`cached`: the model's predictions kept for the later passes, as the streamed audit keeps them)."""
    config = run.config
    reference = open_source(config.data.reference, "reference")
    production = open_source(config.data.production, "production")
    predictions, predictor = stream_predictions(run.schema, config.performance.threshold,
                                                {s.role: s.columns for s in (reference, production)},
                                                run.model, run.runner,
                                                {s.role: s.rows for s in (reference, production)} if cached else None)
    return StreamRun(config=config, schema=run.schema, reference=reference, production=production,
                     executor=InProcessExecutor(batch_rows, predictor), predictions=predictions, model=run.model,
                     runner=run.runner, seed=config.audit.seed)


def spec(name: str):
    return next(s for s in registry.ANALYSES if s.name == name)


def in_memory_result(run: AnalysisRun, name: str):
    return drain(iter_analysis(spec(name), run, 0.0, 1.0)).result


def streamed_result(run: StreamRun, name: str):
    stream = registry.load(spec(name).partials)
    return drain(iter_stream(stream(run), run, name, 0.0, 1.0))


def as_json(name: str, result) -> dict:
    """An analysis' JSON as the report writes it."""
    return json.loads(json.dumps(result_to_json(spec(name), result), default=str))


def assert_same(streamed, expected, path: str = "", tolerance: float = 1e-12) -> None:
    """Equal JSON: the same keys, lists and text; whole numbers exactly, other numbers within `tolerance`
    (relative to their size, at least 1)."""
    if isinstance(expected, dict):
        assert isinstance(streamed, dict) and streamed.keys() == expected.keys(), path
        for key in expected:
            assert_same(streamed[key], expected[key], f"{path}.{key}", tolerance)
    elif isinstance(expected, list):
        assert isinstance(streamed, list) and len(streamed) == len(expected), path
        for i, (a, b) in enumerate(zip(streamed, expected)):
            assert_same(a, b, f"{path}[{i}]", tolerance)
    elif isinstance(expected, float) and isinstance(streamed, (int, float)) and not isinstance(streamed, bool):
        if np.isnan(expected):
            assert np.isnan(streamed), path
        else:
            assert abs(streamed - expected) <= tolerance * max(1.0, abs(expected)), (path, streamed, expected)
    else:
        assert streamed == expected, (path, streamed, expected)
