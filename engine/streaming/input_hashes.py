"""The streamed audit's input files: their SHA-256 (which `assay verify` checks) computed in a thread of its own
while the schema and the passes run, and each file's provenance entry once they are all known.

Hashing is a whole read of the inputs (3.4 GB at 20 million rows): hashlib releases the GIL on large updates, so
it costs the passes little time on a second core. The audit starts it when the Sources are open (`start`), may
ask between analyses whether it failed (`check`, so that an unreadable file stops the audit early), and waits
for it before the provenance is built (`wait`, which yields progress while it waits). Closing stops the thread
after the block it is hashing.
"""
from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path

from assay.engine.input_files import InputInfo, iter_sha256
from assay.engine.progress import ProgressEvent
from assay.engine.streaming.sources import FORMAT_NAMES, Source

WAIT_INTERVAL = 0.1  # seconds between two progress events while the audit waits for the last digests
THREAD_NAME = "assay-input-hashes"


class InputHashes:
    """The SHA-256 of every file of `sources`, in a background thread started by `start`."""

    def __init__(self, sources: tuple[Source, ...]) -> None:
        self.sources = sources
        self.files = [(source, path) for source in sources for path in source.paths]
        self.total = max(sum(Path(p).stat().st_size for _, p in self.files), 1)
        self.hashed = 0  # bytes hashed so far
        self.digests: dict[str, str] = {}
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    def start(self) -> InputHashes:
        self._thread.start()
        return self

    def check(self) -> None:
        """Raise what stopped the hashing (a file that cannot be read), if anything did."""
        if self.error is not None:
            raise self.error

    def wait(self, stage: str, at: float) -> Generator[ProgressEvent, None, tuple[InputInfo, ...]]:
        """Each input file's provenance with its SHA-256, once all are hashed: progress at `at` every
        WAIT_INTERVAL seconds until then. Raises what stopped the hashing."""
        while not self._done.wait(WAIT_INTERVAL):
            yield ProgressEvent(stage, at, f"Hashing the input files ({self.hashed / self.total:.0%})")
        self.check()
        return tuple(self._info(source, path) for source, path in self.files)

    def close(self) -> None:
        """Stop the thread (after the block it is hashing) and wait for it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            for _, path in self.files:
                if path in self.digests:  # the same file as both inputs
                    self.hashed += Path(path).stat().st_size
                    continue
                steps = iter_sha256(Path(path))
                size, before = Path(path).stat().st_size, self.hashed
                try:
                    while True:
                        if self._stop.is_set():
                            return
                        self.hashed = before + round(size * next(steps))
                except StopIteration as stop:
                    self.digests[path] = stop.value
                finally:
                    steps.close()
        except BaseException as exc:  # noqa: BLE001 - raised again in the audit's thread by check and wait
            self.error = exc
        finally:
            self._done.set()

    def _info(self, source: Source, path: str) -> InputInfo:
        rows = sum(f.rows for f in source.fragments if f.path == path)
        several = len(source.paths) > 1
        detail = FORMAT_NAMES[source.format] + (f", file {source.paths.index(path) + 1} of {len(source.paths)} of "
                                                f"{source.location}" if several else "") + ", read in batches"
        return InputInfo(role=source.role, path=path, sha256=self.digests[path], rows=rows,
                         columns=len(source.columns), format=source.format, detail=detail)

