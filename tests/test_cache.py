"""The response cache: bounded, never mixes answers up, and 304 only on a matching ETag.

The endpoint's tests run on the fixture site (tests/fixtures/site)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask, request
from rdflib import Graph

from pactgraph.build.memory import CachedAnswer, ResponseCache
from pactgraph.engine.store import graph_iri
from pactgraph.settings import DEFAULTS
from pactgraph.web.caching import (
    is_cacheable_query,
    make_etag,
    normalise_query,
    not_modified,
    request_key,
)
from pactgraph.web.context import answers_of, executor_for, publication_of

ONTOLOGY, DATA = graph_iri("ontology"), graph_iri("data")


def _answer(size: int, tag: str = "x") -> CachedAnswer:
    return CachedAnswer(b"a" * size, "text/plain", tag)


# --- The cache itself ----------------------------------------------------------------------------

def test_the_cache_keeps_at_most_max_entries_least_recently_used_out_first() -> None:
    cache = ResponseCache(max_entries=3, max_bytes=10_000)
    for key in "abc":
        cache.put(key, _answer(10, key))
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("d", _answer(10, "d"))
    assert len(cache) == 3
    assert cache.get("b") is None
    assert [cache.get(k).etag for k in "acd"] == ["a", "c", "d"]


def test_the_cache_keeps_at_most_max_bytes() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    for number in range(20):
        assert cache.put(str(number), _answer(200))
    assert cache.total_bytes <= 1000
    assert len(cache) == 5
    assert cache.get("19") is not None and cache.get("0") is None


def test_an_answer_larger_than_a_quarter_of_the_budget_is_not_stored() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    cache.put("small", _answer(10))
    assert not cache.put("huge", _answer(251))
    assert cache.get("huge") is None and cache.get("small") is not None


def test_replacing_an_entry_does_not_count_its_bytes_twice() -> None:
    cache = ResponseCache(max_entries=10, max_bytes=1000)
    for _ in range(10):
        cache.put("same", _answer(200))
    assert cache.total_bytes == 200 and len(cache) == 1


def test_a_cache_of_size_zero_stores_nothing() -> None:
    cache = ResponseCache(max_entries=0, max_bytes=1000)
    assert not cache.put("a", _answer(1))
    assert cache.get("a") is None


# --- Keys and ETags ------------------------------------------------------------------------------

def test_request_keys_differ_whenever_a_part_differs() -> None:
    base = ("SELECT * {}", ("http://g/1",), (), "application/sparql-results+json")
    variants = [
        ("SELECT * { }", ("http://g/1",), (), "application/sparql-results+json"),
        ("SELECT * {}", ("http://g/2",), (), "application/sparql-results+json"),
        ("SELECT * {}", (), ("http://g/1",), "application/sparql-results+json"),
        ("SELECT * {}", ("http://g/1",), (), "text/csv"),
        ("SELECT * {}", ("http://g/1", "http://g/1"), (), "application/sparql-results+json"),
    ]
    keys = {request_key(*base), *(request_key(*variant) for variant in variants)}
    assert len(keys) == 1 + len(variants)
    assert request_key(*base) == request_key(*base)


def test_parts_cannot_run_into_each_other() -> None:
    assert request_key("ab", "c") != request_key("a", "bc")
    assert request_key(("a", "b"), ()) != request_key(("a",), ("b",))


def test_etags_depend_on_the_data_version_and_the_request() -> None:
    assert make_etag("v1", "k1") == make_etag("v1", "k1")
    assert len({make_etag("v1", "k1"), make_etag("v2", "k1"), make_etag("v1", "k2")}) == 3


def test_queries_whose_answer_can_change_are_not_cacheable() -> None:
    assert is_cacheable_query("SELECT ?s { ?s ?p ?o } LIMIT 3")
    for volatile in ("SELECT (NOW() AS ?t) {}", "SELECT (rand () AS ?r) {}",
                     "SELECT (UUID() AS ?u) {}", "SELECT (STRUUID() AS ?u) {}",
                     "CONSTRUCT { ?s ?p [] } WHERE { BIND(BNODE() AS ?b) ?s ?p ?o }"):
        assert not is_cacheable_query(volatile), volatile


def test_not_modified_only_for_a_matching_etag_on_get() -> None:
    app = Flask(__name__)
    cases = [("GET", '"abc"', True), ("GET", 'W/"abc"', True), ("GET", '"x", "abc"', True),
             ("GET", "*", True), ("GET", '"abd"', False), ("GET", None, False),
             ("HEAD", '"abc"', True), ("POST", '"abc"', False)]
    for method, header, expected in cases:
        headers = {"If-None-Match": header} if header else {}
        with app.test_request_context("/", method=method, headers=headers):
            assert not_modified(request, "abc") is expected, (method, header)


# --- The endpoint --------------------------------------------------------------------------------

JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
TREATIES = "SELECT ?t WHERE { ?t a pg:MutualDefenseTreaty } ORDER BY ?t"


def _get(client, query: str, accept: str = JSON, **parameters):
    return client.get("/sparql", query_string={"query": query, **parameters},
                      headers={"Accept": accept})


def fresh_small_cache(app: Flask, monkeypatch) -> ResponseCache:
    """Give ``app`` a new, empty, small answer cache until the test ends (shared, as in
    production, with the front cache of whole responses)."""
    cache = ResponseCache(max_entries=3, max_bytes=1_000_000)
    # The publication keeps its cache as a computed attribute: replace it for this test.
    monkeypatch.setitem(vars(publication_of(app)), "answers", cache)
    monkeypatch.setattr(app.wsgi_app, "cache", cache)
    return cache


@pytest.fixture()
def small_cache(small_app: Flask, monkeypatch) -> ResponseCache:
    """The fixture site's app with a fresh, small answer cache for the length of one test."""
    return fresh_small_cache(small_app, monkeypatch)


