"""Content negotiation: Accept-header parsing and the media-type tables, as data.

A pure module (no Flask, no RDF library calls): the blueprints ask ``choose(accept, offered)`` for a
media type and look up how to write it in the tables below. Accept parsing follows RFC 9110 §12.5.1:
q-values, ``type/*`` and ``*/*`` wildcards, ``q=0`` exclusions and the most specific range winning.
Malformed ranges are skipped rather than rejected, because a client with a broken header still
deserves a representation (RFC 9110 lets a server disregard the header).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pactgraph.errors import NotAcceptable

FORMATS_NS = "http://www.w3.org/ns/formats/"  # W3C "Unique URIs for File Formats"


@dataclass(frozen=True)
class MediaType:
    """One representation we can write: its media type, short names and how to produce it."""

    media_type: str
    names: tuple[str, ...]       # ``format`` parameter values; the first is the canonical one
    extension: str | None        # file extension of documents and dumps, if we serve files in it
    rdflib_format: str | None    # rdflib serializer name, for RDF formats
    format_iri: str | None       # W3C format IRI, for service descriptions
    charset: bool                # whether the Content-Type carries "; charset=utf-8"


TABLE: tuple[MediaType, ...] = (
    MediaType("text/turtle", ("ttl", "turtle"), ".ttl", "turtle", FORMATS_NS + "Turtle", True),
    MediaType("application/ld+json", ("jsonld", "json-ld"), ".jsonld", "json-ld",
              FORMATS_NS + "JSON-LD", False),
    MediaType("application/n-triples", ("nt", "ntriples", "n-triples"), ".nt", "nt",
              FORMATS_NS + "N-Triples", True),
    MediaType("application/rdf+xml", ("rdf", "rdfxml", "rdf-xml"), ".rdf", "xml",
              FORMATS_NS + "RDF_XML", False),
    MediaType("application/n-quads", ("nq", "nquads", "n-quads"), ".nq", "nquads",
              FORMATS_NS + "N-Quads", True),
    MediaType("application/trig", ("trig",), ".trig", "trig", FORMATS_NS + "TriG", True),
    MediaType("application/sparql-results+json", ("json", "srj"), None, None,
              FORMATS_NS + "SPARQL_Results_JSON", False),
    MediaType("application/sparql-results+xml", ("xml", "srx"), None, None,
              FORMATS_NS + "SPARQL_Results_XML", False),
    MediaType("text/csv", ("csv",), None, None, FORMATS_NS + "SPARQL_Results_CSV", True),
    MediaType("text/tab-separated-values", ("tsv",), None, None,
              FORMATS_NS + "SPARQL_Results_TSV", True),
    MediaType("text/html", ("html",), "", None, None, True),
    MediaType("text/plain", ("text", "txt"), None, None, None, True),
)
BY_TYPE: dict[str, MediaType] = {entry.media_type: entry for entry in TABLE}

HTML = "text/html"
PLAIN = "text/plain"
# RDF documents (resource pages, dumps, the service description), in server preference order.
RDF_MEDIA_TYPES: tuple[str, ...] = (
    "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
# CONSTRUCT and DESCRIBE results may also be asked for in the quad formats.
GRAPH_RESULT_MEDIA_TYPES: tuple[str, ...] = (
    *RDF_MEDIA_TYPES, "application/n-quads", "application/trig")
# SELECT and ASK results.
RESULTS_MEDIA_TYPES: tuple[str, ...] = (
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values")

RDFLIB_FORMAT: dict[str, str] = {
    entry.media_type: entry.rdflib_format for entry in TABLE if entry.rdflib_format}
EXTENSION: dict[str, str] = {
    entry.media_type: entry.extension for entry in TABLE if entry.extension is not None}
FORMAT_IRI: dict[str, str] = {entry.media_type: entry.format_iri for entry in TABLE
                              if entry.format_iri}
_BY_NAME: dict[str, str] = {name: entry.media_type for entry in TABLE for name in entry.names}


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


def format_names(offered: Sequence[str]) -> list[str]:
    """The canonical ``format`` parameter values of ``offered``, for forms and error messages."""
    return [BY_TYPE[media_type].names[0] for media_type in offered]


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How well this range matches ``media_type``: 2 exact, 1 ``type/*``, 0 ``*/*``, -1 not."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def _token(text: str) -> bool:
    return bool(text) and all(ch.isalnum() or ch in "!#$&-^_.+*" for ch in text)


_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def _parse_q(value: str) -> float | None:
    """RFC 9110 qvalue: 0 to 1 with at most three decimals; None when malformed."""
    value = value.strip()
    return float(value) if _QVALUE.fullmatch(value) else None


def _parse_range(element: str) -> MediaRange | None:
    media, *parameters = element.split(";")
    media = media.strip().lower()
    if media == "*":  # some old clients (Java's HttpURLConnection) send a bare "*"
        media = "*/*"
    main, slash, sub = media.partition("/")
    if not slash or not _token(main) or not _token(sub) or (main == "*" and sub != "*"):
        return None
    q = 1.0
    for parameter in parameters:
        name, equals, value = parameter.partition("=")
        if name.strip().lower() == "q":
            q = _parse_q(value) if equals else None
            if q is None:
                return None
            break  # parameters after q are accept-extensions, which we ignore
    return MediaRange(main, sub, q)


def parse_accept(accept: str | None) -> list[MediaRange]:
    """The well-formed media ranges of an Accept header, in header order; malformed ones dropped."""
    if not accept:
        return []
    ranges = (_parse_range(element) for element in accept.split(",") if element.strip())
    return [media_range for media_range in ranges if media_range is not None]


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type``: that of the most specific matching range."""
    best, best_specificity = 0.0, -1
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best_specificity:
            best, best_specificity = media_range.q, specificity
    return best


def choose(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the client prefers; ties go to the earlier one in ``offered``.

    No Accept header, an empty one or one with no well-formed range means "anything", so the
    server's first preference is returned. Raises ``NotAcceptable`` when nothing offered is wanted.
    """
    if not offered:
        raise NotAcceptable([])
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_q = None, 0.0
    for media_type in offered:
        q = quality(ranges, media_type)
        if q > best_q:
            best, best_q = media_type, q
    if best is None:
        raise NotAcceptable(list(offered))
    return best
