"""Compiled loops for the engine's per-batch kernels (engine/drift/kernels.py, engine/quality/kernels.py).

`kernel` is numba's `njit` with `nogil` (the audit's threads then compute at the same time) and numba's on-disk
cache whenever the kernel's source file exists: in a checkout's `__pycache__`, or numba's folder in the user's
cache when that is not writable. The desktop bundle ships the kernels' source files for that
(installers/assay.spec), so it compiles them once per machine rather than once per run; an environment without the
source files compiles them at first use in each process.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba


def kernel(function: Callable | None = None, **options: Any) -> Any:
    """`@kernel` or `@kernel(inline="always")`: the function compiled by numba, nogil, cached where it can be."""
    def compile_(found: Callable) -> Any:
        cache = Path(inspect.getfile(found)).is_file()
        return numba.njit(cache=cache, nogil=True, **options)(found)

    return compile_ if function is None else compile_(function)


KERNEL_MODULES = ("assay.engine.drift.kernels", "assay.engine.quality.kernels")


def cached_kernels() -> dict[str, list[str]]:
    """Per kernel module, the kernels whose compiled code numba's cache holds on disk (its index files): what
    `assay --selftest` checks, since a bundle without the kernels' sources would compile them in every run."""
    import importlib

    found: dict[str, list[str]] = {}
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        found[name] = []
        for attribute, value in vars(module).items():
            folder = getattr(getattr(value, "_cache", None), "cache_path", None)
            if folder and any(Path(folder).glob(f"*.{attribute}-*.nbi")):
                found[name].append(attribute)
    return found
