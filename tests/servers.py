"""Real servers for the tests: ``pactgraph serve`` under granian on a free port, and a loopback
listener that counts the connections it gets (to prove that nothing connects out).

The fixtures that use them (``live_server``, ``serve_command``, ``listener``) are in conftest.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 300  # the parent parses and validates the data before it listens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pactgraph_command() -> list[str]:
    """The installed ``pactgraph`` script beside this interpreter, or the module if absent."""
    script = Path(sys.executable).with_name("pactgraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pactgraph.cli"]


def serve_argv(*options: str) -> list[str]:
    """The command line of `pactgraph serve` on a free port, with ``options`` added."""
    return [*pactgraph_command(), "serve", "--port", str(free_port()), *options]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path  # the server's stdout and stderr; a file, so a chatty server never blocks on a pipe

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_answering(server: LiveServer) -> None:
    """Return once ``server`` answers; raise, with its output, if it exits or never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"pactgraph serve exited with {server.process.returncode}:\n"
                               + server.output())
        try:
            with urllib.request.urlopen(server.url + "/sparql", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"pactgraph serve did not answer within {STARTUP_SECONDS} s")


class Listener:
    """A TCP listener on 127.0.0.1 that accepts and counts connections (and answers nothing)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.socket.close()


