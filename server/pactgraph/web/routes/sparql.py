"""Blueprint: the SPARQL 1.1 Protocol at ``/sparql`` (queries only; the store is read-only).

Request path: read the operation from the request (``read_operation``), evaluate it on the store,
negotiate a result format for the kind of result, serialise it (``serialize``). A GET without a
query describes the service: a Service Description in RDF for machines, the query page for browsers.
Every refusal is an exception from ``errors``; ``web_errors`` turns it into a status code.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, VOID
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from pactgraph.engine.pool import KINDS, Answer, Job, executor_for
from pactgraph.engine.store import check_query, graph_iri, is_absolute_iri, offered_for
from pactgraph.errors import LimitExceeded, NotAcceptable, QueryError, UnsupportedOperation
from pactgraph.knowledge.sources import bind_prefixes
from pactgraph.namespaces import PREFIXES, SD
from pactgraph.pages.our_iris import IriMap
from pactgraph.pages.result_cells import linkable, term_text
from pactgraph.web import headers as security
from pactgraph.web import negotiation
from pactgraph.web.app import published
from pactgraph.web.caching import (
    CachedAnswer,
    app_response_cache,
    cacheable,
    is_cacheable_query,
    make_etag,
    normalise_query,
    not_modified,
    not_modified_response,
    request_key,
)
from pactgraph.web.middleware.front_cache import mark_reusable

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
READ_ONLY = ("this endpoint is read-only: SPARQL updates are not accepted. Send a query "
             "(SELECT, ASK, CONSTRUCT or DESCRIBE) with the 'query' parameter instead.")
# Parameters that make a GET a query request; `format` alone still asks for the description.
PROTOCOL_PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "update",
                       "using-graph-uri", "using-named-graph-uri")

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


@dataclass(frozen=True)
class Operation:
    """A query request as the protocol defines it: the query text and its RDF dataset."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


# --- Reading the request -------------------------------------------------------------------------

def _max_query_length() -> int:
    return int(published().settings["max_query_length"])


def _check_length(query: str) -> str:
    limit = _max_query_length()
    if len(query) > limit:
        raise LimitExceeded("max_query_length",
                            f"the query is {len(query)} characters long; at most {limit} are "
                            f"accepted")
    return query


def _single_query(parameters: MultiDict) -> str | None:
    queries = parameters.getlist("query")
    if len(queries) > 1:
        raise QueryError(f"the request has {len(queries)} 'query' parameters; send exactly one")
    return queries[0] if queries else None


def _refuse_updates(parameters: MultiDict) -> None:
    if "update" in parameters:
        raise UnsupportedOperation(READ_ONLY)


def _query_body() -> str:
    """The body of an application/sparql-query POST, read no further than the length limit."""
    limit_bytes = 4 * _max_query_length()  # a character is at most four bytes of UTF-8
    if request.content_length is not None and request.content_length > limit_bytes:
        raise LimitExceeded("max_query_length",
                            f"the request body is {request.content_length} bytes long; queries "
                            f"of at most {_max_query_length()} characters are accepted")
    body = request.stream.read(limit_bytes + 1)
    if len(body) > limit_bytes:
        raise LimitExceeded("max_query_length", "the request body is longer than any "
                            f"query of at most {_max_query_length()} characters")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QueryError(f"the query is not valid UTF-8 text ({error.reason} at byte "
                         f"{error.start})") from None


