"""Shared fixtures: the app on the bundled data, its client, a real server, the published graph.

The app is built once per session (parsing and validating the data is the slow part); it is
immutable, so tests cannot disturb each other through it. ``live_server`` runs the real command,
``pactgraph serve``, under gunicorn on a free port, so the production path is what is tested.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from pactgraph.web.app import create_app

STARTUP_SECONDS = 300  # the master parses and validates the whole dataset before it listens


@pytest.fixture(scope="session")
def app() -> Flask:
    app = create_app()
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def published_graph(app: Flask) -> Graph:
    """The ontology and the data as one rdflib Graph (a copy; tests may not change the app's)."""
    graph = Graph()
    graph += app.extensions["pactgraph"].graph
    return graph


def rdf_from(data: bytes | str, media_type: str) -> Graph:
    """The triples of an RDF document in any format we serve, quads flattened into one graph."""
    from rdflib import Dataset

    from pactgraph.web.negotiation import RDFLIB_FORMAT
    dataset = Dataset()
    # rdflib 7.6 warns about its own deprecated internals when parsing into a Dataset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data, format=RDFLIB_FORMAT[media_type])
        graph = Graph()
        for subject, predicate, obj, _ in dataset.quads((None, None, None, None)):
            graph.add((subject, predicate, obj))
    return graph


@pytest.fixture()
def parse_rdf():
    """``rdf_from`` as a fixture, so test modules need not import from conftest."""
    return rdf_from


class _TableCells(HTMLParser):
    """The cells of an HTML page's tables, in order: (text, the href of a link in it or None)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.cells: list[tuple[str, str | None]] = []
        self._cell: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._cell = ["", None]
        elif tag == "a" and self._cell is not None:
            self._cell[1] = dict(attrs).get("href")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append((self._cell[0], self._cell[1]))
            self._cell = None


@pytest.fixture()
def results_table():
    """``results_table(client, query)``: the cells of the HTML results table of ``query``."""
    def cells(client: FlaskClient, query: str) -> list[tuple[str, str | None]]:
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Accept": "text/html"})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return _TableCells(response.get_data(as_text=True)).cells
    return cells


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


@pytest.fixture()
def serve_command():
    return serve_argv


def wait_for_full_pool(executor, seconds: float = 60) -> list[int]:
    """The pids of a query executor's workers once every one is back and idle (after a kill)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = executor.pids()
        if len(pids) == executor.limits.workers and executor._idle.qsize() == len(pids):
            return pids
        time.sleep(0.02)
    raise AssertionError("the query worker pool did not recover")


@pytest.fixture()
def full_pool():
    """``wait_for_full_pool`` as a fixture, so test modules need not import from conftest."""
    return wait_for_full_pool


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path  # the server's stdout and stderr; a file, so a chatty server never blocks on a pipe

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_until_answering(server: LiveServer) -> None:
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    command = serve_argv("--workers", "2")
    port = command[command.index("--port") + 1]
    log = tmp_path_factory.mktemp("live_server") / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
