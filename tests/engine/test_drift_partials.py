"""Drift streamed (engine/drift/partials.py) equals the in-memory drift (engine/drift/univariate.py): every
statistic within 1e-12 (relative), every count exactly, whatever the batching; on generated data and on the census
data (reference 2015, production 2016-2018), through stream-core's sources and executor."""
from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assay.engine import AuditConfig, run_audit
from assay.engine.drift import partials as partials_module
from assay.engine.drift.partials import drift_columns, iter_drift, map_gather, stream
from assay.engine.drift.sampling import capped_rows, row_keys, seeded_rows
from assay.engine.drift.univariate import DriftCalculator
from assay.engine.prediction_batches import sources_of_columns
from assay.engine.schema import infer_schema
from assay.engine.streaming.executor import InProcessExecutor
from assay.engine.streaming.passes import Pass
from assay.engine.streaming.run import StreamRun, iter_stream
from assay.engine.streaming.sources import open_source
from assay.engine.progress import drain
from tests.conftest import EMPLOYMENT, write_audit

TOLERANCE = 1e-12


def differences(a, b, path: str = "") -> list[tuple]:
    """Where two results differ: floats beyond TOLERANCE (relative), anything else at all."""
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        return [d for f in dataclasses.fields(a) for d in differences(getattr(a, f.name), getattr(b, f.name),
                                                                       f"{path}.{f.name}")]
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return [(path, len(a), len(b))]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        if a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOLERANCE * max(abs(a), abs(b)):
            return []
        return [(path, a, b)]
    return [] if type(a) is type(b) and a == b else [(path, a, b)]


def same(expected, found) -> list[tuple]:
    """`differences`, but for the line the streamed methods text adds when it collected columns whole."""
    extra = found.methods[len(expected.methods):]
    assert all(line.startswith("Streamed: ") for line in extra)
    return differences(expected, dataclasses.replace(found, methods=found.methods[:len(expected.methods)]))


def in_memory(reference, production, config, schema):
    return DriftCalculator(schema, config.drift, (), config.audit.seed).fit(reference).calculate(production)


def streamed(reference, production, config, schema, cuts: dict[str, list[int]] | None = None, batch: int = 4096,
             tree: bool = True):
    """The streamed drift on the two frames cut into batches at `cuts` (else every `batch` rows; a cut repeated or at
    either end makes an empty batch), each batch's
    state merged as a balanced tree (`tree`) or one after the other; every Pass is pickled first (Dask sends it)."""
    frames = {"reference": reference.reset_index(drop=True), "production": production.reset_index(drop=True)}
    columns = {role: set(frame.columns) for role, frame in frames.items()}
    steps = iter_drift(schema, config.drift, config.audit.seed, {role: len(f) for role, f in frames.items()},
                       columns, drift_columns(schema, columns, None))
    step = next(steps)
    try:
        while True:
            if not isinstance(step, Pass):
                step = next(steps)
                continue
            step = pickle.loads(pickle.dumps(step))
            frame = frames[step.role] if step.columns is None else frames[step.role][list(step.columns)]
            edges = (cuts or {}).get(step.role) or list(range(batch, len(frame), batch))
            bounds = [0, *sorted(e for e in edges if 0 <= e <= len(frame)), len(frame)]  # (repeats: empty batches)
            states = [step.map(frame.iloc[a:b], step.context) for a, b in zip(bounds, bounds[1:])]
            while len(states) > 1:
                states = ([step.merge(states[i], states[i + 1]) for i in range(0, len(states) - 1, 2)]
                          + states[len(states) - len(states) % 2:]) if tree else [step.merge(states[0], states[1]),
                                                                                *states[2:]]
            step = steps.send(states[0])
    except StopIteration as stop:
        return stop.value


