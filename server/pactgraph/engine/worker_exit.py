"""What a query worker's reply, or its exit status, says about the query it was answering.

The loader reaps every worker and reports its exit code in subprocess's convention, -N for "ended
by signal N" (engine/worker.py). What each ending means, as measured on Linux with pyoxigraph 0.5:

- SIGXCPU: the CPU-time backstop of ``query_time_limit_ms`` (``limit_cpu``,
  engine/process_limits.py).
- SIGABRT: an allocation failed under the address-space limit, ``query_memory_limit_mb``: Rust
  prints "memory allocation of N bytes failed" and aborts. (Python raises MemoryError instead,
  which the worker reports itself.) These two are the only limit cases.
- SIGSEGV: a crash. pyoxigraph's parser recurses once per level of nesting, and a stack overflow
  is a SIGSEGV, with no message: on the default 8 MB stack at 4,700 nested parentheses, 2,200
  nested braces, 9,400 chained ``!`` or ``+``, a 4,200-item collection. The loader lets the stack
  grow to 64 MB (``deepen_stack``, engine/process_limits.py), deeper than a query within the
  default ``max_query_length`` can nest, so a crash now means a longer query or a fault of the
  engine.
- SIGKILL: from outside the server. The pool itself kills a worker at the time limit, and says
  so before it asks why the worker ended, or when it is closed (the server is shutting down);
  the kernel's out-of-memory killer sends SIGKILL when the machine (not the worker's limit) runs
  short of memory.
- anything else (another signal, an exit code): a crash, reported as what it was.
"""

from __future__ import annotations

import logging
import signal

from pactgraph.engine.base import Answer, Job
from pactgraph.errors import (
    LimitExceeded,
    NotAcceptable,
    PactgraphError,
    QueryEngineUnavailable,
    QueryError,
    QueryWorkerCrashed,
    QueryWorkerKilled,
    UnsupportedOperation,
)
from pactgraph.formats import offered_for

MAKE_IT_CHEAPER = "Make it cheaper: add LIMIT or narrow its patterns"


log = logging.getLogger(__name__)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "an unknown signal"


def death_error(exit_code: int | None, time_limit_ms: int, memory_mb: int,
                job: Job | None = None) -> PactgraphError:
    """The error to answer for a query (``job``) whose worker ended with ``exit_code`` (None:
    unknown); anything but a limit is logged, in one line."""
    error = _death_error(exit_code, time_limit_ms, memory_mb)
    if job is not None and not isinstance(error, LimitExceeded):
        log.error("a query worker ended (exit code %s) while answering %r: %s", exit_code,
                  job.query[:200], error)
    return error


def _death_error(exit_code: int | None, time_limit_ms: int, memory_mb: int) -> PactgraphError:
    if exit_code == -signal.SIGXCPU:
        return LimitExceeded("query_time_limit_ms", f"the query was stopped after using "
                             f"{time_limit_ms} ms of processor time")
    if exit_code == -signal.SIGABRT:
        return LimitExceeded("query_memory_limit_mb", f"the query needed more than the "
                             f"{memory_mb} MB a query may use and was stopped. {MAKE_IT_CHEAPER}")
    if exit_code == -signal.SIGKILL:
        return QueryWorkerKilled(
            "the query worker was killed (signal 9, SIGKILL) from outside this server while "
            "answering this query; the kernel's out-of-memory killer does this when the machine "
            "runs short of memory. Try again later; if it happens again, tell the operator")
    if exit_code is not None and exit_code < 0:
        hint = (". A query nested very deeply (thousands of levels of parentheses or braces) or "
                "with very long chains (thousands of operators or list items) overflows the "
                "parser's stack this way: make it shallower"
                if exit_code == -signal.SIGSEGV else "")
        return QueryWorkerCrashed(f"the query worker crashed (signal {-exit_code}, "
                                  f"{_signal_name(-exit_code)}) while parsing or evaluating this "
                                  f"query{hint}")
    ended = "with an unknown exit status" if exit_code is None else f"with exit code {exit_code}"
    return QueryWorkerCrashed(f"the query worker ended unexpectedly ({ended}) while answering this "
                              "query")


def overrun_error(time_limit_ms: int) -> LimitExceeded:
    """The pool's own stop at the time limit (the worker had not answered by then)."""
    return LimitExceeded(
        "query_time_limit_ms",
        f"the query was stopped after {time_limit_ms} ms, the longest a query may run here. "
        "Make it cheaper: add LIMIT, avoid unconstrained patterns (?s ?p ?o joined with others), "
        "or ask for fewer results")


def closed_error() -> QueryEngineUnavailable:
    """The pool was closed while the worker answered: the server is stopping, not the query."""
    return QueryEngineUnavailable(
        "the server stopped its query workers while answering this query (it is shutting down "
        "or restarting); try again in a few seconds")


def load_failure(kind: str, detail: str, quads_path, memory_mb: int) -> str:
    """Why the loader could not load its copy of the store, for the client and the log."""
    where = f"the query workers cannot load their copy of the store, {quads_path}"
    if kind == "memory":
        return (f"{where}: {detail} (limit set by the 'query_memory_limit_mb' setting, "
                f"{memory_mb} MB)")
    return (f"{where}: {detail}. The file may be damaged: restarting the server checks "
            "the prebuilt store and builds it again")


def answer_from(reply: tuple, job: Job, memory_mb: int) -> Answer:
    """The answer a worker sent, or the error its reply stands for, raised."""
    tag = reply[0]
    if tag == "answer":
        return reply[1]
    if tag == "not_acceptable":
        raise NotAcceptable([*offered_for(reply[1]), "text/html"])
    if tag == "error":
        kind = UnsupportedOperation if reply[1] == "UnsupportedOperation" else QueryError
        raise kind(reply[2])
    if tag == "limit":
        raise LimitExceeded(reply[1], reply[2])
    if tag == "memory":
        raise LimitExceeded("query_memory_limit_mb",
                            f"the query needed more than the {memory_mb} MB a query may use. Make "
                            "it cheaper: add LIMIT or narrow its patterns")
    log.error("query worker failed on %r: %s", job.query[:200], reply[1])
    raise RuntimeError("the query worker failed")  # web/errors.py turns this into a logged 500
