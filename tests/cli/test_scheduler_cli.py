"""`assay audit --scheduler ADDRESS`: an address that does not answer, or is not an address, is bad input (exit 2,
one line naming it, nothing written). The audit on a LocalCluster itself: tests/engine/test_dask_executor.py."""
from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import write_audit


@pytest.fixture
def audit(tmp_path):
    rng = np.random.default_rng(3)
    for name in ("reference", "production"):
        pd.DataFrame({"amount": rng.normal(size=500), "region": rng.choice(["n", "s"], 500)}).to_parquet(
            tmp_path / f"{name}.parquet", index=False)
    return write_audit(tmp_path, data={"reference": str(tmp_path / "reference.parquet"),
                                       "production": str(tmp_path / "production.parquet")})


def audit_cli(audit, *args: str) -> subprocess.CompletedProcess:
    # the timeout guards against a hang; the connection's own limit is CONNECT_TIMEOUT_S (4 s)
    return subprocess.run([sys.executable, "-m", "assay.engine.cli", "audit", str(audit), "--json",
                           str(audit.parent / "out.json"), *args], capture_output=True, text=True, timeout=120)


def test_a_scheduler_that_does_not_answer_exits_2_naming_it(audit):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    result = audit_cli(audit, "--scheduler", address)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback, no log of Dask's
    assert f"the Dask scheduler at {address} did not answer within 4 s" in result.stderr
    assert not (audit.parent / "out.json").exists()


def test_a_scheduler_that_is_not_an_address_exits_2_naming_the_key(audit):
    result = audit_cli(audit, "--scheduler", "localhost:8786")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("assay: error: compute.scheduler: 'localhost:8786' is not a scheduler address")
    assert not (audit.parent / "out.json").exists()