def generated(seed: int = 0, rows: int = 24_000, production_rows: int | None = None):
    rng = np.random.default_rng(seed)

    def frame(n: int, shift: float, year: int) -> pd.DataFrame:
        when = pd.date_range(f"{year}-01-01", periods=365, freq="D")
        ties = rng.integers(0, 6, n).astype(float)  # heavy buckets of one value
        ties[rng.random(n) < 0.05] = np.nan
        return pd.DataFrame({
            "normal": rng.normal(shift, 1, n), "ties": ties, "skewed": rng.gamma(2, 1 + shift, n),
            "outliers": np.where(rng.random(n) < 0.001, 1e300, rng.normal(size=n)),
            "colour": rng.choice(["red", "green", "blue", "grey"], n, p=[0.4, 0.3, 0.2 + shift / 10, 0.1 - shift / 10]),
            "code": rng.choice([f"c{i}" for i in range(30 + int(shift * 10))], n),
            "flag": rng.random(n) < 0.3 + shift / 5,
            "when": np.sort(rng.choice(when, n)),
        })

    reference = frame(rows, 0.0, 2024)
    reference.loc[::11, "normal"] = np.nan
    production = frame(production_rows or rows, 0.3, 2025)
    production.loc[::13, "colour"] = None
    return reference, production


def configured(**drift) -> AuditConfig:
    return (AuditConfig().replace("columns", timestamp="when")
            .replace("drift", **({"per_column": {"skewed": "wasserstein"}, "permutations": 200} | drift)))


@pytest.fixture(scope="module")
def generated_case():
    reference, production = generated()
    config = configured()
    schema = infer_schema(reference, production, config)
    return reference, production, config, schema, in_memory(reference, production, config, schema)


def test_streamed_drift_equals_the_in_memory_drift(generated_case):
    reference, production, config, schema, expected = generated_case
    found = streamed(reference, production, config, schema, batch=5000)
    assert same(expected, found) == []
    assert found.multivariate.domain_classifier is not None and found.multivariate.reconstruction is not None
    by = {f.feature: f for f in found.features}
    assert by["normal"].method == "ks" and by["skewed"].method == "wasserstein" and by["colour"].method == "chi2"
    assert by["normal"].drifted and len(found.chunks) == 12
    assert by["colour"].missing_production == production["colour"].isna().sum()  # counts: exactly


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(reference_cuts=st.lists(st.integers(0, 24_000), max_size=6),
       production_cuts=st.lists(st.integers(0, 24_000), max_size=6), tree=st.booleans())
@example(reference_cuts=[0, 5000, 5000, 24_000], production_cuts=[1], tree=False)  # empty batches among them
def test_any_batching_gives_the_same_drift(generated_case, reference_cuts, production_cuts, tree):
    reference, production, config, schema, expected = generated_case
    found = streamed(reference, production, config, schema,
                     cuts={"reference": reference_cuts, "production": production_cuts or [1]}, tree=tree)
    assert same(expected, found) == []


@pytest.mark.parametrize("drift", [
    {"chunk_by": "rows", "chunk_size": 3000},  # chunks of rows; every method on every value collected
    {"numerical_method": "psi", "categorical_method": "tvd", "multivariate": False},
    {"per_column": {"normal": "anderson", "ties": "energy"}, "multivariate": False},
    {"sample_rows": 9000, "multivariate": False},  # a seeded sample of each dataset, as in memory
])
def test_streamed_drift_equals_the_in_memory_drift_for_other_settings(drift):
    reference, production = generated(1, rows=14_000, production_rows=16_000)
    config = configured(**drift)
    schema = infer_schema(reference, production, config)
    assert same(in_memory(reference, production, config, schema),
                streamed(reference, production, config, schema, batch=3333)) == []


