"""The query pool's child processes, as the pool sees them: the loader that holds the store's
in-memory copy (or, for the stand-ins, none: engine/standins.py) and forks workers
(engine/worker.py), and each worker, with how to wait for one to be ready, ask why one died, and
kill them; and the limits they work under.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle
from pathlib import Path
from typing import Any

from pactgraph.engine.sandbox import ISOLATED
from pactgraph.engine.worker_exit import load_failure
from pactgraph.errors import QueryEngineUnavailable
from pactgraph.settings import DEFAULTS

log = logging.getLogger(__name__)

# How a process that went over its address-space limit ends: Rust aborts when an allocation
# fails; the kernel's OOM killer sends SIGKILL; a failed allocation may surface as SIGSEGV/SIGBUS.
MEMORY_DEATHS = (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS)
STARTUP_SECONDS = 120  # how long a new worker may take to load its copy of the store


@dataclass(frozen=True)
class Limits:
    time_limit_ms: int
    max_rows: int
    memory_mb: int
    workers: int
    queue_ms: int
    max_bytes: int = DEFAULTS["max_result_bytes"]

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Limits:
        return cls(int(settings["query_time_limit_ms"]), int(settings["max_result_rows"]),
                   int(settings["query_memory_limit_mb"]), max(1, int(settings["query_workers"])),
                   int(settings["query_queue_time_limit_ms"]),
                   int(settings["max_result_bytes"]))


class Loader:
    """The pool's loader process (``python -m pactgraph.engine.worker FD``, see engine/worker.py):
    it holds the loaded copy of the store (the stand-ins' loader holds none: engine/standins.py)
    and forks the query workers."""

    def __init__(self, process: subprocess.Popen, control: Connection, on_disk: bool) -> None:
        self.process = process
        self.control = control
        self.on_disk = on_disk  # no copy: its workers answer from the on-disk store
        self.lock = threading.Lock()  # one request at a time on the control connection

    def fork(self, role: str = "worker") -> Worker:
        """A new query worker, or with ``role="checker"`` the syntax checker
        (engine/syntax_check.py), or with ``role="pinner"`` the pinner (engine/pinned.py)."""
        ours, theirs = socket.socketpair()
        try:
            with self.lock:
                self.control.send(("fork", role))
                send_handle(self.control, theirs.fileno(), self.process.pid)
                _, pid = self.control.recv()
        except BaseException:
            ours.close()  # the loader is gone (the pool was closed meanwhile): leak no socket
            raise
        finally:
            theirs.close()
        return Worker(pid, Connection(ours.detach()), self)

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


class Worker:
    """A query worker forked by ``loader``, and our end of its socket."""

    def __init__(self, pid: int, conn: Connection, loader: Loader) -> None:
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


def await_ready(process: Loader | Worker, conn: Connection, what: str,
                 memory_hint: str = "") -> tuple:
    """Wait for the first message a loader or worker sends once it can work (or cannot), and
    return it; kill it and say why if it never comes. ``memory_hint`` is added only if it ended
    the way a process over its memory limit ends."""
    if not conn.poll(STARTUP_SECONDS):
        process.kill()
        raise QueryEngineUnavailable(f"{what} was not ready within {STARTUP_SECONDS} s")
    try:
        return conn.recv()
    except (EOFError, OSError):
        process.kill()
        code = process.exitcode()
        ended = (f"was ended by signal {signal.Signals(-code).name}" if code and code < 0
                 else f"exited with code {code}")
        raise QueryEngineUnavailable(f"{what} {ended} as it started"
                                     + (memory_hint if code in MEMORY_DEATHS else "")) from None


def kill_all(workers: set[Worker], loaders: set[Loader]) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()
    for loader in list(loaders):
        loader.kill()
    loaders.clear()


def launch_loader(memory_mb: int, caps: tuple[int, int], quads_path: Path, pins: Any = None,
                  store_path: Path | None = None,
                  started: Callable[[Loader], object] = lambda _: None) -> tuple[Loader, tuple]:
    """Start a loader and wait for its first message: ("ready", pid, isolation), or ("failed",
    kind, detail) when it could not load the copy of the store. With ``store_path`` (the on-disk
    store), it loads no copy: each worker it forks opens that store. ``started(loader)`` is
    called before the wait (a pool closed meanwhile must be able to kill it)."""
    # A fresh interpreter (fork+exec), never a bare fork of this process: the server runs
    # request threads that may hold locks at the moment of a fork. Nor multiprocessing's
    # spawn or forkserver, which re-import the parent's __main__ (a script with no guard).
    ours, theirs = socket.socketpair()
    command = [sys.executable, "-m", "pactgraph.engine.worker", str(theirs.fileno())]
    # In a session of its own, out of the server's process group: Ctrl-C, which the terminal
    # sends to the whole group, is for the server, which then closes the pool. It used to reach
    # a loader still importing, which printed a KeyboardInterrupt traceback.
    process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                               close_fds=True, start_new_session=True)
    theirs.close()
    loader = Loader(process, Connection(ours.detach()), on_disk=store_path is not None)
    started(loader)
    loader.control.send((memory_mb, caps, str(quads_path), pins,
                         None if store_path is None else str(store_path)))
    reply = await_ready(loader, loader.control, "the query workers' loader",
                        f"; is query_memory_limit_mb ({memory_mb}) too small for the dataset?")
    return loader, reply


def start_loader(limits: Limits, quads_path: Path, pins: Any, standins_on: Path | None,
                 loaders: set[Loader], isolation: str | None) -> tuple[Loader, str]:
    """A pool's loader (see ``launch_loader``), added to ``loaders`` as soon as it runs (so that
    a pool closed while it loads kills it), and its isolation; logged as an error if the workers
    can reach the network (and ``isolation``, the last loader's, did not say so already)."""
    loader, reply = launch_loader(limits.memory_mb, (limits.max_rows, limits.max_bytes),
                                  quads_path, pins, standins_on, started=loaders.add)
    if reply[0] == "failed":
        loader.kill()
        loaders.discard(loader)
        raise QueryEngineUnavailable(load_failure(*reply[1:], quads_path=quads_path,
                                                  memory_mb=limits.memory_mb))
    if reply[2] != ISOLATED and reply[2] != isolation:
        log.error("QUERY WORKERS CAN REACH THE NETWORK: %s. A SERVICE query that got past the "
                  "text check would be fetched; run as root or allow unprivileged user "
                  "namespaces (sysctl kernel.unprivileged_userns_clone=1)", reply[2])
    return loader, reply[2]
