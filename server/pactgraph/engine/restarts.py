"""How often a query pool starts again a loader that keeps failing (engine/pool.py).

A loader that cannot load its copy of the store (a damaged N-Quads file, too little memory) fails
the same way every time. Started again for every query, and by every gunicorn worker that the
master restarted because its pool would not start, it kept the processors busy while no query was
answered. So after ``attempts`` failures within ``window_seconds`` the pool stops trying: a query
is refused at once (503) with the last failure's message, until the oldest of those failures is
``window_seconds`` old, when one more attempt is made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from pactgraph.errors import QueryEngineUnavailable

Started = TypeVar("Started")


class Restarts:
    """The record of recent failed starts, and the decision whether to try once more."""

    def __init__(self, attempts: int = 3, window_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window_seconds = window_seconds
        self.clock = clock
        self.cause: str | None = None  # the last failure's message, until a start succeeds
        self._failures: list[float] = []
        self._lock = threading.Lock()

    def attempt(self, start: Callable[[], Started]) -> Started:
        """``start()``, unless it failed too often lately: then ``QueryEngineUnavailable`` at
        once. A failure must raise ``QueryEngineUnavailable``; it is recorded and raised again."""
        with self._lock:
            now = self.clock()
            self._failures = [when for when in self._failures
                              if now - when < self.window_seconds]
            if len(self._failures) >= self.attempts:
                wait = self.window_seconds - (now - self._failures[0])
                raise QueryEngineUnavailable(
                    f"{self.cause} (the query workers failed to start {len(self._failures)} "
                    f"times in {self.window_seconds:g} s; the next attempt is in at most "
                    f"{max(1, round(wait))} s)")
        try:
            started = start()
        except QueryEngineUnavailable as error:
            with self._lock:
                self._failures.append(self.clock())
                self.cause = str(error)
            raise
        with self._lock:
            self._failures.clear()
            self.cause = None
        return started
