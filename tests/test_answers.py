"""``answers.answer``: pyoxigraph's writers where the row cap cannot bite, the capped writers for
the rest. Every answer is compared with what the capped writers made of the query as written (the
route before it), and parsed back with rdflib's SPARQL results parsers (independent of both)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

import pyoxigraph as ox
import pytest
from flask import Flask
from rdflib import Graph
from rdflib.query import Result

from pactgraph.cli import main
from pactgraph.engine import answers, results
from pactgraph.engine.answers import ENGINE_FORMATS, answer, trailing_limit
from pactgraph.engine.results import RESULTS_JSON, RESULTS_XML, TSV, write
from pactgraph.engine.store import evaluate_on
from pactgraph.errors import QueryError
from pactgraph.web.context import executor_for

MAX = 5
LINK = "https://example.org/-/settings.json"
CSV = "text/csv"
RDFLIB_NAME = {RESULTS_JSON: "json", RESULTS_XML: "xml", TSV: "tsv"}
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"
# Seven subjects, each with a literal that would fool a careless row count in every format.
TRICKY = 'v{} }},{{"x":{{}}}},{{ <result> </result>\n\t"end'
PS = "SELECT ?s ?o { ?s <urn:p> ?o }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(MAX + 2):
        subject = ox.NamedNode(f"urn:s{i}")
        store.add(ox.Quad(subject, ox.NamedNode("urn:p"), ox.Literal(TRICKY.format(i),
                                                                      language="en")))
        store.add(ox.Quad(subject, ox.NamedNode("urn:n"), ox.Literal(i)))
    return store


def refuse(*args, **kwargs):
    raise AssertionError("this writer was not to be used")


@pytest.fixture()
def capped_writers_off(monkeypatch):
    """The capped solution writers fail: an answer that still comes was written by pyoxigraph."""
    monkeypatch.setattr(results, "write_solutions", refuse)


@pytest.fixture()
def engine_off(monkeypatch):
    """pyoxigraph's writers are never asked: an answer that still comes was written capped."""
    monkeypatch.setattr(answers, "_engine_written", refuse)


def media_types(select: str = RESULTS_JSON) -> dict[str, str]:
    return {"select": select, "ask": RESULTS_JSON, "graph": "text/turtle"}


def new(store, query: str, media_type: str = RESULTS_JSON, max_rows: int | None = MAX):
    return answer(store, query, media_types(media_type), max_rows, LINK).written


def old(store, query: str, media_type: str = RESULTS_JSON):
    """What the query workers answered before: the query as written, through the capped writers."""
    result = evaluate_on(store, query)
    if result.kind == "graph":
        media_type = "text/turtle"
    elif result.kind == "ask":
        media_type = RESULTS_JSON
    return write(result, media_type, MAX, LINK)


def rows_of(body: bytes, media_type: str) -> list[tuple]:
    """The solutions of a results document, in order: rdflib's terms (CSV: the cells)."""
    if media_type == CSV:
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode("utf-8")))]
    result = Result.parse(io.BytesIO(body), format=RDFLIB_NAME[media_type])
    return [tuple(row) for row in result]


def below_cap(rows: int) -> str:
    """A SELECT with ``rows`` solutions, ordered, no LIMIT of its own."""
    subjects = ", ".join(f"<urn:s{i}>" for i in range(rows))
    return f"{PS[:-1]} FILTER (?s IN ({subjects})) }} ORDER BY ?s"


# --- (a) exactly the cap: whole, unmarked, written by pyoxigraph ----------------------------------

@pytest.mark.parametrize("media_type", list(ENGINE_FORMATS))
def test_a_result_of_exactly_the_cap_goes_whole_through_the_engine(store, media_type,
                                                                   monkeypatch):
    query = below_cap(MAX)
    before = old(store, query, media_type)
    monkeypatch.setattr(results, "write_solutions", refuse)
    written = new(store, query, media_type)
    assert (written.rows, written.truncated) == (MAX, False)
    assert written.body == store.query(query).serialize(format=ENGINE_FORMATS[media_type])
    assert rows_of(written.body, media_type) == rows_of(before.body, media_type)
    assert len(rows_of(written.body, media_type)) == MAX


def test_exactly_the_cap_in_json_is_counted_exactly_despite_tricky_literals(store):
    """Every literal holds "},{", so the separator count alone says "over the cap"."""
    written = new(store, below_cap(MAX), RESULTS_JSON)
    assert written.body.count(b"},{") > MAX
    assert (written.rows, written.truncated) == (MAX, False)
    assert "pactgraph" not in json.loads(written.body)


# --- (b) one over the cap: cut, with every signal the capped writers give -------------------------

