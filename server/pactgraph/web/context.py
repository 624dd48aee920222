"""How the web layer reaches the publication of the app handling a request (build/publication.py).

The one place that knows where the app keeps it (``app.extensions["pactgraph"]``): blueprints,
middleware and hooks ask here for the publication, its engine, its answer cache and its memo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from pactgraph.build.memory import ResponseCache
from pactgraph.build.publication import Publication, union_triples
from pactgraph.engine.pool import QueryExecutor
from pactgraph.pages.our_iris import IriMap, ResourceIndex, resource_index_of

T = TypeVar("T")
KEY = "pactgraph"


def attach(app: Flask, publication: Publication) -> None:
    app.extensions[KEY] = publication


def publication_of(app: Flask) -> Publication:
    return app.extensions[KEY]


def publication() -> Publication:
    """The publication of the app handling the current request."""
    return current_app.extensions[KEY]


def answers_of(app: Flask) -> ResponseCache:
    """The answer cache of ``app`` (one per process: granian workers each fill their own)."""
    return publication_of(app).answers


def executor_for(app: Flask) -> QueryExecutor:
    """The query worker pool of ``app``'s embedded engine (for the server's start-up and tests)."""
    return publication_of(app).engine.pool


def memo(key: str, build: Callable[[Publication], T]) -> T:
    """``build(publication())``, computed once per app and kept."""
    return publication().memo(key, build)


def graph_sizes() -> dict[str | None, int]:
    """Triples in the union (key None) and in each named graph, counted once per app: at 80
    times the data, counting them took 8 s of processor time, which the service description
    spent on every GET of /sparql, where no query limit applies. The union's count is the
    prebuilt folder's, which its manifest records."""
    return memo("graph sizes", lambda p: p.store.sizes(union_triples(p.folder)))


def resource_index() -> ResourceIndex:
    """Our IRIs in the published graph, found once per app (kept in the store's folder)."""
    return memo("index", lambda p: resource_index_of(p.store, p.settings["base_iri"], p.folder))


def iri_map() -> IriMap:
    """The IRI <-> URL mapping for this request: base_url if configured, else the request's host."""
    settings = publication().settings
    server = settings["base_url"] or request.url_root
    return IriMap(settings["base_iri"], server.rstrip("/"))