def test_no_request_gets_the_answer_of_another(small_client, small_cache, small_graph) -> None:
    variants = {
        "count, json": (COUNT, JSON, {}),
        "treaties, json": (TREATIES, JSON, {}),
        "count, csv": (COUNT, "text/csv", {}),
        "count, ontology graph": (COUNT, JSON, {"default-graph-uri": ONTOLOGY}),
        "count, data graph": (COUNT, JSON, {"default-graph-uri": DATA}),
        "count, json by format": (COUNT, "text/csv", {"format": "json"}),
    }
    first = {}
    for name, (query, accept, parameters) in variants.items():
        response = _get(small_client, query, accept, **parameters)
        assert response.status_code == 200, name
        first[name] = (response.data, response.content_type, response.headers["ETag"])
    for name, (query, accept, parameters) in reversed(variants.items()):  # now from the cache
        response = _get(small_client, query, accept, **parameters)
        assert (response.data, response.content_type, response.headers["ETag"]) == first[name]
    # Different requests, different answers and ETags (the same answer twice where they should).
    assert first["count, json"][0] == first["count, json by format"][0]
    distinct = {name: value for name, value in first.items() if name != "count, json by format"}
    assert len({body for body, _, _ in distinct.values()}) == len(distinct)
    assert len({etag for _, _, etag in first.values()}) == len(first)
    assert first["count, csv"][1].startswith("text/csv")

    def count(body: bytes) -> int:
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    ontology = Graph().parse(Path(DEFAULTS["ontology_paths"][0]) / "pactgraph.ttl")
    assert count(first["count, ontology graph"][0]) == len(ontology)
    # the data graph holds the fixture site's data files, not what is derived from them
    # (the obligations and entailed graphs, issue 13)
    data = Graph()
    for path in sorted((Path(__file__).parent / "fixtures" / "site").glob("*.ttl")):
        data.parse(path)
    assert count(first["count, data graph"][0]) == len(data)
    assert len(small_graph) > len(ontology) + len(data)  # the derived graphs are published too


