"""RDF 1.2 in answers: triple terms, reifiers, annotations and directional language tags.

pyoxigraph parses and evaluates RDF 1.2, so any client can put these terms in a result. Every
result format either carries them (checked by parsing the answer back) or refuses with a 400 that
names the formats that do; none is a 500. Found by the security probe (issue 11, item 6): an
HTML table with a triple term and JSON-LD of any of them were 500s with a traceback.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from pactgraph.cli import main
from pactgraph.pages.result_cells import term_text

TRIPLE_TERM = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c"))
SELECT_TRIPLE_TERM = "SELECT ?t { BIND(<<( <urn:a> <urn:b> <urn:c> )>> AS ?t) }"
SELECT_DIRECTION = 'SELECT ?d { BIND("x"@ar--rtl AS ?d) }'
CONSTRUCTS = {
    "triple term": "CONSTRUCT { <urn:s> <urn:p> <<( <urn:a> <urn:b> <urn:c> )>> } WHERE {}",
    "reifier": "CONSTRUCT { <urn:a> <urn:b> <urn:c> ~ <urn:r> } WHERE {}",
    "annotation": 'CONSTRUCT { <urn:a> <urn:b> <urn:c> {| <urn:q> "z" |} } WHERE {}',
    "directional language tag": 'CONSTRUCT { <urn:s> <urn:p> "x"@en--ltr } WHERE {}',
}
RDF_12_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}


def without_labels(triples) -> list[str]:
    """Triples in N-Triples, sorted, blank node labels (which differ per evaluation) left out."""
    return sorted(re.sub(r"_:\w+", "_:", str(triple)) for triple in triples)


def test_a_triple_term_reads_as_one_in_the_html_table(client, results_table):
    assert results_table(client, SELECT_TRIPLE_TERM) == [("<<( <urn:a> <urn:b> <urn:c> )>>", None)]


def test_a_base_direction_is_shown_in_the_html_table(client, results_table):
    assert results_table(client, SELECT_DIRECTION) == [("x@ar--rtl", None)]


def test_nested_terms_read_as_in_turtle():
    nested = {"type": "triple", "value": {
        "subject": {"type": "bnode", "value": "b0"},
        "predicate": {"type": "uri", "value": "https://w3id.org/pactgraph/def#party"},
        "object": {"type": "triple", "value": {
            "subject": {"type": "uri", "value": "urn:a"},
            "predicate": {"type": "uri", "value": "urn:b"},
            "object": {"type": "literal", "value": 'say "hi"', "xml:lang": "en",
                       "its:dir": "ltr"}}}}}
    compact = {"https://w3id.org/pactgraph/def#party": "pg:party"}.get
    assert term_text(nested, lambda iri: compact(iri, iri)) == (
        '<<( _:b0 pg:party <<( <urn:a> <urn:b> "say \\"hi\\""@en--ltr )>> )>>')
    typed = {"type": "literal", "value": "1",
             "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert term_text({"type": "triple", "value": {"subject": {"type": "uri", "value": "urn:a"},
                                                  "predicate": {"type": "uri", "value": "urn:b"},
                                                  "object": typed}}) == (
        '<<( <urn:a> <urn:b> "1"^^<http://www.w3.org/2001/XMLSchema#integer> )>>')


@pytest.mark.parametrize("query", [
    "SELECT * { ?r rdf:reifies <<( 1 <urn:p> 1 )>> }", 'ASK { "1" <urn:p> "1" ~ _:r }',
    'CONSTRUCT WHERE { "1" <urn:p> "1" ~ _:r {| <urn:q> 1 |} }'])
def test_a_literal_as_the_subject_of_a_triple_term_is_a_400(client, query):
    """pyoxigraph parses these and then fails to evaluate them (a RuntimeError, which was a 500);
    found by the fuzz tests once they wrote RDF 1.2."""
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "cannot be evaluated: " in response.get_data(as_text=True)


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_json_ld_refuses_what_it_cannot_carry_and_names_what_can(client, name):
    response = client.get("/sparql", query_string={"query": CONSTRUCTS[name]},
                          headers={"Accept": "application/ld+json"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    expected = "base direction" if "direction" in name else "RDF 1.2 triple term"
    assert expected in text and "Turtle, N-Triples" in text


@pytest.mark.parametrize("fmt", RDF_12_FORMATS)
@pytest.mark.parametrize("name", CONSTRUCTS)
def test_turtle_and_n_triples_carry_them(client, name, fmt):
    response = client.get("/sparql", query_string={"query": CONSTRUCTS[name], "format": fmt})
    assert response.status_code == 200
    parsed = ox.parse(response.data, format=RDF_12_FORMATS[fmt])
    assert without_labels(parsed) == without_labels(ox.Store().query(CONSTRUCTS[name]))


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv", "html"])
def test_every_results_format_answers_rdf_12_terms(client, fmt):
    query = ('SELECT ?t ?d { BIND(<<( <urn:a> <urn:b> "v"@en--rtl )>> AS ?t) '
             'BIND("x"@ar--rtl AS ?d) }')
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if fmt in ("json", "xml", "tsv"):
        parsed = list(ox.parse_query_results(response.data, format={
            "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
            "tsv": ox.QueryResultsFormat.TSV}[fmt]))
        assert [str(parsed[0]["t"]), str(parsed[0]["d"])] == [
            '<urn:a> <urn:b> "v"@en--rtl', '"x"@ar--rtl']


def test_pactgraph_query_prints_a_triple_term(capsys):
    assert main(["query", SELECT_TRIPLE_TERM]) == 0
    assert "<<( <urn:a> <urn:b> <urn:c> )>>" in capsys.readouterr().out
