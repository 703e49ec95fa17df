"""Quality streamed equals quality in memory: on generated data whatever the batching (hypothesis), on the census
data, and for a folder, a hive folder and a glob of the same rows; duplicates are counted by value even when two
different rows share a hash."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assay.engine.config import AuditConfig
from assay.engine.progress import drain
from assay.engine.quality import partials, spill
from assay.engine.quality.calculator import QualityCalculator
from assay.engine.schema import infer_schema
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.run import StreamRun, iter_stream
from assay.engine.streaming.sources import open_source
from assay.engine.tables import load_dataset

from tests.conftest import EMPLOYMENT


def _tables(rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def table(n: int, shift: float, cities: list[str]) -> pd.DataFrame:
        x = rng.normal(shift, 1, n)
        x[rng.random(n) < 0.05] = np.nan
        x[rng.random(n) < 0.01] = np.inf
        frame = pd.DataFrame({
            "x": x,
            "age": rng.integers(18, 90, n),
            "city": rng.choice(cities, n).astype(object),
            "code": rng.choice([1.0, 2.0, 3.0, np.nan], n),
            "flag": rng.random(n) < 0.3,
            "target": rng.integers(0, 2, n),
            "year": rng.choice([2015, 2016], n),
        })
        frame.loc[rng.random(n) < 0.1, "city"] = None
        repeat = rng.choice(n, n // 20)  # duplicate rows
        frame.iloc[np.sort(rng.choice(n, len(repeat), replace=False))] = frame.iloc[repeat].to_numpy()
        return frame.astype({"age": "int64", "target": "int64", "year": "int64", "flag": "bool", "city": "str"})

    return table(rows, 0.0, ["a", "b", "c"]), table(rows + 37, 0.4, ["a", "b", "d", "e", "f"])


def _write(frame: pd.DataFrame, path, row_group: int) -> None:
    frame.to_parquet(path, index=False, row_group_size=row_group)


def _in_memory(reference_path, production_path):
    reference, production = load_dataset(reference_path).frame, load_dataset(production_path).frame
    schema = infer_schema(reference, production, AuditConfig())
    return schema, QualityCalculator(schema).fit(reference).calculate(production), production


def _streamed(schema, reference, production, batch_rows: int, sample=None):
    run = StreamRun(config=AuditConfig(), schema=schema, reference=open_source(reference, "reference"),
                    production=open_source(production, "production"), executor=InProcessExecutor(batch_rows),
                    sample=sample)
    return drain(iter_stream(partials.stream(run), run, "quality", 0.0, 1.0))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quality")
    reference, production = _tables(1500, seed=3)
    _write(reference, folder / "reference.parquet", 400)
    _write(production, folder / "production.parquet", 333)
    schema, expected, production_frame = _in_memory(folder / "reference.parquet", folder / "production.parquet")
    return folder, schema, expected, production_frame


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch_rows=st.integers(min_value=1, max_value=2000))
def test_any_batching_gives_the_in_memory_result(written, batch_rows):
    folder, schema, expected, production = written
    batch_rows = batch_rows if batch_rows > 40 else batch_rows * 7 + 1  # rows-at-a-time batches are slow to test
    got = _streamed(schema, folder / "reference.parquet", folder / "production.parquet", batch_rows,
                    sample={"production": production})
    assert got == expected


def test_the_generated_data_has_what_quality_looks_for(written):
    _, _, expected, _ = written
    assert expected.duplicates_reference > 0 and expected.duplicates_production > 0
    city = expected.column("city")
    assert {name for name, _ in city.unseen_categories} == {"d", "e", "f"} and city.unseen_share > 0
    assert expected.column("x").infinite_production > 0 and expected.column("x").out_of_range is not None


def test_in_memory_quality_matches_pandas_on_whole_columns(written):
    """The partial states against the whole-column pandas calls they replace."""
    folder, _, expected, production = written
    reference = load_dataset(folder / "reference.parquet").frame
    assert expected.duplicates_reference == int(reference.duplicated().sum())
    assert expected.duplicates_production == int(production.duplicated().sum())
    for name in production.columns:
        column = expected.column(name)
        assert column.distinct_production == production[name].nunique()
        assert column.missing_production == production[name].isna().mean()
    city = production["city"].dropna().astype(str)
    unseen = city[~city.isin(set(reference["city"].dropna().astype(str)))].value_counts()
    assert expected.column("city").unseen_categories == tuple((str(k), int(v)) for k, v in unseen.items())
    x = reference["x"].to_numpy()
    finite = x[np.isfinite(x)]
    assert (expected.column("x").reference_min, expected.column("x").reference_max) == (finite.min(), finite.max())


def test_a_folder_a_hive_folder_and_a_glob_give_the_single_file_result(written, tmp_path):
    folder, schema, expected, production = written
    frame = load_dataset(folder / "production.parquet").frame
    plain = tmp_path / "plain"
    plain.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 4)):
        _write(frame.iloc[part], plain / f"part-{i}.parquet", 150)
    sample = {"production": production}
    assert _streamed(schema, folder / "reference.parquet", plain, 256, sample) == expected
    assert _streamed(schema, folder / "reference.parquet", str(plain / "part-*.parquet"), 256, sample) == expected
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(frame, preserve_index=False), hive, partition_cols=["year"])
    hived = _streamed(schema, folder / "reference.parquet", hive, 256, sample)
    assert hived.columns == expected.columns  # rows come partition by partition: the statistics are the same
    assert (hived.duplicates_production, hived.rows_production) == (expected.duplicates_production,
                                                                   expected.rows_production)


def test_census_data_streamed_equals_in_memory():
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    schema, expected, production = _in_memory(EMPLOYMENT / "reference.parquet", EMPLOYMENT / "production.parquet")
    got = _streamed(schema, EMPLOYMENT / "reference.parquet", EMPLOYMENT / "production.parquet", 50_000,
                    sample={"production": production})
    assert got == expected


def test_rows_sharing_a_hash_are_not_counted_as_duplicates(monkeypatch):
    """Every row hashed alike: the candidates are compared by value, so only the equal rows count."""
    frame = pd.DataFrame({"a": [1, 2, 1, 3, 2, 1], "b": ["x", "y", "x", "x", "z", "x"]})
    monkeypatch.setattr(partials, "row_hashes", lambda batch, factorized=None: np.zeros(len(batch), dtype=np.uint64))
    context = partials.QualityContext(plans=())
    state = partials.table_state(frame, context)
    assert partials.frame_duplicates(frame, state) == int(frame.duplicated().sum()) == 2


def test_unhashable_cells_are_compared_by_text():
    frame = pd.DataFrame({"a": [[1, 2], [1, 2], [3]], "b": [1, 1, 1]})
    state = partials.table_state(frame, partials.QualityContext(plans=()))
    assert partials.frame_duplicates(frame, state) == 1


@pytest.fixture
def tiny_spills(monkeypatch):
    """Spill after every few values into 4 partitions, and count the files written."""
    written = []
    write = spill.write

    def counted(*args, **kwargs):
        written.append(write(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(spill, "write", counted)
    monkeypatch.setattr(partials, "spill_plan",
                        lambda run, folder: spill.SpillPlan(folder=folder, budget=200, partitions=4, least=1))
    return written


@pytest.mark.parametrize("batch_rows", [97, 600, 1500])  # 1500: numbers kept as they come (PROBE)
def test_spilled_to_disk_gives_the_in_memory_result(written, tiny_spills, batch_rows):
    folder, schema, expected, production = written
    got = _streamed(schema, folder / "reference.parquet", folder / "production.parquet", batch_rows,
                    sample={"production": production})
    assert got == expected
    assert any(s.rows_path for s in tiny_spills) and any(len(s.paths) == 4 for s in tiny_spills)  # hashes, text


def test_the_census_data_spilled_gives_the_in_memory_result(tiny_spills):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    schema, expected, production = _in_memory(EMPLOYMENT / "reference.parquet", EMPLOYMENT / "production.parquet")
    got = _streamed(schema, EMPLOYMENT / "reference.parquet", EMPLOYMENT / "production.parquet", 50_000,
                    sample={"production": production})
    assert got == expected and tiny_spills


@given(st.lists(st.one_of(st.integers(-2**40, 2**40), st.floats(allow_nan=False)), min_size=1, max_size=30))
def test_values_pandas_counts_as_equal_share_a_partition(values):
    floats = np.array([float(v) for v in values] + [-0.0, 0.0])
    part = spill.partition_of(floats, 8)
    unique, first = np.unique(floats, return_index=True)  # numpy's unique also holds -0.0 == 0.0
    for value, at in zip(unique, first):
        assert set(part[floats == value]) == {part[at]}
    ints = np.array([v for v in values if isinstance(v, int)], dtype=np.int64)
    assert np.array_equal(spill.partition_of(ints, 8), spill.partition_of(ints.astype(float), 8))
    assert len(pd.unique(floats)) == sum(len(pd.unique(floats[part == p])) for p in range(8))


def test_mixed_python_objects_stay_in_memory():
    assert not spill.spillable(np.array([1, 1.0, "1"], dtype=object))
    assert spill.spillable(np.array(["a", "b"], dtype=object)) and spill.spillable(np.array([1.5, 2.0]))


def test_one_batch_of_nearly_distinct_numbers_with_repeats_counts_them_once(tmp_path):
    """A batch of numbers nearly all distinct is kept as it came (not made distinct batch by batch); read in one
    batch, it is the only piece, and its repeats must still count once (the demo's income: 11,939 values, 11,928
    distinct)."""
    rng = np.random.default_rng(5)
    values = rng.normal(size=5000)
    values[4990:] = values[:10]  # ten repeats among 5,000 values: still "nearly distinct"
    frame = pd.DataFrame({"x": values, "k": rng.choice(["a", "b"], 5000)})
    for name in ("reference", "production"):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / f"{name}.parquet")
    schema, expected, production = _in_memory(tmp_path / "reference.parquet", tmp_path / "production.parquet")
    got = _streamed(schema, tmp_path / "reference.parquet", tmp_path / "production.parquet", 262_144,
                    sample={"production": production})
    assert got == expected
    assert frame["x"].nunique() == 4990


def test_closing_while_the_distinct_values_are_counted_stops_within_a_chunk(written, monkeypatch, tmp_path):
    """The counting after a pass (tens of seconds at 100,000,000 rows) yields an event between chunks: closing the
    audit there counts no further chunk and removes the spill's folder (a cancel once waited for every column)."""
    import tempfile

    folder, schema, _, _ = written
    monkeypatch.setattr(partials, "COUNTING_EVENT_S", 0.0)  # an event after every chunk
    monkeypatch.setattr(partials, "spill_plan",
                        lambda run, where: spill.SpillPlan(folder=where, budget=200, partitions=4, least=1))
    monkeypatch.setattr(spill, "CHUNK", 64)  # many small chunks
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    counted = []
    count = partials._count_distinct
    monkeypatch.setattr(partials, "_count_distinct", lambda values, counter: counted.append(1) or count(values,
                                                                                                     counter))
    run = StreamRun(config=AuditConfig(), schema=schema, reference=open_source(folder / "reference.parquet",
                                                                                "reference"),
                    production=open_source(folder / "production.parquet", "production"),
                    executor=InProcessExecutor(200))
    steps = iter_stream(partials.stream(run), run, "quality", 0.0, 1.0)
    for event in steps:
        if "counting the distinct values of production" in event.message:
            break
    assert "Quality: counting the distinct values of production column 1 of" in event.message
    chunks = len(counted)
    steps.close()
    assert len(counted) == chunks  # no chunk counted after the close
    spill.wait_deleted()  # (deleted in a thread of its own: the close does not wait for it)
    assert not any(p.name.startswith("assay-quality-") for p in tmp_path.iterdir())  # its spill folder is gone