def test_an_answer_is_cacheable_by_shared_caches_and_varies_by_accept(small_client, small_cache):
    for _ in range(2):  # the miss and the hit say the same
        response = _get(small_client, TREATIES)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert "Accept" in response.headers["Vary"]
        assert response.headers["ETag"].startswith('"')
    # The answer, and the whole response that the front cache gave the second time.
    assert len(small_cache) == 2 and small_cache.hits == 1


def test_304_only_when_the_etag_matches(small_app, small_client, small_cache, monkeypatch) -> None:
    etag = _get(small_client, TREATIES).headers["ETag"]
    other = _get(small_client, TREATIES, "text/csv").headers["ETag"]
    assert other != etag
    for header, status in ((etag, 304), (f'"x", {etag}', 304), (other, 200), ('"nope"', 200)):
        response = small_client.get("/sparql", query_string={"query": TREATIES},
                                    headers={"Accept": JSON, "If-None-Match": header})
        assert response.status_code == status, header
        assert response.headers["ETag"] == etag
        assert (response.data == b"") is (status == 304)
    emptied = fresh_small_cache(small_app, monkeypatch)  # forgotten: evaluated again, same ETag
    response = small_client.get("/sparql", query_string={"query": TREATIES},
                                headers={"Accept": JSON, "If-None-Match": etag})
    assert response.status_code == 304 and len(emptied) == 1


def test_a_post_is_answered_in_full_even_with_a_matching_etag(small_client, small_cache) -> None:
    etag = _get(small_client, TREATIES).headers["ETag"]
    response = small_client.post("/sparql", data={"query": TREATIES},
                                 headers={"Accept": JSON, "If-None-Match": etag})
    assert response.status_code == 200 and response.data


def test_the_endpoint_cache_stays_within_its_bounds(small_client, small_cache) -> None:
    for limit in range(1, 8):
        assert _get(small_client, f"{TREATIES} LIMIT {limit}").status_code == 200
    assert len(small_cache) == 3


def test_only_sparql_white_space_is_trimmed_from_the_key(small_client, small_cache) -> None:
    """Issue 11, item 8: the key stripped every Unicode space, so "\u2028ASK { } # x", which the
    parser refuses, got the cached 200 of "ASK { } # x" if that was asked first, else a 400."""
    assert _get(small_client, "ASK { } # x").status_code == 200
    for refused in ("\u2028ASK { } # x", "\u00a0ASK { } # x", "ASK { } # x\n\u3000"):
        response = _get(small_client, refused)
        assert response.status_code == 400, refused
        assert "syntax error" in response.get_data(as_text=True)
    assert small_cache.hits == 0
    # The grammar's own white space: the same query.
    response = _get(small_client, " \t\r\nASK { } # x\n")
    assert response.status_code == 200 and small_cache.hits == 1
    assert normalise_query("\u2028ASK {}\u00a0") == "\u2028ASK {}\u00a0"


def test_answers_that_can_change_or_name_the_host_are_not_kept(small_client, small_cache) -> None:
    for query in ("SELECT (NOW() AS ?t) {}", "SELECT (STRUUID() AS ?u) {}"):
        response = _get(small_client, query)
        assert response.status_code == 200 and "ETag" not in response.headers
    assert _get(small_client, TREATIES, "text/html").status_code == 200
    assert len(small_cache) == 0


