"""provenance.compute: which path an audit ran on (in memory, streamed in batches, on a Dask cluster), its rows,
batches, workers and seconds; and the line the PDF and the app show for it (light: the app imports it)."""
from __future__ import annotations

from typing import Any

PATH_WORDS = {"memory": "in memory (tables read whole)", "streamed": "streamed (read in batches, in this process)",
              "dask": "streamed on a Dask cluster"}


def compute_provenance(path: str, scheduler: str, batches: int | None, reference_rows: int, production_rows: int,
                       seconds: float, workers: int | None) -> dict[str, Any]:
    """provenance.compute in the JSON."""
    return {"path": path, "scheduler": scheduler, "batches": batches,
            "rows": {"reference": reference_rows, "production": production_rows}, "seconds": seconds,
            "workers": workers}


def describe_compute(compute: dict[str, Any] | None, rows: bool = True) -> str:
    """"streamed (read in batches, in this process): 1,000,000 reference and 5,000,000 production rows in 24
    batches", for the PDF and the app (`rows`: with the rows and batches)."""
    if not compute:
        return PATH_WORDS["memory"]
    text = PATH_WORDS.get(compute.get("path", ""), str(compute.get("path")))
    counted = compute.get("rows") or {}
    if rows and counted:
        text += f": {counted.get('reference', 0):,} reference and {counted.get('production', 0):,} production rows"
    if rows and compute.get("batches"):
        text += f" in {compute['batches']:,} batches"
    if compute.get("scheduler"):
        text += f", scheduler {compute['scheduler']}"
    if compute.get("workers") and compute.get("path") == "dask":
        text += f", {compute['workers']} workers"
    return text
