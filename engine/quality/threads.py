"""The columns of a batch measured at once: a function over items on a few threads, in order (numpy's sorts,
pandas' hash tables and file writes release the GIL for much of their work, so a second core does the work of other
columns). The threads live for one call: none is left when the call returns or raises (a pass cancelled between
batches has none running), and the first item's error, in order, is raised in the caller."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

THREADS = 2  # threads per call (the machines we target have two cores or more)
NAME = "assay-quality"  # the threads' name prefix

Item = TypeVar("Item")
Out = TypeVar("Out")


def each(function: Callable[[Item], Out], items: Sequence[Item]) -> Iterator[Out]:
    """function(item) for every item, yielded in order as each is done (only the results not yet taken are held),
    on up to THREADS threads; the items not started are dropped once one raised or the caller stops taking."""
    if THREADS < 2 or len(items) < 2:
        yield from (function(item) for item in items)
        return
    pool = ThreadPoolExecutor(max_workers=min(THREADS, len(items)), thread_name_prefix=NAME)
    try:
        yield from pool.map(function, items)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
