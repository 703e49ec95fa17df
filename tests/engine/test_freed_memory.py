"""Freed memory given back (engine/streaming/freed_memory.py): what Arrow's pool and glibc's heap hold unused after
the audit freed it leaves the process's resident memory."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from assay.engine.streaming.freed_memory import _malloc_trim, give_back

MB = 1 << 20


def resident_after(allocate: str) -> tuple[int, int]:
    """(resident MB before, after give_back), in a fresh process that ran `allocate` and freed it."""
    code = textwrap.dedent(f"""
        import numpy as np, pyarrow as pa
        from assay.engine.streaming.freed_memory import give_back
        def rss(): return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
        {allocate}
        before = rss(); give_back(); print(before, rss())
    """)
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(int, found.stdout.split())
    return before, after


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident memory read from /proc")
@pytest.mark.parametrize("allocate", [
    # Arrow's pool: 300 arrays of 1 MB computed by Arrow, freed
    "import pyarrow.compute as pc; base = pa.array(np.arange(1 << 17, dtype=np.float64)); "
    "arrays = [pc.add(base, i) for i in range(300)]; del arrays",
    # glibc's heap: 2,400 blocks of 128 kB (below its mmap threshold), all freed but the last
    "blocks = [np.ones(16_000) for _ in range(2_400)]; del blocks[:-1]",
])
def test_memory_freed_leaves_the_resident_set(allocate):
    before, after = resident_after(allocate)
    assert before - after > 200, (before, after)  # (about 300 MB were freed)


def test_give_back_can_be_called_anywhere_any_number_of_times():
    give_back()
    give_back()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_glibcs_malloc_trim_is_found_on_linux():
    assert _malloc_trim() is not None
