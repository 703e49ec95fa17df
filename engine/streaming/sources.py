"""Streamed inputs: a file, a folder of files (hive-partitioned or not) or a glob pattern opened as a Source of
Fragments (a Parquet row group, a Feather record batch, a whole CSV file), and a Fragment read in batches of
pandas rows with the dtypes the in-memory loader (engine/tables.py) gives the whole table.

Opening reads only the files' footers: the unified schema (files disagreeing on a column's type are refused,
naming both files and the column), the rows and the fragments. A file that cannot be opened (truncated, not a
table) is refused when the Source opens, before any analysis runs, naming the file.
"""
from __future__ import annotations

import functools
import glob as globbing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa

from assay.engine.errors import InputError
from assay.engine.input_files import short_error
from assay.engine.csv_reader import CSV_SUFFIXES
from assay.engine.tables import FEATHER_SUFFIXES, PARQUET_SUFFIXES, TABLE_BATCH_ROWS, _table_format

GLOB_CHARACTERS = set("*?[")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
IGNORED_PREFIXES = (".", "_")  # _SUCCESS, _metadata, .crc files written next to the data by Spark and Hadoop
FORMAT_NAMES = {"parquet": "Parquet", "feather": "Feather", "csv": "CSV"}  # a Source's format as the report names it
DATA_SUFFIXES = PARQUET_SUFFIXES | FEATHER_SUFFIXES | CSV_SUFFIXES  # a folder's data files (a README is not one)
READ_BUFFER = 1 << 20  # a Parquet row group's column chunks are read this many bytes at a time as the batches need
# them, not each whole before the first batch (a row group of 1,000,000 rows and 25 columns held about 130 MB more
# per reading thread, and two threads read at once; no slower)


@dataclass(frozen=True)
class Fragment:
    """A piece of a Source read by one task: picklable (sent to Dask workers)."""

    path: str
    format: str  # "parquet" | "feather" | "csv"
    row_group: int | None  # Parquet row group or Feather record batch; None = the whole file
    start: int  # global row index of the fragment's first row in its Source
    rows: int
    partition: tuple[tuple[str, Any], ...] = ()  # hive partition columns of its file: (name, value)
    widen: tuple[str, ...] = ()  # integer columns with missing values somewhere in the Source: float64 as pandas
    # reads the whole table (a batch without missing values would otherwise come back as int64)
    index_columns: tuple[str, ...] = ()  # pandas index columns stored in the file (dropped: rows are numbered)


@dataclass(frozen=True)
class Source:
    role: str  # "reference" | "production"
    location: str  # as the user gave it (file, folder, glob)
    paths: tuple[str, ...]
    format: str
    schema: pa.Schema  # unified over the files; the pandas index columns left out
    fragments: tuple[Fragment, ...]
    rows: int
    bytes: int

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema.names)

    @property
    def is_collection(self) -> bool:
        """A folder or a glob (not one file): the audit streams it."""
        return is_collection(self.location)


def is_collection(location: str | Path) -> bool:
    """Whether an input names several files (a folder or a glob pattern) rather than one file."""
    text = str(location)
    return Path(text).is_dir() or any(c in GLOB_CHARACTERS for c in text)


def open_source(location: str | Path, role: str) -> Source:
    """The Source at `location`: a file, a folder (hive-partitioned or not) or a glob pattern."""
    paths, root = _list_paths(location, role)
    formats = {path: _file_format(path, role) for path in paths}
    kinds = set(formats.values())
    if len(kinds) > 1:
        by_kind = {kind: next(p for p in paths if formats[p] == kind) for kind in sorted(kinds)}
        listed = " and ".join(f"{p} ({k})" for k, p in by_kind.items())
        raise InputError(f"{location}: the {role} files mix formats: {listed}; keep one format per input.",
                         location)
    kind = kinds.pop()
    partitions = _partitions(paths, root, role)
    schemas = {path: _file_schema(path, kind, role) for path in paths}
    schema, index_columns = _unify(schemas, partitions, role)
    fragments, start = [], 0
    for path in paths:
        for row_group, rows in _pieces(path, kind, role):
            fragments.append(Fragment(path=str(path), format=kind, row_group=row_group, start=start, rows=rows,
                                      partition=partitions[path], index_columns=index_columns))
            start += rows
    widen = _widened(schema, fragments, role)
    if widen:
        fragments = [_with(f, widen=widen) for f in fragments]
    return Source(role=role, location=str(location), paths=tuple(str(p) for p in paths), format=kind, schema=schema,
                  fragments=tuple(fragments), rows=start, bytes=sum(os.path.getsize(p) for p in paths))


