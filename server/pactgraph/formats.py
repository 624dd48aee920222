"""The one table of formats: every media type pactgraph reads or writes, and what each is for.

Negotiation (web/negotiation.py), the writers, the dumps (build/prebuilt.py), the service
description, VoID and the OpenAPI description all read this table, so a new format is one row here
plus its writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pactgraph.errors import NotAcceptable

FORMATS_NS = "http://www.w3.org/ns/formats/"  # W3C "Unique URIs for File Formats"


# What a format is used for; a row lists every use it serves, in the server's order of preference.
DOCUMENT = "document"   # resource documents, dumps, the service description (RDF)
GRAPH = "graph"         # CONSTRUCT and DESCRIBE results
SELECT = "select"       # SELECT results
ASK = "ask"             # ASK results (CSV and TSV define no boolean form)


@dataclass(frozen=True)
class MediaType:
    """One representation we can write: its media type, short names and how to produce it."""

    media_type: str
    names: tuple[str, ...]       # ``format`` parameter values; the first is the canonical one
    extension: str | None        # file extension of documents and dumps, if we serve files in it
    rdflib_format: str | None    # rdflib serializer name, for RDF formats
    format_iri: str | None       # W3C format IRI, for service descriptions
    charset: bool                # whether the Content-Type carries "; charset=utf-8"
    uses: tuple[str, ...] = ()   # DOCUMENT, GRAPH, SELECT, ASK
    reads: tuple[str, ...] = ()  # extensions of the files read in this format (knowledge/)


TABLE: tuple[MediaType, ...] = (
    MediaType("text/turtle", ("ttl", "turtle"), ".ttl", "turtle", FORMATS_NS + "Turtle", True,
              (DOCUMENT, GRAPH), (".ttl",)),
    MediaType("application/ld+json", ("jsonld", "json-ld"), ".jsonld", "json-ld",
              FORMATS_NS + "JSON-LD", False, (DOCUMENT, GRAPH), (".jsonld",)),
    MediaType("application/n-triples", ("nt", "ntriples", "n-triples"), ".nt", "nt",
              FORMATS_NS + "N-Triples", True, (DOCUMENT, GRAPH), (".nt",)),
    MediaType("application/rdf+xml", ("rdf", "rdfxml", "rdf-xml"), ".rdf", "xml",
              FORMATS_NS + "RDF_XML", False, (DOCUMENT, GRAPH), (".rdf", ".owl")),
    MediaType("application/n-quads", ("nq", "nquads", "n-quads"), ".nq", "nquads",
              FORMATS_NS + "N-Quads", True, (GRAPH,), (".nq",)),
    MediaType("application/trig", ("trig",), ".trig", "trig", FORMATS_NS + "TriG", True,
              (GRAPH,), (".trig",)),
    MediaType("application/sparql-results+json", ("json", "srj"), None, None,
              FORMATS_NS + "SPARQL_Results_JSON", False, (SELECT, ASK)),
    MediaType("application/sparql-results+xml", ("xml", "srx"), None, None,
              FORMATS_NS + "SPARQL_Results_XML", False, (SELECT, ASK)),
    MediaType("text/csv", ("csv",), None, None, FORMATS_NS + "SPARQL_Results_CSV", True,
              (SELECT,)),
    MediaType("text/tab-separated-values", ("tsv",), None, None,
              FORMATS_NS + "SPARQL_Results_TSV", True, (SELECT,)),
    MediaType("text/html", ("html",), "", None, None, True),
    MediaType("text/plain", ("text", "txt"), None, None, None, True),
    MediaType("application/problem+json", ("problem",), None, None, None, False),
)
BY_TYPE: dict[str, MediaType] = {entry.media_type: entry for entry in TABLE}


def _for(use: str) -> tuple[str, ...]:
    return tuple(entry.media_type for entry in TABLE if use in entry.uses)


HTML = "text/html"
PLAIN = "text/plain"
PROBLEM_JSON = "application/problem+json"  # errors, for clients that asked for JSON (RFC 9457)
# Generic types that clients send for the specific ones we write ("Accept: application/json" is a
# common habit): each stands for these, at the q-value it was given.
ALIASES: dict[str, tuple[str, ...]] = {
    "application/json": ("application/sparql-results+json", "application/ld+json"),
}
JSON_TYPES = ("application/json", "application/sparql-results+json", "application/ld+json",
              PROBLEM_JSON)
RDF_MEDIA_TYPES = _for(DOCUMENT)
GRAPH_RESULT_MEDIA_TYPES = _for(GRAPH)
RESULTS_MEDIA_TYPES = _for(SELECT)
ASK_MEDIA_TYPES = _for(ASK)

RDFLIB_FORMAT: dict[str, str] = {
    entry.media_type: entry.rdflib_format for entry in TABLE if entry.rdflib_format}
EXTENSION: dict[str, str] = {
    entry.media_type: entry.extension for entry in TABLE if entry.extension is not None}
FORMAT_IRI: dict[str, str] = {entry.media_type: entry.format_iri for entry in TABLE
                              if entry.format_iri}
_BY_NAME: dict[str, str] = {name: entry.media_type for entry in TABLE for name in entry.names}
# What the loader reads (knowledge/rdf_files.py): by extension, and the names --data-format takes.
READ_BY_EXTENSION: dict[str, str] = {extension: entry.media_type
                                     for entry in TABLE for extension in entry.reads}
READABLE_NAMES: tuple[str, ...] = tuple(entry.names[0] for entry in TABLE if entry.reads)


def readable_media_type(format_name: str) -> str:
    """The media type of an RDF format the loader reads, by short name or media type; a
    ``ValueError`` naming the formats it reads otherwise."""
    name = format_name.strip().lower()
    media_type = _BY_NAME.get(name, name)
    if media_type not in BY_TYPE or not BY_TYPE[media_type].reads:
        raise ValueError(f"unknown RDF format {format_name!r}; pactgraph reads "
                         + ", ".join(READABLE_NAMES))
    return media_type


def content_type(media_type: str) -> str:
    """The Content-Type header value for ``media_type`` (text formats say they are UTF-8)."""
    entry = BY_TYPE.get(media_type)
    return f"{media_type}; charset=utf-8" if entry and entry.charset else media_type


def media_type_for(format_name: str) -> str:
    """The media type a ``format`` parameter names: a short name ("ttl") or a known media type."""
    name = format_name.strip().lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in BY_TYPE:
        return name
    raise NotAcceptable(sorted(_BY_NAME))


def every_name(offered: Sequence[str]) -> list[str]:
    """Every ``format`` parameter value that names one of ``offered``, aliases included."""
    return [name for media_type in offered for name in BY_TYPE[media_type].names]


def format_names(offered: Sequence[str]) -> list[str]:
    """The canonical ``format`` parameter values of ``offered``, for forms and error messages."""
    return [BY_TYPE[media_type].names[0] for media_type in offered]


def offered_for(kind: str) -> tuple[str, ...]:
    """The media types a result of ``kind`` ('select', 'ask', 'graph') can be written in."""
    return {SELECT: RESULTS_MEDIA_TYPES, ASK: ASK_MEDIA_TYPES}.get(kind,
                                                                   GRAPH_RESULT_MEDIA_TYPES)
