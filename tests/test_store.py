"""The engine seam: every caller of the store gets the same refusals and errors."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from pactgraph.engine.results import write
from pactgraph.engine.store import TripleStore, graph_iri
from pactgraph.errors import QueryError, UnsupportedOperation
from pactgraph.formats import offered_for

THING = URIRef("https://w3id.org/pactgraph/id/treaty/example-1950")


@pytest.fixture(scope="module")
def store() -> TripleStore:
    graph = Graph()
    graph.add((THING, RDFS.label, Literal("Example", lang="en")))
    return TripleStore({graph_iri("data"): graph})


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # a comment\n pg:x { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE<http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s a sd:Service } }",
])
def test_federated_queries_are_refused_before_evaluation(store: TripleStore, query: str) -> None:
    with pytest.raises(UnsupportedOperation, match="SERVICE"):
        store.query(query)


def test_a_word_containing_service_is_not_mistaken_for_federation(store: TripleStore) -> None:
    result = store.query("SELECT ?serviceLevel WHERE { BIND(1 AS ?serviceLevel) }")
    assert [row["serviceLevel"].value for row in result.value] == ["1"]


def test_malformed_query_is_a_query_error_with_position(store: TripleStore) -> None:
    with pytest.raises(QueryError, match=r"error at line 1, column 1: unexpected word 'SELEC'"):
        store.query("SELEC ?x WHERE {}")


def test_invalid_default_graph_iri_is_a_query_error(store: TripleStore) -> None:
    with pytest.raises(QueryError):
        store.query("SELECT * WHERE { ?s ?p ?o }", default_graphs=["not an iri"])


def test_default_graph_is_the_union_and_can_be_narrowed(store: TripleStore) -> None:
    ask = "ASK { ?s ?p ?o }"
    assert store.query(ask).value is True
    assert store.query(ask, default_graphs=[graph_iri("ontology")]).value is False
    assert store.query(ask, default_graphs=[graph_iri("data")]).value is True


def test_every_offered_format_is_written(store: TripleStore) -> None:
    for query in ("SELECT * WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o }",
                  "CONSTRUCT WHERE { ?s ?p ?o }"):
        kind = store.query(query).kind
        for media_type in offered_for(kind):
            assert write(store.query(query), media_type, 100).body, (query, media_type)
