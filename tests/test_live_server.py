"""The real thing: `pactgraph serve` under granian on a socket, spoken to over HTTP with urllib.

The protocol paths and every error case again, because granian and the buffering front (request
parsing, limits, threads) sit between the client and Flask here and nowhere else. The server
serves the fixture site (tests/fixtures/site), whose treaty has three memberships.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape as html_unescape

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from pactgraph.build.examples import load_examples
from pactgraph.engine.store import graph_iri
from pactgraph.namespaces import SD

TREATY = "https://w3id.org/pactgraph/id/treaty/anzus-1951"
INVOCATION = URIRef("https://w3id.org/pactgraph/id/invocation/anzus-article-iv-2001")
COUNT = f"SELECT (COUNT(?m) AS ?members) WHERE {{ ?m pg:membershipOf <{TREATY}> }}"
MEMBERS = 3
CONSTRUCT_INVOCATION = f"CONSTRUCT WHERE {{ <{INVOCATION}> ?p ?o }}"
FORM = "application/x-www-form-urlencoded"
SRJ = "application/sparql-results+json"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def fetch(server, path: str, method: str = "GET", body: bytes | None = None,
          headers: dict[str, str] | None = None) -> Reply:
    request = urllib.request.Request(server.url + path, data=body, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                         response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()},
                         error.read())


def query_path(**parameters) -> str:
    return "/sparql?" + urllib.parse.urlencode(parameters, doseq=True)


def members(reply: Reply) -> int:
    assert reply.status == 200, reply.body
    return int(json.loads(reply.body)["results"]["bindings"][0]["members"]["value"])


def test_service_description_names_the_real_endpoint(live_server):
    reply = fetch(live_server, "/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    assert "Accept" in reply.headers["vary"]
    graph = Graph().parse(data=reply.body, format="turtle")
    endpoint = URIRef(live_server.url + "/sparql")
    assert (endpoint, RDF.type, SD.Service) in graph
    assert (endpoint, SD.endpoint, endpoint) in graph
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert names == {graph_iri(name) for name in ("ontology", "data", "obligations", "entailed")}


def test_browsers_get_the_query_page(live_server):
    reply = fetch(live_server, "/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert reply.status == 200 and reply.media_type == "text/html"
    assert b"<textarea" in reply.body


def test_get_form_and_body_queries(live_server):
    assert members(fetch(live_server, query_path(query=COUNT),
                         headers={"Accept": SRJ})) == MEMBERS
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    assert members(fetch(live_server, "/sparql", "POST", form,
                         {"Content-Type": FORM, "Accept": SRJ})) == MEMBERS
    assert members(fetch(live_server, "/sparql", "POST", COUNT.encode(),
                         {"Content-Type": "application/sparql-query", "Accept": SRJ})) == MEMBERS


@pytest.mark.parametrize("page", ["/queries", "/sparql"])
def test_every_example_question_s_link_is_answered(live_server, page):
    """Question 1 by page, linked with its comments, was a request target of 8,311 bytes: 414."""
    html = fetch(live_server, page, headers={"Accept": "text/html"}).body.decode()
    links = [html_unescape(href) for href in re.findall(r'href="([^"]*\?query=[^"]*)"', html)]
    assert len(links) == len(load_examples().all)
    for link in links:
        reply = fetch(live_server, link.removeprefix(live_server.url), headers={"Accept": SRJ})
        assert reply.status == 200, (link[:80], reply.body[:200])
        assert json.loads(reply.body)["results"]["bindings"] is not None


def test_default_graph_uri(live_server):
    path = query_path(query=COUNT, **{"default-graph-uri": graph_iri("ontology")})
    assert members(fetch(live_server, path)) == 0


def test_construct_as_turtle(live_server, small_graph):
    reply = fetch(live_server, query_path(query=CONSTRUCT_INVOCATION),
                  headers={"Accept": "text/turtle"})
    assert reply.media_type == "text/turtle"
    expected = Graph()
    for triple in small_graph.triples((INVOCATION, None, None)):
        expected.add(triple)
    assert isomorphic(Graph().parse(data=reply.body, format="turtle"), expected)


def test_cors_and_preflight(live_server):
    reply = fetch(live_server, query_path(query=COUNT))
    assert reply.headers["access-control-allow-origin"] == "*"
    preflight = fetch(live_server, "/sparql", "OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "content-type"


ERRORS = {
    "malformed query": ("GET", query_path(query="SELECT * WHERE {"), None, {}, 400,
                        "line 1, column"),
    "two queries": ("GET", query_path(query=[COUNT, COUNT]), None, {}, 400, "query"),
    "missing query": ("GET", query_path(**{"default-graph-uri": graph_iri("data")}), None, {},
                      400, "query"),
    "form without query": ("POST", "/sparql", b"format=json", {"Content-Type": FORM}, 400,
                           "query"),
    "wrong content type": ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415,
                           "application/sparql-query"),
    "missing content type": ("POST", "/sparql", b"ASK {}", {"Content-Type": ""}, 415,
                             "application/sparql-query"),
    "form update": ("POST", "/sparql", b"update=CLEAR%20ALL", {"Content-Type": FORM}, 403,
                    "read-only"),
    "sparql-update": ("POST", "/sparql", b"CLEAR ALL",
                      {"Content-Type": "application/sparql-update"}, 403, "read-only"),
    "federated query": ("GET", query_path(
        query="SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"), None, {}, 403,
        "SERVICE"),
    "not acceptable": ("GET", query_path(query=COUNT), None, {"Accept": "text/turtle"},
                       406, "text/csv"),
    "bad percent-encoding": ("GET", "/sparql?query=SELECT%zz%E0%A4", None, {}, 400, "syntax"),
    "binary body": ("POST", "/sparql", b"\xff\xfe\x00\x80",
                    {"Content-Type": "application/sparql-query"}, 400, "UTF-8"),
    "bad graph IRI": ("GET", query_path(query=COUNT, **{"default-graph-uri": "a b"}), None,
                      {}, 400, "default-graph-uri"),
    "query too long": ("POST", "/sparql", b"ASK {}" + b" " * 20_000,
                       {"Content-Type": "application/sparql-query"}, 413, "max_query_length"),
    "huge body": ("POST", "/sparql", b" " * 1_000_000,
                  {"Content-Type": "application/sparql-query"}, 413, "max_query_length"),
    "method": ("PUT", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"}, 405,
               ""),
    # Refused by the buffering front (web/buffering_front.py) before the app sees anything.
    "too many header fields": ("GET", "/healthz", None, {f"X-H{n}": "1" for n in range(60)}, 431,
                               "header fields"),
    "a header field too long": ("GET", "/healthz", None, {"X-Long": "x" * 9000}, 431,
                                "'x-long'"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(live_server, name):
    method, path, body, headers, status, message = ERRORS[name]
    reply = fetch(live_server, path, method, body, headers)
    assert reply.status == status, reply.body
    text = reply.body.decode("utf-8")
    assert message in text
    assert "Traceback" not in text
    assert reply.headers["access-control-allow-origin"] == "*"


def test_an_over_long_request_line_is_refused_not_crashed(live_server):
    reply = fetch(live_server, query_path(query="ASK {}" + " " * 10_000))
    assert 400 <= reply.status < 500


@pytest.mark.parametrize("script_name", ["/x", "/sparql/", "/", "/spa"])
def test_a_script_name_header_is_ignored(live_server, script_name):
    """Issue 11, item 6: gunicorn took SCRIPT_NAME from the header and answered 500 when the path
    did not start with it ("/x"), or served another path than the one asked ("/spa")."""
    reply = fetch(live_server, query_path(query=COUNT), headers={"SCRIPT_NAME": script_name})
    assert members(reply) == MEMBERS


def test_a_garbage_request_does_not_kill_the_server(live_server):
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"\x00\x01\x02 GARBAGE\r\n\r\n")
        raw.recv(1024)
    assert members(fetch(live_server, query_path(query=COUNT))) == MEMBERS


def test_concurrent_queries(live_server):
    """24 clients (named by X-Forwarded-For: the server trusts its loopback proxy), each with a
    query of its own, 8 at a time: each within its share of the query workers."""
    def ask(n: int) -> Reply:
        query = COUNT.replace("WHERE {", f"WHERE {{ FILTER({n} = {n})", 1)
        return fetch(live_server, query_path(query=query),
                     headers={"X-Forwarded-For": f"198.51.100.{n}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(ask, range(24)))
    assert [members(reply) for reply in replies] == [MEMBERS] * 24


def test_serve_exits_non_zero_on_nonconforming_data(tmp_path, serve_command):
    shapes, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes.write_text("""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix pg: <https://w3id.org/pactgraph/def#> .
        <urn:test:S> a sh:NodeShape ; sh:targetClass pg:Membership ;
            sh:property [ sh:path pg:memberFrom ; sh:minCount 1 ] .""")
    data.write_text("<https://w3id.org/pactgraph/id/m> a "
                    "<https://w3id.org/pactgraph/def#Membership> .")
    command = serve_command("--data", str(data), "--shapes", str(shapes))
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    assert "Violation" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert "Listening" not in finished.stderr + finished.stdout

