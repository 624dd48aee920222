"""The OpenAPI description of the linked-data interfaces of issue 18, for web/routes/openapi.py:
the CSV tables, the releases, the sitemap and robots.txt, and the profile parameters of resource
documents (web/profiles.py). Kept apart so that openapi.py stays within its size; it builds plain
dictionaries with the helpers openapi.py passes in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pactgraph.build import tables
from pactgraph.web import profiles

PROFILE_PARAMETERS = [
    {"name": "_profile", "in": "query", "required": False,
     "description": "The profile: `full` (the default) or `card` (a summary card), or a profile "
                    "IRI; overrides Accept-Profile. The response names it in Content-Profile.",
     "schema": {"type": "string",
                "enum": [name for p in profiles.PROFILES for name in (p.token, p.iri)]}},
    {"name": "_mediatype", "in": "query", "required": False,
     "description": "The media type; overrides Accept.", "schema": {"type": "string"}},
    {"name": "Accept-Profile", "in": "header", "required": False,
     "description": "Profile IRIs in angle brackets, with q-values (W3C Content Negotiation by "
                    "Profile).", "schema": {"type": "string"}},
]


def interop_paths(errors: dict[str, Any], content: Callable[..., dict]) -> dict[str, Any]:
    table_files = sorted(name for t in tables.TABLES for name in (t.filename, t.schema_filename))
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    version = {"name": "version", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/download/tables/{name}": {"get": {
            "summary": "A CSV table, its Frictionless Table Schema, or the Data Package",
            "parameters": [name | {"schema": {"type": "string", "enum": [
                *table_files, tables.DATAPACKAGE]}}],
            "responses": {"200": {"description": "The file, with ETag.", "content": content(
                ["text/csv", tables.SCHEMA_MEDIA_TYPE, "application/json"])},
                "304": {"description": "Not modified."}, "404": errors["404"]}}},
        "/releases/": {"get": {"summary": "Every release", "responses": {
            "200": {"description": "The list.", "content": content(["text/html"])}}}},
        "/releases/{version}": {"get": {
            "summary": "A release: 303 See Other to its VoID/DCAT description",
            "parameters": [version], "responses": {
                "303": {"description": "Location: its void.ttl.",
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "404": errors["404"]}}},
        "/releases/{version}/{name}": {"get": {
            "summary": "A file of a release (those its SHA256SUMS lists); it never changes",
            "parameters": [version, name], "responses": {
                "200": {"description": "The file, with its sha256 as ETag."},
                "304": {"description": "Not modified."}, "404": errors["404"]}}},
        "/def/{version}": {"get": {
            "summary": "The ontology at a version IRI (owl:versionIRI): the current one or a "
                       "released one",
            "parameters": [version, *PROFILE_PARAMETERS], "responses": {
                "200": {"description": "The ontology of that version (Vary: Accept, "
                                       "Accept-Profile).",
                        "content": content(["text/html", "text/turtle", "application/ld+json",
                                            "application/n-triples", "application/rdf+xml"])},
                "404": errors["404"], "406": errors["406"]}}},
        "/sitemap.xml": {"get": {"summary": "The sitemap of every page", "responses": {
            "200": {"description": "A sitemap (or an index of sitemaps past 50,000 URLs).",
                    "content": content(["application/xml"])}}}},
        "/robots.txt": {"get": {"summary": "robots.txt, naming the sitemap", "responses": {
            "200": {"description": "Allow all.", "content": content(["text/plain"])}}}},
    }
