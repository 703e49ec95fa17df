"""Reading large tables in batches: progress, cancel, types across blocks, one-pass SHA-256, memory refusal.

The figures for a file of several GB (time, peak memory, cancel latency) are in bench/large_csv.py.
"""
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

import assay.engine.arrow_frames as arrow_frames
import assay.engine.csv_reader as csv_reader
import assay.engine.tables as tables
from assay.engine.csv_reader import MISSING_TOKENS
from assay.engine.errors import InputError
from assay.engine.tables import iter_load_dataset, load_dataset


def run(steps):
    """All the fractions a read yields, and what it returns."""
    fractions = []
    while True:
        try:
            fractions.append(next(steps))
        except StopIteration as stop:
            return fractions, stop.value


def open_fds_to(path: Path) -> int:
    """How many of this process's file descriptors point at `path` (Linux)."""
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            pass
    return count


def demo_like(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(10.5, 0.5, rows), 2)
    income[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame({
        "application_id": [f"A{i:07d}" for i in range(rows)],
        "application_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, rows), "min"),
        "age": rng.integers(18, 86, rows),
        "sex": rng.choice(["female", "male"], rows),
        "income": income,
        "employment_type": rng.choice(["salaried", "self-employed", "contractor", "gig économie", None], rows),
        "debt_to_income": np.round(rng.random(rows), 3),
        "has_guarantor": rng.random(rows) < 0.2,
        "default": rng.integers(0, 2, rows),
    })


@pytest.fixture(scope="module")
def csv_50mb(tmp_path_factory):
    """A CSV of about 50 MB: a 4 MB block of rows written 12 times."""
    path = tmp_path_factory.mktemp("large") / "applications.csv"
    header, _, body = demo_like(60_000).to_csv(index=False).partition("\n")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for _ in range(12):
            handle.write(body)
    assert path.stat().st_size > 45e6
    return path


def test_a_50mb_csv_reads_with_progress_up_to_one_and_equals_a_one_shot_read(csv_50mb):
    fractions, dataset = run(iter_load_dataset(csv_50mb, "production"))
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert len(fractions) >= 7  # one step per 8 MB block at least, and the conversion's columns
    # the same frame as pyarrow's one-shot read (what load_dataset did before it streamed) ...
    convert = pacsv.ConvertOptions(null_values=list(MISSING_TOKENS), strings_can_be_null=True,
                                   quoted_strings_can_be_null=True)
    expected = pacsv.read_csv(csv_50mb, convert_options=convert).to_pandas()
    pd.testing.assert_frame_equal(dataset.frame, expected)
    # ... and the same values as pandas' own CSV parser
    by_pandas = pd.read_csv(csv_50mb)
    assert len(dataset.frame) == len(by_pandas) == 720_000
    for column in ("age", "income", "debt_to_income", "default"):
        np.testing.assert_array_equal(dataset.frame[column].to_numpy(float), by_pandas[column].to_numpy(float))
    assert dataset.frame["employment_type"].fillna("?").tolist() == by_pandas["employment_type"].fillna("?").tolist()
    assert (pd.to_datetime(by_pandas["application_date"]) == dataset.frame["application_date"]).all()
    # the SHA-256 computed while reading is the file's
    assert dataset.info.sha256 == hashlib.sha256(csv_50mb.read_bytes()).hexdigest()
    assert (dataset.info.rows, dataset.info.columns, dataset.sampled) == (720_000, 9, False)
    assert dataset.info.detail == "CSV, comma-delimited, utf-8"


def test_closing_the_read_mid_way_cancels_it_and_closes_the_file(csv_50mb, monkeypatch):
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 20)
    steps = iter_load_dataset(csv_50mb)
    fraction = next(steps)
    while fraction < 0.4:
        fraction = next(steps)
    assert fraction < 0.9  # still reading the file
    assert open_fds_to(csv_50mb) >= 1
    steps.close()
    assert open_fds_to(csv_50mb) == 0
    with pytest.raises(StopIteration):
        next(steps)
    # and the next read is whole
    assert load_dataset(csv_50mb).info.rows == 720_000


