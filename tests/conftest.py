"""Shared fixtures: the apps on the fixture site and on the bundled data, a real server, graphs.

Two sites are served. The fixture site (tests/fixtures/site: three states and one treaty, with the
real ontology and shapes) is for tests of the server's behaviour: ``small_app``, ``small_client``,
``small_graph``, and ``small_site_app`` for an app of one's own settings. The bundled data is for
tests about the data (the questions, what the pages say): ``app``, ``client``,
``published_graph``. Each app is built once per session; it is immutable, so tests cannot disturb
each other through it. ``live_server`` runs the real command,
``pactgraph serve``, under granian on a free port, so the production path is what is tested.

Every prebuilt store of the run is built in one temporary folder of the session (``store_dir``),
never in the user's cache: a test run leaves nothing behind in the home folder, and a store left
there by an earlier version of the code cannot stand in for the one this run should build.
"""

from __future__ import annotations

import signal
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rdflib import Graph
from servers import Listener, LiveServer, serve_argv, wait_until_answering

from pactgraph.web.app import create_app

# Hypothesis by default fails an example that takes longer than 200 ms, and warns of slow data
# generation: verdicts that depend on how busy the machine is. Under a load average of 15, an
# example of test_query_path that takes 4 ms took 1.3 s once and failed the suite (the ninth run in
# a row). No test here asserts time, so neither does Hypothesis.
hypothesis_settings.register_profile(
    "pactgraph", deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
hypothesis_settings.load_profile("pactgraph")


@pytest.fixture(scope="session", autouse=True)
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder where this run builds its prebuilt stores, shared by every app of the session
    (the bundled data is validated once per run, not once per app).

    It is set as $PACTGRAPH_STORE_DIR, so the commands the tests start (``pactgraph serve``, a
    second interpreter) build there too; $XDG_CACHE_HOME and $XDG_CONFIG_HOME point into the
    session as well, so that nothing else a test starts (Chromium keeps its crash reports under
    the config folder) writes to the user's home either.
    """
    folder = tmp_path_factory.mktemp("stores")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("PACTGRAPH_STORE_DIR", str(folder))
        environment.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        environment.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        yield folder


SMALL_SITE = Path(__file__).parent / "fixtures" / "site"


def small_site_app(**settings) -> Flask:
    """A new app on the fixture site, with ``settings`` (names of the settings table) changed.
    Whoever starts its query workers closes them: ``executor_for(app).close()``."""
    app = create_app({"data_paths": [str(SMALL_SITE)], **settings})
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def small_site() -> Callable[..., Flask]:
    """``small_site_app`` as a fixture, so test modules need not import from conftest."""
    return small_site_app


@pytest.fixture(scope="session")
def small_app() -> Flask:
    return small_site_app()


@pytest.fixture()
def small_client(small_app: Flask) -> FlaskClient:
    return small_app.test_client()


@pytest.fixture(scope="session")
def small_graph(small_app: Flask) -> Graph:
    """The fixture site's ontology and data as one rdflib Graph (a copy)."""
    graph = Graph()
    graph += small_app.extensions["pactgraph"].graph
    return graph


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

    from pactgraph.formats import RDFLIB_FORMAT
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


@pytest.fixture()
def serve_command():
    return serve_argv


def wait_for_full_pool(executor, seconds: float = 60) -> list[int]:
    """The pids of a query executor's workers once every one is back and idle (after a kill)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pids = executor.pids()
        if len(pids) == executor.limits.workers and executor.idle_workers() == len(pids):
            return pids
        time.sleep(0.02)
    raise AssertionError("the query worker pool did not recover")


@pytest.fixture()
def full_pool():
    """``wait_for_full_pool`` as a fixture, so test modules need not import from conftest."""
    return wait_for_full_pool


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``pactgraph serve`` on the fixture site, two granian workers, for the session."""
    # Behind a proxy on loopback, as far as the fair share goes: a test may speak for several
    # clients by X-Forwarded-For (web/fair_share.py).
    command = serve_argv("--workers", "2", "--data", str(SMALL_SITE), "--trusted-proxies",
                         "127.0.0.1")
    yield from running_server(command, tmp_path_factory.mktemp("live_server") / "server.log")


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``pactgraph serve`` on the fixture site with the data of the vendored W3C tests
    (tests/w3c.py), each file loaded as the named graph its tests address."""
    from w3c import evaluation_graphs, protocol_graphs
    graphs = {**protocol_graphs(), **evaluation_graphs("json-res", "csv-tsv-res")}
    options = [option for iri, path in sorted(graphs.items())
               for option in ("--graph", iri, str(path))]
    command = serve_argv("--workers", "1", "--data", str(SMALL_SITE), *options)
    yield from running_server(command, tmp_path_factory.mktemp("w3c_server") / "server.log")


def running_server(command: list[str], log: Path) -> Iterator[LiveServer]:
    """The server ``command`` starts, once it answers; stopped (SIGTERM) afterwards."""
    port = command[command.index("--port") + 1]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_answering(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)  # granian's graceful shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def remote_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Oxigraph's server and Virtuoso on loopback, for the session: {name: Store}. Each module
    loads them with the data it needs (``stores.holding``: the bundled data, the fixture site)."""
    from stores import start_oxigraph, start_virtuoso
    started = {}
    try:
        for name, start in (("oxigraph", start_oxigraph), ("virtuoso", start_virtuoso)):
            started[name] = start(tmp_path_factory.mktemp(name))
        yield started
    finally:
        for store in started.values():
            store.stop()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
