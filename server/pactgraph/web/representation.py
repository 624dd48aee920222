"""A graph served as a document: in the format an extension names or Accept (or ``_mediatype``)
chooses (``rdf_or_html``), and in the profile the client asks for (web/profiles.py:
``profiled_document``), naming its profile and listing the others.

``profiled_document`` serves every document that describes a resource: the resources
(``/doc/…``), the ontology and each of its versions (``/def``, ``/def/{version}``: the terms'
document) and the dataset description (``/dataset``). Each caller gives the resource, its full
description and the full page; the card and the alternates are the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, render_template, request, url_for
from rdflib import Graph, URIRef

from pactgraph import formats
from pactgraph.build.jsonld_context import build_context
from pactgraph.build.publication import Publication
from pactgraph.build.serialization import serialize
from pactgraph.pages.describe import alternates_of, card
from pactgraph.pages.labeller import Labeller
from pactgraph.pages.resource import resource_view
from pactgraph.web import negotiation, profiles
from pactgraph.web.context import iri_map, memo, publication


def jsonld_context() -> dict[str, Any]:
    """The @context object, derived from the ontology once per app."""
    return memo("context", lambda p: build_context(p.ontology))


def context_url() -> str:
    return iri_map().server + url_for("dumps.context")


# --- Documents: one graph, in the format an extension names or Accept chooses -------------------

HTML = formats.HTML
JSONLD = "application/ld+json"
OFFERED = (HTML, *formats.RDF_MEDIA_TYPES)
BY_EXTENSION = {formats.EXTENSION[media]: media for media in formats.RDF_MEDIA_TYPES}


def _alternates(doc_path: str, chosen: str) -> str:
    links = [f'<{doc_path}{formats.EXTENSION[media]}>; rel="alternate"; type="{media}"'
             for media in OFFERED if media != chosen]
    return ", ".join(links)


def rdf_or_html(graph: Callable[[], Graph], extension: str, render_html: Callable[[], str],
                doc_path: str, cache_key: str | None = None,
                accept: str | None = None) -> Response:
    """``graph()`` as the format ``extension`` names, or as Accept chooses when there is none
    (made only for RDF: a page is rendered from its own view, and NATO's description took a
    quarter of its page's time).

    With a ``cache_key`` (for documents that never change: the ontology, the shapes) the bodies
    that do not name the host (all but HTML and JSON-LD) are made once per app. The others are not
    cached: the Host header is the client's to choose, so a cache keyed by it could grow unbounded.
    ``accept`` stands for the Accept header (the ``_mediatype`` parameter, web/profiles.py).
    """
    negotiated = extension == ""
    if negotiated:
        media = negotiation.choose(accept or request.headers.get("Accept"), OFFERED)
    else:
        media = BY_EXTENSION[extension]

    def body_for(_: Publication | None = None) -> bytes:
        if media == HTML:
            return render_html().encode("utf-8")
        return serialize(graph(), formats.RDFLIB_FORMAT[media], context=context_url(),
                         embedded_context=jsonld_context())

    if cache_key is None or media in (HTML, JSONLD):
        body = body_for()
    else:
        body = memo(f"{cache_key} {media}", body_for)
    response = Response(body, content_type=formats.content_type(media))
    response.headers["Link"] = _alternates(doc_path, media)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = doc_path + formats.EXTENSION[media]
    response.add_etag()
    shared_cacheable(response)
    return response.make_conditional(request)


def shared_cacheable(response: Response) -> None:
    """The data cannot change while the server runs: anyone may keep a copy for a while."""
    max_age = int(publication().settings["cache_max_age_seconds"])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"


# --- Profiles -------------------------------------------------------------------------------------


def chosen_profile() -> profiles.Profile:
    """The profile the request asks for (``NotAcceptable``, a 406, for an unknown ``_profile``)."""
    return profiles.choose(request.headers.get("Accept-Profile"), request.args.get("_profile"))


def in_profile(profile: profiles.Profile, focus: URIRef, full: Callable[[], Graph],
               doc_path: str) -> Graph:
    """What the document says of ``focus`` in ``profile``: ``full()``, its summary card, or the
    list of every representation (``alt``; the default one is the full description as HTML)."""
    if profile is profiles.CARD:
        return card(full(), focus)
    if profile is profiles.ALT:
        server = iri_map().server
        found = [(p.iri, media, server + url)
                 for p, media, url in profiles.alternate_urls(doc_path, OFFERED)]
        default = {(p, m): u for p, m, u in found}[(profiles.FULL.iri, formats.HTML)]
        return alternates_of(focus, found, default)
    return full()


def profiled_document(focus: URIRef, full: Callable[[], Graph], full_html: Callable[[], str],
                      doc_path: str, extension: str = "", cache_key: str | None = None,
                      profile: profiles.Profile | None = None) -> Response:
    """The response for ``doc_path`` (with ``extension``, if the URL names a format): ``full()``
    and ``full_html()`` in the full profile, the card or the alternates otherwise, as a plain
    page of statements. ``cache_key`` (documents that never change) keeps each profile's bodies
    apart (rdf_or_html)."""
    profile = profile or chosen_profile()

    def graph() -> Graph:
        return in_profile(profile, focus, full, doc_path)

    def html() -> str:
        if profile is profiles.FULL:
            return full_html()
        labels = Labeller(publication().graph, iri_map())
        return render_template("resource.html", view=resource_view(graph(), focus, [], labels),
                               doc_path=doc_path, formats=BY_EXTENSION, summary=None)

    key = None if cache_key is None else f"{cache_key} {profile.token}"
    response = rdf_or_html(graph, extension, html, doc_path, key,
                           accept=request.args.get("_mediatype"))
    return profiles.with_profile(response, profile, doc_path, OFFERED)
