"""Arrow batches as a pandas DataFrame, a column (and a slice of a long column) at a time so that a cancel
takes effect in between and the peak stays near the Arrow table plus one column; and the check that a table's
read fits in the memory available, from its first batch."""
from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

import numpy as np
import pandas as pd

from assay.engine.errors import InputError
from assay.engine.memory import available_memory, format_bytes
from assay.engine.progress import scaled_fractions

# block is read (and the column types inferred from it) when the reader opens: 8 MB took 0.2-0.5 s there at idle,
# 3 s under load; 2 MB takes 0.02-0.07 s, and the whole read is no slower (bench/results/large_csv.md)
CONVERT_ROWS = 1 << 21  # rows of a long column converted to pandas per step (a cancel can take effect in between)
PEAK_FACTOR = 2.0  # peak memory of a read, in multiples of the table's in-memory size (bench/large_csv.py)


def iter_to_pandas(batches: list, schema, start: float) -> Generator[float, None, pd.DataFrame]:
    """The Arrow batches as a DataFrame, column by column, each Arrow column freed once converted.

    `batches` is emptied (the caller's list must not keep the batches alive during the conversion).
    The peak stays near the Arrow table plus one converted column (a whole-table `to_pandas` holds both
    in full), and a cancel takes effect between two columns. A table written by pandas converts each
    column with its pandas metadata (and the index columns), so that dtypes and the index come back
    as `pd.read_parquet` gives them.
    """
    import pyarrow as pa

    table = pa.Table.from_batches(batches, schema=schema)
    batches.clear()
    meta = table.schema.pandas_metadata if table.schema.metadata and b"pandas" in table.schema.metadata else None
    rows = table.num_rows
    index_names = [c for c in (meta or {}).get("index_columns", []) if isinstance(c, str)]
    if meta is not None and len(meta.get("column_indexes", [])) > 1:  # columns with a MultiIndex: rare
        yield start
        return table.to_pandas(self_destruct=True, split_blocks=True, use_threads=False)
    index_fields = [table.schema.field(n) for n in index_names]
    index_arrays = [table.column(n) for n in index_names]
    kept = [i for i, n in enumerate(table.column_names) if n not in index_names]  # by position: names can repeat
    fields = [table.schema.field(i) for i in kept]
    columns = [table.column(i) for i in kept]
    del table
    converted, labels, index = {}, [], None
    metadata = _column_metadata(schema.metadata, meta, index_names) if meta is not None else None
    for i, field in enumerate(fields):
        column, columns[i] = columns[i], None
        if meta is None:
            share = (1.0 - start) / max(len(fields), 1)
            converted[i] = yield from scaled_fractions(_iter_column_to_pandas(column), start + share * i,
                                                       start + share * (i + 1))
            labels.append(field.name)
        else:  # the column and the index columns, with the metadata: pandas' dtypes and index
            part = pa.Table.from_arrays(index_arrays + [column], schema=pa.schema(index_fields + [field],
                                                                                  metadata=metadata(field.name)))
            part = part.to_pandas(use_threads=False)
            index = part.index if index is None else index
            converted[i] = part.iloc[:, 0].reset_index(drop=True)
            labels.append(part.columns[0])
            del part
        del column
        yield start + (1.0 - start) * (i + 1) / max(len(fields), 1)
    frame = pd.DataFrame({i: converted.pop(i) for i in range(len(fields))}, copy=False)
    frame.columns = labels
    if not fields:
        frame = pd.DataFrame(index=pd.RangeIndex(rows))
    if index is not None:
        frame.index = index
    return frame


