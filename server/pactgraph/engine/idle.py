"""The pool's idle query workers, handed out in the order they were asked for, to threads and to
greenlets on the event loop alike (engine/cooperative.py).

A ``queue.Queue`` served the threads. On the loop, a request that found no worker free waited for
one on a thread of its own, and a request arriving as a worker came back took that worker at once,
ahead of the threads already waiting: under 16 clients and two workers, some waited past the queue
limit (503) while others never waited at all. Here whoever asks while others wait joins the end
of the line, and a worker put back goes straight to the first in line (``Handoff``: to a thread by
an event, to a greenlet by its loop). The line's one lock is never held while anyone waits.

A waiter that leaves the line in any other way than with a worker (its time is up, its request was
cancelled, its loop closed, its query was found malformed) takes nothing with it: what it was
handed meanwhile goes to the next. A query checked for syntax while it waits keeps its place: it
used to leave the line for the check and join its end again, behind everyone who came meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from pactgraph.engine.cooperative import Handoff

T = TypeVar("T")


class WaitingLine(Generic[T]):
    """Idle items (the workers), and the callers waiting for one, first come first served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._waiting: deque[Handoff[T]] = deque()

    def put(self, item: T) -> None:
        with self._lock:
            while self._waiting:
                try:
                    self._waiting.popleft().give(item)
                    return
                except RuntimeError:  # that waiter's loop has closed: it is gone
                    continue
            self._items.append(item)

    def get(self, timeout: float,
            meanwhile: tuple[float, Callable[[], object]] | None = None) -> T | None:
        """An item, within ``timeout`` seconds, or None. ``meanwhile``, ``(after, call)``: if
        no item came within ``after`` seconds, ``call()`` runs with the caller still in its
        place (an item handed over meanwhile waits for it); an error it raises leaves the line."""
        with self._lock:
            if self._items:  # then nobody waits: a worker put back goes to the first in line
                return self._items.popleft()
            waiter: Handoff[T] = Handoff()
            self._waiting.append(waiter)
        deadline = time.monotonic() + timeout
        try:
            if meanwhile is not None:
                after, call = meanwhile
                waiter.wait(min(after, timeout))
                if not waiter.given:
                    call()
            waiter.wait(max(0.0, deadline - time.monotonic()))
        except BaseException:  # cancelled in line: what it was handed goes to the next
            handed = self._leave(waiter)
            if handed is not None:
                self.put(handed)
            raise
        return self._leave(waiter)

    def _leave(self, waiter: Handoff[T]) -> T | None:
        with self._lock:
            if not waiter.given:  # not served: leave the line
                self._waiting.remove(waiter)
                return None
            return waiter.value

    def take(self, which: Callable[[T], bool]) -> list[T]:
        """The idle items ``which`` picks, out of the line."""
        with self._lock:
            taken, kept = [], deque()
            for item in self._items:
                (taken if which(item) else kept).append(item)
            self._items = kept
        return taken

    def qsize(self) -> int:
        """How many items are idle now."""
        with self._lock:
            return len(self._items)

    def waiting(self) -> int:
        """How many callers wait in line now (for tests)."""
        with self._lock:
            return len(self._waiting)
