"""The model-bearing analyses streamed equal the in-memory path: performance (every metric, interval, chunk, segment
and curve), fairness (group tallies merged over batches) and explanations (the same seeded rows), on the demo with
its model predicting batch by batch in its isolated process, on the census data with the predictions given as
columns, and on generated multiclass and regression data; tallies and gathered samples whatever the batching."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine.errors import CalculationError
from assay.engine.explain.calculator import background_positions, explained_positions
from assay.engine.fairness.tally import confusion, merge_tallies, tally_classification, tally_regression
from assay.engine.isolation.local import LocalModel
from assay.engine.isolation.process import ModelProcess, start_model
from assay.engine.pipeline import _prediction_status, _summary
from assay.engine.progress import drain
from assay.engine.streamed_model import iter_streamed_predictions
from assay.engine.prediction_batches import PREDICTED, SCORE, ModelPredictor
from assay.engine.prediction_cache import PredictionCache
from assay.engine.predictions import PredictionSet
from assay.engine.row_gathering import RowsWanted, gather_map, gather_merge, gathered_frame
from tests.conftest import write_audit
from tests.engine.streamed_model_runs import (as_json, assert_same, in_memory_result, in_memory_run, opened_in,
                                              streamed_result, streamed_run)

MODEL_ANALYSES = ("performance", "fairness", "explanations")


@pytest.fixture(scope="module")
def demo_run(demo_audit):
    """The demo in memory, its explanations on fewer rows (the point is the same rows, not their number)."""
    return in_memory_run(demo_audit, explain={"rows": 150, "background_rows": 60})


@pytest.fixture(scope="module")
def demo_in_memory(demo_run):
    return {name: as_json(name, in_memory_result(demo_run, name)) for name in MODEL_ANALYSES}


def test_demo_streamed_through_the_model_process_equals_in_memory(demo_run, demo_in_memory):
    """Batches of 2,500 rows (not a multiple of the model's 20,000-row requests nor of the explainer's chunks);
    the model in its own process, opened under the same trust checks."""
    process = ModelProcess(demo_run.config.model.path)
    try:
        run = streamed_run(opened_in(demo_run, process), 2500, cached=True)
        assert run.runner is process
        for name in MODEL_ANALYSES:
            assert_same(as_json(name, streamed_result(run, name)), demo_in_memory[name], name)
            # performance's passes kept every prediction: fairness and explanations read them
            assert run.executor.predictor.cache.get("production", 0, 12_000) is not None
        assert run.executor.batches >= 2 * 12_000 // 2500
    finally:
        process.close()


def test_demo_streamed_in_one_batch_equals_in_memory(demo_run, demo_in_memory):
    run = streamed_run(demo_run, 1_000_000)
    for name in ("performance", "fairness"):
        assert_same(as_json(name, streamed_result(run, name)), demo_in_memory[name], name)


def test_the_census_data_with_prediction_columns_streamed_equals_in_memory(employment_audit):
    run = in_memory_run(employment_audit, performance={"bootstrap_resamples": 200},
                        fairness={"bootstrap_resamples": 200, "intersections": [["SEX", "RAC1P"]]})
    streamed = streamed_run(run, 37_000)
    assert streamed.predictions["production"].columns == ("prediction", "predicted_probability")
    for name in ("performance", "fairness"):
        expected = as_json(name, in_memory_result(run, name))
        assert_same(as_json(name, streamed_result(streamed, name)), expected, name)
    assert expected["production"]["SEX & RAC1P"]["groups"]


def _generated(tmp_path, task: str):
    rng = np.random.default_rng(5)

    def table(rows: int, shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1, rows)
        group = rng.choice(["north", "south", "east", None], rows)
        if task == "regression":
            y = 3 * x + rng.normal(0, 1, rows)
            out = {"x": x, "region": group, "age": rng.integers(18, 80, rows).astype(float), "y": y,
                   "pred": np.round(3 * x + rng.normal(0, 0.5, rows), 1)}
        else:
            scores = rng.dirichlet([2, 2, 2], rows)
            y = np.array(["a", "b", "c"])[np.argmax(scores + rng.normal(0, 0.3, (rows, 3)), axis=1)]
            out = {"x": x, "region": group, "age": rng.integers(18, 80, rows).astype(float), "y": y,
                   "pred": np.array(["a", "b", "c"])[scores.argmax(axis=1)],
                   **{f"proba_{c}": scores[:, i] for i, c in enumerate("abc")}}
        frame = pd.DataFrame(out)
        frame.loc[rng.random(rows) < 0.05, "y"] = None
        return frame

    for role, rows, shift in (("reference", 3000, 0.0), ("production", 4100, 0.4)):
        table(rows, shift).to_parquet(tmp_path / f"{role}.parquet", row_group_size=900)
    columns = {"target": "y", "prediction": "pred", "sensitive": ["region", "age"]}
    if task != "regression":
        columns["probabilities"] = ["proba_a", "proba_b", "proba_c"]
        columns["positive_label"] = "a"
    return write_audit(tmp_path, data={"reference": str(tmp_path / "reference.parquet"),
                                       "production": str(tmp_path / "production.parquet")},
                       columns=columns, task={"type": task}, performance={"bootstrap_resamples": 200},
                       fairness={"bootstrap_resamples": 200})


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_generated_multiclass_and_regression_streamed_equal_in_memory(tmp_path, task):
    """Cells whose ranks break ties by row order (multiclass scores, regression errors) and quartile bands of a
    numerical sensitive column: the same as in memory at batches of 700 rows."""
    run = in_memory_run(_generated(tmp_path, task))
    streamed = streamed_run(run, 700)
    for name in ("performance", "fairness"):
        assert_same(as_json(name, streamed_result(streamed, name)), as_json(name, in_memory_result(run, name)), name)


def test_the_cache_serves_a_batch_only_when_every_row_is_kept():
    cache = PredictionCache({"production": 10, "reference": 4}, (0, 1))
    cache.put("production", 2, PredictionSet(np.array([1, 0, 1]), np.array([0.9, 0.1, 0.7]), (0, 1)))
    assert cache.get("production", 2, 4) is None and cache.get("production", 0, 3) is None
    found = cache.get("production", 3, 2)
    np.testing.assert_array_equal(found.labels, [0, 1])
    np.testing.assert_array_equal(found.scores, [0.1, 0.7])
    assert found.labels.dtype == np.int64 and found.classes == (0, 1)
    cache.put("reference", 0, PredictionSet(np.array(["yes", "no"], dtype=object), None))  # text: not kept
    assert cache.get("reference", 0, 2) is None
    cache.put("production", 5, PredictionSet(np.array([0.5]), np.array([0.5])))  # another type: the role dropped
    assert cache.get("production", 3, 2) is None
    cache.close()


class _Failing:
    """A model whose predictions fail on rows with a negative first value."""

    def predict(self, frame):
        if (frame.iloc[:, 0] < 0).any():
            raise ValueError("negative input")
        return np.zeros(len(frame))


def test_a_failing_batch_names_the_model_and_the_rows_in_the_dataset(demo_run):
    model = dataclasses.replace(demo_run.model, model=_Failing(), methods=("predict",), expected_columns=("x",))
    predictor = ModelPredictor(model, LocalModel(model), demo_run.schema, 0.5)
    batch = pd.DataFrame({"x": [1.0, -1.0]}, index=pd.RangeIndex(5000, 5002))
    with pytest.raises(CalculationError, match=r"production data \(rows 5001-5002\): ValueError: negative input"):
        predictor(batch, "production")


def test_the_predictor_writes_labels_and_scores_as_columns(demo_run):
    predictor = ModelPredictor(demo_run.model, demo_run.runner, demo_run.schema, 0.5)
    frame = demo_run.production.frame.iloc[100:130]
    out = predictor(frame, "production")
    expected = demo_run.predictions["production"]
    assert list(out.columns[:len(frame.columns)]) == list(frame.columns)
    np.testing.assert_array_equal(out[SCORE].to_numpy(), expected.scores[100:130])
    assert list(out[PREDICTED]) == list(expected.labels[100:130])


# -- merges and samples whatever the batching ------------------------------------------------------------------


def _cuts(draw, rows: int) -> list[int]:
    return sorted(set(draw(st.lists(st.integers(0, rows), max_size=6))) | {0, rows})


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_group_tallies_merged_over_any_batches_equal_the_whole_tally(data):
    rows = data.draw(st.integers(1, 300))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    labels = rng.choice(np.array(["a", "b", "c", "missing"], dtype=object), rows)
    target = pd.Series(rng.choice([0.0, 1.0, np.nan], rows))
    predicted = rng.choice(np.array([0, 1, None], dtype=object), rows)
    cuts = _cuts(data.draw, rows)
    parts = [tally_classification(labels[a:b], target[a:b], predicted[a:b], 1) for a, b in zip(cuts, cuts[1:])
             if b > a]
    merged = parts[0]
    for part in parts[1:]:
        merged = merge_tallies(merged, part)
    whole = tally_classification(labels, target, predicted, 1)
    np.testing.assert_array_equal(merged.groups, whole.groups)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    merged_confusion, whole_confusion = confusion(merged), confusion(whole)
    assert merged_confusion.names == whole_confusion.names and merged_confusion.notes == whole_confusion.notes
    np.testing.assert_array_equal(merged_confusion.counts, whole_confusion.counts)
    values = rng.normal(size=rows)
    regression = [tally_regression(labels[a:b], target[a:b], values[a:b]) for a, b in zip(cuts, cuts[1:]) if b > a]
    total = regression[0]
    for part in regression[1:]:
        total = merge_tallies(total, part)
    np.testing.assert_allclose(total.sums, tally_regression(labels, target, values).sums, rtol=1e-12, atol=1e-12)


def test_confusion_counts_by_hand():
    """Group a: a true positive, a false positive, a row without a label (left out); group b: a false negative
    and a row without a prediction (left out)."""
    tally = tally_classification(np.array(["a", "a", "a", "b", "b"], dtype=object),
                                 pd.Series([1, 0, None, 1, 0]), np.array([1, 1, 0, 0, None], dtype=object), 1)
    found = confusion(tally)
    assert found.names == ["a", "b"] and found.has_labels
    np.testing.assert_array_equal(found.counts, [[1, 1, 0, 0], [0, 0, 1, 0]])
    assert found.notes == ("1 rows without a label left out", "1 rows without a predicted label left out")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_seeded_sample_is_the_same_rows_whatever_the_batching(data):
    rows = data.draw(st.integers(1, 400))
    frame = pd.DataFrame({"v": np.arange(rows) * 1.5, "w": np.arange(rows) % 7})
    positions = explained_positions(rows, data.draw(st.integers(1, 500)), data.draw(st.integers(0, 9)), "production")
    cuts = _cuts(data.draw, rows)
    wanted = RowsWanted(("v",), positions)
    state = [gather_map(frame.iloc[a:b], wanted) for a, b in zip(cuts, cuts[1:]) if b > a]
    merged = state[0]
    for part in state[1:]:
        merged = gather_merge(merged, part)
    pd.testing.assert_frame_equal(gathered_frame(merged), frame.iloc[positions][["v"]])
    assert np.array_equal(background_positions(rows, 60, 3), background_positions(rows, 60, 3))


# -- the model's stage of the streamed audit -------------------------------------------------------------------


def _streamed_predictions(run, runner):
    streamed = dataclasses.replace(streamed_run(run, 3000), runner=runner, model=None, predictions=None)
    return drain(iter_streamed_predictions(streamed, 0.0, 1.0))


def test_the_streamed_audit_opens_the_model_in_its_process_and_summarises_its_predictions(demo_run):
    runner = start_model(demo_run.config)
    try:
        found = _streamed_predictions(demo_run, runner)
        assert isinstance(runner, ModelProcess) and found.run.model is not None
        assert found.run.executor.predictor is not None
        expected_status, expected_findings = _prediction_status(demo_run)
        assert found.status == expected_status and found.findings == expected_findings
        assert found.summary == _summary(demo_run.predictions, demo_run.schema, "model")
        assert found.summary.rows_production == len(demo_run.production.frame)
    finally:
        runner.close()


def test_given_labels_against_the_scores_streamed_as_in_memory(employment_audit):
    run = in_memory_run(employment_audit, performance={"threshold": 0.3})
    found = _streamed_predictions(run, None)
    expected_status, expected_findings = _prediction_status(run)
    assert found.status == expected_status
    assert found.findings == expected_findings and found.findings  # at 0.3 the given labels differ: a warning
    assert found.summary == _summary(run.predictions, run.schema, "columns")