def test_a_cancelled_parquet_read_stops_between_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "TABLE_BATCH_ROWS", 1000)
    path = tmp_path / "t.parquet"
    demo_like(20_000).to_parquet(path, row_group_size=5000)
    steps = iter_load_dataset(path)
    fractions = [next(steps) for _ in range(5)]
    steps.close()
    assert fractions == sorted(fractions) and fractions[-1] < 0.5


@pytest.mark.parametrize("late, dtype, values", [
    ("abc", "str", ["5", "abc"]),  # ints, then text: the column is text, the ints kept as written
    ("2.5", "float64", [5.0, 2.5]),  # ints, then a decimal: floats
    ("7", "float64", [np.nan, 7.0]),  # empty, then a number: a number
])
def test_a_type_change_after_the_first_block_widens_the_column(tmp_path, monkeypatch, late, dtype, values):
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 16)
    path = tmp_path / "t.csv"
    first = "" if late == "7" else "5"
    rows = [f"{first},{i},x{i % 7}" for i in range(50_000)]  # about 0.6 MB: many blocks before the change
    path.write_text("a,b,c\n" + "\n".join(rows) + f"\n{late},1,y\n", encoding="utf-8")
    fractions, dataset = run(iter_load_dataset(path))
    frame = dataset.frame
    assert str(frame["a"].dtype) == dtype
    got = frame["a"].iloc[[0, -1]].tolist()
    if dtype == "float64":
        np.testing.assert_array_equal(np.array(got, float), np.array(values, float))
    else:
        assert got == values
    assert frame["b"].dtype == np.int64 and len(frame) == 50_001
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert dataset.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # after reading twice


def test_ragged_rows_after_the_first_block_keep_their_message(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 16)
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "1,2\n" * 40_000 + "3,4,5\n")
    with pytest.raises(InputError, match="different numbers of fields") as info:
        load_dataset(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".feather"])
def test_a_table_that_would_not_fit_in_memory_is_refused_before_it_is_read(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"t{suffix}"
    frame = demo_like(5000)
    {".csv": lambda p: frame.to_csv(p, index=False), ".parquet": frame.to_parquet,
     ".feather": frame.to_feather}[suffix](path)
    monkeypatch.setattr(arrow_frames, "available_memory", lambda: 100_000)
    with pytest.raises(InputError) as info:
        load_dataset(path, "production")
    message = str(info.value)
    assert str(path) in message
    assert "production data needs about" in message and "in memory" in message
    assert "100 kB available" in message and "sample the file" in message
    monkeypatch.setattr(arrow_frames, "available_memory", lambda: None)  # unknown: read
    assert load_dataset(path).info.rows == 5000


def test_the_estimate_scales_the_first_block_to_the_file(tmp_path, monkeypatch):
    """A 50 MB file whose first block alone fits is refused from its estimate, before the rest is read."""
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 20)
    path = tmp_path / "t.csv"
    path.write_text("a,b\n" + "123456,0.25\n" * 4_000_000)  # 48 MB on disk, 64 MB as two columns
    seen = []
    monkeypatch.setattr(arrow_frames, "available_memory", lambda: seen.append(1) or 50_000_000)
    with pytest.raises(InputError, match="needs about 6[0-9] MB in memory"):
        run(iter_load_dataset(path))
    assert seen == [1]


