"""The streaming interface (engine/streaming): a file, a folder (plain and hive-partitioned) and a glob open as the
same rows with the in-memory loader's dtypes; the executor maps and merges batches in row order whatever the batch
size; closing it cancels; bad inputs name the file and the column."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.engine.errors import InputError
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.passes import Pass, merge_all
from assay.engine.streaming.sources import empty_frame, open_source, read_fragment
from assay.engine.tables import load_dataset

from tests.conftest import EMPLOYMENT


def _frame(rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 50, rows).astype(float)
    counts[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame({
        "x": rng.normal(size=rows),
        "n": pd.array(rng.integers(0, 9, rows), dtype="int64"),
        "counts": counts,
        "city": rng.choice(["a", "b", "c", None], rows),
        "flag": rng.random(rows) < 0.5,
    })


def _write_parts(frame: pd.DataFrame, folder: Path, parts: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(frame)), parts)):
        path = folder / f"part-{i}.parquet"
        frame.iloc[part].to_parquet(path, index=False, row_group_size=97)
        paths.append(path)
    return paths


def _read_all(location, batch_rows: int = 128, columns=None) -> pd.DataFrame:
    source = open_source(location, "production")
    frames = [b for f in source.fragments for b in read_fragment(f, columns, batch_rows)]
    return pd.concat(frames)


def _sum_map(batch: pd.DataFrame, context) -> tuple[int, float, tuple[int, ...]]:
    return len(batch), float(batch["x"].sum()), tuple(batch.index[:1])


def _sum_merge(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


SUM = Pass(name="sum", role="production", columns=("x",), map=_sum_map, merge=_sum_merge)


def test_single_file_reads_as_the_in_memory_loader(tmp_path):
    frame = _frame()
    frame.to_parquet(tmp_path / "one.parquet", row_group_size=300)
    loaded = load_dataset(tmp_path / "one.parquet").frame
    streamed = _read_all(tmp_path / "one.parquet", batch_rows=128)
    pd.testing.assert_frame_equal(streamed, loaded)
    assert list(streamed.index) == list(range(len(frame)))


def test_integers_with_missing_values_in_one_file_only_are_floats_everywhere(tmp_path):
    frame = pd.DataFrame({"k": [1.0, 2.0, 3.0, np.nan], "z": ["a", "b", "c", "d"]})
    pa_table = pa.table({"k": pa.array([1, 2, 3, None], pa.int64()), "z": frame["z"].to_numpy()})
    pq.write_table(pa_table, tmp_path / "whole.parquet", row_group_size=2)
    loaded = load_dataset(tmp_path / "whole.parquet").frame
    streamed = _read_all(tmp_path / "whole.parquet", batch_rows=1)
    pd.testing.assert_frame_equal(streamed, loaded)
    assert streamed["k"].dtype == np.float64


def test_folder_hive_folder_and_glob_give_the_file_rows(tmp_path):
    frame = _frame(700)
    frame.to_parquet(tmp_path / "one.parquet", index=False)
    single = _read_all(tmp_path / "one.parquet")
    _write_parts(frame, tmp_path / "plain", 3)
    pd.testing.assert_frame_equal(_read_all(tmp_path / "plain"), single)
    pd.testing.assert_frame_equal(_read_all(str(tmp_path / "plain" / "part-*.parquet")), single)
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(frame, preserve_index=False), hive, partition_cols=["n"])
    source = open_source(hive, "production")
    assert source.rows == len(frame) and "n" in source.columns
    rows = _read_all(hive)[list(frame.columns)]
    key = ["n", "x"]
    pd.testing.assert_frame_equal(rows.sort_values(key).reset_index(drop=True),
                                  single.sort_values(key).reset_index(drop=True))


def test_fragments_number_rows_in_path_order(tmp_path):
    _write_parts(_frame(500), tmp_path / "parts", 12)
    source = open_source(tmp_path / "parts", "reference")
    assert [Path(p).name for p in source.paths][:3] == ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    starts = [f.start for f in source.fragments]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(f.rows for f in source.fragments) == source.rows == 500
    assert pickle.loads(pickle.dumps(source.fragments[3])) == source.fragments[3]


@pytest.mark.parametrize("batch_rows", [1, 7, 128, 1 << 18])
def test_executor_merges_in_row_order_whatever_the_batch_size(tmp_path, batch_rows):
    frame = _frame(600)
    _write_parts(frame, tmp_path / "parts", 4)
    executor = InProcessExecutor(batch_rows=batch_rows)
    steps = executor.run(open_source(tmp_path / "parts", "production"), SUM)
    events = []
    try:
        while True:
            events.append(next(steps))
    except StopIteration as stop:
        rows, total, starts = stop.value
    assert rows == 600 and total == pytest.approx(frame["x"].sum(), rel=1e-12)
    assert list(starts) == sorted(starts)
    assert events[-1].rows_done == 600 and events[-1].rows_total == 600 and events[-1].rows_per_second > 0
    assert executor.batches == len(events)


def test_an_empty_source_maps_an_empty_batch(tmp_path):
    _frame(0).to_parquet(tmp_path / "empty.parquet")
    source = open_source(tmp_path / "empty.parquet", "production")
    assert source.rows == 0
    steps = InProcessExecutor().run(source, SUM)
    with pytest.raises(StopIteration) as stop:
        next(steps)
    assert stop.value.value[:2] == (0, 0.0)
    assert list(empty_frame(source).columns) == list(_frame(0).columns)


def test_closing_the_run_stops_the_read(tmp_path):
    _write_parts(_frame(2000), tmp_path / "parts", 4)
    executor = InProcessExecutor(batch_rows=10)
    steps = executor.run(open_source(tmp_path / "parts", "production"), SUM)
    next(steps)
    steps.close()
    assert executor.batches == 1


def test_merge_all_is_the_sequential_merge():
    states = [(1, float(i), (i,)) for i in range(11)]
    assert merge_all(SUM, states) == (11, 55.0, tuple(range(11)))


def test_files_disagreeing_on_a_type_name_both_files_and_the_column(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(folder / "part-0.parquet")
    pd.DataFrame({"a": [1, 2], "b": [1.5, 2.5]}).to_parquet(folder / "part-1.parquet")
    with pytest.raises(InputError) as error:
        open_source(folder, "production")
    message = str(error.value)
    assert "part-0.parquet" in message and "part-1.parquet" in message and "'b'" in message
    assert error.value.column == "b"


def test_a_truncated_file_is_named(tmp_path):
    folder = tmp_path / "parts"
    paths = _write_parts(_frame(500), folder, 2)
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as error:
        open_source(folder, "production")
    assert str(paths[1]) in str(error.value) and "truncated" in str(error.value)


def test_a_glob_matching_nothing_and_an_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no production file matches"):
        open_source(str(tmp_path / "*.parquet"), "production")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no data files"):
        open_source(tmp_path / "empty", "production")


def test_the_census_data_streams_as_loaded(tmp_path):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    path = EMPLOYMENT / "reference.parquet"
    loaded = load_dataset(path).frame
    streamed = _read_all(path, batch_rows=10_000)
    pd.testing.assert_frame_equal(streamed, loaded)
    copy = tmp_path / "copies"
    copy.mkdir()
    shutil.copy(path, copy / "a.parquet")
    assert open_source(copy, "reference").rows == len(loaded)


def test_csv_and_feather_read_as_the_loader(tmp_path):
    frame = _frame(300)
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_feather(tmp_path / "t.feather")
    for name in ("t.csv", "t.feather"):
        pd.testing.assert_frame_equal(_read_all(tmp_path / name, batch_rows=64),
                                      load_dataset(tmp_path / name).frame)
