"""Bounded memory for the streamed quality's exact distinct counts and duplicate candidates: values written to
disk by hash partition once the state holds too many, and counted one partition at a time.

While a merged quality state holds more than `SpillPlan.budget` values (the distinct values of every column's
pieces and the row hashes together), the pieces of at least `SpillPlan.least` values are written out: one file per
column and spill, its values ordered by partition (a value's partition is the top bits of a hash of the value, so
equal values always land in the same partition), with the offsets of the partitions kept in memory; row hashes
likewise, with their global row numbers beside them. At the end each partition is loaded by itself and counted:
a value lies in exactly one partition, so the distinct counts add up exactly across partitions, and a hash that
occurs more than once occurs more than once within its partition. Equal floats -0.0 and 0.0 share a partition
(they are hashed as numbers after adding 0.0), and text by pandas' stable hash; other objects (mixed Python
values, which pandas may count as equal across types) are never written out.

Memory: at most about `budget` values (8 bytes each) held between spills, plus, while counting, one partition of
one column: rows / `partitions` values (their hash table a few times that). The files take 8 bytes per distinct
value and batch, 16 per row hash, in a temporary folder deleted when the audit ends.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of value * MIX spread any key's bits


@dataclass(frozen=True)
class SpillPlan:
    """Where and when the quality state is written to disk (picklable: part of a Pass's context)."""

    folder: str
    budget: int = 1 << 24  # values held in memory (all columns and row hashes) before a spill
    partitions: int = 64  # a power of two, at most 65,536
    least: int = 4096  # pieces smaller than this stay in memory (columns with few distinct values never spill)


@dataclass(frozen=True)
class Spilled:
    """One column's (or the row hashes') values of one spill, by partition: numbers in one file ordered by
    partition (read back through a memory map), text in one file per partition (objects cannot be mapped)."""

    paths: tuple[str, ...]  # one file, or one per partition (text)
    offsets: np.ndarray  # partitions + 1: partition p is values[offsets[p]:offsets[p + 1]]
    rows_path: str | None = None  # row hashes: the global row number of each hash, in the same order

    def reader(self) -> Callable[[int], np.ndarray]:
        """A function of p giving partition p's values (a number file is opened once, as a memory map)."""
        if len(self.paths) > 1:
            return lambda p: np.load(self.paths[p], allow_pickle=True)
        mapped = np.load(self.paths[0], mmap_mode="r")
        return lambda p: mapped[self.offsets[p]:self.offsets[p + 1]]

    def rows_reader(self) -> Callable[[int], np.ndarray]:
        mapped = np.load(self.rows_path, mmap_mode="r")
        return lambda p: mapped[self.offsets[p]:self.offsets[p + 1]]


def by_partition(spilled: list[Spilled], rows: bool = False) -> Iterator[list[np.ndarray]]:
    """For each partition in turn, its values in every spill (or their row numbers)."""
    if not spilled:
        return
    readers = [s.rows_reader() if rows else s.reader() for s in spilled]
    for p in range(len(spilled[0].offsets) - 1):
        yield [read(p) for read in readers]


def spillable(values: np.ndarray) -> bool:
    """Values whose partition follows from their value: numbers, dates, text."""
    if values.dtype.kind in "biufmM":
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string"


def partition_of(values: np.ndarray, partitions: int) -> np.ndarray:
    """Each value's partition: equal values (as pandas' `unique` compares them) get the same one."""
    if values.dtype.kind in "mM":
        values = values.view(np.int64)
    if values.dtype.kind in "biuf":
        keys = np.add(values.astype(np.float64), 0.0).view(np.uint64)  # ints and floats alike, -0.0 as 0.0
    else:
        keys = pd.util.hash_array(values)
    return hash_partition(keys, partitions)


def hash_partition(keys: np.ndarray, partitions: int) -> np.ndarray:
    shift = np.uint64(64 - int(partitions).bit_length() + 1)
    with np.errstate(over="ignore"):
        return ((keys * MIX) >> shift).astype(np.intp) if partitions > 1 else np.zeros(len(keys), dtype=np.intp)


def write(values: np.ndarray, part: np.ndarray, plan: SpillPlan, rows: np.ndarray | None = None) -> Spilled:
    """`values` (and their row numbers) to new files in the plan's folder, by partition."""
    order = np.argsort(part.astype(np.uint16), kind="stable")  # a radix sort
    offsets = np.zeros(plan.partitions + 1, dtype=np.int64)
    np.cumsum(np.bincount(part, minlength=plan.partitions), out=offsets[1:])
    folder = Path(plan.folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    ordered = values[order]
    if values.dtype == object:
        paths = tuple(str(folder / f"{name}-{p}.npy") for p in range(plan.partitions))
        for p, path in enumerate(paths):
            np.save(path, ordered[offsets[p]:offsets[p + 1]], allow_pickle=True)
    else:
        paths = (str(folder / f"{name}.npy"),)
        np.save(paths[0], ordered)
    rows_path = None
    if rows is not None:
        rows_path = str(folder / f"{name}-rows.npy")
        np.save(rows_path, rows[order])
    return Spilled(paths=paths, offsets=offsets, rows_path=rows_path)
