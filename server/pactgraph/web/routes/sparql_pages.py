"""What ``/sparql`` shows besides answers: the service description and the query page.

A GET without a query describes the service: a SPARQL 1.1 Service Description in RDF for
machines, the query page (an editor, with the example questions as tabs) for browsers. The same
page shows an answer when a browser asks for a query's result in HTML.
"""

from __future__ import annotations

import json

from flask import Response, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID

from pactgraph import formats
from pactgraph.engine.base import Answer
from pactgraph.engine.store import graph_iri
from pactgraph.knowledge.sources import bind_prefixes
from pactgraph.namespaces import PREFIXES, SD, compact_iri
from pactgraph.pages.our_iris import IriMap
from pactgraph.pages.result_cells import linkable, term_text
from pactgraph.web import headers as security
from pactgraph.web import negotiation
from pactgraph.web.context import graph_sizes, publication

EXAMPLE_QUERY = """\
# The prefixes pg:, id:, rdfs:, skos:, dcterms:, xsd: ... are declared for you.
SELECT ?treaty ?label (COUNT(?membership) AS ?members)
WHERE {
  ?treaty a pg:MutualDefenseTreaty ;
          rdfs:label ?label .
  OPTIONAL { ?membership pg:membershipOf ?treaty }
}
GROUP BY ?treaty ?label
ORDER BY DESC(?members) ?label
"""

FORM_FORMATS = (("html", "this page"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"),
                ("csv", "CSV"), ("tsv", "TSV"), ("ttl", "Turtle (CONSTRUCT)"),
                ("jsonld", "JSON-LD (CONSTRUCT)"), ("nt", "N-Triples (CONSTRUCT)"),
                ("rdf", "RDF/XML (CONSTRUCT)"))

# The editor's results table (YASR, in the vendored YASGUI bundle) sizes its columns with
# ColumnResizer, which injects one constant <style> element; the strict policy would block it. Only
# that exact stylesheet is allowed, by its hash, and only on the sparql blueprint's pages (a new
# YASGUI version with other text fails tests/browser, which report every CSP violation).
YASR_COLUMN_STYLE_HASH = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
security.relax_csp("sparql", "style-src", YASR_COLUMN_STYLE_HASH)


def describe_service(format_name: str | None) -> Response:
    """The answer to a GET without a query: the query page, or the description in RDF."""
    offered = (*formats.RDF_MEDIA_TYPES, formats.HTML)
    media_type = negotiation.choose_media_type(format_name, request.headers.get("Accept"), offered)
    if media_type == formats.HTML:
        response = query_page(EXAMPLE_QUERY)
    else:
        graph = service_description(endpoint_url())
        response = Response(graph.serialize(format=formats.RDFLIB_FORMAT[media_type]),
                            content_type=formats.content_type(media_type))
    response.vary.add("Accept")
    return response


def endpoint_url() -> str:
    return _server() + "/sparql"


def _server() -> str:
    """This server's URL: the configured one, else the request's."""
    return (publication().settings["base_url"] or request.url_root).rstrip("/")


def service_description(endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint and its dataset."""
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    service, dataset, default_graph = URIRef(endpoint), BNode(), BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    media_types = dict.fromkeys([*formats.RESULTS_MEDIA_TYPES,
                                 *formats.GRAPH_RESULT_MEDIA_TYPES])
    for media_type in media_types:
        graph.add((service, SD.resultFormat, URIRef(formats.FORMAT_IRI[media_type])))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    sizes = graph_sizes()
    graph.add((default_graph, VOID.triples, Literal(sizes[None])))
    for name in ("ontology", "data", "obligations", "entailed"):
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(graph_iri(name))))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(sizes.get(graph_iri(name), 0))))
    return graph


def query_page(query: str, answer: Answer | None = None) -> Response:
    """The query page with ``query`` in the editor and, if given, ``answer`` below it."""
    from pactgraph.web.routes.explore import (
        examples,  # the editor's tabs: the questions in queries/*.rq
    )

    settings = publication().settings
    result = _html_result(answer) if answer is not None else None
    html = render_template("sparql.html", query=query, result=result, formats=FORM_FORMATS,
                           endpoint=endpoint_url(), example=EXAMPLE_QUERY, examples=examples(),
                           prefixes=PREFIXES, base_iri=settings["base_iri"], server=_server())
    return Response(html, content_type=formats.content_type(formats.HTML))


def _html_result(answer: Answer) -> dict:
    """A result in the shape sparql.html shows: a table, a boolean or a Turtle text."""
    document = json.loads(answer.body) if answer.kind != "graph" else None
    if answer.kind == "ask":
        return {"boolean": bool(document["boolean"])}
    truncated = answer.rows if answer.truncated else None  # "only the first N rows"
    if answer.kind == "graph":
        return {"turtle": answer.body.decode("utf-8"), "truncated": truncated}
    # ?x with ?xLabel beside it is shown as one column: the label, linked to x (as the editor's
    # readable table shows it, static/readable-results.js).
    every = document["head"]["vars"]
    variables = [v for v in every if not (v.endswith("Label") and v[:-5] in every)]
    iris = IriMap(publication().settings["base_iri"], _server())
    rows = [[_cell(binding.get(variable), iris, binding.get(variable + "Label"))
             for variable in variables]
            for binding in document["results"]["bindings"]]
    return {"variables": variables, "rows": rows, "truncated": truncated}


def _cell(term: dict | None, iris: IriMap, label: dict | None = None) -> dict | None:
    if term is None:
        return None
    if term["type"] == "uri":
        # Linked only where a browser would open a page: never javascript:, data:, urn:...
        url = iris.url_for(term["value"])
        text = label["value"] if label else compact_iri(term["value"])
        return {"text": text, "href": url if linkable(url) else None}
    return {"text": term_text(term, compact_iri), "href": None}


