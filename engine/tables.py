"""Loading tables (CSV, Parquet, Feather) in batches, with progress, cancel, a memory check, a sample of the
first rows on request, and the provenance of the file (InputInfo). The format is told by the file's first
bytes; CSV reading is in engine.csv_reader, the conversion to pandas in engine.arrow_frames."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from assay.engine.arrow_frames import check_fits, frame_bytes, iter_to_pandas
from assay.engine.csv_reader import iter_csv
from assay.engine.errors import InputError
from assay.engine.input_files import InputInfo, check_file, iter_sha256, short_error
from assay.engine.progress import drain, scaled_fractions

PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".ftr", ".arrow", ".ipc"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.parquet *.pq *.feather *.arrow)"
TABLE_BATCH_ROWS = 1 << 18  # rows per Parquet / Feather batch
SAMPLE_BATCH_ROWS = 1 << 14  # rows per Parquet batch when reading a sample


@dataclass(frozen=True)
class Dataset:
    frame: pd.DataFrame
    info: InputInfo
    sampled: bool = False  # only the first rows were read (load_dataset's sample_bytes); info.sha256 is ""


def load_dataset(path: str | Path, role: str = "data", *, sample_bytes: int | None = None) -> Dataset:
    """Read a table and record its provenance. `role` is "reference" or "production".

    With `sample_bytes`, only about that much of the file is read (its first rows; see iter_load_dataset).
    """
    return drain(iter_load_dataset(path, role, sample_bytes=sample_bytes))


def iter_load_dataset(path: str | Path, role: str = "data", *,
                      sample_bytes: int | None = None) -> Generator[float, None, Dataset]:
    """Read a table in batches, yielding the fraction done (0-1); returns the Dataset.

    Closing the generator cancels the read between two batches (each a fraction of a second). A table
    that would not fit in the memory available is refused before most of it is read.
    With `sample_bytes`, the read stops after about that many bytes of the file (or their rows, for
    Parquet and Feather): the first rows, for a quick look at the columns; `Dataset.sampled` says so.
    """
    path = Path(path)
    check_file(path, f"{role} data file")
    kind = _table_format(path)
    yield 0.0
    try:
        read = {"parquet": _iter_parquet, "feather": _iter_feather}.get(kind, iter_csv)
        frame, detail, sha = yield from _monotonic(read(path, role, sample_bytes))
        sampled = not sha
        if kind == "csv" and "comma-delimited" not in detail and _read_decimal_commas(frame):
            detail += ", decimal comma"
    except InputError:
        raise
    except Exception as exc:  # pyarrow/pandas raise many types for a damaged file
        if isinstance(exc, MemoryError):
            raise InputError(f"{path}: the {role} data does not fit in the memory available; sample the file "
                             f"(fewer rows) or use a machine with more memory.", path) from exc
        label = {"parquet": "a valid Parquet file", "feather": "a valid Feather file"}.get(kind, "a readable table")
        raise InputError(f"{path}: not {label} ({short_error(exc)}); check that the file is complete.", path) from exc
    _check_columns(frame, path)
    frame = _normalise(frame)
    info = InputInfo(role, str(path), sha, len(frame), frame.shape[1], kind, detail)
    yield 1.0
    return Dataset(frame, info, sampled)


def iter_dataset_from_frame(frame: pd.DataFrame, role: str) -> Generator[float, None, Dataset]:
    """A DataFrame given in memory (the notebook API, assay.audit) as a Dataset, with no file written: it goes
    through Arrow as a Parquet file's rows do, so it gets the same column types, and its provenance's SHA-256 is
    that of its Arrow IPC stream (the same rows and types give the same digest). Its path is "<DataFrame>"."""
    import hashlib

    import pyarrow as pa

    name = f"<{role} DataFrame>"
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{name}: expected a pandas DataFrame or a file path, got {type(frame).__name__}.")
    _check_columns(frame, Path(name))
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise InputError(f"{name}: a column cannot be read as a table column ({short_error(exc)}); give each "
                         f"column one type.") from exc
    yield 0.2
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    sha = hashlib.sha256(memoryview(sink.getvalue())).hexdigest()
    converted = yield from iter_to_pandas(table.to_batches(), table.schema, 0.4)
    converted = _normalise(converted)
    info = InputInfo(role, name, sha, len(converted), converted.shape[1], "dataframe", "a pandas DataFrame in memory")
    yield 1.0
    return Dataset(converted, info)


def _table_format(path: Path) -> str:
    """The format by the file's first bytes (a Parquet file named .csv is still Parquet), else by its name."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"ARROW1", b"FEA1")):
        return "feather"
    suffix = path.suffix.lower()
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or suffix in SPREADSHEET_SUFFIXES:
        raise InputError(f"{path}: is an Excel workbook or another archive, not a table; open it in Excel (or "
                         f"the program that made it) and save it as CSV.", path)
    if suffix in PARQUET_SUFFIXES | FEATHER_SUFFIXES and _looks_like_text(head):
        return "csv"  # a CSV named .parquet: read as what it is; the provenance says CSV
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in FEATHER_SUFFIXES:
        return "feather"
    return "csv"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut by the end of the sample
    return True


