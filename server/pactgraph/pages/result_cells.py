"""How a term of a SPARQL JSON result reads to a person, and which IRIs may become links.

Used by the HTML results table (web/routes/sparql.py) and ``pactgraph query``'s text table. Terms
come as SPARQL 1.2 JSON writes them, RDF 1.2 included: a triple term is ``{"type": "triple",
"value": {"subject": ..., "predicate": ..., "object": ...}}`` and reads ``<<( s p o )>>``; a literal
with a base direction carries ``"its:dir"`` and reads ``"x"@en--ltr``.

A result IRI is any IRI a client chose (``<javascript:alert(1)>`` is a valid one), so only an IRI
a browser opens as a page becomes a link: http, https, or relative. The page's Content Security
Policy would block a ``javascript:`` link today; the page does not rely on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LINKABLE_SCHEMES = frozenset({"http", "https", ""})  # "": a relative reference


def linkable(url: str) -> bool:
    """Whether ``url`` may be the target of a link: http, https or relative, read as a browser
    reads it (``urlsplit`` drops leading spaces and control characters, and tabs and line breaks
    anywhere, as browsers do, so `` java\\tscript:`` is seen as ``javascript:``)."""
    try:
        return urlsplit(url).scheme.lower() in LINKABLE_SCHEMES
    except ValueError:  # e.g. an unclosed "[" in the host
        return False


def term_text(term: dict, compact: Callable[[str], str] = str) -> str:
    """A result term as text in a table cell: an IRI as ``compact`` writes it, a literal as its
    lexical form with its language tag (and base direction), a blank node as ``_:label``."""
    kind = term["type"]
    if kind == "uri":
        return compact(term["value"])
    if kind == "bnode":
        return "_:" + term["value"]
    if kind == "triple":
        return _triple_text(term["value"], compact)
    return term["value"] + _language_suffix(term)


def _language_suffix(term: dict) -> str:
    if "xml:lang" not in term:
        return ""
    direction = f"--{term['its:dir']}" if "its:dir" in term else ""
    return f"@{term['xml:lang']}{direction}"


def _triple_text(parts: dict, compact: Callable[[str], str]) -> str:
    """``<<( s p o )>>``, each part written as in Turtle so that the three stay apart."""
    return "<<( " + " ".join(_nested_text(parts[position], compact)
                              for position in ("subject", "predicate", "object")) + " )>>"


def _nested_text(term: dict, compact: Callable[[str], str]) -> str:
    kind = term["type"]
    if kind == "uri":
        written = compact(term["value"])
        return f"<{written}>" if written == term["value"] else written
    if kind == "literal":
        quoted = json.dumps(term["value"], ensure_ascii=False)
        datatype = term.get("datatype")
        if datatype and datatype != XSD_STRING and "xml:lang" not in term:
            written = compact(datatype)
            return quoted + "^^" + (f"<{written}>" if written == datatype else written)
        return quoted + _language_suffix(term)
    return term_text(term, compact)
