"""Pages, dumps, VoID and the obligations API from a store that holds the data (data_from_engine).

``pactgraph serve --engine-url URL`` with no data files reads the published graphs from the store
at start-up (build/from_engine.py, engine/remote_read.py), validates and derives them, and serves
everything from that; client queries still go to the store. Tested against both real stores the
test run starts (tests/stores.py), loaded with the fixture site by ``pactgraph publish`` for this
module (``stores.holding``, as for tests/test_remote_protocol.py): a real
``pactgraph serve`` on each, then the refusals (a store down or slow, data that does not conform,
a store without the derived graphs) with the Oxigraph server alone.
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from conftest import SMALL_SITE, running_server
from rdflib import Graph, URIRef
from rdflib.namespace import VOID
from servers import free_port, pactgraph_command, serve_argv
from stores import holding

from pactgraph.build.from_engine import MADE_HERE
from pactgraph.cli import build_parser, main
from pactgraph.cli.commands import settings_from
from pactgraph.errors import DataNotConforming, QueryEngineUnavailable, StoreOutOfStep
from pactgraph.namespaces import DATASET_IRI
from pactgraph.web.app import create_app

ROOT = SMALL_SITE.parents[2]
TREATY = "/id/treaty/anzus-1951"
DAY = "2000-01-01"
SRJ = "application/sparql-results+json"
OBLIGATIONS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a pg:DefenseObligation }"


@pytest.fixture(scope="module")
def site_stores(remote_stores):
    return holding(remote_stores, str(SMALL_SITE))


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def served(request, site_stores, tmp_path_factory):
    """``pactgraph serve --engine-url`` and nothing else about the data: no --data."""
    command = serve_argv("--workers", "1", "--engine-url", site_stores[request.param].query_url,
                         "--query-time-limit-ms", "60000")
    log = tmp_path_factory.mktemp(f"served-{request.param}") / "server.log"
    yield from running_server(command, log)


def get(server, path: str, accept: str = "text/html") -> tuple[int, bytes]:
    request = urllib.request.Request(server.url + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def n_triples(graph: Graph) -> set[ox.Triple]:
    """``graph`` as pyoxigraph triples (rdflib writes, pyoxigraph reads)."""
    return set(ox.parse(graph.serialize(format="nt", encoding="utf-8"),
                        format=ox.RdfFormat.N_TRIPLES))


def test_pages_show_what_the_store_holds(served):
    status, page = get(served, TREATY)
    assert status == 200
    assert "Security Treaty between Australia, New Zealand" in page.decode()
    status, page = get(served, "/id/state/NZL")
    assert status == 200 and "anzus-1951" in page.decode()
    # in the bundled data files, but not in the store: the files are not read
    assert get(served, "/id/state/PRK")[0] == 404


def test_the_settings_do_not_claim_data_files_are_served(served):
    status, body = get(served, "/-/settings.json", "application/json")
    rows = {row["name"]: row for row in json.loads(body)}
    assert status == 200 and rows["data_from_engine"]["value"] is True
    assert rows["data_paths"]["value"] is None and "Not read" in rows["data_paths"]["help"]


def test_the_dump_is_the_published_graph(served, small_graph):
    status, body = get(served, "/download/pactgraph.nt", "application/n-triples")
    assert status == 200
    dumped = set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))  # not the writer's own library
    assert dumped == n_triples(small_graph)


def test_void_counts_the_store_s_triples(served, small_graph):
    status, body = get(served, "/dataset", "text/turtle")
    assert status == 200
    dataset = Graph().parse(data=body, format="turtle")
    assert dataset.value(URIRef(DATASET_IRI), VOID.triples).toPython() == len(small_graph)


def test_the_obligations_api_and_the_endpoint_agree_with_the_files(served, small_client):
    path = f"/api/obligations?protected=AUS&date={DAY}"
    status, body = get(served, path, "application/json")
    assert status == 200
    expected = small_client.get(path, headers={"Accept": "application/json"}).get_json()
    assert expected["obligations"]  # the files' own answer (links aside: another host)
    assert json.loads(body)["obligations"] == expected["obligations"]
    # the endpoint (the store) counts the obligations the pages were built from
    status, body = get(served, "/sparql?query=" + quote(OBLIGATIONS), SRJ)
    count = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert count == len({row["obligation"] for row in _all_obligations(small_client)})


def _all_obligations(client) -> list[dict]:
    rows = client.get("/sparql", query_string={
        "query": "SELECT DISTINCT ?obligation WHERE { ?obligation a pg:DefenseObligation }"},
        headers={"Accept": SRJ}).get_json()["results"]["bindings"]
    assert rows
    return [{"obligation": row["obligation"]["value"]} for row in rows]


def from_store(url: str, **settings):
    app = create_app({"engine_url": url, "data_from_engine": True,
                      "query_time_limit_ms": 60_000, **settings})
    app.config["TESTING"] = True
    return app


def test_a_store_down_at_start_up_is_named_and_no_trace(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    done = subprocess.run([*pactgraph_command(), "serve", "--port", str(free_port()),
                           "--engine-url", url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "engine_url" in done.stderr and url in done.stderr
    assert "Traceback" not in done.stderr


def test_a_slow_store_at_start_up_names_the_time_limit():
    # A socket that listens and never accepts: the kernel completes the connection, the request
    # is sent, and no answer ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        with pytest.raises(QueryEngineUnavailable, match="query_time_limit_ms") as refused:
            from_store(url, query_time_limit_ms=300)
    assert "start-up" in str(refused.value)


@pytest.mark.parametrize(("options", "from_engine"), [
    (["--engine-url", "http://127.0.0.1:1/sparql"], True),
    (["--engine-url", "http://127.0.0.1:1/sparql", "--data", str(SMALL_SITE)], False),
    ([], False)])
def test_serve_reads_the_store_s_data_when_given_no_files(options, from_engine):
    args = build_parser().parse_args(["serve", *options])
    assert settings_from(args)["data_from_engine"] is from_engine


def test_data_from_engine_and_data_files_are_not_both_given():
    code = main(["serve", "--engine-url", "http://127.0.0.1:1/sparql", "--data-from-engine",
                 "--data", str(SMALL_SITE)])
    assert code == 2


def graph_store(store, method: str, graph: str, body: bytes | None = None) -> None:
    """A Graph Store Protocol request to ``store`` about ``graph``: PUT ``body`` or DELETE."""
    request = urllib.request.Request(f"{store.graph_store_url}?graph={quote(graph)}", data=body,
                                     method=method,
                                     headers={"Content-Type": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status in (200, 201, 204)


def test_data_that_does_not_conform_is_refused_as_files_are(site_stores):
    oxigraph = site_stores["oxigraph"]
    graph = "urn:x-pactgraph-test:nonconforming"
    bad = Graph().parse(ROOT / "tests" / "validate" / "nonconforming.ttl")
    graph_store(oxigraph, "PUT", graph, bad.serialize(format="nt", encoding="utf-8"))
    with pytest.raises(DataNotConforming):
        from_store(oxigraph.query_url, engine_graphs=[graph])
    done = subprocess.run([*pactgraph_command(), "serve", "--port", str(free_port()),
                           "--engine-url", oxigraph.query_url, "--engine-graphs", graph],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "does not conform" in done.stderr and "Traceback" not in done.stderr
    graph_store(oxigraph, "DELETE", graph)


def test_a_store_without_the_derived_graphs_is_refused_until_published(site_stores, small_graph):
    oxigraph = site_stores["oxigraph"]
    obligations = next(name for name in MADE_HERE if name.endswith("obligations"))
    graph_store(oxigraph, "DELETE", obligations)
    with pytest.raises(StoreOutOfStep) as refused:
        from_store(oxigraph.query_url)
    assert "pactgraph publish" in str(refused.value) and obligations in str(refused.value)
    # the data is in the store: publish reads it there and writes what is derived from it
    done = subprocess.run([*pactgraph_command(), "publish", "--to", oxigraph.graph_store_url,
                           "--engine-url", oxigraph.query_url],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert obligations in done.stderr and "graph/data" not in done.stderr
    app = from_store(oxigraph.query_url)
    assert n_triples(app.extensions["pactgraph"].graph) == n_triples(small_graph)


def test_data_in_a_graph_of_the_store_s_own_is_named_by_engine_graphs(site_stores):
    # A research group keeps its data in a graph of its own naming.
    oxigraph = site_stores["oxigraph"]
    graph = "urn:x-pactgraph-test:group"
    data = Graph()
    for path in sorted(SMALL_SITE.glob("*.ttl")):
        data.parse(path)
    graph_store(oxigraph, "PUT", graph, data.serialize(format="nt", encoding="utf-8"))
    try:
        app = from_store(oxigraph.query_url, engine_graphs=[graph])
        assert graph in app.extensions["pactgraph"].store.graph_names
        client = app.test_client()
        page = client.get(TREATY, headers={"Accept": "text/html"}, follow_redirects=True)
        assert page.status_code == 200 and "New Zealand" in page.get_data(as_text=True)
        # the endpoint (the store) is asked about the same graphs as the pages were built from
        answer = client.get("/sparql", query_string={
            "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": SRJ}).get_json()
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == len(data)
    finally:
        graph_store(oxigraph, "DELETE", graph)