def _column_metadata(metadata: dict, pandas_meta: dict, index_names: list[str]) -> Callable[[str], dict]:
    """For a column's name, the table's metadata with the pandas entries of that column and the index only.

    pyarrow reads the pandas metadata of every column for each conversion: with all of them, converting a
    table column by column took time in the square of its columns (20 s to read 1,500 columns of 1,200 rows).
    """
    import json

    entries: dict[str, list] = {}
    for entry in pandas_meta.get("columns", []):
        entries.setdefault(entry.get("field_name", entry.get("name")), []).append(entry)
    index_entries = [entry for name in index_names for entry in entries.get(name, [])]

    def for_column(name: str) -> dict:
        reduced = dict(pandas_meta, columns=index_entries + entries.get(name, []))
        return {**metadata, b"pandas": json.dumps(reduced).encode()}

    return for_column


def _iter_column_to_pandas(column) -> Generator[float, None, pd.Series]:
    """`column.to_pandas()` (an Arrow ChunkedArray), a slice of CONVERT_ROWS rows at a time; yields the share done.

    Most of the time a long column takes goes into the memory of its pandas copy, touched for the first time
    page by page (0.4 s for 25 million floats on the benchmark's machine): one step, before, so a cancel
    waited for it. Numbers, booleans and times without a time zone are converted a slice at a time into one
    array allocated up front; strings are cast to large_string (what pandas keeps them as) a few chunks at a
    time, and then wrapped as one conversion would have. Anything else, and integers or booleans with missing
    values (whose pandas dtype depends on where the missing values are), is converted in one go. The result is
    the same Series as one `to_pandas()`; memory holds the Arrow column plus its pandas copy, as before.
    """
    import pyarrow as pa

    rows, kind = len(column), column.type
    if rows <= CONVERT_ROWS:
        return column.to_pandas()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        pieces, since = [], 0
        for chunk in column.chunks:
            pieces.append(chunk.cast(pa.large_string()))
            since += len(chunk)
            if since >= CONVERT_ROWS:
                since = 0
                yield sum(map(len, pieces)) / rows
        return pa.chunked_array(pieces, type=pa.large_string()).to_pandas()
    dtype = _plain_dtype(column)
    if dtype is None:
        return column.to_pandas()
    out = np.empty(rows, dtype=dtype)
    for first in range(0, rows, CONVERT_ROWS):
        part = column.slice(first, CONVERT_ROWS).to_pandas()
        if part.dtype != dtype:  # not expected (see _plain_dtype): one conversion, as before
            return column.to_pandas()
        out[first:first + len(part)] = part.to_numpy()
        yield (first + len(part)) / rows
    return pd.Series(out, copy=False)


def _plain_dtype(column) -> np.dtype | None:
    """The numpy dtype pandas gives an Arrow column whatever slice of it is converted, or None."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_floating(kind) or (pa.types.is_timestamp(kind) and kind.tz is None):
        return np.dtype(kind.to_pandas_dtype())
    if (pa.types.is_integer(kind) or pa.types.is_boolean(kind)) and column.null_count == 0:
        return np.dtype(kind.to_pandas_dtype())
    return None


def frame_bytes(batch) -> int:
    """The size of a batch as a pandas frame (booleans take a byte each there, Arrow's a bit)."""
    try:
        return int(batch.to_pandas().memory_usage(deep=True, index=False).sum())
    except (ValueError, TypeError, NotImplementedError, ArithmeticError):  # a type pandas cannot hold: Arrow's size
        return int(batch.nbytes)


def check_fits(path: Path, role: str, estimate: Callable[[], float]) -> None:
    """Refuse a table whose read would need more memory than the machine has available.

    `estimate` gives the whole table's size in memory as pandas (from its first batch, scaled).
    """
    available = available_memory()
    if available is None:
        return
    in_memory = estimate()
    if in_memory * PEAK_FACTOR <= available:
        return
    raise InputError(
        f"{path}: the {role} data needs about {format_bytes(in_memory)} in memory "
        f"(about {format_bytes(in_memory * PEAK_FACTOR)} while reading), and this machine has "
        f"{format_bytes(available)} available; sample the file (fewer rows), keep only the columns the audit "
        f"needs, or use a machine with more memory.", path)