def read_operation() -> Operation | None:
    """The query operation the request carries, or None for a plain GET (describe the service)."""
    if request.method in ("GET", "HEAD"):
        parameters = request.args
        _refuse_updates(parameters)
        if not any(name in parameters for name in PROTOCOL_PARAMETERS):
            return None
        query = _single_query(parameters)
    elif request.mimetype == FORM:
        # werkzeug caps each form field (max_form_memory_size) and answers 413 beyond it.
        parameters = MultiDict([*request.args.items(multi=True), *request.form.items(multi=True)])
        _refuse_updates(parameters)
        query = _single_query(parameters)
    elif request.mimetype == QUERY_BODY:
        parameters = request.args
        if "query" in parameters:
            raise QueryError("a query posted as application/sparql-query is the request body; "
                             "remove the 'query' URL parameter")
        query = _query_body()
    elif request.mimetype == UPDATE_BODY:
        raise UnsupportedOperation(READ_ONLY)
    else:
        given = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"cannot read a SPARQL request from {given}; POST either {FORM} (with a 'query' "
            f"parameter) or {QUERY_BODY} (the query as the body)")
    if query is None or not query.strip():
        raise QueryError("the request has no 'query' parameter (or it is empty); send the SPARQL "
                         "query text as 'query'")
    return Operation(_check_length(query), _graph_iris(parameters, "default-graph-uri"),
                     _graph_iris(parameters, "named-graph-uri"))


def _graph_iris(parameters: MultiDict, name: str) -> tuple[str, ...]:
    """The IRIs of a dataset parameter, each checked to be an absolute IRI."""
    iris = tuple(parameters.getlist(name))
    for iri in iris:
        if not is_absolute_iri(iri):
            raise QueryError(f"the {name} parameter {iri!r} is not an absolute IRI")
    return iris


_UPDATE_KEYWORD = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
                             re.IGNORECASE | re.MULTILINE)
# For the HTML page the worker writes what the page is built from.
HTML_SOURCE = {"select": "application/sparql-results+json",
               "ask": "application/sparql-results+json", "graph": "text/turtle"}
TRUNCATED_HEADER = "Pactgraph-Results-Truncated"
# The environ entry in which the lean path (web/middleware/lean_sparql.py) hands over the outcome of
# a query it evaluated but does not answer itself: (the Job, its Answer or the exception it raised).
HANDED_OVER = "pactgraph.query_outcome"


@functools.lru_cache(maxsize=512)
def media_types_by_kind(format_name: str | None, accept: str | None) -> dict[str, str | None]:
    """For each kind of result, the media type to answer in (None: nothing acceptable). The kind
    is known only once the query is evaluated, so all three are decided before.

    Memoised: clients send few distinct Accept headers, and parsing one three times was a tenth of
    a cached answer's time. The returned dict is shared: read it, never change it.
    """
    chosen: dict[str, str | None] = {}
    for kind in KINDS:
        try:
            chosen[kind] = choose_media_type(format_name, accept,
                                             (*offered_for(kind), negotiation.HTML))
        except NotAcceptable:
            chosen[kind] = None
    return chosen


def limits_url() -> str:
    """Where the limits (and the truncation signal) are documented on this server."""
    return limits_url_for(published().settings, request.url_root)


def limits_url_for(settings: dict, url_root: str) -> str:
    return (settings["base_url"] or url_root).rstrip("/") + "/-/settings.json"


def evaluate(operation: Operation, media_types: dict[str, str | None]) -> Answer:
    """Evaluate ``operation`` in a query worker, within the configured limits, and return the
    answer written in ``media_types[kind]`` (for 'text/html', in what the page is built from)."""
    pub = published()
    check_query(operation.query, pub.store.graph_names)
    job = job_for(operation, media_types, limits_url())
    try:
        return _handed_over(job) or executor_for(current_app).run(job)
    except QueryError as error:
        if _UPDATE_KEYWORD.search(operation.query):  # the parser's message would not say why
            raise QueryError(f"{error} (this looks like an update; {READ_ONLY})") from None
        raise


def job_for(operation: Operation, media_types: dict[str, str | None], link: str) -> Job:
    """The query worker's job for ``operation``: built here only, so that the lean path and the
    endpoint agree on it (a handed-over outcome is used only for the very same job)."""
    wanted = {kind: HTML_SOURCE[kind] if media == negotiation.HTML else media
              for kind, media in media_types.items()}
    return Job(operation.query, operation.default_graphs, operation.named_graphs, wanted, link)