def _iter_parquet(path: Path, role: str, sample_bytes: int | None) -> Generator[float, None, tuple]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    total = parquet.metadata.num_rows
    # the row groups' sizes say little about the size in memory (dictionary and run-length encoded
    # pages count as stored): the first batch, scaled to the rows, says it
    batch_rows = TABLE_BATCH_ROWS if sample_bytes is None else SAMPLE_BATCH_ROWS
    batches, rows, size = [], 0, 0
    for batch in parquet.iter_batches(batch_size=batch_rows, use_pandas_metadata=True):
        if not batches:  # a sample too: the Setup page says at once what the audit would say
            check_fits(path, role, lambda first=batch: frame_bytes(first) * total / max(first.num_rows, 1))
        batches.append(batch)
        rows += batch.num_rows
        size += batch.nbytes
        yield 0.7 * rows / max(total, 1)
        if sample_bytes is not None and size >= sample_bytes:
            break
    batch = None  # the loop's last batch is not kept alive through the conversion
    sampled = rows < total
    sha = "" if sampled else (yield from scaled_fractions(iter_sha256(path), 0.7, 0.8))
    frame = yield from iter_to_pandas(batches, parquet.schema_arrow, 0.8)
    return frame, "Parquet", sha


def _iter_feather(path: Path, role: str, sample_bytes: int | None) -> Generator[float, None, tuple]:
    import pyarrow as pa
    from pyarrow import feather, ipc

    try:
        source = ipc.open_file(path)
    except pa.ArrowInvalid:  # Feather version 1: no batches to stream; read in one go
        source = None
    sampled = False
    if source is None:
        table = feather.read_table(path)
        check_fits(path, role, lambda: table.nbytes)
        batches, schema = table.to_batches(), table.schema
        del table
        yield 0.7
    else:
        total, schema = source.num_record_batches, source.schema
        batches, read = [], 0
        for i in range(total):
            batch = source.get_batch(i)
            if i == 0:
                check_fits(path, role, lambda first=batch: frame_bytes(first) * total)
            batches.append(batch)
            read += batch.nbytes
            yield 0.7 * (i + 1) / total
            if sample_bytes is not None and read >= sample_bytes and i + 1 < total:
                sampled = True
                break
    sha = "" if sampled else (yield from scaled_fractions(iter_sha256(path), 0.7, 0.8))
    frame = yield from iter_to_pandas(batches, schema, 0.8)
    return frame, "Feather", sha


def _monotonic(steps: Generator[float, None, Any]) -> Generator[float, None, Any]:
    """Never a step back (a CSV read again with a wider column type starts its bytes over)."""
    high = 0.0
    try:
        while True:
            high = max(high, next(steps))
            yield high
    except StopIteration as stop:
        return stop.value
    finally:
        steps.close()


DECIMAL_COMMA = r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$|^\s*[-+]?\d{1,3}(\.\d{3})+\s*$|^\s*[-+]?\d+\s*$"


def _read_decimal_commas(frame: pd.DataFrame) -> bool:
    """Text columns of numbers written with a decimal comma ("1.234,5", as Excel writes them in much of
    Europe, with ';' between fields) become numbers. Whether any column did."""
    changed = False
    for name in frame.columns:
        column = frame[name]
        if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
            continue
        values = column.dropna()
        if values.empty or not all(isinstance(v, str) for v in values.iloc[:1000]):
            continue
        text = values.astype(str)
        if not text.str.contains(",", regex=False).any() or not text.str.match(DECIMAL_COMMA).all():
            continue
        numbers = text.str.replace(r"[\s.]", "", regex=True).str.replace(",", ".", regex=False).astype(float)
        frame[name] = numbers.reindex(column.index)
        changed = True
    return changed


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"{path}: the table has no columns; check the file's delimiter and header.", path)
    names = [str(c) for c in frame.columns]
    if not any(n.strip() for n in names):
        raise InputError(f"{path}: the file has no header row (its first line names no column); export it again "
                         f"with column names.", path)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(
            f"{path}: column names appear more than once: {', '.join(map(repr, duplicated))}; rename them so "
            f"each column has its own name.", path, duplicated[0])


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """String column names; empty names replaced by their position (column_2), never by a name the table has."""
    names = [str(c) for c in frame.columns]
    taken = set(names)
    for i, name in enumerate(names):
        if not name.strip():
            candidate, k = f"column_{i + 1}", 2
            while candidate in taken:
                candidate, k = f"column_{i + 1}_{k}", k + 1
            names[i] = candidate
            taken.add(candidate)
    frame.columns = names
    return frame
