"""Content negotiation: Accept-header parsing, and the ``format`` parameter over Accept.

A pure module (no Flask, no RDF library calls): the blueprints ask ``choose(accept, offered)``
for a media type and look up how to write it in the formats table (formats.py). Accept parsing
follows RFC 9110 §12.5.1: q-values, ``type/*`` and ``*/*`` wildcards, ``q=0`` exclusions and the
most specific range winning.
Malformed ranges are skipped rather than rejected, because a client with a broken header still
deserves a representation (RFC 9110 lets a server disregard the header).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pactgraph.errors import NotAcceptable
from pactgraph.formats import media_type_for


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


def with_aliases(accept: str | None, aliases: dict[str, tuple[str, ...]]) -> str | None:
    """``accept`` with each range that is an alias (``application/json``) followed by the media
    types it stands for, at its q-value, unless the header names them itself."""
    if not accept or not any(alias in accept.lower() for alias in aliases):
        return accept
    ranges = parse_accept(accept)
    named = {f"{r.type}/{r.subtype}" for r in ranges}
    extra = [f"{target};q={r.q:g}" for r in ranges
             for target in aliases.get(f"{r.type}/{r.subtype}", ()) if target not in named]
    return ", ".join([accept, *extra]) if extra else accept


def choose_media_type(format_name: str | None, accept: str | None,
                      offered: tuple[str, ...]) -> str:
    """The ``format`` parameter if given (it overrides Accept), else the negotiated type."""
    if not format_name:
        return choose(accept, offered)
    try:
        media_type = media_type_for(format_name)
    except NotAcceptable:
        raise NotAcceptable(list(offered)) from None
    if media_type not in offered:
        # "json" and "xml" name SPARQL results first; for a graph they mean JSON-LD and RDF/XML.
        media_type = {"application/sparql-results+json": "application/ld+json",
                      "application/sparql-results+xml": "application/rdf+xml"}.get(media_type, "")
    if media_type not in offered:
        raise NotAcceptable(list(offered))
    return media_type
