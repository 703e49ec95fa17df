"""Long steps split so that a cancel takes effect within a second (issue #9, item 5) compute what one step did.

Each split is checked against the unsplit computation (pyarrow's own `to_pandas`, a copy of the rows, one
call), and for the yields it adds. The latencies themselves are measured in test_cancel.py and bench/.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assay.engine import AuditConfig
from assay.engine import arrow_frames
from assay.engine.drift import multivariate as M
from assay.engine.progress import drain
from assay.engine.schema import infer_schema, iter_infer_schema


def _steps(generator):
    """(number of yields, returned value)."""
    count = 0
    try:
        while True:
            next(generator)
            count += 1
    except StopIteration as stop:
        return count, stop.value


def _table(rows: int) -> pa.Table:
    rng = np.random.default_rng(0)
    start = dt.datetime(2024, 1, 1)
    return pa.table({
        "float": pa.array([None if i % 9 == 0 else float(x) for i, x in enumerate(rng.normal(size=rows))]),
        "float32": pa.array(rng.normal(size=rows).astype("float32")),
        "int": pa.array(rng.integers(0, 100, rows)),
        "int_missing": pa.array([None if i == rows - 3 else i for i in range(rows)]),  # pandas: float64
        "uint8": pa.array(rng.integers(0, 200, rows).astype("uint8")),
        "bool": pa.array(rng.random(rows) < 0.5),
        "bool_missing": pa.array([None if i == 5 else bool(i % 2) for i in range(rows)]),  # pandas: object
        "time_s": pa.array([None if i % 7 == 0 else start + dt.timedelta(hours=i) for i in range(rows)],
                           pa.timestamp("s")),
        "time_us": pa.array([start + dt.timedelta(minutes=i) for i in range(rows)], pa.timestamp("us")),
        "time_zone": pa.array([start + dt.timedelta(days=i) for i in range(rows)], pa.timestamp("ms", tz="UTC")),
        "text": pa.array([None if i % 5 == 0 else f"row {i}" for i in range(rows)]),
        "large_text": pa.array([f"é{i}" for i in range(rows)], pa.large_string()),
        "date": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i % 30) for i in range(rows)]),
        "dictionary": pa.array(["a", "b", "c"] * (rows // 3) + ["a"] * (rows % 3)).dictionary_encode(),
    })


def test_long_columns_converted_in_row_slices_equal_one_to_pandas(monkeypatch):
    monkeypatch.setattr(arrow_frames, "CONVERT_ROWS", 40)
    table = _table(250)
    expected = table.to_pandas()
    batches = table.to_batches(max_chunksize=33)  # chunks that do not line up with the slices
    count, frame = _steps(arrow_frames.iter_to_pandas(list(batches), table.schema, 0.9))
    pd.testing.assert_frame_equal(frame, expected)
    for name in ("float", "int", "bool", "time_s", "text"):
        assert frame[name].dtype == expected[name].dtype
    # a yield after each column, and within each column that converts in slices: 7 slices of 40 rows
    sliced = ("float", "float32", "int", "uint8", "bool", "time_s", "time_us", "text", "large_text")
    assert count >= len(table.column_names) + len(sliced) * 5


def test_a_column_shorter_than_a_slice_converts_in_one_step():
    column = pa.chunked_array([pa.array([1.0, None, 3.0])])
    count, series = _steps(arrow_frames._iter_column_to_pandas(column))
    assert count == 0
    pd.testing.assert_series_equal(series, column.to_pandas())


def test_the_schema_yields_after_each_column_and_equals_one_call():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=50) if i % 2 else rng.choice(["x", "y", "z"], 50)
                          for i in range(40)})
    frame["target"] = rng.integers(0, 2, 50)
    config = AuditConfig.from_dict({"columns": {"target": "target"}})
    count, schema = _steps(iter_infer_schema(frame, frame.iloc[:20], config))
    assert count == 41
    assert schema == infer_schema(frame, frame.iloc[:20], config)


def test_encoding_yields_after_each_column_and_equals_one_call():
    rng = np.random.default_rng(2)
    frames = [pd.DataFrame({"n1": rng.normal(size=30), "n2": rng.normal(size=30),
                            "c": rng.choice(["p", "q", None], 30)}) for _ in range(2)]
    count, (matrices, categorical) = _steps(M.iter_encode(frames, ["n1", "n2"], ["c"], 1))
    assert count == 3
    expected, expected_categorical = M.encode(frames, ["n1", "n2"], ["c"], 1)
    assert categorical == expected_categorical == [2]
    for ours, theirs in zip(matrices, expected):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("rows", [None, "some"])
def test_reconstruction_error_of_rows_taken_column_by_column_equals_that_of_a_copy_of_the_rows(rows, monkeypatch):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.exponential(size=300),
                          "c": rng.choice(["u", "v", "w", None], 300), "d": rng.choice(list("klmnop"), 300)},
                         index=pd.RangeIndex(1000, 1300))
    frame.loc[frame.index[::11], "a"] = np.nan
    model = drain(M.ReconstructionModel(["a", "b"], ["c", "d"], seed=0).iter_fit(frame))
    positions = np.sort(rng.choice(300, 120, replace=False)) if rows else None
    copy = frame if positions is None else frame.iloc[positions]
    monkeypatch.setattr(M, "STEP_SECONDS", 0.0)  # a yield after every categorical column
    count, error = _steps(model.iter_error(frame, positions))
    assert count == 1 + 2 + 1  # the numbers, each categorical column, then before the reconstruction
    matrix = drain(model.iter_transform(copy))
    assert error == pytest.approx(float(np.mean(np.linalg.norm(matrix - model.pca.reconstruct(matrix), axis=1))),
                                  rel=0, abs=0)


def test_the_drift_tests_are_prepared_with_a_yield_after_each_column_and_the_same_result():
    import json

    from assay.engine.drift.univariate import DriftCalculator
    from assay.engine.results import to_jsonable

    rng = np.random.default_rng(4)
    reference = pd.DataFrame({f"n{i}": rng.normal(size=400) for i in range(6)}
                             | {f"c{i}": rng.choice(list("abcd"), 400) for i in range(5)})
    production = reference.sample(frac=1.0, random_state=1).reset_index(drop=True)
    production["n0"] = production["n0"] + 0.5
    config = AuditConfig.from_dict({})
    schema = infer_schema(reference, production, config)

    def calculator():
        return DriftCalculator(schema, config.drift, (), config.audit.seed)

    stepped = calculator()
    count, returned = _steps(stepped.iter_fit(reference))
    assert returned is stepped and count == 11  # one per column
    whole = calculator().fit(reference)
    results = [json.dumps(to_jsonable(c.calculate(production)), sort_keys=True) for c in (stepped, whole)]
    assert results[0] == results[1]
