"""Blueprint: dereferencing our IRIs, and the pages people read.

- ``/id/{rest}``: 303 See Other to ``/doc/{rest}{ext}``, the extension chosen by Accept (Cool URIs).
- ``/doc/{rest}[.ttl|.jsonld|.nt|.rdf]``: the description of ``{base_iri}id/{rest}``.
- ``/def``, ``/shapes`` (and their ``.ttl`` etc.): the ontology and the shapes.
- ``/``: the landing page.

RDF keeps the canonical IRIs; HTML links point at the running server (``our_iris.IriMap``).
"""

from __future__ import annotations

import difflib

from flask import Blueprint, Response, redirect, render_template, request, url_for
from rdflib import URIRef
from rdflib.namespace import OWL, RDF

from pactgraph import formats
from pactgraph.build.examples import WHO_MUST_HELP
from pactgraph.build.publication import Publication
from pactgraph.errors import NotAcceptable
from pactgraph.namespaces import ONTOLOGY_IRI, PG, SH
from pactgraph.pages.clause import clause_view, invocation_view
from pactgraph.pages.commitment import commitment_view, commitments
from pactgraph.pages.describe import described_parts, description
from pactgraph.pages.labeller import Labeller, Link
from pactgraph.pages.ontology import ontology_view, shapes_view
from pactgraph.pages.readers import page_kind
from pactgraph.pages.resource import resource_view
from pactgraph.pages.state import state_view
from pactgraph.web import negotiation
from pactgraph.web.caching import kept_until_tomorrow
from pactgraph.web.context import graph_sizes, iri_map, memo, publication, resource_index
from pactgraph.web.representation import (
    BY_EXTENSION,
    OFFERED,
    profiled_document,
    rdf_or_html,
)
from pactgraph.web.routes.api import dated_obligations
from pactgraph.web.routes.discovery import landing_jsonld
from pactgraph.web.routes.dumps import all_dumps
from pactgraph.web.routes.explore import who_must_help_rows_about
from pactgraph.web.routes.releases import released_ontology

blueprint = Blueprint("resources", __name__)

HTML = formats.HTML
RDF_EXTENSIONS = "any('.ttl', '.jsonld', '.nt', '.rdf')"


def labeller() -> Labeller:
    return Labeller(publication().graph, iri_map())


@blueprint.app_context_processor
def site_links() -> dict:
    """Links every template may use; SPARQL is another blueprint's, reached by its IRI mapping."""
    urls = iri_map()
    return {"sparql_url": urls.url_for(urls.base_iri + "sparql"), "link_to": urls.url_for,
            "base_iri": urls.base_iri}


def _split_extension(rest: str) -> tuple[str, str]:
    for extension in BY_EXTENSION:
        if rest.endswith(extension):
            return rest[: -len(extension)], extension
    return rest, ""


# --- Resources ------------------------------------------------------------------------------------

@blueprint.get("/id/<path:rest>")
def thing(rest: str) -> Response:
    iri = iri_map().iri_for("id/" + rest)
    if iri not in resource_index():
        return not_found(iri)
    media = negotiation.choose(request.headers.get("Accept"), OFFERED)
    target = url_for("resources.document", rest=rest) + formats.EXTENSION[media]
    if request.query_string:  # _profile and _mediatype go on to the document
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@blueprint.get("/doc/<path:rest>")
def document(rest: str) -> Response:
    rest, extension = _split_extension(rest)
    iri = iri_map().iri_for("id/" + rest)
    index = resource_index()
    if iri not in index:
        return not_found(iri)
    graph = publication().graph
    focus = URIRef(iri)
    owned = described_parts(focus, index.owned(iri), index.is_derived)
    doc_path = url_for("resources.document", rest=rest)

    def html() -> str:
        labels = labeller()
        view = resource_view(graph, focus, owned, labels, index.is_derived)
        summary = summary_of(focus, labels)
        return render_template("resource.html", view=view, doc_path=doc_path,
                               formats=BY_EXTENSION, summary=summary,
                               on_date=dated_obligations(focus, summary))

    response = profiled_document(focus, lambda: description(graph, focus, owned, index.is_derived),
                                 html, doc_path, extension)
    if response.mimetype == HTML and not request.args.get("date"):
        kept_until_tomorrow(response, publication().settings)  # on "today", which moves
    return response


