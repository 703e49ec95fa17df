"""Cancel takes effect within a second at every stage of an audit and of the PDF build (issue #9, item 5).

The app cancels as these tests do: the audit generator runs in a worker thread, another thread asks it
to stop, and the worker closes the generator at its next yield. So the time a cancel takes at a stage
is the time until the step in flight yields, plus the generator's clean-up (`finally` blocks: the drift
thread pool, the model's worker). Two measurements per audit:
- every gap between two yields, by stage, over a whole run: the worst case of a cancel at that stage;
- a cancel asked from another thread shortly after each stage starts: the time until the generator is
  closed and its thread has stopped.

These are timed assertions, which the developers' guide keeps for bench/; the issue asks for a test that
measures the latency, so the limit is the issue's 1 s itself, on the smaller of two clocks: the wall clock,
which is the latency itself on an idle machine, and the CPU time of the whole process (all its threads: the
drift pool, a native call in a thread), which is the work done before the cancel is honoured whatever else
shares the machine's two cores (at a load average of 8, a step takes 3-10 times its CPU time in wall time).
A step that really is too long exceeds both. The wall-clock figures at a known load are in
`bench/results/cancel_latency.md` (`python bench/cancel_latency.py`). Data small enough for a busy machine:
the demo audit (24,000 rows, a model, every stage) and a 300-column audit (multivariate drift on hundreds
of columns, the stage that had the longest steps).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path

import pytest

from assay.engine import AuditConfig
from assay.engine.pipeline import iter_audit
from assay.engine.progress import ProgressEvent

LIMIT_S = 1.0
AUDIT_STAGES = ("load", "schema", "predict", "quality", "performance", "drift", "fairness", "explanations",
                "findings")


class Clock:
    """Wall-clock and process CPU seconds since `start()`."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def yield_gaps(events: Generator[ProgressEvent, None, object], every: list | None = None
               ) -> tuple[dict[str, tuple[float, float, str]], object]:
    """Run the generator to its end; per stage, the longest step from one of its events to the next event.

    Returns {stage: (cpu seconds, wall seconds, where)} for its longest step (by `latency`), and the result.
    `every`, if given, receives (stage, cpu seconds, wall seconds, where) for every step."""
    worst: dict[str, tuple[float, float, str]] = {}
    clock = Clock()
    previous: ProgressEvent | None = None
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            return worst, stop.value
        wall, cpu = clock.elapsed()
        stage = previous.stage if previous is not None else event.stage  # the first step runs before any event
        where = f"{previous.message!r}" if previous is not None else "start"
        if min(cpu, wall) >= latency(worst.get(stage)):
            worst[stage] = (cpu, wall, f"{where} -> {event.stage}: {event.message!r}")
        if every is not None:
            every.append((stage, cpu, wall, f"{where} -> {event.stage}: {event.message!r}"))
        previous, clock = event, Clock()


def cancel_latency(make_events: Callable[[], Generator[ProgressEvent, None, object]], stage: str,
                   into_stage_s: float = 0.05, at_fraction: float = 0.0) -> tuple[float, float, bool]:
    """Cancel from another thread `into_stage_s` after `stage` starts (after an event of that stage at
    `at_fraction` or more, if given), and wait until the generator is closed.

    Returns (cpu seconds, wall seconds, whether the run was still going when the cancel was asked)."""
    events = make_events()
    reached, asked, stopped = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while not asked.is_set():
                event = next(events)
                if event.stage == stage and event.fraction >= at_fraction:
                    reached.set()
        except StopIteration:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            events.close()
            stopped.set()
            reached.set()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert reached.wait(600), f"stage {stage} never started"
    time.sleep(into_stage_s)
    was_running = not stopped.is_set()
    clock = Clock()
    asked.set()
    assert stopped.wait(600), "the worker never stopped"
    wall, cpu = clock.elapsed()
    thread.join(10)
    assert not errors, errors
    return cpu, wall, was_running


def latency(found: tuple[float, float, str] | tuple[float, float, bool] | None) -> float:
    """The latency judged: the smaller of CPU and wall seconds (see the module's docstring)."""
    return -1.0 if found is None else min(found[0], found[1])


def _describe(worst: dict[str, tuple[float, float, str]]) -> str:
    return "; ".join(f"{stage}: {cpu:.2f} s CPU, {wall:.2f} s wall ({where})"
                     for stage, (cpu, wall, where) in worst.items())


# -- the demo audit: every stage --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_config(demo_audit: Path) -> AuditConfig:
    return AuditConfig.from_toml(demo_audit)


@pytest.fixture(scope="module")
def demo_gaps(demo_config):
    worst, report = yield_gaps(iter_audit(demo_config))
    assert report is not None
    return worst


def test_every_stage_of_the_demo_audit_yields_within_a_second(demo_gaps):
    assert set(AUDIT_STAGES) <= set(demo_gaps), f"stages seen: {sorted(demo_gaps)}"
    print(_describe(demo_gaps))
    slow = {stage: found for stage, found in demo_gaps.items() if latency(found) > LIMIT_S}
    assert not slow, f"longest steps over {LIMIT_S} s: {_describe(slow)}\nall: {_describe(demo_gaps)}"


@pytest.mark.parametrize("stage", AUDIT_STAGES)
def test_cancel_at_each_stage_of_the_demo_audit_takes_effect_within_a_second(demo_config, demo_gaps, stage):
    cpu, wall, was_running = cancel_latency(lambda: iter_audit(demo_config), stage)
    if not was_running:  # the rest of the audit took under 50 ms (findings): its steps are the measure
        assert latency(demo_gaps[stage]) <= LIMIT_S
        return
    assert min(cpu, wall) <= LIMIT_S, f"cancel at {stage} took {cpu:.2f} s of CPU ({wall:.2f} s wall)"


