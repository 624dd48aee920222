"""The pool's idle query workers, handed out in the order they were asked for, to threads and to
greenlets on the event loop alike (engine/cooperative.py).

A ``queue.Queue`` served the threads. On the loop, a request that found no worker free waited for
one on a thread of its own, and a request arriving as a worker came back took that worker at once,
ahead of the threads already waiting: under 16 clients and two workers, some waited past the queue
limit (503) while others never waited at all. Here whoever asks while others wait joins the end
of the line, and a worker put back goes straight to the first in line: to a thread by an event, to
a greenlet by its loop, which wakes it. The line's one lock is never held while anyone waits.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Generic, TypeVar

from pactgraph.engine.cooperative import on_loop, suspend

T = TypeVar("T")


class _Waiter(Generic[T]):
    """One caller waiting in line, and the item handed to it (under the line's lock)."""

    def __init__(self) -> None:
        self.item: T | None = None
        if on_loop():
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            self.woken: asyncio.Future[None] | None = self.loop.create_future()
            self.event = None
        else:
            self.loop = self.woken = None
            self.event = threading.Event()

    def hand(self, item: T) -> None:
        self.item = item
        if self.event is not None:
            self.event.set()
        else:
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        if not self.woken.done():
            self.woken.set_result(None)

    def wait(self, timeout: float) -> None:
        """Until an item is handed over or ``timeout`` seconds have passed."""
        if self.event is not None:
            self.event.wait(timeout)
            return
        timer = self.loop.call_later(timeout, self._wake)
        try:
            suspend(self.woken)
        finally:
            timer.cancel()


class WaitingLine(Generic[T]):
    """Idle items (the workers), and the callers waiting for one, first come first served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._waiting: deque[_Waiter[T]] = deque()

    def put(self, item: T) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().hand(item)
            else:
                self._items.append(item)

    def get(self, timeout: float) -> T | None:
        """An item, within ``timeout`` seconds, or None."""
        with self._lock:
            if self._items:  # then nobody waits: a worker put back goes to the first in line
                return self._items.popleft()
            waiter: _Waiter[T] = _Waiter()
            self._waiting.append(waiter)
        waiter.wait(timeout)
        with self._lock:
            if waiter.item is None:  # not served in time: leave the line
                self._waiting.remove(waiter)
            return waiter.item

    def qsize(self) -> int:
        """How many items are idle now."""
        with self._lock:
            return len(self._items)

    def waiting(self) -> int:
        """How many callers wait in line now (for tests)."""
        with self._lock:
            return len(self._waiting)
