"""Ctrl+C that Python wraps in another exception is still a cancel for `assay audit` (issue #9, item 5).

Python 3.11 turns a KeyboardInterrupt raised while a class is being created (during an import: matplotlib's
when the PDF build starts) into "RuntimeError: Error calling __set_name__ ...": the CLI reported it as an
internal error ("please report it") instead of "cancelled; nothing was written" with exit code 130. Found by
tests/cli/test_cancel_cli.py, which sends SIGINT as the PDF build starts, failing once in four runs.
"""
from __future__ import annotations

from assay.engine import cli
from tests.conftest import write_audit


class _Interrupting:
    def __set_name__(self, owner, name):
        raise KeyboardInterrupt


def _wrapped_interrupt() -> BaseException:
    try:
        type("Owner", (), {"attribute": _Interrupting()})  # a RuntimeError from it on Python 3.11
    except BaseException as exc:  # noqa: BLE001 - on 3.12 and later the KeyboardInterrupt itself
        return exc
    raise AssertionError("creating the class did not raise")


def test_an_interrupt_behind_another_exception_is_found():
    caught = _wrapped_interrupt()
    assert isinstance(cli._interruption(caught), KeyboardInterrupt)
    assert cli._interruption(ValueError("a real error")) is None
    loop = RuntimeError("a")
    loop.__context__ = RuntimeError("b")
    loop.__context__.__context__ = loop  # a cycle in the chain: no endless loop
    assert cli._interruption(loop) is None


def test_the_cli_calls_a_wrapped_ctrl_c_a_cancel(tmp_path, monkeypatch, capsys):
    import assay.engine.pipeline

    def interrupted(config, **kwargs):
        raise _wrapped_interrupt()
        yield  # a generator, as the real one

    monkeypatch.setattr(assay.engine.pipeline, "iter_audit", interrupted)
    audit = write_audit(tmp_path, data={"reference": "ref.csv", "production": "prod.csv"})
    out = tmp_path / "out"
    out.mkdir()
    code = cli.main(["audit", str(audit), "--json", str(out / "report.json"), "--quiet"])
    assert code == 130
    assert capsys.readouterr().err.strip() == "assay: cancelled; nothing was written"
    assert list(out.iterdir()) == []


def test_other_errors_are_still_reported_as_errors(tmp_path, monkeypatch, capsys):
    import assay.engine.pipeline

    def failing(config, **kwargs):
        raise ValueError("boom")
        yield

    monkeypatch.setattr(assay.engine.pipeline, "iter_audit", failing)
    audit = write_audit(tmp_path, data={"reference": "ref.csv", "production": "prod.csv"})
    assert cli.main(["audit", str(audit), "--quiet"]) == 2
    assert "internal error (ValueError: boom)" in capsys.readouterr().err
