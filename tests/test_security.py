"""Nothing goes out, nothing is written, HTML is escaped and fenced, unserved methods are 405.

Outbound traffic is checked with a loopback listener that counts every connection it gets: the
queries name it as a remote endpoint or graph, and it must see none. Every app here serves the
fixture site (tests/fixtures/site).
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from pactgraph.pages.result_cells import linkable

MARKUP = "<script>alert('pactgraph')</script><b>bold</b>"


def outbound_queries(url: str) -> dict[str, str]:
    return {
        "SERVICE": f"SELECT * {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SERVICE SILENT": f"SELECT * {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SERVICE by prefix": f"PREFIX r: <{url}/> SELECT * {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
        "FROM": f"SELECT * FROM <{url}/graph> {{ ?s ?p ?o }}",
        "FROM NAMED": f"SELECT * FROM NAMED <{url}/graph> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "FROM by prefix": f"PREFIX r: <{url}/> SELECT * FROM r:graph {{ ?s ?p ?o }}",
        "FROM file": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
        "LOAD": f"LOAD <{url}/data.ttl>",
        "LOAD INTO": f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <urn:x>",
    }


@pytest.mark.parametrize("name", list(outbound_queries("http://x")))
def test_outbound_queries_are_refused_and_connect_nowhere(small_client, listener, name):
    query = outbound_queries(listener.url)[name]
    response = small_client.get("/sparql", query_string={"query": query})
    assert response.status_code in (400, 403), response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if name.startswith("FROM"):
        assert "never fetches" in text
    if name.startswith("SERVICE"):
        assert "SERVICE" in text
    if name.startswith("LOAD"):
        assert "read-only" in text
    assert listener.connections == 0


@pytest.mark.parametrize("how", ["update parameter", "update body"])
def test_updates_are_refused_and_connect_nowhere(small_client, listener, how):
    update = f"LOAD <{listener.url}/data.ttl>; INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}"
    if how == "update parameter":
        response = small_client.post("/sparql", data={"update": update})
    else:
        response = small_client.post("/sparql", data=update,
                                     content_type="application/sparql-update")
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert listener.connections == 0
    count = small_client.get("/sparql", query_string={"query": "ASK { <urn:a> <urn:b> <urn:c> }"},
                             headers={"Accept": "application/sparql-results+json"})
    assert count.get_json()["boolean"] is False


def test_pyoxigraph_only_selects_a_graph_by_name_for_from(listener):
    """Why refusing FROM is a matter of clarity, not of safety, for this engine: checked directly,
    without our textual refusal in front."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    rows = list(store.query(f"SELECT * FROM <{listener.url}/g> FROM NAMED <{listener.url}/n> "
                            "{ ?s ?p ?o }"))
    assert rows == []
    assert listener.connections == 0


def test_local_graphs_may_be_named_in_from(small_client):
    from pactgraph.engine.store import graph_iri

    query = (f"SELECT (COUNT(*) AS ?n) FROM <{graph_iri('ontology')}> "
             "{ ?s a <http://www.w3.org/2002/07/owl#Class> }")
    response = small_client.get("/sparql", query_string={"query": query},
                                headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert int(response.get_json()["results"]["bindings"][0]["n"]["value"]) > 0


def test_from_in_a_string_or_comment_is_not_a_dataset_clause(small_client):
    query = 'SELECT ?x { BIND("FROM <http://127.0.0.1:9/x>" AS ?x) } # FROM <http://e/>\n'
    response = small_client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200


def test_the_live_server_connects_nowhere(live_server, listener):
    for name, query in outbound_queries(listener.url).items():
        url = live_server.url + "/sparql?" + urllib.parse.urlencode({"query": query})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        refused.value.close()
        assert refused.value.code in (400, 403), name
    assert listener.connections == 0


# --- No JSON-LD is read from clients, so no remote @context is ever fetched ----------------------

def test_no_request_parses_json_ld_or_opens_a_url(small_app, small_client, monkeypatch):
    import rdflib.plugins.parsers.jsonld as jsonld_parser

    def refuse(*args, **kwargs):
        raise AssertionError("the server tried to read JSON-LD or fetch a URL")

    monkeypatch.setattr(jsonld_parser.JsonLDParser, "parse", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    body = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "urn:x"}'
    for media_type in ("application/ld+json", "application/json"):
        response = small_client.post("/sparql", data=body, content_type=media_type)
        assert response.status_code == 415
    for path in every_get_path(small_app):
        for accept in ("application/ld+json", "text/html", "text/turtle"):
            assert small_client.get(path, headers={"Accept": accept}).status_code < 500, path


def every_get_path(app: Flask) -> list[str]:
    """Every GET route without arguments, plus one of each routed kind with arguments."""
    paths = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments)
    return [*paths, "/id/state/AUS", "/doc/state/AUS", "/doc/state/AUS.jsonld",
            "/download/pactgraph.jsonld", "/sparql?query=ASK%20%7B%7D",
            "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%205&format=jsonld"]