def test_parquet_and_feather_read_in_batches_equal_pandas(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "TABLE_BATCH_ROWS", 3000)
    frame = demo_like(20_000).set_index("application_id")
    frame["sex"] = frame["sex"].astype("category")
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, row_group_size=4000)
    fractions, dataset = run(iter_load_dataset(path))
    pd.testing.assert_frame_equal(dataset.frame, pd.read_parquet(path))  # index and categories restored
    assert len(fractions) > 7 and fractions == sorted(fractions)
    assert dataset.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()

    plain = demo_like(20_000)
    path = tmp_path / "t.feather"
    plain.to_feather(path, chunksize=2500)
    fractions, dataset = run(iter_load_dataset(path))
    pd.testing.assert_frame_equal(dataset.frame, pd.read_feather(path))
    assert len(fractions) > 8 and fractions == sorted(fractions)
    assert dataset.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sample_reads_the_first_rows_only(csv_50mb, tmp_path):
    dataset = load_dataset(csv_50mb, sample_bytes=10 << 20)
    assert dataset.sampled and dataset.info.sha256 == ""
    assert 60_000 < len(dataset.frame) < 720_000  # whole 8 MB blocks: 10 MB asked, 3 blocks read
    assert dataset.frame["application_id"].iloc[0] == "A0000000"
    path = tmp_path / "t.parquet"
    demo_like(50_000).to_parquet(path, row_group_size=5000)
    sampled = load_dataset(path, sample_bytes=100_000)
    assert sampled.sampled and len(sampled.frame) < 50_000
    whole = load_dataset(path, sample_bytes=1 << 30)  # smaller than the sample: read whole, hashed
    assert not whole.sampled and len(whole.frame) == 50_000 and whole.info.sha256
    for content in ("a,b\n1,x\n2,y\n", "a;b\n1;Zoë\n"):  # UTF-8, and cp1252 (decoded in memory for a sample)
        small = tmp_path / "small.csv"
        small.write_bytes(content.encode("utf-8" if "," in content else "cp1252"))
        whole = load_dataset(small, sample_bytes=1 << 20)
        assert not whole.sampled and whole.info.sha256 == hashlib.sha256(small.read_bytes()).hexdigest()


def test_the_audit_load_stage_shows_each_read_and_a_close_during_it_cancels(tmp_path, monkeypatch):
    from assay.engine.config import AuditConfig
    from assay.engine.pipeline import iter_audit

    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 18)
    paths = []
    for seed, name in enumerate(("reference.csv", "production.csv")):
        path = tmp_path / name
        demo_like(40_000, seed).to_csv(path, index=False)  # about 3.5 MB: 14 blocks
        paths.append(path)
    config = AuditConfig().replace("data", reference=paths[0], production=paths[1])
    events = iter_audit(config)
    loads = []
    while not loads or loads[-1].stage == "load":
        loads.append(next(events))
    loads.pop()
    fractions = [e.fraction for e in loads]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] <= 0.12 + 1e-9
    assert len(loads) > 20
    assert {e.message for e in loads} == {"Reading the reference data", "Reading the production data"}
    assert max(e.fraction for e in loads if "reference" in e.message) <= 0.06 + 1e-9
    events.close()

    events = iter_audit(config)  # cancelled while reading the production file
    event = next(events)
    while "production" not in event.message or event.fraction < 0.08:
        event = next(events)
    assert open_fds_to(paths[1]) >= 1
    events.close()
    assert open_fds_to(paths[1]) == 0 and open_fds_to(paths[0]) == 0


def test_a_small_parquet_file_that_expands_in_memory_is_judged_by_its_contents(tmp_path, monkeypatch):
    """Dictionary-encoded pages store a repeated text once; in memory it is there on every row."""
    path = tmp_path / "t.parquet"
    pd.DataFrame({"note": ["a long repeated comment, " * 8] * 200_000, "x": np.arange(200_000)}).to_parquet(path)
    in_memory = 200_000 * (200 + 8)
    assert path.stat().st_size < in_memory / 20
    monkeypatch.setattr(arrow_frames, "available_memory", lambda: in_memory)  # fits once, not while reading
    with pytest.raises(InputError, match=r"needs about 4[0-9] MB in memory .* 42 MB available"):
        load_dataset(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".feather"])
def test_a_sample_of_a_table_that_would_not_fit_is_refused_too(tmp_path, monkeypatch, suffix):
    """The Setup page reads a sample; it says at once what the audit would say."""
    path = tmp_path / f"t{suffix}"
    frame = demo_like(5000)
    {".csv": lambda p: frame.to_csv(p, index=False), ".parquet": frame.to_parquet,
     ".feather": frame.to_feather}[suffix](path)
    monkeypatch.setattr(arrow_frames, "available_memory", lambda: 100_000)
    with pytest.raises(InputError, match="100 kB available"):
        load_dataset(path, sample_bytes=1000)