def read_fragment(fragment: Fragment, columns: Sequence[str] | None = None,
                  batch_rows: int = TABLE_BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """The fragment's rows in batches of at most `batch_rows`, as pandas DataFrames with the dtypes the in-memory
    loader gives, each with a RangeIndex starting at its first row's global index. Closing the iterator stops
    the read between two batches."""
    wanted = None if columns is None else list(columns)
    partition = dict(fragment.partition)
    file_columns = None if wanted is None else [c for c in wanted if c not in partition]
    start = fragment.start
    try:
        for table in _iter_tables(fragment, file_columns, batch_rows):
            frame = _to_pandas(table, fragment)
            for name, value in fragment.partition:
                if wanted is None or name in wanted:
                    frame[name] = _partition_column(value, len(frame))
            if wanted is not None:
                frame = frame[wanted]
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame
    except InputError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise InputError(f"{fragment.path}: cannot be read ({short_error(exc)}); check that the file is complete.",
                         fragment.path) from exc


def empty_frame(source: Source, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """No rows, the source's columns with their pandas dtypes: what a pass maps when a source has no rows."""
    names = list(source.columns) if columns is None else list(columns)
    frame = source.schema.empty_table().select(names).to_pandas()
    widen = set(source.fragments[0].widen) if source.fragments else set()
    for name in widen & set(names):
        frame[name] = frame[name].astype("float64")
    return frame.reset_index(drop=True)


def _list_paths(location: str | Path, role: str) -> tuple[list[Path], Path | None]:
    text = str(location)
    path = Path(text)
    if path.is_dir():
        found = []
        for dirpath, dirnames, names in os.walk(path):
            dirnames[:] = [d for d in dirnames if not d.startswith(IGNORED_PREFIXES)]
            found += [Path(dirpath) / name for name in names
                      if not name.startswith(IGNORED_PREFIXES) and Path(name).suffix.lower() in DATA_SUFFIXES]
        if not found:
            raise InputError(f"{path}: is a folder that holds no data files ({', '.join(sorted(DATA_SUFFIXES))}); "
                             f"choose the {role} data file inside it, or a folder of Parquet, Feather or CSV files.",
                             path)
        return sorted(found, key=_natural_key), path
    if any(c in GLOB_CHARACTERS for c in text):
        found = [Path(p) for p in globbing.glob(text, recursive=True) if Path(p).is_file()]
        if not found:
            raise InputError(f"{text}: no {role} file matches the pattern; check the path and the pattern.", text)
        return sorted(found, key=_natural_key), _glob_root(text)
    if not path.exists():
        raise InputError(f"{path}: {role} data file not found; check the path.", path)
    return [path], None


def _natural_key(path: Path) -> tuple:
    """part-2 before part-10: the numbers in a path compared as numbers (row order = this order)."""
    import re

    return tuple((0, int(piece), "") if piece.isdigit() else (1, 0, piece)
                 for piece in re.split(r"(\d+)", str(path)) if piece)


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = [p for p in parts[:next(i for i, p in enumerate(parts) if any(c in GLOB_CHARACTERS for c in p))]]
    return Path(*fixed) if fixed else Path(".")


def _file_format(path: Path, role: str) -> str:
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the {role} data file is empty (0 bytes); export it again.", path)
    return _table_format(path)


def _partitions(paths: list[Path], root: Path | None, role: str) -> dict[Path, tuple[tuple[str, Any], ...]]:
    """Each file's hive partition values (key=value folders under the root), typed as pyarrow infers them: whole
    numbers as int64 when every file's value is one, else text; the missing partition as None."""
    raw: dict[Path, list[tuple[str, str | None]]] = {}
    for path in paths:
        parts = path.relative_to(root).parts[:-1] if root is not None and path.is_relative_to(root) else ()
        pairs = [tuple(p.split("=", 1)) for p in parts if "=" in p]
        raw[path] = [(unquote(k), None if v == HIVE_NULL else unquote(v)) for k, v in pairs]
    keys = [k for k, _ in raw[paths[0]]]
    for path in paths:
        if [k for k, _ in raw[path]] != keys:
            raise InputError(f"{path}: its partition folders ({'/'.join(k for k, _ in raw[path]) or 'none'}) differ "
                             f"from {paths[0]}'s ({'/'.join(keys) or 'none'}); keep one partitioning per input.",
                             path)
    integers = {k: all(v is None or _is_integer(v) for p in paths for key, v in raw[p] if key == k) for k in keys}
    return {path: tuple((k, int(v) if v is not None and integers[k] else v) for k, v in raw[path]) for path in paths}


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isdigit() and len(text) < 19


def _partition_column(value: Any, rows: int) -> pd.Series:
    if value is None:
        return pd.Series(np.full(rows, np.nan))
    if isinstance(value, int):
        return pd.Series(np.full(rows, value, dtype="int64"))
    return pd.Series([value] * rows, dtype="str")


def _file_schema(path: Path, kind: str, role: str) -> pa.Schema:
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).schema_arrow
        if kind == "feather":
            return _open_feather(path).schema
        return pa.Schema.from_pandas(_csv_frame(path, role), preserve_index=False)
    except InputError:
        raise
    except Exception as exc:  # pyarrow raises many types for a damaged file
        label = {"parquet": "a valid Parquet file", "feather": "a valid Feather file"}.get(kind, "a readable table")
        raise InputError(f"{path}: not {label} ({short_error(exc)}); it may be truncated: check that the file is "
                         f"complete.", path) from exc


def _open_feather(path: Path):
    from pyarrow import ipc

    return ipc.open_file(pa.memory_map(str(path)))


def _pieces(path: Path, kind: str, role: str) -> list[tuple[int | None, int]]:
    """(row group, rows) of each fragment of a file."""
    if kind == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        return [(i, meta.row_group(i).num_rows) for i in range(meta.num_row_groups)]
    if kind == "feather":
        reader = _open_feather(path)
        return [(i, reader.get_batch(i).num_rows) for i in range(reader.num_record_batches)]
    return [(None, len(_csv_frame(path, role)))]


def _unify(schemas: dict[Path, pa.Schema], partitions: dict, role: str) -> tuple[pa.Schema, tuple[str, ...]]:
    """One schema for all the files: the same type for each column in every file that has it (a column of no
    values, Arrow's null type, takes the others' type); the pandas index columns are left out."""
    fields: dict[str, pa.Field] = {}
    owner: dict[str, Path] = {}
    index_columns: set[str] = set()
    for path, schema in schemas.items():
        meta = schema.pandas_metadata if schema.metadata and b"pandas" in schema.metadata else None
        index_columns |= {c for c in (meta or {}).get("index_columns", []) if isinstance(c, str)}
        for field in schema:
            if field.name in index_columns:
                continue
            known = fields.get(field.name)
            if known is None or pa.types.is_null(known.type):
                fields[field.name], owner[field.name] = field, path
            elif not pa.types.is_null(field.type) and not _same_type(known.type, field.type):
                raise InputError(
                    f"{path}: column {field.name!r} is {_type_words(field.type)} there but {_type_words(known.type)} "
                    f"in {owner[field.name]}; "
                    f"the {role} files must agree on each column's type: export them again with one type.",
                    path, field.name)
    first = next(iter(partitions.values()))
    for name, value in first:
        values = [dict(p)[name] for p in partitions.values()]
        kind = pa.int64() if any(isinstance(v, int) for v in values) else (
            pa.string() if any(v is not None for v in values) else pa.float64())
        fields[name] = pa.field(name, kind)
    first_schema = next(iter(schemas.values()))
    names = list(fields)
    _check_names(names, next(iter(schemas)))
    return pa.schema([fields[n] for n in names], metadata=first_schema.metadata), tuple(sorted(index_columns))


def _same_type(a: pa.DataType, b: pa.DataType) -> bool:
    """Equal types; text as string or large_string, and a dictionary of either, read the same in pandas."""
    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_dictionary(t):
            t = t.value_type
        return pa.string() if pa.types.is_large_string(t) else t

    return plain(a) == plain(b)


def _type_words(kind: pa.DataType) -> str:
    """A column type as the message names it: "text (large_string)", "numbers (double)"."""
    plain = kind.value_type if pa.types.is_dictionary(kind) else kind
    for test, words in ((pa.types.is_string, "text"), (pa.types.is_large_string, "text"),
                        (pa.types.is_floating, "numbers"), (pa.types.is_integer, "whole numbers"),
                        (pa.types.is_boolean, "true/false"), (pa.types.is_temporal, "dates or times")):
        if test(plain):
            return f"{words} ({kind})"
    return str(kind)


def _check_names(names: list[str], path: Path) -> None:
    if not names:
        raise InputError(f"{path}: the table has no columns; check the file.", path)
    empty = [n for n in names if not str(n).strip()]
    if empty:
        raise InputError(f"{path}: a column has no name; export the files again with column names.", path)


def _widened(schema: pa.Schema, fragments: list[Fragment], role: str) -> tuple[str, ...]:
    """Integer columns with a missing value in some file: pandas reads the whole table's column as float64."""
    integers = [f.name for f in schema if pa.types.is_integer(f.type)]
    if not integers:
        return ()
    nulls: set[str] = set()
    for fragment in fragments:
        pending = [c for c in integers if c not in nulls and c not in dict(fragment.partition)]
        if not pending:
            break
        nulls |= _columns_with_nulls(fragment, pending)
    return tuple(c for c in integers if c in nulls)


def _columns_with_nulls(fragment: Fragment, columns: list[str]) -> set[str]:
    """Which of `columns` have a missing value in the fragment: from the Parquet statistics when written, else by
    reading those columns (integers only: cheap)."""
    if fragment.format == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(fragment.path).metadata.row_group(fragment.row_group)
        found, unknown = set(), []
        names = [meta.column(i).path_in_schema for i in range(meta.num_columns)]
        for name in columns:
            if name not in names:
                continue
            stats = meta.column(names.index(name)).statistics
            if stats is not None and stats.has_null_count:
                if stats.null_count:
                    found.add(name)
            else:
                unknown.append(name)
        if unknown:
            found |= _read_nulls(fragment, unknown)
        return found
    return _read_nulls(fragment, columns)


def _read_nulls(fragment: Fragment, columns: list[str]) -> set[str]:
    found = set()
    for table in _iter_tables(fragment, columns, 1 << 20):
        found |= {c for c in columns if c in table.column_names and table.column(c).null_count}
    return found


def _iter_tables(fragment: Fragment, columns: list[str] | None, batch_rows: int) -> Iterator[pa.Table]:
    """The fragment's rows as Arrow tables of at most `batch_rows` rows (with the file's schema metadata)."""
    if fragment.format == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(fragment.path, buffer_size=READ_BUFFER, pre_buffer=False)  # (see READ_BUFFER)
        wanted = None if columns is None else list(columns) + [c for c in fragment.index_columns if c not in columns]
        wanted = None if wanted is None else [c for c in wanted if c in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=batch_rows, row_groups=[fragment.row_group], columns=wanted,
                                          use_pandas_metadata=False):
            yield pa.Table.from_batches([batch]).replace_schema_metadata(parquet.schema_arrow.metadata)
    elif fragment.format == "feather":
        reader = _open_feather(Path(fragment.path))
        table = pa.Table.from_batches([reader.get_batch(fragment.row_group)], schema=reader.schema)
        if columns is not None:
            table = table.select([c for c in columns if c in table.column_names])
        for first in range(0, max(table.num_rows, 1), batch_rows):
            yield table.slice(first, batch_rows)
    else:
        frame = _csv_frame(Path(fragment.path), "data")
        if columns is not None:
            frame = frame[[c for c in columns if c in frame.columns]]
        for first in range(0, max(len(frame), 1), batch_rows):
            yield pa.Table.from_pandas(frame.iloc[first:first + batch_rows], preserve_index=False)


def _to_pandas(table: pa.Table, fragment: Fragment) -> pd.DataFrame:
    if fragment.format == "csv":  # the CSV loader's own frame, sliced: its dtypes already
        frame = table.to_pandas()
    else:
        present = set(table.column_names)
        meta = table.schema.pandas_metadata if table.schema.metadata and b"pandas" in table.schema.metadata else None
        if meta is not None:  # only the entries of the columns read: pandas reads them as the loader does
            meta = dict(meta, columns=[e for e in meta.get("columns", [])
                                       if e.get("field_name", e.get("name")) in present],
                        index_columns=[c for c in meta.get("index_columns", []) if not isinstance(c, str)
                                       or c in present])
            import json

            table = table.replace_schema_metadata({**table.schema.metadata, b"pandas": json.dumps(meta).encode()})
        frame = table.to_pandas(split_blocks=True, use_threads=False)
        frame = frame.reset_index(drop=True)
        frame = frame[[c for c in frame.columns if c not in fragment.index_columns]]
    for name in fragment.widen:
        if name in frame.columns and frame[name].dtype.kind in "iu":
            frame[name] = frame[name].astype("float64")
    return frame


@functools.lru_cache(maxsize=1)
def _csv_frame(path: Path, role: str) -> pd.DataFrame:
    """A CSV file read whole by the in-memory loader (its encoding, delimiter, missing tokens, decimal commas and
    widened types need the whole file): a CSV file is one fragment."""
    from assay.engine.tables import load_dataset

    return load_dataset(path, role).frame


def _with(fragment: Fragment, **changes: Any) -> Fragment:
    import dataclasses

    return dataclasses.replace(fragment, **changes)