# --- Methods, paths, headers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/sparql", "/", "/id/state/AUS", "/doc/state/AUS", "/def",
                                  "/download/pactgraph.ttl", "/-/settings.json", "/openapi.json"])
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_methods_we_do_not_serve_are_405_with_allow(small_client, path, method):
    response = small_client.open(path, method=method)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed and method not in allowed


@pytest.mark.parametrize("path", ["/download/..%2f..%2fpyproject.toml", "/static/../pyproject.toml",
                                  "/static/..%2f..%2f..%2fpyproject.toml",
                                  "/download/../../etc/passwd", "/doc/../../etc/passwd"])
def test_no_path_reads_outside_the_package(small_client, path):
    response = small_client.get(path)
    assert response.status_code in (404, 308), path
    assert b"[project]" not in response.data and b"root:" not in response.data


def test_html_pages_carry_a_strict_content_security_policy(small_app, small_client):
    for path in every_get_path(small_app):
        response = small_client.get(path, headers={"Accept": "text/html"})
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        if response.mimetype != "text/html":
            continue
        policy = dict(directive.strip().split(" ", 1)
                      for directive in response.headers["Content-Security-Policy"].split(";"))
        assert policy["default-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "http" not in response.headers["Content-Security-Policy"], path
        assert response.headers["Referrer-Policy"]


def test_an_unreadable_host_is_a_400_that_logs_nothing(client, caplog):
    """Issue 11, item 7: a Host label over 63 characters made werkzeug answer 400, and the error
    page, unable to build a URL, logged a 3.6 kB traceback each time (73 MB for 20,000)."""
    with caplog.at_level(logging.INFO):
        for accept, media_type in (("text/html", "text/html"), ("text/plain", "text/plain")):
            response = client.get("/sparql", headers={"Host": "a" * 64 + ".example",
                                                       "Accept": accept})
            assert (response.status_code, response.mimetype) == (400, media_type)
            assert "1 to 63 characters" in response.get_data(as_text=True)
    assert caplog.records == []


def test_an_error_page_that_fails_is_logged_once_per_kind(client, caplog, monkeypatch):
    class PageBroken(Exception):
        pass

    def broken(*args, **kwargs):
        raise PageBroken("base.html is broken")

    monkeypatch.setattr("pactgraph.web.errors.render_template_string", broken)
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            response = client.get("/no/such/page", headers={"Accept": "text/html"})
            assert response.status_code == 404 and "<h1>404 Not Found</h1>" in response.text
    assert [record.exc_info[0] for record in caplog.records] == [PageBroken]


def test_error_pages_are_fenced_too(small_client):
    response = small_client.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_relaxation_stays_on_its_blueprint():
    from pactgraph.web import headers as security

    security.relax_csp("test-only-blueprint", "img-src", "https://tiles.example")
    assert "https://tiles.example" in security.content_security_policy("test-only-blueprint")
    assert "https://tiles.example" not in security.content_security_policy("resources")
    assert "https://tiles.example" not in security.content_security_policy(None)


# --- Data rendered into HTML is escaped ----------------------------------------------------------

@pytest.fixture(scope="module")
def markup_app(small_site, small_app, tmp_path_factory) -> Flask:
    """The fixture site plus a comment with markup on a state."""
    folder = tmp_path_factory.mktemp("markup")
    extra = folder / "markup.ttl"
    literal = MARKUP.replace("'", "\\'")
    extra.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<https://w3id.org/pactgraph/id/state/AUS> rdfs:comment '{literal}'@en .\n",
        encoding="utf-8")
    return small_site(data_paths=[*small_app.config["PACTGRAPH"]["data_paths"], str(extra)])