@pytest.mark.parametrize("rows", [MAX + 1, MAX + 2])
@pytest.mark.parametrize("media_type", [*ENGINE_FORMATS, CSV])
def test_over_the_cap_is_cut_as_before(store, media_type, rows):
    query = below_cap(rows)
    written, before = new(store, query, media_type), old(store, query, media_type)
    assert (written.rows, written.truncated) == (before.rows, before.truncated) == (MAX, True)
    assert rows_of(written.body, media_type) == rows_of(before.body, media_type)
    if media_type == RESULTS_JSON:
        document, expected = json.loads(written.body), json.loads(before.body)
        assert document["pactgraph"] == expected["pactgraph"]
        assert document["pactgraph"]["truncated"] is True
        assert document["head"] == expected["head"] == {"vars": ["s", "o"], "link": [LINK]}
        # Oxigraph's streaming parser refuses members after the bindings: it must read this.
        assert len(list(ox.parse_query_results(written.body, ox.QueryResultsFormat.JSON))) == MAX
    if media_type == RESULTS_XML:
        root = ElementTree.fromstring(written.body)
        links = root.find(f"{SPARQL_NS}head").findall(f"{SPARQL_NS}link")
        assert [link.get("href") for link in links] == [LINK]
        note = b"<!-- only the first 5 results are included"
        assert note in written.body and note in before.body
        assert len(root.find(f"{SPARQL_NS}results")) == MAX


@pytest.mark.parametrize("media_type", list(ENGINE_FORMATS))
def test_a_cut_needs_no_second_evaluation(store, media_type, capped_writers_off):
    written = new(store, below_cap(MAX + 1), media_type)
    assert (written.rows, written.truncated) == (MAX, True)
    assert len(rows_of(written.body, media_type)) == MAX


def test_over_the_cap_in_every_format_through_the_endpoint(route_client):
    for fmt, media_type in [("json", RESULTS_JSON), ("xml", RESULTS_XML), ("tsv", TSV)]:
        response = route_client.get("/sparql", query_string={"query": values(APP_MAX + 1),
                                                             "format": fmt})
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert response.headers["Pactgraph-Results-Truncated"] == "true"
        assert 'rel="describedby"' in response.headers["Link"]
        assert len(rows_of(response.data, media_type)) == APP_MAX


# --- (c) queries where an appended LIMIT would change the answer ----------------------------------

ORDERED = f"{PS} ORDER BY ?s"
UNCHANGED = {
    "own LIMIT under the cap": f"{ORDERED} LIMIT 3",
    "own LIMIT one over the cap": f"{ORDERED} LIMIT 6",
    "own LIMIT far over the cap": f"{ORDERED} LIMIT 1000",
    "own LIMIT and OFFSET": f"{ORDERED} LIMIT 6 OFFSET 1",
    "own OFFSET and LIMIT": f"{ORDERED} OFFSET 1 LIMIT 3",
    "OFFSET without LIMIT, over the cap": f"{ORDERED} OFFSET 1",
    "OFFSET without LIMIT, at the cap": f"{ORDERED} OFFSET 2",
    "LIMIT in a subquery": f"SELECT * {{ {{ {ORDERED} LIMIT 2 }} }}",
    "trailing VALUES": f"{PS} VALUES ?s {{ <urn:s1> <urn:s2> }}",
    "trailing comment": f"{ORDERED} # the end",
    "trailing comment naming a LIMIT": f"{ORDERED} # LIMIT 1",
    "a LIMIT in a comment, then OFFSET": f"{ORDERED} # LIMIT 1\nOFFSET 0",
    "ASK with OFFSET past the end": "ASK { ?s <urn:p> ?o } OFFSET 7",
    "ASK with LIMIT 0": "ASK { ?s <urn:p> ?o } LIMIT 0",
    # LIMIT counts solutions, not triples: the first MAX + 1 solutions give no triple here.
    "CONSTRUCT, no triples from the first solutions":
        "CONSTRUCT { ?s <urn:q> ?big } WHERE { ?s <urn:n> ?n "
        f"BIND (IF(?n > {MAX}, ?n, ?unbound) AS ?big) }} ORDER BY ?n",
    "CONSTRUCT, no triples at all": "CONSTRUCT { ?s <urn:q> ?unbound } WHERE { ?s ?p ?o }",
    "DESCRIBE": "DESCRIBE ?s WHERE { ?s <urn:n> ?n } ORDER BY ?n",
}


@pytest.mark.parametrize("media_type", [*ENGINE_FORMATS, CSV])
@pytest.mark.parametrize("query", UNCHANGED.values(), ids=UNCHANGED.keys())
def test_answers_are_what_they_were(store, query, media_type):
    written, before = new(store, query, media_type), old(store, query, media_type)
    assert (written.rows, written.truncated) == (before.rows, before.truncated)
    kind = evaluate_on(store, query).kind
    if kind == "select":
        assert sorted(rows_of(written.body, media_type), key=repr) == sorted(
            rows_of(before.body, media_type), key=repr)
    elif kind == "ask":
        assert json.loads(written.body) == json.loads(before.body)
    else:
        ours = Graph().parse(data=written.body, format="turtle")
        theirs = Graph().parse(data=before.body, format="turtle")
        assert set(ours) == set(theirs)


@pytest.mark.parametrize("query", [f"{ORDERED} LIMIT 1000", f"{ORDERED} OFFSET 1 LIMIT 1000",
                                   f"{ORDERED} LIMIT 1000 OFFSET 1",
                                   f"{PS} VALUES ?s {{ <urn:s1> <urn:s2> }}"])
