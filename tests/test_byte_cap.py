"""The byte cap, ``max_result_bytes``: a long answer is cut at a row with the row cap's signals
naming this setting, an answer whose first row alone is over it is refused (503) and never sent,
and a query worker that wrote a large answer is replaced by a fresh fork, giving its memory back.
The app serves the fixture site (tests/fixtures/site, some 900 triples) with a cap of 100 kB."""

from __future__ import annotations

import csv
import io
import json
import os

import pyoxigraph as ox
import pytest
from flask import Flask

from pactgraph.engine.answers import ENGINE_FORMATS, answer
from pactgraph.engine.results import CSV, RESULTS_JSON, RESULTS_XML, TSV
from pactgraph.errors import LimitExceeded
from pactgraph.web.context import executor_for

MAX_BYTES = 100_000
PAD = "p" * 500  # ~900 rows of over 500 bytes each: some 500 kB, five times the cap


# 64 * 2**12 = 262,144 characters: one literal longer than the cap (bound once, then doubled).
HUGE = ('BIND("' + "x" * 64 + '" AS ?s0) '
        + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(12)))
HUGE_SELECT = f"SELECT ?s12 {{ {HUGE} }}"
HUGE_CONSTRUCT = f"CONSTRUCT {{ <urn:a> <urn:b> ?s12 }} WHERE {{ {HUGE} }}"
PADDED_SELECT = f'SELECT ?s ?p ?o ?pad {{ ?s ?p ?o BIND("{PAD}" AS ?pad) }}'
PADDED_CONSTRUCT = ("CONSTRUCT { ?s ?p ?pad } WHERE { ?s ?p ?o "
                    f'BIND(CONCAT(STR(?o), "{PAD}") AS ?pad) }}')
RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                   "tsv": ox.QueryResultsFormat.TSV, "csv": None}


@pytest.fixture(scope="module")
def capped_app(small_site) -> Flask:
    app = small_site(max_result_bytes=MAX_BYTES, query_workers=2, query_memory_limit_mb=768)
    executor_for(app).start()
    yield app
    executor_for(app).close()


@pytest.fixture()
def capped(capped_app: Flask, full_pool):
    """A client of the capped app, its pool back at full strength before each test."""
    full_pool(executor_for(capped_app))
    return capped_app.test_client()


# --- One row over the cap: refused, never sent ---------------------------------------------------

@pytest.mark.parametrize(("query", "fmt"), [(HUGE_SELECT, fmt) for fmt in RESULTS_FORMATS]
                         + [(HUGE_CONSTRUCT, fmt) for fmt in ("ttl", "nt", "rdf", "jsonld")])
def test_a_first_row_over_the_cap_is_refused_naming_the_setting(capped, query, fmt):
    response = capped.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "max_result_bytes" in text
    assert len(response.data) < 2000  # the message only, none of the literal
    assert "Traceback" not in text


# --- Many rows over the cap: cut at a row, with the signals --------------------------------------

@pytest.mark.parametrize("fmt", list(RESULTS_FORMATS))
def test_long_answers_are_cut_at_a_row_with_the_signals(capped, fmt):
    response = capped.get("/sparql", query_string={"query": PADDED_SELECT, "format": fmt})
    assert response.status_code == 200
    assert response.headers["Pactgraph-Results-Truncated"] == "true"
    assert 'rel="describedby"' in response.headers["Link"]
    assert len(response.data) <= MAX_BYTES
    if fmt == "csv":  # pyoxigraph does not read CSV results (the format is lossy)
        rows = [tuple(row) for row in csv.reader(io.StringIO(response.get_data(as_text=True)))][1:]
        assert all(row[3] == PAD for row in rows)
    else:
        rows = list(ox.parse_query_results(response.data, format=RESULTS_FORMATS[fmt]))
        assert all(row["pad"].value == PAD for row in rows)
    assert 100 < len(rows) < 900
    if fmt == "xml":
        assert b"<link href=" in response.data and b"max_result_bytes" in response.data


def test_sparql_json_names_the_byte_cap_in_the_body(capped):
    document = json.loads(capped.get("/sparql", query_string={"query": PADDED_SELECT}).data)
    assert document["pactgraph"]["truncated"] is True
    assert document["pactgraph"]["max_result_bytes"] == MAX_BYTES
    assert "max_result_bytes" in document["pactgraph"]["message"]
    assert document["head"]["link"][0].endswith("/-/settings.json")


@pytest.mark.parametrize("fmt", ["ttl", "nt", "rdf", "jsonld"])
def test_long_graph_answers_are_cut_at_a_triple_with_the_signals(capped, parse_rdf, fmt):
    response = capped.get("/sparql", query_string={"query": PADDED_CONSTRUCT, "format": fmt})
    assert response.status_code == 200
    assert response.headers["Pactgraph-Results-Truncated"] == "true"
    assert len(response.data) <= MAX_BYTES
    assert 50 < len(parse_rdf(response.data, response.mimetype)) < 900
    if fmt in ("ttl", "nt"):
        assert response.data.startswith(b"# only the first results")
        assert b"max_result_bytes" in response.data.split(b"\n", 1)[0]


