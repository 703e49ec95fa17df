"""The saved last report is read back by an unpickler that builds only Assay's result types and plain values."""
from __future__ import annotations

import os
import pickle

import pytest

from assay.app.saved_results import UnsafeResultsError, dump_report, load_report


class Boom:
    """Unpickling this would call os.system."""

    def __reduce__(self):
        return os.system, ("touch should-never-exist",)


def test_a_report_round_trips_whole(small_demo_report):
    restored = load_report(dump_report(small_demo_report))
    assert restored.to_json() == small_demo_report.to_json()


@pytest.mark.parametrize("payload", [
    Boom(),
    {"report": Boom()},
    print,  # a builtin function
])
def test_anything_but_result_types_is_refused_before_it_runs(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafeResultsError):
        load_report(pickle.dumps(payload))
    assert not (tmp_path / "should-never-exist").exists()


def test_engine_functions_and_non_report_values_are_refused(small_demo_report):
    from assay.engine.pipeline import run_audit

    with pytest.raises(UnsafeResultsError, match="assay.engine.pipeline.run_audit"):
        load_report(pickle.dumps(run_audit))
    with pytest.raises(UnsafeResultsError, match="not an audit report"):
        load_report(pickle.dumps(small_demo_report.findings))
    with pytest.raises((pickle.UnpicklingError, EOFError, ValueError)):
        load_report(dump_report(small_demo_report)[:-100])  # truncated
