"""What ``/metrics`` counts, in Prometheus's text format, and the WSGI layer that counts it.

The counters come from ``prometheus_client``. Under ``pactgraph serve`` each granian worker is a
process of its own, so the library's multiprocess mode is used: ``web/server.py`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before any worker starts, every process writes its
values there, and ``/metrics``, whichever worker answers it, sums them all. Without that variable
(the Flask test client, one process) the library's default registry is read. The library reads the
variable when it is first imported, so nothing here imports it before ``meters()`` is called.

What is counted:
- ``pactgraph_http_requests_total{route,method,status}``: every request, counted before any
  WSGI layer (answers from the front cache and the lean SPARQL path included); ``route`` is the
  first segment of a path the app routes (``sparql``, ``doc``, ``healthz``...), else ``other``;
- ``pactgraph_query_seconds{outcome}``: the time a client query spends in the engine (waiting
  for a query worker included), by outcome (``answered`` or the setting whose limit stopped it);
- ``pactgraph_queries_stopped_total{setting}``: queries stopped at a limit: ``query_time_limit_ms``
  and ``query_memory_limit_mb`` are query workers killed at a limit, ``query_queue_time_limit_ms``
  queries that waited too long for a worker (the pool's waits), ``query_per_client_limit`` 429s;
- ``pactgraph_cache_lookups_total{result}``: lookups in the answer cache, ``hit`` or ``miss``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Query times span a cached millisecond to the 5 s limit and beyond (a raised limit).
QUERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Meters:
    requests: Any
    query_seconds: Any
    stopped: Any
    cache_lookups: Any


_made: list[Meters] = []  # the process's meters, once made
_making = threading.Lock()


def meters() -> Meters:
    """The process's meters, made on first use (after ``PROMETHEUS_MULTIPROC_DIR`` is set).

    Made under a lock: the first requests of a new worker arrive on several threads at once, and a
    second registration of the same meters raises (it answered those requests 500)."""
    if not _made:
        with _making:
            if not _made:
                _made.append(_new_meters())
    return _made[0]


def _new_meters() -> Meters:
    from prometheus_client import Counter, Histogram

    return Meters(
        Counter("pactgraph_http_requests", "HTTP requests answered, by route, method and status.",
                ["route", "method", "status"]),
        Histogram("pactgraph_query_seconds", "Time client queries spent in the engine (waiting "
                  "for a query worker included), by outcome.", ["outcome"],
                  buckets=QUERY_BUCKETS),
        Counter("pactgraph_queries_stopped", "Client queries stopped at a limit, by the setting "
                "that sets it.", ["setting"]),
        Counter("pactgraph_cache_lookups", "Lookups in the answer cache, by result.",
                ["result"]),
    )


def exposition() -> bytes:
    """Every meter of every process of this server, in the text format."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    meters()  # so that even a first scrape lists them
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    from prometheus_client import REGISTRY
    return generate_latest(REGISTRY)


def observe_query(seconds: float, outcome: str, stopped_by: str | None = None) -> None:
    """Count one client query that took ``seconds``: its outcome, and the setting whose limit
    stopped it, if one did."""
    found = meters()
    found.query_seconds.labels(outcome).observe(seconds)
    if stopped_by:
        found.stopped.labels(stopped_by).inc()


def refused(setting: str) -> None:
    """Count a query refused before it reached the engine (a client over its share)."""
    meters().stopped.labels(setting).inc()


class Counting:
    """Counts every request by route and status (web/app.py calls it from Flask's ``__call__``,
    before every WSGI layer), and carries the answer cache's hit and miss counts (kept by
    build/memory.py) into the meters."""

    def __init__(self, app: WSGIApp, routes: frozenset[str], cache: Any) -> None:
        self.app = app
        self.routes = routes
        self.cache = cache
        self._seen = (0, 0)
        self._lock = threading.Lock()

    def route_of(self, path: str) -> str:
        first = path.lstrip("/").split("/", 1)[0]
        if not first:
            return "/"
        return first if first in self.routes else "other"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        statuses: list[str] = []

        def counting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            statuses.append(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, counting)
        finally:
            self.count(environ, statuses[-1] if statuses else "500")

    def count(self, environ: dict[str, Any], status: str) -> None:
        """Count one request answered with ``status`` (its code, e.g. "200"): also called for the
        answers the buffering front sends from memory without calling the app."""
        found = meters()
        method = environ.get("REQUEST_METHOD", "")
        method = method if method in ("GET", "HEAD", "POST", "OPTIONS") else "other"
        found.requests.labels(self.route_of(environ.get("PATH_INFO", "")), method, status).inc()
        self._carry_cache_counts(found)

    def _carry_cache_counts(self, found: Meters) -> None:
        with self._lock:
            hits, misses = self.cache.hits, self.cache.misses
            seen_hits, seen_misses = self._seen
            self._seen = (hits, misses)
        if hits > seen_hits:
            found.cache_lookups.labels("hit").inc(hits - seen_hits)
        if misses > seen_misses:
            found.cache_lookups.labels("miss").inc(misses - seen_misses)


def routed_segments(rules: Iterable[str]) -> frozenset[str]:
    """The first path segments of the app's URL rules that are fixed text (not a variable)."""
    segments = set()
    for rule in rules:
        first = rule.lstrip("/").split("/", 1)[0]
        if first and "<" not in first:
            segments.add(first)
    return frozenset(segments)


def timed(run: Callable[[], Any], limit_of: Callable[[BaseException], str | None]) -> Any:
    """``run()``, its time and outcome observed; ``limit_of(error)`` names the setting whose
    limit an error is, or None."""
    started = time.monotonic()
    try:
        answer = run()
    except BaseException as error:
        setting = limit_of(error)
        observe_query(time.monotonic() - started, setting or "error", setting)
        raise
    observe_query(time.monotonic() - started, "answered")
    return answer
