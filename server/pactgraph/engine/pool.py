"""SPARQL evaluation in killable worker processes: the query time limit that really holds.

Neither pyoxigraph nor rdflib can cancel a running query, and a runaway one (a cartesian product
under ORDER BY) ignores signals while it eats memory. So the web endpoint never evaluates in its
own process: each server process keeps a small pool of query workers (``query_workers``), each with
an address-space limit (``query_memory_limit_mb``) and a CPU-time limit that ends it even if its
parent is stuck. A worker evaluates the query *and writes the answer* in
the chosen media type, applying the row cap as it writes, and returns bytes; the server process
never iterates engine objects. The parent waits ``query_time_limit_ms`` at most, then SIGKILLs the
worker, starts a replacement in the background and raises ``LimitExceeded``.

The workers answer from an in-memory copy of the store, loaded from the prebuilt store's N-Quads
file (build/prebuilt.py): queries run 5 to 10 times faster in memory than on the on-disk store at
100x the data. The copy is loaded once per pool, by a loader process that forks the workers and
shares the copy with them (engine/worker.py).

Forking the server process itself would be unsafe: it runs request threads (gunicorn's gthread
workers) that may hold locks at the moment of the fork. The pool of a process belongs to that
process: after a fork (gunicorn forking its workers from a preloaded app) the child starts its
own pool on first use, or at boot (``web/server.py``).

API: ``executor_for(app)`` -> ``QueryExecutor``; ``QueryExecutor.run(Job) -> Answer``.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle
from pathlib import Path
from typing import Any

from pactgraph.engine.sandbox import ISOLATED
from pactgraph.engine.worker_exit import death_error
from pactgraph.errors import (
    LimitExceeded,
    NotAcceptable,
    PactgraphError,
    QueryError,
    UnsupportedOperation,
)

log = logging.getLogger(__name__)

KINDS = ("select", "ask", "graph")
STARTUP_SECONDS = 120  # how long a new worker may take to load its copy of the store


@dataclass(frozen=True)
class Limits:
    time_limit_ms: int
    max_rows: int
    memory_mb: int
    workers: int
    queue_ms: int

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Limits:
        return cls(int(settings["query_time_limit_ms"]), int(settings["max_result_rows"]),
                   int(settings["query_memory_limit_mb"]), max(1, int(settings["query_workers"])),
                   int(settings["query_queue_time_limit_ms"]))


@dataclass(frozen=True)
class Job:
    """One query to answer. ``media_types`` maps each result kind ('select', 'ask', 'graph') to
    the media type to write it in, or None when the client accepts none for that kind."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    media_types: dict[str, str | None] = field(default_factory=dict)
    link: str | None = None  # where the row cap is documented, for truncated answers


@dataclass(frozen=True)
class Answer:
    kind: str           # 'select', 'ask' or 'graph'
    media_type: str
    body: bytes
    rows: int
    truncated: bool     # the row cap cut the answer; the body and headers must say so


# --- The pool ------------------------------------------------------------------------------------