def test_queries_not_known_to_stop_near_the_cap_are_not_written_whole(store, query, engine_off):
    """pyoxigraph writes whole results only: a result as long as a LIMIT far over the cap goes
    through the capped writers, which stop reading at the cap, as before."""
    assert new(store, query, RESULTS_XML).body == old(store, query, RESULTS_XML).body


def test_the_construct_case_can_tell(store):
    """The CONSTRUCT case above fails if LIMIT were appended to CONSTRUCT queries."""
    query = UNCHANGED["CONSTRUCT, no triples from the first solutions"]
    assert len(Graph().parse(data=new(store, query).body, format="turtle")) == 1
    limited = evaluate_on(store, f"{query}\nLIMIT {MAX + 1}")
    assert list(limited.value) == []


@pytest.mark.parametrize("query,limit", [
    (f"{ORDERED} LIMIT 3", 3), (f"{ORDERED}\nlimit\t7 OFFSET 2\n", 7),
    (f"{ORDERED} # LIMIT 1", None), (f"{ORDERED} # x\nLIMIT 2", 2),
    (f"{ORDERED} # see <urn:x> LIMIT 2", None), (f"{PS} VALUES ?s {{ <urn:LIMIT> }}", None),
    ("SELECT ?LIMIT 3", None), ("SELECT * { ?s ex:LIMIT 3", None)])
def test_a_query_is_written_whole_only_under_its_own_trailing_limit(query, limit):
    assert trailing_limit(query) == limit


def test_a_query_under_itstrailing_limit_goes_through_the_engine(store):
    query = f"{ORDERED} LIMIT 4"
    assert new(store, query).body == store.query(query).serialize(format=ox.QueryResultsFormat.JSON)


# --- (d) syntax errors name the user's own text ---------------------------------------------------

@pytest.mark.parametrize("query", ["SELECT * { ?s ?p ", "SELECT * { ?s ?p ?o } LIMIT",
                                   "SELECT * { ?s ?p ?o # }", 'SELECT * { BIND("""x'])
def test_syntax_errors_report_the_users_text(store, query):
    with pytest.raises(QueryError) as ours:
        new(store, query)
    with pytest.raises(QueryError) as before:
        evaluate_on(store, query)
    assert str(ours.value) == str(before.value)
    assert f"LIMIT {MAX + 1}" not in str(ours.value)


def test_syntax_errors_through_the_endpoint_point_into_the_users_text(route_client):
    response = route_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "line 1, column" in text and "line 2" not in text and f"LIMIT {APP_MAX + 1}" not in text


# --- (e) answers other parsers accept, equal to the capped writers' -------------------------------

@pytest.mark.parametrize("media_type", list(ENGINE_FORMATS))
@pytest.mark.parametrize("query", [
    "SELECT ?s ?o ?n ?missing { ?s <urn:p> ?o ; <urn:n> ?n } ORDER BY ?n LIMIT 4",
    "SELECT ?x { ?s <urn:p> ?o FILTER (?s != <urn:s0> && ?s != <urn:s1>) }",  # empty rows
    "SELECT ?s { ?s <urn:nothing> ?o }"])
def test_whole_answers_parse_to_the_capped_writers_solutions(store, query, media_type):
    written, before = new(store, query, media_type), old(store, query, media_type)
    assert not written.truncated and written.rows == before.rows
    assert sorted(rows_of(written.body, media_type), key=repr) == sorted(
        rows_of(before.body, media_type), key=repr)


@pytest.mark.parametrize("fmt,media_type", [("json", RESULTS_JSON), ("xml", RESULTS_XML),
                                             ("tsv", TSV)])
def test_the_endpoint_sends_engine_bodies_unmarked(route_client, fmt, media_type):
    response = route_client.get("/sparql", query_string={"query": values(APP_MAX),
                                                         "format": fmt})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Pactgraph-Results-Truncated" not in response.headers
    rows = rows_of(response.data, media_type)
    assert sorted(int(row[0]) for row in rows) == list(range(APP_MAX))


def test_the_command_line_is_never_capped(capsys):
    """``pactgraph query`` has no row cap: 20,000 rows, written by pyoxigraph."""
    digits = " ".join(str(i) for i in range(10))
    query = ("SELECT * { " + " ".join(f"VALUES ?{v} {{ {digits} }}" for v in "abcd")
             + " VALUES ?e { 0 1 } }")
    assert main(["query", query, "--format", "tsv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 20_001
    assert main(["query", query]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "(20000 rows)"


# --- The endpoint, with a small cap --------------------------------------------------------------

APP_MAX = 7


def values(rows: int) -> str:
    """A SELECT of ``rows`` solutions that needs no data, with no LIMIT of its own."""
    return f"SELECT ?i {{ VALUES ?i {{ {' '.join(str(i) for i in range(rows))} }} }}"


@pytest.fixture(scope="module")
def route_app(small_site) -> Flask:
    app = small_site(max_result_rows=APP_MAX, query_workers=1)
    yield app
    executor_for(app).close()


@pytest.fixture()
def route_client(route_app: Flask):
    return route_app.test_client()