def summary_of(focus: URIRef, labels: Labeller) -> tuple[str, object] | None:
    """The readable layout for a treaty, state, clause or invocation: (kind, view), or None."""
    graph = publication().graph
    kind = page_kind(graph, focus)
    if kind == "commitment":
        return kind, commitment_view(graph, focus, labels)
    if kind == "state":
        question = publication().examples.by_id(WHO_MUST_HELP)
        asked = Link(question.title, url_for("explore.query_file", name=question.name))
        return kind, state_view(graph, focus, labels, who_must_help_rows_about(str(focus)), asked)
    if kind == "clause":
        return kind, clause_view(graph, focus, labels)
    if kind == "invocation":
        return kind, invocation_view(graph, focus, labels)
    return None


def not_found(iri: str) -> Response:
    """404 for an IRI of our namespace that the data does not mention: say what does exist."""
    index = resource_index()
    near = [] if len(iri) > 300 else difflib.get_close_matches(iri, index.subjects, n=5, cutoff=0.8)
    try:
        media = negotiation.choose(request.headers.get("Accept"), (formats.PLAIN, HTML))
    except NotAcceptable:
        media = formats.PLAIN
    listed = memo("commitments", lambda p: commitments(p.graph))
    if media == HTML:
        body = render_template("not_found.html", iri=iri, near=near, commitments=listed,
                               labels=labeller())
    else:
        lines = [f"Not found: {iri} is not in the pactgraph data.", ""]
        lines += [f"Did you mean {iri_map().url_for(n)} ?" for n in near]
        lines += ["Search with SPARQL at " + iri_map().url_for(iri_map().base_iri + "sparql"),
                  "Treaties and commitments:"]
        lines += [f"  {iri_map().url_for(str(c.iri))}  {c.label}" for c in listed]
        body = "\n".join(lines) + "\n"
    return Response(body, status=404, content_type=formats.content_type(media))


# --- The ontology and the shapes ------------------------------------------------------------------

@blueprint.get("/def")
@blueprint.get(f"/def<{RDF_EXTENSIONS}:extension>")
def ontology(extension: str = "") -> Response:
    return _ontology_document(publication().ontology, url_for("resources.ontology"), extension,
                              "ontology")


def _ontology_document(graph, path: str, extension: str, cache_key: str) -> Response:
    """An ontology's document (the document of each of its terms), in the profile asked for: the
    whole ontology, its card (what it is, its title and version), or the alternates."""

    def html() -> str:
        return render_template("ontology.html", view=ontology_view(graph, labeller()),
                               labels=labeller(), formats=BY_EXTENSION, doc_path=path)

    return profiled_document(URIRef(ONTOLOGY_IRI), lambda: graph, html, path, extension,
                             cache_key)


@blueprint.get("/def/<version>")
def ontology_version(version: str) -> Response:
    """The version IRI (owl:versionIRI) of the current ontology serves the ontology itself; that
    of an earlier one, the ontology of the release that made it (web/routes/releases.py)."""
    version, extension = _split_extension(version)
    iri = URIRef(iri_map().iri_for("def/" + version))
    if (URIRef(ONTOLOGY_IRI), OWL.versionIRI, iri) in publication().ontology:
        return ontology(extension)
    graph = memo(f"ontology {version}", lambda p: released_ontology(p, version))
    if graph is None or (URIRef(ONTOLOGY_IRI), OWL.versionIRI, iri) not in graph:
        return not_found(str(iri))
    path = url_for("resources.ontology_version", version=version)
    return _ontology_document(graph, path, extension, f"ontology {version}")


@blueprint.get("/shapes")
@blueprint.get(f"/shapes<{RDF_EXTENSIONS}:extension>")
def shapes(extension: str = "") -> Response:
    graph = publication().shapes

    def html() -> str:
        turtle = all_dumps()["shapes.ttl"].body.decode("utf-8")
        return render_template("shapes.html", shapes=shapes_view(graph, labeller()), turtle=turtle,
                               labels=labeller(), formats=BY_EXTENSION,
                               doc_path=url_for("resources.shapes"))

    return rdf_or_html(lambda: graph, extension, html, url_for("resources.shapes"), "shapes")


# --- The landing page -----------------------------------------------------------------------------

@blueprint.get("/")
def index() -> str:
    p: Publication = publication()
    listed = memo("commitments", lambda p: commitments(p.graph))
    counts = memo("counts", lambda p: {
        "triples": graph_sizes()[None],  # len(p.graph) counted them again, seconds at scale
        "treaties": len(listed),
        "states": len(set(p.graph.subjects(RDF.type, PG.State))),
        "clauses": len(set(p.graph.subjects(RDF.type, PG.ObligationClause))),
        "invocations": len(set(p.graph.subjects(RDF.type, PG.Invocation))),
        "shapes": len(set(p.shapes.subjects(RDF.type, SH.NodeShape))),
    })
    return render_template("index.html", commitments=listed, counts=counts,
                           labels=labeller(), settings=p.settings, dataset_jsonld=landing_jsonld())