def test_cancel_while_building_the_pdf_takes_effect_within_a_second_and_writes_nothing(demo_config, tmp_path):
    from assay.engine.pipeline import run_audit
    from assay.engine.report import iter_build_pdf

    report = run_audit(demo_config)
    worst, _ = yield_gaps(iter_build_pdf(report, tmp_path / "whole.pdf", demo_config.report))
    assert latency(worst["pdf"]) <= LIMIT_S, _describe(worst)
    for into in (0.05, 0.8, 1.6):  # charts, then the layout passes
        target = tmp_path / f"cancelled-{into}.pdf"
        cpu, wall, was_running = cancel_latency(lambda out=target: iter_build_pdf(report, out, demo_config.report),
                                                "pdf", into_stage_s=into)
        assert min(cpu, wall) <= LIMIT_S, \
            f"cancel {into} s into the PDF build took {cpu:.2f} s of CPU ({wall:.2f} s wall)"
        if was_running:
            assert not target.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("cancelled-"))
    assert left == ["whole.pdf"]  # and no temporary file


# -- many columns: multivariate drift -----------------------------------------------------------


@pytest.fixture(scope="module")
def wide_config(tmp_path_factory: pytest.TempPathFactory) -> AuditConfig:
    from assay.engine.demo_wide import write_wide_demo

    path = write_wide_demo(tmp_path_factory.mktemp("wide"), columns=300, rows=1000)
    return AuditConfig.from_toml(path).replace("drift", multivariate=True)


def test_every_stage_of_a_300_column_audit_yields_within_a_second(wide_config):
    worst, report = yield_gaps(iter_audit(wide_config))
    assert report.drift.multivariate is not None and report.drift.multivariate.reconstruction is not None
    print(_describe(worst))
    slow = {stage: found for stage, found in worst.items() if latency(found) > LIMIT_S}
    assert not slow, f"longest steps over {LIMIT_S} s: {_describe(slow)}\nall: {_describe(worst)}"


def test_cancel_in_multivariate_drift_on_300_columns_takes_effect_within_a_second(wide_config):
    from assay.engine.drift.univariate import DriftCalculator

    def drift_events():  # straight to the domain classifier and the PCA, as the audit runs them
        import pandas as pd

        from assay.engine.schema import infer_schema

        reference = pd.read_parquet(wide_config.data.reference)
        production = pd.read_parquet(wide_config.data.production)
        schema = infer_schema(reference, production, wide_config)
        drift = DriftCalculator(schema, wide_config.drift, (), wide_config.audit.seed).fit(reference)
        yield ProgressEvent("prepared", 0.0)
        for event in drift.iter_calculate(production):
            yield ProgressEvent("multivariate" if "domain" in event.message or "PCA" in event.message else "drift",
                                event.fraction, event.message)

    for into in (0.05, 1.0):
        cpu, wall, was_running = cancel_latency(drift_events, "multivariate", into_stage_s=into)
        assert was_running
        assert min(cpu, wall) <= LIMIT_S, \
            f"cancel {into} s into multivariate drift took {cpu:.2f} s of CPU ({wall:.2f} s wall)"


# -- a large CSV: the read (the load stage of a big audit) ------------------------------------


def _csv(path: Path, megabytes: float, encoding: str = "utf-8") -> Path:
    """About `megabytes` MB of the demo's applications (18 columns, missing values, dates) as CSV."""
    import numpy as np

    from assay.engine.demo import make_applications

    block = make_applications(np.random.default_rng(0), 2025, 1, drifted=True)
    block["region"] = block["region"].str.replace("north", "nörth")  # some text that is not ASCII
    header, _, body = block.to_csv(index=False).partition("\n")
    copies = max(1, int(megabytes * 1e6 / len(body.encode(encoding))))
    path.write_bytes((header + "\n" + body * copies).encode(encoding))
    return path


def _read_events(path: Path) -> Generator[ProgressEvent, None, object]:
    from assay.engine.tables import iter_load_dataset

    steps = iter_load_dataset(path, "production")
    try:
        while True:
            yield ProgressEvent("load", next(steps), "Reading the production data")
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])  # latin-1: read through a UTF-8 copy made first
def test_reading_a_large_csv_yields_within_a_second_and_a_cancel_leaves_no_file(tmp_path, monkeypatch, encoding):
    import tempfile

    from assay.engine import arrow_frames

    # 30 MB, in the default 2 MB blocks; long columns convert in slices as 25 million rows do by default
    monkeypatch.setattr(arrow_frames, "CONVERT_ROWS", 1 << 15)
    path = _csv(tmp_path / "large.csv", 30, encoding)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where a UTF-8 copy would be left
    worst, dataset = yield_gaps(_read_events(path))
    assert len(dataset.frame) > 100_000 and dataset.frame.shape[1] == 18
    assert latency(worst["load"]) <= LIMIT_S, _describe(worst)
    # reading the file (a copy first for latin-1: 0-40 %), then converting the columns to pandas (90-100 %)
    for at in (0.01, 0.3, 0.5, 0.92, 0.97):
        cpu, wall, was_running = cancel_latency(lambda: _read_events(path), "load", into_stage_s=0.0,
                                                at_fraction=at)
        assert was_running
        assert min(cpu, wall) <= LIMIT_S, f"cancel at {at:.0%} of the read took {cpu:.2f} s of CPU ({wall:.2f} s wall)"
        assert list(scratch.iterdir()) == [], f"a read cancelled at {at:.0%} left a file behind"
