"""The streamed audit: which path [compute] chooses, the census data streamed as a folder gives the in-memory
quality, the schema's sample is seeded, and closing the audit stops the read between two batches."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from assay.engine.config import AuditConfig
from assay.engine.pipeline import iter_audit, run_audit
from assay.engine.progress import drain
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.pipeline import choose_path, iter_streamed_audit, sample_frame
from assay.engine.streaming.sources import open_source

from tests.conftest import EMPLOYMENT


def _config(reference, production, **compute) -> AuditConfig:
    config = AuditConfig().replace("data", reference=reference, production=production)
    return config.replace("compute", **compute) if compute else config


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(["a", "b"], 3000)})
    frame.to_parquet(tmp_path / "a.parquet", index=False, row_group_size=500)
    (tmp_path / "parts").mkdir()
    frame.iloc[:1000].to_parquet(tmp_path / "parts" / "p-0.parquet", index=False)
    frame.iloc[1000:].to_parquet(tmp_path / "parts" / "p-1.parquet", index=False)
    return tmp_path


def test_the_path_follows_compute_and_the_inputs(files):
    single = files / "a.parquet"
    assert choose_path(_config(single, single)) == "memory"
    assert choose_path(_config(single, files / "parts")) == "streamed"
    assert choose_path(_config(single, str(files / "parts" / "*.parquet"))) == "streamed"
    assert choose_path(_config(single, single, path="streamed")) == "streamed"
    assert choose_path(_config(single, files / "parts", path="memory")) == "memory"
    assert choose_path(_config(single, single, memory_limit_mb=0)) == "memory"
    tiny = _config(single, single, memory_limit_mb=1)
    assert choose_path(tiny) == "memory"  # 3,000 rows are far below a megabyte
    big = files / "big.parquet"
    pd.DataFrame({"x": np.arange(400_000, dtype=float)}).to_parquet(big)
    assert choose_path(_config(big, big, memory_limit_mb=1)) == "streamed"


def test_the_sample_is_seeded_and_all_rows_when_few(files):
    source = open_source(files / "a.parquet", "reference")
    whole = sample_frame(source, 5000, seed=0)
    assert len(whole) == 3000 and list(whole.index) == list(range(3000))
    a, b = sample_frame(source, 700, seed=1), sample_frame(source, 700, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 700 and a.index.is_monotonic_increasing
    assert not sample_frame(source, 700, seed=2).index.equals(a.index)


def test_the_census_data_as_a_folder_gives_the_in_memory_quality(tmp_path):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    folder = tmp_path / "production"
    folder.mkdir()
    frame = pd.read_parquet(EMPLOYMENT / "production.parquet")
    for year, part in frame.groupby("year", sort=True):
        part.to_parquet(folder / f"year-{year}.parquet")
    sorted_file = tmp_path / "sorted.parquet"
    pd.concat([p for _, p in frame.groupby("year", sort=True)]).to_parquet(sorted_file)
    memory = run_audit(_config(EMPLOYMENT / "reference.parquet", sorted_file).replace("columns", target="employed"))
    streamed = run_audit(_config(EMPLOYMENT / "reference.parquet", folder).replace("columns", target="employed"))
    assert memory.provenance.compute["path"] == "memory" and streamed.provenance.compute["path"] == "streamed"
    assert streamed.quality == memory.quality
    assert [f for f in streamed.findings if f.analysis == "quality"] == \
        [f for f in memory.findings if f.analysis == "quality"]
    statuses = {a.name: a.status for a in streamed.analyses}  # the prediction columns, read batch by batch
    assert statuses["predictions"] == statuses["performance"] == statuses["fairness"] == "ran"
    assert streamed.predictions == memory.predictions and streamed.performance == memory.performance


@pytest.mark.parametrize("beside", [False, True])
def test_closing_the_streamed_audit_stops_between_two_batches(files, monkeypatch, beside):
    """One analysis at a time, the audit stops after the batch it showed last; with data quality beside the others
    (in a thread of its own, not paced by the progress it shows), nothing more is mapped once closed and no thread
    is left."""
    import threading
    import time

    from assay.engine.streaming import pipeline
    from assay.engine.streaming.beside import THREAD_NAME

    monkeypatch.setattr(pipeline, "BESIDE", beside)
    executor = InProcessExecutor(batch_rows=50)
    steps = iter_streamed_audit(_config(files / "a.parquet", files / "parts", path="streamed"), executor)
    seen = []
    for event in steps:
        if event.rows_done is not None:
            seen.append(event)
            if len(seen) == 3:
                break
    steps.close()
    mapped = executor.batches
    assert not [t for t in threading.enumerate() if t.name in (THREAD_NAME, "assay-read-ahead")]
    if not beside:
        assert mapped == 3
    time.sleep(0.3)
    assert executor.batches == mapped  # nothing runs on after the close
    assert seen[-1].rows_per_second > 0 and "rows/s" in seen[-1].message


def test_iter_audit_streams_a_glob(files):
    report = drain(iter_audit(_config(files / "a.parquet", str(files / "parts" / "p-*.parquet"))))
    assert report.provenance.compute["rows"] == {"reference": 3000, "production": 3000}
    assert report.quality.duplicates_production == 0 and report.quality.rows_production == 3000
    copy = files / "copy"
    shutil.copytree(files / "parts", copy)
    again = run_audit(_config(files / "a.parquet", copy))
    assert again.quality == report.quality


def test_a_data_only_audit_moves_the_bar_with_the_rows_it_reads(files, monkeypatch):
    """The bar once jumped to two thirds as the drift began (the slices of the analyses that cannot run without
    predictions, and of the predictions, stayed in place), and each of the drift's passes took half of what was
    left, so a pass over the small reference took as much as the next over the large production."""
    from assay.engine.streaming import pipeline

    monkeypatch.setattr(pipeline, "BESIDE", False)  # one analysis after the other: the bar is theirs alone
    big = pd.concat([pd.read_parquet(files / "a.parquet")] * 10, ignore_index=True)
    big.to_parquet(files / "big.parquet", index=False, row_group_size=3000)
    steps = iter_streamed_audit(_config(files / "a.parquet", files / "big.parquet", path="streamed"),
                                InProcessExecutor(batch_rows=500))
    events = list(_events(steps))
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions)
    analysed = [e.fraction for e in events if e.stage in ("quality", "drift", "findings")]
    assert max(b - a for a, b in zip(analysed, analysed[1:])) < 0.05  # no jump over analyses that cannot run
    spans: dict[tuple[str, str], list[float]] = {}
    for event in events:
        if event.rows_done is not None:  # "drift: ranges: 500 of 30,000 production rows (... rows/s)"
            name, role = event.message.rsplit(":", 1)[0], event.message.split(" rows (")[0].rsplit(" ", 1)[1]
            spans.setdefault((name, role), []).append(event.fraction)
    width = {key: max(f) - min(f) for key, f in spans.items()}
    for name in ("drift: ranges", "drift: buckets"):  # 30,000 production rows against 3,000 reference rows
        assert width[(name, "production")] > 5 * width[(name, "reference")], name


def _events(steps):
    try:
        while True:
            yield next(steps)
    except StopIteration:
        return


def test_an_extra_pass_takes_its_share_without_pushing_the_expected_ones_aside(files):
    """Quality expects a reference and a production pass, and may read the reference again for its duplicate rows:
    that pass takes its rows' share of what is left, and the large production pass still gets the most of the
    slice; the bar never goes back nor leaves the slice."""
    from assay.engine.streaming.passes import Pass
    from assay.engine.streaming.run import StreamRun, iter_stream

    pd.concat([pd.read_parquet(files / "a.parquet")] * 10, ignore_index=True).to_parquet(files / "big.parquet")
    reference, production = open_source(files / "a.parquet", "reference"), open_source(files / "big.parquet",
                                                                                         "production")
    run = StreamRun(config=AuditConfig(), schema=None, reference=reference, production=production,
                    executor=InProcessExecutor(batch_rows=500))

    def stream():
        for role in ("reference", "reference", "production"):  # the second: an extra pass
            yield Pass(f"count {role}", role, ("x",), _rows, _add)
        return "done"

    events = list(_events(iter_stream(stream(), run, "toy", 0.2, 0.8, ("reference", "production"))))
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and 0.2 <= fractions[0] and fractions[-1] == pytest.approx(0.8)
    production_pass = [e.fraction for e in events if "production rows" in e.message]
    assert production_pass[-1] - min(fractions[-len(production_pass) - 1:]) > 0.75 * 0.6  # 30,000 of 36,000 rows


def _rows(batch, context):
    return len(batch)


def _add(a, b):
    return a + b