CHANGED_STATE = "https://w3id.org/pactgraph/id/state/AUS"
# Responses that carry an ETag: SPARQL answers by the lean path and by Flask (``format``), whose
# ETags come from the data version, and documents whose ETags hash their bytes (the downloads, the
# pages of the changed resource).
ETAGGED = {
    "count, json": ("/sparql", {"query": COUNT}, JSON),
    "treaties, csv": ("/sparql", {"query": TREATIES}, "text/csv"),
    "ask": ("/sparql", {"query": "ASK { ?s ?p ?o }"}, JSON),
    "construct": ("/sparql", {"query": "CONSTRUCT WHERE { ?s a pg:Region }"}, "text/turtle"),
    "treaties, format=xml": ("/sparql", {"query": TREATIES, "format": "xml"}, JSON),
    "ontology only": ("/sparql", {"query": COUNT, "default-graph-uri": ONTOLOGY}, JSON),
    "turtle dump": ("/download/pactgraph.ttl", {}, "text/turtle"),
    "n-triples dump": ("/download/pactgraph.nt", {}, "application/n-triples"),
    "state page": (CHANGED_STATE.replace("https://w3id.org/pactgraph/id/", "/doc/"), {},
                   "text/html"),
    "state as turtle": (CHANGED_STATE.replace("https://w3id.org/pactgraph/id/", "/doc/"), {},
                        "text/turtle"),
}


def etags_of(app: Flask) -> dict[str, str]:
    client = app.test_client()
    etags = {}
    for name, (path, parameters, accept) in ETAGGED.items():
        response = client.get(path, query_string=parameters, headers={"Accept": accept})
        assert response.status_code == 200 and response.headers.get("ETag"), name
        etags[name] = response.headers["ETag"]
    return etags


def test_a_changed_file_changes_every_etag(small_site, small_app, tmp_path: Path) -> None:
    """A client that kept an answer must never be told (304) that it still holds after the data
    changed: the ETag of every SPARQL answer changes with any file, even where the answer's
    bytes do not; the ETags that hash a document's bytes change where the bytes do."""
    data = tmp_path / "data"
    shutil.copytree(small_app.config["PACTGRAPH"]["data_paths"][0], data)
    settings = {"data_paths": [str(data)], "query_workers": 1}
    before_app = small_site(**settings)
    apps = [before_app]
    with (data / "states.ttl").open("a", encoding="utf-8") as file:
        file.write(f'\n<{CHANGED_STATE}> <http://www.w3.org/2000/01/rdf-schema#comment> '
                   '"a comment added by the test"@en .\n')
    after_app = small_site(**settings)
    restarted = small_site(**settings)
    apps += [after_app, restarted]
    try:
        before, after = etags_of(before_app), etags_of(after_app)
        assert [name for name in ETAGGED if before[name] == after[name]] == []
        client = after_app.test_client()
        for name, (path, parameters, accept) in ETAGGED.items():
            response = client.get(path, query_string=parameters,
                                  headers={"Accept": accept, "If-None-Match": before[name]})
            assert response.status_code == 200 and response.data, name
        # The same files give the same ETags, in another app (a restart, another worker).
        assert etags_of(restarted) == after
    finally:
        for app in apps:
            executor_for(app).close()


# --- Limits hold on a miss -----------------------------------------------------------------------

RUNAWAY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?c ?f ?i ?l"


@pytest.fixture(scope="module")
def limited_client(small_site):
    app = small_site(query_time_limit_ms=500, max_result_rows=5, query_workers=1)
    yield app.test_client(), answers_of(app)
    executor_for(app).close()


def test_a_runaway_query_is_stopped_every_time_and_never_kept(limited_client) -> None:
    small_client, answers = limited_client
    for _ in range(2):
        response = _get(small_client, RUNAWAY)
        assert response.status_code == 503
        assert "query_time_limit_ms" in response.get_data(as_text=True)
        assert "ETag" not in response.headers
    assert len(answers) == 0


def test_an_answer_cut_by_the_row_cap_is_not_kept(limited_client) -> None:
    small_client, answers = limited_client
    for _ in range(2):
        response = _get(small_client, "SELECT ?s WHERE { ?s a ?class }")
        assert response.headers.get("Pactgraph-Results-Truncated") == "true"
        assert "ETag" not in response.headers
    assert len(answers) == 0
    assert _get(small_client, "ASK { ?s ?p ?o }").headers.get("ETag")
    assert len(answers) == 2  # the answer, and the whole response for the front cache

