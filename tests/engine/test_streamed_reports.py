"""The whole streamed audit's JSON report equals the in-memory audit's, key by key (whole numbers exactly, the others
within 1e-12): the demo with its model, in one batch and in batches of 1,500 rows (drift includes the model's
prediction and score columns, read from the predictions kept when the model predicted each row once), and the
census data with its prediction columns. Taken out first, as differing by design: the run times, the digests,
provenance.compute and the [compute] section, the inputs' "read in batches", and estimation's skip reason (it
cannot stream: both paths skip it)."""
from __future__ import annotations

import json

import pytest

import assay.engine.prediction_batches as prediction_batches
from assay.engine.config import AuditConfig
from assay.engine.pipeline import run_audit
from tests.engine.streamed_model_runs import assert_same

FASTER = {"explain": {"rows": 150, "background_rows": 60}, "performance": {"bootstrap_resamples": 200},
          "fairness": {"bootstrap_resamples": 200}, "drift": {"permutations": 200}}


def report(audit, **compute) -> dict:
    """The audit's JSON report, on the path [compute] gives (`compute`), sections made faster on both paths."""
    config = AuditConfig.from_toml(audit).to_dict()
    for section, values in FASTER.items():
        config[section] = {**config[section], **values}
    config["compute"] = {**config["compute"], **compute}
    return json.loads(run_audit(AuditConfig.from_dict(config, base_dir=audit.parent)).to_json())


def comparable(found: dict) -> dict:
    """The report without what the two paths write differently by design (see the module's docstring)."""
    found = json.loads(json.dumps(found))
    found.pop("integrity")
    provenance = found["provenance"]
    for key in ("started_at", "finished_at", "duration_s", "versions", "compute"):
        provenance.pop(key)
    provenance["config"].pop("compute")
    for entry in provenance["inputs"]:
        entry["detail"] = entry["detail"].removesuffix(", read in batches")
    found["analyses"]["estimation"].pop("reason")
    return found


def assert_same_report(streamed: dict, memory: dict) -> None:
    assert memory["provenance"]["compute"]["path"] == "memory"
    assert streamed["provenance"]["compute"]["path"] == "streamed"
    assert memory["analyses"]["estimation"]["status"] == streamed["analyses"]["estimation"]["status"] == "skipped"
    assert "cannot run on streamed data" in streamed["analyses"]["estimation"]["reason"]
    assert_same(comparable(streamed), comparable(memory))


@pytest.fixture(scope="module")
def demo_memory(demo_audit):
    return report(demo_audit, path="memory")


@pytest.mark.parametrize("batch_rows", [262_144, 1_500])
def test_the_demo_streamed_gives_the_in_memory_report(demo_audit, demo_memory, batch_rows, monkeypatch):
    predicted = []
    predict = prediction_batches.iter_predict

    def counted(model, frame, schema, role, *args, **kwargs):
        predicted.append((role, kwargs["first_row"], len(frame)))
        return predict(model, frame, schema, role, *args, **kwargs)

    monkeypatch.setattr(prediction_batches, "iter_predict", counted)
    streamed = report(demo_audit, path="streamed", batch_rows=batch_rows)
    assert_same_report(streamed, demo_memory)
    assert {f["feature"]: f["role"] for f in streamed["drift"]["features"]
            if f["role"] in ("prediction", "score")} == {"prediction": "prediction", "score": "score"}
    assert all(streamed["analyses"][name]["status"] == "ran"
               for name in ("quality", "performance", "drift", "fairness", "explanations"))
    for role in ("reference", "production"):  # each row predicted once, whatever the passes that read it
        rows = sorted((first, count) for r, first, count in predicted if r == role)
        assert [first for first, _ in rows] == list(range(0, 12_000, min(batch_rows, 12_000)))
        assert sum(count for _, count in rows) == 12_000


def test_the_census_data_streamed_gives_the_in_memory_report(employment_audit):
    memory = report(employment_audit, path="memory")
    streamed = report(employment_audit, path="streamed", batch_rows=50_000)
    assert streamed["provenance"]["compute"]["batches"] > 2 * 5  # the production's 208,892 rows split in each pass
    assert_same_report(streamed, memory)
    outputs = {f["feature"] for f in streamed["drift"]["features"] if f["role"] in ("prediction", "score")}
    assert outputs == {"prediction", "predicted_probability"}
    assert streamed["provenance"]["inputs"][1]["time_range"] == ["2016", "2018"]
