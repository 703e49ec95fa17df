"""Loading inputs: tables (CSV, Parquet, Feather) and model artifacts (skops, trusted joblib/pickle).

Every input is hashed (SHA-256) and counted for the report's provenance. Errors name the
file and say what to do.
"""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assay.engine.errors import InputError, ModelOpenError, ModelTrustError, UntrustedTypesError
from assay.engine.memory import available_memory, format_bytes
from assay.engine.progress import drain, scaled_fractions

# Tokens read as missing in text files, besides the empty field.
MISSING_TOKENS = (
    "", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none",
    "-", "?", "#N/A", "#NA", "missing", "MISSING", "<NA>",
)
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".dat"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".ftr", ".arrow", ".ipc"}
PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle", ".jbl"}
SKOPS_SUFFIXES = {".skops"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.parquet *.pq *.feather *.arrow)"
MODEL_FILTER = "Models (*.skops *.joblib *.pkl *.pickle)"


@dataclass(frozen=True)
class InputInfo:
    """Provenance of one input file."""

    role: str
    path: str
    sha256: str
    rows: int | None = None
    columns: int | None = None
    format: str = ""
    detail: str = ""  # e.g. "CSV, delimiter ';', encoding cp1252"
    time_range: tuple[str, str] | None = None  # first and last value of the timestamp column, when there is one


@dataclass(frozen=True)
class Dataset:
    frame: pd.DataFrame
    info: InputInfo
    sampled: bool = False  # only the first rows were read (load_dataset's sample_bytes); info.sha256 is ""


@dataclass(frozen=True)
class LoadedModel:
    """An opened model. In the audit `model` is None: the object lives in the model process, and the other
    fields describe it (filled from the object when one is given here)."""

    model: Any
    info: InputInfo
    type_name: str
    params: dict[str, str]
    expected_columns: tuple[str, ...] | None
    classes: tuple[Any, ...] | None = None  # the model's classes_ (None: read them from `model`)
    methods: tuple[str, ...] | None = None  # which of predict, predict_proba, decision_function it has

    def __post_init__(self) -> None:
        if self.model is not None:
            if self.classes is None:
                object.__setattr__(self, "classes", model_classes(self.model))
            if self.methods is None:
                object.__setattr__(self, "methods", model_methods(self.model))

    def described(self) -> "LoadedModel":
        """The same description without the object: what crosses from the model process."""
        import dataclasses

        return dataclasses.replace(self, model=None)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise InputError(f"{path}: {what} not found; check the path.", path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; choose the {what} inside it.", path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot open the {what} ({exc.strerror}); check its permissions.", path) from exc
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the {what} is empty (0 bytes); export it again.", path)


# -- tables ----------------------------------------------------------------------------------

CSV_BLOCK = 1 << 21  # bytes per CSV block: a progress step and a point where a cancel takes effect. The first
# block is read (and the column types inferred from it) when the reader opens: 8 MB took 0.2-0.5 s there at idle,
# 3 s under load; 2 MB takes 0.02-0.07 s, and the whole read is no slower (bench/results/large_csv.md)
CONVERT_ROWS = 1 << 21  # rows of a long column converted to pandas per step (a cancel can take effect in between)
TABLE_BATCH_ROWS = 1 << 18  # rows per Parquet / Feather batch
SAMPLE_BATCH_ROWS = 1 << 14  # rows per Parquet batch when reading a sample
PEAK_FACTOR = 2.0  # peak memory of a read, in multiples of the table's in-memory size (bench/large_csv.py)


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
    _check_file(path, f"{role} data file")
    kind = _table_format(path)
    yield 0.0
    try:
        read = {"parquet": _iter_parquet, "feather": _iter_feather}.get(kind, _iter_csv)
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
        raise InputError(f"{path}: not {label} ({_short(exc)}); check that the file is complete.", path) from exc
    _check_columns(frame, path)
    frame = _normalise(frame)
    info = InputInfo(role, str(path), sha, len(frame), frame.shape[1], kind, detail)
    yield 1.0
    return Dataset(frame, info, sampled)