def test_chunks_of_rows_not_in_time_order_stream_alike():
    """Production rows in no time order: each chunk's gathered values are put in chunk order (in time order, the
    chunks' are slices of the whole column's)."""
    reference, production = generated(2, rows=14_000, production_rows=16_000)
    production = production.sample(frac=1, random_state=0).reset_index(drop=True)
    config = configured(multivariate=False)
    schema = infer_schema(reference, production, config)
    expected = in_memory(reference, production, config, schema)
    assert len(expected.chunks) == 12
    assert same(expected, streamed(reference, production, config, schema, batch=3333)) == []


def test_small_columns_and_a_period_column_stream_alike():
    """Columns of 10,000 values or fewer are tested on sorted values in memory (collected whole when streamed); a
    numeric timestamp (a year) chunks by value."""
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.normal(size=900), "k": rng.choice(["a", "b"], 900),
                              "year": rng.choice([2020, 2021], 900)})
    production = pd.DataFrame({"x": rng.normal(0.4, 1, 1100), "k": rng.choice(["a", "b", "c"], 1100),
                               "year": rng.choice([2022, 2023, 2024], 1100)})
    config = AuditConfig().replace("columns", timestamp="year").replace("drift", permutations=100)
    schema = infer_schema(reference, production, config)
    expected = in_memory(reference, production, config, schema)
    assert [c.label for c in expected.chunks] == ["2022", "2023", "2024"]
    assert same(expected, streamed(reference, production, config, schema, batch=97)) == []


def test_seeded_samples_do_not_depend_on_the_batching():
    frame = pd.DataFrame({"a": np.arange(12_000)})
    assert (frame.sample(5000, random_state=4).index.to_numpy() == seeded_rows(12_000, 5000, 4)).all()
    assert seeded_rows(20_000_000, 100, 4).size == 100  # above the permutation's size: a draw of the sample only
    rows = np.arange(50_000)
    keys = row_keys(rows, 7)
    assert np.unique(keys).size == rows.size  # one to one
    kept = capped_rows(rows, 1000, 7)
    assert kept.size == 1000 and (np.diff(kept) > 0).all()
    halves = np.concatenate([capped_rows(rows[:20_000], 1000, 7), capped_rows(rows[20_000:], 1000, 7)])
    assert (capped_rows(halves, 1000, 7) == kept).all()  # the smallest keys of the parts' smallest: the same


@pytest.fixture(scope="module")
def census_audit(tmp_path_factory):
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    return write_audit(
        tmp_path_factory.mktemp("census"),
        data={"reference": str(EMPLOYMENT / "reference.parquet"), "production": str(EMPLOYMENT / "production.parquet")},
        columns={"target": "employed", "prediction": "prediction", "probabilities": ["predicted_probability"],
                 "timestamp": "year"},
        drift={"permutations": 200},
    )


def test_census_drift_streamed_through_the_sources_equals_the_audit(census_audit):
    """Reference 2015 against production 2016-2018, chunked by year: the streamed drift (stream-core's sources and
    in-process executor, batches of 30,000 rows) equals the in-memory audit's drift, outputs included."""
    config = AuditConfig.from_toml(census_audit)
    report = run_audit(config)
    expected = report.drift
    executor = InProcessExecutor(batch_rows=30_000)
    sources = {role: open_source(getattr(config.data, role), role) for role in ("reference", "production")}
    predictions = sources_of_columns(report.schema, config.performance.threshold,  # the prediction columns, as the
                                     {role: s.columns for role, s in sources.items()})  # streamed audit finds them
    run = StreamRun(config=config, schema=report.schema, reference=sources["reference"],
                    production=sources["production"], executor=executor, predictions=predictions)
    found = drain(iter_stream(stream(run), run, "drift", 0.0, 1.0))
    assert executor.batches > 10
    assert [c.label for c in found.chunks] == ["2016", "2017", "2018"]
    assert {f.role for f in found.features} >= {"feature", "target", "prediction", "score"}
    assert same(expected, found) == []


