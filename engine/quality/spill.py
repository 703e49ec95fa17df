"""Bounded memory for the streamed quality's exact distinct counts and duplicate candidates: values written to
disk by hash partition once the state holds too many, and counted a few partitions at a time.

While a merged quality state holds more than `SpillPlan.budget` values (the distinct values of every column's
pieces and the row hashes together), the pieces of at least `SpillPlan.least` values are written out: one file per
column and spill, each piece's values ordered by partition (a value's partition is the top bits of a hash of the value, so
equal values always land in the same partition), with the offsets of the partitions kept in memory; row hashes
likewise, with their global row numbers beside them. At the end the values are read back in chunks of adjacent
partitions (`chunks`: about `SpillPlan.chunk` values each, so that counting them stays in the processor's cache)
and counted chunk by chunk: a value lies in exactly one partition, so the distinct counts add up exactly across
chunks, and a hash that occurs more than once occurs more than once within its chunk. Values held in memory are
grouped the same way (`group`), so that a large column is counted by chunks even when nothing spilled. Equal floats
-0.0 and 0.0 share a partition (they are hashed as numbers after adding 0.0), and text by pandas' stable hash;
other objects (mixed Python values, which pandas may count as equal across types) are never written out.

Memory: at most about `budget` values (8 bytes each) held between spills, plus, while counting, one chunk of one
column. The files take 8 bytes per value and spill, 16 per row hash, in a temporary folder deleted when the audit
ends; text is written in at most `TEXT_FILES` files per spill (objects cannot be memory-mapped).
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from abc import ABC, abstractmethod
from contextlib import contextmanager, nullcontext
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from assay.engine.quality import kernels

MIX = kernels.MIX  # a key's partition: the top bits of key * MIX
TEXT_FILES = 64  # text of one spill: files of adjacent partitions
PARTITIONS = 256  # partitions of the values held in memory when nothing spilled (a power of two)
NO_ROWS = np.empty(0, dtype=np.int64)  # group() without row numbers
CHUNK = 1 << 16  # values counted at once (`chunks`): their hash table stays in the processor's cache
BLOCK = 1 << 22  # numbers read back at once (`chunks`, 32 MB of 8-byte values), then cut into chunks in memory: a
# read per segment and chunk made millions of small reads at 100,000,000 rows (60 of the quality's 150 s)


@dataclass(frozen=True)
class SpillPlan:
    """Where and when the quality state is written to disk (picklable: part of a Pass's context)."""

    folder: str
    budget: int = 1 << 23  # values held in memory (all columns and row hashes) before a spill (64 MB; quality runs
    # beside drift, whose states are held at the same time: 1 << 24 cost about 90 MB more at the peak, no faster)
    partitions: int = PARTITIONS  # a power of two, at most 65,536
    least: int = 4096  # pieces smaller than this stay in memory (columns with few distinct values never spill)


class Grouped(ABC):
    """Values ordered by partition within each of their segments, with the offsets of the partitions: row s of
    `offsets` gives segment s's partition p as values[offsets[s, p]:offsets[s, p + 1]] (in memory, or a spill)."""

    offsets: np.ndarray  # segments x (partitions + 1)

    @abstractmethod
    def reader(self) -> Reader:
        """A Reader of these partitions (Held: in memory; Spilled: from its files)."""


class Reader:
    """Reads one Grouped's partitions: slices of arrays in memory, or of its files (opened once)."""

    def __init__(self, offsets: np.ndarray, values: np.ndarray | None = None, rows: np.ndarray | None = None,
                 paths: tuple[str, ...] = (), files: dict[bool, tuple[BinaryIO, np.dtype]] | None = None) -> None:
        self.offsets, self.values, self.rows, self.paths, self.files = offsets, values, rows, paths, files or {}
        self.loaded: tuple[int, np.ndarray] | None = None  # text: the file read last

    @functools.cached_property
    def bounds(self) -> list[list[int]]:
        """Partition p's start in each segment (plain ints: slicing is cheap)."""
        return self.offsets.T.tolist()

    def read_into(self, out: np.ndarray, at: int, low: np.ndarray, high: np.ndarray, rows: bool = False) -> int:
        """Numbers (or their row numbers) at positions low[s] to high[s] of each segment s, into `out` from `at`
        on, one range after the other: with one read per range from a file. Returns where they end in `out`."""
        ranges = [(a, b) for a, b in zip(low.tolist(), high.tolist())]
        size = sum(b - a for a, b in ranges)
        if rows in self.files:
            file, dtype = self.files[rows]
            _read_ranges(file, dtype, ranges, out[at:at + size])
            return at + size
        held = self.rows if rows else self.values
        for a, b in ranges:
            out[at:at + b - a] = held[a:b]
            at += b - a
        return at

    def read(self, first: int, last: int, rows: bool = False) -> list[np.ndarray]:
        """The values (or their row numbers) of partitions first to last - 1, segment by segment (from a file,
        in one array)."""
        ranges = [(low, high) for low, high in zip(self.bounds[first], self.bounds[last]) if high > low]
        if rows in self.files:
            return [_read_ranges(*self.files[rows], ranges)]
        if rows or self.values is not None:
            held = self.rows if rows else self.values
            return [held[low:high] for low, high in ranges]
        offsets = self.offsets[0]  # text: one segment, in files of adjacent partitions
        per_file = (len(offsets) - 1) // len(self.paths)
        pieces = []
        for f in range(first // per_file, (last - 1) // per_file + 1):
            if self.loaded is None or self.loaded[0] != f:
                self.loaded = (f, np.load(self.paths[f], allow_pickle=True))
            base = offsets[f * per_file]
            low, high = max(first, f * per_file), min(last, (f + 1) * per_file)
            pieces.append(self.loaded[1][offsets[low] - base:offsets[high] - base])
        return pieces


def _read_ranges(file: BinaryIO, dtype: np.dtype, ranges: list[tuple[int, int]], out: np.ndarray | None = None
                 ) -> np.ndarray:
    """The values at `ranges` (positions in the file) of a file of numbers, read into one array (`out`, else a new
    one; read calls rather than a memory map: this process's memory holds a chunk, not the files read so far)."""
    if out is None:
        out = np.empty(sum(high - low for low, high in ranges), dtype=dtype)
    buffer, size, at = memoryview(out).cast("B"), dtype.itemsize, 0
    for low, high in ranges:
        start, end = at, at + (high - low) * size
        while at < end:  # a read may return less than asked
            at += os.preadv(file.fileno(), [buffer[at:end]], low * size + at - start)
    return out


@dataclass(frozen=True, eq=False)
class Held(Grouped):
    """Values held in memory, ordered by partition."""

    values: np.ndarray
    offsets: np.ndarray
    rows: np.ndarray | None = None

    def reader(self) -> Reader:
        return Reader(self.offsets, self.values, self.rows)


@dataclass(frozen=True, eq=False)
class Spilled(Grouped):
    """One column's (or the row hashes') values of one spill, by partition: numbers in one raw file of segments
    (one per piece, each ordered by partition; read back by ranges), text in files of adjacent
    partitions."""

    paths: tuple[str, ...]  # one file, or one per run of partitions (text)
    offsets: np.ndarray
    dtype: np.dtype = np.dtype(object)
    rows_path: str | None = None  # row hashes: the global row number of each hash, in the same order

    def reader(self) -> Reader:
        files = {}
        if self.dtype.kind != "O":
            files[False] = (open(self.paths[0], "rb", buffering=0), self.dtype)  # closed with the Reader
        if self.rows_path:
            files[True] = (open(self.rows_path, "rb", buffering=0), np.dtype(np.int64))
        return Reader(self.offsets, paths=self.paths, files=files)


def partitions_for(rows: int) -> int:
    """Partitions (a power of two, PARTITIONS to 4096) such that one holds at most about two CHUNKs of a column's
    values even when all of `rows` are distinct."""
    wanted = 1 << max(0, int(np.log2(max(rows, 1) / CHUNK)))
    return min(max(PARTITIONS, wanted), 4096)


def chunks(groups: Sequence[Grouped], target: int, rows: bool = False
           ) -> Iterator[tuple[list[np.ndarray], list[np.ndarray] | None]]:
    """The values of every group, adjacent partitions at a time (about `target` values in all; a partition is
    never split), with their row numbers when `rows`. Numbers of one dtype are read a block of about BLOCK values
    at a time (`_blocks`); text, or numbers of several dtypes, a chunk at a time."""
    if not groups:
        return
    readers = [g.reader() for g in groups]
    ends = np.cumsum(np.sum([np.diff(g.offsets, axis=1).sum(axis=0) for g in groups], axis=0))
    dtypes = {g.values.dtype if isinstance(g, Held) else g.dtype for g in groups}
    if len(dtypes) == 1 and next(iter(dtypes)).kind in "biufmM":
        yield from _blocks(readers, ends, next(iter(dtypes)), target, rows)
        return
    first = 0
    while first < len(ends):
        last = _until(ends, first, target)
        yield ([v for r in readers for v in r.read(first, last)],
               [v for r in readers for v in r.read(first, last, rows=True)] if rows else None)
        first = last


def _until(ends: np.ndarray, first: int, target: int) -> int:
    """Where a run of adjacent partitions from `first` holding about `target` values ends (at least one)."""
    done = ends[first - 1] if first else 0
    return max(int(np.searchsorted(ends, done + target, side="right")), first + 1)


def _blocks(readers: list[Reader], ends: np.ndarray, dtype: np.dtype, target: int, rows: bool
            ) -> Iterator[tuple[list[np.ndarray], list[np.ndarray] | None]]:
    """`chunks` of numbers: each block of adjacent partitions read with one read per segment (into one array),
    ordered by partition in one compiled pass (kernels.regroup), and cut into chunks of about `target` values
    in memory."""
    first = 0
    while first < len(ends):
        last = _until(ends, first, max(BLOCK, target))
        values, bounds = _block(readers, first, last, dtype, rows=False)
        numbers = _block(readers, first, last, np.dtype(np.int64), rows=True)[0] if rows else None
        at = first
        while at < last:
            stop = min(_until(ends, at, target), last)
            low, high = bounds[at - first], bounds[stop - first]
            yield [values[low:high]], None if numbers is None else [numbers[low:high]]
            at = stop
        first = last


def _block(readers: list[Reader], first: int, last: int, dtype: np.dtype, rows: bool
           ) -> tuple[np.ndarray, np.ndarray]:
    """The values (or row numbers) of partitions first to last - 1 of every reader's segments, ordered by
    partition, and where each of those partitions begins in them (then their end)."""
    starts = [r.offsets[:, first:last + 1] for r in readers]  # each segment's partitions, where they begin
    size = sum(int((s[:, -1] - s[:, 0]).sum()) for s in starts)
    data = np.empty(size, dtype=dtype)
    at, positions = 0, []
    for reader, start in zip(readers, starts):
        at = reader.read_into(data, at, start[:, 0], start[:, -1], rows)
        lengths = start[:, -1] - start[:, 0]
        positions.append(start - start[:, :1] + (np.cumsum(lengths) - lengths + at - lengths.sum())[:, None])
    bits = data.view(f"u{dtype.itemsize}")  # (numba cannot hold half floats: the bits are moved as they are)
    ordered, bounds = kernels.regroup(bits, np.concatenate(positions).astype(np.int64))
    return ordered.view(dtype), bounds


def spillable(values: np.ndarray) -> bool:
    """Values whose partition follows from their value: numbers, dates, text."""
    if values.dtype.kind in "biufmM":
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string"


def partition_of(values: np.ndarray, partitions: int) -> np.ndarray:
    """Each value's partition: equal values (as pandas' `unique` compares them) get the same one. Numbers are
    hashed as float64 keys (kernels.float_keys: ints and floats alike, -0.0 as 0.0; NaN has no place here, missing
    values are never distinct values), text by pandas' stable hash."""
    if values.dtype.kind in "biufmM":
        keys = kernels.float_keys(values.view(np.int64) if values.dtype.kind in "mM" else kernels.widened(values))
    else:
        keys = pd.util.hash_array(values)
    return hash_partition(keys, partitions)


def hash_partition(keys: np.ndarray, partitions: int) -> np.ndarray:
    """The top bits of each key times MIX (16-bit partition numbers)."""
    return kernels.key_partitions(keys, 64 - int(partitions).bit_length() + 1)


def group(values: np.ndarray, part: np.ndarray, partitions: int, rows: np.ndarray | None = None) -> Held:
    """`values` (and their row numbers) ordered by partition, in memory: one segment."""
    if values.dtype.kind in "biufmM":  # a counting sort, one pass
        bits = values.view(f"u{values.dtype.itemsize}")  # moved as they are (numba cannot hold half floats)
        ordered, ordered_rows, offsets = kernels.partition_sort(part, partitions, bits,
                                                                 NO_ROWS if rows is None else rows)
        return Held(values=ordered.view(values.dtype), offsets=offsets[None, :],
                    rows=None if rows is None else ordered_rows)
    order, offsets = kernels.partition_order(part, partitions)
    return Held(values=values[order], offsets=offsets[None, :], rows=None if rows is None else rows[order])


def write(pieces: list[np.ndarray], plan: SpillPlan, rows: list[np.ndarray] | None = None,
          hashed: bool = False) -> Spilled:
    """`pieces` of values (and their row numbers) to new files in the plan's folder, each piece ordered by
    partition (a piece of a batch's size sorts in the processor's cache); text as one piece. `hashed`: the values
    are row hashes, partitioned by `hash_partition`, else by `partition_of`."""
    folder = Path(plan.folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    dtype = np.result_type(*{p.dtype for p in pieces})
    if dtype.kind == "O":
        values = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        held = group(values, partition_of(values, plan.partitions), plan.partitions)
        files = min(TEXT_FILES, plan.partitions)
        per_file = plan.partitions // files
        paths = tuple(str(folder / f"{name}-{f}.npy") for f in range(files))
        for f, path in enumerate(paths):
            low, high = held.offsets[0, f * per_file], held.offsets[0, (f + 1) * per_file]
            np.save(path, held.values[low:high], allow_pickle=True)
        return Spilled(paths=paths, offsets=held.offsets)
    offsets, start = [], 0
    paths = (str(folder / f"{name}.bin"),)
    rows_path = str(folder / f"{name}-rows.bin") if rows is not None else None
    with open(paths[0], "wb") as out, (open(rows_path, "wb") if rows_path else nullcontext()) as out_rows:
        for i, piece in enumerate(pieces):
            piece = piece.astype(dtype, copy=False)
            part = hash_partition(piece, plan.partitions) if hashed else partition_of(piece, plan.partitions)
            held = group(piece, part, plan.partitions, None if rows is None else rows[i])
            out.write(memoryview(held.values))
            if rows is not None:
                out_rows.write(memoryview(held.rows))
            offsets.append(held.offsets[0] + start)
            start += len(piece)
    return Spilled(paths=paths, offsets=np.array(offsets), dtype=dtype, rows_path=rows_path)



def remove(spilled: Sequence[Spilled]) -> None:
    """Delete the files of spills no longer needed."""
    for s in spilled:
        for path in s.paths + ((s.rows_path,) if s.rows_path else ()):
            os.unlink(path)


DELETER = "assay-spill-delete"  # the name of the threads that delete spill folders
_deleting: list[threading.Thread] = []
_deleting_lock = threading.Lock()


@contextmanager
def scratch_folder(prefix: str = "assay-quality-") -> Iterator[str]:
    """A temporary folder for spills, deleted when the block ends, whether it finished or was stopped. The deleting
    runs in a thread of its own: many gigabytes of files take seconds to delete (3.4 s for the 16 GB spilled at
    100,000,000 rows) that neither the audit's result nor a cancel should wait for. The thread is not a daemon, so
    the process waits for it before it exits and no file is left behind; a block never ended (its thread killed
    at exit) has its folder deleted as the interpreter exits, as TemporaryDirectory does."""
    folder = tempfile.mkdtemp(prefix=prefix)
    holder = _Holder()
    leftover = weakref.finalize(holder, shutil.rmtree, folder, True)
    try:
        yield folder
    finally:
        leftover.detach()
        deleter = threading.Thread(target=shutil.rmtree, args=(folder, True), name=DELETER)
        deleter.start()
        with _deleting_lock:
            _deleting[:] = [t for t in _deleting if t.is_alive()] + [deleter]
        del holder


class _Holder:
    """What the folder's exit-time deletion hangs on (weakref.finalize needs an object)."""


def wait_deleted() -> None:
    """Wait until the folders handed to deleting threads are gone (tests; a process waits by itself at exit)."""
    with _deleting_lock:
        threads, _deleting[:] = list(_deleting), []
    for thread in threads:
        thread.join()
