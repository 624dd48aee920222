"""The app factory: settings -> knowledge -> store -> blueprints.

Everything expensive happens here, once: parsing the files, validating them against the shapes and
building the immutable store. The blueprints only read what ``create_app`` put in
``app.extensions["pactgraph"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from rdflib import Graph

from . import settings as settings_table
from .cache import (
    VALIDATION_INPUTS,
    default_store_dir,
    input_version,
    install_page_cache,
    record_validated,
    validated_before,
)
from .errors import DataNotConforming
from .knowledge import Knowledge
from .store import TripleStore


@dataclass(frozen=True)
class Published:
    """What the server publishes, built once at start-up and never changed afterwards."""

    settings: dict[str, Any]
    knowledge: Knowledge
    graph: Graph          # ontology + data, the graph that IRIs dereference into
    store: TripleStore    # the same triples, for SPARQL
    data_version: str = ""  # a hash of the input files: the data part of every ETag (cache.py)


def build_published(settings: dict[str, Any]) -> Published:
    """Load, validate (once per version of the input files, see cache.py) and build the store."""
    knowledge = Knowledge.from_settings(settings)
    version = input_version([*knowledge.ontology.files, *knowledge.data.files,
                             *knowledge.shapes.files], *VALIDATION_INPUTS)
    store_dir = settings["store_dir"] or default_store_dir()
    if not validated_before(store_dir, version):
        report = knowledge.validate()
        if not report.conforms:
            raise DataNotConforming(report)
        record_validated(store_dir, version, report.text())
    return Published(settings, knowledge, knowledge.published(),
                     TripleStore.from_knowledge(knowledge), version)


def published() -> Published:
    """The published knowledge of the app handling the current request."""
    return current_app.extensions["pactgraph"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the pactgraph application. ``config`` overrides entries of the settings table."""
    settings = settings_table.resolve(config)
    app = Flask(__name__)
    app.config["PACTGRAPH"] = settings
    app.json.sort_keys = False
    app.extensions["pactgraph"] = build_published(settings)

    from . import dumps, explore, openapi, resources, sparql, web_errors

    web_errors.register(app)
    install_page_cache(app)  # repeated GETs of pages come from memory (cache.py, issue 6)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(dumps.blueprint)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(openapi.blueprint)  # /openapi.json, the HTTP interface (issue 4)
    app.register_blueprint(resources.blueprint)  # last: it serves the catch-all resource paths
    return app