def test_a_streamed_audit_of_the_census_folder_gives_the_in_memory_drift(tmp_path):
    """The whole streamed audit ([compute] path, production as a folder of one file per year) runs drift through the
    registry's `partials` and gives the in-memory audit's drift and drift findings."""
    if not EMPLOYMENT.is_dir():
        pytest.skip("../shared/data/employment_ma is not beside the checkout")
    frame = pd.read_parquet(EMPLOYMENT / "production.parquet")
    folder = tmp_path / "production"
    folder.mkdir()
    for year, part in frame.groupby("year", sort=True):
        part.to_parquet(folder / f"year-{year}.parquet")
    ordered = tmp_path / "production.parquet"
    pd.concat([part for _, part in frame.groupby("year", sort=True)]).to_parquet(ordered)

    def audit(production):
        return run_audit(AuditConfig().replace("data", reference=EMPLOYMENT / "reference.parquet", production=production)
                         .replace("columns", target="employed", timestamp="year").replace("drift", permutations=200))

    memory, streamed = audit(ordered), audit(folder)
    assert memory.provenance.compute["path"] == "memory" and streamed.provenance.compute["path"] == "streamed"
    assert same(memory.drift, streamed.drift) == []
    assert [f for f in streamed.findings if f.analysis == "drift"] == [f for f in memory.findings if f.analysis == "drift"]


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_streamed_drift_names_the_model_outputs_as_in_memory(task):
    """The model's outputs as streamed drift columns: the in-memory names, roles and kinds ("model_score" where a
    data column is called score), read from the predictor's columns; the data's prediction columns only without a
    model, and no output at all without predictions of both datasets (a model that failed)."""
    from assay.engine.prediction_batches import PREDICTED, SCORE, PredictionSource
    from assay.engine.predictions import PredictionSet, drift_outputs

    rng = np.random.default_rng(3)
    classes = {"binary": (0, 1), "multiclass": ("a", "b", "c"), "regression": ()}[task]
    target = rng.normal(size=60) if task == "regression" else rng.choice(classes, 60)
    frame = pd.DataFrame({"x": rng.normal(size=60), "score": rng.normal(size=60), "y": target,
                          "given": target})
    config = AuditConfig().replace("columns", target="y", prediction="given").replace("task", type=task)
    schema = infer_schema(frame, frame, config)
    width = {"binary": 1, "multiclass": 3, "regression": 0}[task]
    scores = None if not width else rng.random(60) if width == 1 else rng.dirichlet([1, 1, 1], 60)
    found = {role: PredictionSet(target, scores, classes) for role in ("reference", "production")}
    expected = drift_outputs(schema, found, True, {"reference": frame, "production": frame})
    source = PredictionSource(schema, 0.5, from_model=True, classes=classes, scores=width, inputs=("x",))
    columns = {role: set(frame.columns) for role in ("reference", "production")}
    plans = drift_columns(schema, columns, {"reference": source, "production": source})
    outputs = [p for p in plans if p.role != "feature"]
    assert [(p.name, p.role, p.kind) for p in outputs] == [(o.name, o.role, o.kind) for o in expected]
    assert [p.output for p in outputs] == [None, PREDICTED] + (
        [SCORE] if width == 1 else [f"{SCORE}{k}" for k in range(width)])
    assert "model_score" in {p.name for p in outputs} or width != 1
    given = PredictionSource(schema, 0.5, from_model=False)
    frames = {"reference": frame, "production": frame}
    assert [(p.name, p.role) for p in drift_columns(schema, columns, {"reference": given, "production": given})
            if p.role != "feature"] == [(o.name, o.role) for o in drift_outputs(schema, found, False, frames)]
    assert [p.name for p in drift_columns(schema, columns, None) if p.role != "feature"] == ["y"]


ASKED_BY_CHUNK: list[bool] = []
ORIGINAL_MAP_GATHER = map_gather


