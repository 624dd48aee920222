"""Blueprint: full dumps, the JSON-LD @context, the VoID/DCAT description, the settings page.

The dumps are serialised once per app, the first time one is asked for, and kept as bytes with their
ETag; a request costs a dict lookup. ``per_app`` is that cache, shared with ``resources``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from pactgraph.build.examples import Example, load_examples
from pactgraph.build.jsonld_context import build_context
from pactgraph.build.prebuilt import DUMP_FILES, dump_bytes, kept_bytes
from pactgraph.build.serialization import serialize
from pactgraph.engine.store import TripleStore
from pactgraph.namespaces import DATASET_IRI, ELI, PG, PROV, SCHEMA, SKOS, WD
from pactgraph.pages.describe import description, label_of
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.our_iris import IriMap
from pactgraph.settings import HELP, public_value
from pactgraph.web import negotiation
from pactgraph.web.app import Published, published
from pactgraph.web.caching import bytes_etag

blueprint = Blueprint("dumps", __name__)

T = TypeVar("T")
_lock = threading.RLock()  # re-entrant: one cached value may be built from another


def per_app(key: str, build: Callable[[Published], T]) -> T:
    """``build(published())``, computed once per app and kept in ``app.extensions``."""
    cache = current_app.extensions.setdefault("pactgraph.web.caching", {})
    if key not in cache:
        with _lock:  # two threads may race on the first request; build once
            if key not in cache:
                cache[key] = build(published())
    return cache[key]


def iri_map() -> IriMap:
    """The IRI <-> URL mapping for this request: base_url if configured, else the request's host."""
    settings = published().settings
    server = settings["base_url"] or request.url_root
    return IriMap(settings["base_iri"], server.rstrip("/"))


def jsonld_context() -> dict[str, Any]:
    """The @context object, derived from the ontology once per app."""
    return per_app("context", lambda p: build_context(p.ontology))


def context_url() -> str:
    return iri_map().server + url_for("dumps.context")


# --- Documents: one graph, in the format an extension names or Accept chooses -------------------

HTML = negotiation.HTML
JSONLD = "application/ld+json"
OFFERED = (HTML, *negotiation.RDF_MEDIA_TYPES)
BY_EXTENSION = {negotiation.EXTENSION[media]: media for media in negotiation.RDF_MEDIA_TYPES}


def _alternates(doc_path: str, chosen: str) -> str:
    links = [f'<{doc_path}{negotiation.EXTENSION[media]}>; rel="alternate"; type="{media}"'
             for media in OFFERED if media != chosen]
    return ", ".join(links)


def rdf_or_html(graph: Graph, extension: str, render_html: Callable[[], str],
                doc_path: str, cache_key: str | None = None) -> Response:
    """``graph`` as the format ``extension`` names, or as Accept chooses when there is none.

    With a ``cache_key`` (for documents that never change: the ontology, the shapes) the bodies
    that do not name the host (all but HTML and JSON-LD) are made once per app. The others are not
    cached: the Host header is the client's to choose, so a cache keyed by it could grow unbounded.
    """
    negotiated = extension == ""
    if negotiated:
        media = negotiation.choose(request.headers.get("Accept"), OFFERED)
    else:
        media = BY_EXTENSION[extension]

    def body_for(_: Published | None = None) -> bytes:
        if media == HTML:
            return render_html().encode("utf-8")
        return serialize(graph, negotiation.RDFLIB_FORMAT[media], context=context_url(),
                         embedded_context=jsonld_context())

    if cache_key is None or media in (HTML, JSONLD):
        body = body_for()
    else:
        body = per_app(f"{cache_key} {media}", body_for)
    response = Response(body, content_type=negotiation.content_type(media))
    response.headers["Link"] = _alternates(doc_path, media)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = doc_path + negotiation.EXTENSION[media]
    response.add_etag()
    _shared_cacheable(response)
    return response.make_conditional(request)


