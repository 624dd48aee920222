"""SERVICE never gets out: the text check (engine/federation.py) and the network-less workers
(engine/sandbox.py).

The issue that asked for this found two spellings that got past a regular expression and made the
server fetch a URL of the client's choice. Each fence is tested on its own: the lexer against
pyoxigraph itself (whatever the lexer lets through must make no connection when pyoxigraph
evaluates it), and the workers with the lexer bypassed (a SERVICE handed straight to a worker
must reach nothing).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pactgraph.engine import federation
from pactgraph.engine.base import Job
from pactgraph.engine.federation import mentions_service
from pactgraph.engine.pool import QueryExecutor
from pactgraph.engine.sandbox import ISOLATED

JSON = "application/sparql-results+json"
TARGET = "http://127.0.0.1:{port}/sparql"


def _store() -> ox.Store:
    """One triple, so that a SERVICE after a triple pattern is reached when evaluated."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    return store


def _connects(query: str, listener) -> bool:
    """Whether pyoxigraph, evaluating ``query`` here (a process with a network), connects."""
    before = listener.connections
    try:
        result = _store().query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return listener.connections > before


# Spellings that pyoxigraph 0.5 parses as SERVICE (probed one by one), the first two those of the
# security probe that got past the regular expression.
PARSED_AS_SERVICE = [
    "SELECT * { VALUES ?k {1} .SERVICE <T> { ?s ?p ?o } }",
    "SELECT * { SERVICE #x\r<T> { ?s ?p ?o } }",
    "SELECT * { SERVICE #x\n<T> { ?s ?p ?o } }",
    "SELECT * { SERVICE<T>{?s ?p ?o} }",
    "SELECT * { service <T> { } }",
    "SELECT * { sErViCe SiLeNt <T> { } }",
    "SELECT * { SERVICESILENT<T> { } }",
    "PREFIX e: <T#> SELECT * { SERVICEe:x{ } }",
    "PREFIX : <T#> SELECT * { SERVICE:x{ } }",
    "SELECT * { ?s ?p 1SERVICE <T> { } }",
    "SELECT * { ?s ?p 1.SERVICE <T> { } }",
    "SELECT * { ?s ?p 1e1SERVICE <T> { } }",
    "SELECT * { ?s ?p trueSERVICE <T> { } }",
    'SELECT * { ?s ?p "x"SERVICE <T> { } }',
    "SELECT * { ?s ?p ?o ; SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o.SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o . [?p ?o]SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o FILTER(true)SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o GRAPH ?g {} SERVICE <T> { } }",
    "SELECT * { ?s ?p ?o MINUS{SERVICE <T> { } } }",
    "SELECT * { FILTER EXISTS {SERVICE <T> { } } }",
    "SELECT * { OPTIONAL { SERVICE <T> { } } }",
    "SELECT ?x { { SELECT ?x { SERVICE <T> { ?x ?p ?o } } } }",
    "ASK { SERVICE <T> { } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <T> { ?s ?p ?o } }",
    "BASE <T> SELECT * { SERVICE <x> { } }",
    "SELECT * { BIND(<T> AS ?e) SERVICE ?e { } }",
    # '<' as less-than, where the text between it and a later '>' also reads as an IRI:
    "SELECT * { ?s ?p ?o BIND(1 AS ?a) FILTER(?a<'x>') SERVICE <T> {} #'\n }",
    "SELECT * { ?s ?p ?o BIND(1 AS ?a) FILTER(?a<?a)SERVICE#>\n<T> {} }",
]

# Queries that merely mention the word, and must be answered.
NOT_SERVICE = [
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * { ?s a sd:Service }",
    "SELECT ?service { ?service ?p ?o }",
    "SELECT $service { $service ?p ?o }",
    'SELECT * { ?s ?p "Secret Service" }',
    "SELECT * { ?s ?p 'SERVICE <http://e/> {}' }",
    'SELECT * { ?s ?p """a\nSERVICE <http://e/> {}\n""" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://e/> {}",
    "SELECT * { ?s <http://example.org/service> ?o }",
    "PREFIX schema: <http://schema.org/> SELECT * { ?s a schema:ServiceChannel }",
    "SELECT * { _:service ?p ?o }",
    "SELECT * { ?s ?p ?o FILTER(?o < 3) }",
]


def _with_target(query: str, listener) -> str:
    return query.replace("<T", "<" + TARGET.format(port=listener.port)).replace(
        "T#>", TARGET.format(port=listener.port) + "#>")


def test_the_listener_sees_what_pyoxigraph_fetches(listener):
    """The fence is needed: with no check in front, pyoxigraph connects."""
    assert _connects(_with_target("SELECT * { SERVICE <T> { } }", listener), listener)


@pytest.mark.parametrize("query", PARSED_AS_SERVICE)
def test_every_spelling_pyoxigraph_parses_is_refused(query, listener):
    assert mentions_service(_with_target(query, listener))


@pytest.mark.parametrize("query", NOT_SERVICE)
def test_the_word_alone_is_not_refused(query):
    assert not mentions_service(query)


def test_escapes_are_decoded_before_looking():
    """SPARQL 1.1 decodes \\u escapes before parsing (pyoxigraph 0.5 does not, outside strings):
    a query is refused under either reading."""
    assert mentions_service("SELECT * { \\u0053ERVICE <http://e/> { } }")
    assert mentions_service("SELECT * { SERVIC\\U00000045 <http://e/> { } }")
    assert not mentions_service('SELECT * { ?s ?p "\\u00e9" }')


