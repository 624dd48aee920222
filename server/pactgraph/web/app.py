"""The app factory: settings -> prebuilt store -> blueprints.

Everything expensive happens here, once per version of the input files: parsing them, validating
them against the shapes and building the immutable store (build/prebuilt.py); a later start only
opens that store. The blueprints only read what ``create_app`` put in
``app.extensions["pactgraph"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from rdflib import Graph

from pactgraph import settings as settings_table
from pactgraph.build import prebuilt
from pactgraph.build.examples import Examples, load_examples
from pactgraph.engine.graph_view import graph_over
from pactgraph.engine.store import TripleStore
from pactgraph.errors import DataNotConforming
from pactgraph.knowledge.sources import Knowledge, SourceGraphs, turtle_files
from pactgraph.knowledge.stable_graph import stable_blank_nodes
from pactgraph.web.caching import app_response_cache
from pactgraph.web.middleware.front_cache import FrontCache, mark_reusable_page


@dataclass(frozen=True)
class Published:
    """What the server publishes, built once at start-up and never changed afterwards."""

    settings: dict[str, Any]
    ontology: Graph       # the ontology alone (small), for /def, the JSON-LD @context...
    shapes: Graph         # the SHACL shapes, served at /shapes
    graph: Graph          # ontology + data, the graph that IRIs dereference into (read-only,
    #                       read from the store: engine/graph_view.py)
    store: TripleStore    # the same triples, for SPARQL
    data_version: str = ""  # a hash of the input files: the data part of every ETag (caching.py)
    folder: Path | None = None  # the prebuilt store's folder (build/prebuilt.py), with the dumps
    examples: Examples = Examples()  # the example questions (queries/*.rq), found by id


def build_published(settings: dict[str, Any]) -> Published:
    """Open the prebuilt store of the input files, parsing, validating and building it first if
    these files have not been built before (build/prebuilt.py). The example questions are read
    first: a broken header fails the start in a moment, before any store is built."""
    examples = load_examples(settings["queries_path"])
    paths = [settings["ontology_paths"], settings["data_paths"], settings["shapes_paths"]]
    files = [file for group in paths for file in turtle_files(group)]
    version = prebuilt.input_version(files, *prebuilt.VALIDATION_INPUTS)

    def validated_knowledge() -> tuple[Knowledge, str]:
        knowledge = Knowledge.load(*paths)
        report = knowledge.validate()
        if not report.conforms:
            raise DataNotConforming(report)
        return knowledge, report.text()

    folder = prebuilt.prepare(settings["store_dir"] or prebuilt.default_store_dir(), version,
                              validated_knowledge)
    store = TripleStore.open(folder / prebuilt.ENGINE)
    # Parsed in every process: with blank-node labels that do not change from one to the next.
    ontology, shapes = (stable_blank_nodes(SourceGraphs.load(settings[name]).graph)
                        for name in ("ontology_paths", "shapes_paths"))
    return Published(settings, ontology, shapes, graph_over(store), store, version, folder,
                     examples)


def published() -> Published:
    """The published knowledge of the app handling the current request."""
    return current_app.extensions["pactgraph"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the pactgraph application. ``config`` overrides entries of the settings table."""
    settings = settings_table.resolve(config)
    app = Flask("pactgraph")  # the package: templates/ and static/ live at its root
    app.config["PACTGRAPH"] = settings
    app.json.sort_keys = False
    app.extensions["pactgraph"] = build_published(settings)

    from pactgraph.web import errors as web_errors
    from pactgraph.web.middleware.lean_sparql import QueryPath
    from pactgraph.web.routes import documents as resources
    from pactgraph.web.routes import dumps, explore, health, openapi, sparql

    web_errors.register(app)
    app.after_request(mark_reusable_page)  # registered last, so it runs before security and CORS
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(dumps.blueprint)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(health.blueprint)  # /healthz
    app.register_blueprint(openapi.blueprint)  # /openapi.json, the HTTP interface (issue 4)
    app.register_blueprint(resources.blueprint)  # last: it serves the catch-all resource paths
    # Before Flask is entered (issue 6): a plain SPARQL GET is answered by the lean path
    # (web/middleware/lean_sparql.py), and a repeated GET from memory
    # (web/middleware/front_cache.py).
    app.wsgi_app = FrontCache(QueryPath(app.wsgi_app, app), app_response_cache(app))
    return app
