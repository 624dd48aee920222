"""A fair share of the query workers: each client may have only so many uncached queries at once.

The query workers are few (``query_workers`` per server process), and a runaway query holds one for
``query_time_limit_ms``. Without a share, one client sending runaways back to back kept them all
busy and other clients' cheap queries waited, then failed (503). So every query about to go to the
engine, from either path (the endpoint, web/routes/sparql.py, and the lean path,
web/middleware/lean_sparql.py), goes through ``run_query``, which counts the queries each client has
running and answers the one over ``query_per_client_limit`` at once with 429 Too Many Requests and
Retry-After (as the Wikidata query service does). Cached answers cost no query worker and are not
counted, nor is a request that shares the evaluation of the same query in flight
(web/coalescing.py). Keep the limit below ``query_workers``, so one client always leaves a worker
to others.

A client is its address: REMOTE_ADDR, unless that is one of ``trusted_proxies`` (addresses or
networks); then X-Forwarded-For is read from its right end, the hops our proxies added, and the
client is the first address that is not a trusted proxy (entries further left are whatever the
client wrote, and prove nothing). An IPv6 client is its /64 network: one host holds a whole /64.

The count is per server process (each granian worker keeps its own), so a client may have up to
``workers`` x ``query_per_client_limit`` queries running on the whole server.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pactgraph.engine.base import Answer, Job
from pactgraph.engine.cooperative import blocking
from pactgraph.errors import LimitExceeded, SettingError
from pactgraph.web import metrics
from pactgraph.web.coalescing import Coalescer, shared_key
from pactgraph.web.context import publication_of

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LIMITER = "pactgraph.fair_share"  # the app.extensions entry that holds the app's ClientLimiter
COALESCER = "pactgraph.coalescer"  # ... and the one that holds its Coalescer


def trusted_networks(entries: str | list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of the ``trusted_proxies`` setting (a list, or one string of addresses
    separated by commas or spaces); ``SettingError`` for an entry that is not one."""
    if isinstance(entries, str):
        entries = entries.replace(",", " ").split()
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise SettingError(f"the trusted_proxies setting has {entry!r}, which is neither an "
                               "IP address nor a network (such as 10.0.0.0/8)") from None
    return tuple(networks)


class ClientLimiter:
    """Counts the uncached queries each client has running in this process."""

    def __init__(self, limit: int, trusted: tuple[Network, ...] = ()) -> None:
        self.limit = limit  # 0: no limit
        self.trusted = trusted
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def client_of(self, environ: dict[str, Any]) -> str:
        """Who sent this request (see the module's docstring)."""
        peer = _address(environ.get("REMOTE_ADDR", ""))
        if peer is None:
            return environ.get("REMOTE_ADDR", "") or "unknown"
        client = peer
        if self._is_trusted(peer):
            for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                address = _address(hop)
                if address is None:  # not an address: trust nothing further left
                    break
                client = address
                if not self._is_trusted(address):
                    break
        if client.version == 6:
            return str(ipaddress.ip_network(f"{client}/64", strict=False))
        return str(client)

    def _is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self.trusted)

    def running(self, client: str) -> int:
        with self._lock:
            return self._running.get(client, 0)

    @contextmanager
    def slot(self, environ: dict[str, Any]) -> Iterator[str]:
        """Hold one of the client's slots while the body runs; ``LimitExceeded`` if none is
        free."""
        client = self.client_of(environ)
        with self._lock:
            running = self._running.get(client, 0)
            if self.limit and running >= self.limit:
                raise LimitExceeded(
                    "query_per_client_limit",
                    f"{client} already has {running} uncached "
                    f"{'query' if running == 1 else 'queries'} running on this server process, "
                    f"the most one client may have at once; wait until "
                    f"{'it ends' if running == 1 else 'one ends'}, then send this one again")
            self._running[client] = running + 1
        try:
            yield client
        finally:
            with self._lock:
                left = self._running[client] - 1
                if left:
                    self._running[client] = left
                else:
                    del self._running[client]


def install(app: Any, settings: dict[str, Any]) -> None:
    """Give ``app`` its ClientLimiter (at start-up, so that a bad setting stops the start) and its
    Coalescer (web/coalescing.py)."""
    app.extensions[LIMITER] = ClientLimiter(int(settings["query_per_client_limit"]),
                                            trusted_networks(settings["trusted_proxies"]))
    longest = (int(settings["query_queue_time_limit_ms"])
               + int(settings["query_time_limit_ms"])) / 1000
    app.extensions[COALESCER] = Coalescer(2 * longest + 10)


def limiter_for(app: Any) -> ClientLimiter:
    return app.extensions[LIMITER]


def coalescer_for(app: Any) -> Coalescer:
    return app.extensions[COALESCER]


def run_query(app: Any, environ: dict[str, Any], job: Job) -> Answer:
    """Answer ``job`` in one of ``app``'s query workers, within the sender's share; or share the
    evaluation of the same job already in flight, which takes no share (web/coalescing.py).
    Evaluations and refusals are counted for /metrics (web/metrics.py), joins are not."""
    key = shared_key(job)
    coalescer = coalescer_for(app)
    if key is not None:
        shared = coalescer.joined(key)
        if shared is not None:
            return shared
    try:
        with limiter_for(app).slot(environ):
            engine = publication_of(app).engine
            # On the event loop (web/buffering_front.py), an engine that would block it (a remote
            # store's HTTP round trip) is waited for on a thread instead (engine/cooperative.py).
            run = engine.run if engine.cooperative else functools.partial(blocking, engine.run)

            def evaluate() -> Answer:
                return metrics.timed(lambda: run(job), _limit_of)

            return evaluate() if key is None else coalescer.lead(key, evaluate)
    except LimitExceeded as error:
        if error.setting == "query_per_client_limit":  # refused here, before the engine
            metrics.refused(error.setting)
        raise


def _limit_of(error: BaseException) -> str | None:
    return error.setting if isinstance(error, LimitExceeded) else None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None