# --- Generated spellings ------------------------------------------------------------------------

LINE_ENDS = ["\n", "\r", "\r\n"]
_keyword = st.builds(lambda flips: "".join(c.upper() if f else c.lower()
                                           for c, f in zip("service", flips, strict=True)),
                     st.lists(st.booleans(), min_size=7, max_size=7))
_gap = st.lists(st.one_of(st.sampled_from([" ", "\t", *LINE_ENDS]),
                          st.builds(lambda text, end: "#" + text + end,
                                    st.text("ab SERVICE<>{}'\"", max_size=8),
                                    st.sampled_from(LINE_ENDS))),
                max_size=3).map("".join)
_before = st.sampled_from(["", " ", ".", " . ", ";", " ;", "1", "1.", "1e1", "true", '"x"', "'x'",
                           "[?p ?o]", "(1)", "FILTER(true)", "<urn:x>", "?o", "\\u0020"])
_silent = st.sampled_from(["", "SILENT", "silent"])
_target = st.sampled_from(["<T>", "e:x", ":x", "?e", "\\u003cT>"])
_escaped = st.sampled_from([None, 0, 3, 6])


@st.composite
def service_spellings(draw) -> str:
    keyword = draw(_keyword)
    at = draw(_escaped)
    if at is not None:  # one letter of the keyword as a \u escape
        keyword = keyword[:at] + f"\\u{ord(keyword[at]):04X}" + keyword[at + 1:]
    return ("PREFIX e: <T#> PREFIX : <T#> SELECT * { BIND(<T> AS ?e) ?s ?p "
            + draw(_before) + draw(_gap) + keyword + draw(_gap) + draw(_silent) + draw(_gap)
            + draw(_target) + draw(_gap) + "{ } }")


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=service_spellings())
def test_no_generated_spelling_that_passes_the_check_connects(query, listener):
    query = _with_target(query, listener)
    if not mentions_service(query):
        assert not _connects(query, listener), query


_head_line = st.one_of(
    st.sampled_from(["", "   ", "# a comment", "# '''", '# """ SERVICE', "#", "BASE <http://e/>"]),
    st.builds(lambda space, name, iri, tail: f"{space}PREFIX {name}: <{iri}>{tail}",
              st.sampled_from(["", " ", "\t"]),
              st.sampled_from(["", "e", "sd", "my-service", "s.t"]),
              st.one_of(st.text("htp:/.e#'\"()<{}x-servicſı", max_size=24),
                        st.sampled_from(["'''", '"""', "x#'''", 'x"""#', "('", "x)'''"])),
              st.sampled_from(["", " ", " '''", ' """', " # x", " SERVICE <T> {",
                               " ſERVICE <T> {"])))
_heads = st.lists(st.tuples(_head_line, st.sampled_from(LINE_ENDS)), max_size=5).map(
    lambda lines: "".join(line + end for line, end in lines))


@settings(max_examples=400, deadline=None)
@given(head=_heads, body=st.one_of(service_spellings(), st.sampled_from(NOT_SERVICE)))
def test_skipping_the_plain_head_decides_as_lexing_it(head, body):
    """The lexer starts after the prologue's plain lines (``head_end``) and stops past the last
    ``service``: every query decides the same as when lexed from its first character to its
    end, whatever the head's lines hold."""
    query = head + body
    last = query.lower().rfind("service")
    assert federation._lexes_to_service(query, federation.head_end(query), last) \
        == federation._lexes_to_service(query, 0, len(query)), query


# --- The second fence: query workers have no network ---------------------------------------------

@pytest.fixture(scope="module")
def bare_executor(small_app):
    """A query pool of its own over the fixture site's store, so a test can hand it any query."""
    from pactgraph.build.prebuilt import QUADS
    from pactgraph.engine.pool import Limits

    published = small_app.extensions["pactgraph"]
    executor = QueryExecutor(published.folder / QUADS,
                             Limits(time_limit_ms=10000, max_rows=100, memory_mb=1024, workers=1,
                                    queue_ms=10000))
    executor.start()
    yield executor
    executor.close()


def test_query_workers_run_without_a_network(bare_executor):
    assert bare_executor.isolation == ISOLATED


@pytest.mark.parametrize("query", ["SELECT * { ?s ?p ?o SERVICE <T> { ?a ?b ?c } } LIMIT 1",
                                   "ASK { SERVICE <T> { } }",
                                   "SELECT * { SERVICE SILENT <T> { ?a ?b ?c } }"])
def test_a_service_handed_straight_to_a_worker_reaches_nothing(bare_executor, listener, query):
    from pactgraph.errors import UnsupportedOperation

    job = Job(query=_with_target(query, listener),
              media_types={"select": JSON, "ask": JSON, "graph": None})
    try:
        answer = bare_executor.run(job)
    except UnsupportedOperation as error:
        assert "SERVICE" in str(error)
    else:  # SILENT: pyoxigraph swallows the failure and answers without the remote rows
        assert answer.kind in ("select", "ask")
    assert listener.connections == 0


def test_healthz_says_the_workers_are_isolated(small_client):
    response = small_client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["query_workers"]["network"] == "none"
    assert body["warnings"] == []
    assert response.headers["Cache-Control"] == "no-store"
    again = small_client.get("/healthz")  # never kept by the front cache: a fresh body each time
    assert again.get_json() == body
