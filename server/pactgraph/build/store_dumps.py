"""The downloads of everything published (Turtle, N-Triples, RDF/XML, JSON-LD), from the store.

rdflib's serialisers took 260 of the 440 processor seconds a build spent at 20x the bundled data
(Turtle alone 170 s, behind a sorted copy of every triple held in memory), and a build after an
edit of one file writes every dump again. Oxigraph writes the same triples from the prebuilt
store in about a second at 5x the data (bench/README.md, "Builds without rdflib's copies and
serialisers"). The
JSON-LD dump is compacted with pactgraph's @context, which Oxigraph's writer does not do, by
build/jsonld_writer.py from the same sorted triples. The ontology and shapes dumps stay
rdflib's: small, and read by people.

Equal stores give equal bytes: the triples are sorted (each subject's ``rdf:type`` first), and
Oxigraph's Turtle is laid out as rdflib's was, a blank line between subjects and four spaces in.
"""

from __future__ import annotations

import pyoxigraph as ox

from pactgraph.build.jsonld_writer import jsonld_bytes
from pactgraph.namespaces import PREFIXES

FORMATS = {"text/turtle": ox.RdfFormat.TURTLE,
           "application/n-triples": ox.RdfFormat.N_TRIPLES,
           "application/rdf+xml": ox.RdfFormat.RDF_XML,
           "application/ld+json": ox.RdfFormat.JSON_LD}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# Not ``id:``: its local names hold slashes, which Oxigraph writes escaped (``id:treaty\/x``);
# a full IRI reads better, and is what rdflib wrote.
_PREFIXES = {prefix: iri for prefix, iri in sorted(PREFIXES.items()) if prefix != "id"}


def published_triples(store: ox.Store) -> list[ox.Triple]:
    """Every distinct triple of every graph of ``store``, sorted."""
    return sorted({quad.triple for quad in store}, key=triple_order)


def triple_order(triple: ox.Triple) -> tuple:
    """The dumps' order: by subject, its ``rdf:type`` first, then by predicate and object."""
    return (str(triple.subject), triple.predicate != RDF_TYPE, str(triple.predicate),
            str(triple.object))


def published_bytes(store: ox.Store, media_type: str, context: dict,
                    triples: list[ox.Triple] | None = None) -> bytes:
    """The triples of ``store`` (or ``triples``, already ``published_triples(store)``) as the
    download in ``media_type``, one of ``FORMATS``; JSON-LD compacted with ``context``."""
    rdf_format = FORMATS[media_type]
    triples = published_triples(store) if triples is None else triples
    if rdf_format == ox.RdfFormat.JSON_LD:
        return jsonld_bytes(triples, context)
    prefixes = None if rdf_format == ox.RdfFormat.N_TRIPLES else _PREFIXES
    body = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    return _laid_out(body) if rdf_format == ox.RdfFormat.TURTLE else body


def _laid_out(turtle: bytes) -> bytes:
    """Oxigraph's Turtle with a blank line before each subject and spaces for its tabs.

    Its writer starts a subject at the start of a line and each further predicate on a line of
    its own after one tab; a literal's line breaks are written as ``\\n``, so no other line starts
    with a tab or holds a subject."""
    lines = turtle.split(b"\n")
    laid: list[bytes] = []
    for line in lines:
        if line.startswith(b"\t"):
            laid.append(b"    " * (len(line) - len(line.lstrip(b"\t"))) + line.lstrip(b"\t"))
        elif line and not line.startswith(b"@prefix"):
            laid.extend((b"", line))
        else:
            laid.append(line)
    return b"\n".join(laid)
