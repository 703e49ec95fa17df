"""Reading ahead: a generator's items produced in a background thread while the consumer works on the previous
ones, a bounded number at a time.

The streamed passes read a batch (pyarrow's decoding and the conversion to pandas, which release the GIL for
most of their work) and then map it; `read_ahead` lets the next batch be read while the current one is mapped.
At most `depth` items wait in the queue, so memory stays bounded: `depth` + 2 batches at once (waiting, being
read, being mapped). The items come in the same order; an exception raised by the producer is raised in the
consumer's thread where the item would have come. Closing the generator stops the thread after the item it is
reading and waits for it, so no thread is left behind.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

THREAD_NAME = "assay-read-ahead"
_END = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterator[T], depth: int = 1) -> Generator[T, None, None]:
    """`items` as they come, produced by a thread of their own up to `depth` ahead (0: in this thread)."""
    if depth < 1:
        yield from items
        return
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(target=_produce, args=(items, waiting, stop), name=THREAD_NAME, daemon=True)
    thread.start()
    try:
        while True:
            item = waiting.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # free the queue's places so that a waiting put returns and the thread sees stop
            _drain(waiting)
            thread.join(timeout=0.01)
        _drain(waiting)


def _produce(items: Iterator[T], waiting: queue.Queue, stop: threading.Event) -> None:
    try:
        for item in items:
            if stop.is_set():
                return
            waiting.put(item)
            if stop.is_set():
                return
        waiting.put(_END)
    except BaseException as exc:  # noqa: BLE001 - raised again in the consumer's thread
        waiting.put(_Failed(exc))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def _drain(waiting: queue.Queue) -> None:
    while True:
        try:
            waiting.get_nowait()
        except queue.Empty:
            return