def _checked_gather(batch, context):
    """map_gather, checking that each value kept lies in a bucket asked for the whole column or for its chunk."""
    state = ORIGINAL_MAP_GATHER(batch, context)
    for name, (_, _, wanted) in context.wanted.items():
        found = state.found[name]
        assert (wanted[0, found.bucket] | wanted[found.part + 1, found.bucket]).all()
        ASKED_BY_CHUNK.append(bool((wanted[1:] & ~wanted[0]).any()))
    return state


def test_a_chunks_candidate_buckets_are_gathered_from_that_chunks_rows_only(generated_case, monkeypatch):
    """Values gathered only from the rows that asked for them, and some buckets asked by one chunk only (so the
    memory follows each chunk's candidates, not their union); the result stays the in-memory one."""
    from assay.engine.drift import partials

    reference, production, config, schema, expected = generated_case
    ASKED_BY_CHUNK.clear()
    monkeypatch.setattr(partials, "map_gather", _checked_gather)
    assert same(expected, streamed(reference, production, config, schema, batch=5000)) == []
    assert ASKED_BY_CHUNK and any(ASKED_BY_CHUNK)


def _candidate_passes(reference, production, config, schema, monkeypatch, budget: int | None = None):
    """The streamed drift, with the gathered values written to disk at every merge once `budget` is given; (result,
    the candidate-bucket passes per role, the spills)."""
    from assay.engine.drift import gathered, partials

    passes, spills = [], []
    original_pass, original_spilled = partials._pass, gathered.Gathered.spilled

    def counted_pass(name, role, *args, **kwargs):
        passes.append((name, role))
        return original_pass(name, role, *args, **kwargs)

    def counted_spilled(self, folder):
        spills.append(folder)
        return original_spilled(self, folder)

    monkeypatch.setattr(partials, "_pass", counted_pass)
    monkeypatch.setattr(gathered.Gathered, "spilled", counted_spilled)
    if budget is not None:
        monkeypatch.setattr(partials, "GatherSpill", lambda folder: gathered.GatherSpill(folder, budget=budget))
    found = streamed(reference, production, config, schema, batch=5000)
    rounds = {role: sum(1 for n, r in passes if n == "drift: candidate buckets" and r == role)
              for role in ("reference", "production")}
    return found, rounds, spills


def test_one_candidate_pass_gathers_every_bucket_even_for_heavy_tails(monkeypatch):
    """The first run on the counts asks for the buckets the drawing's histogram edges may fall in too, so that one
    pass over each dataset gathers everything, also where the tails' buckets are wide (lognormal, far outliers)."""
    rng = np.random.default_rng(5)

    def frame(n: int, shift: float) -> pd.DataFrame:
        return pd.DataFrame({"lognormal": rng.lognormal(shift, 2.5, n), "gamma": rng.gamma(0.2, 1 + shift, n),
                             "outliers": np.where(rng.random(n) < 0.002, 1e300, rng.normal(shift, 1, n))})

    reference, production = frame(30_000, 0.0), frame(40_000, 0.2)
    config = AuditConfig().replace("drift", per_column={"gamma": "wasserstein"}, multivariate=False)
    schema = infer_schema(reference, production, config)
    found, rounds, _ = _candidate_passes(reference, production, config, schema, monkeypatch)
    assert rounds == {"reference": 1, "production": 1}
    assert same(in_memory(reference, production, config, schema), found) == []


def test_gathered_values_written_to_disk_give_the_in_memory_drift(generated_case, monkeypatch):
    """With a budget of no value in memory every merge writes the gathered values out, by column; the tests read
    them back one column at a time, in row order: the same result as in memory."""
    reference, production, config, schema, expected = generated_case
    found, rounds, spills = _candidate_passes(reference, production, config, schema, monkeypatch, budget=0)
    assert spills and rounds == {"reference": 1, "production": 1}
    assert same(expected, found) == []


