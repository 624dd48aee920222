"""Run the app under granian: a Rust HTTP front that holds the connections, Python only requests.

Why granian, not gunicorn (measured, see README "Limits and safety"): gunicorn's gthread worker
gives each connection a thread and reads its headers with no deadline, so 50 connections sending a
header byte every 3 s made health probes time out. granian reads and writes every connection on an
async runtime (tokio, hyper); a Python thread is taken only once a request has arrived whole
(web/buffering_front.py reads the body first, with a deadline) and is given back as soon as the app
returns its bytes, so slow, idle and half-open connections cost a socket each, not a thread.

Start-up: the parent process builds (parses, validates) the prebuilt store once, before any socket
is opened (from the data files, or from the store at engine_url: build/from_engine.py), so data
that fails the shapes, or a store that cannot be read, stops the command; granian then forks
its workers, and each builds the app, which only opens that store (build/prebuilt.py), and starts
its query workers before it answers (engine/pool.py).

Shutdown: SIGTERM or SIGINT to the parent stops the workers gracefully; a worker closes its query
pool on the way out (granian's workers end through multiprocessing, which skips ``atexit``).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import multiprocessing.util
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import Server

from pactgraph import settings as settings_table
from pactgraph.build.publication import Prepared, prepare_store
from pactgraph.errors import CannotListen, QueryEngineUnavailable
from pactgraph.web.app import create_app
from pactgraph.web.buffering_front import BufferingFront
from pactgraph.web.metrics import MULTIPROCESS_DIR

log = logging.getLogger(__name__)

# A client has this long to send its request head (request line and headers); then the
# connection is closed. Slow clients cost no thread here, so this bounds sockets, not threads.
HEADER_READ_TIMEOUT_MS = 10_000
# Connections each worker holds at once. A connection costs a socket and a small task, no thread;
# beyond this many, new ones wait in the listen backlog.
CONNECTIONS_PER_WORKER = 2048
# Stopping: granian lets each worker finish the requests it holds, which a slow client can make
# last; a worker still busy after this long is killed (its query workers end with it, on EOF),
# so that SIGTERM or SIGINT stops the server within 2 s.
WORKER_STOP_SECONDS = 1


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    # Python threads per worker that run requests. Connections do not hold them, only requests
    # being answered do (a query waiting for its query worker among them).
    threads: int = 8
    access_log: bool = False

    def granian_options(self) -> dict[str, Any]:
        return {
            "address": self.host,
            "port": self.port,
            # RSGI, not granian's WSGI: web/buffering_front.py reads bodies on the event loop.
            "interface": Interfaces.RSGI,
            "workers": self.workers,
            "backpressure": CONNECTIONS_PER_WORKER,
            "http": HTTPModes.http1,
            "websockets": False,
            "http1_settings": HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
            "log_access": self.access_log,
            # A worker that dies (a bug, the kernel's OOM killer) is replaced, as gunicorn did.
            "respawn_failed_workers": True,
            "workers_kill_timeout": WORKER_STOP_SECONDS,
        }


def worker_app(config: dict[str, Any], threads: int, prepared: Prepared) -> BufferingFront:
    """The app of one granian worker: the Flask app over the store the parent prepared, behind
    the buffering front, its query workers started (and closed when the worker ends: granian's
    workers leave through multiprocessing, which runs its finalizers, not ``atexit``)."""
    from pactgraph.engine.pool import close_all

    app = create_app(config, prepared)
    multiprocessing.util.Finalize(None, close_all, exitpriority=10)
    start_query_workers(app)
    return BufferingFront(app, threads, int(app.config["PACTGRAPH"]["max_request_bytes"]))


def check_address(host: str, port: int) -> None:
    """Raise ``CannotListen`` unless ``host:port`` can be listened on. granian binds with
    SO_REUSEPORT, so a second server on a port in use would silently share it, not fail."""
    if not 0 <= port <= 65535:
        raise CannotListen(f"port {port} does not exist; ports are numbered 0 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            # As every server does: connections of a server that just ended (killed, restarted
            # by systemd) linger in TIME_WAIT for a minute and must not stop a new one; a
            # server still listening there still does.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, OverflowError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise CannotListen(f"cannot listen on {host} port {port}: {reason}. Is another server "
                           "running there? Choose another --port or --host") from None


def start_query_workers(app: Any) -> None:
    """Start ``app``'s query workers now, so that the first query does not wait for them. If they
    cannot start, the worker serves anyway: its pages work, and a query is answered 503 with the
    cause (failing here would have granian start the worker again and again)."""
    from pactgraph.web.context import publication_of

    try:
        publication_of(app).engine.start()
    except QueryEngineUnavailable as error:
        log.error("SPARQL queries will be answered 503: %s", error)


def serve(config: dict[str, Any], options: ServerOptions) -> None:
    """Build the prebuilt store of ``config`` (raising ``DataNotConforming`` if the data fails the
    shapes), then serve it until granian is stopped."""
    check_address(options.host, options.port)
    # Validated once, here, and built if new; the workers only open it. The parent does not open
    # the store itself: a fork must not inherit RocksDB's threads.
    prepared = prepare_store(settings_table.resolve(config))
    # What the parent holds now is kept until it exits: out of the collector's sight, the forked
    # workers do not copy its pages by touching them, and the parent's exit does not spend seconds
    # collecting them (measured: 5 s on a loaded 2-core machine, past the 2 s a stop may take).
    gc.collect()
    gc.freeze()
    server = Server("pactgraph", **options.granian_options())
    loader = functools.partial(worker_app, dict(config), options.threads, prepared)
    with metrics_folder():
        server.serve(target_loader=loader, wrap_loader=False)


@contextlib.contextmanager
def metrics_folder() -> Iterator[None]:
    """Where every worker writes its counters for /metrics (web/metrics.py): the folder
    ``PROMETHEUS_MULTIPROC_DIR`` names, emptied of an earlier run's files, else a fresh one,
    removed at the end. Set before granian starts a worker, which inherits it."""
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    folder = tempfile.mkdtemp(prefix="pactgraph-metrics-")
    os.environ[MULTIPROCESS_DIR] = folder
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(folder, ignore_errors=True)
