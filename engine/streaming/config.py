"""[compute]: which path an audit takes (in memory, streamed in batches, or on a Dask cluster) and its batches
(light: the audit file's reader imports it at start-up)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assay.engine.section import Section, at_least, fail

SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/:]+:\d{1,5}$")  # scheduler = "tcp://host:8786"


@dataclass(frozen=True)
class ComputeConfig(Section):
    """[compute]: "auto" streams when an input is a folder or a glob, or when the tables would take more than
    memory_limit_mb in memory (0: a quarter of the machine's memory); "memory" reads them whole (today's path);
    "streamed" reads them in batches of batch_rows. A scheduler ("local" or "tcp://host:port") runs the streamed
    passes on a Dask cluster. The streamed schema is inferred from a seeded sample of sample_rows rows of each
    dataset (all rows when there are fewer)."""

    path: Literal["auto", "memory", "streamed"] = "auto"
    scheduler: str = ""
    batch_rows: int = 1 << 18
    memory_limit_mb: int = 0
    sample_rows: int = 200_000

    def validate(self, section: str) -> None:
        at_least(self, section, {"batch_rows": 1, "memory_limit_mb": 0, "sample_rows": 1})
        check_scheduler(self.scheduler, section)


def check_scheduler(address: str, section: str = "compute") -> None:
    """"" (no cluster), "local" or a scheduler's address; anything else is a ConfigError naming the key."""
    if address and address != "local" and not SCHEDULER_ADDRESS.match(address):
        raise fail(section, "scheduler", f"{address!r} is not a scheduler address; give \"local\" (two worker "
                   f"processes on this machine) or the address of a running dask scheduler such as "
                   f"\"tcp://host:8786\"")