class _Loader:
    """The pool's loader process (``python -m pactgraph.engine.worker FD``, see engine/worker.py):
    it holds the loaded copy of the store and forks the query workers."""

    def __init__(self, process: subprocess.Popen, control: Connection) -> None:
        self.process = process
        self.control = control
        self.lock = threading.Lock()  # one request at a time on the control connection

    def fork(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            with self.lock:
                self.control.send(("fork",))
                send_handle(self.control, theirs.fileno(), self.process.pid)
                _, pid = self.control.recv()
        finally:
            theirs.close()
        return _Worker(pid, Connection(ours.detach()), self)

    def reap(self, pid: int) -> int | None:
        with self.lock:
            self.control.send(("reap", pid))
            return self.control.recv()[1]

    def alive(self) -> bool:
        return self.process.poll() is None

    def exitcode(self) -> int | None:
        return self.process.returncode

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        with contextlib.suppress(OSError):
            self.control.close()


class _Worker:
    """A query worker forked by ``loader``, and our end of its socket."""

    def __init__(self, pid: int, conn: Connection, loader: _Loader) -> None:
        self.pid = pid
        self.conn = conn
        self.loader = loader
        self.returncode: int | None = None  # known once the loader has reaped it

    def alive(self) -> bool:
        if self.returncode is not None:
            return False
        try:  # a worker that died is a zombie until its loader reaps it
            return Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def exitcode(self) -> int | None:
        if self.returncode is None:
            with contextlib.suppress(EOFError, OSError):
                self.returncode = self.loader.reap(self.pid)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            self.exitcode()  # reaped, so that its pid cannot be reused while we hold it
        with contextlib.suppress(OSError):
            self.conn.close()


def _await_ready(process: _Loader | _Worker, conn: Connection, what: str,
                 hint: str = "") -> tuple:
    """Wait for the "ready" message a loader or worker sends once it can work, and return it;
    kill it and say why if it never comes."""
    if not conn.poll(STARTUP_SECONDS):
        process.kill()
        raise RuntimeError(f"{what} was not ready within {STARTUP_SECONDS} s")
    try:
        return conn.recv()
    except (EOFError, OSError):
        process.kill()
        raise RuntimeError(f"{what} exited as it started (exit code {process.exitcode()})"
                           f"{hint}") from None


_LIVE: weakref.WeakSet[QueryExecutor] = weakref.WeakSet()


def _kill_all(workers: set[_Worker], loaders: set[_Loader]) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()
    for loader in list(loaders):
        loader.kill()
    loaders.clear()


class QueryExecutor:
    """A pool of query worker processes over one prebuilt store (its N-Quads file)."""

    def __init__(self, quads_path: Path, limits: Limits) -> None:
        self.quads_path = quads_path
        self.limits = limits
        self._lock = threading.Lock()
        self._loader_lock = threading.Lock()
        self._owner = -1  # pid of the process the pool was started in
        self._idle: queue.Queue[_Worker] = queue.Queue()
        # One set of each for the executor's life: see _kill_all.
        self._workers: set[_Worker] = set()
        self._loaders: set[_Loader] = set()
        self._loader: _Loader | None = None
        # Whether the workers are cut off from the network (engine/sandbox.py); known once a loader
        # runs.
        self.isolation: str | None = None
        _LIVE.add(self)
        # An executor dropped with its app (tests build many) takes its processes with it.
        # (At exit ``_close_all`` does it, marking the pool closed first.)
        weakref.finalize(self, _kill_all, self._workers, self._loaders).atexit = False

    # -- life cycle

    def start(self) -> None:
        """Start the loader and the workers now (and wait until they are ready), if not started
        in this process yet. ``run`` calls it; the server calls it early to keep the first query
        fast."""
        with self._lock:
            if self._owner == os.getpid():
                return
            # Processes inherited through a fork belong to the parent process: forget them.
            self._idle = queue.Queue()
            self._workers.clear()
            self._loaders.clear()
            self._loader = None
            self._owner = os.getpid()
            started = [self._spawn() for _ in range(self.limits.workers)]
        for worker in started:
            _await_ready(worker, worker.conn, "a query worker")
            self._idle.put(worker)

    def _start_loader(self) -> _Loader:
        # A fresh interpreter (fork+exec), never a bare fork of this process: the server runs
        # request threads that may hold locks at the moment of a fork. Nor multiprocessing's
        # spawn or forkserver, which re-import the parent's __main__ (a script with no guard).
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", "pactgraph.engine.worker", str(theirs.fileno())]
        process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                   close_fds=True)
        theirs.close()
        loader = _Loader(process, Connection(ours.detach()))
        self._loaders.add(loader)
        loader.control.send((self.limits.memory_mb, self.limits.max_rows, str(self.quads_path)))
        _, _, isolation = _await_ready(
            loader, loader.control, "the query workers' loader",
            f"; is query_memory_limit_mb ({self.limits.memory_mb}) too small for the dataset?")
        if isolation != ISOLATED and isolation != self.isolation:
            log.error("QUERY WORKERS CAN REACH THE NETWORK: %s. A SERVICE query that got past "
                      "the text check would be fetched; run as root or allow unprivileged user "
                      "namespaces (sysctl kernel.unprivileged_userns_clone=1)", isolation)
        self.isolation = isolation
        return loader

    def _spawn(self) -> _Worker:
        """A new worker, forked by the loader (started first, or again if it died)."""
        with self._loader_lock:
            if self._loader is None or not self._loader.alive():
                if self._loader is not None:
                    log.error("the query workers' loader ended (exit code %s); starting another",
                              self._loader.process.returncode)
                self._loader = self._start_loader()
            loader = self._loader
        worker = loader.fork()
        self._workers.add(worker)
        return worker

    def _replace(self, dead: _Worker) -> None:
        """Kill ``dead`` and put a fresh worker in its place, in the background."""
        dead.kill()
        self._workers.discard(dead)
        owner = self._owner

        def refill() -> None:
            try:
                worker = self._spawn()
                _await_ready(worker, worker.conn, "a query worker")
            except Exception:
                if self._owner == owner:  # not merely closed meanwhile
                    log.exception("cannot start a replacement query worker")
                return
            if self._owner == owner:
                self._idle.put(worker)
            else:
                worker.kill()

        threading.Thread(target=refill, name="pactgraph-refill", daemon=True).start()

    def close(self) -> None:
        """Kill every worker of this process, and their loader."""
        if self._owner != os.getpid():
            return
        self._owner = -1
        _kill_all(self._workers, self._loaders)
        self._loader = None
        self._idle = queue.Queue()

    def pids(self) -> list[int]:
        """The process ids of the live workers (for tests and the soak run)."""
        return [worker.pid for worker in self._workers.copy() if worker.alive()]

    # -- answering

    def run(self, job: Job) -> Answer:
        """Answer ``job`` in a worker within the time limit, or raise the error saying why not."""
        self.start()
        limits = self.limits
        try:
            worker = self._idle.get(timeout=limits.queue_ms / 1000)
        except queue.Empty:
            raise LimitExceeded(
                "query_queue_time_limit_ms",
                f"all {limits.workers} query workers of this server process stayed busy for "
                f"{limits.queue_ms} ms; try again in a few seconds") from None
        deadline = time.monotonic() + limits.time_limit_ms / 1000
        try:
            worker.conn.send((job, limits.time_limit_ms))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise LimitExceeded(
                    "query_time_limit_ms",
                    f"the query was stopped after {limits.time_limit_ms} ms, the longest a query "
                    "may run here. Make it cheaper: add LIMIT, avoid unconstrained patterns "
                    "(?s ?p ?o joined with others), or ask for fewer results")
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise self._death_error(worker, job) from None
        except BaseException:
            if worker in self._workers and worker.alive():
                self._idle.put(worker)
            raise
        self._idle.put(worker)
        return self._outcome(reply, job)

    def _death_error(self, worker: _Worker, job: Job) -> PactgraphError:
        """Why ``worker`` ended while answering ``job``, as its exit status says
        (engine/worker_exit.py); anything but a limit is logged, in one line."""
        code = worker.exitcode()
        error = death_error(code, self.limits.time_limit_ms, self.limits.memory_mb)
        if not isinstance(error, LimitExceeded):
            log.error("a query worker ended (exit code %s) while answering %r: %s", code,
                      job.query[:200], error)
        return error

    def _outcome(self, reply: tuple, job: Job) -> Answer:
        tag = reply[0]
        if tag == "answer":
            return reply[1]
        if tag == "not_acceptable":
            from pactgraph.engine.store import offered_for

            raise NotAcceptable([*offered_for(reply[1]), "text/html"])
        if tag == "error":
            kind = UnsupportedOperation if reply[1] == "UnsupportedOperation" else QueryError
            raise kind(reply[2])
        if tag == "memory":
            raise LimitExceeded("query_memory_limit_mb",
                                f"the query needed more than the {self.limits.memory_mb} MB a "
                                "query may use. Make it cheaper: add LIMIT or narrow its patterns")
        log.error("query worker failed on %r: %s", job.query[:200], reply[1])
        raise RuntimeError("the query worker failed")  # web_errors turns this into a logged 500


def executor_for(app) -> QueryExecutor:
    """The query executor of a Flask app (one per app, its workers per process)."""
    key = "pactgraph.engine.pool"
    executor = app.extensions.get(key)
    if executor is None:
        with _APP_LOCK:
            executor = app.extensions.get(key)
            if executor is None:
                from pactgraph.build.prebuilt import QUADS

                published = app.extensions["pactgraph"]
                executor = QueryExecutor(published.folder / QUADS,
                                         Limits.from_settings(published.settings))
                app.extensions[key] = executor
    return executor


_APP_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    for executor in list(_LIVE):
        executor.close()

