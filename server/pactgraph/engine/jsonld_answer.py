"""Writing a CONSTRUCT or DESCRIBE answer as JSON-LD, compacted with our prefixes.

pyoxigraph's JSON-LD is expanded only, so the triples go through rdflib with our prefixes as the
context (a dict, so rdflib never fetches one). rdflib holds RDF 1.1 terms only: an RDF 1.2 triple
term (``<<( s p o )>>``; reifiers and annotations make them too) or a literal with a base direction
(``"x"@en--ltr``) is refused here with a message naming the formats that carry it. Left to rdflib,
each logged a warning and failed with an error of its own, answered 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph

from pactgraph.namespaces import PREFIXES

RDF_12_FORMATS = "Turtle, N-Triples, N-Quads or TriG"


def jsonld_bytes(triples: Iterable[ox.Triple]) -> bytes:
    """``triples`` as compacted JSON-LD; ValueError at the first term JSON-LD cannot carry here."""
    payload = ox.serialize(_within_rdf_11(triples), format=ox.RdfFormat.N_TRIPLES) or b""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.parse(data=payload, format="nt")
    return graph.serialize(format="json-ld", context=dict(PREFIXES),
                           auto_compact=True).encode("utf-8")


def _within_rdf_11(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    for triple in triples:
        for term in (triple.subject, triple.object):
            if isinstance(term, ox.Triple):
                held = f"an RDF 1.2 triple term ({_shown(term)})"
            elif isinstance(term, ox.Literal) and term.direction is not None:
                held = f"a literal with a base direction ({_shown(term)})"
            else:
                continue
            raise ValueError(f"the result holds {held}, which this server's JSON-LD cannot "
                             f"carry; ask for {RDF_12_FORMATS}")
        yield triple


def _shown(term: ox.Triple | ox.Literal) -> str:
    """``term`` as written in a query (a triple term as ``<<( s p o )>>``), cut to fit a message."""
    text = f"<<( {term} )>>" if isinstance(term, ox.Triple) else str(term)
    return text if len(text) <= 200 else text[:199] + "…"