def _handed_over(job: Job) -> Answer | None:
    """The outcome the lean path already had for this very job (raised if an error), if any."""
    handed = request.environ.pop(HANDED_OVER, None)
    if handed is None or handed[0] != job:
        return None
    if isinstance(handed[1], BaseException):
        raise handed[1]
    return handed[1]


# --- Writing results -----------------------------------------------------------------------------

def choose_media_type(format_name: str | None, accept: str | None,
                      offered: tuple[str, ...]) -> str:
    """The ``format`` parameter if given (it overrides Accept), else the negotiated type."""
    if not format_name:
        return negotiation.choose(accept, offered)
    try:
        media_type = negotiation.media_type_for(format_name)
    except NotAcceptable:
        raise NotAcceptable(list(offered)) from None
    if media_type not in offered:
        # "json" and "xml" name SPARQL results first; for a graph they mean JSON-LD and RDF/XML.
        media_type = {"application/sparql-results+json": "application/ld+json",
                      "application/sparql-results+xml": "application/rdf+xml"}.get(media_type, "")
    if media_type not in offered:
        raise NotAcceptable(list(offered))
    return media_type


# --- The service description and the query page --------------------------------------------------

def endpoint_url() -> str:
    base_url = published().settings["base_url"]
    if base_url:
        return base_url.rstrip("/") + "/sparql"
    return request.url_root.rstrip("/") + "/sparql"