def test_census_drift_with_its_gathered_values_on_disk_equals_the_audit(census_audit, monkeypatch):
    """The census data through the sources (batches of 30,000 rows), every gathered value written to disk."""
    from assay.engine.drift import gathered, partials

    spills = []
    original = gathered.Gathered.spilled
    monkeypatch.setattr(gathered.Gathered, "spilled", lambda self, folder: spills.append(folder) or original(self,
                                                                                                          folder))
    monkeypatch.setattr(partials, "GatherSpill", lambda folder: gathered.GatherSpill(folder, budget=0))
    config = AuditConfig.from_toml(census_audit)
    report = run_audit(config)
    executor = InProcessExecutor(batch_rows=30_000)
    sources = {role: open_source(getattr(config.data, role), role) for role in ("reference", "production")}
    predictions = sources_of_columns(report.schema, config.performance.threshold,
                                     {role: s.columns for role, s in sources.items()})
    run = StreamRun(config=config, schema=report.schema, reference=sources["reference"],
                    production=sources["production"], executor=executor, predictions=predictions)
    found = drain(iter_stream(stream(run), run, "drift", 0.0, 1.0))
    assert spills
    assert same(report.drift, found) == []


RECONSTRUCTION_PASSES: list[str] = []
ORIGINAL_MAP_RECONSTRUCTION_ROWS = partials_module.map_reconstruction_rows


def _counted_reconstruction_rows(batch, context):
    RECONSTRUCTION_PASSES.append(context.columns)
    return ORIGINAL_MAP_RECONSTRUCTION_ROWS(batch, context)


def _passes_read(reference, production, config, schema, monkeypatch):
    """The streamed drift; (result, (name, role, columns) of each pass that `_pass` made, the batches a pass of the
    reconstruction's rows of its own mapped)."""
    passes = []
    original_pass = partials_module._pass

    def recorded_pass(name, role, columns, *args, **kwargs):
        passes.append((name, role, columns))
        return original_pass(name, role, columns, *args, **kwargs)

    RECONSTRUCTION_PASSES.clear()
    monkeypatch.setattr(partials_module, "_pass", recorded_pass)
    monkeypatch.setattr(partials_module, "map_reconstruction_rows", _counted_reconstruction_rows)
    return streamed(reference, production, config, schema, batch=5000), passes, list(RECONSTRUCTION_PASSES)


def test_the_buckets_pass_keeps_the_reconstructions_rows_so_the_candidate_pass_reads_bucketed_columns_only(
        generated_case, monkeypatch):
    reference, production, config, schema, expected = generated_case
    found, passes, reconstruction = _passes_read(reference, production, config, schema, monkeypatch)
    assert same(expected, found) == []
    assert reconstruction == []  # no pass of its own
    candidates = [columns for name, _, columns in passes if name == "drift: candidate buckets"]
    assert candidates and all(set(columns) <= {"normal", "skewed", "outliers", "ties", "when"}
                              for columns in candidates)


def test_a_capped_sample_beyond_its_bound_is_read_in_a_pass_of_its_own(generated_case, monkeypatch):
    """Bounds far too small (a negative margin): the buckets pass keeps too few of the reconstruction's rows, which
    the thresholds show; a pass reads them, and the result is the same."""
    from assay.engine.drift import sampling

    reference, production, config, schema, expected = generated_case
    monkeypatch.setattr(sampling, "BOUND_SPREADS", -100)
    found, _, reconstruction = _passes_read(reference, production, config, schema, monkeypatch)
    assert reconstruction  # the pass of its own ran
    assert same(expected, found) == []


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 60_000), start=st.integers(0, 10 ** 12), size=st.integers(1, 3000),
       seed=st.integers(0, 2 ** 31))
