"""The values a streamed drift pass gathers of its candidate buckets (engine/drift/partials.py), 16 bytes a value
(the value, its bucket and its part), held as pieces in row order: merging two states joins their lists of pieces
(nothing is copied, so that a pass does not copy its growing state at every batch), and once a merged state holds
more than `GatherSpill.budget` values in memory its pieces are written to disk, one file per column and spill. The
tests then load one column at a time (`Gathered.loaded`): the memory holds the gathered values of one column, not
of all of them. The files go to a temporary folder that the drift deletes when it ends.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RECORD = np.dtype([("values", "<f8"), ("bucket", "<i4"), ("part", "<i4")])


@dataclass(frozen=True)
class GatherSpill:
    """Where and when gathered values go to disk (picklable: part of a Pass's context)."""

    folder: str
    budget: int = 1 << 22  # values held in memory by a merged state (all columns) before its pieces are written


@dataclass
class Gathered:
    """One column's gathered values in row order: record arrays in memory and paths of pieces written to disk."""

    pieces: list[np.ndarray | str]

    @classmethod
    def of(cls, values: np.ndarray, bucket: np.ndarray, part: np.ndarray) -> Gathered:
        found = np.empty(values.size, dtype=RECORD)
        found["values"], found["bucket"], found["part"] = values, bucket, part
        return cls([found])

    @classmethod
    def empty(cls) -> Gathered:
        return cls([])

    @property
    def held(self) -> int:
        """Values held in memory."""
        return sum(p.size for p in self.pieces if not isinstance(p, str))

    def joined(self, other: Gathered) -> Gathered:
        """These values, then `other`'s."""
        return Gathered(self.pieces + other.pieces)

    def spilled(self, folder: str) -> Gathered:
        """The same values, those held in memory written to one file in `folder` per run of pieces."""
        pieces, run = [], []
        for piece in [*self.pieces, None]:
            if piece is not None and not isinstance(piece, str):
                run.append(piece)
                continue
            if run:
                path = Path(folder) / f"{uuid.uuid4().hex}.npy"
                np.save(path, np.concatenate(run))
                pieces.append(str(path))
                run = []
            if piece is not None:
                pieces.append(piece)
        return Gathered(pieces)

    def loaded(self) -> LoadedValues:
        """Every value, read back from disk where written, as plain arrays (filled a piece at a time: the memory
        holds the arrays and one piece, not every piece twice over)."""
        sizes = [_records(p).size for p in self.pieces]  # (a written piece's size is in its header)
        found = LoadedValues(np.empty(sum(sizes), dtype=RECORD["values"]), np.empty(sum(sizes), dtype=RECORD["bucket"]),
                             np.empty(sum(sizes), dtype=RECORD["part"]))
        at = 0
        for piece, size in zip(self.pieces, sizes):
            records = _records(piece)
            found.values[at:at + size] = records["values"]
            found.bucket[at:at + size] = records["bucket"]
            found.part[at:at + size] = records["part"]
            at += size
            del records  # (a written piece's mapping goes before the next is read)
        return found

    @property
    def values(self) -> np.ndarray:
        return self.loaded().values

    @property
    def bucket(self) -> np.ndarray:
        return self.loaded().bucket

    @property
    def part(self) -> np.ndarray:
        return self.loaded().part


def _records(piece: np.ndarray | str) -> np.ndarray:
    """A piece's records: held, or mapped from its file (read as they are copied)."""
    return np.load(piece, mmap_mode="r") if isinstance(piece, str) else piece


@dataclass
class LoadedValues:
    values: np.ndarray  # in row order
    bucket: np.ndarray
    part: np.ndarray

    def kept(self, keep: np.ndarray) -> Gathered:
        """The values where `keep`, as pieces."""
        return Gathered.of(self.values[keep], self.bucket[keep], self.part[keep])


def spill_all(found: dict[str, Gathered], spill: GatherSpill | None) -> dict[str, Gathered]:
    """`found`, its columns' pieces written to disk when they hold more than the budget in memory."""
    if spill is None or sum(g.held for g in found.values()) <= spill.budget:
        return found
    Path(spill.folder).mkdir(parents=True, exist_ok=True)
    return {name: g.spilled(spill.folder) if g.held else g for name, g in found.items()}
