"""One evaluation for many identical requests: queries in flight are shared (request coalescing).

At 100x the data, 16 clients asking the same uncached slow question at once all got 503: sixteen
evaluations of one query, each waiting for a query worker, none done within the limits. The answer
of a query whose every evaluation gives the same answer (``is_cacheable_query``: no ``NOW()``,
``RAND()``...) does not depend on who asks, so while one evaluation of a job is in flight, the same
job asked again waits for that evaluation and gets its outcome, as caching proxies coalesce
requests for one URL (Varnish, nginx's ``proxy_cache_lock``).

What is shared is the outcome of one evaluation: its answer, or the error it ended with (the time
limit, the memory limit, a syntax error: the same job would meet it again). Nothing outlives the
evaluation: the flight is forgotten as it lands, success or failure, so a later request evaluates
anew (the answer cache, not this, remembers answers). What belongs to one client is never shared:
the fair share (web/fair_share.py) is counted before a request leads a flight, so one client's 429
is its own; a request that joins a flight takes no query worker and no share.

A follower waits at most as long as a leader can take (the queue and the time limit) and a margin;
it then gives up with the time limit's error, so a leader stuck by a bug holds nobody for ever.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from pactgraph.engine.base import Answer, Job
from pactgraph.engine.cooperative import Handoff
from pactgraph.errors import LimitExceeded, QueryEngineUnavailable
from pactgraph.web.caching import is_cacheable_query

SharedKey = tuple


def shared_key(job: Job) -> SharedKey | None:
    """The key under which identical jobs share one evaluation; None when two evaluations of the
    job may differ (its answer belongs to each request alone)."""
    if not is_cacheable_query(job.query):
        return None
    return (job.query, job.default_graphs, job.named_graphs,
            tuple(sorted(job.media_types.items())), job.link)


class Flight:
    """One evaluation in progress, and its outcome once it lands. A follower waits for it with a
    ``Handoff`` (engine/cooperative.py): on the event loop, the loop wakes it; a follower never
    takes a waiting thread, which the leader may need (its syntax check, a remote engine)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held only to read or change the fields below
        self._outcome: tuple[Answer | None, BaseException | None] | None = None
        self._waiting: list[Handoff[None]] = []
        self.followers = 0  # how many requests joined (for tests and the soak run)

    def land(self, answer: Answer | None, error: BaseException | None) -> None:
        with self._lock:
            self._outcome = (answer, error)
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                with contextlib.suppress(RuntimeError):  # that follower's loop has closed
                    waiter.give(None)

    def outcome(self, wait_seconds: float) -> Answer:
        """The leader's answer, or its error raised; after ``wait_seconds``, the time limit's."""
        waiter = None
        with self._lock:
            if self._outcome is None:
                waiter = Handoff()
                self._waiting.append(waiter)
        if waiter is not None:
            try:
                waiter.wait(wait_seconds)
            finally:
                with self._lock:
                    if not waiter.given:
                        self._waiting.remove(waiter)
        if self._outcome is None:
            raise LimitExceeded("query_time_limit_ms",
                                f"the same query, asked by another request, was still being "
                                f"evaluated after {wait_seconds:.0f} s; try again later")
        answer, error = self._outcome
        if error is not None:
            raise error
        assert answer is not None
        return answer


class Coalescer:
    """The flights of one server process, by ``shared_key``."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._flights: dict[SharedKey, Flight] = {}
        self._lock = threading.Lock()

    def joined(self, key: SharedKey) -> Answer | None:
        """The outcome of the flight of ``key`` if one is in the air (raised if an error), else
        None at once: the caller then leads with ``lead``."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                return None
            flight.followers += 1
        return flight.outcome(self.wait_seconds)

    def lead(self, key: SharedKey, evaluate: Callable[[], Answer]) -> Answer:
        """``evaluate()``, shared with every request for ``key`` until it returns or raises (if a
        flight of ``key`` took off meanwhile, join that one instead)."""
        with self._lock:
            flight = self._flights.get(key)
            leading = flight is None
            if leading:
                flight = self._flights[key] = Flight()
            else:
                flight.followers += 1
        if not leading:
            return flight.outcome(self.wait_seconds)
        try:
            answer = evaluate()
        except BaseException as error:
            # An interruption (a cancelled request) is the leader's own: its followers are told
            # to ask again, not handed a CancelledError that no error handler expects.
            self._landed(key, flight, None, error if isinstance(error, Exception) else
                         QueryEngineUnavailable("the request evaluating this same query was "
                                                "interrupted; send the query again"))
            raise
        self._landed(key, flight, answer, None)
        return answer

    def _landed(self, key: SharedKey, flight: Flight, answer: Answer | None,
                error: BaseException | None) -> None:
        with self._lock:  # forgotten first: a request from now on evaluates anew
            del self._flights[key]
        flight.land(answer, error)

    def in_flight(self) -> int:
        """How many evaluations are shared at this moment (for tests and the soak run)."""
        with self._lock:
            return len(self._flights)

    def followers(self) -> int:
        """How many requests wait for an evaluation another request leads, now."""
        with self._lock:
            return sum(flight.followers for flight in self._flights.values())
