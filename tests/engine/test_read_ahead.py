"""Reading ahead (engine/streaming/read_ahead.py) and the in-process executor that reads the next batch while it
maps the current one: the same batches, states and progress as reading one after the other; closing stops the
reader thread and leaves none behind; a read error is raised in the caller's thread as the same InputError."""
from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from assay.engine.errors import InputError
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.read_ahead import THREAD_NAME, read_ahead
from assay.engine.streaming.sources import open_source


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def _batch_map(batch: pd.DataFrame, context) -> tuple:
    """Everything that tells a batch apart: its rows, its values, its dtypes."""
    return ((batch.index[0] if len(batch) else None, len(batch), tuple(map(str, batch.dtypes)),
             float(batch["x"].sum()), tuple(batch["c"].value_counts(dropna=False).sort_index().items())),)


def _concat(a: tuple, b: tuple) -> tuple:
    return a + b


BATCHES = Pass(name="batches", role="production", columns=None, map=_batch_map, merge=_concat)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(size=2500), "n": rng.integers(0, 9, 2500),
                          "c": rng.choice(["a", "b", None], 2500)})
    for i, rows in enumerate(np.array_split(np.arange(2500), 3)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False, row_group_size=300)
    return folder


def _run(executor: InProcessExecutor, source, step: Pass = BATCHES) -> tuple[list, object]:
    steps = executor.run(source, step)
    events = []
    try:
        while True:
            events.append(next(steps))
    except StopIteration as stop:
        return events, stop.value


@pytest.mark.parametrize("batch_rows", [1, 64, 1 << 18])
@pytest.mark.parametrize("depth", [1, 2])
def test_reading_ahead_gives_the_batches_states_and_progress_of_reading_in_turn(parts, batch_rows, depth):
    source = open_source(parts, "production")
    in_turn = InProcessExecutor(batch_rows=batch_rows, read_ahead=0)
    ahead = InProcessExecutor(batch_rows=batch_rows, read_ahead=depth)
    events, state = _run(in_turn, source)
    events_ahead, state_ahead = _run(ahead, source)
    assert state_ahead == state and len(state) == in_turn.batches == ahead.batches
    assert [(e.rows_done, e.rows_total, e.label) for e in events_ahead] == \
        [(e.rows_done, e.rows_total, e.label) for e in events]
    assert sum(rows for _, rows, *_ in state) == source.rows == 2500
    assert not _readers()


def test_closing_the_run_stops_the_reader_thread(parts):
    executor = InProcessExecutor(batch_rows=10, read_ahead=2)
    steps = executor.run(open_source(parts, "production"), BATCHES)
    next(steps)
    assert len(_readers()) == 1
    time.sleep(0.1)  # the reader fills the queue and waits to put the next batch
    clock = time.perf_counter()
    steps.close()
    assert time.perf_counter() - clock < 1.0
    assert executor.batches == 1 and not _readers()


def test_closing_stops_the_producer_and_closes_it():
    produced, closed = [], threading.Event()

    def items():
        try:
            for i in range(1000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    ahead = read_ahead(items(), depth=2)
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    time.sleep(0.1)  # the thread reads as far ahead as it may
    assert len(produced) == 3 + 2
    ahead.close()
    assert closed.is_set() and not _readers() and len(produced) == 3 + 2


def test_an_error_of_the_producer_is_raised_in_the_callers_thread_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError(threading.current_thread().name)

    ahead = read_ahead(items(), depth=2)
    assert next(ahead) == 1 and next(ahead) == 2
    with pytest.raises(ValueError, match=THREAD_NAME):
        next(ahead)
    assert not _readers()
    assert list(read_ahead(iter(range(5)), depth=0)) == list(range(5))


def test_a_file_that_cannot_be_read_raises_the_same_input_error_naming_it(parts, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for path in sorted(parts.iterdir()):
        (folder / path.name).write_bytes(path.read_bytes())
    source = open_source(folder, "production")
    broken = folder / "part-1.parquet"
    data = broken.read_bytes()
    broken.write_bytes(data[:4] + bytes(len(data) - 8) + data[-4:])  # damaged after the Source opened
    outcomes = []
    for depth in (0, 1):
        executor = InProcessExecutor(batch_rows=100, read_ahead=depth)
        with pytest.raises(InputError) as error:
            _run(executor, source)
        outcomes.append((str(error.value), executor.batches))
        assert str(broken) in str(error.value) and not _readers()
    assert outcomes[0] == outcomes[1]
