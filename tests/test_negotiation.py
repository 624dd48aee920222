"""negotiation: Accept headers (q-values, wildcards, q=0, malformed parts) and the tables."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from pactgraph import formats
from pactgraph.errors import NotAcceptable
from pactgraph.formats import media_type_for
from pactgraph.web.negotiation import choose

TTL, JSONLD, NT, RDFXML = formats.RDF_MEDIA_TYPES
HTML = formats.HTML
RDF_AND_HTML = (*formats.RDF_MEDIA_TYPES, HTML)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "offered", "expected"), [
    # no preference: the server's first choice
    (None, RDF_AND_HTML, TTL),
    ("", RDF_AND_HTML, TTL),
    ("*/*", RDF_AND_HTML, TTL),
    ("*", RDF_AND_HTML, TTL),  # old Java clients
    # exact types, case-insensitively, parameters other than q ignored
    ("application/ld+json", RDF_AND_HTML, JSONLD),
    ("APPLICATION/N-TRIPLES", RDF_AND_HTML, NT),
    ("text/turtle; charset=utf-8", (JSONLD, TTL), TTL),
    # browsers get HTML; a client that prefers RDF gets RDF
    (FIREFOX, RDF_AND_HTML, HTML),
    ("text/turtle, text/html;q=0.9", RDF_AND_HTML, TTL),
    # q-values decide, three decimals allowed; accept-extensions after q are ignored
    ("application/rdf+xml;q=0.5, text/turtle;q=0.4", RDF_AND_HTML, RDFXML),
    ("text/turtle;q=0.001, application/ld+json;q=0.002", RDF_AND_HTML, JSONLD),
    ("text/turtle;q=0.5;level=1, application/ld+json;q=0.4", RDF_AND_HTML, TTL),
    # equal q: server preference, not header order
    ("application/ld+json, text/turtle", RDF_AND_HTML, TTL),
    # wildcards: type/* and */* with their own q
    ("text/*", (JSONLD, TTL, HTML), TTL),
    ("application/*", RDF_AND_HTML, JSONLD),
    ("*/*;q=0.1, application/n-triples", RDF_AND_HTML, NT),
    # the most specific range sets the q, so q=0 excludes one type under a wildcard
    ("text/turtle;q=0, */*", RDF_AND_HTML, JSONLD),
    ("text/*;q=1, text/turtle;q=0", (TTL, HTML), HTML),
    ("*/*;q=0.9, application/*;q=0.1", (JSONLD, TTL), TTL),
    # malformed ranges are skipped; a header with nothing well-formed means "anything"
    ("garbage", RDF_AND_HTML, TTL),
    (";;;,,,", RDF_AND_HTML, TTL),
    ("*/html", RDF_AND_HTML, TTL),
    ("text/turtle;q=abc, application/ld+json", RDF_AND_HTML, JSONLD),
    ("text/turtle;q=1.5, application/ld+json;q=0.5", RDF_AND_HTML, JSONLD),
    ("text/turtle;q=, application/n-triples;q=0.2", RDF_AND_HTML, NT),
    ("text/turtle;q=0.0001, application/rdf+xml;q=0.3", RDF_AND_HTML, RDFXML),
    ("text/turtle;q=nan, application/rdf+xml;q=0.3", RDF_AND_HTML, RDFXML),
    ("text/turtle;q=1e-1, application/rdf+xml;q=0.3", RDF_AND_HTML, RDFXML),
])
def test_choose(accept, offered, expected):
    assert choose(accept, offered) == expected


@pytest.mark.parametrize("accept", [
    "image/png",
    "*/*;q=0",
    "text/turtle;q=0",
    "application/sparql-results+json",
    "text/*, text/turtle;q=0",
])
def test_nothing_acceptable_raises_with_the_offered_types(accept):
    offered = (TTL, JSONLD)
    with pytest.raises(NotAcceptable) as raised:
        choose(accept, offered)
    assert raised.value.offered == list(offered)
    assert TTL in str(raised.value) and JSONLD in str(raised.value)


def test_choose_with_nothing_offered_raises():
    with pytest.raises(NotAcceptable):
        choose("*/*", ())


@pytest.mark.parametrize(("name", "expected"), [
    ("ttl", TTL), ("turtle", TTL), ("TTL", TTL), ("jsonld", JSONLD), ("nt", NT),
    ("rdf", RDFXML), ("json", "application/sparql-results+json"),
    ("xml", "application/sparql-results+xml"), ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"), ("html", HTML), ("nq", "application/n-quads"),
    ("trig", "application/trig"), ("text/turtle", TTL), (" application/ld+json ", JSONLD),
])
def test_media_type_for(name, expected):
    assert media_type_for(name) == expected


@pytest.mark.parametrize("name", ["yaml", "", "text/x-unknown", "ttl2"])
def test_media_type_for_unknown_name(name):
    with pytest.raises(NotAcceptable):
        media_type_for(name)


@pytest.mark.parametrize("media_type", formats.RDF_MEDIA_TYPES)
def test_every_rdf_type_has_a_working_rdflib_serializer(media_type, parse_rdf):
    graph = Graph()
    graph.add((URIRef("https://example.org/a"), URIRef("https://example.org/p"), Literal("x")))
    written = graph.serialize(format=formats.RDFLIB_FORMAT[media_type])
    assert set(parse_rdf(written, media_type)) == set(graph)


def test_tables_agree():
    assert set(formats.RDF_MEDIA_TYPES) <= set(formats.EXTENSION)
    assert {formats.EXTENSION[t] for t in formats.RDF_MEDIA_TYPES} == {
        ".ttl", ".jsonld", ".nt", ".rdf"}
    for media_type in (*formats.RESULTS_MEDIA_TYPES, *formats.GRAPH_RESULT_MEDIA_TYPES):
        assert formats.FORMAT_IRI[media_type].startswith("http://www.w3.org/ns/formats/")
        assert media_type_for(formats.format_names([media_type])[0]) == media_type


@pytest.mark.parametrize(("media_type", "header"), [
    (TTL, "text/turtle; charset=utf-8"),
    ("text/csv", "text/csv; charset=utf-8"),
    (JSONLD, "application/ld+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
])
def test_content_type(media_type, header):
    assert formats.content_type(media_type) == header