def iter_sha256(path: Path, chunk: int = 1 << 24) -> Generator[float, None, str]:
    """SHA-256 of a file, yielding the fraction hashed."""
    digest = hashlib.sha256()
    size = max(path.stat().st_size, 1)
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            done += len(block)
            yield done / size
    return digest.hexdigest()


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


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8"
    if _looks_western(sample):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "latin-1"


# Windows-1252 characters of Western European data. Left out on purpose: the ones Central European,
# Turkish or Baltic letters turn into when their code pages are misread as 1252 (¹ ³ ¿ œ Ÿ Þ ...).
WESTERN_CHARACTERS = set("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßŠšŽž"
                         "€“”‘’„–—…•°£§©®«»·™\u00a0")


def _looks_western(sample: bytes) -> bool:
    """Whether non-UTF-8 bytes read as Windows-1252 give Western European text: accented letters and
    typographic symbols, one or two at a time between ASCII (Zürich, “Köln”, 12 €). Samples with few
    such characters fool charset_normalizer into DOS or Cyrillic code pages (Zürich as Z³rich); long
    runs of them are what other scripts look like when misread, and are left to it."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    runs, run, odd, count = [], 0, 0, 0
    for char in text:
        if ord(char) < 128:
            if run:
                runs.append(run)
            run = 0
            continue
        run += 1
        count += 1
        odd += char not in WESTERN_CHARACTERS
    if run:
        runs.append(run)
    return count > 0 and odd <= 0.1 * count and sum(runs) / len(runs) <= 2.0


def _detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


class _IncrementalHash:
    """SHA-256 of a file, computed a step at a time between the reader's batches.

    pyarrow's reader reads the file on its own I/O thread (natively: a Python file object there would
    be called from that thread, even after a cancel, and can abort the interpreter at exit); the hash
    keeps pace with the batches on this thread instead, so a separate pass at the end is not needed.
    """

    def __init__(self, path: Path) -> None:
        self._handle = open(path, "rb")  # noqa: SIM115  # closed by close(), which the read always calls
        self.digest = hashlib.sha256()
        self.done = 0

    def advance(self, upto: float) -> None:
        while self.done < upto and (block := self._handle.read(1 << 22)):
            self.digest.update(block)
            self.done += len(block)

    def finish(self) -> str:
        self.advance(float("inf"))
        return self.digest.hexdigest()

    def close(self) -> None:
        self._handle.close()


# A later block that does not fit the types inferred from the first: which type to try next.
_WIDER = {"null": "int64", "int64": "double", "uint64": "double", "bool": "string", "double": "string"}
_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error to (\w+)")


UTF8_NAMES = ("utf-8", "utf-8-sig", "ascii")


def _iter_csv(path: Path, role: str, sample_bytes: int | None) -> Generator[float, None, tuple]:
    with open(path, "rb") as handle:
        sample = handle.read(256 * 1024)
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: looks like a binary file, not a table; choose a CSV, Parquet or Feather file.", path)
    encoding = _detect_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    delimiter = _detect_delimiter(text)
    import pyarrow as pa

    parsed, sha, start = path, None, 0.0
    if sample_bytes is None and encoding not in UTF8_NAMES:
        # Transcoded here, to a UTF-8 copy, hashing the original in the same pass: pyarrow's own
        # transcoding calls Python codecs from its I/O thread, which outlives a cancelled read and can
        # abort the interpreter at exit.
        parsed, sha = yield from scaled_fractions(_iter_utf8_copy(path, encoding), 0.0, 0.4)
        start = 0.4
    try:
        column_types: dict[str, Any] = {}
        while True:  # once, unless a later block needs a wider type than the first block's: then again with it
            try:
                steps = _iter_csv_batches(parsed, path, encoding, delimiter, column_types, role, sample_bytes,
                                          hashed=sha is None)
                batches, digest, schema = yield from scaled_fractions(steps, start, 0.9)
                break
            except pa.ArrowInvalid as exc:
                widened = _widened(str(exc), reader_schema=getattr(exc, "schema", None))
                if widened is None:
                    raise _csv_error(path, exc, delimiter) from exc
                column_types[widened[0]] = pa.type_for_alias(widened[1])
    finally:
        if parsed != path:
            parsed.unlink(missing_ok=True)
    frame = yield from _to_pandas(batches, schema, 0.9)
    if frame.columns.size and isinstance(frame.columns[0], str):
        frame.columns = [c.lstrip("\ufeff") for c in frame.columns]
    name = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]
    return frame, f"CSV, {name}-delimited, {encoding}", sha if sha is not None else digest


def _iter_utf8_copy(path: Path, encoding: str) -> Generator[float, None, tuple[Path, str]]:
    """A UTF-8 copy of a text file in a temporary file, and the original's SHA-256; yields the fraction done."""
    import codecs
    import tempfile

    decoder = codecs.getincrementaldecoder(encoding)()
    digest = hashlib.sha256()
    size = max(path.stat().st_size, 1)
    done = 0
    handle, name = tempfile.mkstemp(prefix="assay-", suffix=".csv")
    copy = Path(name)
    try:
        with open(path, "rb") as source, open(handle, "wb") as target:
            while block := source.read(CSV_BLOCK):
                digest.update(block)
                target.write(decoder.decode(block).encode("utf-8"))
                done += len(block)
                yield done / size
            target.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy, digest.hexdigest()


