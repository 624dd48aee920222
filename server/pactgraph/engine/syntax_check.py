"""A malformed query gets 400 at once, even when every query worker is busy: the syntax checker.

A syntax error used to wait for a query worker like any query: with the workers held by runaway
queries it waited ``query_queue_time_limit_ms`` and got 503, not the 400 it deserves. Parsing every
query in the server process would cost each query the parse, and where: pyoxigraph opens a
SERVICE connection as soon as ``query()`` is called, so it may never parse in a process that can
reach the network, and rdflib's parser (2.6 ms a query) accepts a grammar of its own, not
pyoxigraph's. What was chosen (measured on this 2-core machine, bench/README.md):

- the check runs only when no worker is free within ``CHECK_AFTER_SECONDS``: a query that gets
  one goes to it, which reports a syntax error as before, so a first-time query pays nothing for
  the check, nor does one queued behind cheap queries (a worker is free within milliseconds;
  checking every query that found the workers busy at that instant cost each a second round
  trip under load: bench/run.py's cheap mix);
- it runs in the pool's *syntax checker*, a process forked by the loader like the workers, so
  without a network (engine/sandbox.py), that parses with pyoxigraph itself (the very grammar the
  workers use; ~50 us for a malformed query, ~160 us for a well-formed one) on an empty store,
  reading no result (engine/worker.py ``serve_checks``);
- it answers within ``CHECK_SECONDS`` or is killed and forked again; a query it cannot judge in
  time (only ASK is evaluated eagerly, and may run long even on an empty store) simply waits for a
  worker, as every query did before. Its verdict refuses nothing it is not sure of: any error but
  pyoxigraph's ``SyntaxError`` is left to the query worker.

One checker serves a pool; requests take turns (a check is a fraction of a millisecond).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from pactgraph.engine.cooperative import blocking
from pactgraph.engine.idle import WaitingLine
from pactgraph.engine.processes import Limits, Worker, await_ready
from pactgraph.errors import LimitExceeded, QueryEngineUnavailable, QueryError

log = logging.getLogger(__name__)

CHECK_SECONDS = 0.5  # how long a check may take (and how long a request waits for its turn)
CHECK_AFTER_SECONDS = 0.05  # how long a query waits for a worker before it is checked


class SyntaxChecker:
    """The pool's syntax checker process, forked on first use by ``fork`` (the loader's)."""

    def __init__(self, fork: Callable[[], Worker]) -> None:
        self._fork = fork
        self._lock = threading.Lock()
        self._process: Worker | None = None
        self.checks = 0  # how many queries it judged (for tests)

    def error_in(self, query: str) -> str | None:
        """The syntax error pyoxigraph finds in ``query``; None if it finds none, or cannot say
        within ``CHECK_SECONDS``."""
        if not self._lock.acquire(timeout=CHECK_SECONDS):
            return None
        try:
            checker = self._process = self._process or self._started()
            checker.conn.send(query)
            if not checker.conn.poll(CHECK_SECONDS):
                self.close()
                return None
            self.checks += 1
            return checker.conn.recv()
        except (EOFError, OSError, QueryEngineUnavailable) as error:
            log.warning("the syntax checker ended (%s); another is forked on next use", error)
            self.close()
            return None
        finally:
            self._lock.release()

    def start(self) -> None:
        """Fork the checker now, if it is not running (a failure is left for the next use)."""
        with self._lock:
            if self._process is None:
                try:
                    self._process = self._started()
                except (EOFError, OSError, QueryEngineUnavailable) as error:
                    log.warning("the syntax checker did not start (%s)", error)

    def _started(self) -> Worker:
        checker = self._fork()
        try:
            await_ready(checker, checker.conn, "the syntax checker")
        except BaseException:
            checker.kill()
            raise
        return checker

    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()


def checker_for(pool: Any) -> SyntaxChecker:
    """A new syntax checker for ``pool`` (an engine/pool.py QueryExecutor), forked by its loader
    when first needed. It holds the pool weakly: a pool dropped with its app is not kept alive."""
    owner = weakref.ref(pool)
    return SyntaxChecker(lambda: owner()._spawn("checker"))


def take_worker(line: WaitingLine[Worker], checker: SyntaxChecker, query: str,
                limits: Limits) -> Worker:
    """An idle worker from the pool's ``line``. When none is free soon, a malformed query is
    refused by ``checker`` while it keeps its place in line."""
    def refuse_if_malformed() -> None:
        syntax_error = blocking(checker.error_in, query)
        if syntax_error is not None:
            raise QueryError(syntax_error)

    worker = line.get(limits.queue_ms / 1000, meanwhile=(CHECK_AFTER_SECONDS, refuse_if_malformed))
    if worker is None:
        raise LimitExceeded(
            "query_queue_time_limit_ms",
            f"all {limits.workers} query workers of this server process stayed busy for "
            f"{limits.queue_ms} ms; try again in a few seconds")
    return worker
