"""Reading a CSV file with pyarrow in blocks: its encoding (UTF-8, UTF-16, Windows-1252 or what
charset_normalizer finds) and delimiter detected from its first 256 KB, missing-value tokens, a column
widened when a later block does not fit the type the first gave it, and a sample of the first rows.
The file is hashed in the same pass as the read."""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

from assay.engine.arrow_frames import check_fits, frame_bytes, iter_to_pandas
from assay.engine.errors import InputError
from assay.engine.input_files import sha256_file, short_error
from assay.engine.progress import scaled_fractions

# Tokens read as missing in text files, besides the empty field.
MISSING_TOKENS = (
    "", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none",
    "-", "?", "#N/A", "#NA", "missing", "MISSING", "<NA>",
)
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".dat"}
CSV_BLOCK = 1 << 21  # bytes per CSV block: a progress step and a point where a cancel takes effect. The first
# block is read (and the column types inferred from it) when the reader opens: 8 MB took 0.2-0.5 s there at idle,
# 3 s under load; 2 MB takes 0.02-0.07 s, and the whole read is no slower (bench/results/large_csv.md)
UTF8_NAMES = ("utf-8", "utf-8-sig", "ascii")


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


def iter_csv(path: Path, role: str, sample_bytes: int | None) -> Generator[float, None, tuple]:
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
    frame = yield from iter_to_pandas(batches, schema, 0.9)
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
                check_fits(path, role, lambda first=batch: frame_bytes(first) * size / min(size, CSV_BLOCK))
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
            f"{path}: rows have different numbers of fields ({short_error(exc)}); "
            f"fix the file or check that the delimiter {delimiter!r} is right.", path)
    if "Empty CSV" in message:
        return InputError(f"{path}: the file has no header row; export it again with column names.", path)
    return InputError(f"{path}: cannot read as CSV ({short_error(exc)}).", path)