def _iter_csv_batches(parsed: Path, path: Path, encoding: str, delimiter: str, column_types: dict, role: str,
                      sample_bytes: int | None, hashed: bool):
    """Stream the CSV `parsed` (UTF-8, or `path` itself); yields fractions 0-1.

    Returns (batches, SHA-256 of the file if `hashed` and it was all read, else "", schema).
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    # A sample reads on this thread: the threaded reader reads (and parses) hundreds of MB ahead.
    read = pacsv.ReadOptions(encoding="utf8", block_size=CSV_BLOCK, use_threads=sample_bytes is None)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(null_values=list(MISSING_TOKENS), strings_can_be_null=True,
                                   quoted_strings_can_be_null=True, column_types=column_types)
    size = max(parsed.stat().st_size, 1)
    digest = _IncrementalHash(path) if hashed and sample_bytes is None else None
    source = _input_stream(parsed, encoding if parsed == path else "utf-8", sample_bytes)
    reader = None
    try:
        reader = pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert)
        batches: list = []
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                exc.schema = reader.schema  # type: ignore[attr-defined]  # for _widened
                raise
            if not batches:
                _check_fits(path, role, lambda first=batch: _frame_bytes(first) * size / min(size, CSV_BLOCK))
            batches.append(batch)
            given = len(batches) * CSV_BLOCK  # each batch is one block of about CSV_BLOCK bytes
            if digest is not None:
                digest.advance(given)
            yield min(given / size, 1.0)
            if sample_bytes is not None and given >= sample_bytes:
                try:  # a sample, unless this was the last block
                    batches.append(reader.read_next_batch())
                    return batches, "", reader.schema
                except StopIteration:
                    break
        if digest is not None:
            return batches, digest.finish(), reader.schema
        # a sample that turned out to be the whole file: hashed here (it is at most about sample_bytes)
        return batches, sha256_file(path) if hashed else "", reader.schema
    finally:
        if reader is not None:
            reader.close()
        source.close()
        if digest is not None:
            digest.close()


def _input_stream(path: Path, encoding: str, sample_bytes: int | None):
    """A native stream for pyarrow's reader (never a Python object its I/O thread would call back into).

    A sample of a file in another encoding than UTF-8 is decoded here and handed over in memory:
    pyarrow's own transcoding calls Python codecs from its I/O thread, which goes on reading ahead
    after a sample stops.
    """
    import pyarrow as pa

    if sample_bytes is None or encoding in UTF8_NAMES:
        return pa.OSFile(str(path))
    with open(path, "rb") as handle:
        head = handle.read(sample_bytes + (1 << 20))
        whole = not handle.read(1)
    text = head.decode(encoding, errors="replace")
    if not whole:
        text = text[: text.rfind("\n") + 1] or text  # whole lines only
    return pa.BufferReader(text.encode("utf-8"))


def _widened(message: str, reader_schema) -> tuple[str, str] | None:
    """(column, type to try) when a block failed to convert to the type the first block gave a column."""
    found = _CONVERSION.search(message)
    if found is None or reader_schema is None:
        return None
    index, failed = int(found.group(1)), found.group(2)
    if index >= len(reader_schema):
        return None
    wider = _WIDER.get(failed, "string" if failed != "string" else None)
    return (reader_schema.names[index], wider) if wider else None


def _csv_error(path: Path, exc: BaseException, delimiter: str) -> InputError:
    message = str(exc)
    if "Expected" in message and "columns" in message:
        return InputError(
            f"{path}: rows have different numbers of fields ({_short(exc)}); "
            f"fix the file or check that the delimiter {delimiter!r} is right.", path)
    if "Empty CSV" in message:
        return InputError(f"{path}: the file has no header row; export it again with column names.", path)
    return InputError(f"{path}: cannot read as CSV ({_short(exc)}).", path)


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
            _check_fits(path, role, lambda first=batch: _frame_bytes(first) * total / max(first.num_rows, 1))
        batches.append(batch)
        rows += batch.num_rows
        size += batch.nbytes
        yield 0.7 * rows / max(total, 1)
        if sample_bytes is not None and size >= sample_bytes:
            break
    batch = None  # the loop's last batch is not kept alive through the conversion
    sampled = rows < total
    sha = "" if sampled else (yield from scaled_fractions(iter_sha256(path), 0.7, 0.8))
    frame = yield from _to_pandas(batches, parquet.schema_arrow, 0.8)
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
        _check_fits(path, role, lambda: table.nbytes)
        batches, schema = table.to_batches(), table.schema
        del table
        yield 0.7
    else:
        total, schema = source.num_record_batches, source.schema
        batches, read = [], 0
        for i in range(total):
            batch = source.get_batch(i)
            if i == 0:
                _check_fits(path, role, lambda first=batch: _frame_bytes(first) * total)
            batches.append(batch)
            read += batch.nbytes
            yield 0.7 * (i + 1) / total
            if sample_bytes is not None and read >= sample_bytes and i + 1 < total:
                sampled = True
                break
    sha = "" if sampled else (yield from scaled_fractions(iter_sha256(path), 0.7, 0.8))
    frame = yield from _to_pandas(batches, schema, 0.8)
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


def _to_pandas(batches: list, schema, start: float) -> Generator[float, None, pd.DataFrame]:
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


def _frame_bytes(batch) -> int:
    """The size of a batch as a pandas frame (booleans take a byte each there, Arrow's a bit)."""
    try:
        return int(batch.to_pandas().memory_usage(deep=True, index=False).sum())
    except (ValueError, TypeError, NotImplementedError, ArithmeticError):  # a type pandas cannot hold: Arrow's size
        return int(batch.nbytes)


def _check_fits(path: Path, role: str, estimate: Callable[[], float]) -> None:
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


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- models ----------------------------------------------------------------------------------


def untrusted_skops_types(path: str | Path) -> list[str]:
    """The types in a skops file that skops does not trust by default (empty if none). Reads the file's
    schema only: no code in the file runs."""
    import skops.io as sio

    path = Path(path)
    _check_file(path, "model file")
    try:
        return list(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise ModelOpenError(f"{path}: not a valid skops model file ({_short(exc)}); export the model again.",
                             path) from exc


def needs_trust(path: str | Path) -> bool:
    """Whether opening the file can run code (pickle, joblib)."""
    return Path(path).suffix.lower() not in SKOPS_SUFFIXES


@dataclass(frozen=True)
class ModelFile:
    """A model file that passed the trust checks: what `open_model_file` may open, and how."""

    path: Path
    sha256: str
    format: str  # "skops", "joblib" or "pickle"
    accepted_types: tuple[str, ...] = ()  # skops types the user accepted


def check_model_file(path: str | Path, *, trusted: bool = False, trusted_types: tuple[str, ...] = (),
                     sha256: str | None = None) -> ModelFile:
    """The trust decision, running no code from the file: the hash pin, pickle/joblib trust, skops' types.

    Raises ModelTrustError / UntrustedTypesError when the user has not trusted the file, InputError when it is
    missing, unreadable or changed since it was trusted, ModelOpenError when a skops file is damaged.
    """
    path = Path(path)
    _check_file(path, "model file")
    sha = sha256_file(path)
    if sha256 is not None and sha256.lower() != sha:
        raise InputError(f"{path}: the model file changed since it was trusted (expected SHA-256 {sha256}, found "
                         f"{sha}); review the new file and trust it again, or restore the original.", path)
    suffix = path.suffix.lower()
    if suffix in SKOPS_SUFFIXES:
        untrusted = [t for t in untrusted_skops_types(path) if t not in trusted_types]
        if untrusted and not trusted:
            raise UntrustedTypesError(path, untrusted)
        return ModelFile(path, sha, "skops", tuple(trusted_types) + tuple(untrusted))
    if not trusted:
        raise ModelTrustError(path, sha)
    return ModelFile(path, sha, "joblib" if suffix in (".joblib", ".jbl") else "pickle")


def open_model_file(file: ModelFile) -> LoadedModel:
    """Open a model file that passed `check_model_file`: this runs the file's code (pickle/joblib) or skops'
    loaders. The file must still have the hash it was checked with. Raises ModelOpenError."""
    path = file.path
    if sha256_file(path) != file.sha256:
        raise ModelOpenError(f"{path}: the model file changed while it was being opened; open the audit again.",
                             path)
    if file.format == "skops":
        import skops.io as sio

        try:
            model = sio.load(path, trusted=list(file.accepted_types) or None)
        except Exception as exc:
            raise ModelOpenError(f"{path}: the skops model could not be loaded ({_short(exc)}).", path) from exc
    else:
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:
            raise ModelOpenError(
                f"{path}: the model file could not be loaded ({_short(exc)}); it may be damaged or need "
                f"a library that is not installed.", path) from exc
    if not (hasattr(model, "predict") or hasattr(model, "predict_proba")):
        raise ModelOpenError(f"{path}: the object in the file ({type(model).__name__}) has no predict method; "
                             f"give a fitted scikit-learn model or pipeline.", path)
    info = InputInfo("model", str(path), file.sha256, format=file.format, detail=type(model).__name__)
    expected = getattr(model, "feature_names_in_", None)
    return LoadedModel(
        model=model, info=info, type_name=describe_model(model), params=model_params(model),
        expected_columns=tuple(str(c) for c in expected) if expected is not None else None,
        classes=model_classes(model), methods=model_methods(model),
    )


def load_model(path: str | Path, *, trusted: bool = False, trusted_types: tuple[str, ...] = (),
               sha256: str | None = None) -> LoadedModel:
    """Open a model in this process. skops files go through skops' type checks; pickle/joblib need `trusted`.

    With `sha256`, the file must have that hash: trust given to one file does not pass to another.
    The audit does not call this: it opens models in a separate process (engine.isolation).
    """
    return open_model_file(check_model_file(path, trusted=trusted, trusted_types=trusted_types, sha256=sha256))


def model_classes(model: Any) -> tuple[Any, ...]:
    return tuple(getattr(model, "classes_", ()))


def model_methods(model: Any) -> tuple[str, ...]:
    """Which of the prediction methods the model has."""
    return tuple(m for m in ("predict", "predict_proba", "decision_function") if hasattr(model, m))


def describe_model(model: Any) -> str:
    """"Pipeline(ColumnTransformer → HistGradientBoostingClassifier)" and the like."""
    steps = getattr(model, "steps", None)
    if steps:
        return f"{type(model).__name__}({' → '.join(type(s).__name__ for _, s in steps)})"
    return type(model).__name__


def model_params(model: Any) -> dict[str, str]:
    """The final estimator's parameters, as text, for the report's provenance."""
    final = model.steps[-1][1] if getattr(model, "steps", None) else model
    try:
        params = final.get_params(deep=False)
    except Exception:
        return {}
    return {k: repr(v) for k, v in sorted(params.items())}


def check_model_columns(model: LoadedModel, columns: list[str], path: str, ignore: set[str]) -> None:
    """Refuse a model that expects columns the data lacks; list missing and unexpected ones."""
    if model.expected_columns is None:
        return
    present = set(columns)
    missing = [c for c in model.expected_columns if c not in present]
    if missing:
        unexpected = [c for c in columns if c not in set(model.expected_columns) and c not in ignore]
        more = f"; columns in the data the model does not use: {', '.join(unexpected[:20])}" if unexpected else ""
        raise InputError(
            f"{path}: the model expects columns the data lacks: {', '.join(missing)}{more}. "
            f"Choose the matching data file or model.", path, missing[0])


def as_float_array(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
