"""The processes that evaluate SPARQL for the server: one loader, and the query workers it forks.

Each pool (``engine/pool.py``) starts one *loader*: a fresh interpreter (``python -m
pactgraph.engine.worker FD``) that takes the address-space limit (``query_memory_limit_mb``), loads
the in-memory copy of the store from the prebuilt store's N-Quads file, and then does nothing but
fork query workers when the pool asks. A forked worker shares the loaded copy with the loader and
its siblings page by page (copy-on-write; the copy is only read), so:

- the copy is loaded once per pool, not once per worker: at ~750,000 triples each load took 4.3 s,
  and four of them ran at once on two cores at start-up;
- a worker killed at the query time limit is replaced in milliseconds, not by a new load;
- the memory of the copy is counted once, not once per worker.

Forking is safe here, where it is not in the server: the loader runs one thread (pyoxigraph's
loading leaves none behind) and is idle whenever it forks. A worker inherits the address-space
limit, so the copy counts against ``query_memory_limit_mb`` as it would if the worker had loaded
it itself.

A loader given the on-disk store instead (``store_path``) loads nothing: each worker it forks opens
that store read-only after the fork. These are the stand-ins that answer while a large copy loads
(engine/standins.py).

The loader is the parent of the workers, so it reaps them: the pool asks it for the exit status of
a worker that died (``("reap", pid)``), which says why (engine/worker_exit.py).
"""

from __future__ import annotations

import os
import sys
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path

# Imported here, by the loader, so that every worker it forks has them: imported inside a job, they
# were loaded again by each new worker on its first query.
import pyoxigraph as ox

from pactgraph.engine import process_limits
from pactgraph.engine.answers import answer
from pactgraph.engine.base import Answer
from pactgraph.engine.federation import FEDERATION_REFUSED
from pactgraph.engine.pinned import Pins
from pactgraph.engine.pinner import serve_pins
from pactgraph.engine.retirement import grown_since, resident_bytes, should_retire
from pactgraph.engine.sandbox import isolate
from pactgraph.engine.store import load_in_memory
from pactgraph.errors import LimitExceeded, QueryError, UnsupportedOperation
from pactgraph.namespaces import PREFIXES


def _answer(store, job, caps: tuple[int, int], pins: Pins | None = None) -> tuple:
    pinned = pins is not None and pins.answer(job, caps)
    if pinned:
        return ("answer", pinned)
    max_rows, max_bytes = caps
    answered = answer(store, job.query, job.media_types, max_rows, job.link, job.default_graphs,
                      job.named_graphs, max_bytes)
    written = answered.written
    if written is None:
        return ("not_acceptable", answered.kind)
    return ("answer", Answer(answered.kind, answered.media_type, written.body, written.rows,
                             written.truncated))


def serve_jobs(conn: Connection, store, caps: tuple[int, int], pins: Pins | None) -> None:
    """A query worker's loop: answer jobs from ``conn`` until the pool closes it. Each reply goes
    with whether this worker asks to be retired (``should_retire``)."""
    conn.send(("ready", os.getpid()))
    baseline = resident_bytes()
    while True:
        try:
            job, time_limit_ms = conn.recv()
        except (EOFError, OSError):
            return  # the pool is gone
        process_limits.limit_cpu(time_limit_ms)
        try:
            reply = _answer(store, job, caps, pins)
        except LimitExceeded as error:  # max_result_bytes: the first row alone is over it
            reply = ("limit", error.setting, error.detail)
        except (QueryError, UnsupportedOperation) as error:
            reply = ("error", type(error).__name__, str(error))
        except MemoryError:
            reply = ("memory",)
        except OSError:  # only SERVICE reaches for a socket, and there is no network here
            reply = ("error", "UnsupportedOperation", FEDERATION_REFUSED)
        except Exception as error:  # a bug: reported to the pool, which logs it
            reply = ("internal", f"{type(error).__name__}: {error}")
        process_limits.unlimit_cpu()
        retire = should_retire(reply, caps[1], grown_since(baseline))
        try:
            conn.send((reply, retire))
        except MemoryError:
            conn.send((("memory",), True))


def serve_checks(conn: Connection) -> None:
    """The syntax checker's loop (engine/syntax_check.py): for each query text from ``conn``, the
    syntax error pyoxigraph finds in it, or None. It parses on an empty store, never this
    process's copy of the data, and reads no result: pyoxigraph evaluates lazily, except ASK,
    which the pool stops at its deadline. No network here either: SERVICE fetches nothing."""
    empty = ox.Store()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            query = conn.recv()
        except (EOFError, OSError):
            return
        process_limits.limit_cpu(1000)
        try:
            empty.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
            reply = None
        except SyntaxError as error:
            reply = f"SPARQL syntax error: {error}"
        except Exception:  # not a syntax error: a query worker will say what it is
            reply = None
        process_limits.unlimit_cpu()
        conn.send(reply)


