"""The query plan (web/plan.py) on its own: refusals, media types, caching, job and headers.

The plan is a pure function of the operation, the format and Accept header, the request's URL
root and the app's PlanFacts, so these tests need no app, no store and no query worker. That both
paths follow it is tested in test_query_path.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from pactgraph.engine.base import Answer
from pactgraph.engine.store import graph_iri
from pactgraph.errors import LimitExceeded, QueryError, UnsupportedOperation
from pactgraph.web.plan import Operation, PlanFacts, QueryPlan, plan_query

JSON = "application/sparql-results+json"
ASK = "ASK { ?s ?p ?o }"
FACTS = PlanFacts(max_query_length=40, cache_max_age_seconds=60, data_version="v1",
                  graph_names=(graph_iri("ontology"), graph_iri("data")), base_url=None)
ROOT = "http://127.0.0.1:5000/"


def plan(query: str = ASK, format_name: str | None = None, accept: str | None = JSON,
         facts: PlanFacts = FACTS, **dataset: tuple[str, ...]) -> QueryPlan:
    return plan_query(Operation(query, **dataset), format_name, accept, facts, ROOT)


@pytest.mark.parametrize(("query", "dataset", "refusal", "message"), [
    ("  \n", {}, QueryError, "no 'query' parameter"),
    ("ASK {} #" + "x" * 33, {}, LimitExceeded, "41 characters long; at most 40"),
    (ASK, {"default_graphs": ("data",)}, QueryError, "default-graph-uri parameter 'data'"),
    (ASK, {"named_graphs": ("#g",)}, QueryError, "named-graph-uri parameter '#g'"),
    ("ASK { SERVICE <x:y> {} }", {}, UnsupportedOperation, "SERVICE"),
    ("ASK FROM <http://example.org/g> {}", {}, UnsupportedOperation, "never fetches"),
    # The first refusal met is the one raised: the length before the SERVICE clause.
    ("ASK { SERVICE <x:y> {} } # " + "x" * 20, {}, LimitExceeded, "at most 40"),
])
def test_a_refused_operation_raises_its_first_refusal(query, dataset, refusal, message):
    with pytest.raises(refusal, match=message):
        plan(query, **dataset)


def test_the_length_limit_names_its_setting():
    with pytest.raises(LimitExceeded) as raised:
        plan("ASK {} #" + "x" * 33)
    assert raised.value.setting == "max_query_length"


def test_a_query_of_the_greatest_length_and_local_graphs_are_planned():
    query = f"ASK FROM <{graph_iri('data')}> {{}} #"
    facts = dataclasses.replace(FACTS, max_query_length=len(query))
    assert plan(query, facts=facts).remember


@pytest.mark.parametrize(("format_name", "accept", "select", "graph"), [
    (None, JSON, JSON, None),
    (None, "text/turtle", None, "text/turtle"),
    (None, None, JSON, "text/turtle"),
    ("xml", "text/csv", "application/sparql-results+xml", "application/rdf+xml"),
    ("json", None, JSON, "application/ld+json"),  # for a graph, "json" means JSON-LD
    ("no-such-format", JSON, None, None),
])
def test_each_kind_of_result_gets_its_media_type(format_name, accept, select, graph):
    media_types = plan(format_name=format_name, accept=accept).media_types
    assert (media_types["select"], media_types["graph"]) == (select, graph)


def test_the_html_page_is_not_remembered_and_the_worker_writes_its_source():
    planned = plan(accept="text/html")
    assert planned.media_types["select"] == "text/html" and not planned.remember
    assert planned.job.media_types == {"select": JSON, "ask": JSON, "graph": "text/turtle"}


def test_an_answer_that_may_change_is_not_remembered():
    assert not plan("SELECT (NOW() AS ?now) {}").remember
    assert plan("SELECT ?now {}").remember


def test_the_key_is_the_query_its_dataset_and_the_media_types():
    key = plan(ASK).key
    assert plan(f"  {ASK}\n").key == key  # whitespace around the query changes nothing
    assert plan(ASK + " ").key == key
    assert plan("ASK {  ?s ?p ?o }").key != key  # inside it might: another query
    assert plan(ASK, accept="application/sparql-results+xml").key != key
    assert plan(ASK, default_graphs=(graph_iri("data"),)).key != key


def test_the_etag_follows_the_key_and_the_data_version():
    etag = plan(ASK).etag
    assert plan(ASK).etag == etag and len(etag) == 32
    assert plan("ASK {}").etag != etag
    assert plan(ASK, facts=dataclasses.replace(FACTS, data_version="v2")).etag != etag


def test_a_plan_without_a_key_has_no_etag():
    with pytest.raises(ValueError, match="remembered"):
        _ = plan("SELECT (RAND() AS ?r) {}").etag


def test_the_job_carries_the_operation_and_the_link_to_the_limits():
    job = plan(ASK, named_graphs=(graph_iri("data"),)).job
    assert (job.query, job.default_graphs, job.named_graphs) == (ASK, (), (graph_iri("data"),))
    assert job.media_types == {"select": JSON, "ask": JSON, "graph": None}
    assert job.link == "http://127.0.0.1:5000/-/settings.json"
    behind_a_proxy = dataclasses.replace(FACTS, base_url="https://pact.example/")
    assert plan(facts=behind_a_proxy).job.link == "https://pact.example/-/settings.json"


def test_a_remembered_answer_has_every_header_in_order():
    planned = plan(accept="text/csv", query="SELECT ?s {}")
    kept = planned.remembered(Answer("select", "text/csv", b"s\r\n", 0, False))
    assert (kept.content_type, kept.etag) == ("text/csv; charset=utf-8", planned.etag)
    assert planned.answer_headers(kept) == [
        ("Content-Type", "text/csv; charset=utf-8"), ("Content-Length", "3"),
        ("ETag", f'"{planned.etag}"'), ("Cache-Control", "public, max-age=60"),
        ("Vary", "Accept"), ("Access-Control-Allow-Origin", "*"),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin")]


def test_a_cut_answer_says_so_and_links_to_the_limits():
    assert plan().truncation_headers() == [
        ("Pactgraph-Results-Truncated", "true"),
        ("Link", '<http://127.0.0.1:5000/-/settings.json>; rel="describedby"')]


def test_a_parse_error_of_what_looks_like_an_update_says_why():
    error = QueryError("SPARQL syntax error: expected SELECT")
    assert plan(ASK).explained(error) is error
    explained = plan("INSERT DATA { <x:a> <x:b> <x:c> }").explained(error)
    assert str(explained).startswith(f"{error} (this looks like an update; this endpoint is "
                                     "read-only")


def test_the_plan_and_its_facts_are_frozen():
    planned = plan()
    with pytest.raises(dataclasses.FrozenInstanceError):
        planned.key = "another"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        FACTS.max_query_length = 10**6  # type: ignore[misc]