def test_markup_in_data_is_escaped_on_every_page_type(markup_app):
    client = markup_app.test_client()
    escaped = "&lt;script&gt;"
    select = ("SELECT ?c ?q { <https://w3id.org/pactgraph/id/state/AUS> rdfs:comment ?c "
              f"BIND(\"{MARKUP}\" AS ?q) }}")
    construct = ("CONSTRUCT { <urn:x> rdfs:comment ?c } WHERE { "
                 "<https://w3id.org/pactgraph/id/state/AUS> rdfs:comment ?c }")
    pages = {
        "resource page": client.get("/doc/state/AUS", headers={"Accept": "text/html"}),
        "query results table": client.get("/sparql", query_string={"query": select,
                                                                   "format": "html"}),
        "graph result": client.get("/sparql", query_string={"query": construct,
                                                            "format": "html"}),
        "query error": client.get("/sparql", query_string={"query": f"SELECT {MARKUP}",
                                                           "format": "html"},
                                  headers={"Accept": "text/html"}),
        "not found": client.get("/doc/" + urllib.parse.quote(MARKUP),
                                headers={"Accept": "text/html"}),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html", name
        assert "<script>alert(" not in html, name
        assert "<b>bold</b>" not in html, name
        if name not in ("not found", "query error"):  # these need not repeat the input
            assert escaped in html, name
    for path in every_get_path(markup_app):
        response = client.get(path, headers={"Accept": "text/html"})
        if response.mimetype == "text/html":
            assert "<script>alert(" not in response.get_data(as_text=True), path


# --- Links in the results table: http, https and relative IRIs only ------------------------------

@pytest.mark.parametrize("iri", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x",
                                 "vbscript:x", "urn:x", "mailto:a@example.org"])
def test_other_schemes_are_shown_but_not_linked(client, results_table, iri):
    """Issue 11, item 9: a javascript: IRI was a link (only the CSP kept it from running)."""
    assert results_table(client, f"SELECT ?i {{ BIND(<{iri}> AS ?i) }}") == [(iri, None)]


def test_http_and_https_iris_are_linked(client, results_table):
    query = "SELECT ?i { VALUES ?i { <http://example.org/a> <https://example.org/b> } }"
    assert results_table(client, query) == [("http://example.org/a", "http://example.org/a"),
                                         ("https://example.org/b", "https://example.org/b")]


@pytest.mark.parametrize("url,expected", [
    ("http://a.example/", True), ("HTTPS://a.example/", True), ("/id/state/PHL", True),
    ("id/state/PHL", True), ("javascript:x", False), (" javascript:x", False),
    ("\x00javascript:x", False), ("java\tscript:x", False), ("java\nscript:x", False),
    ("http://[::1", False)])
def test_linkable_reads_a_url_as_a_browser_does(url, expected):
    assert linkable(url) is expected


def test_the_json_results_keep_every_iri(client):
    """Only the HTML table leaves them unlinked: the data itself is never changed."""
    response = client.get("/sparql", query_string={
        "query": "SELECT ?i { BIND(<javascript:alert(1)> AS ?i) }", "format": "json"})
    assert json.loads(response.data)["results"]["bindings"] == [
        {"i": {"type": "uri", "value": "javascript:alert(1)"}}]


# --- The dataset on disk is only read ------------------------------------------------------------

def _fingerprint(folders: list[str]) -> dict[str, str]:
    files = sorted(p for folder in folders for p in Path(folder).rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_a_session_of_requests_writes_nothing(small_app, small_client):
    settings = small_app.extensions["pactgraph"].settings
    folders = [*settings["ontology_paths"], *settings["data_paths"], *settings["shapes_paths"]]
    before = _fingerprint(folders)
    written: list[tuple] = []
    watching = threading.Event()

    def audit(event: str, args: tuple) -> None:
        if watching.is_set() and event == "open" and len(args) >= 2:
            mode = args[1] if isinstance(args[1], str) else ""
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if any(c in mode for c in "wax+") or flags & 0o3:  # O_WRONLY | O_RDWR
                written.append(args)

    sys.addaudithook(audit)  # cannot be removed; inert once ``watching`` is cleared
    watching.set()
    try:
        for path in every_get_path(small_app):
            small_client.get(path)
        small_client.post("/sparql", data={"update": "DROP ALL"})
        small_client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update")
        small_client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
        for method in ("PUT", "DELETE", "PATCH"):
            small_client.open("/doc/state/AUS.ttl", method=method,
                              data=b"<urn:a> <urn:b> <urn:c> .")
    finally:
        watching.clear()
    assert written == []
    assert _fingerprint(folders) == before
    count = small_client.get("/sparql",
                             query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"})
    assert int(count.get_json()["results"]["bindings"][0]["n"]["value"]) == len(
        small_app.extensions["pactgraph"].graph)
