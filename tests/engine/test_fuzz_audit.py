"""Fuzzing the whole audit (issue #9, item 4): random tables and random audit configurations, written to
CSV or Parquet with the audit file beside them, and run through `iter_audit`. An audit either returns a
report that serialises to JSON, or fails with an `AssayError` whose message names a file, a column or
an audit-file key. Anything else (a bare ValueError, a CalculationError wrapping a library's
exception) is a bug.

Strategies draw the shape (rows, column kinds, names, missing values, infinities, group sizes,
roles, options) through hypothesis, so failures shrink to a small shape; the values themselves come
from a numpy generator seeded by a drawn integer, so generating a table stays fast.

Profiles: by default 60 examples, derandomised (the same examples on every run, so CI is stable),
no deadline, no example database. `ASSAY_FUZZ_EXAMPLES=500` runs more; `ASSAY_FUZZ_RANDOM=1` draws
new examples each run (use it to hunt; turn every bug found into an `@example` below).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from assay.engine.config import SECTIONS, AuditConfig
from assay.engine.drift.stattests import method_names
from assay.engine.errors import AssayError, CalculationError
from assay.engine.pipeline import run_audit

EXAMPLES = int(os.environ.get("ASSAY_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("ASSAY_FUZZ_RANDOM"),
                database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KINDS = ("float", "int", "category", "boolean", "datetime", "text", "constant", "mixed")
NAMES = st.one_of(
    st.sampled_from(["age", "Age", "age ", " age", "income", "city", "group", "date", "x", "year", "id", "label",
                     "score", "âge", "収入", "名前 💶", "a/b", "a.b", "[columns]", "", " ", "column_1", "column_2",
                     "x" * 200]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
)


@st.composite
def column_specs(draw):
    return {
        "name": draw(NAMES),
        "kind": draw(st.sampled_from(KINDS)),
        "missing": draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0])),
        "infinities": draw(st.booleans()),
        "categories": draw(st.sampled_from([1, 2, 3, 7, 40])),
        "skew": draw(st.sampled_from([None, 0.9, 0.99])),  # share of the commonest category
        "shift": draw(st.sampled_from([0.0, 0.0, 1.0, 5.0])),  # production's shift
        "in_production": draw(st.sampled_from([True, True, True, False])),
    }


@st.composite
def audits(draw):
    """(column specs, target spec, rows, format, seed, config sections)."""
    if draw(st.integers(0, 9)) == 7:  # names that collide (the loader must refuse them by name)
        specs = draw(st.lists(column_specs(), min_size=1, max_size=6))
    else:
        specs = draw(st.lists(column_specs(), min_size=1, max_size=6, unique_by=lambda s: s["name"]))
    target = draw(st.sampled_from([None, "binary", "one-class", "multiclass", "regression", "text-labels"]))
    predictions = draw(st.sampled_from([None, "labels", "scores", "both"])) if target else None
    sensitive = draw(st.sampled_from([None, "balanced", "tiny", "skewed", "one-group"]))
    rows = (draw(st.sampled_from([1, 2, 5, 30, 120])), draw(st.sampled_from([1, 3, 30, 120])))
    fmt = draw(st.sampled_from(["csv", "parquet"]))
    seed = draw(st.integers(0, 2**16))
    return specs, target, predictions, sensitive, rows, fmt, seed, draw(config_sections(specs))


@st.composite
def config_sections(draw, specs):
    names = [s["name"] for s in specs]
    columns: dict = {}
    if draw(st.booleans()):
        columns["categorical"] = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if draw(st.booleans()):
        columns["numerical"] = draw(st.lists(st.sampled_from(names), max_size=1, unique=True))
    if draw(st.booleans()):
        columns["ignore"] = draw(st.lists(st.sampled_from(names), max_size=1, unique=True))
    if draw(st.booleans()):
        columns["timestamp"] = draw(st.sampled_from(["", *names]))
    if draw(st.booleans()):
        columns["sensitive"] = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    chunk_by = st.sampled_from(["auto", "day", "week", "month", "quarter", "year", "rows"])
    drift = {
        "numerical_method": draw(st.sampled_from(["auto", *method_names("numerical")])),
        "categorical_method": draw(st.sampled_from(["auto", *method_names("categorical")])),
        "correction": draw(st.sampled_from(["holm", "bonferroni", "bh", "none"])),
        "rule": draw(st.sampled_from(["both", "p_value", "effect"])),
        "chunk_by": draw(chunk_by),
        "chunk_size": draw(st.sampled_from([10, 25, 5000])),
        "min_chunk_rows": draw(st.sampled_from([2, 10, 50])),
        "psi_bins": draw(st.sampled_from([2, 10, 50])),
        "multivariate": draw(st.booleans()),
        "domain_rows": 100,
        "permutations": draw(st.sampled_from([0, 20])),
        "sample_rows": draw(st.sampled_from([0, 0, 10])),
    }
    performance = {
        "threshold": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "bootstrap_resamples": draw(st.sampled_from([0, 20])),
        "chunk_by": draw(chunk_by),
        "chunk_size": draw(st.sampled_from([10, 5000])),
        "min_chunk_rows": draw(st.sampled_from([2, 50])),
        "top_segments": draw(st.sampled_from([1, 10])),
        "calibration_bins": draw(st.sampled_from([2, 10])),
    }
    fairness = {
        "min_group_size": draw(st.sampled_from([1, 5, 30])),
        "bootstrap_resamples": draw(st.sampled_from([0, 20])),
        "correction": draw(st.sampled_from(["holm", "none"])),
    }
    task = {"type": draw(st.sampled_from(["auto"] * 5 + ["binary", "multiclass", "regression"]))}
    return {"columns": columns, "drift": drift, "performance": performance, "fairness": fairness, "task": task,
            "explain": {"method": "none"}}


# -- building the tables ----------------------------------------------------------------------------


def make_column(spec: dict, rows: int, rng: np.random.Generator, production: bool) -> pd.Series:
    kind, shift = spec["kind"], spec["shift"] if production else 0.0
    if kind == "float":
        values = pd.Series(rng.normal(shift, 1.0, rows))
        if spec["infinities"] and rows:
            values.iloc[rng.integers(0, rows, max(1, rows // 10))] = rng.choice([np.inf, -np.inf])
    elif kind == "int":
        values = pd.Series(rng.integers(0, 100, rows) + int(shift * 10))
    elif kind in ("category", "mixed"):
        labels = [f"c{i}" if i % 3 else f"cat é{i}" for i in range(spec["categories"])]
        if production and shift:
            labels = labels + ["new"]
        if spec["skew"] and len(labels) > 1:
            p = np.r_[spec["skew"], np.full(len(labels) - 1, (1 - spec["skew"]) / (len(labels) - 1))]
        else:
            p = None
        values = pd.Series(rng.choice(labels, rows, p=p), dtype=object)
        if kind == "mixed" and rows:
            values.iloc[::2] = [str(v) for v in rng.integers(0, 50, len(values.iloc[::2]))]
        if rows > 2:
            values.iloc[1] = ""  # an empty category
    elif kind == "boolean":
        values = pd.Series(rng.random(rows) < (0.3 + 0.3 * bool(shift)))
    elif kind == "datetime":
        start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=400 if production else 0)
        values = pd.Series(start + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"))
    elif kind == "text":
        words = ["the", "loan", "was", "repaid", "late", "on", "time", "früh", "ß", "🙂"]
        values = pd.Series([" ".join(rng.choice(words, 6)) for _ in range(rows)], dtype=object)
    else:  # constant
        values = pd.Series(np.full(rows, 7.0))
    if spec["missing"] and rows:
        mask = rng.random(rows) < spec["missing"]
        values = values.astype(object) if kind in ("boolean", "int") else values
        values[mask] = None
    return values


def make_frames(specs, target, predictions, sensitive, rows, seed):
    rng = np.random.default_rng(seed)
    frames = []
    for production, n in ((False, rows[0]), (True, rows[1])):
        data = {}
        for i, spec in enumerate(specs):
            if production and not spec["in_production"]:
                continue
            column = make_column(spec, n, rng, production)
            data[(i, spec["name"])] = column  # keys keep duplicate names apart until the frame is built
        if sensitive:
            groups = {"balanced": (["F", "M"], None), "tiny": (["F", "M", "X"], [0.49, 0.49, 0.02]),
                      "skewed": (["a", "b"], [0.97, 0.03]), "one-group": (["only"], None)}[sensitive]
            data[(-1, "sex")] = pd.Series(rng.choice(groups[0], n, p=groups[1]), dtype=object)
        if target:
            labels = {"binary": [0, 1], "one-class": [1], "multiclass": [0, 1, 2, 3], "text-labels": ["no", "yes"],
                      "regression": None}[target]
            truth = pd.Series(rng.normal(100, 20, n)) if labels is None else pd.Series(rng.choice(labels, n))
            data[(-2, "target")] = truth
            if predictions in ("labels", "both"):
                flip = rng.random(n) < 0.2
                guess = truth.where(~flip, truth.sample(frac=1, random_state=seed).to_numpy())
                data[(-3, "prediction")] = guess
            if predictions in ("scores", "both") and target in ("binary", "one-class", "text-labels"):
                data[(-4, "proba_1")] = pd.Series(np.clip(rng.beta(2, 2, n), 0, 1))
        frame = pd.DataFrame({k: v.reset_index(drop=True) for k, v in data.items()})
        frame.columns = [name for _, name in frame.columns]
        frames.append(frame)
    return frames


def write(frame: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        path = path.with_suffix(".csv")
        frame.to_csv(path, index=False)
    else:
        path = path.with_suffix(".parquet")
        try:
            frame.to_parquet(path, index=False)
        except Exception:  # duplicate or odd names pyarrow will not write: CSV takes anything
            path = path.with_suffix(".csv")
            frame.to_csv(path, index=False)
    return path


# -- the property ---------------------------------------------------------------------------------


def note(text: str) -> None:
    """Count outcomes for --hypothesis-show-statistics (outside a hypothesis test, do nothing)."""
    try:
        event(text)
    except Exception:
        pass


def names_something(message: str, files: list[Path], columns: set[str]) -> bool:
    """A message names a file, a column or an audit-file key (or section)."""
    if any(f.name in message for f in files):
        return True
    if any(c and c.strip() and c in message for c in columns):
        return True
    return any(f"[{s}]" in message or f"{s}." in message for s in SECTIONS)


def check_audit(specs, target, predictions, sensitive, rows, fmt, seed, sections) -> None:
    reference, production = make_frames(specs, target, predictions, sensitive, rows, seed)
    with tempfile.TemporaryDirectory(prefix="assay-fuzz-") as folder:
        folder = Path(folder)
        files = [write(reference, folder / "reference", fmt), write(production, folder / "production", fmt)]
        data = {"data": {"reference": files[0].name, "production": files[1].name}, **sections}
        audit = folder / "audit.toml"
        audit.write_text(tomli_w.dumps(data), encoding="utf-8")  # the configuration goes through its file too
        files.append(audit)
        try:
            report = run_audit(AuditConfig.from_toml(audit))
        except AssayError as exc:
            message = str(exc)
            assert message.strip(), f"{type(exc).__name__} without a message"
            cause = exc.__cause__
            if isinstance(exc, CalculationError) and cause is not None and not isinstance(cause, AssayError):
                raise AssertionError(f"a library's exception escaped an analysis: {message}") from exc
            columns = {str(c) for f in (reference, production) for c in f.columns} | {"column_"}
            assert names_something(message, files, columns), f"names no file, column or key: {message}"
            note(f"refused: {type(exc).__name__}: {message.replace(str(folder), '')[:70]}")
            return
        json.loads(report.to_json())  # serialisable, no NaN
        note(f"ran: {', '.join(a.name for a in report.analyses if a.status == 'ran')}")


FLOAT = {"name": "x", "kind": "float", "missing": 0.0, "infinities": False, "categories": 2, "skew": None,
         "shift": 0.0, "in_production": True}
DEFAULT_SECTIONS = {"columns": {}, "drift": {"multivariate": False, "permutations": 0}, "performance":
                    {"bootstrap_resamples": 0}, "fairness": {"bootstrap_resamples": 0}, "task": {"type": "auto"},
                    "explain": {"method": "none"}}


def sections(**drift) -> dict:
    return {**DEFAULT_SECTIONS, "drift": {**DEFAULT_SECTIONS["drift"], **drift}}


# Bugs the fuzzer found, kept as examples (each failed before its fix):
ONE_ROW_EACH = ([FLOAT], None, None, None, (1, 1), "csv", 0, sections(multivariate=True))  # domain classifier's
# 3-fold cross-validation on two rows raised ValueError ("Drift failed ... n_splits=3 greater than ... n_samples=2")
CONSTANT_ANDERSON = ([{**FLOAT, "kind": "constant"}], None, None, None, (30, 30), "parquet", 0,
                     sections(numerical_method="anderson"))  # scipy: "needs more than one distinct observation"
BLANK_NAME_CLASH = ([{**FLOAT, "name": ""}, {**FLOAT, "name": "column_1"}], "binary", "labels", None, (30, 30), "csv",
                    0, DEFAULT_SECTIONS)  # the blank name became a second 'column_1'
BOOLEAN_FORCED_NUMERICAL = ([{**FLOAT, "name": "age", "kind": "boolean", "in_production": False}, {**FLOAT, "name": "Age"}],
                            "binary", "labels", None, (1, 1), "csv", 0,
                            {**DEFAULT_SECTIONS, "columns": {"numerical": ["age"], "sensitive": ["age"]}})
# a boolean column forced numerical as a sensitive / segment column: np.quantile of booleans raised TypeError
ONE_ROW_ANDERSON = ([FLOAT], None, None, None, (1, 1), "csv", 0,
                    sections(numerical_method="anderson"))  # scipy: "index -1 is out of bounds for axis 0 with size 0"


@FUZZ
@given(audits())
@example(([FLOAT], "binary", "both", "balanced", (30, 30), "csv", 0, DEFAULT_SECTIONS))  # a plain audit runs
@example(ONE_ROW_EACH)
@example(CONSTANT_ANDERSON)
@example(ONE_ROW_ANDERSON)
@example(BLANK_NAME_CLASH)
@example(BOOLEAN_FORCED_NUMERICAL)
def test_random_tables_and_configurations_never_crash_the_audit(case):
    check_audit(*case)


def test_binary_task_over_a_target_of_more_classes_names_the_key_to_change(tmp_path):
    """Found by the fuzzer: [task] type = "binary" over a 4-class target said the predictions held labels '()'
    besides the target's classes."""
    from assay.engine.pipeline import run_audit

    reference, production = make_frames([FLOAT], "multiclass", "labels", None, (30, 30), 0)
    reference.to_csv(tmp_path / "r.csv", index=False)
    production.to_csv(tmp_path / "p.csv", index=False)
    config = AuditConfig.from_dict({"data": {"reference": "r.csv", "production": "p.csv"}, "task": {"type": "binary"},
                                    "explain": {"method": "none"}}, base_dir=tmp_path)
    with pytest.raises(CalculationError) as info:
        run_audit(config)
    message = str(info.value)
    assert "the target has 4 classes (0, 1, 2, 3)" in message and '[task] type = "multiclass"' in message
    assert "()" not in message


def test_the_fuzzer_reports_a_library_exception_as_a_bug(monkeypatch):
    """The property can fail: a bare exception inside an analysis is caught and reported."""
    from assay.engine.quality.calculator import QualityCalculator

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(QualityCalculator, "iter_fit", broken)  # the audit fits every calculator with iter_fit
    with pytest.raises((AssertionError, ValueError)):
        check_audit([FLOAT], "binary", "both", "balanced", (30, 30), "csv", 0, DEFAULT_SECTIONS)
