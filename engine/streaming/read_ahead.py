"""Reading ahead: a generator's items produced in a background thread while the consumer works on the previous
ones, a bounded number at a time.

The streamed passes read a batch (pyarrow's decoding and the conversion to pandas, which release the GIL for
most of their work) and then map it; `read_ahead` lets the next batch be read while the current one is mapped.
The thread reads an item only when fewer than `depth` wait, so memory stays bounded: `depth` + 1 batches at once
(read or being read, and the one being mapped). The items come in the same order; an exception raised by the producer is raised in the
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
    ready: queue.SimpleQueue = queue.SimpleQueue()
    room = threading.Semaphore(depth)  # items the thread may read before this generator has taken them
    stop = threading.Event()
    thread = threading.Thread(target=_produce, args=(items, ready, room, stop), name=THREAD_NAME, daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            room.release()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        room.release()  # a thread waiting for room wakes up and sees stop; one reading an item stops after it
        thread.join()


def _produce(items: Iterator[T], ready: queue.SimpleQueue, room: threading.Semaphore, stop: threading.Event) -> None:
    try:
        while True:
            room.acquire()
            if stop.is_set():
                return
            try:
                item = next(items)
            except StopIteration:
                ready.put(_END)
                return
            ready.put(item)
    except BaseException as exc:  # noqa: BLE001 - raised again in the consumer's thread
        ready.put(_Failed(exc))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