def _shared_cacheable(response: Response) -> None:
    """The data cannot change while the server runs: anyone may keep a copy for a while."""
    max_age = int(published().settings["cache_max_age_seconds"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"


# --- Dumps ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dump:
    filename: str
    title: str
    media_type: str
    body: bytes
    etag: str  # strong: a hash of the bytes


def dump_body(p: Published, filename: str) -> bytes:
    """The bytes of download ``filename``, as written when the store was built
    (build/prebuilt.py)."""
    _, which, media_type = DUMP_FILES[filename]
    graph = {"published": p.graph, "ontology": p.ontology, "shapes": p.shapes}[which]

    def write() -> bytes:
        # Only for a folder whose dumps were removed: the copy in memory spares the serialisers
        # a store look-up per pattern (engine/graph_view.py).
        return dump_bytes(Graph() + graph, media_type, build_context(p.ontology))
    return write() if p.folder is None else kept_bytes(p.folder, filename, write)


def _build_dumps(p: Published) -> dict[str, Dump]:
    dumps = {}
    for filename, (title, _, media_type) in DUMP_FILES.items():
        body = dump_body(p, filename)
        dumps[filename] = Dump(filename, title, media_type, body, bytes_etag(body))
    return dumps


def all_dumps() -> dict[str, Dump]:
    return per_app("dumps", _build_dumps)


def _bytes_response(body: bytes, media_type: str, etag: str,
                    filename: str | None = None) -> Response:
    response = Response(body, content_type=negotiation.content_type(media_type))
    response.set_etag(etag)
    _shared_cacheable(response)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


@blueprint.get("/download/")
def downloads() -> str:
    return render_template("downloads.html", dumps=all_dumps().values())


@blueprint.get("/download/<name>")
def download(name: str) -> Response:
    dump = all_dumps().get(name)
    if dump is None:
        return Response(f"No download named {name!r}. Available: {', '.join(DUMP_FILES)}.\n",
                        status=404, content_type="text/plain; charset=utf-8")
    return _bytes_response(dump.body, dump.media_type, dump.etag, dump.filename)


@blueprint.get("/context.jsonld")
def context() -> Response:
    body = json.dumps({"@context": jsonld_context()}, indent=2).encode("utf-8")
    return _bytes_response(body, "application/ld+json", bytes_etag(body))


@blueprint.get("/-/settings.json")
def settings_json() -> Response:
    rows = [{"name": name, "value": public_value(name, value), "help": HELP[name]}
            for name, value in published().settings.items()]
    return current_app.response_class(json.dumps(rows, indent=2, default=str),
                                      mimetype="application/json")


# --- The dataset description (VoID + DCAT) --------------------------------------------------------

DATASET = URIRef(DATASET_IRI)
WIKIDATA_LINKS = URIRef(DATASET_IRI + "#wikidata-links")
WIKIDATA = URIRef(DATASET_IRI + "#wikidata")
VOCABULARIES = (PG, ELI, SCHEMA, PROV, SKOS, DCTERMS)
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Statistics:
    """What the description computes from the published graph, once per app."""

    triples: int
    distinct_subjects: int
    properties: int
    classes: int
    wikidata_links: int
    treaties: tuple[URIRef, ...]


def compute_statistics(store: TripleStore) -> Statistics:
    """The counts, by SPARQL on the store (in Rust: a pass over the triples in rdflib would take
    seconds at scale). Triples are counted once each, whichever graphs hold them."""
    count = store.count
    treaties = store.query("SELECT DISTINCT ?t WHERE { ?t a pg:MutualDefenseTreaty "
                           "FILTER isIRI(?t) } ORDER BY STR(?t)").value
    return Statistics(
        triples=store.size(),
        distinct_subjects=count("?s ?p ?o", "?s"),
        properties=count("?s ?p ?o", "?p"),
        classes=count("?s a ?class", "?class"),
        wikidata_links=count(f"?s owl:sameAs ?o FILTER STRSTARTS(STR(?o), \"{WD}\")", "?s ?o"),
        treaties=tuple(URIRef(solution["t"].value) for solution in treaties),
    )


def dataset_description(graph: Graph, stats: Statistics, dumps: dict[str, Dump],
                        urls: IriMap, examples: tuple[Example, ...] = ()) -> Graph:
    """The static description from data/dataset.ttl (and its #-nodes) plus computed statistics,
    the SPARQL endpoint and one distribution per dump, at the URLs of the serving host."""
    out = description(graph, DATASET)
    for node in {s for s in graph.subjects() if str(s).startswith(DATASET_IRI + "#")}:
        out += description(graph, node)
    add = out.add
    add((DATASET, RDF.type, VOID.Dataset))
    add((DATASET, RDF.type, DCAT.Dataset))
    add((DATASET, VOID.triples, Literal(stats.triples)))
    add((DATASET, VOID.distinctSubjects, Literal(stats.distinct_subjects)))
    add((DATASET, VOID.properties, Literal(stats.properties)))
    add((DATASET, VOID.classes, Literal(stats.classes)))
    add((DATASET, VOID.uriSpace, Literal(urls.base_iri + "id/")))
    add((DATASET, VOID.sparqlEndpoint, URIRef(urls.url_for(urls.base_iri + "sparql"))))
    for vocabulary in VOCABULARIES:
        add((DATASET, VOID.vocabulary, URIRef(str(vocabulary))))
    if (DATASET, VOID.exampleResource, None) not in out:
        for treaty in stats.treaties[:3]:
            add((DATASET, VOID.exampleResource, treaty))
    for dump in dumps.values():
        _add_distribution(out, dump, urls)
    for example in examples:
        _add_example_query(out, example, urls)
    _add_wikidata_linkset(out, stats)
    return out


SPARQL_QUERY_MEDIA_TYPE = "application/sparql-query"


def _add_example_query(out: Graph, example: Example, urls: IriMap) -> None:
    """An example question as a file people and programs can fetch and run.

    VoID has no term for a saved query (void:exampleResource is for resources of the dataset), so
    the dataset points at each file with rdfs:seeAlso, and the file is described with Dublin Core:
    its title (the question it answers) and its format, the IANA media type of SPARQL queries.
    """
    url = URIRef(urls.url_for(urls.base_iri + f"queries/{example.name}.rq"))
    out.add((DATASET, RDFS.seeAlso, url))
    out.add((url, DCTERMS.title, Literal(example.title, lang="en")))
    out.add((url, DCTERMS.format, URIRef(IANA_MEDIA_TYPES + SPARQL_QUERY_MEDIA_TYPE)))


def _add_distribution(out: Graph, dump: Dump, urls: IriMap) -> None:
    url = URIRef(urls.url_for(urls.base_iri + "download/" + dump.filename))
    node = URIRef(f"{DATASET_IRI}#distribution-{dump.filename.replace('.', '-')}")
    out.add((DATASET, VOID.dataDump, url))
    out.add((DATASET, DCAT.distribution, node))
    out.add((node, RDF.type, DCAT.Distribution))
    out.add((node, DCTERMS.title, Literal(dump.title, lang="en")))
    out.add((node, DCAT.downloadURL, url))
    out.add((node, DCAT.accessURL, url))
    out.add((node, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + dump.media_type)))
    out.add((node, DCAT.byteSize, Literal(len(dump.body), datatype=XSD.nonNegativeInteger)))


def _add_wikidata_linkset(out: Graph, stats: Statistics) -> None:
    out.add((DATASET, VOID.subset, WIKIDATA_LINKS))
    out.add((WIKIDATA_LINKS, RDF.type, VOID.Linkset))
    out.add((WIKIDATA_LINKS, DCTERMS.title, Literal("Links to Wikidata", lang="en")))
    out.add((WIKIDATA_LINKS, VOID.linkPredicate, OWL.sameAs))
    out.add((WIKIDATA_LINKS, VOID.subjectsTarget, DATASET))
    out.add((WIKIDATA_LINKS, VOID.objectsTarget, WIKIDATA))
    out.add((WIKIDATA_LINKS, VOID.triples, Literal(stats.wikidata_links)))
    out.add((WIKIDATA, RDF.type, VOID.Dataset))
    out.add((WIKIDATA, DCTERMS.title, Literal("Wikidata", lang="en")))
    out.add((WIKIDATA, FOAF.homepage, URIRef("https://www.wikidata.org/")))
    out.add((WIKIDATA, VOID.uriSpace, Literal(str(WD))))


def current_dataset_description() -> Graph:
    stats = per_app("statistics", lambda p: compute_statistics(p.store))
    examples = per_app("examples", lambda p: load_examples())
    return dataset_description(published().graph, stats, all_dumps(), iri_map(), examples)


@blueprint.get("/.well-known/void")
def well_known_void() -> Response:
    response = redirect(url_for("dumps.dataset"), code=303)
    return response


@blueprint.get("/dataset")
@blueprint.get("/dataset<any('.ttl', '.jsonld', '.nt', '.rdf'):extension>")
def dataset(extension: str = "") -> Response:
    graph = current_dataset_description()
    stats = per_app("statistics", lambda p: compute_statistics(p.store))
    urls = iri_map()

    def html() -> str:
        rows = Labeller(published().graph, urls).rows(graph, DATASET, skip=[VOID.dataDump])
        return render_template("dataset.html", rows=rows, dataset=DATASET, stats=stats,
                               dumps=all_dumps().values(), formats=BY_EXTENSION,
                               doc_path=url_for("dumps.dataset"),
                               title=label_of(graph, DATASET) or "pactgraph dataset")

    return rdf_or_html(graph, extension, html, url_for("dumps.dataset"))