def rich_frame(rows: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    counts = pd.array(rng.integers(0, 9, rows), dtype="Int64")
    counts[::7] = pd.NA
    flags = pd.array(rng.random(rows) < 0.5, dtype="boolean")
    flags[::5] = pd.NA
    return pd.DataFrame({
        "counts": counts, "flags": flags,
        "when": pd.date_range("2025-03-30", periods=rows, freq="17min", tz="Europe/Paris"),
        "grade": pd.Categorical(rng.choice(["low", "mid", "high"], rows), ["low", "mid", "high"], ordered=True),
        "text": pd.array(rng.choice(["a", "b", None], rows), dtype="string"),
        "x": rng.normal(size=rows),
    }, index=pd.RangeIndex(10, 10 + 2 * rows, 2))


@pytest.mark.parametrize("index", ["range", "column", "two columns"])
@pytest.mark.parametrize("kind", ["parquet", "feather"])
def test_tables_written_by_pandas_come_back_as_pandas_reads_them(tmp_path, monkeypatch, kind, index):
    """Converted a column at a time (a cancel between columns), with the dtypes and index pandas restores."""
    monkeypatch.setattr(tables, "TABLE_BATCH_ROWS", 700)
    frame = rich_frame()
    if index == "column":
        frame = frame.set_index(pd.Index([f"id{i}" for i in range(len(frame))], name="id"))
    elif index == "two columns":
        frame = frame.set_index(["grade", "x"], drop=False).rename_axis(["g", "xi"])
    path = tmp_path / f"t.{kind}"
    if kind == "parquet":
        frame.to_parquet(path, row_group_size=1000)
        expected = pd.read_parquet(path)
    else:
        if index != "range":
            frame = frame.reset_index()  # Feather keeps no index
        frame.to_feather(path, chunksize=500)
        expected = pd.read_feather(path)
    fractions, dataset = run(iter_load_dataset(path))
    pd.testing.assert_frame_equal(dataset.frame, expected)
    converting = [f for f in fractions if 0.8 < f < 1.0]
    assert len(converting) >= dataset.frame.shape[1] - 1  # a step per column


CANCEL_AND_EXIT = """
import sys, tempfile
from pathlib import Path
import assay.engine.tables as tables
steps = tables.iter_load_dataset(sys.argv[1], sample_bytes=int(sys.argv[3]) or None)
fraction = next(steps)
while fraction < float(sys.argv[2]):
    fraction = next(steps)
steps.close()
print(fraction, sorted(str(p) for p in Path(tempfile.gettempdir()).glob("assay-*.csv")))
"""


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_read_cancelled_just_before_the_process_exits_leaves_nothing_behind(tmp_path, encoding):
    """pyarrow reads ahead on its own thread: nothing of ours may run there after a cancel (a Python file
    object or codec called from it aborted the interpreter at exit), and no temporary copy is left."""
    import subprocess
    import sys

    path = tmp_path / "t.csv"
    text = "name;city;n\n" + "".join(f"Zoë {i};Besançon;{i}\n" for i in range(2_500_000))
    path.write_bytes(text.encode(encoding))  # 70-140 MB: pyarrow is still reading ahead at the exit
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "TMPDIR": str(tmp_path)}
    for at, sample in ((0.05, 0), (0.6, 0), (0.0, 2 << 20), (0.05, 0), (0.05, 0), (0.0, 2 << 20)):
        done = subprocess.run([sys.executable, "-c", CANCEL_AND_EXIT, str(path), str(at), str(sample)],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip().endswith("[]")  # no temporary UTF-8 copy left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_a_file_in_another_encoding_is_read_whole_the_same_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "CSV_BLOCK", 1 << 16)
    path = tmp_path / "t.csv"
    text = "name;city;n\n" + "".join(f"Zoë {i};Besançon — Île;{i}\n" for i in range(50_000))
    path.write_bytes(text.encode("utf-16"))
    fractions, dataset = run(iter_load_dataset(path))
    assert dataset.frame["name"].iloc[-1] == "Zoë 49999" and dataset.frame["n"].sum() == sum(range(50_000))
    assert dataset.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dataset.info.detail == "CSV, semicolon-delimited, utf-16"
    assert fractions == sorted(fractions) and len(fractions) > 10
    sample = load_dataset(path, sample_bytes=200_000)
    assert sample.sampled and 0 < len(sample.frame) < 50_000
    assert sample.frame["city"].iloc[0] == "Besançon — Île"
