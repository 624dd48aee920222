"""Run the app under gunicorn: one master that loads and validates, forked threaded workers.

The app is built before gunicorn starts (``preload_app``), in the master process: the files are
parsed and validated once, a dataset that fails the shapes stops the command before any socket is
opened, and the workers share the loaded store copy-on-write.

A worker, a fork of that master, ends the way a forked child that does not exec must: it closes
what it started itself (its query pool) and leaves with ``os._exit`` (see ``_end_worker``).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from pactgraph.web.app import create_app


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8  # measured: the health check waits less behind queued queries than at 4
    access_log: bool = False

    def gunicorn_config(self) -> dict[str, Any]:
        return {
            "bind": f"{self.host}:{self.port}",
            "workers": self.workers,
            "worker_class": "gthread",
            "threads": self.threads,
            "preload_app": True,
            # gunicorn's ceiling for a request line; queries longer than that must be POSTed,
            # as the SPARQL Protocol advises for long queries.
            "limit_request_line": 8190,
            # Header limits, stated rather than inherited: at most 50 header fields of at most
            # 8190 bytes each; beyond them gunicorn answers 400 before the app sees anything.
            "limit_request_fields": 50,
            "limit_request_field_size": 8190,
            # gunicorn takes SCRIPT_NAME (and PATH_INFO) from request headers sent from
            # forwarded_allow_ips (127.0.0.1: a proxy on this machine passes the client's on), and
            # answers 500 when the path does not start with it. The URL this server is reached at
            # is the base_url setting; a fixed mount path can still come from the SCRIPT_NAME
            # environment variable. With no forwarder headers, gunicorn drops those headers.
            "forwarder_headers": "",
            # A gthread worker is restarted if its main loop stalls this long; queries cannot
            # stall it (they run in query worker processes, see engine/pool.py).
            "timeout": 60,
            "post_worker_init": _prepare_worker,
            "worker_exit": _end_worker,
            "accesslog": "-" if self.access_log else None,
            "errorlog": "-",
            "proc_name": "pactgraph",
            # gunicorn 25.1+ opens a control socket in $HOME by default; a read-only data server
            # has no use for it, and two instances would contend for the same path.
            "control_socket_disable": True,
        }


def _prepare_worker(worker) -> None:
    """Each gunicorn worker, before it accepts requests: quits once, and starts its query workers
    so that the first query does not wait for them (engine/pool.py)."""
    _quit_once(worker)
    _start_query_workers(worker)


def _start_query_workers(worker) -> None:
    """If the query workers cannot start, the worker serves anyway: its pages work and a query is
    answered 503 with the cause. Raising here made gunicorn restart the worker, again and again
    (68 times in 20 s on a damaged store), while clients waited on the bound port."""
    from pactgraph.errors import QueryEngineUnavailable
    from pactgraph.web.context import publication_of

    try:
        publication_of(worker.app.wsgi()).engine.start()
    except QueryEngineUnavailable as error:
        worker.log.error("SPARQL queries will be answered 503: %s", error)


def _quit_once(worker) -> None:
    """Make the worker's quick exit (SIGINT, SIGQUIT) start once; further stop signals are ignored.

    Ctrl-C delivers two: the terminal's SIGINT to the whole process group, then the master's
    SIGQUIT. gthread's handler for the first shuts its thread pool down holding the pool's lock (a
    plain Lock); the second handler, run inside the first, waited for that lock forever, and the
    worker hung until the master's SIGKILL 30 s later (gdb: two nested ``handle_quit`` frames in
    ``ThreadPoolExecutor.shutdown``). A second signal during ``_end_worker`` raised SystemExit in
    the middle of its clean-up."""

    def quit_once(number: int, frame) -> None:
        _ignore_further_stop_signals()
        worker.handle_quit(number, frame)

    for number in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, quit_once)


def _ignore_further_stop_signals() -> None:
    # A handler that does nothing, not SIG_IGN: Python raises OSError ("ignored due to race
    # condition") for a signal that arrived just before its handler became SIG_IGN.
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(number, _do_nothing)


def _do_nothing(number: int, frame) -> None:
    pass


def _end_worker(arbiter, worker) -> None:
    """End a gunicorn worker after its own clean-up only: close its query pool, flush the log,
    and ``os._exit`` with the status gunicorn chose.

    Not Python's normal exit, which also runs what the worker inherited from the master:
    - the C++ exit handlers of RocksDB, whose background threads the master started when it opened
      the prebuilt store. In the fork, their handles name threads that do not exist, and joining
      them crashed the worker (gunicorn logged SIGSEGV) or hung it until gunicorn killed it after
      its graceful timeout, 30 s (SIGKILL, "perhaps out of memory");
    - the master's ``atexit`` functions, such as the one that deletes the temporary store folder
      (build/prebuilt.py) the master and the other workers still read.
    Request threads still running (after SIGINT or the graceful timeout) end with the process.
    """
    from pactgraph.engine.pool import close_all

    _ignore_further_stop_signals()
    status = _exit_status(sys.exc_info()[1])  # gunicorn calls this hook while its exit unwinds
    try:
        close_all()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _exit_status(ending: BaseException | None) -> int:
    """The status a process ending with ``ending`` exits with, as Python would set it. The master
    reads it: 3, for instance, means the worker could not boot, and stops the server."""
    if ending is None:
        return 0
    if not isinstance(ending, SystemExit):
        return 1
    if ending.code is None:
        return 0
    return ending.code if isinstance(ending.code, int) else 1


class PactgraphServer(BaseApplication):
    """A gunicorn application serving an already built Flask app."""

    def __init__(self, app: Flask, options: ServerOptions) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.gunicorn_config().items():
            # Settings this gunicorn does not know (an older release) are left out.
            if value is not None and name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.application


def serve(config: dict[str, Any], options: ServerOptions) -> None:
    """Build the app from ``config`` (raising ``DataNotConforming`` if the data fails the shapes),
    then serve it until gunicorn is stopped."""
    app = create_app(config)
    # Everything built so far lives as long as the server, so the collector need not look at it
    # again: the master's exit no longer walks it (1.0 s of the 1.3 s an idle server took to
    # stop), and the workers' collections no longer write to the pages they share with the master
    # (the server's processes took 194 MB instead of 224 MB, PSS, after 800 requests; measured
    # on the bundled data).
    gc.freeze()
    PactgraphServer(app, options).run()