def _fork_worker(control: Connection, store, caps: tuple[int, int], pins: Pins | None,
                 role: str) -> None:
    """Fork a query worker (or the syntax checker, or the pinner) on the socket the pool sends
    along, and tell the pool its pid."""
    worker_fd = recv_handle(control)
    pid = os.fork()
    if pid == 0:
        try:
            control.close()  # the worker has no say over its siblings
            if isinstance(store, Path) and role != "checker":  # a stand-in (engine/standins.py)
                process_limits.one_malloc_arena()
                store = ox.Store.read_only(str(store))
            if role == "checker":
                serve_checks(Connection(worker_fd))
            elif role == "pinner":
                serve_pins(Connection(worker_fd), store, pins, caps)
            else:
                serve_jobs(Connection(worker_fd), store, caps, pins)
        finally:
            os._exit(0)
    os.close(worker_fd)
    control.send(("forked", pid))


def _reap(pid: int) -> int | None:
    """The exit code of worker ``pid`` in subprocess's convention (-N: ended by signal N)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


WATCHER_STACK_BYTES = 256 * 1024


def _load(control: Connection, quads_path: Path) -> ox.Store:
    """The copy, loaded while a thread watches the pool: the pool sends nothing until the copy is
    ready, so a readable socket means it is gone (its server stopped). Then this loader ends at
    once, instead of loading for nobody: at 80 times the data the load takes 10 to 20 s and 1 to
    2 GB, and since the stand-ins (engine/standins.py) the copy is loaded after the server
    answers, so stopping it then is no rare case. The load stays on this thread, whose memory is
    the copy's; the watcher gets a small stack and no malloc arena of its own (a thread's stack
    counts against the address-space limit: 64 MB here, after ``deepen_stack``, and a 40 MB limit
    could no longer start it). It ends before this returns, so the loader forks with one thread."""
    loaded = threading.Event()

    def watch() -> None:
        while not loaded.is_set():
            if control.poll(0.1):
                os._exit(0)

    process_limits.one_malloc_arena()
    stack = threading.stack_size(WATCHER_STACK_BYTES)
    watcher: threading.Thread | None = threading.Thread(target=watch, daemon=True)
    try:
        watcher.start()
    except RuntimeError:  # no room even for that under the limit: the load will say so itself
        watcher = None
    finally:
        threading.stack_size(stack)
    try:
        return load_in_memory(quads_path)
    finally:
        loaded.set()
        if watcher is not None:
            watcher.join()


def loader_main(fd: int) -> None:
    """Leave the network, load the copy of the store named by the pool (or, for the stand-ins,
    none: engine/standins.py), then fork workers when asked, until EOF. If the copy cannot be
    loaded, say why (``("failed", kind, detail)``) and end."""
    isolation = isolate()  # first, while this interpreter runs one thread (engine/sandbox.py)
    # A query stopped at the memory limit makes Rust print "memory allocation of N bytes failed"
    # and, under RUST_BACKTRACE=1, a backtrace of 60 lines: a client could fill the log at will.
    os.environ["RUST_BACKTRACE"] = "0"
    process_limits.deepen_stack()
    process_limits.yield_on_wake_up()
    control = Connection(fd)
    memory_mb, caps, quads_path, pins, store_path = control.recv()
    process_limits.limit_memory(memory_mb)
    # A stand-ins' loader holds no store: each worker opens the on-disk one after its fork (a
    # database handle, with its threads, is not carried across a fork).
    try:
        store = Path(store_path) if store_path is not None else _load(control, Path(quads_path))
    except MemoryError:
        control.send(("failed", "memory", "it needed more memory than the limit"))
        return
    except Exception as error:  # e.g. a truncated file: tell the pool why, not just exit 1
        control.send(("failed", "load", f"{type(error).__name__}: {error}"))
        return
    control.send(("ready", os.getpid(), isolation))
    while True:
        try:
            request = control.recv()
        except (EOFError, OSError):
            break  # the pool is gone: so are its workers (their sockets read end-of-file)
        if request[0] == "fork":
            _fork_worker(control, store, caps, pins, request[1] if len(request) > 1 else "worker")
        elif request[0] == "reap":
            control.send(("reaped", _reap(request[1])))


if __name__ == "__main__":
    # Run as ``python -m pactgraph.engine.worker FD``; the loop comes from the imported module so
    # that pickled answers name ``pactgraph.engine.pool.Answer``, not ``__main__.Answer``.
    from pactgraph.engine.worker import loader_main as _main

    _main(int(sys.argv[1]))