def test_a_chunks_capped_sample_lies_within_its_key_bound(rows, start, size, seed):
    """The threshold of a chunk's capped sample stays within `key_bound`, which keeps about BOUND_SPREADS standard
    deviations more rows than the sample."""
    from assay.engine.drift.sampling import BOUND_SPREADS, NO_KEY, key_bound, key_threshold, smallest_keys

    keys = row_keys(np.arange(start, start + rows), seed)
    bound = key_bound(rows, size)
    assert key_threshold(smallest_keys(keys, size), rows, size) <= bound
    kept = int((keys <= bound).sum())
    assert kept == rows if bound == NO_KEY else size <= kept <= size + 2 * BOUND_SPREADS * (math.sqrt(size) + 1)


def _recorded_beside(monkeypatch) -> list:
    """The threads the streamed drift starts for its multivariate checks (their Beside objects)."""
    started = []
    original = partials_module.Beside

    def recorded(steps, name):
        started.append(original(steps, name=name))
        return started[-1]

    monkeypatch.setattr(partials_module, "Beside", recorded)
    return started


def _multivariate_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name == partials_module.MULTIVARIATE_THREAD]


def test_the_multivariate_checks_run_beside_the_tests_and_give_the_in_memory_result(generated_case, monkeypatch):
    reference, production, config, schema, expected = generated_case
    started = _recorded_beside(monkeypatch)
    found = streamed(reference, production, config, schema, batch=5000)
    assert len(started) == 1 and not _multivariate_threads()
    assert same(expected, found) == []


def test_the_features_foreseen_from_the_counts_are_those_the_tests_report(monkeypatch):
    """A production column with no values and an identifier-like one are not tested: the features foreseen from
    the counts (which the thread beside the tests uses) are the in-memory result's tested ones."""
    reference, production = generated(2, rows=9000)
    reference["empty"], production["empty"] = np.random.default_rng(3).normal(size=9000), np.nan
    reference["shade"], production["shade"] = "dark", None
    reference["ident"] = production["ident"] = [f"id{i}" for i in range(9000)]
    config = configured()
    schema = infer_schema(reference, production, config)
    expected = in_memory(reference, production, config, schema)
    foreseen = []
    original = partials_module._tested_features

    def recorded(*args):
        foreseen.append(original(*args))
        return foreseen[-1]

    monkeypatch.setattr(partials_module, "_tested_features", recorded)
    found = streamed(reference, production, config, schema, batch=4000)
    assert same(expected, found) == []
    tested = {kind: [f.feature for f in expected.features if f.role == "feature" and f.tested and f.kind == kind]
              for kind in ("numerical", "categorical")}
    assert foreseen == [(tested["numerical"], tested["categorical"])]
    assert {"empty", "shade", "ident"}.isdisjoint(tested["numerical"] + tested["categorical"])


def test_features_foreseen_wrongly_leave_the_thread_unused_and_the_result_unchanged(generated_case, monkeypatch):
    reference, production, config, schema, expected = generated_case
    started = _recorded_beside(monkeypatch)
    monkeypatch.setattr(partials_module, "_tested_features", lambda *args: (["normal"], []))
    found = streamed(reference, production, config, schema, batch=5000)
    assert len(started) == 1 and not _multivariate_threads()
    assert same(expected, found) == []


def test_closing_the_drift_during_its_candidate_pass_stops_the_multivariate_thread(generated_case, monkeypatch):
    reference, production, config, schema, _ = generated_case
    started = _recorded_beside(monkeypatch)
    frames = {"reference": reference.reset_index(drop=True), "production": production.reset_index(drop=True)}
    columns = {role: set(frame.columns) for role, frame in frames.items()}
    steps = iter_drift(schema, config.drift, config.audit.seed, {role: len(f) for role, f in frames.items()},
                       columns, drift_columns(schema, columns, None))
    step = next(steps)
    while not (isinstance(step, Pass) and step.name == "drift: candidate buckets"):
        if isinstance(step, Pass):
            frame = frames[step.role] if step.columns is None else frames[step.role][list(step.columns)]
            step = steps.send(step.map(frame, step.context))
        else:
            step = next(steps)
    assert len(started) == 1
    steps.close()
    assert not _multivariate_threads()