@pytest.mark.parametrize("media_type", [*ENGINE_FORMATS, CSV])
def test_answers_pyoxigraph_writes_whole_are_cut_the_same_way(media_type):
    store = ox.Store()
    for i in range(200):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(PAD)))
    query = "SELECT ?s ?o { ?s ?p ?o }"  # no LIMIT: under the row cap, pyoxigraph writes it
    whole = answer(store, query, {"select": media_type}, 1000, "urn:link").written
    cut = answer(store, query, {"select": media_type}, 1000, "urn:link",
                 max_bytes=20_000).written
    assert not whole.truncated and whole.rows == 200
    assert cut.truncated and cut.cut.setting == "max_result_bytes"
    assert 0 < cut.rows < 200 and len(cut.body) <= 20_000
    if media_type != CSV:
        assert len(list(ox.parse_query_results(cut.body, format=ENGINE_FORMATS[media_type]))) \
            == cut.rows
    with pytest.raises(LimitExceeded, match="max_result_bytes"):
        answer(store, query, {"select": media_type}, 1000, max_bytes=300)


# --- Workers give memory back --------------------------------------------------------------------

def test_a_worker_that_wrote_a_large_answer_is_replaced(capped_app, capped, full_pool):
    executor = executor_for(capped_app)
    before = set(full_pool(executor))
    small = capped.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert small.status_code == 200
    assert set(full_pool(executor)) == before  # a small answer keeps its worker
    # Text of its own, so that no answer cache can have it (a cut answer is not kept anyway).
    large = capped.get("/sparql", query_string={"query": f"{PADDED_SELECT} # large",
                                                "format": "tsv"})
    assert len(large.data) > MAX_BYTES // 4
    after = set(full_pool(executor))  # back at full strength
    assert len(after) == len(before) and len(after & before) == len(before) - 1


def test_a_worker_refused_an_answer_over_the_cap_is_replaced(capped_app, capped, full_pool):
    executor = executor_for(capped_app)
    before = set(full_pool(executor))
    assert capped.get("/sparql", query_string={"query": HUGE_SELECT}).status_code == 503
    after = set(full_pool(executor))
    assert len(after) == len(before) and len(after & before) == len(before) - 1


@pytest.mark.parametrize("media_type", [RESULTS_JSON, RESULTS_XML, TSV])
def test_the_command_line_has_no_byte_cap(media_type):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(PAD * 1000)))
    written = answer(store, "SELECT * { ?s ?p ?o }", {"select": media_type}, None).written
    assert not written.truncated and len(written.body) > 500_000


def test_a_worker_that_grew_asks_to_retire_whatever_it_answered():
    from pactgraph.engine.base import Answer
    from pactgraph.engine.retirement import RECYCLE_GROWTH_BYTES, should_retire

    small = ("answer", Answer("select", RESULTS_JSON, b"{}", 0, False))
    assert not should_retire(small, MAX_BYTES, grown=0)
    assert should_retire(small, MAX_BYTES, grown=RECYCLE_GROWTH_BYTES + 1)
    assert should_retire(("memory",), MAX_BYTES, grown=0)
    assert not should_retire(("error", "QueryError", "syntax"), MAX_BYTES, grown=0)


def test_a_worker_retires_for_memory_it_holds_not_for_memory_it_gave_back():
    """``grown_since`` reads the cheap peak first: a 100 MB buffer freed within the job raised
    the peak, but the worker no longer holds it, so it is not retired for it (in a forked
    child, as a worker is, whose peak starts where its memory stood at the fork)."""
    from pactgraph.engine.retirement import RECYCLE_GROWTH_BYTES, grown_since, resident_bytes

    def touched(size: int) -> bytearray:
        buffer = bytearray(size)
        for at in range(0, size, 4096):
            buffer[at] = 1
        return buffer

    ours, theirs = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, leave without running pytest's exit handlers
        try:
            held = resident_bytes()
            transient = touched(100 * 1024 * 1024)
            del transient
            gave_back = grown_since(held)
            kept = touched(100 * 1024 * 1024)
            holding = grown_since(held)
            os.write(theirs, f"{gave_back} {holding} {len(kept)}".encode())
        finally:
            os._exit(0)
    os.close(theirs)
    report = os.read(ours, 200).decode().split()
    os.waitpid(pid, 0)
    os.close(ours)
    gave_back, holding = int(report[0]), int(report[1])
    assert gave_back <= RECYCLE_GROWTH_BYTES < holding