def service_description(endpoint: str) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint and its dataset."""
    pub = published()
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    service, dataset, default_graph = URIRef(endpoint), BNode(), BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    media_types = dict.fromkeys([*negotiation.RESULTS_MEDIA_TYPES,
                                 *negotiation.GRAPH_RESULT_MEDIA_TYPES])
    for media_type in media_types:
        graph.add((service, SD.resultFormat, URIRef(negotiation.FORMAT_IRI[media_type])))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(pub.store.size())))
    for name in ("ontology", "data"):
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(graph_iri(name))))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(pub.store.size(graph_iri(name)))))
    return graph


FORM_FORMATS = (("html", "this page"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"),
                ("csv", "CSV"), ("tsv", "TSV"), ("ttl", "Turtle (CONSTRUCT)"),
                ("jsonld", "JSON-LD (CONSTRUCT)"), ("nt", "N-Triples (CONSTRUCT)"),
                ("rdf", "RDF/XML (CONSTRUCT)"))


# The editor's results table (YASR, in the vendored YASGUI bundle) sizes its columns with
# ColumnResizer, which injects one constant <style> element; the strict policy would block it. Only
# that exact stylesheet is allowed, by its hash, and only on this blueprint's pages (a new YASGUI
# version with other text fails tests/browser, which report every CSP violation).
YASR_COLUMN_STYLE_HASH = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
security.relax_csp("sparql", "style-src", YASR_COLUMN_STYLE_HASH)


def _page(query: str, result: dict | None = None) -> Response:
    from pactgraph.web.routes.explore import (
        examples,  # the editor's tabs: the questions in queries/*.rq
    )

    settings = published().settings
    html = render_template("sparql.html", query=query, result=result, formats=FORM_FORMATS,
                           endpoint=endpoint_url(), example=EXAMPLE_QUERY, examples=examples(),
                           prefixes=PREFIXES, base_iri=settings["base_iri"],
                           server=(settings["base_url"] or request.url_root).rstrip("/"))
    return Response(html, content_type=negotiation.content_type(negotiation.HTML))


def _link(iri: str) -> str | None:
    """Where a result IRI is served: our own IRIs on this server, others as they are; None for
    one a browser would not open as a page (``javascript:``, ``data:``, ``urn:``...)."""
    settings = published().settings
    server = (settings["base_url"] or request.url_root).rstrip("/")
    url = IriMap(settings["base_iri"], server).url_for(iri)
    return url if linkable(url) else None


def _html_result(answer: Answer) -> dict:
    """A result in the shape sparql.html shows: a table, a boolean or a Turtle text."""
    document = json.loads(answer.body) if answer.kind != "graph" else None
    if answer.kind == "ask":
        return {"boolean": bool(document["boolean"])}
    truncated = answer.rows if answer.truncated else None  # "only the first N rows"
    if answer.kind == "graph":
        return {"turtle": answer.body.decode("utf-8"), "truncated": truncated}
    variables = document["head"]["vars"]
    rows = [[_cell(binding.get(variable)) for variable in variables]
            for binding in document["results"]["bindings"]]
    return {"variables": variables, "rows": rows, "truncated": truncated}


def _cell(term: dict | None) -> dict | None:
    if term is None:
        return None
    if term["type"] == "uri":
        return {"text": compact_iri(term["value"]), "href": _link(term["value"])}
    return {"text": term_text(term, compact_iri), "href": None}


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI in one of our namespaces, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace):]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


# --- The endpoint --------------------------------------------------------------------------------

def _respond(body: bytes | str, media_type: str) -> Response:
    response = Response(body, content_type=negotiation.content_type(media_type))
    response.vary.add("Accept")
    return response


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    format_name = request.args.get("format")
    if not format_name and request.method == "POST" and request.mimetype == FORM:
        format_name = request.form.get("format")
    operation = read_operation()
    if operation is None:
        offered = (*negotiation.RDF_MEDIA_TYPES, negotiation.HTML)
        media_type = choose_media_type(format_name, request.headers.get("Accept"), offered)
        if media_type == negotiation.HTML:
            response = _page(EXAMPLE_QUERY)
            response.vary.add("Accept")
            return response
        graph = service_description(endpoint_url())
        return _respond(graph.serialize(format=negotiation.RDFLIB_FORMAT[media_type]), media_type)
    media_types = media_types_by_kind(format_name, request.headers.get("Accept"))
    # Answers are cached (web/caching.py) unless they name this host (the HTML page) or could differ
    # between two evaluations (NOW(), RAND()...). A hit costs no evaluation; a miss is evaluated
    # under every limit, and only a complete answer (not cut by the row cap) is kept.
    remembered = (negotiation.HTML not in media_types.values()
                  and is_cacheable_query(operation.query))
    if remembered:
        answers, key = app_response_cache(current_app), answer_key(operation, media_types)
        etag = make_etag(published().data_version, key)
        hit = answers.get(key)
        if hit is not None:
            return _cached(hit)
    answer = evaluate(operation, media_types)
    if media_types[answer.kind] == negotiation.HTML:
        response = _page(operation.query, _html_result(answer))
        response.vary.add("Accept")
    else:
        response = _respond(answer.body, answer.media_type)
    if answer.truncated:
        # The documented signal that the row cap cut this answer (see max_result_rows).
        response.headers[TRUNCATED_HEADER] = "true"
        response.headers.add("Link", f'<{limits_url()}>; rel="describedby"')
    elif remembered:
        stored = CachedAnswer(answer.body, response.content_type, etag)
        answers.put(key, stored)
        return _cached(stored)
    return response


def answer_key(operation: Operation, media_types: dict[str, str | None]) -> str:
    """What decides an answer: the query, its dataset, and the media type chosen for each kind."""
    return request_key(normalise_query(operation.query), operation.default_graphs,
                       operation.named_graphs, [f"{kind} {media_types[kind]}" for kind in KINDS])


def _cached(answer: CachedAnswer) -> Response:
    """A remembered answer, or 304 if the client's copy (If-None-Match) is this one.

    The same request again may then be answered by the front cache, without reaching Flask.
    """
    max_age = int(published().settings["cache_max_age_seconds"])
    if not_modified(request, answer.etag):
        return not_modified_response(answer.etag, max_age)
    mark_reusable(request.environ)
    return cacheable(Response(answer.body, content_type=answer.content_type), answer.etag,
                     max_age)
