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
shares the copy with them (engine/worker.py). While a large copy loads, stand-ins answer from the
on-disk store (engine/standins.py).

Forking the server process itself would be unsafe: it runs request threads that may hold locks at
the moment of the fork. The pool of a process belongs to that process: after a fork (granian
forking its workers) the child starts its own pool on first use, or at boot (``web/server.py``).
API: ``QueryExecutor.run(Job) -> Answer`` (engine/base.py), held by engine/embedded.py.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from pathlib import Path

from pactgraph.engine import worker_exit as ending
from pactgraph.engine.base import Answer, Job
from pactgraph.engine.cooperative import TIMED_OUT, blocking, receive
from pactgraph.engine.idle import WaitingLine
from pactgraph.engine.pinned import Pins
from pactgraph.engine.pinner import Pinner
from pactgraph.engine.processes import (
    Limits,
    Loader,
    Worker,
    await_ready,
    kill_all,
    start_loader,
)
from pactgraph.engine.restarts import Restarts
from pactgraph.engine.standins import load_copy_behind, standin_store, unwanted
from pactgraph.engine.syntax_check import checker_for, take_worker
from pactgraph.errors import QueryEngineUnavailable

log = logging.getLogger(__name__)


# --- The pool ------------------------------------------------------------------------------------

_LIVE: weakref.WeakSet[QueryExecutor] = weakref.WeakSet()


