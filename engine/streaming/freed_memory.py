"""Memory the streamed audit has freed, given back to the operating system at the points where much was freed.

Freed memory is not returned by itself. Arrow's allocator (mimalloc) keeps the blocks of the batches it has read
for later reads. glibc's heap keeps freed blocks below its top and those of each thread's arena. Both then count
in the process's resident memory although nothing uses them. At 100,000,000 rows they held about 300 MB at the
audit's peak and 500 MB after the schema's samples were read.

`give_back()` asks both to return what they hold unused: Arrow's pool (`release_unused`) and glibc's heap
(`malloc_trim`, where the C library has it: Linux with glibc). It takes a few milliseconds, so it is called where
much has just been freed: after the schema's samples, every `EVERY` batches of a pass and at its end, and before
each column's drift tests. Elsewhere (macOS, Windows, musl) only Arrow's pool is asked.
"""
from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable

EVERY = 16  # batches of a pass between two calls


def give_back() -> None:
    """Return the memory Arrow's pool and the C library's heap hold unused to the operating system."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim (among the symbols the process has loaded), or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)  # (musl has none)
    except OSError:
        return None
