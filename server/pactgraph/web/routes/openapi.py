"""Blueprint: the OpenAPI 3.1 description of pactgraph's HTTP interface, at ``/openapi.json``.

Written as data from the same tables the server uses (media types, settings, the obligations CSV's
columns), so it cannot drift from them silently; ``tests/test_fuzz.py`` runs schemathesis against
it, which checks that every answer's status and media type is one this description lists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, json, request

from pactgraph import formats
from pactgraph.build.downloads import DUMP_FILES
from pactgraph.web.context import publication
from pactgraph.web.routes import health
from pactgraph.web.routes.openapi_interop import PROFILE_PARAMETERS, interop_paths
from pactgraph.web.routes.openapi_obligations import obligation_paths
from pactgraph.web.routes.openapi_parts import ERRORS, reader_paths
from pactgraph.web.routes.openapi_parts import content_of as _content

blueprint = Blueprint("openapi", __name__)

HTML = formats.HTML
PLAIN = formats.PLAIN
RDF = formats.RDF_MEDIA_TYPES
RESULTS = formats.RESULTS_MEDIA_TYPES
GRAPH_RESULTS = formats.GRAPH_RESULT_MEDIA_TYPES
TRUNCATION = (
    "A result longer than `max_result_rows` rows or `max_result_bytes` bytes is cut to its first "
    "rows (at a row or triple) and says so, naming the setting that cut it: the response "
    "header `Pactgraph-Results-Truncated: true` with a `Link` (rel=\"describedby\") to "
    "`/-/settings.json`; in SPARQL JSON also `head.link` and a top-level member `\"pactgraph\": "
    "{\"truncated\": true, \"max_result_rows\": N, \"message\": ...}` (or `\"max_result_bytes\": "
    "B`); in SPARQL XML a `<link>` in the head; in Turtle, TriG, N-Triples and N-Quads a comment "
    "on the first line. A result is never cut without these signals. A result whose first row "
    "alone is longer than `max_result_bytes` is answered 503.")

LIMIT_ERRORS = {code: ERRORS[code] for code in ("400", "403", "406", "413", "429", "503")}
SETTINGS_SCHEMA = {"type": "array", "items": {
    "type": "object", "required": ["name", "value", "help"],
    "properties": {"name": {"type": "string"}, "value": {}, "help": {"type": "string"}}}}
SPARQL_JSON_SCHEMA = {"type": "object", "required": ["head"], "properties": {
    "head": {"type": "object"}, "results": {"type": "object"}, "boolean": {"type": "boolean"},
    "pactgraph": {"type": "object", "properties": {"truncated": {"type": "boolean"},
                                                   "max_result_rows": {"type": "integer"},
                                                   "max_result_bytes": {"type": "integer"},
                                                   "message": {"type": "string"}}}}}


def _query_answer() -> dict:
    media = dict.fromkeys([*RESULTS, *GRAPH_RESULTS, HTML])
    content = _content(media)
    content["application/sparql-results+json"] = {"schema": SPARQL_JSON_SCHEMA}
    return {"description": "The query's result: SELECT and ASK in a SPARQL results format, "
                           "CONSTRUCT and DESCRIBE in an RDF format, or the query page (HTML). "
                           + TRUNCATION,
            "headers": {"Pactgraph-Results-Truncated": {
                "description": "`true` when the row cap cut the result.",
                "schema": {"type": "string", "enum": ["true"]}}},
            "content": content}


def _parameter(name: str, where: str, description: str, schema: dict | None = None,
               required: bool = False, **extra: Any) -> dict:
    return {"name": name, "in": where, "description": description, "required": required,
            "schema": schema or {"type": "string"}, **extra}


# Every name the endpoint answers to, from the formats table (it lacked N-Quads and TriG when it
# was typed by hand).
FORMAT = _parameter("format", "query", "Media type by short name; overrides Accept.",
                    {"type": "string",
                     "enum": formats.every_name(dict.fromkeys([*RESULTS, *GRAPH_RESULTS, HTML]))})
GRAPH_URIS = [
    _parameter("default-graph-uri", "query", "A graph of the default graph (repeatable); "
               "only graphs this server holds have triples, nothing is fetched.",
               {"type": "array", "items": {"type": "string"}}, explode=True),
    _parameter("named-graph-uri", "query", "A named graph of the dataset (repeatable).",
               {"type": "array", "items": {"type": "string"}}, explode=True),
]


def _rdf_document(summary: str, parameters: list | None = None) -> dict:
    media = (HTML, *RDF)
    return {"summary": summary, **({"parameters": parameters} if parameters else {}), "responses": {
        "200": {"description": "The document, in the negotiated format (Vary: Accept).",
                "content": _content(media)},
        "406": ERRORS["406"]}}


def _get(operation: dict) -> dict:
    return {"get": operation}


def description(settings: dict[str, Any]) -> dict:
    """The OpenAPI document, with this server's limits written into it."""
    limits = (f"Limits: a query runs at most {settings['query_time_limit_ms']} ms "
              f"(`query_time_limit_ms`), returns at most {settings['max_result_rows']} rows "
              f"(`max_result_rows`), is at most {settings['max_query_length']} characters long "
              f"(`max_query_length`); request bodies at most {settings['max_request_bytes']} "
              "bytes (`max_request_bytes`). See `/-/settings.json`.")
    query_parameter = _parameter("query", "query", "The SPARQL query. Without it a GET answers "
                                 "the service description (RDF) or the query page (HTML).")
    path_rest = _parameter("path", "path", "The rest of the IRI after the base IRI, e.g. "
                           "`treaty/north-atlantic-treaty-1949` or `state/PHL`.", required=True)
    sparql_get = {
        "summary": "SPARQL 1.1 query via GET, or the service description",
        "description": "Read-only SPARQL 1.1 Protocol endpoint evaluated by Oxigraph. "
                       "SERVICE, LOAD and updates are refused; FROM may name only the graphs "
                       "this server holds. " + limits,
        "parameters": [query_parameter, *GRAPH_URIS, FORMAT],
        "responses": {"200": _query_answer() | {"content": _content(
            [*RESULTS, *GRAPH_RESULTS, *RDF, HTML])}, **LIMIT_ERRORS},
    }
    form_schema = {"type": "object", "required": ["query"], "properties": {
        "query": {"type": "string"}, "format": FORMAT["schema"],
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}}}}
    sparql_post = {
        "summary": "SPARQL 1.1 query via POST (form or application/sparql-query body)",
        "description": "Either a form with `query`, or the query itself as the body. "
                       "`application/sparql-update` bodies and `update` parameters are refused "
                       "with 403: the service is read-only. " + limits,
        "parameters": [*GRAPH_URIS, FORMAT],
        "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": form_schema},
            "application/sparql-query": {"schema": {"type": "string"}},
            "application/sparql-update": {"schema": {"type": "string"}}}},
        "responses": {"200": _query_answer(), **LIMIT_ERRORS, "415": ERRORS["415"]},
    }
    paths = {
        "/": _get({"summary": "Home page", "responses": {
            "200": {"description": "What pactgraph publishes.", "content": _content([HTML])}}}),
        "/sparql": {"get": sparql_get, "post": sparql_post},
        "/id/{path}": _get({
            "summary": "A thing (treaty, state, clause...): 303 See Other to its document",
            "parameters": [path_rest],
            "responses": {"303": {"description": "Location: /doc/{path} plus an extension "
                                                 "chosen by Accept.",
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          "404": ERRORS["404"], "406": ERRORS["406"]}}),
        "/doc/{path}": _get({
            "summary": "The document about a thing; `.ttl` `.jsonld` `.nt` `.rdf` pick a format",
            "parameters": [path_rest, *PROFILE_PARAMETERS],
            "responses": {"200": {"description": "Its description (Vary: Accept).",
                                  "content": _content((HTML, *RDF))},
                          "404": ERRORS["404"], "406": ERRORS["406"]}}),
        "/def": _get(_rdf_document("The ontology (HTML documentation or RDF)", PROFILE_PARAMETERS)),
        "/shapes": _get(_rdf_document("The SHACL shapes")),
        "/dataset": _get(_rdf_document("VoID and DCAT description of the dataset",
                                       PROFILE_PARAMETERS)),
        "/.well-known/void": _get({"summary": "303 See Other to /dataset", "responses": {
            "303": {"description": "Location: /dataset",
                    "headers": {"Location": {"schema": {"type": "string"}}}}}}),
        "/download/{file}": _get({
            "summary": "A full dump, precomputed at start-up",
            "parameters": [_parameter("file", "path", "The dump's file name.", {
                "type": "string", "enum": sorted(DUMP_FILES)}, required=True)],
            "responses": {"200": {"description": "The dump, with ETag and Content-Disposition.",
                                  "content": _content(RDF)},
                          "304": {"description": "Not modified (If-None-Match)."},
                          "404": ERRORS["404"]}}),
        "/context.jsonld": _get({"summary": "The JSON-LD 1.1 @context the documents use",
                                 "responses": {"200": {"description": "The context.",
                                                       "content": _content(["application/ld+json"],
                                                                           {"type": "object"})},
                                               "304": {"description": "Not modified."}}}),
        "/-/settings.json": _get({"summary": "The settings in force: name, value, help",
                                  "responses": {"200": {"description": "The settings table.",
                                                        "content": _content(["application/json"],
                                                                            SETTINGS_SCHEMA)}}}),
        "/openapi.json": _get({"summary": "This description", "responses": {
            "200": {"description": "OpenAPI 3.1", "content": _content(["application/json"],
                                                                      {"type": "object"})}}}),
        **reader_paths(),
        **obligation_paths(ERRORS),
    }
    paths.update(health.OPENAPI_PATHS)  # /healthz, /healthz/live, /healthz/ready, /metrics
    paths |= interop_paths(ERRORS, _content)  # tables, releases, sitemap (issue 18)
    for operation in (operation for ops in paths.values() for operation in ops.values()):
        operation["responses"].setdefault("405", ERRORS["405"])
    return {
        "openapi": "3.1.0",
        "info": {"title": "pactgraph", "version": "1",
                 "description": "Mutual-defense treaties as linked data: a read-only SPARQL "
                                "endpoint, dereferenceable IRIs with content negotiation, dumps. "
                                + limits,
                 "license": {"name": "CC-BY-4.0 (data), MIT (code)"}},
        "servers": [{"url": (settings["base_url"] or request.url_root).rstrip("/") or "/"}],
        "paths": paths,
    }


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    body = json.dumps(description(publication().settings), indent=1)
    return current_app.response_class(body, mimetype="application/json")