class QueryExecutor:
    """A pool of query worker processes over one prebuilt store (its N-Quads file)."""

    def __init__(self, quads_path: Path, limits: Limits, pins: Pins | None = None,
                 store_path: Path | None = None) -> None:
        self.quads_path = quads_path
        self.store_path = store_path  # the on-disk store, for the stand-ins (engine/standins.py)
        self._standins_on: Path | None = None  # the store the next loader's workers open, if any
        self._run: object | None = None  # one per start(), None once closed
        self.limits = limits
        self.pinner = Pinner(pins)  # the example questions' answers, evaluated once
        self._lock = threading.Lock()
        self._loader_lock = threading.Lock()
        self._owner = -1  # pid of the process the pool was started in
        self._idle: WaitingLine[Worker] = WaitingLine()
        # One set of each for the executor's life: see kill_all.
        self._workers: set[Worker] = set()
        self._loaders: set[Loader] = set()
        self._loader: Loader | None = None
        self.isolation: str | None = None  # are the workers cut off (engine/sandbox.py)?
        self.loader_starts = Restarts()  # a loader that keeps failing is not started again
        self.checker = checker_for(self)
        _LIVE.add(self)
        # An executor dropped with its app (tests build many) takes its processes with it.
        # (At exit ``close_all`` does it, marking the pool closed first.)
        weakref.finalize(self, kill_all, self._workers, self._loaders).atexit = False

    # -- life cycle

    def start(self) -> None:
        """Start the loader, the workers and the syntax checker now (ready when it returns), if
        not started in this process yet. ``run`` calls it; the server, early (web/server.py)."""
        with self._lock:
            if self._owner == os.getpid():
                return
            # Processes inherited through a fork belong to the parent process: forget them.
            self._idle = WaitingLine()
            self._workers.clear()
            self._loaders.clear()
            self._loader = None
            self.checker = checker_for(self)
            self._owner = os.getpid()
            self._standins_on = standin_store(self.quads_path, self.store_path)
            self._run = object()  # this start's, until close(): a copy loaded for it knows it
            try:
                started = [self._spawn() for _ in range(self.limits.workers)]
            except BaseException:
                self.close()  # not started: the next query tries again, within loader_starts
                raise
        for worker in started:
            await_ready(worker, worker.conn, "a query worker")
            self._idle.put(worker)
        self.checker.start()  # forked now, so that the first busy moment does not wait for it
        if self._standins_on is None:
            self.pinner.start(self._spawn)
        else:  # stand-ins now; the copy, its workers and the pinner when it is loaded
            run = self._run
            load_copy_behind(self._start_loader, lambda loader: self.take_copy(loader, run),
                             lambda: self.pinner.start(self._spawn), lambda: self._run is run)

    def _start_loader(self, standins_on: Path | None = None) -> Loader:
        """A loader of the copy, or with ``standins_on`` one that forks stand-ins on that store."""
        loader, self.isolation = start_loader(self.limits, self.quads_path, self.pinner.pins,
                                              standins_on, self._loaders, self.isolation)
        return loader

    def _spawn(self, role: str = "worker") -> Worker:
        """A new worker (or the syntax checker), forked by the loader (started first, or again if
        it died)."""
        with self._loader_lock:
            if self._loader is None or not self._loader.alive():
                if self._loader is not None:
                    log.error("the query workers' loader ended (exit code %s); starting another",
                              self._loader.process.returncode)
                self._loader = None  # if this start fails, the next _spawn tries (or refuses)
                self._loader = self.loader_starts.attempt(
                    lambda: self._start_loader(self._standins_on))
            loader = self._loader
        worker = loader.fork(role)
        if role == "worker":
            self._workers.add(worker)
        return worker

    def _replace(self, dead: Worker) -> None:
        """Kill ``dead`` and put a fresh worker in its place, in the background: the kill waits
        for the loader to reap it (30-115 ms at 256 MB-1 GB), never on the event loop."""
        self._workers.discard(dead)
        owner = self._owner

        def refill() -> None:
            dead.kill()
            try:
                worker = self._spawn()
                await_ready(worker, worker.conn, "a query worker")
            except Exception as error:
                if self._owner == owner:  # not merely closed meanwhile
                    log.error("cannot start a replacement query worker: %s", error,
                              exc_info=not isinstance(error, QueryEngineUnavailable))
                return
            if self._owner != owner:
                worker.kill()
            else:  # a stand-in forked as the copy arrived is replaced in turn
                self._replace(worker) if unwanted(worker, self._standins_on) else \
                    self._idle.put(worker)

        threading.Thread(target=refill, name="pactgraph-refill", daemon=True).start()

    def take_copy(self, loader: Loader, run: object) -> bool:
        """``loader`` holds the copy: new workers share it, and stand-ins are replaced (idle ones
        now, others as they come back). False, the loader killed, if ``run`` has been closed."""
        with self._loader_lock:
            if self._run is not run:
                loader.kill()
                return False
            self._loader, self._standins_on = loader, None
        for standin in self._idle.take(lambda worker: unwanted(worker, None)):
            self._replace(standin)
        return True

    def close(self) -> None:
        """Kill every worker of this process, and their loader."""
        if self._owner != os.getpid():
            return
        with self._loader_lock:
            self._owner, self._run = -1, None
        self.checker.close()
        self.pinner.close()
        kill_all(self._workers, self._loaders)
        self._loader = None
        self._idle = WaitingLine()

    def pids(self, standins: bool = False) -> list[int]:
        """The process ids of the live workers (for tests and the soak run), or with ``standins``
        of those that answer from the on-disk store (engine/standins.py)."""
        return [worker.pid for worker in self._workers.copy()
                if worker.alive() and (worker.loader.on_disk or not standins)]

    def idle_workers(self) -> int:
        """How many workers are waiting for a job at this moment (for tests and the soak run)."""
        return self._idle.qsize()

    # -- answering

    def run(self, job: Job) -> Answer:
        """Answer ``job`` in a worker within the time limit, or raise the error saying why not.
        On the event loop (engine/cooperative.py) the loop waits for the answer, not a thread."""
        if self._owner != os.getpid():
            blocking(self.start)
        limits = self.limits
        if not self._workers and self.loader_starts.cause:  # all died, none could start again
            raise QueryEngineUnavailable(self.loader_starts.cause)
        worker = take_worker(self._idle, self.checker, job.query, limits)
        owner = self._owner
        deadline = time.monotonic() + limits.time_limit_ms / 1000
        sent = False
        try:
            worker.conn.send((job, limits.time_limit_ms))
            sent = True
            message = receive(worker.conn, max(0.0, deadline - time.monotonic()))
            if message is TIMED_OUT:
                self._replace(worker)
                raise ending.overrun_error(limits.time_limit_ms)
            reply, retire = message
        except (EOFError, OSError):
            if self._owner != owner:  # closed meanwhile: the server is stopping, not the query
                raise ending.closed_error() from None
            blocking(worker.kill)  # reaped now: its exit status says why it ended
            self._replace(worker)
            code = worker.exitcode()
            raise ending.death_error(code, limits.time_limit_ms, limits.memory_mb, job) from None
        except BaseException:
            if worker in self._workers:  # not replaced already (at the time limit)
                # Interrupted (a cancelled request on the loop, ^C): a worker given the job may
                # still answer it, and the answer would be read as the next job's.
                self._replace(worker) if sent or not worker.alive() else self._idle.put(worker)
            raise
        # One that asks to retire keeps the memory of a large answer: a fresh fork replaces it,
        # as it replaces a stand-in once the copy is loaded.
        retire = retire or unwanted(worker, self._standins_on)
        self._replace(worker) if retire else self._idle.put(worker)
        return ending.answer_from(reply, job, self.limits.memory_mb)


@atexit.register
def close_all() -> None:
    """Close every pool started in this process (at exit; a granian worker, which ends without
    running exit handlers, calls it from a multiprocessing finalizer: web/server.py)."""
    for executor in list(_LIVE):
        executor.close()

